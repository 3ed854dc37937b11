"""Three habits of real SSD extracts: open ends written as 9999-12-31, SSMS footer lines at the end
of a file, and optional columns left out.

Each either loads, with every value changed or line left out counted in
``ds.meta['load_report']``, or raises a ValidationError naming the table, the column and the
rows (or, for a column, why it is needed).
"""
from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd
import pytest
from ssd_fixture import write_ssd
from test_ssd_real_extracts import AS_OF, entries, extract, load, write

from earlyhelp import Dataset, ValidationError, synthetic
from earlyhelp.data import read_dataset
from earlyhelp.data.readers import read_csv_text, resolve_table_name
from earlyhelp.data.schema import FOLDED_COLUMNS, TABLES


def problems_at(err: ValidationError, table: str, column: str) -> list:
    return [p for p in err.problems if p.table == table and p.column == column]


# -- 1. an open end written as the last day a date type holds --------------------------------

def _open_episode(tables: Dict[str, pd.DataFrame], written) -> Dict[str, pd.DataFrame]:
    """E3 (open) with its end written as ``written``; E1 and E2 ended on 2023-03-01."""
    episodes = tables["ssd_early_help_episodes"].astype({"earl_episode_end_date": object})
    episodes["earl_episode_end_date"] = pd.Series(["2023-03-01", "2023-03-01", written], dtype=object)
    tables["ssd_early_help_episodes"] = episodes
    return tables


@pytest.mark.parametrize("written", ["9999-12-31", "9999-12-31 00:00:00.000", "9999-12-31 23:59:59.997",
                                     "9999-12-31 23:59:59.9999999", "31/12/9999", "31/12/9999 00:00:00",
                                     "Dec 31 9999 12:00AM", "9999-01-01"])
def test_an_end_written_in_the_year_9999_is_still_open_and_counted(tmp_path, written):
    ds = load(_open_episode(extract(), written), tmp_path)
    ends = ds.episodes.set_index(ds.episodes["episode_id"].astype(str))["end_date"]
    assert pd.isna(ends["E3"]) and str(ends["E1"].date()) == "2023-03-01"
    found = entries(ds, "ignored_values", "episodes", "end_date")
    assert [(e["value"], e["rows"]) for e in found] == [(written, 1)]
    assert "open" in found[0]["reason"]


@pytest.mark.parametrize("held", ["datetime", "datetime64[us]", "datetime64[s]"])
def test_an_open_end_held_as_a_date_is_still_open_and_counted(held):
    """Excel (openpyxl) and SQL drivers give datetime objects; Parquet and pandas 3 non-ns datetimes."""
    dates = [dt.datetime(2023, 3, 1), dt.datetime(2023, 3, 1), dt.datetime(9999, 12, 31)]
    written = pd.Series(dates, dtype=object) if held == "datetime" else pd.Series(np.array(dates, dtype=held))
    tables = extract()
    tables["ssd_early_help_episodes"] = tables["ssd_early_help_episodes"].assign(earl_episode_end_date=written)
    ds = Dataset.from_frames(as_of=AS_OF, **tables)
    assert ds.episodes["end_date"].isna().tolist() == [False, False, True]
    assert [e["rows"] for e in entries(ds, "ignored_values", "episodes", "end_date")] == [1]


# The date columns that end a period the row opens (missing = still open or in progress).
END_DATES = {"family_members": ("valid_to",), "practitioners": ("end_date",), "episodes": ("end_date",),
             "assessments": ("completed",), "involvements": ("end_date",), "csc_referrals": ("close_date",),
             "csc_assessments": ("authorised_date",), "cin_plans": ("end_date",), "cp_plans": ("end_date",),
             "cla_episodes": ("end_date",), "plans": ("end_date",)}


def _with_open_ends(frames: Dict[str, pd.DataFrame]) -> Dict[str, pd.DataFrame]:
    """Every end-date column of the small council, its first row's end written as 9999-12-31."""
    frames["family_members"] = frames["family_members"].assign(valid_to=None)
    frames["practitioners"] = frames["practitioners"].assign(end_date=None)
    for table, columns in END_DATES.items():
        if table in frames:
            frame = frames[table].astype({c: object for c in columns})
            frame.loc[0, list(columns)] = "9999-12-31 00:00:00.000"
            for reason in _END_REASONS.get(table, ()):   # an open row has no reason it ended
                if reason in frame.columns:
                    frame[reason] = frame[reason].astype(object)
                    frame.loc[0, reason] = None
            frames[table] = frame
    return frames


# The reasons an end date comes with.
_END_REASONS = {"episodes": ("end_reason",), "csc_referrals": ("close_reason",),
                "cla_episodes": ("reason_for_leaving",)}


