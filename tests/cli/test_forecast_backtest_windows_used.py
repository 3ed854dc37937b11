"""A forecast asked for more backtest windows than its data hold runs fewer: report.html states the
number run, and run.json records the number asked, the number run and why they differ, with the
series left out of windows among its exclusions."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset

CONFIG = """[run]
name = "bt"
output = "runs"
[source]
kind = "folder"
path = "data"
[forecast]
measures = ["requests"]
horizon = 3
models = ["Naive"]
reconcile = "none"
backtest_windows = {windows}
backtest_step = 12
"""


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bt")
    write_dataset(Dataset.from_frames(**make_frames(seed=2, months=36, base=20.0)), root / "data", format="csv")
    return root


def _run(council: Path, windows: int) -> Path:
    config = council / f"bt{windows}.toml"
    config.write_text(CONFIG.format(windows=windows).replace('"runs"', f'"runs{windows}"'))
    result = CliRunner().invoke(cli, ["-q", "forecast", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_windows_asked_and_run_are_recorded_and_reported(council):
    run = _run(council, 24)
    accuracy = pd.read_csv(run / "accuracy.csv")
    ran = int(accuracy["n"].max() // 3)                 # n = windows x horizon
    assert 1 <= ran < 24
    record = json.loads((run / "run.json").read_text())
    backtest = record["backtest"]
    assert backtest["windows_asked"] == 24 and backtest["windows_run"] == ran
    assert "before the data" in backtest["reason"] or "no period before" in backtest["reason"]
    assert any(e["step"] == "backtest" for e in record["excluded"])
    text = _text((run / "report.html").read_text(encoding="utf-8"))
    assert "24 backtests" not in text and "at 24 earlier points" not in text
    assert f"refitted at {ran} earlier points" in text


def test_every_window_run_is_recorded_without_a_reason(council):
    run = _run(council, 2)
    backtest = json.loads((run / "run.json").read_text())["backtest"]
    assert backtest == {"windows_asked": 2, "windows_run": 2}
