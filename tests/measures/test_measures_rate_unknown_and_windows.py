"""The council's rate with a locality's children unknown, windows and data that start or
end mid-month, caseloads counted where the teams and staff are, Making Data Count's 2.66, and the
period the variation icon describes."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError, measures
from earlyhelp.measures import spc
from measures_council import tiny_council


def compute(ds, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", measures.MeasuresBlockedWarning)
        return measures.compute(ds, *args, **kwargs)


def series(r: pd.DataFrame, measure: str, column: str = "value", **where) -> pd.Series:
    out = r[r["measure"] == measure]
    for key, value in where.items():
        out = out[out[key].astype(str) == value]
    return out.set_index(out["period"].astype(str))[column]


def with_population(ds, populations, names=None):
    loc = ds.localities.copy()
    if names is not None:   # a third locality, East, with no families
        loc = pd.concat([loc, loc.iloc[[0]].assign(locality_id="L3", name="East")], ignore_index=True)
    loc["child_population"] = pd.array(populations, dtype="Int64")
    return ds.replace(localities=loc)


# -- 1. the council's rate per 10,000 with a locality's children unknown -----------------------

@pytest.mark.parametrize("north", [None, 0])
def test_council_rate_has_no_value_when_a_localitys_children_are_unknown(north):
    """North's population missing (or 0 while its families make requests): the council's 7
    requests used to be divided by South's 3,000 children alone, a rate of 23.3 not 17.5."""
    ds = with_population(tiny_council(), [north, 3000])
    with pytest.warns(measures.PopulationUnknownWarning, match="child_population.*North"):
        r = compute(ds, ["requests", "episodes_open"], period="financial_year", start="2024-04-01",
                    end="2025-03-31")
    assert r["rate_per_10k"].isna().all()
    assert "North" in r.attrs["no_rate"]["requests"] and set(r.attrs["no_rate"]) == {"requests", "episodes_open"}
    by = compute(ds, ["requests"], period="financial_year", by="locality", start="2024-04-01", end="2025-03-31")
    assert series(by, "requests", "rate_per_10k", locality="South").iloc[0] == pytest.approx(1 / 3000 * 1e4)


def test_a_locality_of_no_children_and_no_events_leaves_the_council_rate():
    ds = with_population(tiny_council(), [1000, 3000, 0], names=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", measures.PopulationUnknownWarning)
        r = compute(ds, ["requests"], period="financial_year", start="2023-04-01", end="2024-03-31")
    assert r["rate_per_10k"].iloc[0] == pytest.approx(5 / 4000 * 1e4) and r.attrs["no_rate"] == {}


# -- 2. windows and data that start or end mid-month --------------------------------------------

def test_a_window_from_mid_month_counts_only_its_days_and_its_part_months_are_not_complete():
    """Requests on 5 Jan (before), 20 Jan, 10 Feb, 15 Mar, 20 Mar (after): whole months were
    counted (2, 1, 2) and marked complete."""
    r = compute(tiny_council(), ["requests", "episodes_open"], start="2024-01-10", end="2024-03-16")
    assert series(r, "requests").tolist() == [1, 1, 1]
    assert series(r, "requests", "complete").tolist() == [False, True, False]
    # open on 16 March: E2 and E3 (started that day), not E4 (21 March)
    assert series(r, "episodes_open").loc["2024-03"] == 2
    q = compute(tiny_council(), ["requests"], period="quarter", start="2024-01-01", end="2024-05-15")
    assert series(q, "requests").tolist() == [5, 1] and series(q, "requests", "complete").tolist() == [False, False]
    with pytest.raises(ValueError, match="before start"):
        compute(tiny_council(), ["requests"], start="2024-03-20", end="2024-03-10")


def test_a_12_month_window_past_a_mid_month_end_has_no_value():
    r = compute(tiny_council(), ["requests"], period="rolling_12m", start="2023-07-01", end="2024-06-15")
    last = r.iloc[-1]
    assert last["period"] == "12 months to 2024-06" and np.isnan(last["value"]) and not last["complete"]


def test_data_that_begin_mid_month_leave_that_month_incomplete_and_uncompared():
    """Requests from 15 April (episodes open at the extract date began earlier): April was a whole
    month, and the previous of the April a year on."""
    import earlyhelp

    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=0)
    fifteenth = pd.Timestamp(ds.meta["window_start"]) + pd.Timedelta(days=14)
    cut = ds.replace(requests=ds.requests[ds.requests["received_date"] >= fifteenth])
    cut.meta = {}
    r = compute(cut, ["requests"])
    first = pd.Timestamp(ds.meta["window_start"]).strftime("%Y-%m")
    a_year_on = (pd.Timestamp(ds.meta["window_start"]) + pd.DateOffset(years=1)).strftime("%Y-%m")
    assert not series(r, "requests", "complete").loc[first]
    assert series(r, "requests", "complete").iloc[1:].all()
    assert np.isnan(series(r, "requests", "previous").loc[a_year_on])


