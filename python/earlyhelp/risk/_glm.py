"""Shared input handling for the risk models: checks that name the offending
column and rows, and the call into the compiled solvers."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._errors import Problem, ValidationError
from .._native import naming


def row_labels(X: Any, positions: np.ndarray) -> list:
    """Row ids for error messages: the DataFrame index if there is one, else positions."""
    import pandas as pd

    index = getattr(X, "index", None)
    if isinstance(index, pd.Index) and len(index) > int(positions.max(initial=-1)):
        return [index[i] for i in positions[:10]]
    return [int(i) for i in positions[:10]]


def feature_names(estimator: Any, n_features: int) -> list[str]:
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return [str(n) for n in names]
    return [f"x{j}" for j in range(n_features)]


def check_finite(X: np.ndarray, names: Sequence[str], original: Any = None) -> None:
    """Raise ValidationError naming each column with NaN or infinite values."""
    finite = np.isfinite(X)
    if finite.all():
        return
    problems = []
    for j in np.flatnonzero(~finite.all(axis=0)):
        rows = np.flatnonzero(~finite[:, j])
        problems.append(Problem("X", names[j], "missing (NaN) or infinite values; impute or drop them first",
                                rows=row_labels(original, rows), n_rows=len(rows), value=float(X[rows[0], j])))
    raise ValidationError(problems)


def check_sample_weight(sample_weight: Optional[Any], n: int, original: Any = None) -> np.ndarray:
    """Sample weights as a contiguous float64 array; clear errors for bad ones."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.ndim != 1 or w.shape[0] != n:
        raise ValidationError(Problem("sample_weight", None,
                                      f"has shape {w.shape} but X has {n} rows; give one weight per row"))
    bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))
    if bad.size:
        raise ValidationError(Problem("sample_weight", None, "weights must be finite and >= 0 (negative, NaN or "
                                      "infinite weights found)", rows=row_labels(original, bad), n_rows=bad.size,
                                      value=float(w[bad[0]])))
    if not w.sum() > 0:
        raise ValidationError(Problem("sample_weight", None, "all weights are zero; nothing to fit"))
    return np.ascontiguousarray(w)


def n_threads(n_jobs: Optional[int]) -> int:
    """sklearn's n_jobs to the core's thread count (0 = decide from the size)."""
    if n_jobs is None:
        return 0
    if n_jobs < 0:
        import os

        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def call_core(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a compiled function; its input errors name the table ``X``."""
    with naming("X"):
        return fn(*args, **kwargs)
