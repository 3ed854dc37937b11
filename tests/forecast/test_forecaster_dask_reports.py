"""The reports of a Forecaster fitted on a Dask DataFrame equal those of the pandas frame
(synchronous scheduler: no cluster)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import AutoETS, Forecaster, SeasonalNaive

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


def _frame():
    rng = np.random.default_rng(3)
    ds = pd.date_range("2021-01-01", periods=30, freq="MS")
    frames = [pd.DataFrame({"unique_id": f"loc{i}", "ds": ds, "y": rng.poisson(15 + 3 * i, 30).astype(float)})
              for i in range(3)]
    # a series with a missing month, one with a single value and one with none: each says so in report_
    frames.append(pd.DataFrame({"unique_id": "gap", "ds": ds[[0, 1, 3, 4, 5, 6]], "y": [1.0, 2, 3, 4, 5, 6]}))
    frames.append(pd.DataFrame({"unique_id": "one", "ds": ds[:1], "y": [4.0]}))
    frames.append(pd.DataFrame({"unique_id": "none", "ds": ds[:2], "y": [np.nan, np.nan]}))
    return pd.concat(frames, ignore_index=True)


def test_report_of_a_dask_fit_equals_the_pandas_one():
    # before: report_ was None after a Dask fit and predict, while the pandas fit filled it
    df = _frame()
    models = [AutoETS(season_length=12), SeasonalNaive(season_length=12)]
    here = Forecaster(models, freq="MS", interval="model", origin="series")
    expected = here.forecast(df=df, h=2, level=[80])
    ddf = dd.from_pandas(df.set_index("unique_id"), npartitions=2, sort=True).reset_index()
    assert ddf.npartitions == 2
    there = Forecaster(models, freq="MS", interval="model", origin="series")
    with dask.config.set(scheduler="synchronous"):
        got = there.fit(ddf).predict(2, level=[80])
    pd.testing.assert_frame_equal(expected, got[expected.columns])
    assert len(here.report_) == 5 and here.report_["note"].str.contains("one observation").sum() == 1
    pd.testing.assert_frame_equal(here.report_, there.report_)
    pd.testing.assert_frame_equal(here.excluded_, there.excluded_)
    pd.testing.assert_frame_equal(here.model_summary(), there.model_summary())
    assert there.model_summary()["method"].str.startswith("ETS(").any()
