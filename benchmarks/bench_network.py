"""Benchmark: earlyhelp.network against igraph and NetworkX on the same graphs, in one run.

Graphs and problems
-------------------
- ``family``: a synthetic England-scale family network made with numpy, shaped like
  :class:`earlyhelp.network.FamilyNetwork`'s graph (families, their members with 3% in a
  second household, practitioners working locally, agencies, localities): 600,000
  families by default, about 4 million edges. NetworkX is not run here (it needs
  minutes and several GB to build it and minutes per algorithm); ``--nx-family`` forces it.
- ``real-like``: a 300,000-edge preferential-attachment graph (igraph's Barabasi
  generator, 100,000 vertices, 3 edges each), the same edge list for all three libraries.
- ``projection``: 100,000 families onto 2,000 agencies (1-4 agencies per family, locally
  clustered; repeated pairs removed so every library sees the same simple bipartite graph).
- ``allocation``: 5,000 families x 250 practitioners (every pair eligible, integer costs from
  tier, locality and need match; 1.25 million candidate arcs), min-cost maximum flow; then the
  same with real-valued costs (each plus a uniform 0-1 draw), which the solver meets with cost
  scaling, against the primal-dual method alone and NetworkX.
  Ours: ``solve_assignment`` as ``allocate_leads`` calls it (the solver chooses its start:
  all pairs for the integer costs; the 16 cheapest per family, then pricing, for the real
  ones), from all pairs, and from the 40 cheapest per family then pricing the rest (exact).
  A third problem, where every family ranks the practitioners alike (cost: the
  practitioner's plus a uniform 0-1 draw), is the case the cheapest few do not settle.
  NetworkX: ``network_simplex`` on the same network (a bypass arc s->t makes it maximise the
  flow first), ``--nx-alloc-k`` pairs per family (default: all) if it is too slow.

Each timing is the CPU time of the best of several runs (one for slow ones); ratios are peer time / ours,
so above 1 means we are faster. Results are checked against the peers (same components,
PageRank within 1e-6, same distances, same projected edges and weights, same flow and cost).

Run:  PYTHONPATH=python python benchmarks/bench_network.py
      (``--quick``: 60,000 families in the family network)
"""
from __future__ import annotations

import argparse
import os
import random
import time
from typing import Callable, Optional

import igraph as ig
import networkx as nx
import numpy as np

from earlyhelp.network import Graph, bipartite_projection
from earlyhelp.network.allocate import AUTOMATIC, solve_assignment

PRUNED = 40  # pairs per family the pruned rows start from


# CPU time of this process by default: the benchmark machine is shared (2 cores, several
# jobs), and all three libraries run these tasks on one thread, so CPU time is what wall
# time would be on an idle machine. ``--wall`` switches to wall-clock time.
CLOCK = time.process_time


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = CLOCK()
        fn()
        times.append(CLOCK() - t)
    return min(times)


def record(graph: str, task: str, ours: float, igraph_t: Optional[float], nx_t: Optional[float]) -> None:
    def ms(x: Optional[float]) -> str:
        return f"{x * 1e3:11.1f}" if x is not None else "        n/a"

    def ratio(x: Optional[float]) -> str:
        return f"{x / ours:9.1f}x" if x is not None else "       n/a"

    print(f"{graph:11s} {task:24s} {ms(ours)} {ms(igraph_t)} {ms(nx_t)} {ratio(igraph_t)} {ratio(nx_t)}", flush=True)


