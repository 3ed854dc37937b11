"""The one bridge to the compiled core, ``earlyhelp._core``.

Every module reaches C++ through here: the submodules (``flow``, ``forecast``,
``network``, ``risk``, ``synthetic``), the core's input error and one progress adapter.

* Input errors: the core raises :class:`earlyhelp._errors.CoreInputError`, a
  :class:`earlyhelp.ValidationError`; :func:`naming` relabels it with the table
  (and column) the caller passed in, so messages say where the problem is.
* Progress and Ctrl-C: :func:`progress` gives the ``(done, total)`` callback the
  core's long loops call now and then. It drives a tqdm bar on a terminal or in a
  notebook (never with ``EARLYHELP_NO_PROGRESS`` set). Ctrl-C stops the work with
  ``KeyboardInterrupt`` whether or not a bar shows: the core checks for it at each
  update.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional

from . import _core
from ._core import flow, forecast, network, risk, synthetic
from ._errors import CoreInputError

__all__ = ["CoreInputError", "ProgressCallback", "Steps", "core_build", "flow", "forecast", "naming", "network",
           "progress", "progress_enabled", "risk", "synthetic"]


def core_build() -> Dict[str, Optional[str]]:
    """The compiled core a run ran on: its ``version`` and the ``path`` of its file (None where
    the module has none), which tells two builds of one version apart by their content."""
    return {"version": getattr(_core, "__version__", None), "path": getattr(_core, "__file__", None)}

ProgressCallback = Callable[[int, int], None]
AUTO_PROGRESS_DELAY = 1.0  # seconds of work before a default (show=None) bar appears


@contextmanager
def naming(table: str, column: Optional[str] = None) -> Iterator[None]:
    """Re-raise the core's input errors as about ``table`` (and ``column``)."""
    try:
        yield
    except CoreInputError as err:
        raise CoreInputError(err.message, table=table, column=column) from None


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    return shell is not None and hasattr(shell, "kernel")


def progress_enabled() -> bool:
    """Whether progress bars show: on a terminal or in a notebook, unless ``EARLYHELP_NO_PROGRESS`` is set."""
    if os.environ.get("EARLYHELP_NO_PROGRESS"):
        return False
    return sys.stderr.isatty() or _in_notebook()


@contextmanager
def progress(desc: str, unit: str = "it", show: Optional[bool] = True) -> Iterator[Optional[ProgressCallback]]:
    """A ``(done, total)`` callback driving a tqdm bar, closed on exit; None when no bar should show.

    ``show=False`` (a caller's ``progress=False``, or work too small to be worth a
    bar) gives None; the core still stops on Ctrl-C. ``show=None`` (a caller's
    default) shows the bar only once the work has lasted a second, so quick calls
    stay quiet and long ones are seen.
    """
    if show is False or not progress_enabled():
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=0, desc=desc, unit=unit, leave=False, delay=AUTO_PROGRESS_DELAY if show is None else 0.0)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            if not bar.delay:  # show the total at once (a delayed bar shows it when it appears)
                bar.refresh()
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


class Steps:
    """The named steps of a command: each is timed (``timings``, seconds) and logged, and a
    tqdm bar counts them on a terminal or in a notebook, naming the one under way."""

    def __init__(self, desc: str, names: List[str], log: Optional[logging.Logger] = None) -> None:
        from tqdm.auto import tqdm

        self.timings: Dict[str, float] = {}
        self._log = log or logging.getLogger("earlyhelp")
        self.bar = tqdm(total=len(names), desc=desc, unit="step", disable=not progress_enabled(), file=sys.stderr,
                        leave=False)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.bar.set_postfix_str(name)
        self._log.info("%s ...", name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
