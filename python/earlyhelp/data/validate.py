"""Dataset.validate(): types, codes, missing values, ranges, dates, keys and references.

Every check is a vectorised pass over a column; every problem found is returned (table,
column, the first row ids, how many rows, an offending value), not just the first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, PythonOnlyFix
from ._fast import isin, value_set
from .coerce import counted_values, row_labels
from .schema import ID_MAX_LENGTH, ONS_CODE_COLUMNS, TABLES, Column

if TYPE_CHECKING:
    from .dataset import Dataset

# Pairs of (start, end) columns per table that must be ordered.
DATE_ORDER = {
    "episodes": [("start_date", "end_date")],
    "involvements": [("start_date", "end_date")],
    "assessments": [("started", "completed")],
    "csc_referrals": [("referral_date", "close_date")],
    "csc_assessments": [("start_date", "authorised_date")],
    "requests": [("received_date", "decision_date")],
    "family_members": [("valid_from", "valid_to")],
    "practitioners": [("start_date", "end_date")],
    "cin_plans": [("start_date", "end_date")],
    "cp_plans": [("start_date", "end_date")],
    "cla_episodes": [("start_date", "end_date")],
}


# Pairs of (reason, date) columns per table: a reason says the period ended, so it needs the date.
REASON_NEEDS_DATE = {
    "episodes": [("end_reason", "end_date", "an episode")],
    "csc_referrals": [("close_reason", "close_date", "a referral")],
}


# How the problems of values read but out of range begin: after a reading problem in the
# same column they are new, not repeats (see dataset._later_problems).
BELOW_MINIMUM, ABOVE_MAXIMUM, NOT_ONE_OF, FUTURE_DATE = ("below the minimum", "above the maximum", "not one of",
                                                         "date in the future")
PLACEHOLDER_DATE = "date on or before 1900-01-01"
VALUE_RANGE_PROBLEMS = (BELOW_MINIMUM, ABOVE_MAXIMUM, NOT_ONE_OF, FUTURE_DATE, PLACEHOLDER_DATE)
#: The last date no record of a living person or of a service can hold: the first day of
#: Excel's dates (1900-01-01, and its day 0, 1899-12-30), SQL Server's datetime (1753-01-01) and
#: other systems' "unknown" (1800-01-01, 1111-11-11) all lie on or before it.
LAST_PLACEHOLDER_DATE = pd.Timestamp("1900-01-01")


MISSING_COLUMN = "required column is missing"


def _labels(frame: pd.DataFrame, key: Union[str, Tuple[str, ...]], mask: np.ndarray) -> list:
    return row_labels(frame, key, mask)


def _first(values: pd.Series, mask: np.ndarray) -> Any:
    v = values[mask].iloc[0]
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    return v.item() if isinstance(v, np.generic) else v


def _distinct(values: pd.Series, mask: np.ndarray) -> str:
    """The different offending values with their row counts, as loading lists them."""
    return counted_values(values[mask].astype(str).value_counts())


def _type_problem(name: str, col: Column, values: pd.Series) -> Optional[str]:
    """Why a column's dtype does not fit its kind, or None. Compatible dtypes are accepted."""
    dt = values.dtype
    kind = col.kind
    ok = {
        "id": pd.api.types.is_string_dtype(dt) or dt == object,
        "str": pd.api.types.is_string_dtype(dt) or dt == object,
        "date": pd.api.types.is_datetime64_any_dtype(dt),
        "int": pd.api.types.is_integer_dtype(dt),
        "float": pd.api.types.is_float_dtype(dt) or pd.api.types.is_integer_dtype(dt),
        "bool": pd.api.types.is_bool_dtype(dt),
        "code": isinstance(dt, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dt) or dt == object,
    }[kind]
    if ok:
        return None
    return f"wrong type: {dt} where {kind} values are expected (load with Dataset.from_frames to convert)"


