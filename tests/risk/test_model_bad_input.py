"""Every kind of bad input to the risk models: a clear error or documented
handling, never a crash or silent NaN coefficients."""
from __future__ import annotations

import numpy as np
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