def test_every_end_date_reads_9999_as_open_from_frames_and_from_a_folder(frames, tmp_path):
    wanted = {(t, c) for t, cs in END_DATES.items() if t in frames for c in cs}
    assert len(wanted) >= 7   # episodes, involvements, referrals, both assessments, members, practitioners
    frames = _with_open_ends(frames)
    ds = Dataset.from_frames(as_of=AS_OF, **frames)
    for table, column in wanted:
        assert pd.isna(ds[table][column].iloc[0]), (table, column)
        assert [e["rows"] for e in entries(ds, "ignored_values", table, column)] == [1], (table, column)
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    ds = read_dataset(tmp_path, as_of=AS_OF)
    assert {(t, c) for t, c in wanted if pd.isna(ds[t][c].iloc[0])} == wanted
    assert all(entries(ds, "ignored_values", t, c) for t, c in wanted)


@pytest.mark.parametrize("table,column,ours,row", [
    ("ssd_early_help_episodes", "earl_episode_start_date", ("episodes", "start_date"), "E3"),
    ("ssd_contacts", "cont_contact_date", ("requests", "received_date"), "C2"),
    ("ssd_person", "pers_dob", ("persons", "birth_date"), "201"),
])
def test_9999_in_a_start_or_birth_date_names_table_column_and_row(tmp_path, table, column, ours, row):
    tables = extract()
    values = tables[table][column].astype(object).copy()
    values.iloc[-1] = "9999-12-31 00:00:00.000"
    tables[table] = tables[table].assign(**{column: values})
    with pytest.raises(ValidationError) as caught:
        load(tables, tmp_path)
    found = problems_at(caught.value, *ours)
    assert len(found) == 1 and list(found[0].rows) == [row] and found[0].value == "9999-12-31 00:00:00.000"
    assert "only in an end date" in found[0].message


@pytest.mark.parametrize("written,words", [("3000-01-01", "year 9999"), ("2099-12-31", "in the future")])
def test_a_far_end_in_another_year_is_still_a_problem(tmp_path, written, words):
    """2099-12-31 and 3000-01-01 are one keystroke from real dates: not read as 'open'."""
    with pytest.raises(ValidationError) as caught:
        load(_open_episode(extract(), written), tmp_path)
    found = problems_at(caught.value, "episodes", "end_date")
    assert len(found) == 1 and list(found[0].rows) == ["E3"] and words in found[0].message


# -- 2. the lines SSMS writes after a result -----------------------------------------------------

FOOTERS = {
    "row count": "\r\n(3 rows affected)\r\n",
    "row count and completion time": "\r\n(3 rows affected)\r\n\r\nCompletion time: 2024-05-01T10:11:12.1234567+01:00\r\n",
    "one row, no blank line, no line end": "(1 row affected)",
    "thousands": "\n(1,234 rows affected)\n\n",
}


@pytest.mark.parametrize("footer", list(FOOTERS))
def test_ssms_footer_lines_are_left_out_and_counted(tmp_path, footer):
    folder = write(extract(), tmp_path)
    with open(folder / "ssd_early_help_episodes.csv", "a", newline="") as f:
        f.write(FOOTERS[footer])
    ds = read_dataset(folder, as_of=AS_OF)
    assert ds.episodes["episode_id"].astype(str).tolist() == ["E1", "E2", "E3"]
    found = [e for e in ds.meta["load_report"]["ignored_values"] if "SSMS footer" in e["reason"]]
    lines = [line.strip() for line in FOOTERS[footer].splitlines() if line.strip()]
    assert len(found) == 1 and found[0]["table"] == "episodes" and found[0]["rows"] == len(lines)
    assert found[0]["value"] == " | ".join(lines)
    assert "SSMS footer line(s) ignored" in ds.meta["load_report"]["files"]["ssd_early_help_episodes.csv"]


def test_a_one_column_file_keeps_its_ids_clean(tmp_path):
    """One column: the row count would read as one more id, not as a ragged row."""
    file = tmp_path / "ids.csv"
    file.write_text("pers_person_id\r\n101\r\n102\r\n\r\n(2 rows affected)\r\n")
    problems: List = []
    report: Dict = {}
    frame = read_csv_text(file, problems, report, "persons")
    assert frame["pers_person_id"].tolist() == ["101", "102"] and not problems
    assert [e["rows"] for e in report["ignored_values"]] == [1]


def test_ssms_footer_rows_read_by_pandas_are_left_out_and_counted(tmp_path):
    """pd.read_csv puts the footer into the first column and leaves the rest empty."""
    folder = write(extract(), tmp_path)
    file = folder / "ssd_early_help_episodes.csv"
    file.write_text(file.read_text() + FOOTERS["row count and completion time"])
    tables = extract()
    tables["ssd_early_help_episodes"] = pd.read_csv(file, dtype=str)
    assert len(tables["ssd_early_help_episodes"]) == 5
    ds = Dataset.from_frames(as_of=AS_OF, **tables)
    assert ds.episodes["episode_id"].astype(str).tolist() == ["E1", "E2", "E3"]
    found = [e for e in ds.meta["load_report"]["ignored_values"] if "SSMS footer" in e["reason"]]
    assert [(e["table"], e["column"], e["rows"]) for e in found] == [("episodes", "episode_id", 2)]


