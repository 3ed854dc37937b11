"""RunFolder: one record of every run (run.json), published numbers rounded, complete or absent."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from earlyhelp import __version__
from earlyhelp.report.runfolder import RunFolder, new_run_id, rounded, run_digest, sha256_file
from earlyhelp.results import Excluded


def test_record_writes_run_json_last_with_every_file(tmp_path):
    inputs = {"rows": {"episodes": 10}, "sha256": "ab" * 32}
    digest = run_digest({"at": "2024-03-31"}, inputs)
    assert digest == run_digest({"at": "2024-03-31"}, inputs) != run_digest({"at": "2024-04-01"}, inputs)
    rid = new_run_id(digest, prefix="network-")
    assert rid.startswith("network-") and rid.endswith(digest[:10])
    with RunFolder(tmp_path, rid) as folder:
        folder.write_table("caseloads", pd.DataFrame({"fte": [0.123456789], "open_families": [7.0]}))
        record = folder.record("network", digest=digest, inputs=inputs,
                               excluded=[Excluded("involvements", "practitioner left", 2, step="network"),
                                         Excluded("family_members", "no family", 0)],
                               timings={"network": 0.5}, parameters={"at": "2024-03-31"}, rows_written={"x": 1})
    written = json.loads((tmp_path / rid / "run.json").read_text())
    assert written == json.loads(json.dumps(record, default=str))
    assert written["earlyhelp_version"] == __version__ and written["command"] == "network"
    assert written["run_id"] == rid and written["run_digest"] == digest
    assert written["inputs"] == {"rows": {"episodes": "c"}, "sha256": inputs["sha256"]}  # cases: rows_shown
    assert written["excluded"] == [{"step": "network", "table": "involvements", "reason": "practitioner left",
                                    "rows": "c"}]          # run.json is published: 1..5 hidden
    assert written["parameters"] == {"at": "2024-03-31"} and written["timings_seconds"] == {"network": 0.5}
    assert set(written["files"]) == {"caseloads.csv", "caseloads.parquet"}
    for name, sha in written["files"].items():
        assert sha256_file(tmp_path / rid / name) == sha
    assert (tmp_path / rid / "caseloads.csv").read_text() == "fte,open_families\n0.1235,7\n"


def test_record_refuses_to_overwrite_its_own_sections(tmp_path):
    with pytest.raises(TypeError, match="files"):
        with RunFolder(tmp_path, "r") as folder:
            folder.record("x", digest="d", inputs={"sha256": "s"}, files={})
    assert not (tmp_path / "r").exists()


def test_rounded_keeps_counts_whole_and_other_numbers_short():
    frame = pd.DataFrame({"families": [2.0, np.nan], "n_agencies": [3.0, 4.0], "fte": [1.0, 2.0],
                          "pagerank": [0.123456789, 0.5], "name": ["a", "b"]})
    out = rounded(frame)
    assert str(out["families"].dtype) == "Int64" and out["n_agencies"].dtype == np.int64
    assert out["fte"].dtype == np.float64              # not a count: stays a number with decimals
    assert out["pagerank"].tolist() == [0.1235, 0.5] and out["name"].tolist() == ["a", "b"]
    assert frame["families"].dtype == np.float64       # the input is not changed
    assert rounded(pd.DataFrame({"families": [2.5]}))["families"].tolist() == [2.5]   # not whole: not a count


def test_run_json_is_valid_json_when_a_figure_is_missing(tmp_path):
    with RunFolder(tmp_path, "r") as folder:
        folder.record("x", digest="d", inputs={"sha256": "s"},
                      parameters={"inflation": float("nan"), "ratio": np.float32("inf"), "kept": [1.5, np.nan]})
    text = (tmp_path / "r" / "run.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["parameters"] == {"inflation": None, "kept": [1.5, None], "ratio": None}


def test_failed_run_leaves_no_empty_output_folders_it_made(tmp_path):
    output = tmp_path / "reports" / "runs"
    with pytest.raises(KeyboardInterrupt):
        with RunFolder(output, "r1") as run:
            run.write_table("t", pd.DataFrame({"a": [1]}))
            raise KeyboardInterrupt
    assert not (tmp_path / "reports").exists()
    # a folder that held something before stays, with what it held
    output.mkdir(parents=True)
    (output / "earlier.txt").write_text("x")
    with pytest.raises(RuntimeError):
        with RunFolder(output, "r2"):
            raise RuntimeError("stop")
    assert sorted(p.name for p in output.iterdir()) == ["earlier.txt"]


def test_a_second_run_of_the_same_id_gets_its_own_folder(tmp_path):
    """The same inputs in the same second give the same id: the second run must not fail after
    all its work because the first one's folder is there."""
    for _ in range(3):
        with RunFolder(tmp_path, "same-id") as folder:
            folder.record("test", inputs={}, digest="0")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and names[0] == "same-id" and all(n.startswith("same-id") for n in names)


def test_every_run_json_names_the_software_it_ran_on(tmp_path):
    # report and flow runs as much as forecast, score and network: run_environment by default
    with RunFolder(tmp_path, "r") as folder:
        written = folder.record("report", digest="d", inputs={"rows": {}, "sha256": "s"})
    environment = json.loads((tmp_path / "r" / "run.json").read_text())["environment"]
    assert environment == json.loads(json.dumps(written["environment"]))
    assert environment["libraries"]["pandas"] == pd.__version__ and environment["core"]["version"] == __version__
    with RunFolder(tmp_path, "s") as folder:
        folder.record("report", digest="d", inputs={"rows": {}, "sha256": "s"}, environment={"given": 1})
    assert json.loads((tmp_path / "s" / "run.json").read_text())["environment"] == {"given": 1}
