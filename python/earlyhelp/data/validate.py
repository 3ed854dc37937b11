"""Dataset.validate(): keys, references, dates and value ranges across tables."""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import numpy as np
import pandas as pd

from .._errors import Problem
from .schema import TABLES

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
}


def _labels(frame: pd.DataFrame, key: str, mask: np.ndarray) -> list:
    idx = np.flatnonzero(mask)[:10]
    if key in frame.columns:
        return [frame[key].iloc[i] for i in idx]
    return [int(i) for i in idx]


def find_problems(ds: "Dataset", as_of: Optional[pd.Timestamp] = None) -> List[Problem]:
    """Every problem in the dataset, in table order."""
    today = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    problems: List[Problem] = []
    for name, table in TABLES.items():
        frame = ds[name]
        key0 = table.key[0]
        # missing values where not allowed
        for col in table.columns:
            if col.name not in frame.columns:
                continue
            values = frame[col.name]
            if not col.nullable and col.required:
                miss = values.isna().to_numpy()
                if miss.any():
                    problems.append(Problem(name, col.name, "missing value where one is required",
                                            _labels(frame, key0, miss), int(miss.sum())))
            if col.kind in ("int", "float") and len(values):
                v = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
                if col.minimum is not None:
                    low = ~np.isnan(v) & (v < col.minimum)
                    if low.any():
                        problems.append(Problem(name, col.name, f"below the minimum {col.minimum}",
                                                _labels(frame, key0, low), int(low.sum()), v[low][0]))
                if col.maximum is not None:
                    high = ~np.isnan(v) & (v > col.maximum)
                    if high.any():
                        problems.append(Problem(name, col.name, f"above the maximum {col.maximum}",
                                                _labels(frame, key0, high), int(high.sum()), v[high][0]))
            if col.kind == "date" and len(values):
                future = (values > today).to_numpy(dtype=bool, na_value=False)
                if future.any() and not (name == "persons" and col.name == "birth_date"):
                    problems.append(Problem(name, col.name, f"date in the future (after {today.date()})",
                                            _labels(frame, key0, future), int(future.sum()),
                                            str(values[future].iloc[0].date())))
        # duplicate keys
        key_cols = [k for k in table.key if k in frame.columns]
        if len(frame) and key_cols:
            dup = frame.duplicated(subset=key_cols, keep="first").to_numpy()
            if dup.any():
                problems.append(Problem(name, "+".join(key_cols), "duplicate key",
                                        _labels(frame, key0, dup), int(dup.sum()),
                                        frame.loc[dup, key0].iloc[0]))
        # dangling references
        for col in table.columns:
            if col.references is None or col.name not in frame.columns or not len(frame):
                continue
            target_table, target_col = col.references.split(".")
            target = ds[target_table]
            values = frame[col.name]
            present = values.notna().to_numpy()
            known = values.isin(target[target_col]).to_numpy(dtype=bool)
            dangling = present & ~known
            if dangling.any():
                problems.append(Problem(name, col.name, f"refers to a {target_table} row that does not exist",
                                        _labels(frame, key0, dangling), int(dangling.sum()),
                                        values[dangling].iloc[0]))
        # end before start
        for start, end in DATE_ORDER.get(name, []):
            if start in frame.columns and end in frame.columns and len(frame):
                bad = (frame[end] < frame[start]).to_numpy(dtype=bool, na_value=False)
                if bad.any():
                    problems.append(Problem(name, end, f"{end} is before {start}",
                                            _labels(frame, key0, bad), int(bad.sum()),
                                            str(frame.loc[bad, end].iloc[0].date())))
    return problems
