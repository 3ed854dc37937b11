"""A small hand-made council whose measures are counted by hand in the tests."""
from __future__ import annotations

import pandas as pd

import earlyhelp


def tiny_council(statutory: bool = False, **drop) -> earlyhelp.Dataset:
    """Two localities (North, South), five families, requests and episodes in Jan-Jun 2024.

    ``statutory=True`` adds child in need plans, child protection plans and looked-after episodes
    (:func:`statutory_frames`) and P7, a child in no family.
    """
    localities = pd.DataFrame({"locality_id": ["L1", "L2"], "name": ["North", "South"],
                               "kind": ["family_hub_area"] * 2, "council_code": ["E08000026"] * 2,
                               "child_population": [1000, 3000], "region_code": ["E12000005"] * 2,
                               "deprivation": [0.2, 0.3]})
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4", "F5"],
                             "locality_id": ["L1", "L1", "L2", "L2", "L2"]})
    persons = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
                            "birth_date": ["2020-01-10", "2010-05-01", "2015-03-03", "2023-12-01", "2007-02-02",
                                           "1990-01-01"],
                            "sex": ["F", "M", "F", "M", "F", "F"], "ethnicity": ["WBRI", "APKN", "WBRI", "BAFR",
                                                                                "WBRI", "WBRI"]})
    members = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4", "F5", "F1"],
                            "person_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
                            "role": ["child"] * 5 + ["parent_carer"]})
    agencies = pd.DataFrame({"agency_id": ["G1", "G2", "G3"], "name": ["North team", "Oak School", "Health"],
                             "agency_type": ["la_early_help", "school", "health_visitor"],
                             "locality_id": ["L1", "L1", "L2"]})
    practitioners = pd.DataFrame({"practitioner_id": ["W1", "W2", "W3"], "agency_id": ["G1", "G1", "G2"],
                                  "locality_id": ["L1", "L2", "L1"], "fte": [1.0, 0.5, 1.0],
                                  "start_date": [None, None, "2024-03-01"]})
    requests = pd.DataFrame({
        "request_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7"],
        "family_id": ["F1", "F2", "F3", "F1", "F4", "F5", "F2"],
        "person_id": ["P1", "P2", "P3", "P1", "P4", "P5", "P2"],
        "children": [1, 2, 1, 1, 3, 1, 2],
        "received_date": ["2024-01-05", "2024-01-20", "2024-02-10", "2024-03-15", "2024-03-20", "2024-04-02",
                          "2024-05-30"],
        "source": ["2A", "1A", "6", "2A", "3B", "5A", "1C"],
        "route": ["direct", "mash_diversion", "mash_diversion", "direct", "direct", "step_down", "direct"],
        "decision": ["early_help", "early_help", "nfa", "early_help", "early_help", None, "early_help"],
    })
    # durations: E1 40 days (outcomes met), E2 130 days (step up), E3 150 days (disengaged), E4 open,
    # E5 stepped down (origin), open; E6 for F2 after E2 closed (re-referral R7)
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E4", "E5", "E6"],
        "family_id": ["F1", "F2", "F1", "F4", "F5", "F2"],
        "start_date": ["2024-01-08", "2024-01-22", "2024-03-16", "2024-03-21", "2024-04-03", "2024-06-01"],
        "end_date": ["2024-02-17", "2024-05-31", "2024-08-13", None, None, None],
        "level": [2, 3, 3, 4, 3, None],
        "lead_practitioner_id": ["W1", "W1", "W3", "W2", None, "W1"],
        "lead_agency_id": ["G1", "G1", "G2", "G1", "G3", "G1"],
        "locality_id": ["L1", "L1", "L1", "L2", "L2", "L1"],
        "origin": ["request", "request", "request", "request", "step_down", "request"],
        "end_reason": ["outcomes_met", "step_up", "disengaged", None, None, None],
    })
    assessments = pd.DataFrame({"assessment_id": ["A1", "A2", "A3"], "episode_id": ["E1", "E2", "E4"],
                                "started": ["2024-01-10", "2024-01-25", "2024-03-25"],
                                "completed": ["2024-02-01", "2024-04-01", None]})
    needs = pd.DataFrame({"episode_id": ["E1", "E1", "E1", "E2", "E3"],
                          "need": ["education", "health", "housing", "child_safety", "crime"],
                          "identified_date": ["2024-01-10", "2024-01-10", "2024-01-12", "2024-01-25", "2024-03-20"],
                          "resolved": [True, True, False, False, True], "sustained": [True, False, False, False, None]})
    plans = pd.DataFrame({"plan_id": ["N1", "N2", "N3"], "episode_id": ["E1", "E2", "E4"],
                          "agreed_date": ["2024-01-20", "2024-03-01", "2024-04-10"]})
    reviews = pd.DataFrame({"review_id": ["T1", "T2", "T3", "T4"], "episode_id": ["E1", "E2", "E2", "E4"],
                            "due_date": ["2024-02-10", "2024-03-15", "2024-04-26", "2024-05-20"],
                            "held_date": ["2024-02-09", "2024-03-20", "2024-04-26", None]})
    services = pd.DataFrame({"service_referral_id": ["X1", "X2", "X3"], "family_id": ["F1", "F2", "F4"],
                             "episode_id": ["E1", "E2", "E4"], "service": ["young_carers", "parenting_programme",
                                                                          "young_carers"],
                             "referral_date": ["2024-01-15", "2024-02-01", "2024-04-01"]})
    voice = pd.DataFrame({"response_id": ["Y1", "Y2", "Y3", "Y4"], "family_id": ["F1", "F1", "F2", "F4"],
                          "response_date": ["2024-02-20", "2024-02-20", "2024-06-02", "2024-06-10"],
                          "question": ["felt_welcomed", "got_help_needed", "felt_welcomed", "felt_welcomed"],
                          "answer": [5, 4, 2, 4]})
    frames = dict(localities=localities, families=families, persons=persons, family_members=members,
                  agencies=agencies, practitioners=practitioners, requests=requests, episodes=episodes,
                  assessments=assessments, family_needs=needs, plans=plans, taf_reviews=reviews,
                  service_referrals=services, family_voice=voice)
    if statutory:
        frames.update(statutory_frames())
        frames["persons"] = pd.concat([persons, pd.DataFrame({"person_id": ["P7"], "birth_date": ["2012-06-06"],
                                                              "sex": ["M"], "ethnicity": ["WBRI"]})])
    for name in drop:
        frames.pop(name)
    return earlyhelp.Dataset.from_frames(as_of="2024-12-31", **frames)


