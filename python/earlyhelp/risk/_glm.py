"""Shared input handling for the risk models: checks that name the offending
column and rows, and the call into the compiled solvers."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._errors import Problem, ValidationError
from .._native import naming
from .._numbers import is_whole


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


def check_frame_columns(X: Any, table: str = "X") -> None:
    """Raise ValidationError naming duplicated or non-numeric columns of a DataFrame.

    scikit-learn's own conversion fails with "could not convert string to float"
    and names neither the column nor the row.
    """
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return
    names = pd.Index(X.columns)
    if names.duplicated().any():
        dup = [str(c) for c in names[names.duplicated()].unique()]
        raise ValidationError(Problem(table, ", ".join(dup), "duplicated column names; each feature needs its own "
                                      "name (rename or drop the copies)"))
    problems = []
    for j, col in enumerate(names):
        s = X.iloc[:, j]
        if pd.api.types.is_bool_dtype(s.dtype) or (pd.api.types.is_numeric_dtype(s.dtype)
                                                   and not isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        values = s.astype(object)
        as_number = pd.to_numeric(values, errors="coerce")
        bad = np.flatnonzero(values.notna().to_numpy() & as_number.isna().to_numpy())
        if bad.size:
            problems.append(Problem(table, str(col), f"not numeric (dtype {s.dtype}); encode it first (e.g. "
                                    "OneHotEncoder in a pipeline)", rows=row_labels(X, bad), n_rows=bad.size,
                                    value=values.iloc[bad[0]]))
    if problems:
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
    with np.errstate(over="ignore"):
        total = w.sum()
    if not total > 0:
        raise ValidationError(Problem("sample_weight", None, "all weights are zero; nothing to fit"))
    if not np.isfinite(total):  # the solvers sum the weights; an overflow there is not the features' fault
        raise ValidationError(Problem("sample_weight", None, f"the weights sum to more than the largest float "
                                      f"({np.finfo(np.float64).max:.3g}); rescale them"))
    return np.ascontiguousarray(w)


def n_threads(n_jobs: Optional[int]) -> int:
    """sklearn's n_jobs to the core's thread count (0 = decide from the size)."""
    if n_jobs is None:
        return 0
    if not is_whole(n_jobs):
        raise ValidationError(f"n_jobs must be None or a whole number, got {n_jobs!r}", table="parameters")
    if n_jobs < 0:
        import os

        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    # the core takes a 32-bit count; more threads than cores never helps
    return int(min(n_jobs, 1024))


def call_core(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a compiled function; its input errors name the table ``X``."""
    with naming("X"):
        return fn(*args, **kwargs)
