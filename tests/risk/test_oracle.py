"""On a synthetic council: features, a logistic model, the oracle and the observable oracle.

The oracle is the true probability of each label given the state at the cut-off
(oracle_probabilities: the generator's closure model in C++). It must be calibrated, and
no model of what a council can observe may beat its AUC beyond sampling error (DeLong's
interval for the paired difference). The council is twice Coventry's size so that the
rows measure calibration and AUC to a few hundredths.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from earlyhelp.risk import (auc_difference, build_features, evaluate, observable_oracle, oracle_metrics,
                            oracle_probabilities, score_metrics)

synthetic = pytest.importorskip("earlyhelp.synthetic")

# a statistical property measured by simulation: run once, in the wheel's pass of scripts/test.sh
pytestmark = pytest.mark.simulation


@pytest.fixture(scope="module")
def council():
    ds = synthetic.council("coventry", years=6, scale=2.0, seed=3)
    train = build_features(ds, list(pd.date_range("2020-04-01", "2022-12-31", freq="QS")), data_end="2023-01-01")
    test = build_features(ds, list(pd.date_range("2023-01-01", "2024-03-31", freq="QS")))
    return ds, train, test


def test_feature_set_on_a_council(council):
    ds, train, test = council
    assert len(train) > 6000 and len(test) > 3000
    assert 0.04 < train.y.mean() < 0.2
    assert np.isfinite(train.X.to_numpy()).all() and np.isfinite(test.X.to_numpy()).all()
    assert list(train.X.columns) == list(test.X.columns)
    assert set(test.groups.columns) == {"ethnicity", "sex", "disability", "locality_id"}
    # every row's family has a true probability
    assert np.isfinite(oracle_probabilities(ds, test)).all()


def _all_rows(ds, train, test):
    """Train and test rows together (distinct cut-offs): the oracle needs no fitting."""
    y = np.concatenate([train.y.to_numpy(), test.y.to_numpy()])
    p = np.concatenate([oracle_probabilities(ds, train), oracle_probabilities(ds, test)])
    return y, p


def test_oracle_is_calibrated(council):
    ds, train, test = council
    y, p = _all_rows(ds, train, test)
    m = score_metrics(y, p)
    print(f"step-up oracle on {len(y)} rows ({int(y.sum())} step-ups): intercept "
          f"{m['calibration_intercept']:.3f} slope {m['calibration_slope']:.3f} mean_p {m['mean_p']:.4f} "
          f"rate {m['prevalence']:.4f}")
    assert abs(m["calibration_intercept"]) <= 0.05
    assert 0.9 <= m["calibration_slope"] <= 1.1
    # the chance falls with days open (step-ups close fastest): the old per-family oracle did not
    days = (test.ids["at"] - ds.episodes.set_index("episode_id").loc[test.ids["episode_id"], "start_date"]
            .to_numpy()).dt.days.to_numpy()
    q = oracle_probabilities(ds, test)
    assert q[days > 180].mean() < 0.6 * q[days < 60].mean()
    assert test.y.to_numpy()[days > 180].mean() < 0.6 * test.y.to_numpy()[days < 60].mean()


def test_no_model_beats_the_oracle(council):
    ds, train, test = council
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000)).fit(train.X, train.y)
    m = evaluate(model, test.X, test.y)
    ceiling = observable_oracle(ds, train, test)
    oracle = oracle_metrics(ds, test)
    p_oracle = oracle_probabilities(ds, test)
    assert oracle.name == "oracle" and oracle["n"] == len(test)
    for name, p in (("model", model.predict_proba(test.X)[:, 1]),):
        d = auc_difference(test.y, p, p_oracle)
        print(f"AUC {name} {d['auc_a']:.4f} oracle {d['auc_b']:.4f}: difference {d['difference']:+.4f} "
              f"(95% CI {d['ci_low']:+.4f} to {d['ci_high']:+.4f})")
        assert d["ci_low"] < 0          # never better than the oracle beyond sampling error
    assert m["auc"] >= ceiling["auc"] - 0.02      # the features hold what the observable traits hold
    assert m["calibration_slope"] == pytest.approx(1, abs=0.25)


def test_auc_difference_matches_a_paired_bootstrap():
    rng = np.random.default_rng(0)
    n = 3000
    z = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-2.5 + z)))).astype(int)
    a = 1 / (1 + np.exp(-(-2.5 + z)))
    b = 1 / (1 + np.exp(-(-2.5 + 0.6 * z + 0.8 * rng.normal(size=n))))
    d = auc_difference(y, a, b)
    boot = []
    for _ in range(400):
        i = rng.integers(0, n, n)
        boot.append(score_metrics(y[i], a[i])["auc"] - score_metrics(y[i], b[i])["auc"])
    assert d["difference"] == pytest.approx(score_metrics(y, a)["auc"] - score_metrics(y, b)["auc"], abs=1e-12)
    assert d["se"] == pytest.approx(np.std(boot), rel=0.15)
    assert d["ci_low"] > 0 and d["p_value"] < 0.001
    with pytest.raises(ValueError, match="positives"):
        auc_difference([0, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3])


def test_no_truth_no_oracle(needs_ds):
    fs = build_features(needs_ds, "2023-07-01", data_end="2024-12-31")
    with pytest.raises(ValueError, match="ground truth"):
        oracle_metrics(needs_ds, fs)


def test_backtest(council):
    from earlyhelp.risk import backtest

    ds = council[0]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000))
    bt = backtest(ds, model, years=1, train_years=1, cutoffs_per_year=2)
    assert list(bt["scorer"]) == ["model", "oracle"]
    assert bt["test_at"].iloc[0] == pd.Timestamp("2024-03-31")   # the last date with a full year after it
    assert bt["n_train"].iloc[0] > 500 and bt["n"].iloc[0] > 300
    assert 0.6 < bt["auc"].iloc[0] < bt["auc"].iloc[1]
    with pytest.raises(ValueError, match="no training cut-off"):
        backtest(ds, model, years=["2019-06-01"])
    with pytest.raises(ValueError, match="train_years"):
        backtest(ds, model, train_years=0)


def test_rereferral_model_reaches_the_observable_oracle(council):
    ds = council[0]
    train = build_features(ds, list(pd.date_range("2020-04-01", "2022-12-31", freq="QS")), "rereferral_12m",
                           data_end="2023-01-01")
    test = build_features(ds, list(pd.date_range("2023-01-01", "2024-03-31", freq="QS")), "rereferral_12m")
    assert {"closed_by_step_up_or_move", "episode_open"} <= set(test.excluded.by_reason())
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000)).fit(train.X, train.y)
    m = evaluate(model, test.X, test.y)
    ceiling = observable_oracle(ds, train, test)
    oracle = oracle_metrics(ds, test)
    # the features hold what the observable traits hold: the gap to the observable oracle is
    # within 0.02 up to sampling error (DeLong's interval for the paired difference)
    from earlyhelp.risk.evaluate import _observable_traits

    traits = LogisticRegression(C=1e4, max_iter=5000).fit(_observable_traits(ds, train), train.y)
    p_ceiling = traits.predict_proba(_observable_traits(ds, test))[:, 1]
    assert score_metrics(test.y, p_ceiling)["auc"] == pytest.approx(ceiling["auc"], abs=1e-6)
    gap = auc_difference(test.y, model.predict_proba(test.X)[:, 1], p_ceiling)
    print(f"re-referral: model - observable oracle {gap['difference']:+.4f} "
          f"(95% CI {gap['ci_low']:+.4f} to {gap['ci_high']:+.4f})")
    assert gap["ci_high"] >= -0.02
    assert oracle["auc"] > m["auc"] + 0.03
    y, p = _all_rows(ds, train, test)
    cal = score_metrics(y, p)
    print(f"re-referral oracle: intercept {cal['calibration_intercept']:.3f} slope {cal['calibration_slope']:.3f}")
    assert abs(cal["calibration_intercept"]) <= 0.05
    assert 0.9 <= cal["calibration_slope"] <= 1.1
    d = auc_difference(test.y, model.predict_proba(test.X)[:, 1], oracle_probabilities(ds, test))
    assert d["ci_high"] < 0
