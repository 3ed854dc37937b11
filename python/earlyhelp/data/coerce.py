"""Turn user DataFrames into typed earlyhelp tables (names, aliases, types, codes).

Everything here is vectorised: each column is factorised once and only its *distinct*
values are parsed in Python, so a table of millions of rows with a few thousand distinct
dates or a dozen distinct codes costs one hash pass plus a ``take``.

Problems are collected, not raised one by one, so a user sees all of them. Codes not in
a code list are a problem by default (``unknown_codes="raise"``); with
``unknown_codes="keep"`` they load as ``unknown`` and are counted in the load report.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem
from . import codes as code_lists
from .schema import ID_MAX_LENGTH, Column, Table

ID_DTYPE = "string[pyarrow]"
TRUE_WORDS = frozenset({"y", "yes", "true", "t", "1", "1.0"})
FALSE_WORDS = frozenset({"n", "no", "false", "f", "0", "0.0"})
# Day-first formats tried after ISO 8601 (English councils write 31/03/2024).
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y",
                "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%d/%m/%y", "%Y%m%d")
UNKNOWN_CODES = ("raise", "keep")


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


def normalise_word(text: str) -> str:
    """Lower case, runs of non-alphanumerics to one underscore: 'Step-up ' -> 'step_up'."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


# -- helpers --------------------------------------------------------------------------------

def _row_labels(frame: pd.DataFrame, table: Table, mask: np.ndarray) -> List:
    key = table.key[0]
    idx = np.flatnonzero(mask)[:10]
    if key in frame.columns:
        return [frame[key].iloc[i] for i in idx]
    return [int(i) for i in idx]


