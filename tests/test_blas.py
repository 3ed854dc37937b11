"""One BLAS thread for the suppression audit's many small solves (earlyhelp._blas)."""
from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from earlyhelp._blas import one_blas_thread
from earlyhelp.report import suppression


def _blas_threads() -> set:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_the_block_runs_on_one_thread_and_the_limit_returns_after():
    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            assert _blas_threads() == {1}
            with one_blas_thread():
                assert _blas_threads() == {1}
            assert _blas_threads() == {1}  # the inner block does not lift the outer one's limit
        assert _blas_threads() == {2}


def test_the_limit_holds_until_the_last_thread_leaves():
    inside, leave, seen = threading.Event(), threading.Event(), []

    def other():
        with one_blas_thread():
            inside.set()
            leave.wait(10)
            seen.append(_blas_threads())

    with threadpool_limits(limits=2, user_api="blas"):
        worker = threading.Thread(target=other)
        with one_blas_thread():
            worker.start()
            inside.wait(10)
        leave.set()
        worker.join(10)
        # (the worker lifts the limit as it leaves, but OpenBLAS ignores a raise asked from a
        # thread other than the one that lowered it, so the count after is not checked here)
        assert seen == [{1}]


def test_an_error_inside_lifts_the_limit():
    with threadpool_limits(limits=2, user_api="blas"):
        try:
            with one_blas_thread():
                raise KeyError("x")
        except KeyError:
            pass
        assert _blas_threads() == {2}


def test_the_suppression_audit_solves_on_one_thread(monkeypatch):
    seen = []
    solve = suppression._in_row_space

    def watched(a):
        seen.append(_blas_threads())
        return solve(a)

    monkeypatch.setattr(suppression, "_in_row_space", watched)
    # a 3 x 3 table with margins and small counts: the audit works out hidden cells by algebra
    body = np.array([[3, 20, 30], [25, 2, 40], [50, 60, 4]], dtype=float)
    full = np.zeros((4, 4))
    full[:3, :3] = body
    full[:3, 3] = body.sum(axis=1)
    full[3, :] = full[:3].sum(axis=0)
    at = np.arange(16).reshape(4, 4)
    rels = [(int(at[i, 3]), tuple(int(c) for c in at[i, :3])) for i in range(4)]
    rels += [(int(at[3, j]), tuple(int(c) for c in at[:3, j])) for j in range(4)]
    with threadpool_limits(limits=2, user_api="blas"):
        result = suppression.suppress_cells(full.ravel(), rels)
        assert _blas_threads() == {2}
    assert seen and all(s == {1} for s in seen)
    assert result.hidden.sum() > 3  # primary and secondary cells
