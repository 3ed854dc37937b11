"""Turn the C++ generator's integer columns into typed earlyhelp tables, fast.

Ids become ``string[pyarrow]`` built with pyarrow compute from integers, codes
become categoricals with the schema's categories (``Categorical.from_codes``),
dates ``datetime64[ns]``. Nothing here loops over rows in Python.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data.coerce import dtype_of
from ..data.schema import TABLES

# One letter per table: pseudonymous ids such as "P0000123" (person) or "F0000042" (family).
ID_PREFIX: Dict[str, str] = {
    "persons": "P", "families": "F", "localities": "L", "agencies": "G", "practitioners": "W",
    "requests": "R", "episodes": "E", "assessments": "A", "involvements": "V",
    "csc_referrals": "C", "csc_assessments": "S", "cin_plans": "N", "cp_plans": "K", "cla_episodes": "Y",
    "plans": "Q", "taf_reviews": "T", "service_referrals": "X", "family_voice": "J",
}
ID_MIN_WIDTH = 7

RawColumns = List[Tuple[str, str, str, Any]]


def id_width(n_rows: int) -> int:
    return max(ID_MIN_WIDTH, len(str(max(n_rows - 1, 0))))


def ids_to_strings(values: np.ndarray, prefix: str, width: int) -> pd.Series:
    """int64 ids (-1 = missing) -> "P0000123"-style ``string[pyarrow]``, vectorised in Arrow."""
    values = np.asarray(values, dtype=np.int64)
    mask = values < 0
    arr = pa.array(values, type=pa.int64(), mask=mask if mask.any() else None)
    text = pc.utf8_lpad(pc.cast(arr, pa.string()), width=width, padding="0")
    text = pc.binary_join_element_wise(pa.scalar(prefix), text, "")
    return pd.Series(pd.arrays.ArrowStringArray(pc.cast(text, pa.large_string())))


def strings(values: List[str]) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string())))


def dates(values: np.ndarray, no_date: int) -> pd.Series:
    values = np.asarray(values)
    out = values.astype("int64").astype("datetime64[D]").astype("datetime64[ns]")
    out[values == no_date] = np.datetime64("NaT")
    return pd.Series(out)


def codes(values: np.ndarray, labels: List[str], dtype: pd.CategoricalDtype) -> pd.Series:
    cats = list(dtype.categories)
    lookup = np.array([cats.index(label) for label in labels] + [-1], dtype=np.int64)
    idx = np.asarray(values, dtype=np.int64)
    idx = np.where(idx < 0, len(labels), idx)
    return pd.Series(pd.Categorical.from_codes(lookup[idx], dtype=dtype))


def booleans(values: np.ndarray) -> pd.Series:
    values = np.asarray(values)
    return pd.Series(pd.arrays.BooleanArray(values == 1, values < 0))


def label_sets(masks: np.ndarray, labels: List[str]) -> pd.Series:
    """Bit masks -> comma-separated labels ("3,4,16A"), one string per distinct mask."""
    masks = np.asarray(masks, dtype=np.int64)
    uniq, inverse = np.unique(masks, return_inverse=True)
    text = [",".join(labels[i] for i in range(len(labels)) if (int(m) >> i) & 1) for m in uniq]
    arr = pa.DictionaryArray.from_arrays(pa.array(inverse.astype(np.int32)), pa.array(text, type=pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(pc.cast(arr, pa.large_string())))


def missing(n: int, dtype) -> pd.Series:
    if str(dtype) == "string":
        return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(n, pa.large_string())))
    return pd.Series(pd.array([pd.NA] * n, dtype=dtype)) if n else pd.Series([], dtype=dtype)


def build_tables(raw: Dict[str, RawColumns], labels: Dict[str, List[str]], no_date: int
                 ) -> Tuple[Dict[str, pd.DataFrame], Dict[str, Dict[str, np.ndarray]]]:
    """Typed tables in schema column order, plus the integer id columns (for truth)."""
    rows = {name: len(cols[0][3]) for name, cols in raw.items()}
    widths = {name: id_width(rows.get(name, 0)) for name in ID_PREFIX}
    tables: Dict[str, pd.DataFrame] = {}
    int_ids: Dict[str, Dict[str, np.ndarray]] = {}
    for name, table in TABLES.items():
        cols = {c[0]: c for c in raw[name]}
        n = rows[name]
        data: Dict[str, pd.Series] = {}
        int_ids[name] = {}
        for column in table.columns:
            dtype = dtype_of(column)
            if column.name not in cols:
                data[column.name] = missing(n, dtype if column.kind != "date" else "datetime64[ns]")
                continue
            _, kind, ref, values = cols[column.name]
            if kind == "id":
                int_ids[name][column.name] = values
                data[column.name] = ids_to_strings(values, ID_PREFIX[ref], widths[ref])
            elif kind == "str":
                data[column.name] = strings(values)
            elif kind == "date":
                data[column.name] = dates(values, no_date)
            elif kind == "code":
                data[column.name] = codes(values, labels[ref], dtype)
            elif kind == "int":
                data[column.name] = pd.Series(pd.array(np.asarray(values, dtype=np.int64), dtype="Int64"))
            elif kind == "float":
                data[column.name] = pd.Series(np.asarray(values, dtype=np.float64))
            elif kind == "bool":
                data[column.name] = booleans(values)
            elif kind == "mask":
                data[column.name] = label_sets(values, labels[ref])
            else:  # pragma: no cover - the generator and this module are kept in step
                raise RuntimeError(f"unknown column kind {kind!r} for {name}.{column.name}")
        tables[name] = pd.DataFrame(data, copy=False)
    return tables, int_ids


def build_truth(raw: RawColumns, tables: Dict[str, pd.DataFrame], int_ids: Dict[str, Dict[str, np.ndarray]],
                labels: Dict[str, List[str]], raw_episodes: Optional[RawColumns] = None) -> Dict[str, pd.DataFrame]:
    """The generator's ground truth: one row per family, and per episode the closure model
    it was drawn from (``p_end_<reason>``, ``duration_scale``, ``p_rereferral``)."""
    cols = {c[0]: c for c in raw}
    # Families of the Early Help simulation; households known only to statutory services have no truth row.
    modelled = np.asarray(cols["family_id"][3], dtype=np.int64)
    fam = tables["families"][["family_id", "locality_id"]].iloc[modelled].reset_index(drop=True)
    row_of = np.full(len(tables["families"]), -1, dtype=np.int64)
    row_of[modelled] = np.arange(len(modelled))
    for name, (_, kind, ref, values) in cols.items():
        if name == "family_id":
            continue
        if kind == "float":
            fam[name] = np.asarray(values, dtype=np.float64)
        elif kind == "bool":
            fam[name] = booleans(values).to_numpy()
        elif kind == "int":
            fam[name] = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
        elif kind == "needmask":
            fam[name] = label_sets(values, labels["needs"]).to_numpy()
    ep = tables["episodes"]
    ep_family = row_of[int_ids["episodes"]["family_id"]]
    reason = ep["end_reason"]
    closed = ep["end_date"].notna().to_numpy()
    applies = closed & ~reason.isin(["step_up", "moved_away"]).to_numpy()
    episodes = pd.DataFrame({
        "episode_id": ep["episode_id"],
        "family_id": ep["family_id"],
        "p_step_up": fam["p_step_up"].to_numpy()[ep_family],
        "p_rereferral_12m": fam["p_rereferral_12m"].to_numpy()[ep_family],
        "rereferral_applies": applies,
    }, copy=False)
    for name, _, _, values in raw_episodes or []:
        if name != "episode_id":  # rows are in episode order
            episodes[name] = np.asarray(values, dtype=np.float64)
    return {"families": fam, "episodes": episodes}


def build_change_truth(raw: Dict[str, RawColumns], tables: Dict[str, pd.DataFrame], no_date: int
                       ) -> Dict[str, pd.DataFrame]:
    """Change over time: ``change`` (the parameters, one row per council), ``years`` (each
    calendar year's request level, the mean over its simulated days of the level interpolated
    between 1 July of the listed years; its level on 1 July; its outcomes-met level) and
    ``locality_months`` (each
    locality's random effects and noise-free expected request arrivals a month, before open
    episodes and families with no child aged 0-17 hold arrivals back)."""
    out: Dict[str, pd.DataFrame] = {}
    loc_ids = tables["localities"]["locality_id"]
    cols = {c[0]: c for c in raw["truth_locality_months"]}
    lm = pd.DataFrame({"locality_id": loc_ids.to_numpy()[np.asarray(cols["locality_id"][3], dtype=np.int64)],
                       "month_start": dates(cols["month_start"][3], no_date).to_numpy()})
    for name in ("month_effect", "locality_effect", "expected_arrivals"):
        lm[name] = np.asarray(cols[name][3], dtype=np.float64)
    out["locality_months"] = lm
    change = {}
    for name, kind, _, values in raw["truth_change"]:
        change[name] = list(values) if kind == "str" else np.asarray(values, dtype=np.float64)
    frame = pd.DataFrame(change)
    for flag in ("school_terms", "lockdown"):
        frame[flag] = frame[flag].astype(bool)
    frame["reference_year"] = frame["reference_year"].astype(np.int64)
    out["change"] = frame
    out["years"] = pd.DataFrame({name: (list(values) if kind == "str" else np.asarray(values))
                                 for name, kind, _, values in raw["truth_years"]})
    return out
