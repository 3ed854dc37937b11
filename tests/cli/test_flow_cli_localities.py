"""``earlyhelp flow --config`` with ``[model] by = "locality"``: tables by locality with the council
total, small numbers hidden within each locality, and no hidden count recoverable by subtraction."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import earlyhelp
from earlyhelp import write_dataset
from earlyhelp.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flow.toml"
#: families whose locality is blanked: their children must be counted as excluded
NO_LOCALITY = 12


def _council(folder: Path) -> Path:
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=3)
    families = ds.families.copy()
    families.loc[families.index[:NO_LOCALITY], "locality_id"] = None
    write_dataset(ds.replace(families=families), folder, format="parquet")
    return folder


def _config(tmp_path: Path, data: Path, by: str = 'by = "locality"') -> Path:
    text = EXAMPLE.read_text().replace('output = "runs"', f'output = "{(tmp_path / "runs").as_posix()}"')
    text = text.replace("runs = 500", "runs = 40").replace("months = 36", "months = 6")
    text = text.replace('categories = "continuum"', f'categories = "continuum"\n{by}')
    source = text[text.index("\n[source]") + 1:text.index("\n[model]") + 1]
    text = text.replace(source, f'[source]\nkind = "folder"\npath = "{data.as_posix()}"\n\n')
    path = tmp_path / "flow.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("flow_localities")
    result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp, _council(tmp / "data")))])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip().splitlines()[-1])


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype={"locality": str, "state": str}, keep_default_na=False)


def test_every_table_has_the_localities_and_the_council_total(run):
    record = json.loads((run / "run.json").read_text())
    localities = record["localities"]["fitted"]
    assert record["by"] == "locality" and record["parameters"]["by"] == "locality"
    assert len(localities) == 8
    for name in ("start_stock", "stocks", "fan", "scenarios", "costs"):
        frame = _read(run, name)
        assert set(frame["locality"]) == set(localities) | {"all"}, name
    for name in ("start_stock", "stocks", "fan"):
        assert "all" in set(_read(run, name)["state"]), name
    # where nothing is hidden, the totals are the sums of their parts
    start = _read(run, "start_stock")
    checked = 0
    for dim, other in (("locality", "state"), ("state", "locality")):
        for _, group in start.groupby(other):
            if not (group["children"] == "c").any():
                values = group["children"].astype(int)
                assert values[group[dim] == "all"].sum() == values[group[dim] != "all"].sum()
                checked += 1
    assert checked
    assert (run / "fan_chart.png").exists() and (run / "fan_localities.png").exists()
    assert sorted(p.name for p in (run / "fan_charts").iterdir()) == sorted(record["fan_charts"][n].split("/")[1]
                                                                          for n in localities)


def test_children_without_a_locality_are_counted_with_the_reason(run):
    record = json.loads((run / "run.json").read_text())
    section = record["localities"]
    assert isinstance(section["children_without_a_locality_excluded"], int)
    assert section["children_without_a_locality_excluded"] > 5          # shown: above the threshold
    assert "locality_id" in section["reason"]
    assert any(e["reason"] == "spells without a locality excluded" and e["rows"] for e in record["excluded"])


def test_small_starting_stocks_are_hidden_within_each_locality(run):
    record = json.loads((run / "run.json").read_text())
    start = _read(run, "start_stock")
    hidden = start[start["children"] == "c"]
    assert len(hidden) and {(r["locality"], r["state"]) for r in record["suppressed_cells"]} == \
        set(zip(hidden["locality"], hidden["state"]))
    shown = pd.to_numeric(start.loc[start["children"] != "c", "children"])
    assert not ((shown >= 1) & (shown <= 5)).any()
    gate = record["publication"]["files"]["start_stock.csv"]["suppressed"]["children"]
    # run.json says how many cells were hidden, never how many were small (gate_record_shown)
    assert set(gate) == {"hidden"} and gate["hidden"] >= 2
    # at the start date a projection is the starting stock: the same cells are withheld
    stocks = _read(run, "stocks")
    first = stocks[stocks["date"] == stocks["date"].min()]
    assert set(zip(first.loc[first["stock"] == "c", "locality"], first.loc[first["stock"] == "c", "state"])) == \
        set(zip(hidden["locality"], hidden["state"]))


# ---------------------------------------------------------------------------------
# the differencing attack: a hidden cell as a total minus its published parts
# ---------------------------------------------------------------------------------
def _recovered(frame: pd.DataFrame, keys: List[str], value: str) -> List[Tuple]:
    """Hidden cells of ``frame`` (long: locality, state, ``keys``) worked out by subtraction: the
    council total minus the other localities, or a locality's total minus its other states."""
    found = []
    for key, part in frame.groupby(keys, sort=False) if keys else [((), frame)]:
        for dim, other in (("locality", "state"), ("state", "locality")):
            for level, group in part.groupby(other, sort=False):
                total = group[group[dim] == "all"]
                rest = group[group[dim] != "all"]
                hidden = rest[rest[value] == "c"]
                if len(total) and total[value].iloc[0] != "c" and len(hidden) == 1:
                    found.append((key, level, hidden[dim].iloc[0]))
    return found


