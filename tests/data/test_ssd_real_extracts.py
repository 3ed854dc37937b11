"""SSD extracts as council analysts' files really arrive: SSMS and Excel habits, side tables
with NULL text, people-friendly headers, per-child rows without a family.

Every case either loads (with what was mapped, ignored or left per child counted in
``ds.meta['load_report']``) or raises a ValidationError naming the table, column and rows.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import pandas as pd
import pytest
from ssd_fixture import write_ssd

from earlyhelp import Dataset, ValidationError, synthetic
from earlyhelp.data import read_dataset

AS_OF = "2025-01-01"


def extract() -> Dict[str, pd.DataFrame]:
    """A small SSD extract: two families, three children, one adult, two contacts."""
    return {
        "ssd_person": pd.DataFrame({
            "pers_person_id": ["101", "102", "103", "201"], "pers_sex": ["M", "F", "F", "F"],
            "pers_ethnicity": ["WBRI", "APKN", "WBRI", "WBRI"],
            "pers_dob": ["2015-01-01", "2017-05-05", "2012-03-03", "1985-01-01"],
            "pers_expected_dob": [None] * 4, "pers_send_flag": ["N", "Y", "N", "N"]}),
        "ssd_family": pd.DataFrame({"fami_table_id": ["1", "2", "3", "4"],
                                    "fami_family_id": ["F1", "F1", "F2", "F1"],
                                    "fami_person_id": ["101", "102", "103", "201"]}),
        "ssd_early_help_episodes": pd.DataFrame({
            "earl_episode_id": ["E1", "E2", "E3"], "earl_person_id": ["101", "102", "103"],
            "earl_episode_start_date": ["2023-01-01", "2023-01-01", "2023-02-01"],
            "earl_episode_end_date": ["2023-03-01", "2023-03-01", None],
            "earl_episode_reason": ["DA", "DA", "MH"], "earl_episode_end_reason": ["outcomes_met", "outcomes_met", None],
            "earl_episode_organisation": [None] * 3, "earl_episode_worker_id": [None] * 3}),
        "ssd_contacts": pd.DataFrame({
            "cont_contact_id": ["C1", "C2"], "cont_person_id": ["101", "103"],
            "cont_contact_date": ["2022-12-20", "2023-01-20"], "cont_contact_source_code": ["2A", "6"],
            "cont_contact_outcome_json": ['{"NFA_FLAG": "Y"}', '{"NEW_REFERRAL_FLAG": "Y"}']}),
    }


def write(tables: Dict[str, pd.DataFrame], folder: Path, *, sep: str = ",", null: Optional[str] = None) -> Path:
    """The tables as CSV files; ``null="NULL"`` writes empty cells the way SSMS does."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        out = frame.astype(object).where(frame.notna(), null) if null else frame
        out.to_csv(folder / f"{name}.csv", index=False, sep=sep)
    return folder


def load(tables: Dict[str, pd.DataFrame], folder: Path, **options) -> Dataset:
    layout = {k: options.pop(k) for k in ("sep", "null") if k in options}
    return read_dataset(write(tables, folder, **layout), as_of=AS_OF, **options)


def entries(ds: Dataset, section: str, table: str, column: Optional[str] = None) -> list:
    return [e for e in ds.meta["load_report"].get(section, []) or []
            if e["table"] == table and (column is None or e["column"] == column)]


# -- SSMS NULL text in the side tables -------------------------------------------------------

def _with_addresses(tables: Dict[str, pd.DataFrame]) -> Dict[str, pd.DataFrame]:
    """Two more children in no family; three people without a recorded address."""
    more = pd.DataFrame({"pers_person_id": ["104", "105"], "pers_sex": ["M", "F"], "pers_ethnicity": ["WBRI"] * 2,
                         "pers_dob": ["2016-01-01", "2014-01-01"], "pers_expected_dob": [None] * 2,
                         "pers_send_flag": ["N", "N"]})
    tables["ssd_person"] = pd.concat([tables["ssd_person"], more], ignore_index=True)
    tables["ssd_family"] = tables["ssd_family"][tables["ssd_family"]["fami_person_id"] != "103"]
    tables["ssd_address"] = pd.DataFrame({
        "addr_table_id": ["A1", "A2", "A3", "A4"], "addr_person_id": ["103", "104", "105", "101"],
        "addr_address_json": [None, None, None, '{"UPRN": "100000001"}'],
        "addr_address_postcode": [None, None, None, "CV1 2AB"],
        "addr_address_start_date": [None, None, None, "2020-01-01 00:00:00.000"]})
    return tables


