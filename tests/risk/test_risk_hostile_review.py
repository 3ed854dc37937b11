"""Odd and bad input to earlyhelp.risk: a clear error naming where the problem is, or the
right answer; never a deep TypeError, a misleading message or a silently wrong result."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from earlyhelp import ValidationError
from earlyhelp.risk import (IsotonicCalibrator, LogisticRiskModel, NeedThresholds, PlattCalibrator,
                            PoissonRiskModel, auc_difference, build_features, evaluate, fairness_audit,
                            model_card, need_profile, predict_risk, reliability_table, score_metrics)

END = "2024-12-31"




# -- models: columns ------------------------------------------------------------------------

@pytest.mark.parametrize("column", [["a", "b"] * 100, pd.Categorical(["u", "v"] * 100)])
def test_text_column_is_named_at_fit_and_predict(data, column):
    X, y = data
    bad = X.assign(locality=column)
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel().fit(bad, y)
    problem = err.value.problems[0]
    assert problem.table == "X" and problem.column == "locality" and list(problem.rows)[:2] == ["F0", "F1"]
    model = LogisticRiskModel().fit(X.assign(locality=1.0), y)
    with pytest.raises(ValidationError, match="locality"):
        model.predict_proba(bad)


def test_numbers_stored_as_objects_still_fit(data):
    X, y = data
    as_objects = X.assign(extra=pd.Series(np.arange(200.0), index=X.index, dtype=object))
    model = LogisticRiskModel().fit(as_objects, y)
    assert np.all(np.isfinite(model.coef_))


def test_duplicated_column_names_are_named(data):
    X, y = data
    dup = X.set_axis(["needs", "needs", "age"], axis=1)
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel().fit(dup, y)
    assert err.value.problems[0].column == "needs" and "duplicated" in str(err.value)


# -- models: scales and parameters -----------------------------------------------------------

def test_penalised_breakdown_names_the_extreme_column_not_a_missing_penalty(data):
    X, y = data
    huge = X.assign(prior_requests=X["prior_requests"] * 1e50)
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel(C=1.0).fit(huge, y)
    text = str(err.value)
    assert err.value.problems[0].column == "prior_requests" and "extreme scales" in text
    assert "no penalty" not in text


def test_weights_whose_sum_overflows_are_blamed_on_the_weights(data):
    X, y = data
    w = np.full(len(y), 1e308)
    for model in (LogisticRiskModel(), PoissonRiskModel()):
        with pytest.raises(ValidationError) as err:
            model.fit(X, y + 1, sample_weight=w)
        assert err.value.problems[0].table == "sample_weight"


@pytest.mark.parametrize("model", [LogisticRiskModel(C=5e-324), PoissonRiskModel(alpha=1e308)])
def test_penalty_too_strong_to_represent_is_a_parameter_error(data, model):
    X, y = data
    with pytest.raises(ValidationError) as err:
        model.fit(X, y + 1)
    assert err.value.problems[0].table == "parameters"


@pytest.mark.parametrize("params", [{"C": "1"}, {"tol": np.inf}, {"max_iter": 2 ** 40}, {"max_iter": True},
                                    {"n_jobs": 1.5}, {"n_jobs": "2"}])
def test_bad_parameter_values_raise_validation_errors(data, params):
    X, y = data
    with pytest.raises(ValidationError, match="parameters"):
        LogisticRiskModel(**params).fit(X, y)


def test_more_jobs_than_the_core_can_count_still_fit(data):
    X, y = data
    model = LogisticRiskModel(n_jobs=10 ** 12).fit(X, y)
    assert np.allclose(model.coef_, LogisticRiskModel().fit(X, y).coef_)


def test_effects_level_must_be_a_number(data):
    X, y = data
    with pytest.raises(ValidationError, match="level"):
        LogisticRiskModel().fit(X, y).effects(level="0.9")


def test_poisson_text_counts(data):
    X, y = data
    with pytest.raises(ValidationError, match="counts must be numbers"):
        PoissonRiskModel().fit(X, np.where(y == 1, "two", "one"))


# -- evaluate --------------------------------------------------------------------------------

def test_evaluate_a_pipeline_with_a_categorical_column(data):
    X, y = data
    X = X.assign(locality=np.where(np.arange(len(X)) % 3 == 0, "L1", "L2"))
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["locality"]),
                                                 remainder="passthrough"), LogisticRiskModel()).fit(X, y)
    m = evaluate(pipe, X, y)
    assert m["auc"] == pytest.approx(metrics.roc_auc_score(y, pipe.predict_proba(X)[:, 1]), rel=1e-12)
    bad = X.copy()
    bad.iloc[4, 1] = np.inf
    with pytest.raises(ValidationError) as err:
        evaluate(pipe, bad, y)
    assert err.value.problems[0].column == "needs"


def test_two_column_probabilities_are_refused_clearly():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=50)
    y = (rng.uniform(size=50) < p).astype(int)
    with pytest.raises(ValueError, match=r"predict_proba\(X\)\[:, 1\]"):
        score_metrics(y, np.column_stack([1 - p, p]))


def test_classes_one_and_two_are_not_scored_upside_down(data):
    X, y = data
    model = LogisticRiskModel().fit(X, y + 1)
    with pytest.raises(ValueError, match="ambiguous"):
        evaluate(model, X, y)
    # labels whose positive class is clear still work
    for labels in (2 * y - 1, y.astype(bool), np.where(y == 1, "yes", "no")):
        fitted = LogisticRiskModel().fit(X, labels)
        assert predict_risk(fitted, X) == pytest.approx(LogisticRiskModel().fit(X, y).predict_proba(X)[:, 1])


def test_auc_difference_level_must_be_a_number():
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(20), np.ones(20)]
    with pytest.raises(ValueError, match="level"):
        auc_difference(y, rng.uniform(size=40), rng.uniform(size=40), level="0.9")


# -- calibration -----------------------------------------------------------------------------

def test_calibration_of_no_rows():
    for fit in (IsotonicCalibrator().fit, PlattCalibrator().fit):
        with pytest.raises(ValidationError) as err:
            fit([], [])
        assert err.value.problems[0].table == "p"
    for strategy in ("uniform", "quantile"):
        with pytest.raises(ValidationError, match="no rows"):
            reliability_table([], [], strategy=strategy)


@pytest.mark.parametrize("eps", [0.7, 0.5, 0.0, -1.0, "small"])
def test_platt_eps_outside_zero_to_half(eps):
    p = np.linspace(0.05, 0.95, 20)
    y = (np.arange(20) % 3 == 0).astype(int)
    with pytest.raises(ValidationError, match="eps"):
        PlattCalibrator(eps=eps).fit(p, y)


# -- fairness --------------------------------------------------------------------------------

def test_fairness_reference_given_as_a_number():
    rng = np.random.default_rng(2)
    n = 300
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    groups = pd.DataFrame({"locality": rng.integers(0, 3, n)})
    audit = fairness_audit(y, p, groups, reference={"locality": 1})
    assert audit.loc[audit["is_reference"], "group"].tolist() == ["1"]
    with pytest.raises(ValidationError) as err:
        fairness_audit(y, p, pd.DataFrame(np.c_[groups, groups], columns=["a", "a"]))
    assert err.value.problems[0].column == "groups"


# -- features and needs ----------------------------------------------------------------------

def test_extra_feature_column_names_must_be_new(needs_ds):
    def clash_with_built_in(snap, at, rows):
        return pd.DataFrame({"family_id": rows["family_id"], "n_needs": 1.0})

    def mine(snap, at, rows):
        return pd.DataFrame({"family_id": rows["family_id"], "mine": 1.0})

    with pytest.raises(ValidationError, match="n_needs"):
        build_features(needs_ds, "2023-07-01", extra=[clash_with_built_in], data_end=END)
    with pytest.raises(ValidationError, match="mine"):
        build_features(needs_ds, "2023-07-01", extra=[mine, mine], data_end=END)


def test_cut_off_dates(needs_ds):
    with pytest.raises(ValueError, match="more than once"):
        build_features(needs_ds, ["2023-07-01", "2023-07-01"], data_end=END)
    with pytest.raises(ValueError, match="time zone"):
        build_features(needs_ds, pd.Timestamp("2023-07-01", tz="UTC"), data_end=END)
    dates = ["2023-07-01", "2024-03-01"]
    expected = build_features(needs_ds, dates, data_end=END)
    for given in (pd.DatetimeIndex(dates), pd.Series(pd.to_datetime(dates)), np.array(dates, dtype="datetime64[D]")):
        got = build_features(needs_ds, given, data_end=END)
        pd.testing.assert_frame_equal(got.X, expected.X)


def test_backtest_with_more_cut_offs_than_days_trains_on_each_date_once():
    from earlyhelp.risk import backtest
    from earlyhelp.risk.evaluate import _data_start
    from earlyhelp.synthetic import council

    ds = council("coventry", years=2, scale=0.3, seed=0)
    start = _data_start(ds)
    test_at = start + pd.Timedelta(days=366)
    # half-day steps from two days after the start: the dates start, start + 1, start + 2
    bt = backtest(ds, LogisticRiskModel(), years=[test_at], train_years=1, cutoffs_per_year=730,
                  features={"horizon_days": 364})
    once = build_features(ds, list(pd.date_range(start, periods=3)), data_end=test_at, horizon_days=364)
    assert bt["n_train"].iloc[0] == len(once)


@pytest.mark.parametrize("settings", [
    {"levels": {0: 1, 2: 2.7}},                                                   # 2.7 is not a level
    {"levels": pd.DataFrame({"minimum": [0, 1, 1], "level": [1, 2, 3]})},        # minimum 1 twice
    {"weights": {"health": "high"}},
    {"lookback_days": True},
    {"levels": {0: 1, "2": 2}},                                                   # a string is not a minimum
    {"levels": {0: 1, 2: True}},                                                  # nor is True level 1
    {"weights": {"health": 10 ** 400}},                                           # beyond a float
])
def test_thresholds_that_would_be_read_wrongly(settings):
    with pytest.raises(ValidationError):
        NeedThresholds(**settings).checked()


@pytest.mark.parametrize("at", [None, pd.Timestamp("2024-01-01", tz="UTC")])
def test_need_profile_date(needs_ds, at):
    with pytest.raises(ValueError, match=r"need_profile\.at: must be a date"):  # a ValidationError
        need_profile(needs_ds, at)


# -- model card ------------------------------------------------------------------------------

def test_model_card_single_feature_name_and_missing_period(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    text = model_card(None, model, None, None, "synthetic families", "2024", [], [], features="need_score")
    assert "Features (1): `need_score`" in text
    with pytest.raises(ValueError, match="period"):
        model_card(None, model, None, None, "synthetic families", None, [], [])
