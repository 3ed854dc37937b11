"""The SPC claims of the measures guide, measured by simulation (seeded, a few seconds each)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from earlyhelp.measures import spc

# a statistical property measured by simulation: run once, in the wheel's pass of scripts/test.sh
pytestmark = pytest.mark.simulation


def _draw(rng, kind: str, p: float, n: np.ndarray) -> np.ndarray:
    return rng.binomial(n, p) if kind == "proportion" else rng.poisson(n * p)


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_funnel_flags_are_the_exact_one_sided_tests(kind):
    """A unit is above (below) a limit exactly when P(X >= x) (P(X <= x)) at the overall rate is
    under (1 - level) / 2. The upper limit used to sit below the largest count that passes."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        n, p = int(rng.integers(1, 120)), float(rng.uniform(0.02, 0.8))
        dist = stats.binom(n, p) if kind == "proportion" else stats.poisson(n * p)
        top = n if kind == "proportion" else int(n * p * 3 + 15)
        y = np.arange(top + 1)
        f = spc.funnel(y, np.full(len(y), n), overall=p, kind=kind)["units"]
        for level, tag in ((0.95, "95"), (0.998, "99_8")):
            a = (1 - level) / 2
            above = f["value"] > f[f"upper_{tag}"]
            below = f["value"] < f[f"lower_{tag}"]
            assert above.tolist() == (dist.sf(y - 1) < a).tolist(), (n, p, level)
            assert below.tolist() == (dist.cdf(y) < a).tolist(), (n, p, level)


@pytest.mark.parametrize("kind,p", [("proportion", 0.05), ("proportion", 0.5), ("rate", 0.05)])
def test_funnel_small_denominators_do_not_over_flag(kind, p):
    """Denominators of 5-19 (a small locality's month): units drawn at the overall rate fall above
    the 95% limit at most 2.5% of the time and above the 99.8% limit at most 0.1% (the old limits
    flagged 5-7.5% and 0.3-0.7%)."""
    rng = np.random.default_rng(3)
    n = rng.integers(5, 20, 40_000)
    f = spc.funnel(_draw(rng, kind, p, n), n, overall=p, kind=kind)["units"]
    for tag, a in (("95", 0.025), ("99_8", 0.001)):
        above = (f["value"] > f[f"upper_{tag}"]).mean()
        below = (f["value"] < f[f"lower_{tag}"]).mean()
        se = np.sqrt(a * (1 - a) / len(n))
        assert above < a + 3 * se and below < a + 3 * se, (tag, above, below)


@pytest.mark.parametrize("kind,above_range", [("proportion", (0.010, 0.013)), ("rate", (0.009, 0.018))])
def test_funnel_small_denominator_flag_rates_are_those_the_guide_states(kind, above_range):
    """The guide's figures for denominators of 5-19 and rates of 5-50%: the share above the 95%
    limit (1.1-1.3% for proportions, 1.0-1.7% for rates) and below it (0-1.2%)."""
    rng = np.random.default_rng(3)
    for p in (0.05, 0.1, 0.2, 0.3, 0.5):
        n = rng.integers(5, 20, 100_000)
        f = spc.funnel(_draw(rng, kind, p, n), n, overall=p, kind=kind)["units"]
        above, below = (f["value"] > f["upper_95"]).mean(), (f["value"] < f["lower_95"]).mean()
        assert above_range[0] <= above <= above_range[1] and below <= 0.013, (p, above, below)


def test_funnel_large_denominators_are_close_to_nominal():
    """At denominators of 50-2000 each 95% limit flags close to 2.5% (the guide's 93-97% inside)."""
    rng = np.random.default_rng(8)
    n = rng.integers(50, 2000, 40_000)
    f = spc.funnel(rng.binomial(n, 0.2), n, overall=0.2)["units"]
    assert 0.019 < (f["value"] > f["upper_95"]).mean() < 0.026
    assert 0.019 < (f["value"] < f["lower_95"]).mean() < 0.026


def _chart_rates(rng, draw, n_points: int, reps: int) -> dict:
    fired = dict.fromkeys((*spc.RULES, "special_cause", "latest"), 0)
    for _ in range(reps):
        c = spc.xmr(pd.Series(draw(rng, n_points)))
        for rule in (*spc.RULES, "special_cause"):
            fired[rule] += bool(c[rule].any())
        fired["latest"] += spc.variation(c, "neither") != "common_cause"
    return {k: v / reps for k, v in fired.items()}


