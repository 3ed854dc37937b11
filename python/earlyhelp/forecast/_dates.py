"""Period dates read one way in every forecast function: without a time zone.

The data layer reads a date with a time zone as the date written there (its own zone's
calendar day, see ``earlyhelp.data.coerce``); demand series carry no zone. So a frame whose
``ds`` is time-zone aware compares with one whose ``ds`` is naive: each aware value becomes
its own zone's wall-clock date and time, and the zone is dropped (not converted to UTC).
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError


def without_zone(values: pd.Series) -> pd.Series:
    """``values`` with a time zone dropped (each value the wall-clock time of its own zone);
    anything that is not time-zone-aware datetimes is returned as it is."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None)
    if values.dtype == object and len(values):
        # datetimes of several zones (or mixed with naive ones) come as an object column
        sample = values.dropna()
        if len(sample) and all(isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "tzinfo")
                               for v in sample.iloc[:1000]):
            try:
                return _distinct_local(values)
            except (ValueError, TypeError, OverflowError):
                return values
    return values


def local_dates(values: pd.Series, table: str, column: str = "ds") -> pd.Series:
    """``values`` as time-zone-free ``datetime64``: dates, date text or datetimes of any zone.

    Parameters
    ----------
    values : Series
        the column.
    table, column : str
        where the column is, for the error.

    Returns
    -------
    Series
        ``datetime64[ns]`` without a zone (missing values stay NaT).

    Raises
    ------
    ValidationError
        a value that is not a date, naming the table, column and rows.
    """
    values = without_zone(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    try:
        with warnings.catch_warnings():
            # mixed offsets: pandas warns, then gives objects; read below, each in its own zone
            warnings.simplefilter("ignore")
            out = pd.to_datetime(values)
    except (ValueError, TypeError, OverflowError):
        out = None
    if out is not None and not isinstance(out, pd.Series):
        out = pd.Series(out, index=values.index)
    if out is not None and pd.api.types.is_datetime64_any_dtype(out):
        return without_zone(out)
    try:
        return _distinct_local(values)
    except (ValueError, TypeError, OverflowError) as err:
        bad = _unreadable(values)
        raise ValidationError(Problem(table, column, f"must be dates (e.g. 2024-04-01): {err}",
                                      rows=list(values.index[bad][:10]), n_rows=int(bad.sum()),
                                      value=_first(values, bad))) from None


def _distinct_local(values: pd.Series) -> pd.Series:
    """Each distinct value as a Timestamp in its own zone, the zone dropped."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.array([_naive(pd.Timestamp(u)).to_datetime64() for u in uniques], dtype="datetime64[ns]")
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(parsed):
        out[codes >= 0] = parsed[codes[codes >= 0]]
    return pd.Series(out, index=values.index, name=values.name)


def _naive(ts: pd.Timestamp) -> pd.Timestamp:
    if ts is pd.NaT:
        raise ValueError("a missing date where a date was expected")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _unreadable(values: pd.Series) -> np.ndarray:
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            continue
        try:
            _naive(pd.Timestamp(v))
        except (ValueError, TypeError, OverflowError):
            bad[i] = True
    return bad


def _first(values: pd.Series, bad: np.ndarray) -> Any:
    return values.to_numpy(dtype=object)[bad][0] if bad.any() else None
