"""Every kind of bad input to the risk models: a clear error or documented
handling, never a crash or silent NaN coefficients."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.risk import IsotonicCalibrator, LogisticRiskModel, PlattCalibrator, PoissonRiskModel




@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_features_are_named(data, bad):
    X, y = data
    X = X.copy()
    X.iloc[[5, 17], 1] = bad
    for model in (LogisticRiskModel(), PoissonRiskModel()):
        with pytest.raises(ValidationError) as err:
            model.fit(X, y + 1)
        problem = err.value.problems[0]
        assert problem.column == "needs"
        assert list(problem.rows) == ["F5", "F17"] and problem.n_rows == 2
        assert "NaN" in str(err.value) or "inf" in str(err.value)


def test_nonfinite_features_at_prediction_are_named(data):
    X, y = data
    model = LogisticRiskModel().fit(X, y)
    X2 = X.copy()
    X2.iloc[9, 2] = np.nan
    for method in (model.predict_proba, model.predict, model.decision_function, model.explain):
        with pytest.raises(ValidationError) as err:
            method(X2)
        assert err.value.problems[0].column == "age"
        assert list(err.value.problems[0].rows) == ["F9"]


def test_single_class(data):
    X, _ = data
    with pytest.raises(ValidationError, match="one class"):
        LogisticRiskModel().fit(X, np.ones(len(X)))
    # Both classes present but one has zero weight: the same.
    y = np.r_[np.ones(100), np.zeros(100)]
    w = np.r_[np.ones(100), np.zeros(100)]
    with pytest.raises(ValidationError, match="one class"):
        LogisticRiskModel().fit(X, y, sample_weight=w)


def test_more_than_two_classes_and_continuous_target(data):
    X, y = data
    with pytest.raises(ValueError, match="Only binary"):
        LogisticRiskModel().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRiskModel().fit(X, np.linspace(0, 1, len(X)))


def test_constant_column_with_penalty_gets_zero(data):
    X, y = data
    X = X.assign(region=7.0)
    model = LogisticRiskModel(C=1.0).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert model.coef_[0, 3] == pytest.approx(0.0, abs=1e-8)
    pois = PoissonRiskModel(alpha=0.1).fit(X, y + 1)
    assert pois.coef_[3] == pytest.approx(0.0, abs=1e-8)


def test_constant_or_collinear_columns_without_penalty_raise(data):
    X, y = data
    with pytest.raises(ValidationError, match="column 3 of X is constant"):
        LogisticRiskModel(C=np.inf).fit(X.assign(region=7.0), y)
    with pytest.raises(ValidationError, match="collinear"):
        LogisticRiskModel(C=np.inf).fit(X.assign(twice=2 * X["needs"]), y)
    with pytest.raises(ValidationError, match="constant"):
        PoissonRiskModel(alpha=0).fit(X.assign(region=7.0), y + 1)


def test_huge_values_without_penalty_are_named_not_called_constant(data):
    # squares beyond the double range made the column's variance NaN, which read as "constant"
    X, y = data
    X = X.assign(region=np.where(np.arange(len(X)) % 2, 1e300, 0.0))
    for model, target in ((PoissonRiskModel(alpha=0), y + 1), (LogisticRiskModel(C=np.inf), y)):
        with pytest.raises(ValidationError, match="column 3 of X holds values too large to fit .*1e\\+300"):
            model.fit(X, target)


def test_separable_data(data):
    X, _ = data
    y = (X["needs"] > 0).astype(int).to_numpy()
    # Finite C: converges to finite coefficients and separates the classes.
    model = LogisticRiskModel(C=1.0).fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and np.isfinite(model.intercept_[0])
    assert np.all(np.isfinite(model.standard_errors_))
    assert (model.predict(X) == y).mean() > 0.95
    stronger = LogisticRiskModel(C=100.0).fit(X, y)
    assert abs(stronger.coef_[0, 1]) > abs(model.coef_[0, 1])
    # No penalty: no finite estimate exists, so a clear error.
    with pytest.raises(ValidationError, match="separated"):
        LogisticRiskModel(C=np.inf).fit(X, y)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")  # numpy on purpose, as sklearn warns
def test_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRiskModel().fit(X, y[:-1])
    with pytest.raises(ValidationError, match="sample_weight"):
        LogisticRiskModel().fit(X, y, sample_weight=np.ones(len(y) - 3))
    with pytest.raises(ValueError, match="features"):
        LogisticRiskModel().fit(X, y).predict(X.iloc[:, :2].to_numpy())
    with pytest.raises(ValidationError, match="has 5 values"):
        IsotonicCalibrator().fit(np.linspace(0, 1, 6), np.ones(5))


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_sample_weights(data, bad):
    X, y = data
    w = np.ones(len(y))
    w[[3, 8]] = bad
    for model in (LogisticRiskModel(), PoissonRiskModel()):
        with pytest.raises(ValidationError, match="sample_weight") as err:
            model.fit(X, y + 1, sample_weight=w)
        assert list(err.value.problems[0].rows) == ["F3", "F8"]
    with pytest.raises(ValidationError, match="all weights are zero"):
        LogisticRiskModel().fit(X, y, sample_weight=np.zeros(len(y)))


def test_bad_parameters(data):
    X, y = data
    for model in (LogisticRiskModel(C=0), LogisticRiskModel(C=-1), LogisticRiskModel(l1_ratio=1.5),
                  LogisticRiskModel(solver="sag"), LogisticRiskModel(max_iter=0), LogisticRiskModel(tol=0),
                  PoissonRiskModel(alpha=-1), PoissonRiskModel(alpha=np.nan),
                  LogisticRiskModel(tol=10 ** 400), PoissonRiskModel(alpha=10 ** 400)):  # not an OverflowError
        with pytest.raises(ValidationError):
            model.fit(X, y + 1)


def test_poisson_bad_counts(data):
    X, y = data
    yy = y.astype(float)
    yy[4] = -1
    with pytest.raises(ValidationError, match="counts") as err:
        PoissonRiskModel().fit(X, yy)
    assert list(err.value.problems[0].rows) == ["F4"]
    with pytest.raises(ValidationError, match="zero everywhere"):
        PoissonRiskModel().fit(X, np.zeros(len(X)))


def test_no_convergence_warns_but_returns_finite(data):
    X, y = data
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning):
        model = LogisticRiskModel(max_iter=1).fit(X, y)
    assert np.all(np.isfinite(model.coef_))


def test_calibrator_bad_input():
    p = np.linspace(0.05, 0.95, 10)
    y = (p > 0.5).astype(float)
    with pytest.raises(ValidationError, match="NaN"):
        IsotonicCalibrator().fit(np.r_[p[:-1], np.nan], y)
    with pytest.raises(ValidationError, match="0 or 1"):
        PlattCalibrator().fit(p, y + 0.5)
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        PlattCalibrator().fit(p * 2, y)
    with pytest.raises(ValidationError, match="sample_weight"):
        IsotonicCalibrator().fit(p, y, sample_weight=-np.ones(10))
    iso = IsotonicCalibrator(out_of_bounds="raise").fit(p, y)
    with pytest.raises(ValidationError, match="outside the training range"):
        iso.transform([0.01, 0.5])


# -- columns that are not numbers: refused by name, at fit and at prediction ------------------

@pytest.mark.parametrize("column", [pd.Categorical(["1", "2"] * 100), pd.Categorical([1, 2] * 100)])
def test_categorical_column_is_refused_even_with_numeric_categories(data, column):
    # its codes (or digits) were fitted as amounts: a category is not a number
    X, y = data
    bad = X.assign(region=column)
    for model, target in ((LogisticRiskModel(), y), (PoissonRiskModel(), y + 1)):
        with pytest.raises(ValidationError, match="categorical") as err:
            model.fit(bad, target)
        assert err.value.problems[0].column == "region"
    fitted = LogisticRiskModel().fit(X.assign(region=1.0), y)
    with pytest.raises(ValidationError, match="categorical") as err:
        fitted.predict_proba(bad)
    assert err.value.problems[0].column == "region"


@pytest.mark.parametrize("dtype", [object, "string"])
def test_text_of_digits_is_not_read_as_numbers(data, dtype):
    X, y = data
    bad = X.assign(region=pd.Series(["1", "2"] * 100, index=X.index, dtype=dtype))
    with pytest.raises(ValidationError, match="text") as err:
        LogisticRiskModel().fit(bad, y)
    assert err.value.problems[0].column == "region" and err.value.problems[0].n_rows == 200
    # an array of digit strings too
    with pytest.raises(ValidationError, match="text") as err:
        LogisticRiskModel().fit(np.where(X.to_numpy() > 0, "1", "0"), y)
    assert err.value.problems[0].column == "x0"


@pytest.mark.parametrize("dtype", [object, "string"])
def test_pd_na_in_a_column_is_named_with_its_rows(data, dtype):
    # a raw TypeError (float() argument must be ... not 'NAType') before
    X, y = data
    values = pd.Series([1.0] * 200, index=X.index, dtype=object)
    values.iloc[[4, 9]] = pd.NA
    bad = X.assign(region=values.astype(dtype) if dtype == object else pd.array(["1"] * 198 + [pd.NA] * 2,
                                                                                 dtype="string"))
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel().fit(bad, y)
    missing = [p for p in err.value.problems if "missing" in p.message]
    assert missing and missing[0].column == "region"
    assert list(missing[0].rows) == (["F4", "F9"] if dtype == object else ["F198", "F199"])
    fitted = LogisticRiskModel().fit(X.assign(region=1.0), y)
    with pytest.raises(ValidationError) as err:
        fitted.predict_proba(bad)
    assert any(p.column == "region" and "missing" in p.message for p in err.value.problems)


def test_numbers_stored_as_objects_with_none_are_named_not_refused_as_text(data):
    X, y = data
    values = pd.Series(np.arange(200.0), index=X.index, dtype=object)
    values.iloc[3] = None
    with pytest.raises(ValidationError, match="missing") as err:
        LogisticRiskModel().fit(X.assign(extra=values), y)
    assert "text" not in str(err.value) and list(err.value.problems[0].rows) == ["F3"]


# -- counts, weights and features out of range --------------------------------------------------

@pytest.mark.parametrize("alpha", [1.0, 0.0])
def test_poisson_counts_out_of_range_are_named_with_their_rows(data, alpha):
    # "the Hessian is singular: constant or collinear columns" before (alpha=0), or blamed on X
    X, y = data
    counts = pd.Series(y + 1.0, index=X.index, name="requests")
    counts.iloc[[3, 7]] = [1e280, 1e300]
    with pytest.raises(ValidationError, match="out of range") as err:
        PoissonRiskModel(alpha=alpha).fit(X, counts)
    problem = err.value.problems[0]
    assert problem.table == "y" and problem.column == "requests"
    assert list(problem.rows) == ["F7", "F3"] and problem.value == 1e300  # the largest first
    assert "singular" not in str(err.value) and "collinear" not in str(err.value)


def test_weights_on_any_scale_give_the_coefficients_of_weights_of_one(data):
    # refused as out of range before (blamed on X before that): the float Hessian of the first
    # Newton steps overflowed, though only the weights' ratios matter to the coefficients
    # (the Poisson deviance is averaged over the weights; the logistic loss is summed, so only an
    # unpenalised logistic fit is free of their scale)
    X, y = data
    for model, target in ((PoissonRiskModel(), y + 1), (LogisticRiskModel(C=np.inf), y)):
        scaled = model.fit(X, target, sample_weight=np.full(len(y), 1e300)).coef_.copy()
        np.testing.assert_allclose(scaled, model.fit(X, target).coef_, rtol=1e-7)


# -- effects' level -----------------------------------------------------------------------------

def test_effects_level_next_to_one(data):
    # 0.5 + level / 2 rounded to 1.0: a raw StatisticsError
    X, y = data
    model = LogisticRiskModel().fit(X, y)
    near = model.effects(level=1 - 2 ** -53)
    assert np.all(np.isfinite(near["ci_low"])) and np.all(near["ci_high"] > model.effects(level=0.999)["ci_high"])
    for level in (1 - 1e-17, 1.0, 0.0, np.nan, "0.95"):  # 1 - 1e-17 is 1.0 as a float
        with pytest.raises(ValidationError, match="level") as err:
            model.effects(level=level)
        assert err.value.problems[0].table == "parameters"
    with pytest.raises(ValidationError, match="level"):
        PoissonRiskModel().fit(X, y + 1).effects(level=1.0)


# -- parameters are checked before X, whatever its form ------------------------------------------

@pytest.mark.parametrize("form", ["frame", "array", "list", "text frame", "text array", "nan frame"])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
def test_solver_penalty_mismatch_is_found_first_whatever_x(data, form, solver):
    X, y = data
    Xf = {"frame": X, "array": X.to_numpy(), "list": X.to_numpy().tolist(),
          "text frame": X.assign(needs=["a", "b"] * 100),
          "text array": X.assign(needs=["a", "b"] * 100).to_numpy(),
          "nan frame": X.assign(needs=np.nan)}[form]
    with pytest.raises(ValidationError, match="L2 penalty only") as err:
        LogisticRiskModel(solver=solver, l1_ratio=0.5).fit(Xf, y)
    assert err.value.problems[0].table == "parameters" and err.value.problems[0].column == "solver"
    # no penalty: l1_ratio weighs nothing, so any solver fits
    LogisticRiskModel(solver=solver, l1_ratio=0.5, C=np.inf).fit(X, y)


@pytest.mark.parametrize("params", [dict(C=10 ** 400), dict(fit_intercept="no"), dict(class_weight="bogus"),
                                    dict(class_weight=[1, 2]), dict(class_weight={0: -1.0, 1: 1.0}),
                                    dict(class_weight={0: np.inf, 1: 1.0}), dict(class_weight={"0": 1, "1": 2}),
                                    dict(class_weight={0: 1, 1: 2, 5: 3})])
def test_bad_logistic_parameters_are_parameter_errors(data, params):
    # a TypeError (C=10**400), sklearn's InvalidParameterError, a misleading "one class" or an
    # X error before; class_weight keys that are no class were ignored
    X, y = data
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel(**params).fit(X, y)
    assert err.value.problems[0].table == "parameters"


# -- any other bad X, y or weights: a ValidationError saying where ----------------------------------

@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_bad_x_forms_are_validation_errors(data):
    import scipy.sparse as sp

    X, y = data
    for bad in (sp.csr_matrix(X.to_numpy()), {"a": [1, 2]}, None, "abc", [[1.0, 2.0], [3.0]],
                X.to_numpy() + 1j, X["needs"].to_numpy(), X.set_axis([0, "a", 2], axis=1), X.iloc[:, :0],
                np.array([[1.0, pd.NA]] * 200, dtype=object)):
        with pytest.raises(ValidationError) as err:
            LogisticRiskModel().fit(bad, y)
        assert err.value.problems[0].table == "X"
    model = LogisticRiskModel().fit(X, y)
    for bad in (X.rename(columns={"age": "AGE"}), X[["age", "needs", "prior_requests"]], X.iloc[0]):
        with pytest.raises(ValidationError) as err:
            model.predict_proba(bad)
        assert err.value.problems[0].table == "X"


def test_bad_y_is_named_with_its_rows(data):
    X, y = data
    with_nan = pd.Series(y.astype(float), index=X.index, name="stepped_up")
    with_nan.iloc[[3, 8]] = np.nan
    for model, target in ((LogisticRiskModel(), with_nan), (PoissonRiskModel(), with_nan + 1),
                          (LogisticRiskModel(), pd.array([pd.NA] + list(y[1:]), dtype="Int64"))):
        with pytest.raises(ValidationError, match="missing") as err:
            model.fit(X, target)
        assert err.value.problems[0].table == "y"
    assert list(err.value.problems[0].rows) == ["F0"]
    with pytest.raises(ValidationError, match="missing") as err:
        LogisticRiskModel().fit(X, with_nan)
    assert err.value.problems[0].column == "stepped_up" and list(err.value.problems[0].rows) == ["F3", "F8"]
    # text mixed with numbers: a TypeError from deep in numpy before
    with pytest.raises(ValidationError, match="mixes text"):
        LogisticRiskModel().fit(X, np.array(["a"] + list(y[1:]), dtype=object))
    # counts written as text were read as numbers
    with pytest.raises(ValidationError, match="text") as err:
        PoissonRiskModel().fit(X, np.array([str(v + 1) for v in y], dtype=object))
    assert err.value.problems[0].n_rows == 200


@pytest.mark.parametrize("weights", ["abc", {"a": 1}, ["1"] * 200, np.ones(200) + 1j,
                                     np.array([pd.NA] + [1.0] * 199, dtype=object)])
def test_bad_sample_weights_are_validation_errors(data, weights):
    X, y = data
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel().fit(X, y, sample_weight=weights)
    assert err.value.problems[0].table == "sample_weight"


def test_score_with_bad_y_says_what_is_wrong(data):
    X, y = data
    logistic, poisson = LogisticRiskModel().fit(X, y), PoissonRiskModel().fit(X, y + 1)
    assert logistic.score(X, y) == pytest.approx((logistic.predict(X) == y).mean())
    for model, bad in ((poisson, np.full(200, np.nan)), (poisson, ["a"] * 200), (poisson, -np.ones(200)),
                       (poisson, np.ones(10)), (logistic, ["a"] * 200), (logistic, np.ones(10))):
        with pytest.raises(ValidationError) as err:
            model.score(X, bad)
        assert err.value.problems[0].table == "y"
