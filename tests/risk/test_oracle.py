"""On a synthetic council: features, a logistic model, the oracle and the observable oracle.

The issue asks for a fitted model within 0.02 AUC of the oracle. The generator's step-up
probability also depends on the family's latent need and on pure noise (0.6 each on the
logit, never in the council tables), so no model of council data can reach the oracle:
a logistic regression on the generator's own observable family traits (the observable
oracle) stays about 0.07 below it. We test what is achievable and what it shows: the model
is within 0.02 of the observable oracle, and below the oracle.
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
    ds = synthetic.council("coventry", years=6, scale=1.0, seed=3)
    train = build_features(ds, list(pd.date_range("2020-04-01", "2022-12-31", freq="QS")), data_end="2023-12-31")
    test = build_features(ds, list(pd.date_range("2023-01-01", "2024-03-31", freq="QS")))
    return ds, train, test


def test_feature_set_on_a_council(council):
    ds, train, test = council
    assert len(train) > 3000 and len(test) > 1500
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
    assert m["auc"] >= ceiling["auc"] - 0.02
    assert oracle["auc"] > ceiling["auc"] + 0.03 > m["auc"] + 0.03  # the gap is the unobservable drivers
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
