"""fairness_audit: per-group rates against scikit-learn on each group's rows, ratios and flags."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
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
    g.loc[:9, "ethnicity"] = "CHNE"
    p = p.copy()
    p[:10] = 0.99  # all selected: would be flagged if it were large
    audit = fairness_audit(y, p, g, threshold=0.4, min_group_size=30).set_index(["attribute", "group"])
    row = audit.loc[("ethnicity", "CHNE")]
    assert row["n"] == 10 and row["small_group"] and not row["flagged"] and row["flags"] == ""


def test_default_threshold_is_top_k():
    y, p, g = _data()
    audit = fairness_audit(y, p, g["sex"], top_k_percent=10)
    assert audit["selected"].sum() == pytest.approx(0.1 * len(y), abs=2)
    assert list(audit["attribute"].unique()) == ["sex"]


def test_missing_group_is_unknown():
    y, p, g = _data(n=200)
    g.loc[:4, "sex"] = None
    audit = fairness_audit(y, p, g)
    assert ("sex", "unknown") in set(zip(audit["attribute"], audit["group"]))


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
    with pytest.raises(ValueError, match="probabilities"):
        fairness_audit(y, np.full(100, np.nan), g)
    with pytest.raises(TypeError):
        fairness_audit(y, p, [1, 2, 3])
