"""Measures against counts made by hand on a small hand-made council (tests/measures/measures_council.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import measures
from measures_council import tiny_council

WINDOW = dict(start="2024-01-01", end="2024-06-30")


@pytest.fixture(scope="module")
def ds():
    return tiny_council()


def one(frame: pd.DataFrame, measure: str, column: str = "value") -> list:
    rows = frame[frame["measure"] == measure]
    return [None if pd.isna(v) else float(v) for v in rows[column]]


def test_catalogue_has_the_named_columns_and_measures():
    cat = measures.catalogue()
    for col in ("id", "title", "definition", "numerator", "denominator", "period_rule", "direction",
                "source_tables", "reference"):
        assert col in cat.columns
    assert len(cat) >= 25
    assert {"requests", "episodes_opened", "closed_within_16_weeks", "rereferrals_12m"} <= set(cat["id"])
    assert cat["id"].is_unique
    assert set(cat["direction"]) <= {"higher_is_better", "lower_is_better", "neither"}


def test_monthly_counts_by_hand(ds):
    r = measures.compute(ds, ["requests", "children_referred", "requests_mash_diversions", "episodes_opened",
                              "episodes_closed", "episodes_open", "step_ups", "step_downs", "assessments_started"],
                         **WINDOW)
    assert list(r["period"].unique()) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert one(r, "requests") == [2, 1, 2, 1, 1, 0]
    assert one(r, "children_referred") == [3, 1, 4, 1, 2, 0]
    assert one(r, "requests_mash_diversions") == [1, 1, 0, 0, 0, 0]
    assert one(r, "episodes_opened") == [2, 0, 2, 1, 0, 1]
    assert one(r, "episodes_closed") == [0, 1, 0, 0, 1, 0]
    # open at month end: E1 ends 17 Feb, E2 ends 31 May (not open at the end of May)
    assert one(r, "episodes_open") == [2, 1, 3, 4, 3, 4]
    assert one(r, "step_ups") == [0, 0, 0, 0, 1, 0]
    assert one(r, "step_downs") == [0, 0, 0, 1, 0, 0]
    assert one(r, "assessments_started") == [2, 0, 1, 0, 0, 0]


def test_proportions_by_hand(ds):
    r = measures.compute(ds, ["closed_within_16_weeks", "closed_over_20_weeks", "outcomes_met", "rereferrals_12m",
                              "families_two_plus_requests_12m", "request_conversion", "plans_timely",
                              "reviews_timely", "sf_outcomes_resolved", "sf_outcomes_sustained",
                              "episodes_partner_led", "voice_felt_welcomed"], **WINDOW)
    assert one(r, "closed_within_16_weeks") == [None, 1.0, None, None, 0.0, None]   # E1 40 days, E2 130
    assert one(r, "closed_over_20_weeks", "numerator") == [0, 0, 0, 0, 0, 0]        # E2 130 days <= 140
    assert one(r, "outcomes_met") == [None, 1.0, None, None, 0.0, None]
    # R4: F1 asks again 26 days after E1 closed (no episode open) -> re-referral; R7: F2's E2 still open
    assert one(r, "rereferrals_12m", "numerator") == [0, 0, 1, 0, 0, 0]
    assert one(r, "rereferrals_12m", "denominator") == [2, 1, 2, 1, 1, 0]
    # DfE rule on requests: R4 (F1 after R1) and R7 (F2 after R2)
    assert one(r, "families_two_plus_requests_12m", "numerator") == [0, 0, 1, 0, 1, 0]
    assert one(r, "request_conversion", "denominator") == [2, 1, 2, 0, 1, 0]        # R6 undecided
    assert one(r, "plans_timely") == [1.0, None, 0.0, 1.0, None, None]               # N2 39 days after start
    assert one(r, "reviews_timely") == [None, 1.0, 0.0, 1.0, 0.0, None]              # T2 late, T4 not held
    assert one(r, "sf_outcomes_resolved", "numerator")[1] == 2 and one(r, "sf_outcomes_resolved", "denominator")[1] == 3
    assert one(r, "sf_outcomes_sustained")[1] == 0.5
    assert one(r, "episodes_partner_led") == [0.0, None, 0.5, 1.0, None, 0.0]
    assert one(r, "voice_felt_welcomed") == [None, 1.0, None, None, None, 0.5]


def test_wilson_interval_matches_the_formula(ds):
    r = measures.compute(ds, ["episodes_partner_led"], **WINDOW)
    row = r[r["period"] == "2024-03"].iloc[0]
    k, n, z = 1, 2, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert row["lo"] == pytest.approx(centre - half) and row["hi"] == pytest.approx(centre + half)


def test_wilson_interval_holds_0_and_1_exactly_at_the_edges():
    # before: rounding gave lo = 5.6e-17 at k = 0 (n = 3) and hi = 0.9999999999999999 at k = n
    # (n = 10, 13, 25, ...): a measure of 0% or 100% lay outside its own interval
    from earlyhelp.measures.stats import wilson_interval
    from earlyhelp.risk.fairness import _wilson

    n = np.arange(1, 5001)
    lo, _ = wilson_interval(np.zeros_like(n), n)
    _, hi = wilson_interval(n, n)
    assert (lo == 0.0).all() and (hi == 1.0).all()
    z = 1.959963984540054
    assert all(_wilson(0, m, z)[0] == 0.0 and _wilson(m, m, z)[1] == 1.0 for m in range(1, 2001))
    inner_lo, inner_hi = wilson_interval(np.array([1]), np.array([2]))
    assert 0 < inner_lo[0] < 0.5 < inner_hi[0] < 1


def test_ratios_by_hand(ds):
    r = measures.compute(ds, ["caseload_per_practitioner", "caseload_per_team"], **WINDOW)
    # the council's practitioners W1 and W2 (1.5 FTE) and the episodes they lead (E1, E2, E4, E6);
    # the school's W3 (E3) and E5 (no lead practitioner) are left out
    assert one(r, "caseload_per_practitioner", "numerator") == [2, 1, 2, 2, 1, 2]
    assert one(r, "caseload_per_practitioner", "denominator") == [1.5] * 6
    assert one(r, "caseload_per_team") == [2, 1, 2, 2, 1, 2]


def test_sums_of_decimal_ftes_are_the_decimals_and_nobody_left_is_no_value(ds):
    """FTEs of 0.1 and 0.2 add to 0.3, not 0.30000000000000004, and once both have left the
    denominator is 0 (no value), not a residue of 1e-17 that makes the caseload 1e17."""
    p = ds.practitioners.assign(fte=[0.1, 0.2, 1.0], locality_id="L1",
                                end_date=pd.to_datetime(["2024-02-10", "2024-03-10", None]))
    monthly = measures.compute(ds.replace(practitioners=p), ["caseload_per_practitioner"], **WINDOW)
    assert one(monthly, "caseload_per_practitioner", "denominator") == [0.3, 0.2, 0, 0, 0, 0]
    assert one(monthly, "caseload_per_practitioner")[2:] == [None] * 4
    quarters = measures.compute(ds.replace(practitioners=p), ["caseload_per_practitioner"], period="quarter",
                                **WINDOW)
    assert one(quarters, "caseload_per_practitioner", "denominator") == [0, 0]


def test_by_locality_and_quarter(ds):
    r = measures.compute(ds, ["requests", "episodes_open"], period="quarter", by="locality", **WINDOW)
    q = r.set_index(["measure", "period", "locality"])["value"]
    # requests by the family's locality: North = F1, F2; South = F3, F4, F5
    assert q[("requests", "2024Q1", "North")] == 3 and q[("requests", "2024Q1", "South")] == 2
    assert q[("requests", "2024Q2", "North")] == 1 and q[("requests", "2024Q2", "South")] == 1
    # stock at the quarter end: 31 Mar North E2, E3; South E4
    assert q[("episodes_open", "2024Q1", "North")] == 2 and q[("episodes_open", "2024Q1", "South")] == 1
    rate = r.set_index(["measure", "period", "locality"])["rate_per_10k"]
    assert rate[("requests", "2024Q1", "South")] == pytest.approx(2 / 3000 * 1e4)


def test_financial_year_and_rolling(ds):
    fy = measures.compute(ds, ["requests"], period="financial_year", start="2023-04-01", end="2025-03-31")
    assert one(fy, "requests") == [5, 2] and list(fy["period"]) == ["2023-24", "2024-25"]
    roll = measures.compute(ds, ["requests"], period="rolling_12m", start="2023-07-01", end="2024-06-30")
    assert one(roll, "requests")[-1] == 7 and one(roll, "requests")[0] is None


def test_by_age_band_uses_the_requests_child(ds):
    r = measures.compute(ds, ["requests"], period="quarter", by="age_band", **WINDOW)
    q1 = r[r["period"] == "2024Q1"].set_index("age_band")["value"]
    # R1 P1 (4y), R2 P2 (13y), R3 P3 (8y), R4 P1 (4y), R5 P4 (0y)
    assert q1["1-4"] == 2 and q1["10-15"] == 1 and q1["5-9"] == 1 and q1["under 1"] == 1


def test_rereferrals_split_by_previous_lead_agency(ds):
    r = measures.compute(ds, ["rereferrals_12m"], period="quarter", by="lead_agency_type", **WINDOW)
    got = r[(r["period"] == "2024Q1") & (r["numerator"] > 0)]
    assert list(got["lead_agency_type"].astype(str)) == ["Council early help"]


def test_year_on_year_change_test():
    from earlyhelp.measures.stats import change_test

    # 30 vs 10 events: the conditional binomial test is decisive; 11 vs 10 is noise
    p = change_test(np.array([30.0, 11.0]), None, np.array([10.0, 10.0]), None, "count")
    assert p[0] < 0.01 and p[1] > 0.5


def test_proportion_change_test_is_fishers_and_holds_its_size():
    # before: a pooled z test, which flagged 5.7-6% of unchanged periods at 5% (n of 5 to 50)
    from scipy.stats import fisher_exact

    from earlyhelp.measures.stats import change_test

    k1, n1, k0, n0 = np.array([3, 0, 5, 12]), np.array([10, 0, 5, 40]), np.array([7, 2, 0, 30]), np.array([12, 4, 5, 41])
    p = change_test(k1, n1, k0, n0, "proportion")
    assert np.isnan(p[1])
    for i in (0, 2, 3):
        assert p[i] == pytest.approx(fisher_exact([[k1[i], n1[i] - k1[i]], [k0[i], n0[i] - k0[i]]])[1])
    rng = np.random.default_rng(0)
    for n, share in ((5, 0.3), (5, 0.5), (50, 0.5)):
        a, b = rng.binomial(n, share, 40_000), rng.binomial(n, share, 40_000)
        size = (change_test(a, np.full(a.size, n), b, np.full(b.size, n), "proportion") < 0.05).mean()
        assert size <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / a.size), (n, share, size)


def test_fisher_on_every_table_at_once_is_scipys():
    """The vectorised two-sided test gives scipy's p-value on every kind of table (small, large,
    zero and full rows, either side of the mode): England's pack calls it on 20,000 tables."""
    from scipy.stats import fisher_exact

    from earlyhelp.measures.stats import change_test

    rng = np.random.default_rng(1)
    size = 3000
    n1, n0 = rng.integers(1, 400, size), rng.integers(1, 400, size)
    small = rng.random(size) < 0.4
    n1[small], n0[small] = rng.integers(1, 7, small.sum()), rng.integers(1, 7, small.sum())
    share = rng.random(size) ** 2
    k1 = rng.binomial(n1, share)
    k0 = rng.binomial(n0, np.clip(share + rng.normal(0, 0.1, size), 0, 1))
    k1[:20], k0[:20] = 0, 0
    k1[20:40], k0[20:40] = n1[20:40], n0[20:40]
    k1 = np.r_[k1, 12_000, 5]
    n1, k0, n0 = np.r_[n1, 40_000, 5], np.r_[k0, 12_500, 0], np.r_[n0, 40_000, 5]
    p = change_test(k1, n1, k0, n0, "proportion")
    want = [fisher_exact([[a, n - a], [b, m - b]])[1] for a, n, b, m in zip(k1, n1, k0, n0)]
    np.testing.assert_allclose(p, want, rtol=1e-12, atol=0)