def _weighted(stocks: pd.DataFrame) -> List[Tuple]:
    """Two hidden states of a locality from its published stock total and cost total (the
    states' unit costs differ, so two equations solve two unknowns)."""
    found = []
    for (loc, date), part in stocks.groupby(["locality", "date"], sort=False):
        states = part[part["state"] != "all"]
        total = part[part["state"] == "all"]
        if (states["stock"] == "c").any() and (total["cost_per_day"] != "c").all() and \
                (total["stock"] != "c").all():
            found.append((loc, date))
    return found


def _long_scenarios(table: pd.DataFrame, states: List[str]) -> pd.DataFrame:
    cols = [s for s in states if s in table.columns]
    long = table.melt(id_vars=["scenario", "locality", "date"], value_vars=cols, var_name="state", value_name="v")
    total = table[["scenario", "locality", "date", "stock"]].rename(columns={"stock": "v"}).assign(state="all")
    return pd.concat([long, total[long.columns]], ignore_index=True)


def test_the_differencing_attack_finds_nothing(run):
    start = _read(run, "start_stock")
    states = [s for s in start["state"].unique() if s != "all"]
    assert not _recovered(start, [], "children")
    stocks = _read(run, "stocks")
    assert not _recovered(stocks, ["date"], "stock")
    assert not _weighted(stocks)
    fan = _read(run, "fan")
    assert not _recovered(fan, ["date"], "mean")
    scen = _read(run, "scenarios")
    assert not _recovered(_long_scenarios(scen, states), ["scenario", "date"], "v")
    # costs: the council's total cost minus the published localities' costs
    for name, value, keys in (("costs", "mean", ["date"]), ("scenarios", "cost", ["scenario", "date"])):
        table = _read(run, name)
        for _, part in table.groupby(keys):
            total = part[part["locality"] == "all"][value]
            if (total != "c").all():
                assert (part[part["locality"] != "all"][value] == "c").sum() != 1, name


def test_the_attack_would_find_a_primary_only_suppression(run):
    """The attack is real: without the totals declared to the gate it recovers hidden cells."""
    from earlyhelp.report.publish import PublishPolicy, publish

    start = _read(run, "start_stock")
    hidden = start["children"] == "c"
    from earlyhelp.cli.flowlocal import start_stock
    from earlyhelp.flow import StockFlow

    council = earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=3)
    families = council.families.copy()
    families.loc[families.index[:NO_LOCALITY], "locality_id"] = None
    model = StockFlow("continuum").fit(council.replace(families=families), start="2024-04-01", end="2025-03-31",
                                       by="locality")
    raw = start_stock(model)
    with pytest.raises(earlyhelp.ValidationError, match="looks like the total"):   # its "all" rows are seen
        publish(raw, PublishPolicy(threshold=5), counts=["children"])
    leaky = publish(raw, PublishPolicy(threshold=5), counts=["children"], totals={}).text   # said to have none
    assert _recovered(leaky.astype({"children": str}), [], "children")
    # and the run's own table is that start, suppressed with the totals declared
    shown = start.loc[~hidden, "children"].astype(int).to_numpy()
    assert np.array_equal(shown, raw.loc[~hidden.to_numpy(), "children"].astype(int).to_numpy())


def test_bad_by_is_named(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp_path, data, 'by = "ward"'))])
    assert result.exit_code == 2
    assert "model.by" in result.output and "council, locality" in result.output and "ward" in result.output
    result = CliRunner().invoke(cli, ["flow", "--config", str(_config(tmp_path, data, "by = 3"))])
    assert result.exit_code == 2 and "model.by" in result.output


def test_by_defaults_to_the_council(tmp_path):
    from earlyhelp.cli.flowrun import load_flow_config

    data = tmp_path / "data"
    data.mkdir()
    assert load_flow_config(str(_config(tmp_path, data, ""))).by is None
    assert load_flow_config(str(_config(tmp_path, data, 'by = "council"'))).by is None
    assert load_flow_config(str(_config(tmp_path, data))).by == "locality"
    ssda = EXAMPLE.read_text().replace('kind = "synthetic"', 'kind = "ssda903"\npath = "x"')
    ssda = ssda.replace('categories = "continuum"', 'categories = "continuum"\nby = "locality"')
    (tmp_path / "s.toml").write_text(ssda)
    result = CliRunner().invoke(cli, ["flow", "--config", str(tmp_path / "s.toml")])
    assert result.exit_code == 2 and "model.by" in result.output and "SSDA903" in result.output


def test_goals_are_sought_for_the_council(run):
    """The example's goal, by locality: one multiplier for every locality, the council's CIN
    target met (the council total's CIN is not hidden, so the goal is published). Meeting it in
    80% of the runs takes a larger change than the projection's, the same way."""
    record = json.loads((run / "run.json").read_text())
    assert "goal_seek_withheld" not in record
    goals = pd.read_csv(run / "goal_seek.csv")
    assert list(goals["goal"]) == ["CIN plans down a tenth by March 2027"]
    point, likely = goals["multiplier"].iloc[0] - 1, goals["multiplier_for_chance"].iloc[0] - 1
    assert point * likely > 0 and abs(likely) > abs(point)
