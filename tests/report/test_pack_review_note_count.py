"""The note a pack publishes on reviews taken as not yet due (an extract without its date) passes
its count through the small-count rule, as every count the pack publishes does: one review due
after the data end shows as 'c', never as 1."""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

from earlyhelp.report.pack import _assumed_shown

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "measures"))
from measures_council import tiny_council  # noqa: E402

from earlyhelp import measures  # noqa: E402


def test_one_review_due_after_the_data_end_is_published_as_c():
    ds = tiny_council()
    rv = ds.taf_reviews.copy()
    extra = rv.iloc[[3]].copy()
    extra["review_id"], extra["due_date"], extra["held_date"] = "T5", pd.Timestamp("2024-08-30"), pd.NaT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = measures.compute(ds.replace(taf_reviews=pd.concat([rv, extra], ignore_index=True)), ["reviews_timely"])
    assert r.attrs["unrecorded"]["taf_reviews.due_date"] == 1
    shown = _assumed_shown(r.attrs, threshold=5)["taf_reviews.due_date"]
    assert shown.startswith("c reviews due after") and "1 review" not in shown
    assert _assumed_shown(r.attrs, threshold=0)["taf_reviews.due_date"].startswith("1 reviews due after")
