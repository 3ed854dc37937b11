# Stubs for earlyhelp._core.synthetic (hand-kept; see the synthetic bindings in cpp/bindings/synthetic.cpp).
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np

NO_DATE: int

Column = Tuple[str, str, str, Union[np.ndarray, List[str]]]

def generate(preset: str, window_start: int, window_end: int, scale: float = 1.0, seed: int = 0,
             threads: int = 1, progress: Optional[Callable[[int, int], None]] = None) -> Dict[str, List[Column]]:
    """Generate a synthetic council (or England); dates are days since 1970-01-01.

    Returns {table: [(column, kind, ref, values)]}; raises CoreInputError (a ValueError)
    for an unknown preset, a window that ends before it starts or a scale that is not positive.
    """

def code_labels() -> Dict[str, List[str]]: ...

def oracle_step_up(p_end: np.ndarray, duration_scale: np.ndarray, p_rereferral: np.ndarray, days_open: np.ndarray,
                   window_days: int, link_days: int) -> np.ndarray:
    """P(step-up within window_days | the episode is still open after days_open days); p_end is rows x 7."""

def oracle_rereferral(p_rereferral: np.ndarray, days_since_closure: np.ndarray, window_days: int) -> np.ndarray:
    """P(a new request within window_days of the closure, after the cut-off | none so far)."""
