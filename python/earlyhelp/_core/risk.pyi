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

def fit_logistic(X: _Array, y: _Array, sample_weight: _Array, lam: float, l1_ratio: float = 0.0,
                 fit_intercept: bool = True, tol: float = 1e-08, max_iter: int = 100, solver: str = "auto",
                 n_threads: int = 0, compute_covariance: bool = True,
                 progress: Optional[Callable[[int, int], Any]] = None) -> _GlmFit:
    """Objective sum_i s_i logloss_i + lam * (0.5 (1 - l1_ratio) |w|^2 + l1_ratio |w|_1); lam = 1 / C."""

def fit_poisson(X: _Array, y: _Array, sample_weight: _Array, lam: float, l1_ratio: float = 0.0,
                fit_intercept: bool = True, tol: float = 1e-08, max_iter: int = 100, solver: str = "auto",
                n_threads: int = 0, compute_covariance: bool = True,
                progress: Optional[Callable[[int, int], Any]] = None) -> _GlmFit:
    """Objective sum_i s_i (mu_i - y_i eta_i) + lam/2 |w|^2; lam = alpha * sum_i s_i."""

def linear_predictor(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def predict_logistic_proba(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def predict_poisson(X: _Array, coef: _Array, intercept: float, n_threads: int = 0) -> _Out: ...
def fit_isotonic(x: _Array, y: _Array, weight: _Array, increasing: bool = True) -> Tuple[_Out, _Out]: ...
def predict_isotonic(knots_x: _Array, knots_y: _Array, x: _Array) -> _Out: ...
def fit_platt(score: _Array, y: _Array, weight: _Array) -> Tuple[float, float]: ...
