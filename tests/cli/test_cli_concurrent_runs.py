"""Scheduled runs of one council into one output folder, as cron starts them.

Runs started together take turns (the folder's lock, held from reading the earlier runs there to
publishing): both succeed, and the one published second hides what the first hid. A killed
run's partial folder does not stop the next run, nor does a live run's. A run that waits says
so, and one that waits too long fails with a message naming the holder. ``-q`` keeps Python
warnings off stderr. A Ctrl-C or SIGTERM after the run folder was published: exit 0, the run
finished, its folder named.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from earlyhelp import Dataset
from earlyhelp.data import write_dataset
from earlyhelp.report.ledger import earlier_runs, published_cells

from cli_helpers import make_frames, run_cli, write_config

COUNCIL = "Coventry"


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("council")
    write_dataset(Dataset.from_frames(**make_frames(seed=3, months=30, base=6.0)), folder, format="csv")
    return folder


def _report_config(path: Path, data: Path, output: Path) -> Path:
    path.write_text(f'[run]\nname = "monthly"\noutput = "{output}"\n\n[source]\nkind = "folder"\npath = "{data}"\n\n'
                    '[report]\nmonths = 12\n\n[publish]\nsuppression_threshold = 5\n')
    return path


def _forecast_config(path: Path, data: Path, output: Path) -> Path:
    return write_config(path, data, output, horizon="3", backtest_windows="1")


def _command(*args: str, driver: str = "") -> list:
    """The command line in a child process; ``driver``: Python run first, in the same process."""
    if not driver:
        return [sys.executable, "-m", "earlyhelp.cli.main", *args]
    code = driver + "\nfrom earlyhelp.cli.main import main\nsys.exit(main())\n"
    return [sys.executable, "-c", code, *args]


def _env(**extra: str) -> dict:
    env = dict(os.environ, EARLYHELP_NO_PROGRESS="1")
    env.update(extra)
    return env


def _cells(run: Path) -> pd.DataFrame:
    """A run folder's monthly cells of the council (shown, hidden), read as the next run reads them."""
    with tempfile.TemporaryDirectory() as alone:
        shutil.copytree(run, Path(alone) / run.name)
        cells = published_cells(earlier_runs(alone, COUNCIL))
    cells = cells[(cells["table"] == "m") & (cells["column"] == "numerator")]
    return cells.groupby(["measure", "period", "locality"]).agg(shown=("shown", "any"), hidden=("hidden", "any"))


def test_a_pack_and_a_forecast_started_together_protect_each_other(council, tmp_path):
    """Two cron lines at the same minute, one folder: both succeed, and no count one of them hid
    is shown by the other (each alone, the forecast shows cells the pack hides)."""
    out = tmp_path / "runs"
    report = _report_config(tmp_path / "report.toml", council, out)
    forecast = _forecast_config(tmp_path / "forecast.toml", council, out)
    procs = [subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env())
             for args in (["report", "--config", str(report)], ["forecast", "--config", str(forecast)])]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    for stdout, stderr, code in results:
        assert code == 0, stderr
    runs = sorted(p for p in out.iterdir())
    assert [p.name.startswith("report-") for p in runs] == [False, True]       # no lock file, no partial left
    both = _cells(runs[0]).join(_cells(runs[1]), lsuffix="_forecast", rsuffix="_pack", how="inner")
    assert len(both) > 20
    shown_hidden = both["shown_forecast"] & both["hidden_pack"] | both["shown_pack"] & both["hidden_forecast"]
    assert not shown_hidden.any(), both[shown_hidden]


def test_a_run_waits_while_another_holds_the_folder_then_fails_naming_it(council, tmp_path):
    from earlyhelp.report.outputlock import LOCK_FILE, output_lock

    out = tmp_path / "runs"
    report = _report_config(tmp_path / "report.toml", council, out)
    with output_lock(out, timeout=0):
        result = run_cli("report", "--config", str(report), env={"EARLYHELP_LOCK_TIMEOUT": "1"})
        assert result.returncode == 1
        assert "another run" in result.stderr and "waiting for it to finish (at most 1 s)" in result.stderr
        assert "earlyhelp: output folder busy:" in result.stderr
        assert f"process {os.getpid()} on {socket.gethostname()}" in result.stderr
        assert f"delete {out / LOCK_FILE}" in result.stderr and "Traceback" not in result.stderr
        assert sorted(os.listdir(out)) == [LOCK_FILE]          # nothing written
        # a run that waits, and goes on once the folder is free
        proc = subprocess.Popen(_command("report", "--config", str(report)), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=_env())
        for line in proc.stderr:
            if "waiting for it to finish" in line:
                break
        else:
            pytest.fail("the run did not say it waits")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert sorted(os.listdir(out)) == [Path(stdout.strip()).name]


