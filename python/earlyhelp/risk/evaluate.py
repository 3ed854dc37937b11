"""Honest evaluation of risk scores: discrimination, calibration, top-k, backtests, the oracle.

Every function takes any scikit-learn compatible estimator with ``predict_proba``
(earlyhelp's :class:`LogisticRiskModel`, scikit-learn's ``LogisticRegression``, a
council's own pipeline), so models are compared on equal terms.

Metric definitions (:func:`score_metrics`)
-----------------------------------------
``auc``                 area under the ROC curve (ties count one half).
``average_precision``   sum over thresholds of (recall step) x precision, as scikit-learn.
``brier``               mean of (p - y)^2.
``log_loss``            mean of -(y log p + (1 - y) log(1 - p)), p clipped to [1e-15, 1 - 1e-15].
``calibration_slope``   b in logit P(y=1) = a + b logit(p) (maximum likelihood); 1 is ideal,
                        below 1 means scores are too extreme.
``calibration_intercept``  a in logit P(y=1) = a + logit(p) (slope fixed at 1: calibration
                        in the large); 0 is ideal, above 0 means scores are too low on average.
``precision_top_k``, ``recall_top_k``  among the ceil(k% of n) highest scores (ties broken by
                        row order): the share that are positive, and the share of all
                        positives they hold.
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd
from scipy import special

from .._docstrings import with_sections
from .._errors import Problem, ValidationError
from .._numbers import is_real, is_whole
from ._glm import row_labels

EPS = 1e-15
Number = Union[int, float]


_evaluation_doc = with_sections(
    top_k_percent="top_k_percent : number or sequence of numbers, default (5, 10, 20)\n"
                  "    the percentages of highest scores for precision and recall at the top.",
    synthetic_ds="ds : Dataset\n    a synthetic council (with ``ds.truth``).",
    model_X="model : estimator\n    a fitted classifier with ``predict_proba``.\n"
            "X : DataFrame or array-like\n    features, one row per case.")


# -- checks -----------------------------------------------------------------------------------

def _as_floats(values: Any, name: str) -> np.ndarray:
    """values as floats, missing ones NaN; text (even digits), other non-numbers and complex numbers
    are refused naming their rows (numpy reads "1" as 1.0, and fails on "a" or pd.NA naming nothing)."""
    from ._glm import _is_number, row_labels

    if values is None or isinstance(values, (str, bytes, dict)):
        raise ValidationError(Problem(name, None, f"must be an array of numbers, one per row, not "
                                      f"{type(values).__name__}"))
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as exc:  # ragged lists
        raise ValidationError(Problem(name, None, f"cannot be read as numbers ({exc})")) from exc
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64)
    if arr.dtype.kind == "c":
        raise ValidationError(Problem(name, None, "complex numbers; give real numbers"))
    flat = arr.astype(object).reshape(-1)
    missing = np.array([pd.isna(v) is True for v in flat], dtype=bool)
    text = np.array([isinstance(v, (str, bytes)) for v in flat], dtype=bool)
    other = ~missing & ~text & ~np.array([_is_number(v) for v in flat], dtype=bool)
    if arr.dtype.kind in "mM":
        other = ~missing
    for mask, what in ((text, "holds text, not numbers (text is not read as a number, not even digits; convert "
                              "it with pd.to_numeric)"), (other, "holds values that are not numbers")):
        rows = np.flatnonzero(mask)
        if rows.size:
            raise ValidationError(Problem(name, None, what, rows=row_labels(values, rows), n_rows=rows.size,
                                          value=flat[rows[0]]))
    return np.array([np.nan if m else float(v) for v, m in zip(flat, missing)], dtype=np.float64).reshape(arr.shape)


def _as_labels(y: Any, name: str = "y") -> np.ndarray:
    from ._glm import row_labels

    arr = _as_floats(y, name).ravel()
    missing = np.flatnonzero(np.isnan(arr))
    if missing.size:
        raise ValidationError(Problem(name, None, "missing outcomes (NaN, None or pd.NA); drop these rows or record "
                                      "their outcomes", rows=row_labels(y, missing), n_rows=missing.size))
    bad = ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        raise ValidationError(Problem(name, None, f"{name} must hold only 0 and 1 (or True/False); found "
                                      f"{arr[bad][:5].tolist()} in {int(bad.sum())} rows",
                                      rows=row_labels(y, np.flatnonzero(bad)), n_rows=int(bad.sum())))
    return arr.astype(np.int64)


def _as_probabilities(p: Any, name: str = "p") -> np.ndarray:
    from ._glm import row_labels

    arr = _as_floats(p, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim > 1:  # flattening predict_proba's two columns would double the rows
        raise ValidationError(Problem(name, None, f"{name} must be one probability per row, got shape {arr.shape}; "
                                      "for predict_proba's output pass its column of the positive class, "
                                      "predict_proba(X)[:, 1]"))
    arr = arr.ravel()
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValidationError(Problem(name, None, f"{name} must be probabilities in [0, 1] (missing, NaN or "
                                      f"outside [0, 1]); {int(bad.sum())} rows are not",
                                      rows=row_labels(p, rows), n_rows=rows.size, value=float(arr[rows[0]])))
    return arr


def _check_pair(y: np.ndarray, p: np.ndarray) -> None:
    if len(y) != len(p):
        raise ValidationError(Problem("p", None, f"y and p have different lengths ({len(y)} and {len(p)})"))
    if len(y) == 0:
        raise ValidationError(Problem("y", None, "no rows to evaluate"))


def _check_k(top_k: Union[Number, Sequence[Number]]) -> List[float]:
    if not np.isscalar(top_k) and not isinstance(top_k, Iterable):
        raise ValidationError(Problem("score_metrics", "top_k_percent", "must be a percentage in (0, 100] or a list "
                                      "of them", value=top_k))
    ks = [top_k] if np.isscalar(top_k) else list(top_k)
    for k in ks:
        if not is_real(k) or not 0 < k <= 100:
            raise ValidationError(Problem("score_metrics", "top_k_percent", "must be percentages in (0, 100]",
                                          value=k))
    labels = [_k_label(float(k)) for k in ks]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        # one result column per label: the second would overwrite the first
        raise ValidationError(Problem("score_metrics", "top_k_percent", "top_k percentages must differ to 6 "
                                      f"significant digits (one result column each): {repeated} is given more than "
                                      "once", value=list(ks)))
    return [float(k) for k in ks]


def _k_label(k: float) -> str:
    """The label of a top-k percentage in metric names (``precision_top_<label>pct``)."""
    return f"{k:g}"


# -- metrics ----------------------------------------------------------------------------------

def auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney rank sum (average ranks for ties)."""
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = pd.Series(p).rank(method="average").to_numpy()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _placements(y: np.ndarray, p: np.ndarray) -> tuple:
    """DeLong's placement values: for each positive the share of negatives it outranks, and
    for each negative the share of positives that outrank it (ties count one half)."""
    pos = y == 1
    all_ranks = pd.Series(p).rank(method="average").to_numpy()
    pos_ranks = pd.Series(p[pos]).rank(method="average").to_numpy()
    neg_ranks = pd.Series(p[~pos]).rank(method="average").to_numpy()
    n1, n0 = int(pos.sum()), int((~pos).sum())
    v10 = (all_ranks[pos] - pos_ranks) / n0
    v01 = 1.0 - (all_ranks[~pos] - neg_ranks) / n1
    return v10, v01


