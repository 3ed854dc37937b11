"""Simulated costs do not depend on the currency unit: costs in pounds, thousands or millions a
day give the same figures scaled (the cost histograms' unit was at least one currency unit, so
costs in millions came out in whole millions)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, cost_avoided_bands

COSTS = {"fostering": 120, "residential": 800, "supported": 300, "other_care": 200, "cp": 30, "cin": 15,
         "early_help": 10, "earliest_help": 5}


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)


def _model(council, scale, costs=COSTS):
    return StockFlow(unit_costs={s: c * scale for s, c in costs.items()}).fit(council)


def test_simulated_costs_in_millions_are_those_in_pounds_scaled(council):
    pounds, millions = _model(council, 1.0), _model(council, 1e-6)
    for m in (pounds, millions):
        m.simulate(months=6, runs=100, seed=1)
    a, b = pounds.simulate_costs(), millions.simulate_costs()
    for col in ("mean", "q05", "q50", "q95"):
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy() * 1e-6, rtol=1e-3)
    # and they are near the projection's monthly cost (not rounded to whole millions)
    p = millions.project(until=a["date"].iloc[0])
    first_month = p[p["date"] > p["date"].min()]["cost_per_day"].sum()
    assert b["mean"].iloc[0] == pytest.approx(first_month, rel=0.05)
    assert b["q95"].iloc[0] - b["q05"].iloc[0] < 0.5 * first_month


def test_cost_avoided_in_millions_is_that_in_pounds_scaled(council):
    scenario = Scenario("fewer step-ups").multiply(("early_help", "cin"), 0.8)
    a = cost_avoided_bands(_model(council, 1.0), scenario, months=4, runs=60, seed=2)
    b = cost_avoided_bands(_model(council, 1e-6), scenario, months=4, runs=60, seed=2)
    for col in ("mean", "q05", "q50", "q95"):
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy() * 1e-6, rtol=1e-3, atol=1e-9)


def test_costs_of_a_state_nobody_is_open_in_keep_their_unit():
    # nobody is in care at the start: the histogram's unit, a 2000th of the expected first
    # month's cost, has nothing to go by; it was one currency unit (a million here)
    persons = pd.DataFrame({"person_id": ["x", "y"], "birth_date": pd.to_datetime(["2015-01-01"] * 2),
                            "sex": ["M", "F"]})
    cla = pd.DataFrame({"cla_episode_id": ["e1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                        "end_date": pd.to_datetime(["2024-02-20"]), "placement": ["U1"]})
    cp = pd.DataFrame({"cp_plan_id": ["p1"], "person_id": ["y"], "start_date": pd.to_datetime(["2023-06-01"]),
                       "end_date": pd.to_datetime([None])})
    ds = earlyhelp.Dataset.from_frames(persons=persons, cla_episodes=cla, cp_plans=cp,
                                       meta={"window_start": "2023-01-01", "end_date": "2024-06-30"})
    m = StockFlow("statutory", unit_costs={"fostering": 120e-6}).fit(ds, start="2024-01-01", end="2024-06-30")
    args, _ = m._sim_plan(3, None)
    assert args["cost_quantum"] == pytest.approx(120e-6 * 30.4 / 2000)
