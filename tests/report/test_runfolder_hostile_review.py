"""Run folders, run.json, pseudonyms and the forecast report against hostile input."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from earlyhelp import ConfigError, ValidationError
from earlyhelp.report.runfolder import RunFolder

KEY = "k3y-for-tests-0123456789abcdefghijklmnop"


def _record(folder: RunFolder, **sections) -> None:
    folder.record("x", digest="d", inputs=sections.pop("inputs", {"sha256": "s"}), **sections)


# -- run ids ----------------------------------------------------------------------------------
@pytest.mark.parametrize("run_id", ["", " ", ".", "..", "../up", "a/b", "a\\b", "x\ny", ".hidden", "c:x"])
def test_a_run_id_that_is_not_one_folder_name_is_refused(tmp_path, run_id):
    with pytest.raises(ValueError, match="run id"):
        RunFolder(tmp_path / "out", run_id)
    assert not (tmp_path / "out").exists()


def test_an_absolute_run_id_does_not_write_outside_the_output_folder(tmp_path):
    target = tmp_path / "elsewhere"
    with pytest.raises(ValueError, match="run id"):
        with RunFolder(tmp_path / "out", str(target)) as folder:
            folder.write_table("t", pd.DataFrame({"a": [1.5]}))
    assert not target.exists()


# -- two runs with the same id ------------------------------------------------------------------
def test_three_runs_with_the_same_id_at_once_all_finish(tmp_path):
    runs = [RunFolder(tmp_path, "same") for _ in range(3)]
    with runs[0], runs[1], runs[2]:
        for run in runs:
            run.write_table("t", pd.DataFrame({"a": [1.5]}))
    finals = {run.final for run in runs}
    assert len(finals) == 3 and all(f.is_dir() for f in finals)
    assert not list(tmp_path.glob(".*.partial"))


def test_run_json_names_the_folder_it_ends_up_in(tmp_path):
    with RunFolder(tmp_path, "same") as folder:
        _record(folder)
        # another run with the same id finished first
        (tmp_path / "same").mkdir()
        (tmp_path / "same" / "run.json").write_text("{}")
    assert folder.final.name != "same"
    assert json.loads((folder.final / "run.json").read_text())["run_id"] == folder.final.name == folder.run_id


def test_a_file_written_after_run_json_is_refused(tmp_path):
    with pytest.raises(ValueError, match="after run.json"):
        with RunFolder(tmp_path, "r") as folder:
            _record(folder)
            folder.write_table("late", pd.DataFrame({"a": [1.5]}))
    assert not (tmp_path / "r").exists()


# -- what run.json may hold -----------------------------------------------------------------------
def test_run_json_hides_small_row_counts_of_people_and_cases(tmp_path):
    inputs = {"rows": {"csc_assessments": 3, "episodes": 10, "localities": 3, "cp_plans": 0}, "sha256": "s"}
    with RunFolder(tmp_path, "r") as folder:
        _record(folder, inputs=inputs)
    written = json.loads((tmp_path / "r" / "run.json").read_text())["inputs"]["rows"]
    # every row count of people or cases is "c" (their sum with published cells gives hidden ones
    # back), organisations and empty tables are shown
    assert written == {"csc_assessments": "c", "episodes": "c", "localities": 3, "cp_plans": 0}


LOAD_REPORT = {
    "files": {"cp_plans.csv": "3 rows, encoding utf-8", "episodes.csv": "556 rows, encoding utf-8",
              "agencies.csv": "2 rows, encoding utf-8",
              "earlyhelp_meta.json": "extract dates: window_start 2023-04-01, end_date 2025-03-31"},
    "mapped": [{"table": "persons", "column": "ethnicity", "how": "code map", "rows": 2,
                "values": {"GRT-LOCAL -> WIRT": 2, "W1 -> WBRI": 40}},
               {"table": "agencies", "column": "agency_type", "how": "code map", "rows": 3, "values": {"X -> school": 3}}],
    "not_derived": [{"table": "requests", "column": "decision", "reason": "no outcome recorded", "rows": 2}],
}


@pytest.mark.parametrize("where", ["inputs", "section"])
def test_run_json_hides_small_counts_in_the_load_report(tmp_path, where):
    # before: inputs.rows said "c" for cp_plans while load_report.files said "3 rows" beside it, and
    # two people of one ethnicity were counted under "mapped"
    sections = {"inputs": {"sha256": "s", "load_report": LOAD_REPORT}} if where == "inputs" else \
        {"load_report": LOAD_REPORT}
    with RunFolder(tmp_path, "r") as folder:
        _record(folder, **sections)
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    shown = record["inputs"]["load_report"] if where == "inputs" else record["load_report"]
    assert shown["files"] == {"cp_plans.csv": "c rows, encoding utf-8", "episodes.csv": "c rows, encoding utf-8",
                              "agencies.csv": "2 rows, encoding utf-8",
                              "earlyhelp_meta.json": "extract dates: window_start 2023-04-01, end_date 2025-03-31"}
    assert shown["mapped"][0]["rows"] == "c" and shown["mapped"][0]["values"] == {"GRT-LOCAL -> WIRT": "c",
                                                                                  "W1 -> WBRI": "c"}
    assert shown["mapped"][1] == LOAD_REPORT["mapped"][1]  # organisations are no people
    assert shown["not_derived"][0]["rows"] == "c"


def test_run_json_holds_no_password_key_or_path_of_this_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("EARLYHELP_PSEUDO_KEY", KEY)
    home = tmp_path / "analyst" / "extracts"
    with RunFolder(tmp_path / "out", "r") as folder:
        _record(folder, config={"output": str(tmp_path / "out"), "source": {"path": home,
                                "url": f"sqlite:///{home.as_posix()}/council.db"},
                                "windows": "C:\\Users\\jane\\runs"},
                parameters={"url": "postgresql://u:s3cret@h/db", "note": f"key {KEY}"})
    text = (tmp_path / "out" / "r" / "run.json").read_text()
    assert "s3cret" not in text and KEY not in text
    assert str(tmp_path) not in text and "analyst" not in text and "jane" not in text
    config = json.loads(text)["config"]
    assert config["output"] == ".../out" and config["source"]["path"] == ".../extracts"
    assert config["source"]["url"].endswith("council.db")


# -- pseudonyms -----------------------------------------------------------------------------------
def test_an_id_read_as_a_float_has_the_same_pseudonym_as_the_integer(tmp_path):
    from earlyhelp.report.pseudonymise import pseudonymise_ids

    whole = pseudonymise_ids(pd.Series([123, 456]), domain="family", key=KEY)
    with_gap = pseudonymise_ids(pd.Series([123.0, None]), domain="family", key=KEY)
    text = pseudonymise_ids(pd.Series(["123", None]), domain="family", key=KEY)
    assert with_gap[0] == whole[0] == text[0]


def test_a_length_that_is_not_a_whole_number_is_a_config_error():
    from earlyhelp.report.pseudonymise import pseudonymise_ids

    with pytest.raises(ConfigError, match="length"):
        pseudonymise_ids(pd.Series(["A"]), domain="person", key=KEY, length=10.5)


@pytest.fixture(scope="module")
def council():
    from earlyhelp import synthetic

    return synthetic.council(preset="coventry", scale=0.05, years=1)


@pytest.mark.parametrize("extra, message", [
    ({("nosuch", "x"): "person"}, "nosuch.x is not in the data"),
    ({("families", "Family_ID"): "family"}, "families.Family_ID is not in the data"),
    ({("families", "family_id"): "family:x"}, "domain"),
])
def test_extra_columns_that_would_leave_ids_unmapped_or_collide_are_refused(council, extra, message):
    from earlyhelp.report.pseudonymise import pseudonymise

    with pytest.raises(ConfigError, match=message):
        pseudonymise(council, key=KEY, extra_columns=extra)


# -- forecast report ------------------------------------------------------------------------------
def test_a_report_on_an_empty_history_says_what_is_missing():
    from earlyhelp.report.forecast_report import build_report

    history = pd.DataFrame({"unique_id": pd.Series([], dtype=str), "ds": pd.Series([], dtype="datetime64[ns]"),
                            "y": pd.Series([], dtype="Int64"), "y_status": pd.Series([], dtype=str)})
    forecasts = pd.DataFrame({"unique_id": pd.Series([], dtype=str), "ds": pd.Series([], dtype="datetime64[ns]"),
                              "Naive": pd.Series([], dtype=float)})
    with pytest.raises(ValidationError, match="history.ds: has no observed period"):
        build_report(history, forecasts, None, title="t", measures=["requests"], models=["Naive"], levels=[80],
                     horizon=3, threshold=5, inputs={"sha256": "s"})
