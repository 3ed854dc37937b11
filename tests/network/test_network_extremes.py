"""Sampled betweenness (finite and unbiased for every number of sources, NetworkX's where it is
defined), and inputs at the edges: zero-weight self-loops, subnormal weights, costs near 1e308."""
from __future__ import annotations

import itertools
import random
import warnings

import networkx as nx
import numpy as np
import pytest

from earlyhelp import ValidationError
from earlyhelp.network import FamilyNetwork, Graph, allocate_leads

from _council import small_council


def _graphs():
    karate = nx.karate_club_graph()
    directed = nx.gnp_random_graph(9, 0.3, seed=4, directed=True)
    two_parts = nx.disjoint_union(nx.path_graph(4), nx.star_graph(3))   # disconnected
    return [pytest.param(karate, id="karate"), pytest.param(directed, id="directed"),
            pytest.param(two_parts, id="disconnected")]


def _ours(g: nx.Graph) -> Graph:
    """Our graph of a NetworkX graph whose nodes are 0..n-1 (so both draw the same sources)."""
    g = nx.convert_node_labels_to_integers(g)
    src, dst = (np.array(x, dtype=np.int64) for x in zip(*g.edges())) if g.number_of_edges() else ([], [])
    return Graph.from_edges(src, dst, directed=g.is_directed(), n=g.number_of_nodes())


def _vec(d: dict, n: int) -> np.ndarray:
    return np.array([d[v] for v in range(n)], dtype=float)


@pytest.mark.parametrize("g", _graphs())
@pytest.mark.parametrize("normalized", [True, False])
def test_one_source_is_finite_and_unbiased(g, normalized):
    # samples=1 gave the drawn source NaN (NetworkX's rescaling divides by samples - 1)
    g = nx.convert_node_labels_to_integers(g)
    n = g.number_of_nodes()
    ours = _ours(g)
    exact = _vec(nx.betweenness_centrality(g, normalized=normalized), n)
    mean = np.zeros(n)
    for s in range(n):   # each source is drawn with probability 1/n
        est = ours._g.betweenness(np.array([s], dtype=np.int64), True, normalized)
        assert np.isfinite(est).all() and est[s] == 0
        mean += est / n
    np.testing.assert_allclose(mean, exact, rtol=1e-9, atol=1e-12)
    for seed in range(5):
        est = ours.betweenness(samples=1, seed=seed, normalized=normalized)
        assert np.isfinite(est).all()
        source = random.Random(seed).sample(range(n), 1)[0]
        with np.errstate(invalid="ignore"):
            theirs = _vec(nx.betweenness_centrality(g, k=1, seed=seed, normalized=normalized), n)
        assert np.isnan(theirs[source]) and est[source] == 0
        # the other vertices: NetworkX's estimate scaled by n / (n - 1) (its (n - 1) / k became n / k)
        others = np.arange(n) != source
        np.testing.assert_allclose(est[others], theirs[others] * n / (n - 1), rtol=1e-9, atol=1e-12)


def test_every_sample_size_averages_to_the_exact_value():
    """Over every equally likely set of k sources the mean estimate is the exact betweenness."""
    g = nx.gnp_random_graph(7, 0.35, seed=2)
    ours = _ours(g)
    exact = _vec(nx.betweenness_centrality(g), 7)
    for k in range(1, 8):
        draws = [ours._g.betweenness(np.array(c, dtype=np.int64), True, True)
                 for c in itertools.combinations(range(7), k)]
        np.testing.assert_allclose(np.mean(draws, axis=0), exact, rtol=1e-9, atol=1e-12, err_msg=f"k={k}")


@pytest.mark.parametrize("g", _graphs())
@pytest.mark.parametrize("normalized", [True, False])
def test_two_or_more_sources_are_networkx(g, normalized):
    g = nx.convert_node_labels_to_integers(g)
    n = g.number_of_nodes()
    ours = _ours(g)
    for k in (2, 3, n // 2, n - 1):
        for seed in (0, 7):
            expected = _vec(nx.betweenness_centrality(g, k=k, seed=seed, normalized=normalized), n)
            got = ours.betweenness(samples=k, seed=seed, normalized=normalized)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=f"k={k} seed={seed}")


