"""Probability calibration: isotonic (pool adjacent violators, in C++) and
Platt scaling, and the reliability diagram to check a model's calibration.

A score is calibrated when, among families given a risk of 30%, about 30%
have the outcome. Fit a calibrator on held-out predictions (never on the
rows the model was trained on), then ``transform`` new predictions.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.isotonic import check_increasing
from sklearn.utils.validation import check_is_fitted

from .._docstrings import with_sections
from .._errors import CoreInputError, Problem, ValidationError
from .._native import risk as core
from .._numbers import is_real, is_whole
from ._glm import call_core, check_sample_weight, row_labels
from .models import _EXTREME

__all__ = ["IsotonicCalibrator", "PlattCalibrator", "reliability_diagram", "reliability_table"]


def _vector(values: Any, name: str, original: Any = None) -> np.ndarray:
    from .evaluate import _as_floats  # text and complex numbers refused by row, not cast

    a = _as_floats(values, name)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValidationError(Problem(name, None, f"must be one-dimensional, got shape {a.shape}"))
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ValidationError(Problem(name, None, "missing (NaN) or infinite values",
                                      rows=row_labels(original if original is not None else values, bad),
                                      n_rows=bad.size, value=float(a[bad[0]])))
    return np.ascontiguousarray(a)


def _pair(p: Any, y: Any, sample_weight: Any, binary: bool) -> tuple:
    x = _vector(p, "p")
    yv = _vector(y, "y")
    if x.shape[0] == 0:
        raise ValidationError(Problem("p", None, "no rows: a calibration needs scores and outcomes"))
    if yv.shape[0] != x.shape[0]:
        raise ValidationError(Problem("y", None, f"has {yv.shape[0]} values but p has {x.shape[0]}"))
    if binary:
        bad = np.flatnonzero((yv != 0) & (yv != 1))
        if bad.size:
            raise ValidationError(Problem("y", None, "outcomes must be 0 or 1", rows=row_labels(y, bad),
                                          n_rows=bad.size, value=float(yv[bad[0]])))
    w = check_sample_weight(sample_weight, x.shape[0], p)
    return x, yv, w


class IsotonicCalibrator(TransformerMixin, BaseEstimator):
    """Isotonic regression of outcomes on scores (weighted pool adjacent violators).

    The same fit as scikit-learn's ``IsotonicRegression``: ties in the score
    are pooled, the fitted step function is interpolated linearly between its
    knots, and scores outside the training range are clipped
    (``out_of_bounds="clip"``), set to NaN (``"nan"``) or refused (``"raise"``).

    Attributes
    ----------
    X_thresholds_, y_thresholds_ : the knots (as scikit-learn's attributes).
    X_min_, X_max_ : the training range of the scores.
    increasing_ : bool
        the direction fitted (``increasing``, or the one ``"auto"`` chose).

    Parameters
    ----------
    increasing : bool or "auto", default True
        fit a non-decreasing (``True``) or non-increasing (``False``) function; ``"auto"``
        chooses by the sign of the Spearman correlation of ``p`` and ``y``, as scikit-learn does
        (which warns when its 95% interval spans zero).
    out_of_bounds : {"clip", "nan", "raise"}, default "clip"
        what happens to scores outside the training range.
    """

    def __init__(self, increasing: bool = True, out_of_bounds: str = "clip") -> None:
        self.increasing = increasing
        self.out_of_bounds = out_of_bounds

    def fit(self, p: Any, y: Any, sample_weight: Optional[Any] = None) -> "IsotonicCalibrator":
        """Fit on scores ``p`` (e.g. predicted probabilities) and outcomes ``y`` (any real values).

        Parameters
        ----------
        p : array-like
            the scores.
        y : array-like
            the outcomes.
        sample_weight : array-like, optional
            a weight per row.

        Returns
        -------
        IsotonicCalibrator
            itself, fitted.
        """
        if self.out_of_bounds not in ("clip", "nan", "raise"):
            raise ValidationError(f"out_of_bounds must be 'clip', 'nan' or 'raise', got {self.out_of_bounds!r}",
                                  table="parameters")
        auto = isinstance(self.increasing, str) and self.increasing == "auto"
        if not (auto or isinstance(self.increasing, (bool, np.bool_))):  # "no" would be read as True
            raise ValidationError(f"increasing must be True, False or 'auto', got {self.increasing!r}",
                                  table="parameters")
        x, yv, w = _pair(p, y, sample_weight, binary=False)
        # "auto": scikit-learn's own choice, on every row as IsotonicRegression makes it
        self.increasing_ = bool(check_increasing(x, yv)) if auto else bool(self.increasing)
        kx, ky = call_core(core.fit_isotonic, x, yv, w, self.increasing_)
        self.X_thresholds_, self.y_thresholds_ = np.asarray(kx), np.asarray(ky)
        kept = x[w > 0]
        self.X_min_, self.X_max_ = float(kept.min()), float(kept.max())
        return self

    def transform(self, p: Any) -> np.ndarray:
        """Calibrated values for scores ``p``.

        Parameters
        ----------
        p : array-like
            the scores.

        Returns
        -------
        ndarray
        """
        check_is_fitted(self, "X_thresholds_")
        x = _vector(p, "p")
        out = call_core(core.predict_isotonic, self.X_thresholds_, self.y_thresholds_, x)
        outside = (x < self.X_min_) | (x > self.X_max_)
        if outside.any():
            if self.out_of_bounds == "raise":
                rows = np.flatnonzero(outside)
                raise ValidationError(Problem("p", None, f"scores outside the training range "
                                              f"[{self.X_min_}, {self.X_max_}]", rows=row_labels(p, rows),
                                              n_rows=rows.size, value=float(x[rows[0]])))
            if self.out_of_bounds == "nan":
                out[outside] = np.nan
        return out

    predict = transform   # scikit-learn calibrators answer to both names


def _score_scale_problem(s: np.ndarray, w: np.ndarray, p: Any) -> Problem:
    """The scores (of positive weight) on extreme scales, most extreme first, as a problem of ``p``."""
    size = np.where(w > 0, np.abs(s), 0.0)
    rows = np.flatnonzero(size >= _EXTREME)
    fix = "rescale the scores (e.g. standardise them) or correct these values"
    if not rows.size:
        return Problem("p", None, f"Platt scaling broke down numerically on these scores; {fix}")
    rows = rows[np.argsort(-size[rows], kind="stable")]
    return Problem("p", None, f"scores out of range for Platt scaling (extreme scales, as extreme as "
                   f"{float(s[rows[0]]):.3g}): the fit breaks down numerically on them (rows most extreme "
                   f"first); {fix}", rows=row_labels(p, rows), n_rows=rows.size, value=float(s[rows[0]]))


def _check_score_scale(s: np.ndarray, w: np.ndarray, p: Any) -> None:
    """Refuse scores whose weighted squares sum past the largest float: the fit's curvature would
    overflow, so the slope would come out 0 or the solver would break down (and blame X)."""
    kept = w > 0
    with np.errstate(over="ignore", invalid="ignore"):
        curvature = float(np.dot(w[kept], np.square(s[kept])))
    if not math.isfinite(curvature):
        raise ValidationError(_score_scale_problem(s, w, p))


class PlattCalibrator(TransformerMixin, BaseEstimator):
    """Platt scaling: ``1 / (1 + exp(-(a * s + b)))`` fitted by logistic regression.

    Parameters
    ----------
    input : str, default "probability"
        ``"probability"`` (default): ``p`` are probabilities and ``s`` is
        their log-odds (clipped to ``eps``); ``"score"``: ``p`` are raw scores
        (e.g. ``decision_function``) used as they are.
    eps : float, default 1e-12
        Clipping of probabilities away from 0 and 1 before the log-odds.

    Attributes
    ----------
    a_, b_ : slope and intercept. On the log-odds of a model's own
    probabilities these are the calibration slope and intercept (slope < 1:
    predictions too extreme).
    """

    def __init__(self, input: str = "probability", eps: float = 1e-12) -> None:
        self.input = input
        self.eps = eps

    def _score(self, p: Any) -> np.ndarray:
        x = _vector(p, "p")
        if self.input == "probability":
            # eps >= 0.5 clips every probability to one value; eps <= 0 gives infinite log-odds
            if not (is_real(self.eps) and 0 < self.eps < 0.5):
                raise ValidationError(f"eps must be between 0 and 0.5, got {self.eps!r}", table="parameters")
            if ((x < 0) | (x > 1)).any():
                rows = np.flatnonzero((x < 0) | (x > 1))
                raise ValidationError(Problem("p", None, "probabilities must be in [0, 1] (use input='score' for "
                                              "raw scores)", rows=row_labels(p, rows), n_rows=rows.size,
                                              value=float(x[rows[0]])))
            x = np.clip(x, self.eps, 1 - self.eps)
            return np.ascontiguousarray(np.log(x) - np.log1p(-x))
        if self.input != "score":
            raise ValidationError(f"input must be 'probability' or 'score', got {self.input!r}", table="parameters")
        return x

    def fit(self, p: Any, y: Any, sample_weight: Optional[Any] = None) -> "PlattCalibrator":
        """Fit on scores or probabilities ``p`` and 0/1 outcomes ``y``.

        Parameters
        ----------
        p : array-like
            probabilities or scores (see ``input``).
        y : array-like
            0/1 outcomes.
        sample_weight : array-like, optional
            a weight per row.

        Returns
        -------
        PlattCalibrator
            itself, fitted.
        """
        _, yv, w = _pair(p, y, sample_weight, binary=True)
        weighted = yv[np.asarray(w) > 0] if w is not None else yv
        if len(np.unique(weighted)) < 2:  # said of y here, not of the core's design matrix
            raise ValidationError(Problem("y", None, "has a single class (with positive weight): a calibrator "
                                          "needs both outcomes"))
        s = self._score(p)
        _check_score_scale(s, w, p)
        try:
            self.a_, self.b_ = call_core(core.fit_platt, s, yv, w)
        except CoreInputError as exc:
            if "extreme scales" not in exc.message:  # the core's words for a fit that broke down
                raise
            raise ValidationError(_score_scale_problem(s, w, p)) from exc
        return self

    def transform(self, p: Any) -> np.ndarray:
        """Calibrated probabilities.

        Parameters
        ----------
        p : array-like
            probabilities or scores (see ``input``).

        Returns
        -------
        ndarray
        """
        check_is_fitted(self, "a_")
        eta = self.a_ * self._score(p) + self.b_
        return 0.5 * (1 + np.tanh(0.5 * eta))  # the logistic function without overflow

    predict = transform   # scikit-learn calibrators answer to both names


_bins_doc = with_sections(bins="y : array-like\n    0/1 outcomes.\np : array-like\n    predicted probabilities in [0, 1].\n"
                               "n_bins : int, default 10\n    number of bins.")


MAX_BINS = 100_000  # far past any readable table; arrays of this many bins stay small


@_bins_doc
def reliability_table(y: Any, p: Any, n_bins: int = 10, strategy: str = "uniform",
                      sample_weight: Optional[Any] = None) -> pd.DataFrame:
    """Observed rate against mean predicted probability in bins of p.

    Parameters
    ----------
    {bins}
    strategy : {"uniform", "quantile"}, default "uniform"
        equal-width bins on [0, 1] (as scikit-learn's ``calibration_curve``) or
        equal-count bins.
    sample_weight : array-like, optional
        a weight per row.

    Returns
    -------
    DataFrame, one row per non-empty bin: ``bin_low``, ``bin_high``, ``n``
    (rows), ``weight``, ``mean_predicted``, ``observed_rate``.
    """
    x, yv, w = _pair(p, y, sample_weight, binary=True)
    if ((x < 0) | (x > 1)).any():
        raise ValidationError(Problem("p", None, "probabilities must be in [0, 1]"))
    if not (is_whole(n_bins) and 1 <= n_bins <= MAX_BINS):
        raise ValidationError(f"n_bins must be an integer from 1 to {MAX_BINS:,}, got {n_bins!r}", table="parameters")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(x, np.linspace(0.0, 1.0, n_bins + 1))
    else:
        raise ValidationError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}", table="parameters")
    # Same binning as sklearn.calibration.calibration_curve.
    ids = np.searchsorted(edges[1:-1], x)
    n = np.bincount(ids, minlength=n_bins)
    wsum = np.bincount(ids, weights=w, minlength=n_bins)
    psum = np.bincount(ids, weights=w * x, minlength=n_bins)
    ysum = np.bincount(ids, weights=w * yv, minlength=n_bins)
    keep = wsum > 0
    return pd.DataFrame({"bin_low": edges[:-1][keep], "bin_high": edges[1:][keep], "n": n[keep],
                         "weight": wsum[keep], "mean_predicted": psum[keep] / wsum[keep],
                         "observed_rate": ysum[keep] / wsum[keep]})


@_bins_doc
def reliability_diagram(y: Any, p: Any, n_bins: int = 10, ax: Any = None, strategy: str = "uniform",
                        sample_weight: Optional[Any] = None, label: Optional[str] = None) -> Any:
    """Plot observed rate against mean predicted probability (a calibration plot).

    Points on the diagonal are well calibrated; below it the model
    over-predicts risk. Bars at the bottom show how many rows fall in each bin.
    Returns the matplotlib Axes; pass ``ax`` to draw several models on one plot.

    Parameters
    ----------
    {bins}
    ax : matplotlib Axes, optional
        where to draw (default a new figure).
    strategy : {"uniform", "quantile"}, default "uniform"
        as :func:`reliability_table`.
    sample_weight : array-like, optional
        a weight per row.
    label : str, optional
        the legend label.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    table = reliability_table(y, p, n_bins=n_bins, strategy=strategy, sample_weight=sample_weight)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfectly calibrated")
    ax.plot(table["mean_predicted"], table["observed_rate"], marker="o", label=label or "model")
    share = table["weight"] / table["weight"].sum()
    ax.bar((table["bin_low"] + table["bin_high"]) / 2, share * 0.2, width=(table["bin_high"] - table["bin_low"]),
           bottom=0, alpha=0.2, color="grey", label="share of rows (x0.2)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed rate")
    ax.set_title("Reliability diagram")
    ax.legend(loc="upper left", fontsize="small")
    return ax
