"""Step-ups: a social-care referral meets the referred child's own episode whatever family each
was put in, and steps up one episode, never two; the answer equals one worked out pair by pair.

- A per-child (SSD) episode is put in a family at load even when no membership is valid on its
  start date; the referral used to look the child's family up strictly by date, found none (or
  another family, after a move), and never met the child's own open episode.
- A referral made 14 days after one episode closed, while the family's next episode was open,
  stepped up both: one step-up event counted twice in the headline share.
- The search is by sorting and binary search, not a join of every episode with every referral of
  the family (a placeholder family id holding 8,000 rows took 32 s and 6.5 GB); checked here
  against the pair-by-pair answer on small random data with one large family.
"""
from __future__ import annotations

import pandas as pd
import pytest
from events_brute_force import as_rows, families_at, random_dataset, step_downs_by_hand, step_ups_by_hand

import earlyhelp

PERSONS = pd.DataFrame({"person_id": ["A"]})
CHILD_EPISODE = pd.DataFrame({"earl_episode_id": ["E1"], "earl_person_id": ["A"],
                              "earl_episode_start_date": ["2023-01-01"], "earl_episode_end_date": [""]})


def _referral(date: str) -> pd.DataFrame:
    return pd.DataFrame({"referral_id": ["R1"], "person_id": ["A"], "referral_date": [date], "close_date": [""]})


def test_a_referral_meets_the_childs_episode_when_the_membership_begins_later():
    members = pd.DataFrame({"family_id": ["F1"], "person_id": ["A"], "valid_from": ["2023-06-01"]})
    ds = earlyhelp.Dataset.from_frames(persons=PERSONS, family_members=members, ssd_early_help_episodes=CHILD_EPISODE,
                                       csc_referrals=_referral("2023-03-01"), as_of="2025-01-01")
    assert ds.episodes["family_id"].tolist() == ["F1"]     # the loading rule's fallback
    ups = ds.step_ups()
    assert ups["episode_id"].tolist() == ["E1"] and ups["referral_id"].tolist() == ["R1"]
    assert ups["family_id"].tolist() == ["F1"] and ups["date"].tolist() == [pd.Timestamp("2023-03-01")]


def test_a_referral_meets_the_childs_episode_after_the_child_moves_family():
    members = pd.DataFrame({"family_id": ["F1", "F2"], "person_id": ["A", "A"],
                            "valid_from": ["", "2023-03-01"], "valid_to": ["2023-02-28", ""]})
    ds = earlyhelp.Dataset.from_frames(persons=PERSONS, family_members=members, ssd_early_help_episodes=CHILD_EPISODE,
                                       csc_referrals=_referral("2023-03-15"), as_of="2025-01-01")
    assert ds.episodes["family_id"].tolist() == ["F1"]
    ups = ds.step_ups()
    assert ups["episode_id"].tolist() == ["E1"] and ups["how"].tolist() == ["csc_referral"]


def _two_episodes(referral_date: str, second_start: str = "2023-03-10") -> earlyhelp.Dataset:
    persons = pd.DataFrame({"person_id": ["A", "B"]})
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["A", "B"]})
    episodes = pd.DataFrame({"episode_id": ["E1", "E2"], "family_id": ["F1", "F1"],
                             "start_date": ["2023-01-01", second_start], "end_date": ["2023-03-01", "2023-08-01"],
                             "end_reason": ["outcomes_met", "outcomes_met"]})
    refs = pd.DataFrame({"referral_id": ["R1"], "person_id": ["B"], "referral_date": [referral_date],
                         "close_date": [""]})
    return earlyhelp.Dataset.from_frames(persons=persons, families=pd.DataFrame({"family_id": ["F1"], "locality_id": [None]}),
                                         family_members=members, episodes=episodes, csc_referrals=refs,
                                         as_of="2025-01-01")


def test_one_referral_steps_up_the_open_episode_not_also_the_one_just_closed():
    ds = _two_episodes("2023-03-15")    # 14 days after E1 closed, while E2 is open
    ups = ds.step_ups()
    assert ups["episode_id"].tolist() == ["E2"] and ups["n_referrals"].tolist() == [1]
    assert len(ds.step_ups(level="family")) == 1


def test_with_no_episode_open_the_referral_steps_up_the_one_closed_last():
    ds = _two_episodes("2023-03-05", second_start="2023-03-20")   # E1 closed 4 days before; E2 not begun
    assert ds.step_ups()["episode_id"].tolist() == ["E1"]


def test_a_referral_on_the_closing_day_steps_up_that_episode():
    ds = _two_episodes("2023-03-01", second_start="2023-03-20")   # an episode is open through its end day
    assert ds.step_ups()["episode_id"].tolist() == ["E1"]


def test_the_childs_own_open_episode_comes_before_a_siblings():
    persons = pd.DataFrame({"person_id": ["A", "B"]})
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["A", "B"]})
    episodes = pd.DataFrame({"earl_episode_id": ["EA", "EB"], "earl_person_id": ["A", "B"],
                             "earl_episode_start_date": ["2023-01-01", "2023-02-01"],
                             "earl_episode_end_date": ["", ""]})
    refs = pd.DataFrame({"referral_id": ["RA"], "person_id": ["A"], "referral_date": ["2023-03-01"], "close_date": [""]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, family_members=members, ssd_early_help_episodes=episodes,
                                       csc_referrals=refs, as_of="2025-01-01")
    # B's episode started later, but the referral is for A, whose own episode is open
    assert ds.step_ups()["episode_id"].tolist() == ["EA"]
    assert len(ds.step_ups(level="family")) == 1


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("within_days", [0, 28])
def test_step_ups_equal_the_pair_by_pair_answer(seed, within_days):
    ds = random_dataset(seed)
    columns = ["family_id", "episode_id", "date", "how", "referral_id", "n_referrals"]
    got = ds.step_ups(within_days=within_days)
    assert got["episode_id"].is_unique
    assert as_rows(got, columns) == step_ups_by_hand(ds, within_days)


@pytest.mark.parametrize("seed", range(12))
def test_step_downs_equal_the_pair_by_pair_answer(seed):
    ds = random_dataset(seed)
    got = ds.step_downs()
    assert as_rows(got, ["family_id", "episode_id", "referral_id", "date", "how"]) == step_downs_by_hand(ds)


def test_the_random_data_hold_what_the_comparison_is_for():
    """One large family of overlapping episodes, referrals that fall in several episodes' windows,
    and children whose referral finds no membership valid on its date."""
    ds = random_dataset(0)
    ep = ds.episodes
    assert ep["family_id"].value_counts().iloc[0] >= 30
    key = ep["family_id"].astype(object).fillna("person:" + ep["person_id"].astype(str))
    end = ep["end_date"].fillna(pd.Timestamp("2262-01-01"))
    several = no_valid = 0
    for r in ds.csc_referrals.itertuples():
        day = r.referral_date
        window = key.isin(families_at(ds, r.person_id, day)) & (ep["start_date"] <= day) \
            & (end + pd.Timedelta(days=28) >= day)
        several += int(window.sum() >= 2)
        m = ds.family_members[ds.family_members["person_id"] == r.person_id]
        valid = (m["valid_from"].isna() | (m["valid_from"] <= day)) & (m["valid_to"].isna() | (m["valid_to"] >= day))
        no_valid += int(len(m) > 0 and not valid.any())
    assert several >= 10 and no_valid >= 3
    assert (ds.step_ups()["how"] != "end_reason").sum() >= 5
    assert len(step_downs_by_hand(ds)) >= 3
