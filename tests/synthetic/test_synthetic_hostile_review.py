"""Odd arguments to the synthetic generator: refused early with a clear error, or read as meant."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.data.dataset import Dataset


def _same(a: Dataset, b: Dataset) -> bool:
    return (all(a[name].equals(b[name]) for name in a.tables)
            and all(a.truth[name].equals(b.truth[name]) for name in a.truth))


@pytest.mark.parametrize("end_date", [20250331, 2025.0, np.int64(20250331), 0])
def test_a_number_is_not_read_as_an_end_date(end_date):
    # pandas would read it as nanoseconds since 1970 and the window would silently end on 1970-01-01
    with pytest.raises(ValueError, match="end_date must be a date"):
        synthetic.council("coventry", years=1, scale=0.05, end_date=end_date)


@pytest.mark.parametrize("end_date", [pd.Timestamp("2025-03-31", tz="Europe/London"),
                                      "2025-03-31T00:00:00+05:00"])
def test_a_timezone_aware_end_date_is_its_calendar_day(end_date):
    ds = synthetic.council("coventry", years=1, scale=0.05, end_date=end_date)
    assert ds.meta["end_date"] == pd.Timestamp("2025-03-31")
    assert ds.meta["window_start"] == pd.Timestamp("2024-04-01")
    assert _same(ds, synthetic.council("coventry", years=1, scale=0.05, end_date="2025-03-31"))


def test_a_short_window_still_counts_the_burn_in_year_towards_the_size_limit():
    # One day of England at scale 100 simulates a burn-in year of 1.2 billion children.
    with pytest.raises(ValueError, match="child-years"):
        synthetic.england(scale=100, years=1 / 365.25, threads=1)
    with pytest.raises(ValueError, match="child-years"):
        synthetic.council("england", scale=50, years=0.1)


@pytest.mark.parametrize("scale", [5e-324, 1e-9, 1e-6])
def test_a_scale_leaving_no_child_is_refused(scale):
    with pytest.raises(ValueError, match="scale .* fewer than one child"):
        synthetic.council("coventry", years=1, scale=scale)


def test_threads_beyond_a_c_int_are_capped_not_a_type_error():
    a = synthetic.england(scale=0.001, seed=2, threads=2 ** 40)
    b = synthetic.england(scale=0.001, seed=2, threads=1)
    assert _same(a, b)


@pytest.mark.parametrize("ds", [None, "coventry", pd.DataFrame()])
def test_calibration_table_names_what_it_needs(ds):
    with pytest.raises(ValueError, match="needs a Dataset from earlyhelp.synthetic"):
        synthetic.calibration_table(ds)


@pytest.mark.parametrize("preset", ["coventry", "wolverhampton"])
def test_same_seed_same_council_other_seed_other_council(preset):
    a = synthetic.council(preset, years=1, scale=0.05, seed=7)
    assert _same(a, synthetic.council(preset, years=1, scale=0.05, seed=np.uint64(7)))
    assert not _same(a, synthetic.council(preset, years=1, scale=0.05, seed=8))
    assert not _same(a, synthetic.council(preset, years=1, scale=0.05, seed=7 + 2 ** 32))


@pytest.mark.parametrize("kwargs", [
    dict(preset="coventry", years=1 / 365.25, scale=0.05),
    dict(preset="wolverhampton", years=2.7, scale=0.05, seed=3),
    dict(preset="coventry", years=1, scale=0.05, seed=2 ** 64 - 1),
    dict(preset="coventry", years=1, scale=0.05, end_date="2024-02-29"),
    dict(preset="coventry", years=3, scale=0.05, end_date="1976-06-30"),
    dict(preset="wolverhampton", years=1, scale=0.05, end_date="2200-12-31"),
    dict(preset="england", years=0.5, scale=0.002),
])
def test_edge_windows_give_valid_tables_inside_the_window(kwargs):
    ds = synthetic.council(**kwargs)
    end = ds.meta["end_date"]
    ds.validate(as_of=end)
    for name, table in ds.tables.items():
        for column in table.columns:
            if str(table[column].dtype).startswith("datetime64") and column != "birth_date":
                assert not (table[column] > end).any(), f"{name}.{column} after the end date"


@pytest.mark.parametrize("end_date,years", [("1901-06-30", 3), ("1976-06-30", 4), ("2025-03-31", 100)])
def test_a_window_whose_oldest_people_would_be_born_by_1900_is_refused(end_date, years):
    # records dated on or before 1900-01-01 are refused as placeholders when data are read: the
    # generator does not write them
    with pytest.raises(ValueError, match="end the window later"):
        synthetic.council("coventry", years=years, scale=0.05, end_date=end_date)
