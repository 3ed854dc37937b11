"""A Dataset built with replace() (tables not checked) is checked before the network reads it:
bad values are a ValidationError naming the table, the column and what is wrong."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import FamilyNetwork, allocate_leads

from _council import small_council

AT = "2024-06-30"


@pytest.fixture(scope="module")
def council() -> Dataset:
    return small_council(n_families=30, n_practitioners=6)


def _problem(err: pytest.ExceptionInfo, table: str, column: str):
    found = [p for p in err.value.problems if p.table == table and p.column == column]
    assert found, f"no problem named {table}.{column}: {err.value}"
    return found[0]


def test_fte_given_as_text_is_refused_by_name(council):
    pr = council.practitioners.copy()
    pr["fte"] = pr["fte"].astype(object)
    pr.loc[0, "fte"] = "0,5"
    ds = council.replace(practitioners=pr)
    for at in (AT, None):
        with pytest.raises(ValidationError) as err:
            FamilyNetwork.from_dataset(ds, at=at).caseloads()
        assert "wrong type" in _problem(err, "practitioners", "fte").message


def test_end_dates_given_as_text_are_refused_before_the_snapshot(council):
    inv = council.involvements.copy()
    inv["end_date"] = inv["end_date"].dt.strftime("%d/%m/%Y")
    with pytest.raises(ValidationError) as err:
        FamilyNetwork.from_dataset(council.replace(involvements=inv), at=AT)
    _problem(err, "involvements", "end_date")


def test_the_constructor_checks_too(council):
    pr = council.practitioners.copy()
    pr["fte"] = pr["fte"].astype(object)
    pr.loc[0, "fte"] = "0,5"
    with pytest.raises(ValidationError) as err:
        FamilyNetwork(council.replace(practitioners=pr), None)
    _problem(err, "practitioners", "fte")


def test_a_negative_capacity_names_the_row(council):
    pr = council.practitioners.copy()
    pr.loc[2, "caseload_capacity"] = -3
    with pytest.raises(ValidationError) as err:
        allocate_leads(council.replace(practitioners=pr), at=AT)
    problem = _problem(err, "practitioners", "caseload_capacity")
    assert problem.n_rows == 1 and str(pr.loc[2, "practitioner_id"]) in map(str, problem.rows)


def test_sound_tables_and_ids_given_as_numbers_still_pass(council):
    # ids held as numbers in a table replaced by hand match the same ids given as text
    num = lambda s: pd.to_numeric(s.str[1:])  # noqa: E731 - "P7" -> 7
    ds = council.replace(
        practitioners=council.practitioners.assign(practitioner_id=num(council.practitioners.practitioner_id)),
        involvements=council.involvements.assign(practitioner_id=num(council.involvements.practitioner_id)),
        episodes=council.episodes.assign(lead_practitioner_id=num(council.episodes.lead_practitioner_id)
                                         .astype("Float64")))
    ours = FamilyNetwork.from_dataset(ds, at=AT).caseloads()
    ref = FamilyNetwork.from_dataset(council, at=AT).caseloads()
    assert ours["open_families"].sum() == ref["open_families"].sum() > 0
