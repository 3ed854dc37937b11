"""Odd input to the commands a scheduled script runs: each stops with exit 2, names the key or
option and writes nothing, instead of crashing late, publishing zeros or writing over earlier files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from earlyhelp import ConfigError, ValidationError
from earlyhelp.cli.main import cli

SMALL_SOURCE = '[source]\nkind = "synthetic"\nyears = 2\nscale = 0.1\n'


def _forecast_config(tmp_path: Path, output: str, forecast: str = "") -> Path:
    config = tmp_path / "forecast.toml"
    config.write_text(f'[run]\nname = "t"\noutput = "{output}"\n{SMALL_SOURCE}'
                      f'[forecast]\nmeasures = ["requests"]\nhorizon = 3\nmodels = ["SeasonalNaive"]\n'
                      f'reconcile = "none"\n{forecast or "backtest_windows = 0"}\n')
    return config


def _report_config(tmp_path: Path, report: str, output: str = "runs") -> Path:
    config = tmp_path / "report.toml"
    config.write_text(f'[run]\nname = "r"\noutput = "{output}"\n{SMALL_SOURCE}{report}')
    return config


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _no_data_read(monkeypatch) -> None:
    """Fail the test if a command reads its data (the check must come first)."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("data read before the output folder was checked")

    monkeypatch.setattr("earlyhelp.sources.load_source", refuse)
    monkeypatch.setattr("earlyhelp.cli.main._load", refuse)