def test_people_without_an_address_written_null_are_not_one_household(tmp_path):
    ds = load(_with_addresses(extract()), tmp_path, null="NULL")
    members = ds.family_members
    # 103, 104 and 105 share no address: no family of "the household at postcode NULL"
    assert not members["person_id"].isin(["103", "104", "105"]).any()
    assert ds.families["family_id"].tolist() == ["F1"]
    ignored = {e["column"]: e["rows"] for e in entries(ds, "ignored_values", "address")}
    assert ignored == {"addr_address_json": 3, "addr_address_postcode": 3, "addr_address_start_date": 3}
    # a NULL start date is not recorded, not "not a date"
    assert not entries(ds, "not_derived", "address")


def test_null_disability_code_is_missing_and_counted(tmp_path):
    tables = extract()
    tables["ssd_disability"] = pd.DataFrame({"disa_person_id": ["101", "102", "103"],
                                             "disa_disability_code": ["MOB", None, "NONE"]})
    ds = load(tables, tmp_path, null="NULL")
    disability = ds.persons.set_index(ds.persons["person_id"].astype(str))["disability"].astype(object)
    assert disability["101"] == "MOB" and disability["103"] == "NONE" and pd.isna(disability["102"])
    assert [e["rows"] for e in entries(ds, "ignored_values", "disability", "disa_disability_code")] == [1]
    assert [e["rows"] for e in entries(ds, "not_derived", "disability")] == [1]   # the row is not lost unsaid


def test_disability_rows_without_a_code_are_counted(tmp_path):
    tables = extract()
    tables["ssd_disability"] = pd.DataFrame({"disa_person_id": ["101", "102", None],
                                             "disa_disability_code": ["MOB", None, "HAND"]})
    ds = load(tables, tmp_path)
    assert [e["rows"] for e in entries(ds, "not_derived", "disability")] == [2]


def test_systemc_extract_null_address_dates_are_not_unreadable(tmp_path):
    council = synthetic.council(preset="coventry", years=2, scale=0.05, seed=3)
    files = write_ssd(council, tmp_path, "systemc")
    ds = read_dataset(tmp_path, code_map=files["codes"])
    assert not entries(ds, "not_derived", "address", "addr_address_start_date")
    raw = {name: len(pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False))
           for name in ("ssd_person", "ssd_contacts", "ssd_early_help_episodes", "ssd_involvements")}
    # no row disappears: SystemC writes one contact per id, so every file row is a table row
    assert len(ds.persons) == raw["ssd_person"]
    assert len(ds.requests) == raw["ssd_contacts"]
    assert len(ds.episodes) == raw["ssd_early_help_episodes"]
    assert len(ds.involvements) == raw["ssd_involvements"]


# -- numbers and dates as SQL Server and Excel write them ------------------------------------

def test_ids_written_as_decimal_numbers_match_their_person(tmp_path):
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_person_id"] = ["101.0", "102.0", "103.0"]
    ds = load(tables, tmp_path)
    assert ds.episodes["person_id"].astype(str).tolist() == ["101", "102", "103"]
    assert ds.episodes["family_id"].notna().all()
    assert [e["rows"] for e in entries(ds, "mapped", "episodes", "person_id")] == [3]


def test_a_placeholder_id_written_as_a_decimal_number_is_still_a_placeholder(tmp_path):
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_worker_id"] = ["-1.0", "-1.0", "7.0"]
    tables["ssd_professionals"] = pd.DataFrame({"prof_professional_id": ["7"], "prof_full_time_equivalency": ["1"]})
    ds = load(tables, tmp_path, ssd="systemc")
    assert ds.episodes["lead_practitioner_id"].astype(object).where(ds.episodes["lead_practitioner_id"].notna(),
                                                                     None).tolist() == [None, None, "7"]
    assert [e["rows"] for e in entries(ds, "ignored_values", "episodes", "lead_practitioner_id")] == [2]


