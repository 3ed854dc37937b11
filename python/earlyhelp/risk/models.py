"""Risk models: penalised logistic and Poisson regression fitted in C++.

Both are scikit-learn estimators (they pass ``check_estimator``), so they work
in pipelines, cross-validation and ``evaluate``/``fairness_audit``. What they
add to scikit-learn's models: standard errors, a table of effects with
confidence intervals (:meth:`effects`) and per-family explanations
(:meth:`explain`) in the field's feature names, and a faster solver.

Objectives (the intercept is never penalised)
--------------------------------------------
Logistic, scikit-learn's ``LogisticRegression(C, l1_ratio)``::

    0.5 * (1 - l1_ratio) * ||w||^2 + l1_ratio * ||w||_1 + C * sum_i s_i * logloss_i

Poisson, scikit-learn's ``PoissonRegressor(alpha)`` (log link)::

    1 / (2 * sum_i s_i) * sum_i s_i * deviance_i + alpha / 2 * ||w||^2

where ``s_i`` is the sample weight times the class weight.

Standard errors
---------------
Which covariance the standard errors come from depends on the weights ``s_i`` (the sample
weight times the class weight):

* every weight 1 (or every positive weight equal): the inverse Hessian of the penalised
  objective at the solution (scaled to the sum of losses, so for ``C=np.inf`` / ``alpha=0`` they
  are the usual model-based Wald standard errors, the same as statsmodels). With no penalty (and
  for ``PoissonRiskModel``, whose penalty is scaled by the sum of the weights), equal weights on
  another scale give the same fit and standard errors as weights of 1. With a finite ``C`` they act
  like ``C * c`` (weights c), as in scikit-learn.
* weights that differ (``class_weight``, survey or inverse-probability weights): per coefficient
  the larger of two variances, with the correlations of the first:

  - the leverage-corrected sandwich (HC3) ``H^-1 (sum_i s_i^2 g_i g_i' / (1 - h_i)^2) H^-1``, with
    ``H`` that Hessian, ``g_i`` row i's score ``(y_i - mu_i) x_i`` and ``h_i = s_i v_i x_i' H^-1 x_i``
    its leverage (``v_i`` the variance of the outcome at ``mu_i``). The inverse Hessian alone is
    right only when the weights count copies of rows: with ``class_weight="balanced"`` it called a
    feature with no effect significant at 5% in 34% of fits. The plain sandwich (HC0) treats each
    row as one independent observation, but with few events it is too small: the few heavily
    weighted events fit their own residuals away (with ``class_weight="balanced"``, 7% prevalence
    and ``C=np.inf``, a no-effect feature was significant at 5% in 9.7% of fits at 150 rows,
    about 10 events, and 7.5% at 300 rows). Dividing by ``1 - h_i`` corrects that.
  - the inverse Hessian with the weights rescaled to mean 1 (``H^-1`` times the mean weight). Under
    separation (a group of rows whose fitted values are all at 0 or 1, e.g. a category with no
    event) a coefficient diverges: this variance grows without bound while the sandwich collapses
    (the rows at 0 or 1 have no residual), and the sandwich alone called such a coefficient
    significant with a tight interval around an infinite odds ratio. Where this one is more than
    10 times the sandwich's standard error and, with no penalty, some rows are fitted within 1e-6
    of 0 or 1, a warning names the feature.

  Measured with ``class_weight="balanced"``, ``C=np.inf``, 7% prevalence and no-effect features (a
  continuous one and a 20% binary one), the share of fits with p < 0.05 is 5.2% and 1.5% at 150
  rows (about 10 events), 5.1% and 2.5% at 300 rows and 4.9% and 4.4% at 1,000 rows (1,500 fits
  each; tests/risk/test_effects_small_sample_and_separation.py). Neither variance changes when the
  weights are rescaled; for integer frequency weights (a row standing for that many identical
  families) the errors are conservative, and repeating the rows (``np.repeat``) gives the
  model-based errors instead.

``covariance_type_`` says which was used. With a penalty the standard errors are conditional on
the penalty and shrink with it; with an L1 penalty coefficients that are exactly zero get no
standard error (NaN).

Bad input
---------
NaN or infinite features, negative or non-finite sample weights, a single
class in ``y`` and mismatched lengths raise :class:`earlyhelp.ValidationError`
(a ``ValueError``) naming the column and rows; so do text, categorical and duplicated
columns of a DataFrame (encode them first, e.g. in a pipeline): a category is refused even
when its categories are numbers, and text even when it holds digits (``"1"`` is not read
as 1). Missing values (NaN, None, ``pd.NA``) in X or y are named by row. Parameters are
checked before X is looked at (a solver that cannot take the penalty is reported whatever
form X takes). When a fit breaks down numerically on values out of range (counts near
1e300, extreme weights or features) the error names them and their rows. Constant columns: with a
penalty their coefficient is 0 (the intercept absorbs them); with no penalty
(``C=np.inf``, ``alpha=0``) constant or collinear columns raise, as do
perfectly separated classes, because no unique finite estimate exists. With a
finite ``C`` separable data converge to finite coefficients.
"""
from __future__ import annotations

