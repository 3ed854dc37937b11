"""A Markdown model card: what the model is, what it was trained on, how well and how fairly
it works, what it is for and what it must not be used for."""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .fairness import FairnessAudit

JUDGEMENT = ("Risk scores support a practitioner's professional judgement; they never decide. No family "
             "is offered, refused or escalated because of a score alone.")


def _cell(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "-"
        if np.isinf(v):  # a ratio to a reference rate of 0
            return "inf" if v > 0 else "-inf"
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else ""
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    text = "" if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else str(v)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, index: bool = True) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    df = frame.reset_index() if index else frame
    header = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _coefficient_names(model: Any, final: Any) -> Any:
    """The names of the final estimator's inputs: its own ``feature_names_in_``, else what the
    pipeline's earlier steps put out; never the pipeline's input names, which a step that
    reorders or replaces columns makes wrong label by label (``None``: numbered instead)."""
    names = getattr(final, "feature_names_in_", None)
    if names is not None or final is model:
        return names
    try:
        return model[:-1].get_feature_names_out()
    except Exception:  # noqa: BLE001 - a step that cannot name its outputs: the coefficients are numbered
        return None


def _model_section(model: Any) -> str:
    lines = [f"- Estimator: `{type(model).__module__}.{type(model).__name__}`"]
    if hasattr(model, "get_params"):
        params = {k: v for k, v in model.get_params(deep=False).items() if not hasattr(v, "get_params")}
        if params:
            lines.append("- Parameters: " + ", ".join(f"`{k}={v!r}`" for k, v in sorted(params.items())))
    final = model
    if hasattr(model, "steps"):  # a Pipeline: describe each step and the final estimator's coefficients
        lines.append("- Steps: " + " -> ".join(f"`{name}` ({type(step).__name__})" for name, step in model.steps))
        final = model.steps[-1][1]
    coef = getattr(final, "coef_", None)
    names = _coefficient_names(model, final)
    if coef is not None:
        coef = np.asarray(coef).ravel()
        if names is None or len(names) != len(coef):
            names = [f"x{i}" for i in range(len(coef))]
        table = pd.DataFrame({"feature": names, "coefficient": coef})
        table = table.reindex(table["coefficient"].abs().sort_values(ascending=False).index).head(15)
        lines += ["", "Largest coefficients (on the model's own scale):", "",
                  markdown_table(table, index=False)]
        intercept = getattr(final, "intercept_", None)
        if intercept is not None:
            lines.append(f"\nIntercept: {_cell(float(np.ravel(intercept)[0]))}")
    return "\n".join(lines)


def _metrics_section(metrics: Union[pd.Series, pd.DataFrame, None]) -> str:
    if metrics is None:
        return "_No metrics supplied._"
    table = metrics.to_frame() if isinstance(metrics, pd.Series) else metrics
    if isinstance(metrics, pd.DataFrame) and "scorer" in table.columns:
        table = table.set_index([c for c in ("test_at", "scorer") if c in table.columns]).T
        table.columns = [" ".join(_cell(v) for v in (c if isinstance(c, tuple) else (c,))) for c in table.columns]
    text = markdown_table(table.rename_axis("metric"))
    if "oracle" in " ".join(str(c) for c in table.columns):
        text += ("\n\nThe *oracle* column scores the synthetic generator's true probabilities: the best any "
                 "model could do on these rows. The gap between the columns is what the model misses.")
    return text


