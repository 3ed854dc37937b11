"""Dates as councils' SSDA903 exports write them, file layouts, and dates the other readers must not guess."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError

H = "CHILD,SEX,DOB,ETHNIC\n1001,1,{dob1},WBRI\n1002,2,{dob2},WBRI\n"
E = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
     "1001,{start1},S,C2,N1,U4,PR1,{end1},E4A\n1002,{start2},S,C2,N1,K2,PR1,,\n")
DAYS = ("2010-05-01", "2012-06-03", "2021-05-01", "2021-09-01", "2021-06-03")


def dated(layout: str) -> dict:
    """The header and episodes texts with every date written in ``layout`` (a strftime format)."""
    dob1, dob2, start1, end1, start2 = (pd.Timestamp(d).strftime(layout) for d in DAYS)
    return {"header": H.format(dob1=dob1, dob2=dob2),
            "episodes": E.format(start1=start1, end1=end1, start2=start2)}


def folder(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def one_year(root: Path, header: str, episodes: str) -> Path:
    return folder(root, {"2022/header.csv": header, "2022/episodes.csv": episodes})


def problems(path: Path, **kw):
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_ssda903(path, **kw)
    return err.value.problems


def only(found, column: str, words: str):
    matching = [p for p in found if p.column == column and words in p.message]
    assert len(matching) == 1, found
    return matching[0]


@pytest.mark.parametrize("layout", ["%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%-d/%-m/%Y", "%d-%m-%Y", "%d.%m.%Y",
                                    "%d-%b-%Y", "%d %B %Y"])
def test_each_unambiguous_layout_reads_the_same_days(tmp_path, layout):
    files = dated(layout)
    ds = earlyhelp.read_ssda903(one_year(tmp_path, files["header"], files["episodes"]))
    assert sorted(ds.persons["birth_date"]) == [pd.Timestamp(DAYS[0]), pd.Timestamp(DAYS[1])]
    episodes = ds.cla_episodes.sort_values("person_id")
    assert list(episodes["start_date"]) == [pd.Timestamp(DAYS[2]), pd.Timestamp(DAYS[4])]
    assert episodes["end_date"].iloc[0] == pd.Timestamp(DAYS[3]) and pd.isna(episodes["end_date"].iloc[1])


def test_files_of_different_years_may_use_different_layouts(tmp_path):
    old, new = dated("%d/%m/%Y"), dated("%Y-%m-%d")
    path = folder(tmp_path, {"2021/header.csv": old["header"], "2021/episodes.csv": old["episodes"],
                             "2022/header.csv": new["header"], "2022/episodes.csv": new["episodes"]})
    report = earlyhelp.read_ssda903(path).meta["ssda903_report"]
    assert report["episodes_repeated_across_years"] == 2 and report["header_rows_repeated_across_years"] == 2


@pytest.mark.parametrize("written", ["01/05/21", "1/5/21", "01-05-21", "01.05.21", "01-May-21", "01/05/21 00:00"])
def test_a_two_digit_year_is_named_not_given_a_century(tmp_path, written):
    files = dated("%d/%m/%Y")
    path = one_year(tmp_path, files["header"], files["episodes"].replace("01/05/2021", written))
    p = only(problems(path), "DECOM", "two-digit year")
    assert p.table == "episodes (2022/episodes.csv)" and p.rows == ["line 2 (CHILD 1001)"] and p.value == written


def test_two_layouts_in_one_column_are_a_problem_naming_the_odd_rows(tmp_path):
    files = dated("%d/%m/%Y")
    header = files["header"] + "1003,1,2011-07-09,WBRI\n"
    p = only(problems(one_year(tmp_path, header, files["episodes"])), "DOB", "more than one way")
    assert p.table == "header (2022/header.csv)"
    assert "2 as dd/mm/yyyy, 1 as yyyy-mm-dd" in p.message
    assert p.rows == ["line 4 (CHILD 1003)"] and p.value == "2011-07-09"


def test_a_time_of_day_written_on_some_rows_only_is_one_layout(tmp_path):
    # Excel writes a datetime column under General format as 01/05/2021 at midnight, 01/05/2021 14:30 else
    files = dated("%d/%m/%Y")
    ds = earlyhelp.read_ssda903(one_year(tmp_path, files["header"],
                                         files["episodes"].replace("01/09/2021", "01/09/2021 14:30")))
    assert pd.Timestamp("2021-09-01") in set(ds.cla_episodes["end_date"])


def test_a_month_first_date_is_named_as_such(tmp_path):
    files = dated("%d/%m/%Y")
    p = only(problems(one_year(tmp_path, files["header"].replace("03/06/2012", "06/13/2012"), files["episodes"])),
             "DOB", "month")
    assert "mm/dd/yyyy" in p.message and p.rows == ["line 3 (CHILD 1002)"] and p.value == "06/13/2012"


@pytest.mark.parametrize("written, column", [("31/12/9999", "DEC"), ("01/05/0001", "DECOM")])
def test_a_date_no_datetime_holds_is_named_not_a_crash(tmp_path, written, column):
    files = dated("%d/%m/%Y")
    old = "01/09/2021" if column == "DEC" else "01/05/2021"
    p = only(problems(one_year(tmp_path, files["header"], files["episodes"].replace(old, written))), column,
             "outside the years")
    assert p.value == written


def test_missing_and_impossible_dates_are_named_apart(tmp_path):
    files = dated("%d/%m/%Y")
    found = problems(one_year(tmp_path, files["header"].replace("01/05/2010", ""),
                              files["episodes"].replace("01/09/2021", "31/02/2021")))
    assert only(found, "DOB", "missing date").rows == ["line 2 (CHILD 1001)"]
    assert only(found, "DEC", "unreadable date").value == "31/02/2021"


def test_old_mac_line_endings_read(tmp_path):
    files = dated("%d/%m/%Y")
    ds = earlyhelp.read_ssda903(one_year(tmp_path, files["header"].replace("\n", "\r"),
                                         files["episodes"].replace("\n", "\r")))
    assert sorted(ds.persons["person_id"]) == ["1001", "1002"] and len(ds.cla_episodes) == 2


@pytest.mark.parametrize("delimiter, said", [(";", ";"), ("\t", "tab"), ("|", "|")])
def test_semicolon_tab_and_pipe_separated_files_read_and_are_recorded(tmp_path, delimiter, said):
    files = dated("%d/%m/%Y")
    path = one_year(tmp_path, files["header"].replace(",", delimiter), files["episodes"].replace(",", delimiter))
    ds = earlyhelp.read_ssda903(path)
    assert sorted(ds.persons["person_id"]) == ["1001", "1002"] and len(ds.cla_episodes) == 2
    assert ds.meta["ssda903_report"]["delimiters"] == {"2022/episodes.csv": said, "2022/header.csv": said}


def test_a_semicolon_file_with_a_bad_row_names_its_line(tmp_path):
    files = dated("%d/%m/%Y")
    episodes = files["episodes"].replace(",", ";") + "1002;03/08/2021;P;C2;N1;U4;PR1;;;extra\n"
    p = only(problems(one_year(tmp_path, files["header"].replace(",", ";"), episodes)), None, "more fields")
    assert p.rows == ["line 4"]


@pytest.mark.parametrize("missing", ["episodes", "header"])
def test_a_year_with_only_one_of_its_two_files_is_named(tmp_path, missing):
    files = dated("%d/%m/%Y")
    path = folder(tmp_path, {"2021/header.csv": files["header"], "2021/episodes.csv": files["episodes"],
                             f"2022/{'header' if missing == 'episodes' else 'episodes'}.csv":
                             files["header" if missing == "episodes" else "episodes"]})
    (p,) = problems(path)
    present = "header" if missing == "episodes" else "episodes"
    assert p.table == f"{present} (2022/{present}.csv)"
    assert f"the year 2022 has" in p.message and f"but no {missing} file" in p.message


def test_a_broken_file_of_a_year_is_not_also_called_missing(tmp_path):
    files = dated("%d/%m/%Y")
    path = folder(tmp_path, {"2022/header.csv": files["header"],
                             "2022/episodes.csv": files["episodes"].replace("PLACE,", "PLACEMENT,", 1)})
    (p,) = problems(path)
    assert p.column == "PLACE" and "missing" in p.message


def test_years_read_from_decom_need_no_pairing(tmp_path):
    files = dated("%d/%m/%Y")
    ds = earlyhelp.read_ssda903(folder(tmp_path, {"header.csv": files["header"], "episodes.csv": files["episodes"]}))
    assert ds.meta["ssda903_report"]["years"] == [2021]


def test_a_child_twice_in_one_file_with_different_values_is_not_called_a_difference_between_years(tmp_path):
    files = dated("%d/%m/%Y")
    p = only(problems(one_year(tmp_path, files["header"] + "1001,2,01/05/2010,WBRI\n", files["episodes"])),
             "SEX", "differs")
    assert "rows of one file" in p.message and p.rows == ["1001"]


def test_an_episode_twice_in_one_file_with_different_values_is_named_so(tmp_path):
    files = dated("%d/%m/%Y")
    found = problems(one_year(tmp_path, files["header"], files["episodes"] + "1001,01/05/2021,S,C2,N1,U5,PR1,,\n"))
    p = only(found, "PLACE", "differs")
    assert "rows of one file" in p.message and p.rows == ["1001 2021-05-01"]


def test_column_names_repeated_as_a_row_are_named_once(tmp_path):
    files = dated("%d/%m/%Y")
    (p,) = problems(one_year(tmp_path, files["header"] + "CHILD,SEX,DOB,ETHNIC\n", files["episodes"]))
    assert p.table == "header (2022/header.csv)" and "column names again" in p.message and p.n_rows == 1


def test_ids_with_leading_zeros_keep_them(tmp_path):
    files = dated("%d/%m/%Y")
    ds = earlyhelp.read_ssda903(one_year(tmp_path, files["header"].replace("1001", "007"),
                                         files["episodes"].replace("1001", "007")))
    assert "007" in set(ds.persons["person_id"]) and "007" in set(ds.cla_episodes["person_id"])


# -- the same dates through read_dataset and Dataset.from_frames -------------------------------

def test_a_two_digit_year_in_a_folder_table_is_named_not_given_a_century(frames, tmp_path):
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    requests = (tmp_path / "requests.csv").read_text().replace("2023-07-10", "10/07/23")
    (tmp_path / "requests.csv").write_text(requests)
    with pytest.raises(ValidationError) as err:
        earlyhelp.read_dataset(tmp_path)
    (p,) = [p for p in err.value.problems if p.column == "received_date"]
    assert p.table == "requests" and "two-digit year" in p.message and p.rows == ["Q5"] and p.value == "10/07/23"


def test_a_month_first_date_in_a_frame_is_named_as_such(frames):
    frames["requests"].loc[4, "received_date"] = "07/13/2023"
    with pytest.raises(ValidationError) as err:
        earlyhelp.Dataset.from_frames(**frames)
    (p,) = [p for p in err.value.problems if p.column == "received_date"]
    assert "mm/dd/yyyy" in p.message and p.rows == ["Q5"]


@pytest.mark.parametrize("cell", [["M"], {"sex": "M"}, {"M"}])
def test_a_collection_in_a_cell_is_named_not_a_type_error(frames, cell):
    persons = frames["persons"].astype({"sex": object})
    persons.at[0, "sex"] = cell
    frames["persons"] = persons
    with pytest.raises(ValidationError) as err:
        earlyhelp.Dataset.from_frames(**frames)
    (p,) = err.value.problems
    assert (p.table, p.column, p.rows) == ("persons", "sex", ["c1"]) and "one value" in p.message
