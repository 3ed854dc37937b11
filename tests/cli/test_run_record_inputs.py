"""run.json and the run digest of forecast, score and network: the digest covers every input that
changes what is published (the earlier runs a forecast read, the publication policy of network and
score), the record names the software the run ran on, and the data's hash is of the extract as read,
before pseudonymisation (as ``validate`` prints it), whatever the key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import make_frames, run_cli
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset

KEY = "3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e2b4d6f8a0c1e3b5d"
OTHER_KEY = "9e2b4d6f8a0c1e3b5d3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c"
FORECAST = """[run]
name = "rec"
output = "{output}"
[source]
kind = "folder"
path = "{data}"
[forecast]
measures = ["requests"]
horizon = 3
models = ["Naive"]
reconcile = "none"
backtest_windows = 1
[publish]
pseudonymise = {pseudonymise}
"""


@pytest.fixture(scope="module")
def frames_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("frames")
    write_dataset(Dataset.from_frames(**make_frames(seed=7, months=30, base=6.0)), folder / "data", format="csv")
    return folder


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("synthetic")
    write_dataset(synthetic.council(preset="coventry", years=3, scale=0.05, seed=4), folder, format="csv")
    return folder


def _record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text())


def _forecast(root: Path, output: str, pseudonymise: bool = False, env=None) -> Path:
    config = root / f"{output}.toml"
    config.write_text(FORECAST.format(output=output, data="data", pseudonymise=str(pseudonymise).lower()))
    result = run_cli("-q", "forecast", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


# -- 6: the digest covers every input that changes the published figures -------------------
def test_a_forecast_records_the_earlier_runs_it_read_and_its_digest_covers_them(frames_folder):
    first = _forecast(frames_folder, "shared")
    second = _forecast(frames_folder, "shared")
    a, b = _record(first), _record(second)
    assert a["earlier_runs"] == []
    (read,) = b["earlier_runs"]
    from earlyhelp.report.runfolder import sha256_file

    assert read["run_id"] == first.name and read["run_json_sha256"] == sha256_file(first / "run.json")
    assert a["inputs"]["sha256"] == b["inputs"]["sha256"]
    assert a["run_digest"] != b["run_digest"]           # another input: the earlier run read
    alone = _record(_forecast(frames_folder, "alone"))
    assert alone["run_digest"] == a["run_digest"]        # the same inputs: the same digest


def _network(council: Path, out: Path, *args: str, env=None) -> dict:
    result = run_cli("-q", "network", "--data", str(council), "--out", str(out), "--no-allocate", *args, env=env)
    assert result.returncode == 0, result.stderr
    return _record(Path(result.stdout.strip().splitlines()[-1]))


def test_the_network_digest_covers_the_publication_policy(council, tmp_path):
    plain = _network(council, tmp_path / "a")
    config = tmp_path / "t10.toml"
    config.write_text(f'[run]\noutput = "x"\n[source]\nkind = "folder"\npath = "{council}"\n'
                      '[publish]\nsuppression_threshold = 10\n')
    result = run_cli("-q", "network", "--config", str(config), "--out", str(tmp_path / "b"), "--no-allocate")
    assert result.returncode == 0, result.stderr
    ten = _record(Path(result.stdout.strip()))
    pseudo = _network(council, tmp_path / "c", "--pseudonymise", env={"EARLYHELP_PSEUDO_KEY": KEY})
    assert len({plain["run_digest"], ten["run_digest"], pseudo["run_digest"]}) == 3
    assert ten["parameters"]["publication"]["suppression_threshold"] == 10
    assert pseudo["parameters"]["publication"]["pseudonymise"] is True
    assert KEY not in json.dumps(pseudo)                  # the setting, never the key
    other_key = _network(council, tmp_path / "d", "--pseudonymise", env={"EARLYHELP_PSEUDO_KEY": OTHER_KEY})
    assert other_key["run_digest"] == pseudo["run_digest"]


def test_the_score_digest_covers_pseudonymisation(council, tmp_path):
    runs = []
    for out, extra, env in (("a", [], None), ("b", ["--pseudonymise"], {"EARLYHELP_PSEUDO_KEY": KEY})):
        result = run_cli("-q", "score", "--data", str(council), "--out", str(tmp_path / out), *extra, env=env)
        assert result.returncode == 0, result.stderr
        runs.append(_record(Path(result.stdout.strip())))
    assert runs[0]["run_digest"] != runs[1]["run_digest"]
    assert runs[1]["parameters"]["publication"]["pseudonymise"] is True


# -- 7: the software the run ran on ----------------------------------------------------------
def test_run_json_names_the_software(council, tmp_path):
    import numpy
    import pandas

    from earlyhelp import __version__

    record = _network(council, tmp_path / "n")
    environment = record["environment"]
    assert environment["libraries"]["numpy"] == numpy.__version__
    assert environment["libraries"]["pandas"] == pandas.__version__
    assert {"scipy", "scikit-learn", "pyarrow"} <= set(environment["libraries"])
    assert environment["python"]["version"].count(".") == 2 and environment["platform"]["system"]
    core = environment["core"]
    assert core["version"] == __version__ and len(core["sha256"]) == 64 and "/" not in core["file"]


# -- 8: the data's hash is of the extract as read, before pseudonymisation -------------------
def test_a_pseudonymised_forecast_records_the_hash_of_the_extract_read(frames_folder):
    validated = CliRunner().invoke(cli, ["validate", "--data", str(frames_folder / "data")])
    sha = [line.split()[-1] for line in validated.output.splitlines() if "sha256" in line][0]
    one = _record(_forecast(frames_folder, "p1", pseudonymise=True, env={"EARLYHELP_PSEUDO_KEY": KEY}))
    two = _record(_forecast(frames_folder, "p2", pseudonymise=True, env={"EARLYHELP_PSEUDO_KEY": OTHER_KEY}))
    assert one["inputs"]["sha256"] == two["inputs"]["sha256"] == sha
    assert one["pseudonymised"] is True
