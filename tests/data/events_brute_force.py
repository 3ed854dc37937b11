"""Random small datasets and the derived events worked out row by row, by the documented rules.

The Dataset methods find their answers by sorting and binary search (one placeholder family id
holding thousands of rows must not cost thousands squared); these loops look at every pair, so
they are only for small data, and they are the reference the fast code is checked against.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

import earlyhelp

DAY0 = pd.Timestamp("2023-01-01")


def _day(rng: np.random.Generator, span: int = 400) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=int(rng.integers(0, span)))


def random_dataset(seed: int, n_episodes: int = 60, n_referrals: int = 40,
                   n_requests: int = 60) -> earlyhelp.Dataset:
    """Three families, one of them a placeholder holding most rows; children who move between
    families (dated memberships, some starting after the child's first rows); per-family and
    per-child episodes overlapping each other; requests that often fall on the same day."""
    rng = np.random.default_rng(seed)
    persons = [f"P{i}" for i in range(10)]
    families = ["F0", "F1", "F2"]
    members: List[dict] = []
    for p in persons[:9]:          # P9 is in no family
        first = str(rng.choice(families, p=[0.6, 0.2, 0.2]))
        if rng.random() < 0.3:      # moves: first family until a day, another from the next
            moved = _day(rng)
            second = str(rng.choice([f for f in families if f != first]))
            members += [{"family_id": first, "person_id": p, "valid_from": None, "valid_to": moved - pd.Timedelta(days=1)},
                        {"family_id": second, "person_id": p, "valid_from": moved, "valid_to": None}]
        elif rng.random() < 0.2:    # joins after the data begin (a birth, or a late-recorded move)
            members.append({"family_id": first, "person_id": p, "valid_from": _day(rng), "valid_to": None})
        else:
            members.append({"family_id": first, "person_id": p, "valid_from": None, "valid_to": None})
    episodes = []
    for i in range(n_episodes):
        start = _day(rng)
        per_child = rng.random() < 0.4
        end: Optional[pd.Timestamp] = None if rng.random() < 0.08 else start + pd.Timedelta(
            days=int(rng.integers(0, 60)))
        episodes.append({
            "episode_id": f"E{i:03d}",
            "family_id": None if per_child else str(rng.choice(families, p=[0.7, 0.15, 0.15])),
            "person_id": str(rng.choice(persons)) if per_child else None,
            "start_date": start, "end_date": end,
            "end_reason": None if end is None else str(rng.choice(["outcomes_met", "step_up", "disengaged"],
                                                                 p=[0.6, 0.2, 0.2])),
            "origin": "step_down" if rng.random() < 0.1 else "request",
        })
    # referral days all differ (a tie between two families on one day would be settled by the
    # siblings asked about together, which these loops do not model)
    ref_days = rng.choice(np.arange(400), size=n_referrals, replace=False)
    referrals = []
    for i, d in enumerate(ref_days):
        day = DAY0 + pd.Timedelta(days=int(d))
        closed = rng.random() < 0.5
        referrals.append({"referral_id": f"C{i:03d}", "person_id": str(rng.choice(persons)), "referral_date": day,
                          "close_date": day + pd.Timedelta(days=int(rng.integers(1, 40))) if closed else None,
                          "close_reason": ("RC9" if rng.random() < 0.6 else "RC8") if closed else None})
    requests = []
    closed_eps = [e for e in episodes if e["end_date"] is not None]
    for i in range(n_requests):
        if i % 2:    # a short span: many same-day requests
            per_child = rng.random() < 0.5
            fam = None if per_child else str(rng.choice(families, p=[0.6, 0.2, 0.2]))
            person = str(rng.choice(persons)) if per_child else None
            day = _day(rng, 20) + pd.Timedelta(days=int(rng.integers(0, 3)) * 200)
        else:        # soon after an episode closed (or on its closing day), for its family or child
            e = closed_eps[int(rng.integers(0, len(closed_eps)))]
            fam, person = e["family_id"], e["person_id"]
            day = e["end_date"] + pd.Timedelta(days=int(rng.choice([0, 1, 1, 2, 30, 100, 130])))
        requests.append({"request_id": f"Q{i:03d}", "family_id": fam, "person_id": person, "received_date": day})
    return earlyhelp.Dataset.from_frames(
        persons=pd.DataFrame({"person_id": persons}), families=pd.DataFrame({"family_id": families, "locality_id": [None] * len(families)}),
        family_members=pd.DataFrame(members), episodes=pd.DataFrame(episodes),
        requests=pd.DataFrame(requests), csc_referrals=pd.DataFrame(referrals), as_of="2026-01-01")


def _na(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _key(row) -> Optional[str]:
    if not _na(row["family_id"]):
        return str(row["family_id"])
    if "person_id" in row and not _na(row["person_id"]):
        return "person:" + str(row["person_id"])
    return None


def families_at(ds: earlyhelp.Dataset, person: str, date: pd.Timestamp) -> List[str]:
    """The referral's families: memberships valid on the date; with none, the one the loading
    rule gives (the latest begun by then, else the first listed); with no membership, the child."""
    rows = [r for r in ds.family_members.to_dict("records") if r["person_id"] == person]
    if not rows:
        return ["person:" + person]
    valid = [r for r in rows if (_na(r["valid_from"]) or r["valid_from"] <= date)
             and (_na(r["valid_to"]) or r["valid_to"] >= date)]
    if valid:
        return list(dict.fromkeys(str(r["family_id"]) for r in valid))
    begun = [(i, r) for i, r in enumerate(rows) if _na(r["valid_from"]) or r["valid_from"] <= date]
    if begun:   # the latest start; an undated one after the dated ones; then the first listed
        dated = [(i, r) for i, r in begun if not _na(r["valid_from"])]
        if dated:
            latest = max(r["valid_from"] for _, r in dated)
            return [str(next(r for _, r in dated if r["valid_from"] == latest)["family_id"])]
        return [str(begun[0][1]["family_id"])]
    return [str(rows[0]["family_id"])]


def step_ups_by_hand(ds: earlyhelp.Dataset, within_days: int = 28) -> set:
    """(family_id, episode_id, date, how, referral_id, n_referrals) of every stepped-up episode."""
    eps = ds.episodes.to_dict("records")
    attributed: Dict[str, List[Tuple[pd.Timestamp, str]]] = {}
    for r in ds.csc_referrals.to_dict("records"):
        d, person = r["referral_date"], str(r["person_id"])
        fams = families_at(ds, person, d)
        best = None
        for e in eps:
            if _na(e["start_date"]):
                continue
            own = not _na(e.get("person_id")) and str(e["person_id"]) == person
            if not own and _key(e) not in fams:
                continue
            end = e["end_date"]
            if e["start_date"] <= d and (_na(end) or d <= end):
                rank = (True, own, e["start_date"], e["start_date"], str(e["episode_id"]))
            elif not _na(end) and end < d and (d - end).days <= within_days:
                rank = (False, own, end, e["start_date"], str(e["episode_id"]))
            else:
                continue
            best = rank if best is None or rank > best else best
        if best is not None:
            attributed.setdefault(best[-1], []).append((d, str(r["referral_id"])))
    out = set()
    for e in eps:
        eid = str(e["episode_id"])
        by_reason = e["end_reason"] == "step_up" and not _na(e["end_date"])
        refs = sorted(attributed.get(eid, []))
        if not by_reason and not refs:
            continue
        dates = ([e["end_date"]] if by_reason else []) + ([refs[0][0]] if refs else [])
        how = "end_reason+csc_referral" if by_reason and refs else "end_reason" if by_reason else "csc_referral"
        out.add((None if _na(e["family_id"]) else str(e["family_id"]), eid, min(dates), how,
                 refs[0][1] if refs else None, len(refs)))
    return out


def family_days(ds: earlyhelp.Dataset) -> List[Tuple[str, pd.Timestamp, str]]:
    """(family key, day, first request id) of each family request: a family's requests of one day are one."""
    source = ds.requests if len(ds.requests) else ds.episodes.rename(
        columns={"episode_id": "request_id", "start_date": "received_date"})
    first: Dict[Tuple[str, pd.Timestamp], str] = {}
    for r in source.to_dict("records"):
        key = _key(r)
        if key is None or _na(r["received_date"]):
            continue
        k = (key, r["received_date"])
        first[k] = min(first.get(k, str(r["request_id"])), str(r["request_id"]))
    return sorted((k[0], k[1], v) for k, v in first.items())


def rereferrals_by_hand(ds: earlyhelp.Dataset, basis: str = "request", window_days: int = 365) -> set:
    """(family_id, request_id, date, previous_id, previous_date, days_since) of every re-referral."""
    out = set()
    events = family_days(ds)
    eps = ds.episodes.to_dict("records")
    for i, (key, day, rid) in enumerate(events):
        prev = None
        if basis == "request":
            earlier = [(d, r) for k, d, r in events[:i] if k == key and d < day]
            if earlier:
                prev = (earlier[-1][1], earlier[-1][0])
        else:
            mine = [e for e in eps if _key(e) == key]
            if any(not _na(e["start_date"]) and e["start_date"] < day
                   and (_na(e["end_date"]) or e["end_date"] >= day) for e in mine):
                continue    # another episode open that day
            closed = [(e["end_date"], n, e) for n, e in enumerate(mine) if not _na(e["end_date"]) and e["end_date"] < day]
            if closed:
                end, _, e = max(closed, key=lambda t: (t[0], t[1]))   # the latest end; a tie: the last listed
                prev = (str(e["episode_id"]), end)
        if prev is None or (day - prev[1]).days > window_days:
            continue
        out.add((None if key.startswith("person:") else key, rid, day, prev[0], prev[1], (day - prev[1]).days))
    return out


def step_downs_by_hand(ds: earlyhelp.Dataset, within_days: int = 28) -> set:
    """(family_id, episode_id, referral_id, date, how) of every step-down."""
    eps = ds.episodes.to_dict("records")
    linked: Dict[str, Tuple[pd.Timestamp, str]] = {}
    unlinked: Dict[Tuple[str, pd.Timestamp], str] = {}
    for r in sorted(ds.csc_referrals.to_dict("records"), key=lambda r: str(r["referral_id"])):
        if r["close_reason"] != "RC9" or _na(r["close_date"]):
            continue
        close = r["close_date"]
        fams = families_at(ds, str(r["person_id"]), r["referral_date"])
        best = None
        for f_order, fam in enumerate(fams):
            for n, e in enumerate(eps):
                if _key(e) != fam or _na(e["start_date"]):
                    continue
                gap = abs((e["start_date"] - close).days)
                if gap <= within_days:
                    rank = (gap, e["start_date"], f_order, n)
                    best = rank if best is None or rank < best else best
        if best is None:
            k = (fams[0], close)
            unlinked[k] = min(unlinked.get(k, str(r["referral_id"])), str(r["referral_id"]))
            continue
        eid = str(eps[best[3]]["episode_id"])
        linked[eid] = min(linked.get(eid, (close, str(r["referral_id"]))), (close, str(r["referral_id"])))
    out = set()
    for e in eps:
        eid, origin = str(e["episode_id"]), e["origin"] == "step_down"
        fam = _key(e)
        fam = None if fam is None or fam.startswith("person:") else fam
        if eid in linked:
            close, rid = linked[eid]
            out.add((fam, eid, rid, close, "csc_close_rc9+episode_origin" if origin else "csc_close_rc9"))
        elif origin:
            out.add((fam, eid, None, e["start_date"], "episode_origin"))
    for (fam, close), rid in unlinked.items():
        out.add((None if fam.startswith("person:") else fam, None, rid, close, "csc_close_rc9"))
    return out


def as_rows(frame: pd.DataFrame, columns: List[str]) -> set:
    """A derived-event frame as a set of plain tuples (missing values as None)."""
    rows = set()
    for rec in frame[columns].to_dict("records"):
        rows.add(tuple(None if _na(v) else (int(v) if isinstance(v, (np.integer,)) else
                                            str(v) if isinstance(v, str) else v) for v in rec.values()))
    return rows
