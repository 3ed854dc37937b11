"""The `earlyhelp` command line: help, exit codes, stderr/stdout, progress, run folders, failures.

Runs on a small seeded dataset in a folder (tests/cli/cli_helpers.py) so it stays quick; the
full example against the synthetic council and PostgreSQL is in test_forecast_run.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from earlyhelp import Dataset, write_dataset
from earlyhelp.cli.main import cli

from cli_helpers import html_tables, make_frames, run_cli, write_config

COMMANDS = ("demo", "validate", "synth", "forecast", "score", "network")


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    write_dataset(Dataset.from_frames(**make_frames(seed=3, months=40, base=8.0)), folder, format="parquet")
    return folder


# -- help ---------------------------------------------------------------------------------
def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name}" in result.output
    assert "Exit codes: 0 ok, 1 failure, 2 bad input or config" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_help_for_each_command(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {command}" in result.output or f"Usage: earlyhelp {command}" in result.output
    assert "--help" in result.output


# -- exit codes and messages ----------------------------------------------------------------
def test_bad_config_exit_2_names_the_key(tmp_path, data_folder):
    config = write_config(tmp_path / "bad.toml", data_folder, tmp_path / "runs", horizon="0", models='["Prophet"]')
    result = run_cli("forecast", "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "bad config" in result.stderr
    assert "forecast.horizon: must be at least 1" in result.stderr
    assert "unknown value 'Prophet'" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_missing_config_file_exit_2(tmp_path):
    result = run_cli("forecast", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "config file not found" in result.stderr


def test_bad_data_exit_2_says_what_to_fix(tmp_path):
    frames = make_frames(seed=3, months=30, base=6.0)
    episodes = frames["episodes"].copy()
    episodes.loc[4, "end_date"] = episodes.loc[4, "start_date"] - pd.Timedelta(days=10)
    frames["episodes"] = episodes
    folder = tmp_path / "bad_data"
    folder.mkdir()
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    config = write_config(tmp_path / "c.toml", folder, tmp_path / "runs")
    for args in (["forecast", "--config", str(config)], ["forecast", "--config", str(config), "--dry-run"],
                 ["validate", "--data", str(folder)]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "bad input" in result.stderr
        assert "episodes.end_date" in result.stderr and "before start_date" in result.stderr
        assert episodes.loc[4, "episode_id"] in result.stderr          # names the row
    assert not (tmp_path / "runs").exists()


def test_usage_errors_exit_2():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2 and "give exactly one of --config, --data or --sql" in result.output
    result = CliRunner().invoke(cli, ["forecast"])
    assert result.exit_code == 2 and "--config" in result.output


@pytest.mark.parametrize("call", ["main", "runner", "failing"])
def test_in_process_run_gives_the_callers_logging_back(call, data_folder, caplog):
    """A notebook that runs a command in-process still sees the package's warnings afterwards."""
    import logging

    from earlyhelp.cli.main import main

    package = logging.getLogger("earlyhelp")
    marker = logging.NullHandler()
    package.addHandler(marker)
    package.setLevel(logging.INFO)
    try:
        if call == "main":
            assert main(["validate", "--data", str(data_folder)]) == 0
        elif call == "runner":
            assert CliRunner().invoke(cli, ["-q", "validate", "--data", str(data_folder)]).exit_code == 0
        else:
            assert main(["validate", "--data", str(data_folder / "missing")]) == 2
        assert package.handlers == [marker] and package.propagate and package.level == logging.INFO
        with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"):
            logging.getLogger("earlyhelp.forecast.forecaster").warning("seen by the caller")
        assert "seen by the caller" in caplog.text
    finally:
        package.removeHandler(marker)
        package.setLevel(logging.NOTSET)


def test_score_without_its_dependencies_exits_1(monkeypatch, data_folder, tmp_path):
    import earlyhelp.cli.scorerun as scorerun

    monkeypatch.setattr(scorerun, "risk_missing", lambda: "it needs scikit-learn: pip install scikit-learn")
    result = CliRunner().invoke(cli, ["score", "--data", str(data_folder), "--out", str(tmp_path / "scores")])
    assert result.exit_code == 1
    assert "score is not available here: it needs scikit-learn" in result.output
    assert not (tmp_path / "scores").exists()


def test_unexpected_failure_exit_1(monkeypatch, tmp_path, data_folder):
    import earlyhelp.cli.forecastrun as forecastrun

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(forecastrun, "backtest", broken)
    config = write_config(tmp_path / "c.toml", data_folder, tmp_path / "runs")
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 1
    assert "failed: RuntimeError: disk on fire" in result.output
    assert not list((tmp_path / "runs").glob("*")) if (tmp_path / "runs").exists() else True