@pytest.mark.parametrize("extra", [0, 1, 1000])
def test_as_many_samples_as_vertices_or_more_is_exact(extra):
    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    expected = _vec(nx.betweenness_centrality(g), n)
    np.testing.assert_allclose(_ours(g).betweenness(samples=n + extra), expected, rtol=1e-9, atol=1e-12)


def test_samples_on_small_and_empty_graphs():
    assert Graph.from_edges([], []).betweenness(samples=3).size == 0
    assert Graph.from_edges([], [], n=1).betweenness(samples=1).tolist() == [0.0]
    assert Graph.from_edges([0], [1]).betweenness(samples=1).tolist() == [0.0, 0.0]
    for bad in (0, -2):
        with pytest.raises(ValidationError, match="betweenness.samples: must be 1 or more"):
            Graph.from_edges([0, 1], [1, 2]).betweenness(samples=bad)


def test_the_core_refuses_repeated_or_missing_sources():
    g = Graph.from_edges([0, 1], [1, 2])
    with pytest.raises(ValueError, match="more than once"):
        g._g.betweenness(np.array([1, 1], dtype=np.int64), True, True)
    with pytest.raises(ValueError, match="at least one source"):
        g._g.betweenness(np.array([], dtype=np.int64), True, True)


def test_a_zero_weight_self_loop_does_not_block_betweenness():
    # a self-loop is on no shortest path; its zero weight was refused as if it were a zero-length edge
    plain = Graph.from_edges([0, 1, 0], [1, 2, 2], [1.0, 1.0, 3.0])
    looped = Graph.from_edges([0, 1, 0, 1], [1, 2, 2, 1], [1.0, 1.0, 3.0, 0.0])
    np.testing.assert_allclose(looped.betweenness(), plain.betweenness())
    np.testing.assert_allclose(looped.betweenness(), [0.0, 1.0, 0.0])
    with pytest.raises(ValidationError, match="positive weights"):
        Graph.from_edges([0, 1], [1, 2], [0.0, 1.0]).betweenness()


def test_pagerank_of_subnormal_weights_is_that_of_their_ratios():
    # weights of 1e-320 made rank / strength overflow: "did not converge" (NetworkX fails the same way)
    tiny = Graph.from_edges([0, 1], [1, 2], [1e-320, 1e-320]).pagerank()
    np.testing.assert_allclose(tiny, Graph.from_edges([0, 1], [1, 2]).pagerank(), rtol=1e-9)


def test_agency_collaboration_with_more_samples_than_agencies_is_exact():
    net = FamilyNetwork.from_dataset(small_council(n_families=120, n_practitioners=25, seed=3))
    exact = net.agency_collaboration().agencies.set_index("agency_id")["betweenness"]
    many = net.agency_collaboration(betweenness_samples=10_000).agencies.set_index("agency_id")["betweenness"]
    pd_index = exact.index
    np.testing.assert_allclose(many.reindex(pd_index).to_numpy(), exact.to_numpy())
    one = net.agency_collaboration(betweenness_samples=1).agencies["betweenness"]
    assert one.notna().all()


def test_allocation_whose_total_cost_would_overflow_is_a_named_problem():
    # each family's cost 1e308 is finite; their total was inf, with numpy overflow warnings
    ds = small_council(n_families=60, n_practitioners=12, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationError, match="allocate_leads.cost: the assigned families' costs add up"):
            allocate_leads(ds, cost=lambda f, p: np.full(len(f), 1e308))
        scaled = allocate_leads(ds, cost=lambda f, p: np.full(len(f), 1e300))
    assert np.isfinite(scaled.total_cost) and len(scaled.assignments)
