"""Fairness audit of risk scores by group (ethnicity, sex, disability, locality).

For each attribute and each of its groups: selection rate (share above the threshold),
true and false positive rates, positive predictive value and calibration (observed rate
over mean score), each with a confidence interval, and the ratio of each to the reference
group with a confidence interval.

A group is flagged on a metric only when the evidence says so: the ratio is outside the
band [1 - max_ratio_gap, 1 / (1 - max_ratio_gap)] (four-fifths rule by default) *and* it
differs from the reference group beyond chance (Fisher's exact test for rates; a z test
of log observed/expected for calibration), after Holm's correction over every test of the
audit, *and* both groups hold at least ``min_positives`` positives. Groups with fewer are
kept in the table and marked ``small_group``, never hidden. With group labels that carry
no information, at most ``alpha`` of audits flag anything.

Missing group values (None, NaN, pd.NA) are a group of their own, ``"(missing)"``, kept apart
from any recorded group (a group recorded as ``"unknown"`` stays ``"unknown"``).
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pandas as pd

from .._errors import ValidationError
from .._numbers import is_finite_real, is_whole
from ..results import FrameResult
from ._glm import two_sided_z
from .evaluate import _as_labels, _as_probabilities, _check_pair

# The group of missing values: parenthesised, so no code list holds it (a recorded "unknown" is
# a group of its own); a recorded group with this name is refused rather than merged.
MISSING_GROUP = "(missing)"


class FairnessAudit(FrameResult):
    """:func:`fairness_audit`'s table with the settings it used and the number of tests."""

    _metadata = ["threshold", "selected_share", "max_ratio_gap", "alpha", "min_positives", "n_tests"]
    threshold: float = float("nan")
    selected_share: float = float("nan")
    max_ratio_gap: float = 0.2
    alpha: float = 0.05
    min_positives: int = 10
    n_tests: int = 0

RATIO_METRICS = ("selection_rate", "tpr", "fpr", "ppv")
# metric -> (successes, trials) in _rates' counts
_COUNTS = {"selection_rate": ("selected", "n"), "tpr": ("tp", "positives"), "fpr": ("fp", "negatives"),
           "ppv": ("tp", "selected")}


def _bad(argument: str, message: str) -> ValidationError:
    return ValidationError(message, table="fairness_audit", column=argument)


def _groups_frame(groups: Any, n: int) -> pd.DataFrame:
    if isinstance(groups, pd.Series):
        frame = groups.to_frame(groups.name if groups.name is not None else "group")
    elif isinstance(groups, pd.DataFrame):
        frame = groups
    elif isinstance(groups, Mapping):
        try:
            frame = pd.DataFrame(dict(groups))
        except (ValueError, TypeError) as exc:  # columns of different lengths, scalars only
            raise _bad("groups", f"cannot be read as columns of labels ({exc}); give one label per row in "
                       "each column") from exc
    elif isinstance(groups, (list, tuple, np.ndarray)) and np.ndim(groups) == 1:
        frame = pd.DataFrame({"group": list(groups)})
    else:
        raise _bad("groups", "must be a DataFrame, a Series, a dict of columns or one list of labels, "
                   f"not {type(groups).__name__}")
    if len(frame) != n:
        raise _bad("groups", f"has {len(frame)} rows but y has {n}")
    if frame.shape[1] == 0:
        raise _bad("groups", "has no columns")
    names = pd.Index(frame.columns)
    if names.duplicated().any():
        raise _bad("groups", f"has duplicated column names {[str(c) for c in names[names.duplicated()].unique()]}; "
                   "each attribute needs its own name")
    frame = frame.reset_index(drop=True)
    return pd.DataFrame({attr: _labels(frame[attr], attr) for attr in frame.columns}, columns=frame.columns)


