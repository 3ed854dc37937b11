"""Turn user DataFrames into typed earlyhelp tables (names, aliases, types, codes).

Everything here is vectorised: each column is factorised once and only its *distinct*
values are parsed in Python, so a table of millions of rows with a few thousand distinct
dates or a dozen distinct codes costs one hash pass plus a ``take``.

Problems are collected, not raised one by one, so a user sees all of them. Codes not in
a code list are a problem by default (``unknown_codes="raise"``); with
``unknown_codes="keep"`` they load as ``unknown`` and are counted in the load report.
"""
from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import CodeMapFix, Problem, ValidationError
from . import codes as code_lists
from .schema import ID_MAX_LENGTH, Column, Table

ID_DTYPE = "string[pyarrow]"
TRUE_WORDS = frozenset({"y", "yes", "true", "t", "1", "1.0"})
FALSE_WORDS = frozenset({"n", "no", "false", "f", "0", "0.0"})
# Day-first formats tried after ISO 8601 (English councils write 31/03/2024); the last is SQL
# Server's text for a datetime cast to text ("Apr  1 2023 12:00AM"). No two-digit year: see below.
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S.%f", "%d-%m-%Y", "%d.%m.%Y",
                "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%Y%m%d", "%b %d %Y %I:%M%p")
# 01/04/23, 1-Apr-23: a birth in 1923 or 2023? The century cannot be told, so it is not guessed.
TWO_DIGIT_YEAR = re.compile(r"(?:\d{1,2}[/.-]\d{1,2}[/.-]|\d{1,2}[- ][A-Za-z]{3,9}\.?[- ])\d{2}(?:[ T]\d{1,2}:\d\d.*)?")
TWO_DIGIT_YEAR_MESSAGE = ("two-digit year: write the year in full (dd/mm/yyyy or yyyy-mm-dd); which century is meant "
                          "cannot be told, so it is not guessed")
# 07/13/2023 is month first (a US setting): then the column's other day-first dates are misread too.
MONTH_FIRST = re.compile(r"(?:0?[1-9]|1[0-2])([/.-])(?:1[3-9]|2\d|3[01])\1\d{4}(?:[ T].*)?")
MONTH_FIRST_MESSAGE = ("not a day-first date: the month (second number) is over 12. Was it saved month first "
                       "(mm/dd/yyyy, a US setting)? Then the column's other dates are misread too: save it with "
                       "dd/mm/yyyy or yyyy-mm-dd dates")
# 2024111: 1 November or 11 January? Dates written as digits alone are read only as yyyymmdd (eight digits).
SHORT_COMPACT_DATE = re.compile(r"\d{6,7}")
SHORT_COMPACT_DATE_MESSAGE = ("a date written as digits alone needs all eight of yyyymmdd: 2024111 may be 1 November "
                              "or 11 January, and which is meant cannot be told, so it is not guessed")
UNKNOWN_CODES = ("raise", "keep")
TZ_SUFFIX = r"(?<=\d:\d\d)(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$"


def new_report() -> Dict[str, Any]:
    """An empty load report (kept in ``ds.meta['load_report']``)."""
    return {"files": {}, "encodings": {}, "unknown_codes": [], "defaults": [], "derived": [],
            "unchecked_references": []}


