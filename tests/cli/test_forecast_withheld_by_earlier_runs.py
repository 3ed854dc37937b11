"""A forecast beside the council's pack says which series it withholds because of the pack.

The council's monthly pack hid every month's council total of ``episodes_opened``; a forecast
written into its folder then withheld its council forecast and the whole capacity plan built on
it, said nothing on stderr or in run.json, and its report gave "withheld (small counts)" for
totals of 16 to 30 a month. What is withheld stays withheld (nothing derived from a count a
published run hid is published); the forecast names the series, the periods and the runs."""
from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.cli.config import load_config
from earlyhelp.cli.forecastrun import run_forecast
from earlyhelp.report.pack import PackOptions, write_pack

SOURCE = dict(preset="coventry", years=3, scale=0.1, seed=1)


def _forecast(tmp_path, output):
    config = tmp_path / "forecast.toml"
    source = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in SOURCE.items())
    config.write_text(f"""
[run]
name = "forecast"
output = "{output.as_posix()}"
[source]
kind = "synthetic"
{source}
[forecast]
measures = ["requests", "episodes_opened"]
horizon = 6
models = ["SeasonalNaive"]
levels = [80, 95]
hierarchy = ["locality", "council"]
reconcile = "bottom_up"
backtest_windows = 1
backtest_step = 3
[capacity]
measure = "episodes_opened"
caseload_per_fte = 12.0
episode_weeks = 16.0
[publish]
suppression_threshold = 5
""", encoding="utf-8")
    return run_forecast(load_config(str(config))).folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    ds = synthetic.council(**SOURCE)
    code = str(ds.localities["council_code"].iloc[0])
    beside = tmp_path_factory.mktemp("beside")
    pack = write_pack(ds, beside, options=PackOptions(months=12, end="2025-03-31"))
    return ds, code, pack


@pytest.fixture(scope="module")
def together(runs, tmp_path_factory):
    _, _, pack = runs
    logger = logging.getLogger("earlyhelp")
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        folder = _forecast(tmp_path_factory.mktemp("cfg"), pack.parent)
    finally:
        logger.removeHandler(handler)
    return folder, records


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    return _forecast(tmp_path_factory.mktemp("cfg_alone"), tmp_path_factory.mktemp("alone"))


def test_the_pack_hides_the_council_episodes_opened(runs):
    _, _, pack = runs
    monthly = pd.read_csv(pack / "measures_monthly.csv", dtype=str, keep_default_na=False)
    council = monthly[(monthly["measure"] == "episodes_opened") & (monthly["locality"] == "All localities")]
    assert (council["numerator"] == "c").all()


def test_what_is_withheld_stays_withheld(runs, together):
    _, code, _ = runs
    folder, _ = together
    forecasts = pd.read_csv(folder / "forecasts.csv", dtype=str, keep_default_na=False)
    assert (forecasts.loc[forecasts["unique_id"] == f"episodes_opened/{code}", "status"] == "c").all()


def test_run_json_names_the_series_withheld_because_of_the_pack(runs, together):
    _, code, pack = runs
    folder, _ = together
    record = json.loads((folder / "run.json").read_text())
    withheld = {w["series"]: w for w in record["withheld_by_earlier_runs"]}
    council = withheld[f"episodes_opened/{code}"]
    assert council["earlier_runs"] == [pack.name]
    assert council["periods"] > 0 and council["periods"] <= council["periods_hidden"]


def test_the_forecast_warns_of_them(runs, together):
    _, code, pack = runs
    _, records = together
    said = " ".join(r.getMessage() for r in records)
    assert f"episodes_opened/{code}" in said and pack.name in said


def test_the_report_gives_the_earlier_runs_as_the_reason(runs, together):
    _, _, pack = runs
    folder, _ = together
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "withheld (small counts)" not in html
    assert "earlier runs" in html and pack.name in html


def test_a_forecast_alone_withholds_nothing_because_of_earlier_runs(alone):
    record = json.loads((alone / "run.json").read_text())
    assert "withheld_by_earlier_runs" not in record
    assert "withheld (small counts)" not in (alone / "report.html").read_text(encoding="utf-8")
