"""Awkward input a user will send: extracts without closed episodes, conditions that divide by
zero or misspell a code, time-zoned or numeric window bounds, sums of weights, SPC on rolling
windows and misspelt directions. Each test failed before its fix."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import earlyhelp
from earlyhelp import measures
from earlyhelp.measures.sources import days
from earlyhelp.measures.spc import assurance, variation, variation_summary
from earlyhelp.measures.stats import change_test, weighted_poisson_interval
from measures_council import tiny_council

WINDOW = dict(start="2024-01-01", end="2024-06-30")


@pytest.fixture(scope="module")
def ds():
    return tiny_council()


def quiet(ds, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", measures.MeasuresBlockedWarning)
        return measures.compute(ds, *args, **kwargs)


def spec(numerator: str, **kw) -> dict:
    out = dict(id="custom", title="Custom", definition="a user's measure", source="episodes", date="start_date",
               kind="count", numerator=numerator)
    out.update(kw)
    return out


def refit(base: earlyhelp.Dataset, **frames) -> earlyhelp.Dataset:
    """The tiny council's people and places with these event tables."""
    keep = {name: base[name] for name in ("localities", "families", "persons", "family_members", "agencies",
                                          "practitioners", "requests")}
    keep.update(frames)
    return earlyhelp.Dataset.from_frames(as_of="2024-12-31", **keep)


def test_requests_when_no_episode_has_closed(ds):
    """Every episode still open (or no episodes at all, a front-door extract): the requests
    source looked up the previous closed episode in an empty array and raised IndexError, so
    not even the count of requests could be computed."""
    episodes = ds["episodes"].copy()
    episodes["end_date"] = pd.NaT
    episodes["end_reason"] = pd.NA
    for data in (refit(ds, episodes=episodes), refit(ds)):
        r = quiet(data, ["requests", "request_conversion", "rereferrals_12m"], **WINDOW)
        got = r[r["measure"] == "requests"]["value"].tolist()
        assert got[:5] == [2, 1, 2, 1, 1]    # June: 0, or no figure when the data end in May
        # with no closed episode a re-referral cannot be seen: blocked, not 0%
        assert "rereferrals_12m" in r.attrs["blocked"]
        assert "episodes" in r.attrs["blocked"]["rereferrals_12m"]


def test_division_by_zero_in_a_condition_is_missing_not_infinite(ds):
    """'duration_days / 0 > 1' was true on every closed episode (x / 0 is infinity)."""
    r = quiet(ds, [spec("duration_days / 0 > 1", date="end_date")], **WINDOW)
    assert r["numerator"].sum() == 0
    r = quiet(ds, [spec("closed and duration_days / (duration_days - duration_days) >= 0", date="end_date")],
              **WINDOW)
    assert r["numerator"].sum() == 0
    # a divisor that is not 0 still divides
    r = quiet(ds, [spec("closed and duration_days / 7 > 16", date="end_date")], **WINDOW)
    assert r["numerator"].sum() == 1      # E2, 130 days, closed in May (E3 closes after the window)


def test_comparison_with_none_asks_whether_missing(ds):
    """'end_reason == None' was never true and '!= None' always (pandas), though 'in [None]'
    found the missing values: the same question gave two answers."""
    closed = quiet(ds, [spec("closed")], start="2024-01-01", end="2024-08-31")["numerator"].sum()
    open_ = quiet(ds, [spec("end_reason == None")], start="2024-01-01", end="2024-08-31")["numerator"].sum()
    listed = quiet(ds, [spec("end_reason in [None]")], start="2024-01-01", end="2024-08-31")["numerator"].sum()
    recorded = quiet(ds, [spec("duration_days != None")], start="2024-01-01", end="2024-08-31")["numerator"].sum()
    assert open_ == listed == 3              # E4, E5, E6 have no end reason
    assert recorded == closed == 3
    r = quiet(ds, [spec("duration_days > None")], **WINDOW)
    assert r.empty and "None" in r.attrs["blocked"]["custom"]


def test_misspelt_code_is_refused_not_a_silent_zero(ds):
    for condition in ("end_reason == 'outcome_met'", "'outcome_met' == end_reason",
                      "end_reason in ['outcomes_met', 'outcome_met']"):
        r = quiet(ds, [spec(condition)], **WINDOW)
        assert r.empty, condition
        why = r.attrs["blocked"]["custom"]
        assert "'outcome_met'" in why and "outcomes_met" in why and "not a code" in why
    r = quiet(ds, [spec("end_reason == 'outcomes_met'", date="end_date")], **WINDOW)
    assert r["numerator"].sum() == 1         # E1


def test_time_zoned_window_bounds_keep_the_councils_date(ds):
    """1 July 00:00 BST is 30 June 23:00 UTC: the window began in June."""
    start = pd.Timestamp("2024-04-01", tz="Europe/London")
    end = pd.Timestamp("2024-06-01", tz="Europe/London")
    r = quiet(ds, ["requests"], start=start, end=end)
    assert r["period"].astype(str).tolist() == ["2024-04", "2024-05", "2024-06"]
    r = quiet(ds, ["requests"], start="2024-04-01T00:00:00+01:00", end="2024-06-01")
    assert r["period"].astype(str).tolist()[0] == "2024-04"


