# Stubs for earlyhelp._core.forecast (cpp/bindings/forecast.cpp, cpp/bindings/reconcile.cpp).
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from earlyhelp._core import _Enum

_Progress = Optional[Callable[[int, int], None]]

class ModelKind(_Enum):
    """The models, named as statsforecast names them."""

    Naive: ModelKind
    SeasonalNaive: ModelKind
    AutoETS: ModelKind
    Theta: ModelKind
    OptimizedTheta: ModelKind
    CrostonOptimized: ModelKind
    TSB: ModelKind
    CountRegression: ModelKind
    __members__: Dict[str, ModelKind]

def model_kind(name: str) -> ModelKind:
    """The ModelKind called ``name``; CoreInputError naming the kinds otherwise."""

class EtsComponent(_Enum):
    """One component of an ETS model; ``choose``: by AICc."""

    additive: EtsComponent
    multiplicative: EtsComponent
    none: EtsComponent
    choose: EtsComponent
    __members__: Dict[str, EtsComponent]

class EtsSpec:
    """The ETS models AutoETS may choose from."""

    error: EtsComponent
    trend: EtsComponent
    season: EtsComponent
    damped: Optional[bool]
    def __init__(self, error: EtsComponent = ..., trend: EtsComponent = ..., season: EtsComponent = ...,
                 damped: Optional[bool] = None) -> None: ...
    @staticmethod
    def from_letters(letters: str, damped: Optional[bool] = None) -> EtsSpec:
        """From statsforecast's letters, error/trend/season, e.g. 'ZZZ' or 'AAN'."""

class ModelSpec:
    """What to fit, and the settings the kind uses."""

    kind: ModelKind
    season_length: int
    ets: EtsSpec
    alpha_d: float
    alpha_p: float
    n_sim: int
    seed: int
    def __init__(self, kind: ModelKind, season_length: int = 12, ets: EtsSpec = ..., alpha_d: float = 0.1,
                 alpha_p: float = 0.1, n_sim: int = 2000, seed: int = 0) -> None: ...

def forecast_series(
    spec: ModelSpec,
    y: npt.ArrayLike,
    indptr: npt.ArrayLike,
    h: int,
    levels: Sequence[float],
    X: Optional[npt.ArrayLike] = None,
    X_future: Optional[npt.ArrayLike] = None,
    phase0: Optional[npt.ArrayLike] = None,
    n_threads: int = 2,
    progress: _Progress = None,
    fitted: bool = True,
) -> Dict[str, Any]:
    """Fit one model to many series (y split by indptr) and forecast h steps.

    ``fitted=False`` lets a model skip costly in-sample fitted values (Croston
    refits every prefix); they may then be NaN.

    Returns dict(mean (S, h), lo (S, L, h), hi (S, L, h), fitted (len(y),),
    method: list[str], fallback: bool array (S,), loglik (S,), aicc (S,)
    (NaN for models without a likelihood), params (S, 4): ETS alpha, beta, gamma, phi
    (NaN where not in the model).
    """

class ReconcileMethod(_Enum):
    """Reconciliation methods (hierarchicalforecast's names)."""

    bottom_up: ReconcileMethod
    top_down_forecast_proportions: ReconcileMethod
    top_down_average_proportions: ReconcileMethod
    top_down_proportion_averages: ReconcileMethod
    mint_ols: ReconcileMethod
    mint_wls_struct: ReconcileMethod
    mint_shrink: ReconcileMethod
    __members__: Dict[str, ReconcileMethod]

def reconcile(
    S: Any,  # scipy.sparse matrix (converted to CSR of float64)
    mean: npt.NDArray[np.float64],
    sd: Optional[npt.NDArray[np.float64]] = None,
    method: ReconcileMethod = ...,
    residuals: Optional[npt.NDArray[np.float64]] = None,
    insample: Optional[npt.NDArray[np.float64]] = None,
    parent: Sequence[int] = ...,
    ridge: float = 2e-8,
    nonnegative: bool = False,
) -> Tuple[npt.NDArray[np.float64], Optional[npt.NDArray[np.float64]], float, int]:
    """Reconcile n x h forecasts on a sparse summing matrix S (n x m): (mean, sd or None, shrinkage or nan,
    bottom (series, step) pairs held at 0 when ``nonnegative``, a MinTrace method only)."""

def shrunk_covariance(
    residuals: npt.NDArray[np.float64], ridge: float = 2e-8
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """Schafer-Strimmer shrunk covariance of n x T residuals as (diagonal, factor, lambda):
    W = diag(diagonal) + factor factor'."""
