"""The flow API as a council analyst uses it: costs that agree between the Monte Carlo and the
projection, and bad arguments refused with a ValidationError naming the argument."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, compare

ValidationError = earlyhelp.ValidationError


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.25, seed=1)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow(unit_costs={"cin": 100, "cp": 200}).fit(council, start="2024-04-01", end="2025-03-31")


def _raises(column, call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert any((p.column or "").startswith(column) for p in info.value.problems), info.value.problems
    return info.value


def test_simulated_first_month_costs_the_days_after_the_start_only(model):
    # compare costs the projected days (1 April to 30 April); the Monte Carlo's first month also
    # counted the starting day (31 March), a 31st day that made April 3 % dearer than May
    model.simulate(months=3, runs=300, seed=3)
    sim = model.simulate_costs().set_index("date")["mean"]
    det = compare(model, [], "2025-06-30").set_index("date")["cost"]
    april, may = (sim[d] / det[d] for d in ("2025-04-30", "2025-05-31"))
    assert abs(april - may) < 0.015, (april, may)


@pytest.mark.parametrize("call", ["project", "simulate"])
def test_a_scenario_that_is_not_a_scenario_is_refused(model, call):
    kwargs = dict(until="2025-06-30") if call == "project" else dict(months=2, runs=10)
    _raises("scenario", getattr(model, call), scenario="fewer step-ups", **kwargs)


@pytest.mark.parametrize("scenarios", [
    pytest.param(Scenario("a").multiply(("early_help", "cin"), 0.5), id="one scenario, not a list"),
    pytest.param(["a"], id="a name"),
    pytest.param([Scenario("a").multiply(("early_help", "cin"), 0.5),
                  Scenario("a").multiply(("early_help", "cin"), 0.9)], id="two named alike"),
    pytest.param([Scenario("baseline").multiply(("early_help", "cin"), 0.5)], id="named baseline"),
])
def test_compare_refuses_scenarios_it_cannot_tell_apart(model, scenarios):
    # a repeated name mixed two scenarios' rows (and their cost_avoided); "baseline" crashed
    _raises("scenario", compare, model, scenarios, "2025-06-30")


def test_a_flow_from_a_state_to_itself_is_refused():
    # it changed nothing in the projection, silently
    _raises("target", Scenario("loop").multiply, ("cin", "cin"), 0.5)


@pytest.mark.parametrize("d, column", [
    ({"name": "a", "changes": [{"kind": "multiply", "target": "entry:cin"}]}, "value"),
    ({"name": "a", "changes": [{"kind": "multiply", "value": 0.5}]}, "target"),
    ({"name": "a", "changes": ["multiply"]}, "kind"),
    ({"name": "a", "changes": {"kind": "multiply"}}, "changes"),
    ({"name": "a", "caps": [30]}, "caps"),
    ({"changes": []}, "name"),
])
def test_a_scenario_file_missing_parts_is_refused(d, column):
    _raises(column, Scenario.from_dict, d)


def test_goal_seek_refuses_a_state_with_a_budget(model):
    # the budget is every state's cost: the state was silently ignored
    from earlyhelp.flow import goal_seek

    _raises("state", goal_seek, model, ("early_help", "cin"), "2025-12-31", budget=1e7, state="cin", draws=0)


def test_goal_seek_refuses_a_change_starting_after_the_target_date(model):
    # the change never acted, so every multiplier came back "unreachable" (nan). (A change
    # starting on the target date acts on that day's flows, which its stock holds.)
    from earlyhelp.flow import goal_seek

    _raises("start", goal_seek, model, ("early_help", "cin"), "2025-12-31", target_stock=400, state="cin",
            start="2026-01-01", draws=0)


@pytest.mark.parametrize("level", [0, 1, 2, -0.5, float("nan"), "0.95", None])
@pytest.mark.parametrize("call", ["transition_rates", "entry_rates"])
def test_a_confidence_level_outside_0_to_1_is_refused(model, call, level):
    # 2 or nan gave NaN and infinite bounds, 1 infinite ones, a string a TypeError
    _raises("level", getattr(model, call), level=level)


def test_simulate_costs_needs_unit_costs(council):
    # without unit costs it returned a month-by-month table of zeros
    plain = StockFlow().fit(council, start="2024-04-01", end="2025-03-31")
    plain.simulate(months=2, runs=10, seed=1)
    _raises("unit_costs", plain.simulate_costs)


def test_a_default_start_before_the_data_is_refused(council):
    # end two months into the data: the default start, six months before it, counted four months
    # without data as months without entrants (entry rates a third of the data's)
    from earlyhelp.flow.spells import build_spells, day_index

    spells, _ = build_spells(council, StockFlow().categories, 45)
    first = day_index(spells)[0]
    _raises("start", StockFlow().fit, council, end=first + pd.Timedelta(days=60))


def test_simulated_costs_are_inflated_as_the_projection_inflates_them(council):
    # each month's cost took the inflation of its last day, where compare inflates each day's:
    # at 50 % a year the Monte Carlo's months ran 1.6 % above compare's, beyond their stocks'
    ratio = {}
    for inflation in (0.0, 0.5):
        m = StockFlow(unit_costs={"cin": 100, "cp": 200}, inflation=inflation).fit(council, start="2024-04-15",
                                                                                    end="2025-03-15")
        m.simulate(months=3, runs=50, seed=3)
        sim = m.simulate_costs().set_index("date")["mean"]
        det = compare(m, [], "2025-06-15").set_index("date")["cost"]
        ratio[inflation] = (sim / det).dropna()
    assert ((ratio[0.5] / ratio[0.0] - 1).abs() < 0.002).all(), ratio


def test_goal_seek_reaches_the_target_with_wide_bounds(model):
    # sixty halvings of (0, 1e20) left an interval of 87: the multiplier returned was far from
    # the one reaching the target
    from earlyhelp.flow import goal_seek

    kwargs = dict(target_stock=470, state="cin", draws=0)
    narrow = goal_seek(model, "entry:cin", "2025-06-30", bounds=(0, 3), **kwargs)["multiplier"]
    wide = goal_seek(model, "entry:cin", "2025-06-30", bounds=(0, 1e20), **kwargs)["multiplier"]
    assert 0 < narrow < 3 and wide == pytest.approx(narrow, abs=1e-3)


def test_the_monte_carlo_adds_entrants_to_a_state_nobody_entered_as_the_projection_does(council):
    # South hub 2 had no entrant into supported accommodation: the entrants added there were
    # silently left out of its runs (the projection adds them), later refused; the core now
    # takes the children a day added apart from the rates, spread over the age brackets as the
    # projection spreads them
    local = StockFlow().fit(council, start="2024-04-01", end="2025-03-31", by="locality")
    part = local.localities["South hub 2"]
    assert part.entry_rates().query("state == 'supported'")["entrants"].sum() == 0
    more = Scenario("more supported").add("entry:supported", 0.05)
    part.simulate(months=2, runs=400, seed=1, scenario=more)
    supported = part.categories.states.index("supported")
    entrants = part._last_sim["entrants"].means()[:, supported].sum()
    days = (part._last_sim["dates"][-1] - part._fit.end).days
    assert entrants == pytest.approx(0.05 * days, rel=0.1)


def test_the_monte_carlo_refuses_a_rate_added_to_a_flow_nobody_took(model):
    # no child in the data moved from early help into residential care: the added rate moved no
    # one in the runs (the core scales the destination shares seen), while the projection adds it
    seen = model.transition_rates().query("from_state == 'early_help' and to_state == 'residential'")
    assert seen["transitions"].sum() == 0
    more = Scenario("straight to residential").add(("early_help", "residential"), 0.001)
    assert len(model.project(until=60, scenario=more))
    err = _raises("target", model.simulate, months=2, runs=10, scenario=more)
    assert "'early_help' to 'residential'" in str(err)


def test_a_council_total_has_no_cost_where_no_locality_has_one(council):
    # the starting date has no cost in any locality (blank), and the council total showed 0
    local = StockFlow(unit_costs={"cin": 100}).fit(council, start="2024-04-01", end="2025-03-31", by="locality")
    table = compare(local, [Scenario("fewer").multiply(("early_help", "cin"), 0.9)], until="2025-06-30")
    first = table[table["date"] == table["date"].min()]
    assert first["cost"].isna().all(), first[["locality", "cost"]]


@pytest.mark.parametrize("scenario", [Scenario("empty"), Scenario("no-op").multiply(("early_help", "cin"), 1.0)
                                      .add("entry:cin", 0)])
def test_a_scenario_that_changes_nothing_is_refused_where_it_would_be_named(model, scenario):
    from earlyhelp.flow import cost_avoided_bands, simulate_many

    _raises("changes", compare, model, [scenario], until="2026-03-31")
    _raises("changes", cost_avoided_bands, model, scenario, months=2, runs=2)
    _raises("changes", simulate_many, {"c": model}, [scenario], months=2, runs=2)


def test_an_added_rate_beyond_a_million_a_day_is_refused():
    _raises("amount of 'entry:cin'", Scenario("huge").add, "entry:cin", 1e306)


def test_a_change_outside_the_projection_is_refused(model):
    # a change starting after the horizon never applied: the baseline came back as the scenario
    late = Scenario("late").multiply(("early_help", "cin"), 0.8, start="2030-04-01")
    err = _raises("start", model.project, until="2026-03-31", scenario=late)
    assert "never applies" in str(err) and "2025-03-31" in str(err)
    _raises("start", model.simulate, months=6, runs=10, scenario=late)
    early = Scenario("over").multiply(("early_help", "cin"), 0.8, start="2020-01-01", end="2021-01-01")
    _raises("start", model.project, until="2026-03-31", scenario=early)
    in_range = Scenario("in").multiply(("early_help", "cin"), 0.8, start="2025-06-01")
    assert len(model.project(until="2026-03-31", scenario=in_range))


def test_multiplying_a_flow_nobody_took_is_refused(council, model):
    # 0 times any factor is 0: the scenario's result was the baseline's
    none = Scenario("fewer straight to residential").multiply(("early_help", "residential"), 0.5)
    err = _raises("target", model.project, until=60, scenario=none)
    assert "changes nothing" in str(err)
    _raises("target", model.simulate, months=2, runs=10, scenario=none)
    from earlyhelp.flow import simulate_many

    err = _raises("target", simulate_many, {"Coventry": model}, [none], months=2, runs=10)
    assert "council Coventry" in str(err)
    # a flow one locality never took but the council did is the council's to change
    local = StockFlow().fit(council, start="2024-04-01", end="2025-03-31", by="locality")
    part = local.localities["South hub 2"]
    assert part.entry_rates().query("state == 'supported'")["entrants"].sum() == 0
    assert local.entry_rates().query("state == 'supported'")["entrants"].sum() > 0
    fewer = Scenario("fewer supported").multiply("entry:supported", 0.5)
    assert len(local.project(until=30, scenario=fewer))
    _raises("target", part.project, until=30, scenario=fewer)
    # a factor of 1 changes nothing by design, and is no error
    assert len(model.project(until=30, scenario=Scenario("same").multiply(("early_help", "residential"), 1)))


@pytest.mark.parametrize("days", [0.4, 0.99])
def test_a_cap_under_a_day_is_refused(days):
    # the daily projection rounded it up to a day, the Monte Carlo kept it
    _raises("cap of 'cin'", Scenario("short").cap, "cin", days)


def test_monthly_projection_with_no_month_end_gives_the_day_asked_for(council):
    # a window ending mid-month, projected to before the month's end: an empty table came back
    mid = StockFlow().fit(council, start="2024-04-01", end="2025-03-15")
    assert mid.project(until="2025-03-25", freq="M")["date"].unique().tolist() == [pd.Timestamp("2025-03-25")]
    assert mid.project(until="2025-03-31", freq="M")["date"].unique().tolist() == [pd.Timestamp("2025-03-31")]


def test_loading_a_scenario_that_is_not_there_is_a_validation_error(tmp_path):
    for path in (tmp_path / "missing.json", tmp_path):
        err = _raises("path", Scenario.load, path)
        assert str(path) in str(err)


def test_a_window_before_the_first_recorded_exit_is_refused(council):
    # before the extract's period only the spells still open appear: no child left in such a
    # window, so every exit rate was 0 and the stocks only grew
    err = _raises("end", StockFlow().fit, council, start="2020-01-01", end="2021-12-31")
    assert "2022-04-01" in str(err)
    # a window only starting before it is refused too (its days before it diluted every rate):
    # see test_flow_window_within_the_recorded_data.py
    err = _raises("start", StockFlow().fit, council, start="2022-01-01", end="2022-12-31")
    assert "2022-04-01" in str(err)
    assert StockFlow().fit(council, start="2024-04-01", end="2025-03-31").report[
        "window_days_before_exits_recorded"] == 0
