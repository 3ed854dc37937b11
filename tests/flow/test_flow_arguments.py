"""Bad arguments to the flow API raise a ValidationError naming the argument, before any work:
never a TypeError from the core, a silently truncated seed, colliding quantile columns, garbage
costs from a NaN inflation, or rates diluted by a fit window that runs past the data."""
from __future__ import annotations

import math

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, backtest, goal_seek, simulate_many
from earlyhelp.flow.scenario import Change

ValidationError = earlyhelp.ValidationError


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=1)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow(unit_costs={"cin": 100}).fit(council, start="2024-04-01", end="2025-03-31")


def _raises(column, call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert column is None or any(p.column == column or (p.column or "").startswith(column)
                                 for p in info.value.problems), info.value.problems
    return info.value


@pytest.mark.parametrize("inflation", [math.nan, math.inf, -5, pytest.param(10 ** 400, id="10**400"), "0.03", None,
                                       True])
def test_inflation_must_be_a_finite_rate(inflation):
    _raises("inflation", StockFlow, unit_costs={"cin": 100}, inflation=inflation)


@pytest.mark.parametrize("costs", [{"cin": "100"}, {"cin": None}, {"cin": math.nan}, {"cin": -3}, [1, 2], "cin",
                                   {"cin": 1e308}])
def test_unit_costs_must_be_numbers(costs):
    _raises("unit_costs", StockFlow, unit_costs=costs)


@pytest.mark.parametrize("kwargs, column", [
    (dict(start=2024), "start"), (dict(start="garbage"), "start"), (dict(start=[1]), "start"),
    (dict(end=None, start="2000-01-01"), "start"),              # years before the first spell
    (dict(start="2024-09-30", end="2026-03-31"), "end"),        # a year past the last event
])
def test_fit_window_must_be_dates_within_the_data(council, kwargs, column):
    _raises(column, StockFlow().fit, council, **kwargs)


def test_a_window_ending_days_after_the_last_event_is_kept(council):
    # an extract date a few days after the last recorded event is an ordinary window end
    StockFlow().fit(council, start="2024-04-01", end="2025-04-10")


@pytest.mark.parametrize("until", [None, "soon", 0, -5, 10 ** 7, pd.Timestamp("2400-01-01")])
def test_until_must_be_a_later_date_or_a_positive_number_of_days(model, until):
    _raises("until", model.project, until=until)


def test_project_frequency_is_checked(model):
    _raises("freq", model.project, until=30, freq="Q")


@pytest.mark.parametrize("seed", [-1, None, 1.5, 2 ** 64, "x", True])
def test_seed_must_be_a_whole_number(model, seed):
    _raises("seed", model.simulate, months=2, runs=5, seed=seed)


@pytest.mark.parametrize("quantiles", [[], [0.05, 0.05000000001], [1.5], 0.5, [True, 0.5], [math.nan]])
def test_quantiles_are_checked_before_the_runs(model, quantiles):
    _raises("quantiles", model.simulate, months=2, runs=5, quantiles=quantiles)


def test_threads_are_checked(model):
    _raises("threads", model.simulate, months=2, runs=5, threads=None)


def test_distinct_quantiles_keep_their_own_columns(model):
    out = model.simulate(months=2, runs=20, seed=1, quantiles=[0.025, 0.5, 0.975])
    assert [c for c in out.columns if c.startswith("q")] == ["q2.5", "q50", "q97.5"]
    # a label rounded to q100 read as the maximum; the columns in ascending order, as given or not
    assert [c for c in model.simulate(months=2, runs=20, seed=1, quantiles=[0.995, 0.005]).columns
            if c.startswith("q")] == ["q0.5", "q99.5"]
    costs = model.simulate_costs(quantiles=[0.1, 0.9])
    assert [c for c in costs.columns if c.startswith("q")] == ["q10", "q90"]


@pytest.mark.parametrize("kwargs, column", [
    (dict(target_stock=math.nan), "target_stock"), (dict(target_stock="lots"), "target_stock"),
    (dict(target_stock=60, level=1.7), "level"), (dict(target_stock=60, level=math.nan), "level"),
    (dict(target_stock=60, draws=-3), "draws"), (dict(target_stock=60, draws=2.5), "draws"),
    (dict(target_stock=60, bounds=(1.0,)), "bounds"), (dict(target_stock=60, bounds=(2.0, 1.0)), "bounds"),
    (dict(target_stock=60, seed=None), "seed"),
])
def test_goal_seek_arguments(model, kwargs, column):
    until = model._need_fit().end + pd.DateOffset(months=6)
    _raises(column, goal_seek, model, ("cp", "out"), until, state="cp", **kwargs)


def test_goal_seek_budget_must_be_finite(model):
    until = model._need_fit().end + pd.DateOffset(months=6)
    _raises("budget", goal_seek, model, ("cp", "out"), until, budget=math.nan)


@pytest.mark.parametrize("days", [math.inf, 1e12, "10", None, 0, -1])
def test_caps_are_finite_positive_days(days):
    _raises("cap", Scenario("s").cap, "cin", days)


@pytest.mark.parametrize("factor", ["2", None, math.inf, -1])
def test_multipliers_are_numbers(factor):
    _raises("factor", Scenario("s").multiply, ("cin", "cp"), factor)


def test_a_change_must_last_a_day():
    _raises("end", Scenario("s").multiply, ("cin", "cp"), 0.5, start="2027-01-01", end="2026-01-01")
    _raises("start", Scenario("s").multiply, ("cin", "cp"), 0.5, start="x")


@pytest.mark.parametrize("scenario, column", [
    (Scenario("dicts", changes=[{"kind": "multiply", "target": "entry:cin", "value": 0.8}]), "changes"),
    (Scenario("by hand", changes=[Change("entry:cin", "multiply", -1.0)]), "factor"),
    (Scenario("caps list", caps=[("cin", 10)]), "caps"),
    (Scenario("cap zero", caps={"cin": 0}), "cap"),
])
def test_a_scenario_built_by_hand_is_checked_as_the_methods_check(model, scenario, column):
    # a dict among the changes was an AttributeError deep inside; a negative factor set by hand ran
    for call in (lambda: model.project(30, scenario=scenario),
                 lambda: model.simulate(months=2, runs=2, seed=1, scenario=scenario)):
        _raises(column, call)


def test_a_loaded_change_names_a_known_kind():
    _raises("kind", Scenario.from_dict, {"name": "s", "changes": [{"kind": "__init__", "target": "entry:cin",
                                                                  "value": 1}]})


def test_data_with_no_spell_in_the_brackets_is_named(council):
    # every child born 40 years earlier: all spells fall outside the age brackets
    tables = dict(council.tables)
    persons = tables["persons"].copy()
    birth = [c for c in persons.columns if "birth" in c][0]
    persons[birth] = pd.to_datetime(persons[birth]) - pd.DateOffset(years=40)
    tables["persons"] = persons
    error = _raises(None, StockFlow().fit, earlyhelp.Dataset.from_frames(**tables))
    assert "outside_the_age_brackets" in str(error)


def test_a_quiet_councils_window_ends_on_the_extract_date():
    """The data run to the extract's date, not to the last event: a small council whose last
    looked-after move came months earlier is fitted (and projected) from the extract's date."""
    small = earlyhelp.synthetic.council("coventry", years=3, seed=1, scale=0.01)
    default = StockFlow("cs-demand-model").fit(small)
    assert default._fit.end == small.data_end()
    assert StockFlow("cs-demand-model").fit(small, end=small.data_end())._fit.end == small.data_end()
    _raises("end", StockFlow("cs-demand-model").fit, small, end=small.data_end() + pd.Timedelta(days=60))


def test_a_new_fit_forgets_the_last_simulation(council):
    m = StockFlow(unit_costs={"cp": 100}).fit(council, start="2024-04-01", end="2025-03-31")
    m.simulate(months=3, runs=20, threads=1)
    m.simulate_costs()
    m.fit(council, start="2024-01-01", end="2025-03-31")
    with pytest.raises(ValidationError, match="simulate"):
        m.simulate_costs()


def test_a_projection_that_overflows_is_refused(model):
    from earlyhelp.flow import compare

    runaway = Scenario("runaway").multiply("entry:cp", 1e308)
    _raises("scenario", model.project, 90, scenario=runaway)
    _raises("scenario", compare, model, [runaway], until=90)


def test_a_file_that_is_not_a_saved_scenario_is_named(tmp_path):
    bad = tmp_path / "scenario.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="scenario.json is not a saved scenario"):
        Scenario.load(bad)


@pytest.mark.parametrize("seed", [1.5, -1, 2 ** 64 - 1, None, "x"])
def test_simulate_many_checks_its_seed_as_simulate_does(model, seed):
    """1.5 and 1, -1 and 2**64 - 1 gave the same runs; None and 'x' bare Python errors."""
    from earlyhelp.flow import simulate_many

    _raises("seed", simulate_many, {"cov": model}, months=3, runs=5, seed=seed)


def test_simulate_many_checks_models_scenarios_and_client(model):
    from dask.distributed import Client

    from earlyhelp.flow import simulate_many

    _raises("models", simulate_many, [model], months=3, runs=5)
    _raises("models", simulate_many, {"cov": "not a model"}, months=3, runs=5)
    _raises("scenario", simulate_many, {"cov": model}, "fewer step-ups", months=3, runs=5)
    twins = [Scenario("fewer").multiply("entry:cp", 0.8), Scenario("fewer").multiply("entry:cp", 0.5)]
    _raises("scenarios", simulate_many, {"cov": model}, twins, months=3, runs=5)
    # rows named "baseline" are the run without changes
    _raises("scenarios", simulate_many, {"cov": model}, [Scenario("baseline").multiply("entry:cp", 0.8)],
            months=3, runs=5)
    client = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None)
    client.close()
    _raises("client", simulate_many, {"cov": model}, months=3, runs=5, client=client)
    _raises("client", model.simulate, months=3, runs=5, client=client)


