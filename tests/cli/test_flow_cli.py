"""``earlyhelp flow --config``: one complete run folder, small numbers kept out, bad config named."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from earlyhelp.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flow.toml"


def _config(tmp_path: Path, **replace: str) -> Path:
    text = EXAMPLE.read_text().replace('output = "runs"', f'output = "{tmp_path / "runs"}"')
    text = text.replace("runs = 500", "runs = 50").replace("months = 36", "months = 12")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "flow.toml"
    path.write_text(text)
    return path


def test_flow_run_writes_one_complete_folder(tmp_path):
    result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp_path))])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    names = {p.name for p in folder.iterdir()}
    assert {"stocks.csv", "fan.csv", "scenarios.csv", "costs.csv", "fan_chart.png", "run.json"} <= names
    record = json.loads((folder / "run.json").read_text())
    assert record["command"] == "flow" and set(record["files"]) >= {"fan.csv", "scenarios.parquet"}
    scen = pd.read_csv(folder / "scenarios.csv")
    assert set(scen["scenario"]) == {"baseline", "20% fewer step-ups from April 2025", "10% more Early Help"}
    fan = pd.read_csv(folder / "fan.csv")
    assert {"q05", "q50", "q95", "mean"} <= set(fan.columns)


def test_small_starting_stocks_are_left_out(tmp_path):
    path = _config(tmp_path, **{"suppression_threshold = 5": "suppression_threshold = 30"})
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    record = json.loads((folder / "run.json").read_text())
    hidden = record["suppressed_states"]
    assert hidden  # a quarter-size council has fewer than 30 children in some placement
    for name, value in (("stocks.csv", "stock"), ("fan.csv", "q50")):
        frame = pd.read_csv(folder / name)
        assert not set(frame["state"]) & set(hidden + ["all"])
        # the other states keep their figures: only totals over every state would give a hidden one away
        assert value in frame.columns and frame[value].notna().all() and len(frame), name
        assert {"cin", "early_help"} <= set(frame["state"])
    scen = pd.read_csv(folder / "scenarios.csv")
    assert not set(scen.columns) & set(hidden + ["stock", "cost", "cost_avoided"])
    assert not (folder / "costs.csv").exists()
    assert "hidden" in record["costs_withheld"]     # and run.json says why there is no costs table


def test_bad_config_is_named(tmp_path):
    path = _config(tmp_path, **{'categories = "continuum"': 'categories = "mystery"'})
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code == 2
    assert "model.categories" in result.output


def test_entry_trend_is_read_and_recorded(tmp_path):
    from earlyhelp.cli.flowrun import load_flow_config

    trended = _config(tmp_path, **{"entry_trend = false": "entry_trend = true"})
    assert load_flow_config(str(trended)).switches["entry_trend"] is True
    plain = _config(tmp_path, **{"entry_drift = true": "entry_drift = false"})
    assert load_flow_config(str(plain)).switches == {"entry_trend": False, "entry_season": False,
                                                     "entry_overdispersion": True, "entry_drift": False,
                                                     "rate_uncertainty": True}
    bad = _config(tmp_path, **{"entry_trend = false": 'entry_trend = "yes"'})
    result = CliRunner().invoke(cli, ["flow", "--config", str(bad)])
    assert result.exit_code == 2 and "model.entry_trend" in result.output


def test_fan_chart_is_a_grid_of_states_named_in_words():
    from earlyhelp.cli.flowrun import _fan_chart
    from earlyhelp.flow.categories import PRESETS

    states = PRESETS["continuum"]().states
    dates = pd.date_range("2025-04-30", periods=6, freq="ME")
    fan = pd.DataFrame([{"date": d, "state": s, "mean": 10.0, "q05": 8.0, "q50": 10.0, "q95": 12.0}
                        for s in states for d in dates])
    fig = _fan_chart(fan, hidden=set())
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(states) == 8 and fig.get_size_inches()[0] < 16   # two rows of four, not one of eight
    assert [ax.get_title() for ax in shown][2:4] == ["Child in need", "Child protection"]
    assert shown[0].get_legend().get_texts()[0].get_text() == "5-95% band"


def test_validate_checks_a_flow_config_as_one(tmp_path):
    # [model], [costs] and [scenarios] are flow's: validate must not read the file as a forecast config
    good = CliRunner().invoke(cli, ["validate", "--config", str(_config(tmp_path))])
    assert good.exit_code == 0, good.output
    assert "valid" in good.output and "persons" in good.output and "cla_episodes" in good.output
    bad = CliRunner().invoke(cli, ["validate", "--config",
                                   str(_config(tmp_path, **{"inflation = 0.03": "inflation = 0.03\nfoo = 1"}))])
    assert bad.exit_code == 2 and "costs.foo" in bad.output, bad.output


def test_goal_seek_table_is_written_and_hidden_states_are_withheld(tmp_path):
    result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp_path))])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    goals = pd.read_csv(folder / "goal_seek.csv")
    row = goals.iloc[0]
    assert row["goal"] == "CIN plans down a tenth by March 2027" and row["state"] == "cin"
    # a deeper cut meets the target in 80% of the runs than the projection's answer does in its share
    assert 0 < row["multiplier_for_chance"] < row["multiplier"] < 1.2 and 0 < row["met_share"] < 0.8
    assert row["lower"] <= row["multiplier"] <= row["upper"]
    # a goal on a state left out of the tables (children in residential care, at a threshold of 30)
    # is withheld, and run.json says so
    hidden = _config(tmp_path, **{"suppression_threshold = 5": "suppression_threshold = 30",
                                  'state = "cin"': 'state = "residential"', "target_stock = 370": "target_stock = 10",
                                  "chance = 0.8": "chance = 0.5", "draws = 50": "draws = 5"})
    result = CliRunner().invoke(cli, ["flow", "--config", str(hidden)])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    record = json.loads((folder / "run.json").read_text())
    assert "residential" in record["suppressed_states"]
    assert record["goal_seek_withheld"] == ["CIN plans down a tenth by March 2027"]
    assert pd.read_csv(folder / "goal_seek.csv").empty


def test_goal_seek_config_is_checked(tmp_path):
    cases = [("target_stock = 370 ", "budget = 1e6\ntarget_stock = 370 ", "goal_seek[0]"),       # both
             ('until = "2027-03-31"', 'until = "2027-03-15"', "goal_seek[0].until"),           # not a month end
             ("chance = 0.8 ", "chance = 1.5 ", "goal_seek[0].chance"),
             ('rate = "entry:cin"', 'rate = "entry:nowhere"', "goal_seek[0].rate"),
             ('state = "cin"', 'state = "cin"\nwhen = 3', "goal_seek[0]")]                      # unknown key
    for old, new, key in cases:
        result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp_path, **{old: new}))])
        assert result.exit_code == 2 and key in result.output, (old, result.output)