def _labels(column: pd.Series, attr: Any) -> pd.Series:
    """A column's group labels as text; missing values are MISSING_GROUP. Two values with one text
    (1 and "1") or a recorded MISSING_GROUP beside missing values would merge: refused."""
    values = column.astype(object)
    missing = values.isna().to_numpy()
    text = values.map(str).where(~missing, MISSING_GROUP)
    if missing.any() and (text[~missing] == MISSING_GROUP).any():
        raise _bad("groups", f"column {attr!r} has a group named {MISSING_GROUP!r} and missing values, which the "
                   f"audit labels {MISSING_GROUP!r}; rename that group so the two stay apart")
    try:
        distinct = pd.DataFrame({"text": text[~missing], "value": values[~missing]}).groupby("text")["value"] \
            .nunique()
    except TypeError:  # unhashable labels (lists): their texts tell them apart
        return text
    merged = distinct[distinct > 1]
    if len(merged):
        label = merged.index[0]
        examples = pd.unique(values[~missing][text[~missing] == label])[:3].tolist()
        raise _bad("groups", f"column {attr!r} holds different values that read as the same group {label!r} "
                   f"({examples}, of types {sorted({type(v).__name__ for v in examples})}); give the column one "
                   "type (e.g. groups[col].astype(str))")
    return text


def _rates(y: np.ndarray, p: np.ndarray, sel: np.ndarray) -> Dict[str, float]:
    pos, neg = y == 1, y == 0
    tp, fp = int((sel & pos).sum()), int((sel & neg).sum())
    n1, n0, ns = int(pos.sum()), int(neg.sum()), int(sel.sum())
    nan = float("nan")
    return {"n": len(y), "positives": n1, "negatives": n0, "selected": ns, "tp": tp, "fp": fp,
            "selection_rate": ns / len(y) if len(y) else nan,
            "tpr": tp / n1 if n1 else nan, "fpr": fp / n0 if n0 else nan, "ppv": tp / ns if ns else nan,
            "mean_p": float(p.mean()) if len(p) else nan, "observed_rate": n1 / len(y) if len(y) else nan,
            "expected": float(p.sum())}


def _wilson(k: int, n: int, z: float) -> tuple:
    """Wilson score interval for k successes in n trials (z: the normal quantile of the level)."""
    from scipy import stats

    from ..measures.stats import wilson_interval

    lo, hi = wilson_interval(np.array([k]), np.array([n]), alpha=2 * stats.norm.sf(z))
    return float(lo[0]), float(hi[0])


def _clopper_pearson(k: int, n: int, alpha: float) -> tuple:
    """Exact (Clopper-Pearson) interval for k successes in n trials at level 1 - alpha."""
    from scipy.stats import beta

    low = float(beta.ppf(alpha / 2, k, n - k + 1)) if k > 0 else 0.0
    high = float(beta.ppf(1 - alpha / 2, k + 1, n - k)) if k < n else 1.0
    return low, high


def _ratio_ci(k1: int, n1: int, k0: int, n0: int, z: float) -> tuple:
    """Interval for the rate ratio (k1/n1) / (k0/n0): MOVER on the log scale (Newcombe; Donner and
    Zou) from each group's exact Clopper-Pearson interval.

    The log ratio's lower end is ``log r - sqrt(log(p1/l1)^2 + log(u0/p0)^2)`` and its upper end
    ``log r + sqrt(log(u1/p1)^2 + log(p0/l0)^2)``. A rate of 0 or 1 in either group still has an
    interval of positive width on its open side, so a group of one, or every row selected, no
    longer gets a zero-width interval (the Katz interval's variance ``1/k - 1/n`` is 0 at k = n:
    a selected group of one got [8.5, 18.3] while Fisher's p was 0.08). Its coverage at 95% was
    at least 95% in every case checked (groups of 1 to 200 against references of 8 to 1000, rates
    0.02 to 0.95; the Katz interval covered 41% to 89% with rates near 1). When the group's count is
    0 the interval runs from 0 to ``u1 / l0``; when the reference's is 0, from ``l1 / u0`` to
    infinity; when both are, from 0 to infinity."""
    if min(n1, n0) == 0:
        return float("nan"), float("nan")
    from scipy.stats import norm

    alpha = 2 * float(norm.sf(z))
    l1, u1 = _clopper_pearson(k1, n1, alpha)
    l0, u0 = _clopper_pearson(k0, n0, alpha)
    if k1 == 0:
        return 0.0, (math.inf if k0 == 0 else u1 / l0)
    if k0 == 0:
        return l1 / u0, math.inf
    p1, p0 = k1 / n1, k0 / n0
    log_ratio = math.log(p1 / p0)
    low = log_ratio - math.hypot(math.log(p1 / l1), math.log(u0 / p0))
    high = log_ratio + math.hypot(math.log(u1 / p1), math.log(p0 / l0))
    return math.exp(low), math.exp(high)


