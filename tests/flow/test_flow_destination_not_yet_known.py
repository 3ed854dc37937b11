"""Exits in the data's last ``gap_days``: a spell joins the next one starting within ``gap_days``
of its end (a CIN plan follows the Early Help referral by weeks), so at the end of the data the
destination of a spell closed in those days is not known yet. Counting it as leaving every
service undercounted step-ups by their share in the window's last weeks; such an exit is now
shared among the destinations as the window's exits whose destination is known went (of those
not followed by a spell within the days seen after it). backtest fits each cutoff on the data as
they were known at the cutoff."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow, backtest

KEY = "exits_with_destination_not_yet_known"
START, END = "2023-10-01", "2024-03-31"


@pytest.fixture(scope="module")
def ds():
    # Early Help episodes of 100 days ending evenly (four days in three) from July 2023 to the
    # data end; a quarter followed by a CIN plan 20 days after, a quarter 40 days after, half by
    # nothing. 244 of them end in the window.
    persons, episodes, cin = [], [], []
    first = pd.Timestamp("2023-07-01")
    days = (pd.Timestamp("2025-03-31") - first).days + 1
    window = (pd.Timestamp(START) - first).days, (pd.Timestamp(END) - first).days
    for k in range(days * 4 // 3):
        end = first + pd.Timedelta(days=k * 3 // 4)
        persons.append((f"c{k}", pd.Timestamp("2014-02-01")))
        episodes.append((f"e{k}", f"c{k}", end - pd.Timedelta(days=100), end, 3))
        if k % 4 < 2:
            begin = end + pd.Timedelta(days=20 if k % 4 == 0 else 40)
            cin.append((f"p{k}", f"c{k}", begin, begin + pd.Timedelta(days=90)))
    assert sum(window[0] <= k * 3 // 4 <= window[1] for k in range(days * 4 // 3)) == 244  # 122 step up
    return earlyhelp.Dataset.from_frames(
        persons=pd.DataFrame(persons, columns=["person_id", "birth_date"]).assign(sex="F"),
        episodes=pd.DataFrame(episodes, columns=["episode_id", "person_id", "start_date", "end_date", "level"]),
        cin_plans=pd.DataFrame(cin, columns=["cin_plan_id", "person_id", "start_date", "end_date"]),
        meta={"end_date": "2025-03-31"})


def _moves(model, to):
    t = model.transition_rates()
    return t[(t.from_state == "early_help") & (t.to_state == to)]["transitions"].sum()


def test_step_ups_known_at_the_end_of_the_data_match_those_seen_later(ds):
    then = StockFlow().fit(ds.snapshot(END), start=START, end=END)
    later = StockFlow().fit(ds, start=START, end=END)
    assert _moves(later, "cin") == 122 and _moves(later, "out") == 122
    # all 244 exits are counted; those of the last 45 days shared by what is known of them
    assert _moves(then, "cin") + _moves(then, "out") == pytest.approx(244)
    assert abs(_moves(then, "cin") - 122) < 4, _moves(then, "cin")
    assert then.report[KEY] > 30 and later.report[KEY] == 0
    # the projection's step-up rate follows: within 5 % of the one seen with a year more data
    rate = {name: m._fit.rates[m._bin_frame().query("state == 'early_help'").index][:, m._bin_frame()
                                                                                   .query("state == 'cin'").index].sum()
            for name, m in (("then", then), ("later", later))}
    assert rate["then"] == pytest.approx(rate["later"], rel=0.05)


def test_an_exit_is_shared_by_the_days_seen_after_it(ds):
    # known exits: half leave, a quarter step up 20 days after, a quarter 40 days after. An exit
    # d days before the data end with nothing after it: under 20 days, half of it a step-up;
    # 20 to 39 days, a third (those 40 days after, against them and the leavers); 40 on, none
    then = StockFlow().fit(ds.snapshot(END), start=START, end=END)
    rows, seen, shares = then._censored_exits
    cin = then.categories.states.index("cin")
    assert len(rows) == then.report[KEY]
    assert (then._spells["next"].to_numpy()[rows] == -1).all()
    early_help = then._spells["state"].to_numpy()[rows] == then.categories.states.index("early_help")
    # (the CIN plans closed in those days: no CIN plan of the data was followed by anything)
    assert (shares[~early_help, -1] == 1).all()
    seen, shares = seen[early_help], shares[early_help]
    for lo, hi, share in ((0, 20, 1 / 2), (20, 40, 1 / 3), (40, 45, 0.0)):
        part = shares[(seen >= lo) & (seen < hi)]
        assert len(part), (lo, hi)
        np.testing.assert_allclose(part[:, cin], share, atol=0.04)
        np.testing.assert_allclose(part.sum(axis=1), 1.0)


def test_no_gap_days_nothing_is_shared(ds):
    m = StockFlow(gap_days=0).fit(ds.snapshot(END), start=START, end=END)
    assert m.report[KEY] == 0


def test_backtest_fits_on_the_data_known_at_the_cutoff(ds):
    bt = backtest(ds, cutoffs=[END], months=3, window_months=6, runs=20, seed=1)
    known = StockFlow().fit(ds.snapshot(END), start="2023-09-30", end=END)
    det = known.project(until="2024-06-30", freq="M")
    det = det[det["date"] > pd.Timestamp(END)].groupby(["date", "state"], as_index=False)["stock"].sum()
    merged = bt.merge(det, on=["date", "state"])
    assert len(merged) == len(bt) and (merged["forecast"] - merged["stock"]).abs().max() < 1e-9
