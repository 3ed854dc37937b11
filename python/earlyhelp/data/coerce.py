"""Turn user DataFrames into typed earlyhelp tables (names, aliases, types).

Problems are collected, not raised one by one, so a user sees all of them.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional

import numpy as np
import pandas as pd

from .._errors import Problem
from .schema import Column, Table

ID_DTYPE = "string[pyarrow]"
TRUE_WORDS = {"y", "yes", "true", "t", "1"}
FALSE_WORDS = {"n", "no", "false", "f", "0"}


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


def rename_aliases(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Rename SSD and other known aliases to earlyhelp names (case-insensitive)."""
    lookup: Dict[str, str] = {}
    for c in table.columns:
        lookup[c.name.lower()] = c.name
        for a in c.aliases:
            lookup.setdefault(a.lower(), c.name)
    mapping = {}
    taken = set()
    for col in frame.columns:
        target = lookup.get(str(col).strip().lower())
        if target is not None and target not in taken:
            mapping[col] = target
            taken.add(target)
    return frame.rename(columns=mapping)


def _row_labels(frame: pd.DataFrame, table: Table, mask: np.ndarray) -> List:
    key = table.key[0]
    idx = np.flatnonzero(mask)
    if key in frame.columns:
        return [frame[key].iloc[i] for i in idx[:10]]
    return [int(i) for i in idx[:10]]


def coerce_column(table: Table, column: Column, values: pd.Series, frame: pd.DataFrame,
                  problems: List[Problem], code_map: Optional[Mapping[str, str]] = None) -> pd.Series:
    """Cast one column to its dtype; values that cannot be read are reported, never dropped."""
    kind = column.kind
    raw = values
    missing_in = raw.isna().to_numpy()
    if kind in ("id", "str"):
        out = raw.astype("object").where(~raw.isna(), None)
        out = out.map(lambda v: v if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
        out = pd.Series(out, index=raw.index).astype(ID_DTYPE)
        if kind == "id":
            too_long = out.str.len().fillna(0).to_numpy() > 48
            if too_long.any():
                problems.append(Problem(table.name, column.name, "id longer than 48 characters",
                                        _row_labels(frame, table, too_long), int(too_long.sum()),
                                        out[too_long].iloc[0]))
        return out
    if kind == "date":
        out = pd.to_datetime(raw, errors="coerce", dayfirst=False, format="mixed") \
            if raw.dtype == object or pd.api.types.is_string_dtype(raw) else pd.to_datetime(raw, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        out = out.dt.normalize().astype("datetime64[ns]")
    elif kind in ("int", "float"):
        out = pd.to_numeric(raw, errors="coerce")
        if kind == "int":
            frac = out.notna().to_numpy() & (np.asarray(out.fillna(0)) % 1 != 0)
            if frac.any():
                problems.append(Problem(table.name, column.name, "not a whole number",
                                        _row_labels(frame, table, frac), int(frac.sum()), raw[frac].iloc[0]))
                out = out.where(~frac)
            out = out.round().astype("Int64")
        else:
            out = out.astype("float64")
    elif kind == "bool":
        def read_bool(v):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                return pd.NA
            s = str(v).strip().lower()
            if s in TRUE_WORDS:
                return True
            if s in FALSE_WORDS:
                return False
            return np.nan  # marks unreadable
        mapped = raw.map(read_bool)
        bad = mapped.map(lambda v: isinstance(v, float)).to_numpy(dtype=bool)
        if bad.any():
            problems.append(Problem(table.name, column.name, "not a yes/no value (Y/N, true/false, 1/0)",
                                    _row_labels(frame, table, bad), int(bad.sum()), raw[bad].iloc[0]))
            mapped[bad] = pd.NA
        return mapped.astype("boolean")
    elif kind == "code":
        text = raw.astype("object").where(~raw.isna(), None)
        text = text.map(lambda v: v if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
        if code_map:
            text = text.map(lambda v: code_map.get(v, v) if v is not None else None)
        allowed = set(column.codes or ())
        lowered = {a.lower(): a for a in allowed}
        text = text.map(lambda v: v if v is None or v in allowed else lowered.get(v.lower(), v))
        unknown = text.map(lambda v: v is not None and v not in allowed).to_numpy(dtype=bool)
        if unknown.any():
            examples = sorted(set(text[unknown].astype(str)))[:5]
            problems.append(Problem(table.name, column.name,
                                    f"{int(unknown.sum())} value(s) not in the code list "
                                    f"(e.g. {', '.join(examples)}); map local codes with code_map",
                                    _row_labels(frame, table, unknown), int(unknown.sum()), examples[0]))
            text = text.where(~unknown, "unknown")
        return pd.Series(pd.Categorical(text, categories=list(column.codes or ())), index=raw.index)
    else:
        raise ValueError(kind)
    unreadable = out.isna().to_numpy() & ~missing_in
    if unreadable.any():
        what = "a date" if kind == "date" else "a number"
        problems.append(Problem(table.name, column.name, f"not {what}",
                                _row_labels(frame, table, unreadable), int(unreadable.sum()),
                                raw[unreadable].iloc[0]))
    return out


def coerce_table(table: Table, frame: pd.DataFrame, problems: List[Problem],
                 code_map: Optional[Mapping[str, Mapping[str, str]]] = None) -> pd.DataFrame:
    """Rename aliases, check required columns, cast every column to its dtype.

    Extra columns the schema does not know are kept unchanged at the end.
    ``code_map`` maps ``column -> {local code: earlyhelp code}``.
    """
    if not isinstance(frame, pd.DataFrame):
        problems.append(Problem(table.name, None, f"expected a pandas DataFrame, got {type(frame).__name__}"))
        return empty_table(table)
    frame = rename_aliases(table, frame.reset_index(drop=True))
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.append(Problem(table.name, column.name, "required column is missing"
                                        f" (columns present: {', '.join(map(str, frame.columns)) or 'none'})"))
            out[column.name] = pd.Series(pd.NA, index=frame.index, dtype=dtype_of(column)) \
                if column.kind != "date" else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            continue
        mapping = (code_map or {}).get(column.name)
        out[column.name] = coerce_column(table, column, frame[column.name], frame, problems, mapping)
    result = pd.DataFrame(out, index=frame.index)
    extra = [c for c in frame.columns if c not in result.columns]
    for c in extra:
        result[c] = frame[c]
    return result
