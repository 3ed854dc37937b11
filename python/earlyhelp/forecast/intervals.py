"""Prediction intervals for counts.

A model's own intervals (``interval="model"``) are mostly symmetric Gaussian: on small
counts their lower bounds go below zero and the upper tail is too short. The count
methods keep the model's point forecast and replace the bounds by quantiles of a
negative binomial distribution with that mean:

``"count"``
    variance from the model's own interval (its half-width over the normal quantile),
    at least the mean (Poisson).
``"backtest"``
    variance as ``"count"``, multiplied per series by a calibration factor: the ratio of
    the squared errors of rolling-origin backtests (every horizon step) to the variance
    the model claimed for them (origins one period apart, ending ``h`` periods before the
    last observation), shrunk towards 1 (the model's own variance) so that a few backtest
    errors cannot make an interval collapse. Each series is calibrated on its own: results
    do not depend on which series are forecast together. This
    also repairs models whose own variance ignores trend and parameter uncertainty
    (Theta's simulated intervals).

Bounds are whole numbers and never negative.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Sequence, Union

import numpy as np
from scipy import stats

__all__ = ["INTERVAL_METHODS", "nb_bounds", "model_variance", "calibration_factors"]

INTERVAL_METHODS = ("model", "count", "backtest")
# the model's own variance counts as this many backtest errors when a series' factor is estimated
_PRIOR_WEIGHT = 24.0


def model_variance(mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Variance (S, h) implied by a model's widest interval: ((hi - lo) / (2 z))^2."""
    k = int(np.argmax(levels))
    z = stats.norm.ppf(0.5 + levels[k] / 200.0)
    return ((hi[:, k, :] - lo[:, k, :]) / (2.0 * z)) ** 2


def nb_bounds(mean: np.ndarray, var: np.ndarray, levels: Sequence[float]) -> "tuple[np.ndarray, np.ndarray]":
    """Lower and upper bounds (S, L, h) of central intervals of a negative binomial with the
    given mean and variance (Poisson where the variance is not above the mean; NaN where
    either is missing)."""
    m = np.clip(np.nan_to_num(mean, nan=0.0), 1e-9, None)
    v = np.where(np.isfinite(var), var, m)
    over = v > m * (1 + 1e-6)
    size = np.where(over, m * m / np.where(over, v - m, 1.0), 1.0)
    lo = np.empty((m.shape[0], len(levels), m.shape[1]))
    hi = np.empty_like(lo)
    for i, level in enumerate(levels):
        a = (1.0 - level / 100.0) / 2.0
        for q, out in ((a, lo), (1.0 - a, hi)):
            pois = stats.poisson.ppf(q, m)
            nb = stats.nbinom.ppf(q, size, size / (size + m))
            out[:, i, :] = np.where(over, nb, pois)
    bad = ~np.isfinite(mean) | ~np.isfinite(var)  # a model without intervals gets none
    lo[np.broadcast_to(bad[:, None, :], lo.shape)] = np.nan
    hi[np.broadcast_to(bad[:, None, :], hi.shape)] = np.nan
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


