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

Standard errors are the square roots of the diagonal of the inverse Hessian
of the penalised objective at the solution (scaled to the sum of losses, so
for ``C=np.inf`` / ``alpha=0`` they are the usual Wald standard errors, the
same as statsmodels). With a penalty they are conditional on the penalty and
shrink with it; with an L1 penalty coefficients that are exactly zero get no
standard error (NaN).

Bad input
---------
NaN or infinite features, negative or non-finite sample weights, a single
class in ``y`` and mismatched lengths raise :class:`earlyhelp.ValidationError`
(a ``ValueError``) naming the column and rows; so do text, categorical and duplicated
columns of a DataFrame (encode them first, e.g. in a pipeline). Constant columns: with a
penalty their coefficient is 0 (the intercept absorbs them); with no penalty
(``C=np.inf``, ``alpha=0``) constant or collinear columns raise, as do
perfectly separated classes, because no unique finite estimate exists. With a
finite ``C`` separable data converge to finite coefficients.
"""
from __future__ import annotations

import math
import re
import warnings
from statistics import NormalDist
from typing import Any, Optional

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docstrings import with_sections
from .._errors import CoreInputError, Problem, ValidationError
from .._native import naming
from .._native import risk as core
from .._numbers import is_finite_real, is_real, is_whole
from ._glm import check_finite, check_frame_columns, check_sample_weight, feature_names, n_threads, row_labels

__all__ = ["LogisticRiskModel", "PoissonRiskModel"]

_SOLVERS = ("auto", "newton-cholesky", "lbfgs", "newton-cd")


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
        n_threads(self.n_jobs)  # raises for a bad n_jobs

    def _validate_X(self, X: Any, reset: bool, y: Any = "no_validation", **kw: Any) -> Any:
        """validate_data without its finiteness check (ours names the column)."""
        check_frame_columns(X)
        return validate_data(self, X, y, reset=reset, dtype=np.float64, order="C", ensure_all_finite=False, **kw)

    def _fit_core(self, fn: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float, l1_ratio: float,
                  original: Any) -> None:
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
                if "extreme scales" in str(exc):  # the core's words for a penalised fit that broke down
                    raise self._scale_error(X, y, w) from exc
                raise self._named_column_error(exc) from exc
        coef = np.asarray(res["coef"], dtype=np.float64)
        if not (np.all(np.isfinite(coef)) and math.isfinite(res["intercept"])):  # the core checks too
            raise ValidationError("the fit diverged (non-finite coefficients)", table="X")
        self._coef = coef
        self._intercept = float(res["intercept"])
        self.n_iter_ = int(res["n_iter"])
        self.solver_ = str(res["solver"])
        p = coef.shape[0]
        cov = res["covariance"]
        self.covariance_ = np.asarray(cov) if cov is not None else np.full((p + 1, p + 1), np.nan)
        diag = np.diag(self.covariance_)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(diag >= 0, diag, np.nan))
        self.standard_errors_ = se[:p]
        self.intercept_standard_error_ = float(se[p]) if self.fit_intercept else np.nan
        self.feature_means_ = np.asarray(res["feature_means"], dtype=np.float64)
        if not res["converged"]:
            warnings.warn(f"{type(self).__name__} did not converge in {self.n_iter_} iterations (gradient "
                          f"{res['gradient_norm']:.2e} > tol {self.tol:g}); raise max_iter or standardise "
                          "the features", ConvergenceWarning, stacklevel=3)

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

    def _scale_error(self, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> ValidationError:
        """The core's breakdown of an L2-penalised fit (values on extreme scales), naming the
        likely column and the scales of the counts and weights."""
        names = feature_names(self, X.shape[1])
        with np.errstate(over="ignore"):
            size = np.abs(X).max(axis=0)
        j = int(np.argmax(size))
        scales = [f"largest feature value {size[j]:.3g} in column {names[j]!r}",
                  f"sample weights summing to {float(w.sum()):.3g}"]
        if not hasattr(self, "C"):
            scales.append(f"largest count {float(np.max(y)):.3g}")
        column = names[j] if size[j] >= 1e6 else None  # name a column only when it is the likely cause
        return ValidationError(Problem("X", column, "the penalised fit broke down numerically: values on extreme "
                                       f"scales ({'; '.join(scales)}); standardise the features (e.g. "
                                       "StandardScaler) and rescale counts or sample weights towards 1"))

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
            (weighted) training mean, so a contribution says how much this
            family's value moves its score from that of an average family;
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
        if not (is_real(level) and 0 < level < 1):
            raise ValidationError(f"level must be between 0 and 1, got {level!r}", table="parameters")
        names = feature_names(self, self.n_features_in_) + ["intercept"]
        coef = np.append(self._coef, self._intercept if self.fit_intercept else np.nan)
        se = np.append(self.standard_errors_, self.intercept_standard_error_)
        zcrit = NormalDist().inv_cdf(0.5 + level / 2)
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
        from the inverse Hessian.
    intercept_standard_error_ : float
    covariance_ : ndarray of shape (n_features + 1, n_features + 1)
        inverse Hessian, intercept last.
    feature_means_ : ndarray
        weighted training means (the reference of :meth:`explain`).
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
        self._check_common_params()
        if not (is_real(self.C) and self.C > 0):
            raise ValidationError(f"C must be > 0 (np.inf for no penalty), got {self.C!r}", table="parameters")
        if not (is_real(self.l1_ratio) and 0 <= self.l1_ratio <= 1):
            raise ValidationError(f"l1_ratio must be between 0 and 1, got {self.l1_ratio!r}", table="parameters")
        original = X
        X, y = self._validate_X(X, reset=True, y=y)
        if y.dtype.kind not in "iub":  # integer labels are always classes; others need sklearn's check
            check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValidationError(Problem("y", None, f"y has only one class ({classes[0]!r}); a risk model needs "
                                          "both outcomes"))
        if classes.shape[0] > 2:
            raise ValidationError(Problem("y", None, f"y has {classes.shape[0]} classes. Only binary classification is "
                                          "supported. (Fit one model per outcome.)"))
        self.classes_ = classes
        y_index = (y == classes[1]).astype(np.intp)
        w = check_sample_weight(sample_weight, X.shape[0], original)
        if self.class_weight is not None:
            cw = compute_class_weight(self.class_weight, classes=classes, y=y, sample_weight=w)
            w = np.ascontiguousarray(w * cw[y_index])
        for k in (0, 1):
            if not w[y_index == k].sum() > 0:
                raise ValidationError(Problem("y", None, f"only one class has positive weight (class "
                                              f"{classes[1 - k]!r}); a risk model needs both outcomes"))
        lam = 0.0 if np.isinf(self.C) else 1.0 / float(self.C)
        self._fit_core(core.fit_logistic, X, y_index.astype(np.float64), w, lam, float(self.l1_ratio), original)
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
    standard_errors_, covariance_, feature_means_, n_iter_, solver_, n_features_in_, feature_names_in_
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
        original = X
        X, y = self._validate_X(X, reset=True, y=y, y_numeric=True)
        if y.dtype.kind not in "biuf":  # y_numeric converts only object arrays; strings stay strings
            raise ValidationError(Problem("y", None, f"counts must be numbers, got {y.dtype} values such as "
                                          f"{y[0]!r}"))
        bad = np.flatnonzero(~(np.isfinite(y) & (y >= 0)))
        if bad.size:
            raise ValidationError(Problem("y", None, "counts must be finite and >= 0",
                                          rows=row_labels(original, bad), n_rows=bad.size, value=float(y[bad[0]])))
        w = check_sample_weight(sample_weight, X.shape[0], original)
        if not (w @ y) > 0:
            raise ValidationError(Problem("y", None, "y is zero everywhere (with positive weight); a Poisson model "
                                          "needs some events"))
        self._fit_core(core.fit_poisson, X, y, w, float(self.alpha) * float(w.sum()), 0.0, original)
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

        return float(d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1))
