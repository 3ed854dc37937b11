"""Count-aware prediction intervals: never negative, and coverage checked by simulation on
overdispersed (negative binomial) count series with trend and seasonality."""
from __future__ import annotations

import numpy as np
import pytest

from _count_series import nb_trend_panel
from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, Forecaster, Naive, Theta
from earlyhelp.forecast.intervals import nb_bounds


def _coverage(cv, alias, level):
    lo, hi = cv[f"{alias}-lo-{level}"], cv[f"{alias}-hi-{level}"]
    return float(((cv.y >= lo) & (cv.y <= hi)).mean()), float((cv.y < lo).mean()), float((cv.y > hi).mean())


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


def test_interval_method_per_model_and_bad_names():
    df = nb_trend_panel(6, 48, seed=3)
    fc = Forecaster([Naive(), Theta()], freq="MS", interval={"Theta": "count"})
    out = fc.forecast(df=df, h=6, level=[95])
    assert out["Naive-lo-95"].lt(0).any()  # the model's own Gaussian interval, unchanged
    assert out["Theta-lo-95"].ge(0).all()
    with pytest.raises(ValidationError, match="unknown interval method"):
        Forecaster([Naive()], interval="bayes")
    with pytest.raises(ValidationError, match="not given"):
        Forecaster([Naive()], interval={"ETS": "count"})


@pytest.fixture(scope="module")
def panel():
    return nb_trend_panel(40, 90, seed=11)


def test_theta_backtest_intervals_do_not_fall_short_on_trends(panel):
    cv_model = Forecaster([Theta()], freq="MS", interval="model").cross_validation(
        panel, h=12, n_windows=3, step_size=6, level=[80, 95])
    cv = Forecaster([Theta()], freq="MS").cross_validation(panel, h=12, n_windows=3, step_size=6,
                                                            level=[80, 95])
    assert cv_model["Theta-lo-95"].lt(0).any()
    assert cv["Theta-lo-95"].ge(0).all() and cv["Theta-lo-80"].ge(0).all()
    for level in (80, 95):
        own, _, _ = _coverage(cv_model, "Theta", level)
        cov, below, above = _coverage(cv, "Theta", level)
        # Theta's own intervals fall short on trending series; the calibrated ones do not
        assert own < level / 100 - 0.02 and cov >= level / 100 - 0.02, (level, own, cov)
        assert cov <= level / 100 + 0.06, (level, cov)


def test_autoets_backtest_interval_coverage(panel):
    cv = Forecaster([AutoETS()], freq="MS").cross_validation(panel, h=12, n_windows=2, step_size=6,
                                                               level=[80, 95])
    assert cv["AutoETS-lo-95"].ge(0).all()
    for level in (80, 95):
        cov, below, above = _coverage(cv, "AutoETS", level)
        # 960 forecasts of 40 series: 3 points is about three standard errors at 80%
        assert abs(cov - level / 100) <= 0.03, (level, cov)
        assert below > 0 and above < 3 * (1 - level / 100)
