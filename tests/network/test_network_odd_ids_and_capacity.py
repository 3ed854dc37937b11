"""Float ids, zero capacity, repeated graph labels, families without an id."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import FamilyNetwork, Graph, bipartite_projection

from _council import small_council

AT = "2024-06-30"


@pytest.fixture(scope="module")
def council() -> Dataset:
    return small_council(n_families=60, n_practitioners=12, seed=3)


def _numeric_practitioner_ids(ds: Dataset, involvement_ids: str) -> Dataset:
    """Practitioner ids as numbers, as a table replaced by hand holds them: ints in practitioners,
    ``involvement_ids`` (e.g. float, what a numeric column with a blank cell becomes) in involvements."""
    num = lambda s: pd.to_numeric(s.str[1:])  # noqa: E731 - "P7" -> 7
    return ds.replace(practitioners=ds.practitioners.assign(practitioner_id=num(ds.practitioners.practitioner_id)),
                      involvements=ds.involvements.assign(
                          practitioner_id=num(ds.involvements.practitioner_id).astype(involvement_ids)),
                      episodes=ds.episodes.assign(
                          lead_practitioner_id=num(ds.episodes.lead_practitioner_id).astype("Float64")))


@pytest.mark.parametrize("dtype", ["float64", "Float64", "int64"])
def test_whole_number_float_ids_keep_every_link(council, dtype):
    # before: float ids became '7.0', matched no practitioner '7', and every involvement was
    # dropped as "practitioner not in practitioners"
    as_text = FamilyNetwork.from_dataset(council, AT)
    as_numbers = FamilyNetwork.from_dataset(_numeric_practitioner_ids(council, dtype), AT)
    assert as_numbers.excluded.total() == as_text.excluded.total() == 0
    assert len(as_numbers.team) == len(as_text.team)
    got = as_numbers.caseloads().set_index("practitioner_id")["open_families"]
    want = as_text.caseloads().set_index(as_text.caseloads()["practitioner_id"].str[1:])["open_families"]
    assert got.sort_index().to_dict() == want.sort_index().to_dict()
    assert len(as_numbers.coordination_gaps()) == len(as_text.coordination_gaps())


@pytest.mark.parametrize("bad", [2.5, np.inf, 2.0 ** 60])
def test_a_float_id_that_is_not_a_whole_number_is_named(council, bad):
    ds = _numeric_practitioner_ids(council, "float64")
    inv = ds.involvements.copy()
    inv.loc[3, "practitioner_id"] = bad
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(ds.replace(involvements=inv), AT)
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == ("involvements", "practitioner_id")
    assert list(problem.rows) == [inv.loc[3, "involvement_id"]] and problem.value == bad


def _with_capacity(ds: Dataset, capacity: dict) -> Dataset:
    pr = ds.practitioners.copy()
    for pid, cap in capacity.items():
        pr.loc[pr.practitioner_id == pid, "caseload_capacity"] = cap
    return ds.replace(practitioners=pr)


def test_zero_capacity_with_families_is_over_capacity_and_listed_first(council):
    # before: utilisation NaN, sorted last, below practitioners with spare room
    loads = FamilyNetwork.from_dataset(council, AT).caseloads()
    busy = loads.sort_values("open_families", ascending=False).practitioner_id.iloc[:2].tolist()
    ds = _with_capacity(council, {p: 0 for p in busy} | {loads.practitioner_id.iloc[-1]: 0})
    loads = FamilyNetwork.from_dataset(ds, AT).caseloads()
    top = loads.iloc[:2]
    assert set(top.practitioner_id) == set(busy) and np.isposinf(top.utilisation).all()
    assert top.open_families.is_monotonic_decreasing          # the most families with no room first
    idle = loads[(loads.caseload_capacity == 0) & (loads.open_families == 0)]
    assert idle.utilisation.isna().all()                      # no families and no room: no utilisation


def test_repeated_labels_are_named_with_their_positions():
    # before: accepted; to_networkx merged the two vertices into one node with a self-loop
    with pytest.raises(ValidationError) as err:
        Graph.from_edges([0, 2], [1, 3], labels=["a", "a", "b", "c"])
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == ("nodes", "label")
    assert list(problem.rows) == [0, 1] and problem.value == "a" and "'a' 2 times" in problem.message
    with pytest.raises(ValidationError, match="'x' 2 times"):
        bipartite_projection([0, 0], [0, 1], labels=["x", "x"])
    g = Graph.from_edges([0, 2], [1, 3], labels=["a", "b", "c", "d"])
    assert g.to_networkx().number_of_nodes() == 4


def test_a_family_without_an_id_is_refused_by_name(council):
    # before: it came back with family_id the text '<NA>'; then it was left out and counted; the
    # network now checks its tables as risk and measures do
    fam = council.families.copy()
    fam.loc[0, "family_id"] = pd.NA
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(council.replace(families=fam), AT)
    problem = next(p for p in err.value.problems if (p.table, p.column) == ("families", "family_id"))
    assert problem.n_rows == 1 and "missing value where one is required" in problem.message
