"""A spell nested inside another does not end it for good: the child returns to the enclosing
spell when the nested one ends (a CIN plan open across a CP plan), and a spell of lower need
never ends one of higher need (a looked-after child with a CP plan stays looked after)."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow

DAY = pd.Timestamp


def _persons(ids):
    return pd.DataFrame({"person_id": ids, "birth_date": pd.to_datetime(["2012-01-01"] * len(ids)),
                         "sex": ["M"] * len(ids)})


def _frame(kind, rows):
    """A table of periods: rows of (person, start, end or None[, placement])."""
    cols = {"cla": ["cla_episode_id", "person_id", "start_date", "end_date", "placement"],
            "cp": ["cp_plan_id", "person_id", "start_date", "end_date"],
            "cin": ["cin_plan_id", "person_id", "start_date", "end_date"],
            "eh": ["episode_id", "person_id", "start_date", "end_date", "level"]}[kind]
    out = pd.DataFrame([(f"{kind}{i}",) + tuple(r) for i, r in enumerate(rows)], columns=cols)
    out["start_date"], out["end_date"] = pd.to_datetime(out["start_date"]), pd.to_datetime(out["end_date"])
    return out


def _states(model, person):
    sp = model._spells[model._spells.person_id == person]
    return [(model.categories.states[s], str(a.date()), None if pd.isna(b) else str(b.date()))
            for s, a, b in zip(sp.state, sp.start, sp.end)]


def _stock(model, day):
    return model._actual_stocks([day]).set_index("state")["actual"]


@pytest.fixture(scope="module")
def nested():
    # x: looked after from 2023-01-10 (open), a CP plan 2023-09-01 to 2023-10-15 within it.
    # y: a CIN plan 2022-06-01 to 2024-05-01, a CP plan 2023-09-01 to 2023-10-15 within it.
    # z: a CP plan starting while looked after (2023-02-01) and running on after care ends.
    cla = _frame("cla", [("x", "2023-01-10", None, "U1"), ("z", "2023-01-01", "2023-03-01", "U1")])
    cp = _frame("cp", [("x", "2023-09-01", "2023-10-15"), ("y", "2023-09-01", "2023-10-15"),
                       ("z", "2023-02-01", "2023-08-01")])
    cin = _frame("cin", [("y", "2022-06-01", "2024-05-01")])
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["x", "y", "z"]), cla_episodes=cla, cp_plans=cp,
                                       cin_plans=cin, meta={"end_date": "2024-06-30"})
    return StockFlow("statutory").fit(ds, start="2024-01-01", end="2024-06-30")


def test_a_looked_after_child_with_a_cp_plan_stays_looked_after(nested):
    assert _states(nested, "x") == [("fostering", "2023-01-10", None)]
    assert _stock(nested, "2024-03-01")["fostering"] == 1
    n_s = len(nested.categories.states)
    start = dict(zip(nested.categories.states, nested._fit.initial.reshape(n_s, -1).sum(axis=1)))
    assert start["fostering"] == 1
    assert nested.report["cin_or_cp_plans_within_a_care_spell_excluded"] == 1


def test_a_cin_plan_open_across_a_cp_plan_resumes_when_it_ends(nested):
    assert _states(nested, "y") == [("cin", "2022-06-01", "2023-09-01"), ("cp", "2023-09-01", "2023-10-15"),
                                    ("cin", "2023-10-15", "2024-05-01")]
    assert _stock(nested, "2024-03-01")["cin"] == 1
    sp = nested._spells[nested._spells.person_id == "y"]
    cin, cp = (nested.categories.states.index(s) for s in ("cin", "cp"))
    assert list(sp["next"]) == [cp, cin, -1] and list(sp["prev"]) == [-1, cin, cp]
    assert nested.report["spells_resumed_after_a_spell_within_them"] == 1
    assert nested.report["spells_shortened_by_a_later_spell"] == 0


def test_a_cp_plan_outlasting_care_starts_when_the_care_ends(nested):
    assert _states(nested, "z") == [("fostering", "2023-01-01", "2023-03-01"), ("cp", "2023-03-01", "2023-08-01")]
    assert nested.report["cin_or_cp_plans_started_at_the_end_of_a_care_spell"] == 1


def test_early_help_within_a_plan_is_left_out_and_after_it_starts_when_it_ends():
    # a family's Early Help episode copied to a child on a CIN plan: within the plan it is left
    # out; running on past the plan, it starts when the plan ends (a step down then)
    cin = _frame("cin", [("a", "2023-01-01", "2023-12-01"), ("b", "2023-01-01", "2023-06-01")])
    eh = _frame("eh", [("a", "2023-03-01", "2023-05-01", 3), ("b", "2023-03-01", "2023-09-01", 3)])
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["a", "b"]), cin_plans=cin, episodes=eh,
                                       meta={"end_date": "2024-06-30"})
    m = StockFlow("continuum").fit(ds, start="2024-01-01", end="2024-06-30")
    assert _states(m, "a") == [("cin", "2023-01-01", "2023-12-01")]
    assert _states(m, "b") == [("cin", "2023-01-01", "2023-06-01"), ("early_help", "2023-06-01", "2023-09-01")]
    assert m.report["early_help_spells_within_a_cin_or_cp_plan_excluded"] == 1
    assert m.report["early_help_spells_started_at_the_end_of_a_cin_or_cp_plan"] == 1


def test_early_help_resumes_after_a_plan_within_it():
    eh = _frame("eh", [("a", "2023-01-01", "2023-12-01", 3)])
    cin = _frame("cin", [("a", "2023-03-01", "2023-05-01")])
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["a"]), cin_plans=cin, episodes=eh,
                                       meta={"end_date": "2024-06-30"})
    m = StockFlow("continuum").fit(ds, start="2024-01-01", end="2024-06-30")
    assert _states(m, "a") == [("early_help", "2023-01-01", "2023-03-01"), ("cin", "2023-03-01", "2023-05-01"),
                               ("early_help", "2023-05-01", "2023-12-01")]


def test_a_plan_of_no_day_within_another_returns_to_it_that_day():
    # a CP plan starting and ending on one day within a CIN plan: a move there and back, the
    # CIN plan going on after it
    cin = _frame("cin", [("a", "2023-01-01", "2023-12-01")])
    cp = _frame("cp", [("a", "2023-06-01", "2023-06-01")])
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["a"]), cin_plans=cin, cp_plans=cp,
                                       meta={"end_date": "2024-06-30"})
    m = StockFlow("statutory").fit(ds, start="2024-01-01", end="2024-06-30")
    assert _states(m, "a") == [("cin", "2023-01-01", "2023-06-01"), ("cp", "2023-06-01", "2023-06-01"),
                               ("cin", "2023-06-01", "2023-12-01")]


def test_on_the_synthetic_council_no_child_is_in_two_states_at_once():
    council = earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)
    m = StockFlow().fit(council, start="2024-04-01", end="2025-03-31")
    sp = m._spells
    same = sp.person_id.eq(sp.person_id.shift(-1))
    end = sp.end.fillna(DAY("2100-01-01"))
    assert not (same & (end > sp.start.shift(-1))).any()
    # every day of a CIN or CP plan or care episode is in the model, once: the stock on a day is
    # the children the records show on a plan or looked after (the highest need counted)
    day = DAY("2024-10-01")
    on = lambda t: t[(t.start_date <= day) & (t.end_date.isna() | (t.end_date > day))].person_id
    care = set(on(council.cla_episodes))
    cp = set(on(council.cp_plans)) - care
    cin = set(on(council.cin_plans)) - care - cp
    actual = _stock(m, day)
    assert actual[["fostering", "residential", "supported", "other_care"]].sum() == len(care)
    assert actual["cp"] == len(cp) and actual["cin"] == len(cin)
