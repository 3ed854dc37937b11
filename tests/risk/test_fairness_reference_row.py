"""fairness_audit: the reference group's own row compares it with nothing, so it has ratios of 1 and
no interval. Before, its ratio-to-itself intervals were computed as if against an independent
copy of itself (e.g. calibration 0.86 to 1.16 around 1.0), as wide as a real comparison's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from earlyhelp.risk import fairness_audit
from earlyhelp.risk.fairness import RATIO_METRICS


def _data(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B", "C"], size=n, p=[0.6, 0.3, 0.1])
    p = rng.uniform(0.02, 0.6, size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    return y, p, pd.DataFrame({"ethnicity": group})


def test_reference_row_has_ratio_one_and_no_interval():
    y, p, g = _data()
    audit = fairness_audit(y, p, g, threshold=0.4, reference={"ethnicity": "B"})
    ref = audit[audit["is_reference"]].iloc[0]
    assert ref["group"] == "B"
    for metric in RATIO_METRICS:
        assert ref[f"{metric}_ratio"] == 1.0
        assert np.isnan(ref[f"{metric}_ratio_low"]) and np.isnan(ref[f"{metric}_ratio_high"]), metric
        assert np.isnan(ref[f"{metric}_p"])
    assert ref["calibration_ratio_vs_reference"] == 1.0
    assert np.isnan(ref["calibration_ratio_vs_reference_low"]) and np.isnan(ref["calibration_ratio_vs_reference_high"])
    assert np.isnan(ref["calibration_p"]) and not ref["flagged"]
    # the other groups keep theirs, around their ratios
    others = audit[~audit["is_reference"]]
    for metric in RATIO_METRICS:
        assert (others[f"{metric}_ratio_low"] <= others[f"{metric}_ratio"]).all()
        assert (others[f"{metric}_ratio"] <= others[f"{metric}_ratio_high"]).all()
    assert others["calibration_ratio_vs_reference_low"].notna().all()
