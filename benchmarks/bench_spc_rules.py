"""How often the XmR chart's rules fire on data with no special cause: the measures guide's table.

For each in-control process (normal; monthly Poisson counts of mean 0.5, 1, 2 and 10; a share
of 10% on 5-30 cases a month), ``--charts`` series of ``points`` are drawn, each charted by
``earlyhelp.measures.spc.xmr``, and the share of charts where each rule flags at least one
point is printed, with the share whose latest point shows special cause (the variation icon).

    PYTHONPATH=python python benchmarks/bench_spc_rules.py --charts 4000 --seed 1
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from earlyhelp.measures import spc


def share_of(p: float, low: int, high: int):
    def draw(rng, n):
        denominators = rng.integers(low, high + 1, n)
        return rng.binomial(denominators, p) / denominators
    return draw


PROCESSES = [("normal", 24, lambda rng, n: rng.normal(0, 1, n)),
             ("normal", 48, lambda rng, n: rng.normal(0, 1, n)),
             ("monthly count, mean 0.5 (Poisson)", 24, lambda rng, n: rng.poisson(0.5, n).astype(float)),
             ("monthly count, mean 1 (Poisson)", 24, lambda rng, n: rng.poisson(1, n).astype(float)),
             ("monthly count, mean 2 (Poisson)", 24, lambda rng, n: rng.poisson(2, n).astype(float)),
             ("monthly count, mean 10 (Poisson)", 24, lambda rng, n: rng.poisson(10, n).astype(float)),
             ("share of 10% on 5-30 cases a month", 24, share_of(0.1, 5, 30))]


def flag_rates(rng, draw, points: int, charts: int) -> dict:
    fired = dict.fromkeys((*spc.RULES, "special_cause", "latest"), 0)
    for _ in range(charts):
        chart = spc.xmr(pd.Series(draw(rng, points)))
        for rule in (*spc.RULES, "special_cause"):
            fired[rule] += bool(chart[rule].any())
        fired["latest"] += spc.variation(chart, "neither") != "common_cause"
    return {k: v / charts for k, v in fired.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--charts", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.charts} in-control charts per row, seed {args.seed}: share of charts with a flag")
    print("| process | points | " + " | ".join(f"`{r}`" for r in spc.RULES) + " | any rule | latest point |")
    print("|---|---|" + "---|" * (len(spc.RULES) + 2))
    for name, points, draw in PROCESSES:
        got = flag_rates(rng, draw, points, args.charts)
        cells = [f"{got[r]:.0%}" for r in (*spc.RULES, "special_cause")] + [f"{got['latest']:.1%}"]
        print(f"| {name} | {points} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
