"""Shared input handling for the risk models: checks that name the offending
column and rows, and the call into the compiled solvers."""
from __future__ import annotations

import decimal
import numbers
from statistics import NormalDist
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import Problem, ValidationError
from .._native import naming
from .._numbers import is_real, is_whole


class NotNumericError(ValidationError, TypeError):
    """A ValidationError for feature values that are neither numbers nor text (dicts, lists, ...).

    Also a TypeError, the error scikit-learn (and its estimator checks) raise for such values.
    """


class ArgumentTypeError(ValidationError, TypeError):
    """A ValidationError for an argument of the wrong kind (a number where functions belong, ...).

    Also a TypeError, as scikit-learn's parameter checks raise (its ``InvalidParameterError`` is both).
    """


def row_labels(X: Any, positions: np.ndarray) -> list:
    """Row ids for error messages: the DataFrame index if there is one, else positions."""
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


def two_sided_z(level: Any, table: str = "parameters", column: Optional[str] = "level") -> float:
    """The normal quantile of a two-sided interval at ``level``, after checking ``level``.

    Parameters
    ----------
    level : float
        the interval's coverage, strictly between 0 and 1.
    table, column : str
        where to say a bad level came from.

    Returns
    -------
    float
        ``z`` with ``P(|Z| <= z) = level``.

    Raises
    ------
    ValidationError
        when ``level`` is not a number strictly between 0 and 1.
    """
    if not (is_real(level) and 0 < level < 1):
        hint = ""
        if is_real(level) and level == 1:
            # 1 - 1e-17 is 1.0 once Python has read it: say why a level "below 1" was refused
            hint = " (a level closer to 1 than about 1e-16 is 1.0 as a float)"
        raise ValidationError(Problem(table, column, f"level must be a number strictly between 0 and 1, got "
                                      f"{level!r}{hint}; e.g. 0.95 for a 95% interval"))
    # from the lower tail: 0.5 + level / 2 rounds to 1.0 for levels within 1e-16 of 1, where the
    # quantile is undefined, while the tail (1 - level) / 2 is exact and positive
    return -NormalDist().inv_cdf((1.0 - float(level)) / 2.0)


def _is_number(v: Any) -> bool:
    """A value a feature column may hold: a real number or a bool, not text."""
    return isinstance(v, (numbers.Real, np.bool_, decimal.Decimal))


def _object_column_problems(values: np.ndarray, name: str, dtype: Any, table: str, original: Any) -> List[Problem]:
    """Problems of a column of Python objects: text (even digits), other non-numbers, pd.NA and other
    missing values, each with its rows."""
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.ndim != 1:  # a value that is itself an array
        missing = np.array([pd.isna(v) is True for v in values], dtype=bool)
    kinds = pd.api.types.infer_dtype(values, skipna=True)
    if kinds in ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"):
        text = other = np.zeros(len(values), dtype=bool)
    else:
        text = np.array([isinstance(v, (str, bytes)) for v in values], dtype=bool)
        other = ~missing & ~text & ~np.array([_is_number(v) for v in values], dtype=bool)
    problems = []
    for mask, message in (
            (text, f"holds text, not numbers (dtype {dtype}): text is not read as a number, not even digits "
                   "such as '1'; if the values are amounts convert the column with pd.to_numeric, if they are "
                   "codes or categories one-hot encode it (e.g. OneHotEncoder in a pipeline)"),
            (other, f"not numeric (dtype {dtype}): values that are neither numbers nor text (numpy: float() "
                    "argument must be a string or a real number); encode it first (e.g. OneHotEncoder in a "
                    "pipeline)"),
            (missing, "missing values (NaN, None or pd.NA); impute or drop them first")):
        rows = np.flatnonzero(mask)
        if rows.size:
            value = values[rows[0]]
            problems.append(Problem(table, name, message, rows=row_labels(original, rows), n_rows=rows.size,
                                    value=None if pd.isna(value) is True else value))
    return problems