def _check_column(name: str, frame: pd.DataFrame, col: Column, key0: Union[str, Tuple[str, ...]],
                  today: pd.Timestamp, problems: List[Problem]) -> None:
    values = frame[col.name]
    why = _type_problem(name, col, values)
    if why is not None:
        problems.append(Problem(name, col.name, why, value=str(values.dtype)))
        return
    if not col.nullable and (col.required or col.default is not None):
        miss = values.isna().to_numpy()
        if miss.any():
            # an optional column with a default: blank cells are not "not recorded" (that is the
            # column left out), so say how to give either
            why = ("missing value where one is required" if col.required else
                   f"blank in a column whose absence loads as {col.default!r}: a blank cell cannot be told "
                   f"from a value left out by mistake; fill the cells (with {col.default!r} where it is not "
                   "recorded), or leave the whole column out")
            problems.append(Problem(name, col.name, why, _labels(frame, key0, miss), int(miss.sum())))
    if col.kind == "code":
        allowed = list(col.codes or ())
        if isinstance(values.dtype, pd.CategoricalDtype):
            extra = [c for c in values.cat.categories if c not in allowed]
            outside = values.isin(extra).to_numpy(dtype=bool) if extra else np.zeros(len(values), bool)
        else:
            outside = (values.notna() & ~values.isin(allowed)).to_numpy(dtype=bool)
        if outside.any():
            problems.append(Problem(name, col.name, f"value not in the code list ({', '.join(allowed)}): "
                                    + _distinct(values, outside),
                                    _labels(frame, key0, outside), int(outside.sum()), _first(values, outside)))
    if col.kind == "id":
        long = (values.astype("string[pyarrow]").str.len().fillna(0) > ID_MAX_LENGTH).to_numpy(dtype=bool)
        if long.any():
            problems.append(Problem(name, col.name, f"id longer than {ID_MAX_LENGTH} characters",
                                    _labels(frame, key0, long), int(long.sum()), _first(values, long)))
    if col.kind in ("int", "float"):
        v = values.astype("float64").to_numpy(na_value=np.nan) if len(values) else np.array([])
        if col.minimum is not None:
            low = ~np.isnan(v) & (v < col.minimum)
            if low.any():
                problems.append(Problem(name, col.name, f"{BELOW_MINIMUM} {col.minimum:g}",
                                        _labels(frame, key0, low), int(low.sum()), float(v[low][0])))
        if col.maximum is not None:
            high = ~np.isnan(v) & (v > col.maximum)
            if high.any():
                problems.append(Problem(name, col.name, f"{ABOVE_MAXIMUM} {col.maximum:g}",
                                        _labels(frame, key0, high), int(high.sum()), float(v[high][0])))
        if col.codes and col.kind == "int":
            allowed = np.array([float(c) for c in col.codes])
            off = ~np.isnan(v) & ~np.isin(v, allowed)
            if off.any():
                problems.append(Problem(name, col.name, f"{NOT_ONE_OF} {', '.join(col.codes)}: "
                                        + counted_values(pd.Series([f"{x:g}" for x in v[off]]).value_counts()),
                                        _labels(frame, key0, off), int(off.sum()), float(v[off][0])))
    if col.kind == "date":
        future = (values > today).to_numpy(dtype=bool, na_value=False)
        if name == "persons" and col.name == "expected_birth_date":
            future = np.zeros(len(frame), bool)  # a due date lies ahead by nature
        elif name == "persons" and col.name == "birth_date" and "expected_birth" in frame.columns:
            future = future & ~frame["expected_birth"].fillna(False).to_numpy(dtype=bool)  # unborn: a due date
        elif name == "taf_reviews" and col.name == "due_date":
            # the next review of an open plan is due ahead by nature; one held is dated by then
            held = frame["held_date"].notna().to_numpy(dtype=bool) if "held_date" in frame.columns \
                else np.zeros(len(frame), bool)
            future = future & held
        if future.any():
            problems.append(Problem(name, col.name, f"{FUTURE_DATE} (after {today.date()})",
                                    _labels(frame, key0, future), int(future.sum()), _first(values, future),
                                    fix=PythonOnlyFix("pass as_of= to validate against another date")))
        early = (values <= LAST_PLACEHOLDER_DATE).to_numpy(dtype=bool, na_value=False)
        if early.any():
            problems.append(Problem(name, col.name, f"{PLACEHOLDER_DATE}: a system's placeholder for an unknown "
                                    "date (Excel's and SQL Server's first days lie there), not a real date; leave "
                                    "an unknown date blank", _labels(frame, key0, early), int(early.sum()),
                                    _first(values, early)))


def _default_as_of(ds: "Dataset") -> pd.Timestamp:
    """Today, or the end of a synthetic council generated to a later date (its world runs to then)."""
    today = pd.Timestamp.today().normalize()
    end = ds.meta.get("end_date") if ds.meta.get("source") == "earlyhelp.synthetic" else None
    return max(today, pd.Timestamp(end).normalize()) if end is not None else today


def _codes_differing_in_case(name: str, frame: pd.DataFrame, col: str,
                             key0: Union[str, Tuple[str, ...]]) -> Optional[Problem]:
    """Codes of ``col`` that differ only in case or spaces (``E08000026``, ``e08000026 ``): one
    council would be counted as two by whatever groups by the code. Reading upper-cases them
    (``Dataset.from_frames``); a Dataset built from frames directly is refused instead."""
    text = frame[col].astype("string")
    folded = text.str.strip().str.upper()
    spellings = pd.DataFrame({"text": text, "folded": folded}).dropna().drop_duplicates()
    clash_codes = spellings.loc[spellings["folded"].duplicated(keep=False), "folded"]
    if not len(clash_codes):
        return None
    clash = folded.isin(set(clash_codes)).to_numpy(dtype=bool, na_value=False)
    written = sorted(spellings.loc[spellings["folded"].isin(set(clash_codes)), "text"].unique())
    return Problem(name, col, "values differ only in case or spaces (" + ", ".join(map(repr, written[:6])) +
                   "): one code would be counted as several; write each code one way (ONS codes in upper case)",
                   _labels(frame, key0, clash), int(clash.sum()), written[0])