def empty_table(table: Table) -> pd.DataFrame:
    """A zero-row DataFrame with the table's columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=dtype_of(c)) for c in table.columns})


def dtype_of(column: Column):
    kind = column.kind
    if kind in ("id", "str"):
        return ID_DTYPE
    if kind == "date":
        return "datetime64[ns]"
    if kind == "int":
        return "Int64"
    if kind == "float":
        return "float64"
    if kind == "bool":
        return "boolean"
    if kind == "code":
        return pd.CategoricalDtype(list(column.codes or ()))
    raise ValueError(f"unknown column kind {kind!r}")


def missing_column(column: Column, index: pd.Index) -> pd.Series:
    """An all-missing column (or the column's default) of the right dtype."""
    if column.default is not None:
        return pd.Series(pd.Categorical([column.default] * len(index), categories=list(column.codes or ())),
                         index=index) if column.kind == "code" else \
            pd.Series(column.default, index=index, dtype=dtype_of(column))
    if column.kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return pd.Series(pd.NA if column.kind != "float" else np.nan, index=index, dtype=dtype_of(column))


def rename_aliases(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Rename SSD and other known aliases to earlyhelp names (case-insensitive).

    Our own name wins over an alias; among aliases the first listed in the schema wins.
    """
    present = {str(col).strip().lower(): col for col in frame.columns}
    mapping = {}
    for c in table.columns:
        for candidate in (c.name,) + c.aliases:
            col = present.get(candidate.lower())
            if col is not None and col not in mapping:
                mapping[col] = c.name
                break
    return frame.rename(columns=mapping)


def conflicting_aliases(table: Table, frame: pd.DataFrame, problems: List[Problem]) -> None:
    """A column given under two of its names (ours and an SSD alias, or two aliases) is read from
    the first (see ``rename_aliases``); where the other holds different values, which one is
    meant cannot be told, so it is a problem naming both, not a silent choice. ``frame`` is
    renamed already."""
    present = {str(col).strip().lower(): col for col in frame.columns}
    for c in table.columns:
        if c.name not in frame.columns:
            continue
        for alias in c.aliases:
            other = present.get(alias.lower())
            if other is None or other == c.name:
                continue
            chosen, second = frame[c.name], frame[other]
            if isinstance(chosen, pd.DataFrame) or isinstance(second, pd.DataFrame):
                continue  # a name given twice: reported as such
            a, b = _as_text(chosen), _as_text(second)
            if c.kind == "date":  # one date written two ways is one date
                a, b = (pd.Series(parse_dates(v.to_numpy(dtype=object, na_value=None)), index=v.index)
                        .astype("string").fillna(v) for v in (a, b))
            differ = (a.ne(b) & ~(a.isna() & b.isna())).fillna(True).to_numpy(dtype=bool)
            if differ.any():
                problems.append(Problem(
                    table.name, c.name, f"given twice, as {c.name!r} (read) and as {other!r} (its other name), "
                    f"with different values in {int(differ.sum()):,} rows: keep the one you mean",
                    _row_labels(frame, table, differ), int(differ.sum()), str(b[differ].iloc[0])))


def normalise_word(text: str) -> str:
    """Lower case, runs of non-alphanumerics to one underscore: 'Step-up ' -> 'step_up'."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


# -- helpers --------------------------------------------------------------------------------

# ``frame.attrs`` key of the :class:`CsvLines` of a frame read from a CSV file.
CSV_LINES = "earlyhelp_csv_lines"


class CsvLines:
    """Where the rows of a frame read from a CSV file are in the file: the line each row
    begins on, the column names being line 1 (as a text editor numbers lines; Excel numbers
    its rows the same way).

    A row is line ``i + 2`` only in a plain file: blank lines (skipped), rows refused for
    their number of fields and quoted values holding line breaks move the rows after them. So
    the lines are worked out from the file's text, on first use only (most loads name no row):
    ``text`` is a function returning the text as read (decoded, any footer cut). They hold for
    the frame whose index is ``index`` (the rows as read): once a frame's rows are filtered or
    reordered its lines are not used (see :func:`csv_lines`), and the loaders forget them at the end.
    """

    def __init__(self, file: str, text, delimiter: str, width: int, index: pd.Index) -> None:
        self.file, self._text, self.delimiter, self.width, self.index = file, text, delimiter, width, index
        self._lines: Optional[np.ndarray] = None
        self._ragged: List[int] = []
        self._worked_out = False

    def __deepcopy__(self, memo) -> "CsvLines":  # pandas copies ``attrs`` on every operation: one object
        return self

    def lines(self) -> Optional[np.ndarray]:
        """The line each row begins on, or None when the text does not give the rows read."""
        if not self._worked_out:
            import csv
            import io

            self._worked_out = True
            try:
                text = self._text()
            except (OSError, UnicodeDecodeError):  # the file went meanwhile: rows named without lines
                return None
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
            next(reader, None)  # the column names
            starts, ragged, end = [], [], reader.line_num
            for row in reader:
                if len(row) == self.width:  # blank lines and rows with other numbers of fields are not rows
                    starts.append(end + 1)
                elif row:
                    ragged.append(end + 1)
                end = reader.line_num
            if len(starts) == len(self.index):
                self._lines = np.asarray(starts, dtype=np.int64)
                self._ragged = ragged
        return self._lines

    def ragged_lines(self, n: int) -> Optional[List[int]]:
        """The lines the ``n`` rows refused for their number of fields begin on, or None when the
        text does not give them (the file went meanwhile, or it reads otherwise)."""
        if self.lines() is None or len(self._ragged) != n:
            return None
        return list(self._ragged)

    def label(self, position: int, note: Optional[str] = None) -> str:
        """``row 17 (line 19 of requests.csv)``: the 0-based row (as a DataFrame numbers it) and the
        file's line; ``note`` goes first in the brackets (``no request_id``)."""
        lines = self.lines()
        where = [note] if note else []
        if lines is not None:
            where.append(f"line {int(lines[position])} of {self.file}")
        return f"row {int(position)}" + (f" ({', '.join(where)})" if where else "")


def mark_csv_lines(frame: pd.DataFrame, lines: CsvLines) -> pd.DataFrame:
    """``frame`` (as read from a CSV file) marked with where its rows are in the file."""
    frame.attrs[CSV_LINES] = lines
    return frame


def csv_lines(frame: pd.DataFrame) -> Optional[CsvLines]:
    """The :class:`CsvLines` of ``frame`` when its rows are still those read, in the file's order."""
    found = frame.attrs.get(CSV_LINES)
    if isinstance(found, CsvLines) and frame.index.equals(found.index):
        return found
    return None


def carry_csv_lines(source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """``target`` (row for row ``source``, re-indexed) marked with ``source``'s lines; else unmarked."""
    found = csv_lines(source)
    if found is not None and len(target) == len(found.index):
        moved = CsvLines(found.file, found._text, found.delimiter, found.width, target.index)
        moved._lines, moved._ragged, moved._worked_out = found._lines, found._ragged, found._worked_out
        target.attrs[CSV_LINES] = moved
    else:
        target.attrs.pop(CSV_LINES, None)
    return target


def forget_csv_lines(frames) -> None:
    """Drop the file lines from ``frames`` once loaded: a user's later changes to a table (rows
    sorted, filtered) would make them wrong."""
    for frame in frames:
        if isinstance(frame, pd.DataFrame):
            frame.attrs.pop(CSV_LINES, None)


def row_labels(frame: pd.DataFrame, key: Optional[Union[str, Sequence[str]]], mask: np.ndarray) -> List:
    """The first ten flagged rows by their ``key`` value; by 0-based position where the key is
    missing (or ``key`` is None: a table without ids).

    A key of several columns (``family_members``: family, person, start) names a row by all of
    them, ``F1 / P1 / 2021-05-01``, with the file's line where known: its first column alone
    is shared by many rows.

    A row without its id (a blank line of commas at the end of an export) must still be findable.
    A position is the DataFrame's row number (from 0), not the file's: for a frame read from a
    CSV file (see :class:`CsvLines`) it also says the file's line, as an editor or Excel shows it:
    ``row 1 (no request_id, line 3 of requests.csv)``. This is the one place rows are named by
    position, for every table's problems; an id is named as it is (it is searched for).
    """
    idx = np.flatnonzero(mask)[:10]
    where = csv_lines(frame) if len(idx) else None
    if key is not None and not isinstance(key, str):
        parts = [k for k in key if k in frame.columns]
        if len(parts) > 1:
            return _joined_key_labels(frame, parts, idx, where)
        key = parts[0] if parts else None
    if key is None or key not in frame.columns:
        return [int(i) for i in idx] if where is None else [where.label(i) for i in idx]
    keys = frame[key]
    if where is None:
        return [f"row {int(i)} (no {key})" if pd.isna(keys.iloc[i]) else keys.iloc[i] for i in idx]
    return [where.label(i, f"no {key}") if pd.isna(keys.iloc[i]) else keys.iloc[i] for i in idx]


def _joined_key_labels(frame: pd.DataFrame, key: List[str], idx: np.ndarray, where: Optional[CsvLines]) -> List[str]:
    """``F1 / P1 / 2021-05-01 (line 4 of family_members.csv)``: a row named by every column of its key."""
    lines = where.lines() if where is not None else None
    out = []
    for i in idx:
        parts = []
        for k in key:
            v = frame[k].iloc[i]
            parts.append(f"no {k}" if pd.isna(v) else str(v.date()) if isinstance(v, pd.Timestamp) else str(v))
        label = " / ".join(parts)
        out.append(label if lines is None else f"{label} (line {int(lines[i])} of {where.file})")
    return out


def _row_labels(frame: pd.DataFrame, table: Table, mask: np.ndarray) -> List:
    return row_labels(frame, table.key if len(table.key) > 1 else table.key[0], mask)


def _as_text(values: pd.Series) -> pd.Series:
    """Any column as stripped pyarrow strings; empty text is missing; 12.0 reads as '12'."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dt = values.dtype
    if isinstance(dt, pd.StringDtype) and dt.storage == "pyarrow":  # already arrow text: trim in C++
        arr = pa.chunked_array(values.array._pa_array) if hasattr(values.array, "_pa_array") else None
        if arr is not None:
            trimmed = pc.utf8_trim_whitespace(arr)
            blank = pc.equal(trimmed, "")
            if pc.any(blank).as_py():
                trimmed = pc.if_else(blank, pa.scalar(None, trimmed.type), trimmed)
            return pd.Series(pd.arrays.ArrowStringArray(trimmed), index=values.index, name=values.name)
    if pd.api.types.is_bool_dtype(dt):
        values = values.astype("boolean").astype(ID_DTYPE)
    elif pd.api.types.is_float_dtype(dt):
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        if (np.isnan(v) | ((np.mod(v, 1) == 0) & (np.abs(v) < 2.0 ** 63))).all():
            values = values.astype("Int64")
    elif isinstance(dt, pd.CategoricalDtype):
        values = values.astype("object")
    if values.dtype == object:
        try:  # strings (and None/NaN) convert in one arrow call; anything else falls back
            arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            values = pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    out = values.astype(ID_DTYPE).str.strip()
    return out.mask(out == "")


def _distinct_text(values: pd.Series) -> Tuple[np.ndarray, np.ndarray]:
    """Row codes (-1 = missing or blank) and the stripped text of each distinct value.

    Parsers then work on the distinct values only and ``take`` the answers back.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.asarray(codes)
    text = _as_text(pd.Series(uniques))
    blank = text.isna().to_numpy()
    if blank.any():
        codes = np.where((codes >= 0) & blank[np.maximum(codes, 0)], -1, codes)
    return codes, text.to_numpy(dtype=object, na_value=None)


def _take(codes: np.ndarray, per_unique: np.ndarray, fill) -> np.ndarray:
    """per_unique[codes] with ``fill`` where the code is -1."""
    pu = np.asarray(per_unique)
    if len(pu) == 0:
        return np.full(len(codes), fill, dtype=pu.dtype)
    out = pu[np.maximum(codes, 0)]  # fancy indexing copies
    out[codes < 0] = fill
    return out


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so messages read 3.5, not np.float64(3.5))."""
    return value.item() if isinstance(value, np.generic) else value


def _report_unreadable(problems: List[Problem], table: Table, column: Column, frame: pd.DataFrame,
                       bad: np.ndarray, raw: pd.Series, what: str) -> None:
    if not bad.any():
        return
    problems.append(Problem(table.name, column.name, what, _row_labels(frame, table, bad), int(bad.sum()),
                            plain(raw[bad].iloc[0])))


def _marker_status(text: np.ndarray) -> np.ndarray:
    """Which distinct text values are published-statistics markers (c, x, ...)."""
    return np.array([t is not None and t.lower() in code_lists.PUBLISHED_MARKERS for t in text], dtype=bool)


# The years a datetime64[ns] column can hold (1677-09-21 to 2262-04-11), in whole years.
FIRST_DATE = pd.Timestamp("1678-01-01")
LAST_DATE = pd.Timestamp("2261-12-31")
# A year alone, or a year and month: not a day, so not a date (ISO 8601 would read 1 January).
PARTIAL_DATE = r"\d{4}(?:-\d{1,2})?"
_FAR_YEAR = re.compile(r"(?<!\d)(?:0\d{3}|1[0-5]\d\d|16[0-6]\d|167[0-7]|22[7-9]\d|226[2-9]|2[3-9]\d\d|[3-9]\d{3})(?!\d)")
FAR_DATE_MESSAGE = (f"date outside the years {FIRST_DATE.year}-{LAST_DATE.year} (a far-future date such as "
                    "9999-12-31 means 'still open' only in an end date; this column needs a real date)")
FAR_END_MESSAGE = (f"date outside the years {FIRST_DATE.year}-{LAST_DATE.year} (only a date in the year 9999, "
                   "such as 9999-12-31, is read as 'still open'; leave an open end blank)")

# 9999-12-31 is the last day of SQL Server's date, datetime and datetime2, of Oracle, .NET and Excel:
# the "open" placeholder of slowly changing records. Nothing is dated in the year 9999 and no slip of
# the keyboard turns a real year into it, so any date of that year is the placeholder. Nearer years
# (2099-12-31, 3000-01-01) can be typing slips: they stay problems (a future date, a far date).
OPEN_END_YEAR = 9999
_OPEN_END_YEAR = re.compile(rf"(?<!\d){OPEN_END_YEAR}(?=\d{{4}}(?!\d)|(?!\d))")   # 9999-12-31, 31/12/9999, 99991231
OPEN_END_REASON = "an open end written as a date in the year 9999 (how warehouses write 'still open'): loaded as missing"


def is_open_end(table: Table, column: Column) -> bool:
    """Whether the column ends the period its row opens (missing = still open; see ``Column.open_end``)."""
    return column.open_end


def _within_date_range(parsed: pd.Series) -> pd.Series:
    """``parsed`` with dates outside FIRST_DATE..LAST_DATE set missing (they cannot be held in ns)."""
    inside = (parsed >= FIRST_DATE) & (parsed <= LAST_DATE)
    return parsed.where(inside)


def parse_dates(uniques: np.ndarray) -> np.ndarray:
    """Parse distinct text dates: ISO 8601 first, then day-first UK formats; NaT if unreadable.

    A year alone (``2024``) or a year and month (``2024-03``) is unreadable, not 1 January or
    1 March; so is a date outside the years FIRST_DATE..LAST_DATE, and a date written as digits
    alone that are not the eight of ``yyyymmdd`` (``2024111``: 1 November or 11 January?).
    """
    if len(uniques) == 0:
        return np.array([], dtype="datetime64[ns]")
    # the calendar date as written: drop a time zone offset rather than convert to UTC
    u = pd.Series(uniques, dtype=object).str.replace(TZ_SUFFIX, "", regex=True)
    u = u.where(~u.str.fullmatch(PARTIAL_DATE, na=False).astype(bool))
    # digits alone are yyyymmdd only: strptime would read 2024111 as 2024-11-01 and 202411 as 2024-01-01
    digits = u.str.strip().str.fullmatch(r"\d+", na=False).astype(bool)
    u = u.where(~digits | u.str.strip().str.len().eq(8))
    parsed = _within_date_range(pd.to_datetime(u, format="ISO8601", errors="coerce"))
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & u.notna()
        if not todo.any():
            break
        found = _within_date_range(pd.to_datetime(u.where(todo), format=fmt, errors="coerce"))
        parsed = parsed.where(~todo, found)
    return parsed.dt.normalize().to_numpy(dtype="datetime64[ns]")


def _is_far_date(text: Any) -> bool:
    """Whether unreadable date text (or a date object) names a year outside FIRST_DATE..LAST_DATE."""
    return text is not None and _FAR_YEAR.search(str(text)) is not None


def open_end_dates(text: np.ndarray) -> np.ndarray:
    """Which distinct date texts are a real date in the year 9999 (``9999-12-31 00:00:00.000``,
    ``31/12/9999``): with the year swapped for another common year (9999 is no leap year) it reads as a date."""
    found = np.array([t is not None and _OPEN_END_YEAR.search(str(t)) is not None for t in text], dtype=bool)
    out = np.zeros(len(text), bool)
    if found.any():
        swapped = [_OPEN_END_YEAR.sub("2001", str(t), count=1) for t in np.asarray(text, dtype=object)[found]]
        out[found] = ~np.isnat(parse_dates(np.asarray(swapped, dtype=object)))
    return out


def _count_open_ends(table: Table, column: Column, counts: Mapping[str, int],
                     report: Optional[Dict[str, Any]]) -> None:
    """One ``ignored_values`` entry per way the open-end placeholder was written (``counts``: text -> rows)."""
    if report is None:
        return
    for value, n in counts.items():
        if n:
            report.setdefault("ignored_values", []).append(
                {"table": table.name, "column": column.name, "value": str(value), "rows": int(n),
                 "reason": OPEN_END_REASON})


def _coerce_datetime(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                     problems: List[Problem], report: Optional[Dict[str, Any]] = None) -> pd.Series:
    """A datetime column (any unit, any time zone) as day-precision ``datetime64[ns]``."""
    out = values
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)  # local calendar date, not the UTC one
    far = (out.notna() & ((out < FIRST_DATE) | (out > LAST_DATE))).to_numpy(dtype=bool)
    ends = is_open_end(table, column)
    if far.any() and ends:  # a second- or microsecond-unit column (Excel, Parquet) can hold 9999-12-31
        open_end = far & (out.dt.year == OPEN_END_YEAR).to_numpy(dtype=bool, na_value=False)
        counts = out[open_end].value_counts()   # distinct values, then formatted
        _count_open_ends(table, column, {str(k.date()): n for k, n in counts.items()}, report)
        far = far & ~open_end
        out = out.where(~open_end)
    if far.any():
        _report_unreadable(problems, table, column, frame, far, values.astype(str),
                           FAR_END_MESSAGE if ends else FAR_DATE_MESSAGE)
        out = out.where(~far)
    return out.dt.normalize().astype("datetime64[ns]")


def _numpy_datetimes(values: pd.Series) -> pd.Series:
    """Arrow dates and timestamps (``dtype_backend="pyarrow"``, Polars) as numpy datetimes, each in its
    local calendar: the ``.dt`` methods the checks use are not all defined for Arrow's."""
    if not isinstance(values.dtype, pd.ArrowDtype):
        return values
    import pyarrow as pa

    kind = values.dtype.pyarrow_dtype
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        values = values.dt.tz_localize(None)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return values.astype("datetime64[ms]")   # milliseconds reach the year 9999 placeholder
    return values


def _local_datetimes(values: pd.Series) -> pd.Series:
    """A column of date objects in several time zones, each by its own local date and time: pandas
    would turn them all into the first one's zone, moving some to another day."""
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) not in ("datetime", "mixed"):
        return values
    return values.map(lambda v: v.replace(tzinfo=None) if isinstance(v, datetime.datetime) and v.tzinfo else v)


def _coerce_date(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem], report: Optional[Dict[str, Any]] = None) -> pd.Series:
    """A date column as ``datetime64[ns]``: its distinct texts parsed; far dates and text that is no
    date reported; in an end date, the year-9999 "still open" placeholder loaded as missing, counted."""
    values = _local_datetimes(_numpy_datetimes(values))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _coerce_datetime(table, column, values, frame, problems, report)
    codes, text = _distinct_text(values)
    parsed = parse_dates(text)
    out = pd.Series(_take(codes, parsed, np.datetime64("NaT")).astype("datetime64[ns]"), index=values.index)
    if not len(parsed):   # nothing written
        return out
    bad_unique = np.isnat(parsed)
    far_unique = bad_unique & np.array([_is_far_date(t) for t in text], dtype=bool)
    ends = is_open_end(table, column)
    open_unique = np.zeros(len(text), bool)
    if ends and far_unique.any():   # only the few far texts are looked at again
        open_unique[far_unique] = open_end_dates(text[far_unique])
    at = np.maximum(codes, 0)
    present = codes >= 0
    open_end = present & open_unique[at]
    far = present & (far_unique & ~open_unique)[at]
    bad_text = bad_unique & ~far_unique
    two_digit = bad_text & np.array([t is not None and TWO_DIGIT_YEAR.fullmatch(t) is not None for t in text],
                                    dtype=bool)
    month_first = bad_text & np.array([t is not None and MONTH_FIRST.fullmatch(t) is not None for t in text],
                                      dtype=bool)
    short_compact = bad_text & np.array([t is not None and SHORT_COMPACT_DATE.fullmatch(t.strip()) is not None
                                         for t in text], dtype=bool)
    bad = present & (bad_text & ~two_digit & ~month_first & ~short_compact)[at]
    if open_end.any():
        rows = np.bincount(codes[open_end], minlength=len(text))
        _count_open_ends(table, column, {text[i]: rows[i] for i in np.flatnonzero(rows)}, report)
    _report_unreadable(problems, table, column, frame, far, values, FAR_END_MESSAGE if ends else FAR_DATE_MESSAGE)
    _report_unreadable(problems, table, column, frame, present & two_digit[at], values, TWO_DIGIT_YEAR_MESSAGE)
    _report_unreadable(problems, table, column, frame, present & month_first[at], values, MONTH_FIRST_MESSAGE)
    _report_unreadable(problems, table, column, frame, present & short_compact[at], values,
                       SHORT_COMPACT_DATE_MESSAGE)
    _report_unreadable(problems, table, column, frame, bad, values, "not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    return out


# 1,234 or 1,234,567.5: commas that group thousands. Any other comma (0,25 written the
# continental way) is left in, so the value is reported rather than read as 25.
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
# The largest magnitude a whole-number (Int64) column holds.
INT_LIMIT = 2.0 ** 63


def _without_separators(text: np.ndarray) -> pd.Series:
    """Distinct number text without spaces, £ and % signs, and without thousands commas."""
    cleaned = pd.Series(text, dtype=object).str.replace(r"[\s£%]", "", regex=True)
    grouped = cleaned.str.fullmatch(_THOUSANDS).fillna(False).astype(bool)
    return cleaned.where(~grouped, cleaned.str.replace(",", "", regex=False))


def _finite_only(table: Table, column: Column, values: pd.Series, num: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem]) -> pd.Series:
    """``num`` with infinities (and, for whole numbers, values beyond Int64) reported and set missing."""
    v = num.to_numpy(dtype="float64", na_value=np.nan)
    limit = INT_LIMIT if column.kind == "int" else np.inf
    huge = ~np.isnan(v) & (np.abs(v) >= limit) if column.kind == "int" else np.isinf(v)
    if not huge.any():
        return num
    what = "too large for a whole number" if column.kind == "int" else "not a finite number"
    problems.append(Problem(table.name, column.name, what, _row_labels(frame, table, huge), int(huge.sum()),
                            plain(values[huge].iloc[0])))
    return num.where(~huge)