def test_excel_day_numbers_are_dates(tmp_path):
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_start_date"] = ["44927", "2023-01-01", "44958.0"]
    ds = load(tables, tmp_path)
    assert [str(d.date()) for d in ds.episodes["start_date"]] == ["2023-01-01", "2023-01-01", "2023-02-01"]
    assert [e["rows"] for e in entries(ds, "mapped", "episodes", "start_date")] == [2]


def test_excel_day_numbers_read_as_numbers_are_dates():
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_start_date"] = [44927, 44927, 44958]   # pd.read_excel / read_csv
    ds = Dataset.from_frames(as_of=AS_OF, **tables)
    assert [str(d.date()) for d in ds.episodes["start_date"]] == ["2023-01-01", "2023-01-01", "2023-02-01"]
    assert [e["rows"] for e in entries(ds, "mapped", "episodes", "start_date")] == [3]


@pytest.mark.parametrize("written", ["2958465", 2958465, 2958465.0])
def test_excels_last_day_in_an_end_date_is_an_open_end(written):
    """2958465 is Excel's 31/12/9999, how a spreadsheet of a warehouse's 'still open' arrives: an
    open end, counted, as the same date written out is (it was 'not a date')."""
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_end_date"] = pd.Series([written, None, None], dtype=object)
    tables["ssd_early_help_episodes"]["earl_episode_end_reason"] = None   # open episodes: no end reason
    ds = Dataset.from_frames(as_of=AS_OF, **tables)
    assert ds.episodes["end_date"].isna().all()
    assert [e["rows"] for e in entries(ds, "ignored_values", "episodes", "end_date")] == [1]


def test_excels_last_day_in_a_start_date_is_reported():
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_start_date"] = ["2958465", "2023-01-01", "2023-02-01"]
    with pytest.raises(ValidationError, match="episodes.start_date: date outside the years"):
        Dataset.from_frames(as_of=AS_OF, **tables)


def test_sql_server_empty_date_is_missing(tmp_path):
    tables = extract()
    tables["ssd_person"]["pers_dob"] = ["2015-01-01", "2017-05-05", "2012-03-03", "1900-01-01 00:00:00.000"]
    ds = load(tables, tmp_path)
    adult = ds.persons["person_id"].astype(str) == "201"
    assert ds.persons.loc[adult, "birth_date"].isna().all()
    assert [e["rows"] for e in entries(ds, "ignored_values", "persons", "birth_date")] == [1]
    role = ds.family_members.set_index(ds.family_members["person_id"].astype(str))["role"].astype(str)
    assert role["201"] == "unknown"   # no birth date: not an adult of 124


@pytest.mark.parametrize("written", ["Jan  1 2023 12:00AM", "01/01/2023 00:00:00.000"])
def test_sql_server_datetime_text(tmp_path, written):
    tables = extract()
    tables["ssd_early_help_episodes"]["earl_episode_start_date"] = [written, "2023-01-01", "2023-02-01"]
    ds = load(tables, tmp_path)
    assert str(ds.episodes["start_date"].iloc[0].date()) == "2023-01-01"


# -- files and headers -----------------------------------------------------------------------

@pytest.mark.parametrize("sep,said", [(";", "';'"), ("\t", "tab")])
def test_semicolon_and_tab_separated_files(tmp_path, sep, said):
    tables = extract()
    ds = load(tables, tmp_path, sep=sep)
    assert len(ds.episodes) == 3 and len(ds.persons) == 4 and len(ds.requests) == 2
    assert said in ds.meta["load_report"]["files"]["ssd_person.csv"]


def test_headers_written_for_people(tmp_path):
    tables = extract()
    tables["ssd_person"].columns = [c.replace("_", " ").title() for c in tables["ssd_person"].columns]
    tables["ssd_early_help_episodes"].columns = [c.upper().replace("_", "-")
                                                 for c in tables["ssd_early_help_episodes"].columns]
    ds = load(tables, tmp_path)
    assert ds.persons["person_id"].astype(str).tolist() == ["101", "102", "103", "201"]
    assert ds.episodes["start_date"].notna().all()


