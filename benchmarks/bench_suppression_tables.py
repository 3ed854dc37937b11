"""Suppression of many-way tables with every margin published: what the whole-number bounds audit costs.

Tables of Poisson counts with a total along every dimension (``suppress(..., totals=...)``). In
two-way tables every linear optimum of the bounds audit is a whole point; in three- and four-way
tables some are not, and an integer programme (``scipy.optimize.milp``) then decides whether the
hidden count can take another whole value. Prints the cells hidden, the integer programmes run,
the audit's linear and integer programmes against its budget, and the wall time.

Run:  PYTHONPATH=python python benchmarks/bench_suppression_tables.py [--tables 10x10x10:1 6x6x6x6:2]
      [--audit-budget 20000]
"""
from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd
import scipy.optimize

from earlyhelp.report.suppression import DEFAULT_AUDIT_BUDGET, suppress


def table(shape, mean: float, seed: int) -> pd.DataFrame:
    counts = np.random.default_rng(seed).poisson(mean, size=shape)
    dims = [f"d{i}" for i in range(len(shape))]
    labels = [[str(i) for i in range(s)] + ["Total"] for s in shape]
    rows = []
    for key in itertools.product(*labels):
        cell = tuple(slice(None) if k == "Total" else int(k) for k in key)
        rows.append((*key, int(counts[cell].sum())))
    return pd.DataFrame(rows, columns=[*dims, "count"])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tables", nargs="*", default=["30x30:2", "10x10x10:1", "8x8x5:2", "6x6x6x6:2"],
                   help="SHAPE:MEAN, e.g. 10x10x10:1")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--audit-budget", type=int, default=DEFAULT_AUDIT_BUDGET,
                   help="the most linear and integer programmes the audit solves")
    a = p.parse_args()
    calls = [0]
    milp = scipy.optimize.milp

    def counted(*args, **kw):
        calls[0] += 1
        return milp(*args, **kw)

    scipy.optimize.milp = counted  # the audit imports it at call time
    for spec in a.tables:
        shape_text, mean = spec.split(":")
        shape = tuple(int(s) for s in shape_text.split("x"))
        df = table(shape, float(mean), a.seed)
        dims = [c for c in df.columns if c != "count"]
        calls[0] = 0
        t = time.perf_counter()
        out = suppress(df, "count", dims=dims, totals={d: "Total" for d in dims}, audit_budget=a.audit_budget)
        wall = time.perf_counter() - t
        hidden = int(out["count_status"].eq("c").sum())
        print(f"{shape_text} table, mean {mean}: {len(df)} cells, {hidden} hidden "
              f"({sum(len(v) for v in out.fallback_hidden.values())} because the audit could not cover them), "
              f"{sum(len(v) for v in out.not_audited.values())} not audited, {calls[0]} integer programmes, "
              f"{sum(out.audit_solves.values())} programmes of a budget of {a.audit_budget}"
              f"{' (used up)' if out.budget_exhausted else ''}, {wall:.1f} s wall")


if __name__ == "__main__":
    main()
