"""The generated council: valid tables, reproducible, and the structure the field guide describes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, synthetic


def _assert_same(a: Dataset, b: Dataset) -> None:
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    for name in a.truth:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name], check_exact=True, obj=f"truth {name}")


def test_tables_validate(coventry, wolverhampton, small_england):
    for ds in (coventry, wolverhampton, small_england):
        assert ds.validate() is ds
        for name, frame in ds.tables.items():
            assert len(frame), f"{ds.meta['preset']}: empty {name}"


def test_same_seed_same_data():
    _assert_same(synthetic.council("coventry", years=2, scale=0.3, seed=11),
                 synthetic.council("coventry", years=2, scale=0.3, seed=11))


def test_different_seed_different_data():
    a = synthetic.council("coventry", years=2, scale=0.3, seed=11)
    b = synthetic.council("coventry", years=2, scale=0.3, seed=12)
    assert len(a.requests) != len(b.requests) or not a.requests["received_date"].equals(b.requests["received_date"])
    assert not np.array_equal(a.truth["families"]["latent_need"].to_numpy()[:100],
                              b.truth["families"]["latent_need"].to_numpy()[:100])


def test_england_does_not_depend_on_threads(small_england):
    one = synthetic.england(scale=0.02, seed=0, threads=1)
    _assert_same(one, small_england)
    assert synthetic.council("england", years=1, scale=0.02, seed=0).requests.equals(small_england.requests)


def test_england_shape(small_england):
    loc = small_england.localities
    assert loc["council_code"].nunique() == 153
    assert loc["region_code"].nunique() == 9
    per_council = loc.groupby("council_code", observed=True).size()
    assert per_council.between(4, 14).all()
    assert loc["child_population"].sum() == pytest.approx(12.0e6 * 0.02, rel=0.01)


def test_no_dates_after_the_extract(coventry):
    end = coventry.meta["end_date"]
    for name, frame in coventry.tables.items():
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]) and name != "persons":
                assert not (frame[column] > end).any(), f"{name}.{column}"


def test_seasonality_low_in_august_and_late_december(coventry):
    received = coventry.requests["received_date"]
    by_month = received.dt.month.value_counts().sort_index() / received.dt.month.nunique()
    mean = by_month.mean()
    assert by_month[8] < 0.8 * mean
    assert by_month[8] == by_month.min()
    late_dec = ((received.dt.month == 12) & (received.dt.day >= 21)).sum() / 11
    early_dec = ((received.dt.month == 12) & (received.dt.day <= 20)).sum() / 20
    assert late_dec < 0.6 * early_dec


def test_demand_follows_deprivation(coventry):
    loc = coventry.localities.set_index("locality_id")
    fam_loc = coventry.families.set_index("family_id")["locality_id"]
    per_child = (coventry.requests["family_id"].map(fam_loc).value_counts()
                 / loc["child_population"].astype(float)).astype(float)
    rho = pd.Series(per_child).corr(loc["deprivation"].astype(float), method="spearman")
    assert rho > 0.6


def test_wolverhampton_step_up_localities_close_fastest(wolverhampton):
    ep = wolverhampton.episodes.dropna(subset=["end_date"])
    names = wolverhampton.localities.set_index("locality_id")["name"]
    ep = ep.assign(name=ep["locality_id"].map(names), days=(ep["end_date"] - ep["start_date"]).dt.days,
                   up=(ep["end_reason"] == "step_up"))
    by = ep.groupby("name", observed=True).agg(days=("days", "median"), up=("up", "mean"))
    high = ["Bingley", "Children's Village", "Graiseley"]
    assert by.loc[high, "up"].mean() > by.drop(high)["up"].mean()
    assert by.loc[high, "days"].mean() < by.drop(high)["days"].mean()


def test_toxic_trio_needs_co_occur(coventry):
    needs = coventry.family_needs.assign(one=1).pivot_table(index="episode_id", columns="need", values="one",
                                                             aggfunc="max", fill_value=0, observed=True)
    corr = needs.corr()
    trio = ["domestic_abuse", "health", "substance_use"]
    for i, a in enumerate(trio):
        for b in trio[i + 1:]:
            assert corr.loc[a, b] > 0.1, (a, b, corr.loc[a, b])
    # ...more than needs driven by other things (children's ages).
    assert corr.loc["domestic_abuse", "substance_use"] > corr.loc["domestic_abuse", "education"] + 0.1


def test_truth_is_the_oracle_for_step_up(coventry):
    ep = coventry.episodes
    truth = coventry.truth["episodes"].set_index("episode_id")
    closed = ep[ep["end_date"].notna()]
    p = truth.loc[closed["episode_id"], "p_step_up"].to_numpy()
    up = (closed["end_reason"] == "step_up").to_numpy()
    # Observed step-ups match the expected count within 4 standard errors...
    assert abs(up.sum() - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())
    # ...and the truth ranks them well (AUC well above chance).
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(up, p) > 0.7


def test_truth_is_the_oracle_for_rereferral(coventry):
    ep, req = coventry.episodes, coventry.requests
    truth = coventry.truth["episodes"]
    end = coventry.meta["end_date"]
    applies = truth["rereferral_applies"].to_numpy() & (ep["end_date"] <= end - pd.Timedelta(days=366)).to_numpy(
        dtype=bool, na_value=False)
    closes = ep.loc[applies, ["episode_id", "family_id", "end_date"]]
    first = closes.merge(req[["family_id", "received_date"]], on="family_id")
    first = first[(first["received_date"] > first["end_date"])
                  & (first["received_date"] <= first["end_date"] + pd.Timedelta(days=365))]
    back = closes["episode_id"].isin(first["episode_id"]).to_numpy()
    p = truth.loc[applies, "p_rereferral_12m"].to_numpy()
    assert abs(back.sum() - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum()) + 0.02 * len(p)


def test_practitioners_have_tiers_fte_and_caseloads(coventry):
    pr = coventry.practitioners
    assert set(pr["tier"].dropna().unique()) >= {"frequent_modelling", "regular_promoting", "sometimes_active",
                                                  "occasional_aware"}
    assert pr["fte"].between(0, 1).all()
    assert (pr["caseload_capacity"] > 0).all()


def test_truth_kept_apart_from_council_tables(coventry):
    council_columns = {c for frame in coventry.tables.values() for c in frame.columns}
    assert not council_columns & {"p_step_up", "p_rereferral_12m", "latent_need", "engagement"}
    fam = coventry.truth["families"]
    # one truth row per modelled family, in family order (households known only to statutory services follow)
    assert fam["family_id"].equals(coventry.families["family_id"].iloc[:len(fam)])
    assert fam["p_step_up"].between(0, 1).all() and fam["p_rereferral_12m"].between(0, 1).all()


def test_agencies_are_named_in_words():
    """Names a report prints: 'Coventry domestic abuse service', never a code with underscores."""
    names = synthetic.council("coventry", years=1, scale=0.1, seed=0).agencies["name"].astype(str)
    assert not names.str.contains("_").any(), names[names.str.contains("_")].tolist()
    assert names.str.contains("children's social care").any()


def test_assessment_durations_have_a_tail(coventry):
    """Days to complete an assessment spread like a council's: most within the 45-day local
    standard, some over it (a fixed range of days put the pack's timeliness measure at 100%)."""
    a = coventry.assessments.dropna(subset=["completed"])
    days = (a["completed"] - a["started"]).dt.days
    assert (days >= 0).all()
    over = (days > 45).mean()
    assert 0.04 < over < 0.16, over
    assert 18 <= days.median() <= 30, days.median()
    assert (days < 10).mean() > 0.01
