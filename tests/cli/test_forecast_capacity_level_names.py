"""earlyhelp forecast with hierarchy = ["locality", "council", "region"]: capacity.csv names each
row's level by its own name. Every level above the locality was called "council", so the region
row was a second "council" row and summing the council rows counted the council twice."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from cli_helpers import run_cli

CONFIG = """\
[run]
name = "region-levels"
output = "{output}"

[source]
kind = "synthetic"
preset = "coventry"
years = 4
scale = 0.3
seed = 1

[forecast]
measures = ["episodes_opened"]
freq = "MS"
horizon = 3
season_length = 12
models = ["SeasonalNaive", "Naive"]
levels = [80, 95]
hierarchy = {hierarchy}
reconcile = "bottom_up"
backtest_windows = 1
backtest_step = 3

[capacity]
measure = "episodes_opened"
caseload_per_fte = 12
episode_weeks = 16

[publish]
suppression_threshold = 5
"""


def _capacity(tmp_path: Path, hierarchy: str) -> pd.DataFrame:
    out = tmp_path / "runs"
    config = tmp_path / "forecast.toml"
    config.write_text(CONFIG.format(output=out.as_posix(), hierarchy=hierarchy))
    result = run_cli("forecast", "--config", str(config), timeout=600)
    assert result.returncode == 0, result.stderr
    (run,) = list(out.iterdir())
    return pd.read_csv(run / "capacity.csv")


def test_each_level_is_named_by_the_hierarchy(tmp_path):
    cap = _capacity(tmp_path, '["locality", "council", "region"]')
    depth = cap["unique_id"].str.count("/")
    assert (cap.loc[depth == 1, "level"] == "region").all() and (depth == 1).any()
    assert (cap.loc[depth == 2, "level"] == "council").all() and (depth == 2).any()
    assert (cap.loc[depth == 3, "level"] == "locality").all() and (depth == 3).any()
    base = cap[(cap["scenario"] == "baseline") & (cap["ds"] == cap["ds"].min())]
    council = base[base["level"] == "council"]
    assert len(council) == 1 and council["area"].iloc[0] == "Coventry"
    # the one council of the region: its FTE is the region's, counted once
    assert council["fte"].sum() == base.loc[base["level"] == "region", "fte"].sum()