def _coerce_number(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                   problems: List[Problem]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = pd.to_numeric(values, errors="coerce").astype("float64")
    else:
        codes, text = _distinct_text(values)
        cleaned = _without_separators(text)
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
        num = pd.Series(_take(codes, parsed, np.nan), index=values.index)
        bad_unique = np.isnan(parsed)
        marker_unique = bad_unique & _marker_status(text)
        at = np.maximum(codes, 0)
        present = codes >= 0
        marker = present & marker_unique[at] if len(text) else np.zeros(len(codes), bool)
        if marker.any():
            found = pd.Series(text[codes[marker]]).value_counts()
            listed = ", ".join(f"{v!r} ({code_lists.PUBLISHED_MARKERS[v.lower()]}) x{n}" for v, n in found.items())
            problems.append(Problem(
                table.name, column.name,
                f"suppression marker {listed} in a count column: record-level tables need real numbers; "
                "published aggregates with markers load with earlyhelp.read_published",
                _row_labels(frame, table, marker), int(marker.sum()), str(found.index[0])))
        unreadable = present & (bad_unique & ~marker_unique)[at] if len(text) else np.zeros(len(codes), bool)
        _report_unreadable(problems, table, column, frame, unreadable, values, "not a number")
    num = _finite_only(table, column, values, num, frame, problems)
    if column.kind == "float":
        return num
    v = num.to_numpy()
    frac = ~np.isnan(v) & (np.mod(v, 1) != 0)
    if frac.any():
        problems.append(Problem(table.name, column.name, "not a whole number", _row_labels(frame, table, frac),
                                int(frac.sum()), plain(values[frac].iloc[0])))
        num = num.where(~frac)
    return num.round().astype("Int64")


def _coerce_bool(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem]) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    codes, uniques = _distinct_text(values)
    lookup = np.array([True if str(u).lower() in TRUE_WORDS else False if str(u).lower() in FALSE_WORDS
                       else None for u in uniques] + [None], dtype=object)
    mapped = lookup[codes]  # code -1 picks the trailing None
    bad = (codes >= 0) & pd.isna(mapped)
    _report_unreadable(problems, table, column, frame, bad, values, "not a yes/no value (Y/N, true/false, 1/0)")
    return pd.Series(mapped, index=values.index).astype("boolean")


