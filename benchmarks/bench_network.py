"""Benchmark: earlyhelp.network vs NetworkX vs igraph on the same graphs, in one run.

Graphs
------
- family: a synthetic England-scale family network generated directly with numpy
  (families, their members, practitioners, agencies, localities; millions of edges).
- real-like: a 300k-edge preferential-attachment graph (igraph's Barabasi generator,
  100k vertices, 3 edges each), the same edge list fed to every library.
Plus the bipartite projection of 100k families onto 2k agencies and the
min-cost-flow allocation of 5,000 families to 250 practitioners.

NetworkX is timed only where it finishes in reasonable time (the real-like graph,
the projection, the allocation); on the family graph it would need several GB.

Run:  PYTHONPATH=python /work/venv/bin/python benchmarks/bench_network.py [--quick]
"""
from __future__ import annotations

import argparse
import random
import time
from typing import Callable, Dict, List, Optional

import igraph as ig
import networkx as nx
import numpy as np

from earlyhelp.network import Graph, bipartite_projection
from earlyhelp.network.allocate import solve_assignment

ROWS: List[Dict[str, object]] = []


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def record(graph: str, task: str, ours: float, igraph_t: Optional[float], nx_t: Optional[float]) -> None:
    ROWS.append({"graph": graph, "task": task, "ours": ours, "igraph": igraph_t, "networkx": nx_t})
    ig_s = f"{igraph_t * 1e3:10.1f}" if igraph_t is not None else "       n/a"
    nx_s = f"{nx_t * 1e3:10.1f}" if nx_t is not None else "       n/a"
    r_ig = f"{igraph_t / ours:7.1f}x" if igraph_t is not None else "     n/a"
    r_nx = f"{nx_t / ours:7.1f}x" if nx_t is not None else "     n/a"
    print(f"{graph:10s} {task:24s} {ours * 1e3:10.1f} {ig_s} {nx_s}   {r_ig} {r_nx}", flush=True)


