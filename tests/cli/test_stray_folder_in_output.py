"""A folder in run.output that the forecast cannot read as an earlier run (an analyst's "old"
folder holding an exported observed.csv) stops the forecast before its work, and ``--dry-run``
finds it too: not after the data were loaded, modelled, backtested and planned."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset

CONFIG = """[run]
output = "runs"
[source]
kind = "folder"
path = "data"
[forecast]
measures = ["requests"]
horizon = 3
models = ["Naive"]
reconcile = "none"
backtest_windows = 1
"""


@pytest.fixture()
def council(tmp_path) -> Path:
    write_dataset(Dataset.from_frames(**make_frames(seed=8, months=24, base=6.0)), tmp_path / "data", format="csv")
    (tmp_path / "f.toml").write_text(CONFIG)
    (tmp_path / "runs" / "old").mkdir(parents=True)
    (tmp_path / "runs" / "old" / "observed.csv").write_text("unique_id,ds,y\nrequests/E08000026,2021-01-01,40\n")
    return tmp_path


def test_dry_run_finds_a_stray_folder_in_the_output_folder(council):
    result = CliRunner().invoke(cli, ["forecast", "--config", str(council / "f.toml"), "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "old" in result.output and "run.json" in result.output
    assert "nothing written" not in result.output
    assert "not named as a run folder" in result.output       # not an earlier run at all


def test_the_run_stops_on_a_stray_folder_before_fitting_a_model(council, monkeypatch):
    import earlyhelp.cli.forecastrun as forecastrun

    def no_model(*args, **kwargs):
        raise AssertionError("a model was fitted before the output folder was checked")

    monkeypatch.setattr(forecastrun, "_forecaster", no_model)
    result = CliRunner().invoke(cli, ["forecast", "--config", str(council / "f.toml")])
    assert result.exit_code == 2, result.output
    assert "old" in result.output and "AssertionError" not in result.output
    assert sorted(p.name for p in (council / "runs").iterdir()) == ["old"]
