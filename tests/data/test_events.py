"""Derived events on a hand-made dataset whose answers are worked out by hand (see conftest)."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp


def test_step_ups_known_answer(small_ds):
    ups = small_ds.step_ups()
    assert list(ups["episode_id"]) == ["E1", "E2"]
    e1, e2 = ups.iloc[0], ups.iloc[1]
    # E1 ended step_up and a referral for c1 came while it was open: one event, earliest date
    assert e1["how"] == "end_reason+csc_referral" and e1["referral_id"] == "R1"
    assert e1["date"] == pd.Timestamp("2023-02-15") and e1["family_id"] == "F1"
    # E2 closed outcomes_met but c3 was referred 19 days after its end
    assert e2["how"] == "csc_referral" and e2["date"] == pd.Timestamp("2023-04-20")


def test_step_ups_window(small_ds):
    # 19 days after E2's end: outside a 10-day window
    assert list(small_ds.step_ups(within_days=10)["episode_id"]) == ["E1"]
    # E3 ended 2023-04-30, c4 referred 2023-07-15 (76 days): inside a 90-day window
    assert "E3" in set(small_ds.step_ups(within_days=90)["episode_id"])
    with pytest.raises(ValueError):
        small_ds.step_ups(within_days=-1)


def test_step_downs_known_answer(small_ds):
    downs = small_ds.step_downs()
    assert len(downs) == 2
    linked = downs[downs["referral_id"] == "R3"].iloc[0]
    assert linked["episode_id"] == "E5" and linked["how"] == "csc_close_rc9+episode_origin"
    assert linked["date"] == pd.Timestamp("2023-08-01")
    unlinked = downs[downs["referral_id"] == "R4"].iloc[0]
    assert pd.isna(unlinked["episode_id"]) and unlinked["family_id"] == "F1"
    assert unlinked["how"] == "csc_close_rc9"


def test_step_down_by_origin_only(frames):
    frames["csc_referrals"] = frames["csc_referrals"].iloc[:2]  # drop the RC9 referrals
    frames["csc_assessments"] = frames["csc_assessments"].iloc[:1]
    ds = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **frames)
    downs = ds.step_downs()
    assert list(downs["episode_id"]) == ["E5"] and list(downs["how"]) == ["episode_origin"]
    assert downs["date"].iloc[0] == pd.Timestamp("2023-08-10")


def test_rereferrals_request_basis(small_ds):
    rr = small_ds.rereferrals()
    assert list(rr["request_id"]) == ["Q2"]
    assert rr["previous_id"].iloc[0] == "Q1" and rr["days_since"].iloc[0] == 50
    # Q4 is 421 days after Q3: a re-referral only with a longer window
    assert set(small_ds.rereferrals(window_days=500)["request_id"]) == {"Q2", "Q4"}


def test_rereferrals_episode_basis(small_ds):
    rr = small_ds.rereferrals(basis="episode")
    # Q2 arrives while E1 is open (not a re-referral); Q4 335 days after E2 closed; Q5 71 days after E3
    assert dict(zip(rr["request_id"], rr["previous_id"])) == {"Q4": "E2", "Q5": "E3"}
    assert dict(zip(rr["request_id"], rr["days_since"])) == {"Q4": 335, "Q5": 71}
    with pytest.raises(ValueError):
        small_ds.rereferrals(basis="contact")


def test_stitch_episodes(small_ds):
    fam = small_ds.stitch_episodes()
    assert len(fam) == 4
    f1 = fam[fam["family_id"] == "F1"].iloc[0]
    assert f1["episode_ids"] == ("E1", "E4")  # E4 starts the day after E1 ends
    assert f1["start_date"] == pd.Timestamp("2023-01-01") and f1["end_date"] == pd.Timestamp("2023-05-01")
    assert f1["end_reason"] == "outcomes_met"
    open_one = fam[fam["family_episode_id"] == "E5"].iloc[0]
    assert pd.isna(open_one["end_date"]) and pd.isna(open_one["end_reason"])
    assert len(small_ds.stitch_episodes(gap_days=0)) == 5
    stitched, mapping = small_ds.stitch_episodes(return_map=True)
    assert dict(zip(mapping["episode_id"], mapping["family_episode_id"]))["E4"] == "E1"


def test_stitch_per_child_episodes_into_family_episodes():
    """SSD-style per-child episodes (no family id) group by family_members."""
    persons = pd.DataFrame({"person_id": ["a", "b", "c"], "birth_date": ["2015-01-01"] * 3, "sex": ["M", "F", "U"],
                            "ethnicity": ["WBRI"] * 3})
    members = pd.DataFrame({"family_id": ["F", "F", "G"], "person_id": ["a", "b", "c"], "role": ["child"] * 3})
    episodes = pd.DataFrame({"episode_id": ["e1", "e2", "e3", "e4"], "person_id": ["a", "b", "a", "c"],
                             "start_date": ["2023-01-01", "2023-01-20", "2023-09-01", "2023-01-01"],
                             "end_date": ["2023-03-01", "2023-04-15", None, "2023-02-01"],
                             "end_reason": ["outcomes_met", "step_up", None, "disengaged"]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, family_members=members, episodes=episodes,
                                       as_of="2025-01-01")
    assert list(ds.episodes["family_id"]) == ["F", "F", "F", "G"]
    assert any("family_id from family_members" in d for d in ds.meta["load_report"]["derived"])
    fam = ds.stitch_episodes()
    first = fam[fam["family_episode_id"] == "e1"].iloc[0]
    assert first["episode_ids"] == ("e1", "e2") and first["n_persons"] == 2
    assert first["end_reason"] == "step_up" and first["end_date"] == pd.Timestamp("2023-04-15")
    assert len(fam) == 3


def test_snapshot_hides_the_future(small_ds):
    small_ds.truth["answer"] = pd.DataFrame({"family_id": ["F1"], "p_step_up": [0.3]})
    snap = small_ds.snapshot("2023-02-20")
    assert list(snap.episodes["episode_id"]) == ["E1", "E2", "E3"]
    assert snap.episodes["end_date"].isna().all() and snap.episodes["end_reason"].isna().all()
    assert list(snap.requests["request_id"]) == ["Q1", "Q2", "Q3"]
    assert pd.isna(snap.requests.set_index("request_id").loc["Q2", "decision"])  # decided 21 Feb
    assert list(snap.csc_referrals["referral_id"]) == ["R1"]
    assert snap.csc_referrals["close_reason"].isna().all()
    assert snap.csc_assessments.empty is False and snap.csc_assessments["authorised_date"].isna().all()
    assert snap.csc_assessments["factors"].isna().all()
    assert snap.assessments.set_index("assessment_id").loc["S2", "completed"] is pd.NaT
    assert snap.family_needs["resolved"].isna().all() and len(snap.family_needs) == 2
    assert snap.truth["answer"] is small_ds.truth["answer"]  # the answer key is untouched
    assert snap.meta["snapshot_date"] == pd.Timestamp("2023-02-20")
    # the original is unchanged and a snapshot's events see no future
    assert small_ds.episodes["end_date"].notna().sum() == 4
    assert list(snap.step_ups()["episode_id"]) == ["E1"]  # R1 during E1; E1's end_reason now unknown
    assert snap.step_ups()["how"].iloc[0] == "csc_referral"
    snap.validate(as_of="2023-02-20")  # nothing after the snapshot date remains


def test_snapshot_at_the_end_changes_nothing(small_ds):
    snap = small_ds.snapshot("2030-01-01")
    for name in small_ds:
        assert len(snap[name]) == len(small_ds[name]), name
    assert snap.data_end() == small_ds.data_end()  # a cut after the data's end leaves the end where it was


def test_a_snapshot_ends_the_data_at_its_date():
    """What follows the cut is hidden, so the data end there: a model fitted on the snapshot must
    not take the months after it for months in which nothing happened."""
    council = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=1)
    assert council.snapshot("2024-06-30").data_end() == pd.Timestamp("2024-06-30")


@pytest.mark.parametrize("date", [20240630, 1.5, None, pd.NaT, "not a date"])
def test_a_snapshot_date_must_be_a_date(small_ds, date):
    with pytest.raises(earlyhelp.ValidationError, match="snapshot.date"):
        small_ds.snapshot(date)


def test_rereferral_episode_basis_counts_the_request_that_opens_an_episode(frames):
    # Q6 for F3 arrives the day E5 starts: E5 is the episode it opened, not one it arrived during
    extra = pd.DataFrame({"request_id": ["Q6"], "family_id": ["F3"], "person_id": ["c4"],
                          "received_date": ["2023-08-10"], "source": ["2A"], "route": ["direct"],
                          "decision": ["early_help"], "decision_date": ["2023-08-10"]})
    frames["requests"] = pd.concat([frames["requests"], extra], ignore_index=True)
    ds = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **frames)
    rr = ds.rereferrals(basis="episode")
    assert dict(zip(rr["request_id"], rr["previous_id"])) == {"Q4": "E2", "Q5": "E3", "Q6": "E3"}


def test_replace_checks_the_tables_it_is_given(small_ds):
    with pytest.raises(earlyhelp.ValidationError, match="requests: must be a DataFrame"):
        small_ds.replace(requests=5)
    with pytest.raises(earlyhelp.ValidationError, match="requests: required columns missing: .*received_date"):
        small_ds.replace(requests=small_ds.requests.drop(columns="received_date"))
    with pytest.raises(earlyhelp.ValidationError, match="validate.as_of"):
        small_ds.validate(as_of=5)


def test_a_child_born_after_the_snapshot_is_no_member_even_without_a_start_date():
    # an undated membership of a child not yet born kept them in the family: features counted them
    council = earlyhelp.synthetic.council("coventry", years=3, scale=0.1, seed=1)
    born = council.persons.set_index("person_id")["birth_date"]
    child = born[born > pd.Timestamp("2023-03-31")].index[0]
    members = council.family_members.copy()
    members.loc[members["person_id"] == child, "valid_from"] = pd.NaT
    snap = council.replace(family_members=members).snapshot("2023-03-31")
    assert child not in set(snap.persons["person_id"]) and child not in set(snap.family_members["person_id"])
