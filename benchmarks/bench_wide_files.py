"""Wide files: reading and validating a table with thousands of unknown columns.

Writes ``families.csv`` with 2,000 families and k extra columns for k in 1,000 .. 8,000,
then times :func:`earlyhelp.read_dataset` (read, check, cast; extra columns kept) against
``pandas.read_csv`` of the same file, the peer. Linear time shows as a steady ratio and
time per column as k doubles. Prints CPU and wall time (best of 3).

    PYTHONPATH=python python benchmarks/bench_wide_files.py
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def timed(func, repeat: int = 3):
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def main() -> None:
    from earlyhelp import read_dataset

    rows = 2_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for k in (1_000, 2_000, 4_000, 8_000):
            base = pd.DataFrame({"family_id": [f"F{i}" for i in range(rows)], "locality_id": "L1"})
            extra = pd.DataFrame(np.zeros((rows, k), dtype=np.int8), columns=[f"x{i}" for i in range(k)])
            pd.DataFrame({"locality_id": ["L1"], "name": ["one"], "kind": ["family_hub_area"],
                          "council_code": ["E08000026"], "council_name": ["Coventry"], "region_code": ["E12000005"],
                          "child_population": [500], "deprivation": [0.2]}).to_csv(folder / "localities.csv",
                                                                                   index=False)
            pd.concat([base, extra], axis=1).to_csv(folder / "families.csv", index=False)
            ours = timed(lambda: read_dataset(folder, validate=False))
            peer = timed(lambda: pd.read_csv(folder / "families.csv"))
            print(f"{k:>6,} extra columns: earlyhelp {ours[0]:6.2f} s wall {ours[1]:6.2f} s CPU "
                  f"({1e3 * ours[1] / k:.2f} ms CPU per column); pandas.read_csv {peer[0]:6.2f} s wall "
                  f"{peer[1]:6.2f} s CPU; ratio (CPU) {ours[1] / peer[1]:.1f}x")


if __name__ == "__main__":
    main()