def test_data_that_end_on_a_months_last_day_leave_it_whole():
    ds = tiny_council()
    episodes = ds.episodes.copy()
    episodes.loc[episodes["episode_id"] == "E3", "end_date"] = pd.Timestamp("2024-08-31")
    r = compute(ds.replace(episodes=episodes), ["requests"], start="2024-07-01", end="2024-08-31")
    assert series(r, "requests", "complete").tolist() == [True, True]
    assert series(compute(ds, ["requests"], start="2024-07-01", end="2024-08-31"), "requests",
                  "complete").tolist() == [True, False]        # the data end on 13 August


# -- 3. caseloads by locality: episodes where the teams and staff are ----------------------------

def test_caseloads_by_locality_count_episodes_where_the_lead_team_and_practitioner_are_based():
    """E4's family lives in South; give it W1 (based in North) as lead practitioner. Open at the
    end of April: E2 (North family, W1), E4 (South family, W1), both led by the North team G1."""
    ds = tiny_council()
    episodes = ds.episodes.copy()
    episodes.loc[episodes["episode_id"] == "E4", "lead_practitioner_id"] = "W1"
    ds = ds.replace(episodes=episodes)
    ids = ["caseload_per_team", "caseload_per_practitioner"]
    r = compute(ds, ids, by="locality", start="2024-04-01", end="2024-04-30")
    assert series(r, "caseload_per_team", "numerator", locality="North").iloc[0] == 2
    assert series(r, "caseload_per_team", "numerator", locality="South").iloc[0] == 0
    # North: W1 (1.0 FTE; W3 is a school's); South: W2 (0.5 FTE) leads none now
    assert series(r, "caseload_per_practitioner", locality="North").iloc[0] == pytest.approx(2.0)
    assert series(r, "caseload_per_practitioner", locality="South").iloc[0] == 0
    council = compute(ds, ids, start="2024-04-01", end="2024-04-30")
    for mid in ids:
        assert r.loc[r["measure"] == mid, "numerator"].sum() == series(council, mid, "numerator").iloc[0]
    assert "lead practitioner is based" in measures.get("caseload_per_practitioner").definition


def test_locality_of_a_lead_needs_the_episodes_source():
    with pytest.raises(ValidationError, match="locality_of"):
        compute(tiny_council(), [dict(id="x", title="x", source="requests", date="received_date",
                                      locality_of="lead_team")])
    with pytest.raises(ValidationError, match="locality_of"):
        measures.measure_from_spec(dict(id="x", title="x", source="episodes", date="start_date", locality_of="team"))


# -- 4. XmR limits at 2.66 mean moving ranges ----------------------------------------------------

def test_a_point_between_3_over_1_128_and_2_66_mean_moving_ranges_is_inside_the_limits():
    base = [10, 12, 9, 11, 10, 13, 9, 10, 12, 11, 10]

    def over(y, k):
        v = np.array(base + [y], float)
        return y - (v.mean() + k * np.abs(np.diff(v)).mean())
    from scipy.optimize import brentq
    y = (brentq(over, 10, 100, args=(3 / 1.128,)) + brentq(over, 10, 100, args=(2.66,))) / 2
    chart = spc.xmr(pd.Series(base + [y]))
    assert not chart["beyond_limits"].iloc[-1]
    assert spc.LIMIT == 2.66 and spc.NEAR == pytest.approx(2 / 3 * 2.66)


# -- 5. the period the variation icon describes --------------------------------------------------

def test_the_variation_icon_says_which_period_it_reads():
    s = pd.Series([10.0, 11, 10, 11, 10, 11, 10, 11, 10, 30, np.nan],
                  index=pd.period_range("2024-01", periods=11, freq="M"))
    chart = spc.xmr(s)
    assert spc.variation_period(chart) == pd.Period("2024-10", "M")      # not the hidden November
    assert spc.variation(chart, "higher_is_better") == "special_cause_improvement_high"
    assert spc.variation_period(spc.xmr(pd.Series([np.nan, np.nan]))) is None
    frame = pd.DataFrame({"measure": "requests", "period": s.index.astype(str), "value": s.to_numpy()})
    assert spc.variation_summary(frame)["latest_period"].iloc[0] == "2024-10"
