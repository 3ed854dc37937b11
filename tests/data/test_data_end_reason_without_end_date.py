"""An episode with an end reason but no end date, or a social-care referral with a close reason
but no close date, is closed by half: a problem naming the table, the column and the rows, not a
row that step_ups or step_downs leave out unseen."""
from __future__ import annotations

import pytest

from earlyhelp import Dataset, ValidationError, read_dataset


def problems_at(err: ValidationError, table: str, column: str) -> list:
    return [p for p in err.problems if p.table == table and p.column == column]


def test_an_episode_with_an_end_reason_and_no_end_date(frames):
    # before: E5 (open) stepped up loaded silently; step_ups left it out
    frames["episodes"].loc[4, "end_reason"] = "step_up"
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    found = problems_at(caught.value, "episodes", "end_date")
    assert len(found) == 1
    assert list(found[0].rows) == ["E5"] and found[0].n_rows == 1 and found[0].value == "step_up"
    assert "end_reason given but end_date missing" in found[0].message


def test_a_referral_closed_rc9_with_no_close_date(frames):
    frames["csc_referrals"].loc[2, "close_date"] = None
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    found = problems_at(caught.value, "csc_referrals", "close_date")
    assert len(found) == 1
    assert list(found[0].rows) == ["R3"] and found[0].value == "RC9"


def test_named_by_line_from_a_folder(tmp_path, frames):
    frames["episodes"].loc[4, "end_reason"] = "step_up"
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, as_of="2025-01-01")
    assert [list(p.rows) for p in problems_at(caught.value, "episodes", "end_date")] == [["E5"]]


def test_check_tables_refuses_it_too(frames):
    # what a step that counts rows runs on a Dataset loaded with validate=False
    frames["episodes"].loc[4, "end_reason"] = "step_up"
    ds = Dataset.from_frames(as_of="2025-01-01", validate=False, **frames)
    with pytest.raises(ValidationError, match="end_reason given but end_date missing"):
        ds.check_tables(["episodes"])


def test_open_rows_without_a_reason_and_closed_rows_with_both_load(small_ds):
    assert small_ds.episodes["end_date"].isna().sum() == 1
    assert len(small_ds.step_ups()) >= 1
