"""StockFlow: estimates, deterministic projection, scenarios, costs, goal-seek, Monte Carlo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import _core
from earlyhelp.flow import Scenario, StockFlow, compare, goal_seek

COSTS = {"fostering": 120, "residential": 800, "supported": 300, "other_care": 200, "cp": 30, "cin": 15,
         "early_help": 10, "earliest_help": 5}


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow(unit_costs=COSTS).fit(council, start="2024-04-01", end="2025-03-31")


def _reference(f, days):
    """The cs-demand-model daily update written out in numpy."""
    n = len(f.initial)
    x, out = f.initial.copy(), [f.initial.copy()]
    total = f.rates.sum(axis=1)
    for _ in range(days):
        leave = np.minimum(x * total, x)
        share = np.where(total > 0, leave / np.where(total > 0, total, 1), 0)
        x = x + f.entrants - leave + (f.rates[:, :n] * share[:, None]).sum(axis=0)
        out.append(x)
    return np.array(out)


def test_projection_is_the_daily_markov_update(model):
    p = model.project(until=400)
    ref = _reference(model._fit, 400)
    np.testing.assert_allclose(p["stock"].to_numpy().reshape(ref.shape), ref, rtol=1e-10, atol=1e-9)
    assert set(p.columns) >= {"date", "state", "age", "stock", "cost_per_day"}


def test_rates_have_intervals_and_entries_from_history(model):
    rates = model.transition_rates()
    assert (rates["lower"] <= rates["upper"]).all() and (rates["rate"] >= 0).all()
    step = rates[(rates["from_state"] == "early_help") & (rates["to_state"] == "cin")]
    assert step["transitions"].sum() > 0  # step-ups from Early Help into CIN are seen
    entries = model.entry_rates()
    assert entries["per_day"].sum() > 0 and (entries["lower"] <= entries["per_day"]).all()


def test_rate_intervals_hold_the_ageing_part_of_the_rate(model):
    # ageing into the next bracket (or out of the last) is fixed by the brackets: an interval
    # on the transitions alone would leave the rate above its upper bound
    rates = model.transition_rates()
    aged = rates[rates["ageing"] > 0]
    assert len(aged) == len(model.categories.states) * len(model.categories.brackets)
    only_ageing = aged[aged["transitions"] == 0]
    assert len(only_ageing) and np.allclose(only_ageing["rate"], only_ageing["ageing"])
    assert (aged["lower"] <= aged["rate"] + 1e-15).all() and (aged["rate"] <= aged["upper"] + 1e-15).all()
    assert (rates.loc[rates["ageing"] == 0, "lower"] >= 0).all()


def test_scenario_changes_only_its_date_range_and_saves(model, tmp_path):
    s = Scenario("fewer CP starts").multiply("entry:cp", 0.5, start="2026-04-01").multiply(("early_help", "cin"), 0.8)
    base = model.project(until="2027-03-31", freq="M")
    alt = model.project(until="2027-03-31", freq="M", scenario=s)
    cp = lambda p: p[p["state"] == "cp"].groupby("date")["stock"].sum()
    diff = cp(alt) - cp(base)
    assert (diff[diff.index > pd.Timestamp("2026-06-30")] < 0).all()
    s.save(tmp_path / "s.json")
    again = model.project(until="2027-03-31", freq="M", scenario=Scenario.load(tmp_path / "s.json"))
    pd.testing.assert_frame_equal(again, alt)
    table = compare(model, [s], until="2027-03-31")
    assert set(table["scenario"]) == {"baseline", "fewer CP starts"}
    assert table.loc[table["scenario"] == "fewer CP starts", "cost_avoided"].iloc[-1] > 0


def test_goal_seek_reaches_the_target_with_an_interval(model):
    base = model.project(until="2026-03-31")
    cp_now = base[(base["date"] == base["date"].max()) & (base["state"] == "cp")]["stock"].sum()
    res = goal_seek(model, "entry:cp", "2026-03-31", target_stock=0.8 * cp_now, state="cp", draws=30, seed=1)
    assert 0 < res["multiplier"] < 1
    check = model.project(until="2026-03-31", scenario=Scenario("g").multiply("entry:cp", res["multiplier"]))
    got = check[(check["date"] == check["date"].max()) & (check["state"] == "cp")]["stock"].sum()
    assert got == pytest.approx(0.8 * cp_now, rel=0.01)
    assert res["multiplier"] <= res["upper"]
    # a few draws could not bring the stock down that far even with no CP starts (a multiplier
    # below 0): the interval's lower bound lies beyond the multipliers searched, not among the others
    assert res["below_bounds_draws"] > 0.05 * res["draws"] and np.isnan(res["lower"])


def test_simulation_is_reproducible_and_thread_independent(model):
    a = model.simulate(months=12, runs=60, seed=5, threads=1)
    b = model.simulate(months=12, runs=60, seed=5, threads=2)
    pd.testing.assert_frame_equal(a, b)
    c = model.simulate(months=12, runs=60, seed=6, threads=2)
    assert not a.equals(c)
    total = a[(a["state"] == "all")]
    assert (total["q05"] <= total["q50"]).all() and (total["q50"] <= total["q95"]).all()
    costs = model.simulate_costs()
    assert len(costs) == 12 and (costs["q05"] <= costs["q95"]).all() and costs["mean"].gt(0).all()


@pytest.mark.parametrize("end", ["2024-04-30", "2024-02-29", "2024-04-15"])
def test_a_simulation_of_n_months_has_n_month_ends_whatever_day_the_fit_ends(council, end):
    """A fit ending on 30 April: plus one calendar month is 30 May, short of the 31st, which
    once left every simulation a month short (and one month none at all)."""
    from earlyhelp.flow import backtest

    first = pd.Timestamp(end) + pd.offsets.MonthEnd(1)
    for m in (StockFlow().fit(council, end=end), StockFlow(entry_season=True).fit(council, end=end)):
        for months in (1, 3):
            dates = m.simulate(months=months, runs=5, seed=1)["date"].drop_duplicates()
            assert list(dates) == list(pd.date_range(first, periods=months, freq=pd.offsets.MonthEnd())), (end, months)
    bt = backtest(council, cutoffs=[end], months=2, runs=20)
    assert sorted(bt["date"].unique()) == list(pd.date_range(first, periods=2, freq=pd.offsets.MonthEnd()))
    assert bt["q50"].notna().all()


def test_simulation_mean_tracks_the_deterministic_projection(model):
    sim = model.simulate(months=12, runs=200, seed=2)
    det = model.project(until=sim["date"].max(), freq="M")
    last = sim["date"].max()
    s = sim[(sim["date"] == last) & (sim["age"] == "all") & (sim["state"].isin(["cin", "cp", "fostering"]))]
    d = det[det["date"] == last].groupby("state")["stock"].sum()
    for row in s.itertuples():
        assert row.mean == pytest.approx(d[row.state], rel=0.25)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="negative"):
        _core.flow.project(np.array([[[-0.1, 0.0]]]), np.zeros((1, 1)), np.ones(1), np.zeros(3, np.int32))
    with pytest.raises(earlyhelp.ValidationError, match="unit_costs"):
        StockFlow(unit_costs={"nowhere": 3})
    with pytest.raises(earlyhelp.ValidationError, match=r"unit_costs\[.cp.\] must be a number in \[0, "):
        StockFlow(unit_costs={"cp": -3})
    with pytest.raises(earlyhelp.ValidationError, match="categories"):
        StockFlow(categories="mystery")
    with pytest.raises(earlyhelp.ValidationError, match="target"):
        Scenario("x").multiply("cp", 2)


def test_unknown_scenario_state_is_named(model):
    with pytest.raises(earlyhelp.ValidationError, match="'nowhere' is not a state"):
        model.project(until=30, scenario=Scenario("x").multiply(("nowhere", "cp"), 2))


def test_simulated_scenarios_cap_durations_and_change_entries(model):
    base = model.simulate(months=12, runs=60, seed=9)
    capped = model.simulate(months=12, runs=60, seed=9, scenario=Scenario("30 days").cap("early_help", 30))
    more = model.simulate(months=12, runs=60, seed=9,
                          scenario=Scenario("more CP").add("entry:cp", 0.5, start="2025-06-01"))
    pick = lambda s, state: s[(s["state"] == state) & (s["age"] == "all")]["mean"].to_numpy()
    assert (pick(capped, "early_help")[3:] < 0.8 * pick(base, "early_help")[3:]).all()
    extra = pick(more, "cp") - pick(base, "cp")
    # April is before the change; the runs' streams part once June's extra entrants are drawn,
    # so April's means differ by chance alone: about 0.9 children (sd) over 60 runs
    assert extra[0] == pytest.approx(0, abs=2.0) and extra[-1] > 30  # ~0.5 a day from June


@pytest.mark.parametrize("state, days", [("early_help", 112), ("cin", 90), ("cp", 180)])
def test_capped_projection_agrees_with_the_simulation(council, state, days):
    # The cut a cap makes in the state's stock (capped / baseline), deterministic against the
    # Monte Carlo mean, month by month from the third month: within 0.1. The simulation keeps
    # the rates at their estimates, as the projection does (drawing them from their posteriors
    # lengthens the mean stay where a duration's hazard is uncertain, and a cap cuts more).
    model = StockFlow(unit_costs=COSTS, rate_uncertainty=False).fit(council, start="2024-04-01", end="2025-03-31")
    capped = Scenario(f"{days} days").cap(state, days)
    base_sim = model.simulate(months=12, runs=100, seed=4)
    cap_sim = model.simulate(months=12, runs=100, seed=4, scenario=capped)
    last = base_sim["date"].max()
    sim = lambda s: s[(s["state"] == state) & (s["age"] == "all")].set_index("date")["mean"]
    det = lambda p: p[p["state"] == state].groupby("date")["stock"].sum()
    cut_sim = (sim(cap_sim) / sim(base_sim)).iloc[2:]
    base_det = model.project(until=last, freq="M")
    cut_det = (det(model.project(until=last, scenario=capped, freq="M")) / det(base_det)).reindex(cut_sim.index)
    assert (cut_det < 1).all() and (cut_sim < 1).all()
    np.testing.assert_allclose(cut_det.to_numpy(), cut_sim.to_numpy(), atol=0.1)
    # Nobody is lost: the children moved out of the capped state go where its exits go.
    p = model.project(until=60, scenario=capped)
    assert (p["stock"] >= -1e-9).all()


def test_compare_counts_cost_over_the_days_projected(model):
    """The starting date's row has no cost (it used to show one day's cost beside whole months'),
    and the months' costs add up to the cost goal_seek aims at."""
    from earlyhelp.flow.analysis import _outcome

    table = compare(model, [], until="2026-03-31")
    assert np.isnan(table["cost"].iloc[0]) and table["cost_avoided"].iloc[0] == 0
    assert table["cost"].iloc[1:].sum() == pytest.approx(_outcome(model, None, "2026-03-31", None, "cost"))


