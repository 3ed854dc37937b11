"""Runs fuzz probes in a child process so that a crash fails a test instead of the run."""
from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

WORKER = Path(__file__).with_name("probe_worker.py")


@dataclass
class Outcome:
    status: str            # "ok", "raised", "crashed", "timeout"
    error: Optional[str]   # exception type name
    is_value_error: bool   # the exception is a ValueError (earlyhelp.ValidationError included)
    message: str

    def acceptable(self) -> bool:
        """No crash, no hang, and any exception is the library's input error."""
        return self.status == "ok" or (self.status == "raised" and self.is_value_error)


class ProbeRunner:
    """One long-lived worker process; restarted after it dies or hangs."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.proc: Optional[subprocess.Popen] = None

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
        return subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)

    def run(self, probe: str, **kwargs: Any) -> Outcome:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        data = pickle.dumps((probe, kwargs))
        try:
            self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            return self._died()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            return Outcome("timeout", None, False, f"no answer within {self.timeout:.0f} s")
        head = self.proc.stdout.read(8)
        if len(head) < 8:
            return self._died()
        (size,) = struct.unpack("<Q", head)
        status, error, is_value_error, message = pickle.loads(self.proc.stdout.read(size))
        return Outcome(status, error, is_value_error, message)

    def _died(self) -> Outcome:
        proc, self.proc = self.proc, None
        code = proc.wait()
        stderr = proc.stderr.read().decode(errors="replace")[-3000:]
        return Outcome("crashed", None, False, f"worker exited with {code}: {stderr}")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self.proc = None


def describe(kwargs: Dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}"[:300] for k, v in kwargs.items())
