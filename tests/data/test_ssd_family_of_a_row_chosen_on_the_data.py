"""The family a per-child row is put in does not depend on the order of the family_members rows (a
SQL extract without ORDER BY keeps none), and a family chosen on weaker grounds than a membership
valid on the row's date (a tie between undated families, a membership that had ended) is counted
in the load report with its reason."""
from __future__ import annotations

import pandas as pd

from earlyhelp import Dataset
from earlyhelp.data.ssd import family_choices

PERSONS = pd.DataFrame({"pers_person_id": ["C1", "C2", "P1", "P2"],
                        "pers_dob": ["2015-01-01", "2016-01-01", "1985-01-01", "1986-01-01"]})
EPISODE = pd.DataFrame({"earl_episode_id": ["E1"], "earl_person_id": ["C1"],
                        "earl_episode_start_date": ["2024-01-10"], "earl_episode_end_date": [None]})


def _derived(ds):
    return [d for d in ds.meta["load_report"]["derived"] if d.startswith("episodes.family_id for")]


def test_a_child_in_two_undated_families_goes_to_the_same_one_whatever_the_row_order():
    groups = pd.DataFrame({"fami_family_id": ["G2", "G1", "G2", "G1"], "fami_person_id": ["C1", "C1", "P1", "P2"]})
    chosen = []
    for order in (groups, groups.iloc[[1, 0, 3, 2]].reset_index(drop=True)):
        ds = Dataset.from_frames(ssd_person=PERSONS, ssd_family=order, ssd_early_help_episodes=EPISODE,
                                 as_of="2025-01-01", ssd="eclipse")
        chosen.append(ds.episodes["family_id"].iloc[0])
        assert any("1 of those rows" in d and "lowest family id" in d for d in _derived(ds)), _derived(ds)
    assert chosen == ["G1", "G1"]


def test_an_episode_after_the_only_membership_ended_is_counted():
    members = pd.DataFrame({"fami_family_id": ["F1", "F1"], "fami_person_id": ["C1", "P1"],
                            "valid_from": ["2020-01-01", "2020-01-01"], "valid_to": ["2022-06-30", None]})
    ds = Dataset.from_frames(ssd_person=PERSONS, ssd_family=members, ssd_early_help_episodes=EPISODE,
                             as_of="2025-01-01")
    assert ds.episodes["family_id"].iloc[0] == "F1"
    assert any("1 of those rows" in d and "no membership of the child is valid" in d for d in _derived(ds))


def test_a_membership_valid_on_the_date_is_no_choice():
    members = pd.DataFrame({"family_id": ["F2", "F1"], "person_id": ["C1", "C1"],
                            "valid_from": pd.to_datetime(["2020-01-01", "2023-01-01"]),
                            "valid_to": pd.to_datetime(["2022-12-31", None])})
    out = family_choices(members, pd.Series(["C1", "C1"]), pd.Series(pd.to_datetime(["2021-06-01", "2024-01-10"])))
    assert out["family_id"].tolist() == ["F2", "F1"]
    assert not out["tie"].any() and not out["not_valid_on_the_date"].any()
