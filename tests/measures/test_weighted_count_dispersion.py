"""A sum of weights (children referred) gets its interval and change test from the council's
dispersion of the weights, not from each cell's own sum of squares.

A cell's own sum of squared children told how its children split into requests: one request
about three children (squares 9) and three requests about one child each (squares 3) gave two
intervals of 3 children, and from them the number of requests, a count the pack may hide.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from earlyhelp import measures
from earlyhelp.measures.stats import change_test, weighted_poisson_interval
from measures_council import tiny_council

WINDOW = dict(start="2024-01-01", end="2024-06-30")


def quiet(ds, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", measures.MeasuresBlockedWarning)
        return measures.compute(ds, *args, **kwargs)


def test_two_cells_of_one_count_split_differently_get_one_interval():
    """North: R5 moved there, one request about 3 children in March; South: three requests about
    one child each in March. The same 3 children, so the same interval and the same test."""
    ds = tiny_council()
    rq = ds.requests.copy()
    # March: R4 (F1, North) and R5 (F4, South); North gets one request about 3 children, South
    # three about one child each
    rq.loc[rq["request_id"] == "R4", "children"] = 3
    rq.loc[rq["request_id"] == "R5", "children"] = 1
    r5 = rq[rq["request_id"] == "R5"]
    extra = pd.concat([r5.assign(request_id="R8", received_date=pd.Timestamp("2024-03-21")),
                       r5.assign(request_id="R9", received_date=pd.Timestamp("2024-03-22"))], ignore_index=True)
    rq = pd.concat([rq, extra], ignore_index=True)
    r = quiet(ds.replace(requests=rq), ["requests", "children_referred"], by="locality", **WINDOW)
    march = r[(r["period"] == "2024-03")].set_index(["measure", "locality"])
    assert march.loc[("requests", "North"), "numerator"] == 1
    assert march.loc[("requests", "South"), "numerator"] == 3
    north, south = march.loc[("children_referred", "North")], march.loc[("children_referred", "South")]
    assert north["numerator"] == south["numerator"] == 3
    assert north["lo"] == pytest.approx(south["lo"], rel=1e-12)
    assert north["hi"] == pytest.approx(south["hi"], rel=1e-12)


def test_the_dispersion_is_the_council_s_over_every_request():
    """The tiny council's requests are about 1, 2, 1, 1, 3, 1 and 2 children: the dispersion is
    (1+4+1+1+9+1+4) / (1+2+1+1+3+1+2) = 21/11, the variance of a cell of y children y * 21/11,
    whatever the window or the split by locality."""
    ds = tiny_council()
    dispersion, w_max = 21 / 11, 3.0
    for kwargs in (WINDOW, dict(start="2024-03-01", end="2024-04-30"), dict(WINDOW, by="locality")):
        r = quiet(ds, ["children_referred"], **kwargs)
        r = r[r["numerator"] > 0]
        y = r["numerator"].to_numpy(dtype=float)
        lo, hi = weighted_poisson_interval(y, y * dispersion, w_max)
        assert np.allclose(r["lo"], lo) and np.allclose(r["hi"], hi)
    jan = quiet(ds, ["children_referred"], **WINDOW).set_index("period").loc["2024-01"]
    y, v = 3.0, 3.0 * dispersion
    assert jan["lo"] == pytest.approx(stats.gamma.ppf(0.025, y * y / v, scale=v / y))


def test_the_change_test_uses_the_same_dispersion():
    """Two years of the tiny council's requests: this year's and last year's sums, each with the
    variance y * dispersion."""
    ds = tiny_council()
    rq = ds.requests.copy()
    earlier = rq.assign(request_id=rq["request_id"] + "a",
                        received_date=pd.to_datetime(rq["received_date"]) - pd.DateOffset(years=1))
    earlier = earlier[earlier["request_id"] != "R2a"]      # a different January a year before
    both = ds.replace(requests=pd.concat([earlier, rq], ignore_index=True))
    both.meta.update(window_start=pd.Timestamp("2023-01-01"), end_date=pd.Timestamp("2024-06-30"))
    r = quiet(both, ["children_referred"], start="2023-01-01", end="2024-06-30").set_index("period")
    w = np.r_[earlier["children"].to_numpy(dtype=float), rq["children"].to_numpy(dtype=float)]
    dispersion = (w * w).sum() / w.sum()
    jan = r.loc["2024-01"]
    assert (jan["numerator"], jan["previous"]) == (3, 1)
    want = change_test(np.array([3.0]), np.array([3.0 * dispersion]), np.array([1.0]),
                       np.array([1.0 * dispersion]), "weighted_count")[0]
    assert jan["change_p"] == pytest.approx(want)


def test_an_interval_from_the_pooled_dispersion_holds_its_level():
    """Simulated months of requests at 1-3 children each, the variance taken as the sum times
    the dispersion: the interval covers the true mean at least 95% of the time and the change
    test fires in about 5% of unchanged pairs, from 2 requests a month to 40."""
    rng = np.random.default_rng(11)
    weights, probs = np.array([1.0, 2.0, 3.0]), np.array([0.65, 0.25, 0.10])
    dispersion = (weights ** 2 @ probs) / (weights @ probs)
    n_sim = 8000
    for lam in (2, 10, 40):
        def months():
            n = rng.poisson(lam, n_sim)
            return np.bincount(np.repeat(np.arange(n_sim), n), rng.choice(weights, n.sum(), p=probs), n_sim)

        y1, y0 = months(), months()
        mu = lam * (weights @ probs)
        lo, hi = weighted_poisson_interval(y1, y1 * dispersion, 3.0)
        assert np.mean((lo <= mu) & (mu <= hi)) >= 0.95
        size = np.mean(change_test(y1, y1 * dispersion, y0, y0 * dispersion, "weighted_count") < 0.05)
        assert size <= 0.065