@pytest.mark.parametrize("tail", [
    "\n(3 rows affected) and more\n",                                 # not exactly a footer line
    "\nMsg 8114, Level 16, State 5, Line 1\n",                        # an SSMS error message
    "\n(3 rows affected)\nWarning: Null value is eliminated by an aggregate or other SET operation.\n",
])
def test_other_trailing_text_is_still_a_problem(tmp_path, tail):
    folder = write(extract(), tmp_path)
    with open(folder / "ssd_early_help_episodes.csv", "a") as f:
        f.write(tail)
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder, as_of=AS_OF)
    found = [p for p in caught.value.problems if p.table == "episodes" and p.column is None]
    assert len(found) == 1 and "different number of fields" in found[0].message


def test_a_footer_line_before_more_data_is_still_a_problem(tmp_path):
    folder = write(extract(), tmp_path)
    file = folder / "ssd_early_help_episodes.csv"
    head, *rows = file.read_text().splitlines()
    file.write_text("\n".join([head, rows[0], "(1 row affected)", *rows[1:]]) + "\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(folder, as_of=AS_OF)
    assert any(p.table == "episodes" and p.column is None and "line 3" in list(p.rows)
               for p in caught.value.problems)


# -- 3. optional columns left out ----------------------------------------------------------------

# The columns of a synthetic extract (tests/data/ssd_fixture.py) an extract cannot leave out: ids,
# the references that say whose row it is, and the dates that make a row (its start; its end, without
# which every row would look open). Every other column may be absent: it loads as not recorded.
NEEDED: Dict[str, Dict[str, Tuple[str, str]]] = {
    "ssd_person": {"pers_person_id": ("persons", "person_id")},
    "ssd_contacts": {"cont_contact_id": ("requests", "request_id"), "cont_person_id": ("requests", "person_id"),
                     "cont_contact_date": ("requests", "received_date")},
    "ssd_family": {"fami_family_id": ("family_members", "family_id"),
                   "fami_person_id": ("family_members", "person_id")},
    "ssd_early_help_episodes": {"earl_episode_id": ("episodes", "episode_id"),
                                "earl_person_id": ("episodes", "person_id"),
                                "earl_episode_start_date": ("episodes", "start_date"),
                                "earl_episode_end_date": ("episodes", "end_date")},
    "ssd_involvements": {"invo_involvements_id": ("involvements", "involvement_id"),
                         "invo_professional_id": ("involvements", "practitioner_id"),
                         "invo_involvement_start_date": ("involvements", "start_date"),
                         "invo_involvement_end_date": ("involvements", "end_date")},
    "ssd_professionals": {"prof_professional_id": ("practitioners", "practitioner_id")},
    "ssd_cin_episodes": {"cine_referral_id": ("csc_referrals", "referral_id"),
                         "cine_person_id": ("csc_referrals", "person_id"),
                         "cine_referral_date": ("csc_referrals", "referral_date"),
                         "cine_close_date": ("csc_referrals", "close_date")},
    "ssd_cin_plans": {"cinp_cin_plan_id": ("cin_plans", "cin_plan_id"), "cinp_person_id": ("cin_plans", "person_id"),
                      "cinp_cin_plan_start_date": ("cin_plans", "start_date"),
                      "cinp_cin_plan_end_date": ("cin_plans", "end_date")},
    "ssd_cp_plans": {"cppl_cp_plan_id": ("cp_plans", "cp_plan_id"), "cppl_person_id": ("cp_plans", "person_id"),
                     "cppl_cp_plan_start_date": ("cp_plans", "start_date"),
                     "cppl_cp_plan_end_date": ("cp_plans", "end_date")},
    "ssd_cla_episodes": {"clae_cla_episode_id": ("cla_episodes", "cla_episode_id"),
                         "clae_person_id": ("cla_episodes", "person_id"),
                         "clae_cla_episode_start_date": ("cla_episodes", "start_date"),
                         "clae_cla_episode_ceased_date": ("cla_episodes", "end_date")},
    "ssd_address": {"addr_person_id": ("address", "addr_person_id")},
    "ssd_department": {"dept_team_id": ("department", "dept_team_id"),
                       "dept_team_name": ("department", "dept_team_name")},
}


@functools.lru_cache(maxsize=None)
def _synthetic_extract():
    """A small synthetic council written as a SystemC SSD extract, read back as text frames, and its
    code map (read before the folder goes)."""
    from earlyhelp.data.ssd_profiles import load_code_map

    council = synthetic.council(preset="coventry", years=1, scale=0.005, seed=3)
    folder = Path(tempfile.mkdtemp())
    try:
        files = write_ssd(council, folder, "systemc")
        codes = load_code_map(files["codes"])
        frames = {f.stem: read_csv_text(f, [], {}, f.stem) for f in sorted(folder.glob("ssd_*.csv"))}
    finally:
        shutil.rmtree(folder)
    return frames, codes


def _every_column() -> List[Tuple[str, str]]:
    frames, _ = _synthetic_extract()
    return [(name, column) for name, frame in frames.items() for column in frame.columns]


def _ours(name: str, column: str):
    """(our table, our column) an SSD column loads into, or None for a column we keep as it is."""
    table = resolve_table_name(name)
    if table is None:
        folded = name.removeprefix("ssd_")
        known = any(column in names for names in FOLDED_COLUMNS[folded].values())
        return (folded, column) if known else None
    found = [c.name for c in TABLES[table].columns if column in c.aliases]
    return (table, found[0]) if found else None


def test_the_synthetic_extract_loads_whole():
    frames, codes = _synthetic_extract()
    ds = Dataset.from_frames(code_map=codes, as_of="2030-01-01", **frames)
    assert len(ds.episodes) and len(ds.requests) and len(ds.cla_episodes)
    assert set(NEEDED) <= set(frames)


@pytest.mark.parametrize("name,column", _every_column())
def test_drop_one_column(name, column):
    frames, codes = _synthetic_extract()
    frames = dict(frames)
    frames[name] = frames[name].drop(columns=[column])
    needed = NEEDED.get(name, {}).get(column)
    if needed is not None:
        with pytest.raises(ValidationError) as caught:
            Dataset.from_frames(code_map=codes, as_of="2030-01-01", **frames)
        found = [p for p in problems_at(caught.value, *needed) if "needed" in p.message]
        assert found, f"{name}.{column}: {caught.value}"
        return
    ds = Dataset.from_frames(code_map=codes, as_of="2030-01-01", **frames)
    ours = _ours(name, column)
    if ours is not None:   # a column we read: its absence is said, never silent
        notes = [e for e in ds.meta["load_report"]["defaults"] if (e["table"], e["column"]) == ours]
        assert len(notes) == 1 and "not in the extract" in notes[0]["reason"], (ours, notes)


@pytest.mark.parametrize("column,words", [
    ("earl_episode_end_date", "every row would look still open"),
    ("earl_episode_id", "tell the rows apart"),
    ("earl_episode_start_date", "date each row"),
])
def test_a_needed_column_says_its_ssd_name_and_why(tmp_path, column, words):
    tables = extract()
    tables["ssd_early_help_episodes"] = tables["ssd_early_help_episodes"].drop(columns=[column])
    with pytest.raises(ValidationError) as caught:
        load(tables, tmp_path)
    ours = _ours("ssd_early_help_episodes", column)
    found = problems_at(caught.value, *ours)
    assert len(found) == 1 and column in found[0].message and words in found[0].message


def test_the_optional_columns_a_council_leaves_out_load_as_not_recorded(tmp_path):
    tables = extract()
    tables["ssd_person"] = tables["ssd_person"].drop(columns=["pers_sex", "pers_ethnicity", "pers_send_flag",
                                                              "pers_expected_dob"])
    tables["ssd_early_help_episodes"] = tables["ssd_early_help_episodes"].drop(
        columns=["earl_episode_reason", "earl_episode_end_reason", "earl_episode_worker_id"])
    tables["ssd_contacts"] = tables["ssd_contacts"].drop(columns=["cont_contact_outcome_json",
                                                                  "cont_contact_source_code"])
    ds = load(tables, tmp_path)
    assert (ds.persons["sex"] == "unknown").all() and ds.persons["ethnicity"].isna().all()
    assert ds.episodes["end_reason"].isna().all() and ds.requests["decision"].isna().all()
    assert (ds.requests["source"] == "unknown").all()
    notes = {(e["table"], e["column"]): e for e in ds.meta["load_report"]["defaults"]}
    for key in (("persons", "sex"), ("persons", "ethnicity"), ("persons", "ehc_plan"),
                ("persons", "expected_birth_date"), ("episodes", "reason"), ("episodes", "end_reason"),
                ("episodes", "lead_practitioner_id"), ("requests", "decision"), ("requests", "source")):
        assert key in notes and notes[key]["rows"] == len(ds[key[0]]), key
    assert notes[("persons", "sex")]["value"] == "unknown" and notes[("persons", "ethnicity")]["value"] is None
    assert "pers_sex" in notes[("persons", "sex")]["reason"]