def statutory_frames() -> dict:
    """Statutory tables of the tiny council, counted by hand in tests/measures/test_measures_statutory.py.

    P1 North, P2 North, P3 South, P4 South, P5 South (their families' localities); P7 is in no family.
    """
    cp = pd.DataFrame({
        "cp_plan_id": ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9"],
        "person_id": ["P2", "P2", "P3", "P3", "P5", "P5", "P1", "P1", "P7"],
        "start_date": ["2022-03-01", "2024-02-10", "2024-01-15", "2024-03-31", "2021-01-01", "2024-04-01",
                       "2024-01-10", "2024-04-20", "2024-02-05"],
        "end_date": ["2022-09-01", None, "2024-03-31", "2024-05-10", "2021-06-01", None, "2024-04-20", None, None],
    })
    cin = pd.DataFrame({"cin_plan_id": ["N1", "N2", "N3"], "person_id": ["P4", "P4", "P5"],
                        "start_date": ["2023-11-01", "2024-02-15", "2024-03-05"],
                        "end_date": ["2024-02-15", None, "2024-06-30"]})
    cla = pd.DataFrame({"cla_episode_id": ["C1", "C2", "C3", "C4"], "person_id": ["P2", "P2", "P3", "P7"],
                        "start_date": ["2024-01-20", "2024-03-01", "2024-05-15", "2023-06-01"],
                        "end_date": ["2024-03-01", None, None, "2024-02-10"],
                        "reason_new_episode": ["S", "P", "S", "S"]})
    return {"cp_plans": cp, "cin_plans": cin, "cla_episodes": cla}
