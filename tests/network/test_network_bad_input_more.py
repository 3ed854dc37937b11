"""Bad input to the network: repeated or missing key ids, and memberships without a person or family."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import FamilyNetwork, allocate_leads

from _council import small_council

KEYS = [("practitioners", "practitioner_id"), ("agencies", "agency_id"), ("families", "family_id"),
        ("episodes", "episode_id")]


@pytest.fixture(scope="module")
def council() -> Dataset:
    return small_council(n_families=60, n_practitioners=12, seed=3)


def _with_row_repeated(ds: Dataset, table: str) -> Dataset:
    frame = ds[table]
    return ds.replace(**{table: pd.concat([frame, frame.iloc[[1]]], ignore_index=True)})


BUILDS = {
    "from_dataset": lambda ds: FamilyNetwork.from_dataset(ds),
    "from_dataset_at": lambda ds: FamilyNetwork.from_dataset(ds, at="2024-06-30"),
    "constructor": lambda ds: FamilyNetwork(ds, None),
    "allocate_leads": lambda ds: allocate_leads(ds),
}


@pytest.mark.parametrize("build", list(BUILDS.values()), ids=list(BUILDS))
@pytest.mark.parametrize("table, column", KEYS)
def test_a_repeated_id_is_named_with_its_table_and_column(council, table, column, build):
    # before: pandas' InvalidIndexError (not a ValueError) from the methods, or a practitioner listed twice
    repeated = council[table][column].iloc[1]
    with pytest.raises(ValidationError) as err:
        build(_with_row_repeated(council, table))
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == (table, column)
    assert list(problem.rows) == [repeated] and problem.n_rows == 1
    assert "duplicate key" in str(err.value)


def test_the_same_id_spelt_as_a_number_and_as_text_repeats(council):
    # from_frames(validate=False) keeps ids as given: 7 and "7" are one id to the network's lookups
    agencies = council.agencies.astype({"agency_id": object})
    agencies.loc[0, "agency_id"], agencies.loc[1, "agency_id"] = 7, "7"
    with pytest.raises(ValidationError, match=r"agencies\.agency_id: duplicate key"):
        FamilyNetwork.from_dataset(council.replace(agencies=agencies))


@pytest.mark.parametrize("table, column", KEYS)
def test_ids_missing_on_one_row_or_several_are_refused(council, table, column):
    frame = council[table].astype({column: object})
    frame.loc[frame.index[:2], column] = None
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(council.replace(**{table: frame}))
    problem = err.value.problems[0]
    assert (problem.table, problem.column, problem.n_rows) == (table, column, 2)
    assert "missing on more than one row" in problem.message
    # one row without its id: the table is checked as validate() checks it (a required value)
    frame.loc[frame.index[1], column] = council[table][column].iloc[1]
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(council.replace(**{table: frame})).team_around_family()
    problem = next(p for p in err.value.problems if (p.table, p.column) == (table, column))
    assert problem.n_rows == 1 and "missing value where one is required" in problem.message


def test_every_repeated_key_is_listed_at_once(council):
    ds = _with_row_repeated(_with_row_repeated(council, "families"), "practitioners")
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(ds)
    assert {p.table for p in err.value.problems} == {"families", "practitioners"}


def _members_without_ids(ds: Dataset) -> "tuple[Dataset, list]":
    members = ds.family_members
    families = members["family_id"].drop_duplicates().iloc[:3].tolist()
    extra = pd.DataFrame({"family_id": pd.array(families + [None], dtype="string"),
                          "person_id": pd.array([None, None, None, members["person_id"].iloc[0]], dtype="string"),
                          "role": members["role"].iloc[0]})
    return ds.replace(family_members=pd.concat([members, extra], ignore_index=True)), families


@pytest.mark.parametrize("at", [None, "2024-06-30"])
def test_memberships_without_a_person_or_family_are_refused_by_name(council, at):
    # once left out and counted; the network now checks its tables as risk and measures do
    odd, _ = _members_without_ids(council)
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(odd, at=at)
    named = {(p.table, p.column): p.n_rows for p in err.value.problems}
    assert named[("family_members", "person_id")] == 3 and named[("family_members", "family_id")] == 1


def test_graph_and_linked_households_agree_on_memberships(council):
    import networkx as nx

    net = FamilyNetwork.from_dataset(council)
    graph = net.to_networkx()
    members = graph.edge_subgraph((a, b) for a, b, r in graph.edges(data="relation") if r == "member")
    families = nx.Graph(members)
    families.add_nodes_from(n for n, kind in graph.nodes(data="kind") if kind == "family")
    in_graph = {frozenset(graph.nodes[n]["id"] for n in part if graph.nodes[n]["kind"] == "family")
                for part in nx.connected_components(families)}
    households = net.linked_households()
    in_households = {frozenset(part.astype(str)) for _, part in households.groupby("household_group")["family_id"]}
    assert in_households == in_graph - {frozenset()}


@pytest.mark.parametrize("at", ["01/03/2024", "2024-03-01", pd.Timestamp("2024-03-01 15:30"),
                                pd.Timestamp("2024-03-01 23:00", tz="Europe/London")])
def test_the_network_reads_at_as_the_snapshot_does(council, at):
    # one date check for both: day first, as a council writes it, and the day the data are cut at
    net = FamilyNetwork.from_dataset(council, at=at)
    assert net.at == council.snapshot(at).meta["snapshot_date"] == pd.Timestamp("2024-03-01")


@pytest.mark.parametrize("at", [20240301, 2024, True, "2024"])
def test_the_network_refuses_at_that_is_no_day(council, at):
    with pytest.raises(ValidationError, match="must be a date") as err:
        FamilyNetwork.from_dataset(council, at=at)
    assert (err.value.problems[0].table, err.value.problems[0].column) == ("network", "at")


def test_unweighted_pagerank_counts_each_link_once(council):
    import networkx as nx

    from earlyhelp.network import FamilyNetwork

    collab = FamilyNetwork.from_dataset(council).agency_collaboration(weighted_pagerank=False)
    graph = nx.Graph()
    graph.add_nodes_from(collab.agencies["agency_id"].astype(str))
    graph.add_edges_from(zip(collab.edges["agency_id_a"].astype(str), collab.edges["agency_id_b"].astype(str)))
    expected = pd.Series(nx.pagerank(graph))
    ours = collab.agencies.set_index(collab.agencies["agency_id"].astype(str))["pagerank"]
    assert (ours - expected.reindex(ours.index)).abs().max() < 1e-6
    with pytest.raises(ValidationError, match="weighted_pagerank"):
        FamilyNetwork.from_dataset(council).agency_collaboration(weighted_pagerank="no")


def test_ids_given_as_whole_numbers_link_as_ids_given_as_text(council):
    """Practitioner and episode ids made whole numbers in every table (by replace): the network
    once matched none of them and dropped every practitioner's link as unknown."""
    number = {}  # every practitioner and episode id -> a whole number, the same in every table
    for ids in (council.practitioners["practitioner_id"], council.episodes["episode_id"]):
        number.update({v: k + len(number) for k, v in enumerate(ids.dropna().astype(str).unique())})

    def as_numbers(frame, *cols):
        return frame.assign(**{c: frame[c].astype(str).map(number).where(frame[c].notna()).astype("Int64")
                               for c in cols if c in frame.columns})

    numbered = council.replace(
        practitioners=as_numbers(council.practitioners, "practitioner_id"),
        episodes=as_numbers(council.episodes, "episode_id", "lead_practitioner_id"),
        involvements=as_numbers(council.involvements, "practitioner_id", "episode_id"),
        assessments=as_numbers(council.assessments, "episode_id"),
        family_needs=as_numbers(council.family_needs, "episode_id"))
    text, numbers = (FamilyNetwork.from_dataset(d, at="2024-12-31") for d in (council, numbered))
    assert len(numbers.team) == len(text.team) > 0 and numbers.excluded.total() == text.excluded.total()
    a, b = (n.team_around_family() for n in (text, numbers))
    assert a["has_lead"].sum() == b["has_lead"].sum() > 0 and a["has_assessment"].sum() == b["has_assessment"].sum()


@pytest.mark.parametrize("capacity", [4.5, -1.0])
def test_a_caseload_capacity_that_is_not_a_whole_number_of_families_is_named(council, capacity):
    practitioners = council.practitioners.assign(caseload_capacity=capacity)
    with pytest.raises(ValidationError, match="practitioners.caseload_capacity: must be a whole number"):
        FamilyNetwork.from_dataset(council.replace(practitioners=practitioners))
