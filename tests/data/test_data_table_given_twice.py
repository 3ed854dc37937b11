"""A table given under two of its names (ours and the SSD's) is refused by every loader, with
the same "given twice" problem: which copy is meant cannot be told, and reading one would drop
the other's rows unseen."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset


def given_twice(err: ValidationError, table: str) -> list:
    return [p for p in err.problems if p.table == table and p.message.startswith("given twice")]


def test_from_frames_refuses_persons_given_as_persons_and_ssd_person(frames):
    # before: the later frame replaced the earlier one, so 1 person loaded of 8 given, nothing said
    other = pd.DataFrame({"pers_person_id": ["X"]})
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames, ssd_person=other)
    found = given_twice(caught.value, "persons")
    assert len(found) == 1
    assert "persons and ssd_person" in found[0].message


def test_from_frames_refuses_a_side_table_given_under_two_names(frames):
    disability = pd.DataFrame({"disa_person_id": ["c1"], "disa_disability_code": ["HAND"]})
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames, ssd_disability=disability, disability=disability)
    assert len(given_twice(caught.value, "disability")) == 1


def test_names_differing_only_in_case_are_one_table(frames):
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(as_of="2025-01-01", **frames, PERSONS=frames["persons"])
    assert len(given_twice(caught.value, "persons")) == 1


def test_the_same_problem_as_a_folder_gives(tmp_path, frames):
    frames["persons"].to_csv(tmp_path / "persons.csv", index=False)
    pd.DataFrame({"pers_person_id": ["X"]}).to_csv(tmp_path / "ssd_person.csv", index=False)
    with pytest.raises(ValidationError) as from_folder:
        read_dataset(tmp_path, as_of="2025-01-01")
    with pytest.raises(ValidationError) as from_frames:
        Dataset.from_frames(as_of="2025-01-01", persons=frames["persons"],
                            ssd_person=pd.DataFrame({"pers_person_id": ["X"]}))
    assert [p.table for p in given_twice(from_folder.value, "persons")] == ["persons"]
    assert [p.table for p in given_twice(from_frames.value, "persons")] == ["persons"]


def test_one_name_per_table_still_loads(frames):
    renamed = dict(frames)
    renamed["ssd_person"] = renamed.pop("persons")
    ds = Dataset.from_frames(as_of="2025-01-01", **renamed)
    assert len(ds.persons) == len(frames["persons"])
