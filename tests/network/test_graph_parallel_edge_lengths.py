"""Parallel edges: as lengths (distances, betweenness) the shortest counts, as in NetworkX's
MultiGraph shortest paths and igraph's; as strengths (strength, PageRank) they are summed."""
from __future__ import annotations

import numpy as np
import networkx as nx
import pytest

from earlyhelp import ValidationError
from earlyhelp.network import Graph

ig = pytest.importorskip("igraph")


def test_distances_take_the_shortest_parallel_edge():
    src, dst, w = [0, 0, 1], [1, 1, 2], [1.0, 2.0, 1.0]
    g = Graph.from_edges(src, dst, weight=w)
    np.testing.assert_array_equal(g.distances([0])[0], [0.0, 1.0, 2.0])
    multi = nx.MultiGraph()
    multi.add_weighted_edges_from(zip(src, dst, w))
    assert [nx.shortest_path_length(multi, 0, t, weight="weight") for t in range(3)] == [0, 1.0, 2.0]
    np.testing.assert_array_equal(g.strength(), [3.0, 4.0, 1.0])   # strengths still sum
    edges = g.edges()
    assert edges["weight"].tolist() == [3.0, 1.0] and edges["length"].tolist() == [1.0, 1.0]


def test_betweenness_follows_the_shortest_parallel_edge():
    src, dst, w = [0, 0, 1, 0], [1, 1, 2, 2], [1.0, 1.5, 1.0, 2.2]
    g = Graph.from_edges(src, dst, weight=w)
    np.testing.assert_array_equal(g.betweenness(normalized=False), [0.0, 1.0, 0.0])


def test_zero_length_parallel_edge_is_refused_for_betweenness():
    # the sum (2) is positive, but the shortest edge between 0 and 1 has length 0
    g = Graph.from_edges([0, 0, 1], [1, 1, 2], weight=[0.0, 2.0, 1.0])
    with pytest.raises(ValidationError):
        g.betweenness()


def _random_multigraph(rng, directed):
    n = int(rng.integers(2, 12))
    m = int(rng.integers(0, 3 * n))
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    # repeat some edges with other lengths
    rep = rng.integers(0, max(m, 1), m // 2) if m else np.array([], dtype=int)
    src, dst = np.concatenate([src, src[rep]]), np.concatenate([dst, dst[rep]])
    w = np.round(rng.uniform(0.1, 3.0, len(src)), 3)
    return n, src, dst, w


@pytest.mark.parametrize("directed", [False, True])
def test_against_networkx_multigraph_and_igraph(directed):
    rng = np.random.default_rng(5)
    for _ in range(60):
        n, src, dst, w = _random_multigraph(rng, directed)
        g = Graph.from_edges(src, dst, weight=w, directed=directed, n=n)
        multi = nx.MultiDiGraph() if directed else nx.MultiGraph()
        multi.add_nodes_from(range(n))
        multi.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
        ref = np.full((n, n), np.inf)
        for s, row in nx.all_pairs_dijkstra_path_length(multi, weight="weight"):
            for t, d in row.items():
                ref[s, t] = d
        ours = g.distances(np.arange(n))
        np.testing.assert_allclose(ours, ref, rtol=1e-12)
        other = ig.Graph(n=n, edges=list(zip(src.tolist(), dst.tolist())), directed=directed)
        other.es["weight"] = w.tolist()
        np.testing.assert_allclose(ours, np.array(other.distances(weights="weight")), rtol=1e-12)

        bc = g.betweenness(normalized=False)
        nx_bc = nx.betweenness_centrality(multi, weight="weight", normalized=False)
        np.testing.assert_allclose(bc, [nx_bc[v] for v in range(n)], rtol=1e-9, atol=1e-12)
        # igraph counts tied parallel edges as separate shortest paths (NetworkX and earlyhelp
        # merge them): compare where the shortest parallel edge of every pair is unique
        lengths = {}
        for s, t, x in zip(src.tolist(), dst.tolist(), w.tolist()):
            key = (s, t) if directed else tuple(sorted((s, t)))
            lengths.setdefault(key, []).append(x)
        if all(sorted(v).count(min(v)) == 1 for v in lengths.values()):
            np.testing.assert_allclose(bc, other.betweenness(weights="weight", directed=directed),
                                       rtol=1e-9, atol=1e-12)


def test_pagerank_still_sums_parallel_weights():
    src, dst, w = [0, 0, 1, 1], [1, 1, 2, 0], [1.0, 2.0, 1.0, 0.5]
    g = Graph.from_edges(src, dst, weight=w, directed=True)
    collapsed = nx.DiGraph()
    for u, v, x in zip(src, dst, w):
        collapsed.add_edge(u, v, weight=collapsed[u][v]["weight"] + x if collapsed.has_edge(u, v) else x)
    ref = nx.pagerank(collapsed)
    np.testing.assert_allclose(g.pagerank(), [ref[v] for v in range(3)], rtol=1e-6)
