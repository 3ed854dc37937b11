"""Intervals and change tests for the measures (vectorised over numpy arrays)."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import pandas as pd
from scipy import stats


def wilson_interval(k: np.ndarray, n: np.ndarray, alpha: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (NaN where n is 0 or missing)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo, hi = centre - half, centre + half
    bad = ~(n > 0)
    # at 0 and at n the ends are 0 and 1 exactly (rounding left 5.6e-17 and 0.9999999999999999,
    # so a measure of 0% or 100% lay outside its own interval)
    lo = np.where(bad, np.nan, np.where(k <= 0, 0.0, np.clip(lo, 0, 1)))
    hi = np.where(bad, np.nan, np.where(k >= n, 1.0, np.clip(hi, 0, 1)))
    return lo, hi


def poisson_interval(k: np.ndarray, alpha: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson count."""
    k = np.asarray(k, dtype=float)
    shape = k.shape
    # counts repeat a lot: evaluate the quantiles once per distinct count
    uniq, inverse = np.unique(k.ravel(), return_inverse=True)
    with np.errstate(invalid="ignore"):
        lo = np.where(uniq > 0, stats.chi2.ppf(alpha / 2, 2 * uniq) / 2, 0.0)
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * (uniq + 1)) / 2
    nan = np.isnan(uniq)
    lo, hi = np.where(nan, np.nan, lo), np.where(nan, np.nan, hi)
    return lo[inverse].reshape(shape), hi[inverse].reshape(shape)