def test_days_of_time_zoned_dates_are_the_local_days():
    dates = pd.Series(pd.to_datetime(["2024-07-01", "2024-01-01", None]).tz_localize("Europe/London"))
    got = days(dates)
    assert got[:2].tolist() == days(pd.Series(["2024-07-01", "2024-01-01"])).tolist()
    assert got[2] < -10 ** 9   # missing


@pytest.mark.parametrize("bound", [2024, 2024.0, np.int64(2024)])
def test_a_number_is_not_a_window_bound(ds, bound):
    """pd.Timestamp(2024) is 2024 ns after 1970: the window ran from January 1970."""
    with pytest.raises(earlyhelp.ValidationError, match="start.*is a number"):
        measures.compute(ds, ["requests"], start=bound)


def test_children_referred_interval_counts_the_children_per_request(ds):
    """A sum of children is not a Poisson count: January's 3 children come from 2 requests (1 and 2
    children). The exact Poisson interval of 3 was too narrow; the Fay-Feuer interval takes the
    variance as the sum times the council's dispersion of the weights (squared over plain, over
    every request: 21/11; the month's own squares, 1 + 4, would tell how many requests it holds)
    and the largest weight (3 children)."""
    r = quiet(ds, ["children_referred"], **WINDOW).set_index("period")
    jan = r.loc["2024-01"]
    y, v, w = 3.0, 3.0 * 21 / 11, 3.0
    assert jan["value"] == y
    assert jan["lo"] == pytest.approx(stats.gamma.ppf(0.025, y * y / v, scale=v / y))
    assert jan["hi"] == pytest.approx(stats.gamma.ppf(0.975, (y + w) ** 2 / (v + w * w),
                                                      scale=(v + w * w) / (y + w)))
    assert jan["hi"] > stats.chi2.ppf(0.975, 2 * (y + 1)) / 2        # wider than the exact Poisson one


def test_weighted_count_interval_and_test_hold_their_level():
    """Simulated months of requests at 1-3 children each: the interval covers the true mean at
    least 95% of the time and the change test finds a change in about 5% of unchanged pairs (the
    Poisson interval covered 85-87% and the binomial test fired 12-15%)."""
    rng = np.random.default_rng(7)
    weights, probs = np.array([1.0, 2.0, 3.0]), np.array([0.65, 0.25, 0.10])
    n_sim, lam = 8000, 40

    def months():
        n = rng.poisson(lam, n_sim)
        who = np.repeat(np.arange(n_sim), n)
        w = rng.choice(weights, n.sum(), p=probs)
        return np.bincount(who, w, n_sim), np.bincount(who, w * w, n_sim)

    y1, v1 = months()
    y0, v0 = months()
    mu = lam * (weights @ probs)
    lo, hi = weighted_poisson_interval(y1, v1, 3.0)
    assert np.mean((lo <= mu) & (mu <= hi)) >= 0.945
    size = np.mean(change_test(y1, v1, y0, v0, "weighted_count") < 0.05)
    assert 0.035 <= size <= 0.065
    # every weight 1: the exact (Garwood) interval
    k = np.array([0.0, 1.0, 7.0])
    lo1, hi1 = weighted_poisson_interval(k, k, 1.0)
    assert np.allclose(lo1, [0.0, *(stats.chi2.ppf(0.025, 2 * k[1:]) / 2)])
    assert np.allclose(hi1, stats.chi2.ppf(0.975, 2 * (k + 1)) / 2)


def test_variation_and_assurance_refuse_a_misspelt_direction():
    """'higher is better' (spaces) was read as lower is better: the icons came out inverted."""
    chart = measures.xmr(pd.Series([1.0] * 9 + [20.0]))
    assert variation(chart, "higher_is_better") == "special_cause_improvement_high"
    for fn, args in ((variation, (chart, "higher is better")), (assurance, (chart, 0.5, "higherisbetter"))):
        with pytest.raises(earlyhelp.ValidationError, match="direction"):
            fn(*args)


def test_variation_summary_refuses_rolling_windows():
    """Twelve-month windows a month apart share eleven months: the rules flagged 98% of unchanged
    series of Poisson counts."""
    data = earlyhelp.synthetic.council("coventry", years=2, scale=0.1, seed=3)
    rolling = measures.compute(data, ["requests"], period="rolling_12m")
    with pytest.raises(earlyhelp.ValidationError, match="rolling_12m"):
        variation_summary(rolling)
    labelled = rolling.assign(period=rolling["period"].astype(str))
    labelled.attrs = {}                 # attrs lost (a CSV read back): the labels say it
    with pytest.raises(earlyhelp.ValidationError, match="rolling_12m"):
        variation_summary(labelled)
    monthly = measures.compute(data, ["requests"], period="month")
    assert len(variation_summary(monthly)) == 1
