# Stubs for the reconciliation functions in earlyhelp._core.forecast
# (hand-kept; see cpp/bindings/reconcile.cpp).
from typing import Optional, Sequence, Tuple

import numpy as np
import scipy.sparse

def reconcile(S: scipy.sparse.csr_matrix, mean: np.ndarray, sd: Optional[np.ndarray] = None,
              method: str = "mint_shrink", residuals: Optional[np.ndarray] = None,
              insample: Optional[np.ndarray] = None, parent: Sequence[int] = (),
              ridge: float = 2e-8) -> Tuple[np.ndarray, Optional[np.ndarray], float]: ...
def shrunk_covariance(residuals: np.ndarray, ridge: float = 2e-8) -> Tuple[np.ndarray, np.ndarray, float]: ...