def _unambiguous(table: Table, column: Column, code_map: Mapping[Any, Any], key) -> Dict[str, str]:
    """``code_map`` with its local codes read by ``key`` (spaces trimmed, or case folded). Two
    local codes that read alike but map to different codes are an error: one would silently
    win, recoding the other's rows (step-ups read as 'disengaged')."""
    out: Dict[str, str] = {}
    given: Dict[str, Any] = {}
    for local, ours in code_map.items():
        k, v = key(str(local)), str(ours)
        if k in out and out[k] != v:
            raise ValidationError([Problem(table.name, column.name, f"the code map gives {given[k]!r} and "
                                           f"{local!r} different codes ({out[k]!r}, {v!r}), but the data cannot "
                                           "tell them apart (codes are matched with spaces trimmed, then in any "
                                           "case): give one code for both")])
        out[k], given[k] = v, local
    return out


def _code_resolver(table: Table, column: Column, code_map: Optional[Mapping[str, str]]):
    """Two functions of local text, applied to distinct values only: our code (or None), and what
    the code map gives the text before it is read as one of ours (or None)."""
    allowed = list(column.codes or ())
    exact = set(allowed)
    lowered = {a.lower(): a for a in allowed}
    normalised = {normalise_word(a): a for a in allowed}
    synonyms = dict(code_lists.CODE_SYNONYMS.get(column.name, {}))
    synonyms.update(code_lists.CODE_SYNONYMS.get(f"{table.name}.{column.name}", {}))
    user = _unambiguous(table, column, code_map or {}, str.strip)
    user_lower = _unambiguous(table, column, user, str.lower)

    def resolve(value: str) -> Optional[str]:
        value = mapped(value) or value
        if value in exact:
            return value
        low = value.lower()
        if low in lowered:
            return lowered[low]
        word = normalise_word(value)
        return normalised.get(word) or synonyms.get(word)

    def mapped(value: str) -> Optional[str]:
        if value in user:
            return user[value]
        return user_lower.get(value.lower())

    return resolve, mapped


