"""Timeliness of plans and reviews on recorded dates: a review scheduled after the data end is not
yet due (an extract without its date does not take a scheduled date for it), and a plan agreed
before its episode started is a recording error, not a plan agreed within 4 weeks (and is said)."""
from __future__ import annotations

import warnings

import pandas as pd

from earlyhelp import measures
from measures_council import tiny_council


def _compute(ds, ids, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measures.compute(ds, ids, **kw)


def test_a_review_scheduled_after_the_data_end_is_not_yet_due():
    ds = tiny_council()
    assert ds.meta.get("end_date") is None and str(ds.data_end().date()) == "2024-08-13"
    rv = ds.taf_reviews.copy()
    extra = rv.iloc[[3]].copy()   # E4 (open): its next review is scheduled for 30 August, after the data end
    extra["review_id"], extra["due_date"], extra["held_date"] = "T5", pd.Timestamp("2024-08-30"), pd.NaT
    r = _compute(ds.replace(taf_reviews=pd.concat([rv, extra], ignore_index=True)), ["reviews_timely"])
    aug = r[r["period"] == "2024-08"].iloc[0]
    assert aug["denominator"] == 0 and pd.isna(aug["value"])
    assert "2024-08-13" in r.attrs["assumed"]["taf_reviews.due_date"]
    assert r.attrs["unrecorded"]["taf_reviews.due_date"] == 1
    # the months before are as without T5
    before = _compute(ds, ["reviews_timely"])
    pd.testing.assert_frame_equal(r[r["period"] < "2024-06"][["numerator", "denominator"]].reset_index(drop=True),
                                  before[["numerator", "denominator"]].reset_index(drop=True))


def test_a_plan_agreed_before_its_episode_started_is_not_timely_and_is_counted():
    ds = tiny_council()
    kw = dict(period="financial_year", start="2023-04-01", end="2024-06-30")
    as_given = _compute(ds, ["plans_timely"], **kw)
    assert as_given[["numerator", "denominator"]].values.tolist() == [[1, 2], [1, 1]]
    assert "plans.agreed_date" not in as_given.attrs["assumed"]
    p = ds.plans.copy()
    p.loc[2, "agreed_date"] = pd.Timestamp("2023-11-01")   # N3: its episode E4 starts 2024-03-21
    r = _compute(ds.replace(plans=p), ["plans_timely"], **kw)
    assert r[["numerator", "denominator"]].values.tolist() == [[1, 3], [0, 0]]
    assert r.attrs["unrecorded"]["plans.agreed_date"] == 1
    assert "1 plans agreed before their episode started" in r.attrs["assumed"]["plans.agreed_date"]
