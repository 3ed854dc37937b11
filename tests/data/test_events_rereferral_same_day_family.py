"""Re-referrals count family requests: a family's requests on one day are one, as
``Dataset.family_requests`` says.

An SSD extract records a contact per child, so siblings referred together are two rows. The
second used to be listed as a re-referral of the first (0 days since), and with
``basis="episode"`` the siblings' contacts after a closure were two re-referrals of it. The
derivation is also by sorting and binary search, not a join of every request with every episode
of the family; it is checked against the pair-by-pair answer on small random data with one large
family.
"""
from __future__ import annotations

import pandas as pd
import pytest
from events_brute_force import as_rows, random_dataset, rereferrals_by_hand

import earlyhelp

COLUMNS = ["family_id", "request_id", "date", "previous_id", "previous_date", "days_since"]


def test_a_siblings_same_day_contact_is_no_rereferral():
    persons = pd.DataFrame({"person_id": ["A", "B", "D"], "birth_date": ["2015-01-01", "2017-01-01", "2016-01-01"]})
    members = pd.DataFrame({"family_id": ["F1", "F1", "F2"], "person_id": ["A", "B", "D"]})
    contacts = pd.DataFrame({"cont_contact_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
                             "cont_person_id": ["A", "B", "A", "A", "D", "D"],
                             "cont_contact_date": ["10/01/2023", "10/01/2023", "01/06/2023", "03/06/2024",
                                                   "01/01/2023", "01/01/2024"]})
    ds = earlyhelp.Dataset.from_frames(ssd_person=persons, ssd_family=members, ssd_contacts=contacts,
                                       as_of="2025-01-01")
    rr = ds.rereferrals()
    # C3 after the siblings' joint contact (C1 and C2, one family request), C6 at 365 days
    assert rr["request_id"].tolist() == ["C3", "C6"]
    assert rr["previous_id"].tolist() == ["C1", "C5"] and rr["days_since"].tolist() == [142, 365]
    assert (ds.family_requests()["n_requests"] == 2).sum() == 1


def test_siblings_contacts_after_a_closure_are_one_episode_rereferral():
    persons = pd.DataFrame({"person_id": ["A", "B"]})
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["A", "B"]})
    episodes = pd.DataFrame({"episode_id": ["E1", "E2"], "family_id": ["F1", "F1"],
                             "start_date": ["2023-01-01", "2023-04-05"], "end_date": ["2023-03-31", "2023-06-01"],
                             "end_reason": ["outcomes_met", "outcomes_met"]})
    requests = pd.DataFrame({"request_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7"],
                             "person_id": ["A", "A", "A", "B", "A", "A", "A"],
                             "received_date": ["2022-12-20", "2023-03-31", "2023-04-01", "2023-04-01", "2023-05-01",
                                               "2024-05-31", "2024-06-02"]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, family_members=members,
                                       families=pd.DataFrame({"family_id": ["F1"], "locality_id": [None]}),
                                       episodes=episodes, requests=requests, as_of="2025-01-01")
    rr = ds.rereferrals(basis="episode")
    assert rr["request_id"].tolist() == ["R3", "R6"] and rr["previous_id"].tolist() == ["E1", "E2"]
    assert rr["days_since"].tolist() == [1, 365]


def test_siblings_episodes_standing_in_for_requests_are_one_request():
    persons = pd.DataFrame({"person_id": ["A", "B"]})
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["A", "B"]})
    episodes = pd.DataFrame({"earl_episode_id": ["EA1", "EB1", "EA2", "EB2"], "earl_person_id": ["A", "B", "A", "B"],
                             "earl_episode_start_date": ["2023-01-01", "2023-01-01", "2023-06-01", "2023-06-01"],
                             "earl_episode_end_date": ["2023-03-01", "2023-03-01", "", ""]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, family_members=members, ssd_early_help_episodes=episodes,
                                       as_of="2025-01-01")
    assert ds.rereferrals()["request_id"].tolist() == ["EA2"]
    rr = ds.rereferrals(basis="episode")
    assert rr["request_id"].tolist() == ["EA2"] and rr["days_since"].tolist() == [92]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("basis", ["request", "episode"])
def test_rereferrals_equal_the_pair_by_pair_answer(seed, basis):
    ds = random_dataset(seed)
    got = ds.rereferrals(basis=basis, window_days=120)
    assert (got["days_since"] >= 1).all()
    assert as_rows(got, COLUMNS) == rereferrals_by_hand(ds, basis, 120)


@pytest.mark.parametrize("seed", range(4))
def test_rereferrals_from_episode_starts_equal_the_pair_by_pair_answer(seed):
    ds = random_dataset(seed)
    ds = ds.replace(requests=ds.requests.iloc[0:0])
    for basis in ("request", "episode"):
        assert as_rows(ds.rereferrals(basis=basis), COLUMNS) == rereferrals_by_hand(ds, basis)


def test_the_random_data_hold_same_day_requests_and_overlapping_episodes():
    ds = random_dataset(0)
    assert (ds.family_requests()["n_requests"] >= 2).sum() >= 2
    assert len(rereferrals_by_hand(ds, "episode", 120)) >= 5 and len(rereferrals_by_hand(ds, "request", 120)) >= 20
