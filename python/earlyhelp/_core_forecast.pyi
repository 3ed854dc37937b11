# Stubs for earlyhelp._core.forecast (hand-kept; see the forecast bindings in cpp/bindings/forecast.cpp).
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import numpy.typing as npt

# -- models --
def forecast_series(
    kind: str,
    y: npt.NDArray[np.float64],
    indptr: npt.NDArray[np.int64],
    h: int,
    levels: Sequence[float],
    season_length: int = 12,
    ets_model: str = "ZZZ",
    damped: int = -1,
    alpha_d: float = 0.1,
    alpha_p: float = 0.1,
    n_sim: int = 2000,
    seed: int = 0,
    X: Optional[npt.NDArray[np.float64]] = None,
    X_future: Optional[npt.NDArray[np.float64]] = None,
    phase0: Optional[npt.NDArray[np.int64]] = None,
    n_threads: int = 2,
    progress: Optional[Callable[[int, int], Any]] = None,
    fitted: bool = True,
) -> Dict[str, Any]:
    """Fit model `kind` to each series (y split by indptr) and forecast h steps.

    ``fitted=False`` lets a model skip costly in-sample fitted values (Croston
    refits every prefix); they may then be NaN.

    Returns dict(mean (S, h), lo (S, L, h), hi (S, L, h), fitted (len(y),),
    method: list[str], fallback: bool array (S,), loglik (S,), aicc (S,),
    params (S, 4): ETS alpha, beta, gamma, phi (NaN where not in the model)
    (NaN for models without a likelihood).
    """
    ...