# -- an output folder that cannot be made is found before any work --------------------------
@pytest.mark.parametrize("dry_run", [False, True])
def test_forecast_output_inside_a_file_stops_before_reading_data(tmp_path, monkeypatch, dry_run):
    (tmp_path / "afile").write_text("not a folder")
    _no_data_read(monkeypatch)
    config = _forecast_config(tmp_path, "afile/runs")
    result = _invoke("forecast", "--config", str(config), *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 2, result.output
    assert "run.output" in result.output and "is a file" in result.output and "Traceback" not in result.output
    override = _invoke("forecast", "--config", str(config), "--output", str(tmp_path / "afile" / "x"))
    assert override.exit_code == 2 and "--output" in override.output, override.output


@pytest.mark.parametrize("command", ["network", "score"])
def test_network_and_score_out_inside_a_file_stop_before_reading_data(tmp_path, monkeypatch, command):
    (tmp_path / "afile").write_text("not a folder")
    _no_data_read(monkeypatch)
    config = _forecast_config(tmp_path, "runs")
    result = _invoke(command, "--config", str(config), "--out", str(tmp_path / "afile" / "runs"))
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "is a file" in result.output


def test_report_output_inside_a_file_stops_before_reading_data(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("not a folder")
    _no_data_read(monkeypatch)
    result = _invoke("report", "--config", str(_report_config(tmp_path, "", output="afile/runs")))
    assert result.exit_code == 2 and "run.output" in result.output, result.output
    config = _report_config(tmp_path, "")
    override = _invoke("report", "--config", str(config), "--output", str(tmp_path / "afile" / "x"))
    assert override.exit_code == 2 and "--output" in override.output, override.output


@pytest.mark.parametrize("command", ["synth", "demo"])
def test_synth_and_demo_out_inside_a_file_stop_before_generating(tmp_path, command):
    (tmp_path / "afile").write_text("not a folder")
    result = _invoke(command, "--years", "2", "--scale", "0.05", "--out", str(tmp_path / "afile" / "x"))
    assert result.exit_code == 2 and "--out" in result.output and "is a file" in result.output, result.output


# -- synth and demo do not write over an earlier dataset ------------------------------------
@pytest.mark.parametrize("command", ["synth", "demo"])
def test_synth_and_demo_refuse_a_folder_holding_tables(tmp_path, command):
    folder = tmp_path / "council"
    folder.mkdir()
    (folder / "requests.parquet").write_bytes(b"earlier data")
    args = [command, "--years", "2", "--scale", "0.05", "--out", str(folder)]
    result = _invoke(*(args + (["--format", "csv"] if command == "synth" else [])))
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "requests.parquet" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["requests.parquet"]
    assert (folder / "requests.parquet").read_bytes() == b"earlier data"


def test_synth_into_an_empty_folder_still_writes(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    result = _invoke("synth", "--years", "2", "--scale", "0.05", "--out", str(folder), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert (folder / "requests.csv").is_file()


# -- the report config -------------------------------------------------------------------------
@pytest.mark.parametrize("report, key, words", [
    ('[report]\nmeasures = []\n', "report.measures", "non-empty"),
    ('[report]\nmeasures = ["requests", "requests"]\n', "report.measures", "twice"),
    ('[report.targets]\nclosed_within_16_weeks = nan\n', "report.targets.closed_within_16_weeks", "finite"),
    ('[report.targets]\nclosed_within_16_weeks = inf\n', "report.targets.closed_within_16_weeks", "finite"),
    ('[report.targets]\nclosed_within_16_weeks = 87\n', "report.targets.closed_within_16_weeks", "0.87"),
    ('[report]\ntargets = 0.87\n', "report.targets", "must be a table"),
    ('[report]\nchange_points = ["2024-01"]\n', "report.change_points", "must be a table"),
    ('[report.change_points]\nclosed_within_16_weeks = ["2024-13"]\n',
     "report.change_points.closed_within_16_weeks", "months like"),
    ('[report.change_points]\nclosed_within_16_weeks = ["January"]\n',
     "report.change_points.closed_within_16_weeks", "months like"),
    ('[report]\nend = ""\n', "report.end", "must be a date"),
    ('[report]\nend = "03/04/2024"\n', "report.end", "YYYY-MM-DD"),  # pandas read it as 4 March
    ('[report]\nend = 2024\n', "report.end", "YYYY-MM-DD"),  # and this as 1 January
    ('[report]\nend = "2024-06-30T12:00:00+05:00"\n', "report.end", "YYYY-MM-DD"),
])
def test_report_config_problems_name_the_key(tmp_path, report, key, words):
    from earlyhelp.cli.reportrun import load_report_config

    with pytest.raises(ConfigError) as err:
        load_report_config(str(_report_config(tmp_path, report)))
    problem = next(p for p in err.value.problems if p.column == key)
    assert words in problem.message


def test_report_targets_of_counts_and_shares_in_range_are_kept(tmp_path):
    from earlyhelp.cli.reportrun import load_report_config

    cfg = load_report_config(str(_report_config(
        tmp_path, '[report.targets]\nclosed_within_16_weeks = 0.87\nrequests = 120\n'
                  '[report.change_points]\nclosed_within_16_weeks = ["2024-01", "2024-12"]\n')))
    assert cfg.options.targets == {"closed_within_16_weeks": 0.87, "requests": 120.0}
    assert cfg.options.change_points == {"closed_within_16_weeks": ["2024-01", "2024-12"]}


@pytest.mark.parametrize("end, words", [("2099-01-01", "after the end of the data"),
                                        ("2001-01-31", "before the data begin")])
def test_report_end_outside_the_data_is_refused_not_published_as_zeros(tmp_path, end, words):
    config = _report_config(tmp_path, f'[report]\nend = {end}\nmonths = 12\n')
    result = _invoke("report", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "report.end" in result.output and words in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_report_months_before_the_data_begin_is_refused(tmp_path):
    result = _invoke("report", "--config", str(_report_config(tmp_path, '[report]\nmonths = 60\n')))
    assert result.exit_code == 2, result.output
    assert "report.months" in result.output and "report.months = 24 or fewer" in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# -- config files saved in another encoding -----------------------------------------------------
def test_config_not_utf8_names_the_file(tmp_path):
    config = _forecast_config(tmp_path, "runs")
    config.write_bytes(config.read_bytes().replace(b'name = "t"', 'name = "Café"'.encode("cp1252")))
    for command in ("forecast", "report"):
        result = _invoke(command, "--config", str(config))
        assert result.exit_code == 2, result.output
        assert str(config) in result.output and "UTF-8" in result.output


def test_config_with_a_byte_order_mark_says_so(tmp_path):
    config = _forecast_config(tmp_path, "runs")
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    result = _invoke("forecast", "--config", str(config), "--dry-run")
    assert result.exit_code == 2 and str(config) in result.output and "byte-order mark" in result.output


# -- --at ----------------------------------------------------------------------------------------
def test_at_accepts_iso_dates_only():
    from earlyhelp.cli.asof import as_of

    assert as_of("2024-04-03", None, after_end="") == __import__("pandas").Timestamp("2024-04-03")
    for text in ("03/04/2024", "3 April 2024", "2024", ""):
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            as_of(text, None, after_end="")


def test_network_at_before_the_data_is_refused(tmp_path):
    config = _forecast_config(tmp_path, "runs")
    result = _invoke("network", "--config", str(config), "--out", str(tmp_path / "net"), "--no-allocate",
                     "--at", "1990-01-01")
    assert result.exit_code == 2, result.output
    assert "--at" in result.output and "before the first episode" in result.output
    assert not (tmp_path / "net").exists() or not any((tmp_path / "net").iterdir())


# -- a backtest longer than the data names its keys --------------------------------------------
def test_backtest_longer_than_the_data_names_the_config_keys(tmp_path):
    # a horizon longer than the data's 23 periods leaves no window a period to learn from (a
    # backtest with fewer windows than asked runs them and records both: test_forecast_backtest_windows_used)
    config = _forecast_config(tmp_path, "runs", forecast="backtest_windows = 2")
    config.write_text(config.read_text().replace("horizon = 3", "horizon = 24"))
    result = _invoke("forecast", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "forecast.backtest_windows" in result.output and "forecast.horizon" in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# -- validate checks a report config as a report config -----------------------------------------
def test_validate_accepts_a_report_config_and_checks_its_report_section(tmp_path):
    good = _invoke("validate", "--config", str(_report_config(tmp_path, '[report]\nmonths = 12\n')))
    assert good.exit_code == 0, good.output
    assert "valid" in good.output
    bad = _invoke("validate", "--config", str(_report_config(tmp_path, '[report]\nmeasures = []\n')))
    assert bad.exit_code == 2 and "report.measures" in bad.output, bad.output


def test_python_dash_m_earlyhelp_is_the_command_line():
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "earlyhelp", "--help"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "demo" in done.stdout


def test_report_end_as_a_toml_date_or_iso_text(tmp_path):
    from earlyhelp.cli.reportrun import load_report_config

    for text in ('end = 2024-04-03', 'end = "2024-04-03"'):
        cfg = load_report_config(str(_report_config(tmp_path, f"[report]\n{text}\n")))
        assert str(cfg.options.end)[:10] == "2024-04-03"


def test_at_with_a_time_zone_is_the_day_written():
    from earlyhelp.cli.asof import as_of

    assert as_of("2024-06-30 12:00+05:00", None, after_end="") == pd.Timestamp("2024-06-30 12:00")
