"""The earlier runs a run reads are the published run folders: a hidden ``.<run>.partial`` folder
(a run being written, or one killed while it wrote) is not a run, and a pack into a folder holding
a dead run's partial clears it before reading the folder instead of failing on it."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from earlyhelp import synthetic
from earlyhelp.report.ledger import earlier_runs
from earlyhelp.report.pack import PackOptions, write_pack

MEASURES = ["requests", "episodes_opened"]


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=2, scale=0.05, seed=4)


@pytest.fixture(scope="module")
def first(council, tmp_path_factory):
    """A folder holding one published pack."""
    folder = tmp_path_factory.mktemp("first")
    write_pack(council, folder, options=PackOptions(months=6, measures=MEASURES))
    return folder


def _partial(folder, pid, name=".report-20250101-000000-0123456789.partial"):
    """A partial run folder as a run writing (or killed writing) its tables leaves it: tables, no run.json."""
    run = next(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    partial = folder / name
    partial.mkdir()
    shutil.copy(run / "measures_monthly.csv", partial)
    (partial / ".owner").write_text(f"{socket.gethostname()}\n{pid}")
    return partial


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_partial_folders_are_not_read(council, first, tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(first, folder)
    _partial(folder, os.getpid())                               # a run of a live process, writing
    (folder / ".probe").mkdir()                                 # any other hidden folder
    shutil.copy(next(folder.glob("report-*")) / "measures_monthly.csv", folder / ".probe")
    assert len(earlier_runs(folder, "Coventry")) == 1


def test_a_pack_beside_a_dead_runs_partial_clears_it_and_reads_the_folder(council, first, tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(first, folder)
    dead = _partial(folder, _dead_pid())
    live = _partial(folder, os.getpid(), ".report-20250101-000001-0123456789.partial")
    run = write_pack(council, folder, options=PackOptions(months=6, measures=MEASURES))
    assert run.is_dir() and not dead.exists() and live.exists()
    assert len(earlier_runs(folder, "Coventry")) == 2
