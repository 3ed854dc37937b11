"""Expected step-ups per locality from family risk scores, for comparison with demand forecasts.

With independent families, the number of step-ups in a locality is Poisson-binomial: a
sum of Bernoulli(p_i). Its mean is sum p_i and its variance sum p_i (1 - p_i). The interval
runs between whole-number quantiles of that distribution, computed exactly (a locality's
families are few: the normal approximation put bounds such as 0 to 6.2 on 3 expected), so
it covers at least ``level``; beyond ``EXACT_MAX_FAMILIES`` families in one group, where
the exact calculation grows slow and the normal approximation is close, the normal
quantiles rounded outwards.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import Problem, ValidationError
from ..results import FrameResult
from ..data.dataset import check_dataset, check_unique_ids
from ._glm import two_sided_z
from .evaluate import _as_labels, _as_probabilities
from .fairness import MISSING_GROUP
from .features import family_localities


#: the most families in one group whose distribution is computed exactly (quadratic time)
EXACT_MAX_FAMILIES = 20_000


def poisson_binomial_pmf(p: np.ndarray) -> np.ndarray:
    """P(X = k), k = 0..n, for X the sum of independent Bernoulli(p_i) (by convolution)."""
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for i, q in enumerate(np.asarray(p, dtype=float)):
        # adding family i: X stays (1 - q) or moves up one (q); only the first i + 2 cells change
        pmf[1:i + 2] = pmf[1:i + 2] * (1 - q) + pmf[:i + 1] * q
        pmf[0] *= 1 - q
    return pmf


def _count_interval(p: np.ndarray, level: float) -> "tuple[float, float]":
    """Equal-tailed interval of whole numbers for the Poisson-binomial count of ``p``."""
    a = (1 - level) / 2
    if len(p) <= EXACT_MAX_FAMILIES:
        cdf = np.cumsum(poisson_binomial_pmf(p))
        # the smallest k with P(X <= k) >= a, and with P(X <= k) >= 1 - a (rounding slack allowed)
        lower = int(np.searchsorted(cdf, a - 1e-12))
        upper = int(np.searchsorted(cdf, 1 - a - 1e-12))
        return float(lower), float(min(upper, len(p)))
    mean, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    z = stats.norm.isf(a)  # 1 - a rounds to 1 (z = inf) for levels within 1e-16 of 1
    return float(max(0.0, np.floor(mean - z * sd))), float(np.ceil(mean + z * sd))


class ExpectedStepUps(FrameResult):
    """:func:`expected_step_ups`'s table; ``level`` is the coverage of ``lower``/``upper``;
    ``locality_from_episode`` the number of score rows whose locality came from the episode (the
    family has none in ``families``), ``no_locality`` those under ``"(missing)"``."""

    _metadata = ["level", "locality_from_episode", "no_locality"]
    level: float = 0.95
    locality_from_episode: int = 0
    no_locality: int = 0


def _scores_frame(scores: Any) -> pd.DataFrame:
    if isinstance(scores, pd.Series):
        if scores.index.name != "family_id" and "family_id" not in (scores.index.names or []):
            raise ValidationError(Problem("expected_step_ups", "scores", "a Series of scores must be indexed by "
                                          "family_id (its index name), e.g. scores.rename_axis('family_id')",
                                          value=scores.index.name))
        frame = pd.DataFrame({"family_id": scores.index.astype(str), "p": scores.to_numpy()})
    elif isinstance(scores, pd.DataFrame):
        if "family_id" not in scores.columns:
            raise ValidationError(Problem("scores", "family_id", "required column is missing (the family each "
                                          "probability is for)", value=[str(c) for c in scores.columns[:10]]))
        col = "p" if "p" in scores.columns else ("score" if "score" in scores.columns else None)
        if col is None:
            raise ValidationError(Problem("scores", "p", "required column is missing: p (or score), the "
                                          "probabilities", value=[str(c) for c in scores.columns[:10]]))
        frame = pd.DataFrame({"family_id": scores["family_id"].astype(str).to_numpy(), "p": scores[col].to_numpy()})
        if "episode_id" in scores.columns:  # e.g. FeatureSet.ids: the episode each row is about
            frame["episode_id"] = scores["episode_id"].astype(object).to_numpy()
        if "at" in scores.columns:  # e.g. FeatureSet.ids: each row's cut-off date
            frame["at"] = _as_dates(scores["at"])
    else:
        raise ValidationError(Problem("expected_step_ups", "scores", "must be a DataFrame (family_id, p) or a Series "
                                      f"indexed by family_id, not {type(scores).__name__}"))
    frame["p"] = _as_probabilities(frame["p"], "scores")
    return frame


def _as_dates(values: pd.Series) -> np.ndarray:
    """The ``at`` column of scores as dates; a value that is not a date is refused by row."""
    dates = pd.to_datetime(values, errors="coerce")
    bad = np.flatnonzero((dates.isna() & values.notna()).to_numpy())
    if bad.size:
        raise ValidationError(Problem("scores", "at", "not a date (the cut-off date of the row)",
                                      rows=[int(i) for i in bad[:10]], n_rows=bad.size, value=values.iloc[bad[0]]))
    return dates.to_numpy()


def expected_step_ups(scores: Any, ds: Any, by: str = "locality", level: float = 0.95,
                      observed: Optional[Any] = None) -> ExpectedStepUps:
    """Expected number of step-ups per locality (or for the council) with an interval.

    Parameters
    ----------
    scores : DataFrame with ``family_id`` and ``p`` (e.g. ``fs.ids.assign(p=model.predict_proba(fs.X)[:, 1])``),
        or a Series of probabilities indexed by ``family_id``. A family may appear more than
        once (several dates): each row counts.
    ds : Dataset
        The council's data (families give the locality; localities give the name).
    by : str, default "locality"
        ``"locality"`` or ``"council"`` (one row).
    level : float, default 0.95
        Interval coverage: ``lower`` and ``upper`` are whole-number quantiles of the
        Poisson-binomial count, so the count falls between them (inclusive) with probability
        at least ``level``.
    observed : optional 0/1 outcomes aligned with ``scores``, to show the observed count.

    Returns
    -------
    DataFrame, one row per locality: ``locality_id``, ``name``, ``families``, ``expected``,
    ``sd``, ``lower``, ``upper`` (and ``observed``). A family's locality follows the rule
    :func:`build_features` uses (``earlyhelp.risk.features.family_localities``): its
    ``locality_id`` in ``families``, else that of the row's episode: the ``episode_id`` column of
    ``scores`` (as ``FeatureSet.ids`` has) or, without one, the episode :func:`build_features` takes
    for the family at the row's cut-off date (the ``at`` column, else the data's last date): its
    latest-starting episode open then, never one starting after it. Families with neither are
    grouped under ``"(missing)"``; none are dropped. The result's
    ``locality_from_episode`` and ``no_locality`` count the rows that took the fallback or have none.
    """
    if by not in ("locality", "council"):
        raise ValidationError(Problem("expected_step_ups", "by", "must be 'locality' or 'council'", value=by))
    two_sided_z(level, table="expected_step_ups")  # checks level (a ValidationError)
    check_dataset(ds, "expected_step_ups")
    check_unique_ids(ds, (("families", "family_id"), ("localities", "locality_id")),
                     "each family's locality is looked up by it")
    frame = _scores_frame(scores)
    if observed is not None:
        y = _as_labels(observed, "observed")
        if len(y) != len(frame):
            raise ValidationError(Problem("expected_step_ups", "observed", f"observed has {len(y)} rows but scores "
                                          f"has {len(frame)}: one outcome per row of scores, in its order",
                                          value=len(y)))
        frame["observed"] = y
    fam = ds.families
    loc = pd.Series(fam["locality_id"].astype(object).to_numpy(), index=fam["family_id"].astype(str).to_numpy())
    unknown_family = ~frame["family_id"].isin(loc.index)
    if unknown_family.any():
        bad = frame.loc[unknown_family, "family_id"].tolist()
        raise ValidationError([Problem("scores", "family_id", "families not in ds.families", rows=bad[:10],
                                       n_rows=len(bad))])
    from_episode = no_locality = 0
    if by == "locality":
        at = frame["at"] if "at" in frame else ds.data_end()
        found, from_ep = family_localities(fam, ds.episodes, frame["family_id"], frame.get("episode_id"), at=at)
        from_episode, no_locality = int(from_ep.sum()), int(found.isna().sum())
        # "(missing)", as fairness_audit names it: apart from a locality recorded as "unknown"
        key = found.map(lambda v: MISSING_GROUP if pd.isna(v) else str(v))
    else:
        key = pd.Series("council", index=frame.index)
    frame["key"] = key.to_numpy()
    frame["var"] = frame["p"] * (1 - frame["p"])
    agg = {"families": ("p", "size"), "expected": ("p", "sum"), "var": ("var", "sum")}
    if observed is not None:
        agg["observed"] = ("observed", "sum")
    out = frame.groupby("key", sort=True).agg(**agg).reset_index()
    out["sd"] = np.sqrt(out["var"])
    bounds = {k: _count_interval(g.to_numpy(dtype=float), level) for k, g in frame.groupby("key", sort=True)["p"]}
    out["lower"] = out["key"].map(lambda k: bounds[k][0]).astype(float)
    out["upper"] = out["key"].map(lambda k: bounds[k][1]).astype(float)
    id_col = "locality_id" if by == "locality" else "council"
    out = out.rename(columns={"key": id_col})
    cols = [id_col]
    if by == "locality":
        from ..data.names import locality_names, name_of

        out["name"] = name_of(out["locality_id"], locality_names(ds.localities)).to_numpy()
        cols.append("name")
    cols += ["families", "expected", "sd", "lower", "upper"] + (["observed"] if observed is not None else [])
    return ExpectedStepUps.of(out[cols], level=level, locality_from_episode=from_episode, no_locality=no_locality)
