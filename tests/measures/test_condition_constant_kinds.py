"""A constant of another kind than its column's is refused, never a silent 0: a number against a
column of text codes (the CIN census referral source '6' written 6), text against a number or a
true/false column (level '2', closed 'yes'). Pandas compares them as never equal, so the count
was 0 (and '!=' counted every row). Also the messages for text beside a date moved by arithmetic
and for ordering against None in a chain."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError, measures
from earlyhelp.measures._expr import evaluate
from earlyhelp.measures.sources import NO_DAY
from measures_council import tiny_council

FRAME = pd.DataFrame({"source": pd.Categorical(["6", "2A", "6"]), "level": [2.0, 3.0, np.nan],
                      "closed": [True, False, True], "reason": pd.Series(["a", "b", None], dtype=object),
                      "start_date": np.array([19800, 19900, NO_DAY], dtype=np.int64)})


def rows(condition: str) -> list:
    return evaluate(condition, FRAME, measure="m", field="numerator", source="requests", columns=FRAME.columns,
                    dates=("start_date",), no_day=NO_DAY).tolist()


@pytest.mark.parametrize("condition, expected", [
    ("source == '6'", [True, False, True]),
    ("source in ['6', None]", [True, False, True]),
    ("level == 2", [True, False, False]),
    ("level in [2, 3]", [True, True, False]),
    ("closed", [True, False, True]),
    ("reason == 'a'", [True, False, False]),
    ("source == source", [True, True, True]),          # two columns: no constant to check
])
def test_constants_of_the_columns_kind_are_read(condition, expected):
    assert rows(condition) == expected


@pytest.mark.parametrize("condition, names", [
    ("source == 6", ["compares source, a column of text codes", "write '6' in quotes"]),
    ("source != 6", ["compares source, a column of text codes", "write '6' in quotes"]),
    ("source in [6, 10]", ["compares source, a column of text codes", "write '6' in quotes"]),
    ("source not in [6]", ["a column of text codes", "must be text"]),
    ("reason == 1", ["compares reason, a column of text codes", "must be text"]),
    ("level == '2'", ["compares level, a number", "write 2 without quotes"]),
    ("level != '2'", ["compares level, a number", "write 2 without quotes"]),
    ("level in ['2', '3']", ["compares level, a number", "write 2, 3 without quotes"]),
    ("level == 'two'", ["compares level, a number", "must be a number"]),
    ("closed == 'yes'", ["compares closed, a true/false column", "'not closed'"]),
])
def test_a_constant_of_another_kind_is_refused_naming_the_column(condition, names):
    with pytest.raises(ValidationError) as err:
        rows(condition)
    message = str(err.value)
    assert "measure m.numerator" in message
    for part in names:
        assert part in message


def test_text_beside_a_date_moved_by_arithmetic_says_to_compare_the_date_column():
    with pytest.raises(ValidationError) as err:
        rows("start_date + 28 >= '2024-04-01'")
    message = str(err.value)
    assert "a date in text can be compared only with a date column itself" in message
    assert "start_date >= '2024-03-04'" in message
    assert "Invalid comparison" not in message
    with pytest.raises(ValidationError, match="start_date > '2023-12-25'"):
        rows("'2024-01-01' < start_date + 7")


def test_ordering_against_none_in_a_chain_is_named_as_such():
    with pytest.raises(ValidationError) as err:
        rows("level > 1 > None")
    assert "orders a value against None" in str(err.value) and "constants only" not in str(err.value)


@pytest.mark.parametrize("source, condition, column", [
    ("requests", "source == 6", "source"),         # R3's referral source is the CIN census code '6'
    ("episodes", "level == '2'", "level"),
    ("episodes", "end_reason == 1", "end_reason"),
    ("episodes", "closed == 'yes'", "closed"),
])
def test_compute_blocks_the_measure_not_a_silent_zero(source, condition, column):
    ds = tiny_council()
    date = "received_date" if source == "requests" else "start_date"
    spec = dict(id="kinds", title="t", source=source, date=date, numerator=condition)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = measures.compute(ds, [spec], period="financial_year", start="2024-01-01", end="2024-06-30")
    assert any(issubclass(w.category, measures.MeasuresBlockedWarning) for w in caught)
    assert r.empty and f"compares {column}," in r.attrs["blocked"]["kinds"]
