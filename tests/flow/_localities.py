"""Hand-made councils for the by-locality tests: children enter a child in need plan (ages 0-16)
as a Poisson stream per locality, stay an exponential time (mean 200 days), then 15% step up to a
child protection plan (mean 250 days), the rest leave."""
from __future__ import annotations

import numpy as np
import pandas as pd

import earlyhelp

FIRST, LAST = pd.Timestamp("2019-04-01"), pd.Timestamp("2025-03-31")
WINDOW = dict(start="2024-04-01", end="2025-03-31")


def hand_made(entries_per_day, seed=0, no_locality=0, locality_names=None, cin_days=None) -> earlyhelp.Dataset:
    """One locality per rate in ``entries_per_day``; ``no_locality`` extra children with no family;
    ``locality_names``: the localities' names (default "Area L1", "Area L2", ...); ``cin_days``:
    each locality's mean child in need plan in days (default 200 everywhere)."""
    rng = np.random.default_rng(seed)
    days = (LAST - FIRST).days
    persons, cin, cp, members = [], [], [], []
    names = [f"L{k + 1}" for k in range(len(entries_per_day))] + [None]
    for k, rate in enumerate(list(entries_per_day) + [no_locality / days]):
        for day in np.sort(rng.uniform(0, days, rng.poisson(rate * days))):
            pid = f"P{len(persons)}"
            start = FIRST + pd.Timedelta(days=int(day))
            persons.append((pid, start - pd.Timedelta(days=int(rng.uniform(0, 16) * 365.25))))
            mean_days = 200 if cin_days is None or names[k] is None else cin_days[k]
            end = start + pd.Timedelta(days=1 + int(rng.exponential(mean_days)))
            cin.append((pid, start, end))
            if rng.random() < 0.15:
                cp.append((pid, end, end + pd.Timedelta(days=1 + int(rng.exponential(250)))))
            if names[k] is not None:
                members.append((f"F{pid}", pid, names[k]))
    cut = lambda rows: [(p, s, e if e <= LAST else pd.NaT) for p, s, e in rows if s <= LAST]
    cin, cp = cut(cin), cut(cp)
    n_loc = len(entries_per_day)
    return earlyhelp.Dataset.from_frames(
        persons=pd.DataFrame({"person_id": [p for p, _ in persons], "birth_date": [b for _, b in persons],
                              "sex": "F", "ethnicity": "WBRI"}),
        cin_plans=pd.DataFrame({"cin_plan_id": [f"N{i}" for i in range(len(cin))], "person_id": [r[0] for r in cin],
                                "start_date": [r[1] for r in cin], "end_date": [r[2] for r in cin]}),
        cp_plans=pd.DataFrame({"cp_plan_id": [f"K{i}" for i in range(len(cp))], "person_id": [r[0] for r in cp],
                               "start_date": [r[1] for r in cp], "end_date": [r[2] for r in cp]}),
        localities=pd.DataFrame({"locality_id": names[:n_loc],
                                 "name": locality_names or [f"Area {n}" for n in names[:n_loc]],
                                 "kind": "family_hub_area", "council_code": "E08000026",
                                 "region_code": "E12000005", "child_population": 10000, "deprivation": 0.2}),
        families=pd.DataFrame({"family_id": [m[0] for m in members], "locality_id": [m[2] for m in members]}),
        family_members=pd.DataFrame({"family_id": [m[0] for m in members], "person_id": [m[1] for m in members],
                                     "role": "child"}),
        as_of=LAST)
