"""Benchmark: the synthetic council generator against its goals.

There is no peer library that generates Early Help data, so this prints our figures
beside the goals instead of a ratio:

- one council-year (Coventry preset, 1 year, scale 1): goal well under 1 second;
- England (153 councils, about 12 million children, 1 year of data after a burn-in
  year, 2 threads): goal under 60 seconds on 2 cores and under 8 GB peak memory.

Both time the whole call a user makes (C++ simulation plus building the typed pandas
tables); the C++ part alone is shown too. Wall time counts; CPU time (all threads) is
shown because the machine may be shared: on a busy machine wall time exceeds what 2
free cores would take. England runs in a fresh process so its peak resident memory
(``ru_maxrss``) is its own.

Run:  PYTHONPATH=python python benchmarks/bench_synthetic.py
      (``--england-scale 0.1`` for a quick run; ``--repeat N`` council-year runs)

``--calibration-seeds N`` instead prints how the calibration table moves with the seed:
over seeds 1..N of five-year councils of each preset at scale 1, how many figures are
within 10% of their published targets, and which are not.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

import pandas as pd  # noqa: E402

from earlyhelp import synthetic  # noqa: E402

EPOCH = pd.Timestamp("1970-01-01")
END = pd.Timestamp("2025-03-31")


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn):
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - wall, cpu_seconds() - cpu


def core_only(preset: str, scale: float, threads: int) -> None:
    """The C++ simulation alone (no pandas tables): the burn-in year plus one year of data."""
    from earlyhelp._core import synthetic as core

    end = (END - EPOCH).days
    core.generate(preset, end - 364, end, scale, 0, threads, None)


def council_year(repeat: int) -> dict:
    runs, cores = [], []
    for seed in range(repeat):
        _, wall, cpu = timed(lambda: synthetic.council("coventry", years=1, seed=seed))
        runs.append((wall, cpu))
        _, cwall, _ = timed(lambda: core_only("coventry", 1.0, 1))
        cores.append(cwall)
    ds = synthetic.council("coventry", years=1, seed=0)
    best = min(runs)
    return {"wall": best[0], "cpu": best[1], "core_wall": min(cores), "families": len(ds.families),
            "requests": len(ds.requests), "episodes": len(ds.episodes)}


def england(scale: float, threads: int) -> dict:
    _, core_wall, core_cpu = timed(lambda: core_only("england", scale, threads))
    ds, wall, cpu = timed(lambda: synthetic.england(scale=scale, seed=0, years=1, threads=threads))
    rows = {name: len(frame) for name, frame in ds.tables.items()}
    return {"wall": wall, "cpu": cpu, "core_wall": core_wall, "core_cpu": core_cpu,
            "children": int(ds.localities["child_population"].sum()),
            "councils": int(ds.localities["council_code"].nunique()), "rows": rows,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2}


def line(figure: str, ours: str, goal: str, met: bool) -> None:
    print(f"  {figure:44s} {ours:>14s}   {goal:>12s}   {'met' if met else 'NOT MET'}")


def calibration_seeds(n: int) -> None:
    """Figures within 10% of their targets over seeds 1..n, per preset, and those that are not."""
    import earlyhelp

    for preset in ("coventry", "wolverhampton"):
        compared = off = 0
        for seed in range(1, n + 1):
            table = earlyhelp.synthetic.calibration_table(earlyhelp.synthetic.council(preset, years=5, seed=seed))
            judged = table[table["within_10pct"].notna()]
            missed = judged[~judged["within_10pct"].astype(bool)]
            compared, off = compared + len(judged), off + len(missed)
            for row in missed.itertuples():
                print(f"  {preset} seed {seed}: {row.figure} {row.relative_error:+.1%}")
        print(f"{preset}: {compared - off} of {compared} figures within 10% over seeds 1-{n} (5 years, scale 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="council-year runs (best is reported)")
    parser.add_argument("--england-scale", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--england-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--calibration-seeds", type=int, default=0, help="calibration over seeds 1..N only")
    args = parser.parse_args()
    if args.calibration_seeds:
        calibration_seeds(args.calibration_seeds)
        return
    if args.england_child:
        print(json.dumps(england(args.england_scale, args.threads)))
        return

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          "(shared with other jobs: wall times include waiting for a core)")
    cy = council_year(args.repeat)
    print(f"\none council-year: Coventry preset, 1 year (+ burn-in), scale 1: {cy['families']:,} families, "
          f"{cy['requests']:,} requests, {cy['episodes']:,} episodes; best of {args.repeat}")
    child = subprocess.run([sys.executable, __file__, "--england-child", "--england-scale", str(args.england_scale),
                            "--threads", str(args.threads)], capture_output=True, text=True, check=True)
    en = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"England: {en['councils']} councils, {en['children']:,} children (scale {args.england_scale}), "
          f"1 year (+ burn-in), {args.threads} threads; load average {os.getloadavg()[0]:.1f} after")
    print("  rows: " + ", ".join(f"{k}={v:,}" for k, v in en["rows"].items()))

    print(f"\n  {'figure':44s} {'ours':>14s}   {'goal':>12s}")
    line("council-year, wall (whole call)", f"{cy['wall']:.3f} s", "< 1 s", cy["wall"] < 1)
    line("council-year, CPU", f"{cy['cpu']:.3f} s", "", True)
    line("council-year, C++ simulation only, wall", f"{cy['core_wall']:.3f} s", "", True)
    line("England, wall (whole call)", f"{en['wall']:.1f} s", "< 60 s", en["wall"] < 60)
    line("England, CPU (all threads)", f"{en['cpu']:.1f} s", "", True)
    line("England, C++ simulation only, wall / CPU", f"{en['core_wall']:.1f} / {en['core_cpu']:.1f} s", "", True)
    line("England, peak resident memory", f"{en['peak_rss_gb']:.2f} GB", "< 8 GB", en["peak_rss_gb"] < 8)


if __name__ == "__main__":
    main()