import math
import re
import warnings
from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_array
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docstrings import with_sections
from .._errors import CoreInputError, Problem, ValidationError
from .._native import naming
from .._native import risk as core
from .._numbers import is_finite_real, is_real, is_whole
from ._glm import (check_finite, check_frame_columns, check_sample_weight, feature_names, n_threads, row_labels,
                   two_sided_z)

__all__ = ["LogisticRiskModel", "PoissonRiskModel"]

_SOLVERS = ("auto", "newton-cholesky", "lbfgs", "newton-cd")
_L2_ONLY = ("newton-cholesky", "lbfgs")  # solvers with no L1 step
# Above this a count, weight or feature is a likely cause when a fit breaks down numerically.
_EXTREME = 1e6
# A model-based standard error this many times the sandwich's, with rows fitted within _AT_BOUND of
# 0 or 1: the sandwich has collapsed under separation.
_SEPARATION_RATIO = 10.0
_AT_BOUND = 1e-6


def _y_name(y: Any) -> Optional[str]:
    """The column name of y for messages (a named Series), else None."""
    name = getattr(y, "name", None) if isinstance(y, pd.Series) else None
    return None if name is None else str(name)


def _plain(value: Any) -> str:
    """A label for messages: ``0`` or ``'yes'``, not ``np.int64(0)``."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _sklearn_message(exc: BaseException) -> str:
    """scikit-learn's message without the dump of the data it sometimes appends."""
    text = str(exc)
    if len(text) > 400:
        keep = [line for line in text.splitlines() if not line.startswith(("array=", " ", "["))]
        text = " ".join(keep)[:400]
    return text.replace("\n", " ").strip()


def _check_y_values(y: Any, original: Any, counts: bool) -> None:
    """Name the rows of y that are missing (NaN, None, pd.NA) or, for counts, text.

    scikit-learn says only "Input y contains NaN" (no rows), reads counts written as text ("3")
    as numbers, and fails on a mix of text and numbers with a TypeError.
    """
    if y is None or isinstance(y, (str, bytes)):
        return  # validate_data's own message
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError):
        return  # ragged: validate_data's own message
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.dtype.kind in "biuc":
        return  # no missing values or text; other shapes: validate_data's own message
    name = _y_name(y)
    missing = np.isnan(arr) if arr.dtype.kind == "f" else np.asarray(pd.isna(arr), dtype=bool)
    what = "counts" if counts else "outcomes"
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValidationError(Problem("y", name, f"missing {what} (NaN, None or pd.NA); drop these rows or record "
                                      f"their {what}", rows=row_labels(original, rows), n_rows=rows.size))
    if arr.dtype.kind == "f":
        return
    text = np.array([isinstance(v, (str, bytes)) for v in arr], dtype=bool)
    if counts and text.any():
        rows = np.flatnonzero(text)
        raise ValidationError(Problem("y", name, "counts must be numbers; text is not read as a number, not even "
                                      "digits (convert with pd.to_numeric first)", rows=row_labels(original, rows),
                                      n_rows=rows.size, value=arr[rows[0]]))
    if not counts and text.any() and not text.all():
        # sklearn fails comparing "a" with 0 (a TypeError deep in np.unique)
        rows = np.flatnonzero(~text)
        raise ValidationError(Problem("y", name, f"mixes text labels (e.g. {arr[np.flatnonzero(text)[0]]!r}) with "
                                      f"other labels (e.g. {arr[rows[0]]!r}); give every outcome the same type",
                                      rows=row_labels(original, rows), n_rows=rows.size))


_X = "X : DataFrame or array-like\n    features, one row per case (the columns of fitting)."
_rows_doc = with_sections(X=_X, parameters_X="Parameters\n----------\n" + _X,
                          sample_weight="sample_weight : array-like, optional\n    a weight per row.")


