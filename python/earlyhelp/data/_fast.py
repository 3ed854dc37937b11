"""Vectorised helpers where pandas is slow on pyarrow strings.

``Series.isin`` on ``string[pyarrow]`` builds a Python list of the target values (pandas
2.x), which costs seconds per million ids; pyarrow's ``is_in`` does the same in C++.
"""
from __future__ import annotations

from typing import Iterable, Union

import numpy as np
import pandas as pd


def _arrow_strings(values: pd.Series):
    import pyarrow as pa

    arr = pa.array(values.array) if isinstance(values.dtype, pd.StringDtype) else None
    if arr is None:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


class ValueSet:
    """The distinct non-missing values of a key column, computed once for many lookups."""

    def __init__(self, target: Union[pd.Series, Iterable]) -> None:
        import pyarrow.compute as pc

        if not isinstance(target, pd.Series):
            target = pd.Series(list(target), dtype=object)
        self.series = target
        right = _arrow_strings(target.astype("string[pyarrow]") if target.dtype == object else target)
        self.arrow = pc.unique(right.drop_null()) if right is not None else None


def value_set(target: Union[pd.Series, Iterable]) -> ValueSet:
    return ValueSet(target)


def isin(values: pd.Series, target: Union[pd.Series, Iterable, ValueSet]) -> np.ndarray:
    """``values.isin(target)`` as a numpy bool array; missing values are never "in"."""
    import pyarrow.compute as pc

    target = target if isinstance(target, ValueSet) else ValueSet(target)
    left = _arrow_strings(values)
    if left is not None and target.arrow is not None:
        right = target.arrow if target.arrow.type == left.type else target.arrow.cast(left.type)
        found = pc.is_in(left, value_set=right, skip_nulls=True)
        return found.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return (values.isin(target.series) & values.notna()).to_numpy(dtype=bool, na_value=False)