def family_network(n_families: int, seed: int = 0):
    """Edge list of a multipartite family network: family-person, family-practitioner,
    practitioner-agency, family-locality. Vertex blocks: families, persons, practitioners,
    agencies, localities."""
    rng = np.random.default_rng(seed)
    n_loc, n_agency = max(8, n_families // 400), max(40, n_families // 30)
    n_prac = max(250, n_families // 20)
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


def simple_edges(src: np.ndarray, dst: np.ndarray):
    """Each undirected edge once (igraph keeps parallel edges; ours and NetworkX merge them)."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = np.unique(lo * (int(hi.max()) + 1) + hi)
    return key // (int(hi.max()) + 1), key % (int(hi.max()) + 1)


def compare_graph(name: str, src: np.ndarray, dst: np.ndarray, n: int, with_nx: bool, n_sources: int) -> None:
    src, dst = simple_edges(src, dst)
    print(f"\n{name}: {n:,} vertices, {len(src):,} edges")
    t = CLOCK()
    ours = Graph.from_edges(src, dst, n=n)
    build_ours = CLOCK() - t
    t = CLOCK()
    ig_g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=False)
    build_ig = CLOCK() - t
    nx_g, build_nx = None, None
    if with_nx:
        t = CLOCK()
        nx_g = nx.Graph()
        nx_g.add_nodes_from(range(n))
        nx_g.add_edges_from(zip(src.tolist(), dst.tolist()))
        build_nx = CLOCK() - t
    record(name, "build from edge list", build_ours, build_ig, build_nx)

    reps = 5 if len(src) < 1_000_000 else 3
    record(name, "components", best_of(ours.components, reps), best_of(ig_g.connected_components, reps),
           best_of(lambda: list(nx.connected_components(nx_g)), 1) if with_nx else None)
    labels = ours.components()
    ig_labels = np.asarray(ig_g.connected_components().membership)
    same = len(np.unique(labels)) == len(np.unique(ig_labels)) and \
        len(np.unique(labels * (ig_labels.max() + 1) + ig_labels)) == len(np.unique(labels))
    # igraph (PRPACK) solves PageRank exactly; NetworkX's default stop (L1 change < n * 1e-6)
    # ends after a couple of iterations on big graphs. So ours and NetworkX run to
    # L1 change < n * 1e-12 here, close to igraph's answer (the check prints how close).
    exact = dict(tol=1e-12, max_iter=1000)
    record(name, "pagerank (to 1e-12)", best_of(lambda: ours.pagerank(**exact), reps),
           best_of(lambda: ig_g.pagerank(damping=0.85), reps),
           best_of(lambda: nx.pagerank(nx_g, alpha=0.85, **exact), 1) if with_nx else None)
    pr_ig = np.asarray(ig_g.pagerank(damping=0.85))
    pr_err = float(np.abs(ours.pagerank(**exact) - pr_ig).max() / pr_ig.max())
    sources = np.random.default_rng(1).choice(n, n_sources, replace=False)
    record(name, f"distances ({n_sources} sources)", best_of(lambda: ours.distances(sources), reps),
           best_of(lambda: ig_g.distances(source=sources.tolist()), reps),
           best_of(lambda: [nx.single_source_shortest_path_length(nx_g, int(s)) for s in sources], 1)
           if with_nx else None)
    d_ours = ours.distances(sources)
    d_ig = np.asarray(ig_g.distances(source=sources.tolist()), dtype=float)
    # Sampled betweenness from the same 20 sources for all three (NetworkX's k/seed sample).
    k = 20
    sample = random.Random(0).sample(range(n), k)
    # NetworkX's sampled betweenness is not timed: minutes on these graphs.
    record(name, f"betweenness ({k} sources)", best_of(lambda: ours.betweenness(samples=k, seed=0), 1),
           best_of(lambda: ig_g.betweenness(sources=sample, directed=False), 1), None)
    print(f"{'':11s} check vs igraph: same components {same}; max pagerank diff / max pagerank {pr_err:.1e}; "
          f"same distances {np.array_equal(d_ours, d_ig)}")
    if with_nx:
        nx_pr = nx.pagerank(nx_g, **exact)
        ours_pr = ours.pagerank(**exact)
        err = max(abs(ours_pr[v] - nx_pr[v]) for v in range(n))
        print(f"{'':11s} check vs networkx (same stopping rule): max |pagerank diff| {err:.1e}")


def compare_projection(n_families: int = 100_000, n_agencies: int = 2_000) -> None:
    rng = np.random.default_rng(2)
    per = rng.integers(1, 5, n_families)  # 1-4 agencies per family, locally clustered
    fam = np.repeat(np.arange(n_families), per)
    agency = ((fam / n_families * n_agencies) + rng.integers(-25, 25, len(fam))).astype(np.int64) % n_agencies
    pairs = np.unique(np.column_stack([fam, agency]), axis=0)  # a simple bipartite graph for everyone
    fam, agency = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    print(f"\nprojection: {n_families:,} families onto {n_agencies:,} agencies ({len(fam):,} links)")
    ours = best_of(lambda: bipartite_projection(fam, agency, weight="count", n_right=n_agencies), 7)
    # igraph: bipartite graph with agencies first; project onto them with multiplicity as weight.
    types = [False] * n_agencies + [True] * n_families
    bg = ig.Graph.Bipartite(types, np.column_stack([agency, n_agencies + fam]))
    igt = best_of(lambda: bg.bipartite_projection(which=0, multiplicity=True), 5)
    b = nx.Graph()
    b.add_nodes_from(range(n_agencies))
    b.add_edges_from(zip(agency.tolist(), (n_agencies + fam).tolist()))
    nxt = best_of(lambda: nx.bipartite.weighted_projected_graph(b, range(n_agencies)), 1)
    record("projection", "bipartite_projection", ours, igt, nxt)
    e = bipartite_projection(fam, agency, weight="count", n_right=n_agencies).edges()
    proj = bg.bipartite_projection(which=0, multiplicity=True)
    ig_edges = sorted((min(u, v), max(u, v), w) for (u, v), w in zip(proj.get_edgelist(), proj.es["weight"]))
    ours_edges = sorted(zip(e["source"].tolist(), e["target"].tolist(), e["weight"].astype(int).tolist()))
    print(f"{'':11s} check vs igraph: {len(ours_edges):,} edges, identical edges and weights "
          f"{ours_edges == ig_edges}; goal < 40 ms: {'met' if ours < 0.040 else 'NOT met'} ({ours * 1e3:.1f} ms)")


def allocation_problem(n_families: int = 5_000, n_practitioners: int = 250, seed: int = 3):
    rng = np.random.default_rng(seed)
    spare = rng.integers(0, 30, n_practitioners)
    f_loc, p_loc = rng.integers(0, 8, n_families), rng.integers(0, 8, n_practitioners)
    tier = rng.choice([0.0, 2.0, 4.0], n_practitioners)
    need = rng.random((n_families, n_practitioners)) < 0.3
    cost = tier[None, :] + np.where(f_loc[:, None] == p_loc[None, :], 0.0, 3.0) + np.where(need, 0.0, 2.0)
    fi, pi = np.divmod(np.arange(n_families * n_practitioners), n_practitioners)
    return spare, fi, pi, cost.ravel()


def networkx_allocation(n_families: int, spare: np.ndarray, fi: np.ndarray, pi: np.ndarray, c: np.ndarray,
                        unit: float = 1.0):
    """network_simplex on s -> family -> practitioner -> t, plus a costly bypass s -> t so that
    the cheapest flow of n_families units sends as many as possible through families. Costs are
    given to it in whole multiples of ``unit`` (network_simplex is exact on integers only)."""
    c = np.rint(c / unit)
    g = nx.DiGraph()
    big = int(c.max()) * 2 + 1
    g.add_node("s", demand=-n_families)
    g.add_node("t", demand=n_families)
    g.add_edge("s", "t", capacity=n_families, weight=big)
    g.add_edges_from((("s", ("f", f), {"capacity": 1, "weight": 0}) for f in range(n_families)))
    g.add_edges_from(((("f", f), ("p", p), {"capacity": 1, "weight": int(w)})
                      for f, p, w in zip(fi.tolist(), pi.tolist(), c.tolist())))
    g.add_edges_from(((("p", p), "t", {"capacity": int(s), "weight": 0}) for p, s in enumerate(spare)))
    t = CLOCK()
    total, flow = nx.network_simplex(g)
    elapsed = CLOCK() - t
    through = n_families - flow["s"]["t"]
    return elapsed, through, (total - big * flow["s"]["t"]) * unit


def cheapest_pairs(fi: np.ndarray, pi: np.ndarray, c: np.ndarray, k: int):
    """Each family's k cheapest pairs (ties by practitioner): the problem NetworkX can solve."""
    order = np.lexsort((pi, c, fi))
    first = np.searchsorted(fi[order], fi[order])
    keep = order[(np.arange(len(order)) - first) < k]
    return fi[keep], pi[keep], c[keep]


def compare_allocation(nx_k: Optional[int]) -> None:
    n_families, n_practitioners = 5_000, 250
    spare, fi, pi, c = allocation_problem(n_families, n_practitioners)
    print(f"\nallocation: {n_families:,} families x {n_practitioners} practitioners, {int(spare.sum()):,} places, "
          f"{len(fi):,} candidate pairs")
    # What allocate_leads does at this size: all pairs from the start.
    ours = best_of(lambda: solve_assignment(n_families, spare, fi, pi, c, candidates=None), 5)
    who, fam_cost = solve_assignment(n_families, spare, fi, pi, c, candidates=None)
    pruned = best_of(lambda: solve_assignment(n_families, spare, fi, pi, c, candidates=PRUNED), 3)
    who_k, cost_k = solve_assignment(n_families, spare, fi, pi, c, candidates=PRUNED)
    same_k = (who_k >= 0).sum() == (who >= 0).sum() and np.nansum(cost_k) == np.nansum(fam_cost)
    if nx_k:  # NetworkX on each family's nx_k cheapest pairs; we solve that smaller problem too
        fi_n, pi_n, c_n = cheapest_pairs(fi, pi, c, nx_k)
        ours_n = best_of(lambda: solve_assignment(n_families, spare, fi_n, pi_n, c_n, candidates=None), 5)
        who, fam_cost = solve_assignment(n_families, spare, fi_n, pi_n, c_n, candidates=None)
    nxt, nx_flow, nx_cost = networkx_allocation(n_families, spare, *((fi_n, pi_n, c_n) if nx_k else (fi, pi, c)))
    record("allocation", "min-cost flow, all pairs", ours, None, None if nx_k else nxt)
    record("allocation", f"  from {PRUNED} cheapest+pricing", pruned, None, None)
    if nx_k:
        record("allocation", f"  {nx_k} pairs per family", ours_n, None, nxt)
    print(f"{'':11s} pricing reaches the all-pairs optimum: {same_k}")
    print(f"{'':11s} check vs networkx network_simplex{f' ({nx_k} pairs per family)' if nx_k else ''}: "
          f"assigned {int((who >= 0).sum()):,} vs {nx_flow:,}; cost {np.nansum(fam_cost):,.0f} vs {nx_cost:,.0f}")
    print(f"{'':11s} goal < 100 ms: {'met' if ours < 0.1 else 'NOT met'} ({ours * 1e3:.1f} ms)")
    real_valued_allocation(n_families, spare, fi, pi, c, nx_k)


def real_valued_allocation(n_families: int, spare, fi, pi, c, nx_k: Optional[int]) -> None:
    """The same problem with real-valued costs (each cost plus a uniform 0-1 draw, as a distance
    would be): no two routes cost the same, which the solver meets with cost scaling."""
    real = c + np.random.default_rng(5).random(len(c))
    ours = best_of(lambda: solve_assignment(n_families, spare, fi, pi, real, candidates=AUTOMATIC), 3)
    who, fam_cost = solve_assignment(n_families, spare, fi, pi, real, candidates=AUTOMATIC)
    every = best_of(lambda: solve_assignment(n_families, spare, fi, pi, real, candidates=None), 3)
    who_a, cost_a = solve_assignment(n_families, spare, fi, pi, real, candidates=None)
    same_a = (who_a >= 0).sum() == (who >= 0).sum() and np.isclose(np.nansum(cost_a), np.nansum(fam_cost), rtol=1e-9)
    pruned = best_of(lambda: solve_assignment(n_families, spare, fi, pi, real, candidates=PRUNED), 3)
    who_k, cost_k = solve_assignment(n_families, spare, fi, pi, real, candidates=PRUNED)
    same_k = (who_k >= 0).sum() == (who >= 0).sum() and np.isclose(np.nansum(cost_k), np.nansum(fam_cost), rtol=1e-9)
    # What the primal-dual method alone takes on them (one phase for about every family).
    from earlyhelp._native import network as core
    t = CLOCK()
    _, pd_cost, _, pd_phases, _ = core.assign_min_cost(n_families, spare.astype(np.int64), fi.astype(np.int64),
                                                       pi.astype(np.int64), real, 0, core.FlowMethod.primal_dual)
    primal_dual = CLOCK() - t
    record("allocation", "real costs, solver's choice", ours, None, None)
    record("allocation", "  all pairs", every, None, None)
    record("allocation", f"  from {PRUNED} cheapest+pricing", pruned, None, None)
    print(f"{'':11s} same optimum from all pairs: {same_a}, from {PRUNED} cheapest: {same_k}")
    print(f"{'':11s} primal-dual method alone: {primal_dual * 1e3:,.0f} ms ({pd_phases:,} phases; "
          f"{primal_dual / ours:.0f}x the solver's choice), same cost: "
          f"{np.isclose(np.nansum(pd_cost), np.nansum(fam_cost), rtol=1e-9)}")
    if nx_k:  # NetworkX on each family's nx_k cheapest pairs, costs in millionths
        fi_n, pi_n, c_n = cheapest_pairs(fi, pi, real, nx_k)
        ours_n = best_of(lambda: solve_assignment(n_families, spare, fi_n, pi_n, c_n, candidates=None), 3)
        who, fam_cost = solve_assignment(n_families, spare, fi_n, pi_n, c_n, candidates=None)
        nxt, nx_flow, nx_cost = networkx_allocation(n_families, spare, fi_n, pi_n, c_n, unit=1e-6)
        record("allocation", f"  {nx_k} pairs per family", ours_n, None, nxt)
        print(f"{'':11s} check vs networkx network_simplex ({nx_k} pairs per family, costs in millionths): "
              f"assigned {int((who >= 0).sum()):,} vs {nx_flow:,}; cost {np.nansum(fam_cost):,.4f} vs {nx_cost:,.4f}")
    alike_ranking_allocation(n_families, spare, fi, pi)


def alike_ranking_allocation(n_families: int, spare, fi, pi) -> None:
    """Real-valued costs that rank the practitioners alike for every family (a practitioner's
    cost plus a uniform 0-1 draw): the cheapest few of each family overlap, so pricing would
    go on for many rounds; the solver's choice then takes every pair after two."""
    rng = np.random.default_rng(6)
    alike = (rng.random(int(pi.max()) + 1) * 100)[pi] + rng.random(len(pi))
    ours = best_of(lambda: solve_assignment(n_families, spare, fi, pi, alike, candidates=AUTOMATIC), 3)
    who, fam_cost = solve_assignment(n_families, spare, fi, pi, alike, candidates=AUTOMATIC)
    every = best_of(lambda: solve_assignment(n_families, spare, fi, pi, alike, candidates=None), 3)
    who_a, cost_a = solve_assignment(n_families, spare, fi, pi, alike, candidates=None)
    record("allocation", "alike ranking, solver's choice", ours, None, None)
    record("allocation", "  all pairs", every, None, None)
    print(f"{'':11s} same optimum: {(who_a >= 0).sum() == (who >= 0).sum() and np.isclose(np.nansum(cost_a), np.nansum(fam_cost), rtol=1e-9)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="60,000 families in the family network")
    parser.add_argument("--families", type=int, default=600_000, help="families in the England-scale network")
    parser.add_argument("--nx-family", action="store_true", help="also run NetworkX on the family network")
    parser.add_argument("--nx-alloc-k", type=int, default=0, help="pairs per family given to NetworkX (0 = all)")
    parser.add_argument("--only", choices=["family", "real-like", "projection", "allocation"], action="append")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    only = set(args.only or ["family", "real-like", "projection", "allocation"])
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; timing: "
          f"{'wall clock' if args.wall else 'CPU time'}; igraph {ig.__version__}, networkx {nx.__version__}")
    print(f"{'graph':11s} {'task':24s} {'ours ms':>11s} {'igraph ms':>11s} {'nx ms':>11s} {'igraph/us':>10s} "
          f"{'nx/us':>10s}")
    if "family" in only:
        src, dst, n = family_network(60_000 if args.quick else args.families)
        compare_graph("family", src, dst, n, with_nx=args.nx_family, n_sources=10)
        del src, dst
    if "real-like" in only:
        g = ig.Graph.Barabasi(100_000, 3, directed=False)
        edges = np.asarray(g.get_edgelist(), dtype=np.int64)
        compare_graph("real-like", edges[:, 0], edges[:, 1], g.vcount(), with_nx=True, n_sources=10)
    if "projection" in only:
        compare_projection()
    if "allocation" in only:
        compare_allocation(args.nx_alloc_k or None)


if __name__ == "__main__":
    main()
