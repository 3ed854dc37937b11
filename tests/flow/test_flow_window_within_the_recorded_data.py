"""A fit window must lie within the days the data record entries and exits: before the first
day a spell ended an extract holds only the spells still open at its start, so a window starting
there counted days on which nobody left (exit rates 40 % too low) and took the survivors for
entrants. Such a window is refused, naming the window and the day the records begin; backtest
fits each cutoff on the recorded days of its window only."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow, backtest

ValidationError = earlyhelp.ValidationError


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=1)


def _problem(info):
    return info.value.problems[0]


def test_a_window_starting_before_the_recorded_data_is_refused(council):
    recorded = StockFlow().fit(council, start="2022-04-01", end="2022-12-31").report["entries_recorded_from"]
    assert recorded == "2022-04-01"
    with pytest.raises(ValidationError) as info:
        StockFlow().fit(council, start="2021-10-01", end="2022-12-31")
    p = _problem(info)
    assert p.table == "StockFlow" and p.column == "start"
    # the window asked for, and the day the data record entries and exits from
    assert "2021-10-01" in p.message and "2022-12-31" in p.message and "2022-04-01" in p.message


def test_a_window_one_day_too_early_is_refused_one_on_the_day_is_not(council):
    with pytest.raises(ValidationError):
        StockFlow().fit(council, start="2022-03-31", end="2022-12-31")
    StockFlow().fit(council, start="2022-04-01", end="2022-12-31")


def test_the_default_start_before_the_recorded_data_is_refused(council):
    # end three months into the records: the default start (six months before) would reach back
    with pytest.raises(ValidationError) as info:
        StockFlow().fit(council, end="2022-07-15")
    p = _problem(info)
    assert p.column == "start" and "default start" in p.message and "2022-04-01" in p.message


def test_by_locality_is_refused_as_the_council_is(council):
    with pytest.raises(ValidationError):
        StockFlow().fit(council, start="2021-10-01", end="2022-12-31", by="locality")


def test_backtest_fits_each_cutoff_on_the_recorded_days_of_its_window(council):
    # a cutoff six months after the records begin, with a twelve-month window: fitted from the
    # day the records begin (and said so in attrs), the same as fitting that window by hand
    cut = pd.Timestamp("2022-09-30")
    bt = backtest(council, cutoffs=[cut], months=2, window_months=12, runs=20, seed=1)
    assert bt.attrs["windows_shortened_to_the_recorded_data"] == {"2022-09-30": "2022-04-01"}
    by_hand = StockFlow().fit(council.snapshot(cut), start="2022-04-01", end=cut)
    det = by_hand.project(until="2022-11-30", freq="M")
    det = det[det["date"] > cut].groupby(["date", "state"], as_index=False)["stock"].sum()
    merged = bt.merge(det, on=["date", "state"])
    assert len(merged) == len(bt)
    assert (merged["forecast"] - merged["stock"]).abs().max() < 1e-9


def test_backtest_refuses_a_cutoff_before_the_recorded_data(council):
    with pytest.raises(ValidationError) as info:
        backtest(council, cutoffs=["2022-03-31"], months=2, window_months=6, runs=10)
    p = _problem(info)
    assert p.table == "backtest" and p.column == "cutoffs" and "2022-03-31" in p.message \
        and "2022-04-01" in p.message
