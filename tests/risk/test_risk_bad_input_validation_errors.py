"""Bad input to expected_step_ups, auc_difference, score_metrics/evaluate, backtest, need_profile and
model_card raises earlyhelp.ValidationError naming the function (or table) and the argument (or
column), as the rest of the package does. Before, each was a bare ValueError carrying only text;
a ValidationError is a ValueError, so callers catching ValueError still catch it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from earlyhelp import ValidationError
from earlyhelp.risk import auc_difference, backtest, evaluate, expected_step_ups, model_card, need_profile, \
    score_metrics

FAMILIES = ["F1", "F2", "F3", "F4", "F5"]


def _only(err):
    assert isinstance(err.value, ValueError)
    assert len(err.value.problems) == 1
    return err.value.problems[0]


def _scores():
    return pd.DataFrame({"family_id": FAMILIES, "p": [0.5, 0.2, 0.1, 0.3, 0.05]})


@pytest.mark.parametrize("scores, where, words", [
    (pd.DataFrame({"id": FAMILIES, "p": 0.1}), ("scores", "family_id"), "required column is missing"),
    (pd.DataFrame({"family_id": FAMILIES, "prob": 0.1}), ("scores", "p"), "p (or score)"),
    (pd.Series([0.1] * 5), ("expected_step_ups", "scores"), "indexed by family_id"),
])
def test_expected_step_ups_scores(needs_ds, scores, where, words):
    with pytest.raises(ValidationError) as err:
        expected_step_ups(scores, needs_ds)
    p = _only(err)
    assert (p.table, p.column) == where and words in p.message


def test_expected_step_ups_by_and_observed(needs_ds):
    with pytest.raises(ValidationError) as err:
        expected_step_ups(_scores(), needs_ds, by="ward")
    p = _only(err)
    assert (p.table, p.column, p.value) == ("expected_step_ups", "by", "ward")
    with pytest.raises(ValidationError) as err:
        expected_step_ups(_scores(), needs_ds, observed=[0, 1])
    p = _only(err)
    assert (p.table, p.column, p.value) == ("expected_step_ups", "observed", 2)
    assert "observed has 2 rows but scores has 5" in p.message


def test_auc_difference_needs_two_of_each_class():
    with pytest.raises(ValidationError) as err:
        auc_difference([1, 0, 0, 0], [.9, .1, .2, .3], [.8, .2, .1, .3])
    p = _only(err)
    assert (p.table, p.column, p.value) == ("auc_difference", "y", (1, 3))
    assert "at least 2 positives and 2 negatives, not 1 and 3" in p.message


def test_repeated_top_k_percent(data):
    X, y = data
    with pytest.raises(ValidationError) as err:
        score_metrics([1, 0, 1, 0], [.9, .1, .8, .2], top_k_percent=[10, 10.0000001])
    p = _only(err)
    assert (p.table, p.column) == ("score_metrics", "top_k_percent") and "['10'] is given more than once" in p.message
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValidationError, match="is given more than once"):
        evaluate(model, X, y, top_k_percent=[5, 5])


def test_model_output_the_evaluation_cannot_read(data):
    X, y = data

    class Wrong:
        classes_ = np.array([0, 1])

        def predict_proba(self, X):
            return np.full((len(X) - 1, 2), 0.5)

    with pytest.raises(ValidationError) as err:
        evaluate(Wrong(), X, y)
    assert (_only(err).table, _only(err).column) == ("model", "predict_proba")
    ambiguous = LogisticRegression().fit(X, y + 1)  # classes 1 and 2
    with pytest.raises(ValidationError) as err:
        evaluate(ambiguous, X, y)
    p = _only(err)
    assert (p.table, p.column, p.value) == ("model", "classes_", [1, 2]) and "ambiguous" in p.message


@pytest.mark.parametrize("kwargs, column, words", [
    ({"train_years": 0}, "train_years", "whole number >= 1"),
    ({"train_years": 1.5}, "train_years", "whole number >= 1"),
    ({"cutoffs_per_year": 0}, "cutoffs_per_year", "whole number >= 1"),
    ({"years": 0}, "years", "number of test years >= 1"),
    ({"years": ["2023-02-01"]}, "years", "no training cut-off for test date 2023-02-01"),
    ({"years": ["2024-06-30"]}, "years", "no test rows at 2024-06-30"),
])
def test_backtest_arguments(needs_ds, kwargs, column, words):
    with pytest.raises(ValidationError) as err:
        backtest(needs_ds, LogisticRegression(), **kwargs)
    p = _only(err)
    assert (p.table, p.column) == ("backtest", column) and words in p.message


def test_backtest_training_rows_of_one_class(needs_ds, monkeypatch):
    from earlyhelp.risk import features

    class OneClass:
        X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
        y = pd.Series([0, 0, 0])
        excluded = None

        def __len__(self):
            return 3

    monkeypatch.setattr(features, "build_features", lambda *a, **k: OneClass())
    with pytest.raises(ValidationError) as err:
        backtest(needs_ds, LogisticRegression(), years=["2024-06-30"])
    p = _only(err)
    assert (p.table, p.column, p.value) == ("backtest", "target", "step_up_12m")
    assert "the 3 training rows before 2024-06-30 hold one class of step_up_12m only" in p.message


def test_no_ground_truth(needs_ds):
    from earlyhelp.risk import build_features, oracle_metrics

    fs = build_features(needs_ds, "2023-07-01", data_end="2024-12-31")
    with pytest.raises(ValidationError) as err:
        oracle_metrics(needs_ds, fs)
    assert _only(err).table == "truth.episodes" and "no ground truth" in _only(err).message


@pytest.mark.parametrize("at", [None, "not a date", pd.Timestamp("2024-01-01", tz="UTC")])
def test_need_profile_date(needs_ds, at):
    with pytest.raises(ValidationError) as err:
        need_profile(needs_ds, at)
    assert (_only(err).table, _only(err).column) == ("need_profile", "at")


@pytest.mark.parametrize("kwargs, column", [
    ({"data_description": " "}, "data_description"),
    ({"period": 2024}, "period"),
    ({"period": ("2020-01-01",)}, "period"),
])
def test_model_card_arguments(data, kwargs, column):
    X, y = data
    model = LogisticRegression().fit(X, y)
    args = {"data_description": "synthetic families", "period": "2020 to 2024", "intended_use": "tests",
            "limits": "none known", **kwargs}
    with pytest.raises(ValidationError) as err:
        model_card(None, model, None, None, **args)
    assert (_only(err).table, _only(err).column) == ("model_card", column)