def test_forecast_input_error_from_the_core_exit_2(monkeypatch, tmp_path, data_folder):
    """Input the compiled core rejects is bad input like any other: exit 2 with its message."""
    import earlyhelp.cli.forecastrun as forecastrun
    from earlyhelp._native import forecast as core

    def core_rejects(*args, **kwargs):  # indptr that does not cover y: the core's own check
        return core.forecast_series(core.ModelSpec(core.ModelKind.Naive), y=np.ones(3), indptr=np.array([0, 5]),
                                    h=1, levels=[])

    monkeypatch.setattr(forecastrun, "backtest", core_rejects)
    config = write_config(tmp_path / "c.toml", data_folder, tmp_path / "runs")
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "indptr must run from 0 to len(y)" in result.output
    assert not list((tmp_path / "runs").glob("*")) if (tmp_path / "runs").exists() else True


# -- a run ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run(tmp_path_factory, data_folder):
    base = tmp_path_factory.mktemp("run")
    config = write_config(base / "c.toml", data_folder, base / "runs")
    result = run_cli("forecast", "--config", str(config))
    return base, config, result


def test_run_writes_the_full_folder_and_logs_to_stderr(small_run):
    base, _, result = small_run
    assert result.returncode == 0, result.stderr
    folders = [p for p in (base / "runs").iterdir()]
    assert len(folders) == 1 and result.stdout.strip() == str(folders[0])     # stdout: just the folder
    run = folders[0]
    for name in ("observed", "forecasts", "accuracy", "capacity"):
        assert (run / f"{name}.csv").stat().st_size > 0 and (run / f"{name}.parquet").stat().st_size > 0
    for png in ("forecast_requests", "forecast_episodes_opened", "accuracy", "capacity"):
        assert (run / "plots" / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>")
    # no progress bar when stderr is not a terminal (tqdm draws with \r and "|")
    assert "\r" not in result.stderr and "it/s" not in result.stderr and "step/s" not in result.stderr


def test_run_json_records_what_was_run(small_run, data_folder):
    from earlyhelp import __version__, read_dataset
    from earlyhelp.report.runfolder import rows_shown, sha256_file
    from earlyhelp.sources import content_hash

    base, _, _ = small_run
    run = next((base / "runs").iterdir())
    record = json.loads((run / "run.json").read_text())
    assert record["earlyhelp_version"] == __version__
    assert record["config"]["forecast"]["horizon"] == 6 and record["config"]["source"]["kind"] == "folder"
    expected = content_hash(read_dataset(data_folder))
    # rows of people and cases would give a hidden cell back by subtraction: "c" (rows_shown)
    assert record["inputs"]["rows"] == rows_shown({k: int(v) for k, v in expected["rows"].items()})
    assert record["inputs"]["rows"]["requests"] == "c"
    assert record["inputs"]["sha256"] == expected["sha256"]
    assert set(record["timings_seconds"]) >= {"load data", "series", "forecast", "backtest", "capacity"}
    assert all(v >= 0 for v in record["timings_seconds"].values())
    # excluded rows carry a reason and a count; the partial first period is one of them
    assert record["excluded"] and all(e.get("reason") for e in record["excluded"])
    assert any("partial" in e["reason"] for e in record["excluded"])
    # every file is listed with its hash
    for name, digest in record["files"].items():
        assert sha256_file(run / name) == digest
    assert {"forecasts.csv", "report.html", "plots/capacity.png"} <= set(record["files"])


def test_two_runs_give_identical_outputs(small_run):
    base, config, _ = small_run
    again = run_cli("forecast", "--config", str(config), "--output", str(base / "again"))
    assert again.returncode == 0, again.stderr
    first = next((base / "runs").iterdir())
    second = next((base / "again").iterdir())
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        if rel.name == "run.json":
            continue
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    a, b = (json.loads((f / "run.json").read_text()) for f in (first, second))
    for key in ("timings_seconds", "run_id"):
        a.pop(key), b.pop(key)
    a["config"].pop("output"), b["config"].pop("output")
    assert a == b            # only the timings, the run id (clock) and output path differ
    assert first.name.split("-")[-1] == second.name.split("-")[-1]      # same digest in the folder name


def test_published_counts_are_suppressed(small_run):
    """No observed count from 1 to 5 in the CSV, the report tables or the plotted history."""
    base, _, _ = small_run
    run = next((base / "runs").iterdir())
    observed = pd.read_csv(run / "observed.csv", dtype=str)
    shown = observed.loc[observed["y"] != "c", "y"].astype(int)
    assert (observed["y"] == "c").sum() > 0 and not shown.between(1, 5).any()
    typed = pd.read_parquet(run / "observed.parquet")
    assert typed["y"].isna().sum() == (observed["y"] == "c").sum()
    tables = html_tables((run / "report.html").read_text(encoding="utf-8"))
    observed_rows = tables["Observed counts"]
    cells = [c for row in observed_rows[1:] for c in row[1:]]
    assert "c" in cells
    numbers = [int(c.replace(",", "")) for c in cells if c != "c"]
    assert numbers and not any(1 <= n <= 5 for n in numbers)
    # the same cells as the CSV (the report shows the last 12 periods)
    assert len(cells) == observed["unique_id"].nunique() * min(12, observed["ds"].nunique())
    # standalone counts (rows left out, rows read) are hidden too when small
    record = json.loads((run / "run.json").read_text())
    small = [e for e in record["excluded"] if e.get("rows") == "c"]      # run.json is published: hidden there too
    assert not any(isinstance(e.get("rows"), int) and 1 <= e["rows"] <= 5 for e in record["excluded"])
    left_out = tables["Rows and series left out"]
    assert len(left_out) == len(record["excluded"]) + 1
    shown = [row[-1] for row in left_out[1:]]
    assert shown.count("c") >= len(small)
    assert not any(c not in ("c", "") and 1 <= int(c.replace(",", "")) <= 5 for c in shown)


def test_plots_draw_only_published_history(small_run):
    """The plot functions are handed the suppressed history: every drawn value is 0, > 5 or a gap."""
    import matplotlib

    matplotlib.use("Agg")
    from earlyhelp.cli.config import load_config
    from earlyhelp.report import forecast_report

    base, config, _ = small_run
    run = next((base / "runs").iterdir())
    history = pd.read_parquet(run / "observed.parquet")
    history["unique_id"] = history["unique_id"].astype(str)
    forecasts = pd.read_parquet(run / "forecasts.parquet")
    accuracy = pd.read_parquet(run / "accuracy.parquet")
    capacity = pd.read_parquet(run / "capacity.parquet")
    fc = load_config(config).forecast
    figures = forecast_report.figures(history, forecasts, accuracy, capacity, measures=fc.measures, models=fc.models,
                                      levels=fc.levels)
    lines = 0
    for name, fig in figures.items():
        if not name.startswith("forecast_"):
            continue
        for ax in fig.axes:
            for line in ax.get_lines():
                if line.get_label() == "observed":
                    y = np.asarray(line.get_ydata(), dtype=float)
                    y = y[~np.isnan(y)]
                    assert not ((y >= 1) & (y <= 5)).any(), name
                    lines += 1
    assert lines >= 4


def test_pseudonymised_run_needs_the_key(tmp_path, data_folder):
    config = write_config(tmp_path / "c.toml", data_folder, tmp_path / "runs")
    config.write_text(config.read_text().replace("suppression_threshold = 5",
                                                 "suppression_threshold = 5\npseudonymise = true"))
    result = run_cli("forecast", "--config", str(config), "--dry-run", env={"EARLYHELP_PSEUDO_KEY": ""})
    assert result.returncode == 2 and "EARLYHELP_PSEUDO_KEY" in result.stderr
    result = run_cli("forecast", "--config", str(config), "--dry-run", env={"EARLYHELP_PSEUDO_KEY": "k3y-0123456789-abcdefghij-klmnopqrstu"})
    assert result.returncode == 0, result.stderr


def test_dry_run_writes_nothing(tmp_path, data_folder):
    config = write_config(tmp_path / "c.toml", data_folder, tmp_path / "runs")
    result = run_cli("forecast", "--config", str(config), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: config and data valid" in result.stdout
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("where", ["report", "run.json"])
def test_failed_run_leaves_no_folder(monkeypatch, tmp_path, data_folder, where):
    """A failure while the outputs are being written leaves neither a run folder nor partial files."""
    import earlyhelp.report.forecast_report as report_mod
    from earlyhelp.report.runfolder import RunFolder

    if where == "report":
        def broken(*args, **kwargs):
            raise OSError("no space left on device")
        monkeypatch.setattr(report_mod, "build_report", broken)
    else:
        original = RunFolder._write_json

        def broken(self, name, data):
            original(self, name, data)          # half written ...
            raise OSError("no space left on device")
        monkeypatch.setattr(RunFolder, "_write_json", broken)
    config = write_config(tmp_path / "c.toml", data_folder, tmp_path / "runs")
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 1
    assert "no space left on device" in result.output
    # nothing that looks like a run, no .partial, and no empty runs folder the failed run made
    assert not (tmp_path / "runs").exists()


def test_progress_on_a_terminal_only():
    """tqdm shows on a terminal, not in a pipe, and never with EARLYHELP_NO_PROGRESS."""
    import pty

    code = "from earlyhelp._native import progress_enabled; print(progress_enabled())"
    env = {k: v for k, v in os.environ.items() if k != "EARLYHELP_NO_PROGRESS"}
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert piped.stdout.strip() == "False"
    for extra, expected in (({}, "True"), ({"EARLYHELP_NO_PROGRESS": "1"}, "False")):
        leader, follower = pty.openpty()
        try:
            done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=follower, text=True,
                                  env={**env, **extra}, timeout=60)
        finally:
            os.close(follower)
            os.close(leader)
        assert done.stdout.strip() == expected, extra


def test_outputs_name_places_never_code_them(small_run):
    """Report, figures and the tables' label columns say "Coventry / South", never "E08000026/L2"."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from earlyhelp.cli.config import load_config
    from earlyhelp.report import forecast_report

    codes = re.compile(r"\bE08000026\b|\bL[123]\b")
    base, config, _ = small_run
    run = next((base / "runs").iterdir())
    text = re.sub(r"<img[^>]*>", "", (run / "report.html").read_text(encoding="utf-8"))
    assert not codes.search(text), codes.search(text)
    observed = html_tables(text)["Observed counts"]
    assert {"Requests: Coventry", "Requests: Coventry / North", "Episodes opened: Coventry / East"} <= \
        {row[0] for row in observed[1:]}
    for name in ("observed", "forecasts", "accuracy", "capacity"):
        table = pd.read_csv(run / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(table.columns[table.columns.get_loc("unique_id"):][:3]) == ["unique_id", "council", "locality"]
        assert set(table["council"]) == {"Coventry"} and set(table["locality"]) == {"", "North", "South", "East"}
        depth = table["unique_id"].str.count("/")
        assert (table["locality"] == "").eq(depth == 1).all(), name        # council rows: no locality
    capacity = pd.read_csv(run / "capacity.csv", dtype=str)
    assert set(capacity["area"]) == {"Coventry", "North", "South", "East"}
    # the figures, drawn again from the published tables
    fc = load_config(config).forecast
    figures = forecast_report.figures(pd.read_parquet(run / "observed.parquet"),
                                      pd.read_parquet(run / "forecasts.parquet"),
                                      pd.read_parquet(run / "accuracy.parquet"),
                                      pd.read_parquet(run / "capacity.parquet"),
                                      measures=fc.measures, models=fc.models, levels=fc.levels)
    labels = []
    for fig in figures.values():
        labels.append(fig.get_suptitle())
        for ax in fig.axes:
            labels.append(ax.get_title())
            labels += [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
            labels += [t.get_text() for t in ax.get_yticklabels()]
        plt.close(fig)
    assert {"Coventry", "Coventry / North"} <= set(labels)
    # the capacity chart names the localities it draws; with all of them withheld it draws the council
    capacity = pd.read_parquet(run / "capacity.parquet")
    drawn = capacity.loc[(capacity["level"] == "locality") & capacity["fte"].notna(), "area"]
    assert set(drawn) <= set(labels)
    assert len(drawn) or "Practitioners needed (baseline; localities withheld)" in labels
    assert not [t for t in labels if codes.search(t)]


def test_a_reader_that_stops_reading_does_not_fail_the_command(tmp_path):
    """`earlyhelp ... | head -0`: the output's reader leaves before the last line, and the
    command's work still completes and exits 0 (it said "failed" and exited 1, so a scheduler
    ran a published run again)."""
    env = {**os.environ, "EARLYHELP_NO_PROGRESS": "1"}
    command = [sys.executable, "-m", "earlyhelp", "synth", "--scale", "0.02", "--years", "1", "--out",
               str(tmp_path / "tables")]
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads stdout
    try:
        done = subprocess.run(command, stdout=writer, stderr=subprocess.PIPE, text=True, env=env, timeout=300)
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stderr and "BrokenPipe" not in done.stderr
    assert len(list((tmp_path / "tables").glob("*.parquet"))) >= 10
