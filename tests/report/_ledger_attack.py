"""The attack the ledger tests make: which hidden counts the published tables of several runs
work out together by linear algebra."""
from __future__ import annotations

from typing import Iterable, Mapping, Tuple

import numpy as np
import pandas as pd

ALL = "All localities"


def pack_tables(run) -> list:
    """A pack's published monthly and 12-month tables, as ``(tag, table)``."""
    return [(tag, pd.read_csv(run / f"{name}.csv", dtype=str, keep_default_na=False))
            for name, tag in (("measures_monthly", "m"), ("measures_localities_12m", "y"))]


def forecast_tables(run) -> list:
    """A forecast's observed counts as a table of its series' measures: monthly (``m``), or
    quarterly (``s3``: a quarter is named by its first month and is the sum of its months)."""
    observed = pd.read_csv(run / "observed.csv", dtype=str, keep_default_na=False)
    observed = observed[observed["council"] != ""]
    months = sorted(set(observed["ds"].str.slice(0, 7)))
    step = (pd.Period(months[1], freq="M") - pd.Period(months[0], freq="M")).n if len(months) > 1 else 1
    return [("m" if step == 1 else f"s{step}", pd.DataFrame({"measure": observed["unique_id"].str.split("/").str[0],
                                                            "period": observed["ds"].str.slice(0, 7),
                                                            "locality": observed["locality"].replace("", ALL),
                                                            "numerator": observed["y"]}))]


def worked_out(tables: Iterable[Tuple[str, pd.DataFrame]], kinds: Mapping[str, str]) -> list:
    """Counts some table hid that all of them work out: per month and 12-month period the council
    is the sum of its localities (in each table), and a locality's 12-month figure of a count
    (``kinds``) is the sum of its twelve months."""
    known, hidden, relations = {}, set(), []
    for tag, table in tables:
        for row in table.itertuples():
            key = (tag, row.measure, row.period, row.locality)
            if row.numerator == "c":
                hidden.add(key)
            elif row.numerator != "":
                known[key] = float(row.numerator)
        for (measure, period), group in table.groupby(["measure", "period"]):
            parts = [(tag, measure, period, loc) for loc in group["locality"] if loc != ALL]
            relations.append(((tag, measure, period, ALL), parts))
            if tag == "y" and kinds.get(measure) == "count":
                end = pd.Period(period.rsplit(" ", 1)[-1], freq="M")
                for loc in group["locality"]:
                    relations.append(((tag, measure, period, loc),
                                      [("m", measure, str(end - k), loc) for k in range(12)]))
            if tag.startswith("s"):          # a quarter is the sum of its months
                first = pd.Period(period, freq="M")
                for loc in group["locality"]:
                    relations.append(((tag, measure, period, loc),
                                      [("m", measure, str(first + k), loc) for k in range(int(tag[1:]))]))
    unknown = sorted(hidden - set(known))
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for total, parts in relations:
        cells = [total, *parts]
        if any(c not in index and c not in known for c in cells) or not any(c in index for c in cells):
            continue
        row = np.zeros(len(unknown))
        for sign, c in [(1.0, total)] + [(-1.0, p) for p in parts]:
            if c in index:
                row[index[c]] += sign
        rows.append(row)
    if not rows:
        return []
    # a hidden cell is worked out when its unit vector lies in the row space of the equations
    _, sv, vt = np.linalg.svd(np.array(rows), full_matrices=True)
    null = vt[(sv > 1e-9).sum():]
    return [unknown[i] for i in np.flatnonzero(np.abs(null).max(axis=0) < 1e-9)] if len(null) else unknown
