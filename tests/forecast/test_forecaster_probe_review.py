"""Forecaster arguments and measures that are not counts, found by adversarial probing."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.forecast import Forecaster, Naive, Theta


def _series(y, uid="a"):
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2020-01-01", periods=len(y), freq="MS"), "y": y})


@pytest.mark.parametrize("n_jobs", ["a", "2", 2.5, True, None])
def test_n_jobs_that_is_not_a_whole_number_is_a_validation_error(n_jobs):
    with pytest.raises(earlyhelp.ValidationError) as err:
        Forecaster([Naive()], n_jobs=n_jobs)
    assert err.value.problems[0].column == "n_jobs"


def test_n_jobs_beyond_any_machine_is_capped():
    f = Forecaster([Naive()], n_jobs=10 ** 12)
    out = f.forecast(df=_series(np.arange(1.0, 25.0)), h=2)
    assert f.n_jobs == 1024 and len(out) == 2


@pytest.mark.parametrize("flag", ["no", "False", 0, 1, None])
def test_allow_negative_must_be_a_flag(flag):
    # "no" is true: it admitted negative counts
    with pytest.raises(earlyhelp.ValidationError) as err:
        Forecaster([Naive()], allow_negative=flag)
    assert err.value.problems[0].column == "allow_negative"


def test_allow_negative_takes_numpy_bools():
    assert Forecaster([Naive()], allow_negative=np.bool_(True)).allow_negative is True


@pytest.mark.parametrize("interval", ["backtest", "count"])
def test_a_measure_that_is_not_a_count_keeps_the_models_own_intervals(interval):
    # a mean of 0.45 to 0.55 a month: whole-number count bounds were [0, 0] or [0, 1], holding
    # none of its values
    rng = np.random.default_rng(1)
    rate = _series(0.5 + rng.uniform(-0.05, 0.05, 36), "rate")
    counts = _series(rng.poisson(20, 36).astype(float), "count")
    f = Forecaster([Naive()], interval=interval)
    out = f.forecast(df=pd.concat([rate, counts]), h=3, level=[80, 95]).set_index("unique_id")
    r = out.loc["rate"]
    assert (r["Naive-lo-95"] > 0.3).all() and (r["Naive-hi-95"] < 0.7).all()
    assert (r["Naive-lo-80"] <= r["Naive"]).all() and (r["Naive"] <= r["Naive-hi-80"]).all()
    c = out.loc["count"]  # the counts keep whole-number count bounds
    for col in ("Naive-lo-80", "Naive-hi-80", "Naive-lo-95", "Naive-hi-95"):
        assert np.array_equal(c[col], np.round(c[col]))
    fb = f.fallbacks_
    assert list(fb["unique_id"]) == ["rate"] and "not whole numbers" in fb["method"].iloc[0]


def test_a_measure_that_is_not_a_count_gets_no_negative_bound():
    y = np.r_[np.linspace(2.5, 0.1, 20), np.full(6, 0.05)]
    out = Forecaster([Naive()]).forecast(df=_series(y), h=4, level=[95])
    assert (out["Naive-lo-95"] >= 0).all()


def test_counts_with_interpolated_gaps_keep_count_intervals():
    y = np.random.default_rng(2).poisson(10, 36).astype(float)
    df = _series(y).drop(index=[10, 20])  # interpolated between counts: 7.5 is filled, not given
    f = Forecaster([Theta()], fill_missing="interpolate")
    out = f.forecast(df=df, h=3, level=[80])
    assert np.array_equal(out["Theta-lo-80"], np.round(out["Theta-lo-80"])) and f.fallbacks_.empty


@pytest.mark.filterwarnings("error")  # and no deprecation warning (Timestamp.dayofweek in pandas 3)
@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y %H:%M"])
@pytest.mark.parametrize("dtype", [object, "string"])
def test_dates_written_day_first_are_read_day_first(fmt, dtype):
    # pandas read 01/02/2020 as 2 January and 13/02/2020 as 13 February: sixty days of 2020 became
    # 337 periods from January to December, 277 of them filled with zeros, without a word
    days = pd.date_range("2020-01-01", "2020-02-29", freq="D")
    y = np.arange(len(days), dtype=float) % 7 + 1
    df = pd.DataFrame({"unique_id": "a", "ds": pd.Series(days.strftime(fmt), dtype=dtype), "y": y})
    f = Forecaster([Naive()], freq="D", season_length=7)
    out = f.forecast(df=df, h=2)
    report = f.report_.iloc[0]
    assert report["n_obs"] == 60 and report["n_missing_filled"] == 0
    assert report["first_ds"] == days[0] and report["last_ds"] == days[-1]
    assert list(out["ds"]) == list(pd.date_range("2020-03-01", periods=2, freq="D"))


def test_future_exog_dates_written_day_first_match_the_training_dates():
    from earlyhelp.forecast import CountRegression

    ds = pd.date_range("2020-01-01", periods=30, freq="MS")
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"unique_id": "a", "ds": ds.strftime("%d/%m/%Y"), "y": rng.poisson(10, 30).astype(float),
                       "x": rng.normal(size=30)})
    future = pd.date_range(ds[-1], periods=4, freq="MS")[1:]
    X_df = pd.DataFrame({"unique_id": "a", "ds": future.strftime("%d/%m/%Y"), "x": [0.1, 0.2, 0.3]})
    out = Forecaster([CountRegression(exog=["x"])]).forecast(df=df, h=3, X_df=X_df)
    assert list(out["ds"]) == list(future)


@pytest.mark.parametrize("bad, text", [("01/02/20", "two-digit year"), ("07/13/2023", "month must be in 1..12"),
                                       ("31/02/2020", "day is out of range")])
def test_day_first_dates_that_are_not_dates_name_the_row_and_value(bad, text):
    df = _series(np.arange(1.0, 13.0))
    df["ds"] = df["ds"].dt.strftime("%d/%m/%Y")
    df.loc[4, "ds"] = bad
    with pytest.raises(earlyhelp.ValidationError) as err:
        Forecaster([Naive()]).fit(df)
    problem = err.value.problems[0]
    assert problem.column == "ds" and text in problem.message and problem.value == bad and 4 in problem.rows
