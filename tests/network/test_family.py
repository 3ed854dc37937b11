"""FamilyNetwork on a hand-built council with known answers, and on a random one against NetworkX."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import FamilyNetwork

from _council import small_council

T0 = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    """Three families. F1: four agencies, a lead, assessed. F2: three agencies, no lead, not assessed.
    F3: one agency. Person C9 is in F2 and F3 (linked households). P4 starts on F1 after the snapshot date."""
    localities = pd.DataFrame({"locality_id": ["L1", "L2"], "name": ["North", "South"], "kind": "family_hub_area",
                               "council_code": "E08000026", "region_code": None, "child_population": 100,
                               "deprivation": 0.5})
    agencies = pd.DataFrame({"agency_id": ["EH", "SCH", "HV", "POL", "HOU"],
                             "name": ["Early Help", "School", "Health visitors", "Police", "Housing"],
                             "agency_type": ["la_early_help", "school", "health_visitor", "police", "housing"]})
    practitioners = pd.DataFrame({
        "practitioner_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "agency_id": ["EH", "SCH", "HV", "POL", "HOU", "EH"],
        "locality_id": ["L1", "L1", "L2", "L2", "L1", "L2"],
        "tier": ["frequent_modelling", "regular_promoting", "regular_promoting", "sometimes_active",
                 "sometimes_active", "frequent_modelling"],
        "fte": [1.0, 0.5, 1.0, 1.0, 1.0, 0.0], "caseload_capacity": [2, 4, 10, 5, 5, 0]})
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3"], "locality_id": ["L1", "L2", "L2"]})
    persons = pd.DataFrame({"person_id": [f"C{i}" for i in range(10)], "birth_date": T0, "sex": "U",
                            "ethnicity": "WBRI"})
    members = pd.DataFrame({"family_id": ["F1", "F1", "F2", "F2", "F2", "F3", "F3"],
                            "person_id": ["C1", "C2", "C3", "C4", "C9", "C5", "C9"],
                            "role": ["parent_carer", "child", "parent_carer", "child", "child", "parent_carer",
                                     "child"]})
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E0"], "family_id": ["F1", "F2", "F3", "F1"],
        "start_date": [T0, T0, T0, pd.Timestamp("2023-01-01")],
        "end_date": [pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2023-06-01")],
        "level": 3, "episode_type": "early_help", "lead_practitioner_id": ["P1", None, None, "P2"],
        "lead_agency_id": [None, None, None, None], "locality_id": ["L1", "L2", "L2", "L1"], "origin": "request",
        "end_reason": [None, None, None, "outcomes_met"]})
    assessments = pd.DataFrame({"assessment_id": ["S1"], "episode_id": ["E1"], "started": T0, "completed": pd.NaT,
                                "agency_id": ["EH"]})
    inv = [("I1", "P2", "F1", T0), ("I2", "P3", "F1", T0), ("I3", "P5", "F1", T0),
           ("I4", "P4", "F1", pd.Timestamp("2024-05-01")),
           ("I5", "P2", "F2", T0), ("I6", "P3", "F2", T0), ("I7", "P5", "F2", T0), ("I8", "P3", "F3", T0)]
    involvements = pd.DataFrame(inv, columns=["involvement_id", "practitioner_id", "family_id", "start_date"])
    involvements["role"] = "taf_member"
    involvements["end_date"] = pd.NaT
    return Dataset.from_frames(localities=localities, agencies=agencies, practitioners=practitioners,
                               families=families, persons=persons, family_members=members, episodes=episodes,
                               assessments=assessments, involvements=involvements)


@pytest.fixture(scope="module")
def net(tiny) -> FamilyNetwork:
    return FamilyNetwork.from_dataset(tiny, at="2024-03-01")


def test_team_around_family(net):
    taf = net.team_around_family().set_index("family_id")
    f1 = taf.loc["F1"]
    assert f1["practitioners"] == ["P1", "P2", "P3", "P5"]  # P4 starts after the date
    assert f1["agency_types"] == ["health_visitor", "housing", "la_early_help", "school"]
    assert f1["has_lead"] and f1["lead_practitioner_id"] == "P1" and f1["lead_tier"] == "frequent_modelling"
    assert f1["lead_agency_id"] == "EH" and f1["lead_agency_type"] == "la_early_help" and f1["has_assessment"]
    assert not taf.loc["F2", "has_lead"] and taf.loc["F2", "n_agencies"] == 3
    assert taf.loc["F3", "n_agencies"] == 1


def test_at_date_changes_the_team(tiny):
    later = FamilyNetwork.from_dataset(tiny, at="2024-06-01").team_around_family().set_index("family_id")
    assert "P4" in later.loc["F1", "practitioners"]
    before = FamilyNetwork.from_dataset(tiny, at="2023-03-01").team_around_family()
    assert before["family_id"].tolist() == ["F1"]  # only the 2023 episode was open, led by P2
    assert before["lead_practitioner_id"].tolist() == ["P2"]


def test_coordination_gaps(net):
    gaps = net.coordination_gaps(min_agencies=3)
    assert gaps["family_id"].tolist() == ["F2"]
    assert gaps["reason"].tolist() == ["no lead practitioner; no assessment"]
    assert net.coordination_gaps(min_agencies=5).empty
    with pytest.raises(ValidationError):
        net.coordination_gaps(min_agencies=0)


def test_agency_collaboration(net):
    collab = net.agency_collaboration()
    edges = {frozenset((r.agency_id_a, r.agency_id_b)): r.shared_families for r in collab.edges.itertuples()}
    # F1: EH, SCH, HV, HOU; F2: SCH, HV, HOU; F3: HV.
    assert edges[frozenset(("SCH", "HV"))] == 2 and edges[frozenset(("EH", "HV"))] == 1
    assert frozenset(("POL", "EH")) not in edges
    ag = collab.agencies.set_index("agency_id")
    assert ag.loc["HV", "families"] == 3 and ag.loc["POL", "families"] == 0
    g = nx.Graph()
    g.add_nodes_from(ag.index)
    g.add_weighted_edges_from((a, b, w) for (a, b), w in ((tuple(k), v) for k, v in edges.items()))
    pr = nx.pagerank(g, weight="weight")
    for a, value in pr.items():
        assert ag.loc[a, "pagerank"] == pytest.approx(value, rel=1e-6)
    import matplotlib
    matplotlib.use("Agg")
    assert collab.plot() is not None


def test_linked_households(net):
    linked = net.linked_households().set_index("family_id")
    assert linked.loc["F2", "household_group"] == linked.loc["F3", "household_group"]
    assert linked.loc["F2", "group_size"] == 2 and linked.loc["F1", "group_size"] == 1
    assert linked.loc["F3", "shared_members"] == 1


def test_caseloads_and_zero_capacity(net):
    loads = net.caseloads().set_index("practitioner_id")
    assert loads.loc["P3", "open_families"] == 3 and loads.loc["P3", "spare"] == 7
    assert loads.loc["P1", "lead_families"] == 1 and loads.loc["P1", "utilisation"] == 0.5
    assert loads.loc["P2", "families_per_fte"] == 4.0
    assert np.isnan(loads.loc["P6", "utilisation"]) and np.isnan(loads.loc["P6", "families_per_fte"])


def test_lead_share(tiny):
    share = FamilyNetwork.from_dataset(tiny).lead_share(freq="Y", by_locality=False)
    y24 = share[share["period"] == "2024"].set_index("lead_agency_type")
    assert y24.loc["no_lead", "episodes"] == 2 and y24.loc["la_early_help", "share"] == pytest.approx(1 / 3)
    assert share[share["period"] == "2023"]["sector"].tolist() == ["partner"]  # led by a school practitioner
    by_loc = FamilyNetwork.from_dataset(tiny).lead_share()
    sums = by_loc.groupby(["period", "locality_id"])["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)


def test_multipartite_graph_and_households_match_networkx():
    ds = small_council(n_families=200, seed=4)
    net = FamilyNetwork.from_dataset(ds, at="2024-06-30")
    nodes = net.nodes
    assert set(nodes["kind"]) == {"person", "family", "practitioner", "agency", "locality"}
    assert net.graph.n == len(nodes)
    # Linked households against NetworkX's bipartite projection of the membership graph.
    b = nx.Graph()
    fams = ds.families["family_id"].astype(str).tolist()
    b.add_nodes_from(fams)
    mem = net.members
    b.add_edges_from(zip(mem["family_id"].astype(str), "p" + mem["person_id"].astype(str)))
    proj = nx.bipartite.projected_graph(b, fams)
    expected = {frozenset(c) for c in nx.connected_components(proj)}
    linked = net.linked_households()
    got = {frozenset(g["family_id"].astype(str)) for _, g in linked.groupby("household_group")}
    assert got == expected


def test_interop_tables_and_networkx(net):
    g = net.to_networkx()
    assert g.number_of_nodes() == net.graph.n == len(net.nodes)
    assert g.number_of_edges() == net.graph.m == len(net.edges)
    assert g.nodes["family:F1"]["kind"] == "family"
    assert g["family:F1"]["practitioner:P3"]["relation"] == "team"
    assert g["practitioner:P3"]["agency:HV"]["relation"] == "employment"
    assert "practitioner:P4" not in g["family:F1"]  # starts after the date
    assert set(net.edges["relation"]) == {"member", "team", "employment", "lives_in"}
    degree = dict(g.degree())
    labels = net.graph.labels
    assert [degree[labels[v]] for v in range(net.graph.n)] == net.graph.degree().astype(int).tolist()
    collab = net.agency_collaboration()
    cg = collab.to_networkx()
    assert cg.nodes["HV"]["families"] == 3 and cg["SCH"]["HV"]["shared_families"] == 2
    bc = nx.betweenness_centrality(cg)
    ag = collab.agencies.set_index("agency_id")
    for a, value in bc.items():
        assert ag.loc[a, "betweenness"] == pytest.approx(value, abs=1e-12)


def test_empty_dataset_gives_empty_answers(tiny):
    empty = tiny.replace(episodes=tiny.episodes.iloc[:0], involvements=tiny.involvements.iloc[:0],
                         assessments=tiny.assessments.iloc[:0])
    net = FamilyNetwork.from_dataset(empty)
    assert net.team_around_family().empty and net.coordination_gaps().empty and net.lead_share().empty
    assert net.agency_collaboration().edges.empty
    assert (net.caseloads()["open_families"] == 0).all()
    assert len(net.linked_households()) == 3


def test_lead_who_has_left_is_a_gap_and_gets_reallocated(tiny):
    from earlyhelp.network import allocate_leads

    prac = tiny.practitioners.copy()
    prac["end_date"] = pd.Series([pd.Timestamp("2024-02-01")] + [pd.NaT] * (len(prac) - 1), dtype="datetime64[ns]")
    left = tiny.replace(practitioners=prac)
    net = FamilyNetwork.from_dataset(left, at="2024-03-01")
    taf = net.team_around_family().set_index("family_id")
    assert taf.loc["F1", "lead_practitioner_id"] == "P1"
    assert not taf.loc["F1", "has_lead"] and taf.loc["F1", "lead_left"]
    assert not taf.loc["F2", "lead_left"]
    gaps = net.coordination_gaps(min_agencies=3).set_index("family_id")
    assert gaps.loc["F1", "reason"] == "lead practitioner has left"
    alloc = allocate_leads(left, at="2024-03-01")
    assert "F1" in set(alloc.assignments["family_id"]) | set(alloc.unassigned["family_id"])
    assert "P1" not in set(alloc.assignments["practitioner_id"])


def test_bad_date_raises(tiny):
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(tiny, at="not a date")
    assert err.value.problems[0].column == "at" and err.value.problems[0].value == "not a date"


def test_repr_and_exclusions(tiny, net):
    text = repr(net)
    assert text.startswith("<earlyhelp.network.FamilyNetwork at 2024-03-01:")
    assert f"{len(net.practitioners)} current practitioners in 5 agencies" in text
    assert "families with an open episode" in text
    assert net.excluded.total() == net.excluded_involvements + net.excluded_memberships
    # a member of a family that is not in families: the tables are checked as validate() checks them
    extra = pd.DataFrame({"family_id": ["F9"], "person_id": ["C1"], "role": ["child"]})
    odd = tiny.replace(family_members=pd.concat([tiny.family_members, extra], ignore_index=True))
    with pytest.raises(ValidationError, match=r"family_members\.family_id: refers to a families row that does not exist"):
        FamilyNetwork.from_dataset(odd, at="2024-03-01")


@pytest.mark.parametrize("build", [FamilyNetwork.from_dataset, lambda ds: FamilyNetwork(ds, None)],
                         ids=["from_dataset", "constructor"])
def test_a_table_that_is_not_a_dataset_is_named_whichever_way_the_network_is_built(build):
    with pytest.raises(ValidationError, match="must be an earlyhelp Dataset.*DataFrame"):
        build(pd.DataFrame({"family_id": ["F1"]}))