def test_entrants_per_day_count_every_day_of_the_window(council):
    """A window from 1 April to 31 March holds 365 days of entries, whether or not anyone moved on
    its last day (the data run to 31 March): the projection's entrants per day divide by them, as
    the Monte Carlo's entry rates do. cs-demand-model divides by 364, one day fewer, and its
    categories keep that so the projections agree with it."""
    def days_divided_by(model):
        rates = model.entry_rates()
        seen = rates["entrants"] > 0
        return (rates.loc[seen, "entrants"] / rates.loc[seen, "per_day"]).round(6).unique().tolist()

    for categories in ("continuum", "statutory"):
        model = StockFlow(categories).fit(council, start="2024-04-01", end="2025-03-31")
        assert days_divided_by(model) == [365.0], categories
        # each run's rate is Gamma(shape, rate): its mean is the projection's rate, cell by cell
        inputs = model._sim_inputs()
        mean = (inputs["entry_shape"] / inputs["entry_rate"]).ravel()
        np.testing.assert_allclose(mean, model.entry_rates()["per_day"].to_numpy(), rtol=1e-12, atol=0)
    peer = StockFlow("cs-demand-model").fit(council, start="2024-04-01", end="2025-03-31")
    assert days_divided_by(peer) == [364.0]


def _simulated_share(model, multiplier, seed, runs, target, state="cin"):
    """The share of runs whose ``state`` stock on 2026-03-31 is at or below ``target``."""
    scenario = Scenario("g").multiply("entry:cin", multiplier, start="2025-04-01")
    sim = model.simulate(months=12, runs=runs, seed=seed, scenario=scenario, quantiles=[0.5])
    assert sim["date"].max() == pd.Timestamp("2026-03-31")
    # the share from the bands is not needed: the runs themselves are, through the paired path
    r = model._simulate_bands(12, runs, seed, None, scenario, 2, None, False, paired=True)
    cats = model.categories
    column = len(cats.states) * len(cats.brackets) + cats.states.index(state)
    return float((r["run_stocks"][:, -1, column] <= target).mean())


