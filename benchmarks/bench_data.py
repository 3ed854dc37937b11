"""Benchmark the data model: reading/typing, validation and derived events at scale.

Compares our vectorised coercion with the per-row ``.map`` coercion it replaced (the
first version of ``earlyhelp/data/coerce.py``, reproduced below as the peer) on the
same raw text frame, and times every derived event.

Usage::

    PYTHONPATH=python /work/venv/bin/python benchmarks/bench_data.py --rows 2000000
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import earlyhelp
from earlyhelp.data.coerce import coerce_table
from earlyhelp.data.schema import TABLES


def raw_frames(n_episodes: int, seed: int = 0) -> dict:
    """Text tables as a council's CSV export would give them (every cell a string)."""
    rng = np.random.default_rng(seed)
    n_fam = max(n_episodes // 2, 1)
    start = pd.Timestamp("2019-04-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n_episodes), unit="D")
    length = rng.gamma(2.0, 50.0, n_episodes).astype(int) + 1
    end = start + pd.to_timedelta(length, unit="D")
    open_ = rng.random(n_episodes) < 0.05
    fam = rng.integers(0, n_fam, n_episodes)
    reasons = np.array(["outcomes_met", "step_up", "step_down_universal", "disengaged", "moved_away", "other"])
    episodes = pd.DataFrame({
        "episode_id": pd.Series(np.arange(n_episodes)).map("E{:08d}".format),
        "family_id": pd.Series(fam).map("F{:08d}".format),
        "start_date": start.strftime("%d/%m/%Y"),
        "end_date": pd.Series(end.strftime("%Y-%m-%d")).where(~open_, ""),
        "level": rng.choice(["2", "3"], n_episodes),
        "episode_type": "early_help",
        "origin": rng.choice(["request", "step_down", "other"], n_episodes, p=[0.85, 0.1, 0.05]),
        "end_reason": pd.Series(rng.choice(reasons, n_episodes, p=[0.54, 0.1, 0.16, 0.1, 0.05, 0.05]))
        .where(~open_, ""),
    })
    families = pd.DataFrame({"family_id": pd.Series(np.arange(n_fam)).map("F{:08d}".format), "locality_id": ""})
    n_ref = n_episodes // 5
    people = pd.DataFrame({"person_id": pd.Series(np.arange(n_fam)).map("P{:08d}".format),
                           "birth_date": "2015-01-01", "sex": rng.choice(["M", "F"], n_fam),
                           "ethnicity": "WBRI"})
    members = pd.DataFrame({"family_id": families["family_id"], "person_id": people["person_id"], "role": "child"})
    ref_date = pd.Timestamp("2019-04-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n_ref), unit="D")
    referrals = pd.DataFrame({
        "referral_id": pd.Series(np.arange(n_ref)).map("R{:08d}".format),
        "person_id": people["person_id"].sample(n_ref, replace=True, random_state=seed).to_numpy(),
        "referral_date": ref_date.strftime("%Y-%m-%d"),
        "source": rng.choice(["2A", "6", "5D", "3B"], n_ref),
        "primary_need": rng.choice(["N1", "N4", "N5"], n_ref),
        "close_date": (ref_date + pd.Timedelta(days=30)).strftime("%Y-%m-%d"),
        "close_reason": rng.choice(["RC8", "RC9", "RC7"], n_ref),
    })
    requests = pd.DataFrame({
        "request_id": pd.Series(np.arange(n_episodes)).map("Q{:08d}".format),
        "family_id": episodes["family_id"], "received_date": (start - pd.Timedelta(days=7)).strftime("%Y-%m-%d"),
        "source": rng.choice(["2A", "6", "5D", "3B"], n_episodes), "route": "direct", "decision": "early_help",
        "person_id": "",
    })
    return dict(episodes=episodes, families=families, persons=people, family_members=members,
                csc_referrals=referrals, requests=requests)


def old_coerce_column(values: pd.Series, kind: str, codes=()) -> pd.Series:
    """The per-row coercion earlyhelp started with (the peer in this benchmark)."""
    if kind in ("id", "str"):
        out = values.astype("object").where(~values.isna(), None)
        out = out.map(lambda v: v if v is None else str(v).strip())
        return out.astype("string[pyarrow]")
    if kind == "date":
        return pd.to_datetime(values.replace("", None), errors="coerce", dayfirst=False, format="mixed")
    if kind == "code":
        allowed = set(codes)
        lowered = {a.lower(): a for a in allowed}
        text = values.map(lambda v: None if v in (None, "") else str(v).strip())
        text = text.map(lambda v: v if v is None or v in allowed else lowered.get(v.lower(), v))
        return pd.Series(pd.Categorical(text, categories=list(codes)), index=values.index)
    return pd.to_numeric(values, errors="coerce")


def timed(label: str, fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    dt = time.perf_counter() - t0
    print(f"{label:<48s} {dt:8.2f} s")
    return out, dt


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000, help="episodes (a 5-year council has ~14,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frames = raw_frames(args.rows, args.seed)
    print(f"episodes={len(frames['episodes']):,} requests={len(frames['requests']):,} "
          f"csc_referrals={len(frames['csc_referrals']):,} families={len(frames['families']):,}")
    table = TABLES["episodes"]
    raw = frames["episodes"]

    def ours():
        return coerce_table(table, raw, [])

    def peer():
        return {c.name: old_coerce_column(raw[c.name], c.kind, c.codes or ()) for c in table.columns
                if c.name in raw.columns}

    ours_out, t_ours = timed("coerce episodes: earlyhelp (vectorised)", ours)
    _, t_peer = timed("coerce episodes: per-row .map (old version)", peer)
    print(f"ratio peer/ours: {t_peer / t_ours:.1f}x")
    ds, _ = timed("Dataset.from_frames + validate (all tables)", earlyhelp.Dataset.from_frames,
                  as_of="2030-01-01", **frames)
    timed("step_ups(within_days=28)", ds.step_ups)
    timed("step_downs()", ds.step_downs)
    timed("rereferrals(basis='request')", ds.rereferrals)
    timed("rereferrals(basis='episode')", ds.rereferrals, basis="episode")
    timed("stitch_episodes(gap_days=1)", ds.stitch_episodes)
    timed("snapshot('2022-01-01')", ds.snapshot, "2022-01-01")


if __name__ == "__main__":
    main()
