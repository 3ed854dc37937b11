"""Derived events on a synthetic council, measured against the generator's ground truth.

The generator (earlyhelp.synthetic) ends each episode in a step-up with the family's true
``p_step_up`` and, after a closure other than step-up or moving away, sends a new request
within 365 days with the true ``p_rereferral_12m`` (``ds.truth["episodes"]``). So the
derived events must reproduce those rates within sampling error, and a snapshot must show
exactly what was known on its date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp.synthetic
from earlyhelp.data.events import SNAPSHOT_RULES

SNAP_DATE = pd.Timestamp("2023-09-30")


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, seed=0)


@pytest.fixture(scope="module")
def snap(council):
    return council.snapshot(SNAP_DATE)


def _se(p: float, n: int) -> float:
    return float(np.sqrt(p * (1 - p) / n))


def test_step_up_share_is_about_ten_percent_and_matches_the_truth(council):
    ep = council.episodes
    closed = ep["end_date"].notna().to_numpy()
    ups = council.step_ups()
    share = len(ups) / closed.sum()
    assert 0.08 <= share <= 0.12  # "about 10% of early-intervention cases" (Wolverhampton Early Intervention report, 2017)
    truth = ep[["episode_id"]].merge(council.truth["episodes"], on="episode_id")
    expected = truth.loc[closed, "p_step_up"].mean()
    print(f"\n{len(ep):,} episodes, {len(council.requests):,} requests; closed episodes stepped up: "
          f"{share:.1%} ({len(ups):,} of {int(closed.sum()):,}), truth {expected:.1%}")   # docs/data-model.md
    assert abs(share - expected) < 4 * _se(expected, int(closed.sum()))
    # every step-up by end reason also made a social-care referral within 28 days (the generator's pathway)
    assert set(ups["how"]) <= {"end_reason+csc_referral", "csc_referral", "end_reason"}
    assert (ups["how"] == "end_reason").sum() <= 0.01 * len(ups)
    assert ups["episode_id"].is_unique and ups["date"].notna().all()


def test_rereferral_rates_are_plausible_and_match_the_truth(council):
    rr = council.rereferrals()  # DfE basis: within 12 months of the previous request
    rate = len(rr) / len(council.requests)
    # national CIN re-referral rates run at about 20-23%; early help partnerships report 10-25%
    assert 0.08 <= rate <= 0.30
    assert (rr["days_since"] <= 365).all() and (rr["days_since"] >= 0).all()
    # episode basis: of closures where the generator applies p_rereferral_12m, with a full year left
    ep = council.episodes.merge(council.truth["episodes"][["episode_id", "p_rereferral_12m", "rereferral_applies"]],
                                on="episode_id")
    window_end = council.meta["end_date"]
    eligible = ep[ep["end_date"].notna() & ep["rereferral_applies"].astype(bool)
                  & (ep["end_date"] + pd.Timedelta(days=365) <= window_end)]
    followed = eligible["episode_id"].isin(council.rereferrals(basis="episode")["previous_id"])
    expected = eligible["p_rereferral_12m"].mean()
    print(f"\nrequests that are re-referrals: {rate:.1%}; closures followed by a request within 12 months: "
          f"{followed.mean():.1%} of {len(eligible):,}, truth {expected:.1%}")   # docs/data-model.md
    assert len(eligible) > 2000
    assert abs(followed.mean() - expected) < 4 * _se(expected, len(eligible))


def test_step_downs_follow_rc9_closures(council):
    downs = council.step_downs()
    rc9 = (council.csc_referrals["close_reason"] == "RC9").sum()
    linked = downs["referral_id"].notna()
    assert linked.sum() <= rc9
    assert downs.loc[linked, "episode_id"].notna().mean() > 0.95  # RC9 closures come back as episodes
    origin = council.episodes["origin"] == "step_down"
    assert set(council.episodes.loc[origin, "episode_id"]) <= set(downs["episode_id"].dropna())


def test_stitching_keeps_every_episode_once(council):
    stitched, mapping = council.stitch_episodes(return_map=True)
    assert sorted(mapping["episode_id"]) == sorted(council.episodes["episode_id"])
    assert stitched["n_episodes"].sum() == len(council.episodes)
    assert (stitched["episode_ids"].map(len) == stitched["n_episodes"]).all()
    first_of = dict(zip(mapping["episode_id"], mapping["family_episode_id"]))
    assert all(first_of[e] == fe for fe, ids in zip(stitched["family_episode_id"], stitched["episode_ids"])
               for e in ids)
    assert (stitched["start_date"] <= stitched["end_date"].fillna(pd.Timestamp.max)).all()


def test_snapshot_drops_nothing_known_and_hides_everything_later(council, snap):
    for name, (known_from, later) in SNAPSHOT_RULES.items():
        full, part = council[name], snap[name]
        known = ~(full[known_from] > SNAP_DATE).to_numpy(dtype=bool)  # an unknown start is kept
        if name == "csc_assessments":  # kept with their referral
            known &= full["referral_id"].isin(snap.csc_referrals["referral_id"]).to_numpy()
        if name in ("assessments", "family_needs", "involvements") and "episode_id" in full.columns:
            known &= (full["episode_id"].isna() | full["episode_id"].isin(snap.episodes["episode_id"])).to_numpy()
        assert len(part) == known.sum(), name  # nothing known at the date is dropped
        assert not (part[known_from] > SNAP_DATE).any(), name  # nothing later is shown
        for date_col, dependants in later.items():
            kept = full[known].reset_index(drop=True)
            was_known = (kept[date_col] <= SNAP_DATE).to_numpy(dtype=bool, na_value=False)
            # known end dates (and what came with them) are unchanged; later ones are missing
            pd.testing.assert_series_equal(part[date_col][was_known], kept[date_col][was_known], check_names=False)
            assert part[date_col][~was_known].isna().all(), f"{name}.{date_col}"
            for dep in dependants:
                if dep in kept.columns:
                    assert part[dep][~was_known].isna().all(), f"{name}.{dep}"
                    assert part[dep][was_known].astype(object).equals(kept[dep][was_known].astype(object))
    for name in ("families", "localities", "agencies"):
        assert len(snap[name]) == len(council[name])
    born = ~(council.persons["birth_date"] > SNAP_DATE) | council.persons["expected_birth"].fillna(False)
    assert len(snap.persons) == int(born.sum())  # children born later are not known yet
    snap.validate(as_of=SNAP_DATE)  # no date after the snapshot date remains


def test_events_of_a_snapshot_are_the_events_known_at_its_date(council, snap):
    ups_full = council.step_ups()
    ups_snap = snap.step_ups()
    assert set(ups_snap["episode_id"]) == set(ups_full.loc[ups_full["date"] <= SNAP_DATE, "episode_id"])
    assert (ups_snap["date"] <= SNAP_DATE).all()
    rr_full = council.rereferrals()
    rr_snap = snap.rereferrals()
    assert set(rr_snap["request_id"]) == set(rr_full.loc[rr_full["date"] <= SNAP_DATE, "request_id"])
    # episodes open at the date are open in the snapshot, with no end reason
    ep = council.episodes
    open_then = ep[(ep["start_date"] <= SNAP_DATE) & ~(ep["end_date"] <= SNAP_DATE)]["episode_id"]
    s = snap.episodes.set_index("episode_id")
    assert s.loc[open_then, "end_date"].isna().all() and s.loc[open_then, "end_reason"].isna().all()
    # needs of open episodes lose their outcome flags; the answer key is passed on untouched
    needs = snap.family_needs[snap.family_needs["episode_id"].isin(open_then)]
    assert len(needs) and needs["resolved"].isna().all()
    assert snap.truth is not None and snap.truth["families"] is council.truth["families"]
