"""The change test of proportions is Fisher's exact test computed for every table at once: on
thousands of tables (small and large, lopsided, ties at the mode) its p-values are scipy's
``fisher_exact``, table by table."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from earlyhelp.measures.stats import _fisher


@pytest.mark.parametrize("seed", [0, 1])
def test_every_table_gives_scipys_p_value(seed):
    rng = np.random.default_rng(seed)
    size = 2_000
    n1 = rng.integers(1, rng.choice([8, 60, 900], size=size) + 1)
    n0 = rng.integers(1, rng.choice([8, 60, 900], size=size) + 1)
    share = rng.uniform(0, 1, size=size)
    k1 = rng.binomial(n1, share)
    k0 = np.where(rng.uniform(size=size) < 0.3, rng.binomial(n0, share), rng.binomial(n0, rng.uniform(size=size)))
    ours = _fisher(k1.astype(float), n1.astype(float), k0.astype(float), n0.astype(float))
    theirs = np.array([stats.fisher_exact([[a, n - a], [b, m - b]])[1] for a, n, b, m in zip(k1, n1, k0, n0)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)
