"""evaluate() leaves missing features to the model: an imputing pipeline is evaluated, and a model
that cannot take them names the column and the rows by the frame's index."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from earlyhelp import ValidationError, risk


def _frame():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"n_requests": rng.poisson(1, n).astype(float), "youngest_age": rng.uniform(0, 17, n)},
                     index=pd.Index([f"F{i:04d}" for i in range(n)], name="family_id"))
    y = pd.Series((rng.random(n) < 0.2).astype(int), index=X.index)
    X.iloc[5, 0] = np.nan
    X.iloc[9, 1] = np.nan
    return X, y


def test_imputing_pipeline_is_evaluated():
    X, y = _frame()
    model = make_pipeline(SimpleImputer(), risk.LogisticRiskModel()).fit(X, y)
    out = risk.evaluate(model, X, y)
    assert out["n"] == 300 and 0 <= out["auc"] <= 1


def test_model_without_imputer_names_each_column_and_its_rows():
    X, y = _frame()
    model = risk.LogisticRiskModel().fit(X.fillna(0), y)
    with pytest.raises(ValidationError) as err:
        risk.evaluate(model, X, y)
    text = str(err.value)
    assert "X.n_requests" in text and "F0005" in text and "X.youngest_age" in text and "F0009" in text
