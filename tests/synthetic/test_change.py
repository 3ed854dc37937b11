"""Councils that change: level shifts over the years, the 2020 lockdown dip and rebound in
school-sourced requests, school-term seasonality, overdispersion between localities and
months, children who age over the window, and everything recorded in ds.truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from earlyhelp import synthetic

SCHOOL_SOURCES = ("2A", "2B")


@pytest.fixture(scope="module")
def coventry6():
    return synthetic.council("coventry", years=6, seed=4)


def _monthly(ds, mask=None):
    rq = ds.requests if mask is None else ds.requests[mask]
    fam_loc = ds.families.set_index("family_id")["locality_id"]
    frame = pd.DataFrame({"month": rq["received_date"].dt.to_period("M"),
                          "locality": rq["family_id"].map(fam_loc).astype(str)})
    return frame.groupby(["locality", "month"]).size().rename("n").reset_index()


def test_truth_records_the_parameters(coventry6):
    truth = coventry6.truth
    change = truth["change"]
    assert list(change["council_code"]) == ["E08000026"]
    assert change.loc[0, "reference_year"] == 2024 and bool(change.loc[0, "lockdown"])
    years = truth["years"].set_index("year")
    assert years.loc[2024, "request_level"] / years.loc[2023, "request_level"] > 1.2
    lm = truth["locality_months"]
    assert len(lm) == 8 * lm["month_start"].nunique()
    assert lm["expected_arrivals"].gt(0).all()
    # random effects recorded: gamma effects vary, with mean about 1
    assert 0.85 < lm["month_effect"].mean() < 1.15 and lm["month_effect"].std() > 0.15


def test_year_on_year_change(coventry6):
    rq = coventry6.requests
    by_year = rq.groupby(rq["received_date"].dt.year).size()
    assert by_year[2024] / by_year[2023] > 1.15
    # a trend over the years: requests a month against time, quasi-Poisson (overdispersion allowed)
    monthly = rq.groupby(rq["received_date"].dt.to_period("M")).size()
    frame = pd.DataFrame({"n": monthly.to_numpy(), "t": np.arange(len(monthly)) / 12.0,
                          "m": [p.month for p in monthly.index]})
    fit = smf.glm("n ~ t + C(m)", frame, family=sm.families.Poisson()).fit(scale="X2")
    assert fit.params["t"] > 0 and fit.pvalues["t"] < 0.01
    # outcomes met share up in 2024 (Coventry Early Help report: 54%, up 17% on 2023)
    ep = coventry6.episodes
    closed = ep[ep["end_date"].notna()]
    share = closed.groupby(closed["end_date"].dt.year)["end_reason"].apply(lambda r: (r == "outcomes_met").mean())
    assert share[2024] / share[2023] > 1.08


def test_counts_are_overdispersed(coventry6):
    counts = _monthly(coventry6)
    counts = counts[(counts["month"] > counts["month"].min()) & (counts["month"] < counts["month"].max())]
    counts = counts.assign(month=counts["month"].astype(str))
    fit = smf.glm("n ~ C(locality) + C(month)", counts, family=sm.families.Poisson()).fit()
    ratio = fit.pearson_chi2 / fit.df_resid
    print(f"Pearson chi2/df after locality and month effects: {ratio:.2f}")
    assert ratio > 1.5


def test_lockdown_dip_and_school_terms(coventry6):
    rq = coventry6.requests
    school = rq["source"].isin(SCHOOL_SOURCES).to_numpy()
    month = rq["received_date"].dt.to_period("M")

    def count(mask, months):
        return int((mask & month.isin(pd.PeriodIndex(months, freq="M")).to_numpy()).sum())

    spring = lambda y: [f"{y}-04", f"{y}-05", f"{y}-06"]  # noqa: E731
    autumn = lambda y: [f"{y}-09", f"{y}-10"]  # noqa: E731
    # school-sourced requests fell in the first lockdown, other sources much less
    assert count(school, spring(2020)) < 0.6 * count(school, spring(2022))
    assert count(~school, spring(2020)) > 0.8 * count(~school, spring(2022))
    # and rebounded when schools reopened
    assert count(school, autumn(2020)) > 1.1 * count(school, autumn(2022)) * 0.74 / 0.78
    # August is the low month for schools, not for others
    aug = month.dt.month.to_numpy() == 8
    school_share_aug = school[aug].mean()
    school_share_term = school[np.isin(month.dt.month.to_numpy(), [3, 5, 6, 11])].mean()
    assert school_share_aug < 0.35 * school_share_term


def test_children_age_over_the_window(coventry6):
    ds = coventry6
    members = ds.family_members[ds.family_members["role"] == "child"]
    births = ds.persons.set_index("person_id")["birth_date"]
    # children join at birth and leave at 18 within the window
    assert members["valid_from"].notna().sum() > 100 and members["valid_to"].notna().sum() > 100
    dated = members[members["valid_from"].notna()]
    birth = births.loc[dated["person_id"]].to_numpy()
    assert (dated["valid_from"].to_numpy() >= birth).all()
    assert (dated["valid_from"].to_numpy() == birth).mean() > 0.5  # the rest: children shared with another family
    # a request names a child aged 0-17 on the day it was received (or, in a family whose
    # only children are not born yet, the coming baby: as midwives refer before birth)
    rq = ds.requests
    age = (rq["received_date"] - births.loc[rq["person_id"]].to_numpy()).dt.days / 365.25
    assert (age >= -1).mean() > 0.999 and (age >= 0).mean() > 0.97 and (age < 18).mean() > 0.995
    # so a family's children at a date change over the years
    at = [pd.Timestamp("2019-06-01"), pd.Timestamp("2024-06-01")]
    counts = []
    for d in at:
        valid = ((members["valid_from"].isna() | (members["valid_from"] <= d))
                 & (members["valid_to"].isna() | (members["valid_to"] >= d)))
        counts.append(members[valid.to_numpy()].groupby("family_id").size())
    both = pd.concat(counts, axis=1).fillna(0)
    assert (both.iloc[:, 0] != both.iloc[:, 1]).mean() > 0.1


def test_seeds_reproducible():
    a = synthetic.council("coventry", years=2, scale=0.2, seed=11)
    b = synthetic.council("coventry", years=2, scale=0.2, seed=11)
    c = synthetic.council("coventry", years=2, scale=0.2, seed=12)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.truth["locality_months"], b.truth["locality_months"])
    assert not a.truth["locality_months"]["month_effect"].equals(c.truth["locality_months"]["month_effect"])
