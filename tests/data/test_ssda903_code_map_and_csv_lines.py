"""SSDA903 years compared after the code map; CSV rows named by the line of their file."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.data.coerce import CSV_LINES
from earlyhelp.data.ssd import read_geography

from _ssda903_files import E, H, folder  # noqa: E402


def two_years(root: Path, episodes_2022: str, header_2022: str = H) -> Path:
    return folder(root, {"2021/header.csv": H, "2021/episodes.csv": E, "2022/header.csv": header_2022,
                         "2022/episodes.csv": episodes_2022})


# -- SSDA903: years' codes are compared as they load ---------------------------------------------

@pytest.mark.parametrize("written, code_map", [
    ("S,C2,N1,LOCK2,PR1", {"cla_episodes": {"placement": {"LOCK2": "K2"}}}),   # a local code, mapped
    ("S,LC2,N1,K2,PR1", {"legal_status": {"LC2": "C2"}}),                       # a column key for every table
    ("S,C2,N1,k2,PR1", None),                                                   # case: loads as K2 anyway
])
def test_local_codes_that_load_as_the_same_code_do_not_disagree_between_years(tmp_path, written, code_map):
    """The old reader compared the codes as written: K2 in 2021 and LOCK2 (mapped to K2) in 2022
    were refused as 'differs between years' files' though both load as K2."""
    path = two_years(tmp_path, E.replace("S,C2,N1,K2,PR1", written))
    ds = earlyhelp.read_ssda903(path, code_map=code_map)
    row = ds.cla_episodes.set_index("person_id").loc["1002"]
    assert str(row["placement"]) == "K2" and str(row["legal_status"]) == "C2"
    assert ds.meta["ssda903_report"]["episodes_repeated_across_years"] == 2


def test_codes_that_differ_once_mapped_are_still_a_problem_showing_what_they_load_as(tmp_path):
    path = two_years(tmp_path, E.replace("K2,PR1", "LOCK1,PR1"))
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_ssda903(path, code_map={"cla_episodes": {"placement": {"LOCK1": "K1"}}})
    (p,) = err.value.problems
    assert (p.table, p.column) == ("episodes", "PLACE") and "differs between years' files" in p.message
    assert p.rows == ["1002 2021-06-03"]
    assert p.value == "2021/episodes.csv: K2, 2022/episodes.csv: LOCK1 (read as K1)"


def test_two_unknown_codes_still_differ(tmp_path):
    path = two_years(tmp_path, E.replace("K2,PR1", "ZZ,PR1"))
    with pytest.raises(ValidationError, match=r"episodes\.PLACE: differs between years' files"):
        earlyhelp.read_ssda903(path, unknown_codes="keep")


def test_ethnicity_mapped_alike_is_not_counted_as_differing(tmp_path):
    path = two_years(tmp_path, E, H.replace("1001,1,01/05/2010,WBRI", "1001,1,01/05/2010,W1"))
    ds = earlyhelp.read_ssda903(path, code_map={"persons": {"ethnicity": {"W1": "WBRI"}}})
    assert ds.meta["ssda903_report"]["ethnic_differs_between_years"] == 0
    assert str(ds.persons.set_index("person_id").at["1001", "ethnicity"]) == "WBRI"


# -- CSV rows named by the file's line -----------------------------------------------------------

AGENCIES = ("agency_id,name,agency_type\n"
            "A1,\"Early\nHelp\",la_early_help\n"   # a quoted line break: lines 2-3
            "\n"                                  # a blank line (skipped): line 4
            "A2,Oak School,school\n"              # line 5
            ",,\n")                               # line 6: data row 2, no id


def test_a_csv_row_without_its_id_names_the_files_line(tmp_path):
    (tmp_path / "agencies.csv").write_text(AGENCIES, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_dataset(tmp_path)
    rows = {(p.column, tuple(p.rows)) for p in err.value.problems}
    assert ("agency_id", ("row 2 (no agency_id, line 6 of agencies.csv)",)) in rows
    assert "(rows row 2 (no agency_id, line 6 of agencies.csv))" in str(err.value)


def test_a_frame_row_without_its_id_is_named_as_before():
    frame = pd.DataFrame({"agency_id": ["A1", "A2", None], "name": ["a", "b", None],
                          "agency_type": ["school", "school", None]})
    with pytest.raises(ValidationError) as err:
        earlyhelp.Dataset.from_frames(agencies=frame)
    assert {tuple(p.rows) for p in err.value.problems} == {("row 2 (no agency_id)",)}


def test_a_validation_problem_on_a_csv_row_without_its_id_names_the_line(tmp_path):
    """Checks after reading (dates in order) name the line too: the typed table keeps the file's rows."""
    text = ("request_id,family_id,received_date,decision,decision_date\n"
            "Q1,F1,2023-01-05,early_help,2023-01-06\n"
            ",F1,2023-02-05,early_help,2023-01-06\n")
    (tmp_path / "requests.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_dataset(tmp_path, validate=True)
    labels = {r for p in err.value.problems for r in p.rows}
    assert labels == {"row 1 (no request_id, line 3 of requests.csv)"}
    assert any(p.column == "decision_date" for p in err.value.problems)


def test_loaded_tables_forget_the_files_lines(tmp_path):
    """Lines are for loading's messages: a table sorted or filtered later has other rows."""
    (tmp_path / "agencies.csv").write_text("agency_id,name,agency_type\nA1,Early Help,la_early_help\n",
                                           encoding="utf-8")
    ds = earlyhelp.read_dataset(tmp_path)
    assert CSV_LINES not in ds.agencies.attrs


PUBLISHED = ("time_period,time_identifier,geographic_level,country_code,country_name,episodes\n"
             "2021,Calendar year,National,E92000001,England,10\n"
             "\n"
             "2022,Calendar year,Nationl,E92000001,England,11\n")


def test_published_csv_rows_name_the_files_line_and_frames_keep_positions(tmp_path):
    (tmp_path / "pub.csv").write_text(PUBLISHED, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_published(tmp_path / "pub.csv")
    assert err.value.problems[0].rows == ["row 1 (line 4 of pub.csv)"]
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_published(pd.read_csv(tmp_path / "pub.csv", dtype=str))
    assert err.value.problems[0].rows == [1]
    good = earlyhelp.read_published(folder(tmp_path, {"ok.csv": PUBLISHED.replace("Nationl", "National")}) / "ok.csv")
    assert CSV_LINES not in good.attrs


def test_a_geography_row_without_a_locality_is_named_by_its_own_row_and_line(tmp_path):
    """The old message counted the concatenated per-level rows: 'rows 1, 3', n_rows 2, for one row."""
    text = "postcode,sector,locality_id\nCV1 2AB,CV1 2,L1\n\nCV2 3CD,CV2 3,\n,CV3 1,L2\n"
    (tmp_path / "geo.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_geography(tmp_path / "geo.csv")
    (p,) = err.value.problems
    assert p.rows == ["row 1 (line 4 of geo.csv)"] and p.n_rows == 1
    with pytest.raises(ValidationError) as err:
        read_geography(pd.read_csv(tmp_path / "geo.csv", dtype=str))
    assert err.value.problems[0].rows == [1]
