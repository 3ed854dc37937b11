"""Measures on awkward hand-made data: the ends of the data, year and month boundaries, a leap
day, same-day episodes, re-referrals either side of 365 days, zeros against no data."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import measures
from measures_council import tiny_council


def awkward_council() -> earlyhelp.Dataset:
    """The tiny council's people and places with these events (North = F1, F2; South = F3-F5):

    requests  Q1 F1 2024-02-29 (leap day)   Q2 F3 2024-03-31   Q3 F3 2024-04-01 (undecided)
              Q4 F1 2025-02-28 (365 days after E1 closed, 365 after Q1)
              Q5 F2 2025-03-01 (366 days after E2 closed)     Q6 F4 2025-03-31
    episodes  E1 F1 2024-02-29 to 2024-02-29 (opened and closed on the leap day)
              E2 F2 2024-01-10 to 2024-02-29     E3 F3 2024-03-31 to 2024-03-31 (the year's last day)
              E4 F4 2024-04-01, open
    Nothing happens in South in May 2024 to January 2025, nor anywhere in June 2024 to January 2025.
    """
    base = tiny_council()
    frames = {name: base[name] for name in ("localities", "families", "persons", "family_members", "agencies",
                                            "practitioners")}
    frames["requests"] = pd.DataFrame({
        "request_id": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        "family_id": ["F1", "F3", "F3", "F1", "F2", "F4"],
        "person_id": ["P1", "P3", "P3", "P1", "P2", "P4"],
        "children": [1, 1, 1, 1, 1, 1],
        "received_date": ["2024-02-29", "2024-03-31", "2024-04-01", "2025-02-28", "2025-03-01", "2025-03-31"],
        "source": ["2A", "1A", "6", "2A", "3B", "5A"],
        "route": ["direct"] * 6,
        "decision": ["early_help", "early_help", None, "nfa", "nfa", "early_help"],
    })
    frames["episodes"] = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E4"],
        "family_id": ["F1", "F2", "F3", "F4"],
        "start_date": ["2024-02-29", "2024-01-10", "2024-03-31", "2024-04-01"],
        "end_date": ["2024-02-29", "2024-02-29", "2024-03-31", None],
        "level": [2, 3, 3, 3],
        "lead_practitioner_id": ["W1", "W1", "W2", "W2"],
        "lead_agency_id": ["G1", "G1", "G1", "G1"],
        "locality_id": ["L1", "L1", "L2", "L2"],
        "origin": ["request"] * 4,
        "end_reason": ["outcomes_met", "outcomes_met", "outcomes_met", None],
    })
    return earlyhelp.Dataset.from_frames(as_of="2025-03-31", **frames)


@pytest.fixture(scope="module")
def ds():
    return awkward_council()


def rows(frame: pd.DataFrame, measure: str, **where) -> pd.DataFrame:
    out = frame[frame["measure"] == measure]
    for column, value in where.items():
        out = out[out[column].astype(str) == value]
    return out.set_index("period")


def compute(ds, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", measures.MeasuresBlockedWarning)
        return measures.compute(ds, *args, **kwargs)


def test_months_outside_the_data_have_no_figure_not_zero():
    """The tiny council's data run from January to August 2024: asked for a wider window, the
    months before and after have no figure (they used to be 0 requests and, after the last
    event, the episodes still open carried on as a stock)."""
    r = compute(tiny_council(), ["requests", "episodes_open", "closed_within_16_weeks"], start="2023-11-01",
                end="2025-02-28")
    for mid in ("requests", "episodes_open", "closed_within_16_weeks"):
        got = rows(r, mid)
        outside = ["2023-11", "2023-12", "2024-09", "2024-12", "2025-02"]
        assert got.loc[outside, ["numerator", "value"]].isna().all().all(), mid
        assert not got.loc[outside, "complete"].any()
    assert rows(r, "requests").loc["2024-06", "value"] == 0          # inside the data: a true 0
    assert rows(r, "requests").loc["2024-06", "complete"]
    assert rows(r, "episodes_open").loc["2024-08", "value"] == 3
    # the data begin on 8 January (the later of the first request and episode) and end on 13 August
    assert not rows(r, "requests").loc[["2024-01", "2024-08"], "complete"].any()
    # no closure in March, inside the data: a whole month with nothing to divide by
    mar = rows(r, "closed_within_16_weeks").loc["2024-03"]
    assert mar["denominator"] == 0 and np.isnan(mar["value"]) and mar["complete"]


def test_quarter_the_data_end_within_is_incomplete():
    r = compute(tiny_council(), ["requests"], period="quarter", start="2024-01-01", end="2024-12-31")
    got = rows(r, "requests")
    assert got.loc["2024Q3", "value"] == 0 and not got.loc["2024Q3", "complete"]   # data end in August
    assert np.isnan(got.loc["2024Q4", "value"]) and not got.loc["2024Q4", "complete"]
    assert got.loc["2024Q1", "value"] == 5 and not got.loc["2024Q1", "complete"]   # data begin 8 January
    assert got.loc["2024Q2", "complete"] and got.loc["2024Q2", "value"] == 2


def test_leap_day_and_year_end_boundaries(ds):
    m = compute(ds, ["requests", "episodes_opened", "episodes_closed", "episodes_open", "closed_within_16_weeks"],
                start="2024-01-01", end="2025-03-31")
    assert rows(m, "requests").loc["2024-02", "value"] == 1                   # the leap day
    assert rows(m, "requests").loc[["2024-03", "2024-04"], "value"].tolist() == [1, 1]
    assert rows(m, "episodes_opened").loc[["2024-01", "2024-02", "2024-03", "2024-04"], "value"].tolist() == [1, 1, 1, 1]
    assert rows(m, "episodes_closed").loc[["2024-02", "2024-03"], "value"].tolist() == [2, 1]
    # opened and closed the same day: counted in and out, not open at the month end
    assert rows(m, "episodes_open").loc[["2024-01", "2024-02", "2024-03", "2024-04"], "value"].tolist() == [1, 0, 0, 1]
    assert rows(m, "closed_within_16_weeks").loc["2024-02", ["numerator", "denominator"]].tolist() == [2, 2]
    fy = compute(ds, ["requests", "episodes_closed", "episodes_open"], period="financial_year", start="2023-04-01",
                 end="2025-03-31")
    # 31 March is the last day of 2023-24, 1 April the first of 2024-25
    assert rows(fy, "requests")["value"].tolist() == [2, 4]
    assert rows(fy, "episodes_closed")["value"].tolist() == [3, 0]
    assert rows(fy, "episodes_open")["value"].tolist() == [0, 1]
    assert rows(fy, "requests")["complete"].tolist() == [False, True]     # the data begin in January 2024


def test_rereferrals_either_side_of_365_days(ds):
    """Episode basis: Q4 comes 365 days after E1 closed on the leap day (a re-referral); Q5 366
    days after E2 closed (not). DfE basis: Q4 is F1's second request in 365 days; Q3 F3's second
    in a day."""
    r = compute(ds, ["rereferrals_12m", "families_two_plus_requests_12m"], start="2024-01-01", end="2025-03-31")
    rr = rows(r, "rereferrals_12m")
    assert rr.loc[["2025-02", "2025-03"], "numerator"].tolist() == [1, 0]
    assert rr.loc[["2025-02", "2025-03"], "denominator"].tolist() == [1, 2]
    # Q3 the day after E3 closed: a re-referral too
    assert rr.loc["2024-04", "numerator"] == 1
    rep = rows(r, "families_two_plus_requests_12m")
    assert rep.loc[["2024-02", "2024-03", "2024-04", "2025-02", "2025-03"], "numerator"].tolist() == [0, 0, 1, 1, 0]


def test_undecided_requests_and_empty_denominators(ds):
    r = compute(ds, ["request_conversion", "closed_within_16_weeks"], start="2024-01-01", end="2025-03-31")
    conv = rows(r, "request_conversion")
    # Q3 has no decision yet: not in the denominator; April has no decided request, so no value
    assert conv.loc["2024-04", "denominator"] == 0 and np.isnan(conv.loc["2024-04", "value"])
    assert np.isnan(conv.loc["2024-04", "lo"]) and np.isnan(conv.loc["2024-04", "hi"])
    assert conv.loc["2025-03", ["numerator", "denominator", "value"]].tolist() == [1, 2, 0.5]
    closed = rows(r, "closed_within_16_weeks")
    assert closed.loc["2024-06", "denominator"] == 0 and np.isnan(closed.loc["2024-06", "value"])


def test_a_quiet_locality_is_a_true_zero(ds):
    """South (F3, F4) has requests in March, April 2024 and March 2025 and nothing between: 0 in
    those months, present in every month; North's activity does not fill South's months."""
    r = compute(ds, ["requests", "episodes_open"], by="locality", start="2024-01-01", end="2025-03-31")
    south = rows(r, "requests", locality="South")
    assert len(south) == 15
    assert south.loc[["2024-03", "2024-04", "2024-05", "2025-01", "2025-03"], "value"].tolist() == [1, 1, 0, 0, 1]
    north = rows(r, "requests", locality="North")
    assert north.loc[["2024-02", "2024-03", "2025-02", "2025-03"], "value"].tolist() == [1, 0, 1, 1]
    assert rows(r, "episodes_open", locality="South").loc["2024-05", "value"] == 1


def test_rolling_12m_in_the_first_11_months(ds):
    r = compute(ds, ["requests"], period="rolling_12m", start="2024-01-01", end="2025-03-31")
    got = rows(r, "requests")
    assert got["value"].iloc[:11].isna().all() and not got["complete"].iloc[:11].any()
    # 12 months to December 2024: Q1, Q2, Q3, but the requests begin on 29 February (a part month);
    # to March 2025: Q3 (1 April 2024) to Q6, whole
    assert got.loc["12 months to 2024-12", "value"] == 3 and not got.loc["12 months to 2024-12", "complete"]
    assert got.loc["12 months to 2025-03", "value"] == 4 and got.loc["12 months to 2025-03", "complete"]


def test_a_locality_with_nothing_in_the_whole_window_is_zero_not_missing(ds):
    """July-December 2024 has no request anywhere: every locality is 0 in every quarter (the
    result used to be empty, and a locality quiet all year left the 12-month table and funnel)."""
    r = compute(ds, ["requests", "episodes_opened"], by="locality", period="quarter", start="2024-07-01",
                end="2024-12-31")
    got = r[r["measure"] == "requests"]
    assert sorted(got["locality"].astype(str).unique()) == ["North", "South"]
    assert (got["value"] == 0).all() and len(got) == 4
    assert "not recorded" not in set(r["locality"].astype(str))
    r12 = compute(ds, ["requests"], by="locality", period="rolling_12m", start="2024-04-01", end="2025-03-31")
    last = r12[r12["period"] == "12 months to 2025-03"]
    assert dict(zip(last["locality"].astype(str), last["value"])) == {"North": 2, "South": 2}


def test_a_child_is_in_the_older_age_band_on_their_birthday():
    """P1 turns 10 on 2024-02-28, the day of their request: band 10-15 (3,652 days / 365.25 said 9)."""
    base = awkward_council()
    frames = {name: base[name].copy() for name in base.tables}
    frames["persons"].loc[frames["persons"]["person_id"] == "P1", "birth_date"] = pd.Timestamp("2014-02-28")
    frames["requests"].loc[frames["requests"]["request_id"] == "Q1", "received_date"] = pd.Timestamp("2024-02-28")
    ds = earlyhelp.Dataset.from_frames(as_of="2025-03-31", **frames)
    r = measures.compute(ds, ["requests"], period="month", by="age_band", start="2024-01-01", end="2024-03-31")
    feb = r[(r["period_start"] == pd.Timestamp("2024-02-01")) & (r["numerator"] > 0)]
    assert list(feb["age_band"].astype(str)) == ["10-15"]


def test_no_year_on_year_change_against_a_period_that_was_not_whole():
    """Three years of data: a re-referral rate in the second year is compared with the first year's,
    whose look-back was cut short by the start of the data (undercounted: every change looked
    'more than noise'). Those comparisons are withheld; the third year's are made."""
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.5, seed=0)
    r = measures.compute(ds, ["rereferrals_12m", "requests"], period="month")
    rr = r[r["measure"] == "rereferrals_12m"].reset_index(drop=True)
    first = pd.Timestamp(ds.meta["window_start"])
    year_two = (rr["period_start"] >= first + pd.DateOffset(years=1)) & (rr["period_start"] < first + pd.DateOffset(years=2))
    year_one = rr["period_start"] < first + pd.DateOffset(years=1)
    assert not rr.loc[year_one, "complete"].any() and rr.loc[year_two, "complete"].all()
    assert rr.loc[year_two, "previous"].isna().all() and rr.loc[year_two, "change_significant"].isna().all()
    year_three = rr["period_start"] >= first + pd.DateOffset(years=2)
    assert rr.loc[year_three, "previous"].notna().all()
    requests = r[r["measure"] == "requests"]     # no look-back: compared from the second year on
    assert requests.loc[requests["period_start"] >= first + pd.DateOffset(years=1), "previous"].notna().all()
