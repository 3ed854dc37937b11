"""Fairness audit of risk scores by group (ethnicity, sex, disability, locality).

For each attribute and each of its groups: selection rate (share above the threshold),
true and false positive rates, positive predictive value, calibration within the group
(mean score against the observed rate), and the ratio of each to the reference group.
A ratio further than ``max_ratio_gap`` from 1 raises a flag. Small groups are kept in the
table and marked ``small_group`` (their flags are not raised: the figures are too noisy),
never hidden.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pandas as pd

from ..results import FrameResult
from .evaluate import _as_labels, _as_probabilities, _check_pair


class FairnessAudit(FrameResult):
    """:func:`fairness_audit`'s table with the ``threshold`` and ``max_ratio_gap`` it used."""

    _metadata = ["threshold", "max_ratio_gap"]
    threshold: float = float("nan")
    max_ratio_gap: float = 0.2

RATIO_METRICS = ("selection_rate", "tpr", "fpr", "ppv")


def _groups_frame(groups: Any, n: int) -> pd.DataFrame:
    if isinstance(groups, pd.Series):
        frame = groups.to_frame(groups.name or "group")
    elif isinstance(groups, pd.DataFrame):
        frame = groups
    elif isinstance(groups, Mapping):
        frame = pd.DataFrame(dict(groups))
    else:
        raise TypeError(f"groups must be a DataFrame, a Series or a dict of columns, not {type(groups).__name__}")
    if len(frame) != n:
        raise ValueError(f"groups has {len(frame)} rows but y has {n}")
    if frame.shape[1] == 0:
        raise ValueError("groups has no columns")
    return frame.reset_index(drop=True).astype(object).where(frame.reset_index(drop=True).notna(), "unknown") \
        .astype(str)


def _rates(y: np.ndarray, p: np.ndarray, sel: np.ndarray) -> Dict[str, float]:
    pos, neg = y == 1, y == 0
    tp, fp = int((sel & pos).sum()), int((sel & neg).sum())
    n1, n0, ns = int(pos.sum()), int(neg.sum()), int(sel.sum())
    nan = float("nan")
    return {"n": len(y), "positives": n1, "selected": ns, "selection_rate": ns / len(y) if len(y) else nan,
            "tpr": tp / n1 if n1 else nan, "fpr": fp / n0 if n0 else nan, "ppv": tp / ns if ns else nan,
            "mean_p": float(p.mean()) if len(p) else nan, "observed_rate": n1 / len(y) if len(y) else nan}


def fairness_audit(y: Any, p: Any, groups: Any, threshold: Optional[float] = None, top_k_percent: float = 10,
                   reference: Optional[Mapping[str, str]] = None, max_ratio_gap: float = 0.2,
                   min_group_size: int = 30) -> FairnessAudit:
    """Selection, error rates and calibration by group, with ratios to a reference group.

    Parameters
    ----------
    y : 0/1 outcomes.
    p : scores (probabilities) from any model.
    groups : DataFrame of group columns (e.g. ``FeatureSet.groups``: ethnicity, sex,
        disability, locality_id), a Series, or a dict of columns. Missing values are the
        group ``"unknown"``.
    threshold : a family is "selected" when its score is at least this. Default: the score
        of the ``top_k_percent`` highest (the families a service would prioritise).
    reference : ``{attribute: group}``; default the largest group of each attribute.
    max_ratio_gap : flag a ratio outside [1 - gap, 1 / (1 - gap)] (0.2: the four-fifths rule),
        and a calibration ratio (observed / mean score) outside the same band.
    min_group_size : groups with fewer rows are reported with ``small_group=True`` and
        not flagged.

    Returns
    -------
    DataFrame, one row per attribute and group: ``attribute``, ``group``, ``n``,
    ``positives``, ``selected``, ``selection_rate``, ``tpr``, ``fpr``, ``ppv``, ``mean_p``,
    ``observed_rate``, ``calibration_ratio`` (observed / mean score), ``<metric>_ratio``
    (to the reference group), ``is_reference``, ``small_group``, ``flags`` (comma-joined
    names of the metrics out of band) and ``flagged``, as a :class:`FairnessAudit` whose
    ``threshold`` and ``max_ratio_gap`` fields hold the values used.
    """
    yy, pp = _as_labels(y), _as_probabilities(p)
    _check_pair(yy, pp)
    frame = _groups_frame(groups, len(yy))
    if not (isinstance(max_ratio_gap, (int, float)) and 0 < max_ratio_gap < 1):
        raise ValueError(f"max_ratio_gap must be between 0 and 1, not {max_ratio_gap!r}")
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise ValueError(f"min_group_size must be a whole number >= 1, not {min_group_size!r}")
    if threshold is None:
        if not 0 < top_k_percent <= 100:
            raise ValueError(f"top_k_percent must be in (0, 100], not {top_k_percent!r}")
        n_top = max(1, math.ceil(len(pp) * top_k_percent / 100 - 1e-9))
        threshold = float(np.sort(pp)[::-1][n_top - 1])
    elif not (isinstance(threshold, (int, float)) and 0 <= threshold <= 1):
        raise ValueError(f"threshold must be a probability in [0, 1], not {threshold!r}")
    reference = dict(reference or {})
    unknown = sorted(set(reference) - set(frame.columns))
    if unknown:
        raise ValueError(f"reference names attributes not in groups: {unknown}")
    selected = pp >= threshold
    lo, hi = 1 - max_ratio_gap, 1 / (1 - max_ratio_gap)
    rows: List[Dict[str, Any]] = []
    for attr in frame.columns:
        values = frame[attr].to_numpy()
        sizes = pd.Series(values).value_counts()
        ref = reference.get(attr, sizes.index[0])
        if ref not in sizes.index:
            raise ValueError(f"reference group {ref!r} of {attr!r} is not in the data (groups: {list(sizes.index)})")
        ref_mask = values == ref
        ref_rates = _rates(yy[ref_mask], pp[ref_mask], selected[ref_mask])
        for g in sorted(sizes.index, key=lambda v: (-sizes[v], v)):
            m = values == g
            r = _rates(yy[m], pp[m], selected[m])
            r["calibration_ratio"] = r["observed_rate"] / r["mean_p"] if r["mean_p"] > 0 else float("nan")
            flags = []
            for metric in RATIO_METRICS:
                base = ref_rates[metric]
                ratio = r[metric] / base if base and np.isfinite(base) and np.isfinite(r[metric]) else float("nan")
                r[f"{metric}_ratio"] = ratio
                if np.isfinite(ratio) and not lo <= ratio <= hi:
                    flags.append(metric)
            if np.isfinite(r["calibration_ratio"]) and not lo <= r["calibration_ratio"] <= hi:
                flags.append("calibration")
            small = r["n"] < min_group_size
            rows.append({"attribute": attr, "group": g, **r, "is_reference": g == ref, "small_group": small,
                         "flags": "" if small else ",".join(flags), "flagged": bool(flags) and not small})
    return FairnessAudit.of(pd.DataFrame(rows), threshold=threshold, max_ratio_gap=max_ratio_gap)