def test_missing_table_names_it_and_the_others_compute():
    ds = tiny_council(plans=True, taf_reviews=True)
    with pytest.warns(measures.MeasuresBlockedWarning, match="plans .* blocks plans_timely"):
        r = measures.compute(ds, ["requests", "plans_timely", "reviews_timely"], **WINDOW)
    assert set(r["measure"].astype(str)) == {"requests"}
    assert "plans" in r.attrs["blocked"]["plans_timely"]
    assert "taf_reviews" in r.attrs["blocked"]["reviews_timely"]


def test_missing_column_names_it():
    ds = tiny_council()
    ep = ds.episodes.assign(level=pd.array([pd.NA] * len(ds.episodes), dtype="Int64"))
    ds2 = ds.replace(episodes=ep)
    with pytest.warns(measures.MeasuresBlockedWarning, match="episodes.level"):
        r = measures.compute(ds2, ["level_2_share", "episodes_opened"], **WINDOW)
    assert "episodes.level" in r.attrs["blocked"]["level_2_share"]
    assert (r["measure"] == "episodes_opened").any()



def test_code_column_left_out_blocks_its_measures_not_zero():
    """An extract without the contact source or route loads them as 'unknown': the measures that
    count by them are blocked, not published as 0 (no partner requests, no MASH diversions)."""
    ds = tiny_council()
    frames = {name: ds[name] for name in ds.tables}
    frames["requests"] = frames["requests"].drop(columns=["source", "route"])
    ds2 = type(ds).from_frames(as_of="2024-12-31", **frames)
    assert set(ds2.requests["source"].astype(str)) == {"unknown"}
    wanted = ["requests", "requests_from_partners", "requests_mash_diversions"]
    with pytest.warns(measures.MeasuresBlockedWarning, match="requests.source"):
        r = measures.compute(ds2, wanted, **WINDOW)
    assert set(r["measure"].astype(str)) == {"requests"}
    for mid, column in (("requests_from_partners", "source"), ("requests_mash_diversions", "route")):
        assert f"requests.{column}" in r.attrs["blocked"][mid]
        assert "all 'unknown'" in r.attrs["blocked"][mid]
    # one recorded value is enough: then the others are counted as unknown, as before
    frames["requests"] = frames["requests"].assign(source=["2A"] + ["unknown"] * (len(frames["requests"]) - 1))
    r = measures.compute(type(ds).from_frames(as_of="2024-12-31", **frames), ["requests_from_partners"], **WINDOW)
    assert (r["measure"] == "requests_from_partners").any()

