"""``network`` and ``score`` on an extract that lacks the tables they read from (a failed or
partial monthly extract): exit 2 with a message naming the table, never an all-clear (no
coordination gaps, every practitioner free) and never a message from pandas."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from earlyhelp import ValidationError, read_dataset
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("extract")
    write_dataset(synthetic.council(preset="coventry", years=3, scale=0.05, seed=4), folder, format="csv")
    return folder


@pytest.fixture()
def without_involvements(extract, tmp_path) -> Path:
    folder = tmp_path / "no_involvements"
    shutil.copytree(extract, folder)
    (folder / "involvements.csv").unlink()        # the extract did not export it
    return folder


@pytest.fixture()
def headers_only(extract, tmp_path) -> Path:
    folder = tmp_path / "headers_only"
    shutil.copytree(extract, folder)
    for file in folder.glob("*.csv"):
        if file.stem not in ("localities", "agencies", "practitioners"):
            file.write_text(file.read_text().splitlines()[0] + "\n")   # the header row only
    return folder


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _nothing_written(out: Path) -> bool:
    return not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_network_without_involvements_is_refused_naming_the_table(without_involvements, tmp_path):
    out = tmp_path / "net"
    result = _invoke("network", "--data", str(without_involvements), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "involvements" in result.output and "has no rows" in result.output
    assert "coordination gap" in result.output           # what cannot be found without it
    assert _nothing_written(out)


def test_network_without_episodes_is_refused_naming_the_table(headers_only, tmp_path):
    out = tmp_path / "net"
    result = _invoke("network", "--data", str(headers_only), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "episodes" in result.output and "has no rows" in result.output
    assert "0 families with" not in result.output
    assert _nothing_written(out)


def test_run_network_refuses_an_extract_without_episodes(headers_only, tmp_path):
    from earlyhelp.cli.netrun import run_network

    with pytest.raises(ValidationError) as caught:
        run_network(read_dataset(headers_only), str(tmp_path / "net"))
    assert [p.table for p in caught.value.problems] == ["episodes", "involvements"]   # every one named


def test_score_without_episodes_names_the_table_and_what_is_missing(headers_only, tmp_path):
    out = tmp_path / "score"
    result = _invoke("score", "--data", str(headers_only), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "episodes" in result.output and "has no rows" in result.output
    assert "wrong length" not in result.output          # pandas' words, which mean nothing to a user
    assert _nothing_written(out)
