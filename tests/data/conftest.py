"""Small hand-made datasets with known answers for the data-model tests."""
from __future__ import annotations

import pandas as pd
import pytest


def small_frames() -> dict:
    """Three families; answers for every derived event are worked out in test_events.py."""
    persons = pd.DataFrame({
        "person_id": ["c1", "c2", "c3", "c4", "m1", "m2", "m3"],
        "birth_date": ["2015-01-01", "2017-05-05", "2012-03-03", "2019-09-09", "1985-01-01", "1990-02-02", "1988-03-03"],
        "sex": ["M", "F", "F", "M", "F", "F", "M"],
        "ethnicity": ["WBRI", "WBRI", "APKN", "BAFR", "WBRI", "APKN", "BAFR"],
    })
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3"], "locality_id": ["L1", "L1", "L2"]})
    family_members = pd.DataFrame({
        "family_id": ["F1", "F1", "F1", "F2", "F2", "F3", "F3"],
        "person_id": ["c1", "c2", "m1", "c3", "m2", "c4", "m3"],
        "role": ["child", "child", "parent_carer", "child", "parent_carer", "child", "parent_carer"],
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
        "family_id": ["F1", "F1", "F2", "F2", "F3"],
        "person_id": ["c1", "c2", "c3", "c3", "c4"],
        "received_date": ["2023-01-01", "2023-02-20", "2023-01-05", "2024-03-01", "2023-07-10"],
        "source": ["2A", "3B", "6", "2A", "1A"],
        "route": ["direct", "direct", "mash_diversion", "direct", "direct"],
        "decision": ["early_help", "existing_case", "early_help", "early_help", "advice_signpost"],
        "decision_date": ["2023-01-01", "2023-02-21", "2023-01-09", "2024-03-02", "2023-07-11"],
    })
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E4", "E5"],
        "family_id": ["F1", "F2", "F3", "F1", "F3"],
        "start_date": ["2023-01-01", "2023-01-10", "2023-02-01", "2023-03-02", "2023-08-10"],
        "end_date": ["2023-03-01", "2023-04-01", "2023-04-30", "2023-05-01", None],
        "level": [3, 3, 2, 3, 3],
        "episode_type": ["early_help"] * 5,
        "lead_practitioner_id": ["P1", "P1", "P2", "P1", "P1"],
        "lead_agency_id": ["A1", "A1", "A2", "A1", "A1"],
        "locality_id": ["L1", "L1", "L2", "L1", "L2"],
        "origin": ["request", "request", "request", "other", "step_down"],
        "end_reason": ["step_up", "outcomes_met", "outcomes_met", "outcomes_met", None],
    })
    assessments = pd.DataFrame({"assessment_id": ["S1", "S2", "S3"], "episode_id": ["E1", "E2", "E5"],
                                "started": ["2023-01-05", "2023-01-12", "2023-08-12"],
                                "completed": ["2023-01-20", "2023-03-01", None], "agency_id": ["A1", "A1", "A1"]})
    family_needs = pd.DataFrame({"episode_id": ["E1", "E2", "E2"], "need": ["domestic_abuse", "health", "housing"],
                                 "identified_date": ["2023-01-05", "2023-01-12", "2023-02-25"],
                                 "resolved": ["N", "Y", "Y"]})
    involvements = pd.DataFrame({"involvement_id": ["I1", "I2"], "practitioner_id": ["P1", "P2"],
                                 "family_id": ["F1", "F3"], "episode_id": ["E1", "E3"],
                                 "role": ["lead_practitioner", "lead_practitioner"],
                                 "start_date": ["2023-01-01", "2023-02-01"], "end_date": ["2023-03-01", "2023-04-30"]})
    csc_referrals = pd.DataFrame({
        "referral_id": ["R1", "R2", "R3", "R4"],
        "person_id": ["c1", "c3", "c4", "c2"],
        "referral_date": ["2023-02-15", "2023-04-20", "2023-07-15", "2023-09-01"],
        "source": ["5D", "5D", "2A", "6"],
        "primary_need": ["N1", "N4", "N5", "N0"],
        "nfa": ["N", "N", "N", "N"],
        "close_date": ["2023-06-01", "2023-05-10", "2023-08-01", "2023-09-20"],
        "close_reason": ["RC7", "RC8", "RC9", "RC9"],
    })
    csc_assessments = pd.DataFrame({"assessment_id": ["CA1", "CA3"], "referral_id": ["R1", "R3"],
                                    "person_id": ["c1", "c4"], "start_date": ["2023-02-16", "2023-07-16"],
                                    "authorised_date": ["2023-03-20", "2023-07-30"], "factors": ["3B,4B", "21"]})
    return dict(persons=persons, families=families, family_members=family_members, localities=localities,
                agencies=agencies, practitioners=practitioners, requests=requests, episodes=episodes,
                assessments=assessments, family_needs=family_needs, involvements=involvements,
                csc_referrals=csc_referrals, csc_assessments=csc_assessments)


@pytest.fixture
def frames() -> dict:
    return small_frames()


@pytest.fixture
def small_ds():
    import earlyhelp

    return earlyhelp.Dataset.from_frames(as_of="2025-01-01", **small_frames())