def _as_text(values: pd.Series) -> pd.Series:
    """Any column as stripped pyarrow strings; empty text is missing; 12.0 reads as '12'."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean").astype(ID_DTYPE)
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isnan(v) | (np.mod(v, 1) == 0)
        if whole.all():
            values = values.astype("Int64")
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("object")
    out = values.astype(ID_DTYPE).str.strip()
    return out.mask(out == "")


def _factorize(text: pd.Series) -> Tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and the distinct values."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def _report_unreadable(problems: List[Problem], table: Table, column: Column, frame: pd.DataFrame,
                       bad: np.ndarray, raw: pd.Series, what: str) -> None:
    if not bad.any():
        return
    problems.append(Problem(table.name, column.name, what, _row_labels(frame, table, bad), int(bad.sum()),
                            raw[bad].iloc[0]))


def _suppression_marker_check(problems: List[Problem], table: Table, column: Column, frame: pd.DataFrame,
                              text: pd.Series, unreadable: np.ndarray) -> np.ndarray:
    """Report published-statistics markers (c, x, ...) in a count column; returns the rest."""
    lowered = text.str.lower()
    marker = unreadable & lowered.isin(list(code_lists.PUBLISHED_MARKERS)).to_numpy(dtype=bool, na_value=False)
    if marker.any():
        value = text[marker].iloc[0]
        problems.append(Problem(
            table.name, column.name,
            f"suppression marker {value!r} ({code_lists.PUBLISHED_MARKERS[value.lower()]}) in a count column: "
            "record-level tables need real numbers; published aggregates with markers load with "
            "earlyhelp.read_published", _row_labels(frame, table, marker), int(marker.sum()), value))
    return unreadable & ~marker


def parse_dates(text: pd.Series) -> pd.Series:
    """Parse text dates (ISO 8601 first, then day-first UK formats) on distinct values only."""
    codes, uniques = _factorize(text)
    if len(uniques) == 0:
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    u = pd.Series(uniques, dtype=object)
    parsed = pd.to_datetime(u, format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    for fmt in DATE_FORMATS:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed = parsed.where(~todo, pd.to_datetime(u.where(todo), format=fmt, errors="coerce"))
    values = parsed.dt.normalize().to_numpy(dtype="datetime64[ns]")
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = codes >= 0
    out[ok] = values[codes[ok]]
    return pd.Series(out, index=text.index)


def _coerce_date(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(None)
        return out.dt.normalize().astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        # numbers are not dates: read as text so 20240131 (yyyymmdd) works and 3.5 fails
        pass
    return parse_dates(_as_text(values))


def _coerce_number(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                   problems: List[Problem]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = pd.to_numeric(values, errors="coerce").astype("float64")
        text = None
    else:
        text = _as_text(values)
        cleaned = text.str.replace(r"[,\s£%]", "", regex=True)  # thousands separators, units
        num = pd.to_numeric(cleaned.astype(object), errors="coerce").astype("float64")
        unreadable = num.isna().to_numpy() & text.notna().to_numpy()
        unreadable = _suppression_marker_check(problems, table, column, frame, text, unreadable)
        _report_unreadable(problems, table, column, frame, unreadable, values, "not a number")
    if column.kind == "float":
        return num
    v = num.to_numpy()
    frac = ~np.isnan(v) & (np.mod(v, 1) != 0)
    if frac.any():
        problems.append(Problem(table.name, column.name, "not a whole number", _row_labels(frame, table, frac),
                                int(frac.sum()), values[frac].iloc[0]))
        num = num.where(~frac)
    return num.round().astype("Int64")


def _coerce_bool(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem]) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    codes, uniques = _factorize(_as_text(values))
    lookup = np.array([True if str(u).lower() in TRUE_WORDS else False if str(u).lower() in FALSE_WORDS
                       else None for u in uniques] + [None], dtype=object)
    mapped = lookup[codes]  # code -1 picks the trailing None
    bad = (codes >= 0) & pd.isna(mapped)
    _report_unreadable(problems, table, column, frame, bad, values, "not a yes/no value (Y/N, true/false, 1/0)")
    return pd.Series(mapped, index=values.index).astype("boolean")


def _code_resolver(table: Table, column: Column, code_map: Optional[Mapping[str, str]]):
    """A function local text -> our code (or None), applied to distinct values only."""
    allowed = list(column.codes or ())
    exact = set(allowed)
    lowered = {a.lower(): a for a in allowed}
    normalised = {normalise_word(a): a for a in allowed}
    synonyms = dict(code_lists.CODE_SYNONYMS.get(column.name, {}))
    synonyms.update(code_lists.CODE_SYNONYMS.get(f"{table.name}.{column.name}", {}))
    user = {str(k).strip(): str(v) for k, v in (code_map or {}).items()}
    user_lower = {k.lower(): v for k, v in user.items()}

    def resolve(value: str) -> Optional[str]:
        if value in user:
            value = user[value]
        elif value.lower() in user_lower:
            value = user_lower[value.lower()]
        if value in exact:
            return value
        low = value.lower()
        if low in lowered:
            return lowered[low]
        word = normalise_word(value)
        return normalised.get(word) or synonyms.get(word)

    return resolve


def _coerce_code(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem], code_map: Optional[Mapping[str, str]], unknown_codes: str,
                 report: Dict[str, Any]) -> pd.Series:
    categories = list(column.codes or ())
    text = _as_text(values)
    codes, uniques = _factorize(text)
    resolve = _code_resolver(table, column, code_map)
    resolved = [resolve(str(u)) for u in uniques]
    unknown_at = categories.index(code_lists.UNKNOWN) if code_lists.UNKNOWN in categories else -1
    target = np.array([categories.index(r) if r is not None else -2 for r in resolved] + [-1], dtype=np.int64)
    new_codes = target[codes]
    unknown = new_codes == -2
    if unknown.any():
        bad_values = pd.Series(uniques[codes[unknown]]).value_counts()
        counts = ", ".join(f"{v!r} x{n}" for v, n in bad_values.head(8).items())
        entry = {"table": table.name, "column": column.name, "rows": int(unknown.sum()),
                 "values": {str(k): int(v) for k, v in bad_values.items()}}
        if unknown_codes == "keep":
            report.setdefault("unknown_codes", []).append(entry)
        else:
            problems.append(Problem(
                table.name, column.name,
                f"{int(unknown.sum())} value(s) not in the code list ({counts}); map local codes with "
                f"code_map={{'{table.name}': {{'{column.name}': {{'local': 'ours'}}}}}} or load them as "
                f"'unknown' with unknown_codes='keep' (allowed: {', '.join(categories)})",
                _row_labels(frame, table, unknown), int(unknown.sum()), str(bad_values.index[0])))
        new_codes = np.where(unknown, unknown_at, new_codes)
    return pd.Series(pd.Categorical.from_codes(new_codes, categories=categories), index=values.index)


def _coerce_text(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                 problems: List[Problem]) -> pd.Series:
    out = _as_text(values)
    if column.kind == "id" and len(out):
        too_long = out.str.len().fillna(0).to_numpy() > ID_MAX_LENGTH
        if too_long.any():
            problems.append(Problem(table.name, column.name,
                                    f"id longer than {ID_MAX_LENGTH} characters (ids must be pseudonymous codes)",
                                    _row_labels(frame, table, too_long), int(too_long.sum()),
                                    out[too_long].iloc[0]))
    return out


def coerce_column(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                  problems: List[Problem], code_map: Optional[Mapping[str, str]] = None,
                  unknown_codes: str = "raise", report: Optional[Dict[str, Any]] = None) -> pd.Series:
    """Cast one column to its dtype; values that cannot be read are reported, never dropped."""
    kind = column.kind
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
        out = _coerce_date(values)
        present = values.notna().to_numpy()
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            present &= _as_text(values).notna().to_numpy()
        _report_unreadable(problems, table, column, frame, out.isna().to_numpy() & present, values,
                           "not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        return out
    raise ValueError(f"unknown column kind {kind!r}")


def coerce_table(table: Table, frame: pd.DataFrame, problems: List[Problem],
                 code_map: Optional[Mapping[str, Mapping[str, str]]] = None, *,
                 unknown_codes: str = "raise", report: Optional[Dict[str, Any]] = None) -> pd.DataFrame:
    """Rename aliases, check required columns, cast every column to its dtype.

    Extra columns the schema does not know are kept unchanged at the end.
    ``code_map`` maps ``column -> {local code: earlyhelp code}``. Absent optional columns
    with a ``default`` are filled with it and the fill is noted in ``report['defaults']``.
    """
    if unknown_codes not in UNKNOWN_CODES:
        raise ValueError(f"unknown_codes must be one of {UNKNOWN_CODES}, not {unknown_codes!r}")
    report = report if report is not None else new_report()
    if not isinstance(frame, pd.DataFrame):
        problems.append(Problem(table.name, None, f"expected a pandas DataFrame, got {type(frame).__name__}"))
        return empty_table(table)
    if frame.shape == (0, 0):  # an empty file: documented to load as an empty table
        return empty_table(table)
    frame = rename_aliases(table, frame.reset_index(drop=True))
    dupes = frame.columns[frame.columns.duplicated()]
    if len(dupes):
        problems.append(Problem(table.name, str(dupes[0]), "column given more than once (directly or via an alias)"))
        frame = frame.loc[:, ~frame.columns.duplicated()]
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.append(Problem(table.name, column.name, "required column is missing"
                                        f" (columns present: {', '.join(map(str, frame.columns)) or 'none'})"))
            elif column.default is not None and len(frame):
                report.setdefault("defaults", []).append(
                    {"table": table.name, "column": column.name, "value": column.default, "rows": len(frame)})
            out[column.name] = missing_column(column, frame.index)
            continue
        mapping = (code_map or {}).get(column.name)
        out[column.name] = coerce_column(table, column, frame[column.name], frame, problems, mapping,
                                         unknown_codes, report)
    result = pd.DataFrame(out, index=frame.index)
    for c in frame.columns:
        if c not in result.columns:
            result[c] = frame[c]
    return result
