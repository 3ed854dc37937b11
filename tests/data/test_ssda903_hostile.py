"""read_ssda903 on hostile input: every fault is a named problem or a counted change, never silent."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp

from _ssda903_files import E, EPH, H, folder  # noqa: E402


def problems(path: Path, **kw):
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(path, **kw)
    return err.value.problems


def test_two_open_episodes_overlap_and_the_later_one_is_kept(tmp_path):
    path = folder(tmp_path, {"2022/header.csv": H, "2022/episodes.csv": E + "1002,03/08/2021,P,C2,N1,U4,PR1,,\n"})
    ds = earlyhelp.read_ssda903(path)
    report = ds.meta["ssda903_report"]
    assert report["episodes_sharing_an_end_date_dropped"] == 0
    assert report["overlapping_episodes_truncated"] == 1
    ep = ds.cla_episodes[ds.cla_episodes["person_id"] == "1002"].sort_values("start_date")
    assert list(ep["placement"].astype(str)) == ["K2", "U4"]
    assert ep["end_date"].iloc[0] == pd.Timestamp("2021-08-03") and pd.isna(ep["end_date"].iloc[1])
    (problem,) = problems(path, overlaps="raise")
    assert problem.column == "DEC" and problem.n_rows == 1
    assert "1002" in problem.rows[0] and "2022/episodes.csv line 3" in problem.rows[0]


def test_episodes_sharing_a_real_end_date_are_still_merged_but_are_an_overlap_when_raising(tmp_path):
    path = folder(tmp_path, {"2022/header.csv": H,
                             "2022/episodes.csv": E + "1001,01/07/2021,P,C2,N1,K2,PR1,01/09/2021,E4A\n"})
    report = earlyhelp.read_ssda903(path).meta["ssda903_report"]
    assert report["episodes_sharing_an_end_date_dropped"] == 1
    (problem,) = problems(path, overlaps="raise")
    assert problem.column == "DEC" and "1001" in problem.rows[0]


def test_a_year_missing_a_required_column_is_named_not_skipped(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E, "2022/header.csv": H,
                             "2022/episodes.csv": E.replace("PLACE,", "PLACEMENT,", 1)})
    (problem,) = problems(path)
    assert problem.table == "episodes (2022/episodes.csv)" and problem.column == "PLACE"
    assert "missing" in problem.message


def test_excel_encodings_are_read_and_recorded(tmp_path):
    latin = (H.replace("ETHNIC", "ETHNIC,UPN").replace("WBRI\n", "WBRI,Zoë\n")).encode("cp1252")
    path = folder(tmp_path, {"2021/header.csv": latin, "2021/episodes.csv": E.encode("utf-16"),
                             "2022/header.csv": H.encode("utf-8-sig"), "2022/episodes.csv": E})
    ds = earlyhelp.read_ssda903(path)
    assert ds.meta["ssda903_report"]["encodings"] == {"2021/header.csv": "cp1252", "2021/episodes.csv": "utf-16",
                                                      "2022/header.csv": "utf-8-sig", "2022/episodes.csv": "utf-8"}
    assert len(ds.persons) == 2 and len(ds.cla_episodes) == 2


def test_utf16_without_a_byte_order_mark_is_named(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E.encode("utf-16-le")})
    (problem,) = problems(path)
    assert problem.table == "episodes (2021/episodes.csv)" and "UTF-16" in problem.message


def test_files_that_are_not_header_or_episodes_are_skipped_with_a_reason(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E, "notes.csv": "a,b\n1,2\n",
                             "2021/uasc.csv": "CHILD,SEX,DOB,DUC\n9999,1,01/01/2005,01/01/2023\n",
                             "2021/episodes.xlsx": b"PK\x03\x04"})
    ds = earlyhelp.read_ssda903(path)
    skipped = ds.meta["ssda903_report"]["skipped_files"]
    assert set(skipped) == {"notes.csv", "2021/uasc.csv", "2021/episodes.xlsx"}
    assert "uasc" in skipped["2021/uasc.csv"] and ".csv" in skipped["2021/episodes.xlsx"]
    assert "9999" not in set(ds.persons["person_id"])


@pytest.mark.parametrize("name,text", [("header", H + ",1,01/01/2011,WBRI\n"),
                                       ("episodes", E + " ,01/05/2021,S,C2,N1,U4,PR1,,\n")])
def test_blank_child_ids_are_named(tmp_path, name, text):
    files = {"2021/header.csv": H, "2021/episodes.csv": E, f"2021/{name}.csv": text}
    (problem,) = problems(folder(tmp_path, files))
    assert problem.table == f"{name} (2021/{name}.csv)" and problem.column == "CHILD"
    assert problem.message == "missing id" and problem.rows == ["line 4"]


def test_columns_repeated_in_another_case_are_named(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H.replace("ETHNIC", "dob"),
                             "2021/episodes.csv": E.replace("REC\n", "place\n", 1)})
    found = {p.table: p for p in problems(path)}
    assert found["header (2021/header.csv)"].column == "DOB"
    assert found["episodes (2021/episodes.csv)"].column == "PLACE"


@pytest.mark.parametrize("rows", ["some", "all"])
def test_rows_with_extra_fields_are_named(tmp_path, rows):
    lines = E.splitlines(keepends=True)
    extra = lines[1:2] if rows == "some" else lines[1:]
    text = "".join(line.replace("\n", ",x\n") if line in extra else line for line in lines)
    (problem,) = problems(folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": text}))
    assert problem.table == "episodes (2021/episodes.csv)" and "more fields" in problem.message
    assert problem.rows[0] == "line 2"


def test_a_folder_that_is_not_a_path_is_named():
    with pytest.raises(earlyhelp.ValidationError, match="read_ssda903.folder"):
        earlyhelp.read_ssda903(None)


def test_sex_read_as_unknown_is_counted_by_reason(tmp_path):
    header = H + "1003,9,01/01/2011,WBRI\n1004,male,01/01/2011,WBRI\n1005,,01/01/2011,WBRI\n"
    ds = earlyhelp.read_ssda903(folder(tmp_path, {"2021/header.csv": header, "2021/episodes.csv": E}))
    assert ds.meta["ssda903_report"]["sex_read_as_unknown"] == {"blank": 1, "not 1 or 2: '9'": 1}
    sex = ds.persons.set_index("person_id")["sex"].astype(str)
    assert sex["1004"] == "M" and sex["1003"] == "U" and sex["1005"] == "U"


def test_a_short_row_is_named_with_its_missing_values(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E + "1002,03/08/2021,P\n"})
    found = {p.column: p for p in problems(path)}
    assert set(found) == {"LS", "PLACE"}
    assert all(p.rows == ["line 4 (CHILD 1002)"] and p.table == "episodes (2021/episodes.csv)"
               for p in found.values())


def test_values_that_differ_between_years_are_counted_and_the_latest_kept(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E,
                             "2022/header.csv": H.replace("1001,1,01/05/2010,WBRI", "1001,1,01/05/2010,WIRI"),
                             "2022/episodes.csv": E.replace("K2,PR1", "K2,PR2")})
    ds = earlyhelp.read_ssda903(path)
    report = ds.meta["ssda903_report"]
    assert report["ethnic_differs_between_years"] == 1 and report["ethnic_differs_children"] == ["1001"]
    assert report["placement_provider_differs_between_years"] == 1
    assert ds.persons.set_index("person_id")["ethnicity"].astype(str)["1001"] == "WIRI"
    provider = ds.cla_episodes.set_index("person_id")["placement_provider"].astype(str)
    assert provider["1002"] == "PR2"


def test_a_later_year_that_reopens_an_episode_is_counted(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E, "2022/header.csv": H,
                             "2022/episodes.csv": E.replace("01/09/2021,E4A", ",")})
    ds = earlyhelp.read_ssda903(path)
    report = ds.meta["ssda903_report"]
    assert report["episodes_reopened_by_later_file"] == 1
    assert report["episodes_reopened_by_later_file_rows"] == ["2022/episodes.csv line 2 (CHILD 1001)"]
    assert ds.cla_episodes.set_index("person_id")["end_date"].isna().all()


def test_an_open_episode_missing_from_the_next_year_is_counted(tmp_path):
    # child 1002's episode is open at the end of 2021 and not in the 2022 return: kept open, counted
    later = EPH + "1001,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,E4A\n"
    ds = earlyhelp.read_ssda903(folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E,
                                                  "2022/header.csv": H, "2022/episodes.csv": later}))
    report = ds.meta["ssda903_report"]
    assert report["open_episodes_missing_from_later_years"] == 1
    assert report["open_episodes_missing_from_later_years_rows"] == ["2021/episodes.csv line 3 (CHILD 1002)"]
    assert ds.cla_episodes.set_index("person_id")["end_date"].isna()["1002"]
    # listed again the next year: nothing to count
    again = earlyhelp.read_ssda903(folder(tmp_path / "b", {"2021/header.csv": H, "2021/episodes.csv": E,
                                                           "2022/header.csv": H, "2022/episodes.csv": E}))
    assert again.meta["ssda903_report"]["open_episodes_missing_from_later_years"] == 0


def test_an_episode_before_birth_is_named(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H, "2021/episodes.csv": E + "1002,03/08/2011,P,C2,N1,U4,PR1,,\n"})
    (problem,) = problems(path)
    assert problem.table == "episodes" and problem.column == "DECOM"
    assert problem.rows == ["2021/episodes.csv line 4 (CHILD 1002)"]


def test_child_ids_are_stripped_and_counted(tmp_path):
    path = folder(tmp_path, {"2021/header.csv": H.replace("\n1001,", "\n 1001 ,"), "2021/episodes.csv": E})
    ds = earlyhelp.read_ssda903(path)
    report = ds.meta["ssda903_report"]
    assert report["child_ids_stripped_of_spaces"] == 1 and report["episodes_without_header_dropped"] == 0
    assert set(ds.cla_episodes["person_id"].astype(str)) == {"1001", "1002"}


def test_child_ids_written_as_decimals_are_one_child(tmp_path):
    # a spreadsheet wrote the header's ids as numbers: 1001.0 is the episodes' 1001
    path = folder(tmp_path, {"2021/header.csv": H.replace("\n1001,", "\n1001.0,"), "2021/episodes.csv": E})
    ds = earlyhelp.read_ssda903(path)
    report = ds.meta["ssda903_report"]
    assert report["child_ids_written_as_decimals"] == 1 and report["episodes_without_header_dropped"] == 0
    assert set(ds.cla_episodes["person_id"].astype(str)) == {"1001", "1002"}
    assert set(ds.persons["person_id"].astype(str)) == {"1001", "1002"}


def test_an_empty_header_file_is_named(tmp_path):
    (problem,) = problems(folder(tmp_path, {"2021/header.csv": "", "2021/episodes.csv": E}))
    assert problem.table == "header (2021/header.csv)" and "empty" in problem.message


def test_an_episode_starting_at_18_or_over_is_named(tmp_path):
    """A DOB that makes the child an adult when the episode starts (a typo'd year, 1890 for
    2010) is a problem naming the file and line, as a DOB after the start is."""
    header = H.replace("1002,2,03/06/2012", "1002,2,03/06/1890")
    (problem,) = problems(folder(tmp_path, {"2022/header.csv": header, "2022/episodes.csv": E}))
    assert problem.column == "DECOM" and "18 or over" in problem.message and problem.n_rows == 1
    assert "1002" in problem.rows[0] and "2022/episodes.csv line 3" in problem.rows[0]
    # the day before the 18th birthday is still a child's episode
    ok = H.replace("1002,2,03/06/2012", "1002,2,04/06/2003")
    earlyhelp.read_ssda903(folder(tmp_path / "ok", {"2022/header.csv": ok, "2022/episodes.csv": E}))


def test_episodes_closed_by_half_are_kept_and_counted(tmp_path):
    episodes = EPH + ("1001,01/05/2021,S,C2,N1,U4,PR1,,E4A\n"         # a reason, no end: kept open
                      "1002,03/06/2021,S,C2,N1,K2,PR1,01/09/2021,\n")  # an end, no reason: kept closed
    ds = earlyhelp.read_ssda903(folder(tmp_path, {"2022/header.csv": H, "2022/episodes.csv": episodes}))
    report = ds.meta["ssda903_report"]
    assert report["episodes_with_a_reason_for_leaving_but_no_end"] == 1
    assert report["episodes_ended_without_a_reason_for_leaving"] == 1
    assert "1001" in report["episodes_with_a_reason_for_leaving_but_no_end_rows"][0]
    assert "2022/episodes.csv line 3" in report["episodes_ended_without_a_reason_for_leaving_rows"][0]
    ep = ds.cla_episodes.set_index("person_id")
    assert pd.isna(ep.at["1001", "end_date"]) and ep.at["1002", "end_date"] == pd.Timestamp("2021-09-01")
    assert len(ds.cla_episodes) == 2


def test_a_date_beyond_the_labelled_years_return_is_named(tmp_path):
    # 01/06/2026 in the 2025 return: a slip of the year that would move the data's end a year on
    late = E.replace("1001,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,E4A", "1001,01/05/2021,S,C2,N1,U4,PR1,01/06/2026,E4A")
    path = folder(tmp_path, {"2022/header.csv": H, "2022/episodes.csv": late})
    (problem,) = problems(path)
    assert problem.column == "DEC" and "30/04/2023" in problem.message and problem.value == "01/06/2026"
    assert problem.table == "episodes (2022/episodes.csv)" and "line 2" in problem.rows[0]
    # the 2021-22 return may be filed as 2021: dates to 31 March 2022 are its own, and an end
    # in the April after, when the return is taken, is kept too
    april = E.replace("01/09/2021,E4A", "01/04/2022,E4A")
    ok = folder(tmp_path / "ok", {"2021/header.csv": H, "2021/episodes.csv": april})
    assert len(earlyhelp.read_ssda903(ok).cla_episodes) == 2