def test_unknown_ids_periods_dimensions(ds):
    with pytest.raises(ValueError, match="valid measures: .*requests"):
        measures.compute(ds, ["requests", "no_such"])
    with pytest.raises(ValueError, match="valid periods: month, quarter"):
        measures.compute(ds, period="week")
    with pytest.raises(ValueError, match="valid dimensions: locality"):
        measures.compute(ds, by="colour")


def test_custom_measure_from_spec(ds, tmp_path):
    spec = dict(id="closed_within_6_weeks", title="Closed within 6 weeks", source="episodes", date="end_date",
                kind="proportion", numerator="closed and duration_days <= 42", denominator="closed",
                direction="higher_is_better")
    r = measures.compute(ds, [spec], **WINDOW)
    assert one(r, "closed_within_6_weeks") == [None, 1.0, None, None, 0.0, None]
    toml = tmp_path / "m.toml"
    toml.write_text('[[measures]]\nid = "young_carer_referrals_accepted"\ntitle = "x"\nsource = "service_referrals"\n'
                    'date = "referral_date"\nnumerator = "service == \'young_carers\'"\n')
    added = measures.load_measures_toml(toml)
    try:
        r = measures.compute(ds, ["young_carer_referrals_accepted"], **WINDOW)
        assert one(r, "young_carer_referrals_accepted") == [1, 0, 0, 1, 0, 0]
    finally:
        measures.unregister(added[0].id)
    with pytest.raises(ValueError, match="unknown keys"):
        measures.measure_from_spec(dict(id="x", title="x", source="episodes", date="end_date", colour="red"))