def _fisher_p(k1: int, n1: int, k0: int, n0: int) -> float:
    from scipy.stats import fisher_exact

    if min(n1, n0) == 0:
        return float("nan")
    return float(fisher_exact([[k1, n1 - k1], [k0, n0 - k0]])[1])


def _calibration_test(g: Dict[str, float], ref: Dict[str, float], z: float) -> tuple:
    """Ratio of observed/expected in the group to the reference's, its interval and p-value.

    Exact and conditional, as two standardised ratios are compared: given both groups' positives
    together, the group's count is binomial with the share of the expected positives that is the
    group's (its score sum over both groups') when both are as well calibrated as each other. The
    Clopper-Pearson interval of that share gives the ratio's; the binomial test its p-value. A
    normal approximation on log O/E covered 92% at 95% with about 5 positives in the group."""
    from scipy.stats import beta, binomtest, norm

    if min(g["positives"], ref["positives"]) == 0 or min(g["expected"], ref["expected"]) <= 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    k, total = int(round(g["positives"])), int(round(g["positives"] + ref["positives"]))
    share = g["expected"] / (g["expected"] + ref["expected"])
    scale = ref["expected"] / g["expected"]   # the ratio is the odds of the share times this
    a = 2 * norm.sf(z)
    lo = beta.ppf(a / 2, k, total - k + 1) if k > 0 else 0.0
    hi = beta.ppf(1 - a / 2, k + 1, total - k) if k < total else 1.0
    ratio = (g["positives"] / g["expected"]) / (ref["positives"] / ref["expected"])
    odds = lambda q: q / (1 - q) * scale if q < 1 else float("inf")  # noqa: E731
    return ratio, odds(lo), odds(hi), float(binomtest(k, total, share).pvalue)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and are not counted)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out



def _rate_ratio(rate: float, base: float, is_reference: bool) -> float:
    """A group's rate over the reference group's: infinite when only the reference's is 0 (the
    widest disparity, which a NaN hid from the flags), 1 when both are (and for the reference
    itself), NaN when either is undefined (no one to count)."""
    if is_reference:
        return 1.0 if np.isfinite(rate) else float("nan")
    if not (np.isfinite(rate) and np.isfinite(base)):
        return float("nan")
    if base == 0:
        return float("inf") if rate > 0 else 1.0
    return rate / base

