"""One run at a time in an output folder, from reading the earlier runs there to publishing its own.

A council's packs and forecasts share one output folder, and each run reads the runs already
there (:mod:`earlyhelp.report.ledger`) to keep hidden what they hid. Two runs started together
would each read the folder before the other had published, and each could show what the other
hid. So a run that reads the folder holds its lock (:func:`output_lock`) until its own run folder
is published; a second run waits, saying so, and fails with a clear message if the first holds it
longer than :data:`LOCK_TIMEOUT` seconds (``$EARLYHELP_LOCK_TIMEOUT``).

The lock is the file ``.earlyhelp.lock`` in the output folder, made exclusively (``O_EXCL``, also
on a shared drive) and naming the machine and process holding it, as a partial run folder's
``.owner`` does. Where the system keeps file locks (``flock``) the holder also locks the file, so a
run killed without letting go (``kill -9``, a reboot) is told from a live one even when its process
id has been given to another process. A lock left by a dead process of this machine is removed; one
left by another machine is not (its process ids mean nothing here): the message names the machine,
the process and the file to delete once no run is writing there.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Union

from .runfolder import _alive, _clean_stale_partials

try:
    import fcntl
except ImportError:       # Windows: the lock file alone
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("earlyhelp")

#: the lock file in an output folder
LOCK_FILE = ".earlyhelp.lock"
#: seconds a run waits for another run of its output folder before it gives up
LOCK_TIMEOUT = 3600.0
#: the environment variable that sets another wait (seconds)
LOCK_TIMEOUT_VARIABLE = "EARLYHELP_LOCK_TIMEOUT"
#: seconds between looks at a lock held by another run
_POLL = 0.25
#: a lock file that names no holder this long after it was made is the leftover of a run that died making it
_UNNAMED_AGE = 60.0


class OutputFolderBusy(RuntimeError):
    """Another run held the output folder's lock for longer than this run waits (:func:`output_lock`)."""


@dataclass(frozen=True)
class _Holder:
    host: str
    pid: int
    since: str

    def __str__(self) -> str:
        return f"process {self.pid} on {self.host}, since {self.since}"


#: an answer of :meth:`_LockFile.take`: the lock changed hands meanwhile, look again at once
_AGAIN = object()


def lock_timeout() -> float:
    """Seconds a run waits for its output folder: ``$EARLYHELP_LOCK_TIMEOUT``, else :data:`LOCK_TIMEOUT`.

    Returns
    -------
    float

    Raises
    ------
    ConfigError
        when the variable is set to something other than a number of seconds >= 0.
    """
    text = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        from .._errors import ConfigError, Problem

        raise ConfigError([Problem("environment", LOCK_TIMEOUT_VARIABLE, "is the number of seconds a run waits "
                                   "for another run writing into its output folder: a number >= 0", value=text)])
    return seconds


@contextlib.contextmanager
def output_lock(output: Union[str, os.PathLike], *, timeout: Optional[float] = None) -> Iterator[Path]:
    """Hold the output folder's lock: no other run reads or publishes there until the block ends.

    Taken before a run reads the council's earlier runs in ``output`` and let go after its run
    folder is published. Waits while another run holds it (logging who, once), then raises
    :class:`OutputFolderBusy`. Taken again inside the block (one command publishing several
    things) it is held already: no wait. Once taken, partial run folders left by dead processes
    of this machine are removed. Missing folders are made; those left empty at the end (nothing
    published) are removed again.

    Parameters
    ----------
    output : str or path-like
        the folder holding the run folders (``run.output``).
    timeout : float, optional
        seconds to wait for another run (default: :func:`lock_timeout`).

    Yields
    ------
    Path
        the output folder.

    Raises
    ------
    OutputFolderBusy
        when another run held the lock for ``timeout`` seconds.
    """

    folder = Path(output)
    wait = lock_timeout() if timeout is None else float(timeout)
    made = _make_folders(folder)
    key = os.path.normcase(os.path.realpath(folder))
    with _entries_guard:
        entry = _entries.setdefault(key, _Entry())
    deadline = time.monotonic() + wait
    if not entry.threads.acquire(blocking=False):
        # another thread of this process holds it (a notebook running two commands at once)
        log.warning("%s: another run of this process is writing into this output folder; waiting for it to "
                    "finish (at most %s)", folder, _seconds(wait))
        if not entry.threads.acquire(timeout=max(0.0, deadline - time.monotonic())):
            _remove_empty(made)
            raise OutputFolderBusy(f"{folder}: another run of this process held the output folder for longer "
                                   f"than {_seconds(wait)}; set {LOCK_TIMEOUT_VARIABLE} to wait longer")
    lock = _LockFile(folder) if entry.depth == 0 else None     # held already by this thread: no wait
    try:
        if lock is not None:
            lock.acquire(deadline, wait, made)
            _clean_stale_partials(folder)
        entry.depth += 1
        try:
            yield folder
        finally:
            entry.depth -= 1
    finally:
        if lock is not None:
            lock.release()               # (nothing to let go when it was not taken)
            _remove_empty(made)
        entry.threads.release()


class _Entry:
    """This process's hold on one output folder: a thread at a time, as deep as it took it."""

    def __init__(self) -> None:
        self.threads = threading.RLock()
        self.depth = 0


_entries: Dict[str, _Entry] = {}
_entries_guard = threading.Lock()


