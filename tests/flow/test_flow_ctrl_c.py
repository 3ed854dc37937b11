"""Ctrl-C stops a long Monte Carlo promptly, with or without a progress bar.

The core's runs are polled for Python's signals by the binding; without a bar
(``progress=False``, a scheduled script, a Dask task) the poll must still run,
or an interrupt waits for every run to finish.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = """
import sys
import earlyhelp
from earlyhelp.flow import StockFlow
ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.1, seed=1)
model = StockFlow("continuum").fit(ds, start="2024-04-01", end="2025-03-31")
print("simulating", flush=True)
try:
    model.simulate(months=60, runs=1_000_000, seed=1, threads=2, progress={progress})
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


def _stop(child: subprocess.Popen, sig: int, after: float):
    """Send ``sig`` to ``child`` ``after`` seconds and return its (stdout, stderr). Stopping takes
    a fraction of a second; the 60 s bound only separates that from running on."""
    time.sleep(after)
    child.send_signal(sig)
    try:
        return child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"{signal.Signals(sig).name} did not stop the child within 60 s")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize("progress", [False, True])
def test_ctrl_c_stops_a_long_simulation(progress, tmp_path):
    # the child imports the earlyhelp these tests run against (installed, or on PYTHONPATH)
    env = dict(os.environ, EARLYHELP_NO_PROGRESS="1")
    child = subprocess.Popen([sys.executable, "-c", SCRIPT.format(progress=progress)], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert child.stdout.readline().strip() == "simulating", child.stderr.read()
    out, err = _stop(child, signal.SIGINT, after=1.0)  # well inside the runs: a million take many minutes
    assert child.returncode == 3, (out, err)
    assert "interrupted" in out


# --- progress bars: long flow work is seen, quick work stays quiet -----------------------------

@pytest.fixture(scope="module")
def small_model():
    import earlyhelp
    from earlyhelp.flow import StockFlow

    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.1, seed=1)
    return StockFlow("continuum").fit(ds, start="2024-04-01", end="2025-03-31")


@pytest.fixture
def bars_on(monkeypatch):
    """As on a terminal or in a notebook."""
    import earlyhelp._native as native

    monkeypatch.delenv("EARLYHELP_NO_PROGRESS", raising=False)
    monkeypatch.setattr(native, "progress_enabled", lambda: True)


def test_simulate_shows_a_bar_when_asked_and_by_default_only_for_long_runs(small_model, bars_on, capsys,
                                                                           monkeypatch):
    import earlyhelp._native as native

    monkeypatch.setattr(native, "AUTO_PROGRESS_DELAY", 0.2)  # a default bar appears after 0.2 s here
    small_model.simulate(months=12, runs=20, seed=1, progress=True)
    assert "simulate" in capsys.readouterr().err
    small_model.simulate(months=12, runs=20, seed=1)  # a few milliseconds: no bar
    assert capsys.readouterr().err == ""
    small_model.simulate(months=60, runs=10_000, seed=1)  # over a second here: the default bar appears
    assert "simulate" in capsys.readouterr().err
    small_model.simulate(months=60, runs=10_000, seed=1, progress=False)
    assert capsys.readouterr().err == ""


def test_simulate_many_counts_its_tasks(small_model, bars_on, capsys):
    from earlyhelp.flow import simulate_many

    simulate_many({"a": small_model, "b": small_model}, months=6, runs=10, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "simulate_many" in err and "/2 " in err  # counted out of the 2 tasks


FLOW_CONFIG = """
[run]
name = "stopped"
output = "runs"
[source]
kind = "synthetic"
preset = "coventry"
years = 2
scale = 0.1
[model]
start = "2024-04-01"
end = "2025-03-31"
months = 60
runs = 1000000
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child process is POSIX")
def test_sigterm_stops_a_flow_run_and_leaves_no_partial_folder(tmp_path):
    """A scheduler stops a job with SIGTERM: the run stops as on Ctrl-C, its partial folder removed."""
    (tmp_path / "flow.toml").write_text(FLOW_CONFIG)
    env = dict(os.environ, EARLYHELP_NO_PROGRESS="1")
    child = subprocess.Popen([sys.executable, "-m", "earlyhelp", "flow", "--config", "flow.toml"], env=env,
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = _stop(child, signal.SIGTERM, after=5.0)  # loading, fitting or simulating: many minutes in all
    assert child.returncode == 1 and "interrupted" in err, (out, err)
    runs = tmp_path / "runs"
    assert not runs.exists() or not list(runs.iterdir())