def auc_difference(y: Any, p_a: Any, p_b: Any, level: float = 0.95) -> Dict[str, float]:
    """Difference of two paired AUCs on the same rows (a minus b), with DeLong's variance.

    DeLong, DeLong & Clarke-Pearson (1988), computed from midranks (Sun & Xu 2014).
    Rows are taken as independent; rows of the same family at several cut-offs are not,
    so the interval is then somewhat too narrow.

    Parameters
    ----------
    y : array-like of 0/1
        outcomes.
    p_a, p_b : array-like of float
        the two scores of the same rows.
    level : float, default 0.95
        confidence level of the interval.

    Returns
    -------
    dict
        ``auc_a``, ``auc_b``, ``difference``, ``se``, ``ci_low``, ``ci_high`` (two-sided
        ``level``) and ``p_value`` (two-sided, no difference).
    """
    from scipy.stats import norm

    yy = _as_labels(y)
    a, b = _as_probabilities(p_a, "p_a"), _as_probabilities(p_b, "p_b")
    _check_pair(yy, a)
    _check_pair(yy, b)
    from ._glm import two_sided_z

    z = two_sided_z(level, table="auc_difference")  # exact for levels within 1e-16 of 1 too
    n1, n0 = int(yy.sum()), int(len(yy) - yy.sum())
    if n1 < 2 or n0 < 2:
        raise ValidationError(Problem("auc_difference", "y", f"needs at least 2 positives and 2 negatives, not {n1} "
                                      f"and {n0}: the variance of an AUC comes from both", value=(n1, n0)))
    v10a, v01a = _placements(yy, a)
    v10b, v01b = _placements(yy, b)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    cov = s10 / n1 + s01 / n0
    diff = float(v10a.mean() - v10b.mean())
    se = float(np.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0)))
    p_value = float(2 * norm.sf(abs(diff) / se)) if se > 0 else (1.0 if diff == 0 else 0.0)
    return {"auc_a": float(v10a.mean()), "auc_b": float(v10b.mean()), "difference": diff, "se": se,
            "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p_value}


def average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision: sum of (R_n - R_{n-1}) P_n over distinct score thresholds."""
    n1 = int(y.sum())
    if n1 == 0:
        return float("nan")
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    last = np.r_[np.flatnonzero(np.diff(ps) != 0), len(ps) - 1]  # last row of each tied score
    tp_t = tp[last].astype(float)
    precision = tp_t / (last + 1)
    recall_step = np.diff(np.r_[0.0, tp_t]) / n1
    return float(np.sum(recall_step * precision))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log1p(-q)))


def _logistic_fit(y: np.ndarray, x: Optional[np.ndarray], offset: np.ndarray) -> np.ndarray:
    """Maximum likelihood (a[, b]) in logit P = a + b x + offset, by Newton's method."""
    cols = [np.ones_like(offset)] + ([x] if x is not None else [])
    Z = np.column_stack(cols)
    beta = np.zeros(Z.shape[1])
    for _ in range(100):
        eta = Z @ beta + offset
        mu = special.expit(eta)  # without overflow where eta is far below 0
        w = np.maximum(mu * (1 - mu), 1e-12)
        grad = Z.T @ (y - mu)
        hess = Z.T @ (Z * w[:, None])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return np.full(Z.shape[1], np.nan)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 1e6:
            return np.full(Z.shape[1], np.nan)  # separation: no finite maximum
    return beta


def calibration_slope_intercept(y: np.ndarray, p: np.ndarray) -> Dict[str, float]:
    """Calibration slope (logistic recalibration) and intercept (calibration in the large)."""
    if y.min() == y.max():
        return {"calibration_slope": float("nan"), "calibration_intercept": float("nan")}
    lp = np.log(np.clip(p, EPS, 1 - EPS)) - np.log1p(-np.clip(p, EPS, 1 - EPS))
    slope = _logistic_fit(y, lp, np.zeros_like(lp))[1] if np.ptp(lp) > 0 else float("nan")
    intercept = _logistic_fit(y, None, lp)[0]
    return {"calibration_slope": float(slope), "calibration_intercept": float(intercept)}


def top_k(y: np.ndarray, p: np.ndarray, k: float) -> Dict[str, float]:
    """Precision and recall among the ceil(k% of n) highest scores."""
    n_top = max(1, math.ceil(len(p) * k / 100 - 1e-9))
    order = np.argsort(-p, kind="mergesort")[:n_top]
    hits = int(y[order].sum())
    n1 = int(y.sum())
    label = _k_label(k)
    return {f"precision_top_{label}pct": hits / n_top,
            f"recall_top_{label}pct": hits / n1 if n1 else float("nan")}


@_evaluation_doc
def score_metrics(y: Any, p: Any, top_k_percent: Union[Number, Sequence[Number]] = (5, 10, 20),
                  name: str = "model") -> pd.Series:
    """All metrics (see the module docstring) of scores ``p`` against labels ``y``.

    A single class in ``y`` is allowed: the metrics that need both classes (AUC,
    average precision, calibration slope and intercept) are NaN.

    Returns
    -------
    Series named ``name``: ``n``, ``positives``, ``prevalence``, ``mean_p``, ``auc``,
    ``average_precision``, ``brier``, ``log_loss``, ``calibration_slope``,
    ``calibration_intercept`` and ``precision_top_<k>pct`` / ``recall_top_<k>pct``.

    Parameters
    ----------
    y : array-like
        0/1 labels.
    p : array-like
        scores (probabilities).
    {top_k_percent}
    name : str, default "model"
        the name of the returned Series.
    """
    yy, pp = _as_labels(y), _as_probabilities(p)
    _check_pair(yy, pp)
    ks = _check_k(top_k_percent)
    out: Dict[str, float] = {"n": float(len(yy)), "positives": float(yy.sum()), "prevalence": float(yy.mean()),
                             "mean_p": float(pp.mean()), "auc": auc(yy, pp),
                             "average_precision": average_precision(yy, pp),
                             "brier": float(np.mean((pp - yy) ** 2)), "log_loss": log_loss(yy, pp)}
    out.update(calibration_slope_intercept(yy, pp))
    for k in ks:
        out.update(top_k(yy, pp, k))
    return pd.Series(out, name=name)


@_evaluation_doc
def predict_risk(model: Any, X: Any) -> np.ndarray:
    """P(y = 1) from any estimator with ``predict_proba`` (column of class 1).

    Parameters
    ----------
    {model_X}

    Returns
    -------
    ndarray
        one probability per row.
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"{type(model).__name__} has no predict_proba; risk scores must be probabilities "
                        "(wrap a classifier in sklearn.calibration.CalibratedClassifierCV)")
    proba = np.asarray(model.predict_proba(X))
    if proba.ndim != 2 or proba.shape[0] != len(X):
        raise ValidationError(Problem("model", "predict_proba", f"returned shape {proba.shape} for {len(X)} rows: "
                                      "expected one row per case and one column per class", value=proba.shape))
    classes = list(getattr(model, "classes_", [0, 1]))
    col = _outcome_column(classes) if len(classes) == 2 else None
    if len(classes) == 2 and col is None:
        # e.g. classes 1 and 2 (the class labelled 1 is then the negative one) or two words such as
        # "escalated" and "not_escalated" (the outcome sorts first): scoring the wrong column against
        # 0/1 outcomes would silently turn the AUC upside down
        shown = [c.item() if isinstance(c, np.generic) else c for c in classes]
        raise ValidationError(Problem("model", "classes_", f"the model's classes are {shown}: which one is the "
                                      "outcome is ambiguous; refit it on 0/1 (or False/True) labels", value=shown))
    if col is None:
        col = classes.index(1) if 1 in classes else proba.shape[1] - 1
    return proba[:, col]


def _outcome_column(classes: List[Any]) -> Optional[int]:
    """Which of two classes is the outcome: 1 beside 0 or -1 (True beside False), or a yes-word
    beside a no-word ("yes"/"no", "Y"/"N", "true"/"false"); None when that is not clear."""
    from ..data.coerce import FALSE_WORDS, TRUE_WORDS

    if 1 in classes:
        other = [c for c in classes if not (c == 1)]
        return classes.index(1) if len(other) == 1 and other[0] in (0, -1) else None
    words = [str(c).strip().lower() if isinstance(c, (str, np.str_)) else None for c in classes]
    yes = [w in TRUE_WORDS for w in words]
    no = [w in FALSE_WORDS for w in words]
    if sorted(yes) == [False, True] and sorted(no) == [False, True] and yes.index(True) == no.index(False):
        return yes.index(True)
    return None


def _n_rows(values: Any, name: str) -> int:
    """How many rows ``values`` holds, or a ValidationError naming it (a number or None has no rows)."""
    try:
        return len(values)
    except TypeError:
        raise ValidationError(Problem(name, None, "must be array-like with one row per case, not "
                                      f"{type(values).__name__}")) from None


def _check_X(X: Any, y: Any) -> None:
    """X and y of one length. Missing or infinite features are left to the model: a pipeline may
    impute them (see :func:`_not_finite_problems` for a model that cannot)."""
    n, n_y = _n_rows(X, "X"), _n_rows(y, "y")
    if n != n_y:
        raise ValidationError(Problem("y", None, f"X and y have different lengths ({n} and {n_y})"))


# scikit-learn's "Input X contains NaN" / "contains infinity", the package's own finite-number problem
_MISSING_WORDS = re.compile(r"\bNaN\b|infinit", flags=re.IGNORECASE)


def _about_missing_values(exc: ValueError) -> bool:
    """Whether a model's error is about missing or infinite values (else it is left in its own words)."""
    if isinstance(exc, ValidationError):
        return bool(exc.problems) and all(_MISSING_WORDS.search(p.message) for p in exc.problems)
    return bool(_MISSING_WORDS.search(str(exc)))


def _model_message(exc: BaseException) -> str:
    """A model's error on one line, without a dump of the data."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines)[:600] or type(exc).__name__


def _not_finite_problems(X: Any) -> List[Problem]:
    """One problem per numeric column of X holding NaN or infinite values, with that column's rows
    (the frame's index labels); text and categorical columns are the model's encoder's."""
    if isinstance(X, pd.DataFrame):
        numeric = [j for j in range(X.shape[1]) if pd.api.types.is_numeric_dtype(X.dtypes.iloc[j])
                   and not isinstance(X.dtypes.iloc[j], pd.CategoricalDtype)]
        columns = [str(X.columns[j]) for j in numeric]
        values = X.iloc[:, numeric].to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            values = np.asarray(X, dtype=float)
        except (TypeError, ValueError):
            return []
        if values.ndim != 2:
            return []
        columns = [f"x{j}" for j in range(values.shape[1])]
    bad = ~np.isfinite(values)
    problems = []
    for j in np.flatnonzero(bad.any(axis=0)):
        rows = np.flatnonzero(bad[:, j])
        problems.append(Problem("X", columns[j], "missing (NaN) or infinite values the model cannot take; impute "
                                "them (e.g. SimpleImputer in a pipeline) or drop these rows",
                                rows=row_labels(X, rows), n_rows=rows.size, value=float(values[rows[0], j])))
    return problems


@_evaluation_doc
def evaluate(model: Any, X: Any, y: Any, top_k_percent: Union[Number, Sequence[Number]] = (5, 10, 20),
             name: str = "model") -> pd.Series:
    """Metrics of a fitted model's ``predict_proba`` on ``X`` against ``y`` (:func:`score_metrics`).

    Parameters
    ----------
    {model_X}
    y : array-like
        0/1 labels.
    {top_k_percent}
    name : str, default "model"
        the name of the returned Series.

    Returns
    -------
    Series
        as :func:`score_metrics`.
    """
    _check_X(X, y)
    try:
        p = predict_risk(model, X)
    except ValueError as exc:
        if _about_missing_values(exc):
            # a model that cannot take missing or infinite features (scikit-learn's message names no
            # column; a pipeline's last step names its own, encoded columns): X's columns and rows
            problems = _not_finite_problems(X)
            if problems:
                raise ValidationError(problems) from exc
        if isinstance(exc, ValidationError):
            raise
        # any other refusal (unknown or renamed columns...) in the model's own words
        raise ValidationError(Problem("X", None, f"the model refused X: {_model_message(exc)}")) from exc
    return score_metrics(y, p, top_k_percent, name=name)


# -- the oracle (synthetic councils) ------------------------------------------------------------

END_REASONS = ("outcomes_met", "step_up", "step_down_universal", "disengaged", "moved_away", "transferred",
               "other")  # the generator's order (code_labels()["end_reason"])


def _check_truth(t: pd.DataFrame, table: str, key: str, probabilities: Sequence[str] = (),
                 positive: Sequence[str] = (), finite: Sequence[str] = ()) -> None:
    """Raise naming ``table``, the column and the rows (by ``key``) where a truth column the
    oracle uses is not a probability in [0, 1], not a positive finite number or not finite."""
    problems = []
    for cols, test, what in ((probabilities, lambda v: np.isfinite(v) & (v >= 0) & (v <= 1),
                              "must be a probability in [0, 1]"),
                             (positive, lambda v: np.isfinite(v) & (v > 0), "must be a positive finite number"),
                             (finite, np.isfinite, "must be a finite number")):
        for col in cols:
            if col not in t.columns:
                problems.append(Problem(table, col, "column the oracle needs is missing"))
                continue
            v = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~test(v)
            if bad.any():
                ids = t.loc[bad, key].astype(str).drop_duplicates()
                value = t.loc[bad, col].iloc[0]
                problems.append(Problem(table, col, f"{what} (used by {int(bad.sum())} feature rows)",
                                        rows=ids.tolist()[:10], n_rows=len(ids),
                                        value=value.item() if isinstance(value, np.generic) else value))
    if problems:
        raise ValidationError(problems)


def _truth_episodes(ds: Any, features: Any) -> pd.DataFrame:
    """The truth row of each FeatureSet row's episode, with its start and end dates."""
    truth = getattr(ds, "truth", {}) or {}
    ep = truth.get("episodes")
    if ep is None or len(ep) == 0 or "duration_scale" not in ep.columns:
        raise ValidationError(Problem("truth.episodes", "duration_scale", "this Dataset has no ground truth "
                                      "(ds.truth['episodes'] with the closure model); only synthetic councils from "
                                      "earlyhelp.synthetic have an oracle"))
    t = ep.set_index(ep["episode_id"].astype(str))
    dates = ds.episodes.set_index(ds.episodes["episode_id"].astype(str))[["start_date", "end_date"]]
    ids = features.ids["episode_id"].astype(str)
    known = ids.isin(t.index) & ids.isin(dates.index)
    if not known.all():
        missing = features.ids.loc[~known.to_numpy(), "episode_id"].tolist()
        raise ValidationError([Problem("truth.episodes", "episode_id", "episodes without a true closure model",
                                       rows=missing[:10], n_rows=len(missing))])
    out = t.loc[ids.to_numpy()].reset_index(drop=True)
    d = dates.loc[ids.to_numpy()].reset_index(drop=True)
    return out.assign(start_date=d["start_date"].to_numpy(), end_date=d["end_date"].to_numpy())


@_evaluation_doc
def oracle_probabilities(ds: Any, features: Any) -> np.ndarray:
    """The true probability of each FeatureSet row's label, given the state at its cut-off.

    Computed in C++ from the generator's own model of how episodes end
    (``earlyhelp._core.synthetic.oracle_step_up`` / ``oracle_rereferral``) with each
    episode's hidden closure model in ``ds.truth['episodes']``:

    ``step_up_12m``: P(a step-up within ``horizon_days`` after ``at`` | the family's episode
    is still open after ``at - start_date`` days). Step-up episodes close faster than others,
    so the chance falls with days open. It counts this episode ending by step-up and a
    re-referral after a closure that goes to social care or opens an episode that steps up;
    paths that need a third request within the window are left out (well under 0.1%).
    ``rereferral_12m``: P(a new request within ``horizon_days`` of the closure, after ``at``
    | none between the closure and ``at``).

    Windows of 1 to 365 days.

    Parameters
    ----------
    {synthetic_ds}
    features : FeatureSet
        :func:`build_features` output on ``ds``.

    Returns
    -------
    ndarray
        one probability per row of ``features``.
    """
    from .._native import synthetic as core
    from ..data.events import STEP_UP_WITHIN_DAYS

    if len(features) == 0:
        return np.zeros(0)
    from .._native import naming

    t = _truth_episodes(ds, features)
    at = pd.to_datetime(features.ids["at"]).to_numpy()
    window = int(features.horizon_days)
    if features.target == "step_up_12m":
        _check_truth(t, "truth.episodes", "episode_id", probabilities=[f"p_end_{r}" for r in END_REASONS]
                     + ["p_rereferral"], positive=["duration_scale"])
        days_open = ((at - t["start_date"].to_numpy()) // np.timedelta64(1, "D")).astype(np.int32)
        p_end = t[[f"p_end_{r}" for r in END_REASONS]].to_numpy(dtype=np.float64)
        with naming("truth.episodes"):
            return core.oracle_step_up(p_end, t["duration_scale"].to_numpy(dtype=np.float64),
                                       t["p_rereferral"].to_numpy(dtype=np.float64), days_open, window,
                                       STEP_UP_WITHIN_DAYS)
    _check_truth(t, "truth.episodes", "episode_id", probabilities=["p_rereferral"])
    since = ((at - t["end_date"].to_numpy()) // np.timedelta64(1, "D")).astype(np.int32)
    with naming("truth.episodes"):
        return core.oracle_rereferral(t["p_rereferral"].to_numpy(dtype=np.float64), since, window)


@_evaluation_doc
def oracle_metrics(ds: Any, features: Any, top_k_percent: Union[Number, Sequence[Number]] = (5, 10, 20)
                   ) -> pd.Series:
    """:func:`score_metrics` of the true probabilities in ``ds.truth`` on a FeatureSet's rows:
    the figures of the best possible model, to show beside a fitted model's.

    Parameters
    ----------
    {synthetic_ds}
    features : FeatureSet
        :func:`build_features` output on ``ds``.
    {top_k_percent}

    Returns
    -------
    Series
        named ``oracle``, as :func:`score_metrics`.
    """
    return score_metrics(features.y, oracle_probabilities(ds, features), top_k_percent, name="oracle")


OBSERVABLE_TRUTH = ("core_needs", "deprivation_effect", "linked_household", "n_children", "locality_id")


def _observable_traits(ds: Any, features: Any) -> pd.DataFrame:
    from ..data import codes

    fam = ds.truth["families"]
    ids = features.ids["family_id"].astype(str)
    known = ids.isin(fam["family_id"].astype(str))
    if not known.all():
        missing = ids[~known].drop_duplicates().tolist()
        raise ValidationError([Problem("truth.families", "family_id", "families without a truth row",
                                       rows=missing[:10], n_rows=len(missing))])
    t = fam.set_index(fam["family_id"].astype(str)).loc[ids]
    _check_truth(t.reset_index(drop=True).assign(family_id=ids.to_numpy()), "truth.families", "family_id",
                 finite=["deprivation_effect", "n_children"])
    out = pd.DataFrame({f"need_{n}": t["core_needs"].map(lambda v, n=n: n in v).to_numpy(dtype=float)
                        for n in codes.NEEDS})
    out["deprivation_effect"] = t["deprivation_effect"].to_numpy(dtype=float)
    out["linked_household"] = t["linked_household"].to_numpy(dtype=float)
    out["n_children"] = t["n_children"].to_numpy(dtype=float)
    out["three_or_more_children"] = (out["n_children"] >= 3).astype(float)
    locality = t["locality_id"].astype(str).to_numpy()
    for lid in sorted(set(fam["locality_id"].astype(str)))[1:]:
        out[f"locality_{lid}"] = (locality == lid).astype(float)
    for age_flag in ("child_under_5", "teenager"):  # the ages drive both targets; the truth keeps no ages
        if age_flag in features.X.columns:
            out[age_flag] = features.X[age_flag].to_numpy(dtype=float)
    return out


@_evaluation_doc
def observable_oracle(ds: Any, train: Any, test: Any,
                      top_k_percent: Union[Number, Sequence[Number]] = (5, 10, 20)) -> pd.Series:
    """Metrics of the best model of the generator's *observable* family traits (synthetic only).

    The oracle's true probabilities also use drivers no council records (the family's
    latent need and pure noise in the generator). This fits a logistic regression on the
    traits the generator draws the probabilities from and that a council can observe
    (``ds.truth['families']``: the family's core needs, deprivation, linked household,
    children and locality, plus a child under five and a teenager) on the ``train`` rows and scores the
    ``test`` rows: the ceiling for a model built from council data. The gap from this to
    the model is what the features miss; the gap from this to the oracle is unobservable.

    Parameters
    ----------
    {synthetic_ds}
    train : FeatureSet
        the rows to fit on.
    test : FeatureSet
        the rows to score.
    {top_k_percent}

    Returns
    -------
    Series
        named ``observable_oracle``, as :func:`score_metrics`.
    """
    from sklearn.linear_model import LogisticRegression

    oracle_probabilities(ds, train)  # same checks: truth present, every family known
    model = LogisticRegression(C=1e4, max_iter=5000).fit(_observable_traits(ds, train), train.y)
    p = model.predict_proba(_observable_traits(ds, test))[:, 1]
    return score_metrics(test.y, p, top_k_percent, name="observable_oracle")


# -- backtest ---------------------------------------------------------------------------------

def _data_start(ds: Any) -> pd.Timestamp:
    """The first cut-off date backtest may train on: the later of the extract's window start
    (``meta["window_start"]``) and the first episode's start (build_features refuses a date before it)."""
    from .features import first_episode_start

    starts = [pd.Timestamp(d).normalize() for d in (ds.meta.get("window_start"), first_episode_start(ds))
              if d is not None and not pd.isna(d)]
    return max(starts) if starts else pd.NaT


def _backtest_features(build_features: Any, test_at: pd.Timestamp, *args: Any, **kwargs: Any) -> Any:
    """build_features for backtest: a refused cut-off date comes from backtest's ``years``, so the
    error names that, not build_features' ``at`` (which the user never passed)."""
    try:
        return build_features(*args, **kwargs)
    except ValidationError as exc:
        dates = [p for p in exc.problems if p.table == "build_features" and p.column == "at"]
        if not dates:
            raise
        raise ValidationError([Problem("backtest", "years", f"test date {test_at.date()}: a cut-off date it needs "
                                       f"was refused: {p.message}", value=test_at.date().isoformat())
                               for p in dates]) from exc


@_evaluation_doc
def backtest(ds: Any, model: Any, target: str = "step_up_12m", years: Union[int, Iterable[Any]] = 2,
             train_years: int = 2, cutoffs_per_year: int = 4,
             top_k_percent: Union[Number, Sequence[Number]] = (5, 10, 20), oracle: Optional[bool] = None,
             features: Optional[Dict[str, Any]] = None) -> pd.DataFrame:
    """Time-based backtest: train on cut-off dates before each test date, test on the next year.

    For a test date T the model (a fresh ``sklearn.base.clone``) is trained on features at
    ``cutoffs_per_year`` cut-offs a year over the ``train_years`` years whose outcome
    windows end by T (labels known at T: ``build_features(..., data_end=T)``), and tested
    on features at T with labels from the year after T.

    Parameters
    ----------
    years : number of test years (the latest whose window fits in the data, going back a
        year at a time), or a list of test dates.
    oracle : bool, optional
        Also score the truth probabilities (default: when ``ds.truth`` has them).
    features : extra keyword arguments for :func:`build_features` (``extra``, ``horizon_days``...).
    ds : Dataset
        the council's data.
    model : estimator
        an unfitted scikit-learn classifier (cloned for each test date).
    target : str, default "step_up_12m"
        the label (see :func:`build_features`).
    train_years : int, default 2
        years of training cut-offs before each test date.
    cutoffs_per_year : int, default 4
        training cut-offs a year.
    {top_k_percent}

    Returns
    -------
    DataFrame, one row per test date and scorer (``model``, ``oracle``): ``test_at``,
    ``scorer``, ``n_train``, ``train_positives``, ``train_cutoffs_before_data`` (the training
    cut-offs left out because they fall before the data start: the later of
    ``meta["window_start"]`` and the first episode's start) and the metrics of :func:`score_metrics`.
    """
    from sklearn.base import clone

    from .features import _cut_off_dates, build_features, data_end_of

    if features is not None and not isinstance(features, Mapping):
        raise ValidationError(Problem("backtest", "features", "must be a mapping of build_features arguments",
                                      value=type(features).__name__))
    kwargs = dict(features or {})
    set_here = sorted({"at", "data_end", "target", "ds"} & set(kwargs))
    if set_here:  # backtest sets these for each test date itself
        raise ValidationError(Problem("backtest", "features", f"may not set {', '.join(set_here)}: backtest sets "
                                      "them for each test date"))
    if not callable(getattr(model, "predict_proba", None)):  # refused before any fit, not after the first
        raise ValidationError(Problem("backtest", "model", "must have predict_proba (a classifier): "
                                      f"{type(model).__name__} has none", value=type(model).__name__))
    horizon = pd.Timedelta(days=int(kwargs.get("horizon_days", 365)))
    if not is_whole(train_years) or train_years < 1:
        raise ValidationError(Problem("backtest", "train_years", "must be a whole number >= 1", value=train_years))
    if not is_whole(cutoffs_per_year) or cutoffs_per_year < 1:
        raise ValidationError(Problem("backtest", "cutoffs_per_year", "must be a whole number >= 1",
                                      value=cutoffs_per_year))
    end = data_end_of(ds)
    start = _data_start(ds)
    if is_whole(years) and not isinstance(years, bool):
        if years < 1:
            raise ValidationError(Problem("backtest", "years", "must be a number of test years >= 1 or a list of dates",
                                          value=years))
        last = end - horizon
        tests = [last - pd.Timedelta(days=365 * i) for i in reversed(range(int(years)))]
    elif isinstance(years, (bool, str, bytes)) or not isinstance(years, Iterable):
        raise ValidationError(Problem("backtest", "years", "must be a number of test years or a list of dates",
                                      value=years))
    else:  # the package's date check: no NaT, no number read as nanoseconds, no time zone
        tests = _cut_off_dates(list(years))
    if oracle is None:
        oracle = bool(getattr(ds, "truth", None)) and "families" in ds.truth
    step = pd.Timedelta(days=365 / cutoffs_per_year)
    rows = []
    for T in tests:
        latest_train = T - horizon
        train_at = [latest_train - step * j for j in range(train_years * cutoffs_per_year)]
        # more cut-offs a year than days fall on the same date; each date once (build_features refuses repeats)
        asked = {d.normalize() for d in train_at}
        train_at = sorted(d for d in asked if pd.isna(start) or d >= start)
        if not train_at or (not pd.isna(start) and latest_train < start):
            raise ValidationError(Problem("backtest", "years", f"no training cut-off for test date {T.date()}: the "
                                          f"data start on {start.date()}; test dates need at least {horizon.days} "
                                          "days of outcomes before them", value=T.date().isoformat()))
        train = _backtest_features(build_features, T, ds, train_at, target, data_end=T, **kwargs)
        test = _backtest_features(build_features, T, ds, T, target, **kwargs)
        if len(test) == 0:
            raise ValidationError(Problem("backtest", "years", f"no test rows at {T.date()} (excluded: "
                                          f"{test.excluded.by_reason()})", value=T.date().isoformat()))
        if train.y.nunique() < 2:
            raise ValidationError(Problem("backtest", "target", f"the {len(train)} training rows before {T.date()} "
                                          f"hold one class of {target} only; cannot fit", value=target))
        fitted = clone(model).fit(train.X, train.y)
        scored = [evaluate(fitted, test.X, test.y, top_k_percent, name="model")]
        if oracle:
            scored.append(oracle_metrics(ds, test, top_k_percent))
        for s in scored:
            rows.append({"test_at": T, "scorer": s.name, "n_train": len(train), "train_positives": int(train.y.sum()),
                         "train_cutoffs_before_data": len(asked) - len(train_at), **s.to_dict()})
    return pd.DataFrame(rows)
