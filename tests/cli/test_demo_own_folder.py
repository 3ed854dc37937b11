"""``earlyhelp demo`` writes its synthetic council's pack into a folder of its own
(``./earlyhelp-demo``, or ``--output``), never into the folder a council's scheduled runs use
(``run.output = "runs"`` in the examples), and its run.json says the data are synthetic: a
council's next pack must not take the demo's pack for its own earlier publication."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from earlyhelp.cli.main import cli

FAST = ["--years", "1", "--scale", "0.05"]


def _fake_run(folder: Path, name: str, record: dict) -> Path:
    run = folder / name
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps(record))
    return run


def test_demo_writes_its_pack_into_its_own_folder_marked_synthetic(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", *FAST])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "runs").exists()                   # the examples' scheduled runs go there
    (folder,) = (tmp_path / "earlyhelp-demo").iterdir()
    assert str(folder.relative_to(tmp_path)) in result.output
    record = json.loads((folder / "run.json").read_text())
    assert record["config"]["synthetic"] is True and record["config"]["command"] == "earlyhelp demo"


def test_demo_output_option_and_a_folder_of_earlier_demo_packs(tmp_path):
    out = tmp_path / "mine"
    _fake_run(out, "report-20240101-000000-0123456789", {"command": "report", "council": "Coventry",
                                                         "config": {"command": "earlyhelp demo", "synthetic": True}})
    from earlyhelp.cli.main import _demo_folder_problem

    assert _demo_folder_problem(str(out), "--output") is None


def test_demo_refuses_a_folder_holding_a_councils_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    _fake_run(runs, "report-20250401-060000-0123456789", {"command": "report", "council": "Coventry",
                                                          "config": {"run": {"name": "monthly"}}})
    for option in ("--output", "--runs"):
        result = CliRunner().invoke(cli, ["demo", *FAST, option, str(runs)])
        assert result.exit_code == 2, result.output
        assert option in result.output and "report-20250401-060000-0123456789" in result.output
        assert "synthetic" in result.output and "valid" not in result.output      # refused before generating
    assert sorted(p.name for p in runs.iterdir()) == ["report-20250401-060000-0123456789"]
