"""Council exports with odd headers and repeated rows: named problems or counted changes, never a crash.

Column names given twice (in another case, or exactly, as ``pd.concat`` makes), on two levels,
or left blank by trailing delimiters; SSDA903 records spanning lines, and rows repeated within
one year's file.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError


def load(frames, **kw):
    kw.setdefault("as_of", "2025-01-01")
    return earlyhelp.Dataset.from_frames(**kw, **frames)


def write(folder: Path, frames) -> Path:
    folder.mkdir(exist_ok=True)
    for name, frame in frames.items():
        (folder / f"{name}.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
    return folder


def problem(err: ValidationError, table: str, column: str, words: str = ""):
    found = [p for p in err.problems if p.table == table and p.column == column and words in p.message]
    assert found, f"no problem for {table}.{column} ({words}): {err}"
    return found[0]


@pytest.mark.parametrize("second", ["sex", "SEX", " Sex "])
def test_a_column_given_twice_in_a_frame_is_named_not_a_crash(frames, second):
    persons = frames["persons"]
    frames["persons"] = pd.concat([persons, persons[["sex"]].set_axis([second], axis=1)], axis=1)
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "sex", "more than once")
    assert repr(second) in p.message


def test_a_header_repeated_in_another_case_in_a_csv_is_named(frames, tmp_path):
    folder = write(tmp_path / "x", frames)
    text = (folder / "persons.csv").read_text()
    (folder / "persons.csv").write_text(text.replace("person_id,birth_date,sex", "person_id,birth_date,Birth_Date", 1))
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(folder, as_of="2025-01-01")
    p = problem(exc.value, "persons", "birth_date", "more than once")
    assert "'Birth_Date'" in p.message


def test_other_columns_differing_only_in_case_are_kept_as_given(frames):
    frames["agencies"] = frames["agencies"].assign(Notes=["a", "b"], notes=["c", "d"])
    ds = load(frames)
    assert list(ds.agencies["Notes"]) == ["a", "b"] and list(ds.agencies["notes"]) == ["c", "d"]


def test_column_names_on_two_levels_are_named_not_a_crash(frames):
    persons = frames["persons"]
    persons.columns = pd.MultiIndex.from_tuples([(c, "value") for c in persons.columns])
    with pytest.raises(ValidationError) as exc:
        load(frames)
    assert any(p.table == "persons" and "MultiIndex" in p.message for p in exc.value.problems)


@pytest.mark.parametrize("trailing", [",", ",,", ",,,"])
def test_trailing_empty_columns_are_left_out_and_counted(frames, tmp_path, trailing):
    folder = write(tmp_path / "x", frames)
    lines = (folder / "persons.csv").read_text().splitlines()
    (folder / "persons.csv").write_text("\r\n".join(line + trailing for line in lines) + "\r\n")
    ds = earlyhelp.read_dataset(folder, as_of="2025-01-01")
    assert "" not in ds.persons.columns and len(ds.persons) == 7
    report = ds.meta["load_report"]
    ignored = [v for v in report["ignored_values"] if v["table"] == "persons"]
    assert len(ignored) == 1 and ignored[0]["rows"] == 7 and "no name" in ignored[0]["reason"]
    assert f"{len(trailing)} empty column(s) with no name ignored" in report["files"]["persons.csv"]


def test_an_unnamed_column_holding_values_is_named_with_its_row(frames, tmp_path):
    folder = write(tmp_path / "x", frames)
    lines = (folder / "persons.csv").read_text().splitlines()
    lines = [line + ("," if i != 3 else ",note") for i, line in enumerate(lines)]
    (folder / "persons.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(folder, as_of="2025-01-01")
    p = problem(exc.value, "persons", "column 5 (no name)", "holds values")
    assert p.rows == ["row 2 (line 4 of persons.csv)"] and p.value == "note"  # the file's line 4


SSDA903_HEADER = "CHILD,SEX,DOB,ETHNIC\n1001,1,01/05/2010,WBRI\n1002,2,03/06/2012,WBRI\n"
SSDA903_EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"


def ssda903(root: Path, episodes: str) -> Path:
    (root / "2022").mkdir(parents=True)
    (root / "2022" / "header.csv").write_text(SSDA903_HEADER)
    (root / "2022" / "episodes.csv").write_text(SSDA903_EPISODES + episodes)
    return root


def test_ssda903_rows_after_a_value_spanning_lines_are_named_by_their_own_line(tmp_path):
    path = ssda903(tmp_path, '1001,01/05/2021,S,C2,N1,U4,"PR\n1",01/09/2021,E4A\n'
                             "1002,03/06/2021,S,C2,N1,K2,PR1,31/13/2021,\n")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_ssda903(path, as_of="2025-01-01")
    p = problem(exc.value, "episodes (2022/episodes.csv)", "DEC", "unreadable")
    assert p.rows == ["line 4 (CHILD 1002)"]


def test_ssda903_rows_repeated_within_one_file_are_counted_apart_from_years(tmp_path):
    row = "1001,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,E4A\n"
    path = ssda903(tmp_path, row + "1002,03/06/2021,S,C2,N1,K2,PR1,,\n" + row)
    ds = earlyhelp.read_ssda903(path, as_of="2025-01-01")
    report = ds.meta["ssda903_report"]
    assert len(ds.cla_episodes) == 2
    assert report["episodes_rows_repeated_within_a_file"] == 1
    assert report["episodes_rows_repeated_within_a_file_rows"] == ["2022/episodes.csv line 4 (CHILD 1001)"]
    assert report["episodes_repeated_across_years"] == 0
    assert report["header_rows_repeated_within_a_file"] == 0


def test_ssda903_rows_repeated_between_two_files_of_one_year_are_not_years(tmp_path):
    """A year sent as two header files (one per team) that both list a child repeats that child
    within the year's return, not across years."""
    path = ssda903(tmp_path, "1001,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,E4A\n")
    (tmp_path / "2022" / "header_team_b.csv").write_text(SSDA903_HEADER)
    report = earlyhelp.read_ssda903(path, as_of="2025-01-01").meta["ssda903_report"]
    n_children = SSDA903_HEADER.count("\n") - 1
    assert report["header_rows_repeated_between_files_of_one_year"] == n_children
    assert report["header_rows_repeated_across_years"] == 0
    assert report["header_rows_repeated_within_a_file"] == 0
    assert report["header_rows_repeated_between_files_of_one_year_rows"][0].startswith("2022/header_team_b.csv line 2")
