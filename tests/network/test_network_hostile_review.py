"""Odd and bad input to the network module: each case raises a named ValidationError, or gives
the right answer and says what it left out."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import FamilyNetwork, Graph, allocate_leads, bipartite_projection

T0 = pd.Timestamp("2024-01-01")


def _council(episodes=None, involvements=None, practitioners=None, families=None) -> Dataset:
    """Two families, two agencies, three practitioners; the pieces a test changes are arguments."""
    localities = pd.DataFrame({"locality_id": ["L1", "L2"], "name": ["North", "South"], "kind": "family_hub_area",
                               "council_code": "E08000026", "region_code": None, "child_population": 100,
                               "deprivation": 0.5})
    agencies = pd.DataFrame({"agency_id": ["EH", "SCH"], "name": ["Early Help", "School"],
                             "agency_type": ["la_early_help", "school"]})
    if practitioners is None:
        practitioners = pd.DataFrame({"practitioner_id": ["P1", "P2", "P3"], "agency_id": ["EH", "SCH", "EH"],
                                      "locality_id": ["L1", "L1", "L2"],
                                      "tier": ["frequent_modelling", "regular_promoting", "frequent_modelling"],
                                      "fte": 1.0, "caseload_capacity": [5, 5, 5]})
    if families is None:
        families = pd.DataFrame({"family_id": ["F1", "F2"], "locality_id": ["L1", "L2"]})
    persons = pd.DataFrame({"person_id": ["C1", "C2"], "birth_date": T0, "sex": "U", "ethnicity": "WBRI"})
    members = pd.DataFrame({"family_id": ["F1", "F2"], "person_id": ["C1", "C2"], "role": "child"})
    if episodes is None:
        episodes = pd.DataFrame({"episode_id": ["E1", "E2"], "family_id": ["F1", "F2"], "start_date": T0,
                                 "end_date": pd.NaT, "level": 3, "lead_practitioner_id": ["P1", None],
                                 "locality_id": ["L1", "L2"], "end_reason": None})
    if involvements is None:
        involvements = pd.DataFrame({"involvement_id": ["I1"], "practitioner_id": ["P2"], "family_id": ["F1"],
                                     "role": "taf_member", "start_date": T0, "end_date": pd.NaT})
    return Dataset.from_frames(localities=localities, agencies=agencies, practitioners=practitioners,
                               families=families, persons=persons, family_members=members, episodes=episodes,
                               involvements=involvements)


# -- Graph ------------------------------------------------------------------------------------

def test_nodes_table_of_a_labelled_graph_has_its_degrees():
    g = Graph.from_edges([("a", "b"), ("b", "c")])
    table = g.nodes()
    assert table["degree"].tolist() == [1, 2, 1]
    assert table["strength"].tolist() == [1, 2, 1]
    assert table["component"].tolist() == [0, 0, 0]


def test_tuple_node_labels_as_networkx_grid_graphs_use():
    grid = nx.grid_2d_graph(3, 3)
    g = Graph.from_edges(list(grid.edges()))
    assert g.labels.shape == (9,)
    assert g.degree().to_dict() == dict(grid.degree())
    assert g.pagerank().to_dict() == pytest.approx(nx.pagerank(grid), rel=1e-6)
    one = g.distances((0, 0))        # one tuple label is one source, not the sources 0 and 0
    assert one.shape == (1, 9)
    assert one.xs((0, 0)).to_dict() == dict(nx.single_source_shortest_path_length(grid, (0, 0)))
    assert g.distances([(0, 0), (2, 2)]).shape == (2, 9)
    ids = Graph.from_edges([0], [1], labels=[(0, 0), (0, 1)])
    assert ids.labels.shape == (2,) and ids.nodes()["label"].tolist() == [(0, 0), (0, 1)]


@pytest.mark.parametrize("build", [
    lambda: Graph.from_edges([0, 1], [1, 2], weight=[1.0, "heavy"]),
    lambda: Graph.from_edges([("a", "b", 1.0), ("b", "c", "heavy")]),
    lambda: Graph.from_edges(pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "weight": [1.0, "heavy"]})),
])
def test_weights_that_are_not_numbers_name_the_row(build):
    with pytest.raises(ValidationError) as err:
        build()
    problem = err.value.problems[0]
    assert problem.column == "weight" and list(problem.rows) == [1] and problem.value == "heavy"


def test_weights_whose_sums_overflow_raise():
    # merged into one edge of weight inf, or a path "unreachable", or a PageRank not summing to 1
    with pytest.raises(ValidationError, match="overflow"):
        Graph.from_edges([0, 0], [1, 1], weight=[1e308, 1e308])
    with pytest.raises(ValidationError, match="overflow"):
        Graph.from_edges([0, 1], [1, 2], weight=[1e308, 1e308])


@pytest.mark.parametrize("samples", [2.5, "2", True])
def test_betweenness_samples_must_be_a_whole_number(samples):
    g = Graph.from_edges([0, 1, 2], [1, 2, 3])
    with pytest.raises(ValidationError) as err:
        g.betweenness(samples=samples)
    assert err.value.problems[0].column == "samples"


def test_pagerank_parameters_are_checked_by_name():
    g = Graph.from_edges([0, 1], [1, 2])
    with pytest.raises(ValidationError) as err:
        g.pagerank(damping="high")
    assert err.value.problems[0].column == "damping"
    with pytest.raises(ValidationError) as err:
        g.pagerank(max_iter=2.5)          # was cut to 2 iterations without a word
    assert err.value.problems[0].column == "max_iter"


def test_edge_lists_that_cannot_be_read_raise_validation_errors():
    with pytest.raises(ValidationError, match="got int"):
        Graph.from_edges(5)
    with pytest.raises(ValidationError, match="hashable"):
        Graph.from_edges([(["a"], "b")])  # a list is no node (NetworkX refuses it too)
    with pytest.raises(ValidationError) as err:
        Graph.from_edges([0], [1], directed="no")
    assert err.value.problems[0].column == "directed"


def test_bipartite_projection_negative_n_right_raises():
    with pytest.raises(ValidationError) as err:
        bipartite_projection([], [], n_right=-1)
    assert err.value.problems[0].column == "n_right"


# -- FamilyNetwork ----------------------------------------------------------------------------

def test_graph_when_a_kind_has_no_rows_at_the_date():
    # Before anyone started work there are no current practitioners: the graph still builds.
    prac = pd.DataFrame({"practitioner_id": ["P1", "P2", "P3"], "agency_id": ["EH", "SCH", "EH"],
                         "start_date": pd.Timestamp("2023-06-01")})
    ds = _council(practitioners=prac)
    net = FamilyNetwork.from_dataset(ds, at="2023-01-01")
    assert "practitioner" not in set(net.nodes["kind"])
    assert net.graph.n == len(net.nodes) and net.to_networkx().number_of_nodes() == net.graph.n


def test_at_must_be_a_date_and_a_time_zone_is_dropped():
    ds = _council()
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(ds, at=2024)   # pandas would read 2,024 nanoseconds after 1970
    assert err.value.problems[0].column == "at"
    aware = FamilyNetwork.from_dataset(ds, at=pd.Timestamp("2024-03-01", tz="Europe/London"))
    naive = FamilyNetwork.from_dataset(ds, at="2024-03-01")
    assert aware.at == naive.at
    pd.testing.assert_frame_equal(aware.team_around_family(), naive.team_around_family())


def test_current_involvement_with_no_family_is_counted():
    inv = pd.DataFrame({"involvement_id": ["I1", "I2"], "practitioner_id": ["P2", "P3"], "family_id": ["F1", None],
                        "role": "taf_member", "start_date": T0, "end_date": pd.NaT})
    net = FamilyNetwork.from_dataset(_council(involvements=inv))
    assert "P3" not in set(net.team["practitioner_id"])
    reasons = {e.reason: e.rows for e in net.excluded}
    assert reasons["current involvement with no family (none recorded, nor through its episode)"] == 1


def test_overlapping_open_episodes_are_counted_and_their_leads_kept():
    eps = pd.DataFrame({"episode_id": ["E0", "E1", "E2"], "family_id": ["F1", "F1", "F2"],
                        "start_date": [T0 - pd.Timedelta(days=30), T0, T0], "end_date": pd.NaT, "level": 3,
                        "lead_practitioner_id": ["P3", "P1", None], "locality_id": ["L1", "L1", "L2"],
                        "end_reason": None})
    net = FamilyNetwork.from_dataset(_council(episodes=eps))
    taf = net.team_around_family().set_index("family_id")
    assert taf.loc["F1", "episode_id"] == "E1" and taf.loc["F1", "lead_practitioner_id"] == "P1"
    assert "P3" in taf.loc["F1", "practitioners"]      # still leads an open episode of F1
    loads = net.caseloads().set_index("practitioner_id")
    assert loads.loc["P3", "open_families"] == 1 and loads.loc["P3", "lead_families"] == 1
    assert [e.rows for e in net.excluded if e.table == "episodes"] == [1]


def test_missing_tier_stays_missing():
    prac = pd.DataFrame({"practitioner_id": ["P1", "P2", "P3"], "agency_id": ["EH", "SCH", "EH"],
                         "tier": [None, "occasional_aware", None], "caseload_capacity": 5})
    ds = _council(practitioners=prac)
    net = FamilyNetwork.from_dataset(ds)
    taf = net.team_around_family().set_index("family_id")
    assert pd.isna(taf.loc["F1", "lead_tier"])                    # was the text "nan"
    loads = net.caseloads().set_index("practitioner_id")
    assert pd.isna(loads.loc["P3", "tier"]) and loads.loc["P2", "tier"] == "occasional_aware"
    allocation = allocate_leads(ds, network=net)
    assert len(allocation.assignments) == 1                     # F2, to P1 or P3: no tier, costed as unknown
    assert allocation.assignments["tier"].isna().all()


def test_lead_share_missing_locality_is_missing_not_text():
    eps = pd.DataFrame({"episode_id": ["E1", "E2"], "family_id": ["F1", "F2"], "start_date": T0,
                        "end_date": pd.NaT, "level": 3, "lead_practitioner_id": ["P1", None],
                        "locality_id": None, "end_reason": None})
    fams = pd.DataFrame({"family_id": ["F1", "F2"], "locality_id": ["L1", None]})
    share = FamilyNetwork.from_dataset(_council(episodes=eps, families=fams)).lead_share(freq="Y")
    assert share["locality_id"].isna().sum() == 1 and "<NA>" not in set(share["locality_id"].dropna())
    assert share["episodes"].sum() == 2
    np.testing.assert_allclose(share["share"], 1.0)


@pytest.mark.parametrize("freq", ["banana", 1])
def test_lead_share_bad_freq_names_it(freq):
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(_council()).lead_share(freq=freq)
    assert err.value.problems[0].column == "freq"


@pytest.mark.parametrize("min_agencies", ["3", float("nan"), 2.5])
def test_coordination_gaps_min_agencies_must_be_whole(min_agencies):
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(_council()).coordination_gaps(min_agencies=min_agencies)
    assert err.value.problems[0].column == "min_agencies"


@pytest.mark.parametrize("top", [0, -3, 2.5])
def test_plot_top_is_checked(top):
    collab = FamilyNetwork.from_dataset(_council()).agency_collaboration()
    with pytest.raises(ValidationError) as err:
        collab.plot(top=top)
    assert err.value.problems[0].column == "top"


# -- allocate_leads ---------------------------------------------------------------------------

@pytest.mark.parametrize("candidates", [2.5, "5", True])
def test_allocate_candidates_must_be_whole(candidates):
    with pytest.raises(ValidationError) as err:
        allocate_leads(_council(), candidates=candidates)
    assert err.value.problems[0].column == "candidates"


def test_allocate_cost_function_returning_text_raises_validation_error():
    with pytest.raises(ValidationError) as err:
        allocate_leads(_council(), cost=lambda f, p: np.array(["cheap"] * len(f)))
    assert err.value.problems[0].column == "cost"


def test_allocate_network_must_be_a_family_network():
    ds = _council()
    with pytest.raises(ValidationError) as err:
        allocate_leads(ds, network=ds)
    assert err.value.problems[0].column == "network"


# -- second hostile review: raw exceptions and links lost when a table is not supplied ----------

def test_pagerank_max_iter_past_the_core_int_names_it():
    with pytest.raises(ValidationError) as err:        # was pybind11's TypeError
        Graph.from_edges([0], [1]).pagerank(max_iter=2 ** 40)
    assert err.value.problems[0].column == "max_iter"


@pytest.mark.parametrize("column, kwargs", [("normalized", {"normalized": "no"}),
                                            ("seed", {"samples": 2, "seed": [1]})])
def test_betweenness_flags_and_seed_are_checked_by_name(column, kwargs):
    with pytest.raises(ValidationError) as err:        # were TypeErrors from the core / random
        Graph.from_edges([0, 1], [1, 2]).betweenness(**kwargs)
    assert err.value.problems[0].column == column


def test_complex_weights_are_refused_not_cut_to_their_real_part():
    with pytest.raises(ValidationError) as err:
        Graph.from_edges([0, 1], [1, 2], weight=[1.0, 2 + 3j])
    problem = err.value.problems[0]
    assert problem.column == "weight" and list(problem.rows) == [1]
    assert Graph.from_edges([0], [1], weight=np.array([2 + 0j])).strength().tolist() == [2.0, 2.0]


def _without(*names: str) -> Dataset:
    tables = {k: v for k, v in _council().tables.items() if k not in names}
    return Dataset.from_frames(**tables)


@pytest.mark.parametrize("missing, relation", [("persons", "member"), ("agencies", "employment"),
                                               ("localities", "lives_in")])
def test_graph_keeps_links_to_a_table_not_supplied(missing, relation):
    # the ids the links name still stand: the edges were dropped without a count
    full = FamilyNetwork.from_dataset(_council()).edges["relation"].value_counts()
    net = FamilyNetwork.from_dataset(_without(missing))
    assert net.edges["relation"].value_counts().to_dict() == full.to_dict()
    assert net.to_networkx().number_of_edges() == full.sum()
    assert net.excluded.total() == 0


def test_agency_collaboration_without_an_agencies_table():
    net = FamilyNetwork.from_dataset(_without("agencies"))
    assert net.unknown_agencies == 2
    collab = net.agency_collaboration()              # raised "vertex id out of range 0..-1"
    agencies = collab.agencies.set_index("agency_id")
    assert agencies["families"].to_dict() == {"EH": 1, "SCH": 1}
    assert set(agencies["sector"]) == {"unknown"} and agencies["agency_type"].isna().all()
    assert collab.edges[["agency_id_a", "agency_id_b", "shared_families"]].values.tolist() == [["EH", "SCH", 1.0]]


def test_lead_share_counts_a_lead_of_unknown_agency_as_unknown_not_no_lead():
    for missing in ("agencies", "practitioners"):
        share = FamilyNetwork.from_dataset(_without(missing)).lead_share(freq=None, by_locality=False)
        assert share.set_index("sector")["episodes"].to_dict() == {"no_lead": 1, "unknown": 1}, missing


def test_lead_share_by_locality_must_be_a_flag():
    with pytest.raises(ValidationError) as err:      # "no" was taken as True
        FamilyNetwork.from_dataset(_council()).lead_share(by_locality="no")
    assert err.value.problems[0].column == "by_locality"


@pytest.mark.parametrize("ds", ["council.csv", None])
def test_network_and_allocation_need_a_dataset(ds):
    for build in (lambda: FamilyNetwork.from_dataset(ds), lambda: allocate_leads(ds)):
        with pytest.raises(ValidationError) as err:  # was AttributeError: no attribute 'agencies'
            build()
        assert err.value.problems[0].column == "ds"


def test_allocate_cost_must_be_a_function():
    with pytest.raises(ValidationError) as err:      # was TypeError: 'str' object is not callable
        allocate_leads(_council(), cost="cheapest")
    assert err.value.problems[0].column == "cost"
