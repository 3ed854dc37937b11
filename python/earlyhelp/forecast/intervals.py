"""Prediction intervals for counts.

A model's own intervals (``interval="model"``) are mostly symmetric Gaussian: on small
counts their lower bounds go below zero (the Forecaster raises them to 0 unless
``allow_negative``) and the upper tail is too short (CountRegression's own are counts: quantiles
of its simulated counts, holding the point forecast as the count bounds below do). The count
methods keep the model's point forecast and give bounds that are quantiles of a negative
binomial distribution with that mean:

``"count"``
    variance from the model's own interval (its half-width over the normal quantile),
    at least the mean (Poisson); the central quantiles of that distribution. Theta's
    variance, the spread of additive errors over its whole history, is first carried to the
    level of the forecast (:func:`to_forecast_level`), in its backtests too.
``"backtest"`` (the default)
    calibrated on rolling-origin backtests of the same model on each series' own history
    (``windows`` origins ``step`` periods apart, the latest ``h`` periods before the last
    observation, each fitted on the data before it only):

    1. the variance is multiplied by the ratio of the backtests' squared errors to the
       variance the model claimed for them, shrunk towards 1;
    2. each backtest actual is turned into a normal score ``z`` (the normal quantile of its
       mid-probability under that negative binomial); a well-calibrated distribution
       gives ``z ~ N(0, 1)``;
    3. per series, the spread of ``z`` is fitted as a straight line in the horizon step,
       ridge-shrunk towards 1, so intervals widen where the model's errors were wider than
       it claimed, more so further ahead. The spread is measured around the backtests' bias
       line shrunk halfway towards no bias: half of a past bias widens the interval. The
       interval is not moved by a series' own bias: a backtest bias comes as often from a
       shock that does not recur (the 2020 lockdown rebound biases every window spanning it)
       as from a lasting lag behind a trend, 8 overlapping windows of one series cannot tell a
       lag (about 0.2 in normal scores on steadily rising series) from noise (about 0.3), and
       re-centring on it put the lower tail at 12% against 8% above at 80% on growing
       councils while it changed nothing on trending series (``benchmarks/README.md``,
       prediction intervals for counts). The centre is the score of the point forecast
       itself, not 0: a right-skewed count's median lies below its mean, and a centre at 0
       would pull the interval down. With ``shared_bias`` (:func:`calibrated_bounds`) the
       centre is moved by the bias the series forecast together share, carried to the
       forecast origin (:func:`pooled_bias`), where it is beyond what the forecast's own score
       stands for (:func:`score_fit`): on steadily rising series that balances the tails,
       which otherwise miss above about twice as often as below;
    4. the bounds are the negative binomial quantiles at the probabilities
       ``Phi(c -/+ s(k) t)``, ``c`` that centre and ``t`` the Student-t quantile of the level
       (for the uncertainty of the estimated spread), rounded to the count whose tail
       probability is nearest.

    Each series is calibrated on its own: results do not depend on which series are
    forecast together (a Dask frame gives the same intervals as one process), unless
    ``shared_bias`` is asked for.

A point forecast below one count whose variance no count distribution of that mean has (a
Naive forecast of 0 after a month of none, with the variance of the series' month-to-month
changes) is given the smallest mean that has the variance, up to one count: otherwise the
distribution is a point mass at 0 and every interval [0, 0] (95% intervals of Naive covered
84% of low-count series, with 14% of actuals above them).

Bounds are whole numbers and never negative, and hold their point forecast: where a count's
central quantiles leave out a forecast of a fraction of a count, they are widened to the whole
numbers either side of it. They are for counts: the Forecaster gives a series
whose values are not all whole numbers the model's own intervals instead (see its ``interval``).
"""
from __future__ import annotations

from typing import Dict, Mapping, Sequence, Union

import numpy as np
from scipy import stats

__all__ = ["INTERVAL_METHODS", "POOLED_METHODS", "nb_bounds", "to_forecast_level", "model_variance", "calibration_factors", "window_step",
           "pooled_bias", "calibrated_bounds"]

