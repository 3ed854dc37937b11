"""XmR charts at the edges: values near the largest float, and charts on too few points."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.measures import spc

LINES = ["centre", "lower", "upper", "near_lower", "near_upper", "moving_range"]


@pytest.mark.parametrize("values", [[1e308] * 5, [-1.7e308] * 20, [1.797e308] * 3])
def test_a_constant_series_near_the_largest_float_has_finite_limits_and_no_signal(values):
    # the mean overflowed to inf, and every point of a constant series was a special cause
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = spc.xmr(pd.Series(values))
    assert np.isfinite(chart[LINES].iloc[1:].to_numpy()).all()
    assert not chart["special_cause"].any()


def test_scaling_changes_nothing_but_the_units():
    """Values 2**1000 times larger give the same chart to the last bit, times 2**1000."""
    x = np.random.default_rng(1).normal(10, 2, 30)
    x[20:] += 6
    small, large = spc.xmr(pd.Series(x)), spc.xmr(pd.Series(x * 2.0 ** 1000))
    for col in LINES:
        np.testing.assert_array_equal(small[col].to_numpy() * 2.0 ** 1000, large[col].to_numpy())
    pd.testing.assert_frame_equal(small[list(spc.RULES)], large[list(spc.RULES)])
    assert small["special_cause"].any()


@pytest.mark.parametrize("values", [[1e308, -1e308, 1e308, 0.0], [5e307, 1e307, 9e307, 2e307],
                                    [1.7e308, 1.6e308, 1.7e308]])
def test_limits_past_the_largest_float_are_a_named_problem(values):
    # they came out as -inf/inf (and NaN where inf met inf), with overflow warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationError, match="xmr.value: is so large .* larger units") as err:
            spc.xmr(pd.Series(values, index=pd.period_range("2024-01", periods=len(values), freq="M")))
    problem = err.value.problems[0]
    assert problem.value == max(values, key=abs)
    assert all(isinstance(r, pd.Period) for r in problem.rows)


def test_fewer_points_than_min_points_are_provisional():
    v = np.random.default_rng(2).normal(50, 5, 30)
    short = spc.xmr(pd.Series(v[:spc.MIN_POINTS - 1]))
    assert short["provisional"].all() and short["upper"].notna().all()
    assert not spc.xmr(pd.Series(v[:spc.MIN_POINTS]))["provisional"].any()
    assert not spc.xmr(pd.Series(v[:10]), min_points=10)["provisional"].any()
    # a phase is judged on the points its limits rest on: a short baseline, a short phase
    assert spc.xmr(pd.Series(v), baseline=12)["provisional"].all()
    phased = spc.xmr(pd.Series(v), change_points=[20])
    assert not phased["provisional"].iloc[:20].any() and phased["provisional"].iloc[20:].all()
    # missing values are not points
    gappy = pd.Series(np.r_[v[:16], np.full(10, np.nan)])
    gappy.iloc[[3, 7]] = np.nan
    assert spc.xmr(gappy)["provisional"].all()


def test_one_point_has_no_limits():
    chart = spc.xmr(pd.Series([3.0]))
    assert chart["provisional"].all() and chart[["lower", "upper"]].isna().all().all()
    assert spc.xmr(pd.Series([], dtype=float))["provisional"].empty


@pytest.mark.parametrize("bad", [1, 0, 2.5, "15", True])
def test_min_points_must_be_a_whole_number_of_at_least_two(bad):
    with pytest.raises(ValidationError, match="xmr.min_points"):
        spc.xmr(pd.Series([1.0, 2.0, 3.0]), min_points=bad)


def test_variation_summary_says_when_limits_are_provisional():
    periods = pd.period_range("2023-01", periods=24, freq="M")
    rng = np.random.default_rng(5)
    frames = [pd.DataFrame({"measure": m, "period": periods[-n:].astype(str), "period_start": periods[-n:].start_time,
                            "value": rng.normal(100, 10, n)}) for m, n in (("long", 24), ("short", 8))]
    summary = spc.variation_summary(pd.concat(frames, ignore_index=True)).set_index("measure")
    assert summary.loc["short", "provisional"] and not summary.loc["long", "provisional"]
    assert summary.loc["short", "points"] == 8
    relaxed = spc.variation_summary(pd.concat(frames, ignore_index=True), min_points=8).set_index("measure")
    assert not relaxed["provisional"].any()
