"""One council's monthly pack (HTML + Excel + CSV/Parquet) on the synthetic Coventry.

Times ``earlyhelp.report.pack.write_pack`` on ``synthetic.council("coventry", years=3)`` (every
catalogue measure), wall and CPU seconds, with the split the run folder records. A smaller
council (``--scale 0.2``) has more small counts, so more cells hidden and audited.

    PYTHONPATH=python python benchmarks/bench_pack.py [--scale 0.2]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import earlyhelp
from earlyhelp.report.pack import write_pack


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0, help="council size, Coventry's = 1")
    scale = p.parse_args().scale
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=scale)
    with tempfile.TemporaryDirectory() as out:
        t, c = time.perf_counter(), time.process_time()
        run = write_pack(ds, out)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        record = json.loads((run / "run.json").read_text())
    print(f"monthly pack, {len(record['measures'])} measures (coventry, 3 years, scale {scale:g}): {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU (first call in the process: imports included); run.json timings {record['timings_seconds']}; "
          f"suppression audit {record['suppression']['audit']}; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
