"""family_members rows that repeat a family and person with no dates are one membership: merged
and counted when they are the same row again, a problem naming the rows when they differ (the
merge would keep the first row's role and lose the other's unseen)."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset


def with_rows(frames, rows, **extra):
    members = pd.concat([frames["family_members"], pd.DataFrame(rows)], ignore_index=True)
    for column, values in extra.items():
        members[column] = values
    frames["family_members"] = members
    return frames


def test_a_repeat_with_another_role_is_a_problem(frames):
    # before: 8 rows loaded as 7 memberships, m1 a parent_carer, the other_adult row gone
    with_rows(frames, {"family_id": ["F1"], "person_id": ["m1"], "role": ["other_adult"]})
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    found = [p for p in caught.value.problems if p.table == "family_members"]
    assert len(found) == 1
    assert found[0].column == "role" and list(found[0].rows) == [2, 7] and found[0].n_rows == 2
    assert found[0].value == "family F1, person m1: role 'parent_carer' / 'other_adult'"


def test_a_repeat_differing_in_a_council_column_is_a_problem(frames):
    n = len(frames["family_members"])
    with_rows(frames, {"family_id": ["F2"], "person_id": ["c3"], "role": ["child"]},
              relationship=["son"] * 3 + ["daughter"] * (n - 3) + ["son"])
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames)
    found = [p for p in caught.value.problems if p.table == "family_members"]
    assert [p.column for p in found] == ["relationship"] and list(found[0].rows) == [3, 7]


def test_rows_named_by_their_line_in_a_file(tmp_path, frames):
    with_rows(frames, {"family_id": ["F1"], "person_id": ["m1"], "role": ["other_adult"]})
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, as_of="2025-01-01")
    found = [p for p in caught.value.problems if p.table == "family_members"]
    assert list(found[0].rows) == ["row 2 (line 4 of family_members.csv)", "row 7 (line 9 of family_members.csv)"]


def test_the_same_row_again_is_merged_and_counted(frames):
    with_rows(frames, {"family_id": ["F1"], "person_id": ["m1"], "role": ["parent_carer"]})
    ds = Dataset.from_frames(as_of="2025-01-01", **frames)
    assert len(ds.family_members) == 7
    assert "family_members: 8 family rows -> 7 memberships (rows repeating a family and person merged)" \
        in ds.meta["load_report"]["derived"]


def test_dated_rows_are_memberships_of_their_own(frames):
    frames["family_members"]["valid_from"] = None
    with_rows(frames, {"family_id": ["F1"], "person_id": ["m1"], "role": ["other_adult"],
                       "valid_from": ["2024-01-01"]})
    frames["family_members"].loc[2, "valid_to"] = "2023-12-31"
    ds = Dataset.from_frames(as_of="2025-01-01", **frames)
    assert len(ds.family_members) == 8
