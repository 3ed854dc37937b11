"""``validate --config`` checks what the run checks against the data (a report's months, a
forecast's window and backtest, the output folder's earlier runs) and exits 2 with the run's
message: a scheduler that validates first learns of the problem then, not when the monthly run
fails. A forecast window without data is a config problem at its key and line, giving the
periods the data hold."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset

BASE = '[run]\noutput = "runs"\n[source]\nkind = "folder"\npath = "data"\n'
FORECAST = '[forecast]\nmeasures = ["requests"]\nhorizon = 3\nmodels = ["Naive"]\nreconcile = "none"\n'
CONFIGS = {
    "report_end_after_data": (BASE + "[report]\nmonths = 12\nend = 2030-01-31\n", "report.end", "report"),
    "report_months_before_data": (BASE + "[report]\nmonths = 60\n", "report.months", "report"),
    "forecast_window_without_data": (BASE + FORECAST + "start = 2030-01-01\nend = 2031-01-01\n",
                                     "forecast.start", "forecast"),
    "forecast_end_before_data": (BASE + FORECAST + "end = 2001-01-01\n", "forecast.end", "forecast"),
}


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("validate")
    write_dataset(Dataset.from_frames(**make_frames(seed=6, months=30, base=6.0)), root / "data", format="csv")
    return root


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_validate_refuses_what_the_run_refuses_with_the_same_message(council, name):
    text, key, command = CONFIGS[name]
    config = council / f"{name}.toml"
    config.write_text(text)
    checked = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    run = CliRunner().invoke(cli, [command, "--config", str(config), *(["--dry-run"] if command == "forecast" else [])])
    assert run.exit_code == 2, run.output
    assert checked.exit_code == 2, checked.output
    assert "valid" not in checked.stdout
    assert key in checked.output and _last_line(checked.output) == _last_line(run.output)
    # named at the key's line in the file
    line = next(k for k, row in enumerate(text.splitlines(), 1) if row.startswith(key.split(".")[1]))
    assert f"{config}, line {line}: {key}" in checked.output


def test_a_forecast_window_without_data_gives_the_datas_periods(council):
    config = council / "window.toml"
    config.write_text(BASE + FORECAST + "start = 2030-01-01\n")
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "the data's complete periods run from 2020-" in result.output and "to 2022-" in result.output


def test_validate_checks_the_output_folders_earlier_runs(council):
    runs = council / "stray"
    (runs / "old").mkdir(parents=True)
    (runs / "old" / "observed.csv").write_text("unique_id,ds,y\nrequests/E08000026,2021-01-01,40\n")
    config = council / "stray.toml"
    config.write_text(BASE.replace('"runs"', '"stray"') + FORECAST)
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "old" in result.output and "run.json" in result.output


def test_validate_passes_a_config_the_run_takes(council):
    config = council / "fine.toml"
    config.write_text(BASE + FORECAST + "backtest_windows = 1\n")
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"config {config}: valid" in result.output
    report = council / "fine_report.toml"
    report.write_text(BASE + "[report]\nmonths = 12\n")
    assert CliRunner().invoke(cli, ["validate", "--config", str(report)]).exit_code == 0
