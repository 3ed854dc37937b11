"""Age in completed years, as the law and the statutory returns count it.

Dividing days by 365.25 puts a birthday a day early or late in three years of four, and so
puts a child in the wrong age band (or on the wrong side of 18) on and around a birthday.
"""
from __future__ import annotations

import numpy as np


def completed_years(birth, on) -> np.ndarray:
    """Whole years from ``birth`` to ``on``: the age on the day ``on``; NaN where either is missing.

    Parameters
    ----------
    birth, on : array-like of dates (datetime64, pandas Series/Index of dates, or whole days
        since 1970-01-01 as integers; ``NaT`` where unknown), broadcast against each other.

    Returns
    -------
    ndarray of float
        Whole years; negative when ``on`` is before the birth. Someone born on 29 February
        turns a year older on 1 March in a year with no 29th (Family Law Reform Act 1969, s. 9).
    """
    b, o = _as_days(birth), _as_days(on)
    b, o = np.broadcast_arrays(b, o)
    missing = np.isnat(b) | np.isnat(o)
    b = np.where(missing, np.datetime64(0, "D"), b)
    o = np.where(missing, np.datetime64(0, "D"), o)
    years = _year(o) - _year(b)
    # not yet had this year's birthday: (month, day) before the birth's
    before = (_month(o) < _month(b)) | ((_month(o) == _month(b)) & (_day(o) < _day(b)))
    out = (years - before).astype(float)
    out[missing] = np.nan
    return out


def _as_days(values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype("datetime64[D]")
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")


def _year(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[Y]").astype(np.int64)


def _month(d: np.ndarray) -> np.ndarray:
    return (d.astype("datetime64[M]") - d.astype("datetime64[Y]")).astype(np.int64)


def _day(d: np.ndarray) -> np.ndarray:
    return (d - d.astype("datetime64[M]")).astype(np.int64)
