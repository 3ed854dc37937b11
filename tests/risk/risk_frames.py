"""Small hand-made datasets for the risk evaluation tests (imported by conftest and tests)."""
from __future__ import annotations

import pandas as pd


def needs_frames() -> dict:
    """Four families with needs worked out by hand in test_needs.py.

    F1: open episode E1 (from 2023-01-01) with child_safety + domestic_abuse -> severe, level 4.
    F2: closed episode E2 with health, housing (housing resolved) + education identified
        2023-06-01 on open episode E3 -> needs health, education: level 2.
    F3: episode E4 with 3 needs (family_relationships, housing, financial_stability): level 3.
    F4: no needs; a child with a social-care referral open at 2023-07-01 -> level 4 (statutory).
    F5: no needs, no referrals -> level 1.
    """
    persons = pd.DataFrame({
        "person_id": ["c1", "c2", "c3", "c4", "c5", "m1", "m2", "m3", "m4", "m5"],
        "birth_date": ["2015-01-01", "2021-05-05", "2009-03-03", "2019-09-09", "2012-02-02",
                       "1985-01-01", "1990-02-02", "1988-03-03", "1980-01-01", "1979-01-01"],
        "sex": ["M", "F", "F", "M", "F", "F", "F", "M", "F", "M"],
        "ethnicity": ["WBRI", "WBRI", "APKN", "BAFR", "WBRI", "WBRI", "APKN", "BAFR", "WBRI", "WBRI"],
    })
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4", "F5"],
                             "locality_id": ["L1", "L1", "L2", "L2", "L1"]})
    family_members = pd.DataFrame({
        "family_id": ["F1", "F1", "F1", "F2", "F2", "F3", "F3", "F4", "F4", "F5", "F2"],
        "person_id": ["c1", "c2", "m1", "c3", "m2", "c4", "m3", "c5", "m4", "m5", "m1"],
        "role": ["child", "child", "parent_carer", "child", "parent_carer", "child", "parent_carer",
                 "child", "parent_carer", "parent_carer", "other_adult"],
    })
    localities = pd.DataFrame({"locality_id": ["L1", "L2"], "name": ["North", "South"],
                               "kind": ["family_hub_area"] * 2, "council_code": ["E08000026"] * 2,
                               "region_code": ["E12000005"] * 2, "child_population": [30000, 25000],
                               "deprivation": [0.3, 0.2]})
    agencies = pd.DataFrame({"agency_id": ["A1", "A2"], "name": ["Early Help", "Oak School"],
                             "agency_type": ["la_early_help", "school"]})
    practitioners = pd.DataFrame({"practitioner_id": ["P1", "P2"], "agency_id": ["A1", "A2"],
                                  "locality_id": ["L1", "L2"], "tier": ["frequent_modelling", "regular_promoting"],
                                  "fte": [1.0, 0.5], "caseload_capacity": [15, 5]})
    requests = pd.DataFrame({
        "request_id": ["Q1", "Q2", "Q3", "Q4", "Q5"],
        "family_id": ["F1", "F2", "F2", "F3", "F1"],
        "person_id": ["c1", "c3", "c3", "c4", "c2"],
        "received_date": ["2023-01-01", "2023-01-05", "2023-05-30", "2023-02-01", "2023-09-01"],
        "source": ["2A", "6", "2A", "1A", "2A"],
        "route": ["direct"] * 5,
        "decision": ["early_help", "early_help", "early_help", "early_help", "existing_case"],
        "decision_date": ["2023-01-01", "2023-01-09", "2023-06-01", "2023-02-01", "2023-09-02"],
    })
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E4"],
        "family_id": ["F1", "F2", "F2", "F3"],
        "start_date": ["2023-01-01", "2023-01-10", "2023-06-01", "2023-02-01"],
        "end_date": [None, "2023-04-01", None, "2023-05-30"],
        "level": [3, 3, 2, 3],
        "lead_practitioner_id": ["P1", "P1", None, "P2"],
        "lead_agency_id": ["A1", "A1", None, "A2"],
        "locality_id": ["L1", "L1", "L1", "L2"],
        "origin": ["request"] * 4,
        "end_reason": [None, "outcomes_met", None, "outcomes_met"],
    })
    family_needs = pd.DataFrame({
        "episode_id": ["E1", "E1", "E2", "E2", "E3", "E4", "E4", "E4"],
        "need": ["child_safety", "domestic_abuse", "health", "housing", "education",
                 "family_relationships", "housing", "financial_stability"],
        "identified_date": ["2023-01-05", "2023-01-05", "2023-01-12", "2023-01-12", "2023-06-01",
                            "2023-02-05", "2023-02-05", "2023-02-05"],
        "resolved": ["N", "N", "N", "Y", None, "N", "N", "N"],
    })
    involvements = pd.DataFrame({"involvement_id": ["I1", "I2", "I3"], "practitioner_id": ["P1", "P2", "P2"],
                                 "family_id": ["F1", "F1", "F3"], "episode_id": ["E1", "E1", "E4"],
                                 "role": ["lead_practitioner", "taf_member", "lead_practitioner"],
                                 "start_date": ["2023-01-01", "2023-01-10", "2023-02-01"],
                                 "end_date": [None, None, "2023-05-30"]})
    csc_referrals = pd.DataFrame({
        "referral_id": ["R1", "R2"], "person_id": ["c5", "c1"],
        "referral_date": ["2023-06-15", "2023-10-01"], "source": ["6", "5D"], "primary_need": ["N1", "N1"],
        "nfa": ["N", "N"], "close_date": [None, None], "close_reason": [None, None],
    })
    return dict(persons=persons, families=families, family_members=family_members, localities=localities,
                agencies=agencies, practitioners=practitioners, requests=requests, episodes=episodes,
                family_needs=family_needs, involvements=involvements, csc_referrals=csc_referrals)
