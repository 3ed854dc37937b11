"""More bad input to the flow API: refused with a ValidationError naming what was wrong, or
counted, never a MemoryError, a silent True, a dropped row or a misleading NaN."""
from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, backtest, goal_seek, simulate_many
from earlyhelp.flow.categories import AgeBracket, categories
from earlyhelp.flow.model import MAX_CHILDREN_PER_RUN

ValidationError = earlyhelp.ValidationError


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=1)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow().fit(council)


def _raises(table, column, call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert any(p.table == table and p.column == column for p in info.value.problems), info.value.problems
    return info.value


def _in_a_limited_process(code: str) -> str:
    """Run ``code`` in a child process whose address space is capped at 3 GB (a regression that
    tries to take the machine's memory fails there, not here); its output."""
    prelude = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))\n"
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)
    return done.stdout + done.stderr


# ---- 1, 2: plans a run could not hold in memory are refused before running


def test_a_trend_carried_decades_ahead_is_refused_not_run_out_of_memory():
    out = _in_a_limited_process("""
        import earlyhelp
        from earlyhelp.flow import StockFlow
        m = StockFlow(entry_trend=True).fit(earlyhelp.synthetic.council("coventry", years=4, scale=0.2, seed=1))
        try:
            m.simulate(months=600, runs=50, seed=1)
        except earlyhelp.ValidationError as e:
            print("REFUSED", e.problems[0].table, e.problems[0].column, e.problems[0].message)
        """)
    assert "REFUSED StockFlow months" in out, out
    assert "entry_trend" in out and f"{MAX_CHILDREN_PER_RUN:,}" in out and "at most" in out


def test_the_trended_horizon_the_refusal_suggests_runs():
    m = StockFlow(entry_trend=True).fit(earlyhelp.synthetic.council("coventry", years=4, scale=0.2, seed=1))
    with pytest.raises(ValidationError) as info:
        m.simulate(months=1200, runs=2, seed=1)
    longest = int(info.value.problems[0].message.split("at most ")[1].split(" months")[0])
    assert 60 < longest < 1200
    _raises("StockFlow", "months", m.simulate, months=longest + 1, runs=2, seed=1)
    assert np.isfinite(m.simulate(months=longest, runs=2, seed=1, quantiles=(0.5,))["mean"]).all()


def test_wide_outcomes_keep_exact_bands_through_threads_and_pickling():
    # a trend's steepest runs lie far from the rest: their histograms turn sparse, and the
    # bands must not depend on how the runs were split or sent
    ds = earlyhelp.synthetic.council("coventry", years=4, scale=0.2, seed=1)
    m = StockFlow(entry_trend=True).fit(ds)
    one = m._simulate_bands(420, 20, 1, None, None, 1, None, False)["stocks"]
    two = m._simulate_bands(420, 20, 1, None, None, 2, None, False)["stocks"]
    q = np.array([0.0, 0.05, 0.5, 0.95, 1.0])
    spread = one.quantiles(np.array([0.0, 1.0]))
    assert (spread[:, :, 1] - spread[:, :, 0]).max() > 4096  # some cells are sparse
    np.testing.assert_array_equal(one.quantiles(q), two.quantiles(q))
    back = pickle.loads(pickle.dumps(one))
    np.testing.assert_array_equal(back.quantiles(q), one.quantiles(q))
    np.testing.assert_allclose(back.means(), one.means())


@pytest.mark.parametrize("change", [("add", 200_000), ("multiply", 1e6)])
def test_a_scenario_adding_children_by_the_hundred_thousand_is_refused(change):
    out = _in_a_limited_process(f"""
        import earlyhelp
        from earlyhelp.flow import Scenario, StockFlow
        m = StockFlow().fit(earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=1))
        s = getattr(Scenario("big"), {change[0]!r})("entry:cin", {change[1]!r})
        try:
            m.simulate(months=60, runs=1, seed=1, scenario=s)
        except earlyhelp.ValidationError as e:
            print("REFUSED", e.problems[0].table, e.problems[0].column, e.problems[0].message)
        """)
    assert "REFUSED scenario big target" in out, out
    assert "entry:cin" in out and f"{MAX_CHILDREN_PER_RUN:,}" in out


def test_a_modest_scenario_still_runs(model):
    sim = model.simulate(months=6, runs=5, seed=1, scenario=Scenario("more").add("entry:cin", 5))
    assert np.isfinite(sim["mean"]).all()


# ---- 3: on/off arguments take True or False only


@pytest.mark.parametrize("name", ["entry_trend", "entry_season", "entry_overdispersion", "entry_drift",
                                  "rate_uncertainty"])
@pytest.mark.parametrize("value", ["no", "False", 0, 1, None])
def test_model_switches_must_be_true_or_false(name, value):
    _raises("StockFlow", name, StockFlow, **{name: value})


def test_numpy_bools_are_switches():
    assert StockFlow(entry_trend=np.bool_(False)).entry_trend is False


