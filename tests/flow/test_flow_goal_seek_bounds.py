"""goal_seek's interval when some posterior draws cannot reach the target within the bounds."""
from __future__ import annotations

import math

import numpy as np
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow, goal_seek
from earlyhelp.flow.analysis import _censored_quantile

UNTIL = "2026-03-31"


@pytest.fixture(scope="module")
def model():
    council = earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)
    return StockFlow().fit(council, start="2024-04-01", end="2025-03-31")


def _stock_at_until(model, state=None) -> float:
    p = model.project(until=UNTIL)
    last = p[p["date"] == p["date"].max()]
    return float(last["stock"].sum() if state is None else last.loc[last["state"] == state, "stock"].sum())


def test_a_target_already_met_is_inside_its_interval(model):
    # the total stock hardly moves with step-ups, so many draws cannot reach it: leaving them
    # out put the interval at (0.02, 0.70) around a point multiplier of 1
    res = goal_seek(model, ("early_help", "cin"), UNTIL, target_stock=_stock_at_until(model), draws=5, seed=0)
    assert res["multiplier"] == pytest.approx(1.0, abs=1e-3)
    assert res["unreachable_draws"] > 0
    assert not res["lower"] > 1.0 and not res["upper"] < 1.0  # nan (beyond the bounds) or around 1


def test_draws_beyond_the_bounds_stay_in_the_interval(model):
    # bounds up to 5: within the default 3, a tenth of the draws would lie above too (and the
    # upper bound be beyond them), and the lower tail is what this test is about
    res = goal_seek(model, ("early_help", "cin"), UNTIL, target_stock=_stock_at_until(model, "cin"), state="cin",
                    draws=40, seed=0, bounds=(0.0, 5.0))
    below, above = res["below_bounds_draws"], res["above_bounds_draws"]
    assert below + above == res["unreachable_draws"]
    alpha = (1 - res["level"]) / 2
    # more than the lower tail's share of draws would need a multiplier below 0: the lower bound
    # of the interval is not among the multipliers searched
    assert below > alpha * res["draws"]
    assert math.isnan(res["lower"])
    assert res["upper"] > res["multiplier"]


def test_censored_quantile():
    inf = np.inf
    assert _censored_quantile(np.array([1.0, 2.0, 3.0]), 0.5) == 2.0
    assert _censored_quantile(np.array([-inf, 1.0, 2.0, 3.0, 4.0]), 0.5) == 2.0
    assert math.isnan(_censored_quantile(np.array([-inf, -inf, 1.0, 2.0]), 0.05))
    assert math.isnan(_censored_quantile(np.array([1.0, inf]), 0.95))
    assert math.isnan(_censored_quantile(np.array([]), 0.5))
    # without unreachable draws it is numpy's quantile
    x = np.random.default_rng(0).normal(size=31)
    assert _censored_quantile(x, 0.05) == pytest.approx(np.quantile(x, 0.05))
