"""Rows of tables keyed by several columns (family_members, family_needs) are named by their whole
key, with the file's line where read from a CSV file: the first key column alone (``F1``) is shared
by many rows and names none of them."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset


def _folder(tmp_path):
    (tmp_path / "persons.csv").write_text("person_id,birth_date\nC1,2015-01-01\nC2,2016-01-01\nP1,1985-01-01\n")
    (tmp_path / "families.csv").write_text("family_id,locality_id\nF1,\n")
    (tmp_path / "family_members.csv").write_text("family_id,person_id,valid_from,valid_to\n"
                                                 "F1,C1,2020-01-01,\nF1,C2,2020-01-01,\n"
                                                 "F1,P1,2021-05-01,2021-01-01\n")
    (tmp_path / "episodes.csv").write_text("episode_id,family_id,start_date,end_date\nE1,F1,2024-01-10,\n")
    (tmp_path / "family_needs.csv").write_text("episode_id,need,identified_date,resolved\n"
                                               "E1,housing,2024-01-10,N\nE1,health,2024-01-10,N\n"
                                               "E1,finances,2024-01-10,N\n")
    return tmp_path


def test_a_family_members_row_is_named_by_its_whole_key_and_line(tmp_path):
    with pytest.raises(ValidationError) as caught:
        read_dataset(_folder(tmp_path), as_of="2025-01-01")
    found = [p for p in caught.value.problems if (p.table, p.column) == ("family_members", "valid_to")]
    assert len(found) == 1, caught.value
    assert list(found[0].rows) == ["F1 / P1 / 2021-05-01 (line 4 of family_members.csv)"]


def test_a_family_needs_row_is_named_by_its_whole_key_and_line(tmp_path):
    with pytest.raises(ValidationError) as caught:
        read_dataset(_folder(tmp_path), as_of="2025-01-01")
    found = [p for p in caught.value.problems if (p.table, p.column) == ("family_needs", "need")]
    assert len(found) == 1, caught.value
    assert list(found[0].rows) == ["E1 / finances (line 4 of family_needs.csv)"]


def test_a_frame_without_lines_is_named_by_its_whole_key():
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["C1", "P1"],
                            "valid_from": ["2020-01-01", "2021-05-01"], "valid_to": [None, "2021-01-01"]})
    with pytest.raises(ValidationError, match=r"family_members.valid_to: valid_to is before valid_from "
                                              r"\(rows F1 / P1 / 2021-05-01\)"):
        Dataset.from_frames(families=pd.DataFrame({"family_id": ["F1"], "locality_id": [None]}),
                            family_members=members, as_of="2025-01-01")
