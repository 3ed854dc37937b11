"""A scenario's change from D acts on the flows of D: the stock on D (which counts the children
who started that day, as the fit does) already moves, in the projection and the Monte Carlo
alike; a change active only on the fit's end date, whose stock is the data's, never applies."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import Scenario, StockFlow, goal_seek


@pytest.fixture(scope="module")
def model():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    return StockFlow().fit(ds)  # ends 2025-03-31


def _total(p):
    return p.groupby("date")["stock"].sum()


def test_a_change_on_one_day_moves_that_days_stock(model):
    assert model._fit.end == pd.Timestamp("2025-03-31")
    one_day = Scenario("1 Aug only").multiply("entry:early_help", 3.0, start="2025-08-01", end="2025-08-02")
    diff = _total(model.project(until="2025-08-05", scenario=one_day)) - _total(model.project(until="2025-08-05"))
    assert diff["2025-07-31"] == 0
    assert diff["2025-08-01"] > 1  # the day's extra entrants
    # and the first projected day is the first a change can move
    first = Scenario("from the start").multiply("entry:early_help", 3.0, start="2025-04-01", end="2025-04-02")
    diff = _total(model.project(until="2025-04-05", scenario=first)) - _total(model.project(until="2025-04-05"))
    assert diff["2025-03-31"] == 0 and diff["2025-04-01"] > 1


def test_a_change_on_the_fits_end_date_only_is_refused(model):
    on_the_end = Scenario("31 Mar only").multiply("entry:early_help", 3.0, start="2025-03-31", end="2025-04-01")
    with pytest.raises(ValidationError, match="never applies") as info:
        model.project(until="2025-04-05", scenario=on_the_end)
    assert "2025-04-01" in str(info.value)
    with pytest.raises(ValidationError, match="never applies"):
        model.simulate(months=2, runs=10, scenario=on_the_end)


def test_the_monte_carlo_labels_its_days_as_the_projection(model):
    # day d of the core moves arrivals in [d, d + 1), counted in the stock of the fit's end + d + 1
    start = pd.Timestamp("2025-05-10")
    scenario = Scenario("from 10 May").multiply("entry:early_help", 2.0, start=start)
    args, _ = model._sim_plan(3, scenario)
    _, _, regime = model._regimes(scenario, len(args["regime_of_day"]))
    first = int(np.argmax(np.asarray(args["regime_of_day"]) != args["regime_of_day"][0]))
    assert first == (start - model._fit.end).days - 1
    assert int(np.argmax(regime != regime[0])) == first


def test_goal_seek_takes_a_change_starting_on_the_target_date(model):
    # it moves the target date's own flows
    p = model.project(until="2025-06-30")
    now = p[(p["date"] == p["date"].max()) & (p["state"] == "early_help")]["stock"].sum()
    out = goal_seek(model, "entry:early_help", "2025-06-30", target_stock=now + 1, state="early_help",
                    start="2025-06-30", draws=0, bounds=(0.0, 50.0))
    assert np.isfinite(out["multiplier"]) and out["multiplier"] > 1
