"""What a new analyst meets on the command line: the forecast summary, warnings, exit codes for
bad presets, tidy CSV numbers, linked households, and exclusions that reach run.json."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from earlyhelp import Dataset, read_dataset, write_dataset
from earlyhelp.cli.main import cli

from cli_helpers import make_frames, write_config


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("newcomer_data")
    write_dataset(Dataset.from_frames(**make_frames(seed=5, months=36, base=8.0)), folder, format="parquet")
    return folder


@pytest.fixture(scope="module")
def council_folder(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("newcomer_council")
    write_dataset(synthetic.council(preset="coventry", years=2, scale=0.05, seed=4), folder, format="parquet")
    return folder


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory, small_folder):
    base = tmp_path_factory.mktemp("newcomer_run")
    config = write_config(base / "c.toml", small_folder, base / "runs")
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return base, config, result


def test_forecast_ends_with_a_summary(forecast_run):
    base, _, result = forecast_run
    run = next((base / "runs").iterdir())
    record = json.loads((run / "run.json").read_text())
    accuracy = pd.read_parquet(run / "accuracy.parquet")
    mean = accuracy.groupby("model")["mase"].mean()
    summary = result.stderr
    assert f"forecast {record['series']['n_series']:,} series" in summary
    # the summary averages every series; the published table withholds those with small counts
    assert set(mean.index) and re.search(r"best model by MASE: \w+ \(mean MASE \d+\.\d\d", summary)
    assert f"report: {run / 'report.html'}" in summary
    assert result.stdout.strip() == str(run)          # stdout still holds just the folder


def test_series_exclusions_reach_run_json(forecast_run, small_folder):
    """demand_series' exclusions (events outside the complete periods, ...) are recorded, with their table."""
    from earlyhelp.forecast import demand_series

    base, config, _ = forecast_run
    run = next((base / "runs").iterdir())
    record = json.loads((run / "run.json").read_text())
    series = demand_series(read_dataset(small_folder), freq="MS", measures=["requests", "episodes_opened"])
    expected = [{**e, "rows": "c"} if 1 <= e["rows"] <= 5 else e for e in series.excluded.records()]
    assert expected, "the test data should leave some events out"
    for item in expected:
        assert item in record["excluded"], item
    assert {"table", "step", "reason"} <= set(record["excluded"][0])


def test_forecast_csv_numbers_are_rounded(forecast_run):
    base, _, _ = forecast_run
    run = next((base / "runs").iterdir())
    decimals = []
    for name in ("forecasts", "accuracy", "capacity"):
        text = (run / f"{name}.csv").read_text()
        found = [len(m) for m in re.findall(r"\.(\d+)", text)]
        assert not found or max(found) <= 4, name
        decimals += found
    # (series with a suppressed count are withheld: on this small council there may be none shown)
    assert len(pd.read_csv(run / "forecasts.csv")) > 0


def test_network_csv_counts_are_integers_and_numbers_rounded(tmp_path, council_folder):
    result = CliRunner().invoke(cli, ["network", "--data", str(council_folder), "--out", str(tmp_path / "net"),
                                      "--no-allocate"])
    assert result.exit_code == 0, result.output
    run = Path(result.stdout.strip())
    caseloads = pd.read_csv(run / "caseloads.csv")
    def counts(values: pd.Series) -> pd.Series:      # small counts are suppressed ("c") by the publication gate
        return pd.to_numeric(values[values.astype(str) != "c"])

    for col in ("open_families", "lead_families", "caseload_capacity"):
        assert pd.api.types.is_integer_dtype(counts(caseloads[col])), col
    for name in ("agencies", "agency_links"):          # a graph weight, computed as a float, is a count
        shared = counts(pd.read_csv(run / f"{name}.csv")["shared_families"])
        assert pd.api.types.is_integer_dtype(shared) or shared.empty, name
    for name in ("caseloads", "agencies", "agency_links"):
        text = (run / f"{name}.csv").read_text()
        assert not re.search(r"\.\d{5,}", text), name


def test_linked_households_lists_linked_families_only(tmp_path, council_folder):
    from earlyhelp.network import FamilyNetwork

    folder = council_folder
    result = CliRunner().invoke(cli, ["network", "--data", str(folder), "--out", str(tmp_path / "net"),
                                      "--no-allocate"])
    assert result.exit_code == 0, result.output
    linked = pd.read_parquet(Path(result.stdout.strip()) / "linked_households.parquet")
    everyone = FamilyNetwork.from_dataset(read_dataset(folder)).linked_households()
    assert len(linked) and (linked["group_size"] > 1).all()
    assert set(linked["family_id"]) == set(everyone.loc[everyone["group_size"] > 1, "family_id"])


def test_at_after_the_end_of_the_data_warns(tmp_path, council_folder):
    result = CliRunner().invoke(cli, ["network", "--data", str(council_folder), "--out", str(tmp_path / "net"),
                                      "--no-allocate", "--at", "2100-01-01"])
    assert result.exit_code == 0, result.output
    end = read_dataset(council_folder).data_end().date()
    assert f"--at 2100-01-01 is after the end of the data ({end})" in result.stderr
    quiet = CliRunner().invoke(cli, ["network", "--data", str(council_folder), "--out", str(tmp_path / "net2"),
                                     "--no-allocate", "--at", str(end)])
    assert quiet.exit_code == 0 and "after the end of the data" not in quiet.stderr


def test_bad_preset_exits_2_in_every_command(tmp_path, small_folder):
    runner = CliRunner()
    synth = runner.invoke(cli, ["synth", "--preset", "birmingham", "--out", str(tmp_path / "x")])
    assert synth.exit_code == 2 and "coventry" in synth.output and not (tmp_path / "x").exists()
    demo = runner.invoke(cli, ["demo", "--preset", "birmingham"])
    assert demo.exit_code == 2
    config = tmp_path / "bad.toml"
    config.write_text('[source]\nkind = "synthetic"\npreset = "birmingham"\n')
    for args in (["forecast", "--config", str(config), "--dry-run"], ["validate", "--config", str(config)],
                 ["network", "--config", str(config), "--out", str(tmp_path / "n")],
                 ["score", "--config", str(config), "--out", str(tmp_path / "s")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "source.preset" in result.output and "coventry" in result.output, args
