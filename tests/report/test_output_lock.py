"""The output folder's lock: one run at a time from reading the earlier runs to publishing, a lock
left by a dead run of this machine taken over, another machine's never, no wait for a lock this
thread holds already, and a Ctrl-C during publication handled once the folder is published."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from earlyhelp._errors import ConfigError
from earlyhelp.report import outputlock
from earlyhelp.report.outputlock import LOCK_FILE, OutputFolderBusy, lock_timeout, output_lock
from earlyhelp.report.runfolder import RunFolder, when_published

HOLD = """
import sys, time
from earlyhelp.report.outputlock import output_lock
with output_lock(sys.argv[1], timeout=5):
    print("held", flush=True)
    time.sleep(60)
"""


def _holding(folder: Path) -> subprocess.Popen:
    """Another process holding the lock of ``folder``, once it says so."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert proc.stdout.readline().strip() == "held"
    return proc


def _dead_pid() -> int:
    """The id of a process of this machine that has exited."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_another_process_holding_it_makes_a_run_wait_then_fail_naming_it(tmp_path, caplog):
    proc = _holding(tmp_path)
    try:
        start = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="earlyhelp"):
            with pytest.raises(OutputFolderBusy) as err:
                with output_lock(tmp_path, timeout=0.6):
                    pass
        assert time.monotonic() - start >= 0.5
        text = str(err.value)
        assert f"process {proc.pid} on {socket.gethostname()}" in text and str(tmp_path / LOCK_FILE) in text
        assert "EARLYHELP_LOCK_TIMEOUT" in text
        assert "waiting for it to finish" in caplog.text            # said once, while it waited
        assert (tmp_path / LOCK_FILE).exists()                       # a live run's lock is left alone
    finally:
        proc.kill()
        proc.wait()
    # killed without letting go (kill -9): the next run takes the lock over at once
    with output_lock(tmp_path, timeout=2):
        assert (tmp_path / LOCK_FILE).read_text().split("\n")[1] == str(os.getpid())
    assert not (tmp_path / LOCK_FILE).exists()


def test_a_run_waits_for_the_holder_to_finish(tmp_path):
    proc = _holding(tmp_path)
    threading.Timer(0.5, proc.kill).start()
    try:
        with output_lock(tmp_path, timeout=10):
            pass
    finally:
        proc.wait()


def test_a_lock_file_left_by_a_dead_process_of_this_machine_is_taken_over(tmp_path, caplog):
    (tmp_path / LOCK_FILE).write_text(f"{socket.gethostname()}\n{_dead_pid()}\n2024-01-01T00:00:00Z\nabc\n")
    with caplog.at_level(logging.INFO, logger="earlyhelp"):
        with output_lock(tmp_path, timeout=0):
            pass
    assert "a run that did not finish" in caplog.text
    assert sorted(os.listdir(tmp_path)) == []


def test_another_machines_lock_is_never_taken_over(tmp_path):
    lock = tmp_path / LOCK_FILE
    lock.write_text(f"other-machine\n{_dead_pid()}\n2024-01-01T00:00:00Z\nabc\n")
    with pytest.raises(OutputFolderBusy, match="process [0-9]+ on other-machine"):
        with output_lock(tmp_path, timeout=0.3):
            pass
    assert lock.exists()


def test_a_lock_file_that_names_no_holder_is_taken_over_only_when_old(tmp_path):
    lock = tmp_path / LOCK_FILE
    lock.write_text("")                               # a run making it right now
    with pytest.raises(OutputFolderBusy, match="a run that is starting"):
        with output_lock(tmp_path, timeout=0.3):
            pass
    old = time.time() - 2 * outputlock._UNNAMED_AGE   # a run that died making it
    os.utime(lock, (old, old))
    with output_lock(tmp_path, timeout=0):
        pass
    assert not lock.exists()


def test_held_already_by_this_thread_no_wait_and_a_run_folder_published_inside(tmp_path):
    with output_lock(tmp_path, timeout=0):
        with output_lock(tmp_path, timeout=0):
            with RunFolder(tmp_path, "r1") as run:
                run.write_table("t", pd.DataFrame({"a": [10]}))
        assert (tmp_path / LOCK_FILE).exists()          # still held by the outer block
        with output_lock(tmp_path / ".." / tmp_path.name, timeout=0):   # the same folder, named otherwise
            pass
    assert sorted(os.listdir(tmp_path)) == ["r1"]


def test_another_thread_waits_for_it(tmp_path):
    held, done = threading.Event(), threading.Event()

    def hold():
        with output_lock(tmp_path, timeout=0):
            held.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(OutputFolderBusy, match="another run of this process"):
            with output_lock(tmp_path, timeout=0.2):
                pass
        threading.Timer(0.3, done.set).start()
        with output_lock(tmp_path, timeout=10):
            assert done.is_set()
    finally:
        done.set()
        thread.join()


def test_folders_it_made_go_again_when_nothing_was_published(tmp_path):
    output = tmp_path / "a" / "runs"
    with output_lock(output, timeout=0):
        assert (output / LOCK_FILE).exists()
    assert sorted(os.listdir(tmp_path)) == []
    with output_lock(output, timeout=0):
        with RunFolder(output, "r1"):
            pass
    assert sorted(os.listdir(output)) == ["r1"]


def test_dead_runs_partial_folders_are_cleared_once_it_is_taken(tmp_path):
    partial = tmp_path / ".r0.partial"
    partial.mkdir()
    (partial / ".owner").write_text(f"{socket.gethostname()}\n{_dead_pid()}")
    live = tmp_path / ".r1.partial"
    live.mkdir()
    (live / ".owner").write_text(f"{socket.gethostname()}\n{os.getpid()}")
    with output_lock(tmp_path, timeout=0):
        assert not partial.exists() and live.exists()


@pytest.mark.parametrize("value", ["soon", "-1", "inf"])
def test_a_bad_timeout_variable_is_a_config_error(monkeypatch, value):
    monkeypatch.setenv("EARLYHELP_LOCK_TIMEOUT", value)
    with pytest.raises(ConfigError, match="EARLYHELP_LOCK_TIMEOUT"):
        lock_timeout()
    monkeypatch.setenv("EARLYHELP_LOCK_TIMEOUT", "2.5")
    assert lock_timeout() == 2.5


def test_ctrl_c_during_publication_is_handled_once_the_folder_is_published(tmp_path, monkeypatch, caplog):
    """A Ctrl-C during the rename: the folder is published (and said to be) before the interrupt
    is raised, and the run is not reported as failed."""
    publish = RunFolder._publish_folder

    def interrupted(self):
        publish(self)
        signal.raise_signal(signal.SIGINT)    # arrives just after the rename

    monkeypatch.setattr(RunFolder, "_publish_folder", interrupted)
    told = []
    # Python's own Ctrl-C handler, whatever the test runner's worker process had set
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with caplog.at_level(logging.ERROR, logger="earlyhelp"), when_published(told.append):
            with pytest.raises(KeyboardInterrupt):
                with RunFolder(tmp_path, "r1") as run:
                    run.write_table("t", pd.DataFrame({"a": [10]}))
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
    assert run.published and told == [tmp_path / "r1"]
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == ["t.csv", "t.parquet"]
    assert "run failed" not in caplog.text


def test_where_files_cannot_be_locked_the_holders_process_id_tells(tmp_path, monkeypatch):
    """Without flock (Windows, a file system keeping no locks) a lock is a dead run's when its
    process of this machine has gone."""
    monkeypatch.setattr(outputlock, "fcntl", None)
    proc = _holding(tmp_path)
    try:
        with pytest.raises(OutputFolderBusy, match=f"process {proc.pid} on"):
            with output_lock(tmp_path, timeout=0.3):
                pass
    finally:
        proc.kill()
        proc.wait()
    with output_lock(tmp_path, timeout=0):
        assert (tmp_path / LOCK_FILE).exists()
    assert not (tmp_path / LOCK_FILE).exists()
