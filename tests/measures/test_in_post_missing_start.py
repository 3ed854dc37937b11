"""A practitioner's or team's start date not recorded is missing to a condition ('start_date ==
None' finds it), while the in-post count still takes them as in post since before the data."""
from __future__ import annotations

import warnings

import pytest

from earlyhelp import measures
from measures_council import tiny_council

# tiny council: W1 (G1, 1.0 FTE) and W2 (G1, 0.5 FTE) have no start date; W3 (G2, a school) from 1 March 2024


@pytest.fixture(scope="module")
def ds():
    return tiny_council()


def _stock(ds, source, condition):
    spec = dict(id="in_post", title="t", source=source, date="start_date", end="end_date", kind="stock",
                numerator=condition)
    with warnings.catch_warnings():
        warnings.simplefilter("error", measures.MeasuresBlockedWarning)
        r = measures.compute(ds, [spec], period="month", start="2024-01-01", end="2024-06-30")
    return r.set_index("period")["numerator"].to_dict()


def test_a_missing_start_date_is_missing_to_a_condition(ds):
    assert _stock(ds, "practitioners", "all") == {"2024-01": 2, "2024-02": 2, "2024-03": 3, "2024-04": 3,
                                                  "2024-05": 3, "2024-06": 3}
    assert set(_stock(ds, "practitioners", "start_date == None").values()) == {2}        # W1, W2
    assert _stock(ds, "practitioners", "start_date != None")["2024-03"] == 1              # W3
    assert _stock(ds, "practitioners", "start_date != None")["2024-02"] == 0
    assert set(_stock(ds, "practitioners", "start_date < '2020-01-01'").values()) == {0}


def test_teams_have_no_recorded_start_date_and_are_in_post(ds):
    assert set(_stock(ds, "teams", "all").values()) == {1}            # G1, the council's Early Help team
    assert set(_stock(ds, "teams", "start_date == None").values()) == {1}
    assert set(_stock(ds, "teams", "start_date != None").values()) == {0}


def test_the_caseload_per_practitioner_still_counts_staff_without_a_start_date(ds):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = measures.compute(ds, ["caseload_per_practitioner"], period="month", start="2024-01-01",
                             end="2024-06-30")
    assert r.set_index("period")["denominator"].to_dict()["2024-01"] == 1.5   # W1 + W2 (W3 is a school's)