# -- rows per child ----------------------------------------------------------------------------

@pytest.mark.parametrize("family", ["absent", "header only"])
def test_children_without_a_family_table_are_counted(tmp_path, family):
    tables = extract()
    if family == "absent":
        del tables["ssd_family"]
    else:
        tables["ssd_family"] = tables["ssd_family"].iloc[:0]
    ds = load(tables, tmp_path)
    assert len(ds.episodes) == 3 and ds.episodes["family_id"].isna().all()
    assert [e["rows"] for e in entries(ds, "not_derived", "episodes", "family_id")] == [3]
    assert [e["rows"] for e in entries(ds, "not_derived", "requests", "family_id")] == [2]


def test_a_child_in_no_family_is_counted(tmp_path):
    tables = extract()
    tables["ssd_family"] = tables["ssd_family"][tables["ssd_family"]["fami_person_id"] != "103"]
    ds = load(tables, tmp_path)
    assert [e["rows"] for e in entries(ds, "not_derived", "episodes", "family_id")] == [1]


def test_one_contact_id_for_different_contacts_is_a_problem(tmp_path):
    tables = extract()
    tables["ssd_contacts"] = pd.DataFrame({
        "cont_contact_id": ["C1", "C1", "C2", "C3", "C3"], "cont_person_id": ["101", "102", "103", "101", "102"],
        "cont_contact_date": ["2022-12-20", "2023-06-01", "2023-01-20", "2023-02-01 00:00:00", "01/02/2023"],
        "cont_contact_source_code": ["SCHOOLS", "POLICE", "POLICE", "SCHOOLS", "schools "],
        "cont_contact_outcome_json": [None] * 5})
    with pytest.raises(ValidationError) as caught:
        load(tables, tmp_path, ssd="eclipse")
    found = [p for p in caught.value.problems if p.table == "requests" and p.column == "request_id"]
    assert len(found) == 1 and list(found[0].rows) == ["C1"] and found[0].n_rows == 2
    # the same contact written once per child (dates written two ways) is still one request
    tables["ssd_contacts"].loc[1, ["cont_contact_date", "cont_contact_source_code"]] = ["2022-12-20", "schools"]
    ds = load(tables, tmp_path, ssd="eclipse")
    assert ds.requests["request_id"].astype(str).tolist() == ["C1", "C2", "C3"]
    assert ds.requests["children"].tolist() == [2, 1, 2]


# -- what stays an error names the table, the column and the rows ------------------------------

def _duplicate_person(t):
    t["ssd_person"] = pd.concat([t["ssd_person"], t["ssd_person"].iloc[[0]].assign(pers_sex="F")], ignore_index=True)


def _unknown_person(t):
    t["ssd_early_help_episodes"].loc[2, "earl_person_id"] = "999"


def _ends_before_start(t):
    t["ssd_early_help_episodes"].loc[0, "earl_episode_end_date"] = "2022-01-01"


def _future(t):
    t["ssd_early_help_episodes"].loc[2, "earl_episode_start_date"] = "2030-01-01"


def _unknown_code(t):
    t["ssd_early_help_episodes"].loc[1, "earl_episode_end_reason"] = "CAFEND9"


def _header_only_persons(t):
    t["ssd_person"] = t["ssd_person"].iloc[:0]


@pytest.mark.parametrize("change,table,column,row", [
    (_duplicate_person, "persons", "person_id", "101"),
    (_unknown_person, "episodes", "person_id", "E3"),
    (_ends_before_start, "episodes", "end_date", "E1"),
    (_future, "episodes", "start_date", "E3"),
    (_unknown_code, "episodes", "end_reason", "E2"),
    (_header_only_persons, "episodes", "person_id", "E1"),
])
def test_bad_extracts_name_table_column_and_rows(tmp_path, change, table, column, row):
    tables = extract()
    change(tables)
    with pytest.raises(ValidationError) as caught:
        load(tables, tmp_path)
    assert any(p.table == table and p.column == column and row in list(p.rows) for p in caught.value.problems)
