"""build_features: missing birth dates and localities get their own indicators and are counted;
n_requests counts family requests; one locality rule shared with expected_step_ups; a cut-off
before the data is refused and an empty FeatureSet keeps its columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, risk, synthetic

AT = pd.Timestamp("2022-06-30")


@pytest.fixture(scope="module")
def council():
    ds = synthetic.council("coventry", years=3, scale=0.2, seed=3)
    return ds, risk.build_features(ds, AT)


def _copy(ds):
    return {k: v.copy() for k, v in ds.tables.items()}


def test_children_without_birth_dates_are_not_no_child(council):
    ds, fs = council
    i = int(np.flatnonzero(fs.X["n_children"].to_numpy() >= 2)[0])
    fid = fs.ids["family_id"].iloc[i]
    tables = _copy(ds)
    m = tables["family_members"]
    kids = m.loc[(m.family_id == fid) & (m.role == "child"), "person_id"]
    tables["persons"].loc[tables["persons"].person_id.isin(kids), "birth_date"] = pd.NaT
    fs2 = risk.build_features(Dataset(tables, meta=ds.meta), AT)
    row = fs2.X[(fs2.ids["family_id"] == fid).to_numpy()].iloc[0]
    assert row["n_children"] >= 2 and row["no_child_recorded"] == 0 and row["child_age_unknown"] == 1
    assert fs.X["child_age_unknown"].sum() == 0
    counts = fs2.imputed.set_index("reason")["families"]
    assert counts["child_age_unknown"] == 1
    assert "child_age_unknown" in fs2.feature_info["child_under_5"]
    # no_child_recorded means no child
    np.testing.assert_array_equal(fs2.X["no_child_recorded"], (fs2.X["n_children"] == 0).astype(float))


def test_family_without_locality_is_not_the_reference_locality(council):
    ds, fs = council
    fid = fs.ids["family_id"].iloc[0]
    tables = _copy(ds)
    tables["families"].loc[tables["families"].family_id == fid, "locality_id"] = None
    tables["episodes"].loc[tables["episodes"].family_id == fid, "locality_id"] = None
    fs2 = risk.build_features(Dataset(tables, meta=ds.meta), AT)
    rows = (fs2.ids["family_id"] == fid).to_numpy()
    assert fs2.X.loc[rows, "no_locality_recorded"].tolist() == [1.0]
    assert fs2.X.loc[~rows, "no_locality_recorded"].sum() == 0
    assert fs.X["no_locality_recorded"].sum() == 0
    assert fs2.imputed.set_index("reason").loc["no_locality_recorded", "families"] == 1
    assert "no_locality_recorded" in fs2.feature_info["deprivation"]


def test_n_requests_counts_family_requests(council):
    ds, fs = council
    tables = _copy(ds)
    m, rq = tables["family_members"], tables["requests"]
    for fid in fs.ids["family_id"]:
        kids = m.loc[(m.family_id == fid) & (m.role == "child"), "person_id"].tolist()
        r = rq[(rq.family_id == fid) & (rq.received_date <= AT)]
        if len(kids) >= 2 and len(r):
            break
    row = r.iloc[[0]].copy()
    row["request_id"] = row["request_id"].astype(str) + "-sib"
    row["person_id"] = [k for k in kids if k != row.person_id.iloc[0]][0]
    tables["requests"] = pd.concat([rq, row], ignore_index=True)
    ds2 = Dataset(tables, meta=ds.meta)
    fs2 = risk.build_features(ds2, AT)
    before = fs.X.loc[(fs.ids.family_id == fid).to_numpy(), "n_requests"].iloc[0]
    after = fs2.X.loc[(fs2.ids.family_id == fid).to_numpy(), "n_requests"].iloc[0]
    fr = ds2.family_requests()
    assert after == before == ((fr.family_id == fid) & (fr.date <= AT)).sum()


def test_expected_step_ups_places_families_as_build_features_does(council):
    ds, fs0 = council
    tables = _copy(ds)
    moved = fs0.ids["family_id"].iloc[:5].tolist()
    tables["families"].loc[tables["families"].family_id.isin(moved), "locality_id"] = None
    ds2 = Dataset(tables, meta=ds.meta)
    fs = risk.build_features(ds2, AT)
    per_locality = fs.groups["locality_id"].value_counts().sort_index()
    for scores in (fs.ids.assign(p=0.1), fs.ids[["family_id"]].assign(p=0.1)):
        e = risk.expected_step_ups(scores, ds2)
        assert "unknown" not in set(e["locality_id"])
        assert e.set_index("locality_id")["families"].sort_index().to_dict() == per_locality.to_dict()
        assert e.locality_from_episode == 5 and e.no_locality == 0
    assert fs.imputed.set_index("reason").loc["locality_from_episode", "families"] == 5


def test_cut_off_before_the_data_is_refused_and_empty_sets_keep_columns(council):
    ds, fs = council
    for at in ("2000-01-01", ["2000-01-01", "2022-06-30"]):
        with pytest.raises(ValidationError, match="build_features.at.*before the data start"):
            risk.build_features(ds, at)
    late = risk.build_features(ds, "2030-01-01")
    assert len(late) == 0 and list(late.X.columns) == list(fs.X.columns)
