"""fairness_audit: per-group rates against scikit-learn on each group's rows, intervals, ratios and flags
that need evidence (a permutation test of the flag rate under no effect)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from sklearn import metrics

from earlyhelp.risk import fairness_audit


def _data(seed=0, n=4000):
    rng = np.random.default_rng(seed)
    eth = rng.choice(["WBRI", "APKN", "BAFR"], size=n, p=[0.6, 0.3, 0.1])
    sex = rng.choice(["M", "F"], size=n)
    p = rng.uniform(0.02, 0.6, size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    # scores for BAFR families are inflated: selected more, calibrated worse
    p_model = np.where(eth == "BAFR", np.minimum(1, p * 1.8), p)
    return y, p_model, pd.DataFrame({"ethnicity": eth, "sex": sex})


def test_rates_match_sklearn_per_group():
    y, p, g = _data()
    audit = fairness_audit(y, p, g, threshold=0.4)
    assert audit.threshold == 0.4
    for _, row in audit.iterrows():
        m = (g[row["attribute"]] == row["group"]).to_numpy()
        pred = (p[m] >= 0.4).astype(int)
        tn, fp, fn, tp = metrics.confusion_matrix(y[m], pred, labels=[0, 1]).ravel()
        assert row["n"] == m.sum() and row["positives"] == y[m].sum()
        assert row["tpr"] == pytest.approx(metrics.recall_score(y[m], pred))
        assert row["ppv"] == pytest.approx(metrics.precision_score(y[m], pred))
        assert row["fpr"] == pytest.approx(fp / (fp + tn))
        assert row["selection_rate"] == pytest.approx(pred.mean())
        assert row["mean_p"] == pytest.approx(p[m].mean())
        assert row["calibration_ratio"] == pytest.approx(y[m].mean() / p[m].mean())


def test_reference_ratios_and_flags():
    y, p, g = _data()
    audit = fairness_audit(y, p, g, threshold=0.4).set_index(["attribute", "group"])
    ref = audit.loc[("ethnicity", "WBRI")]
    assert ref["is_reference"] and ref["selection_rate_ratio"] == pytest.approx(1.0)
    bafr = audit.loc[("ethnicity", "BAFR")]
    assert bafr["selection_rate_ratio"] == pytest.approx(bafr["selection_rate"] / ref["selection_rate"])
    assert bafr["flagged"] and "selection_rate" in bafr["flags"] and "calibration" in bafr["flags"]
    assert not audit.loc[("ethnicity", "APKN")]["flagged"]
    assert not audit.loc[("sex", "F")]["flagged"] and not audit.loc[("sex", "M")]["flagged"]
    # a chosen reference group
    audit2 = fairness_audit(y, p, g, threshold=0.4, reference={"ethnicity": "BAFR"}).set_index(["attribute", "group"])
    assert audit2.loc[("ethnicity", "BAFR")]["is_reference"]
    assert audit2.loc[("ethnicity", "WBRI")]["flagged"]


def test_small_groups_reported_not_flagged():
    y, p, g = _data()
    g.loc[:29, "ethnicity"] = "CHNE"
    y = y.copy()
    y[:30] = 0
    y[:6] = 1          # 30 rows, 6 positives: below min_positives
    p = p.copy()
    p[:30] = 0.99      # all selected: would be flagged if it held enough positives
    result = fairness_audit(y, p, g, threshold=0.4, min_positives=10)
    audit = result.set_index(["attribute", "group"])
    row = audit.loc[("ethnicity", "CHNE")]
    assert row["n"] == 30 and row["positives"] == 6
    assert row["small_group"] and not row["flagged"] and row["flags"] == ""
    assert result.min_positives == 10 and result.n_tests > 0


def test_intervals_cover_the_rates():
    y, p, g = _data()
    audit = fairness_audit(y, p, g, threshold=0.4)
    for metric in ("selection_rate", "tpr", "fpr", "ppv"):
        assert (audit[f"{metric}_low"] <= audit[metric]).all() and (audit[metric] <= audit[f"{metric}_high"]).all()
        ok = audit[f"{metric}_ratio"].notna() & ~audit["is_reference"]  # the reference row has no interval
        assert (audit.loc[ok, f"{metric}_ratio_low"] <= audit.loc[ok, f"{metric}_ratio"] + 1e-12).all()
        assert (audit.loc[ok, f"{metric}_ratio"] <= audit.loc[ok, f"{metric}_ratio_high"] + 1e-12).all()
    ref = audit[audit["is_reference"]]
    assert ref["selection_rate_p"].isna().all() and (ref["calibration_ratio_vs_reference"] == 1).all()


def test_holm():
    from earlyhelp.risk.fairness import holm

    p = np.array([0.01, 0.04, np.nan, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.03, 0.06, 0.06 (monotone)
    np.testing.assert_allclose(holm(p), [0.03, 0.06, np.nan, 0.06, 0.02])


def _realistic(seed, n=2500, base_rate=0.07):
    """Scores and outcomes at a 5-10% base rate, twelve groups of very different sizes."""
    rng = np.random.default_rng(seed)
    lp = np.log(base_rate / (1 - base_rate)) - 0.6 + 1.1 * rng.normal(size=n)
    p = 1 / (1 + np.exp(-lp))
    y = (rng.uniform(size=n) < p).astype(int)
    sizes = np.array([40, 12, 8, 6, 5, 5, 4, 4, 3, 3, 2, 1], float)
    eth = rng.choice([f"E{i}" for i in range(12)], size=n, p=sizes / sizes.sum())
    loc = rng.choice([f"L{i}" for i in range(8)], size=n)
    return y, p, pd.DataFrame({"ethnicity": eth, "locality_id": loc})


@pytest.mark.simulation
@pytest.mark.parametrize("base_rate", [0.05, 0.10])
def test_permuted_groups_are_rarely_flagged(base_rate):
    y, p, g = _realistic(1, base_rate=base_rate)
    rng = np.random.default_rng(2)
    shares, any_flag = [], 0
    for _ in range(100):
        perm = g.apply(lambda c: rng.permutation(c.to_numpy()))
        audit = fairness_audit(y, p, perm)
        judged = audit[~audit["is_reference"]]
        shares.append(judged["flagged"].mean())
        any_flag += bool(judged["flagged"].any())
    print(f"base rate {base_rate}: mean share of groups flagged {np.mean(shares):.4f}, "
          f"audits with a flag {any_flag}/100")
    assert np.mean(shares) <= 0.05
    assert any_flag <= 10  # Holm keeps the family-wise rate near alpha = 0.05


@pytest.mark.simulation
@pytest.mark.parametrize("true_over_score", [0.25, 0.5, 2.0])
def test_groups_as_miscalibrated_as_everyone_are_rarely_flagged(true_over_score):
    """Scores too high (or too low) for every family alike, group labels that carry no
    information: a calibration flag needs the group to differ from the reference, so at most
    alpha of audits may flag anything (sizing the test with the scores' own variance flagged
    19% of audits with scores four times too high)."""
    any_flag = 0
    for seed in range(200):
        rng = np.random.default_rng(7000 + seed)
        p = rng.beta(1, 12, 3000)
        groups = pd.Series(rng.choice(list("ABCD"), 3000, p=[0.55, 0.25, 0.15, 0.05]), name="group")
        y = (rng.random(3000) < np.clip(p * true_over_score, 0, 1)).astype(int)
        any_flag += bool(fairness_audit(y, p, groups)["flagged"].any())
    assert any_flag / 200 <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 200)


def test_ratio_intervals_hold_the_ratio_when_a_count_is_zero():
    """A group with nobody selected has ratio 0; its interval starts at 0 (and a reference
    with none selected gives an interval up to infinity), so each interval holds its ratio."""
    y = np.array([1, 0] * 50 + [1, 0] * 50)
    p = np.array([0.9, 0.8] * 50 + [0.1, 0.2] * 50)
    groups = pd.Series(["big"] * 100 + ["none_selected"] * 100, name="group")
    for reference in ("big", "none_selected"):
        audit = fairness_audit(y, p, groups, threshold=0.5, reference={"group": reference})
        for metric in ("selection_rate", "tpr", "fpr"):
            ratio, low, high = (audit[f"{metric}_ratio{end}"].to_numpy(float) for end in ("", "_low", "_high"))
            shown = np.isfinite(ratio) & ~audit["is_reference"].to_numpy()  # the reference row has no interval
            assert (low[shown] <= ratio[shown]).all() and (ratio[shown] <= high[shown]).all(), (reference, metric)
        other = audit.set_index("group").drop(index=reference)
        if reference == "big":
            assert other["selection_rate_ratio"].iloc[0] == 0 and other["selection_rate_ratio_low"].iloc[0] == 0
        else:
            assert other["selection_rate_ratio_high"].iloc[0] == np.inf


def test_a_real_disparity_is_still_flagged_at_a_low_base_rate():
    y, p, g = _realistic(3, n=4000, base_rate=0.07)
    biased = np.where(g["locality_id"] == "L3", np.minimum(1, p * 3), p)  # over-selects one locality
    audit = fairness_audit(y, biased, g).set_index(["attribute", "group"])
    row = audit.loc[("locality_id", "L3")]
    assert row["flagged"] and "selection_rate" in row["flags"] and "calibration" in row["flags"]
    assert row["selection_rate_ratio_low"] > 1.25


def test_default_threshold_is_top_k():
    y, p, g = _data()
    audit = fairness_audit(y, p, g["sex"], top_k_percent=10)
    assert audit["selected"].sum() == pytest.approx(0.1 * len(y), abs=2)
    assert list(audit["attribute"].unique()) == ["sex"]


def test_missing_group_is_kept_apart_from_a_recorded_unknown():
    # missing values were labelled "unknown" and merged with the families recorded as "unknown"
    y, p, g = _data(n=200)
    g.loc[:49, "ethnicity"] = "unknown"
    g.loc[50:54, "ethnicity"] = None
    g.loc[55:56, "sex"] = np.nan
    audit = fairness_audit(y, p, g).set_index(["attribute", "group"])
    assert audit.loc[("ethnicity", "unknown"), "n"] == 50
    assert audit.loc[("ethnicity", "(missing)"), "n"] == 5 and audit.loc[("sex", "(missing)"), "n"] == 2
    assert audit.loc[audit.index.get_level_values(0) == "ethnicity", "n"].sum() == 200  # none dropped
    # the default reference is a recorded group, never the missing values
    assert not audit.loc[("ethnicity", "(missing)"), "is_reference"]


def test_a_recorded_group_named_like_the_missing_group_is_refused():
    y, p, g = _data(n=200)
    g.loc[:9, "sex"] = "(missing)"
    fairness_audit(y, p, g)  # no missing values: no collision
    g.loc[10:11, "sex"] = None
    with pytest.raises(earlyhelp.ValidationError, match="'sex'.*missing"):
        fairness_audit(y, p, g)


@pytest.mark.parametrize("values", [[1, "1"], [True, "True"]])
def test_different_values_with_one_text_are_refused_not_merged(values):
    y, p, _ = _data(n=200)
    with pytest.raises(earlyhelp.ValidationError, match="same group"):
        fairness_audit(y, p, {"code": values * 100})


def test_level_next_to_one_and_bad_forms():
    y, p, g = _data(n=400)
    # 0.5 + level / 2 rounded to 1: infinite intervals before
    near = fairness_audit(y, p, g, threshold=0.4, level=1 - 2 ** -53)
    assert np.isfinite(near["selection_rate_ratio_high"].drop(near.index[near["is_reference"]])).all()
    with pytest.raises(earlyhelp.ValidationError, match="level"):
        fairness_audit(y, p, g, level=1 - 1e-17)  # 1.0 as a float
    # text (even digits), pd.NA, a ragged dict and a reference that is no dict: raw errors before
    for bad_y, bad_p in ((y.astype(str), p), (y, p.astype(str)), (pd.array([pd.NA] + list(y[1:]), dtype="Int64"), p)):
        with pytest.raises(earlyhelp.ValidationError):
            fairness_audit(bad_y, bad_p, g)
    with pytest.raises(earlyhelp.ValidationError, match="groups"):
        fairness_audit(y, p, {"a": ["x"] * 400, "b": ["y"] * 10})
    with pytest.raises(earlyhelp.ValidationError, match="reference"):
        fairness_audit(y, p, g, reference=["WBRI"])


def test_bad_input():
    y, p, g = _data(n=100)
    with pytest.raises(ValueError, match="rows"):
        fairness_audit(y, p, g.iloc[:50])
    with pytest.raises(ValueError, match="lengths"):
        fairness_audit(y, p[:50], g)
    with pytest.raises(ValueError, match="reference"):
        fairness_audit(y, p, g, reference={"ethnicity": "ZZZZ"})
    with pytest.raises(ValueError, match="reference"):
        fairness_audit(y, p, g, reference={"religion": "x"})
    with pytest.raises(ValueError, match="threshold"):
        fairness_audit(y, p, g, threshold=1.5)
    with pytest.raises(ValueError, match="max_ratio_gap"):
        fairness_audit(y, p, g, max_ratio_gap=0)
    with pytest.raises(ValueError, match="min_positives"):
        fairness_audit(y, p, g, min_positives=0)
    with pytest.raises(ValueError, match="alpha"):
        fairness_audit(y, p, g, alpha=1.5)
    with pytest.raises(ValueError, match="probabilities"):
        fairness_audit(y, np.full(100, np.nan), g)
    with pytest.raises(earlyhelp.ValidationError, match="groups"):
        fairness_audit(y, p, [1, 2, 3])
    with pytest.raises(earlyhelp.ValidationError, match="top_k_percent"):
        fairness_audit(y, p, g, top_k_percent="10")
    with pytest.raises(earlyhelp.ValidationError, match="top_k_percent"):  # not an OverflowError
        fairness_audit(y, p, g, top_k_percent=10 ** 400)
    with pytest.raises(earlyhelp.ValidationError, match="groups"):
        fairness_audit(y, p, 5)
    # one list of labels is one attribute
    one = fairness_audit(y, p, list(g["sex"]))
    assert set(one["attribute"]) == {"group"}


def test_ties_at_the_top_k_cut_are_reported():
    # half the scores tied at the top: asking for the top 10% selects all of them, and says so
    y = np.r_[np.ones(20), np.zeros(180)].astype(int)
    p = np.r_[np.full(100, 0.3), np.linspace(0.01, 0.2, 100)]
    audit = fairness_audit(y, p, {"sex": ["F", "M"] * 100}, top_k_percent=10)
    assert audit.threshold == 0.3 and audit.selected_share == 0.5


def test_a_group_against_a_reference_rate_of_zero_is_flagged():
    # every B selected, no A: the widest disparity, whose ratio (r / 0) was NaN and never flagged
    g = pd.Series(np.array(["A"] * 250 + ["B"] * 150), name="eth")
    p = np.where(g == "A", 0.2, 0.6)
    y = np.r_[np.ones(50), np.zeros(200), np.ones(90), np.zeros(60)].astype(int)
    audit = fairness_audit(y, p, g, threshold=0.5).set_index("group")
    assert audit.loc["A", "selection_rate_ratio"] == 1.0 and np.isinf(audit.loc["B", "selection_rate_ratio"])
    assert audit.loc["B", "flagged"] and "selection_rate" in audit.loc["B", "flags"]


@pytest.mark.simulation
@pytest.mark.parametrize("group_size,miscalibration", [(50, 1.0), (100, 1.0), (100, 0.6)])
def test_calibration_ratio_interval_holds_its_level_in_small_groups(group_size, miscalibration):
    """Both groups' scores as well (or as badly) calibrated, so the true ratio is 1: the 95%
    interval holds it in at least 95% of draws, missing on neither side more than 2.5%, with
    5-10 positives in the group. The normal interval on log O/E held 92% with about 5 (its
    interval lay below 1 in 5.8% of draws at about 10)."""
    from earlyhelp.risk.fairness import _calibration_test, _rates

    rng = np.random.default_rng(5)
    runs, z, below, above, defined = 4000, 1.959963984540054, 0, 0, 0
    for _ in range(runs):
        p_ref, p_g = rng.beta(1, 9, 5000), rng.beta(1, 9, group_size)
        y_ref, y_g = rng.binomial(1, miscalibration * p_ref), rng.binomial(1, miscalibration * p_g)
        _, lo, hi, _ = _calibration_test(_rates(y_g, p_g, np.zeros(group_size, bool)),
                                         _rates(y_ref, p_ref, np.zeros(5000, bool)), z)
        if np.isfinite(lo):
            defined += 1
            below += hi < 1
            above += lo > 1
    se = np.sqrt(0.025 * 0.975 / defined)
    assert defined > 0.9 * runs
    assert below / defined < 0.025 + 2 * se and above / defined < 0.025 + 2 * se, (below / defined, above / defined)
