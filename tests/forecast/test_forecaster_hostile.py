"""Forecaster on hostile input: huge values, a wrong frequency, non-finite exogenous values,
stale state, bad arguments, failing Python models, one-point series. Each raises a
ValidationError naming where the problem is, or is reported; none hangs or loses data silently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import TSB, AutoETS, CountRegression, Forecaster, Naive, Theta
from earlyhelp.forecast.forecaster import MAX_Y, ModelError


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
    fc = Forecaster([Naive()], freq="MS").fit(df)
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
