"""Expected step-ups per locality from family risk scores, for comparison with demand forecasts.

With independent families, the number of step-ups in a locality is Poisson-binomial: a
sum of Bernoulli(p_i). Its mean is sum p_i and its variance sum p_i (1 - p_i); the interval
is the normal approximation (clipped at 0), good when the variance is a few units or more.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import Problem, ValidationError
from .._numbers import is_real
from ..results import FrameResult
from .evaluate import _as_labels, _as_probabilities


class ExpectedStepUps(FrameResult):
    """:func:`expected_step_ups`'s table; ``level`` is the coverage of ``lower``/``upper``."""

    _metadata = ["level"]
    level: float = 0.95


def _scores_frame(scores: Any) -> pd.DataFrame:
    if isinstance(scores, pd.Series):
        if scores.index.name != "family_id" and "family_id" not in (scores.index.names or []):
            raise ValueError("a Series of scores must be indexed by family_id")
        frame = pd.DataFrame({"family_id": scores.index.astype(str), "p": scores.to_numpy()})
    elif isinstance(scores, pd.DataFrame):
        if "family_id" not in scores.columns:
            raise ValueError("scores must have a family_id column")
        col = "p" if "p" in scores.columns else ("score" if "score" in scores.columns else None)
        if col is None:
            raise ValueError("scores must have a column p (or score) of probabilities")
        frame = pd.DataFrame({"family_id": scores["family_id"].astype(str).to_numpy(), "p": scores[col].to_numpy()})
    else:
        raise TypeError(f"scores must be a DataFrame (family_id, p) or a Series indexed by family_id, "
                        f"not {type(scores).__name__}")
    frame["p"] = _as_probabilities(frame["p"], "scores")
    return frame


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
        Interval coverage (normal approximation to the Poisson-binomial).
    observed : optional 0/1 outcomes aligned with ``scores``, to show the observed count.

    Returns
    -------
    DataFrame, one row per locality: ``locality_id``, ``name``, ``families``, ``expected``,
    ``sd``, ``lower``, ``upper`` (and ``observed``). Families with no locality are grouped
    under ``unknown``; none are dropped.
    """
    if by not in ("locality", "council"):
        raise ValueError(f"by must be 'locality' or 'council', not {by!r}")
    if not (is_real(level) and 0 < level < 1):
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    frame = _scores_frame(scores)
    if observed is not None:
        y = _as_labels(observed, "observed")
        if len(y) != len(frame):
            raise ValueError(f"observed has {len(y)} rows but scores has {len(frame)}")
        frame["observed"] = y
    fam = ds.families
    loc = pd.Series(fam["locality_id"].astype(object).to_numpy(), index=fam["family_id"].astype(str).to_numpy())
    unknown_family = ~frame["family_id"].isin(loc.index)
    if unknown_family.any():
        bad = frame.loc[unknown_family, "family_id"].tolist()
        raise ValidationError([Problem("scores", "family_id", "families not in ds.families", rows=bad[:10],
                                       n_rows=len(bad))])
    key = frame["family_id"].map(loc).fillna("unknown").astype(str) if by == "locality" else \
        pd.Series("council", index=frame.index)
    frame["key"] = key.to_numpy()
    frame["var"] = frame["p"] * (1 - frame["p"])
    agg = {"families": ("p", "size"), "expected": ("p", "sum"), "var": ("var", "sum")}
    if observed is not None:
        agg["observed"] = ("observed", "sum")
    out = frame.groupby("key", sort=True).agg(**agg).reset_index()
    z = stats.norm.ppf(0.5 + level / 2)
    out["sd"] = np.sqrt(out["var"])
    out["lower"] = np.maximum(0.0, out["expected"] - z * out["sd"])
    out["upper"] = out["expected"] + z * out["sd"]
    id_col = "locality_id" if by == "locality" else "council"
    out = out.rename(columns={"key": id_col})
    cols = [id_col]
    if by == "locality":
        from ..data.names import locality_names, name_of

        out["name"] = name_of(out["locality_id"], locality_names(ds.localities)).to_numpy()
        cols.append("name")
    cols += ["families", "expected", "sd", "lower", "upper"] + (["observed"] if observed is not None else [])
    return ExpectedStepUps.of(out[cols], level=level)
