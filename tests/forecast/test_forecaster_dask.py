"""Forecaster on a Dask DataFrame partitioned by unique_id, on a 2-worker LocalCluster."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.forecast import AutoETS, Forecaster, SeasonalNaive

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")


def _panel(n_series=8, n=48):
    rng = np.random.default_rng(0)
    ds = pd.date_range("2020-01-01", periods=n, freq="MS")
    frames = [pd.DataFrame({"unique_id": f"loc{i}", "ds": ds,
                            "y": rng.poisson(20 + 5 * np.sin(np.arange(n) * 2 * np.pi / 12) + i).astype(float)})
              for i in range(n_series)]
    return pd.concat(frames, ignore_index=True)


def test_dask_frame_forecast_equals_pandas(client):
    df = _panel()
    models = [AutoETS(season_length=12), SeasonalNaive(season_length=12)]
    here = Forecaster(models, freq="MS").fit(df).predict(6, level=[80])
    ddf = dd.from_pandas(df.set_index("unique_id"), npartitions=4, sort=True).reset_index()
    there = Forecaster(models, freq="MS").fit(ddf).predict(6, level=[80])
    pd.testing.assert_frame_equal(here.reset_index(drop=True), there[here.columns].reset_index(drop=True))


def test_series_split_between_partitions_is_named(client):
    df = _panel(n_series=2)
    ddf = dd.from_pandas(df, npartitions=4, sort=False)  # rows cut in four: series span partitions
    with pytest.raises(earlyhelp.ValidationError, match="split between partitions"):
        Forecaster([SeasonalNaive(season_length=12)], freq="MS").fit(ddf).predict(3)


def test_a_problem_names_the_row_of_the_whole_frame(client):
    """Row 100 is in the second partition: the error names row 100, as for the pandas frame, not
    its place in the partition."""
    df = _panel(n_series=4, n=36)
    df.loc[100, "y"] = -5.0
    ddf = dd.from_pandas(df, npartitions=2, sort=False)  # 72 rows each: whole series
    for frame in (df, ddf):
        with pytest.raises(earlyhelp.ValidationError) as err:
            Forecaster([SeasonalNaive(season_length=12)], freq="MS").fit(frame).predict(3)
        assert list(err.value.problems[0].rows) == [100]


def test_cross_validation_asks_for_a_pandas_frame():
    # it cuts windows from one in-memory panel: a Dask frame gave an AttributeError on None
    ddf = dd.from_pandas(_panel(n_series=2), npartitions=1)
    with pytest.raises(earlyhelp.ValidationError, match="cross_validation.df: .*compute"):
        Forecaster([SeasonalNaive(season_length=12)], freq="MS").cross_validation(ddf, h=2)


def test_a_new_fit_forgets_the_last_one_reports():
    df = _panel(n_series=2)
    f = Forecaster([SeasonalNaive(season_length=12)], freq="MS")
    f.fit(pd.concat([df, pd.DataFrame({"unique_id": "gone", "ds": df["ds"].iloc[:3], "y": np.nan})]))
    assert list(f.excluded_["unique_id"]) == ["gone"]
    f.fit(dd.from_pandas(df, npartitions=1))      # another frame: the exclusions above are not its own
    assert f.report_ is None and f.excluded_ is None
    with pytest.raises(earlyhelp.ValidationError):
        f.fit(pd.concat([df, df.iloc[:1]]))          # rejected: nothing of the last fit is left either
    assert f.report_ is None and f.excluded_ is None
