"""CountRegression on small counts: a month of the year with no events in any year, and its own
intervals (``interval="model"``) as counts.

Before, a month that was 0 in every year had no finite maximum likelihood effect: its
coefficient ran to the tiny ridge's bound with a standard error of about 17 on the log scale,
and the simulated upper bounds reached thousands (millions on Poisson(0.5) series), unreported.
The season effects now have a normal prior (sd 1, log scale)."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import CountRegression, Forecaster


def _frame(y, uid="loc", start="2021-01-01"):
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq="MS"),
                         "y": np.asarray(y, dtype=float)})


@pytest.fixture(scope="module")
def small_localities():
    """40 small-locality series of Poisson(0.5) counts: 36 months of history, 12 held out."""
    rng = np.random.default_rng(3)
    n, h = 36, 12
    frames = [_frame(rng.poisson(0.5, n + h), uid=f"loc{s}") for s in range(40)]
    full = pd.concat(frames, ignore_index=True)
    return full.groupby("unique_id").head(n), full.groupby("unique_id").tail(h)


def test_a_month_never_seen_busy_gets_bounds_of_a_count_that_never_exceeded_one():
    # 1, 0, 1, 0 ... for three years: the 95% upper bound of the empty months was 2,950-11,168
    df = _frame([1.0, 0.0] * 18)
    out = Forecaster([CountRegression()], freq="MS", interval="model").fit(df).predict(12, level=[80, 95])
    empty = out["ds"].dt.month % 2 == 0
    assert (out.loc[empty, "CountRegression-hi-95"] <= 2).all(), out
    assert (out.loc[empty, "CountRegression-hi-80"] <= 1).all(), out
    assert (out["CountRegression-hi-95"] <= 5).all(), out
    # the empty months stay the quiet ones
    assert (out.loc[empty, "CountRegression"].to_numpy() < out.loc[~empty, "CountRegression"].to_numpy()).all()


def test_poisson_half_a_month_gets_upper_bounds_of_a_few_counts(small_localities, caplog):
    # before: 106 of 480 upper 95% bounds above 50, the largest 850,000, with no fallback or warning;
    # the largest count in these series is 3 and the 97.5% quantile of Poisson(0.5) is 2
    train, test = small_localities
    f = Forecaster([CountRegression()], freq="MS", interval="model")
    with caplog.at_level(logging.WARNING):
        out = f.fit(train).predict(12, level=[80, 95]).merge(test, on=["unique_id", "ds"])
    hi95, hi80 = out["CountRegression-hi-95"], out["CountRegression-hi-80"]
    assert hi95.median() <= 3 and hi80.median() <= 2
    assert hi95.max() <= 20, out.loc[hi95.idxmax()]
    assert (hi95 > 10).mean() < 0.01
    # not narrower than the counts: coverage at least the level
    for level in (80, 95):
        inside = (out.y >= out[f"CountRegression-lo-{level}"]) & (out.y <= out[f"CountRegression-hi-{level}"])
        assert inside.mean() >= level / 100
    assert f.fallbacks_.empty


def test_count_intervals_no_longer_inherit_the_inflated_variance(small_localities):
    # interval="count" takes its variance from the model's own widest interval: its 80% upper bound
    # was 3 on the median row (Poisson(0.5): 1 has probability 0.91)
    train, test = small_localities
    out = Forecaster([CountRegression()], freq="MS", interval="count").fit(train).predict(12, level=[80, 95])
    assert out["CountRegression-hi-80"].median() <= 2
    assert out["CountRegression-hi-95"].max() <= 12


def test_own_bounds_are_whole_counts_holding_the_point_forecast(small_localities):
    # before: interpolated quantiles of the simulated counts, 3.1, 39.3, 3945.425
    rng = np.random.default_rng(1)
    t = np.arange(48)
    busy = _frame(rng.negative_binomial(10, 10 / (10 + 40 * (1 + 0.3 * np.sin(t * np.pi / 6)))), uid="busy")
    train, _ = small_localities
    df = pd.concat([train, busy], ignore_index=True)
    out = Forecaster([CountRegression()], freq="MS", interval="model").fit(df).predict(12, level=[50, 80, 95])
    for level in (50, 80, 95):
        lo, hi = out[f"CountRegression-lo-{level}"], out[f"CountRegression-hi-{level}"]
        assert (lo == np.floor(lo)).all() and (hi == np.floor(hi)).all(), level
        assert (lo <= out.CountRegression).all() and (hi >= out.CountRegression).all(), level
    assert (out["CountRegression-hi-95"] >= out["CountRegression-hi-80"]).all()
    assert (out["CountRegression-hi-80"] >= out["CountRegression-hi-50"]).all()


def test_bounds_far_beyond_the_history_are_listed_in_fallbacks(caplog):
    # one event, in the first month: the trend is barely determined and its uncertainty sent the
    # 95% upper bound to about 1,100 (the mean is 5e-7), with nothing in fallbacks_
    df = _frame([1.0] + [0.0] * 35, uid="once")
    f = Forecaster([CountRegression()], freq="MS", interval="model")
    with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"):
        out = f.fit(df).predict(12, level=[95])
    top = out["CountRegression-hi-95"].max()
    assert top > 10
    method = f.fallbacks_.set_index("unique_id").loc["once", "method"]
    assert f"upper bounds up to {top:.4g}, more than 10 times the series' largest value (1)" in method
    assert "far beyond the history" in caplog.text
    # with count intervals the shown bounds are not the model's own: no such note
    g = Forecaster([CountRegression()], freq="MS", interval="count")
    g.fit(df).predict(12, level=[95])
    assert g.fallbacks_.empty