@pytest.mark.parametrize("command", ["report", "forecast"])
def test_partial_folders_of_a_killed_run_and_of_a_live_one_do_not_stop_the_next(command, council, tmp_path):
    out = tmp_path / "runs"
    config = (_report_config if command == "report" else _forecast_config)(tmp_path / "run.toml", council, out)
    first = run_cli(command, "--config", str(config))
    assert first.returncode == 0, first.stderr
    published = Path(first.stdout.strip())
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name, pid in (("killed", int(dead.stdout)), ("live", os.getpid())):
        partial = out / f".{name}-20250101-000000-0123456789.partial"
        shutil.copytree(published, partial)               # tables written, run.json not yet
        (partial / "run.json").unlink()
        (partial / ".owner").write_text(f"{socket.gethostname()}\n{pid}")
    second = run_cli(command, "--config", str(config))
    assert second.returncode == 0, second.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".live-20250101-000000-0123456789.partial", published.name, Path(second.stdout.strip()).name])


WARNS = """
import sys, warnings
import earlyhelp.report.pack as pack
build = pack.build_pack
def warned(*args, **kwargs):
    warnings.warn("the pack's check found something", UserWarning)
    warnings.warn("a library found something", RuntimeWarning)
    return build(*args, **kwargs)
pack.build_pack = warned
"""


def test_quiet_keeps_python_warnings_off_stderr(council, tmp_path):
    report = _report_config(tmp_path / "report.toml", council, tmp_path / "runs")
    quiet = subprocess.run(_command("-q", "report", "--config", str(report), driver=WARNS), capture_output=True,
                           text=True, env=_env(), timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert Path(quiet.stdout.strip()).is_dir()
    said = subprocess.run(_command("report", "--config", str(report), driver=WARNS), capture_output=True, text=True,
                          env=_env(), timeout=300)
    assert said.returncode == 0, said.stderr
    lines = said.stderr.splitlines()
    assert "earlyhelp: WARNING: the pack's check found something" in lines
    assert "earlyhelp: WARNING: RuntimeWarning: a library found something" in lines
    assert ".py" not in said.stderr and "warnings.warn" not in said.stderr     # no install path, no code line


STOPS = """
import signal, sys
import earlyhelp.cli.main as cli_main
from earlyhelp.report.runfolder import RunFolder
when, sig = sys.argv.pop(1), getattr(signal, sys.argv.pop(1))
if when == "publishing":                # just after the rename, before the run knows it published
    publish = RunFolder._publish_folder
    def publish_stopped(self):
        publish(self)
        signal.raise_signal(sig)
    RunFolder._publish_folder = publish_stopped
else:                                   # while the command prints its summary
    summary = cli_main.forecast_summary
    def stopped_summary(result):
        signal.raise_signal(sig)
        return summary(result)
    cli_main.forecast_summary = stopped_summary
"""


@pytest.mark.parametrize("when, name", [("publishing", "SIGTERM"), ("summary", "SIGINT")])
def test_a_stop_after_the_run_folder_was_published_exits_0_naming_the_folder(when, name, council, tmp_path):
    out = tmp_path / "runs"
    config = _forecast_config(tmp_path / "forecast.toml", council, out)
    result = subprocess.run(_command(when, name, "forecast", "--config", str(config), driver=STOPS),
                            capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert (folder / "run.json").is_file() and sorted(os.listdir(out)) == [folder.name]
    assert f"earlyhelp: {name} came after the run folder was published: the run finished ({folder})" in result.stderr
    assert "interrupted" not in result.stderr and "run failed" not in result.stderr


def test_ctrl_c_once_the_folder_path_is_printed_exits_0(council, tmp_path):
    out = tmp_path / "runs"
    config = _forecast_config(tmp_path / "forecast.toml", council, out)
    proc = subprocess.Popen(_command("-q", "forecast", "--config", str(config)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    folder = Path(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "interrupted" not in stderr and "Aborted" not in stderr
    assert (folder / "run.json").is_file()
