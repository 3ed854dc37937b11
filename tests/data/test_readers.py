"""read_dataset: folders of CSV/Parquet (ours or SSD names), encodings, ragged rows, empty files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError



def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip(small_ds, tmp_path, fmt):
    earlyhelp.write_dataset(small_ds, tmp_path, format=fmt)
    back = earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")
    for name in small_ds:
        a, b = small_ds[name], back[name]
        assert len(a) == len(b), name
        for col in a.columns:
            pd.testing.assert_series_equal(a[col].reset_index(drop=True), b[col].reset_index(drop=True),
                                           check_names=False, check_dtype=True, obj=f"{name}.{col}")
    assert back.meta["load_report"]["files"]
    assert list(back.step_ups()["episode_id"]) == ["E1", "E2"]


def _interrupted_after(monkeypatch, tables: int) -> None:
    """Make the ``tables + 1``-th table written raise KeyboardInterrupt (Ctrl-C) part way."""
    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def to_csv(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > tables:
            Path(path).write_text("half a tab")
            raise KeyboardInterrupt
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def test_an_interrupted_write_leaves_no_new_folder(small_ds, tmp_path, monkeypatch):
    _interrupted_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        earlyhelp.write_dataset(small_ds, tmp_path / "council", format="csv")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor a staging folder is left


def test_an_interrupted_write_leaves_the_old_tables_whole(small_ds, tmp_path, monkeypatch):
    for name in small_ds:  # the folder's current tables, which the new write must not half replace
        (tmp_path / f"{name}.csv").write_text(f"old {name}")
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    _interrupted_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before


def test_a_written_folder_has_the_usual_permissions(small_ds, tmp_path):
    earlyhelp.write_dataset(small_ds, tmp_path / "council", format="csv")
    assert (tmp_path / "council").stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    import os
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ids_keep_leading_zeros(tmp_path):
    write_csv(tmp_path, "persons.csv", "person_id,birth_date,sex,ethnicity\n007,2015-01-01,M,WBRI\n")
    ds = earlyhelp.read_dataset(tmp_path)
    assert ds.persons["person_id"].iloc[0] == "007"


def _persons_csv(name: str) -> str:
    return f"person_id,birth_date,sex,ethnicity,name_note\np1,2015-01-01,M,WBRI,{name}\n"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"),
])
def test_encodings_detected_and_reported(tmp_path, encoding, expected):
    write_csv(tmp_path, "persons.csv", _persons_csv("Zoë – £5"), encoding)
    ds = earlyhelp.read_dataset(tmp_path)
    assert ds.meta["load_report"]["encodings"]["persons.csv"] == expected
    assert ds.persons["name_note"].iloc[0] == "Zoë – £5"
    assert ds.persons.columns[0] == "person_id"  # a byte-order mark does not stick to the header


def test_latin1_fallback(tmp_path):
    # 0x81 is undefined in cp1252: only latin-1 reads it
    (tmp_path / "persons.csv").write_bytes(_persons_csv("x").encode() .replace(b",x\n", b",\x81\xe9\n"))
    ds = earlyhelp.read_dataset(tmp_path)
    assert ds.meta["load_report"]["encodings"]["persons.csv"] == "latin-1"
    assert ds.persons["name_note"].iloc[0] == "\x81é"


def test_a_file_mixing_utf8_and_windows_1252_is_named_not_mangled(tmp_path):
    """Two exports pasted together: UTF-8 on line 2, Windows-1252 on line 3. Decoding it all as
    Windows-1252 would turn 'Éast' into 'Ã‰ast' without a word; the lines are named instead."""
    data = _persons_csv("Éast – 2").encode("utf-8") + "p2,2015-01-01,F,WBRI,Zoë\n".encode("cp1252")
    (tmp_path / "persons.csv").write_bytes(data)
    with pytest.raises(earlyhelp.ValidationError, match="mixes encodings: UTF-8 text on line 2, other text "
                                                         r"\(Windows-1252\?\) on line 3"):
        earlyhelp.read_dataset(tmp_path)


def test_legacy_text_that_is_not_utf8_anywhere_is_still_read(tmp_path):
    write_csv(tmp_path, "persons.csv", _persons_csv("Zoë") + "p2,2015-01-01,F,WBRI,Renée £5\n", "cp1252")
    ds = earlyhelp.read_dataset(tmp_path)
    assert ds.persons["name_note"].tolist() == ["Zoë", "Renée £5"]


def test_ragged_csv_names_file_and_lines(tmp_path):
    write_csv(tmp_path, "persons.csv", "person_id,birth_date,sex,ethnicity\n"
                                       "p1,2015-01-01,M,WBRI\n"
                                       "p2,2015-01-01,F\n"
                                       "p3,2015-01-01,F,WBRI\n"
                                       "p4,2015-01-01,F,WBRI,extra,more\n")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(tmp_path)
    p = exc.value.problems[0]
    assert p.table == "persons" and p.rows == ["line 3", "line 5"] and p.n_rows == 2
    assert "persons.csv" in p.message and "line 3 has 3" in p.message and p.value == "p2,2015-01-01,F"


def test_quoted_commas_and_newlines_are_not_ragged(tmp_path):
    write_csv(tmp_path, "persons.csv", 'person_id,birth_date,sex,ethnicity,note\n'
                                       'p1,2015-01-01,M,WBRI,"a, b"\n'
                                       'p2,2015-01-01,F,WBRI,"line one\nline two"\n')
    ds = earlyhelp.read_dataset(tmp_path)
    assert list(ds.persons["note"]) == ["a, b", "line one\nline two"]


def test_empty_files_load_as_empty_tables(tmp_path):
    write_csv(tmp_path, "persons.csv", _persons_csv("x"))
    write_csv(tmp_path, "involvements.csv", "")
    write_csv(tmp_path, "family_needs.csv", "episode_id,need,identified_date,resolved\n")
    ds = earlyhelp.read_dataset(tmp_path)
    assert len(ds.involvements) == 0 and len(ds.family_needs) == 0
    files = ds.meta["load_report"]["files"]
    assert "empty file" in files["involvements.csv"] and "header only" in files["family_needs.csv"]


def test_unknown_files_are_listed_and_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ValidationError, match="no table files"):
        earlyhelp.read_dataset(tmp_path)
    write_csv(tmp_path, "persons.csv", _persons_csv("x"))
    write_csv(tmp_path, "notes.csv", "a\n1\n")
    ds = earlyhelp.read_dataset(tmp_path)
    assert ds.meta["load_report"]["ignored"] == ["notes.csv"]
    with pytest.raises(ValidationError, match="not a folder"):
        earlyhelp.read_dataset(tmp_path / "nope")


def test_day_first_dates(tmp_path):
    write_csv(tmp_path, "persons.csv", "person_id,birth_date,sex,ethnicity\np1,03/04/2015,M,WBRI\np2,2016-05-06,F,WBRI\n")
    ds = earlyhelp.read_dataset(tmp_path)
    assert list(ds.persons["birth_date"]) == [pd.Timestamp("2015-04-03"), pd.Timestamp("2016-05-06")]


SSD = {
    "ssd_person.csv": "pers_person_id,pers_sex,pers_gender,pers_ethnicity,pers_dob,pers_expected_dob,pers_send_flag\n"
                      "C1,M,01,WBRI,14/02/2014,,N\nC2,F,02,CNHE,01/09/2016,,Y\nC3,U,00,MWBA,,15/01/2024,\n"
                      "A1,F,02,WBRI,01/01/1985,,N\n",
    "ssd_family.csv": "fami_family_id,fami_person_id\nFAM1,C1\nFAM1,C2\nFAM1,A1\nFAM2,C3\n",
    "ssd_disability.csv": "disa_table_id,disa_person_id,disa_disability_code\n1,C1,NONE\n2,C2,AUT\n3,C2,COMM\n",
    "ssd_early_help_episodes.csv":
        "earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_end_date,earl_episode_reason,"
        "earl_episode_end_reason,earl_episode_organisation,earl_episode_worker_id\n"
        "EH1,C1,2023-01-03,2023-04-01,Domestic Violence/ Abuse,Outcomes met,Family Hub North,W1\n"
        "EH2,C2,2023-01-03,2023-04-20,Domestic Violence/ Abuse,Step-up,Family Hub North,W1\n"
        "EH3,C3,2023-06-01,,Other,,Family Hub South,W2\n",
    "ssd_contacts.csv": "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,"
                        "cont_contact_source_desc,cont_contact_outcome_json\n"
                        'K1,C1,2022-12-20,2A,School,"{""NEW_REFERRAL_FLAG"": ""N"", ""NFA_FLAG"": ""Y""}"\n'
                        'K2,C2,2023-04-10,6,Police,"{""NEW_REFERRAL_FLAG"": ""Y"", ""NFA_FLAG"": ""N""}"\n',
    "ssd_cin_episodes.csv": "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,"
                            "cine_referral_source_code,cine_referral_nfa,cine_close_reason,cine_close_date\n"
                            "R1,C2,2023-04-12,N1,6,N,RC9,2023-05-30\n",
    "ssd_cin_assessments.csv": "cina_assessment_id,cina_person_id,cina_referral_id,cina_assessment_start_date,"
                               "cina_assessment_auth_date\nCA1,C2,R1,2023-04-13,2023-05-25\n",
    "ssd_assessment_factors.csv": "cinf_table_id,cinf_assessment_id,cinf_assessment_factors_json\n"
                                  '1,CA1,"[""3B"", ""4B""]"\n',
    "ssd_professionals.csv": "prof_professional_id,prof_staff_id,prof_professional_name,prof_full_time_equivalency,"
                             "prof_professional_caseload\nW1,S1,Worker One,1.0,12\nW2,S2,Worker Two,0.6,7\n",
    "ssd_involvements.csv": "invo_involvements_id,invo_professional_id,invo_professional_role_id,"
                            "invo_involvement_start_date,invo_involvement_end_date,invo_person_id,invo_referral_id\n"
                            "V1,W1,Allocated Case Worker,2023-01-03,2023-04-20,C1,\n",
}


def test_ssd_folder_loads_with_no_mapping(tmp_path):
    for name, text in SSD.items():
        write_csv(tmp_path, name, text)
    ds = earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")
    p = ds.persons.set_index("person_id")
    assert p.loc["C1", "birth_date"] == pd.Timestamp("2014-02-14")
    assert p.loc["C2", "ethnicity"] == "CHNE" and bool(p.loc["C2", "ehc_plan"])   # pers_send_flag: an EHC plan
    assert p.loc["C3", "birth_date"] == pd.Timestamp("2024-01-15") and bool(p.loc["C3", "expected_birth"])
    assert p.loc["C2", "disability"] == "COMM" and p.loc["C2", "disability_codes"] == "COMM,AUT"  # list order
    assert p.loc["C1", "disability"] == "NONE" and pd.isna(p.loc["A1", "disability"])
    assert sorted(ds.families["family_id"]) == ["FAM1", "FAM2"]
    e = ds.episodes.set_index("episode_id")
    assert list(e["family_id"]) == ["FAM1", "FAM1", "FAM2"]
    assert list(e["end_reason"].astype(object).fillna("-")) == ["outcomes_met", "step_up", "-"]
    assert e.loc["EH1", "reason"] == "Domestic Violence/ Abuse" and e.loc["EH1", "lead_practitioner_id"] == "W1"
    assert (e["episode_type"] == "early_help").all() and (e["origin"] == "unknown").all()
    r = ds.requests.set_index("request_id")
    assert list(r["decision"].astype(object)) == ["nfa", "social_care_referral"]
    assert list(r["family_id"]) == ["FAM1", "FAM1"]
    assert ds.csc_assessments["factors"].iloc[0] == "3B,4B"
    assert ds.practitioners.set_index("practitioner_id").loc["W2", "fte"] == 0.6
    assert ds.involvements["role"].iloc[0] == "allocated_worker" and ds.involvements["family_id"].iloc[0] == "FAM1"
    report = ds.meta["load_report"]
    assert any(d["table"] == "episodes" and d["column"] == "origin" for d in report["defaults"])
    assert "episodes.lead_agency_id -> agencies (not supplied)" in report["unchecked_references"]
    # the derived events work on SSD data: the two children's episodes are one family episode
    fam = ds.stitch_episodes()
    assert len(fam) == 2 and fam.iloc[0]["n_persons"] == 2 and fam.iloc[0]["end_reason"] == "step_up"
    ups = ds.step_ups()
    # R1 (child C2) came during C2's own EH2, which also ended step_up, and 11 days after C1's EH1
    # ended: it steps up the open episode only (one referral, one step-up)
    assert dict(zip(ups["episode_id"], ups["how"])) == {"EH2": "end_reason+csc_referral"}
    assert list(ds.step_downs()["referral_id"]) == ["R1"]


def test_ssd_table_names_from_frames():
    frames = {"ssd_person": pd.DataFrame({"pers_person_id": ["C1"], "pers_sex": ["M"], "pers_ethnicity": ["WBRI"],
                                          "pers_dob": ["2014-01-01"]})}
    ds = earlyhelp.Dataset.from_frames(**frames)
    assert ds.persons["person_id"].iloc[0] == "C1"


def test_same_table_twice_is_an_error(tmp_path):
    write_csv(tmp_path, "persons.csv", _persons_csv("x"))
    write_csv(tmp_path, "ssd_person.csv", "pers_person_id,pers_sex\np9,M\n")
    with pytest.raises(ValidationError, match="given twice"):
        earlyhelp.read_dataset(tmp_path)


def test_file_problems_and_problems_inside_files_are_listed_together(tmp_path):
    write_csv(tmp_path, "persons.csv", "person_id,birth_date,sex,ethnicity\n"
                                       "p1,2015-01-01,M,WBRI\np2,2015-01-01,F\n")
    # Windows-1252 bytes (not UTF-8) with a bad code and a bad date
    write_csv(tmp_path, "localities.csv", "locality_id,name,kind,council_code,region_code,child_population,"
                                          "deprivation\nL1,Bishopsgate – Nörth,hub,E08000026,E12000005,100,0.2\n"
                                          "L2,South,district,E08000026,E12000005,c,0.1\n", "cp1252")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(tmp_path)
    found = {(p.table, p.column): p for p in exc.value.problems}
    assert set(found) == {("persons", None), ("localities", "kind"), ("localities", "child_population")}
    assert found["persons", None].rows == ["line 3"]
    assert (found["localities", "kind"].rows, found["localities", "kind"].value) == (["L1"], "hub")
    assert found["localities", "child_population"].rows == ["L2"]


def test_non_utf8_csv_with_invalid_bytes_never_crashes(tmp_path):
    # bytes that are invalid UTF-8 and undefined in cp1252 inside an id and a code
    (tmp_path / "persons.csv").write_bytes(b"person_id,birth_date,sex,ethnicity\np\x81,2015-01-01,\x9d,WBRI\n")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(tmp_path)
    p = exc.value.problems[0]
    assert (p.table, p.column, p.rows, p.value) == ("persons", "sex", ["p\x81"], "\x9d")


def test_a_parquet_dataset_folder_is_read_and_a_csv_folder_is_listed(small_ds, tmp_path):
    """Spark, Dask and pyarrow write a table as a folder x.parquet of parts: it is one table, not
    something to skip without a word; a folder named x.csv is not read and is said so."""
    earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    episodes = pd.read_csv(tmp_path / "episodes.csv", dtype=str, keep_default_na=False)
    (tmp_path / "episodes.csv").unlink()
    (tmp_path / "episodes.parquet").mkdir()
    half = len(episodes) // 2
    episodes.iloc[:half].to_parquet(tmp_path / "episodes.parquet" / "part.0.parquet")
    episodes.iloc[half:].to_parquet(tmp_path / "episodes.parquet" / "part.1.parquet")
    (tmp_path / "notes.csv").mkdir()
    ds = earlyhelp.read_dataset(tmp_path)
    assert len(ds.episodes) == len(small_ds.episodes)
    assert "notes.csv/" in ds.meta["load_report"]["ignored"]


# -- write_dataset is all or nothing, even when interrupted while moving tables into place ----------
def _interrupt_at(monkeypatch, name: str, call: int) -> None:
    import os as _os

    real, calls = getattr(_os, name), {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_os, name, interrupted)


def _contents(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("call", [1, 4, 9, 30])
def test_an_interrupted_overwrite_leaves_the_old_tables(tmp_path, monkeypatch, call):
    # before: Ctrl-C while the tables were moved in left some new tables beside old ones
    from earlyhelp import synthetic, write_dataset

    old, new = (synthetic.council("coventry", years=1, scale=0.02, seed=s) for s in (0, 1))
    write_dataset(old, tmp_path / "t")
    before = _contents(tmp_path / "t")
    _interrupt_at(monkeypatch, "replace", call)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(new, tmp_path / "t")
    monkeypatch.undo()
    assert _contents(tmp_path / "t") == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]   # no staging folder left


@pytest.mark.parametrize("call", [1, 3, 12])
def test_an_interrupted_new_write_leaves_no_tables(tmp_path, monkeypatch, call):
    # before: Ctrl-C while placing tables in a folder that existed left a subset of the tables,
    # which read_dataset read as a valid dataset with no episodes
    from earlyhelp import synthetic, write_dataset

    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "notes.txt").write_text("kept")
    _interrupt_at(monkeypatch, "link", call)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(synthetic.council("coventry", years=1, scale=0.02, seed=0), folder, overwrite=False)
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_new_dataset_into_an_empty_folder_appears_at_once(tmp_path, monkeypatch):
    from earlyhelp import synthetic, write_dataset

    folder = tmp_path / "t"
    folder.mkdir()
    _interrupt_at(monkeypatch, "link", 1)   # the tables are not placed one by one
    files = write_dataset(synthetic.council("coventry", years=1, scale=0.02, seed=0), folder, overwrite=False)
    assert all(f.exists() for f in files) and len(files) == 20
