"""Texts that tools write for "no value" (``N/A``, ``#N/A``, ``nan``, ``None``, ``-``) in an id
column are refused naming the table, column and rows, whether or not the table the id refers to
is given: loaded, they would become one id shared by every row without one. ``NULL`` stays
missing, counted, as before."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset

FAMILIES = "family_id,locality_id\nF1,\n"


@pytest.mark.parametrize("text", ["N/A", "#N/A", "nan", "None", "-", "n/a", " NaN "])
def test_a_no_value_text_in_an_id_column_is_refused_without_the_table_it_refers_to(tmp_path, text):
    (tmp_path / "families.csv").write_text(FAMILIES)
    (tmp_path / "episodes.csv").write_text(
        "episode_id,family_id,start_date,end_date,lead_practitioner_id\n"
        f"E1,F1,2023-04-03,,{text}\nE2,F1,2023-05-03,,{text}\nE3,F1,2023-06-03,,P7\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, as_of="2025-01-01")
    found = [p for p in caught.value.problems if (p.table, p.column) == ("episodes", "lead_practitioner_id")]
    assert len(found) == 1, caught.value
    assert "'no value'" in found[0].message
    assert list(found[0].rows) == ["E1", "E2"]


def test_a_no_value_text_as_a_key_is_refused():
    families = pd.DataFrame({"family_id": ["F1", "#N/A"], "locality_id": [None, None]})
    with pytest.raises(ValidationError, match=r"families.family_id: a text meaning 'no value' \('#N/A'\)"):
        Dataset.from_frames(families=families)


def test_null_text_is_still_missing_and_counted(tmp_path):
    (tmp_path / "families.csv").write_text(FAMILIES)
    (tmp_path / "episodes.csv").write_text("episode_id,family_id,start_date,end_date,lead_practitioner_id\n"
                                           "E1,F1,2023-04-03,,NULL\n")
    ds = read_dataset(tmp_path, as_of="2025-01-01")
    assert ds.episodes["lead_practitioner_id"].isna().all()
    assert any(v["column"] == "lead_practitioner_id" for v in ds.meta["load_report"]["ignored_values"])


def test_such_texts_in_free_text_columns_are_kept():
    families = pd.DataFrame({"family_id": ["F1"], "locality_id": [None], "notes": ["N/A"]})
    assert Dataset.from_frames(families=families).families["notes"].iloc[0] == "N/A"
