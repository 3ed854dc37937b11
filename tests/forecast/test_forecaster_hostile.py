"""Forecaster on hostile input: huge values, a wrong frequency, non-finite exogenous values,
stale state, bad arguments, failing Python models, one-point series. Each raises a
ValidationError naming where the problem is, or is reported; none hangs or loses data silently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import TSB, AutoETS, CountRegression, Forecaster, Naive, Theta
from earlyhelp.forecast.forecaster import MAX_EXOG, MAX_Y, ModelError


def _monthly(n=36, uid="A", start="2019-01-01", seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq="MS"),
                         "y": rng.poisson(20, n).astype(float)})


def _with_pop(df):
    return df.assign(pop=np.linspace(1000.0, 1200.0, len(df)))


# -- 1. huge y --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [1e300, 1e20, MAX_Y * 2])
def test_huge_y_is_rejected_naming_series_date_and_row(value):
    df = pd.concat([_monthly(uid="A"), _monthly(uid="B", seed=1)], ignore_index=True)
    df.loc[40, "y"] = value  # B, 2019-05-01
    with pytest.raises(ValidationError, match=r"'B' has values larger than 1e\+12.*2019-05-01.*rows 40") as err:
        Forecaster([Naive()], freq="MS").fit(df)
    assert err.value.problems[0].column == "y"
    with pytest.raises(ValidationError, match="larger than"):
        Forecaster([Naive()], freq="MS").cross_validation(df, h=2)
    df.loc[40, "y"] = MAX_Y  # the limit itself is accepted
    Forecaster([Naive()], freq="MS").fit(df)


def test_huge_negative_y_rejected_with_allow_negative():
    df = _monthly()
    df.loc[3, "y"] = -1e300
    with pytest.raises(ValidationError, match="larger than"):
        Forecaster([Naive()], freq="MS", allow_negative=True).fit(df)


# -- 2. wrong freq ----------------------------------------------------------------------------
def test_freq_none_is_rejected():
    with pytest.raises(ValidationError, match="freq is required"):
        Forecaster([Naive()], freq=None)


def test_daily_freq_on_monthly_data_suggests_the_frequency():
    df = pd.concat([_monthly(uid="A"), _monthly(uid="B", seed=1)], ignore_index=True)
    with pytest.raises(ValidationError, match=r"series 'A' has rows for only 36 of its 1066 periods on the "
                                              r"'D' grid; its dates look like frequency 'MS'") as err:
        Forecaster([Naive()], freq="D").fit(df)
    assert {p.column for p in err.value.problems} == {"ds"} and len(err.value.problems) == 2


def test_suggesting_a_frequency_warns_nothing():
    """pandas 3 warns that infer_freq will return an offset; the suggestion reads either, quietly."""
    import warnings

    df = pd.concat([_monthly(uid="A"), _monthly(uid="B", seed=1)], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationError, match="look like frequency 'MS'"):
            Forecaster([Naive()], freq="D").fit(df)


def test_daily_freq_on_monthly_data_with_gaps_still_caught():
    # no series alone is regular, but together the dates are monthly
    a, b = _monthly(uid="A"), _monthly(uid="B", seed=1)
    df = pd.concat([a.drop(index=[5, 20]), b.drop(index=[7])], ignore_index=True)
    with pytest.raises(ValidationError, match="look like frequency 'MS'"):
        Forecaster([Naive()], freq="D").fit(df)


def test_a_few_missing_periods_are_still_filled_and_reported():
    df = _monthly().drop(index=[4, 9])
    fc = Forecaster([Naive()], freq="MS").fit(df)
    assert fc.report_["n_missing_filled"].iloc[0] == 2


def test_intermittent_counts_on_the_right_grid_are_filled_and_reported():
    # a series with rows only when something happened: most months absent, the other series regular
    sparse = _monthly(uid="S").iloc[[0, 5, 13, 30, 35]]
    df = pd.concat([_monthly(uid="A"), sparse], ignore_index=True)
    fc = Forecaster([Naive()], freq="MS").fit(df)
    rep = fc.report_.set_index("unique_id")
    assert rep.loc["S", "n_missing_filled"] == 31


# -- 3. exogenous values ----------------------------------------------------------------------
@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_training_exog_is_rejected(value):
    df = pd.concat([_with_pop(_monthly(uid="A")), _with_pop(_monthly(uid="B", seed=1))], ignore_index=True)
    df.loc[45, "pop"] = value  # B, 2019-10-01
    with pytest.raises(ValidationError, match=r"series 'B' has missing or infinite exogenous values on "
                                              r"2019-10-01.*rows 45") as err:
        Forecaster([CountRegression(exog=["pop"])], freq="MS").fit(df)
    assert err.value.problems[0].column == "pop"


def _future(df, h=3):
    last = df.groupby("unique_id")["ds"].max()
    return pd.concat([pd.DataFrame({"unique_id": u, "ds": pd.date_range(d, periods=h + 1, freq="MS")[1:],
                                    "pop": 1300.0}) for u, d in last.items()], ignore_index=True)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_future_exog_is_rejected(value):
    df = _with_pop(_monthly())
    fc = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").fit(df)
    X_df = _future(df)
    X_df.loc[1, "pop"] = value
    with pytest.raises(ValidationError, match=r"X_df.pop: series 'A' has missing or infinite future exogenous "
                                              r"values on 2022-02-01"):
        fc.predict(3, X_df=X_df)


def test_conflicting_duplicate_future_exog_rows_raise():
    df = _with_pop(_monthly())
    fc = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").fit(df)
    X_df = _future(df)
    same = pd.concat([X_df, X_df.iloc[[0]]], ignore_index=True)
    fc.predict(3, X_df=same)  # an exact repeat is harmless
    clash = pd.concat([X_df, X_df.iloc[[0]].assign(pop=5.0)], ignore_index=True)
    with pytest.raises(ValidationError, match=r"repeat a series and date with different.*A 2022-01-01"):
        fc.predict(3, X_df=clash)


# -- 4. stale state ---------------------------------------------------------------------------
def test_refit_resets_model_summary_and_failed_fit_leaves_nothing():
    fc = Forecaster([Naive()], freq="MS", interval="model")
    fc.fit(_monthly(uid="OLD")).predict(2)
    assert set(fc.model_summary()["unique_id"]) == {"OLD"}
    fc.fit(_monthly(uid="NEW"))
    with pytest.raises(ValidationError, match="call predict or forecast first"):
        fc.model_summary()
    fc.predict(2)
    assert set(fc.model_summary()["unique_id"]) == {"NEW"}
    bad = _monthly(uid="BAD")
    bad.loc[2, "y"] = -1.0
    with pytest.raises(ValidationError):
        fc.fit(bad)
    with pytest.raises(ValidationError, match="call fit"):
        fc.predict(2)  # not the previous data's forecast


# -- 5. bools and non-integers ----------------------------------------------------------------
def test_bool_levels_and_non_integer_steps_are_rejected():
    df = _monthly()
    fc = Forecaster([Naive()], freq="MS").fit(df)
    with pytest.raises(ValidationError, match="levels"):
        fc.predict(2, level=[True])
    with pytest.raises(ValidationError, match="step_size must be a positive integer"):
        fc.cross_validation(df, h=2, n_windows=2, step_size=1.7)
    with pytest.raises(ValidationError, match="step_size"):
        fc.cross_validation(df, h=2, n_windows=2, step_size=True)
    with pytest.raises(ValidationError, match="n_windows"):
        fc.cross_validation(df, h=2, n_windows=True)
    with pytest.raises(ValidationError, match="interval_windows"):
        Forecaster([Naive()], freq="MS", interval_windows=True)
    with pytest.raises(ValidationError, match="season_length"):
        Forecaster([Naive()], freq="MS", season_length=True)


# -- 6. Python models that fail -----------------------------------------------------------------
class _Raises:
    alias = "Broken"

    def fit(self, y, X=None):
        raise RuntimeError("cannot fit")

    def predict(self, h, X=None, level=None):  # pragma: no cover - never reached
        return {"mean": np.zeros(h)}


class _NoMean:
    alias = "NoMean"

    def fit(self, y, X=None):
        return self

    def predict(self, h, X=None, level=None):
        return {"forecast": np.zeros(h)}


class _Short:
    alias = "Short"

    def fit(self, y, X=None):
        return self

    def predict(self, h, X=None, level=None):
        return {"mean": np.zeros(1)}


@pytest.mark.parametrize("model, text", [(_Raises(), "RuntimeError: cannot fit"),
                                         (_NoMean(), "without a 'mean'"),
                                         (_Short(), "'mean' has 1 values, 3 were asked for")])
def test_python_model_failure_names_model_and_series(model, text):
    df = pd.concat([_monthly(uid="A"), _monthly(uid="B", seed=1)], ignore_index=True)
    with pytest.raises(ModelError, match=rf"Python model '{model.alias}' failed on series 'A': .*{text}"):
        Forecaster([Naive(), model], freq="MS").fit(df).predict(3)
    assert issubclass(ModelError, ValidationError)


# -- 8. a one-point series: NaN intervals, said why -----------------------------------------------
def test_one_point_series_report_says_why_intervals_are_missing():
    df = pd.concat([_monthly(uid="A"), _monthly(n=1, uid="ONE")], ignore_index=True)
    fc = Forecaster([Naive()], freq="MS", origin="series").fit(df)
    out = fc.predict(2, level=[80])
    assert out.loc[out.unique_id == "ONE", "Naive-lo-80"].isna().all()
    rep = fc.report_.set_index("unique_id")
    assert "one observation" in rep.loc["ONE", "note"] and rep.loc["A", "note"] == ""


# -- model settings: refused when made, never cut or read as something else ---------------------
@pytest.mark.parametrize("make, text", [
    (lambda: CountRegression(seed=2.5), "seed must be a whole number"),          # was cut to 2
    (lambda: CountRegression(seed=-1), "seed must be a whole number"),           # was a pybind11 TypeError
    (lambda: AutoETS(seed=None), "seed must be a whole number"),
    (lambda: Theta(seed=True), "seed must be a whole number"),
    (lambda: CountRegression(n_sim=150.7), "n_sim must be a whole number"),      # was cut to 150
    (lambda: CountRegression(n_sim=10 ** 9), "n_sim must be a whole number"),    # ran out of memory
    (lambda: AutoETS(n_sim="abc"), "n_sim must be a whole number"),
    (lambda: Theta(optimized="no"), "optimized must be True or False"),          # bool("no") is True
    (lambda: AutoETS(damped="no"), "damped must be True, False or None"),
    (lambda: CountRegression(exog=["pop", "pop"]), "exog names 'pop' more than once"),
    (lambda: CountRegression(exog=[3]), "exog must be a list of column names"),
    (lambda: CountRegression(exog=[]), "exog must be a list of column names"),
    (lambda: Naive(alias=3), "alias must be a non-empty string"),
    (lambda: TSB(alpha_d="0.1"), "alpha_d must be a number in"),
    (lambda: TSB(alpha_p=float("nan")), "alpha_p must be a number in"),
])
def test_bad_model_settings_are_refused_when_made(make, text):
    with pytest.raises(ValueError, match=text):
        make()


def test_one_exog_name_is_one_column():
    """``exog="pop"`` is the column pop, not the columns p, o, p."""
    df = _with_pop(_monthly())
    future = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2022-01-01", periods=3, freq="MS"),
                           "pop": 1200.0})
    one = Forecaster([CountRegression(exog="pop")], freq="MS").forecast(df=df, h=3, X_df=future)
    listed = Forecaster([CountRegression(exog=["pop"])], freq="MS").forecast(df=df, h=3, X_df=future)
    pd.testing.assert_frame_equal(one, listed)


# -- 8. CountRegression: exogenous values it cannot use, and its cap ---------------------------
@pytest.mark.parametrize("value", [1e300, -1e300, MAX_EXOG * 2])
def test_huge_training_exog_is_rejected_naming_column_and_row(value):
    # before: 1e300 overflowed the core's standardisation of the column, which then held only
    # zeros: the population's effect was dropped without a word
    df = pd.concat([_with_pop(_monthly(uid="A")), _with_pop(_monthly(uid="B", seed=1))], ignore_index=True)
    df.loc[45, "pop"] = value  # B, 2019-10-01
    with pytest.raises(ValidationError, match=r"forecast input\.pop: series 'B' has exogenous values larger than "
                                              r"1e\+12.*2019-10-01 \(rows 45\)") as err:
        Forecaster([CountRegression(exog=["pop"])], freq="MS").fit(df)
    assert err.value.problems[0].column == "pop"
    df.loc[45, "pop"] = MAX_EXOG  # the limit itself is accepted
    Forecaster([CountRegression(exog=["pop"])], freq="MS").fit(df)


def test_huge_future_exog_is_rejected_naming_column_and_row():
    # before: the forecast of that month was the cap exp(30) = 1.07e13, unreported
    df = _with_pop(_monthly())
    fc = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").fit(df)
    X_df = _future(df)
    X_df.loc[1, "pop"] = 1e300
    with pytest.raises(ValidationError, match=r"X_df\.pop: series 'A' has future exogenous values larger than "
                                              r"1e\+12.*2022-02-01 \(rows A 2022-02-01\)"):
        fc.predict(3, X_df=X_df)


@pytest.mark.parametrize("constant", [0.1, 1 / 3, 1000.0])
def test_exog_constant_over_the_history_is_reported_not_exploded(constant):
    # a constant has no effect to estimate; before, 0.1 (not exact in binary) left a rounding spread
    # of 1e-17 in the core's standardisation, and a future 0.11 sent the forecast to 1.07e13
    df = _monthly().assign(rate=constant)
    future = _future(df).drop(columns="pop").assign(rate=constant * 1.1)
    fc = Forecaster([CountRegression(exog=["rate"], n_sim=200)], freq="MS", interval="model")
    out = fc.fit(df).predict(3, level=[80], X_df=future)
    plain = Forecaster([CountRegression(n_sim=200)], freq="MS", interval="model").fit(df).predict(3, level=[80])
    np.testing.assert_allclose(out["CountRegression"], plain["CountRegression"], rtol=1e-6)
    method = fc.fallbacks_.set_index("unique_id").loc["A", "method"]
    assert "exog 'rate' constant over the history: no effect estimated" in method


def test_count_regression_cap_is_reported():
    # counts doubling every 18 months, forecast 10 years on: before, the mean stopped at exp(30) unreported
    df = _monthly(60).assign(y=np.round(2.0 ** (np.arange(60) / 1.5)))
    fc = Forecaster([CountRegression(n_sim=200)], freq="MS", interval="model")
    out = fc.fit(df).predict(120, level=[80])
    assert out["CountRegression"].max() == pytest.approx(np.exp(30.0))
    method = fc.fallbacks_.set_index("unique_id").loc["A", "method"]
    assert "mean capped at exp(30)" in method and "upper bounds above 1e+12" in method
    calm = Forecaster([CountRegression(n_sim=200)], freq="MS", interval="model").fit(_monthly())
    calm.predict(12, level=[80])
    assert calm.fallbacks_.empty


# -- 9. time zones, and other bad X_df -----------------------------------------------------------
def _zoned(df, tz="Europe/London"):
    return df.assign(ds=df["ds"].dt.tz_localize(tz))


@pytest.mark.parametrize("train_tz,future_tz", [(None, "Europe/London"), ("Europe/London", None),
                                                ("UTC", "Europe/London")])
def test_time_zones_of_df_and_X_df_are_read_as_written(train_tz, future_tz):
    # before: pandas refused to merge a zoned ds with a naive one (a raw ValueError)
    df = _with_pop(_monthly())
    X_df = _future(df)
    expected = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").forecast(df=df, h=3, X_df=X_df,
                                                                                         level=[80])
    out = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").forecast(
        df=df if train_tz is None else _zoned(df, train_tz), h=3,
        X_df=X_df if future_tz is None else _zoned(X_df, future_tz), level=[80])
    pd.testing.assert_frame_equal(out, expected)


def test_ds_of_mixed_time_zones_is_read_as_written():
    df = _with_pop(_monthly())
    X_df = _future(df)
    mixed = X_df.assign(ds=[f"{d:%Y-%m-%d}T00:00:00+0{i % 2}:00" for i, d in enumerate(X_df["ds"])])
    fc = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").fit(df)
    pd.testing.assert_frame_equal(fc.predict(3, X_df=mixed), fc.predict(3, X_df=X_df))


@pytest.mark.parametrize("bad,text", [
    (lambda X: X.to_dict(), r"X_df: X_df must be a pandas DataFrame"),
    (lambda X: pd.concat([X, X[["pop"]]], axis=1), r"X_df\.pop: the column is given twice"),
    (lambda X: X.assign(pop=X["pop"] + 1j), r"X_df\.pop: pop must be real numbers, not complex"),
    (lambda X: X.assign(pop=pd.Series([10 ** 400] * len(X), dtype=object)), r"X_df\.pop: pop must be numeric"),
    (lambda X: X.assign(ds="soon"), r"X_df\.ds: must be dates.*rows 0, 1, 2"),
])
def test_bad_X_df_is_a_validation_error(bad, text):
    # before: AttributeError, a silent loss of the imaginary part (a ComplexWarning), OverflowError
    df = _with_pop(_monthly())
    fc = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").fit(df)
    with pytest.raises(ValidationError, match=text):
        fc.predict(3, X_df=bad(_future(df)))


def test_X_df_ids_match_as_text():
    # before: ids read as numbers in df and as text in X_df made pandas refuse the merge (ValueError)
    df = _with_pop(_monthly()).assign(unique_id=7)
    X_df = _future(df).assign(unique_id="7")
    out = Forecaster([CountRegression(exog=["pop"], n_sim=200)], freq="MS").forecast(df=df, h=3, X_df=X_df)
    assert (out["unique_id"] == 7).all() and out["CountRegression"].notna().all()


@pytest.mark.parametrize("column,value", [("y", 1 + 1j), ("pop", 1 + 1j), ("y", 10 ** 400)])
def test_complex_or_overflowing_training_values_are_errors(column, value):
    df = _with_pop(_monthly())
    df[column] = df[column].astype(object)
    df.loc[3, column] = value
    with pytest.raises(ValidationError, match=rf"forecast input\.{column}: {column} must be"):
        Forecaster([CountRegression(exog=["pop"])], freq="MS").fit(df)


def test_fitted_must_be_a_flag():
    # before: the core's binding refused "yes" with a raw TypeError
    fc = Forecaster([Naive()], freq="MS").fit(_monthly())
    with pytest.raises(ValidationError, match=r"Forecaster\.fitted: fitted must be True or False"):
        fc.predict(3, fitted="yes")
