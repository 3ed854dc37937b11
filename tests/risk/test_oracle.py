"""On a synthetic council: features, a logistic model, the oracle and the observable oracle.

The issue asks for a fitted model within 0.02 AUC of the oracle (the generator's true
probabilities in ds.truth). The generator keeps the unobservable part of the step-up
probability small (latent need 0.2 and noise 0.15 on the logit, the rest shows in the
council's tables), so a model of council data can get there. The council is twice
Coventry's size so that the test rows (about 470 step-ups) measure AUC to about 0.01.
Re-referral depends more on engagement, which only shows through disengaged closures:
there the gap is larger and is reported, not hidden.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from earlyhelp.risk import (build_features, evaluate, observable_oracle, oracle_metrics, oracle_probabilities,
                            score_metrics)

synthetic = pytest.importorskip("earlyhelp.synthetic")


@pytest.fixture(scope="module")
def council():
    ds = synthetic.council("coventry", years=6, scale=2.0, seed=3)
    train = build_features(ds, list(pd.date_range("2020-04-01", "2022-12-31", freq="QS")), data_end="2023-12-31")
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


def test_model_reaches_the_observable_oracle(council):
    ds, train, test = council
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000)).fit(train.X, train.y)
    m = evaluate(model, test.X, test.y)
    ceiling = observable_oracle(ds, train, test)
    oracle = oracle_metrics(ds, test)
    print(f"AUC model {m['auc']:.4f} observable oracle {ceiling['auc']:.4f} oracle {oracle['auc']:.4f}")
    assert m["auc"] >= oracle["auc"] - 0.02          # the criterion
    assert m["auc"] >= ceiling["auc"] - 0.02
    assert m["calibration_slope"] == pytest.approx(1, abs=0.25)
    assert oracle.name == "oracle" and oracle["n"] == len(test)
    truth = ds.truth["families"].set_index(ds.truth["families"]["family_id"].astype(str))["p_step_up"]
    pd.testing.assert_series_equal(
        oracle, score_metrics(test.y, truth.loc[test.ids["family_id"].astype(str)].to_numpy(), name="oracle"))


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
                           data_end="2023-12-31")
    test = build_features(ds, list(pd.date_range("2023-01-01", "2024-03-31", freq="QS")), "rereferral_12m")
    assert {"closed_by_step_up_or_move", "episode_open"} <= set(test.excluded.by_reason())
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000)).fit(train.X, train.y)
    m = evaluate(model, test.X, test.y)
    ceiling = observable_oracle(ds, train, test)
    oracle = oracle_metrics(ds, test)
    assert m["auc"] >= ceiling["auc"] - 0.02
    assert oracle["auc"] > m["auc"] + 0.03
