"""Spells: one row per period a child spends in one state, with where they came from and went.

Every estimate of :class:`~earlyhelp.flow.StockFlow` reads this one table. A spell's age bracket
is the child's age when the spell began (as in ``cs-demand-model``); a spell that begins the day
another of the same child ends (or within ``gap_days``) continues that child's path, otherwise the
child came from, or went to, no service. A later spell ends one still running (a CP plan ends
CIN, care ends a CP plan), except that Early Help never ends care: an Early Help episode
starting while the child is looked after, or on the day care starts (a family's episode copied
to each child, one of them in care), starts when the care ends, or is left out when it ends
first (both counted in the report). Of two spells starting on the same day the one of higher
need is kept (care, then CP or CIN, then Early Help; of one state, the longer) and the other,
which would last no day, is left out (``spells_starting_with_a_spell_of_higher_need_excluded``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import pandas as pd

from .categories import YEAR_IN_DAYS, Categories, state_of_placement

NONE = -1  # no service (before entry, after exit)


def _child_episodes(ds, report: Dict[str, Any]) -> pd.DataFrame:
    """Early Help episodes per child: per-child rows as they are, family episodes for each child
    member. A family episode whose family has no ``child`` member has no child to place: it is
    counted in ``report`` (``family_episodes_without_a_child_member_excluded``)."""
    cols = ["person_id", "start_date", "end_date", "level"]
    ep = ds.episodes
    report["family_episodes_without_a_child_member_excluded"] = 0
    if ep.empty:
        return pd.DataFrame(columns=cols)
    ep = ep.assign(level=ep["level"]) if "level" in ep.columns else ep.assign(level=pd.NA)
    per_child = ep[ep["person_id"].notna()][cols]
    fam = ep[ep["person_id"].isna() & ep["family_id"].notna()][["family_id", "start_date", "end_date", "level"]]
    members = ds.family_members
    if len(fam) and len(members):
        kids = members[members["role"].astype("string") == "child"][["family_id", "person_id"]]
        childless = ~fam["family_id"].isin(kids["family_id"])
        fam = fam.merge(kids, on="family_id", how="inner")[cols]
    else:
        childless = np.ones(len(fam), bool)
        fam = fam.iloc[0:0].reindex(columns=cols)
    report["family_episodes_without_a_child_member_excluded"] = int(childless.sum())
    # (an empty part would only set the columns' types: pandas warns of that)
    return pd.concat([part for part in (per_child, fam) if len(part)] or [per_child], ignore_index=True)


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
        frame = _child_episodes(ds, report) if table == "episodes" else ds[table]
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
    sp = _keep_care(sp[~no_birth], cats, report)
    # A later spell of the same child supersedes an earlier one still running (higher need wins
    # in practice: CP starts while CIN runs, care starts while CP runs; Early Help within care
    # was moved after it above). Spells starting on one day are in order of need (care last),
    # so the one of higher need is the later: the other would last no day, and is left out
    # rather than kept as an entry and a move that did not happen.
    same_next = sp["person_id"].eq(sp["person_id"].shift(-1)).to_numpy()
    next_start = sp["start"].shift(-1)
    cut = same_next & (sp["end"].isna() | (sp["end"] > next_start)).to_numpy(dtype=bool)
    same_day = cut & (sp["start"] == next_start).to_numpy(dtype=bool)
    report["spells_shortened_by_a_later_spell"] = int((cut & ~same_day).sum())
    report["spells_starting_with_a_spell_of_higher_need_excluded"] = int(same_day.sum())
    sp.loc[cut, "end"] = next_start[cut]
    sp = sp[~same_day].reset_index(drop=True)
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


_NEVER, _OPEN = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def _early_help_and_care(cats: Categories) -> Tuple[np.ndarray, np.ndarray]:
    """(Early Help, looked after) of each state: the states of the ``episodes`` service and its
    levels; those of the placements."""
    early_help = {s for t, s in cats.services.items() if t == "episodes"}
    early_help |= set(cats.levels.values()) if "episodes" in cats.services else set()
    care = {*cats.placements.values(), cats.other_placement}
    return np.array([s in early_help for s in cats.states]), np.array([s in care for s in cats.states])


def _need_rank(cats: Categories) -> np.ndarray:
    """Each state's rank in need: Early Help (0), the other services before care (1), care (2).
    Spells of one child starting on one day are ordered by it, care last, so that the spell
    of higher need is the one that supersedes the other."""
    early_help, care = _early_help_and_care(cats)
    return np.where(early_help, 0, np.where(care, 2, 1))


def _in_order(sp: pd.DataFrame, rank: np.ndarray) -> pd.DataFrame:
    """``sp`` sorted by child and start; spells starting on one day by need (see
    :func:`_need_rank`; between states of one rank, in the categories' order), then by end
    (open last), so that the spell kept of two that start together is the one of higher need,
    or the longer."""
    sp = sp.reset_index(drop=True)
    state = sp["state"].to_numpy()
    # as nanoseconds whatever unit the column holds (pandas 3 reads dates as microseconds)
    end = np.where(sp["end"].isna(), _OPEN, sp["end"].to_numpy().astype("datetime64[ns]").astype(np.int64))
    keys = sp.assign(_rank=rank[state], _state=state, _end=end)
    order = keys.sort_values(["person_id", "start", "_rank", "_state", "_end"], kind="stable").index
    return sp.loc[order].reset_index(drop=True)


def _keep_care(sp: pd.DataFrame, cats: Categories, report: Dict[str, Any]) -> pd.DataFrame:
    """``sp`` sorted by child and start (see :func:`_in_order`), an Early Help spell that
    starts while the child is looked after (a family's episode copied to every child of the
    family; a care spell starting the same day included) moved to start when the care spell
    ends, or left out when it ends first: it does not end the child's care. Counted in
    ``report``."""
    early_help, care = _early_help_and_care(cats)
    rank = _need_rank(cats)
    sp = sp.assign(_delayed=False)
    dropped = 0
    for _ in range(len(sp) + 1):  # each pass moves starts later or drops spells: it ends
        sp = _in_order(sp, rank)
        state = sp["state"].to_numpy()
        # as nanoseconds whatever unit the columns hold (pandas 3 reads dates as microseconds)
        start = sp["start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
        end = np.where(sp["end"].isna(), _OPEN, sp["end"].to_numpy().astype("datetime64[ns]").astype(np.int64))
        # the latest end of the child's care spells begun on or before its start (open: _OPEN):
        # the running maximum up to the last spell starting that day (care sorts after Early Help)
        care_end = pd.Series(np.where(care[state], end, _NEVER))
        group = sp["person_id"].to_numpy()
        running = care_end.groupby(group).cummax()
        before = running.groupby([group, start]).transform("last").to_numpy()
        inside = early_help[state] & (before > start)
        if not inside.any():
            break
        drop = inside & (end <= before)
        delay = inside & ~drop
        sp.loc[delay, "start"] = pd.to_datetime(before[delay], unit="ns")
        sp.loc[delay, "_delayed"] = True
        dropped += int(drop.sum())
        sp = sp[~drop]
    report["early_help_spells_within_a_care_spell_excluded"] = dropped
    report["early_help_spells_started_at_the_end_of_a_care_spell"] = int(sp["_delayed"].sum())
    return sp.drop(columns="_delayed").reset_index(drop=True)


def day_index(sp: pd.DataFrame) -> Tuple[pd.Timestamp, np.ndarray, np.ndarray]:
    """(first day, start day numbers, end day numbers with -1 for open spells)."""
    first = min(sp["start"].min(), sp["end"].min() if sp["end"].notna().any() else sp["start"].min())
    start = (sp["start"] - first).dt.days.to_numpy()
    end = (sp["end"] - first).dt.days.fillna(-1).astype(np.int64).to_numpy()
    return first, start, end
