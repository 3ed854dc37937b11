"""The cost a scenario avoids, with a band taken run by run (cost_avoided_bands)."""
from __future__ import annotations

import numpy as np
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import Scenario, StockFlow, cost_avoided_bands

COSTS = {"early_help": 10, "cin": 50, "cp": 80, "fostering": 150, "residential": 800}


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=4, scale=0.1, seed=3)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow(unit_costs=COSTS).fit(council, start="2024-04-01", end="2025-03-31")


SCENARIO = Scenario("fewer step-ups").multiply(("early_help", "cin"), 0.8, start="2025-06-01")


def test_the_band_is_taken_run_by_run_and_narrower_than_the_two_bands_apart(model):
    out = cost_avoided_bands(model, SCENARIO, months=24, runs=200, seed=3)
    assert list(out.columns) == ["date", "mean", "q05", "q50", "q95", "p_saving"]
    # the same runs as simulate: the mean is the difference of the two mean costs
    model.simulate(months=24, runs=200, seed=3)
    base = model.simulate_costs()
    model.simulate(months=24, runs=200, seed=3, scenario=SCENARIO)
    alt = model.simulate_costs()
    assert out["mean"].iloc[-1] == pytest.approx(base["mean"].sum() - alt["mean"].sum(), rel=1e-9)
    assert (out["q05"] <= out["q50"]).all() and (out["q50"] <= out["q95"]).all()
    assert out["p_saving"].between(0, 1).all()
    # the two totals' bands side by side: a range several times the band of the difference
    apart = (base["q95"].sum() - alt["q05"].sum()) - (base["q05"].sum() - alt["q95"].sum())
    assert out["q95"].iloc[-1] - out["q05"].iloc[-1] < apart / 2


def test_the_same_seed_gives_the_same_band(model):
    a = cost_avoided_bands(model, SCENARIO, months=6, runs=50, seed=1)
    b = cost_avoided_bands(model, SCENARIO, months=6, runs=50, seed=1, threads=1)
    assert a.equals(b)


def test_needs_costs_and_a_whole_council_model(council, model):
    with pytest.raises(ValidationError, match="unit_costs"):
        cost_avoided_bands(StockFlow().fit(council, start="2024-04-01", end="2025-03-31"), SCENARIO, months=6,
                           runs=10)
    with pytest.raises(ValidationError, match="by locality"):
        cost_avoided_bands(StockFlow(unit_costs=COSTS).fit(council, start="2024-04-01", end="2025-03-31",
                                                           by="locality"), SCENARIO, months=6, runs=10)
    with pytest.raises(ValidationError):
        cost_avoided_bands(model, "not a scenario", months=6, runs=10)
    with pytest.raises(ValidationError):
        cost_avoided_bands(model, SCENARIO, months=6, runs=10, quantiles=[1.5])


def test_changes_to_one_rate_act_in_order_in_the_monte_carlo_as_in_the_projection(model):
    """The Monte Carlo turned each added rate into a multiplier of the fitted rate and multiplied
    them: "x0.5 then +1" ran as "+1 then x0.5", and "+1 then +1" as more than "+2"."""
    twice = Scenario("twice").add("entry:cin", 0.5).add("entry:cin", 0.5)
    once = Scenario("once").add("entry:cin", 1.0)
    halved_first = Scenario("halved first").multiply("entry:cin", 0.5).add("entry:cin", 0.5)
    added_first = Scenario("added first").add("entry:cin", 0.5).multiply("entry:cin", 0.5)
    t0, t1 = model.simulate(months=12, runs=40, seed=5, scenario=twice), \
        model.simulate(months=12, runs=40, seed=5, scenario=once)
    assert t0.drop(columns="scenario", errors="ignore").equals(t1.drop(columns="scenario", errors="ignore"))
    a = model.simulate(months=12, runs=40, seed=5, scenario=halved_first)
    b = model.simulate(months=12, runs=40, seed=5, scenario=added_first)
    cin = lambda frame: frame.loc[frame["state"] == "cin"].select_dtypes("number").to_numpy().sum()  # noqa: E731
    assert cin(a) > cin(b)   # 0.5 r + 0.5 against 0.5 r + 0.25


def test_no_scenario_is_refused_not_answered_with_zeros(model):
    with pytest.raises(ValidationError, match="not None"):
        cost_avoided_bands(model, None, months=12, runs=10, seed=1)
