"""effects() with class or sample weights: the robust covariance (HC3 sandwich, never below the
model-based one) keeps the Wald tests at their level, equal weights on any scale give the unweighted
errors, and explain()'s average family is unweighted by class."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.risk import LogisticRiskModel, PoissonRiskModel


def _null_feature_data(rng, n=2000):
    """x0 drives a rare outcome (about 7%), x1 has no effect."""
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 0.8 * X[:, 0])))).astype(int)
    return X, y


def test_equal_weights_on_any_scale_give_the_unweighted_standard_errors():
    X, y = _null_feature_data(np.random.default_rng(7))
    plain = LogisticRiskModel(C=np.inf).fit(X, y)
    scaled = LogisticRiskModel(C=np.inf).fit(X, y, sample_weight=np.full(len(y), 100.0))
    np.testing.assert_allclose(scaled.standard_errors_, plain.standard_errors_, rtol=1e-6)
    assert scaled.covariance_type_ == plain.covariance_type_ == "model"
    # with a penalty: weights c under C are the unit-weight fit under c * C
    a = LogisticRiskModel(C=0.5).fit(X, y, sample_weight=np.full(len(y), 4.0))
    b = LogisticRiskModel(C=2.0).fit(X, y)
    np.testing.assert_allclose(a.standard_errors_, b.standard_errors_, rtol=1e-6)
    yc = np.random.default_rng(1).poisson(np.exp(0.3 * X[:, 0]))
    p1 = PoissonRiskModel(alpha=0).fit(X, yc)
    p100 = PoissonRiskModel(alpha=0).fit(X, yc, sample_weight=np.full(len(yc), 100.0))
    np.testing.assert_allclose(p100.standard_errors_, p1.standard_errors_, rtol=1e-6)


def _robust_reference(sm, family, X, y, w):
    """The documented rule from statsmodels' weighted fit: per coefficient the larger of the HC3
    sandwich (scores over 1 - leverage) and the inverse Hessian with the weights at mean 1."""
    fit = sm.GLM(y, sm.add_constant(X, prepend=False), family=family, var_weights=w).fit(tol=1e-12)
    design = sm.add_constant(X, prepend=False)
    bread = fit.cov_params()  # the inverse weighted Hessian (scale 1 for binomial and Poisson)
    mu = fit.fittedvalues
    variance = family.variance(mu)
    leverage = w * variance * np.einsum("ij,jk,ik->i", design, bread, design)
    score = design * (w * (y - mu) / (1 - leverage))[:, None]
    hc3 = np.sqrt(np.diag(bread @ score.T @ score @ bread))
    model = np.sqrt(np.diag(bread) * np.mean(w))
    return fit.params, np.maximum(hc3, model)


def test_class_weights_give_the_leverage_corrected_sandwich():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _null_feature_data(np.random.default_rng(3))
    model = LogisticRiskModel(C=np.inf, class_weight="balanced").fit(X, y)
    w = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    params, se = _robust_reference(sm, sm.families.Binomial(), X, y, w)
    np.testing.assert_allclose(model.coef_[0], params[:2], rtol=1e-6)
    assert model.covariance_type_ == "robust"
    np.testing.assert_allclose(model.standard_errors_, se[:2], rtol=1e-5)
    assert model.intercept_standard_error_ == pytest.approx(se[2], rel=1e-5)
    # with 2,000 rows the leverage correction is small: within 3% of statsmodels' plain HC0
    hc0 = sm.GLM(y, sm.add_constant(X, prepend=False), family=sm.families.Binomial(), var_weights=w) \
        .fit(tol=1e-12, cov_type="HC0").bse
    np.testing.assert_allclose(model.standard_errors_, hc0[:2], rtol=0.03)
    # the same with sample weights that differ; rescaling them changes nothing
    sw = np.random.default_rng(4).uniform(0.5, 2.0, len(y))
    _, se = _robust_reference(sm, sm.families.Binomial(), X, y, sw)
    for scale in (1.0, 100.0):
        m = LogisticRiskModel(C=np.inf).fit(X, y, sample_weight=sw * scale)
        np.testing.assert_allclose(m.standard_errors_, se[:2], rtol=1e-5)


def test_poisson_weighted_errors_are_the_leverage_corrected_sandwich():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(1500, 2))
    yc = rng.poisson(np.exp(0.2 + 0.3 * X[:, 0]))
    sw = rng.uniform(0.5, 2.0, len(yc))
    m = PoissonRiskModel(alpha=0).fit(X, yc, sample_weight=sw)
    _, se = _robust_reference(sm, sm.families.Poisson(), X, yc, sw)
    np.testing.assert_allclose(m.standard_errors_, se[:2], rtol=1e-5)


def test_l1_zero_coefficients_keep_no_standard_error_with_class_weights():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(800, 6))
    y = (rng.random(800) < 1 / (1 + np.exp(-(X[:, 0] - 1.5)))).astype(int)
    m = LogisticRiskModel(C=0.02, l1_ratio=1.0, class_weight="balanced").fit(X, y)
    zero = m.coef_[0] == 0
    assert zero.any() and np.all(np.isnan(m.standard_errors_[zero]))
    assert np.all(np.isfinite(m.standard_errors_[~zero]))


@pytest.mark.simulation
def test_null_feature_is_significant_in_about_5_percent_of_balanced_fits():
    rng = np.random.default_rng(7)
    fits, hits = 1000, 0
    for _ in range(fits):
        X, y = _null_feature_data(rng)
        hits += LogisticRiskModel(C=np.inf, class_weight="balanced").fit(X, y).effects().loc["x1", "p_value"] < 0.05
    # binomial sd at 1000 fits is 0.7 points; the inverse Hessian alone gave 34%
    assert 0.03 <= hits / fits <= 0.075, hits / fits


def test_explain_measures_from_the_average_family_not_the_class_weighted_one():
    rng = np.random.default_rng(4)
    n = 5000
    X = pd.DataFrame({"n_prior_csc_referrals": rng.poisson(0.5, n).astype(float), "deprivation": rng.normal(0, 1, n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 1.2 * X.n_prior_csc_referrals)))).astype(int)
    m = LogisticRiskModel(C=1.0, class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(m.feature_means_, X.mean().to_numpy(), rtol=1e-12)
    e = m.explain(X.head(3))
    assert e["baseline"].iloc[0] == pytest.approx(m.decision_function(pd.DataFrame([X.mean()]))[0], rel=1e-9)
    # sample weights still weigh who the families are
    sw = rng.uniform(0.5, 2, n)
    m = LogisticRiskModel(C=1.0, class_weight="balanced").fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(m.feature_means_, np.average(X, axis=0, weights=sw), rtol=1e-12)


def test_single_class_names_y_column_and_plain_value():
    X = pd.DataFrame({"n_requests": np.arange(50, dtype=float)})
    with pytest.raises(ValidationError) as err:
        LogisticRiskModel().fit(X, pd.Series(np.zeros(50, dtype=int), name="step_up_12m"))
    text = str(err.value)
    assert "y.step_up_12m" in text and "only one class (0)" in text and "np.int64" not in text
