"""XmR charts and funnel limits: hand-computed examples and the abspc package (NHS Making Data Count)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.measures import spc


def test_limits_by_hand():
    s = pd.Series([10.0, 12, 11, 15, 9, 13, 11, 14, 10, 12])
    c = spc.xmr(s)
    mean = s.mean()                                       # 11.7
    mr = np.abs(np.diff(s.to_numpy())).mean()             # (2+1+4+6+4+2+3+4+2)/9 = 28/9
    assert mean == pytest.approx(11.7) and mr == pytest.approx(28 / 9)
    assert c["centre"].iloc[0] == pytest.approx(11.7)
    # Making Data Count's 2.66, not 3 / 1.128 = 2.6596 (the guide's hand calculation)
    assert c["upper"].iloc[0] == pytest.approx(11.7 + 2.66 * 28 / 9, rel=1e-12)
    assert c["lower"].iloc[0] == pytest.approx(11.7 - 2.66 * 28 / 9, rel=1e-12)
    assert not c["special_cause"].any()


def test_rules_by_hand():
    # a point far out, then 7 below the mean, then a 6-point rise
    v = [10, 10.5, 9.5, 10, 30, 9, 9.2, 9.1, 9.3, 9.0, 9.4, 9.2, 10, 11, 12, 13, 14, 15]
    c = spc.xmr(pd.Series(v, dtype=float))
    assert c["beyond_limits"].tolist()[4] and c["beyond_limits"].sum() == 1
    mean = np.mean(v)
    below = [x < mean for x in v]
    # the first 7 consecutive points below the mean
    runs = c["shift"].to_numpy()
    assert runs[5:12].all() and all(below[5:12])
    rise = c["trend"].to_numpy()
    assert rise[11:18].all() and not rise[:10].any()


def test_two_of_three_by_hand():
    base = [0.0, 1] * 10
    # limits from the first 20 points: centre 0.5, mean moving range 1, near 0.5 + 1.77, upper 0.5 + 2.66
    v = base + [2.7, 0.6, 2.7]
    c = spc.xmr(pd.Series(v), baseline=20)
    assert c["centre"].iloc[-1] == pytest.approx(0.5)
    assert c["near_upper"].iloc[-1] == pytest.approx(0.5 + 2 / 3 * 2.66, rel=1e-12)
    assert c["upper"].iloc[-1] == pytest.approx(0.5 + 2.66, rel=1e-12)
    assert c["two_of_three"].tolist()[-3:] == [True, False, True]
    assert not c["beyond_limits"].any()


def test_recalculation_at_a_change_point():
    s = pd.Series([5.0, 6] * 4 + [20.0, 21] * 4, index=pd.period_range("2024-01", periods=16, freq="M"))
    c = spc.xmr(s, change_points=[pd.Period("2024-09", "M")])
    assert c["centre"].iloc[0] == pytest.approx(5.5) and c["centre"].iloc[-1] == pytest.approx(20.5)
    assert c["upper"].iloc[-1] == pytest.approx(20.5 + 2.66 * 1.0, rel=1e-3)
    assert not c["beyond_limits"].any()
    one = spc.xmr(s)
    assert one["shift"].any()  # without the change point the step shows as special cause
    with pytest.raises(ValueError, match="change point"):
        spc.xmr(s, change_points=["1999-01"])


def test_icons():
    up = spc.xmr(pd.Series([10.0, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 30]))
    assert spc.variation(up, "higher_is_better") == "special_cause_improvement_high"
    assert spc.variation(up, "lower_is_better") == "special_cause_concern_high"
    flat = spc.xmr(pd.Series([10.0, 11, 10, 11, 10, 11, 10, 11]))
    assert spc.variation(flat) == "common_cause"
    assert spc.assurance(flat, 5, "higher_is_better") == "consistently_pass"
    assert spc.assurance(flat, 10.5, "higher_is_better") == "hit_and_miss"
    assert spc.assurance(flat, 20, "higher_is_better") == "consistently_fail"
    assert spc.assurance(flat, 20, "lower_is_better") == "consistently_pass"
    assert spc.assurance(flat, None) == "no_target"


@pytest.mark.parametrize("seed", range(12))
def test_matches_abspc(seed):
    abspc = pytest.importorskip("abspc")
    rng = np.random.default_rng(seed)
    v = rng.normal(100, 10, 40)
    v[rng.integers(0, 40)] += 45                      # an astronomical point now and then
    if seed % 2:
        v[20:] += 12                                  # a shift
    if seed % 3 == 0:
        v[5:12] = np.sort(v[5:12])                    # a trend
    s = pd.Series(v)
    theirs = abspc.detect_special_causes(abspc.calculate_control_limits(pd.DataFrame({"value": v}), chart_type="XmR"))
    ours = spc.xmr(s, shift_run=8)                    # abspc uses a run of 8 for its shift rule
    # abspc draws at 3 / 1.128 = 2.6596 mean moving ranges, we at Making Data Count's 2.66
    to_ours = 2.66 / (3 / 1.128)
    np.testing.assert_allclose(ours["centre"], theirs["mean"])
    np.testing.assert_allclose(ours["upper"], theirs["mean"] + (theirs["ucl"] - theirs["mean"]) * to_ours)
    np.testing.assert_allclose(ours["lower"], theirs["mean"] + (theirs["lcl"] - theirs["mean"]) * to_ours)
    np.testing.assert_allclose(ours["near_upper"], theirs["mean"] + (theirs["uwl"] - theirs["mean"]) * to_ours)
    assert ours["beyond_limits"].tolist() == theirs["rule1"].tolist()
    assert ours["shift"].tolist() == theirs["rule2"].tolist()
    assert ours["trend"].tolist() == theirs["rule3"].tolist()
    assert ours["two_of_three"].tolist() == theirs["rule4"].tolist()
    for direction, theirs_dir in (("higher_is_better", "high"), ("lower_is_better", "low")):
        theirs_var = abspc.determine_variation_type(theirs, improvement_direction=theirs_dir)
        ours_var = spc.variation(ours, direction)
        if theirs_var == "common_cause":
            assert ours_var == "common_cause" or not ours["special_cause"].iloc[-1]
        target = float(np.percentile(v, 30))
        mapping = {"pass": "consistently_pass", "fail": "consistently_fail", "hit_or_miss": "hit_and_miss"}
        assert spc.assurance(ours, target, direction) == mapping[
            abspc.determine_assurance_type(theirs, target, improvement_direction=theirs_dir)]


def test_shift_flag_rate_under_no_effect():
    """Honest flags: on in-control data the shift rule fires about as often as theory says."""
    rng = np.random.default_rng(1)
    fired = 0
    for _ in range(400):
        c = spc.xmr(pd.Series(rng.normal(0, 1, 24)))
        fired += bool(c["shift"].any())
    # P(a run of 7 on one side somewhere in 24 points) is about 0.13 for a known mean
    assert 0.05 < fired / 400 < 0.25


def test_funnel_limits():
    f = spc.funnel([10, 50, 5], [100, 400, 20], labels=["North", "South", "East"])
    p0 = 65 / 520
    assert f["overall"] == pytest.approx(p0)
    u = f["units"].set_index("label")
    # normal approximation is close to the exact limits for n = 400
    se = np.sqrt(p0 * (1 - p0) / 400)
    assert u.loc["South", "upper_95"] == pytest.approx(p0 + 1.96 * se, abs=0.006)
    assert u.loc["South", "upper_99_8"] > u.loc["South", "upper_95"]
    assert (f["curve"]["upper_95"].diff().dropna() <= 1e-9).mean() > 0.9   # narrowing with n
    with pytest.raises(ValueError, match="positive"):
        spc.funnel([1], [0])


def test_funnel_coverage_by_simulation():
    """95% limits hold about 95% of units drawn at the overall rate."""
    rng = np.random.default_rng(7)
    n = rng.integers(50, 2000, 4000)
    k = rng.binomial(n, 0.2)
    f = spc.funnel(k, n, overall=0.2)
    inside = 1 - f["units"]["outside_95"].mean()
    assert 0.93 < inside < 0.97


def test_a_change_point_given_as_text_is_one_label_not_its_letters():
    s = pd.Series([1.0, 2, 3, 9, 2, 1, 3, 2], index=["a", "b", "c", "d", "e", "f", "de", "g"])
    assert spc.xmr(s, change_points="de")["phase"].tolist() == [0] * 6 + [1, 1]
    with pytest.raises(ValueError, match="'ef' is not in the series index"):
        spc.xmr(s, change_points="ef")


def test_a_funnel_of_single_numbers_is_refused_by_name():
    with pytest.raises(ValueError, match="one value per unit"):
        spc.funnel(3, 10)
