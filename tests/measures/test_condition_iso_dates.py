"""A date written as text in a condition is read only in ISO form, year-month-day: a day-first or
month-first date ('01/04/2024' is 1 April in the UK, 4 January to a month-first reader), a word
('today', whose count changes with the day the pack runs), a date without a year or day, and a
time with a time-zone offset (which moved 1 April 00:00 BST to 31 March) are refused, never
guessed."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError, measures
from earlyhelp.measures._expr import evaluate, iso_day
from earlyhelp.measures.sources import NO_DAY
from measures_council import tiny_council


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


# one episode started 31 March 2024, one on 1 April 2024
FRAME = pd.DataFrame({"start_date": np.array([_day("2024-03-31"), _day("2024-04-01")], dtype=np.int64)})


def rows(condition: str) -> list:
    return evaluate(condition, FRAME, measure="m", field="numerator", source="episodes", columns=FRAME.columns,
                    dates=("start_date",), no_day=NO_DAY).tolist()


@pytest.mark.parametrize("condition, expected", [
    ("start_date == '2024-04-01'", [False, True]),
    ("start_date >= '2024-04-01'", [False, True]),
    ("start_date == '2024-04-01T09:30'", [False, True]),      # a time is allowed and ignored
    ("start_date == '2024-04-01 23:59:59'", [False, True]),
    ("start_date in ['2024-03-31', None]", [True, False]),
])
def test_an_iso_date_is_read_as_the_day_it_names(condition, expected):
    assert rows(condition) == expected


@pytest.mark.parametrize("text", ["01/04/2024", "1/4/2024", "13/04/2024", "today", "now", "1 April", "April 2024",
                                  "2024-04", "20240401", "2024-02-30", "2024-04-01T25:00", "yesterday"])
def test_text_that_is_not_an_iso_date_is_refused(text):
    with pytest.raises(ValidationError) as err:
        rows(f"start_date >= '{text}'")
    message = str(err.value)
    assert "measure m.numerator" in message and f"start_date >= '{text}'" in message
    assert "YYYY-MM-DD" in message and "'2024-04-01'" in message


@pytest.mark.parametrize("text", ["2024-04-01T00:00+01:00", "2024-04-01 00:30+01:00", "2024-04-01T00:00Z"])
def test_a_time_zone_offset_is_refused_with_the_councils_own_date(text):
    # read as UTC it named 31 March (the row before): refused, and the date to write is shown
    with pytest.raises(ValidationError, match="write the council's own date, '2024-04-01'"):
        rows(f"start_date == '{text}'")


def test_iso_day_reads_only_iso_dates():
    assert iso_day("2024-04-01") == _day("2024-04-01")
    assert iso_day(" 2024-04-01T10:00:00.5 ") == _day("2024-04-01")
    assert iso_day("01/04/2024") is None and iso_day("today") is None and iso_day("2024-04-01+01:00") is None


def test_compute_blocks_a_measure_with_a_uk_date_and_names_it():
    ds = tiny_council()
    spec = dict(id="ended_after_april", title="t", source="episodes", date="start_date",
                numerator="end_date >= '01/04/2024'")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = measures.compute(ds, [spec], period="financial_year", start="2024-01-01", end="2024-06-30")
    assert any(issubclass(w.category, measures.MeasuresBlockedWarning) for w in caught)
    assert r.empty
    why = r.attrs["blocked"]["ended_after_april"]
    assert "'01/04/2024'" in why and "YYYY-MM-DD" in why
