"""Spells of one child starting on the same day: the one of higher need is kept (care always),
the other left out and counted, not cut to a day-less spell that ends the child's care."""
from __future__ import annotations

import pandas as pd

import earlyhelp
from earlyhelp.flow import StockFlow

DAY = pd.Timestamp


def _persons(ids):
    return pd.DataFrame({"person_id": ids, "birth_date": pd.to_datetime(["2015-01-01"] * len(ids)),
                         "sex": ["M"] * len(ids)})


def _stock(model, state):
    n_s = len(model.categories.states)
    return float(model._fit.initial.reshape(n_s, -1)[model.categories.states.index(state)].sum())


def test_a_cp_plan_starting_the_day_care_starts_does_not_end_the_care():
    # x: taken into care (still open) on the day a CP plan starts; the plan ends weeks later.
    # y: a CP plan over the window; z: one that ended before it (so exits are recorded).
    cla = pd.DataFrame({"cla_episode_id": ["e1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                        "end_date": pd.to_datetime([None]), "placement": ["U1"]})
    cp = pd.DataFrame({"cp_plan_id": ["p1", "p2", "p3"], "person_id": ["x", "y", "z"],
                       "start_date": pd.to_datetime(["2024-01-10", "2023-06-01", "2023-09-01"]),
                       "end_date": pd.to_datetime(["2024-02-20", "2024-07-31", "2023-12-01"])})
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["x", "y", "z"]), cla_episodes=cla, cp_plans=cp)
    m = StockFlow("statutory").fit(ds, start="2024-01-01", end="2024-06-30")
    x = m._spells[m._spells.person_id == "x"]
    assert [m.categories.states[s] for s in x.state] == ["fostering"] and x.end.isna().all()
    assert _stock(m, "fostering") == 1 and _stock(m, "cp") == 1
    actual = m._actual_stocks(["2024-03-01"]).set_index("state")["actual"]
    assert actual["fostering"] == 1 and actual["cp"] == 1
    # no made-up entry into CP and move from it: the CP plan is left out, and counted
    assert m.report["spells_starting_with_a_spell_of_higher_need_excluded"] == 1
    assert m.entry_rates().query("state == 'cp'")["entrants"].sum() == 0


def test_early_help_starting_the_day_care_starts_waits_for_the_care_to_end():
    cla = pd.DataFrame({"cla_episode_id": ["e1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                        "end_date": pd.to_datetime(["2024-02-20"]), "placement": ["U1"]})
    ep = pd.DataFrame({"episode_id": ["h1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                       "end_date": pd.to_datetime([None]), "level": [3]})
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["x"]), cla_episodes=cla, episodes=ep,
                                       meta={"window_start": "2023-01-01", "end_date": "2024-06-30"})
    m = StockFlow("continuum").fit(ds, start="2024-01-01", end="2024-06-30")
    sp = m._spells
    assert [m.categories.states[s] for s in sp.state] == ["fostering", "early_help"]
    assert sp.start.tolist() == [DAY("2024-01-10"), DAY("2024-02-20")] and pd.isna(sp.end.iloc[1])
    assert m.report["early_help_spells_started_at_the_end_of_a_care_spell"] == 1
    assert m.report["spells_starting_with_a_spell_of_higher_need_excluded"] == 0
    assert _stock(m, "early_help") == 1


def test_a_cin_plan_starting_with_a_cp_plan_resumes_when_the_cp_plan_ends_not_made_an_entry_and_a_move():
    # the CIN plan runs on after the CP plan: the child returns to CIN then (no entry into CIN
    # on the first day and move to CP: the CP plan is of higher need while both run)
    cin = pd.DataFrame({"cin_plan_id": ["c1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                        "end_date": pd.to_datetime([None])})
    cp = pd.DataFrame({"cp_plan_id": ["p1", "p3"], "person_id": ["x", "z"],
                       "start_date": pd.to_datetime(["2024-01-10", "2023-09-01"]),
                       "end_date": pd.to_datetime(["2024-02-20", "2023-12-01"])})
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["x", "z"]), cin_plans=cin, cp_plans=cp,
                                       meta={"end_date": "2024-06-30"})
    m = StockFlow("statutory").fit(ds, start="2024-01-01", end="2024-06-30")
    x = m._spells[m._spells.person_id == "x"]
    assert [m.categories.states[s] for s in x.state] == ["cp", "cin"]
    assert x.start.tolist() == [DAY("2024-01-10"), DAY("2024-02-20")] and pd.isna(x.end.iloc[1])
    assert m.report["spells_starting_with_a_spell_of_higher_need_excluded"] == 0
    assert m.report["spells_resumed_after_a_spell_within_them"] == 1
    entrants = m.entry_rates().groupby("state")["entrants"].sum()
    assert entrants["cin"] == 0 and entrants["cp"] == 1
    moves = m.transition_rates()
    assert not ((moves.from_state == "cin") & (moves.transitions > 0)).any()
    assert moves.query("from_state == 'cp' and to_state == 'cin'")["transitions"].sum() == 1


def test_a_cin_plan_starting_with_a_longer_cp_plan_is_left_out_not_made_an_entry_and_a_move():
    cin = pd.DataFrame({"cin_plan_id": ["c1"], "person_id": ["x"], "start_date": pd.to_datetime(["2024-01-10"]),
                        "end_date": pd.to_datetime(["2024-02-01"])})
    cp = pd.DataFrame({"cp_plan_id": ["p1", "p3"], "person_id": ["x", "z"],
                       "start_date": pd.to_datetime(["2024-01-10", "2023-09-01"]),
                       "end_date": pd.to_datetime(["2024-02-20", "2023-12-01"])})
    ds = earlyhelp.Dataset.from_frames(persons=_persons(["x", "z"]), cin_plans=cin, cp_plans=cp,
                                       meta={"end_date": "2024-06-30"})
    m = StockFlow("statutory").fit(ds, start="2024-01-01", end="2024-06-30")
    x = m._spells[m._spells.person_id == "x"]
    assert [m.categories.states[s] for s in x.state] == ["cp"]
    assert m.report["spells_starting_with_a_spell_of_higher_need_excluded"] == 1
    entrants = m.entry_rates().groupby("state")["entrants"].sum()
    assert entrants["cin"] == 0 and entrants["cp"] == 1
    moves = m.transition_rates()
    assert not ((moves.from_state == "cin") & (moves.transitions > 0)).any()


def test_of_two_spells_of_one_state_starting_together_the_longer_is_kept():
    from earlyhelp.flow import categories
    from earlyhelp.flow.spells import _in_order, _need_rank

    cats = categories("continuum")
    cp = cats.states.index("cp")
    sp = pd.DataFrame({"person_id": ["x", "x"], "start": pd.to_datetime(["2024-01-10", "2024-01-10"]),
                       "end": pd.to_datetime([None, "2024-02-20"]), "state": [cp, cp]})
    out = _in_order(sp, _need_rank(cats))
    assert out.end.isna().tolist() == [False, True]  # the open one last: it supersedes the other
