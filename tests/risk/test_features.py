"""build_features: features known at a date, labels from the next 12 months, exclusions counted."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.risk import build_features

from risk_frames import needs_frames

END = "2024-12-31"


def test_step_up_rows_labels_and_features(needs_ds):
    X, y, ids = build_features(needs_ds, "2023-07-01", data_end=END)
    assert ids["family_id"].tolist() == ["F1", "F2"]          # families in an open episode
    assert ids["episode_id"].tolist() == ["E1", "E3"]
    assert y.tolist() == [1, 0]                                # R2 (child c1 of F1) on 2023-10-01
    row = X.iloc[0]
    assert row["need_child_safety"] == 1 and row["level_of_need"] == 4
    assert row["n_practitioners"] == 2 and row["n_agencies"] == 2 and row["lead_named"] == 1
    assert row["episode_days"] == 181 and row["n_children"] == 2 and row["child_under_5"] == 1
    # m1 is a parent in F1 and an other adult in F2: a linked household
    assert X["linked_household"].tolist() == [1, 1]
    assert X.loc[1, "n_prior_episodes"] == 1 and X.loc[1, "lead_named"] == 0
    assert X.loc[1, "n_requests"] == 2 and X.loc[1, "n_prior_rereferrals"] == 1
    assert X.loc[0, "deprivation"] == pytest.approx(0.3)
    assert np.isfinite(X.to_numpy()).all()


def test_rereferral_population(needs_ds):
    fs = build_features(needs_ds, "2023-07-01", "rereferral_12m", data_end=END)
    # E4 (F3) closed 2023-05-30 with outcomes met; E2 (F2) closed 2023-04-01 but F2 has E3 open
    assert fs.ids["episode_id"].tolist() == ["E4"] and fs.y.tolist() == [0]
    assert fs.X.loc[0, "days_since_close"] == 32
    fs = build_features(needs_ds, "2023-05-01", "rereferral_12m", data_end=END)
    # E2 closed 2023-04-01 and F2 was re-referred on 2023-05-30 (request Q3): label 1
    assert fs.ids["episode_id"].tolist() == ["E2"] and fs.y.tolist() == [1]
    fs = build_features(needs_ds, "2023-06-15", "rereferral_12m", data_end=END)
    # by 2023-06-15 Q3 is known and E3 is open: F2 is excluded with that reason
    assert fs.excluded.by_reason() == {"episode_open": 1}


def test_incomplete_window_excluded_and_counted(needs_ds):
    fs = build_features(needs_ds, ["2023-07-01", "2024-03-01"], data_end="2024-06-29")
    assert len(fs) == 0 and len(fs.X) == 0
    ex = fs.excluded.to_frame().set_index(["at", "reason"])["rows"]
    assert ex[(pd.Timestamp("2023-07-01"), "window_incomplete")] == 2
    fs = build_features(needs_ds, ["2023-03-01", "2023-07-01"], data_end="2024-04-30")
    assert fs.ids["at"].dt.strftime("%Y-%m-%d").tolist() == ["2023-03-01", "2023-03-01", "2023-03-01"]
    assert [e.reason for e in fs.excluded] == ["window_incomplete"] and fs.excluded.total() == 2


def test_already_stepped_up_excluded(needs_ds):
    fs = build_features(needs_ds, "2023-11-01", data_end=END)
    assert "E1" not in fs.ids["episode_id"].tolist()
    assert fs.excluded.by_reason()["already_stepped_up"] == 1


def _perturb_after(frames: dict, at: str) -> dict:
    """Change everything that happens after ``at``: new requests, episodes and referrals,
    moved closures and end reasons, new needs on open episodes."""
    f = {k: v.copy() for k, v in frames.items()}
    f["requests"] = pd.concat([f["requests"], pd.DataFrame({
        "request_id": ["QX1", "QX2"], "family_id": ["F1", "F5"], "person_id": ["c1", "m5"],
        "received_date": ["2023-08-01", "2023-09-09"], "source": ["6", "6"], "route": ["direct"] * 2,
        "decision": ["early_help"] * 2, "decision_date": ["2023-08-02", "2023-09-10"]})], ignore_index=True)
    ep = f["episodes"]
    ep.loc[ep["episode_id"] == "E3", ["end_date", "end_reason"]] = ["2023-08-20", "step_up"]
    ep.loc[ep["episode_id"] == "E1", ["end_date", "end_reason"]] = ["2023-12-01", "outcomes_met"]
    f["episodes"] = pd.concat([ep, pd.DataFrame({
        "episode_id": ["EX"], "family_id": ["F5"], "start_date": ["2023-09-10"], "end_date": [None], "level": [3],
        "lead_practitioner_id": ["P1"], "lead_agency_id": ["A1"], "locality_id": ["L1"], "origin": ["request"],
        "end_reason": [None]})], ignore_index=True)
    f["family_needs"] = pd.concat([f["family_needs"], pd.DataFrame({
        "episode_id": ["E1", "E3", "EX"], "need": ["crime", "housing", "health"],
        "identified_date": ["2023-08-01", "2023-07-20", "2023-09-11"], "resolved": [None, None, None]})],
        ignore_index=True)
    f["csc_referrals"] = pd.concat([f["csc_referrals"], pd.DataFrame({
        "referral_id": ["RX"], "person_id": ["c3"], "referral_date": ["2023-08-15"], "source": ["6"],
        "primary_need": ["N1"], "nfa": ["N"], "close_date": ["2023-09-30"], "close_reason": ["RC9"]})],
        ignore_index=True)
    f["involvements"] = pd.concat([f["involvements"], pd.DataFrame({
        "involvement_id": ["IX"], "practitioner_id": ["P2"], "family_id": ["F2"], "episode_id": ["E3"],
        "role": ["taf_member"], "start_date": ["2023-07-15"], "end_date": [None]})], ignore_index=True)
    return f


@pytest.mark.parametrize("target", ["step_up_12m", "rereferral_12m"])
def test_no_leakage(target):
    at = "2023-07-01"
    base = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **needs_frames())
    changed = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **_perturb_after(needs_frames(), at))
    a = build_features(base, at, target, data_end=END)
    b = build_features(changed, at, target, data_end=END)
    pd.testing.assert_frame_equal(a.X, b.X)
    pd.testing.assert_frame_equal(a.ids, b.ids)
    pd.testing.assert_frame_equal(a.groups, b.groups)
    if target == "step_up_12m":
        # the labels do see the future: F2 now steps up, F1's referral still counts
        assert a.y.tolist() == [1, 0] and b.y.tolist() == [1, 1]


def test_extra_features(needs_ds):
    def open_referrals(snap, at, rows):
        assert snap.meta["snapshot_date"] == at
        return pd.DataFrame({"family_id": rows["family_id"], "my_feature": np.arange(len(rows), dtype=float)})

    fs = build_features(needs_ds, "2023-07-01", extra=[open_referrals], data_end=END)
    assert fs.X["my_feature"].tolist() == [0.0, 1.0]

    def missing_one(snap, at, rows):
        return pd.DataFrame({"x": [1.0]}, index=rows["family_id"].iloc[:1])

    with pytest.raises(earlyhelp.ValidationError, match="missing_one"):
        build_features(needs_ds, "2023-07-01", extra=[missing_one], data_end=END)

    def not_a_frame(snap, at, rows):
        return [1, 2]

    with pytest.raises(TypeError, match="DataFrame"):
        build_features(needs_ds, "2023-07-01", extra=[not_a_frame], data_end=END)
    with pytest.raises(TypeError):
        build_features(needs_ds, "2023-07-01", extra=["nope"], data_end=END)


def test_groups(needs_ds):
    fs = build_features(needs_ds, "2023-07-01", data_end=END)
    # F1's latest request by 2023-07-01 was about c1; F2's about c3
    assert fs.groups["ethnicity"].tolist() == ["WBRI", "APKN"]
    assert fs.groups["sex"].tolist() == ["M", "F"]
    assert fs.groups["locality_id"].tolist() == ["L1", "L1"]


@pytest.mark.parametrize("kwargs", [
    {"target": "escalation"}, {"horizon_days": 0}, {"lookback_days": -1}, {"horizon_days": 1.5},
    {"at": []}, {"at": "not a date"}, {"at": [None]},
])
def test_bad_arguments(needs_ds, kwargs):
    args = {"at": "2023-07-01", **kwargs}
    with pytest.raises(ValueError):
        build_features(needs_ds, data_end=END, **args)


def test_rereferral_closure_reason_features(needs_ds):
    fs = build_features(needs_ds, "2023-07-01", "rereferral_12m", data_end=END)
    assert fs.X.loc[0, "closed_outcomes_met"] == 1 and fs.X.loc[0, "closed_disengaged"] == 0
    assert "closed_outcomes_met" not in build_features(needs_ds, "2023-07-01", data_end=END).X.columns


def test_groups_keep_nothing_recorded_apart_from_a_recorded_unknown():
    # a blank ethnicity was labelled "unknown", merged with the families recorded as "unknown"
    frames = needs_frames()
    frames["persons"].loc[frames["persons"]["person_id"] == "c1", "ethnicity"] = "unknown"
    frames["persons"].loc[frames["persons"]["person_id"] == "c3", "ethnicity"] = None
    ds = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **frames)
    fs = build_features(ds, "2023-07-01", data_end=END)
    assert fs.groups["ethnicity"].tolist() == ["unknown", "(missing)"]
    assert set(fs.groups["disability"]) == {"(missing)"}  # the table has no disability column
    audit = earlyhelp.risk.fairness_audit(np.array([0, 1]), np.array([0.2, 0.6]), fs.groups[["ethnicity"]],
                                          min_positives=1)
    assert {"unknown", "(missing)"} <= set(audit["group"])
