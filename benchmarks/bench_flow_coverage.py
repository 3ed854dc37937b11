"""Benchmark: how often the Monte Carlo's 90% bands hold held-back synthetic years.

For each preset and seed, a 6-year synthetic council (scale 0.5) is backtested with
``earlyhelp.flow.backtest``: fit on the 12 months before each cutoff (31 March 2022, 2023 and
2024), simulate 12 months ahead, and count the state-months whose actual stock lies inside
the 5-95% band. It prints, per model setting, the coverage (nominal 90%), the shares above
and below the band, the band's mean width relative to the actual stock and the deterministic
forecast's mean absolute percentage error, then the coverage by state.

Settings: ``poisson`` (entrants Poisson at a rate drawn from its posterior, every other rate
fixed: the Monte Carlo before the rate uncertainty, overdispersion and drift defaults),
``default`` (``StockFlow()``), each default switched off in turn, and ``default + trend``.

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_flow_coverage.py \
        [--seeds 10] [--presets coventry wolverhampton] [--runs 200]
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

import earlyhelp
from earlyhelp.flow import backtest

CUTOFFS = ("2022-03-31", "2023-03-31", "2024-03-31")
SETTINGS = {
    "poisson": dict(rate_uncertainty=False, entry_overdispersion=False, entry_drift=False),
    "default": {},
    "no rate uncertainty": dict(rate_uncertainty=False),
    "no overdispersion": dict(entry_overdispersion=False),
    "no drift": dict(entry_drift=False),
    "default + trend": dict(entry_trend=True),
}


def backtest_rows(preset: str, seed: int, runs: int, settings=SETTINGS) -> pd.DataFrame:
    """One row per (setting, cutoff, state, month) of one synthetic council."""
    ds = earlyhelp.synthetic.council(preset, years=6, scale=0.5, seed=seed)
    parts = []
    for name, kwargs in settings.items():
        r = backtest(ds, cutoffs=list(CUTOFFS), months=12, runs=runs, seed=1, **kwargs)
        parts.append(r.assign(setting=name, preset=preset, council=seed))
    out = pd.concat(parts, ignore_index=True)
    return out.assign(above=out["actual"] > out["q95"], below=out["actual"] < out["q05"],
                      width=(out["q95"] - out["q05"]) / out["actual"].clip(lower=1))


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    return (rows.groupby(["preset", "setting"], sort=False)[["covered", "above", "below", "width", "abs_pct_error"]]
            .mean().rename(columns={"covered": "coverage", "abs_pct_error": "mape"}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--presets", nargs="*", default=["coventry", "wolverhampton"])
    p.add_argument("--runs", type=int, default=200)
    a = p.parse_args()
    t = time.perf_counter()
    rows = pd.concat([backtest_rows(preset, 100 + s, a.runs) for preset in a.presets for s in range(a.seeds)],
                     ignore_index=True)
    months = len(rows) // len(SETTINGS)
    print(f"{a.seeds} councils per preset x {len(CUTOFFS)} cutoffs x 12 months x 8 states "
          f"({months} state-months per setting), {a.runs} runs, {time.perf_counter() - t:.0f} s")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary(rows).round(3).to_string())
        print()
        print(rows.pivot_table(index="state", columns=["preset", "setting"], values="covered")
              .loc[:, (slice(None), ["poisson", "default", "default + trend"])].round(2).to_string())


if __name__ == "__main__":
    main()
