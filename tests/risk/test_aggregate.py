"""expected_step_ups: Poisson-binomial mean, variance and interval per locality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.risk import expected_step_ups


def _poisson_binomial_pmf(p):
    """Exact distribution by convolution (the peer calculation)."""
    pmf = np.array([1.0])
    for q in p:
        pmf = np.convolve(pmf, [1 - q, q])
    return pmf


def test_by_locality_matches_exact_distribution(needs_ds):
    scores = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4", "F5"], "p": [0.5, 0.2, 0.1, 0.3, 0.05]})
    out = expected_step_ups(scores, needs_ds).set_index("locality_id")
    for lid, fams in (("L1", [0.5, 0.2, 0.05]), ("L2", [0.1, 0.3])):
        pmf = _poisson_binomial_pmf(fams)
        k = np.arange(len(pmf))
        assert out.loc[lid, "expected"] == pytest.approx((k * pmf).sum())
        assert out.loc[lid, "sd"] ** 2 == pytest.approx(((k - (k * pmf).sum()) ** 2 * pmf).sum())
        assert out.loc[lid, "families"] == len(fams)
    assert out.loc["L1", "name"] == "North"
    council = expected_step_ups(scores, needs_ds, by="council")
    assert len(council) == 1 and council["expected"].iloc[0] == pytest.approx(1.15)


def test_interval_coverage_by_simulation(needs_ds):
    rng = np.random.default_rng(0)
    n = 2000
    fams = rng.choice(["F1", "F2", "F3", "F4", "F5"], size=n)
    p = rng.uniform(0, 0.3, size=n)
    out = expected_step_ups(pd.DataFrame({"family_id": fams, "p": p}), needs_ds, by="council", level=0.9)
    sims = (rng.uniform(size=(4000, n)) < p).sum(axis=1)
    inside = ((sims >= out["lower"].iloc[0]) & (sims <= out["upper"].iloc[0])).mean()
    assert inside == pytest.approx(0.9, abs=0.02)


@pytest.mark.parametrize("n, top", [(20, 0.1), (60, 0.1), (150, 0.2)])
def test_small_localities_get_whole_bounds_that_cover_at_least_the_level(needs_ds, n, top):
    """A locality of 60 families expecting 3 step-ups: the bounds are whole numbers and the
    exact chance of the count falling between them is at least the level (the normal
    approximation gave 0 to 6.2, and below the level for other mixes)."""
    from earlyhelp.risk.aggregate import poisson_binomial_pmf

    rng = np.random.default_rng(n)
    for level in (0.8, 0.9, 0.95):
        p = rng.uniform(0, top, size=n)
        out = expected_step_ups(pd.DataFrame({"family_id": "F1", "p": p}), needs_ds, by="council", level=level)
        lo, hi = out["lower"].iloc[0], out["upper"].iloc[0]
        assert lo == int(lo) and hi == int(hi)
        pmf = _poisson_binomial_pmf(p)
        np.testing.assert_allclose(poisson_binomial_pmf(p), pmf, atol=1e-12)
        assert pmf[int(lo):int(hi) + 1].sum() >= level - 1e-9
        # and no wider than it must be: each bound's own tail is within (1 - level) / 2
        assert pmf[:int(lo)].sum() <= (1 - level) / 2 + 1e-9 and pmf[int(hi) + 1:].sum() <= (1 - level) / 2 + 1e-9


def test_series_and_observed(needs_ds):
    s = pd.Series([0.4, 0.6], index=pd.Index(["F1", "F3"], name="family_id"))
    out = expected_step_ups(s, needs_ds, observed=[1, 1]).set_index("locality_id")
    assert out["observed"].tolist() == [1, 1] and out["expected"].tolist() == pytest.approx([0.4, 0.6])


def test_bad_input(needs_ds):
    good = pd.DataFrame({"family_id": ["F1"], "p": [0.2]})
    with pytest.raises(earlyhelp.ValidationError, match="not in ds.families"):
        expected_step_ups(pd.DataFrame({"family_id": ["FX"], "p": [0.2]}), needs_ds)
    with pytest.raises(ValueError, match="probabilities"):
        expected_step_ups(pd.DataFrame({"family_id": ["F1"], "p": [1.2]}), needs_ds)
    with pytest.raises(ValueError, match="by"):
        expected_step_ups(good, needs_ds, by="ward")
    with pytest.raises(ValueError, match="level"):
        expected_step_ups(good, needs_ds, level=95)
    with pytest.raises(ValueError, match="observed"):
        expected_step_ups(good, needs_ds, observed=[1, 0])
    with pytest.raises(ValueError, match="family_id"):
        expected_step_ups(pd.Series([0.2]), needs_ds)
    with pytest.raises(earlyhelp.ValidationError, match="expected_step_ups.scores"):
        expected_step_ups([0.2], needs_ds)


def test_level_next_to_one_gives_finite_bounds_for_large_groups(needs_ds):
    # beyond EXACT_MAX_FAMILIES the normal bound took ppf(1 - a) with 1 - a rounded to 1: infinite
    from earlyhelp.risk.aggregate import EXACT_MAX_FAMILIES

    p = np.full(EXACT_MAX_FAMILIES + 1, 0.1)
    out = expected_step_ups(pd.DataFrame({"family_id": "F1", "p": p}), needs_ds, by="council", level=1 - 2 ** -53)
    assert np.isfinite(out["upper"].iloc[0]) and out["upper"].iloc[0] > out["expected"].iloc[0]
    with pytest.raises(earlyhelp.ValidationError, match="level"):
        expected_step_ups(pd.DataFrame({"family_id": ["F1"], "p": [0.2]}), needs_ds, level=1.0)