# share of in-control charts with at least one flag, and with special cause at the latest point (the
# variation icon), as the guide's table states it (4,000 charts each: benchmarks/bench_spc_rules.py)
GUIDE = {
    ("normal", 24): dict(beyond_limits=0.06, shift=0.08, trend=0.05, two_of_three=0.02, special_cause=0.18,
                         latest=0.013),
    ("normal", 48): dict(beyond_limits=0.13, shift=0.24, trend=0.10, two_of_three=0.05, special_cause=0.40,
                         latest=0.021),
    ("poisson 0.5", 24): dict(beyond_limits=0.45, shift=0.24, trend=0.00, two_of_three=0.07, special_cause=0.56,
                              latest=0.067),
    ("poisson 1", 24): dict(beyond_limits=0.25, shift=0.23, trend=0.00, two_of_three=0.05, special_cause=0.42,
                            latest=0.051),
    ("poisson 2", 24): dict(beyond_limits=0.13, shift=0.16, trend=0.00, two_of_three=0.05, special_cause=0.28,
                            latest=0.024),
    ("poisson 10", 24): dict(beyond_limits=0.07, shift=0.09, trend=0.01, two_of_three=0.03, special_cause=0.17,
                             latest=0.018),
    ("share 0.1 of 5-30", 24): dict(beyond_limits=0.20, shift=0.10, trend=0.02, two_of_three=0.03,
                                    special_cause=0.29, latest=0.021),
}


def _share(p: float, low: int, high: int):
    def draw(rng, n):
        denominators = rng.integers(low, high + 1, n)
        return rng.binomial(denominators, p) / denominators
    return draw


DRAWS = {"normal": lambda rng, n: rng.normal(0, 1, n),
         "poisson 0.5": lambda rng, n: rng.poisson(0.5, n).astype(float),
         "poisson 1": lambda rng, n: rng.poisson(1, n).astype(float),
         "poisson 2": lambda rng, n: rng.poisson(2, n).astype(float),
         "poisson 10": lambda rng, n: rng.poisson(10, n).astype(float),
         "share 0.1 of 5-30": _share(0.1, 5, 30)}


@pytest.mark.parametrize("process,n_points", list(GUIDE))
def test_xmr_false_alarm_rates_are_those_the_guide_states(process, n_points):
    """In-control data: each rule's share of charts with a flag, and the latest point's (the
    variation icon), match the guide's table."""
    got = _chart_rates(np.random.default_rng(21), DRAWS[process], n_points, 2500)
    for rule, stated in GUIDE[(process, n_points)].items():
        tol = 3 * np.sqrt(max(stated, 0.01) * (1 - stated) / 2500) + (0.01 if rule != "latest" else 0.005)
        assert abs(got[rule] - stated) < tol, (rule, got[rule], stated)


def test_xmr_beyond_limits_matches_the_textbook_for_normal_data():
    """For normal data the 2.66 mean-moving-range limits flag a chart about as often as known
    3-sigma limits would: 1 - 0.9973^n."""
    got = _chart_rates(np.random.default_rng(4), DRAWS["normal"], 24, 3000)["beyond_limits"]
    assert abs(got - (1 - 0.9973 ** 24)) < 0.015


def test_xmr_detects_a_shift():
    """Twelve points at 0, then twelve 2 sigma higher: with limits from the first twelve
    (``baseline=12``) nearly every chart flags the new points; with limits from all 24, most do."""
    rng = np.random.default_rng(9)
    caught = {None: 0, 12: 0}
    unchanged = 0   # the same charts without the step: how often the fixed limits flag the next 12 anyway
    for _ in range(1000):
        v = rng.normal(0, 1, 24)
        unchanged += bool(spc.xmr(pd.Series(v), baseline=12)["special_cause"].iloc[12:].any())
        v[12:] += 2
        for base in caught:
            caught[base] += bool(spc.xmr(pd.Series(v), baseline=base)["special_cause"].iloc[12:].any())
    assert caught[12] / 1000 > 0.95
    assert 0.6 < caught[None] / 1000 < 0.8
    assert abs(unchanged / 1000 - 0.31) < 0.05   # the guide's "about three charts in ten"
