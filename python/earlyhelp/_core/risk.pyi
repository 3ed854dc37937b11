# Stubs for earlyhelp._core.risk (cpp/bindings/risk.cpp). Arrays are float64;
# C-contiguous float64 input is used without a copy.
from typing import Any, Callable, Optional, Tuple, TypedDict

import numpy as np
import numpy.typing as npt

_Array = npt.ArrayLike
_Out = npt.NDArray[np.float64]

class _GlmFit(TypedDict):
    coef: _Out
    intercept: float
    n_iter: int
    converged: bool
    objective: float
    gradient_norm: float
    solver: str
    covariance: Optional[_Out]
    feature_means: _Out

class GlmOptions:
    """Penalty, intercept, convergence and solver of a GLM fit.

    Objective: sum_i s_i loss_i + lam * (0.5 (1 - l1_ratio) |w|^2 + l1_ratio |w|_1), intercept
    unpenalised; logistic: lam = 1 / C; Poisson: lam = alpha * sum_i s_i. ``solver``: "auto",
    "newton-cholesky", "lbfgs" or "newton-cd"; ``n_threads`` 0 decides from the size.
    """

    lam: float
    l1_ratio: float
    fit_intercept: bool
    tol: float
    max_iter: int
    solver: str
    n_threads: int
    compute_covariance: bool
    def __init__(self, lam: float = 1.0, l1_ratio: float = 0.0, fit_intercept: bool = True, tol: float = 1e-08,
                 max_iter: int = 100, solver: str = "auto", n_threads: int = 0,
                 compute_covariance: bool = True) -> None: ...

def fit_logistic(X: _Array, y: _Array, sample_weight: _Array, options: GlmOptions,
                 progress: Optional[Callable[[int, int], Any]] = None) -> _GlmFit:
    """Penalised logistic regression (y in {0, 1})."""

def fit_poisson(X: _Array, y: _Array, sample_weight: _Array, options: GlmOptions,
                progress: Optional[Callable[[int, int], Any]] = None) -> _GlmFit:
    """Penalised Poisson regression with log link."""

def linear_predictor(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def predict_logistic_proba(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def predict_poisson(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def fit_isotonic(x: _Array, y: _Array, weight: _Array, increasing: bool = True) -> Tuple[_Out, _Out]: ...
def predict_isotonic(knots_x: _Array, knots_y: _Array, x: _Array) -> _Out: ...
def fit_platt(score: _Array, y: _Array, weight: _Array) -> Tuple[float, float]: ...
