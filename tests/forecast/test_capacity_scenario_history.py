"""capacity(): an inflow ("requests") scenario changes the episodes opened from the forecast on,
not the families already open at its origin (``history``, or the steady state standing in for it).

Before, the scenario's factor multiplied the history too: with requests halved, January's caseload
was exactly half the baseline's, families opened in October-December included."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import capacity
from earlyhelp.forecast.capacity import period_survival

SCENARIOS = {"requests +10%": {"requests": 1.10}, "requests halved": {"inflow": 0.5}}


def _frames(level: float = 40.0):
    hist = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2023-01-01", periods=12, freq="MS"), "y": level})
    fc = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2024-01-01", periods=6, freq="MS"), "M": level,
                       "M-lo-80": level - 10.0, "M-hi-80": level + 10.0})
    return hist, fc


def _by_scenario(plan, column="caseload"):
    return plan.pivot(index="ds", columns="scenario", values=column)


def test_families_open_at_the_origin_are_not_scaled_by_the_scenario():
    hist, fc = _frames()
    plan = capacity(fc, episode_weeks=16, history=hist, scenarios=SCENARIOS)
    kernel = period_survival(np.array([16.0]), np.array([0.0]), plan.period_weeks)
    assert len(kernel) == 5  # a 16-week episode is open at the end of its month and the 3 after
    load = _by_scenario(plan)
    # January: October-December's families as observed, January's opened at the scenario's rate
    past = 40.0 * kernel[1:].sum()
    np.testing.assert_allclose(load["baseline"].iloc[0], past + 40.0 * kernel[0])
    np.testing.assert_allclose(load["requests halved"].iloc[0], past + 20.0 * kernel[0])
    np.testing.assert_allclose(load["requests +10%"].iloc[0], past + 44.0 * kernel[0])
    assert load["requests halved"].iloc[0] > 0.8 * load["baseline"].iloc[0]  # was exactly 0.5
    # the caseload moves to the scenario's level as the families open at the origin close
    ratio = (load["requests halved"] / load["baseline"]).to_numpy()
    assert (np.diff(ratio) <= 1e-12).all()
    np.testing.assert_allclose(ratio[len(kernel) - 1:], 0.5)
    np.testing.assert_allclose((load["requests +10%"] / load["baseline"]).to_numpy()[len(kernel) - 1:], 1.10)


def test_interval_bounds_keep_the_history_too():
    hist, fc = _frames()
    plan = capacity(fc, episode_weeks=16, history=hist, scenarios=SCENARIOS)
    kernel = period_survival(np.array([16.0]), np.array([0.0]), plan.period_weeks)
    past = 40.0 * kernel[1:].sum()
    lo, hi = _by_scenario(plan, "caseload-lo-80"), _by_scenario(plan, "caseload-hi-80")
    np.testing.assert_allclose(lo["requests halved"].iloc[0], past + 0.5 * 30.0 * kernel[0])
    np.testing.assert_allclose(hi["requests halved"].iloc[0], past + 0.5 * 50.0 * kernel[0])
    np.testing.assert_allclose(_by_scenario(plan, "fte")["requests halved"].iloc[0],
                               (past + 20.0 * kernel[0]) / 15.0)


@pytest.mark.parametrize("level", [40.0, 7.5])
def test_the_steady_state_is_read_as_a_history_of_the_first_forecast_value(level):
    # without history the periods before the forecast are taken to have opened its first value: the
    # same families at the origin as a history of that value, in every scenario
    hist, fc = _frames(level)
    with_history = capacity(fc, episode_weeks=16, history=hist, scenarios=SCENARIOS)
    steady = capacity(fc, episode_weeks=16, scenarios=SCENARIOS)
    assert steady.warm_start.startswith("first forecast value")
    cols = ["caseload", "caseload-lo-80", "caseload-hi-80", "fte", "fte-lo-80", "fte-hi-80", "episodes_opened"]
    pd.testing.assert_frame_equal(steady[["scenario", "ds"] + cols], with_history[["scenario", "ds"] + cols])


def test_weekly_periods_with_a_long_history():
    # the same on a weekly grid, where an episode spans 16 periods
    hist = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2023-01-02", periods=30, freq="W-MON"),
                         "y": 10.0})
    fc = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range(hist["ds"].max() + pd.Timedelta(weeks=1),
                                                              periods=20, freq="W-MON"), "M": 10.0})
    plan = capacity(fc, episode_weeks=16, history=hist, scenarios={"none": {"requests": 1e-9}})
    load = _by_scenario(plan)
    # with (almost) no new requests the caseload is the families already open, closing week by week
    np.testing.assert_allclose(load["none"].iloc[0], load["baseline"].iloc[0] - 10.0, rtol=1e-9)
    assert load["none"].iloc[-1] == pytest.approx(0.0, abs=1e-6)
