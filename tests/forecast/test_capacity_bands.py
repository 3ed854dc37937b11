"""What capacity's caseload bands hold, checked by simulation with a known truth: episodes opened
are Poisson with a known mean and the inflow intervals given to ``capacity`` are exactly right."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from earlyhelp.forecast import capacity
from earlyhelp.forecast.capacity import WEEKS_PER_MONTH, _deterministic_curve, period_survival

MONTHS, RUNS = 24, 20_000


def _band(mean: float):
    ds = pd.date_range("2026-01-01", periods=MONTHS, freq="MS")
    forecast = pd.DataFrame({"unique_id": "a", "ds": ds, "M": mean, "M-lo-80": stats.poisson.ppf(0.1, mean),
                             "M-hi-80": stats.poisson.ppf(0.9, mean)})
    history = pd.DataFrame({"unique_id": "a", "y": 0.0,   # no episode open before: the forecast's alone
                            "ds": pd.date_range("2024-01-01", periods=24, freq="MS")})
    last = capacity(forecast, caseload_per_fte=15, history=history).iloc[-1]
    return last["caseload-lo-80"], last["caseload-hi-80"]


def _held(expected: np.ndarray, lo: float, hi: float) -> "tuple[float, float]":
    return float((expected < lo - 1e-9).mean()), float((expected > hi + 1e-9).mean())


@pytest.mark.parametrize("mean", [0.3, 1.0, 3.0, 10.0, 100.0])
def test_band_holds_its_level_when_errors_carry_over_and_more_when_independent(mean):
    kernel = period_survival(*_deterministic_curve(16.0), WEEKS_PER_MONTH)   # capacity's default episode
    lo, hi = _band(mean)
    rng = np.random.default_rng(7)
    # perfectly correlated errors: one uniform draws every month's count (a level misjudged)
    u = np.repeat(rng.random((RUNS, 1)), len(kernel), axis=1)
    below, above = _held(stats.poisson.ppf(u, mean) @ kernel, lo, hi)
    se = np.sqrt(0.1 * 0.9 / RUNS)
    assert below <= 0.1 + 3 * se and above <= 0.1 + 3 * se, (below, above)
    # independent errors: the band is wider than its level (96-99% at 80%, the docstring's figure)
    below, above = _held(rng.poisson(mean, (RUNS, len(kernel))) @ kernel, lo, hi)
    assert 0.96 <= 1 - below - above <= 0.995, (below, above)
