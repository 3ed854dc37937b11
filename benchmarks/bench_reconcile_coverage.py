"""Benchmark: coverage of reconciled 80% and 95% intervals when locality errors correlate.

A council of 8 localities whose monthly counts share one shock (correlation 0.35), base
forecasts the in-sample mean with Gaussian intervals from the in-sample spread (the
simulation of ``tests/forecast/test_reconcile_coverage.py``). For each method it prints the
coverage of the council total and of the localities with the base errors' correlation (in-sample
fitted values given) and assuming independent errors (not given).

``--near-zero``: low locality counts, most declining towards 0, forecast by straight lines that
run below 0 (``_declining_world``, ``_trend_frames``); MinT with and without ``nonnegative=True``,
coverage and the share below the interval for the council, the localities, and the
locality-months whose reconciled forecast is at or below 0 (held at 0 by the bound).

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_reconcile_coverage.py [--reps 300] [--near-zero]
"""
from __future__ import annotations

import argparse
import logging
import pathlib
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "forecast"))
from test_reconcile_coverage import S, _frames, _world, near_zero_coverage  # noqa: E402

from earlyhelp.forecast import reconcile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--near-zero", action="store_true", help="bounded MinT on counts declining towards 0")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    if args.near_zero:
        near_zero(args.reps)
        return
    rows = []
    for method in ("bottom_up", "mint_ols", "mint_wls_struct", "mint_shrink"):
        for errors in ("correlated", "independent"):
            if method == "mint_shrink" and errors == "independent":
                continue  # needs the residuals anyway
            rng = np.random.default_rng(1)
            hits = {}
            for _ in range(args.reps):
                fc, ins, actual = _frames(_world(rng), (80, 95))
                rec = reconcile(fc, S, method, insample=ins if errors == "correlated" else None)
                council = rec["unique_id"].to_numpy() == "council"
                for lv in (80, 95):
                    inside = ((actual >= rec[f"Mean-lo-{lv}"]) & (actual <= rec[f"Mean-hi-{lv}"])).to_numpy()
                    hits.setdefault(f"council_{lv}", []).append(inside[council].mean())
                    hits.setdefault(f"locality_{lv}", []).append(inside[~council].mean())
            rows.append({"method": method, "errors": errors, **{k: np.mean(v) for k, v in hits.items()}})
    print(f"{args.reps} simulated councils x 6 months")
    print(pd.DataFrame(rows).round(3).to_string(index=False))


def near_zero(reps: int) -> None:
    rows = []
    for method in ("mint_shrink", "mint_ols"):
        for nonnegative in (False, True):
            cov = near_zero_coverage(method, nonnegative, reps)
            row = {"method": method, "nonnegative": nonnegative,
                   "at_0": cov[("locality_at_0", 80)][2] / cov[("locality", 80)][2]}
            for part in ("council", "locality", "locality_at_0"):
                for lv in (80, 95):
                    share, below, _ = cov[(part, lv)]
                    row[f"{part}_{lv}"] = f"{share:.3f} ({below:.3f})"
            rows.append(row)
    print(f"{reps} simulated declining councils x 6 months; coverage (share below the interval); "
          "at_0: share of locality-months forecast at or below 0")
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
