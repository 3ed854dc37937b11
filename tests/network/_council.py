"""A small, valid Dataset for the network tests (random, seeded; not calibrated)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from earlyhelp import Dataset
from earlyhelp.data import codes


def small_council(n_families: int = 300, n_practitioners: int = 40, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    loc_ids = [f"L{i}" for i in range(4)]
    localities = pd.DataFrame({"locality_id": loc_ids, "name": ["South", "West", "East", "Central"],
                               "kind": "family_hub_area", "council_code": "E08000026", "region_code": "E12000005",
                               "child_population": 10000, "deprivation": rng.uniform(0, 1, 4)})
    types = ["la_early_help", "la_early_help", "la_social_care", "school", "school", "school", "health_visitor",
             "police", "housing", "domestic_abuse_service", "vcs", "camhs"]
    agencies = pd.DataFrame({"agency_id": [f"A{i}" for i in range(len(types))],
                             "name": [f"{t} {i}" for i, t in enumerate(types)], "agency_type": types})
    p_agency = rng.integers(0, len(types), n_practitioners)
    practitioners = pd.DataFrame({
        "practitioner_id": [f"P{i}" for i in range(n_practitioners)],
        "agency_id": [f"A{a}" for a in p_agency],
        "locality_id": rng.choice(loc_ids, n_practitioners),
        "tier": rng.choice(codes.TIER, n_practitioners, p=[0.4, 0.3, 0.2, 0.1]),
        "fte": rng.choice([0.5, 0.8, 1.0], n_practitioners),
        "caseload_capacity": rng.choice([0, 8, 16, 24, 32, 40], n_practitioners),
    })
    fam_ids = [f"F{i}" for i in range(n_families)]
    families = pd.DataFrame({"family_id": fam_ids, "locality_id": rng.choice(loc_ids, n_families)})
    # Two adults and one or two children per family; some adults shared between households.
    persons, members = [], []
    for f in range(n_families):
        for role, k in (("parent_carer", 1 + (rng.random() < 0.5)), ("child", 1 + rng.integers(0, 3))):
            for _ in range(k):
                pid = f"C{len(persons)}"
                persons.append(pid)
                members.append((fam_ids[f], pid, role))
    n_shared = n_families // 10
    for _ in range(n_shared):
        f = rng.integers(0, n_families)
        other = members[rng.integers(0, len(members))]
        if other[0] != fam_ids[f]:
            members.append((fam_ids[f], other[1], "other_adult"))
    family_members = pd.DataFrame(members, columns=["family_id", "person_id", "role"]).drop_duplicates(
        ["family_id", "person_id"])
    persons = pd.DataFrame({"person_id": persons, "birth_date": pd.Timestamp("2015-01-01"), "sex": "U",
                            "ethnicity": "WBRI"})
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n_families), unit="D")
    closed = rng.random(n_families) < 0.5
    end = start + pd.to_timedelta(rng.integers(30, 200, n_families), unit="D")
    has_lead = rng.random(n_families) < 0.7
    lead = np.where(has_lead, [f"P{p}" for p in rng.integers(0, n_practitioners, n_families)], None)
    episodes = pd.DataFrame({
        "episode_id": [f"E{i}" for i in range(n_families)], "family_id": fam_ids, "start_date": start,
        "end_date": pd.Series(end).where(closed), "level": 3, "episode_type": "early_help",
        "lead_practitioner_id": lead, "lead_agency_id": None, "locality_id": families["locality_id"],
        "origin": "request", "end_reason": np.where(closed, "outcomes_met", None)})
    assessed = rng.random(n_families) < 0.6
    assessments = pd.DataFrame({"assessment_id": [f"S{i}" for i in np.flatnonzero(assessed)],
                                "episode_id": episodes["episode_id"][assessed].values,
                                "started": start[assessed] + pd.Timedelta(days=7), "completed": pd.NaT,
                                "agency_id": "A0"})
    inv = []
    for f in range(n_families):
        for p in rng.choice(n_practitioners, rng.integers(0, 5), replace=False):
            inv.append((f"I{len(inv)}", f"P{p}", fam_ids[f], "taf_member", start[f], episodes["end_date"][f]))
    involvements = pd.DataFrame(inv, columns=["involvement_id", "practitioner_id", "family_id", "role",
                                              "start_date", "end_date"])
    needs = []
    for f in range(n_families):
        for need in rng.choice(codes.NEEDS, rng.integers(1, 4), replace=False):
            needs.append((f"E{f}", need, start[f]))
    family_needs = pd.DataFrame(needs, columns=["episode_id", "need", "identified_date"])
    family_needs["resolved"] = False
    return Dataset.from_frames(localities=localities, agencies=agencies, practitioners=practitioners,
                               families=families, persons=persons, family_members=family_members,
                               episodes=episodes, assessments=assessments, involvements=involvements,
                               family_needs=family_needs)
