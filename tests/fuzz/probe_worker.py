"""A child process that runs fuzz probes against earlyhelp, one at a time.

The parent (``fuzz_runner.ProbeRunner``) writes a pickled ``(probe, kwargs)`` per
request on stdin and reads a pickled outcome back. A crash in the compiled core
kills only this process: the parent sees it die, reports the probe that did it
and starts a new one.
"""
from __future__ import annotations

import os
import pickle
import struct
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _read(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(size))


def _write(stream, obj) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def main() -> None:
    import fuzz_probes

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything the library prints must not corrupt the reply channel.
    sys.stdout = sys.stderr
    while True:
        request = _read(stdin)
        if request is None:
            return
        name, kwargs = request
        try:
            getattr(fuzz_probes, name)(**kwargs)
            outcome = ("ok", None, None, "")
        except BaseException as exc:  # the parent judges which exceptions are allowed
            outcome = ("raised", type(exc).__name__, isinstance(exc, ValueError),
                       "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000])
        _write(stdout, outcome)


if __name__ == "__main__":
    main()
