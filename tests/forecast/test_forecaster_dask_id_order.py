"""The Dask path returns its tables in the pandas path's order, also for Categorical series ids.

pandas numbers series by ``pd.factorize(sort=True)``: a Categorical's by its category order
(localities listed north to south). The Dask path sorted the gathered rows as text, so its
forecast (and excluded_, report_, fallbacks_, fitted_models_) came in another order than the
single-process forecast it says it equals. And the error for a series split between partitions
listed the series ids as "rows".
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import Forecaster, Naive, SeasonalNaive

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

ORDER = ["North", "Central", "South", "East"]


def _frame(ids=ORDER, n=24):
    ds = pd.date_range("2022-01-01", periods=n, freq="MS")
    frames = [pd.DataFrame({"unique_id": u, "ds": ds, "y": (np.arange(n) % 5 + i).astype(float)})
              for i, u in enumerate(ids)]
    # a series with no value (excluded_) and one too short for a season (fallbacks_)
    frames.append(pd.DataFrame({"unique_id": "West", "ds": ds[:3], "y": np.nan}))
    frames.append(pd.DataFrame({"unique_id": "Hub", "ds": ds[-6:], "y": [1.0, 2, 3, 2, 1, 2]}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("categories", [ORDER + ["West", "Hub"], ["Hub", "West"] + ORDER[::-1]])
def test_categorical_ids_come_back_in_the_pandas_order(categories):
    df = _frame()
    df["unique_id"] = pd.Categorical(df["unique_id"], categories=categories)
    models = [SeasonalNaive(season_length=12), Naive()]
    here = Forecaster(models, freq="MS")
    a = here.forecast(df=df, h=2, level=[80])
    there = Forecaster(models, freq="MS")
    with dask.config.set(scheduler="synchronous"):
        there.fit(dd.from_pandas(df, npartitions=1).shuffle("unique_id", npartitions=3))
        b = there.predict(2, level=[80])
    assert list(pd.unique(a["unique_id"])) == [c for c in categories if c != "West"]
    pd.testing.assert_frame_equal(a, b)
    for table in ("excluded_", "report_", "fallbacks_", "fitted_models_"):
        pd.testing.assert_frame_equal(getattr(here, table), getattr(there, table), obj=table)


def test_text_and_number_ids_keep_their_order():
    for ids in (["b10", "b2", "a"], [10, 2, 33]):
        df = _frame(ids)
        df = df[df["unique_id"].isin(ids)].astype({"unique_id": type(ids[0])})
        a = Forecaster([Naive()], freq="MS").forecast(df=df, h=2)
        with dask.config.set(scheduler="synchronous"):
            b = Forecaster([Naive()], freq="MS").fit(dd.from_pandas(df, npartitions=1)
                                                     .shuffle("unique_id", npartitions=2)).predict(2)
        pd.testing.assert_frame_equal(a, b)


def test_a_split_series_is_named_as_a_series():
    df = _frame().astype({"unique_id": str})
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValidationError) as err:
            Forecaster([Naive()], freq="MS").fit(dd.from_pandas(df, npartitions=5)).predict(2)
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == ("df", "unique_id")
    assert "series split between partitions (North" in problem.message
    assert "rows" not in str(err.value) and not problem.n_rows
