"""LogisticRiskModel and PoissonRiskModel against scikit-learn and statsmodels
on the same objective, explanations, and every kind of bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler

from earlyhelp import ValidationError
from earlyhelp.risk import LogisticRiskModel, PoissonRiskModel


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    X = StandardScaler().fit_transform(data.data)
    return X, data.target


@pytest.fixture(scope="module")
def synthetic():
    X, y = make_classification(n_samples=3000, n_features=12, n_informative=6, n_redundant=2, flip_y=0.1,
                               random_state=3)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=len(y))
    return X, y, w


def assert_coef_close(ours, theirs, rtol=1e-6):
    """Relative agreement, measured against the size of the coefficient vector."""
    ours, theirs = np.ravel(ours), np.ravel(theirs)
    scale = np.max(np.abs(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


def sk_logistic(C, **kw):
    return LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000, **kw)


@pytest.mark.parametrize("C", [0.05, 1.0, 100.0])
def test_l2_matches_sklearn_on_breast_cancer(cancer, C):
    X, y = cancer
    ours = LogisticRiskModel(C=C).fit(X, y)
    theirs = sk_logistic(C).fit(X, y)
    assert_coef_close(ours.coef_, theirs.coef_)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-7)
    ll_ours = log_loss(y, ours.predict_proba(X))
    ll_theirs = log_loss(y, theirs.predict_proba(X))
    assert ll_ours == pytest.approx(ll_theirs, rel=1e-6)
    assert ours.coef_.shape == (1, 30) and ours.intercept_.shape == (1,)
    np.testing.assert_array_equal(ours.classes_, [0, 1])


def test_l2_matches_sklearn_lbfgs_solver_on_breast_cancer(cancer):
    # Our L-BFGS path (used for many features) reaches the same optimum.
    X, y = cancer
    ours = LogisticRiskModel(C=0.5, solver="lbfgs", tol=1e-10, max_iter=2000).fit(X, y)
    theirs = sk_logistic(0.5).fit(X, y)
    assert ours.solver_ == "lbfgs"
    assert_coef_close(ours.coef_, theirs.coef_)


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 3.0, 1: 0.5}])
def test_l2_with_weights_matches_sklearn_on_synthetic(synthetic, class_weight):
    X, y, w = synthetic
    ours = LogisticRiskModel(C=0.3, class_weight=class_weight).fit(X, y, sample_weight=w)
    theirs = sk_logistic(0.3, class_weight=class_weight).fit(X, y, sample_weight=w)
    assert_coef_close(ours.coef_, theirs.coef_)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-7)
    assert log_loss(y, ours.predict_proba(X), sample_weight=w) == pytest.approx(
        log_loss(y, theirs.predict_proba(X), sample_weight=w), rel=1e-6)


def test_string_labels_and_no_intercept(synthetic):
    X, y, _ = synthetic
    labels = np.where(y == 1, "step_up", "closed")
    ours = LogisticRiskModel(C=2.0, fit_intercept=False).fit(X, labels)
    theirs = sk_logistic(2.0, fit_intercept=False).fit(X, labels)
    np.testing.assert_array_equal(ours.classes_, ["closed", "step_up"])
    assert_coef_close(ours.coef_, theirs.coef_)
    assert ours.intercept_[0] == 0.0
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("l1_ratio", [0.5, 1.0])
def test_elastic_net_matches_sklearn_saga(cancer, l1_ratio):
    X, y = cancer
    ours = LogisticRiskModel(C=0.2, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LogisticRegression(C=0.2, l1_ratio=l1_ratio, solver="saga", tol=1e-13, max_iter=200000).fit(X, y)
    assert ours.solver_ == "newton-cd"
    # Same sparsity pattern, same coefficients.
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(theirs.coef_) < 1e-9)
    assert_coef_close(ours.coef_, theirs.coef_, rtol=1e-5)
    assert log_loss(y, ours.predict_proba(X)) == pytest.approx(log_loss(y, theirs.predict_proba(X)), rel=1e-6)
    # Dropped coefficients have no standard error; kept ones do.
    assert np.all(np.isnan(ours.standard_errors_[ours.coef_[0] == 0]))
    assert np.all(np.isfinite(ours.standard_errors_[ours.coef_[0] != 0]))


def test_unpenalised_standard_errors_match_statsmodels(synthetic):
    sm = pytest.importorskip("statsmodels.api")
    X, y, _ = synthetic
    X = X[:, :5]
    ours = LogisticRiskModel(C=np.inf).fit(X, y)
    ref = sm.GLM(y, sm.add_constant(X, prepend=False), family=sm.families.Binomial()).fit(tol=1e-12)
    assert_coef_close(ours.coef_[0], ref.params[:5])
    np.testing.assert_allclose(ours.standard_errors_, ref.bse[:5], rtol=1e-5)
    assert ours.intercept_standard_error_ == pytest.approx(ref.bse[5], rel=1e-5)
    eff = ours.effects()
    np.testing.assert_allclose(eff["p_value"].to_numpy()[:5], ref.pvalues[:5], rtol=1e-4, atol=1e-12)
    ci = ref.conf_int()
    np.testing.assert_allclose(eff[["ci_low", "ci_high"]].to_numpy()[:5], ci[:5], rtol=1e-5)


def test_poisson_matches_sklearn_and_statsmodels():
    rng = np.random.default_rng(7)
    n = 4000
    X = rng.normal(size=(n, 6)) * 0.6
    mu = np.exp(0.2 + X @ np.array([0.5, -0.3, 0.0, 0.2, 0.1, -0.4]))
    y = rng.poisson(mu).astype(float)
    w = rng.uniform(0.5, 2.0, size=n)
    for alpha in [0.0, 0.01, 1.0]:
        ours = PoissonRiskModel(alpha=alpha).fit(X, y, sample_weight=w)
        theirs = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(
            X, y, sample_weight=w)
        assert_coef_close(ours.coef_, theirs.coef_)
        assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6)
        assert ours.score(X, y, w) == pytest.approx(theirs.score(X, y, w), rel=1e-6)
    sm = pytest.importorskip("statsmodels.api")
    ours = PoissonRiskModel(alpha=0.0).fit(X, y)
    ref = sm.GLM(y, sm.add_constant(X, prepend=False), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(ours.standard_errors_, ref.bse[:6], rtol=1e-5)
    assert "rate_ratio" in ours.effects().columns


def test_dataframe_in_explain_and_effects(synthetic):
    X, y, w = synthetic
    names = [f"need_{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names, index=pd.Index([f"F{i:05d}" for i in range(len(y))], name="family_id"))
    model = LogisticRiskModel(C=1.0).fit(frame, y, sample_weight=w)
    np.testing.assert_array_equal(model.feature_names_in_, names)
    assert model.n_features_in_ == X.shape[1]
    ex = model.explain(frame.iloc[:50])
    assert list(ex.columns) == names + ["baseline", "log_odds"]
    assert ex.index.equals(frame.index[:50])
    np.testing.assert_allclose(ex[names].sum(axis=1) + ex["baseline"], model.decision_function(frame.iloc[:50]),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ex["log_odds"], model.decision_function(frame.iloc[:50]))
    # Relative to the mean family, the weighted average contribution is zero.
    full = model.explain(frame)
    np.testing.assert_allclose(np.average(full[names], axis=0, weights=w), 0, atol=1e-10)
    zero = model.explain(frame.iloc[:5], reference="zero")
    assert zero["baseline"].iloc[0] == pytest.approx(model.intercept_[0])
    np.testing.assert_allclose(zero[names], frame.iloc[:5].to_numpy() * model.coef_[0])
    eff = model.effects()
    assert list(eff.index) == names + ["intercept"]
    assert {"coef", "std_error", "z", "p_value", "ci_low", "ci_high", "odds_ratio", "odds_ratio_low",
            "odds_ratio_high"} <= set(eff.columns)
    assert np.all(eff["ci_low"] < eff["coef"]) and np.all(eff["coef"] < eff["ci_high"])
    np.testing.assert_allclose(eff["odds_ratio"], np.exp(eff["coef"]))
    wide = model.effects(level=0.99)
    assert np.all(wide["ci_high"] - wide["ci_low"] > eff["ci_high"] - eff["ci_low"])


def test_proba_and_decision_are_consistent(synthetic):
    X, y, _ = synthetic
    model = LogisticRiskModel().fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-model.decision_function(X))), rtol=1e-12)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-10)
    assert model.score(X, y) > 0.7


def test_many_features_uses_lbfgs_and_matches_sklearn():
    X, y = make_classification(n_samples=1500, n_features=1200, n_informative=20, random_state=1)
    ours = LogisticRiskModel(C=0.01, tol=1e-10, max_iter=2000).fit(X, y)
    assert ours.solver_ == "lbfgs"
    theirs = LogisticRegression(C=0.01, solver="lbfgs", tol=1e-12, max_iter=5000).fit(X, y)
    assert_coef_close(ours.coef_, theirs.coef_, rtol=1e-5)
    assert log_loss(y, ours.predict_proba(X)) == pytest.approx(log_loss(y, theirs.predict_proba(X)), rel=1e-6)


@pytest.mark.parametrize("family", ["logistic", "poisson"])
def test_unscaled_nearly_collinear_columns_fit_as_sklearn_does(family):
    # days since a date (thousands) and a near copy of it: the float Hessian of the first Newton
    # steps lost their small curvature and the fit was refused as "extreme scales"
    rng = np.random.default_rng(7)
    n = 2000
    days = rng.normal(5000.0, 800.0, n)
    X = np.column_stack([days, days * 1.0001 + rng.normal(0, 0.5, n), rng.normal(size=n)])
    rate = 1 / (1 + np.exp(-(days - 5000) / 800))
    if family == "logistic":
        y = (rng.random(n) < rate).astype(int)
        ours = LogisticRiskModel(C=1.0).fit(X, y)
        peer = LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=1000, tol=1e-12).fit(X, y)

        def objective(w, b):
            z = X @ w + b
            return 0.5 * w @ w + np.sum(np.logaddexp(0, z) - y * z)
    else:
        y = rng.poisson(2 * rate)
        ours = PoissonRiskModel(alpha=1.0).fit(X, y)
        peer = PoissonRegressor(alpha=1.0, solver="newton-cholesky", max_iter=1000, tol=1e-12).fit(X, y)

        def objective(w, b):
            z = X @ w + b
            return np.mean(np.exp(z) - y * z) + 0.5 * w @ w

    mine = objective(np.ravel(ours.coef_), float(np.ravel(ours.intercept_)[0]))
    theirs = objective(np.ravel(peer.coef_), float(np.ravel(peer.intercept_)[0]))
    assert np.isfinite(theirs) and mine <= theirs + 1e-9 * abs(theirs)
