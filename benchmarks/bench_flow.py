"""Benchmark: earlyhelp.flow against cs-demand-model and the goals of the continuum issue.

1. Deterministic projection, side by side with cs-demand-model (run in its own virtual
   environment, built by scripts/peer-venv.sh) on its bundled sample SSDA903 data: both fit the
   same 6-month window and project the same horizon day by day; the ratio is printed. Goal:
   ours at least 100x faster.
2. Monte Carlo: 1,000 runs of a 5-year monthly projection of a Coventry-size synthetic council
   (the continuum: Early Help, CIN, CP and care), 2 threads. Goal: under 1 s. Then the same
   council fitted by locality, with and without the council total's bands.
3. Many councils on Dask: ``--councils`` synthetic councils (Coventry preset, a seed and a size
   each) x ``--runs`` runs on a LocalCluster with 1 worker, then 2 workers (the scaling), results
   checked identical. Sizes spread as in ``synthetic.england`` (log-normal, sigma 0.65) and
   scaled so that 153 councils hold England's 12 million children (Coventry's 78,500 is scale
   1). Goal for 153 councils x 1,000 runs: under 60 s. ``--categories statutory`` runs CIN, CP
   and care (the CIN census and SSDA903 returns are the data national bodies hold for every
   council; Early Help records stay with each council), ``--categories cs-demand-model``
   looked-after children only.

Wall time counts; CPU time is shown because the machine may be shared.

Run:  PYTHONPATH=python python benchmarks/bench_flow.py [--councils 153 --runs 1000]
      [--categories cs-demand-model]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import earlyhelp  # noqa: E402
from earlyhelp.flow import StockFlow, simulate_many  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat=1):
    best_wall, best_cpu, out = np.inf, np.inf, None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return out, best_wall, best_cpu


def deterministic(days: int) -> None:
    peer_python = os.environ.get("EARLYHELP_PEER_PYTHON") or subprocess.run(
        ["bash", str(ROOT / "scripts" / "peer-venv.sh")], cwd=ROOT, capture_output=True, text=True,
        check=True).stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([peer_python, str(ROOT / "scripts" / "peer_csdm.py"), f"{tmp}/p.csv", "--days",
                              str(days)], capture_output=True, text=True, check=True)
        info = json.loads(run.stdout.strip().splitlines()[-1])
        peer = pd.read_csv(f"{tmp}/p.csv", parse_dates=["date"])
    ds = earlyhelp.read_ssda903(info["folder"])

    def ours():
        # short breaks (legal status V3/V4) kept as care, as cs-demand-model keeps them
        m = StockFlow(categories="cs-demand-model", short_breaks="keep").fit(ds, start=info["start"], end=info["end"])
        return m.project(until=days)

    proj, wall, cpu = timed(ours, repeat=5)
    peer = peer[peer["placement_type"] != "NOT_IN_CARE"]
    last = peer["date"].max()
    ours_total = proj[proj["date"] == last]["stock"].sum()
    peer_total = peer[peer["date"] == last]["stock"].sum()
    print(f"deterministic, {days} days: cs-demand-model fit+predict {info['fit_predict_seconds']:.2f} s wall; "
          f"ours fit+project {wall * 1000:.1f} ms wall ({cpu * 1000:.1f} ms CPU), best of 5; "
          f"ratio {info['fit_predict_seconds'] / wall:.0f}x (goal >= 100x); "
          f"stock on {last.date()}: peer {peer_total:.3f}, ours {ours_total:.3f}")


def fitted_council(seed: int, scale: float, categories: str = "continuum") -> StockFlow:
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=scale, seed=seed)
    return StockFlow(categories).fit(ds, start="2024-04-01", end="2025-03-31")


def monte_carlo(runs: int) -> None:
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=1.0, seed=1)
    for categories, what in (("continuum", "Early Help, CIN, CP and care"),
                             ("cs-demand-model", "looked-after children only")):
        m = StockFlow(categories).fit(ds, start="2024-04-01", end="2025-03-31")
        open_cases = len(m._sim_inputs()["open_state"])
        m.simulate(months=60, runs=20, seed=1, threads=2)  # warm up
        _, wall, cpu = timed(lambda: m.simulate(months=60, runs=runs, seed=1, threads=2), repeat=3)
        print(f"Monte Carlo, Coventry-size council, {what} ({open_cases} children open at the start), "
              f"{runs} runs x 60 months, 2 threads: {wall:.2f} s wall, {cpu:.2f} s CPU (both threads), "
              f"best of 3 (goal < 1 s)")
    # What the per-run draws of every rate, the entries' overdispersion and their drift cost.
    fixed = StockFlow(rate_uncertainty=False, entry_overdispersion=False, entry_drift=False).fit(
        ds, start="2024-04-01", end="2025-03-31")
    fixed.simulate(months=60, runs=20, seed=1, threads=2)  # warm up
    _, wall, cpu = timed(lambda: fixed.simulate(months=60, runs=runs, seed=1, threads=2), repeat=3)
    print(f"same, whole continuum, rates fixed at their estimates and Poisson entries: {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU, best of 3")
    # By locality: one model per locality; the council total's bands need every locality's runs
    # paired run by run (quantiles do not add), which is slower than the localities alone.
    m = StockFlow("continuum").fit(ds, start="2024-04-01", end="2025-03-31", by="locality")
    m.simulate(months=60, runs=20, seed=1, threads=2)  # warm up
    for total in (False, True):
        _, wall, cpu = timed(lambda: m.simulate(months=60, runs=runs, seed=1, threads=2, total=total), repeat=3)
        print(f"Monte Carlo by locality ({len(m.localities)} localities), whole continuum, {runs} runs x 60 months, "
              f"2 threads, {'with' if total else 'without'} the council total: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"best of 3")


ENGLAND_CHILDREN = 12.0e6  # children aged 0-17 in England, as synthetic.england holds


def many(councils: int, runs: int, scaling_councils: int, categories: str) -> None:
    from earlyhelp.flow import local_client

    rng = np.random.default_rng(0)
    # Council sizes as synthetic.england spreads them; 153 of them hold England's children.
    sizes = rng.lognormal(0.0, 0.65, councils)
    coventry = float(earlyhelp.synthetic.council("coventry", years=0.1, seed=0).localities["child_population"].sum())
    scales = sizes / sizes.sum() * (ENGLAND_CHILDREN * councils / 153) / coventry
    print(f"{councils} councils ({categories} categories) holding {scales.sum() * coventry / 1e6:.1f} million children, "
          f"{scales.min():.2f}-{scales.max():.2f} times Coventry's")
    t = time.perf_counter()
    models = {f"council_{i:03d}": fitted_council(100 + i, float(s), categories) for i, s in enumerate(scales)}
    print(f"{councils} councils generated and fitted in {time.perf_counter() - t:.1f} s")
    subset = dict(list(models.items())[:scaling_councils])
    results = {}
    for workers, chosen in ((1, subset), (2, subset), (2, models)):
        with local_client(workers=workers) as client:  # closing the client stops its workers
            client.run(lambda: bool(__import__("earlyhelp.flow.model")))  # import once per worker, outside the timing
            cpu0 = client.run(time.process_time)
            out, wall, _ = timed(lambda: simulate_many(chosen, months=60, runs=runs, seed=1, client=client))
            cpu = sum(client.run(time.process_time)[w] - c for w, c in cpu0.items())
        results[workers, len(chosen)] = (out, wall)
        print(f"{len(chosen)} councils x {runs} runs x 60 months on a LocalCluster with {workers} worker(s): "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU in the workers"
              + (" (goal for 153 councils: < 60 s)" if len(chosen) == councils else ""))
    one, two = results[1, len(subset)], results[2, len(subset)]
    print(f"scaling 1 -> 2 workers ({len(subset)} councils): {one[1] / two[1]:.2f}x; results identical: "
          f"{one[0].equals(two[0])}")


def processor() -> str:
    """The processor's model name (timings move with it: figures from different machines differ)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--councils", type=int, default=153)
    p.add_argument("--scaling-councils", type=int, default=10)
    p.add_argument("--skip", nargs="*", default=[], choices=["deterministic", "monte-carlo", "many"])
    p.add_argument("--categories", default="continuum", choices=["continuum", "statutory", "cs-demand-model"],
                   help="states of the many-council runs: the whole continuum, CIN, CP and care (the data "
                        "national bodies hold), or looked-after children only")
    a = p.parse_args()
    print(f"machine: {os.cpu_count()} cores, {processor()}; load average at start: {os.getloadavg()}")
    if "deterministic" not in a.skip:
        deterministic(a.days)
    if "monte-carlo" not in a.skip:
        monte_carlo(a.runs)
    if "many" not in a.skip:
        many(a.councils, a.runs, a.scaling_councils, a.categories)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())
