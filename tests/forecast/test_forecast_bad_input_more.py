"""Bad input to the forecast functions, found by a robustness probe: each is refused with a
ValidationError naming the table, column and rows, or reported where it was silent."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, CountRegression, Forecaster, Naive, aggregate, capacity, reconcile


def _monthly(n=24, uid="a", seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2020-01-01", periods=n, freq="MS"),
                         "y": rng.poisson(20, n).astype(float)})


def _problem(err):
    assert len(err.value.problems) == 1, err.value
    return err.value.problems[0]


# -- capacity: the period length of a forecast of one date ---------------------------------
def _one_date(freq, start="2024-01-01"):
    return pd.DataFrame({"unique_id": "a", "ds": pd.DatetimeIndex([start]), "M": 10.0})


@pytest.mark.parametrize("freq", ["QS", "YS", "W-MON", "MS"])
def test_capacity_of_one_date_on_a_month_start_is_not_taken_as_monthly(freq):
    # a quarterly h=1 forecast dated on the 1st was costed as monthly: 3 times the caseload and FTE
    start = "2024-01-01" if freq != "W-MON" else "2024-04-01"  # a Monday that is the 1st
    with pytest.raises(ValidationError, match="cannot tell the period length from one date; pass period_weeks"):
        capacity(_one_date(freq, start), episode_weeks=16)


@pytest.mark.parametrize("freq, weeks", [("QS", 3 * 365.25 / 12 / 7), ("YS", 365.25 / 7), ("MS", 365.25 / 12 / 7),
                                         ("W-MON", 1.0)])
def test_capacity_of_one_date_takes_the_period_from_history(freq, weeks):
    dates = pd.date_range("2015-01-05" if freq == "W-MON" else "2015-01-01", periods=9, freq=freq)
    history = pd.DataFrame({"unique_id": "a", "ds": dates[:-1], "y": 10.0})
    forecast = pd.DataFrame({"unique_id": "a", "ds": dates[-1:], "M": 10.0})
    plan = capacity(forecast, episode_weeks=16, history=history)
    assert plan.period_weeks == pytest.approx(weeks)
    assert plan["caseload"].iloc[0] == pytest.approx(10 * 16 / weeks, rel=0.05)  # Little's law


@pytest.mark.parametrize("pair", [("W-MON", "W-SUN"), ("MS", "ME")])
def test_capacity_says_when_series_follow_different_grids(pair):
    # neither series has a gap: the grid read across both made consecutive weeks look like one
    fc = pd.concat([pd.DataFrame({"unique_id": u, "ds": pd.date_range("2024-01-01", periods=6, freq=f), "M": 10.0})
                    for u, f in zip("ab", pair)], ignore_index=True)
    with pytest.raises(ValidationError) as err:
        capacity(fc)
    p = _problem(err)
    assert (p.table, p.column) == ("forecast", "ds") and "follow different grids" in p.message
    assert list(p.rows) == ["a", "b"]


def test_capacity_still_names_a_real_gap():
    fc = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=6, freq="W-MON"), "M": 10.0})
    with pytest.raises(ValidationError, match="missing periods inside a series"):
        capacity(fc.drop(index=2))


# -- Forecaster input -----------------------------------------------------------------------
@pytest.mark.parametrize("make, dtype", [
    (lambda y: pd.to_datetime(y, unit="s"), "datetime64"),
    (lambda y: pd.to_timedelta(y, unit="ns"), "timedelta64"),
    (lambda y: y > 20, "bool"),
    (lambda y: (y > 20).astype(object).where(y != 19), "bool"),  # True/False and None as objects
])
def test_y_of_dates_durations_or_flags_is_refused(make, dtype):
    # dates and durations were read as nanoseconds, True/False as counts of 1 and 0
    df = _monthly()
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq="MS").fit(df.assign(y=make(df["y"])))
    p = _problem(err)
    assert (p.table, p.column) == ("forecast input", "y") and f"must be numbers, not {dtype}" in p.message


def _with_exog(values):
    df = _monthly(36)
    return df.assign(x=values(len(df)))


def _future(values):
    return pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2023-01-01", periods=3, freq="MS"), "x": values})


def test_exogenous_dates_are_refused_in_training_and_future_values():
    dates = lambda n: pd.date_range("2000-01-01", periods=n, freq="D")  # noqa: E731
    fc = Forecaster([CountRegression(exog=["x"])], freq="MS")
    with pytest.raises(ValidationError, match=r"forecast input\.x: x must be numbers, not datetime64"):
        fc.fit(_with_exog(dates))
    fc.fit(_with_exog(lambda n: np.arange(n, dtype=float) % 5))
    with pytest.raises(ValidationError, match=r"X_df\.x: x must be numbers, not timedelta64"):
        fc.predict(3, X_df=_future(pd.to_timedelta([1, 2, 3], unit="D")))


def test_an_exogenous_flag_is_an_indicator():
    # True/False is how a holiday or lockdown dummy is written: read as 1/0, as statsforecast does
    flags = lambda n: np.arange(n) % 12 == 0  # noqa: E731
    fc = Forecaster([CountRegression(exog=["x"])], freq="MS").fit(_with_exog(flags))
    as_numbers = Forecaster([CountRegression(exog=["x"])], freq="MS").fit(
        _with_exog(lambda n: flags(n).astype(float)))
    pd.testing.assert_frame_equal(fc.predict(3, X_df=_future([True, False, False])),
                                  as_numbers.predict(3, X_df=_future([1.0, 0.0, 0.0])))


@pytest.mark.parametrize("column", ["ds", "unique_id", "other"])
def test_a_column_given_twice_is_refused(column):
    # ds or unique_id twice gave an AttributeError or pandas' "truth value of a Series is ambiguous"
    df = _monthly().assign(other=1.0)
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq="MS").fit(pd.concat([df, df[[column]]], axis=1))
    p = _problem(err)
    assert (p.table, p.column, p.message) == ("forecast input", column, "the column is given twice; keep one")


def test_text_in_y_names_the_row_labels():
    # the message gave pandas' position ("at position 3"), not the row
    df = _monthly()
    df.index += 1000
    df["y"] = df["y"].astype(object)
    df.loc[[1003, 1010], "y"] = ["n/a", pd.Timestamp("2020-01-01")]
    df.loc[1005, "y"] = None  # missing: filled, not refused
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq="MS").fit(df)
    p = _problem(err)
    assert (p.table, p.column) == ("forecast input", "y") and "not numbers" in p.message
    assert list(p.rows) == [1003, 1010] and p.n_rows == 2 and p.value == "n/a"


def test_text_in_an_exogenous_column_names_the_rows():
    df = _with_exog(lambda n: np.arange(n, dtype=float) % 5)
    df["x"] = df["x"].astype(object)
    df.loc[7, "x"] = "-"
    fc = Forecaster([CountRegression(exog=["x"])], freq="MS")
    with pytest.raises(ValidationError) as err:
        fc.fit(df)
    assert (_problem(err).column, list(_problem(err).rows), _problem(err).value) == ("x", [7], "-")
    fc.fit(df.assign(x=np.arange(len(df), dtype=float) % 5))
    with pytest.raises(ValidationError) as err:
        fc.predict(3, X_df=_future(np.array([1.0, "unknown", 2.0], dtype=object)))
    p = _problem(err)
    assert (p.table, p.column, list(p.rows), p.value) == ("X_df", "x", [1], "unknown")


def test_dates_off_the_grid_show_their_time_of_day():
    # UTC midnights read in London time are 01:00 in summer: printed as 2020-04-01 they looked on the grid
    df = _monthly()
    df["ds"] = df["ds"].dt.tz_localize("UTC").dt.tz_convert("Europe/London")
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq="MS").fit(df)
    p = _problem(err)
    assert "not on the 'MS' grid: 2020-04-01T01:00:00," in p.message and p.value == "2020-04-01T01:00:00"


# -- CountRegression's notes ----------------------------------------------------------------
def test_count_regression_says_bounds_at_the_cap_are_not_meaningful():
    # values about 2e-5 (no counts: the model's own bounds are shown) gave an upper bound of 1e13,
    # noted as "may be understated"
    df = _monthly().assign(y=lambda d: d["y"] * 1e-6)
    f = Forecaster([CountRegression()], freq="MS")
    out = f.forecast(df=df, h=1, level=[80])
    assert out["CountRegression-hi-80"].iloc[0] > 1e12
    method = f.fallbacks_["method"].iloc[0]
    assert "understated" not in method
    assert "upper bounds above 1e+12 on 1 periods reach the cap" in method and "not meaningful" in method


def test_count_regression_does_not_describe_bounds_it_does_not_show():
    # a population rising in step with the trend: the model's own bounds reach the cap, the count
    # interval shown is [3, 58]; the note described the hidden bounds as if shown
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=36, freq="MS"),
                       "y": rng.poisson(20, 36).astype(float), "pop": np.linspace(1000, 1100, 36)})
    X_df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2023-01-01", periods=3, freq="MS"), "pop": 1300.0})
    f = Forecaster([CountRegression(exog=["pop"])], freq="MS")
    out = f.forecast(df=df, h=3, X_df=X_df, level=[80])
    assert (out["CountRegression-hi-80"] < 1e12).all()
    method = f.fallbacks_["method"].iloc[0]
    assert "its own upper bounds above 1e+12 on 3 periods reached the cap" in method
    assert "count bounds are shown instead" in method
    assert "understated" not in method and "not meaningful" not in method


def test_no_cap_warning_from_the_backtests_alone(caplog):
    # the backtests of this series reach the cap, the final fit does not: the warning pointed to an
    # empty fallbacks_
    y = np.zeros(36)
    y[[7, 11, 29, 31, 34]] = 1.0
    df = pd.DataFrame({"unique_id": "s31", "ds": pd.date_range("2020-01-01", periods=36, freq="MS"), "y": y})
    f = Forecaster([CountRegression()], freq="MS")
    with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"):
        f.forecast(df=df, h=12, level=[95])
    assert f.fallbacks_.empty
    assert "reached its cap" not in caplog.text


# -- reconcile ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tree():
    rng = np.random.default_rng(0)
    ds = pd.date_range("2020-01-01", periods=24, freq="MS")
    bottom = pd.DataFrame({"top": "T", "leaf": np.repeat(["x", "y"], 24), "ds": np.tile(ds, 2),
                           "y": rng.poisson(10, 48).astype(float)})
    Y, S, _ = aggregate(bottom, [["top"], ["top", "leaf"]])
    f = Forecaster([Naive()], freq="MS", interval="model")
    fc = f.forecast(df=Y, h=2, level=[80], fitted=True)
    return S, fc, f.forecast_fitted_values()


def test_reconcile_refuses_a_model_given_twice(tree):
    # the repeated model was left out (incoherent) without a word
    S, fc, _ = tree
    for extra in ("Naive", "Naive-lo-80"):
        with pytest.raises(ValidationError) as err:
            reconcile(pd.concat([fc, fc[[extra]]], axis=1), S, "mint_ols")
        p = _problem(err)
        assert (p.table, p.column, p.message) == ("forecasts", extra, "the column is given twice; keep one")


def test_reconcile_refuses_a_column_of_S_or_insample_given_twice(tree):
    S, fc, insample = tree
    with pytest.raises(ValidationError) as err:
        reconcile(fc, pd.concat([S, S[["T/x"]]], axis=1), "mint_ols")
    assert (_problem(err).table, _problem(err).column) == ("S", "T/x")
    with pytest.raises(ValidationError) as err:
        reconcile(fc, S, "mint_shrink", insample=pd.concat([insample, insample[["y"]]], axis=1))
    assert (_problem(err).table, _problem(err).column) == ("insample", "y")
    with pytest.raises(ValidationError, match="insample must be a DataFrame"):
        reconcile(fc, S, "mint_shrink", insample=insample.to_dict())


def test_an_entry_of_S_that_is_no_number_is_named(tree):
    # "S holds missing or infinite values", with no row or column, and text is neither
    S, fc, _ = tree
    bad = S.astype({"T/x": object})
    bad.loc[0, "T/x"] = "one"
    bad.loc[1, "T/y"] = np.nan
    with pytest.raises(ValidationError) as err:
        reconcile(fc, bad, "mint_ols")
    text, missing = err.value.problems
    assert (text.column, list(text.rows), text.value) == ("T/x", ["T"], "one") and "not a number" in text.message
    assert (missing.column, list(missing.rows)) == ("T/y", ["T/x"]) and "missing" in missing.message


def test_reconciled_bounds_of_0_are_not_negative_zero(tree):
    # np.ceil(0 - 1e-7) is -0.0, printed as "-0.0" in a CSV
    S, _, _ = tree
    ds = pd.date_range("2022-01-01", periods=2, freq="MS")
    fc = pd.DataFrame({"unique_id": np.repeat(["T", "T/x", "T/y"], 2), "ds": np.tile(ds, 3),
                       "M": np.repeat([10.2, 0.2, 10.0], 2), "M-lo-80": np.repeat([6.0, 0.0, 6.0], 2),
                       "M-hi-80": np.repeat([15.0, 0.0, 14.0], 2)})
    out = reconcile(fc, S, "bottom_up", level=[80])
    assert not np.signbit(out[["M-lo-80", "M-hi-80"]].to_numpy()).any()


# -- Dask input: series with no value are excluded and listed, as for pandas ------------------
def _with_empty_series():
    return pd.concat([_monthly(uid="a"), _monthly(uid="b").assign(y=np.nan), _monthly(uid="c", seed=1)],
                     ignore_index=True)


@pytest.mark.parametrize("npartitions", [1, 3])
def test_dask_lists_the_series_with_no_value_as_pandas_does(npartitions):
    # b disappeared with excluded_ None; in a partition of its own it failed the whole run with
    # "no series with any non-missing y value"
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    df = _with_empty_series()
    here = Forecaster([Naive()], freq="MS")
    expected = here.forecast(df=df, h=2, level=[80])
    ddf = dd.from_pandas(df.set_index("unique_id"), npartitions=npartitions, sort=True).reset_index()
    there = Forecaster([Naive()], freq="MS")
    with dask.config.set(scheduler="synchronous"):
        out = there.forecast(df=ddf, h=2, level=[80])
    pd.testing.assert_frame_equal(out[expected.columns], expected)
    pd.testing.assert_frame_equal(there.excluded_, here.excluded_)
    assert list(there.excluded_["unique_id"]) == ["b"]


def test_dask_with_no_value_in_any_series_is_refused():
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    df = _with_empty_series().assign(y=np.nan)
    ddf = dd.from_pandas(df.set_index("unique_id"), npartitions=3, sort=True).reset_index()
    f = Forecaster([Naive()], freq="MS")
    with dask.config.set(scheduler="synchronous"), \
            pytest.raises(ValidationError, match=r"forecast input\.y: no series with any non-missing y value"):
        f.forecast(df=ddf, h=2)
    assert list(f.excluded_["unique_id"]) == ["a", "b", "c"]


def test_a_forecast_far_beyond_the_series_usual_level_is_flagged():
    # one spike of 1e6 in about 200 a month: the models take it as level or trend
    y = np.array([188, 211, 201, 194, 181, 197, 200, 198, 219, 195, 207, 186, 197, 1e6, 221, 200, 194, 188, 205, 213.])
    frame = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=20, freq="MS"), "y": y})
    calm = frame.assign(unique_id="b", y=np.where(y > 1e5, 199.0, y))
    f = Forecaster([AutoETS(), Naive()], freq="MS")
    f.forecast(df=pd.concat([frame, calm]), h=6, level=[80])
    flagged = f.fallbacks_[f.fallbacks_["method"].str.contains("usual level")]
    assert set(flagged["unique_id"]) == {"a"} and "AutoETS" in set(flagged["model"])


def test_series_ids_that_read_alike_as_text_are_refused():
    """1 and "1" are two series to pandas but one in any file, plot or accuracy table."""
    from earlyhelp.forecast import Forecaster, SeasonalNaive

    dates = pd.date_range("2019-01-01", periods=30, freq="MS")
    df = pd.concat([pd.DataFrame({"unique_id": uid, "ds": dates, "y": 5.0}) for uid in (1, "1", "2")],
                   ignore_index=True)
    with pytest.raises(ValidationError) as err:
        Forecaster([SeasonalNaive()], freq="MS", season_length=12).forecast(h=3, df=df)
    problem = err.value.problems[0]
    assert problem.column == "unique_id" and problem.n_rows == 60 and "1, '1'" in problem.message
