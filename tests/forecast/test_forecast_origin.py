"""Where each series is forecast from: a series whose last months have no rows (counts from a GROUP
BY) or blank ``y`` runs to the frame's last period with a value, filled and counted, or is refused by
name; ``origin="series"`` keeps statsforecast's rule (each from its own last value) and says so."""
from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import BlankValuesFilledWarning, Forecaster, Naive, SeasonalNaive

MONTHS = pd.date_range("2021-01-01", periods=36, freq="MS")
LAST = MONTHS[-1]


def _group_by_counts(seed: int = 0) -> pd.DataFrame:
    """Counts as a GROUP BY gives them: no row for a month without events; "Quiet" had none in the
    last two months."""
    rng = np.random.default_rng(seed)
    rows = []
    for uid, lam in (("North", 30), ("South", 25), ("Quiet", 0.6)):
        y = rng.poisson(lam, len(MONTHS))
        if uid == "Quiet":
            y[-2:] = 0
            y[-3] = 1  # its last row is 2023-10
        rows += [(uid, d, float(v)) for d, v in zip(MONTHS, y) if v > 0]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


def test_a_series_without_rows_in_the_last_months_is_forecast_from_the_frames_last_date(caplog):
    df = _group_by_counts()
    fc = Forecaster([Naive()], freq="MS", season_length=12)
    with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"):
        out = fc.forecast(df=df, h=3, level=[80])
    first = out.groupby("unique_id")["ds"].min()
    assert (first == LAST + pd.DateOffset(months=1)).all(), first
    # no month already known is forecast, and each month of a council total holds every locality
    assert out.groupby("ds")["unique_id"].nunique().eq(3).all()
    quiet = out[out.unique_id == "Quiet"]
    assert (quiet["Naive"] == 0).all()  # its last two months were 0: the naive forecast is 0
    rep = fc.report_.set_index("unique_id")
    assert rep.loc["Quiet", "last_ds"] == LAST and rep.loc["Quiet", "n_end_filled"] == 2
    assert rep.loc[["North", "South"], "n_end_filled"].eq(0).all()
    assert "last value 2023-10-01, 2 periods before the frame's last date 2023-12-01" in rep.loc["Quiet", "note"]
    assert "1 series end before the frame's last date 2023-12-01" in caplog.text


def test_trailing_blank_y_of_counts_are_filled_and_warned():
    df = _group_by_counts()
    blanks = pd.DataFrame({"unique_id": "Quiet", "ds": MONTHS[-2:], "y": np.nan})
    fc = Forecaster([Naive()], freq="MS", season_length=12)
    with pytest.warns(BlankValuesFilledWarning, match=r"2 blank y values .*'Quiet' \(2\)"):
        out = fc.forecast(df=pd.concat([df, blanks], ignore_index=True), h=2)
    assert out.loc[out.unique_id == "Quiet", "ds"].min() == LAST + pd.DateOffset(months=1)
    rep = fc.report_.set_index("unique_id")
    assert rep.loc["Quiet", "n_nan_filled"] == 2 and rep.loc["Quiet", "n_end_filled"] == 2


def test_the_same_counts_as_a_full_grid_give_the_same_forecast():
    df = _group_by_counts()
    grid = pd.MultiIndex.from_product([df["unique_id"].unique(), MONTHS], names=["unique_id", "ds"])
    full = df.set_index(["unique_id", "ds"]).reindex(grid, fill_value=0.0).reset_index()
    models = [Naive(), SeasonalNaive()]
    sparse = Forecaster(models, freq="MS", season_length=12).forecast(df=df, h=4, level=[80])
    dense = Forecaster(models, freq="MS", season_length=12).forecast(df=full, h=4, level=[80])
    pd.testing.assert_frame_equal(sparse, dense)


