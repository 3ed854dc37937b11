"""run.json is published with the pack: no number in it may give a hidden count back.

A table's row count is the sum of every cell the pack publishes from it: where the extract covers
the pack's months and its lead-in year, the requests table's rows less the months shown (as
themselves or as the ``previous`` of the month a year on) gave a hidden month back. So run.json
names the data by their SHA-256 only: counts of rows of tables of people or cases (``inputs.rows``,
the load report's files, codes mapped, values not derived) are ``"c"`` whatever their size, and the
suppression record says how many cells are hidden, never how many of them are small (with a
total of 7 over two hidden cells, "one primary" pins them to 1 and 6)."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.report.pack import PackOptions, write_pack
from earlyhelp.report.publish import PublishPolicy
from earlyhelp.report.runfolder import RunFolder


def _record(folder, **sections):
    defaults = {"inputs": {"sha256": "s"}, "digest": "d"}
    defaults.update(sections)
    return folder.record("test", **defaults)


def test_row_counts_of_people_and_cases_are_withheld_whatever_their_size(tmp_path):
    inputs = {"rows": {"requests": 439, "episodes": 3, "localities": 8, "agencies": 28, "cp_plans": 0},
              "tables": {"requests": "h1"}, "sha256": "s"}
    with RunFolder(tmp_path, "r") as folder:
        _record(folder, inputs=inputs)
    written = json.loads((tmp_path / "r" / "run.json").read_text())["inputs"]
    # the organisations' tables and empty tables give no count of people away
    assert written["rows"] == {"requests": "c", "episodes": "c", "localities": 8, "agencies": 28, "cp_plans": 0}
    assert written["tables"] == {"requests": "h1"} and written["sha256"] == "s"


def test_counts_of_rows_in_the_load_report_are_withheld(tmp_path):
    report = {"files": {"requests.csv": "556 rows, encoding utf-8", "localities.csv": "8 rows, encoding utf-8"},
              "mapped": [{"table": "persons", "column": "ethnicity", "how": "code map", "rows": 420,
                          "values": {"W1 -> WBRI": 400, "X -> Y": 20}}],
              "not_derived": [{"table": "requests", "column": "locality_id", "reason": "no family", "rows": 37}]}
    with RunFolder(tmp_path, "r") as folder:
        _record(folder, inputs={"sha256": "s", "load_report": report})
    shown = json.loads((tmp_path / "r" / "run.json").read_text())["inputs"]["load_report"]
    assert shown["files"] == {"requests.csv": "c rows, encoding utf-8", "localities.csv": "8 rows, encoding utf-8"}
    assert shown["mapped"][0]["rows"] == "c" and shown["mapped"][0]["values"] == {"W1 -> WBRI": "c", "X -> Y": "c"}
    assert shown["not_derived"][0]["rows"] == "c"


def test_the_gate_record_in_run_json_does_not_split_primary_from_secondary(tmp_path):
    table = pd.DataFrame({"locality": ["North", "South", "East", "Total"], "families": [1, 6, 20, 27]})
    with RunFolder(tmp_path, "r", policy=PublishPolicy(threshold=5)) as folder:
        folder.write_table("t", table, totals={"locality": "Total"}, dims=["locality"])
        _record(folder)
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    shown = pd.read_csv(tmp_path / "r" / "t.csv", dtype=str)
    assert list(shown["families"]) == ["c", "c", "20", "27"]
    # 'one of the two hidden cells is small' with their sum 7 would say 1 and 6
    assert record["publication"]["files"]["t.csv"]["suppressed"] == {"families": {"hidden": 2}}


@pytest.fixture(scope="module")
def whole_extract_pack(tmp_path_factory):
    """A pack whose months and lead-in year are the whole extract (3 years, 24 months shown)."""
    ds = synthetic.council("coventry", years=3, scale=0.05, seed=4)
    out = tmp_path_factory.mktemp("whole")
    run = write_pack(ds, out, options=PackOptions(months=24, measures=["requests", "episodes_opened"]))
    return ds, run


def test_the_requests_rows_less_the_published_months_give_nothing_back(whole_extract_pack):
    ds, run = whole_extract_pack
    record = json.loads((run / "run.json").read_text())
    assert record["inputs"]["rows"]["requests"] == "c"
    assert record["inputs"]["tables"]["requests"] and record["inputs"]["sha256"]
    m = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
    council = m[(m["locality"] == "All localities") & (m["measure"] == "requests")]
    hidden = int((council["numerator"] == "c").sum() + (council["previous"].isin(["c", ""])).sum())
    assert hidden, "the check needs a hidden month"
    found = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for v in value:
                walk(v, path)
        elif isinstance(value, int) and value == len(ds.requests):
            found.append(path)
        elif isinstance(value, str) and re.search(rf"(?<![\w,]){len(ds.requests):,}(?![\w,])", value):
            found.append(path)

    walk(record, "")
    assert not found, found


def test_every_number_in_a_packs_run_json_is_of_a_kind_that_counts_no_people(whole_extract_pack):
    _, run = whole_extract_pack
    record = json.loads((run / "run.json").read_text())
    numbers = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*path, str(k)))
        elif isinstance(value, list):
            for v in value:
                walk(v, path)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers.append(path)

    walk(record, ())
    allowed = (("inputs", "rows", "localities"), ("inputs", "rows", "agencies"))
    for path in numbers:
        if path in allowed or path[0] in ("timings_seconds",):
            continue
        if path[:2] == ("suppression", "audit") or path[-1] in ("threshold", "suppression_threshold",
                                                                  "audit_budget", "months"):
            continue   # programmes and cells of the audit, the policy: no count of people
        if path[:2] == ("suppression", "by_measure") and path[-1] == "hidden":
            continue   # the cells marked c in the tables, as a reader counts them
        if path[:2] == ("publication", "files") and path[-1] in ("rows", "hidden", "formulas_neutralised", "threshold"):
            continue   # lines of the published file and its c cells: in the file itself
        if path[0] == "inputs" and path[1] == "rows":
            pytest.fail(f"run.json publishes a row count of people or cases at {'.'.join(path)}")
        pytest.fail(f"run.json holds a number of an unchecked kind at {'.'.join(path)}")


def test_by_measure_counts_the_cells_a_reader_sees_hidden(whole_extract_pack):
    _, run = whole_extract_pack
    record = json.loads((run / "run.json").read_text())
    m = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
    y = pd.read_csv(run / "measures_localities_12m.csv", dtype=str, keep_default_na=False)
    for mid, got in record["suppression"]["by_measure"].items():
        seen = int((m.loc[m["measure"] == mid, "numerator"] == "c").sum()
                   + (y.loc[y["measure"] == mid, "numerator"] == "c").sum())
        assert got == {"hidden": seen}, mid


def test_the_forecast_report_names_no_row_count_of_people():
    from earlyhelp.report import forecast_report

    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    ids = ["requests/E1", "requests/E1/L1", "requests/E1/L2"]
    history = pd.DataFrame([{"unique_id": u, "ds": d, "y": 40 + k % 5, "y_status": ""} for u in ids
                            for k, d in enumerate(months)]).astype({"y": "Int64"})
    fc = pd.DataFrame([{"unique_id": u, "ds": d} for u in ids for d in pd.date_range("2024-01-01", periods=3,
                                                                                        freq="MS")])
    for model in ("Naive", "SeasonalNaive"):
        fc[model], fc[f"{model}-lo-80"], fc[f"{model}-hi-80"] = 20.0, 15.0, 25.0
    accuracy = pd.DataFrame({"unique_id": ids * 2, "model": ["Naive"] * 3 + ["SeasonalNaive"] * 3,
                             "mase": [1.2, 1.1, 1.3, 0.7, 0.8, 0.9]})
    html = forecast_report.build_report(
        history, fc, accuracy, None, title="Testshire", measures=["requests"], models=["Naive", "SeasonalNaive"],
        levels=[80], horizon=3, threshold=5,
        inputs={"rows": {"requests": 4, "episodes": 1200, "localities": 3}, "sha256": "0" * 64}, source="folder")
    assert "requests c, episodes c, localities 3" in html and "1,200" not in html and "1200" not in html