INTERVAL_METHODS = ("model", "count", "backtest", "backtest_shared")
# methods whose intervals depend on the other series forecast in the same call
POOLED_METHODS = ("backtest_shared",)
# the model's own variance counts as this many backtest errors when a series' factor is estimated
_PRIOR_WEIGHT = 24.0
# the normal-score spread: the prior of a calibrated model (spread 1) counts as this many errors
_SPREAD_PRIOR = 12.0
# the normal-score bias line the spread is measured around: its prior (no bias) counts as
# this many times the backtest errors, so half of a past bias widens the interval
_BIAS_PRIOR_RATIO = 1.0
# degrees of freedom of the t quantile: about the number of independent errors in the
# backtests (8 windows 3 months apart cover 33 months; errors of neighbouring months and of
# overlapping windows correlate, so about a third of that)
_T_DF = 10.0
_SPREAD_FLOOR = 0.5  # a series' normal scores are never taken to be less than half as spread as claimed
# The smallest negative binomial size: a gamma-distributed rate whose spread is at most its
# mean (variance at most mean + mean^2). A smaller size puts the rate's mode at 0, and the
# interval of a wildly uncertain forecast collapses to [0, 0], below its own point forecast.
_MIN_SIZE = 1.0
_LARGE_MEAN = 1e8
_EPS = 1e-4


