"""A missing value in a custom condition is missing: a missing date is not a number, a comparison
or arithmetic with a missing value has no value, and no value counts as false under !=, not and
not in as well (three-valued logic, as SQL's)."""
from __future__ import annotations

import warnings

import pytest

from earlyhelp import measures
from measures_council import tiny_council

# tiny council: E1 40 days, E2 130, E3 150 closed; E4, E5, E6 open (no end date, no duration);
# E6 has no level


@pytest.fixture(scope="module")
def ds():
    return tiny_council()


def episodes_meeting(ds, condition: str) -> int:
    spec = dict(id="cond", title="t", source="episodes", date="start_date", numerator=condition)
    with warnings.catch_warnings():
        warnings.simplefilter("error", measures.MeasuresBlockedWarning)
        r = measures.compute(ds, [spec], period="financial_year", start="2024-01-01", end="2024-06-30")
    return int(r["numerator"].sum())


@pytest.mark.parametrize("condition, expected", [
    ("end_date == None", 3),                      # E4, E5, E6 are open
    ("end_date != None", 3),
    ("end_date - start_date <= 84", 1),           # E1 only: an open episode has not ended within 84 days
    ("not (end_date - start_date > 84)", 1),
    ("end_date > '2024-03-01'", 2),               # a date written as text: E2, E3
    ("end_date in ['2024-02-17', None]", 4),      # E1 and the open episodes
    ("start_date >= '2024-03-21'", 3),            # E4, E5, E6
])
def test_a_missing_date_is_missing(ds, condition, expected):
    assert episodes_meeting(ds, condition) == expected


@pytest.mark.parametrize("condition, expected", [
    ("duration_days / 0 > 1", 0),
    ("duration_days / 0 != 1", 0),                # no value, and no value counts as false
    ("not (duration_days / 0 == 1)", 0),
    ("duration_days % 0 != 0", 0),
    ("duration_days != 40", 2),                   # E2, E3: the open episodes have no duration
    ("not (duration_days <= 84)", 2),
    ("~(duration_days <= 84)", 2),
    ("duration_days in [40, None]", 4),           # None in a list matches a missing value
    ("duration_days not in [40, None]", 2),
    ("duration_days not in [40]", 2),
    ("level != 3", 2),                            # E1 (2) and E4 (4); E6 has no level
    ("not closed or duration_days > 100", 5),     # the open ones by 'not closed', E2 and E3 by duration
    ("duration_days > 100 or level == 4", 3),     # E2, E3 and E4 (open, level 4): 'or' decides on a known part
    ("not (duration_days > 100 and level == 3)", 2),  # E1 (40 days) known false inside; E4 (level 4) too
])
def test_no_value_counts_as_false_under_not_and_not_equal(ds, condition, expected):
    assert episodes_meeting(ds, condition) == expected


def test_a_date_compared_with_text_that_is_not_a_date_is_refused(ds):
    spec = dict(id="cond", title="t", source="episodes", date="start_date", numerator="end_date > 'soon'")
    with pytest.warns(measures.MeasuresBlockedWarning):
        r = measures.compute(ds, [spec])
    assert "'soon', which is not a date" in r.attrs["blocked"]["cond"]