@pytest.mark.parametrize("name, value", [("total", "no"), ("total", 0), ("progress", "False"), ("progress", 1)])
def test_simulate_switches_must_be_true_or_false(model, name, value):
    _raises("StockFlow", name, model.simulate, months=2, runs=2, seed=1, **{name: value})


@pytest.mark.parametrize("name, value", [("total", "no"), ("progress", "yes")])
def test_simulate_many_switches_must_be_true_or_false(model, name, value):
    _raises("simulate_many", name, simulate_many, {"c": model}, months=2, runs=2, **{name: value})


# ---- 4: family Early Help episodes with no child member are counted


def test_family_episodes_without_a_child_member_are_counted(council):
    tables = {k: council[k] for k in council.row_counts()}
    fm, ep = tables["family_members"], tables["episodes"]
    fams = ep.loc[ep.person_id.isna(), "family_id"].drop_duplicates().iloc[:100]
    lost = int((ep.person_id.isna() & ep.family_id.isin(fams)).sum())
    tables["family_members"] = fm[~(fm.family_id.isin(fams) & (fm.role.astype(str) == "child"))]
    ds = earlyhelp.Dataset.from_frames(**tables, meta=dict(council.meta))
    report = StockFlow().fit(ds).report
    assert report["family_episodes_without_a_child_member_excluded"] == lost > 0
    assert StockFlow().fit(council).report["family_episodes_without_a_child_member_excluded"] == 0
    # and the CLI writes every count of the report into run.json's exclusions
    from earlyhelp.cli.flowrun import _excluded

    excluded, _ = _excluded(StockFlow().fit(ds), ds, 10)
    assert any(e.reason == "family episodes without a child member excluded" and e.rows == lost for e in excluded)


def test_no_family_members_at_all_counts_every_family_episode(council):
    tables = {k: council[k] for k in council.row_counts()}
    family_episodes = int(tables["episodes"].person_id.isna().sum())
    tables["family_members"] = tables["family_members"].iloc[0:0]
    ds = earlyhelp.Dataset.from_frames(**tables, meta=dict(council.meta))
    assert StockFlow().fit(ds).report["family_episodes_without_a_child_member_excluded"] == family_episodes


# ---- 5: chunks


@pytest.mark.parametrize("chunks", ["a", 1.5, 0, -2, True])
def test_chunks_must_be_a_whole_number_from_one(model, chunks):
    _raises("StockFlow", "chunks", model.simulate, months=2, runs=5, seed=1, chunks=chunks)


def test_chunks_are_checked_with_a_client(model):
    from dask.distributed import Client

    with Client(processes=False, n_workers=1, dashboard_address=None) as client:
        _raises("StockFlow", "chunks", model.simulate, months=2, runs=5, seed=1, client=client, chunks=1.5)
        assert len(model.simulate(months=2, runs=5, seed=1, client=client, chunks=3))


# ---- 6: repeated backtest cutoffs


def test_a_repeated_backtest_cutoff_is_refused(council):
    e = _raises("backtest", "cutoffs", backtest, council, cutoffs=["2024-03-31", "2024-02-29", "2024-03-31"],
                months=3, window_months=6, runs=10)
    assert "2024-03-31" in e.problems[0].message and e.problems[0].n_rows == 2


# ---- 7: goal_seek on a flow nobody took


def test_goal_seek_on_a_flow_nobody_took_is_refused(model):
    e = _raises("goal_seek", "rate", goal_seek, model, ("earliest_help", "residential"), "2026-03-31",
                target_stock=10, draws=5)
    assert "add to it" in e.problems[0].message


def test_goal_seek_on_an_entry_nobody_made_is_refused(model):
    n_s = len(model.categories.states)
    never = [s for s, k in zip(model.categories.states, model._fit.entrants.reshape(n_s, -1).sum(axis=1)) if k == 0]
    assert never, "the fixed council (seed 1) has a state no child entered from no service"
    e = _raises("goal_seek", "rate", goal_seek, model, f"entry:{never[0]}", "2026-03-31", target_stock=10, draws=0)
    assert f"entered {never[0]!r}" in e.problems[0].message


# ---- 8: custom categories


def _continuum(**changes):
    return dataclasses.replace(categories("continuum"), **changes)


_C = categories("continuum")


