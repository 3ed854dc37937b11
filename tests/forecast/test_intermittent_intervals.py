"""Croston's and TSB's prediction intervals hold their point forecast, whatever the interval
method: on series of rare demands their own bounds (error quantiles) and the count bounds built
on them left it out (a forecast of 1.12 with a 95% interval of [0, 0]; one of 0.68 with an 80%
interval of [1, 2])."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import CrostonOptimized, Forecaster, Naive, TSB
from earlyhelp.forecast.models import intermittent_variance

LEVELS = [50, 80, 95]


def _intermittent(n_series=20, n=48, seed=1):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2020-01-01", periods=n, freq="MS")
    frames = []
    for i in range(n_series):
        p, size = rng.uniform(0.03, 0.6), rng.uniform(1, 8)
        y = (rng.random(n) < p) * (1 + rng.poisson(size - 1, n))
        frames.append(pd.DataFrame({"unique_id": f"s{i:02d}", "ds": ds, "y": y.astype(float)}))
    # one demand of 6 in four years: the errors' quantiles are all at or below the forecast
    rare = np.zeros(n)
    rare[30] = 6.0
    frames.append(pd.DataFrame({"unique_id": "rare", "ds": ds, "y": rare}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def frame():
    logging.disable(logging.WARNING)
    yield _intermittent()
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("interval", ["model", "count", "backtest"])
def test_every_interval_holds_its_point_forecast(frame, interval):
    # Naive: any model's count bounds are widened to hold a point forecast they left out
    out = Forecaster([CrostonOptimized(), TSB(), Naive()], freq="MS", interval=interval).forecast(
        df=frame, h=4, level=LEVELS)
    for alias in ("CrostonOptimized", "TSB", "Naive"):
        mean = out[alias]
        for lv in LEVELS:
            lo, hi = out[f"{alias}-lo-{lv}"], out[f"{alias}-hi-{lv}"]
            assert lo.notna().all() and hi.notna().all(), (alias, lv)
            outside = out.loc[(lo > mean + 1e-9) | (hi < mean - 1e-9), "unique_id"].unique()
            assert not len(outside), (interval, alias, lv, list(outside))
            assert (lo >= 0).all() and (lo <= hi).all()
        if interval != "model":  # count bounds stay whole numbers
            bounds = out.filter(like=f"{alias}-")
            np.testing.assert_array_equal(bounds, np.round(bounds))
        for narrow, wide in zip(LEVELS, LEVELS[1:]):   # nested
            assert (out[f"{alias}-lo-{wide}"] <= out[f"{alias}-lo-{narrow}"]).all()
            assert (out[f"{alias}-hi-{wide}"] >= out[f"{alias}-hi-{narrow}"]).all()


def test_rare_large_demands_get_a_spread_not_a_point():
    # the own 95% bounds were [0, 0.19] around 0.19: the variance read from them was about 0, and the
    # count interval a Poisson's ([0, 1]), however large the demand; now the errors' own spread
    rare = _intermittent().query("unique_id == 'rare'")
    own = Forecaster([CrostonOptimized()], freq="MS", interval="model").forecast(df=rare, h=1, level=[95])
    assert own["CrostonOptimized-hi-95"].iloc[0] >= own["CrostonOptimized"].iloc[0] > 0
    count = Forecaster([CrostonOptimized()], freq="MS", interval="count").forecast(df=rare, h=1, level=[95])
    mean = count["CrostonOptimized"].iloc[0]
    from scipy import stats
    assert count["CrostonOptimized-hi-95"].iloc[0] > stats.poisson.ppf(0.975, mean)


def test_intermittent_variance_is_the_mean_squared_one_step_error():
    y = np.array([0.0, 3.0, 0.0, 0.0, 1.0, 2.0, 0.0])
    fitted = np.array([np.nan, 1.0, 1.0, 0.5, np.nan, 1.0, 1.5])
    indptr = np.array([0, 4, 5, 7])
    got = intermittent_variance(y, fitted, indptr)
    np.testing.assert_allclose(got[0], np.mean([4.0, 1.0, 0.25]))
    assert np.isnan(got[1])                      # no error: no variance (the model gives no interval)
    np.testing.assert_allclose(got[2], np.mean([1.0, 2.25]))