def model_variance(mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Variance (S, h) implied by a model's widest interval: ((hi - lo) / (2 z))^2."""
    k = int(np.argmax(levels))
    z = stats.norm.ppf(0.5 + levels[k] / 200.0)
    return ((hi[:, k, :] - lo[:, k, :]) / (2.0 * z)) ** 2


def _nb(mean: np.ndarray, var: np.ndarray):
    """Mean (floored), whether overdispersed, and negative binomial size (at least
    ``_MIN_SIZE``)."""
    m = np.clip(np.nan_to_num(mean, nan=0.0), 1e-9, None)
    v = np.where(np.isfinite(var), var, m)
    # A forecast below one count with a variance no such count distribution has (a Naive
    # forecast of 0 after a month of 0) would be a point mass at 0 and its interval [0, 0]: its
    # mean is raised towards the smallest one that has the variance, up to one count.
    m = np.maximum(m, np.minimum(_smallest_mean(v), 1.0))
    over = v > m * (1 + 1e-6)
    size = np.where(over, m / np.where(over, v / m - 1.0, 1.0), 1.0)  # m^2 / (v - m), without overflow
    return m, over, np.maximum(size, _MIN_SIZE)


def _smallest_mean(var: np.ndarray) -> np.ndarray:
    """The mean m with m + m^2 / _MIN_SIZE = var (0 where var is not positive)."""
    v = np.clip(np.nan_to_num(var, nan=0.0, posinf=0.0), 0.0, None)
    return 2.0 * v / (1.0 + np.sqrt(1.0 + 4.0 * v / _MIN_SIZE))


def nb_cdf(y: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """P(Y <= y) for a negative binomial with this mean and variance (Poisson where the
    variance is not above the mean; the variance at most mean + mean^2, see ``_MIN_SIZE``)."""
    m, over, size = _nb(mean, var)
    return np.where(over, stats.nbinom.cdf(y, size, size / (size + m)), stats.poisson.cdf(y, m))


def nb_quantile(q: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """The smallest count whose distribution function reaches ``q`` (as :func:`nb_cdf`);
    beyond a mean of ``_LARGE_MEAN`` a continuous approximation (scipy's discrete quantile
    search does not end on such means)."""
    m, over, size = _nb(mean, var)
    q = np.clip(q, 1e-12, 1 - 1e-12)
    large = m > _LARGE_MEAN
    mm, ss = np.where(large, 1.0, m), np.where(large, 1.0, size)  # the discrete search only where it ends
    exact = np.where(over, stats.nbinom.ppf(q, ss, ss / (ss + mm)), stats.poisson.ppf(q, mm))
    if not large.any():
        return exact
    # a negative binomial of large mean is its gamma mixing distribution; a Poisson, a normal
    approx = np.where(over, stats.gamma.ppf(q, size, scale=m / size), stats.norm.ppf(q, m, np.sqrt(m)))
    return np.where(large, np.floor(np.maximum(approx, 0.0)), exact)


def _holding_the_mean(mean: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
    """Count bounds (S, L, h) widened to the whole numbers either side of their point forecast
    (S, h) where they left it out; NaN bounds stay NaN.

    A count's central interval can leave out its own mean: at a forecast of 0.26 a count is 0 in
    three periods of four, so its 50% interval is [0, 0]; the backtest calibration moved intervals
    of Croston's and TSB's forecasts of a fraction of a count off them too (a forecast of 0.68 got
    [1, 2] at 80%, one of 0.26 got [0, 0]). An interval that does not hold the forecast it
    surrounds reads as an error in every table and plot of it; widened, it covers more than its
    level only where a count's whole numbers cannot hold both."""
    m = mean[:, None, :]
    known = np.isfinite(m)
    with np.errstate(invalid="ignore"):
        lo = np.where(known & np.isfinite(lo), np.minimum(lo, np.floor(m)), lo)
        hi = np.where(known & np.isfinite(hi), np.maximum(hi, np.ceil(m)), hi)
    return lo, hi


def _mask_missing(lo: np.ndarray, hi: np.ndarray, mean: np.ndarray, var: np.ndarray) -> None:
    bad = ~np.isfinite(mean) | ~np.isfinite(var)  # a model without intervals gets none
    lo[np.broadcast_to(bad[:, None, :], lo.shape)] = np.nan
    hi[np.broadcast_to(bad[:, None, :], hi.shape)] = np.nan


def to_forecast_level(var: np.ndarray, mean: np.ndarray, history_mean: np.ndarray) -> np.ndarray:
    """A variance (S, h) estimated from additive errors over a history of mean ``history_mean``
    (S,), carried to the level of the forecast ``mean`` (S, h): multiplied by
    ``mean / history_mean`` (both taken as at least 1 count).

    A model with additive errors (Theta) has one spread for its whole history, where a count's
    spread grows with its level: at least in proportion to its mean, as a Poisson count's (the
    least growth any count's spread has, so the scaling never claims more than that). On a
    growing series the claim falls behind the level forecast, the more so the longer the
    history, so a calibration learnt on the backtests (shorter histories) did not carry to the
    final fit (benchmarks/README.md, prediction intervals for counts).
    """
    m = np.maximum(np.nan_to_num(mean, nan=1.0), 1.0)
    base = np.maximum(np.nan_to_num(np.asarray(history_mean, dtype=float), nan=1.0), 1.0)
    return var * m / base[:, None]


def nb_bounds(mean: np.ndarray, var: np.ndarray, levels: Sequence[float]) -> "tuple[np.ndarray, np.ndarray]":
    """Lower and upper bounds (S, L, h) of central intervals of a negative binomial with the
    given mean and variance (Poisson where the variance is not above the mean; NaN where
    either is missing)."""
    a = np.array([(1.0 - lv / 100.0) / 2.0 for lv in levels])[None, :, None]
    M, V = mean[:, None, :], var[:, None, :]
    shape = (mean.shape[0], len(levels), mean.shape[1])
    lo = nb_quantile(np.broadcast_to(a, shape), M, V)
    hi = nb_quantile(np.broadcast_to(1.0 - a, shape), M, V)
    lo, hi = _holding_the_mean(mean, lo, hi)
    _mask_missing(lo, hi, mean, var)
    return lo, hi


def calibration_factors(err2: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Per-series variance factor from backtest squared errors and claimed variances
    (both (S, k), NaN where a window had no value), shrunk towards 1."""
    ok = np.isfinite(err2) & np.isfinite(var) & (var > 0)
    e = np.where(ok, err2, 0.0).sum(axis=1)
    v = np.where(ok, var, 0.0).sum(axis=1)
    n = ok.sum(axis=1)
    mean_v = np.where(n > 0, v / np.maximum(n, 1), 1.0)
    return (e + _PRIOR_WEIGHT * mean_v) / (v + _PRIOR_WEIGHT * mean_v)


def window_step(h: int) -> int:
    """Periods between the origins of the calibrating backtests: a quarter of the horizon,
    so that the windows reach back over more than a year of monthly history."""
    return max(1, int(round(h / 4)))


def normal_scores(actual: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Normal quantile of the mid-probability of each actual count under the negative
    binomial with this mean and variance (NaN where any is missing)."""
    ok = np.isfinite(actual) & np.isfinite(mean) & np.isfinite(var)
    y = np.where(ok, np.round(actual), 0.0)
    u = 0.5 * (nb_cdf(y - 1, mean, var) + nb_cdf(y, mean, var))
    return np.where(ok, stats.norm.ppf(np.clip(u, _EPS, 1 - _EPS)), np.nan)


def _ridge_line(t: np.ndarray, y: np.ndarray, prior: np.ndarray, weight: float) -> np.ndarray:
    """Intercept and slope of y on t, shrunk towards ``prior`` with ``weight`` pseudo-points."""
    X = np.column_stack([np.ones_like(t), t])
    return np.linalg.solve(X.T @ X + weight * np.eye(2), X.T @ y + weight * prior)


def pooled_bias(z: np.ndarray, ahead: float) -> float:
    """The normal-score bias the series forecast together share, carried to the forecast
    origin: a shift of the centre of every series' interval.

    The scores ``z`` (S, windows, h; the newest window first, origins one window step apart)
    of a calibrated forecast average 0. Their mean over the series and steps of each origin
    is fitted as a straight line in the origin and carried ``ahead`` window steps past the
    newest, kept between 0 and the mean over all origins (a bias that fades over the origins,
    as one a passing shock left, is not carried on; one that does not fade, as a lag behind
    a steady rise, is; the line never claims more than the backtests showed), then shrunk
    by ``e^2 / (e^2 + se^2)``, ``e`` that value and ``se`` the standard error of the carried
    line, at least that of a mean of the series' own mean scores and at least
    ``1 / sqrt(_T_DF * S)`` for S series (each series' backtests hold about ``_T_DF``
    independent errors): a few series move little, a single series or fewer than 3 origins
    not at all.

    Parameters
    ----------
    z : ndarray (S, windows, h)
        Backtest normal scores (NaN where a series had no window).
    ahead : float
        Window steps from the newest backtest origin to the forecast origin.

    Returns
    -------
    float
        The shift of the centre, in normal-score units.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        finite = np.isfinite(z)
        n_origin = finite.sum(axis=(0, 2))
        n_series = finite.sum(axis=(1, 2))
        by_origin = np.where(finite, z, 0.0).sum(axis=(0, 2)) / np.maximum(n_origin, 1)
        by_series = (np.where(finite, z, 0.0).sum(axis=(1, 2)) / np.maximum(n_series, 1))[n_series > 0]
    ok = n_origin > 0
    if ok.sum() < 3 or by_series.size < 2:
        return 0.0
    x = -np.flatnonzero(ok).astype(float)  # origins in window steps, the newest at 0
    y = by_origin[ok]
    X = np.column_stack([np.ones_like(x), x])
    XtX_inv = np.linalg.inv(X.T @ X)
    beta = XtX_inv @ X.T @ y
    resid = y - X @ beta
    at = np.array([1.0, ahead])
    # the carried line is no surer than the mean of the series' own mean scores, whose spread
    # is measured or, for a few series that happen to agree, that of about _T_DF independent
    # errors a series (calibrated scores have variance 1)
    se2 = max(float(resid @ resid) / max(len(y) - 2, 1) * float(at @ XtX_inv @ at),
              float(np.var(by_series, ddof=1)) / by_series.size, 1.0 / (_T_DF * by_series.size))
    mean = float(y.mean())
    e = float(at @ beta)
    e = min(max(e, 0.0), mean) if mean > 0 else max(min(e, 0.0), mean)
    return e * e * e / (e * e + se2) if e != 0.0 else 0.0


def score_fit(z: np.ndarray, z_forecast: np.ndarray, shift: float = 0.0) -> "tuple[np.ndarray, np.ndarray]":
    """Per series, the centre b (S, h) and spread s (S, h) of the intervals from backtest
    normal scores ``z`` (S, windows, h): the centre is no bias (the mean score ``z_forecast``
    (S, windows, h) of the backtests' own point forecasts), moved by the bias the series share
    ``shift`` (:func:`pooled_bias`) less the part of it that score already stands for (a shift
    between 0 and that score leaves the centre where it is; a larger one raises it to the shift;
    a negative one lowers it by the shift); the spread a straight line in the horizon step,
    shrunk towards 1, of the scores' spread around their bias line shrunk halfway to that centre."""
    S, W, h = z.shape
    t = (np.arange(h) + 1.0) / h
    b = np.zeros((S, h))
    s = np.ones((S, h))
    for i in range(S):
        ok = np.isfinite(z[i])
        if not ok.any():
            continue
        tt = np.broadcast_to(t, z[i].shape)[ok]
        zz = z[i][ok]
        zf = z_forecast[i][np.isfinite(z_forecast[i])]
        centre = zf.mean() if zf.size else 0.0
        # the forecast's own score already stands for an upward bias of up to itself
        centre += shift - min(max(shift, 0.0), max(centre, 0.0))
        beta = _ridge_line(tt, zz, np.array([centre, 0.0]), _BIAS_PRIOR_RATIO * W * h)
        # the spread around the bias line shrunk halfway to no bias
        r2 = (zz - beta[0] - beta[1] * tt) ** 2
        gamma = _ridge_line(tt, r2, np.array([1.0, 0.0]), _SPREAD_PRIOR)
        b[i] = centre
        s[i] = np.sqrt(np.clip(gamma[0] + gamma[1] * t, _SPREAD_FLOOR ** 2, None))
    return b, s


def calibrated_bounds(mean: np.ndarray, var: np.ndarray, levels: Sequence[float],
                      backtests: Mapping[str, np.ndarray],
                      shared_bias: bool = False) -> "tuple[np.ndarray, np.ndarray]":
    """The ``"backtest"`` intervals (see the module doc).

    Parameters
    ----------
    mean, var : ndarray (S, h)
        Point forecasts and the model's own variance.
    levels : sequence of float
        Coverages in percent.
    backtests : mapping
        ``"mean"``, ``"var"`` and ``"actual"``, each (S, windows, h): the backtests'
        point forecasts, claimed variances and actuals (NaN where a series had no window),
        the newest window first, origins ``window_step(h)`` periods apart.
    shared_bias : bool
        Move every series' interval by the bias the series share (:func:`pooled_bias`), so a
        series' interval depends on the series forecast with it; otherwise not moved.

    Returns
    -------
    lo, hi : ndarray (S, L, h)
        Whole, non-negative bounds (NaN where the model gave no variance).
    """
    S = mean.shape[0]
    err2 = ((backtests["actual"] - backtests["mean"]) ** 2).reshape(S, -1)
    factor = calibration_factors(err2, backtests["var"].reshape(S, -1))
    var = var * factor[:, None]
    bt_var = backtests["var"] * factor[:, None, None]
    z = normal_scores(backtests["actual"], backtests["mean"], bt_var)
    # no bias means the point forecast stays where it is: the score of the forecast itself,
    # above 0 as a skewed count's median lies below its mean
    # the bias the series share, carried from the backtests' origins to the forecast's
    shift = pooled_bias(z, mean.shape[1] / window_step(mean.shape[1])) if shared_bias else 0.0
    b, s = score_fit(z, normal_scores(backtests["mean"], backtests["mean"], bt_var), shift)
    tq = stats.t.ppf(np.array([0.5 + lv / 200.0 for lv in levels]), _T_DF)[None, :, None]
    q_lo = stats.norm.cdf(b[:, None, :] - s[:, None, :] * tq)
    q_hi = stats.norm.cdf(b[:, None, :] + s[:, None, :] * tq)
    M, V = mean[:, None, :], var[:, None, :]
    lo = nb_quantile(q_lo, M, V)
    hi = nb_quantile(q_hi, M, V)
    # the count whose tail probability is nearest the target: P(Y < lo) ~ q_lo, P(Y > hi) ~ 1 - q_hi
    up = lo + 1
    lo = np.where(np.abs(nb_cdf(up - 1, M, V) - q_lo) < np.abs(nb_cdf(lo - 1, M, V) - q_lo), up, lo)
    down = np.maximum(hi - 1, 0)
    hi = np.where(np.abs(nb_cdf(down, M, V) - q_hi) < np.abs(nb_cdf(hi, M, V) - q_hi), down, hi)
    hi = np.maximum(hi, lo)
    lo, hi = _holding_the_mean(mean, lo, hi)
    _mask_missing(lo, hi, mean, var)
    return lo, hi


def resolve(interval: Union[str, Mapping[str, str]], aliases: Sequence[str],
            builtin: Sequence[str]) -> Dict[str, str]:
    """The interval method of each model alias: one name for every built-in model (Python
    models keep their own intervals unless named), or a dict by alias (aliases left out get
    ``"model"``)."""
    from .._errors import ValidationError

    if isinstance(interval, str):
        chosen = {a: interval if a in builtin else "model" for a in aliases}
    elif isinstance(interval, Mapping):
        unknown = sorted(set(interval) - set(aliases))
        if unknown:
            raise ValidationError(f"interval names models that are not given: {unknown}",
                                  table="Forecaster", column="interval")
        chosen = {a: interval.get(a, "model") for a in aliases}
    else:
        raise ValidationError(f"interval must be a method name or a dict by model alias, got {interval!r}",
                              table="Forecaster", column="interval")
    bad = sorted({m for m in chosen.values() if m not in INTERVAL_METHODS})
    if bad:
        raise ValidationError(f"unknown interval method(s) {bad}; choose from {INTERVAL_METHODS}",
                              table="Forecaster", column="interval")
    return chosen
