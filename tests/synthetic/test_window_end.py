"""The window's end censors what happens after it: nothing is pulled back onto its last days.

Events of episodes still open at the end used to be clamped to the last day (assessments, needs,
involvements) or squeezed into the days left (referrals to services, 2.4 times a usual month),
which a monthly pack showed as a jump "more than noise" in its latest month.
"""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp

EVENT_DATES = [("requests", "received_date"), ("episodes", "start_date"), ("assessments", "started"),
               ("family_needs", "identified_date"), ("involvements", "start_date"), ("plans", "agreed_date"),
               ("service_referrals", "referral_date"), ("taf_reviews", "due_date"), ("csc_referrals", "referral_date"),
               ("csc_assessments", "start_date"), ("cin_plans", "start_date"), ("cp_plans", "start_date"),
               ("cla_episodes", "start_date"), ("family_voice", "response_date")]


@pytest.fixture(scope="module", params=[0, 1])
def council(request):
    return earlyhelp.synthetic.council("coventry", years=2, scale=1.0, seed=request.param)


@pytest.mark.parametrize("table, column", EVENT_DATES)
def test_no_pile_up_on_the_last_day(council, table, column):
    end = pd.Timestamp(council.meta["end_date"])
    dates = council[table][column].dropna()
    per_day = dates[(dates > end - pd.Timedelta(days=29)) & (dates <= end - pd.Timedelta(days=1))].size / 28
    last_day = int((dates == end).sum())
    assert per_day < 4 or last_day < 3 * per_day, (last_day, per_day)


@pytest.mark.parametrize("table, column", EVENT_DATES)
def test_the_last_month_is_like_the_months_before(council, table, column):
    end = pd.Timestamp(council.meta["end_date"])
    months = council[table][column].dropna().dt.to_period("M").value_counts()
    last = end.to_period("M")
    before = months.reindex([last - k for k in (1, 2, 3)]).fillna(0).mean()
    assert before < 30 or months.get(last, 0) < 1.5 * before, (months.get(last, 0), before)

