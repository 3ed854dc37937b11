"""Isotonic and Platt calibration and the reliability diagram against scikit-learn."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from earlyhelp import ValidationError
from earlyhelp.risk import IsotonicCalibrator, PlattCalibrator, reliability_diagram, reliability_table


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(11)
    n = 5000
    p = rng.beta(2, 5, size=n)
    p = np.round(p, 3)  # ties
    y = (rng.random(n) < np.clip(1.4 * p, 0, 1)).astype(float)  # under-predicting model
    w = rng.uniform(0.5, 2.0, size=n)
    return p, y, w


@pytest.mark.parametrize("increasing", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_isotonic_matches_sklearn(scores, increasing, weighted):
    p, y, w = scores
    if not increasing:
        y = 1 - y
    sw = w if weighted else None
    ours = IsotonicCalibrator(increasing=increasing).fit(p, y, sample_weight=sw)
    theirs = IsotonicRegression(increasing=increasing, out_of_bounds="clip").fit(p, y, sample_weight=sw)
    np.testing.assert_allclose(ours.X_thresholds_, theirs.X_thresholds_)
    np.testing.assert_allclose(ours.y_thresholds_, theirs.y_thresholds_, rtol=1e-12, atol=1e-12)
    grid = np.linspace(-0.2, 1.2, 1001)  # includes out-of-range points: clipped like sklearn
    np.testing.assert_allclose(ours.transform(grid), theirs.predict(grid), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.predict(p), theirs.predict(p), rtol=1e-12, atol=1e-12)


def test_isotonic_out_of_bounds_nan(scores):
    p, y, _ = scores
    ours = IsotonicCalibrator(out_of_bounds="nan").fit(p, y)
    theirs = IsotonicRegression(out_of_bounds="nan").fit(p, y)
    grid = np.array([-1.0, 0.2, 0.4, 2.0])
    np.testing.assert_allclose(ours.transform(grid), theirs.predict(grid))


def test_platt_matches_unpenalised_logistic_regression(scores):
    p, y, w = scores
    ours = PlattCalibrator().fit(p, y, sample_weight=w)
    logit = np.log(p.clip(1e-12, 1 - 1e-12) / (1 - p.clip(1e-12, 1 - 1e-12)))
    theirs = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(logit[:, None], y,
                                                                                     sample_weight=w)
    assert ours.a_ == pytest.approx(theirs.coef_[0, 0], rel=1e-6)
    assert ours.b_ == pytest.approx(theirs.intercept_[0], rel=1e-6)
    np.testing.assert_allclose(ours.transform(p), theirs.predict_proba(logit[:, None])[:, 1], rtol=1e-6)
    # Scores as they are.
    raw = PlattCalibrator(input="score").fit(logit, y, sample_weight=w)
    assert raw.a_ == pytest.approx(ours.a_, rel=1e-9)


def test_platt_on_separating_scores_stays_finite():
    s = np.linspace(-3, 3, 40)
    y = (s > 0).astype(float)
    cal = PlattCalibrator(input="score").fit(s, y)
    assert np.isfinite(cal.a_) and cal.a_ > 0
    out = cal.transform(np.array([-100.0, 100.0]))
    assert np.all(np.isfinite(out)) and out[0] < 0.01 and out[1] > 0.99


def test_platt_with_one_class_names_y():
    with pytest.raises(ValidationError, match=r"y: has a single class"):
        PlattCalibrator().fit([0.2, 0.4], [0, 0])
    with pytest.raises(ValidationError, match=r"y: has a single class"):  # the other class weighs nothing
        PlattCalibrator().fit([0.2, 0.4, 0.6], [0, 1, 0], sample_weight=[1.0, 0.0, 1.0])


def test_calibration_improves_log_loss(scores):
    from sklearn.metrics import log_loss

    p, y, _ = scores
    half = len(p) // 2
    for cal in (IsotonicCalibrator(), PlattCalibrator()):
        cal.fit(p[:half], y[:half])
        q = np.clip(cal.transform(p[half:]), 1e-6, 1 - 1e-6)
        assert log_loss(y[half:], q) < log_loss(y[half:], p[half:])


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_table_matches_calibration_curve(scores, strategy):
    p, y, _ = scores
    table = reliability_table(y, p, n_bins=8, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
    np.testing.assert_allclose(table["observed_rate"], prob_true)
    np.testing.assert_allclose(table["mean_predicted"], prob_pred)
    assert table["n"].sum() == len(p)


@pytest.mark.parametrize("n_bins", [True, np.bool_(True), 0, 2.0, "4"])
def test_reliability_table_bins_are_a_whole_number(scores, n_bins):
    p, y, _ = scores
    with pytest.raises(ValidationError, match="n_bins"):
        reliability_table(y, p, n_bins=n_bins)


def test_reliability_diagram_draws(scores):
    import matplotlib.pyplot as plt

    p, y, _ = scores
    ax = reliability_diagram(y, p, n_bins=10, label="model")
    assert ax.get_xlabel() == "mean predicted probability"
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[1].get_xdata(), reliability_table(y, p, 10)["mean_predicted"])
    fig, ax2 = plt.subplots()
    assert reliability_diagram(y, p, ax=ax2) is ax2
    plt.close("all")


@pytest.mark.parametrize("calibrator", [IsotonicCalibrator, PlattCalibrator])
@pytest.mark.parametrize("scores, what", [(np.array([0.5 + 1j, 0.2]), "complex"),
                                           (np.array(["0.5", "0.2"]), "text"),
                                           (np.array([0.5, None], dtype=object), "missing")])
def test_calibrators_refuse_scores_that_are_not_real_numbers(scores, calibrator, what):
    """Complex scores lost their imaginary part and digits as text were read as numbers."""
    fitted = calibrator().fit(np.linspace(0.01, 0.99, 40), np.r_[np.zeros(20), np.ones(20)])
    with pytest.raises(ValidationError, match=what):
        fitted.transform(scores)
    with pytest.raises(ValidationError, match=what):
        calibrator().fit(scores, np.array([0, 1]))
