"""The analysis functions on models fitted by locality: compare, goal_seek, backtest and
simulate_many give each locality and the council total, the total's Monte Carlo band built from
the localities' runs added run by run (never from adding quantiles)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import Scenario, StockFlow, backtest, compare, goal_seek, simulate_many
from earlyhelp.flow.distributed import _run, council_seed
from earlyhelp.flow.localities import locality_seed

from _localities import WINDOW, hand_made

COSTS = {"cin": 15, "cp": 30, "fostering": 120, "residential": 800, "early_help": 10}
FEWER_CP = Scenario("fewer CP starts").multiply(("cin", "cp"), 0.7, start="2025-06-01")
UNTIL = "2026-03-31"


@pytest.fixture(scope="module")
def ds():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=21)


@pytest.fixture(scope="module")
def local(ds):
    return StockFlow(unit_costs=COSTS).fit(ds, by="locality", **WINDOW)


def _values(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if c not in ("scenario", "locality", "date")]


def test_compare_by_locality_gives_each_locality_and_their_sum(local):
    table = compare(local, [FEWER_CP], until=UNTIL)
    assert list(table.columns[:3]) == ["scenario", "locality", "date"]
    assert list(dict.fromkeys(table["locality"])) == [*local.localities, "all"]
    values = _values(table)
    assert {"stock", "cp", "cost", "cost_avoided"} <= set(values)
    # each locality's rows are that locality's own comparison
    for name, part in local.localities.items():
        own = compare(part, [FEWER_CP], until=UNTIL)
        got = table[table["locality"] == name].drop(columns="locality").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, own)
    # the council total is the sum of the localities, for every value column
    parts = table[table["locality"] != "all"].groupby(["scenario", "date"])[values].sum(min_count=1)
    total = table[table["locality"] == "all"].set_index(["scenario", "date"])[values]
    pd.testing.assert_frame_equal(total.sort_index(), parts.sort_index(), check_exact=False, rtol=1e-12)
    # fewer CP starts avoid cost in every locality with children in CIN, and in total
    last = table[(table["scenario"] == "fewer CP starts") & (table["date"] == table["date"].max())]
    assert (last.set_index("locality")["cost_avoided"] >= 0).all()
    assert last.set_index("locality").loc["all", "cost_avoided"] > 0
    # the total stock is the sum of the stacked projections on the month end
    p = local.project(until=UNTIL, freq="M")
    end = p[p["date"] == p["date"].max()]["stock"].sum()
    base = table[(table["scenario"] == "baseline") & (table["locality"] == "all")]
    assert base["stock"].iloc[-1] == pytest.approx(end, rel=1e-12)


def _council_stock(model, multiplier: float, state: str, locality=None) -> float:
    scenario = Scenario("check").multiply(("cin", "cp"), multiplier)
    p = model.project(until=UNTIL, scenario=scenario)
    if locality is not None:
        p = p[p["locality"] == locality]
    return float(p[(p["date"] == p["date"].max()) & (p["state"] == state)]["stock"].sum())


def test_goal_seek_by_locality_reaches_the_council_target(local):
    now = _council_stock(local, 1.0, "cp")
    target = 0.85 * now
    got = goal_seek(local, ("cin", "cp"), UNTIL, target_stock=target, state="cp", draws=24, seed=5)
    assert got["locality"] == "all"
    assert 0 < got["multiplier"] < 1
    # one multiplier in every locality brings the sum over localities to the target
    assert _council_stock(local, got["multiplier"], "cp") == pytest.approx(target, rel=2e-3)
    # the interval comes from independent draws in every locality: not degenerate, reproducible
    assert got["lower"] < got["upper"] and got["unreachable_draws"] < got["draws"]
    # and centres on the estimate (draws adding half an entrant to each sparse bin did not); 24
    # draws, so that a 90 % interval holding it does not hang on one or two of them
    assert got["lower"] <= got["multiplier"] <= got["upper"]
    few = goal_seek(local, ("cin", "cp"), UNTIL, target_stock=target, state="cp", draws=4, seed=5)
    again = goal_seek(local, ("cin", "cp"), UNTIL, target_stock=target, state="cp", draws=4, seed=5)
    assert again == few
    other = goal_seek(local, ("cin", "cp"), UNTIL, target_stock=target, state="cp", draws=4, seed=6)
    assert (other["lower"], other["upper"]) != (few["lower"], few["upper"])
    assert other["multiplier"] == got["multiplier"]


def test_goal_seek_within_one_locality_and_on_a_budget(local):
    name = list(local.localities)[2]
    target = 0.8 * _council_stock(local, 1.0, "cp", locality=name)
    got = goal_seek(local, ("cin", "cp"), UNTIL, target_stock=target, state="cp", draws=6, seed=1, locality=name)
    assert got["locality"] == name
    assert _council_stock(local, got["multiplier"], "cp", locality=name) == pytest.approx(target, rel=2e-3)
    # the council's cost to UNTIL brought to 97% of the baseline's by fewer CIN entries
    def cost(m):  # over the days projected: the start is the last day of the data
        p = local.project(until=UNTIL, scenario=Scenario("c").multiply("entry:cin", m))
        return p.loc[p["date"] > p["date"].min(), "cost_per_day"].sum()

    budget = 0.97 * cost(1.0)
    seek = goal_seek(local, "entry:cin", UNTIL, budget=budget, draws=4, seed=2)
    assert cost(seek["multiplier"]) == pytest.approx(budget, rel=1e-4)


def test_goal_seek_by_locality_with_chance_on_a_budget(local):
    """With chance, a run's cost is the sum of every locality's run on its own seed: the
    multiplier found meets the budget in that share of fresh runs (another seed, more runs)."""
    p = local.project(until=UNTIL)
    budget = 0.97 * p.loc[p["date"] > p["date"].min(), "cost_per_day"].sum()
    seek = goal_seek(local, "entry:cin", UNTIL, budget=budget, draws=0, seed=2, chance=0.6, runs=300)
    assert seek["met_share_at_bounds"][0] > 0.6 > seek["met_share_at_bounds"][1]
    scenario = Scenario("c").multiply("entry:cin", seek["multiplier_for_chance"])
    total = 0
    for name, part in local._parts.items():
        r = part._simulate_bands(12, 1500, locality_seed(40, name), None, scenario, 2, None, False, paired=True)
        total = total + r["run_costs"].sum(axis=1) * r["quantum"]
    assert abs((total <= budget).mean() - 0.6) < 3 * np.sqrt(0.24 / 1500) + 3 * np.sqrt(0.24 / 300)


def test_simulated_council_total_adds_the_localities_run_by_run(local):
    months, runs, seed = 6, 60, 9
    sim = local.simulate(months=months, runs=runs, seed=seed, quantiles=(0.05, 0.5, 0.95))
    assert list(dict.fromkeys(sim["locality"])) == [*local.localities, "all"]
    # each locality's block is that locality's own simulation on its seed
    for name, part in local.localities.items():
        own = part.simulate(months=months, runs=runs, seed=locality_seed(seed, name), quantiles=(0.05, 0.5, 0.95))
        got = sim[sim["locality"] == name].drop(columns="locality").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, own)
    # the total: run r of the council is the sum of run r of every locality, computed here directly
    summed = 0
    for name, part in local.localities.items():
        args, _ = part._sim_plan(months, None)
        summed = summed + np.stack([_run(args, locality_seed(seed, name), r, 1)[0].means() for r in range(runs)])
    total = sim[sim["locality"] == "all"]
    want_q = np.quantile(summed, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    np.testing.assert_array_equal(total[["q05", "q50", "q95"]].to_numpy(), np.moveaxis(want_q, 0, -1).reshape(-1, 3))
    np.testing.assert_allclose(total["mean"].to_numpy(), summed.mean(axis=0).ravel())
    # which is narrower than the sum of the localities' bands (quantiles do not add)
    every = sim[(sim["state"] == "all") & (sim["age"] == "all")]
    width = (every["q95"] - every["q05"]).groupby([every["locality"] == "all", every["date"]]).sum()
    assert (width.loc[True] < width.loc[False]).all()
    # means do add
    means = every.groupby([every["locality"] == "all", every["date"]])["mean"].sum()
    np.testing.assert_allclose(means.loc[True].to_numpy(), means.loc[False].to_numpy())
    # without the total: the same localities, no "all" rows
    alone = local.simulate(months=months, runs=runs, seed=seed, quantiles=(0.05, 0.5, 0.95), total=False)
    pd.testing.assert_frame_equal(alone, sim[sim["locality"] != "all"].reset_index(drop=True))


def test_simulated_council_cost_total_adds_the_localities_run_by_run(local):
    local.simulate(months=4, runs=40, seed=3, quantiles=(0.5,))
    costs = local.simulate_costs(quantiles=(0.05, 0.95))
    assert list(dict.fromkeys(costs["locality"])) == [*local.localities, "all"]
    parts = costs[costs["locality"] != "all"].groupby("date")["mean"].sum()
    total = costs[costs["locality"] == "all"].set_index("date")
    np.testing.assert_allclose(total["mean"].to_numpy(), parts.to_numpy(), rtol=1e-12)
    widths = (costs["q95"] - costs["q05"]).groupby([costs["locality"] == "all", costs["date"]]).sum()
    assert (widths.loc[True] < widths.loc[False]).all()


@pytest.fixture(scope="module")
def backtested():
    ds = hand_made([0.8, 1.0, 1.2], seed=11)
    return backtest(ds, cutoffs=["2023-03-31", "2023-09-30", "2024-03-31"], months=12, window_months=12,
                    runs=150, seed=2, by="locality")


def test_backtest_by_locality_gives_localities_and_the_council(backtested):
    out = backtested
    assert list(out.columns[:4]) == ["cutoff", "locality", "date", "state"]
    assert set(out["locality"]) == {"Area L1", "Area L2", "Area L3", "all"}
    assert out.attrs["children_without_a_locality_excluded"] == 0
    keys = ["cutoff", "date", "state"]
    parts = out[out["locality"] != "all"].groupby(keys)[["actual", "forecast"]].sum()
    total = out[out["locality"] == "all"].set_index(keys)[["actual", "forecast"]]
    pd.testing.assert_frame_equal(total.sort_index(), parts.sort_index(), check_exact=False, rtol=1e-12)
    # the council band from summed runs: narrower than the sum of the localities' bands
    width = (out["q95"] - out["q05"]).groupby([out["locality"] == "all", out["cutoff"], out["date"],
                                               out["state"]]).sum()
    busy = width.loc[False] > 4
    assert (width.loc[True][busy] < width.loc[False][busy]).all()


def test_backtest_council_band_covers_the_actual(backtested):
    # the hand-made council is stationary, so the 90% band of the council's CIN and CP stocks
    # (3 cutoffs x 12 months x 2 states, months strongly correlated) covers its actual stock
    total = backtested[(backtested["locality"] == "all") & backtested["state"].isin(["cin", "cp"])]
    assert len(total) == 72
    assert total["covered"].mean() >= 0.75
    assert (total["q05"] <= total["q50"]).all() and (total["q50"] <= total["q95"]).all()


def test_simulate_many_partitions_localities_on_the_cluster(client, ds):
    local = StockFlow().fit(ds, by="locality", **WINDOW)
    whole = StockFlow().fit(earlyhelp.synthetic.council("coventry", years=3, scale=0.15, seed=22), **WINDOW)
    models, scenarios = {"east": local, "west": whole}, [None, FEWER_CP]
    here = simulate_many(models, scenarios, months=4, runs=30, seed=7)
    there = simulate_many(models, scenarios, months=4, runs=30, seed=7, client=client)
    pd.testing.assert_frame_equal(here, there)
    assert here.columns[0] == "locality"
    assert set(here.loc[here["council"] == "west", "locality"]) == {"all"}
    # the by-locality council is exactly its own simulate on the council's seed, total included
    own = local.simulate(months=4, runs=30, seed=council_seed(7, "east"), quantiles=(0.05, 0.5, 0.95),
                         scenario=FEWER_CP)
    got = here[(here["council"] == "east") & (here["scenario"] == "fewer CP starts")]
    pd.testing.assert_frame_equal(got.drop(columns=["council", "scenario"]).reset_index(drop=True), own)
    assert set(got["locality"]) == {*local.localities, "all"}


def test_bad_localities_are_named(local, ds):
    with pytest.raises(ValidationError, match="no locality named 'Nowhere'") as e:
        goal_seek(local, ("cin", "cp"), UNTIL, target_stock=5, state="cp", draws=1, locality="Nowhere")
    assert e.value.problems[0].table == "goal_seek" and e.value.problems[0].column == "locality"
    whole = StockFlow().fit(ds, **WINDOW)
    with pytest.raises(ValidationError, match="needs a model fitted with fit\\(ds, by='locality'\\)"):
        goal_seek(whole, ("cin", "cp"), UNTIL, target_stock=5, draws=1, locality="South hub 1")
    with pytest.raises(ValidationError, match="no state named 'care'"):
        goal_seek(local, ("cin", "cp"), UNTIL, target_stock=5, state="care", draws=1)
    with pytest.raises(ValidationError, match="a budget target needs unit_costs"):
        goal_seek(StockFlow().fit(ds, by="locality", **WINDOW), ("cin", "cp"), UNTIL, budget=5, draws=1)
    with pytest.raises(ValidationError, match="by must be None or one of 'locality'"):
        backtest(ds, cutoffs=["2024-03-31"], by="team")
    with pytest.raises(ValidationError, match="council total of 1,000,000 runs") as e:
        local.simulate(months=1200, runs=1_000_000)
    assert e.value.problems[0].column == "runs"


def test_a_locality_named_all_is_refused():
    renamed = hand_made([0.3, 0.3], seed=4, locality_names=["all", "Area L2"])
    with pytest.raises(ValidationError, match="a locality is named 'all'") as e:
        StockFlow().fit(renamed, by="locality", **WINDOW)
    assert e.value.problems[0].table == "localities"
