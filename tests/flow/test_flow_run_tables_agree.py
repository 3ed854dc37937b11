"""``earlyhelp flow``'s tables agree with one another and with run.json: every table ends on the
same month end (stocks and scenarios ended "end + N calendar months", 28 May after 28 February,
where the fan and costs ended on 31 May); a fan band runs from the lowest quantile to the
highest whatever order they were given in; and with a state hidden, run.json says exactly which
costs are withheld."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from click.testing import CliRunner

import earlyhelp
from earlyhelp.cli import flowlocal
from earlyhelp.cli.flowrun import _fan_chart
from earlyhelp.cli.main import cli
from earlyhelp.flow import StockFlow

matplotlib.use("Agg")

COSTS = """
[costs]
unit = "week"
[costs.unit_costs]
cin = 100
cp = 200
early_help = 50
earliest_help = 20
fostering = 800
residential = 4000
supported = 1000
other_care = 1000
"""


def _run(tmp_path: Path, model: str, source: str, publish: str, extra: str = "") -> Path:
    text = f"""
[run]
name = "t"
output = "{tmp_path / 'runs'}"
[source]
kind = "synthetic"
preset = "coventry"
years = 3
{source}
[model]
{model}
{COSTS}
{extra}
[publish]
{publish}
"""
    path = tmp_path / "flow.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def test_every_table_ends_on_the_same_month_end(tmp_path):
    folder = _run(tmp_path, 'start = "2024-03-01"\nend = "2025-02-28"\nmonths = 3\nruns = 20',
                  "scale = 0.1\nseed = 1", "suppression_threshold = 0",
                  '[[scenarios]]\nname = "a"\nchanges = [{ target = ["cin", "cp"], kind = "multiply", value = 0.8 }]')
    last = {name: pd.read_csv(folder / f"{name}.csv", parse_dates=["date"])["date"].max()
            for name in ("stocks", "scenarios", "fan", "costs")}
    assert set(last.values()) == {pd.Timestamp("2025-05-31")}, last
    # the last month's cost is May's 31 days in both tables (the projection and the Monte Carlo)
    scen = pd.read_csv(folder / "scenarios.csv", parse_dates=["date"])
    may = scen[(scen.scenario == "baseline") & (scen.date == "2025-05-31")]["cost"].iloc[0]
    april = scen[(scen.scenario == "baseline") & (scen.date == "2025-04-30")]["cost"].iloc[0]
    assert 0.9 < may / april * 30 / 31 < 1.1


@pytest.fixture(scope="module")
def fan():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.1, seed=1)
    m = StockFlow().fit(ds, start="2024-04-01", end="2025-03-31")
    out = m.simulate(months=6, runs=100, seed=1, quantiles=[0.5, 0.05, 0.95])
    return out[out.age == "all"].drop(columns="age")


def test_quantiles_given_out_of_order_come_back_in_order(fan):
    assert [c for c in fan.columns if c.startswith("q")] == ["q05", "q50", "q95"]


def _shaded(ax):
    return ax.collections[0].get_paths()[0].vertices[:, 1]


def test_the_fan_band_runs_from_the_lowest_quantile_to_the_highest(fan):
    shuffled = fan[["date", "state", "mean", "q50", "q95", "q05"]]     # a published table in any order
    fig = _fan_chart(shuffled, {})
    ax = fig.axes[0]
    part = shuffled[shuffled.state == shuffled.state.unique()[0]]
    band = _shaded(ax)
    assert band.min() == pytest.approx(part.q05.min()) and band.max() == pytest.approx(part.q95.max())
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "5-95% band"


def test_the_locality_charts_band_too(fan):
    import matplotlib.pyplot as plt

    shuffled = fan[["date", "state", "mean", "q95", "q50", "q05"]]
    part = shuffled[shuffled.state == "cin"]
    fig, ax = plt.subplots()
    flowlocal._band(ax, part, "cin")
    band = _shaded(ax)
    assert band.min() == pytest.approx(part.q05.min()) and band.max() == pytest.approx(part.q95.max())
    plt.close(fig)


def test_run_json_says_which_costs_are_withheld(tmp_path):
    folder = _run(tmp_path, 'start = "2024-04-01"\nend = "2025-03-31"\nmonths = 3\nruns = 20',
                  "scale = 0.05\nseed = 0", "suppression_threshold = 10")
    record = json.loads((folder / "run.json").read_text())
    assert record["suppressed_states"]
    stocks = pd.read_csv(folder / "stocks.csv")
    assert not (folder / "costs.csv").exists()
    withheld = record["costs_withheld"]
    # the costs over all states are withheld (they would give a hidden state's away); each state
    # shown keeps its own cost, and run.json says so
    assert "cost_per_day" in stocks.columns and stocks["cost_per_day"].notna().all()
    assert "all states" in withheld and "cost_per_day" in withheld
    scen = pd.read_csv(folder / "scenarios.csv")
    assert not {"cost", "cost_avoided", "stock"} & set(scen.columns)