class _LinearRiskModel(BaseEstimator):
    """Validation, prediction plumbing, explain() and effects() shared by both models."""

    # Name of the linear predictor's scale and of exp(coef), for tables.
    _scale = "log_odds"
    _ratio = "odds_ratio"

    def _check_common_params(self) -> None:
        if self.solver not in _SOLVERS:
            raise ValidationError(f"solver must be one of {_SOLVERS}, got {self.solver!r}", table="parameters")
        # the core counts iterations in 32 bits
        if not (is_whole(self.max_iter) and 1 <= self.max_iter < 2**31):
            raise ValidationError(f"max_iter must be an integer from 1 to 2**31 - 1, got {self.max_iter!r}",
                                  table="parameters")
        # an infinite tol stops before the first step and returns zero coefficients
        if not (is_finite_real(self.tol) and self.tol > 0):
            raise ValidationError(f"tol must be a finite number > 0, got {self.tol!r}", table="parameters")
        # "no" would be truthy and fit an intercept
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValidationError(f"fit_intercept must be True or False, got {self.fit_intercept!r}",
                                  table="parameters")
        n_threads(self.n_jobs)  # raises for a bad n_jobs

    def _validate_X(self, X: Any, reset: bool, y: Any = "no_validation", **kw: Any) -> Any:
        """validate_data without its finiteness check (ours names the column); its errors about the
        shape of X or y, or feature names that differ from fit's, as ValidationErrors."""
        names = None if reset else getattr(self, "feature_names_in_", None)
        check_frame_columns(X, names=None if names is None else [str(n) for n in names])
        if not isinstance(y, str):  # "no_validation"
            _check_y_values(y, X, counts=bool(kw.get("y_numeric")))
        try:
            return validate_data(self, X, y, reset=reset, dtype=np.float64, order="C", ensure_all_finite=False,
                                 **kw)
        except NotFittedError:
            raise
        except (ValueError, TypeError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(Problem(self._culprit(X, y), None, _sklearn_message(exc))) from exc

    @staticmethod
    def _culprit(X: Any, y: Any) -> str:
        """Which of X and y scikit-learn's validation refused: X if X alone fails it."""
        if isinstance(y, str):
            return "X"
        try:
            check_array(X, dtype=np.float64, ensure_all_finite=False)
        except (ValueError, TypeError):
            return "X"
        return "y"

    def _fit_core(self, fn: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float, l1_ratio: float,
                  original: Any, y_name: Optional[str] = None, sample_weight: Optional[np.ndarray] = None) -> None:
        if not math.isfinite(lam):
            raise ValidationError(f"the penalty strength is not a finite number ({self._penalty_text()}); "
                                  "choose a weaker penalty", table="parameters")
        # The core checks X for NaN/inf in its first pass; only when it finds
        # one do we look again to name every offending column and row.
        with naming("X"):
            try:
                options = core.GlmOptions(lam=lam, l1_ratio=l1_ratio, fit_intercept=bool(self.fit_intercept),
                                          tol=float(self.tol), max_iter=int(self.max_iter), solver=self.solver,
                                          n_threads=n_threads(self.n_jobs), compute_covariance=True)
                res = fn(X, np.ascontiguousarray(y, dtype=np.float64), w, options)
            except CoreInputError as exc:
                check_finite(X, feature_names(self, X.shape[1]), original)
                text = str(exc)
                if "extreme scales" in text:  # the core's words for a penalised fit that broke down
                    raise self._scale_error(X, y, w, original, y_name) from exc
                # Without a penalty the rank of X is checked before the solver runs (constant and
                # collinear columns are named then): a singular Hessian in the solver, or a
                # divergence, with values out of range (counts near 1e300) comes from those values.
                if "Hessian is singular" in text or "fit diverged" in text:
                    problems = self._scale_problems(X, y, w, original, y_name)
                    if problems:
                        raise ValidationError(problems) from exc
                raise self._named_column_error(exc) from exc
        coef = np.asarray(res["coef"], dtype=np.float64)
        if not (np.all(np.isfinite(coef)) and math.isfinite(res["intercept"])):  # the core checks too
            raise ValidationError(self._scale_problems(X, y, w, original, y_name)
                                  or "the fit diverged (non-finite coefficients)", table="X")
        if not res["converged"]:
            # values on extreme scales keep the fit from converging: named, not a warning
            problems = self._scale_problems(X, y, w, original, y_name)
            if problems:
                raise ValidationError(problems)
        self._coef = coef
        self._intercept = float(res["intercept"])
        self.n_iter_ = int(res["n_iter"])
        self.solver_ = str(res["solver"])
        p = coef.shape[0]
        cov = res["covariance"]
        self.covariance_ = np.asarray(cov) if cov is not None else np.full((p + 1, p + 1), np.nan)
        self.covariance_type_ = "model"
        positive = w[w > 0]
        if positive.size and positive.min() == positive.max():
            # equal weights c: the fit is the unit-weight fit with the loss scaled by c, whose
            # inverse Hessian is c times this one
            self.covariance_ = self.covariance_ * float(positive[0])
        else:
            self.covariance_ = self._robust_covariance(X, y, w)
            self.covariance_type_ = "robust"
        diag = np.diag(self.covariance_)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(diag >= 0, diag, np.nan))
        self.standard_errors_ = se[:p]
        self.intercept_standard_error_ = float(se[p]) if self.fit_intercept else np.nan
        # the average family: weighted by the sample weights only (class weights re-balance the fit,
        # not who the families are)
        self.feature_means_ = np.average(X, axis=0, weights=sample_weight) if X.shape[0] else \
            np.asarray(res["feature_means"], dtype=np.float64)
        if not res["converged"]:
            warnings.warn(f"{type(self).__name__} did not converge in {self.n_iter_} iterations (gradient "
                          f"{res['gradient_norm']:.2e} > tol {self.tol:g}); raise max_iter or standardise "
                          "the features", ConvergenceWarning, stacklevel=3)

    def _mean_response(self, X: np.ndarray) -> np.ndarray:
        """The fitted mean of each training row (probability or expected count)."""
        eta = X @ self._coef + self._intercept
        if hasattr(self, "C"):
            with np.errstate(over="ignore"):
                return 0.5 * (1.0 + np.tanh(0.5 * eta))  # the logistic function without overflow
        with np.errstate(over="ignore"):
            return np.exp(eta)

    def _robust_covariance(self, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The covariance under unequal weights (the module docstring's rule): per coefficient the
        larger of the leverage-corrected sandwich (HC3) and the model-based variance with the weights
        rescaled to mean 1, with the sandwich's correlations. Coefficients with no standard error
        (zero under an L1 penalty, or no intercept) stay NaN. Warns, naming the features, where the
        sandwich has collapsed under separation."""
        bread = self.covariance_
        k = bread.shape[0]
        keep = np.flatnonzero(np.isfinite(np.diag(bread)))
        out = np.full((k, k), np.nan)
        if not keep.size:
            return out
        design = np.column_stack([X, np.ones(X.shape[0])])[:, keep]
        b = bread[np.ix_(keep, keep)]
        mu = self._mean_response(X)
        # the working variance of each row: mu (1 - mu) for the logistic model, mu for the Poisson
        variance = mu * (1.0 - mu) if hasattr(self, "C") else mu
        with np.errstate(over="ignore", invalid="ignore"):
            leverage = w * variance * np.einsum("ij,jk,ik->i", design, b, design)
        # HC3: each row's score over 1 - h_ii, so that a few heavily weighted rows (the events
        # under class_weight="balanced") do not fit their own residuals away
        room = np.clip(1.0 - np.nan_to_num(leverage, nan=0.0), 1e-8, None)
        score = design * (w * (y - mu) / room)[:, None]
        v = b @ (score.T @ score) @ b
        robust = 0.5 * (v + v.T)
        # the inverse Hessian with the weights rescaled to mean 1: it grows without bound where a
        # coefficient diverges (separation), while the sandwich shrinks there
        model = np.diag(b) * float(np.mean(w))
        robust_var = np.diag(robust)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt(np.where(model > robust_var, model / robust_var, 1.0))
        scale = np.where(np.isfinite(scale), scale, 1.0)
        chosen = robust * np.outer(scale, scale)
        chosen[np.diag_indices_from(chosen)] = np.maximum(model, robust_var)
        out[np.ix_(keep, keep)] = chosen
        # separation: with no penalty (a penalty keeps coefficients finite and alone puts the sandwich
        # below the model-based error), rows fitted at 0 (or a probability of 1) and a sandwich far below it
        at_bound = bool((variance < _AT_BOUND).any()) and not self._penalised()
        with np.errstate(divide="ignore", invalid="ignore"):
            collapsed = (model > _SEPARATION_RATIO ** 2 * robust_var) & at_bound
        if collapsed.any():
            names = (feature_names(self, X.shape[1]) + ["intercept"])
            named = [names[j] for j in keep[collapsed]]
            warnings.warn(f"{type(self).__name__}: {', '.join(named)}: the coefficient diverges (separation: a "
                          "group of rows with fitted values at 0 or 1, e.g. a category with no event); its "
                          "standard error is the model-based one, so it is not significant; drop or merge the "
                          "category, or use a penalty (finite C)", UserWarning, stacklevel=4)
        return out

    def _named_column_error(self, exc: CoreInputError) -> ValidationError:
        """The core's error about "column j of X" (its number), in the named column."""
        found = re.match(r"column (\d+) of X (.*)", str(exc.message), flags=re.S)
        names = feature_names(self, int(self.n_features_in_))
        if not found or not 0 <= int(found.group(1)) < len(names):
            return exc
        name = names[int(found.group(1))]
        # a ValidationError, not the core's: naming() would relabel that without the column
        return ValidationError(Problem("X", name, str(exc.message)))

    def _penalty_text(self) -> str:
        """The penalty parameter as the user set it, for messages."""
        return f"C={self.C!r}" if hasattr(self, "C") else f"alpha={self.alpha!r} times the sum of the weights"

    def _scale_error(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, original: Any = None,
                     y_name: Optional[str] = None) -> ValidationError:
        """The core's breakdown of a penalised fit (values on extreme scales): one problem per likely
        cause (:meth:`_scale_problems`), else the scales of the features, counts and weights."""
        problems = self._scale_problems(X, y, w, original, y_name)
        if problems:
            return ValidationError(problems)
        names = feature_names(self, X.shape[1])
        with np.errstate(over="ignore"):
            size = np.abs(X).max(axis=0)
        j = int(np.argmax(size))
        scales = [f"largest feature value {size[j]:.3g} in column {names[j]!r}",
                  f"sample weights summing to {float(w.sum()):.3g}"]
        if not hasattr(self, "C"):
            scales.append(f"largest count {float(np.max(y)):.3g}")
        what = "the penalised fit" if self._penalised() else "the fit"
        return ValidationError(Problem("X", None, f"{what} broke down numerically: values on extreme "
                                       f"scales ({'; '.join(scales)}); standardise the features (e.g. "
                                       "StandardScaler) and rescale counts or sample weights towards 1"))

    def _scale_problems(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, original: Any = None,
                        y_name: Optional[str] = None) -> list:
        """The likely causes of a numerical breakdown: a feature column, the counts or the sample
        weights out of range (more than _EXTREME times from 1), each with its rows, most extreme first."""
        names = feature_names(self, X.shape[1])
        with np.errstate(over="ignore"):
            size = np.abs(X).max(axis=0)
        j = int(np.argmax(size))
        what = "the penalised fit" if self._penalised() else "the fit"
        problems: list = []

        def out_of_range(table: str, column: Optional[str], values: np.ndarray, noun: str, fix: str) -> None:
            """One problem for the rows of values more than _EXTREME times from 1, most extreme first."""
            positive = values > 0
            with np.errstate(divide="ignore"):
                scale = np.abs(np.log10(np.where(positive, values, 1.0)))
            rows = np.flatnonzero(positive & (scale >= math.log10(_EXTREME)))
            if not rows.size:
                return
            rows = rows[np.argsort(-scale[rows], kind="stable")]
            problems.append(Problem(table, column, f"{noun} out of range for the fit (extreme scales, as extreme "
                                    f"as {float(values[rows[0]]):.3g}): {what} broke down numerically on them "
                                    f"(rows most extreme first); {fix}", rows=row_labels(original, rows),
                                    n_rows=rows.size, value=float(values[rows[0]])))

        if size[j] >= _EXTREME:  # name a column only when it is the likely cause
            out_of_range("X", names[j], np.abs(X[:, j]), "values",
                         "standardise the features (e.g. StandardScaler) or correct these values")
        if not hasattr(self, "C"):  # counts
            # counts of 0 are no scale; tiny ones matter only when they are all there is
            if not 1 / _EXTREME < float(np.max(y)) < _EXTREME:
                out_of_range("y", y_name, y, "counts", "rescale the counts (e.g. per 1000 families) or correct "
                             "these values")
        out_of_range("sample_weight", None, w, "weights", "rescale the sample weights towards 1 (e.g. divide "
                     "them by their mean)")
        return problems

    @staticmethod
    def _score_y(X: Any, y: Any, n: int, counts: bool) -> np.ndarray:
        """y for score(): one value per row of X, none missing; counts as numbers."""
        _check_y_values(y, X, counts=counts)
        try:
            yv = np.asarray(y)
            if counts and yv.dtype.kind == "c":  # float() would drop the imaginary part
                raise ValidationError(Problem("y", _y_name(y), "complex numbers; counts must be real numbers"))
            yv = yv.astype(np.float64) if counts else yv
        except (ValueError, TypeError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(Problem("y", _y_name(y), _sklearn_message(exc))) from exc
        if yv.ndim == 2 and yv.shape[1] == 1:
            yv = yv[:, 0]
        if yv.ndim != 1 or yv.shape[0] != n:
            raise ValidationError(Problem("y", _y_name(y), f"has shape {yv.shape} but X has {n} rows; give one "
                                          "value per row"))
        return yv

    def _penalised(self) -> bool:
        """Whether the fit had a penalty (a finite C, or alpha > 0)."""
        return bool(np.isfinite(float(self.C))) if hasattr(self, "C") else float(self.alpha) > 0

    def _linear(self, X: Any, fn: Any = None) -> np.ndarray:
        """The core's predictor on validated X; NaN/inf in X raise a named error."""
        check_is_fitted(self, "n_features_in_")
        Xv = self._validate_X(X, reset=False)
        fn = fn or core.linear_predictor
        with naming("X"):
            try:
                return fn(Xv, self._coef, self._intercept, n_threads(self.n_jobs))
            except CoreInputError:
                check_finite(Xv, feature_names(self, Xv.shape[1]), X)
                raise

    def explain(self, X: Any, reference: str = "mean") -> pd.DataFrame:
        """Each feature's contribution to each row's score on the linear scale.

        Parameters
        ----------
        X : the rows to explain (DataFrame or array with the training columns).
        reference : ``"mean"`` (default) measures each feature from its
            training mean (weighted by the sample weights, not by ``class_weight``),
            so a contribution says how much this family's value moves its score
            from that of an average family;
            ``"zero"`` uses ``coef * x`` as it stands.

        Returns
        -------
        DataFrame with one column per feature, then ``baseline`` (the score of
        the reference family: intercept plus the reference's contributions)
        and the total (``log_odds`` or ``log_rate``), which equals the
        linear predictor (``decision_function`` / ``log(predict)``). The index is X's index when X is a DataFrame.
        """
        if reference not in ("mean", "zero"):
            raise ValidationError(f"reference must be 'mean' or 'zero', got {reference!r}", table="parameters")
        total = self._linear(X)
        Xv = self._validate_X(X, reset=False)
        centre = self.feature_means_ if reference == "mean" else np.zeros_like(self._coef)
        contrib = (Xv - centre) * self._coef
        names = feature_names(self, Xv.shape[1])
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(Xv.shape[0])
        out = pd.DataFrame(contrib, columns=names, index=index)
        out["baseline"] = self._intercept + float(centre @ self._coef)
        out[self._scale] = total
        return out

    def effects(self, level: float = 0.95) -> pd.DataFrame:
        """Global table of effects: one row per feature and the intercept.

        Columns: ``coef``, ``std_error``, ``z``, ``p_value``, ``ci_low``,
        ``ci_high`` (Wald interval at ``level``), and ``exp(coef)`` with its
        interval (``odds_ratio`` or ``rate_ratio``, ``*_low``, ``*_high``).
        Coefficients are per unit of each feature as given to ``fit``.

        Parameters
        ----------
        level : float, default 0.95
            the level of the Wald intervals.

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self, "n_features_in_")
        zcrit = two_sided_z(level)
        names = feature_names(self, self.n_features_in_) + ["intercept"]
        coef = np.append(self._coef, self._intercept if self.fit_intercept else np.nan)
        se = np.append(self.standard_errors_, self.intercept_standard_error_)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = coef / se
            pval = np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])
            table = pd.DataFrame({"coef": coef, "std_error": se, "z": z, "p_value": pval,
                                  "ci_low": coef - zcrit * se, "ci_high": coef + zcrit * se},
                                 index=pd.Index(names, name="feature"))
            table[self._ratio] = np.exp(table["coef"])
            table[f"{self._ratio}_low"] = np.exp(table["ci_low"])
            table[f"{self._ratio}_high"] = np.exp(table["ci_high"])
        return table


class LogisticRiskModel(ClassifierMixin, _LinearRiskModel):
    """L2 / elastic-net logistic regression with scikit-learn's ``C`` and ``l1_ratio``.

    Parameters
    ----------
    C : float, default 1.0
        Inverse penalty strength (``np.inf``: no penalty). Same meaning as
        scikit-learn's LogisticRegression: the loss is ``C * sum_i s_i logloss_i``.
    l1_ratio : float, default 0.0
        0 for L2 (ridge), 1 for L1 (lasso), in between for the elastic net.
    class_weight : None, a dict ``{class: weight}`` or ``"balanced"`` (as scikit-learn).
    fit_intercept : bool, default True
        Fit an unpenalised intercept.
    max_iter : int, default 100
        Maximum Newton (or L-BFGS / proximal Newton) iterations.
    tol : float, default 1e-08
        Stop when the largest absolute gradient of the objective, divided by
        the sum of the sample weights, is below tol.
    solver : str, default "auto"
        ``"auto"`` (Newton-Cholesky for up to 1000 features and L2,
        L-BFGS beyond, proximal Newton with coordinate descent for L1),
        ``"newton-cholesky"``, ``"lbfgs"`` or ``"newton-cd"``.
    n_jobs : int, optional
        Threads for the passes over the rows (None: decide from the size).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        as scikit-learn.
    intercept_ : ndarray of shape (1,)
    classes_ : ndarray
        the two labels.
    standard_errors_ : ndarray of shape (n_features,)
        from ``covariance_``.
    intercept_standard_error_ : float
    covariance_ : ndarray of shape (n_features + 1, n_features + 1)
        intercept last: the inverse Hessian with equal weights, the robust covariance (the larger
        of the HC3 sandwich and the model-based variance, per coefficient) when the weights (sample
        times class weights) differ (see the module docstring).
    covariance_type_ : str
        ``"model"`` (inverse Hessian) or ``"robust"`` (the rule for unequal weights).
    feature_means_ : ndarray
        training means weighted by the sample weights (not the class weights): the average
        family, the reference of :meth:`explain`.
    n_iter_, solver_ : int, str
        iterations taken and the solver used.
    n_features_in_, feature_names_in_ : int, ndarray
        (names when fitted on a DataFrame).
    """

    def __init__(self, C: float = 1.0, l1_ratio: float = 0.0, class_weight: Any = None, *,
                 fit_intercept: bool = True, max_iter: int = 100, tol: float = 1e-8, solver: str = "auto",
                 n_jobs: Optional[int] = None) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _check_params(self) -> None:
        """Every parameter, before X is looked at: a bad one is reported the same whatever form X takes."""
        self._check_common_params()
        if not (is_real(self.C) and self.C > 0):
            raise ValidationError(f"C must be > 0 (np.inf for no penalty), got {self.C!r}", table="parameters")
        try:
            float(self.C)
        except OverflowError:  # an int beyond the float range (10**400)
            raise ValidationError(f"C must be a number a float can hold (np.inf for no penalty), got {self.C!r}",
                                  table="parameters") from None
        if not (is_real(self.l1_ratio) and 0 <= self.l1_ratio <= 1):
            raise ValidationError(f"l1_ratio must be between 0 and 1, got {self.l1_ratio!r}", table="parameters")
        # with no penalty (C=inf) l1_ratio weighs nothing, so any solver fits
        if self.solver in _L2_ONLY and self.l1_ratio > 0 and not np.isinf(float(self.C)):
            raise ValidationError(Problem("parameters", "solver", f"solver {self.solver!r} supports the L2 penalty "
                                          f"only (l1_ratio = 0), got l1_ratio={self.l1_ratio!r}; use "
                                          "solver='newton-cd' or 'auto' for an L1 or elastic-net penalty"))
        cw = self.class_weight
        if isinstance(cw, Mapping):
            bad = {k: v for k, v in cw.items() if not (is_finite_real(v) and v >= 0)}
            if bad:
                raise ValidationError(Problem("parameters", "class_weight", f"weights must be finite numbers >= 0, "
                                              f"got {bad}"))
        elif not (cw is None or (isinstance(cw, str) and cw == "balanced")):
            raise ValidationError(Problem("parameters", "class_weight", f"must be None, 'balanced' or a dict "
                                          f"{{class: weight}}, got {cw!r}"))

    @_rows_doc
    def fit(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> "LogisticRiskModel":
        """Fit on features X (DataFrame or array) and binary outcomes y.

        Parameters
        ----------
        {X}
        y : array-like
            binary outcomes.
        {sample_weight}

        Returns
        -------
        LogisticRiskModel
            itself, fitted.
        """
        self._check_params()
        original, y_name = X, _y_name(y)
        X, y = self._validate_X(X, reset=True, y=y)
        if y.dtype.kind not in "iub":  # integer labels are always classes; others need sklearn's check
            try:
                check_classification_targets(y)
            except ValueError as exc:
                raise ValidationError(Problem("y", y_name, _sklearn_message(exc))) from exc
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValidationError(Problem("y", y_name, f"only one class ({_plain(classes[0])}); a risk model needs "
                                          "both outcomes (for a target from build_features: too few families, or "
                                          "no event in the outcome window)"))
        if classes.shape[0] > 2:
            raise ValidationError(Problem("y", y_name, f"y has {classes.shape[0]} classes. Only binary classification "
                                          "is supported. (Fit one model per outcome.)"))
        self.classes_ = classes
        y_index = (y == classes[1]).astype(np.intp)
        w = check_sample_weight(sample_weight, X.shape[0], original)
        row_weight = w
        if self.class_weight is not None:
            if isinstance(self.class_weight, Mapping):
                # sklearn ignores a key that is no class: {"1": 5} for classes 0/1 would weigh nothing
                stray = [k for k in self.class_weight if not np.any(classes == k)]
                if stray:
                    raise ValidationError(Problem("parameters", "class_weight", f"names classes not in y: {stray}; "
                                                  f"the classes are {classes.tolist()}"))
            cw = compute_class_weight(self.class_weight, classes=classes, y=y, sample_weight=w)
            w = np.ascontiguousarray(w * cw[y_index])
        for k in (0, 1):
            if not w[y_index == k].sum() > 0:
                raise ValidationError(Problem("y", y_name, f"only one class has positive weight (class "
                                              f"{_plain(classes[1 - k])}); a risk model needs both outcomes"))
        lam = 0.0 if np.isinf(float(self.C)) else 1.0 / float(self.C)
        self._fit_core(core.fit_logistic, X, y_index.astype(np.float64), w, lam, float(self.l1_ratio), original,
                       y_name, sample_weight=row_weight)
        self.coef_ = self._coef.reshape(1, -1)
        self.intercept_ = np.array([self._intercept if self.fit_intercept else 0.0])
        return self

    @_rows_doc
    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds ``X @ coef + intercept``, one per row.

        {parameters_X}

        Returns
        -------
        ndarray of shape (n,)
            the log-odds of ``classes_[1]``.
        """
        return self._linear(X)

    @_rows_doc
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, one row per case.

        {parameters_X}

        Returns
        -------
        ndarray of shape (n, 2)
            each row sums to 1.
        """
        return self._linear(X, core.predict_logistic_proba)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        eta = self.decision_function(X)
        # log sigmoid without overflow
        return np.column_stack([-np.logaddexp(0, eta), -np.logaddexp(0, -eta)])

    @_rows_doc
    def score(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> float:
        """Accuracy: the (weighted) share of rows whose predicted class is y.

        Parameters
        ----------
        {X}
        y : array-like
            the observed classes.
        {sample_weight}

        Returns
        -------
        float
        """
        from sklearn.metrics import accuracy_score

        predicted = self.predict(X)
        yv = self._score_y(X, y, predicted.shape[0], counts=False)
        w = None if sample_weight is None else check_sample_weight(sample_weight, predicted.shape[0], X)
        try:
            return float(accuracy_score(yv, predicted, sample_weight=w))
        except (ValueError, TypeError) as exc:  # labels of another type than the classes
            raise ValidationError(Problem("y", _y_name(y), f"{_sklearn_message(exc)} (the model's classes are "
                                          f"{self.classes_.tolist()})")) from exc

    @_rows_doc
    def predict(self, X: Any) -> np.ndarray:
        """The more likely class of each row (log-odds > 0 -> ``classes_[1]``).

        {parameters_X}

        Returns
        -------
        ndarray of shape (n,)
            values from ``classes_``.
        """
        check_is_fitted(self, "n_features_in_")
        return self.classes_[(self.decision_function(X) > 0).astype(np.intp)]


class PoissonRiskModel(RegressorMixin, _LinearRiskModel):
    """Poisson regression (log link) with scikit-learn PoissonRegressor's ``alpha``.

    For counts per family (e.g. number of requests for support in the next
    12 months). ``predict`` returns the expected count; ``explain`` and
    ``effects`` work on the log scale, ``effects`` adds rate ratios.

    Parameters
    ----------
    alpha : float, default 1.0
        L2 penalty (0: none), on PoissonRegressor's scale.
    fit_intercept, max_iter, tol, solver, n_jobs : as :class:`LogisticRiskModel`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    standard_errors_, covariance_, covariance_type_, feature_means_, n_iter_, solver_, n_features_in_,
    feature_names_in_
        as :class:`LogisticRiskModel`.
    """

    _scale = "log_rate"
    _ratio = "rate_ratio"

    def __init__(self, alpha: float = 1.0, *, fit_intercept: bool = True, max_iter: int = 100, tol: float = 1e-8,
                 solver: str = "auto", n_jobs: Optional[int] = None) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags

    @_rows_doc
    def fit(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> "PoissonRiskModel":
        """Fit on features X and non-negative counts (or rates) y.

        Parameters
        ----------
        {X}
        y : array-like
            non-negative counts or rates.
        {sample_weight}

        Returns
        -------
        PoissonRiskModel
            itself, fitted.
        """
        self._check_common_params()
        if not (is_finite_real(self.alpha) and self.alpha >= 0):
            raise ValidationError(f"alpha must be finite and >= 0, got {self.alpha!r}", table="parameters")
        if self.solver == "newton-cd":
            raise ValidationError("solver 'newton-cd' is for the elastic-net logistic model", table="parameters")
        original, y_name = X, _y_name(y)
        X, y = self._validate_X(X, reset=True, y=y, y_numeric=True)
        if y.dtype.kind not in "biuf":  # y_numeric converts only object arrays; strings stay strings
            raise ValidationError(Problem("y", y_name, f"counts must be numbers, got {y.dtype} values such as "
                                          f"{y[0]!r}"))
        bad = np.flatnonzero(~(np.isfinite(y) & (y >= 0)))
        if bad.size:
            raise ValidationError(Problem("y", y_name, "counts must be finite and >= 0",
                                          rows=row_labels(original, bad), n_rows=bad.size, value=float(y[bad[0]])))
        w = check_sample_weight(sample_weight, X.shape[0], original)
        with np.errstate(over="ignore"):
            events = w @ y
        if not events > 0:
            raise ValidationError(Problem("y", y_name, "y is zero everywhere (with positive weight); a Poisson "
                                          "model needs some events"))
        self._fit_core(core.fit_poisson, X, y, w, float(self.alpha) * float(w.sum()), 0.0, original, y_name,
                       sample_weight=w)
        self.coef_ = self._coef.copy()
        self.intercept_ = self._intercept if self.fit_intercept else 0.0
        return self

    @_rows_doc
    def predict(self, X: Any) -> np.ndarray:
        """Expected count ``exp(X @ coef + intercept)`` per row.

        {parameters_X}

        Returns
        -------
        ndarray of shape (n,)
            non-negative expected counts.
        """
        return self._linear(X, core.predict_poisson)

    @_rows_doc
    def score(self, X: Any, y: Any, sample_weight: Optional[Any] = None) -> float:
        """D^2: the fraction of Poisson deviance explained (as PoissonRegressor.score).

        Parameters
        ----------
        {X}
        y : array-like
            the observed counts.
        {sample_weight}

        Returns
        -------
        float
        """
        from sklearn.metrics import d2_tweedie_score

        predicted = self.predict(X)
        yv = self._score_y(X, y, predicted.shape[0], counts=True)
        bad = np.flatnonzero(~(np.isfinite(yv) & (yv >= 0)))
        if bad.size:  # sklearn's message names no row
            raise ValidationError(Problem("y", _y_name(y), "counts must be finite and >= 0",
                                          rows=row_labels(X, bad), n_rows=bad.size, value=float(yv[bad[0]])))
        w = None if sample_weight is None else check_sample_weight(sample_weight, predicted.shape[0], X)
        return float(d2_tweedie_score(yv, predicted, sample_weight=w, power=1))
