"""The TOML config: examples parse, every kind of mistake is named precisely."""
from __future__ import annotations

from pathlib import Path

import pytest

from earlyhelp import ConfigError
from earlyhelp.cli.config import load_config, parse_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_synthetic():
    cfg = load_config(EXAMPLES / "forecast.toml")
    assert cfg.source.kind == "synthetic" and cfg.forecast.horizon == 12
    assert cfg.forecast.models == ("AutoETS", "SeasonalNaive", "Theta")
    assert cfg.capacity.scenarios["demand_up_10pc"]["demand_multiplier"] == pytest.approx(1.1)
    assert cfg.suppression_threshold == 5
    assert Path(cfg.output) == EXAMPLES / "runs-quarter-size"   # not report.toml's full-size council's folder


def test_example_postgres_reads_url_from_environment():
    url = "postgresql://analyst:secret@warehouse:5432/csc"
    cfg = load_config(EXAMPLES / "forecast-postgres.toml", environ={"EARLYHELP_DB_URL": url})
    assert cfg.source.url == url and cfg.source.tables["persons"] == "ssd_person"
    assert cfg.source.code_map["episodes"]["end_reason"]["STEPPED UP TO CSC"] == "step_up"
    described = str(cfg.describe())
    assert "secret" not in described            # never in run.json
    with pytest.raises(ConfigError, match="EARLYHELP_DB_URL is not set"):
        load_config(EXAMPLES / "forecast-postgres.toml", environ={})


def test_example_sqlite_and_folder_resolve_relative_paths(tmp_path):
    (tmp_path / "earlyhelp.db").write_bytes(b"")
    (tmp_path / "data").mkdir()
    for name in ("forecast-sqlite.toml", "forecast-folder.toml"):
        (tmp_path / name).write_text((EXAMPLES / name).read_text())
    cfg = load_config(tmp_path / "forecast-sqlite.toml")
    assert cfg.source.url == f"sqlite:///{tmp_path / 'earlyhelp.db'}"
    cfg = load_config(tmp_path / "forecast-folder.toml")
    assert cfg.source.path == str(tmp_path / "data")
    (tmp_path / "earlyhelp.db").unlink()
    with pytest.raises(ConfigError, match="SQLite file not found"):
        load_config(tmp_path / "forecast-sqlite.toml")


def base() -> dict:
    return {"source": {"kind": "synthetic"}, "forecast": {"measures": ["requests"]}}


@pytest.mark.parametrize("change, key, words", [
    (lambda c: c.pop("source"), "source", "missing section"),
    (lambda c: c["source"].update(kind="excel"), "source.kind", "must be one of"),
    (lambda c: c["forecast"].update(horizon=0), "forecast.horizon", "at least 1"),
    (lambda c: c["forecast"].update(horizon="12"), "forecast.horizon", "whole number"),
    (lambda c: c["forecast"].update(models=["Prophet"]), "forecast.models", "unknown value 'Prophet'"),
    (lambda c: c["forecast"].update(measures=["referrals"]), "forecast.measures", "unknown value 'referrals'"),
    (lambda c: c["forecast"].update(freq="D"), "forecast.freq", "must be one of"),
    (lambda c: c["forecast"].update(levels=[80, 120]), "forecast.levels", "at most 99"),
    (lambda c: c["forecast"].update(hierarchy=["council", "locality"]), "forecast.hierarchy", "locality"),
    (lambda c: c["forecast"].update(reconcile="magic"), "forecast.reconcile", "must be one of"),
    (lambda c: c["forecast"].update(nonnegative="yes"), "forecast.nonnegative", "true or false"),
    (lambda c: c["forecast"].update(start="2020-13-01"), "forecast.start", "date like"),
    (lambda c: c["forecast"].update(start="2022-01-01", end="2021-01-01"), "forecast.end", "after"),
    (lambda c: c["forecast"].update(horizn=12), "forecast.horizn", "unknown key"),
    (lambda c: c.update(publish={"suppression_threshold": -1}), "publish.suppression_threshold", "at least 0"),
    (lambda c: c.update(publish={"pseudonymise": "yes"}), "publish.pseudonymise", "true or false"),
    (lambda c: c.update(capacity={"caseload_per_fte": 0}), "capacity.caseload_per_fte", "at least"),
    (lambda c: c.update(capacity={"measure": "assessments"}), "capacity.measure", "forecast measures"),
    (lambda c: c.update(capacity={"scenarios": {"x": {"demand_multiplier": -1}}}),
     "capacity.scenarios.x.demand_multiplier", "positive"),
    (lambda c: c.update(source={"kind": "folder", "path": "/no/such/folder"}), "source.path", "folder not found"),
    (lambda c: c.update(source={"kind": "sql"}), "source.url", "missing"),
    (lambda c: c.update(source={"kind": "sql", "url": "not a url"}), "source.url", "not a database URL"),
    (lambda c: c.update(source={"kind": "sql", "url": "sqlite:///:memory:", "tables": {"people": "x"}}),
     "source.tables.people", "not an earlyhelp table"),
    (lambda c: c.update(run={"name": "a/b"}), "run.name", "must not contain"),
    (lambda c: c.update(extra={}), "extra", "unknown key"),
])
def test_bad_config_names_the_key(change, key, words):
    cfg = base()
    change(cfg)
    with pytest.raises(ConfigError) as info:
        parse_config(cfg)
    text = str(info.value)
    assert f".{key}:" in text or f"config.{key}" in text or f" {key}" in text, text
    assert words in text, text


def test_all_problems_reported_at_once():
    cfg = base()
    cfg["forecast"].update(horizon=0, models=["X"])
    cfg["publish"] = {"suppression_threshold": "five"}
    with pytest.raises(ConfigError) as info:
        parse_config(cfg)
    assert len(info.value.problems) == 3


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[forecast\nhorizon = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