def test_goal_seek_with_chance_meets_the_target_in_that_share_of_fresh_runs(model):
    """The multiplier found for an 80% chance, simulated again with another seed and more runs,
    meets the target in 80% of them (within Monte Carlo error); the point multiplier's share is
    the one its own runs give."""
    base = model.project(until="2026-03-31")
    cin_now = base[(base["date"] == base["date"].min()) & (base["state"] == "cin")]["stock"].sum()
    target = 0.9 * cin_now
    res = goal_seek(model, "entry:cin", "2026-03-31", target_stock=target, state="cin", start="2025-04-01",
                    draws=0, seed=2, chance=0.8, runs=400)
    assert res["met_share_at_bounds"] == (1.0, 0.0)   # no CIN entrants meets it in every run, 3x in none
    m = res["multiplier_for_chance"]
    assert 0 < m < res["multiplier"] < 1    # a better chance needs a larger change
    assert res["met_share"] == pytest.approx(_simulated_share(model, res["multiplier"], 2, 400, target))
    fresh = _simulated_share(model, m, seed=77, runs=2000, target=target)
    assert abs(fresh - 0.8) < 3 * np.sqrt(0.8 * 0.2 / 2000) + 3 * np.sqrt(0.8 * 0.2 / 400)


def test_goal_seek_with_chance_checks_its_arguments(model):
    from earlyhelp import ValidationError

    kwargs = dict(target_stock=100, state="cin", draws=0)
    for bad, column in ((dict(chance=1.0), "chance"), (dict(chance=0.0), "chance"), (dict(chance=2), "chance"),
                        (dict(chance=True), "chance"), (dict(chance=0.5, runs=0), "runs"),
                        (dict(chance=0.5, until="2026-03-15"), "until"), (dict(chance=0.5, until="2025-03-31"), "until")):
        until = bad.pop("until", "2026-03-31")
        with pytest.raises(ValidationError) as e:   # (draws=0: a bad until is refused before any draw)
            goal_seek(model, "entry:cin", until, **kwargs, **bad)
        assert [p.column for p in e.value.problems] == [column]


def test_goal_seek_with_chance_refuses_a_bad_until_before_any_draw(model, monkeypatch):
    from earlyhelp import ValidationError
    from earlyhelp.flow import analysis

    def no_draws(*args, **kwargs):
        raise AssertionError("a posterior draw ran before until was checked")

    monkeypatch.setattr(analysis, "_drawn_fit", no_draws)
    with pytest.raises(ValidationError) as e:
        goal_seek(model, "entry:cin", "2026-03-15", target_stock=100, state="cin", draws=5, chance=0.5)
    assert [p.column for p in e.value.problems] == ["until"]
