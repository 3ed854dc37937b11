"""Sampled agency betweenness does not depend on the row order of the agencies table, and is
NetworkX's betweenness_centrality(k, seed) on the collaboration's own NetworkX graph."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from earlyhelp.network import FamilyNetwork

from _council import small_council

AT = "2024-06-30"


@pytest.fixture(scope="module")
def council():
    return small_council()


def _centrality(ds, samples, seed=0):
    c = FamilyNetwork.from_dataset(ds, at=AT).agency_collaboration(betweenness_samples=samples, seed=seed)
    return c.agencies.set_index("agency_id")[["pagerank", "betweenness"]].sort_index()


@pytest.mark.parametrize("shuffle", [1, 7, 11])
def test_sampled_betweenness_is_the_same_in_any_row_order(council, shuffle):
    shuffled = council.replace(agencies=council.agencies.sample(frac=1, random_state=shuffle)
                               .reset_index(drop=True))
    for samples in (None, 2, 4):
        pd.testing.assert_frame_equal(_centrality(council, samples), _centrality(shuffled, samples),
                                      check_exact=False, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [2, 4, 7])
@pytest.mark.parametrize("seed", [0, 3])
def test_sampled_betweenness_is_networkx_on_its_own_graph(council, k, seed):
    c = FamilyNetwork.from_dataset(council, at=AT).agency_collaboration(betweenness_samples=k, seed=seed)
    ref = pd.Series(nx.betweenness_centrality(c.to_networkx(), k=k, seed=seed))
    ours = c.agencies.set_index(c.agencies["agency_id"].astype(str))["betweenness"]
    pd.testing.assert_series_equal(ours.sort_index(), ref.sort_index(), check_names=False, check_index_type=False,
                                   rtol=1e-12, atol=1e-15)
    assert list(c.to_networkx()) == sorted(ours.index)   # nodes in vertex order: by agency id