def find_problems(ds: "Dataset", as_of: Optional[Any] = None,
                  notes: Optional[Dict[str, Any]] = None, partial: Iterable[str] = (),
                  tables: Optional[Iterable[str]] = None) -> List[Problem]:
    """Every problem in the dataset (or in ``tables`` only, their references into others
    included), in table order.

    References into a table that was neither supplied nor holds rows are not checked; they
    are listed in ``notes['unchecked_references']`` instead (never silently). Nor are
    references into the ``partial`` tables (files of which some rows could not be read).
    """
    partial = set(partial)
    only = None if tables is None else set(tables)
    from .events import date_argument

    today = date_argument(as_of, "validate", "as_of") if as_of is not None else _default_as_of(ds)
    supplied = set(ds.meta.get("supplied_tables", [n for n in TABLES if len(ds[n])]))
    problems: List[Problem] = []
    unchecked: List[str] = []
    value_sets: Dict[tuple, Any] = {}
    for name, table in TABLES.items():
        if only is not None and name not in only:
            continue
        frame = ds[name]
        # a key of several columns names a row by all of them: its first is shared by many rows
        key0 = table.key[0] if len(table.key) == 1 else tuple(table.key)
        for col in table.columns:
            if col.name not in frame.columns:
                if col.required and (len(frame) or name in supplied):
                    problems.append(Problem(name, col.name, MISSING_COLUMN))
                continue
            _check_column(name, frame, col, key0, today, problems)
        if not len(frame):
            continue
        key_cols = [k for k in table.key if k in frame.columns]
        if key_cols:
            dup = frame.duplicated(subset=key_cols, keep="first").to_numpy()
            if dup.any():
                problems.append(Problem(name, "+".join(key_cols), "duplicate key (each row must be unique)",
                                        _labels(frame, key0, dup), int(dup.sum()), _first(frame[table.key[0]], dup)))
        for col in table.columns:
            if col.references is None or col.name not in frame.columns:
                continue
            target_table, target_col = col.references.split(".")
            target = ds[target_table]
            values = frame[col.name]
            present = values.notna().to_numpy()
            if not present.any():
                continue
            if target_table not in supplied and not len(target):
                unchecked.append(f"{name}.{col.name} -> {target_table} (not supplied)")
                continue
            if target_table in partial:
                unchecked.append(f"{name}.{col.name} -> {target_table} (some rows could not be read)")
                continue
            if (target_table, target_col) not in value_sets:  # one hash set per referenced key
                value_sets[target_table, target_col] = value_set(target[target_col])
            dangling = present & ~isin(values, value_sets[target_table, target_col])
            if dangling.any():
                problems.append(Problem(name, col.name, f"refers to a {target_table} row that does not exist",
                                        _labels(frame, key0, dangling), int(dangling.sum()),
                                        _first(values, dangling)))
        for start, end in DATE_ORDER.get(name, []):
            if start in frame.columns and end in frame.columns:
                if not all(pd.api.types.is_datetime64_any_dtype(frame[c]) for c in (start, end)):
                    continue  # reported as a wrong type (pandas would compare text with dates as it pleased)
                try:
                    bad = (frame[end] < frame[start]).to_numpy(dtype=bool, na_value=False)
                except TypeError:
                    continue  # already reported as a wrong type
                if bad.any():
                    first = np.flatnonzero(bad)[0]
                    problems.append(Problem(
                        name, end, f"{end} is before {start}", _labels(frame, key0, bad), int(bad.sum()),
                        f"{frame[start].iloc[first].date()} -> {frame[end].iloc[first].date()}"))
        for reason, date, what in REASON_NEEDS_DATE.get(name, []):
            if reason in frame.columns and date in frame.columns:
                # closed by half: counted neither as open nor as ended the way its reason says
                half = (frame[reason].notna() & frame[date].isna()).to_numpy(dtype=bool, na_value=False)
                if half.any():
                    problems.append(Problem(
                        name, date, f"{reason} given but {date} missing: {what} closed by half (give the "
                        f"date it ended, or leave {reason} blank while it is open)", _labels(frame, key0, half),
                        int(half.sum()), _first(frame[reason].astype("string"), half)))
        for col in ONS_CODE_COLUMNS.get(name, ()):
            if col in frame.columns:
                problem = _codes_differing_in_case(name, frame, col, key0)
                if problem is not None:
                    problems.append(problem)
        if name == "episodes" and "family_id" in frame.columns:
            person = frame["person_id"] if "person_id" in frame.columns else pd.Series(pd.NA, index=frame.index)
            orphan = (frame["family_id"].isna() & person.isna()).to_numpy(dtype=bool)
            if orphan.any():
                problems.append(Problem(name, "family_id", "episode with neither a family_id nor a person_id",
                                        _labels(frame, key0, orphan), int(orphan.sum())))
    from .statutory import PERIOD_TABLES, statutory_problems

    if only is None or only & set(PERIOD_TABLES):
        problems += statutory_problems(ds)
    if notes is not None:
        notes["unchecked_references"] = unchecked
    return problems
