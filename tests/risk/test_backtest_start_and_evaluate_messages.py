"""backtest trains only on cut-offs build_features accepts (on or after the later of the extract's
window start and the first episode's start) and counts those it leaves out; evaluate() blames missing
values only when the model's error is about them, else gives the model's own message."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

from earlyhelp import Dataset, ValidationError, risk, synthetic


@pytest.fixture(scope="module")
def early_window():
    """An extract whose window opens 18 days before its first episode."""
    ds = synthetic.council("coventry", years=3, scale=0.15, seed=5)
    first = pd.Timestamp(ds.episodes["start_date"].min()).normalize()
    meta = dict(ds.meta, window_start=first - pd.Timedelta(days=18))
    return Dataset({k: v.copy() for k, v in ds.tables.items()}, meta=meta), first


def test_backtest_keeps_the_cutoffs_build_features_accepts_and_counts_the_rest(early_window):
    ds, first = early_window
    # the third training cut-off falls 6 days before the first episode, after the window start
    test_at = (first + pd.Timedelta(days=365 + 177)).normalize()
    bt = risk.backtest(ds, risk.LogisticRiskModel(), years=[test_at], oracle=False)
    step = pd.Timedelta(days=365 / 4)
    asked = {(test_at - pd.Timedelta(days=365) - step * j).normalize() for j in range(8)}
    kept = sorted(d for d in asked if d >= first)
    assert bt["train_cutoffs_before_data"].iloc[0] == len(asked) - len(kept) > 0
    fs = risk.build_features(ds, kept, data_end=test_at)
    assert bt["n_train"].iloc[0] == len(fs)


def test_backtest_refusal_names_its_own_argument(early_window):
    ds, first = early_window
    with pytest.raises(ValidationError) as err:
        risk.backtest(ds, risk.LogisticRiskModel(), years=[first + pd.Timedelta(days=300)], oracle=False)
    text = str(err.value)
    assert "backtest.years" in text and "build_features" not in text


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"n_requests": rng.poisson(1, n).astype(float), "youngest_age": rng.uniform(0, 17, n)},
                     index=[f"F{i:04d}" for i in range(n)])
    y = pd.Series(rng.binomial(1, 0.2, n), index=X.index, name="step_up_12m")
    with_nan = X.copy()
    with_nan.iloc[5, 0] = np.nan
    with_nan.iloc[9, 1] = np.nan
    return X, with_nan, y


def test_a_renamed_column_is_reported_as_such_not_as_missing_values(scored):
    X, with_nan, y = scored
    model = risk.LogisticRiskModel().fit(X, y)
    with pytest.raises(ValidationError) as err:
        risk.evaluate(model, with_nan.rename(columns={"youngest_age": "youngest_age_years"}), y)
    text = str(err.value)
    assert "youngest_age_years" in text and "missing (NaN)" not in text


def test_an_unknown_all_missing_column_is_the_pipelines_own_message(scored):
    X, with_nan, y = scored
    pipe = make_pipeline(SimpleImputer(), risk.LogisticRiskModel()).fit(with_nan, y)
    with pytest.raises(ValidationError) as err:
        risk.evaluate(pipe, X.assign(extra=np.nan), y)
    text = str(err.value)
    assert "Feature names unseen at fit time" in text and "extra" in text
    assert "impute them" not in text and err.value.problems[0].table == "X"


def test_missing_values_a_plain_model_cannot_take_are_still_named_by_column_and_row(scored):
    X, with_nan, y = scored
    model = risk.LogisticRiskModel().fit(X, y)
    with pytest.raises(ValidationError) as err:
        risk.evaluate(model, with_nan, y)
    columns = {(p.column, tuple(p.rows)) for p in err.value.problems}
    assert columns == {("n_requests", ("F0005",)), ("youngest_age", ("F0009",))}