def counted_values(counts: pd.Series, limit: int = 8) -> str:
    """``'a' x3, 'b' x1`` from value counts (most frequent first), the first ``limit`` of them:
    every offending value a user must fix, not only the first."""
    text = ", ".join(f"{v!r} x{n}" for v, n in counts.head(limit).items())
    return text + (f" and {len(counts) - limit} more" if len(counts) > limit else "")


def _coerce_code(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem], code_map: Optional[Mapping[str, str]], unknown_codes: str,
                 report: Dict[str, Any]) -> pd.Series:
    categories = list(column.codes or ())
    codes, uniques = _distinct_text(values)
    resolve, mapped = _code_resolver(table, column, code_map)
    resolved = [resolve(str(u)) if u is not None else None for u in uniques]
    sent = [mapped(str(u)) if u is not None else None for u in uniques]   # what the code map made of each
    unknown_at = categories.index(code_lists.UNKNOWN) if code_lists.UNKNOWN in categories else -1
    target = np.array([categories.index(r) if r is not None else (-2 if u is not None else -1)
                       for r, u in zip(resolved, uniques)] + [-1], dtype=np.int64)
    new_codes = target[codes]
    mapped_off = np.array([r is None and s is not None for r, s in zip(resolved, sent)] + [False],
                          dtype=bool)[codes]
    if mapped_off.any():  # the code map itself is wrong: say so, not "map these codes"
        sent_to = {str(u): s for u, s in zip(uniques, sent) if s is not None}
        off_values = pd.Series(uniques[codes[mapped_off]]).value_counts()
        targets = ", ".join(f"{v!r} -> {sent_to[str(v)]!r}" for v in off_values.index[:8])
        problems.append(Problem(
            table.name, column.name,
            f"the code map sends {int(mapped_off.sum())} value(s) to text that is not an earlyhelp code "
            f"({targets}); correct the code map's [{table.name}.{column.name}] entries "
            f"(allowed: {', '.join(categories)})",
            _row_labels(frame, table, mapped_off), int(mapped_off.sum()), sent_to[str(off_values.index[0])]))
        new_codes = np.where(mapped_off, -1, new_codes)  # reported once, not again as unknown
    unknown = new_codes == -2
    if unknown.any():
        bad_values = pd.Series(uniques[codes[unknown]]).value_counts()
        counts = counted_values(bad_values)
        entry = {"table": table.name, "column": column.name, "rows": int(unknown.sum()),
                 "values": {str(k): int(v) for k, v in bad_values.items()}}
        if unknown_codes == "keep":
            report.setdefault("unknown_codes", []).append(entry)
        else:
            problems.append(Problem(
                table.name, column.name,
                f"{int(unknown.sum())} value(s) not in the code list ({counts}); map local codes to ours "
                f"with a code_map (or in a code-map file, [{table.name}.{column.name}], given with --code-map) "
                f"(allowed: {', '.join(categories)})",
                _row_labels(frame, table, unknown), int(unknown.sum()), str(bad_values.index[0]),
                fix=CodeMapFix(table.name, column.name, [str(v) for v in bad_values.index[:8]], categories)))
        new_codes = np.where(unknown, unknown_at, new_codes)
    return pd.Series(pd.Categorical.from_codes(new_codes, categories=categories), index=values.index)