def test_lookback_periods_are_marked_incomplete(ds):
    r = measures.compute(ds, ["rereferrals_12m", "requests"], period="quarter", **WINDOW)
    # the data start on 8 January 2024: no quarter of 2024 can see 12 months back, and the first
    # quarter holds a week before the data
    assert not r.loc[r["measure"] == "rereferrals_12m", "complete"].any()
    assert r.loc[r["measure"] == "requests", "complete"].tolist() == [False, True]


def test_no_year_on_year_change_against_months_before_the_data():
    """The year before a synthetic council's window holds no data, not zero requests: no change
    and no test against it (it used to report every first-year month as a significant rise)."""
    import earlyhelp

    council = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=0)
    # asked from a year before the data begin (as the monthly pack asks, for its comparisons)
    r = measures.compute(council, ["requests", "episodes_open", "closed_within_16_weeks"], start="2022-04-01",
                         end="2025-03-31")
    first_year = r["period_start"] < pd.Timestamp("2024-04-01")
    assert r.loc[first_year, ["previous", "change", "change_p"]].isna().all().all()
    assert r.loc[first_year, "change_significant"].isna().all()
    assert not r.loc[r["period_start"] < pd.Timestamp("2023-04-01"), "complete"].any()
    second = r[~first_year & (r["measure"] == "requests")]
    assert second["previous"].gt(0).all() and second["change_p"].notna().all()


def test_caseload_per_practitioner_needs_the_early_help_service(ds):
    """Without practitioners of the council's Early Help service the caseload has no denominator:
    the measure is blocked with the reason, not published as empty."""
    frames = {name: ds[name].copy() for name in ds.tables}
    frames["agencies"]["agency_type"] = frames["agencies"]["agency_type"].astype(str).replace("la_early_help", "vcs")
    other = earlyhelp.Dataset.from_frames(**frames)
    with pytest.warns(measures.MeasuresBlockedWarning, match="la_early_help"):
        r = measures.compute(other, ["caseload_per_practitioner", "requests"], **WINDOW)
    assert set(r["measure"].astype(str)) == {"requests"}
    assert "caseload_per_practitioner" in r.attrs["blocked"]
