"""The next Team Around the Family review of an open plan is due after the extract by nature: a
due date in the future is valid while the review is not yet held (as an expected birth is)."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError


def reviews(due, held):
    return pd.DataFrame({"review_id": ["T1", "T2"], "episode_id": ["E5", "E5"], "due_date": due,
                         "held_date": held})


def test_a_review_due_next_month_and_not_held_loads(frames):
    # before: "taf_reviews.due_date: date in the future", its fix a later as_of for every column
    frames["taf_reviews"] = reviews(["2024-12-01", "2025-01-29"], ["2024-12-02", None])
    ds = Dataset.from_frames(as_of="2025-01-01", **frames)
    assert len(ds.taf_reviews) == 2


def test_a_held_date_in_the_future_is_still_a_problem(frames):
    frames["taf_reviews"] = reviews(["2024-12-01", "2025-01-29"], ["2024-12-02", "2025-01-29"])
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    found = [(p.table, p.column, list(p.rows)) for p in caught.value.problems]
    assert ("taf_reviews", "held_date", ["T2"]) in found


def test_other_future_dates_are_still_problems(frames):
    frames["taf_reviews"] = reviews(["2024-12-01", "2025-01-29"], ["2024-12-02", None])
    frames["episodes"].loc[4, "start_date"] = "2025-02-01"
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    assert [(p.table, p.column) for p in caught.value.problems if "in the future" in p.message] == \
        [("episodes", "start_date")]