# Texts tools write for "no value" (Excel's failed lookup, pandas' astype(str) of a missing value,
# a dash typed by hand), compared ignoring case and spaces. In an id column each would become one
# id shared by every row that has none (one practitioner called 'nan'), so they are refused.
NO_VALUE_TEXTS: Tuple[str, ...] = ("N/A", "#N/A", "NAN", "NONE", "-")
NO_VALUE_ID_MESSAGE = ("a text meaning 'no value' ({}) where an id is expected: it would load as one id shared by "
                       "every such row; leave the cell blank where there is no id")


def _coerce_text(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem]) -> pd.Series:
    if column.kind == "id" and pd.api.types.is_float_dtype(values.dtype):
        _check_float_ids(table, column, values, frame, problems)
    out = _as_text(values)
    if column.kind == "id" and len(out):
        lengths = out.str.len().fillna(0).to_numpy()
        # only the short ids can be a no-value text: upper-casing those alone keeps this pass cheap
        short = lengths <= max(map(len, NO_VALUE_TEXTS))
        no_value = np.zeros(len(out), dtype=bool)
        if short.any():
            no_value[short] = out[short].str.upper().isin(NO_VALUE_TEXTS).fillna(False).to_numpy(dtype=bool)
        if no_value.any():
            written = out[no_value]
            problems.append(Problem(table.name, column.name,
                                    NO_VALUE_ID_MESSAGE.format(", ".join(map(repr, written.unique()[:5]))),
                                    _row_labels(frame, table, no_value), int(no_value.sum()), written.iloc[0]))
        too_long = lengths > ID_MAX_LENGTH
        if too_long.any():
            problems.append(Problem(table.name, column.name,
                                    f"id longer than {ID_MAX_LENGTH} characters (ids must be pseudonymous codes)",
                                    _row_labels(frame, table, too_long), int(too_long.sum()),
                                    out[too_long].iloc[0]))
    return out