@pytest.mark.parametrize("column, changes", [
    ("brackets", dict(brackets=_C.brackets[:4] + (AgeBracket("x", "16 to 17", 16, 18, 0),))),
    ("brackets", dict(brackets=_C.brackets[:4] + (AgeBracket("x", "16 to 17", 16, 18, -5),))),
    ("brackets", dict(brackets=_C.brackets[:4] + (AgeBracket("x", "16 to 17", 16, 18, float("nan")),))),
    ("brackets", dict(brackets=_C.brackets[:4] + (AgeBracket("x", "16 to 17", 15, 18, 730),))),
    ("brackets", dict(brackets=(_C.brackets[1], _C.brackets[0]) + _C.brackets[2:])),
    ("brackets", dict(brackets=_C.brackets[:4] + (AgeBracket("x", "10 to 15", 16, 18, 730),))),
    ("brackets", dict(brackets=())),
    ("services", dict(services={"episodes": "nope"})),
    ("services", dict(services={"nope": "cin"})),
    ("placements", dict(placements={"U1": "nowhere"})),
    ("other_placement", dict(other_placement="nowhere")),
    ("levels", dict(levels={2: "nowhere"})),
    ("states", dict(states=())),
    ("states", dict(states=_C.states + ("cin",))),
    ("states", dict(states=_C.states + ("all",))),
    ("max_age", dict(max_age=-1.0)),
    ("max_age", dict(max_age=5.0)),
    ("max_age", dict(max_age=float("nan"))),
    ("max_age", dict(max_age=float("inf"))),
    ("max_age", dict(max_age=19.0)),
    ("max_age", dict(max_age=17.5)),  # within the last bracket, but it ages out at 18
])
def test_custom_categories_are_checked(column, changes):
    _raises("Categories", column, _continuum, **changes)


def test_the_presets_and_a_valid_custom_set_pass(council):
    for name in ("continuum", "statutory", "cs-demand-model"):
        categories(name)
    # max_age where the last bracket ages out (its min plus its length), so the two methods agree
    custom = _continuum(max_age=17.5, name="custom",
                        brackets=_C.brackets[:4] + (AgeBracket("x", "16 to 17", 16, 17.5, 1.5 * 365),))
    assert StockFlow(custom).fit(council).report["spells_without_birth_date_excluded"] >= 0


# ---- 9: a scenario on a flow out of the service leaves ageing out at 18 alone


def test_a_scenario_on_exits_does_not_stop_ageing_out(model):
    i = model._bin_frame().query("state == 'cp' and age == '16 to 17'").index[0]
    ageing_out = model._ageing_rates()[i, -1]
    for scenario in (Scenario("z").multiply(("cp", "out"), 0.0), Scenario("a").add(("cp", "out"), -1.0)):
        R, _, _ = model._regimes(scenario, 10)
        assert R[0, i, -1] == pytest.approx(ageing_out)
    R, _, _ = model._regimes(Scenario("h").multiply(("cp", "out"), 0.5), 10)
    estimated = model._fit.rates[i, -1] - ageing_out
    assert R[0, i, -1] == pytest.approx(ageing_out + 0.5 * estimated)


# ---- 9: an Early Help episode does not end a child's care


def test_a_family_early_help_episode_does_not_end_a_childs_care(council):
    from earlyhelp.flow.spells import build_spells

    cats = categories("continuum")
    spells, report = build_spells(council, cats, 45)
    care = {cats.states.index(s) for s in {*cats.placements.values(), cats.other_placement}}
    child = spells[spells.person_id == "P0001710"]
    last = child.iloc[-1]
    assert last.state in care and pd.isna(last.end)  # still in care at the data's end
    assert report["early_help_spells_within_a_care_spell_excluded"] > 0
    # the care stock at the fit's end is the children the data show in care that day
    m = StockFlow().fit(council)
    cla = council.cla_episodes
    end = m._fit.end
    in_care = cla[(cla.start_date <= end) & (cla.end_date.isna() | (cla.end_date > end))].person_id.nunique()
    n_s = len(cats.states)
    assert m._fit.initial.reshape(n_s, -1)[sorted(care)].sum() == in_care


def test_early_help_outlasting_care_starts_when_it_ends():
    from earlyhelp.flow.spells import _keep_care

    cats = categories("continuum")
    eh, cin, fostering = (cats.states.index(name) for name in ("early_help", "cin", "fostering"))
    day = pd.Timestamp
    rows = [("a", "2024-01-01", "2024-04-01", fostering), ("a", "2024-02-01", "2024-02-10", eh),
            ("a", "2024-03-01", "2024-06-01", eh), ("a", "2024-05-10", None, fostering),
            ("b", "2024-01-01", "2024-03-01", eh), ("b", "2024-01-05", "2024-02-01", cin),
            ("c", "2024-01-01", "2024-04-01", fostering), ("c", "2024-03-01", "2024-06-01", eh)]
    sp = pd.DataFrame(rows, columns=["person_id", "start", "end", "state"])
    sp["start"], sp["end"] = pd.to_datetime(sp["start"]), pd.to_datetime(sp["end"])
    report: dict = {}
    out = _keep_care(sp, cats, report).set_index("person_id")
    # a: the first Early Help episode lies within the placement; the second starts when it ends
    # (and the next placement then ends it, as any later spell does)
    assert list(out.loc["a", "state"]) == [fostering, eh, fostering]
    assert out.loc["a", "start"].iloc[1] == day("2024-04-01")
    # b: Early Help and CIN are left to the later-spell rule
    assert list(out.loc["b", "start"]) == [day("2024-01-01"), day("2024-01-05")]
    # c: Early Help outlasting the placement starts when it ends
    assert list(out.loc["c", "start"]) == [day("2024-01-01"), day("2024-04-01")]
    assert report == {"early_help_spells_within_a_care_spell_excluded": 1,
                      "early_help_spells_started_at_the_end_of_a_care_spell": 2}
