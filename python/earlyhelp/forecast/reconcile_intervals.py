"""Reconciled interval widths that keep the joint structure of the base errors.

Base forecast errors of a hierarchy are correlated (localities share the council's
shocks), so the variance of a reconciled forecast is ``diag(M Sigma M')`` with ``M`` the
method's linear map (``S P``) and ``Sigma`` the covariance of the base errors, not a sum of
variances. ``Sigma`` at each horizon step takes each series' base standard deviation (from
its interval) and the correlation of the Schafer-Strimmer shrunk covariance of in-sample
residuals (as MinTrace-shrink's weights).
"""
from __future__ import annotations

import numpy as np

__all__ = ["joint_sd"]


def joint_sd(M: np.ndarray, sd: np.ndarray, diagonal: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Reconciled standard deviations (n, k) for base ones ``sd`` (n, k).

    ``M`` is the n x n map from base to reconciled forecasts; ``diagonal`` + ``factor
    factor'`` the shrunk residual covariance (its correlation is used, never formed n x n).
    """
    w = diagonal + (factor ** 2).sum(axis=1)
    w = np.where(w > 0, w, 1.0)
    M2 = M ** 2
    out = np.empty_like(sd)
    for t in range(sd.shape[1]):
        s = sd[:, t]
        own = M2 @ (s * s * diagonal / w)  # the uncorrelated part
        shared = ((M @ (s[:, None] * factor / np.sqrt(w)[:, None])) ** 2).sum(axis=1)
        out[:, t] = np.sqrt(np.maximum(own + shared, 0.0))
    return out
