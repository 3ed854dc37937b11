"""Risk answers that were silently wrong or unnamed: a model fitted on two words scored by the
wrong column, and a constant column named only by its number."""
from __future__ import annotations

import numpy as np
import pytest

from earlyhelp import ValidationError
from earlyhelp.risk import LogisticRiskModel, PoissonRiskModel, evaluate, predict_risk


def test_two_words_that_do_not_say_which_is_the_outcome_are_refused(data):
    X, y = data
    # sorted, "escalated" comes first: the last column would be P(not escalated) and the AUC upside down
    fitted = LogisticRiskModel().fit(X, np.where(y == 1, "escalated", "not_escalated"))
    with pytest.raises(ValueError, match="ambiguous"):
        evaluate(fitted, X, y)


@pytest.mark.parametrize("yes, no", [("Y", "N"), ("true", "false"), ("1", "0")])
def test_yes_and_no_words_score_the_yes_column(data, yes, no):
    X, y = data
    fitted = LogisticRiskModel().fit(X, np.where(y == 1, yes, no))
    expected = LogisticRiskModel().fit(X, y).predict_proba(X)[:, 1]
    assert predict_risk(fitted, X) == pytest.approx(expected)
    assert evaluate(fitted, X, y)["auc"] > 0.5


@pytest.mark.parametrize("model", [LogisticRiskModel(C=np.inf), PoissonRiskModel(alpha=0)])
def test_a_constant_column_without_penalty_is_named(data, model):
    X, y = data
    with pytest.raises(ValidationError, match="column 3 of X is constant") as info:
        model.fit(X.assign(region=7.0), y)
    assert [p.column for p in info.value.problems] == ["region"]
    assert "X.region" in str(info.value)
