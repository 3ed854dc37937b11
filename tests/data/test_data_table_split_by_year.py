"""A table split into files by year (episodes_2023.csv, episodes_2024.csv) or saved as a copy
(episodes (1).csv) is refused naming the files when the folder has no other file for that table,
never loaded as an empty table with the files only listed as ignored."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError, read_dataset

EPISODES = "episode_id,family_id,start_date,end_date\nE1,F1,2023-04-03,2023-06-01\nE2,F1,2023-02-01,\n"
FAMILIES = "family_id,locality_id\nF1,\n"


def folder(tmp_path, files):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    return tmp_path


@pytest.mark.parametrize("names, table", [
    (["episodes_2023.csv", "episodes_2024.csv"], "episodes"),
    (["episodes (1).csv"], "episodes"),
    (["Episodes - Copy.csv"], "episodes"),
    (["ssd_early_help_episodes_2024.csv"], "episodes"),
    (["episodes_2023.parquet.csv"], "episodes"),
])
def test_pieces_of_a_table_with_no_file_for_it_are_refused_naming_them(tmp_path, names, table):
    files = {"families.csv": FAMILIES, **{n: EPISODES for n in names}}
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder(tmp_path, files), as_of="2025-01-01")
    found = [p for p in caught.value.problems if p.table == table and "pieces of" in p.message]
    assert len(found) == 1, caught.value
    for name in names:
        assert name in found[0].message
    assert "join them" in found[0].message


def test_the_longest_table_name_is_the_one_split(tmp_path):
    members = "family_id,person_id,valid_from\nF1,P1,2023-01-01\n"
    with pytest.raises(ValidationError, match=r"family_members: family_members_2024.csv: named as pieces"):
        read_dataset(folder(tmp_path, {"families.csv": FAMILIES, "episodes.csv": EPISODES,
                                       "family_members_2024.csv": members}), as_of="2025-01-01")


def test_a_copy_beside_the_tables_own_file_is_ignored_and_noted(tmp_path):
    ds = read_dataset(folder(tmp_path, {"episodes.csv": EPISODES, "families.csv": FAMILIES,
                                        "episodes_2023.csv": EPISODES, "notes_2023.csv": "x\n1\n"}),
                      as_of="2025-01-01")
    report = ds.meta["load_report"]
    assert len(ds.episodes) == 2
    assert sorted(report["ignored"]) == ["episodes_2023.csv", "notes_2023.csv"]
    assert report["files"]["episodes_2023.csv"] == "not read: episodes is read from episodes.csv"
    assert "notes_2023.csv" not in report["files"]
