"""Level of need and need score per family, from the needs known at a date.

The ten needs are the Supporting Families headline outcomes (``codes.NEEDS``). A
family's level of need on the continuum (1 universal, 2 earliest help, 3 multi-agency
early help, 4 statutory) is read from a thresholds table the council configures.

Defaults (``DEFAULT_THRESHOLDS``), after councils' thresholds documents (Wigan's,
Worcestershire's and Wolverhampton's strategies: levels 1-4):

===============  =====================================================
needs (count)    level
===============  =====================================================
0                1 universal
1-2              2 earliest help (usually one agency)
3 or more        3 multi-agency early help (Coventry's Supporting Families rule)
severe signal    4 statutory: a severe combination of needs (child safety with
                 domestic abuse or with substance use), or a child of the family
                 with a social-care referral open at the date
===============  =====================================================

Weights for the need score default to 1, with the safeguarding needs weighted more
(child safety 3, domestic abuse 2, substance use 2, mental and physical health 1.5).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_finite_real, is_number, is_real, is_whole
from ..data import codes

DEFAULT_WEIGHTS: Dict[str, float] = {need: 1.0 for need in codes.NEEDS}
DEFAULT_WEIGHTS.update({"child_safety": 3.0, "domestic_abuse": 2.0, "substance_use": 2.0, "health": 1.5})

DEFAULT_LEVELS: Dict[float, int] = {0: 1, 1: 2, 3: 3}

DEFAULT_SEVERE: Tuple[Tuple[str, ...], ...] = (("child_safety", "domestic_abuse"), ("child_safety", "substance_use"))


@dataclass(frozen=True)
class NeedThresholds:
    """A council's thresholds table for the level of need.

    Parameters
    ----------
    levels : mapping of float to int
        ``{minimum: level}``: a family whose count of needs (or need score, with
        ``basis="score"``) is at least ``minimum`` gets ``level`` (the largest minimum
        reached wins). Must contain 0; levels 1-4, not decreasing with the minimum.
        A DataFrame with columns ``minimum`` and ``level`` is accepted too.
    basis : str, default "count"
        ``"count"`` (number of needs) or ``"score"`` (weighted need score).
    weights : mapping of str to float
        Weight of each need in the need score; needs not named keep their
        default weight (``DEFAULT_WEIGHTS``).
    severe : sequence of sequence of str
        Combinations of needs that signal level 4 when all are present.
    statutory_open : bool, default True
        A family with a child whose social-care referral is open at the
        date is at level 4 (it is already known to statutory services).
    lookback_days : int, default 365
        Needs identified up to this many days before the date count, while
        not recorded as resolved.
    """

    levels: Mapping[float, int] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    basis: str = "count"
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    severe: Sequence[Sequence[str]] = DEFAULT_SEVERE
    statutory_open: bool = True
    lookback_days: int = 365

    def checked(self) -> "NeedThresholds":
        """The same thresholds with levels as a sorted dict; raises ValidationError when invalid.

        Returns
        -------
        NeedThresholds
        """
        problems = []
        levels = self.levels
        if isinstance(levels, pd.DataFrame):
            if not {"minimum", "level"} <= set(levels.columns):
                problems.append(Problem("thresholds", "levels", "a levels table needs columns minimum and level"))
                raise ValidationError(problems)
            repeated = levels["minimum"][levels["minimum"].duplicated()]
            if len(repeated):  # a dict would keep only the last row of each
                raise ValidationError([Problem("thresholds", "levels", "a minimum appears more than once in the "
                                               "levels table", rows=repeated.index.tolist()[:10],
                                               n_rows=len(repeated), value=repeated.iloc[0])])
            levels = dict(zip(levels["minimum"], levels["level"]))
        try:
            items = list(dict(levels).items())
        except (TypeError, ValueError):
            items = None
        if items is None or not all(is_real(k) and is_real(v) for k, v in items):  # "2" or True is not a number
            raise ValidationError([Problem("thresholds", "levels", "minimums must be numbers and levels whole numbers",
                                           value=repr(levels))])
        fractional = [float(v) for _, v in items if not is_whole(v, whole_floats=True)]
        if fractional:  # int() would silently round 2.7 down to level 2
            raise ValidationError([Problem("thresholds", "levels", "minimums must be numbers and levels whole numbers",
                                           value=repr(fractional))])
        table = sorted((float(k), int(v)) for k, v in items)
        if not table or table[0][0] != 0:
            problems.append(Problem("thresholds", "levels", "the table must start at a minimum of 0",
                                    value=repr(levels)))
        bad = [lv for _, lv in table if lv not in (1, 2, 3, 4)]
        if bad:
            problems.append(Problem("thresholds", "levels", "levels must be 1, 2, 3 or 4", value=repr(bad)))
        if any(b[1] < a[1] for a, b in zip(table, table[1:])):
            problems.append(Problem("thresholds", "levels", "levels must not fall as the minimum rises",
                                    value=repr(table)))
        if any(not np.isfinite(k) for k, _ in table):
            problems.append(Problem("thresholds", "levels", "minimums must be finite", value=repr(table)))
        if self.basis not in ("count", "score"):
            problems.append(Problem("thresholds", "basis", "basis must be 'count' or 'score'", value=repr(self.basis)))
        unknown = sorted(set(self.weights) - set(codes.NEEDS))
        if unknown:
            problems.append(Problem("thresholds", "weights", f"not needs: {unknown}; needs are {list(codes.NEEDS)}"))
        negative = {k: v for k, v in self.weights.items() if not (is_finite_real(v) and v >= 0)}
        if negative:
            problems.append(Problem("thresholds", "weights", "weights must be finite and >= 0", value=repr(negative)))
        for combo in self.severe:
            if isinstance(combo, str) or not set(combo) <= set(codes.NEEDS) or not combo:
                problems.append(Problem("thresholds", "severe",
                                        "each severe indicator is a non-empty list of needs", value=repr(combo)))
        if not (is_whole(self.lookback_days) and self.lookback_days >= 0):
            problems.append(Problem("thresholds", "lookback_days", "must be a whole number >= 0",
                                    value=repr(self.lookback_days)))
        if problems:
            raise ValidationError(problems)
        weights = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in self.weights.items()}}
        return NeedThresholds(levels=dict(table), basis=self.basis, weights=weights,
                              severe=tuple(tuple(c) for c in self.severe),
                              statutory_open=self.statutory_open, lookback_days=int(self.lookback_days))

    def table(self) -> pd.DataFrame:
        """The levels table as a DataFrame (minimum, level, level_name), for reports.

        Returns
        -------
        DataFrame
        """
        t = self.checked()
        return pd.DataFrame({"minimum": list(t.levels), "level": list(t.levels.values()),
                             "level_name": [codes.LEVEL_NAMES[v] for v in t.levels.values()]})


DEFAULT_THRESHOLDS = NeedThresholds()

ThresholdsLike = Union[None, NeedThresholds, Mapping[str, Any]]


def _as_thresholds(thresholds: ThresholdsLike) -> NeedThresholds:
    if thresholds is None:
        return DEFAULT_THRESHOLDS.checked()
    if isinstance(thresholds, NeedThresholds):
        return thresholds.checked()
    if isinstance(thresholds, Mapping):
        allowed = set(NeedThresholds.__dataclass_fields__)
        unknown = sorted(set(thresholds) - allowed)
        if unknown:
            raise ValidationError([Problem("thresholds", None, f"unknown settings {unknown}; known: {sorted(allowed)}")])
        return NeedThresholds(**thresholds).checked()
    raise TypeError(f"thresholds must be a NeedThresholds, a dict or None, not {type(thresholds).__name__}")


def _in(a: Any, b: Any) -> np.ndarray:
    """``a.isin(b)`` on plain object arrays (much faster than on pyarrow strings)."""
    values = pd.unique(np.asarray(pd.Series(b).dropna(), dtype=object))
    return pd.Series(np.asarray(a, dtype=object)).isin(values).to_numpy(dtype=bool)


def _family_needs_at(snap: Any, at: pd.Timestamp, lookback_days: int) -> pd.DataFrame:
    """(family_id, need) pairs identified within the lookback and not recorded as resolved."""
    fn = snap.family_needs
    ep = snap.episodes[["episode_id", "family_id"]]
    j = fn.merge(ep, on="episode_id", how="inner")
    recent = j["identified_date"] >= at - pd.Timedelta(days=lookback_days)
    resolved = j["resolved"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    j = j[recent.to_numpy(dtype=bool, na_value=False) & ~resolved & j["family_id"].notna().to_numpy()]
    return j[["family_id", "need"]].astype({"need": str}).drop_duplicates()


def _open_referral_families(snap: Any, at: pd.Timestamp) -> pd.Index:
    """Families with a child whose social-care referral is open at ``at``."""
    ref = snap.csc_referrals
    open_ref = ref[ref["close_date"].isna().to_numpy() & (ref["referral_date"] <= at).to_numpy(dtype=bool,
                                                                                                na_value=False)]
    m = snap.family_members
    valid = ((m["valid_from"].isna() | (m["valid_from"] <= at)) & (m["valid_to"].isna() | (m["valid_to"] >= at)))
    m = m[valid.to_numpy(dtype=bool, na_value=True)]
    return pd.Index(m.loc[_in(m["person_id"], open_ref["person_id"]), "family_id"].dropna().unique())


def need_profile(ds: Any, at: Any, thresholds: ThresholdsLike = None) -> pd.DataFrame:
    """Needs, need score and level of need of every family, as known at ``at``.

    Parameters
    ----------
    ds : Dataset
    at : the date; only data known by its end is used (``ds.snapshot(at)``).
    thresholds : ThresholdsLike, optional
        :class:`NeedThresholds`, a dict of its settings, or None for
        ``DEFAULT_THRESHOLDS`` (see the module docstring).

    Returns
    -------
    DataFrame, one row per family of ``ds.families`` (sorted by family_id): ``family_id``,
    ``locality_id``, one boolean column per need (``codes.NEEDS`` order), ``n_needs``,
    ``need_score``, ``severe_signal`` (a severe combination present), ``statutory_open``
    (a child's social-care referral open at ``at``), ``level`` (1-4) and ``level_name``.
    """
    if is_number(at):  # pandas would read 20230630 as nanoseconds since 1970, a profile with no needs
        raise ValidationError(Problem("need_profile", "at", "must be a date such as '2024-03-31', not a number",
                                      value=at))
    try:
        stamp = pd.Timestamp(at)
    except (TypeError, ValueError) as exc:
        raise ValidationError(Problem("need_profile", "at", "must be a date such as '2024-03-31'",
                                      value=at)) from exc
    if pd.isna(stamp):
        raise ValidationError(Problem("need_profile", "at", "must be a date such as '2024-03-31', not missing",
                                      value=at))
    if stamp.tz is not None:  # the data's dates carry no time zone
        raise ValidationError(Problem("need_profile", "at", "must be a date without a time zone (the data's dates "
                                      "have none)", value=at))
    at = stamp.normalize()
    return profile_known(ds.snapshot(at), at, _as_thresholds(thresholds))


def profile_known(snap: Any, at: pd.Timestamp, t: NeedThresholds) -> pd.DataFrame:
    """:func:`need_profile` on a Dataset already cut at ``at`` (``snap = ds.snapshot(at)``)."""
    fam = snap.families[["family_id", "locality_id"]].dropna(subset=["family_id"]) \
        .sort_values("family_id", kind="stable").reset_index(drop=True)
    pairs = _family_needs_at(snap, at, t.lookback_days)
    flags = pd.crosstab(pairs["family_id"], pairs["need"]).astype(bool) if len(pairs) else pd.DataFrame()
    out = fam.copy()
    matrix = np.zeros((len(fam), len(codes.NEEDS)), dtype=bool)
    if len(flags):
        idx = flags.reindex(index=fam["family_id"].astype(str), columns=list(codes.NEEDS), fill_value=False)
        matrix = idx.to_numpy(dtype=bool)
    for k, need in enumerate(codes.NEEDS):
        out[need] = matrix[:, k]
    w = np.array([t.weights[n] for n in codes.NEEDS], dtype=float)
    out["n_needs"] = matrix.sum(axis=1).astype(np.int64)
    out["need_score"] = matrix.astype(float) @ w
    severe = np.zeros(len(fam), dtype=bool)
    for combo in t.severe:
        cols = [codes.NEEDS.index(n) for n in combo]
        severe |= matrix[:, cols].all(axis=1)
    out["severe_signal"] = severe
    statutory = _in(fam["family_id"], _open_referral_families(snap, at)) \
        if t.statutory_open else np.zeros(len(fam), dtype=bool)
    out["statutory_open"] = statutory
    basis = out["n_needs"].to_numpy(float) if t.basis == "count" else out["need_score"].to_numpy()
    minimums = np.array(list(t.levels), dtype=float)
    lv = np.array(list(t.levels.values()), dtype=np.int64)
    level = lv[np.searchsorted(minimums, basis, side="right") - 1]
    level = np.where(severe | statutory, 4, level)
    out["level"] = level.astype(np.int64)
    out["level_name"] = pd.Categorical([codes.LEVEL_NAMES[v] for v in level],
                                       categories=[codes.LEVEL_NAMES[k] for k in (1, 2, 3, 4)])
    return out
