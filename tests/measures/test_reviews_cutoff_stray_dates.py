"""reviews_timely without an extract date: the cut-off is the latest event the measure's tables
record as happened (a request received, an episode started or ended, a review held), so one
mistyped future date in an unrelated table (a plan's end typed 2042) does not make every review
scheduled for the rest of the month "due and missed"; a stray latest event (a mistyped year) is
left out, with a warning, and the result says which date was taken and how many reviews are
after it."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import measures
from earlyhelp.measures.engine import StrayDatesWarning
from earlyhelp.measures.sources import happened_end
from measures_council import tiny_council


def _compute(ds, ids, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measures.compute(ds, ids, **kw)


def _with_scheduled_review(ds):
    rv = ds.taf_reviews.copy()
    extra = rv.iloc[[3]].copy()   # E4 (open): its next review is scheduled for 30 August, after the data end
    extra["review_id"], extra["due_date"], extra["held_date"] = "T5", pd.Timestamp("2024-08-30"), pd.NaT
    return ds.replace(taf_reviews=pd.concat([rv, extra], ignore_index=True))


def test_a_far_future_date_in_another_table_does_not_move_the_cut_off():
    ds = _with_scheduled_review(tiny_council())
    plans = ds.plans.copy()
    plans["end_date"] = [pd.Timestamp("2024-03-01"), pd.Timestamp("2042-05-31"), pd.NaT]   # 2024 typed 2042
    typo = ds.replace(plans=plans)
    # nor the data's last day: a date after today is left out there by the same rule
    with pytest.warns(StrayDatesWarning, match=r"plans\.end_date: 1 row\(s\) dated after today"):
        assert str(typo.data_end().date()) == "2024-08-13"
    r = _compute(typo, ["reviews_timely"])
    aug = r[r["period"] == "2024-08"].iloc[0]
    assert aug["denominator"] == 0 and pd.isna(aug["value"])   # T5 is not yet due, not missed
    note = r.attrs["assumed"]["taf_reviews.due_date"]
    assert note.startswith("1 reviews due after 2024-08-13") and "not yet due" in note
    assert r.attrs["unrecorded"]["taf_reviews.due_date"] == 1
    pd.testing.assert_frame_equal(r[["period", "numerator", "denominator"]],
                                  _compute(ds, ["reviews_timely"])[["period", "numerator", "denominator"]])


def _days(start: str, n: int, step: int = 3) -> np.ndarray:
    return int(np.datetime64(start, "D").astype(np.int64)) + step * np.arange(n)


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def test_a_stray_latest_event_is_left_out_and_said():
    requests = _days("2023-01-02", 150)            # every third day to 2024-03-27
    episodes = np.array([_day("2023-05-01"), _day("2025-07-20")])   # an end date's year typed 2025
    end, left_out = happened_end({"requests received": requests, "episodes ended": episodes}, _day("2026-01-01"))
    assert end == int(requests.max())
    assert len(left_out) == 1 and "2025-07-20" in left_out[0] and "1 event date" in left_out[0]


def test_an_event_after_today_is_left_out_and_said():
    requests = _days("2023-01-02", 150)
    held = np.array([_day("2024-01-10"), _day("2031-02-03")])
    end, left_out = happened_end({"requests received": requests, "reviews held": held}, _day("2024-06-30"))
    assert end == int(requests.max())
    assert left_out == ["1 reviews held dated after today (latest 2031-02-03)"]


def test_a_quiet_spell_in_small_data_is_not_taken_as_stray():
    # 20 events then the last one 73 days later: one is 5% of the events, more than a stray share
    requests = _days("2024-01-01", 19, step=7)
    last = np.array([int(requests.max()) + 73])
    end, left_out = happened_end({"requests received": requests, "episodes ended": last}, _day("2026-01-01"))
    assert end == int(last[0]) and left_out == []


def test_compute_warns_when_a_stray_event_is_left_out():
    ds = _with_scheduled_review(tiny_council())
    # many requests, so that one stray episode end is under 1% of the events
    base = ds.requests.iloc[[0]]
    many = pd.concat([base.assign(request_id=f"RX{i}", received_date=pd.Timestamp("2024-01-01") + pd.Timedelta(days=i))
                      for i in range(0, 220)], ignore_index=True)
    ep = ds.episodes.copy()
    ep.loc[ep["episode_id"] == "E3", "end_date"] = pd.Timestamp("2025-08-13")   # 2024 typed 2025
    stray = ds.replace(requests=pd.concat([ds.requests, many], ignore_index=True), episodes=ep)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = measures.compute(stray, ["reviews_timely"])
    assert any(issubclass(w.category, StrayDatesWarning) and "taf_reviews" in str(w.message) for w in caught)
    note = r.attrs["assumed"]["taf_reviews.due_date"]
    assert "after 2024-08-07" in note and "2025-08-13" in note   # the last request, 2024-01-01 + 219 days
    aug = r[r["period"] == "2024-08"].iloc[0]
    assert aug["denominator"] == 0
