"""Period dates read one way in every forecast function: without a time zone.

The data layer reads a date with a time zone as the date written there (its own zone's
calendar day, see ``earlyhelp.data.coerce``); demand series carry no zone. So a frame whose
``ds`` is time-zone aware compares with one whose ``ds`` is naive: each aware value becomes
its own zone's wall-clock date and time, and the zone is dropped (not converted to UTC).

Text dates written with the day first (``31/03/2024``, ``31.03.2024``, ``31-03-2024``) are read
day first, as the data layer reads them (English councils write dates so): pandas alone reads
``01/02/2020`` as 2 January and ``13/02/2020`` as 13 February, so a column of them was read
partly month first and partly day first, without a word.
"""
from __future__ import annotations

import re
import warnings
from typing import Any, List

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_number

# a date written day first: day, separator, month, the same separator, year; the rest (a time,
# a zone) is kept as written
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)$", re.DOTALL)


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
        a value that is not a date, naming the table, column and rows; numbers too (pandas
        would read 20240101 as nanoseconds since 1970, a date in 1970), as the data layer
        refuses them.
    """
    values = without_zone(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    _refuse_numbers(values, table, column)
    shown, values = values, _iso_from_day_first(values, table, column)
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
                                      value=_first(shown, bad))) from None


def _refuse_numbers(values: pd.Series, table: str, column: str) -> None:
    """A ValidationError naming the rows whose dates are numbers (or True/False): pandas reads a
    number as nanoseconds since 1970, so 20240101 became 1970-01-01 00:00:00.020240101 and a
    column of them was reported as dates off the grid by a time of day."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        bad = values.notna().to_numpy()
    elif values.dtype == object:
        bad = np.array([is_number(v) and not (isinstance(v, (float, np.floating)) and np.isnan(v))
                        for v in values.to_numpy(dtype=object)], dtype=bool)
    else:
        return
    if not bad.any():
        return
    first = values.to_numpy(dtype=object)[bad][0]
    raise ValidationError(Problem(table, column, f"must be dates (e.g. 2024-04-01), not numbers ({values.dtype}): "
                                  f"pandas would read {first!r} as nanoseconds since 1970. A date written as "
                                  "yyyymmdd is read with pd.to_datetime(ds.astype(str), format='%Y%m%d'); a "
                                  "period number has no calendar: give the date each period starts",
                                  rows=list(values.index[bad][:10]), n_rows=int(bad.sum()), value=first))


def _iso_from_day_first(values: pd.Series, table: str, column: str) -> pd.Series:
    """Text dates written day first (``31/03/2024 10:00``) rewritten year first (``2024-03-31
    10:00``), so that they are read day first; everything else as it is. A two-digit year is a
    ValidationError, as in the data layer: which century is meant cannot be told."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)) or not len(values):
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    rewritten, short = [], []
    for u in uniques:
        m = _DAY_FIRST.match(u) if isinstance(u, str) else None
        if m is None:
            rewritten.append(u)
            continue
        day, _, month, year, rest = m.groups()
        if len(year) == 2:
            short.append(u)
        rewritten.append(f"{year}-{int(month):02d}-{int(day):02d}{rest}")
    if short:
        bad = values.isin(short).to_numpy()
        raise ValidationError(Problem(table, column, "two-digit year: write the year in full (dd/mm/yyyy or "
                                      "yyyy-mm-dd); which century is meant cannot be told",
                                      rows=list(values.index[bad][:10]), n_rows=int(bad.sum()), value=short[0]))
    if all(a is b for a, b in zip(rewritten, uniques)):
        return values
    out = np.array(rewritten, dtype=object)[np.maximum(codes, 0)]
    out[codes < 0] = None
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


def period_text(value: Any) -> str:
    """A period as a user wrote it: a date without a midnight time, with any other time shown
    (``2020-04-01``, ``2020-04-01T01:00:00``), so a date off a grid by an hour does not look on it.

    Parameters
    ----------
    value : Timestamp, datetime64 or any other value
        the period (anything that is not a date is shown as ``str`` shows it).

    Returns
    -------
    str
    """
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    return str(value)


def period_texts(values: Any, limit: int = 10) -> List[str]:
    """The first ``limit`` distinct dates of ``values``, earliest first, as :func:`period_text`
    writes them (for a message: a time of day is shown when it is not midnight).

    Parameters
    ----------
    values : Series, DatetimeIndex or array of dates
        the dates (no NaT).
    limit : int, default 10
        how many to write.

    Returns
    -------
    list of str
    """
    distinct = np.unique(np.asarray(values, dtype="datetime64[ns]"))
    return [period_text(d) for d in distinct[:limit]]


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
