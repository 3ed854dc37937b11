"""Each kind of bad input: a clear ValidationError naming table, column, rows and value, or a documented load."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError


def load(frames, **kw):
    kw.setdefault("as_of", "2025-01-01")
    return earlyhelp.Dataset.from_frames(**kw, **frames)


def problem(err: ValidationError, table: str, column: str):
    found = [p for p in err.problems if p.table == table and p.column == column]
    assert found, f"no problem for {table}.{column}: {err}"
    return found[0]


def test_missing_column(frames):
    frames["episodes"] = frames["episodes"].drop(columns=["start_date"])
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "start_date")
    assert "required column is missing" in str(p) and "episode_id" in str(p)  # lists the columns present


def test_wrong_type(frames):
    frames["episodes"].loc[1, "start_date"] = "next tuesday"
    frames["practitioners"]["fte"] = ["1.0", "half"]
    frames["episodes"]["level"] = ["3", "3", "2.5", "3", "3"]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "start_date")
    assert p.rows == ["E2"] and p.value == "next tuesday" and "not a date" in p.message
    p = problem(exc.value, "practitioners", "fte")
    assert p.rows == ["P2"] and p.value == "half"
    p = problem(exc.value, "episodes", "level")
    assert p.rows == ["E3"] and "whole number" in p.message
    assert "episodes.start_date" in str(exc.value) and "'next tuesday'" in str(exc.value)


def test_wrong_dtype_in_a_dataset_built_directly(small_ds):
    bad = small_ds.episodes.assign(start_date=small_ds.episodes["start_date"].astype(str))
    with pytest.raises(ValidationError) as exc:
        small_ds.replace(episodes=bad).validate()
    assert "wrong type" in problem(exc.value, "episodes", "start_date").message


def test_unknown_code_raises_listing_counts(frames):
    frames["episodes"]["end_reason"] = ["step_up", "CLOSED-ACHIEVED", "CLOSED-ACHIEVED", "Weird", None]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "end_reason")
    assert p.n_rows == 3 and p.rows == ["E2", "E3", "E4"] and p.value == "CLOSED-ACHIEVED"
    assert "'CLOSED-ACHIEVED' x2" in p.message and "'Weird' x1" in p.message and "code_map" in p.message


def test_unknown_code_keep_loads_as_unknown_and_reports(frames):
    frames["episodes"]["end_reason"] = ["step_up", "CLOSED-ACHIEVED", "CLOSED-ACHIEVED", "Weird", None]
    ds = load(frames, unknown_codes="keep")
    assert list(ds.episodes["end_reason"].astype(object).fillna("-")) == \
        ["step_up", "unknown", "unknown", "unknown", "-"]
    entry = ds.meta["load_report"]["unknown_codes"][0]
    assert entry["table"] == "episodes" and entry["column"] == "end_reason" and entry["rows"] == 3
    assert entry["values"] == {"CLOSED-ACHIEVED": 2, "Weird": 1}
    assert list(ds.episodes["end_reason_local"].fillna("-")) == ["step_up", "CLOSED-ACHIEVED", "CLOSED-ACHIEVED",
                                                                  "Weird", "-"]
    with pytest.raises(ValidationError, match="read.unknown_codes: must be one of raise, keep"):
        load(frames, unknown_codes="ignore")


@pytest.mark.parametrize("second", [" ESC-CSC", "esc-csc"])
def test_local_codes_that_read_alike_must_map_alike(frames, second):
    """Codes are matched with spaces trimmed, then in any case: two local codes that read alike
    but map apart would let one win silently (every step-up read as disengaged)."""
    frames["episodes"]["end_reason"] = ["ESC-CSC", "ESC-CSC", "ESC-CSC", "ESC-CSC", None]
    code_map = {"episodes": {"end_reason": {"ESC-CSC": "step_up", second: "disengaged"}}}
    with pytest.raises(earlyhelp.ValidationError, match="give one code for both"):
        load(frames, code_map=code_map)
    same = {"episodes": {"end_reason": {"ESC-CSC": "step_up", second: "step_up"}}}
    assert (load(frames, code_map=same).episodes["end_reason"].astype(object)[:4] == "step_up").all()


def test_code_map_maps_local_codes_and_keeps_local_text(frames):
    frames["episodes"]["end_reason"] = ["ESC-CSC", "CLOSED-ACHIEVED", "closed-achieved", "CLOSED-ACHIEVED", None]
    code_map = {"episodes": {"end_reason": {"ESC-CSC": "step_up", "CLOSED-ACHIEVED": "outcomes_met"}}}
    ds = load(frames, code_map=code_map)
    assert list(ds.episodes["end_reason"].astype(object)[:4]) == ["step_up"] + ["outcomes_met"] * 3
    assert ds.episodes["end_reason_local"].iloc[0] == "ESC-CSC"
    # a column-level map applies to every table with that column; built-in synonyms work too
    frames["episodes"]["end_reason"] = ["Step-up", "Outcomes met", "NFA", "X1", None]
    ds = load(frames, code_map={"end_reason": {"X1": "moved_away"}})
    assert list(ds.episodes["end_reason"].astype(object)[:4]) == ["step_up", "outcomes_met", "other", "moved_away"]


def test_end_before_start(frames):
    frames["episodes"].loc[2, "end_date"] = "2023-01-15"  # E3 starts 2023-02-01
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "end_date")
    assert p.rows == ["E3"] and "before start_date" in p.message and p.value == "2023-02-01 -> 2023-01-15"


def test_duplicate_id(frames):
    frames["episodes"].loc[3, "episode_id"] = "E1"
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "episode_id")
    assert "duplicate" in p.message and p.value == "E1" and p.n_rows == 1


def test_duplicate_composite_key(frames):
    frames["family_needs"].loc[2, "need"] = "health"  # E2 lists health twice
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "family_needs", "episode_id+need")
    assert p.rows == ["E2 / health"] and p.n_rows == 1  # the whole key: E2 alone names two rows


def test_dangling_reference(frames):
    frames["episodes"].loc[0, "lead_practitioner_id"] = "P99"
    frames["family_members"].loc[0, "person_id"] = "ghost"
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "episodes", "lead_practitioner_id")
    assert p.rows == ["E1"] and p.value == "P99" and "practitioners row that does not exist" in p.message
    assert problem(exc.value, "family_members", "person_id").value == "ghost"


def test_references_into_tables_not_supplied_are_listed(frames):
    del frames["agencies"], frames["practitioners"]
    frames["assessments"] = frames["assessments"].drop(columns="agency_id")
    frames["involvements"] = frames["involvements"].iloc[:0]
    ds = load(frames)
    unchecked = ds.meta["load_report"]["unchecked_references"]
    assert "episodes.lead_practitioner_id -> practitioners (not supplied)" in unchecked


def test_empty_table_loads_as_documented(frames):
    frames["involvements"] = frames["involvements"].iloc[:0]
    frames["family_needs"] = pd.DataFrame()
    ds = load(frames)
    assert len(ds.involvements) == 0 and list(ds.involvements.columns)[:3] == \
        ["involvement_id", "practitioner_id", "family_id"]
    assert len(ds.family_needs) == 0
    # an empty table that others refer to is a dangling reference, not silence
    frames["practitioners"] = frames["practitioners"].iloc[:0]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    assert problem(exc.value, "episodes", "lead_practitioner_id").n_rows == 5


def test_suppression_marker_in_a_count_column(frames):
    frames["localities"]["child_population"] = ["30,000", "c"]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "localities", "child_population")
    assert "suppression marker 'c'" in p.message and p.rows == ["L2"] and "read_published" in p.message
    assert len(exc.value.problems) == 1  # "30,000" parsed


def test_suppression_markers_in_a_csv_count_column(small_ds, tmp_path):
    earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    text = (tmp_path / "localities.csv").read_text().splitlines()
    header = text[0].split(",")
    at = header.index("child_population")
    rows = [line.split(",") for line in text[1:]]
    rows[0][at], rows[1][at] = "[c]", "x"
    (tmp_path / "localities.csv").write_text("\n".join([text[0]] + [",".join(r) for r in rows]) + "\n")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")
    p = problem(exc.value, "localities", "child_population")
    assert p.rows == ["L1", "L2"] and p.n_rows == 2
    assert "'[c]' (suppressed) x1" in p.message and "'x' (not_available) x1" in p.message
    assert len(exc.value.problems) == 1  # never read as 0, and nothing else is wrong


def test_future_date(frames):
    frames["requests"].loc[4, "received_date"] = "2031-07-10"
    frames["requests"].loc[4, "decision_date"] = "2031-07-11"
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "requests", "received_date")
    assert p.rows == ["Q5"] and p.value == "2031-07-10" and "future" in p.message
    load(frames, as_of="2032-01-01")  # fine against a later date
    # an unborn child's expected birth date may be in the future
    frames["persons"].loc[3, "birth_date"] = "2031-01-01"
    frames["persons"]["expected_birth"] = ["N", "N", "N", "Y", "N", "N", "N"]
    load(frames, as_of="2032-01-01")
    # every date column is checked, each future value named
    frames["episodes"].loc[4, "end_date"] = "2030-01-01"
    frames["csc_referrals"].loc[1, "close_date"] = "2029-12-31"
    with pytest.raises(ValidationError) as exc:
        load(frames, as_of="2025-01-01")
    assert problem(exc.value, "episodes", "end_date").rows == ["E5"]
    p = problem(exc.value, "csc_referrals", "close_date")
    assert p.rows == ["R2"] and p.value == "2029-12-31" and "2025-01-01" in p.message


def test_id_too_long(frames):
    frames["persons"].loc[0, "person_id"] = "x" * 60
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "person_id")
    assert "longer than 48" in p.message and p.value == "x" * 60


def test_every_problem_is_listed_not_just_the_first(frames):
    frames["episodes"].loc[0, "lead_practitioner_id"] = "P99"
    frames["episodes"].loc[2, "end_date"] = "2023-01-15"
    frames["persons"].loc[1, "sex"] = "Q"
    frames["csc_referrals"].loc[0, "close_reason"] = "RC99"
    frames["episodes"].loc[3, "start_date"] = "soon"
    with pytest.raises(ValidationError) as exc:
        load(frames)
    found = {(p.table, p.column): p for p in exc.value.problems}
    # reading problems (codes, types) and key/date problems come in one error
    assert set(found) == {("persons", "sex"), ("csc_referrals", "close_reason"), ("episodes", "start_date"),
                          ("episodes", "lead_practitioner_id"), ("episodes", "end_date")}
    assert (found["persons", "sex"].rows, found["persons", "sex"].value) == (["c2"], "Q")
    assert (found["csc_referrals", "close_reason"].rows, found["csc_referrals", "close_reason"].value) == \
        (["R1"], "RC99")
    assert (found["episodes", "start_date"].rows, found["episodes", "start_date"].value) == (["E4"], "soon")
    # the unreadable start date is reported once, not again as "missing value"
    assert sum(p.column == "start_date" for p in exc.value.problems) == 1
    assert found["episodes", "lead_practitioner_id"].rows == ["E1"]
    assert found["episodes", "end_date"].rows == ["E3"]
    text = str(exc.value)
    assert text.startswith("5 problems found:") and "persons.sex" in text and "[value: 'RC99']" in text


def test_values_in_messages_are_plain_python(frames):
    frames["episodes"]["level"] = [3, 3, 2.5, 3, 3]
    frames["practitioners"]["fte"] = [1.0, 2.0]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    assert "[value: 2.5]" in str(exc.value) and "[value: 2.0]" in str(exc.value)
    assert "np." not in str(exc.value)


def test_dates_with_times_and_time_zones_keep_the_calendar_date(frames):
    frames["episodes"]["start_date"] = ["2023-01-01T00:30:00+01:00", "2023-01-10 23:30Z",
                                        "2023-02-01 23:30:12.5-05:00", "02/03/2023 09:15", "20230810"]
    ds = load(frames)
    assert [str(d.date()) for d in ds.episodes["start_date"]] == \
        ["2023-01-01", "2023-01-10", "2023-02-01", "2023-03-02", "2023-08-10"]
    aware = pd.Series(pd.to_datetime(["2023-01-01 00:30", "2023-01-10 12:00", "2023-02-01", "2023-03-02",
                                      "2023-08-10"], format="mixed").tz_localize("Europe/London"))
    frames["episodes"]["start_date"] = aware
    ds = load(frames)
    assert str(ds.episodes["start_date"].iloc[0].date()) == "2023-01-01"
    assert ds.episodes["start_date"].dtype == "datetime64[ns]"


def test_missing_required_values_and_ranges(frames):
    frames["episodes"].loc[0, "start_date"] = None
    frames["practitioners"]["fte"] = [1.0, 3.0]
    frames["localities"]["child_population"] = [-5, 100]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    assert problem(exc.value, "episodes", "start_date").rows == ["E1"]
    assert problem(exc.value, "practitioners", "fte").value == 3.0
    assert problem(exc.value, "localities", "child_population").rows == ["L1"]


def test_bool_values(frames):
    frames["csc_referrals"]["nfa"] = ["Y", "no", "TRUE", "maybe"]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "csc_referrals", "nfa")
    assert p.rows == ["R4"] and p.value == "maybe"
    frames["csc_referrals"]["nfa"] = ["Y", "no", "1", None]
    ds = load(frames)
    assert list(ds.csc_referrals["nfa"].astype(object).fillna("-")) == [True, False, True, "-"]


def test_not_a_dataframe_and_unknown_table(frames):
    with pytest.raises(ValidationError) as exc:
        earlyhelp.Dataset.from_frames(episodes=[1, 2, 3], casework=pd.DataFrame())
    text = str(exc.value)
    assert "expected a pandas DataFrame" in text and "casework: not an earlyhelp table" in text


def test_validate_lists_every_value_outside_the_code_list(small_ds):
    # a table changed after loading is checked by validate(): each different value, with its count
    bad = small_ds.episodes.assign(end_reason=small_ds.episodes["end_reason"].astype(object))
    bad.loc[bad.index[:3], "end_reason"] = ["Odd", "Odd", "Strange"]
    with pytest.raises(ValidationError) as exc:
        small_ds.replace(episodes=bad).validate()
    p = problem(exc.value, "episodes", "end_reason")
    assert p.n_rows == 3 and "'Odd' x2" in p.message and "'Strange' x1" in p.message


def test_a_column_under_two_of_its_names_must_agree(frames):
    # ours and the SSD's name for one column: the same dates written two ways load, different ones do not
    persons = frames["persons"].assign(birth_date=lambda f: pd.to_datetime(f["birth_date"]) + pd.Timedelta(days=20))
    frames["persons"] = persons.assign(pers_dob=persons["birth_date"].dt.strftime("%d/%m/%Y"))
    load(frames)
    frames["persons"] = persons.assign(pers_dob=persons["birth_date"].dt.strftime("%m/%d/%Y"))
    with pytest.raises(ValidationError, match="persons.birth_date: given twice"):
        load(frames)
    frames["persons"] = persons.assign(pers_sex=["M", "F", "F", "M", "F", "M", "M"])
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "sex")
    assert p.rows == ["m2"] and p.n_rows == 1 and "'pers_sex'" in p.message and p.value == "M"


def test_an_unreadable_value_does_not_hide_another_problem_in_its_column(frames):
    frames["practitioners"]["fte"] = [np.inf, -1e308]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    found = {p.message: p.rows for p in exc.value.problems if (p.table, p.column) == ("practitioners", "fte")}
    assert found == {"not a finite number": ["P1"], "below the minimum 0": ["P2"]}, found