def family_network(n_families: int, seed: int = 0):
    """Edge list of a multipartite family network: family-person, family-practitioner,
    practitioner-agency, family-locality. Vertex blocks: families, persons, practitioners,
    agencies, localities."""
    rng = np.random.default_rng(seed)
    n_loc, n_agency = 1_500, 20_000
    n_prac = n_families // 20
    sizes = rng.integers(2, 6, n_families)  # 2-5 members
    n_persons = int(sizes.sum())
    fam_of_person = np.repeat(np.arange(n_families), sizes)
    person = np.arange(n_persons)
    # 3% of persons also belong to a second household nearby (linked households).
    extra = rng.choice(n_persons, n_persons // 33, replace=False)
    extra_fam = np.clip(fam_of_person[extra] + rng.integers(1, 50, len(extra)), 0, n_families - 1)
    n_inv = rng.poisson(2.0, n_families)
    inv_fam = np.repeat(np.arange(n_families), n_inv)
    # Practitioners work locally: families and practitioners are laid out in locality order.
    inv_prac = np.clip((inv_fam / n_families * n_prac + rng.normal(0, 30, len(inv_fam))).astype(np.int64), 0,
                       n_prac - 1)
    prac_agency = (np.arange(n_prac) / n_prac * n_agency + rng.integers(0, 40, n_prac)).astype(np.int64) % n_agency
    fam_loc = (np.arange(n_families) / n_families * n_loc).astype(np.int64)
    off_p, off_pr = n_families, n_families + n_persons
    off_a, off_l = off_pr + n_prac, off_pr + n_prac + n_agency
    src = np.concatenate([fam_of_person, extra_fam, inv_fam, off_pr + np.arange(n_prac), np.arange(n_families)])
    dst = np.concatenate([off_p + person, off_p + extra, off_pr + inv_prac, off_a + prac_agency, off_l + fam_loc])
    return src.astype(np.int64), dst.astype(np.int64), off_l + n_loc


def compare_graph(name: str, src: np.ndarray, dst: np.ndarray, n: int, with_nx: bool, bc_sources: int,
                  n_dist_sources: int) -> None:
    t = time.perf_counter()
    ours = Graph.from_edges(src, dst, n=n)
    build_ours = time.perf_counter() - t
    t = time.perf_counter()
    ig_g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=False)
    build_ig = time.perf_counter() - t
    nx_g = None
    build_nx = None
    if with_nx:
        t = time.perf_counter()
        nx_g = nx.Graph()
        nx_g.add_nodes_from(range(n))
        nx_g.add_edges_from(zip(src.tolist(), dst.tolist()))
        build_nx = time.perf_counter() - t
    print(f"\n{name}: {n:,} vertices, {len(src):,} edges")
    record(name, "build", build_ours, build_ig, build_nx)

    reps = 3 if len(src) < 1_000_000 else 1
    record(name, "components", best_of(ours.components, reps), best_of(ig_g.connected_components, reps),
           best_of(lambda: list(nx.connected_components(nx_g)), 1) if with_nx else None)
    record(name, "pagerank", best_of(ours.pagerank, reps),
           best_of(lambda: ig_g.pagerank(damping=0.85, implementation="prpack"), reps),
           best_of(lambda: nx.pagerank(nx_g, alpha=0.85), 1) if with_nx else None)
    sources = np.random.default_rng(1).choice(n, n_dist_sources, replace=False)
    record(name, f"distances ({n_dist_sources} src)", best_of(lambda: ours.distances(sources), reps),
           best_of(lambda: ig_g.distances(source=sources.tolist()), reps),
           best_of(lambda: [nx.single_source_shortest_path_length(nx_g, int(s)) for s in sources], 1)
           if with_nx else None)
    # Sampled betweenness: the same sources for all three (NetworkX's k/seed sample).
    sample = random.Random(0).sample(range(n), bc_sources)
    record(name, f"betweenness ({bc_sources} src)", best_of(lambda: ours.betweenness(samples=bc_sources, seed=0), 1),
           best_of(lambda: ig_g.betweenness(sources=sample, directed=False), 1),
           best_of(lambda: nx.betweenness_centrality(nx_g, k=bc_sources, seed=0), 1) if with_nx else None)
    if with_nx:
        ours_pr = ours.pagerank()
        nx_pr = nx.pagerank(nx_g)
        err = max(abs(ours_pr[v] - nx_pr[v]) for v in range(0, n, max(1, n // 1000)))
        print(f"{'':10s} check: max |pagerank - networkx| on 1,000 vertices = {err:.2e}")


def compare_projection(n_families: int = 100_000, n_agencies: int = 2_000) -> None:
    rng = np.random.default_rng(2)
    per = rng.integers(1, 5, n_families)  # 1-4 agencies per family, locally clustered
    fam = np.repeat(np.arange(n_families), per)
    agency = ((fam / n_families * n_agencies) + rng.integers(-25, 25, len(fam))).astype(np.int64) % n_agencies
    print(f"\nprojection: {n_families:,} families onto {n_agencies:,} agencies ({len(fam):,} links)")
    ours = best_of(lambda: bipartite_projection(fam, agency, weight="count", n_right=n_agencies), 5)
    # igraph: bipartite graph, agencies first so which=1... project onto agencies with multiplicity.
    types = [False] * n_agencies + [True] * n_families
    bg = ig.Graph.Bipartite(types, np.column_stack([agency, n_agencies + fam]).tolist())
    igt = best_of(lambda: bg.bipartite_projection(which=0, multiplicity=True), 3)
    b = nx.Graph()
    b.add_edges_from(zip(("a%d" % a for a in agency), fam.tolist()))
    nodes = ["a%d" % a for a in range(n_agencies) if b.has_node("a%d" % a)]
    nxt = best_of(lambda: nx.bipartite.weighted_projected_graph(b, nodes), 1)
    record("projection", "bipartite_projection", ours, igt, nxt)
    # Same edges and weights as igraph.
    p = bipartite_projection(fam, agency, weight="count", n_right=n_agencies)
    proj = bg.bipartite_projection(which=0, multiplicity=True)
    print(f"{'':10s} check: edges ours {p.m:,} igraph {proj.ecount():,}; "
          f"total weight ours {p.edges()['weight'].sum():,.0f} igraph {sum(proj.es['weight']):,.0f}")


def compare_allocation(n_families: int = 5_000, n_practitioners: int = 250, k: int = 20) -> None:
    rng = np.random.default_rng(3)
    spare = rng.integers(0, 30, n_practitioners)
    f_loc = rng.integers(0, 8, n_families)
    p_loc = rng.integers(0, 8, n_practitioners)
    tier = rng.choice([0.0, 2.0, 4.0], n_practitioners)
    need = rng.random((n_families, n_practitioners)) < 0.3
    cost = tier[None, :] + np.where(f_loc[:, None] == p_loc[None, :], 0.0, 3.0) + np.where(need, 0.0, 2.0)
    fi, pi = np.divmod(np.arange(n_families * n_practitioners), n_practitioners)
    c = cost.ravel()
    print(f"\nallocation: {n_families:,} families x {n_practitioners} practitioners, "
          f"{int(spare.sum()):,} places, {k} candidates per family")
    ours = best_of(lambda: solve_assignment(n_families, spare, fi, pi, c, candidates=k), 3)
    who, fam_cost = solve_assignment(n_families, spare, fi, pi, c, candidates=k)
    # NetworkX on the same pruned candidate network (min-cost max-flow).
    from earlyhelp.network.allocate import _cheapest

    keep = _cheapest(fi, c, k)
    g = nx.DiGraph()
    for f in range(n_families):
        g.add_edge("s", ("f", f), capacity=1, weight=0)
    for f, p, w in zip(fi[keep].tolist(), pi[keep].tolist(), c[keep].tolist()):
        g.add_edge(("f", f), ("p", p), capacity=1, weight=int(w))
    for p in range(n_practitioners):
        g.add_edge(("p", p), "t", capacity=int(spare[p]), weight=0)
    t = time.perf_counter()
    flow = nx.max_flow_min_cost(g, "s", "t")
    nxt = time.perf_counter() - t
    nx_cost = nx.cost_of_flow(g, flow)
    record("allocation", "min-cost flow", ours, None, nxt)
    print(f"{'':10s} check: assigned ours {(who >= 0).sum():,} networkx {sum(flow['s'].values()):,}; "
          f"cost ours {np.nansum(fam_cost):,.0f} networkx {nx_cost:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller family network")
    parser.add_argument("--families", type=int, default=600_000, help="families in the England-scale network")
    args = parser.parse_args()
    n_fam = 60_000 if args.quick else args.families
    print(f"{'graph':10s} {'task':24s} {'ours ms':>10s} {'igraph ms':>10s} {'nx ms':>10s}   "
          f"{'igraph/us':>8s} {'nx/us':>8s}")
    src, dst, n = family_network(n_fam)
    compare_graph("family", src, dst, n, with_nx=False, bc_sources=20, n_dist_sources=10)
    g = ig.Graph.Barabasi(100_000, 3, directed=False)
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    compare_graph("real-like", edges[:, 0], edges[:, 1], g.vcount(), with_nx=True, bc_sources=20,
                  n_dist_sources=10)
    compare_projection()
    compare_allocation()


if __name__ == "__main__":
    main()
