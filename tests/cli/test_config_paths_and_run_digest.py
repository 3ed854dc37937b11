"""A config means the same from any working directory: its paths are held absolute (read
relative to the config file), run.json records them so, the run digest leaves out where the data
are (their content hash names them), and a source is described by its own kind's keys only."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp.cli.config import load_config, parse_config
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset
from earlyhelp.data.dataset import Dataset

CONFIG = """[run]
name = "paths"
output = "runs"

[source]
kind = "folder"
path = "../{data}"

[code_map]
file = "codes.toml"

[forecast]
measures = ["requests"]
horizon = 2
models = ["Naive"]
hierarchy = ["locality", "council"]
reconcile = "bottom_up"
backtest_windows = 0

[publish]
suppression_threshold = 5
"""
CODES = '[episodes.end_reason]\n"Outcomes met" = "outcomes_met"\n'


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    """``<tmp>/data`` (a small council) and ``<tmp>/cfg/fc.toml`` naming it as ``../data``."""
    root = tmp_path_factory.mktemp("council")
    write_dataset(Dataset.from_frames(**make_frames(seed=5, months=30, base=5.0)), root / "data", format="csv")
    (root / "cfg").mkdir()
    (root / "cfg" / "fc.toml").write_text(CONFIG.format(data="data"))
    (root / "cfg" / "codes.toml").write_text(CODES)
    return root


def test_paths_are_the_same_from_any_working_directory(council, monkeypatch):
    monkeypatch.chdir(council)
    from_above = load_config("cfg/fc.toml")
    monkeypatch.chdir(council / "cfg")
    from_inside = load_config("fc.toml")
    from_elsewhere = load_config(council / "cfg" / ".." / "cfg" / "fc.toml")
    for cfg in (from_above, from_inside, from_elsewhere):
        assert cfg.source.path == str((council / "data").resolve())
        assert cfg.output == str((council / "cfg" / "runs").resolve())
        assert cfg.source.code_map_file == str((council / "cfg" / "codes.toml").resolve())
    assert from_above.describe() == from_inside.describe() == from_elsewhere.describe()


def test_a_source_is_described_by_its_own_kind_only(council):
    folder = load_config(council / "cfg" / "fc.toml").source.describe()
    assert set(folder) == {"kind", "path", "code_map", "code_map_file", "ssd"}       # no preset, years, seed
    synthetic = parse_config({"source": {"kind": "synthetic", "seed": 4}}).source.describe()
    assert set(synthetic) == {"kind", "preset", "years", "scale", "seed", "code_map", "code_map_file", "ssd"}
    assert synthetic["seed"] == 4
    sql = parse_config({"source": {"kind": "sql", "url": "postgresql://me:secret@db/csc", "schema": "ssd"}},
                       ).source.describe()
    assert set(sql) == {"kind", "url", "url_env", "db_schema", "tables", "code_map", "code_map_file", "ssd"}
    assert "secret" not in json.dumps(sql)


def test_the_settings_leave_out_where_the_data_and_the_run_are(council, tmp_path):
    """The digest's settings: the same for a copy of the data and config somewhere else."""
    shutil.copytree(council / "data", tmp_path / "moved data")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "fc.toml").write_text(CONFIG.format(data="moved data"))
    (tmp_path / "elsewhere" / "codes.toml").write_text(CODES)
    here = load_config(council / "cfg" / "fc.toml")
    there = load_config(tmp_path / "elsewhere" / "fc.toml")
    assert here.describe() != there.describe()
    assert here.settings() == there.settings()
    text = json.dumps(here.settings())
    assert str(council) not in text and "codes.toml" not in text and "output" not in here.settings()
    assert here.settings()["forecast"] == here.describe()["forecast"]        # what is computed stays in


def test_sql_settings_leave_out_the_database_url():
    a = parse_config({"source": {"kind": "sql", "url": "postgresql://a@host1/csc"}}).settings()
    b = parse_config({"source": {"kind": "sql", "url": "postgresql://b@host2/csc"}}).settings()
    assert a == b and "url" not in a["source"]


def _forecast(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["-q", "forecast", *args])
    assert result.exit_code == 0, result.output
    folder = Path(result.stdout.strip().splitlines()[-1])
    return json.loads((folder / "run.json").read_text()) | {"folder": folder.name}


def test_the_run_digest_and_run_json_do_not_depend_on_the_working_directory(council, monkeypatch, tmp_path):
    monkeypatch.chdir(council)
    above = _forecast("--config", "cfg/fc.toml", "--output", str(tmp_path / "a"))
    monkeypatch.chdir(council / "cfg")
    inside = _forecast("--config", "fc.toml", "--output", str(tmp_path / "b"))
    absolute = _forecast("--config", str(council / "cfg" / "fc.toml"), "--output", str(tmp_path / "c"))
    digests = {r["run_digest"] for r in (above, inside, absolute)}
    assert len(digests) == 1
    assert {r["folder"].rsplit("-", 1)[-1] for r in (above, inside, absolute)} == {digests.pop()[:10]}
    configs = [{k: v for k, v in r["config"].items() if k != "output"} for r in (above, inside, absolute)]
    assert configs[0] == configs[1] == configs[2]
    source = above["config"]["source"]
    # recorded absolute, which run.json cuts to the last name (no path of the machine)
    assert source["path"] == ".../data" and source["code_map_file"] == ".../codes.toml"
    assert not {"preset", "years", "scale", "seed"} & set(source)


def test_the_run_digest_does_not_depend_on_where_the_data_are(council, tmp_path):
    shutil.copytree(council / "data", tmp_path / "moved data")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "fc.toml").write_text(CONFIG.format(data="moved data"))
    (tmp_path / "elsewhere" / "codes.toml").write_text(CODES)
    here = _forecast("--config", str(council / "cfg" / "fc.toml"), "--output", str(tmp_path / "a"))
    there = _forecast("--config", str(tmp_path / "elsewhere" / "fc.toml"), "--output", str(tmp_path / "b"))
    assert here["inputs"]["sha256"] == there["inputs"]["sha256"]
    assert here["run_digest"] == there["run_digest"]