def fairness_audit(y: Any, p: Any, groups: Any, threshold: Optional[float] = None, top_k_percent: float = 10,
                   reference: Optional[Mapping[str, str]] = None, max_ratio_gap: float = 0.2,
                   min_positives: int = 10, alpha: float = 0.05, level: float = 0.95) -> FairnessAudit:
    """Selection, error rates and calibration by group, with intervals, ratios to a reference
    group and flags that need statistical evidence.

    Parameters
    ----------
    y : 0/1 outcomes.
    p : scores (probabilities) from any model.
    groups : DataFrame of group columns (e.g. ``FeatureSet.groups``: ethnicity, sex,
        disability, locality_id), a Series, or a dict of columns. Missing values are the
        group ``"(missing)"``, kept apart from a recorded ``"unknown"``, so their number stays
        visible in its row.
    threshold : float, optional
        A family is "selected" when its score is at least this. Default: the score
        of the ``top_k_percent`` highest (the families a service would prioritise).
    top_k_percent : float, default 10
        without ``threshold``: select the scores in this top percentage.
    reference : mapping of str to str, optional
        ``{attribute: group}``; default the largest group of each attribute other than
        ``"(missing)"`` (unless every value is missing).
    max_ratio_gap : float, default 0.2
        A ratio must be outside [1 - gap, 1 / (1 - gap)] to be flagged (0.2: the
        four-fifths rule); so must the calibration ratio relative to the reference group.
    min_positives : int, default 10
        Groups (or reference groups) with fewer positives are reported with
        ``small_group=True`` and not flagged: at base rates of 5-10% a group needs about
        100-200 rows to hold 10 positives.
    alpha : float, default 0.05
        Family-wise error rate of the flags (Holm's correction over every test).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    FairnessAudit
        One row per attribute and group: ``attribute``, ``group``, ``n``,
        ``positives``, ``selected``, and for ``selection_rate``, ``tpr``, ``fpr``, ``ppv``: the
        rate, its Wilson interval (``<metric>_low``, ``<metric>_high``), the ratio to the
        reference group with a MOVER interval built from exact Clopper-Pearson intervals
        (``<metric>_ratio``, ``_ratio_low``, ``_ratio_high``; it keeps its coverage when a rate is
        0 or 1) and Fisher's exact p-value against the reference (``<metric>_p``);
        ``mean_p``, ``observed_rate``, ``calibration_ratio`` (observed / mean score) and
        ``calibration_ratio_vs_reference`` with ``_low``, ``_high`` and ``calibration_p``
        (the reference group's own row: ratios of 1, with no interval or p-value, NaN);
        ``is_reference``, ``small_group``, ``flags`` (comma-joined metrics flagged) and
        ``flagged``; its fields hold ``threshold``, ``selected_share`` (the share of all rows
        selected: scores tied at the threshold are all selected, so it can be above
        ``top_k_percent``), ``max_ratio_gap``, ``alpha``, ``min_positives`` and ``n_tests``
        (the tests Holm's correction ran over).
    """
    yy, pp = _as_labels(y), _as_probabilities(p)
    _check_pair(yy, pp)
    frame = _groups_frame(groups, len(yy))
    if not (is_finite_real(max_ratio_gap) and 0 < max_ratio_gap < 1):
        raise _bad("max_ratio_gap", f"must be between 0 and 1, not {max_ratio_gap!r}")
    if not is_whole(min_positives) or min_positives < 1:
        raise _bad("min_positives", f"must be a whole number >= 1, not {min_positives!r}")
    if not (is_finite_real(alpha) and 0 < alpha < 1):
        raise _bad("alpha", f"must be between 0 and 1, not {alpha!r}")
    z = two_sided_z(level, table="fairness_audit")
    if threshold is None:
        if not (is_finite_real(top_k_percent) and 0 < top_k_percent <= 100):
            raise _bad("top_k_percent", f"must be a number in (0, 100], not {top_k_percent!r}")
        n_top = max(1, math.ceil(len(pp) * top_k_percent / 100 - 1e-9))
        threshold = float(np.sort(pp)[::-1][n_top - 1])
    elif not (is_finite_real(threshold) and 0 <= threshold <= 1):
        raise _bad("threshold", f"must be a probability in [0, 1], not {threshold!r}")
    if reference is not None and not isinstance(reference, Mapping):
        raise _bad("reference", f"must be a dict {{attribute: group}}, not {type(reference).__name__}")
    reference = dict(reference or {})
    unknown = sorted(set(reference) - set(frame.columns))
    if unknown:
        raise _bad("reference", f"names attributes not in groups: {unknown}")
    selected = pp >= threshold
    lo, hi = 1 - max_ratio_gap, 1 / (1 - max_ratio_gap)
    nan = float("nan")
    rows: List[Dict[str, Any]] = []
    for attr in frame.columns:
        values = frame[attr].to_numpy()
        sizes = pd.Series(values).value_counts()
        # group labels are compared as text (missing ones are MISSING_GROUP), so is the reference;
        # by default the largest recorded group: a reference of unknown membership says little
        recorded = [v for v in sizes.index if v != MISSING_GROUP] or list(sizes.index)
        ref = str(reference[attr]) if attr in reference else recorded[0]
        if ref not in sizes.index:
            raise _bad("reference", f"group {ref!r} of {attr!r} is not in the data (groups: {list(sizes.index)})")
        ref_mask = values == ref
        rr = _rates(yy[ref_mask], pp[ref_mask], selected[ref_mask])
        for g in sorted(sizes.index, key=lambda v: (-sizes[v], v)):
            m = values == g
            r = _rates(yy[m], pp[m], selected[m])
            out: Dict[str, Any] = {"attribute": attr, "group": g}
            for key in ("n", "positives", "selected"):
                out[key] = r[key]
            is_ref = g == ref
            for metric in RATIO_METRICS:
                k_name, n_name = _COUNTS[metric]
                k1, n1, k0, n0 = r[k_name], r[n_name], rr[k_name], rr[n_name]
                out[metric] = r[metric]
                out[f"{metric}_low"], out[f"{metric}_high"] = _wilson(k1, n1, z)
                base = rr[metric]
                out[f"{metric}_ratio"] = _rate_ratio(r[metric], base, is_ref)
                # the reference against itself is no comparison: its ratio is 1 by definition, with no
                # interval (one computed as for an independent group would be as wide as a real one's)
                out[f"{metric}_ratio_low"], out[f"{metric}_ratio_high"] = (nan, nan) if is_ref else \
                    _ratio_ci(k1, n1, k0, n0, z)
                out[f"{metric}_p"] = nan if is_ref else _fisher_p(k1, n1, k0, n0)
            out["mean_p"], out["observed_rate"] = r["mean_p"], r["observed_rate"]
            out["calibration_ratio"] = r["observed_rate"] / r["mean_p"] if r["mean_p"] > 0 else nan
            c, c_lo, c_hi, c_p = _calibration_test(r, rr, z)
            out["calibration_ratio_vs_reference"], out["calibration_ratio_vs_reference_low"] = c, c_lo
            out["calibration_ratio_vs_reference_high"] = c_hi
            if is_ref:
                out["calibration_ratio_vs_reference_low"] = out["calibration_ratio_vs_reference_high"] = nan
            out["calibration_p"] = nan if is_ref else c_p
            out["is_reference"] = is_ref
            out["small_group"] = min(r["positives"], rr["positives"]) < min_positives
            rows.append(out)
    result = pd.DataFrame(rows)
    # Holm over every test of groups large enough to judge
    tests = [f"{m}_p" for m in RATIO_METRICS] + ["calibration_p"]
    judged = ~result["small_group"].to_numpy()
    raw = result[tests].to_numpy(dtype=float).copy()
    raw[~judged] = np.nan
    adjusted = holm(raw.ravel()).reshape(raw.shape)
    ratio_cols = [f"{m}_ratio" for m in RATIO_METRICS] + ["calibration_ratio_vs_reference"]
    ratios = result[ratio_cols].to_numpy(dtype=float)
    outside = ~np.isnan(ratios) & ((ratios < lo) | (ratios > hi))  # an infinite ratio is the widest gap
    hit = outside & (np.nan_to_num(adjusted, nan=1.0) < alpha)
    names = list(RATIO_METRICS) + ["calibration"]
    result["flags"] = [",".join(n for n, h in zip(names, row) if h) for row in hit]
    result["flagged"] = hit.any(axis=1)
    return FairnessAudit.of(result, threshold=threshold, selected_share=float(selected.mean()),
                            max_ratio_gap=max_ratio_gap, alpha=alpha,
                            min_positives=int(min_positives), n_tests=int(np.isfinite(raw).sum()))
