"""Reconciled intervals keep their coverage when the base errors of the localities correlate
(simulation), and agree with hierarchicalforecast's bootstrap intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from earlyhelp.forecast import reconcile

N_LOC, T, H = 8, 60, 6
IDS = ["council"] + [f"L{i}" for i in range(N_LOC)]
S = pd.DataFrame(np.vstack([np.ones(N_LOC), np.eye(N_LOC)]), index=IDS, columns=IDS[1:])


def _world(rng):
    """Locality counts around fixed levels with one shared shock (mean correlation 0.35)."""
    mu = rng.uniform(40, 120, N_LOC)
    sd = np.sqrt(mu) * rng.uniform(1.0, 1.6, N_LOC)
    r = 0.35
    shared = rng.standard_normal(T + H)
    own = rng.standard_normal((N_LOC, T + H))
    e = sd[:, None] * (np.sqrt(r) * shared[None, :] + np.sqrt(1 - r) * own)
    bottom = mu[:, None] + e
    return np.vstack([bottom.sum(axis=0), bottom])  # council first


def _frames(y, levels):
    """Base forecasts (in-sample mean; Gaussian interval from the in-sample spread) and insample."""
    hist, fut = y[:, :T], y[:, T:]
    ds_hist = pd.date_range("2019-01-01", periods=T, freq="MS")
    ds_fut = pd.date_range(ds_hist[-1], periods=H + 1, freq="MS")[1:]
    mean = hist.mean(axis=1)
    sd = hist.std(axis=1, ddof=1) * np.sqrt(1 + 1 / T)
    fc = pd.DataFrame({"unique_id": np.repeat(IDS, H), "ds": np.tile(ds_fut, len(IDS)),
                       "Mean": np.repeat(mean, H)})
    for lv in levels:
        z = norm.ppf(0.5 + lv / 200)
        fc[f"Mean-lo-{lv}"] = np.repeat(mean - z * sd, H)
        fc[f"Mean-hi-{lv}"] = np.repeat(mean + z * sd, H)
    ins = pd.DataFrame({"unique_id": np.repeat(IDS, T), "ds": np.tile(ds_hist, len(IDS)),
                        "y": hist.ravel(), "Mean": np.repeat(mean, T)})
    return fc, ins, fut.ravel()


@pytest.mark.simulation
@pytest.mark.parametrize("method", ["bottom_up", "mint_ols", "mint_wls_struct", "mint_shrink"])
def test_council_and_locality_coverage_with_correlated_errors(method):
    rng = np.random.default_rng(5)
    hits = {(lv, part): [] for lv in (80, 95) for part in ("council", "locality")}
    for _ in range(150):
        fc, ins, actual = _frames(_world(rng), (80, 95))
        rec = reconcile(fc, S, method, insample=ins)
        assert rec.interval_errors == "correlated"
        council = rec["unique_id"].to_numpy() == "council"
        for lv in (80, 95):
            inside = (actual >= rec[f"Mean-lo-{lv}"]) & (actual <= rec[f"Mean-hi-{lv}"])
            hits[(lv, "council")].append(inside[council].mean())
            hits[(lv, "locality")].append(inside[~council].mean())
    for (lv, part), values in hits.items():
        assert abs(np.mean(values) - lv / 100) <= 0.03, (method, lv, part, np.mean(values))


@pytest.mark.simulation
def test_without_insample_independence_is_stated_and_too_narrow():
    rng = np.random.default_rng(6)
    fc, ins, _ = _frames(_world(rng), (80,))
    joint = reconcile(fc, S, "bottom_up", insample=ins)
    alone = reconcile(fc, S, "bottom_up")
    assert alone.interval_errors == "independent"
    c = joint["unique_id"] == "council"
    width = lambda r: float((r.loc[c, "Mean-hi-80"] - r.loc[c, "Mean-lo-80"]).iloc[0])  # noqa: E731
    assert width(joint) > 1.5 * width(alone)


def test_bottom_up_width_matches_hierarchicalforecast_bootstrap():
    pytest.importorskip("hierarchicalforecast")
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp

    rng = np.random.default_rng(8)
    ratios = []
    for _ in range(5):
        fc, ins, _ = _frames(_world(rng), (80,))
        ours = reconcile(fc, S, "bottom_up", insample=ins)
        tags = {"council": np.array(["council"]), "council/locality": np.array(IDS[1:])}
        S_df = S.reset_index().rename(columns={"index": "unique_id"})
        theirs = HierarchicalReconciliation([BottomUp()]).reconcile(
            Y_hat_df=fc, Y_df=ins, S_df=S_df, tags=tags, level=[80], intervals_method="bootstrap",
            num_samples=2000, seed=1)
        c_o = ours["unique_id"] == "council"
        c_t = theirs["unique_id"] == "council"
        w_o = (ours.loc[c_o, "Mean-hi-80"] - ours.loc[c_o, "Mean-lo-80"]).mean()
        w_t = (theirs.loc[c_t, "Mean/BottomUp-hi-80"] - theirs.loc[c_t, "Mean/BottomUp-lo-80"]).mean()
        ratios.append(w_o / w_t)
    # the bootstrap resamples joint in-sample residual paths: same spread of the total
    assert 0.85 < np.mean(ratios) < 1.15, ratios


def _declining_world(rng):
    """Low locality counts, most declining towards 0 over the 5 years (Poisson around a falling
    level with one shared monthly shock), so that linear-trend forecasts run below 0."""
    mu0 = rng.uniform(0.5, 6, N_LOC)
    slope = rng.uniform(-1.2, 0.1, N_LOC) * mu0 / (T + H)
    level = np.clip(mu0[:, None] + slope[:, None] * np.arange(T + H)[None, :], 0.05, None)
    shock = np.exp(0.3 * rng.standard_normal(T + H) - 0.045)
    bottom = rng.poisson(level * shock[None, :]).astype(float)
    return np.vstack([bottom.sum(axis=0), bottom])


def _trend_frames(y, levels):
    """Base forecasts a straight line fitted to each series' history, with its Gaussian prediction
    interval; in-sample fitted values for the error correlation."""
    hist, fut = y[:, :T], y[:, T:]
    t, ahead = np.arange(T), np.arange(T, T + H)
    X = np.column_stack([np.ones(T), t])
    beta = np.linalg.lstsq(X, hist.T, rcond=None)[0]
    fitted = (X @ beta).T
    sd = (hist - fitted).std(axis=1, ddof=2)
    mean = beta[0][:, None] + beta[1][:, None] * ahead[None, :]
    se = sd[:, None] * np.sqrt(1 + 1 / T + (ahead - t.mean()) ** 2 / ((t - t.mean()) ** 2).sum())[None, :]
    ds_hist = pd.date_range("2019-01-01", periods=T, freq="MS")
    ds_fut = pd.date_range(ds_hist[-1], periods=H + 1, freq="MS")[1:]
    fc = pd.DataFrame({"unique_id": np.repeat(IDS, H), "ds": np.tile(ds_fut, len(IDS)), "Trend": mean.ravel()})
    for lv in levels:
        z = norm.ppf(0.5 + lv / 200)
        fc[f"Trend-lo-{lv}"] = (mean - z * se).ravel()
        fc[f"Trend-hi-{lv}"] = (mean + z * se).ravel()
    ins = pd.DataFrame({"unique_id": np.repeat(IDS, T), "ds": np.tile(ds_hist, len(IDS)),
                        "y": hist.ravel(), "Trend": fitted.ravel()})
    return fc, ins, fut.ravel()


def near_zero_coverage(method: str, nonnegative: bool, reps: int, seed: int = 1) -> dict:
    """Coverage (share inside, share below) per level of the council, the localities, and the
    locality-months whose reconciled forecast is at or below 0 (held at 0 by the bound), on
    ``reps`` declining councils."""
    rng = np.random.default_rng(seed)
    inside, below, n = {}, {}, {}
    for _ in range(reps):
        fc, ins, actual = _trend_frames(_declining_world(rng), (80, 95))
        rec = reconcile(fc, S, method, insample=ins, nonnegative=nonnegative)
        council = rec["unique_id"].to_numpy() == "council"
        parts = {"council": council, "locality": ~council,
                 "locality_at_0": ~council & (rec["Trend"].to_numpy() <= 1e-9)}
        for lv in (80, 95):
            lo, hi = rec[f"Trend-lo-{lv}"].to_numpy(), rec[f"Trend-hi-{lv}"].to_numpy()
            for part, m in parts.items():
                key = (part, lv)
                inside[key] = inside.get(key, 0) + int(((actual >= lo) & (actual <= hi))[m].sum())
                below[key] = below.get(key, 0) + int((actual < lo)[m].sum())
                n[key] = n.get(key, 0) + int(m.sum())
    return {key: (inside[key] / n[key], below[key] / n[key], n[key]) for key in n if n[key]}


@pytest.mark.simulation
@pytest.mark.parametrize("method", ["mint_shrink", "mint_ols"])
def test_bounded_intervals_near_zero_cover_at_least_as_the_unbounded(method):
    """With ``nonnegative=True`` the intervals are the method's widths around the bounded forecasts,
    cut at 0: where the bound holds a locality at 0 they still cover at least nominally (the
    actual count is >= 0 and the interval starts at 0), and nowhere less than without the bound."""
    bounded = near_zero_coverage(method, True, 120)
    free = near_zero_coverage(method, False, 120)
    assert bounded[("locality_at_0", 80)][2] >= 300           # the bound binds often enough to measure
    for lv in (80, 95):
        assert bounded[("locality_at_0", lv)][0] >= lv / 100
        for part in ("council", "locality", "locality_at_0"):
            assert bounded[(part, lv)][0] >= free[(part, lv)][0] - 0.01, (part, lv, bounded, free)
