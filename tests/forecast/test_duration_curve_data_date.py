"""episode_duration_curve censors open episodes at the data date demand_series counts to (one rule,
``demand._data_date``), takes an end date after it as still open and counts it, and reads a date with a
time zone as its own calendar day."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.data.dataset import Dataset
from earlyhelp.data.schema import TABLE_NAMES
from earlyhelp.forecast import capacity, demand_series, episode_duration_curve

REASON = "end_date after the data date"


@pytest.fixture(scope="module")
def council() -> Dataset:
    return synthetic.council("coventry", years=2, scale=0.05, seed=2)


def _with_meta(ds: Dataset, **meta) -> Dataset:
    return Dataset({name: ds[name] for name in TABLE_NAMES}, meta=meta)


def _one_end(ds: Dataset, when: str) -> "tuple[Dataset, int]":
    """``ds`` with the end date of its first closed episode moved to ``when``, and that row's label."""
    ep = ds["episodes"].copy()
    row = ep.index[ep["end_date"].notna()][0]
    ep.loc[row, "end_date"] = pd.Timestamp(when)
    return ds.replace(episodes=ep), row


def _ends_after(curve) -> int:
    return sum(n for reason, n in curve.excluded.by_reason().items() if reason.startswith(REASON))


def test_the_curve_and_demand_series_share_the_data_date(council):
    d = demand_series(council, measures=["episodes_opened"])
    assert episode_duration_curve(council).as_of == d.as_of == pd.Timestamp(council.meta["end_date"])
    # a snapshot's date, and no date in meta at all (the latest request or episode start): still one rule
    for ds in (_with_meta(council, snapshot_date=pd.Timestamp("2024-12-31")), _with_meta(council)):
        assert episode_duration_curve(ds).as_of == demand_series(ds, measures=["episodes_opened"]).as_of


@pytest.mark.parametrize("when", ["2052-03-31", "2025-09-30"])
def test_an_end_date_after_the_data_date_is_taken_as_open_and_counted(council, when):
    base = episode_duration_curve(council)
    moved, row = _one_end(council, when)
    curve = episode_duration_curve(moved)
    assert curve.as_of == base.as_of
    assert _ends_after(curve) == 1 and _ends_after(base) == 0
    assert curve.n_open == base.n_open + 1 and curve.n_closed == base.n_closed - 1
    # exactly the curve of the same data with that episode still open
    ep = council["episodes"].copy()
    ep.loc[row, "end_date"] = pd.NaT
    reference = episode_duration_curve(council.replace(episodes=ep))
    assert curve.mean_weeks == pytest.approx(reference.mean_weeks, rel=1e-12)
    np.testing.assert_allclose(curve["survival"], reference["survival"])
    # the practitioners needed do not move by a factor of ten because of one typed year
    fc = pd.DataFrame({"unique_id": "council", "ds": pd.date_range("2025-04-01", periods=3, freq="MS"), "m": 20.0})
    fte = capacity(fc, caseload_per_fte=15, duration_curve=curve)["fte"].iloc[-1]
    assert fte == pytest.approx(capacity(fc, caseload_per_fte=15, duration_curve=base)["fte"].iloc[-1], rel=0.2)


def test_without_a_date_in_meta_an_end_date_does_not_set_the_data_date(council):
    plain = _with_meta(council)
    moved, _ = _one_end(plain, "2052-03-31")
    curve = episode_duration_curve(moved)
    assert curve.as_of == episode_duration_curve(plain).as_of < pd.Timestamp("2030-01-01")
    assert curve.as_of == demand_series(moved, measures=["episodes_opened"]).as_of
    assert _ends_after(curve) == 1


def test_an_explicit_as_of_counts_the_later_end_dates(council):
    as_of = pd.Timestamp(council.meta["end_date"]) - pd.DateOffset(months=6)
    curve = episode_duration_curve(council, as_of=as_of)
    end = council["episodes"]["end_date"]
    start = council["episodes"]["start_date"]
    assert _ends_after(curve) == int(((end > as_of) & (start <= as_of)).sum()) > 0


def test_demand_series_counts_the_end_dates_after_the_data_date_too(council):
    moved, _ = _one_end(council, "2052-03-31")
    d = demand_series(moved, measures=["open_caseload"])
    assert sum(e.rows for e in d.excluded if e.reason.startswith(REASON)) == 1
    assert not [e for e in demand_series(council, measures=["open_caseload"]).excluded if e.reason.startswith(REASON)]


def test_a_time_zone_aware_as_of_is_its_own_calendar_day(council):
    naive = episode_duration_curve(council, as_of=pd.Timestamp("2024-09-30"))
    aware = episode_duration_curve(council, as_of=pd.Timestamp("2024-09-30 23:30", tz="Europe/London"))
    assert aware.as_of == naive.as_of == pd.Timestamp("2024-09-30")
    assert aware.mean_weeks == naive.mean_weeks
    in_meta = episode_duration_curve(_with_meta(council, end_date=pd.Timestamp("2024-09-30", tz="Europe/London")))
    assert in_meta.as_of == naive.as_of and in_meta.mean_weeks == naive.mean_weeks
