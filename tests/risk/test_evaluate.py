"""evaluate / score_metrics against scikit-learn and statsmodels on the same scores."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import earlyhelp
from earlyhelp.risk import evaluate, score_metrics


def _scores(seed=0, n=3000, ties=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    p_true = 1 / (1 + np.exp(-(-1.5 + 1.2 * x)))
    y = (rng.uniform(size=n) < p_true).astype(int)
    p = 1 / (1 + np.exp(-(-1.0 + 1.8 * x)))  # miscalibrated on purpose
    if ties:
        p = np.round(p, 2)
    return y, p


@pytest.mark.parametrize("ties", [False, True])
def test_metrics_match_sklearn(ties):
    y, p = _scores(ties=ties)
    m = score_metrics(y, p)
    assert m["auc"] == pytest.approx(metrics.roc_auc_score(y, p), rel=1e-12)
    assert m["average_precision"] == pytest.approx(metrics.average_precision_score(y, p), rel=1e-12)
    assert m["brier"] == pytest.approx(metrics.brier_score_loss(y, p), rel=1e-12)
    assert m["log_loss"] == pytest.approx(metrics.log_loss(y, p), rel=1e-12)
    assert m["n"] == len(y) and m["positives"] == y.sum()


def test_calibration_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    y, p = _scores(seed=1)
    m = score_metrics(y, p)
    lp = np.log(p / (1 - p))
    slope_fit = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit()
    assert m["calibration_slope"] == pytest.approx(slope_fit.params[1], rel=1e-6)
    citl = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(), offset=lp).fit()
    assert m["calibration_intercept"] == pytest.approx(citl.params[0], rel=1e-6)
    # the scores were made too extreme and too high: slope < 1, intercept < 0
    assert m["calibration_slope"] < 1 and m["calibration_intercept"] < 0


def test_perfect_calibration_slope_one():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.01, 0.99, 200_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    m = score_metrics(y, p)
    assert m["calibration_slope"] == pytest.approx(1, abs=0.03)
    assert m["calibration_intercept"] == pytest.approx(0, abs=0.02)


def test_top_k_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    p = np.array([.9, .8, .7, .6, .5, .4, .3, .2, .1, .05])
    m = score_metrics(y, p, top_k_percent=[10, 30, 25])
    assert m["precision_top_10pct"] == 1.0 and m["recall_top_10pct"] == pytest.approx(1 / 3)
    assert m["precision_top_30pct"] == pytest.approx(2 / 3) and m["recall_top_30pct"] == pytest.approx(2 / 3)
    assert m["precision_top_25pct"] == pytest.approx(2 / 3)  # ceil(2.5) = 3 families


def test_evaluate_any_estimator_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    m = evaluate(model, X, y)
    p = model.predict_proba(X)[:, 1]
    assert m["auc"] == pytest.approx(metrics.roc_auc_score(y, p), rel=1e-12)
    assert m["log_loss"] == pytest.approx(metrics.log_loss(y, p), rel=1e-9)


def test_single_class_gives_nan_not_crash():
    m = score_metrics(np.zeros(10, int), np.linspace(0.1, 0.5, 10))
    assert np.isnan(m["auc"]) and np.isnan(m["calibration_slope"]) and np.isnan(m["recall_top_10pct"])
    assert m["brier"] == pytest.approx(np.mean(np.linspace(0.1, 0.5, 10) ** 2))


def test_bad_input():
    y, p = _scores(n=50)
    with pytest.raises(ValueError, match="lengths"):
        score_metrics(y, p[:-1])
    with pytest.raises(ValueError, match="0 and 1"):
        score_metrics(y + 1, p)
    with pytest.raises(ValueError, match="probabilities"):
        score_metrics(y, np.where(np.arange(50) == 3, np.nan, p))
    with pytest.raises(ValueError, match="probabilities"):
        score_metrics(y, p * 3)
    with pytest.raises(ValueError, match="top_k"):
        score_metrics(y, p, top_k_percent=0)
    with pytest.raises(ValueError, match=r"\['10'\] is given more than once"):  # one column would overwrite the other
        score_metrics(y, p, top_k_percent=[10, 10.0000001])
    from earlyhelp.risk.calibration import MAX_BINS, reliability_table
    with pytest.raises(ValueError, match="n_bins"):
        reliability_table(y, p, n_bins=MAX_BINS + 1)
    with pytest.raises(ValueError, match="no rows"):
        score_metrics([], [])
    X = pd.DataFrame({"a": np.arange(50.0)})
    model = LogisticRegression().fit(X, y)
    X_bad = X.copy()
    X_bad.loc[7, "a"] = np.inf
    with pytest.raises(earlyhelp.ValidationError, match="a"):
        evaluate(model, X_bad, y)
    with pytest.raises(ValueError, match="lengths"):
        evaluate(model, X, y[:10])
    with pytest.raises(TypeError, match="predict_proba"):
        evaluate(object(), X, y)


def test_auc_difference_level_next_to_one():
    # 0.5 + level / 2 rounded to 1: an infinite interval before
    from earlyhelp.risk import auc_difference

    y, p = _scores()
    out = auc_difference(y, p, np.round(p, 1), level=1 - 2 ** -53)
    assert np.isfinite(out["ci_low"]) and np.isfinite(out["ci_high"])
    with pytest.raises(earlyhelp.ValidationError, match="level"):
        auc_difference(y, p, np.round(p, 1), level=1.0)
