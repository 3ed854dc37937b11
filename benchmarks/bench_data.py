"""Benchmark the data model on a large synthetic council.

Writes the council's tables to a temporary folder (CSV and Parquet), then times in one run:

* earlyhelp: ``read_dataset(folder)`` (encoding detection, ragged-row check, SSD aliases,
  typing every column, code lists) plus ``validate()`` (types, codes, ranges, future
  dates, end before start, duplicate keys, every reference);
* the peer: plain pandas reading the same files, ``pd.read_csv`` / ``pd.read_parquet``
  for every table, with no checks (a second CSV run also parses the date columns);

and prints the ratio of CPU times, then times each derived event on the loaded Dataset.

Usage::

    PYTHONPATH=python python benchmarks/bench_data.py --preset coventry --scale 20 --years 3
    PYTHONPATH=python python benchmarks/bench_data.py --preset england --scale 0.25 --years 1
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

import pandas as pd  # noqa: E402

import earlyhelp  # noqa: E402
import earlyhelp.synthetic  # noqa: E402,F401
from earlyhelp.data.schema import TABLES  # noqa: E402


def timed(label: str, fn, *args, **kw):
    """Run fn; print wall and CPU seconds; return (result, CPU seconds).

    Ratios use CPU time: on a shared machine wall time mostly measures the neighbours.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label:<52s} {dt:8.2f} s wall {dc:8.2f} s cpu")
    return out, dc


def pandas_read(folder: Path, fmt: str, parse_dates: bool):
    """The peer: read every table file with pandas alone."""
    out = {}
    for file in sorted(folder.glob(f"*.{fmt}")):
        if fmt == "parquet":
            out[file.stem] = pd.read_parquet(file)
        else:
            dates = [c.name for c in TABLES[file.stem].columns if c.kind == "date"] if parse_dates else None
            header = pd.read_csv(file, nrows=0).columns
            out[file.stem] = pd.read_csv(file, parse_dates=[d for d in dates if d in header] if dates else None)
    return out


def generate(args):
    if args.preset == "england":
        return earlyhelp.synthetic.england(scale=args.scale, years=args.years, seed=args.seed,
                                           threads=args.threads)
    return earlyhelp.synthetic.council(args.preset, years=args.years, scale=args.scale, seed=args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="coventry", choices=["coventry", "wolverhampton", "england"])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="england only")
    parser.add_argument("--formats", default="csv,parquet")
    args = parser.parse_args()

    print(f"generating {args.preset} scale={args.scale:g} years={args.years:g} seed={args.seed}")
    ds, _ = timed("synthetic council", generate, args)
    counts = {k: v for k, v in ds.row_counts().items() if v}
    print("  rows: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()) + f"; total {sum(counts.values()):,}")
    as_of = ds.meta.get("end_date")
    tmp = Path(tempfile.mkdtemp(prefix="eh_bench_data_"))
    try:
        for fmt in args.formats.split(","):
            folder = tmp / fmt
            _, _ = timed(f"write_dataset ({fmt})", earlyhelp.write_dataset, ds, folder, format=fmt)
            size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            print(f"  {fmt} files: {size:,.0f} MB")
            back, t_ours = timed(f"earlyhelp.read_dataset + validate ({fmt})", earlyhelp.read_dataset, folder,
                                 as_of=as_of)
            _, t_validate = timed("  of which: Dataset.validate() alone", back.validate, as_of=as_of)
            _, t_plain = timed(f"pandas read ({fmt}, no checks)", pandas_read, folder, fmt, False)
            print(f"  ratio earlyhelp / plain pandas ({fmt}, cpu): {t_ours / t_plain:.2f}x")
            if fmt == "csv":
                _, t_typed = timed("pandas read (csv, parse_dates, no checks)", pandas_read, folder, fmt, True)
                print(f"  ratio earlyhelp / pandas with parse_dates (csv, cpu): {t_ours / t_typed:.2f}x")
            assert back.row_counts() == ds.row_counts(), "a round trip must keep every row"
            del back
        print("derived events on the loaded council")
        timed("step_ups(within_days=28)", ds.step_ups)
        timed("step_downs()", ds.step_downs)
        timed("rereferrals(basis='request')", ds.rereferrals)
        timed("rereferrals(basis='episode')", ds.rereferrals, basis="episode")
        timed("stitch_episodes(gap_days=1)", ds.stitch_episodes)
        mid = ds.episodes["start_date"].quantile(0.5).normalize()
        timed(f"snapshot({mid.date()})", ds.snapshot, mid)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