def _fairness_section(fairness: Optional[pd.DataFrame]) -> str:
    if fairness is None or len(fairness) == 0:
        return "_No fairness audit supplied._"
    cols = [c for c in ("attribute", "group", "n", "positives", "selection_rate", "tpr", "fpr", "ppv", "mean_p",
                        "observed_rate", "selection_rate_ratio", "tpr_ratio", "fpr_ratio", "ppv_ratio",
                        "is_reference", "small_group", "flags") if c in fairness.columns]
    lines = []
    if isinstance(fairness, FairnessAudit):
        lines.append(f"Selected: score at least {_cell(fairness.threshold)}. "
                     f"Flag band: ratios to the reference group outside "
                     f"[{_cell(1 - fairness.max_ratio_gap)}, {_cell(1 / (1 - fairness.max_ratio_gap))}].")
    flagged = fairness[fairness["flagged"]] if "flagged" in fairness.columns else fairness.iloc[:0]
    small = fairness[fairness["small_group"]] if "small_group" in fairness.columns else fairness.iloc[:0]
    lines.append(f"{len(flagged)} of {len(fairness)} groups flagged; {len(small)} groups too small to judge "
                 "(shown, not flagged).")
    lines += ["", markdown_table(fairness[cols], index=False)]
    return "\n".join(lines)


def _bullets(items: Union[str, Iterable[str], None], empty: str) -> str:
    if items is None:
        return empty
    if isinstance(items, str):
        return items
    items = list(items)
    return "\n".join(f"- {i}" for i in items) if items else empty


def model_card(path: Union[str, os.PathLike, None], model: Any, metrics: Union[pd.Series, pd.DataFrame, None],
               fairness: Optional[pd.DataFrame], data_description: str, period: Union[str, Sequence[Any]],
               intended_use: Union[str, Sequence[str]], limits: Union[str, Sequence[str]],
               title: str = "Early Help risk model", features: Optional[Sequence[str]] = None) -> str:
    """Write a Markdown model card and return its text.

    Parameters
    ----------
    path : str or path-like or None
        File to write (parent folders are created); None only returns the text.
    model : the fitted estimator (class, parameters and largest coefficients are shown).
    metrics : Series or DataFrame or None
        A Series from :func:`evaluate` / :func:`oracle_metrics`, a DataFrame of
        several side by side (e.g. ``pd.concat([model_m, oracle_m], axis=1)``) or a
        :func:`backtest` result.
    fairness : DataFrame, optional
        A :func:`fairness_audit` result.
    data_description : str
        Where the data come from and which families are in it.
    period : text, or (start, end) of the training and test period.
    intended_use, limits : str or sequence of str
        Text or a list of points.
    features : sequence of str, optional
        Names of the features (default the model's ``feature_names_in_``).
    title : str, default "Early Help risk model"
        the card's title.

    Returns
    -------
    str
        the model card (Markdown).
    """
    if not isinstance(data_description, str) or not data_description.strip():
        raise ValidationError(Problem("model_card", "data_description", "must say what data the model was built on",
                                      value=data_description))
    if not isinstance(period, str):
        if not isinstance(period, Iterable):
            raise ValidationError(Problem("model_card", "period", "must be text or (start, end)", value=period))
        period = list(period)
        if len(period) != 2:
            raise ValidationError(Problem("model_card", "period", f"must be text or (start, end), not {len(period)} "
                                          "values", value=period))
        period = f"{_cell(pd.Timestamp(period[0]))} to {_cell(pd.Timestamp(period[1]))}"
    if features is None:
        features = [str(f) for f in getattr(model, "feature_names_in_", [])]
    elif isinstance(features, str):  # one name, not a list of its letters
        features = [features]
    sections = [
        f"# {title}",
        f"_Model card written {_dt.date.today().isoformat()} by earlyhelp._",
        f"> {JUDGEMENT}",
        "## Model", _model_section(model),
        "## Intended use", _bullets(intended_use, "_Not stated._"),
        "## Data", data_description.strip(),
        f"Period: {period}.",
    ]
    if features:
        sections.append(f"Features ({len(features)}): " + ", ".join(f"`{f}`" for f in features))
    sections += ["## Metrics", _metrics_section(metrics),
                 "## Fairness", _fairness_section(fairness),
                 "## Limits", _bullets(limits, "_Not stated._")]
    text = "\n\n".join(sections) + "\n"
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text
