"""fairness_audit's rate-ratio intervals keep their coverage when a rate is 0 or 1 (a group of one,
every row selected, every step-up selected), and agree with the audit's own Fisher test."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from earlyhelp import risk
from earlyhelp.risk.fairness import _ratio_ci

Z95 = float(stats.norm.isf(0.025))


def _exact_coverage(n1: int, q1: float, n0: int, q0: float) -> float:
    """P(interval holds q1 / q0) over every outcome of the two binomial counts."""
    p1, p0 = stats.binom.pmf(np.arange(n1 + 1), n1, q1), stats.binom.pmf(np.arange(n0 + 1), n0, q0)
    total = 0.0
    for k1 in range(n1 + 1):
        for k0 in range(n0 + 1):
            low, high = _ratio_ci(k1, n1, k0, n0, Z95)
            total += p1[k1] * p0[k0] * (low <= q1 / q0 <= high)
    return total


@pytest.mark.parametrize("n1, q1, n0, q0", [
    (10, 0.8, 200, 0.8),    # the Katz interval covered 89%
    # the rest of the grid takes longer (every pair of counts)
    *[pytest.param(*case, marks=pytest.mark.simulation) for case in [
        (10, 0.95, 200, 0.95),  # rates near 1: the Katz interval covered 41%
        (15, 0.9, 60, 0.9), (3, 0.3, 300, 0.3), (5, 0.5, 100, 0.5), (20, 0.1, 400, 0.1),
        (30, 0.2, 300, 0.1), (10, 0.3, 100, 0.6)]],
])
def test_ratio_interval_covers_at_least_95_percent(n1, q1, n0, q0):
    assert _exact_coverage(n1, q1, n0, q0) >= 0.95


def test_group_of_one_selected_gets_a_wide_interval_consistent_with_fisher():
    rng = np.random.default_rng(5)
    n = 600
    y = (rng.random(n) < 0.15).astype(int)
    p = rng.uniform(0, 0.5, n)
    sex = np.where(np.arange(n) % 2 == 0, "F", "M").astype(object)
    sex[0], p[0], y[0] = "U", 0.99, 1
    a = risk.fairness_audit(y, p, pd.DataFrame({"sex": sex}), top_k_percent=10, min_positives=1)
    row = a[a.group == "U"].iloc[0]
    for metric in ("selection_rate", "tpr"):
        assert row[f"{metric}_p"] > 0.05
        # not significant at 5%: the 95% interval holds 1 (the Katz interval was [8.5, 18.3])
        assert row[f"{metric}_ratio_low"] < 1 < row[f"{metric}_ratio_high"]


def test_every_row_selected_gives_intervals_of_positive_width():
    rng = np.random.default_rng(5)
    n = 600
    y = (rng.random(n) < 0.15).astype(int)
    g = pd.Series(rng.choice(["F", "M"], n), name="sex")
    a = risk.fairness_audit(y, np.full(n, 0.2), g)
    row = a[~a.is_reference].iloc[0]
    assert row["selection_rate_ratio"] == 1
    assert row["selection_rate_ratio_low"] < 1 < row["selection_rate_ratio_high"]


def test_zero_counts_leave_the_open_end_unbounded():
    low, high = _ratio_ci(0, 5, 10, 100, Z95)
    assert low == 0 and np.isfinite(high) and high > 1
    low, high = _ratio_ci(3, 5, 0, 100, Z95)
    assert low > 0 and high == np.inf
    assert _ratio_ci(0, 5, 0, 100, Z95) == (0.0, np.inf)


@pytest.mark.simulation
def test_tpr_ratio_coverage_through_the_audit():
    rng = np.random.default_rng(0)
    n_g, n_r, tpr, audits, covered = 10, 200, 0.8, 1000, 0
    for _ in range(audits):
        kg, kr = rng.binomial(n_g, tpr), rng.binomial(n_r, tpr)
        y = np.r_[np.ones(n_g), np.ones(n_r), np.zeros(400)]
        p = np.r_[np.full(kg, .9), np.full(n_g - kg, .1), np.full(kr, .9), np.full(n_r - kr, .1), np.full(400, .05)]
        grp = np.r_[["G"] * n_g, ["R"] * n_r, ["G"] * 100, ["R"] * 300]
        a = risk.fairness_audit(y, p, pd.Series(grp, name="ethnicity"), threshold=0.5, reference={"ethnicity": "R"})
        row = a[a.group == "G"].iloc[0]
        covered += row.tpr_ratio_low <= 1 <= row.tpr_ratio_high
    assert covered / audits >= 0.94  # Katz: 89.5%
