"""Count-aware prediction intervals: never negative, and coverage checked by simulation on
overdispersed (negative binomial) count series with trend and seasonality and on synthetic
councils that change.

Tail balance (the criterion every coverage test here uses): at each level, either neither
tail misses more than 1.5 times as often as the other, or both tails' miss rates are within
2 points of (1 - level) / 2.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _count_series import council_panel, nb_trend_panel
from _series import r_ets_available, real_count_series
from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, CountRegression, Forecaster, Naive, SeasonalNaive, Theta
from earlyhelp.forecast.intervals import model_variance, nb_bounds, to_forecast_level

LEVELS = (80, 95)


def _coverage(cv, alias, level):
    lo, hi = cv[f"{alias}-lo-{level}"], cv[f"{alias}-hi-{level}"]
    return float(((cv.y >= lo) & (cv.y <= hi)).mean()), float((cv.y < lo).mean()), float((cv.y > hi).mean())


def _balanced(below, above, level):
    tail = (1 - level / 100) / 2
    ratio_ok = max(below, above) <= 1.5 * min(below, above)
    near_ok = abs(below - tail) <= 0.02 and abs(above - tail) <= 0.02
    return ratio_ok or near_ok


def _se(p, n, design=1.5):
    """Monte Carlo standard error of a coverage share from n forecasts; errors of one series
    correlate, counted as a design effect of 1.5 on the variance."""
    return float(np.sqrt(design * p * (1 - p) / n))


def _assert_nominal(cv, alias):
    for level in LEVELS:
        cov, below, above = _coverage(cv, alias, level)
        print(f"{alias} {level}%: coverage {cov:.3f}, below {below:.3f}, above {above:.3f}")
        assert abs(cov - level / 100) <= 0.02, (alias, level, cov, below, above)
        assert _balanced(below, above, level), (alias, level, below, above)
        lo = cv[f"{alias}-lo-{level}"]
        assert lo.ge(0).all() and np.array_equal(lo, np.round(lo))


def test_nb_bounds_are_whole_non_negative_and_skewed():
    mean = np.array([[0.5, 3.0, 40.0]])
    lo, hi = nb_bounds(mean, np.array([[2.0, 20.0, 400.0]]), [80, 95])
    assert (lo >= 0).all() and np.array_equal(lo, np.round(lo)) and np.array_equal(hi, np.round(hi))
    assert (hi[:, 1] >= hi[:, 0]).all() and (lo[:, 1] <= lo[:, 0]).all()
    # right-skewed: the upper bound is further from the mean than the lower
    assert (hi[0, 1] - mean[0]) [2] > (mean[0] - lo[0, 1])[2]
    # variance below the mean: Poisson quantiles
    lo_p, hi_p = nb_bounds(np.array([[10.0]]), np.array([[5.0]]), [95])
    assert (lo_p[0, 0, 0], hi_p[0, 0, 0]) == (4.0, 17.0)


def test_to_forecast_level_scales_by_the_mean_over_the_history_mean():
    var = np.array([[4.0, 4.0, 4.0], [9.0, np.nan, 9.0]])
    mean = np.array([[20.0, 30.0, 0.2], [5.0, 5.0, np.nan]])
    out = to_forecast_level(var, mean, np.array([10.0, 0.5]))
    # means below one count are taken as one; a missing mean leaves the variance as it is
    np.testing.assert_allclose(out[0], [8.0, 12.0, 0.4])
    np.testing.assert_allclose(out[1, [0, 2]], [45.0, 9.0])
    assert np.isnan(out[1, 1])


def _growing_series(n=72, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.poisson(10 * np.exp(0.03 * np.arange(n))).astype(float)
    return pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2019-01-01", periods=n, freq="MS"), "y": y})


def test_theta_count_intervals_carry_its_spread_to_the_forecast_level():
    """Theta's errors are additive: one spread for the whole history. A count's spread grows
    with its level, so on a growing series its count intervals use the variance its own
    intervals claim times the forecast's mean over the history's mean, and are wider for it."""
    df = _growing_series()
    own = Forecaster([Theta()], freq="MS", interval="model").forecast(df=df, h=6, level=[80, 95])
    count = Forecaster([Theta()], freq="MS", interval="count").forecast(df=df, h=6, level=[80, 95])
    mean = own["Theta"].to_numpy()[None, :]
    lo_own = np.stack([own[f"Theta-lo-{lv}"].to_numpy() for lv in LEVELS])[None]
    hi_own = np.stack([own[f"Theta-hi-{lv}"].to_numpy() for lv in LEVELS])[None]
    var = model_variance(mean, lo_own, hi_own, LEVELS)
    assert mean.min() > 1.5 * df.y.mean()
    lo, hi = nb_bounds(mean, var * mean / df.y.mean(), LEVELS)
    unscaled_lo, unscaled_hi = nb_bounds(mean, var, LEVELS)
    for k, lv in enumerate(LEVELS):
        np.testing.assert_array_equal(count[f"Theta-lo-{lv}"], lo[0, k])
        np.testing.assert_array_equal(count[f"Theta-hi-{lv}"], hi[0, k])
        assert (hi[0, k] - lo[0, k] > unscaled_hi[0, k] - unscaled_lo[0, k]).all()


def test_interval_method_per_model_and_bad_names():
    df = nb_trend_panel(6, 48, seed=3)
    fc = Forecaster([Naive(), Theta()], freq="MS", interval={"Theta": "count"})
    out = fc.forecast(df=df, h=6, level=[95])
    raw = Forecaster([Naive()], freq="MS", interval="model", allow_negative=True).forecast(df=df, h=6, level=[95])
    assert raw["Naive-lo-95"].lt(0).any()  # the model's own Gaussian interval reaches below 0 ...
    np.testing.assert_allclose(out["Naive-lo-95"], raw["Naive-lo-95"].clip(lower=0))  # ... and is kept at 0
    np.testing.assert_allclose(out["Naive-hi-95"], raw["Naive-hi-95"])
    assert out["Theta-lo-95"].ge(0).all()
    with pytest.raises(ValidationError, match="unknown interval method"):
        Forecaster([Naive()], interval="bayes")
    with pytest.raises(ValidationError, match="not given"):
        Forecaster([Naive()], interval={"ETS": "count"})
    with pytest.raises(ValidationError, match="interval_windows"):
        Forecaster([Naive()], interval_windows=0)


def test_backtest_intervals_use_only_data_before_the_origin():
    """A backtest window's forecasts and intervals do not change when the data after its
    cutoff does; a series forecast alone gets the intervals it gets among others."""
    df = nb_trend_panel(4, 72, seed=5)
    cv = Forecaster([Theta()], freq="MS").cross_validation(df, h=6, level=[80, 95])
    altered = df.copy()
    altered.loc[altered.ds > cv.cutoff.max(), "y"] *= 5
    again = Forecaster([Theta()], freq="MS").cross_validation(altered, h=6, level=[80, 95])
    pd.testing.assert_frame_equal(cv.drop(columns="y"), again.drop(columns="y"))
    one = Forecaster([Theta()], freq="MS").cross_validation(df[df.unique_id == "s001"], h=6, level=[80, 95])
    pd.testing.assert_frame_equal(one.reset_index(drop=True),
                                  cv[cv.unique_id == "s001"].reset_index(drop=True))


@pytest.fixture(scope="module")
def panel():
    # 100 series x 3 windows x 12 months = 3,600 forecasts a level: the Monte Carlo standard
    # error of a coverage is about 0.8 points at 80% and 0.45 at 95% (design effect 1.5), so
    # 2 points is 2.5 (80%) and 4.5 (95%) standard errors
    return nb_trend_panel(100, 96, seed=2)


@pytest.fixture(scope="module")
def panel300():
    # the panel's 100 series and 200 more of the same generator: over 8 seeds one 100-series
    # panel's coverage at 80% varied with a standard deviation of about a point
    # (benchmarks/README.md), half the 2-point tolerance; 300 series x 2 windows x 12 months
    # = 7,200 forecasts measure it to about 0.6 points
    return nb_trend_panel(300, 96, seed=2)


@pytest.mark.simulation
def test_theta_default_intervals_on_trending_series(panel300):
    cv_model = Forecaster([Theta()], freq="MS", interval="model", allow_negative=True).cross_validation(
        panel300, h=12, n_windows=2, step_size=6, level=list(LEVELS))
    cv = Forecaster([Theta()], freq="MS").cross_validation(panel300, h=12, n_windows=2, step_size=6,
                                                            level=list(LEVELS))
    assert len(cv) == 7200 and _se(0.8, len(cv)) < 0.006
    assert cv_model["Theta-lo-95"].lt(0).any()
    for level in LEVELS:
        own, below, above = _coverage(cv_model, "Theta", level)
        # Theta's own intervals fall short on trending series, mostly above
        assert own < level / 100 - 0.02 and above > below, (level, own, below, above)
    _assert_nominal(cv, "Theta")


@pytest.fixture(scope="module")
def autoets_cv(panel300):
    cv = Forecaster([AutoETS()], freq="MS").cross_validation(panel300, h=12, n_windows=2, step_size=6,
                                                               level=list(LEVELS))
    assert len(cv) == 7200 and _se(0.8, len(cv)) < 0.006
    return cv


@pytest.mark.simulation
def test_autoets_default_interval_coverage_95(autoets_cv):
    cov, below, above = _coverage(autoets_cv, "AutoETS", 95)
    print(f"AutoETS 95%: coverage {cov:.3f}, below {below:.3f}, above {above:.3f}")
    assert abs(cov - 0.95) <= 0.02, (cov, below, above)
    assert _balanced(below, above, 95), (below, above)
    assert autoets_cv["AutoETS-lo-95"].ge(0).all()


@pytest.mark.simulation
def test_autoets_default_interval_coverage_80(autoets_cv):
    cov, below, above = _coverage(autoets_cv, "AutoETS", 80)
    print(f"AutoETS 80%: coverage {cov:.3f}, below {below:.3f}, above {above:.3f}")
    assert abs(cov - 0.80) <= 0.02, (cov, below, above)
    assert _balanced(below, above, 80), (below, above)


@pytest.mark.simulation
def test_default_intervals_on_councils_that_change():
    """Wolverhampton-like councils: requests growing about 8% a year, the 2020 lockdown dip
    and rebound, overdispersed locality-month counts."""
    df = council_panel(24, "wolverhampton")
    cv = Forecaster([Theta(), AutoETS()], freq="MS").cross_validation(df, h=12, n_windows=3, step_size=6,
                                                                       level=list(LEVELS))
    # 192 localities x 36 = 6,912 forecasts: standard errors about 0.6 point at 80% and
    # 0.3 at 95%. Theta's spread taken at the history's level, not carried to the forecast's
    # (intervals.to_forecast_level), covered 77.4% here at 80% (12.2% above, 10.4% below)
    assert len(cv) == 6912
    _assert_nominal(cv, "Theta")
    # the backtests span the lockdown rebound, which biases them upwards and does not recur:
    # intervals moved by that bias missed below 1.6 times as often as above (12.4% and 7.6%)
    _assert_nominal(cv, "AutoETS")


@pytest.mark.simulation
@pytest.mark.skipif(r_ets_available() is not None, reason="R's datasets are read through Rscript")
def test_default_intervals_on_real_count_series():
    """Real monthly counts (R's datasets: airline passengers, the UK Seatbelts road casualties,
    whose 1983 seat-belt law cut them by about a fifth, Australian wine sales): the default
    intervals hold their levels on 12 rolling origins of each series."""
    df = real_count_series()
    cv = Forecaster([Theta(), AutoETS()], freq="MS", origin="series").cross_validation(
        df, h=12, n_windows=12, step_size=6, level=list(LEVELS))
    assert len(cv) == 7 * 12 * 12
    _assert_nominal(cv, "Theta")
    _assert_nominal(cv, "AutoETS")


def test_a_wildly_uncertain_forecast_keeps_its_mean_inside_the_interval():
    # a variance far above mean^2 made the negative binomial put most of its mass at 0: the
    # 80% and 95% intervals were [0, 0] around a point forecast of 14.8
    mean, var = np.array([[14.8, 70.7]]), np.array([[1e9, 1e12]])
    lo, hi = nb_bounds(mean, var, [80, 95])
    assert (lo <= mean[:, None, :]).all() and (hi >= mean[:, None, :]).all()
    assert (hi[0, 1] > hi[0, 0]).all()
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2018-01-01", periods=3, freq="MS"), "y": [1.0, 2, 3]})
    for method in ("count", "backtest"):
        out = Forecaster([CountRegression()], freq="MS", interval=method).fit(df).predict(6, level=[80, 95])
        for level in LEVELS:
            assert (out[f"CountRegression-lo-{level}"] <= out.CountRegression).all()
            assert (out[f"CountRegression-hi-{level}"] >= out.CountRegression).all(), (method, level)
        assert out["CountRegression-hi-95"].is_monotonic_increasing


def test_quantiles_of_huge_means_are_found():
    # scipy's discrete quantile search never ended on a mean of 1e300
    mean = np.array([[1e300, 1e20, 1e9]])
    lo, hi = nb_bounds(mean, np.array([[1e305, 1e20, 4e18]]), [80])
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    assert (lo[0, 0] <= mean[0]).all() and (hi[0, 0] >= mean[0] * 0.999).all()
    # a Poisson of mean 1e20: the normal approximation, about +-1.28 standard deviations
    assert abs(hi[0, 0, 1] - 1e20 - 1.2816 * 1e10) < 1e8


@pytest.mark.parametrize("model", [Naive(), SeasonalNaive(season_length=12)], ids=["Naive", "SeasonalNaive"])
def test_a_forecast_of_zero_on_a_low_count_series_is_not_a_point_interval(model):
    # Poisson series of mean 0.3-3 (a locality's monthly step-ups): a naive forecast of 0 (the
    # last month, or the month a year before, had none) was the point mass [0, 0] at every level,
    # and 95% intervals covered 84-85% with 14-15% of actuals above them
    rng = np.random.default_rng(11)
    S, T, h = 400, 72, 6
    ds = pd.date_range("2019-01-01", periods=T, freq="MS")
    df = pd.DataFrame({"unique_id": np.repeat([f"s{i}" for i in range(S)], T), "ds": np.tile(ds, S),
                       "y": rng.poisson(np.repeat(rng.uniform(0.3, 3.0, S), T)).astype(float)})
    train, test = df[df.ds < ds[T - h]], df[df.ds >= ds[T - h]]
    out = Forecaster([model], freq="MS").forecast(df=train, h=h, level=list(LEVELS)).merge(test, on=["unique_id", "ds"])
    alias = model.alias
    assert (out[alias] == 0).mean() > 0.15  # the case under test is common
    cov95, below95, above95 = _coverage(out, alias, 95)
    cov80, _, _ = _coverage(out, alias, 80)
    print(f"{alias}: 95% coverage {cov95:.3f} ({below95:.3f} below, {above95:.3f} above), 80% {cov80:.3f}")
    assert 0.93 <= cov95 <= 0.985 and above95 <= 0.035 and cov80 >= 0.77
