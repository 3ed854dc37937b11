"""A file named as a table but saved in a format read_dataset does not read (an Excel workbook,
a text export, a compressed CSV) is a problem saying how to read it, not a table left out
unseen; files whose names are no table's stay ignored, and listed."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError, read_dataset

EPISODES = "episode_id,family_id,start_date,end_date\nE1,F1,2023-04-03,2023-06-01\nE2,F1,2023-02-01,\n"
FAMILIES = "family_id,locality_id\nF1,\n"


def folder(tmp_path, files):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path


@pytest.mark.parametrize("name,content,table,advice", [
    ("episodes.xlsx", b"PK\x03\x04not a real workbook", "episodes", "pd.read_excel"),
    ("Episodes.XLS", b"\xd0\xcf\x11\xe0", "episodes", "CSV UTF-8"),
    ("episodes.txt", EPISODES.replace(",", "\t"), "episodes", "rename it to episodes.csv"),
    ("episodes.csv.gz", b"\x1f\x8b", "episodes", "unpack it"),
    ("ssd_early_help_episodes.xlsx", b"PK\x03\x04", "episodes", "pd.read_excel"),
    ("ssd_disability.xlsx", b"PK\x03\x04", "disability", "pd.read_excel"),
    ("episodes.json", "[]", "episodes", "Dataset.from_frames"),
])
def test_a_table_in_a_format_not_read_is_a_problem(tmp_path, name, content, table, advice):
    # before: the folder loaded with 0 episodes, the file only listed under load_report['ignored']
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder(tmp_path, {name: content, "families.csv": FAMILIES}), as_of="2025-01-01")
    found = [p for p in caught.value.problems if p.table == table and name in p.message]
    assert len(found) == 1, caught.value
    assert advice in found[0].message


def test_files_named_like_no_table_stay_ignored_and_listed(tmp_path):
    ds = read_dataset(folder(tmp_path, {"episodes.csv": EPISODES, "families.csv": FAMILIES,
                                        "notes.txt": "from the warehouse", "Book1.xlsx": b"PK\x03\x04",
                                        "episodes (1).csv": EPISODES}),
                      as_of="2025-01-01")
    assert len(ds.episodes) == 2
    assert sorted(ds.meta["load_report"]["ignored"]) == ["Book1.xlsx", "episodes (1).csv", "notes.txt"]


def test_the_workbook_beside_the_csv_saved_from_it_is_listed_not_refused(tmp_path):
    ds = read_dataset(folder(tmp_path, {"episodes.csv": EPISODES, "episodes.xlsx": b"PK\x03\x04",
                                        "families.csv": FAMILIES}), as_of="2025-01-01")
    assert len(ds.episodes) == 2
    report = ds.meta["load_report"]
    assert "episodes.xlsx" in report["ignored"]
    assert report["files"]["episodes.xlsx"] == "not read: episodes is read from episodes.csv"


def test_the_summary_says_why_the_workbook_was_not_read(tmp_path):
    from earlyhelp.data.load_report import summary_lines

    ds = read_dataset(folder(tmp_path, {"episodes.csv": EPISODES, "episodes.xlsx": b"PK\x03\x04",
                                        "families.csv": FAMILIES, "notes.txt": "x"}), as_of="2025-01-01")
    lines = summary_lines(ds.meta["load_report"])
    assert "  file episodes.xlsx (episodes is read from episodes.csv)" in lines
    assert "  file notes.txt" in lines