def test_a_series_that_is_no_count_and_ends_early_is_refused_by_name():
    rng = np.random.default_rng(1)
    df = pd.concat([pd.DataFrame({"unique_id": "rate", "ds": MONTHS[:-3], "y": rng.uniform(0.1, 0.5, 33)}),
                    pd.DataFrame({"unique_id": "count", "ds": MONTHS, "y": rng.poisson(9, 36).astype(float)})])
    with pytest.raises(ValidationError, match=r"series 'rate' has 3 missing periods .*not counts"):
        Forecaster([Naive()], freq="MS").fit(df)
    # told to forecast each series from its own end, it does, and says so
    fc = Forecaster([Naive()], freq="MS", origin="series").fit(df)
    assert fc.predict(1).set_index("unique_id").loc["rate", "ds"] == MONTHS[-3]
    assert "ends 3 periods before the frame's last date 2023-12-01" in fc.report_.set_index("unique_id").loc[
        "rate", "note"]


@pytest.mark.parametrize("fill, text", [("interpolate", "cannot be interpolated"),
                                        ("error", r"missing periods 2023-11-01, 2023-12-01 \(fill_missing='error'\)")])
def test_other_fills_refuse_a_series_ending_early_by_name(fill, text):
    rng = np.random.default_rng(2)
    df = pd.concat([pd.DataFrame({"unique_id": "North", "ds": MONTHS, "y": rng.poisson(30, 36) + 1.0}),
                    pd.DataFrame({"unique_id": "Quiet", "ds": MONTHS[:-2], "y": rng.poisson(5, 34) + 1.0})])
    with pytest.raises(ValidationError, match=rf"series 'Quiet' .*{text}"):
        Forecaster([Naive()], freq="MS", fill_missing=fill).fit(df)
    Forecaster([Naive()], freq="MS", fill_missing=fill, origin="series").fit(df)


def test_origin_series_keeps_each_series_own_last_date_and_says_so(caplog):
    fc = Forecaster([Naive()], freq="MS", origin="series")
    with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"):
        out = fc.forecast(df=_group_by_counts(), h=2)
    assert out.loc[out.unique_id == "Quiet", "ds"].min() == pd.Timestamp("2023-11-01")
    rep = fc.report_.set_index("unique_id")
    assert rep.loc["Quiet", "last_ds"] == pd.Timestamp("2023-10-01") and rep.loc["Quiet", "n_end_filled"] == 0
    assert "forecast from its own last date 2023-10-01 (origin='series')" in rep.loc["Quiet", "note"]
    assert "1 series end before the frame's last date" in caplog.text


def test_blank_rows_after_every_series_last_value_are_dropped_not_filled():
    df = _group_by_counts()
    future = pd.DataFrame({"unique_id": ["North", "South"], "ds": [LAST + pd.DateOffset(months=1)] * 2,
                           "y": np.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlankValuesFilledWarning)
        fc = Forecaster([Naive()], freq="MS").fit(pd.concat([df, future], ignore_index=True))
    rep = fc.report_.set_index("unique_id")
    assert (rep["last_ds"] == LAST).all() and rep.loc[["North", "South"], "n_nan_dropped"].eq(1).all()


def test_cross_validation_cuts_every_series_at_the_same_cutoffs():
    cv = Forecaster([Naive()], freq="MS").cross_validation(_group_by_counts(), h=3, n_windows=2, step_size=3)
    assert cv.groupby("unique_id")["cutoff"].unique().map(len).eq(2).all()
    assert set(cv["cutoff"]) == {pd.Timestamp("2023-06-01"), pd.Timestamp("2023-09-01")}


def test_origin_is_checked():
    with pytest.raises(ValidationError, match="origin must be one of"):
        Forecaster([Naive()], origin="own")


def test_a_dask_frame_runs_every_series_to_the_whole_frames_last_date():
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    df = _group_by_counts()
    here = Forecaster([Naive()], freq="MS")
    expected = here.forecast(df=df, h=2, level=[80])
    # "Quiet" alone in a partition: its own dates end in 2023-10, the frame's in 2023-12
    ddf = dd.from_pandas(df.set_index("unique_id").sort_index(), npartitions=3, sort=True).reset_index()
    parts = [set(p.compute()["unique_id"]) for p in ddf.partitions]
    assert {"Quiet"} in parts, parts
    there = Forecaster([Naive()], freq="MS")
    with dask.config.set(scheduler="synchronous"):
        got = there.fit(ddf).predict(2, level=[80])
    pd.testing.assert_frame_equal(expected, got[expected.columns])
    pd.testing.assert_frame_equal(here.report_, there.report_)
