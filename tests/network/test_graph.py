"""The graph engine against NetworkX on random graphs and NetworkX's real graphs."""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from earlyhelp import ValidationError
from earlyhelp.network import Graph, bipartite_projection


def _from_nx(g: nx.Graph, weight: str | None = None):
    """Our Graph from a NetworkX graph, with the node -> id map."""
    nodes = list(g.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    edges = list(g.edges(data=True))
    src = np.array([index[u] for u, _, _ in edges], dtype=np.int64)
    dst = np.array([index[v] for _, v, _ in edges], dtype=np.int64)
    w = None if weight is None else np.array([d.get(weight, 1.0) for _, _, d in edges])
    return Graph.from_edges(src, dst, w, directed=g.is_directed(), n=len(nodes), labels=nodes), nodes


def _random_graphs():
    rng = np.random.default_rng(3)
    out = []
    for i, (n, p, directed) in enumerate([(60, 0.05, False), (80, 0.04, True), (40, 0.15, False), (50, 0.08, True)]):
        g = nx.gnp_random_graph(n, p, seed=i, directed=directed)
        for u, v in g.edges():
            g[u][v]["weight"] = float(rng.integers(1, 6))  # integer weights: ties are exact
        out.append(pytest.param(g, id=f"gnp{n}{'d' if directed else ''}"))
    return out


def _real_graphs():
    davis = nx.davis_southern_women_graph()
    karate = nx.karate_club_graph()  # has integer 'weight' attributes
    flor = nx.florentine_families_graph()
    return [pytest.param(davis, id="davis"), pytest.param(karate, id="karate"), pytest.param(flor, id="florentine")]


GRAPHS = _random_graphs() + _real_graphs()


def _vec(d, nodes):
    return np.array([d[v] for v in nodes], dtype=float)


@pytest.mark.parametrize("g", GRAPHS)
@pytest.mark.parametrize("weighted", [False, True])
def test_pagerank_matches_networkx(g, weighted):
    w = "weight" if weighted else None
    ours, nodes = _from_nx(g, w)
    expected = _vec(nx.pagerank(g, alpha=0.85, weight=w), nodes)
    got = ours.pagerank(0.85)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    assert got.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("g", GRAPHS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("normalized", [True, False])
def test_betweenness_matches_networkx(g, weighted, normalized):
    w = "weight" if weighted else None
    ours, nodes = _from_nx(g, w)
    expected = _vec(nx.betweenness_centrality(g, weight=w, normalized=normalized), nodes)
    np.testing.assert_allclose(ours.betweenness(normalized=normalized), expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("g", GRAPHS)
def test_sampled_betweenness_uses_networkx_sources(g):
    ours, nodes = _from_nx(g)
    # Same sources as NetworkX when nodes are 0..n-1 in order.
    relabelled = nx.relabel_nodes(g, {v: i for i, v in enumerate(nodes)})
    k = max(2, len(nodes) // 3)
    expected = _vec(nx.betweenness_centrality(relabelled, k=k, seed=11), range(len(nodes)))
    np.testing.assert_allclose(ours.betweenness(samples=k, seed=11), expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("g", GRAPHS)
@pytest.mark.parametrize("weighted", [False, True])
def test_distances_match_networkx(g, weighted):
    w = "weight" if weighted else None
    ours, nodes = _from_nx(g, w)
    sources = [0, len(nodes) // 2, len(nodes) - 1]
    got = ours.distances(sources)
    for row, s in zip(got, sources):
        lengths = nx.single_source_dijkstra_path_length(g, nodes[s], weight=w or (lambda u, v, d: 1))
        expected = np.array([lengths.get(v, math.inf) for v in nodes])
        np.testing.assert_allclose(row, expected)


@pytest.mark.parametrize("g", GRAPHS)
def test_components_degree_strength_match_networkx(g):
    ours, nodes = _from_nx(g, "weight")
    comps = nx.weakly_connected_components(g) if g.is_directed() else nx.connected_components(g)
    expected = {frozenset(c) for c in comps}
    labels = ours.components()
    got = {frozenset(nodes[i] for i in np.flatnonzero(labels == k)) for k in np.unique(labels)}
    assert got == expected
    deg = g.out_degree() if g.is_directed() else g.degree()
    np.testing.assert_array_equal(ours.degree(), _vec(dict(deg), nodes))
    strength = g.out_degree(weight="weight") if g.is_directed() else g.degree(weight="weight")
    np.testing.assert_allclose(ours.strength(), _vec(dict(strength), nodes))


@pytest.mark.parametrize("kind", ["count", "jaccard"])
def test_bipartite_projection_davis_matches_networkx(kind):
    g = nx.davis_southern_women_graph()
    women, events = sorted(g.graph["top"]), sorted(g.graph["bottom"])
    wi = {v: i for i, v in enumerate(women)}
    ei = {v: i for i, v in enumerate(events)}
    edges = [(wi[u], ei[v]) if u in wi else (wi[v], ei[u]) for u, v in g.edges()]
    left = np.array([e[1] for e in edges])  # events as left: project onto women
    right = np.array([e[0] for e in edges])
    proj = bipartite_projection(left, right, weight=kind, labels=women)
    if kind == "count":
        ref = nx.bipartite.weighted_projected_graph(g, women)
    else:
        ref = nx.bipartite.overlap_weighted_projected_graph(g, women, jaccard=True)
    got = {frozenset((r.source, r.target)): r.weight for r in proj.edges().itertuples()}
    expected = {frozenset((u, v)): d["weight"] for u, v, d in ref.edges(data=True)}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12)


def test_random_bipartite_projection_matches_networkx():
    rng = np.random.default_rng(5)
    left = rng.integers(0, 200, 600)
    right = rng.integers(0, 30, 600)
    proj = bipartite_projection(left, right, weight="count", n_right=30)
    b = nx.Graph()
    b.add_nodes_from((f"r{j}" for j in range(30)))
    b.add_edges_from((f"l{i}", f"r{j}") for i, j in zip(left, right))
    ref = nx.bipartite.weighted_projected_graph(b, [f"r{j}" for j in range(30)])
    expected = {frozenset((int(u[1:]), int(v[1:]))): d["weight"] for u, v, d in ref.edges(data=True)}
    got = {frozenset((int(r.source), int(r.target))): r.weight for r in proj.edges().itertuples()}
    assert got == expected


def test_to_networkx_round_trip():
    g = nx.karate_club_graph()
    ours, _ = _from_nx(g, "weight")
    back = ours.to_networkx()
    assert nx.utils.graphs_equal(back, g) or (
        set(back.edges()) == set(g.edges()) and all(back[u][v]["weight"] == g[u][v]["weight"] for u, v in g.edges()))


# -- bad input: each has a documented behaviour --------------------------------

def test_ids_out_of_range_raise():
    with pytest.raises(ValidationError) as err:
        Graph.from_edges([0, 1, 7], [1, 2, 3], n=5)
    assert err.value.problems[0].column == "src" and err.value.problems[0].value == 7
    with pytest.raises(ValidationError, match="vertex ids must be 0 or more") as err:
        Graph.from_edges([0, -1], [1, 2])
    assert err.value.problems[0].rows == [1]
    with pytest.raises(ValidationError):
        Graph.from_edges([0, 1], [1, 2, 3])
    with pytest.raises(ValidationError):
        Graph.from_edges([0, 1.5], [1, 2])
    with pytest.raises(ValidationError):
        Graph.from_edges([0, 1], [1, 2]).distances([9])


@pytest.mark.parametrize("bad", [np.nan, -1.0, np.inf])
def test_bad_weights_raise(bad):
    with pytest.raises(ValidationError) as err:
        Graph.from_edges([0, 1], [1, 2], weight=[1.0, bad])
    assert err.value.problems[0].column == "weight" and list(err.value.problems[0].rows) == [1]


def test_core_checks_too():
    from earlyhelp._core import CoreInputError, network as core

    with pytest.raises(CoreInputError):
        core.Graph(np.array([0, 5]), np.array([1, 1]), None, False, 3)
    with pytest.raises(CoreInputError):
        core.Graph(np.array([0]), np.array([1]), np.array([np.nan]), False, -1)


def test_empty_graph():
    g = Graph.from_edges([], [])
    assert g.n == 0 and g.m == 0
    for result in (g.pagerank(), g.components(), g.betweenness(), g.degree(), g.strength()):
        assert result.shape == (0,)
    assert g.edges().empty and g.nodes().empty
    iso = Graph.from_edges([], [], n=3)
    np.testing.assert_allclose(iso.pagerank(), [1 / 3] * 3)
    np.testing.assert_array_equal(iso.components(), [0, 1, 2])
    assert bipartite_projection([], []).n == 0


def test_self_loops_follow_networkx():
    g = nx.Graph([(0, 1), (1, 2), (2, 2)])
    ours = Graph.from_edges([0, 1, 2], [1, 2, 2])
    np.testing.assert_array_equal(ours.degree(), [1, 2, 3])  # loop counts twice, as nx
    np.testing.assert_allclose(ours.pagerank(), _vec(nx.pagerank(g), [0, 1, 2]), rtol=1e-6)
    np.testing.assert_allclose(ours.betweenness(), _vec(nx.betweenness_centrality(g), [0, 1, 2]))
    assert ours.m == 3


def test_duplicate_edges_are_merged_with_summed_weights():
    ours = Graph.from_edges([0, 1, 0, 1], [1, 0, 1, 2], weight=[1.0, 2.0, 3.0, 1.0])
    assert ours.m == 2
    edges = ours.edges()
    assert edges.loc[(edges.source == 0) & (edges.target == 1), "weight"].item() == 6.0
    mg = nx.MultiGraph()
    mg.add_weighted_edges_from([(0, 1, 1.0), (1, 0, 2.0), (0, 1, 3.0), (1, 2, 1.0)])
    collapsed = nx.Graph()
    for u, v, d in mg.edges(data=True):
        w = collapsed[u][v]["weight"] + d["weight"] if collapsed.has_edge(u, v) else d["weight"]
        collapsed.add_edge(u, v, weight=w)
    np.testing.assert_allclose(ours.pagerank(), _vec(nx.pagerank(collapsed), [0, 1, 2]), rtol=1e-6)
    unweighted = Graph.from_edges([0, 0, 1], [1, 1, 2])
    assert not unweighted.weighted and unweighted.m == 2
    np.testing.assert_array_equal(unweighted.degree(), [1, 2, 1])


def test_results_are_numpy_without_copy_semantics():
    g = Graph.from_edges([0, 1], [1, 2])
    pr = g.pagerank()
    assert isinstance(pr, np.ndarray) and pr.dtype == np.float64 and pr.flags.owndata is False


def test_betweenness_names_zero_weight_edges_by_their_endpoints():
    # the row numbers were of the graph's own edge list, which the caller never sees
    g = Graph.from_edges([("school", "health", 1.0), ("health", "police", 0.0), ("police", "school", 2.0)])
    with pytest.raises(ValidationError) as err:
        g.betweenness()
    (problem,) = err.value.problems
    assert problem.column == "weight" and problem.n_rows == 1
    assert problem.rows in (["health-police"], ["police-health"])


def test_pagerank_not_converging_raises():
    g = Graph.from_edges([0, 1], [1, 0], directed=True, n=3)
    with pytest.raises(ValidationError):
        g.pagerank(max_iter=1, tol=1e-15)


@pytest.mark.parametrize("n", [True, np.bool_(True), 2.5, "3", np.nan, pytest.param(10 ** 400, id="10**400")])
def test_vertex_count_must_be_a_whole_number_in_range(n):
    with pytest.raises(ValidationError) as err:  # 10**400 was an OverflowError
        Graph.from_edges([0, 1], [1, 0], n=n)
    assert err.value.problems[0].column == "n"


def test_bipartite_projection_bad_input():
    with pytest.raises(ValidationError) as err:
        bipartite_projection([0, -1], [0, 1])
    assert err.value.problems[0].column == "left" and err.value.problems[0].value == -1
    with pytest.raises(ValidationError) as err:
        bipartite_projection([0, 1], [0, 5], n_right=3)
    assert err.value.problems[0].column == "right" and err.value.problems[0].value == 5
    with pytest.raises(ValidationError):
        bipartite_projection([0, 1], [0, 1], weight="cosine")
    with pytest.raises(ValidationError):
        bipartite_projection([0, 1, 2], [0, 1])
    # Repeated (left, right) pairs count once, as in a simple bipartite graph.
    proj = bipartite_projection([0, 0, 0, 1], [0, 1, 1, 1])
    assert proj.edges()["weight"].tolist() == [1.0]


def test_zero_weights_distances_match_networkx_and_betweenness_refuses():
    g = nx.gnp_random_graph(30, 0.15, seed=1)
    rng = np.random.default_rng(1)
    for u, v in g.edges():
        g[u][v]["weight"] = float(rng.integers(0, 3))
    ours, nodes = _from_nx(g, "weight")
    lengths = nx.single_source_dijkstra_path_length(g, nodes[0], weight="weight")
    np.testing.assert_allclose(ours.distances([0])[0], [lengths.get(v, math.inf) for v in nodes])
    np.testing.assert_allclose(ours.pagerank(), _vec(nx.pagerank(g, weight="weight"), nodes), rtol=1e-6)
    with pytest.raises(ValidationError) as err:
        ours.betweenness()
    assert err.value.problems[0].column == "weight" and err.value.problems[0].value == 0.0
    # Unweighted betweenness of the same graph is fine.
    plain, _ = _from_nx(g)
    np.testing.assert_allclose(plain.betweenness(), _vec(nx.betweenness_centrality(g), nodes), atol=1e-12)


def test_florentine_families_all_measures():
    """The Florentine families (Padgett): the Medici lead on PageRank and betweenness, as in NetworkX."""
    g = nx.florentine_families_graph()
    ours, nodes = _from_nx(g)
    bc = ours.betweenness()
    np.testing.assert_allclose(bc, _vec(nx.betweenness_centrality(g), nodes), rtol=1e-9)
    assert nodes[int(np.argmax(bc))] == "Medici"
    assert nodes[int(np.argmax(ours.pagerank()))] == "Medici"
    edges = ours.edges()
    back = ours.to_networkx()
    assert set(map(frozenset, back.edges())) == set(map(frozenset, g.edges())) and len(edges) == g.number_of_edges()
    table = ours.nodes()
    assert table["degree"].tolist() == [g.degree(v) for v in nodes] and table["component"].nunique() == 1


def test_pagerank_tight_tolerance_matches_igraph_exact():
    """With a tight tol the power iteration reaches igraph's exact (PRPACK) PageRank."""
    ig = pytest.importorskip("igraph")
    g = ig.Graph.Barabasi(3000, 2, directed=False)
    e = np.asarray(g.get_edgelist())
    ours = Graph.from_edges(e[:, 0], e[:, 1], n=g.vcount())
    exact = np.asarray(g.pagerank(damping=0.85))
    np.testing.assert_allclose(ours.pagerank(tol=1e-14, max_iter=1000), exact, rtol=1e-6, atol=1e-12)


_HUGE_ID_PROBE = """
import numpy as np
from earlyhelp import ValidationError
from earlyhelp.network import bipartite_projection
from earlyhelp._core import CoreInputError, network as core

big = 2 ** 63 - 1
g = bipartite_projection([big, big], [0, 1])
assert g.n == 2 and g.m == 1, (g.n, g.m)
a, b, w = core.bipartite_projection(np.array([big, big, 7]), np.array([0, 1, 1]))
assert a.tolist() == [0] and b.tolist() == [1] and w.tolist() == [1.0]
for call, arg in ((lambda: core.bipartite_projection(np.array([0, 0]), np.array([big, 0])), None),
                  (lambda: core.bipartite_projection(np.array([0]), np.array([0]), big), None),
                  (lambda: core.Graph(np.array([big]), np.array([0])), None),
                  (lambda: bipartite_projection([0, 0], [big, 0]), "right"),
                  (lambda: bipartite_projection([0], [0], n_right=big), "n_right"),
                  (lambda: bipartite_projection(np.array([2 ** 64 - 1], dtype=np.uint64), [0]), "left"),
                  (lambda: __import__("earlyhelp").network.Graph.from_edges([0], [1], n=big), "n")):
    try:
        call()
    except (CoreInputError, ValidationError) as err:
        assert arg is None or err.problems[0].column == arg, (arg, str(err))
    else:
        raise AssertionError("no error for " + str(arg))
print("ok")
"""


def test_huge_ids_raise_instead_of_crashing():
    # In a subprocess: before the bounds, the first call wrote out of bounds and
    # killed the interpreter, which would have taken pytest with it.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _HUGE_ID_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.strip() == "ok"


# -- graphs of labelled nodes (as NetworkX users build them) -------------------------------
def test_edge_list_of_labels_gives_results_keyed_by_label():
    import pandas as pd

    edges = [("ann", "bob"), ("bob", "cat"), ("cat", "ann"), ("dan", "eve"), ("bob", "dan")]
    ours = Graph.from_edges(edges)
    g = nx.Graph(edges)
    assert list(ours.labels) == list(g.nodes())                 # nodes in order of first appearance
    for mine, theirs in ((ours.degree(), dict(g.degree())), (ours.pagerank(), nx.pagerank(g)),
                         (ours.betweenness(), nx.betweenness_centrality(g))):
        assert isinstance(mine, pd.Series)
        assert mine.to_dict() == pytest.approx(theirs, rel=1e-6)
    component = ours.components()
    for part in nx.connected_components(g):
        assert component[list(part)].nunique() == 1
    assert component.nunique() == nx.number_connected_components(g)
    dist = ours.distances(["ann", "eve"])
    assert dist.loc["ann"].to_dict() == pytest.approx(dict(nx.single_source_shortest_path_length(g, "ann")))
    assert dist.loc["eve", "bob"] == 2
    with pytest.raises(ValidationError, match="not a node"):
        ours.distances("zed")


def test_edge_list_dataframe_with_weights_matches_from_pandas_edgelist():
    import pandas as pd

    df = pd.DataFrame({"source": ["a", "b", "c", "a"], "target": ["b", "c", "d", "d"],
                       "weight": [1.0, 2.0, 1.0, 5.0]})
    ours = Graph.from_edges(df)
    g = nx.from_pandas_edgelist(df, edge_attr="weight")
    assert ours.weighted and ours.strength().to_dict() == dict(g.degree(weight="weight"))
    assert ours.pagerank().to_dict() == pytest.approx(nx.pagerank(g, weight="weight"), rel=1e-6)
    assert ours.distances("a").loc["a"].to_dict() == pytest.approx(nx.single_source_dijkstra_path_length(g, "a"))
    triples = Graph.from_edges(list(df.itertuples(index=False, name=None)), directed=True)
    assert triples.directed and triples.strength()["a"] == 6.0
    unweighted = Graph.from_edges(df[["source", "target"]])
    assert not unweighted.weighted


@pytest.mark.parametrize("edges, message", [
    ([("a", "b"), ("b",)], "pairs"),
    ([("a", "b"), ("b", None)], "must not be missing"),
    ([("a", "b", -1.0)], "weights must be finite"),
])
def test_bad_labelled_edge_lists(edges, message):
    with pytest.raises(ValidationError, match=message):
        Graph.from_edges(edges)


def test_bad_labelled_edge_frame():
    import pandas as pd

    with pytest.raises(ValidationError, match="target"):
        Graph.from_edges(pd.DataFrame({"source": ["a"], "to": ["b"]}))
    with pytest.raises(ValidationError, match="w2"):
        Graph.from_edges(pd.DataFrame({"source": ["a"], "target": ["b"]}), weight="w2")


@pytest.mark.parametrize("method, args", [("betweenness", ()), ("distances", ([0, 1],))])
def test_long_graph_work_shows_a_bar_by_default(method, args, monkeypatch, capsys):
    """By default a bar appears once the work has lasted AUTO_PROGRESS_DELAY, and never with progress=False."""
    import earlyhelp._native as native

    monkeypatch.delenv("EARLYHELP_NO_PROGRESS", raising=False)
    monkeypatch.setattr(native, "progress_enabled", lambda: True)  # as on a terminal
    g = Graph.from_edges(np.arange(199), np.arange(1, 200))
    monkeypatch.setattr(native, "AUTO_PROGRESS_DELAY", 0.0)  # every call counts as long here
    getattr(g, method)(*args)
    assert method in capsys.readouterr().err
    getattr(g, method)(*args, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(native, "AUTO_PROGRESS_DELAY", 3600.0)  # and as short here
    getattr(g, method)(*args)
    assert capsys.readouterr().err == ""


def test_an_n_by_2_or_3_array_is_an_edge_list_like_a_list_of_pairs():
    pairs = Graph.from_edges(np.array([[0, 1], [1, 2], [2, 0]]))
    assert pairs.n == 3 and pairs.m == 3 and pairs.by_label
    listed = Graph.from_edges([(0, 1), (1, 2), (2, 0)])
    assert pairs.degree().equals(listed.degree())
    weighted = Graph.from_edges(np.array([["a", "b", 2.0], ["b", "c", 3.0]], dtype=object))
    assert sorted(weighted.edges()["weight"]) == [2.0, 3.0]
    with pytest.raises(ValidationError, match=r"2 columns \(u, v\) or 3 .*got shape \(2, 4\)"):
        Graph.from_edges(np.zeros((2, 4)))
