"""model_card writes a Markdown card with every section and the figures given."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from earlyhelp.risk import fairness_audit, model_card, score_metrics


def _fitted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"n_needs": rng.poisson(2, 500).astype(float), "deprivation": rng.uniform(0, 0.5, 500)})
    y = (rng.uniform(size=500) < 1 / (1 + np.exp(-(-2 + 0.6 * X["n_needs"])))).astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    groups = pd.DataFrame({"sex": rng.choice(["M", "F"], 500), "ethnicity": rng.choice(["WBRI", "CHNE"], 500,
                                                                                           p=[0.95, 0.05])})
    return model, X, y, p, groups


def test_card_sections_and_figures(tmp_path):
    model, X, y, p, groups = _fitted()
    metrics = pd.concat([score_metrics(y, p), score_metrics(y, np.clip(p * 1.1, 0, 1), name="oracle")], axis=1)
    audit = fairness_audit(y, p, groups)
    path = tmp_path / "cards" / "step_up.md"
    text = model_card(path, model, metrics, audit, data_description="Synthetic council (coventry preset).",
                      period=("2020-04-01", "2024-03-31"), intended_use=["Prioritise offers of help"],
                      limits=["Synthetic data only", "Not a decision"])
    assert path.read_text(encoding="utf-8") == text
    for heading in ("# Early Help risk model", "## Model", "## Intended use", "## Data", "## Metrics",
                    "## Fairness", "## Limits"):
        assert heading in text
    assert "never decide" in text
    assert "Period: 2020-04-01 to 2024-03-31." in text
    assert f"{metrics.loc['auc', 'model']:.4g}" in text and "oracle" in text
    assert "| n_needs |" in text  # coefficient table names the features
    assert "- Not a decision" in text
    # the small CHNE group is shown, not hidden
    assert "CHNE" in text and "too small to judge" in text


def test_card_without_path_and_optional_parts():
    model, X, y, p, groups = _fitted()
    text = model_card(None, model, None, None, "Data.", "2024", "Use.", "Limits.")
    assert "_No metrics supplied._" in text and "_No fairness audit supplied._" in text


def test_card_bad_input(tmp_path):
    model, *_ = _fitted()
    with pytest.raises(ValueError, match="data_description"):
        model_card(None, model, None, None, "  ", "2024", "Use.", "Limits.")
    with pytest.raises(ValueError, match="period"):
        model_card(None, model, None, None, "Data.", ["2020"], "Use.", "Limits.")


def test_a_pipelines_coefficients_carry_the_names_of_the_final_steps_inputs():
    """A step that reorders the columns (keeping their number) once put every coefficient beside
    another feature's name: the pipeline's input names, not the final step's."""
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from earlyhelp.risk import LogisticRiskModel, model_card

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    y = (rng.random(400) < 1 / (1 + np.exp(-3 * X["c"]))).astype(int)
    prep = ColumnTransformer([("scaled", StandardScaler(), ["c"])], remainder="passthrough",
                             verbose_feature_names_out=False).set_output(transform="pandas")
    pipe = Pipeline([("prep", prep), ("model", LogisticRiskModel(C=1.0))]).fit(X, y)
    card = model_card(None, pipe, None, None, "synthetic", "2022-2023", "test", "test")
    top = card[card.index("Largest coefficients"):].splitlines()[4]
    assert top.startswith("| c |"), top  # c drives y, and the scaler moved it to the front