def weighted_poisson_interval(y: np.ndarray, v: np.ndarray, w_max: float,
                              alpha: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
    """Gamma interval for a weighted sum of Poisson events (Fay and Feuer, 1997).

    A sum of weights (children per request) varies more than a count of events, and the exact
    Poisson interval of the sum is too narrow: 85-87% coverage, not 95%, for children referred at
    1.5 children a request. This interval reduces to the exact (Garwood) one when every weight is 1.

    Parameters
    ----------
    y : numpy.ndarray
        the sums of the weights of the events.
    v : numpy.ndarray
        the sums of the squared weights of the same events.
    w_max : float
        the largest weight an event can carry (> 0).
    alpha : float, default 0.05
        1 - the interval's coverage.

    Returns
    -------
    (lo, hi) : tuple of numpy.ndarray
        NaN where ``y`` or ``v`` is missing.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(y > 0, stats.gamma.ppf(alpha / 2, y * y / v, scale=v / y), 0.0)
        hi = stats.gamma.ppf(1 - alpha / 2, (y + w_max) ** 2 / (v + w_max ** 2),
                             scale=(v + w_max ** 2) / (y + w_max))
    nan = np.isnan(y) | np.isnan(v)
    return np.where(nan, np.nan, lo), np.where(nan, np.nan, hi)


def _fisher(k1: np.ndarray, n1: np.ndarray, k0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Fisher's exact two-sided p-value per row (NaN where a period has no cases): the p-value of
    ``scipy.stats.fisher_exact`` (probabilities at most the table's own, relative tolerance 1e-14),
    for all rows at once. One call per table took minutes on England's 20,000 distinct tables."""
    ok = (n1 > 0) & (n0 > 0) & ~np.isnan(k1 + k0 + n1 + n0)
    out = np.full(np.broadcast(k1, n1, k0, n0).shape, np.nan)
    rows = np.stack(np.broadcast_arrays(k1, n1, k0, n0), axis=-1)[ok].astype(np.int64)
    if len(rows):
        # distinct tables by one whole-number key per row, built a column at a time (np.unique of
        # the rows sorts them as records: seconds on England)
        key = np.zeros(len(rows), dtype=np.int64)
        for column in rows.T:
            code, values = pd.factorize(column)
            key = pd.factorize(key * len(values) + code)[0].astype(np.int64)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        out[ok] = _fisher_two_sided(*rows[first].T)[inverse.ravel()]
    return out


def _fisher_two_sided(a: np.ndarray, n: np.ndarray, b: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Tables ``[[a, n - a], [b, m - b]]`` (rows of cases and of the rest): as scipy, the first
    cell is hypergeometric given the margins; the other tail starts where the probability on the
    far side of the mode falls to the table's own (found by a binary search on both sides)."""
    total, column = n + m, a + b
    p = np.ones(len(a))
    live = (column > 0) & (total - column > 0)
    total, column, a, n = total[live], column[live], a[live], n[live]
    law = stats.hypergeom(total, n, column)

    def pmf(x, rows):      # the pmf of the given rows only: the searches narrow to few rows
        return stats.hypergeom.pmf(x, total[rows], n[rows], column[rows])

    mode = ((column + 1) * (n + 1) / (total + 2)).astype(np.int64)
    exact, at_mode = law.pmf(a), law.pmf(mode)
    gamma = 1 + 1e-14
    central = np.abs(exact - at_mode) / np.maximum(exact, at_mode) <= 1e-14
    below = ~central & (a < mode)
    above = ~central & ~below
    q = np.ones(len(a))
    lower, upper = law.cdf(a), law.sf(a - 1)
    # below the mode: the upper tail from where the pmf falls to the table's own
    far = law.pmf(column) > exact * gamma
    guess = _last_at_most(lambda x, rows: -pmf(x, rows), -exact * gamma, mode, column)
    q = np.where(below, np.where(far, lower, lower + law.sf(guess)), q)
    near = law.pmf(np.zeros_like(a)) > exact * gamma
    guess = _last_at_most(pmf, exact * gamma, np.zeros_like(a), mode)
    q = np.where(above, np.where(near, upper, upper + law.cdf(guess)), q)
    p[live] = np.minimum(q, 1.0)
    return p


def _last_at_most(f, d: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per row, the i in [lo, hi] with f(i) <= d < f(i + 1) for an ascending f (scipy's binary
    search for the two-sided binomial and Fisher tests, on every row at once). ``f(x, rows)``
    gives f of the rows ``rows`` (positions) at ``x``: each step evaluates the rows still
    searching only."""
    lo, hi = lo.astype(np.int64).copy(), hi.astype(np.int64).copy()
    hit = np.zeros(len(lo), dtype=bool)
    at = np.zeros(len(lo), dtype=np.int64)
    rows = np.flatnonzero(lo < hi)
    while len(rows):
        mid = lo[rows] + (hi[rows] - lo[rows]) // 2
        value = f(mid, rows)
        less, more = value < d[rows], value > d[rows]
        equal = ~less & ~more
        hit[rows[equal]] = True
        at[rows[equal]] = mid[equal]
        lo[rows[less]] = mid[less] + 1
        hi[rows[more]] = mid[more] - 1
        rows = rows[~equal & (lo[rows] < hi[rows])]
    every = np.arange(len(lo))
    return np.where(hit, at, np.where(f(lo, every) <= d, lo, lo - 1))


def change_test(k1: np.ndarray, n1: Optional[np.ndarray], k0: np.ndarray, n0: Optional[np.ndarray],
                kind: str) -> np.ndarray:
    """Two-sided p-value that period 1 differs from period 0 by more than noise.

    ``proportion``: Fisher's exact test (two-sided, as ``scipy.stats.fisher_exact`` and R's
    ``fisher.test``), which never flags more than ``alpha`` of unchanged periods (the pooled z
    test flagged 5.7-6% at 5%, at n of 5 to 50). ``count``: conditional exact test of two
    Poisson counts over equal exposure (k1 ~ Binomial(k1 + k0, 1/2)). ``weighted_count``: z test
    of two sums of weights, ``n1`` and ``n0`` the sums of their squared weights (the variance of a
    weighted Poisson sum): the binomial test of the sums found a change in 12-15% of unchanged
    periods of children referred.
    """
    k1 = np.asarray(k1, dtype=float)
    k0 = np.asarray(k0, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "weighted_count":
            var = np.asarray(n1, dtype=float) + np.asarray(n0, dtype=float)
            p = 2 * stats.norm.sf(np.abs(k1 - k0) / np.sqrt(var))
            return np.where(np.isnan(k1 - k0) | np.isnan(var), np.nan, np.where(var > 0, p, 1.0))
        if kind == "proportion":
            n1 = np.asarray(n1, dtype=float)
            n0 = np.asarray(n0, dtype=float)
            return _fisher(k1, n1, k0, n0)
        total = k1 + k0
        lo = stats.binom.cdf(k1, total, 0.5)
        hi = stats.binom.sf(k1 - 1, total, 0.5)
        p = np.minimum(1.0, 2 * np.minimum(lo, hi))
        return np.where(np.isnan(total), np.nan, np.where(total == 0, 1.0, p))
