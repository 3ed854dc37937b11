"""calibration_table does not compare the looked-after stock when cla_episodes has no rows (a
Dataset holds every table, an absent one empty): no rows is no data, not 0 children in care."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, synthetic


@pytest.fixture(scope="module")
def wolverhampton_small():
    return synthetic.council("wolverhampton", years=5, scale=0.2, seed=1)


def _looked_after(ds: Dataset) -> pd.Series:
    table = synthetic.calibration_table(ds)
    rows = table[table["figure"] == "looked-after children"]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("how", ["table left out", "table with no rows"])
def test_no_looked_after_episodes_is_not_compared(wolverhampton_small, how):
    ds = wolverhampton_small
    tables = {k: v for k, v in ds.tables.items() if k != "cla_episodes"}
    if how == "table with no rows":
        tables["cla_episodes"] = ds.tables["cla_episodes"].iloc[0:0]
    row = _looked_after(Dataset(tables, truth=ds.truth, meta=ds.meta))
    assert pd.isna(row["generated"]) and pd.isna(row["within_10pct"]), row
    assert row["note"] == "not compared: no cla_episodes rows"


def test_looked_after_episodes_are_compared(wolverhampton_small):
    assert len(wolverhampton_small.tables["cla_episodes"]) > 0
    row = _looked_after(wolverhampton_small)
    assert row["generated"] > 0 and not pd.isna(row["within_10pct"])