class _LockFile:
    """The lock file of one output folder, taken by this process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_FILE
        self.fd: Optional[int] = None
        self.token = uuid.uuid4().hex

    def acquire(self, deadline: float, wait: float, made: List[Path]) -> None:
        """Take the lock by ``deadline`` (monotonic seconds); the folders made on the way are added to ``made``."""
        told = False
        while True:
            try:
                holder = self.take()
            except FileNotFoundError:
                # the folder was removed meanwhile (a failed run took away the folder it had made)
                made += _make_folders(self.folder)
                continue
            if holder is None:
                return
            if holder is _AGAIN:
                continue
            left = deadline - time.monotonic()
            who = holder if isinstance(holder, _Holder) else "a run that is starting"
            if left <= 0:
                raise OutputFolderBusy(
                    f"{self.folder}: another run ({who}) is writing into this output folder and did not finish "
                    f"within {_seconds(wait)}. If no run is writing there any more, delete {self.path} and run "
                    f"again; set {LOCK_TIMEOUT_VARIABLE} (seconds) to wait longer")
            if not told:
                log.warning("%s: another run (%s) is writing into this output folder; waiting for it to finish "
                            "(at most %s)", self.folder, who, _seconds(wait))
                told = True
            time.sleep(min(_POLL, left))

    def take(self):
        """None when taken; else who holds it (a :class:`_Holder`, or a string), or :data:`_AGAIN`."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return self._holder()
        try:
            # locked before it names its holder: a file naming one and not locked is a dead run's
            _flock(fd, blocking=True)
            text = f"{socket.gethostname()}\n{os.getpid()}\n{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n" \
                   f"{self.token}\n"
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            raise
        self.fd = fd
        return None

    def _holder(self):
        """Who holds the lock, after removing it if its holder is a dead process of this machine."""
        try:
            # open for writing where allowed: some file systems lock only files open for writing (NFS)
            fd = os.open(self.path, os.O_RDWR)
        except PermissionError:
            fd = None
        except FileNotFoundError:
            return _AGAIN                          # let go meanwhile
        if fd is None:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return _AGAIN
        try:
            locked = _flock(fd, blocking=False)
            holder = _read_holder(fd)
            if locked is False:
                return holder or "a run that is starting"
            # not locked (its holder let go) or locks not kept here: is it still the lock file?
            made = os.fstat(fd)
            try:
                now = os.stat(self.path)
            except FileNotFoundError:
                return _AGAIN
            if (now.st_ino, now.st_dev) != (made.st_ino, made.st_dev):
                return _AGAIN
            why = _dead(holder, made.st_mtime, locked)
            if why is None:
                return holder or "a run that is starting"
            if fcntl is not None:
                # with the file locked here, no other run of this machine removes it at the same time
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
                log.info("removed %s (%s)", self.path, why)
                return _AGAIN
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):     # a file open here cannot be removed (Windows)
            os.unlink(self.path)
            log.info("removed %s (%s)", self.path, why)
        return _AGAIN

    def release(self) -> None:
        """Let go: remove the lock file (if it is still this run's), then unlock it."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        if fcntl is None:
            # no flock to hold until the file is gone, and a file open here cannot be removed (Windows)
            ours = _read_token(fd) == self.token
            os.close(fd)
            if ours:
                _unlink_soon(self.path)
            return
        try:
            mine, now = os.fstat(fd), os.stat(self.path)
            if (now.st_ino, now.st_dev) == (mine.st_ino, mine.st_dev):
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            os.close(fd)          # unlocks it


def _unlink_soon(path: Path) -> None:
    """Remove ``path``, waiting a little while another process has it open to read who holds it."""
    for _ in range(40):
        try:
            os.unlink(path)
            return
        except FileNotFoundError:
            return
        except PermissionError:
            time.sleep(0.05)
    log.warning("could not remove %s: the next run takes it over once this process has ended", path)


def _dead(holder: Optional[_Holder], made: float, locked: Optional[bool]) -> Optional[str]:
    """Why a lock no process holds by ``flock`` (``locked``: True, or None where locks are not
    kept) is a dead run's; None while its holder may be alive."""
    if holder is None:
        # a file that never named its holder: a run making it now, or one that died making it
        return "a run that died while taking the lock" if time.time() - made > _UNNAMED_AGE else None
    if holder.host != socket.gethostname():
        return None                 # another machine's run: its process ids mean nothing here
    if locked:
        return f"left by {holder}, a run that did not finish"
    if holder.pid == os.getpid() or not _alive(holder.pid):
        # (this process holds no lock of its own there: the file is an earlier process's of the same id)
        return f"left by {holder}, a run that did not finish"
    return None


def _lines(fd: int) -> List[str]:
    """A lock file's lines: machine, process id, since, token, and "" after the last newline."""
    try:
        text = os.pread(fd, 4096, 0) if hasattr(os, "pread") else _read_from_start(fd)
        return text.decode("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return []


def _read_token(fd: int) -> Optional[str]:
    lines = _lines(fd)
    return lines[3] if len(lines) >= 5 else None


def _read_holder(fd: int) -> Optional[_Holder]:
    """The holder a lock file names (None until it names one)."""
    lines = _lines(fd)
    if len(lines) < 5 or not lines[3]:        # written in full, ending after the token
        return None
    try:
        return _Holder(lines[0], int(lines[1]), lines[2])
    except ValueError:
        return None


def _read_from_start(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096)


def _flock(fd: int, *, blocking: bool) -> Optional[bool]:
    """Lock ``fd`` exclusively: True if locked, False if another process holds it, None where the
    system or the file system keeps no such locks."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES):
            return False
        return None                 # ENOLCK, EOPNOTSUPP, EINVAL: a file system without locks


def _make_folders(folder: Path) -> List[Path]:
    """Make ``folder`` and its missing parents; return those made, innermost first."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: List[Path]) -> None:
    """Remove the folders made for a run that published nothing (innermost first, while empty)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


def _seconds(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"
