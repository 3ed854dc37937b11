"""goal_seek's posterior draws (a bisection of projections each, minutes by locality) show a
progress bar counting the draws, as simulate shows one, and stop on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import earlyhelp
import earlyhelp._native as native
from earlyhelp.flow import StockFlow, goal_seek


@pytest.fixture(scope="module")
def model():
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.1, seed=1)
    return StockFlow().fit(ds, start="2024-04-01", end="2025-03-31")


def test_the_draws_show_a_bar(model, monkeypatch, capsys):
    monkeypatch.setattr(native, "progress_enabled", lambda: True)   # as on a terminal
    monkeypatch.setattr(native, "AUTO_PROGRESS_DELAY", 0.0)
    goal_seek(model, ("cin", "cp"), "2026-03-31", target_stock=20, state="cp", draws=4, seed=1)
    err = capsys.readouterr().err
    assert "goal_seek: draws" in err and "/4 " in err     # the draws counted out of 4


def test_no_bar_with_earlyhelp_no_progress(model, monkeypatch, capsys):
    monkeypatch.setenv("EARLYHELP_NO_PROGRESS", "1")
    monkeypatch.setattr(native, "AUTO_PROGRESS_DELAY", 0.0)
    goal_seek(model, ("cin", "cp"), "2026-03-31", target_stock=20, state="cp", draws=4, seed=1)
    assert "goal_seek" not in capsys.readouterr().err


SCRIPT = """
import sys
import earlyhelp
from earlyhelp.flow import StockFlow, goal_seek
ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.1, seed=1)
model = StockFlow().fit(ds, start="2024-04-01", end="2025-03-31")
print("seeking", flush=True)
try:
    goal_seek(model, ("cin", "cp"), "2030-03-31", target_stock=20, state="cp", draws=100_000, seed=1)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_stops_the_draws(tmp_path):
    env = dict(os.environ, EARLYHELP_NO_PROGRESS="1")
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert child.stdout.readline().strip() == "seeking", child.stderr.read()
    time.sleep(2.0)   # well inside the draws: a hundred thousand take hours
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail("SIGINT did not stop goal_seek within 60 s")
    assert child.returncode == 3 and "interrupted" in out, (out, err)
