"""CountRegression's forecast of a series depends on that series alone.

Season positions were counted from the frame's first date (the ISO week of it for weekly data
with 52): a weekly series forecast beside an earlier-starting one, or in another Dask partition,
got its seasons numbered differently. The fit does not change with the numbering, but the
simulated draws follow it, so the intervals did (8 of 8 forecast weeks). Positions now come
from the series' own dates: the calendar's where it gives them (month of the year), else its
own first period.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import CountRegression, Forecaster

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")


def _series(uid, start, n, freq, m, rng, level=4.0):
    t = np.arange(n)
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq=freq),
                         "y": rng.poisson(level * (1 + 0.5 * np.sin(2 * np.pi * t / m))).astype(float)})


def _weekly():
    rng = np.random.default_rng(5)
    a = _series("a", "2021-03-01", 130, "W-MON", 52, rng)
    b = _series("b", "2020-06-01", 130, "W-MON", 52, rng)   # 39 weeks earlier
    return a, b


@pytest.mark.parametrize("interval", ["model", "count", "backtest"])
def test_weekly_series_alone_or_beside_an_earlier_one(interval):
    a, b = _weekly()
    fc = lambda: Forecaster([CountRegression()], freq="W-MON", season_length=52, interval=interval)  # noqa: E731
    alone = fc().forecast(df=a, h=8, level=[80, 95])
    together = fc().forecast(df=pd.concat([b, a], ignore_index=True), h=8, level=[80, 95])
    pd.testing.assert_frame_equal(alone, together[together["unique_id"] == "a"].reset_index(drop=True))


def test_weekly_dask_partitions_give_the_pandas_forecast():
    """Series "a" alone in its partition (whose first date is its own), the earlier ones in another."""
    a, b = _weekly()
    rng = np.random.default_rng(6)
    others = [b] + [_series(f"c{k}", f"2020-0{1 + k}-06", 120 + 3 * k, "W-MON", 52, rng) for k in range(3)]
    df = pd.concat([a] + others, ignore_index=True)
    here = Forecaster([CountRegression()], freq="W-MON", season_length=52).forecast(df=df, h=6, level=[80, 95])
    with dask.config.set(scheduler="synchronous"):
        ddf = dd.concat([dd.from_pandas(a, npartitions=1),
                         dd.from_pandas(pd.concat(others, ignore_index=True), npartitions=1)])
        there = Forecaster([CountRegression()], freq="W-MON", season_length=52).fit(ddf).predict(6, level=[80, 95])
    pd.testing.assert_frame_equal(here, there[here.columns])


def test_a_season_the_calendar_does_not_give():
    """Monthly data with a season of 5: positions count from each series' own first month, so a
    series is forecast the same alone and beside an earlier-starting one."""
    rng = np.random.default_rng(8)
    a = _series("a", "2019-04-01", 60, "MS", 5, rng, 6.0)
    b = _series("b", "2018-02-01", 60, "MS", 5, rng, 6.0)   # 14 months earlier: not a whole season
    fc = lambda: Forecaster([CountRegression()], freq="MS", season_length=5, interval="model")  # noqa: E731
    alone = fc().forecast(df=a, h=6, level=[80])
    together = fc().forecast(df=pd.concat([a, b], ignore_index=True), h=6, level=[80])
    pd.testing.assert_frame_equal(alone, together[together["unique_id"] == "a"].reset_index(drop=True))


def test_monthly_positions_follow_the_calendar():
    """Monthly data with season 12: the same series started a year later (the same months)
    is forecast the same; the month of the year numbers the seasons, as before."""
    rng = np.random.default_rng(9)
    a = _series("a", "2019-01-01", 48, "MS", 12, rng, 5.0)
    b = a.assign(unique_id="b", ds=pd.date_range("2020-01-01", periods=48, freq="MS"))
    out = Forecaster([CountRegression()], freq="MS", season_length=12, interval="model", origin="series").forecast(
        df=pd.concat([a, b], ignore_index=True), h=6, level=[80, 95])
    cols = [c for c in out.columns if c.startswith("CountRegression")]
    np.testing.assert_array_equal(out.loc[out.unique_id == "a", cols].to_numpy(),
                                  out.loc[out.unique_id == "b", cols].to_numpy())
