"""Spells: one row per period a child spends in one state, with where they came from and went.

Every estimate of :class:`~earlyhelp.flow.StockFlow` reads this one table. A spell's age bracket
is the child's age when the spell began (as in ``cs-demand-model``); a spell that begins the day
another of the same child ends (or within ``gap_days``) continues that child's path, otherwise the
child came from, or went to, no service.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import pandas as pd

from .categories import YEAR_IN_DAYS, Categories, state_of_placement

NONE = -1  # no service (before entry, after exit)


def _child_episodes(ds) -> pd.DataFrame:
    """Early Help episodes per child: per-child rows as they are, family episodes for each child member."""
    cols = ["person_id", "start_date", "end_date", "level"]
    ep = ds.episodes
    if ep.empty:
        return pd.DataFrame(columns=cols)
    ep = ep.assign(level=ep["level"]) if "level" in ep.columns else ep.assign(level=pd.NA)
    per_child = ep[ep["person_id"].notna()][cols]
    fam = ep[ep["person_id"].isna() & ep["family_id"].notna()][["family_id", "start_date", "end_date", "level"]]
    members = ds.family_members
    if len(fam) and len(members):
        kids = members[members["role"].astype("string") == "child"][["family_id", "person_id"]]
        fam = fam.merge(kids, on="family_id", how="inner")[cols]
    else:
        fam = fam.iloc[0:0].reindex(columns=cols)
    return pd.concat([per_child, fam], ignore_index=True)


def build_spells(ds, cats: Categories, gap_days: int = 0) -> Tuple[pd.DataFrame, Dict[str, Any]]:
    """Spells of every child in ``ds`` for the states of ``cats``, and a report of what was
    excluded or shortened (counts and reasons)."""
    report: Dict[str, Any] = {}
    parts: List[pd.DataFrame] = []
    state_index = {s: i for i, s in enumerate(cats.states)}
    cla = ds.cla_episodes
    if len(cla):
        parts.append(pd.DataFrame({
            "person_id": cla["person_id"].astype(str).to_numpy(), "start": cla["start_date"].to_numpy(),
            "end": cla["end_date"].to_numpy(),
            "state": [state_index[s] for s in state_of_placement(cats, cla["placement"])]}))
    for table, state in cats.services.items():
        frame = _child_episodes(ds) if table == "episodes" else ds[table]
        if len(frame):
            states = np.full(len(frame), state_index[state])
            if table == "episodes" and cats.levels:  # Early Help by level
                level = pd.to_numeric(frame["level"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                for lv, name in cats.levels.items():
                    states[level == lv] = state_index[name]
            parts.append(pd.DataFrame({"person_id": frame["person_id"].astype(str).to_numpy(),
                                       "start": frame["start_date"].to_numpy(), "end": frame["end_date"].to_numpy(),
                                       "state": states}))
    if not parts:
        from .._errors import ValidationError

        raise ValidationError("no looked-after episodes or service periods to fit", table="StockFlow")
    sp = pd.concat(parts, ignore_index=True)
    sp["start"] = pd.to_datetime(sp["start"]).astype("datetime64[ns]")
    sp["end"] = pd.to_datetime(sp["end"]).astype("datetime64[ns]")
    births = ds.persons.set_index(ds.persons["person_id"].astype(str))["birth_date"]
    sp["birth"] = sp["person_id"].map(births).astype("datetime64[ns]")
    no_birth = sp["birth"].isna()
    report["spells_without_birth_date_excluded"] = int(no_birth.sum())
    sp = sp[~no_birth]
    sp = sp.sort_values(["person_id", "start", "end"], na_position="first", kind="stable").reset_index(drop=True)
    # A later spell of the same child supersedes an earlier one still running (higher need wins
    # in practice: CP starts while CIN runs, care starts while CP runs).
    same_next = sp["person_id"].eq(sp["person_id"].shift(-1)).to_numpy()
    next_start = sp["start"].shift(-1)
    cut = same_next & (sp["end"].isna() | (sp["end"] > next_start)).to_numpy(dtype=bool)
    report["spells_shortened_by_a_later_spell"] = int(cut.sum())
    sp.loc[cut, "end"] = next_start[cut]
    age = (sp["start"] - sp["birth"]).dt.days.to_numpy() / YEAR_IN_DAYS
    sp["age"] = cats.bracket_of(age)
    outside = sp["age"].to_numpy() < 0
    report["spells_outside_the_age_brackets_excluded"] = int(outside.sum())
    sp = sp[~outside].reset_index(drop=True)
    gap = pd.Timedelta(days=gap_days)
    same_next = sp["person_id"].eq(sp["person_id"].shift(-1)).to_numpy()
    joined_next = same_next & ((sp["start"].shift(-1) - sp["end"]) <= gap).to_numpy(dtype=bool, na_value=False)
    sp["next"] = np.where(joined_next, sp["state"].shift(-1).fillna(NONE).astype(int), NONE)
    same_prev = sp["person_id"].eq(sp["person_id"].shift(1)).to_numpy()
    joined_prev = same_prev & ((sp["start"] - sp["end"].shift(1)) <= gap).to_numpy(dtype=bool, na_value=False)
    sp["prev"] = np.where(joined_prev, sp["state"].shift(1).fillna(NONE).astype(int), NONE)
    return sp, report


def day_index(sp: pd.DataFrame) -> Tuple[pd.Timestamp, np.ndarray, np.ndarray]:
    """(first day, start day numbers, end day numbers with -1 for open spells)."""
    first = min(sp["start"].min(), sp["end"].min() if sp["end"].notna().any() else sp["start"].min())
    start = (sp["start"] - first).dt.days.to_numpy()
    end = (sp["end"] - first).dt.days.fillna(-1).astype(np.int64).to_numpy()
    return first, start, end