def test_simulate_many_checks_its_quantiles_before_the_runs(model):
    # [0.5, 0.501] lost a column to another; a string failed after every run with a TypeError
    for bad in ("0.5", {0.1: 1}, [1.5]):
        _raises("quantiles", simulate_many, {"a": model}, months=2, runs=5, quantiles=bad)
    out = simulate_many({"a": model}, months=2, runs=5, quantiles=[0.5, 0.501])
    assert {"q50", "q50.1"} <= set(out.columns)


def test_backtest_names_a_mistyped_model_keyword(council):
    err = _raises("unit_cost", backtest, council, cutoffs=["2024-03-31"], runs=5, unit_cost={"cp": 80})
    assert "did you mean 'unit_costs'" in str(err)


def test_what_is_not_a_model_a_dataset_or_a_path_is_named(model):
    """Not an AttributeError or TypeError from inside: each names its argument."""
    from earlyhelp.flow import compare, cost_avoided_bands

    scenario = Scenario("s").multiply(("cin", "cp"), 0.8)
    _raises("ds", StockFlow().fit, None)
    _raises("model", compare, None, [scenario], until="2026-01-01")
    _raises("model", goal_seek, None, ("cin", "cp"), "2026-01-01", target_stock=5)
    _raises("model", cost_avoided_bands, "model", scenario)
    _raises("path", Scenario.load, None)


@pytest.mark.parametrize("name", [1, ("a", "b"), "", None])
def test_council_names_are_text(model, name):
    """1 and "1" would be two councils with one label and one seed."""
    _raises("models", simulate_many, {name: model}, months=2, runs=2)