def _check_float_ids(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                     problems: List[Problem]) -> None:
    """Ids held as floats beyond 2**53 (or infinite) no longer hold every digit they were written
    with: two ids could have become one, so they are named, not read."""
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    inexact = ~np.isnan(v) & ~(np.abs(v) < 2.0 ** 53)
    if inexact.any():
        problems.append(Problem(table.name, column.name, "an id held as a number too large for its digits to be kept "
                                "exactly: read the id column as text (dtype=str)",
                                _row_labels(frame, table, inexact), int(inexact.sum()), repr(float(v[inexact][0]))))


_COLLECTIONS = (list, tuple, set, frozenset, dict, np.ndarray, pd.Series)


def _without_collections(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                         problems: List[Problem]) -> pd.Series:
    """``values`` with cells that hold a list, dict, set or array named and set missing.

    A cell holds one value (a frame built from JSON or an API can hold lists); such cells cannot
    be hashed, so they would end the load with a TypeError. Only columns that pandas finds of
    mixed types are looked at cell by cell.
    """
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) != "mixed":
        return values
    nested = values.map(lambda v: isinstance(v, _COLLECTIONS)).to_numpy(dtype=bool)
    if not nested.any():
        return values
    first = values[nested].iloc[0]
    problems.append(Problem(table.name, column.name, f"a {type(first).__name__} in a cell: each cell holds one value",
                            _row_labels(frame, table, nested), int(nested.sum()), str(first)[:80]))
    return values.where(~nested, None)


def coerce_column(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                  problems: List[Problem], code_map: Optional[Mapping[str, str]] = None,
                  unknown_codes: str = "raise", report: Optional[Dict[str, Any]] = None) -> pd.Series:
    """Cast one column to its dtype; values that cannot be read are reported, never dropped."""
    kind = column.kind
    values = _without_collections(table, column, values, frame, problems)
    if kind in ("id", "str"):
        return _coerce_text(table, column, values, frame, problems)
    if kind == "code":
        return _coerce_code(table, column, values, frame, problems, code_map, unknown_codes,
                            report if report is not None else new_report())
    if kind == "bool":
        return _coerce_bool(table, column, values, frame, problems)
    if kind in ("int", "float"):
        return _coerce_number(table, column, values, frame, problems)
    if kind == "date":
        return _coerce_date(table, column, values, frame, problems, report)
    raise ValueError(f"unknown column kind {kind!r}")


#: most columns a table may have (schema columns and extra ones together)
MAX_COLUMNS = 10_000

# -- columns a table arrives without ---------------------------------------------------------
# Tables whose rows must say whom they are about through one of these columns (the first is the SSD's).
LINKS: Dict[str, Tuple[str, ...]] = {"episodes": ("person_id", "family_id")}
# An SSD column name: the table's four-letter prefix and the field (pers_dob, earl_episode_end_date).
_SSD_NAME = re.compile(r"[a-z]{4}_[a-z0-9_]+")


def ssd_name(column: Column) -> Optional[str]:
    """The column's name in the SSD specification, if it has one (``pers_dob`` for birth_date)."""
    return next((a for a in column.aliases if _SSD_NAME.fullmatch(a)), None)