def _column_problems(s: Any, name: str, table: str, original: Any) -> List[Problem]:
    """Problems of one column of a DataFrame, by its dtype."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        # a category is a label, even when it is written with digits: its codes are no amounts
        present = np.flatnonzero(s.notna().to_numpy())
        return [Problem(table, name, f"categorical (dtype category, categories {list(dtype.categories[:5])}"
                        f"{' ...' if len(dtype.categories) > 5 else ''}): a category is a label, not a number; "
                        "one-hot encode it (e.g. OneHotEncoder in a pipeline), or if the categories are amounts "
                        "convert it with .astype(float)", rows=row_labels(original, present), n_rows=present.size)]
    if pd.api.types.is_complex_dtype(dtype):
        return [Problem(table, name, f"Complex data not supported (dtype {dtype}); a feature needs real numbers")]
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return []  # NaN and pd.NA of a numeric column: named by check_finite
    if dtype.kind in "mM" or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)):
        present = np.flatnonzero(s.notna().to_numpy())
        return [Problem(table, name, f"not numeric (dtype {dtype}); turn dates or durations into numbers first "
                        "(e.g. days since a date)", rows=row_labels(original, present), n_rows=present.size)]
    return _object_column_problems(s.to_numpy(dtype=object), name, dtype, table, original)


def _raise(problems: List[Problem]) -> None:
    """Raise the problems found in X, if any (a NotNumericError when a value is neither number nor text)."""
    if not problems:
        return
    if any("neither numbers nor text" in p.message for p in problems):
        raise NotNumericError(problems)
    raise ValidationError(problems)


def check_frame_columns(X: Any, table: str = "X", names: Optional[Sequence[str]] = None) -> None:
    """Raise ValidationError for X that is not a table of real numbers, naming the columns and rows.

    A DataFrame's columns are checked by dtype: duplicated names, categorical columns, text (even
    of digits), other non-numbers and pd.NA are refused; numbers stored as objects are kept. Arrays
    of text or objects are checked the same way, column by column; sparse matrices and arrays that
    are not two-dimensional are refused. scikit-learn's own conversion would read ``"1"`` as 1.0,
    the codes of a category as amounts, and fail on pd.NA with a TypeError naming nothing.

    Parameters
    ----------
    X : DataFrame or array-like
        the features.
    table : str, default "X"
        the table named in problems.
    names : sequence of str, optional
        column names of an array (default ``x0``, ``x1``, ...).
    """
    if isinstance(X, pd.DataFrame):
        columns = pd.Index(X.columns)
        if columns.duplicated().any():
            dup = [str(c) for c in columns[columns.duplicated()].unique()]
            raise ValidationError(Problem(table, ", ".join(dup), "duplicated column names; each feature needs its "
                                          "own name (rename or drop the copies)"))
        kinds = {type(c).__name__ for c in columns if not isinstance(c, str)}
        if kinds and any(isinstance(c, str) for c in columns):
            # scikit-learn's TypeError: names of mixed types cannot be matched at prediction
            raise ValidationError(Problem(table, None, "column names mix text and other types ("
                                          f"{sorted(kinds)}: {[c for c in columns if not isinstance(c, str)][:5]}); "
                                          "make every column name a string, e.g. X.columns = X.columns.astype(str)"))
        if X.shape[1] == 0:  # scikit-learn's message for an array (a DataFrame gets a cryptic one)
            raise ValidationError(Problem(table, None, f"Found array with 0 feature(s) (shape={X.shape}) while a "
                                          "minimum of 1 is required; give at least one feature column"))
        problems: List[Problem] = []
        for j, col in enumerate(columns):
            problems += _column_problems(X.iloc[:, j], str(col), table, X)
        _raise(problems)
        return
    if sp.issparse(X):
        raise ValidationError(Problem(table, None, "sparse data is not supported: pass a dense array "
                                      "(X.toarray()) or a DataFrame"))
    if isinstance(X, (str, bytes, Mapping)) or X is None:
        raise ValidationError(Problem(table, None, f"must be a DataFrame or a 2-D array of numbers, not "
                                      f"{type(X).__name__}"))
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:  # ragged lists
        raise ValidationError(Problem(table, None, f"cannot be read as a table of numbers ({exc}); give a "
                                      "DataFrame or a 2-D array with one row per case")) from exc
    if arr.ndim != 2:
        raise ValidationError(Problem(table, None, f"must be two-dimensional (one row per case, one column per "
                                      f"feature), got {arr.ndim} dimension(s) of shape {arr.shape}. Reshape your "
                                      "data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one case"))
    if arr.dtype.kind in "OUS" or arr.dtype.kind in "mMc":
        if names is None or len(names) != arr.shape[1]:
            names = [f"x{j}" for j in range(arr.shape[1])]
        problems = []
        for j in range(arr.shape[1]):
            problems += _column_problems(pd.Series(arr[:, j]), names[j], table, X)
        _raise(problems)


def _sample_weight_values(sample_weight: Any, original: Any) -> np.ndarray:
    """Sample weights as floats; text, other non-numbers and complex numbers are refused by row."""
    if isinstance(sample_weight, (str, bytes, Mapping)) or sp.issparse(sample_weight):
        raise ValidationError(Problem("sample_weight", None, "must be a number or an array of numbers, one per "
                                      f"row, not {type(sample_weight).__name__}"))
    try:
        arr = np.asarray(sample_weight)
    except (ValueError, TypeError) as exc:
        raise ValidationError(Problem("sample_weight", None, f"cannot be read as numbers ({exc}); give one "
                                      "weight per row")) from exc
    if arr.dtype.kind == "c":
        raise ValidationError(Problem("sample_weight", None, "complex numbers; weights must be real numbers"))
    if arr.dtype.kind in "OUSmMV":
        flat = arr.reshape(-1) if arr.ndim else arr.reshape(1)
        missing = np.array([pd.isna(v) is True for v in flat], dtype=bool)
        if arr.dtype.kind in "mM":
            bad = ~missing
        else:
            bad = ~missing & ~np.array([_is_number(v) for v in flat], dtype=bool)
        rows = np.flatnonzero(bad)
        if rows.size:
            raise ValidationError(Problem("sample_weight", None, "weights must be numbers (text is not read as a "
                                          "number, not even digits)", rows=row_labels(original, rows),
                                          n_rows=rows.size, value=flat[rows[0]]))
        arr = np.array([np.nan if m else float(v) for v, m in zip(flat, missing)]).reshape(arr.shape)
    return np.asarray(arr, dtype=np.float64)


def check_sample_weight(sample_weight: Optional[Any], n: int, original: Any = None) -> np.ndarray:
    """Sample weights as a contiguous float64 array; clear errors for bad ones."""
    if sample_weight is None:
        return np.ones(n)
    w = _sample_weight_values(sample_weight, original)
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
