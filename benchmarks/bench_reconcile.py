"""MinT-shrink reconciliation of a 5,000-series hierarchy: earlyhelp vs hierarchicalforecast.

England -> 9 regions -> 150 councils -> 4,840 localities (5,000 series), 60 months of
in-sample fitted values, 12 months ahead with 80% and 95% intervals. Both libraries get the
same DataFrames (statsforecast layout, summing matrix from ``aggregate``) and reconcile point
forecasts and intervals ("normality"); the timings are of the public calls, layout checks
included. Prints both timings, their ratio and the largest difference between the answers.

    PYTHONPATH=python python benchmarks/bench_reconcile.py [--repeat 3] [--no-peer]
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

N_REGIONS, N_COUNCILS, N_LOCALITIES = 9, 150, 4840
T, H, LEVELS = 60, 12, [80, 95]
Z = {80: 1.2815515655446004, 95: 1.959963984540054}


def hierarchy(seed: int = 0):
    """Bottom frame and the (Y_df, S_df, tags) of ``earlyhelp.forecast.aggregate``."""
    from earlyhelp.forecast import aggregate

    rng = np.random.default_rng(seed)
    council_region = np.arange(N_COUNCILS) % N_REGIONS
    locality_council = np.sort(np.arange(N_LOCALITIES) % N_COUNCILS)
    dates = pd.date_range("2020-01-01", periods=T, freq="MS")
    level = rng.gamma(2.0, 6.0, N_LOCALITIES)
    season = 1 + 0.15 * np.sin(2 * np.pi * np.arange(T) / 12)
    y = rng.poisson(np.outer(level, season)).astype(float)
    frame = pd.DataFrame({
        "country": "England",
        "region": np.repeat([f"R{r}" for r in council_region[locality_council]], T),
        "council": np.repeat([f"C{c:03d}" for c in locality_council], T),
        "locality": np.repeat([f"L{i:04d}" for i in range(N_LOCALITIES)], T),
        "ds": np.tile(dates, N_LOCALITIES), "y": y.ravel()})
    spec = [["country"], ["country", "region"], ["country", "region", "council"],
            ["country", "region", "council", "locality"]]
    return aggregate(frame, spec)


def base_forecasts(Y: pd.DataFrame, seed: int = 1):
    """Incoherent base forecasts with intervals, and noisy in-sample fitted values."""
    rng = np.random.default_rng(seed)
    ids = Y["unique_id"].unique()
    mean = Y.groupby("unique_id", sort=False)["y"].mean().loc[ids].to_numpy()
    future = pd.date_range(Y["ds"].max() + pd.offsets.MonthBegin(), periods=H, freq="MS")
    f = mean[:, None] * (1 + rng.normal(0, 0.05, (len(ids), H)))
    sd = np.sqrt(mean + 1)[:, None] * (1 + 0.05 * np.arange(H))
    Y_hat = pd.DataFrame({"unique_id": np.repeat(ids, H), "ds": np.tile(future, len(ids)), "model": f.ravel()})
    for lv in LEVELS:
        Y_hat[f"model-lo-{lv}"] = (f - Z[lv] * sd).ravel()
        Y_hat[f"model-hi-{lv}"] = (f + Z[lv] * sd).ravel()
    fitted = Y.copy()
    fitted["model"] = fitted["y"] + rng.normal(0, 1, len(fitted)) * np.sqrt(fitted["y"] + 1)
    return Y_hat, fitted


def best_of(fn, repeat: int):
    """(best wall seconds, best CPU seconds of this process, all threads, result). The CPU time
    is printed too because the benchmark machine is often shared: wall time then includes
    waiting for a core."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs each (best is reported)")
    parser.add_argument("--no-peer", action="store_true", help="skip hierarchicalforecast")
    args = parser.parse_args()

    from earlyhelp.forecast import reconcile

    Y, S, tags = hierarchy()
    Y_hat, fitted = base_forecasts(Y)
    n, m = S.shape[0], S.shape[1] - 1
    print(f"hierarchy: {n:,} series ({m:,} bottom), {T} in-sample months, horizon {H}, levels {LEVELS}")

    ours_s, ours_cpu, ours = best_of(lambda: reconcile(Y_hat, S, method="mint_shrink", insample=fitted, level=LEVELS),
                           args.repeat)
    wide = ours.pivot(index="unique_id", columns="ds", values="model").loc[S["unique_id"]].to_numpy()
    gap = np.abs(S.drop(columns="unique_id").to_numpy() @ wide[-m:] - wide).max()
    print(f"earlyhelp.reconcile(mint_shrink):           {ours_s:8.3f} s wall, {ours_cpu:8.3f} s CPU (best of {args.repeat}; "
          f"shrinkage {ours.shrinkage['model']:.4f}; largest coherence gap {gap:.1e})")
    if args.no_peer:
        return

    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import MinTrace

    def peer():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = HierarchicalReconciliation([MinTrace(method="mint_shrink")])
            return rec.reconcile(Y_hat_df=Y_hat, S_df=S, tags=tags, Y_df=fitted, level=LEVELS)

    peer_s, peer_cpu, theirs = best_of(peer, 1)
    name = [c for c in theirs.columns if c.startswith("model/") and "-lo-" not in c and "-hi-" not in c][0]
    merged = ours.merge(theirs[["unique_id", "ds", name, f"{name}-lo-95", f"{name}-hi-95"]], on=["unique_id", "ds"])
    diff = np.abs(merged["model"] - merged[name]).max()
    diff_int = np.abs(merged["model-hi-95"] - merged[f"{name}-hi-95"]).max()
    print(f"hierarchicalforecast MinTrace(mint_shrink): {peer_s:8.3f} s wall, {peer_cpu:8.3f} s CPU (one run)")
    print(f"ratio (hierarchicalforecast / earlyhelp): {peer_s / ours_s:.1f}x wall, {peer_cpu / ours_cpu:.1f}x CPU")
    print(f"largest difference: point {diff:.2e}, 95% upper bound {diff_int:.2e} "
          f"(forecasts of size {merged['model'].abs().max():.0f})")


if __name__ == "__main__":
    main()