def why_needed(table: Table, column: Column) -> str:
    """Why a required column cannot be left out, said when it is ("" when the data model is all)."""
    if is_open_end(table, column):
        return "to tell open rows from ended ones: without it every row would look still open (leave an open end blank)"
    if column.references == "persons.person_id":
        return "to say which person each row is about (and, through family_members, which family)"
    if column.references:
        return f"to link each row to {column.references}"
    if column.name in table.key:
        return "to tell the rows apart and for other tables to refer to them"
    if column.kind == "date":
        return "to date each row: rows are counted by it"
    return ""


def missing_column_problem(table: Table, column: Column, frame: pd.DataFrame) -> Problem:
    """The problem for a required column that is absent: its SSD name, why it is needed, what is there."""
    present = ", ".join(map(str, frame.columns[:20])) or "none"
    more = f" and {len(frame.columns) - 20:,} more" if len(frame.columns) > 20 else ""
    named = f" ({ssd_name(column)} in the SSD)" if ssd_name(column) else ""
    why = why_needed(table, column)
    return Problem(table.name, column.name, f"required column is missing{named}" + (f"; needed {why}" if why else "")
                   + f" (columns present: {present}{more})")


def absent_column(table: Table, column: Column, index: pd.Index, report: Dict[str, Any],
                  aliased: bool = False) -> pd.Series:
    """The values of a column the table arrived without, and the note saying so.

    A column with a ``default`` takes it (``unknown`` for a code list); any other loads as
    missing (not recorded). Each is noted in ``report['defaults']`` (for tables with rows): one
    with a default always, one without only when it has an SSD name and the table came under
    ``aliased`` names (an SSD extract: there a column left out is news; in our own layout it
    is the usual).
    """
    if len(index) and (column.default is not None or (aliased and ssd_name(column))):
        entry = {"table": table.name, "column": column.name, "value": column.default, "rows": len(index)}
        if aliased and ssd_name(column):
            entry["reason"] = _absent_reason(column)
        report.setdefault("defaults", []).append(entry)
    return missing_column(column, index)


def _absent_reason(column: Column) -> str:
    """Why an absent column loads as it does, for the load report."""
    loaded = column.default if column.default is not None else "missing (not recorded)"
    return f"column not in the extract (SSD name {ssd_name(column)}): loaded as {loaded}"


def _missing_links(table: Table, frame: pd.DataFrame) -> List[Problem]:
    """A problem when a table has none of the columns that say whom its rows are about."""
    links = LINKS.get(table.name, ())
    if not links or not len(frame) or any(c in frame.columns for c in links):
        return []
    column = table.column(links[0])
    named = f" ({ssd_name(column)} in the SSD)" if ssd_name(column) else ""
    return [Problem(table.name, column.name, f"required column is missing{named}; needed to say whom each row is "
                    f"about (or give {', '.join(links[1:])}): a row about no one belongs to no family")]


def coerce_table(table: Table, frame: pd.DataFrame, problems: List[Problem],
                 code_map: Optional[Mapping[str, Mapping[str, str]]] = None, *,
                 unknown_codes: str = "raise", report: Optional[Dict[str, Any]] = None,
                 aliased: bool = False) -> pd.DataFrame:
    """Rename aliases, check required columns, cast every column to its dtype.

    Extra columns the schema does not know are kept unchanged at the end.
    ``code_map`` maps ``column -> {local code: earlyhelp code}``. Absent optional columns
    with a ``default`` are filled with it and the fill is noted in ``report['defaults']``;
    so are, when the frame came under ``aliased`` names (an SSD extract, renamed before),
    optional columns with an SSD name.
    An absent column that is needed is a problem saying why (:func:`why_needed`).
    """
    if unknown_codes not in UNKNOWN_CODES:
        raise ValidationError(Problem("read", "unknown_codes", f"must be one of {', '.join(UNKNOWN_CODES)}",
                                      value=unknown_codes))
    report = report if report is not None else new_report()
    if not isinstance(frame, pd.DataFrame):
        problems.append(Problem(table.name, None, f"expected a pandas DataFrame, got {type(frame).__name__}"))
        return empty_table(table)
    if frame.shape == (0, 0):  # an empty file: documented to load as an empty table
        return empty_table(table)
    if frame.shape[1] > MAX_COLUMNS:
        problems.append(Problem(table.name, None, f"{frame.shape[1]:,} columns: a table may have at most "
                                f"{MAX_COLUMNS:,} (is this the right file?)"))
        return empty_table(table)
    given = frame.columns
    frame = rename_aliases(table, carry_csv_lines(frame, frame.reset_index(drop=True)))
    conflicting_aliases(table, frame, problems)
    aliased = aliased or not frame.columns.equals(given)
    dupes = frame.columns[frame.columns.duplicated()]
    if len(dupes):
        problems.append(Problem(table.name, str(dupes[0]), "column given more than once (directly or via an alias)"))
        frame = frame.loc[:, ~frame.columns.duplicated()]
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.append(missing_column_problem(table, column, frame))
            out[column.name] = absent_column(table, column, frame.index, report, aliased)
            continue
        mapping = (code_map or {}).get(column.name)
        out[column.name] = coerce_column(table, column, frame[column.name], frame, problems, mapping,
                                         unknown_codes, report)
    problems += _missing_links(table, frame)
    result = pd.DataFrame(out, index=frame.index)
    known = set(result.columns)
    extra = [c for c in frame.columns if c not in known]
    if extra:
        # one concatenation: adding columns one at a time is quadratic in their number
        result = pd.concat([result, frame[extra]], axis=1)
    return carry_csv_lines(frame, result)  # the typed table's rows are the given rows: validate names lines
