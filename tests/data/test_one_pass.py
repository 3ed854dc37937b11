"""read_dataset lists every problem in one pass: a file that cannot be read (ragged rows, not
text, not CSV) is one problem among the others, and the other files are still checked."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp._errors import CodeMapFix

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _write(ds, folder: Path) -> Path:
    folder.mkdir()
    earlyhelp.write_dataset(ds, folder, format="csv")
    return folder


def _problems(folder: Path):
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(folder, as_of="2025-01-01")
    return exc.value.problems


def test_a_ragged_file_does_not_stop_the_checks_of_the_others(small_ds, tmp_path):
    folder = _write(small_ds, tmp_path / "data")
    persons = (folder / "persons.csv").read_text().splitlines()
    persons[2] += ",one too many"
    (folder / "persons.csv").write_text("\n".join(persons) + "\n")
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str)
    episodes.loc[1, "end_date"] = "2000-01-01"                            # ends before it starts
    episodes.loc[2, "episode_id"] = episodes.loc[0, "episode_id"]        # duplicate key
    episodes.to_csv(folder / "episodes.csv", index=False)
    requests = pd.read_csv(folder / "requests.csv", dtype=str)
    requests.loc[0, "route"] = "by pigeon"                                 # not a code
    requests.to_csv(folder / "requests.csv", index=False)

    found = {(p.table, p.column): p for p in _problems(folder)}
    assert found["persons", None].rows == ["line 3"]                       # the ragged file itself
    assert "before start_date" in found["episodes", "end_date"].message   # checks of the other files ran
    assert "duplicate key" in found["episodes", "episode_id"].message
    assert found["requests", "route"].value == "by pigeon"
    # the skipped person row is not reported as a dangling reference from family_members
    assert not any(p.table == "family_members" and p.column == "person_id" for p in found.values())


@pytest.mark.parametrize("content,what", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "NUL bytes"),      # a spreadsheet saved as .csv
])
def test_a_file_that_is_not_text_is_one_problem(small_ds, tmp_path, content, what):
    folder = _write(small_ds, tmp_path / "data")
    (folder / "agencies.csv").write_bytes(content)
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str)
    episodes.loc[1, "end_date"] = "2000-01-01"
    episodes.to_csv(folder / "episodes.csv", index=False)
    problems = _problems(folder)
    assert any(p.table == "agencies" and p.column is None and what in p.message for p in problems)
    assert any(p.table == "episodes" and p.column == "end_date" for p in problems)
    assert not any(p.table == "agencies" and p.column is not None for p in problems)  # nothing else about it


def test_line_endings_headers_and_utf16_read(tmp_path):
    rows = ["person_id,birth_date,sex,ethnicity", "p1,2015-01-01,M,WBRI", "p2,2016-01-01,F,WBRI"]
    (tmp_path / "persons.csv").write_bytes("\r".join(rows).encode() + b"\r")         # old Mac line ends
    assert list(earlyhelp.read_dataset(tmp_path).persons["person_id"]) == ["p1", "p2"]
    (tmp_path / "persons.csv").write_bytes("\r\n".join(rows).encode("utf-16"))        # Excel "Unicode text"
    ds = earlyhelp.read_dataset(tmp_path)
    assert list(ds.persons["person_id"]) == ["p1", "p2"]
    assert ds.meta["load_report"]["encodings"]["persons.csv"] == "utf-16"
    (tmp_path / "persons.csv").write_bytes(rows[0].encode())                         # header, no line end
    assert len(earlyhelp.read_dataset(tmp_path).persons) == 0


def test_code_map_fix_in_python_and_toml(frames):
    frames["episodes"]["end_reason"] = ["step_up", "CLOSED \"A\"", "CLOSED \"A\"", "Weird", None]
    with pytest.raises(ValidationError) as exc:
        earlyhelp.Dataset.from_frames(as_of="2025-01-01", **frames)
    p = next(p for p in exc.value.problems if p.column == "end_reason")
    assert isinstance(p.fix, CodeMapFix)
    python_text, toml_text = exc.value.format("python"), exc.value.format("toml")
    assert "code_map={'episodes': {'end_reason': {'CLOSED \"A\"': '?', 'Weird': '?'}}}" in python_text
    assert str(exc.value) == python_text
    assert "code_map={" not in toml_text and "unknown_codes" not in toml_text
    snippet = p.fix.toml().split("\n", 1)[1]                     # the lines after the explanation
    parsed = tomllib.loads(snippet)
    assert parsed == {"source": {"code_map": {"episodes": {"end_reason": {'CLOSED "A"': "?", "Weird": "?"}}}}}
    with pytest.raises(ValueError):
        exc.value.format("yaml")
