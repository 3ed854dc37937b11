"""One BLAS thread for work made of many small dense solves.

The suppression audit factorises hundreds of small matrices (tens to a few hundred rows). A
multi-threaded BLAS wakes its threads for each one and spends longer handing the work out than
doing it, and two processes side by side (a scheduler's jobs, pytest-xdist) oversubscribe the
cores. One thread was quicker on every pack measured (see benchmarks/README.md, "pack").
"""
from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable)

_lock = threading.Lock()
_controller = None  # a threadpoolctl.ThreadpoolController, made once the BLAS libraries are loaded
_depth = 0  # blocks open (nested, or in several threads): the limit is set by the first, lifted by the last
_limiter = None


def _blas_controller():
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401  (loads scipy's BLAS, so that the controller sees it too)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit numpy's and scipy's BLAS to one thread inside the block (the previous limits return after)."""
    global _depth, _limiter
    with _lock:
        if _depth == 0:
            _limiter = _blas_controller().limit(limits=1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _limiter.restore_original_limits()
                _limiter = None


def in_one_blas_thread(fn: F) -> F:
    """Decorator: ``fn`` runs inside :func:`one_blas_thread`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
