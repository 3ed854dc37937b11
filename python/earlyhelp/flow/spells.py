"""Spells: one row per period a child spends in one state, with where they came from and went.

Every estimate of :class:`~earlyhelp.flow.StockFlow` reads this one table. A spell's age bracket
is the child's age when the spell began (as in ``cs-demand-model``), in years by the calendar (a
spell beginning on the fifth birthday is five; cs-demand-model's categories keep that model's days
/ 365.24: see ``Categories.ages_by``); a spell that begins the day another of the same child ends
(or within ``gap_days``) continues that child's path, otherwise the child came from, or went to,
no service. A family's Early Help episode is each child member's for the days they were a member
(``family_members.valid_from`` to ``valid_to``). An SSDA903 episode ceased X1 (the child stays
looked after) whose next begins a few days later runs on to it (``Categories.x1_join_days``).

A child whose records overlap is, on each day, in the state of highest need among the spells
running that day (care, then CP or CIN, then Early Help); of spells of equal need, the one that
started last (of two starting on one day, CP over CIN and, of one state, the longer). So a later spell of
equal or higher need ends one still running (a CP plan ends CIN, care ends a CP plan); when it
ends first, the earlier spell resumes (a CIN plan open across a CP plan: the child returns to
CIN). A spell of lower need does not end one of higher need: an Early Help episode starting
while the child is on a plan or looked after (a family's episode copied to each child), or a CIN
or CP plan starting while the child is looked after, starts when that spell ends, or is left out
when it ends first. Every such change is counted in the report (see :func:`build_spells`).

Episodes of short breaks (SSDA903 legal status V3 or V4: a disabled child looked after under an
agreed series of short-term placements) are left out of care by default, as DfE's figures of
children looked after leave them out.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from ..data.codes import CLA_CONTINUES  # the reason an episode ceased that keeps the child looked after
from .categories import Categories, state_of_placement

NONE = -1  # no service (before entry, after exit)


def _child_episodes(ds, report: Dict[str, Any]) -> pd.DataFrame:
    """Early Help episodes per child: per-child rows as they are, family episodes for each child
    member, for the days the child was a member while the episode ran.

    A membership holds from ``valid_from`` to ``valid_to``, both days included, a missing date
    open: the rule by which the rest of the package reads memberships on a date
    (``earlyhelp.data.ssd.family_of_persons``). A child who joined the family while the episode
    ran (a baby born into it, a child moving in) has it from the day they joined; one who left,
    to the day they left (the spell ends the day after ``valid_to``, the first day not in the
    family). Counted in ``report``: ``family_episodes_shortened_to_a_childs_membership`` (a
    child's copy so shortened), ``family_episodes_outside_a_childs_membership_excluded`` (a
    child member who was not in the family on any day of the episode) and
    ``family_episodes_without_a_child_member_excluded`` (no ``child`` member at all). A child's
    memberships of one family that overlap or meet give one spell."""
    cols = ["person_id", "start_date", "end_date", "level"]
    ep = ds.episodes
    for key in ("family_episodes_without_a_child_member_excluded",
                "family_episodes_outside_a_childs_membership_excluded",
                "family_episodes_shortened_to_a_childs_membership"):
        report[key] = 0
    if ep.empty:
        return pd.DataFrame(columns=cols)
    ep = ep.assign(level=ep["level"]) if "level" in ep.columns else ep.assign(level=pd.NA)
    per_child = ep[ep["person_id"].notna()][cols]
    fam = ep[ep["person_id"].isna() & ep["family_id"].notna()][["family_id", "start_date", "end_date", "level"]]
    members = ds.family_members
    if len(fam) and len(members):
        fam = fam.reset_index(drop=True).assign(_episode=lambda f: np.arange(len(f)))
        kids = members[members["role"].astype("string") == "child"][["family_id", "person_id", "valid_from",
                                                                      "valid_to"]]
        childless = ~fam["family_id"].isin(kids["family_id"])
        fam = _within_membership(fam.merge(kids, on="family_id", how="inner"), report)[cols]
    else:
        childless = np.ones(len(fam), bool)
        fam = fam.iloc[0:0].reindex(columns=cols)
    report["family_episodes_without_a_child_member_excluded"] = int(childless.sum())
    # (an empty part would only set the columns' types: pandas warns of that)
    return pd.concat([part for part in (per_child, fam) if len(part)] or [per_child], ignore_index=True)


def _ns(dates: pd.Series, missing: int, later: np.timedelta64 = np.timedelta64(0, "D")) -> np.ndarray:
    """``dates`` (plus ``later``) as nanoseconds whatever unit the column holds, ``missing`` where
    there is none (pandas 3 reads dates as microseconds)."""
    t = dates.to_numpy().astype("datetime64[ns]")
    return np.where(np.isnat(t), missing, (t + later).astype(np.int64))


def _within_membership(j: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """Each (family episode, child member) row of ``j`` clipped to the membership: from the later
    of the episode's start and ``valid_from`` to the earlier of its end and the day after
    ``valid_to``; rows whose membership holds on no day of the episode left out, and one
    child's pieces of one episode that overlap or meet merged. Counted in ``report``."""
    day = np.timedelta64(1, "D")
    s, e = _ns(j["start_date"], _NEVER), _ns(j["end_date"], _OPEN)
    f = _ns(j["valid_from"], _NEVER)
    u = _ns(j["valid_to"], _OPEN, later=day)   # the first day out of the family
    lo, hi = np.maximum(s, f), np.minimum(e, u)
    # an episode of one day (start = end) stands for that day: the child's if a member on it
    inside = (lo < hi) | ((s == e) & (f <= s) & (s < u))
    report["family_episodes_outside_a_childs_membership_excluded"] += int((~inside).sum())
    j = j[inside].assign(_lo=lo[inside], _hi=np.maximum(hi[inside], lo[inside]))
    j = j.sort_values(["_episode", "person_id", "_lo"], kind="stable")
    same = (j["_episode"].eq(j["_episode"].shift()) & j["person_id"].eq(j["person_id"].shift())).to_numpy(
        dtype=bool, na_value=False)
    reach = pd.Series(j["_hi"].to_numpy()).groupby([j["_episode"].to_numpy(), j["person_id"].to_numpy()]).cummax()
    before = np.r_[_NEVER, reach.to_numpy()[:-1]]
    piece = np.cumsum(~(same & (j["_lo"].to_numpy() <= before)))
    j = j.groupby(piece, sort=False).agg(person_id=("person_id", "first"), level=("level", "first"),
                                         start_date=("start_date", "first"), end_date=("end_date", "first"),
                                         _lo=("_lo", "min"), _hi=("_hi", "max"))
    s, e = _ns(j["start_date"], _NEVER), _ns(j["end_date"], _OPEN)
    report["family_episodes_shortened_to_a_childs_membership"] += int(((j["_lo"] > s) | (j["_hi"] < e)).sum())
    return j.assign(start_date=pd.to_datetime(j["_lo"].to_numpy(), unit="ns", cache=False),
                    end_date=pd.to_datetime(np.where(j["_hi"] == _OPEN, np.iinfo(np.int64).min, j["_hi"]),
                                            unit="ns", cache=False)).reset_index(drop=True)


def build_spells(ds, cats: Categories, gap_days: int = 0, short_breaks: str = "exclude"
                 ) -> Tuple[pd.DataFrame, Dict[str, Any]]:
    """Spells of every child in ``ds`` for the states of ``cats``, and a report of what was
    excluded, moved or shortened (counts and reasons).

    ``short_breaks``: ``"exclude"`` leaves out the looked-after episodes of short breaks (legal
    status V3 or V4), counted in ``short_break_episodes_excluded``; ``"keep"`` models them as
    care (as cs-demand-model does), counted in ``short_break_episodes_kept_as_care``.

    Overlapping spells of one child (see the module's notes) are counted by what became of them:
    ``spells_shortened_by_a_later_spell`` (ended by a later spell of equal or higher need),
    ``spells_resumed_after_a_spell_within_them`` (the child returned to them when a spell
    within them ended), ``early_help_spells_started_at_the_end_of_a_care_spell`` (of
    ``a_cin_or_cp_plan``; ``cin_or_cp_plans_started_at_the_end_of_a_care_spell``) and
    ``early_help_spells_within_a_care_spell_excluded`` (and the like: a spell of lower need moved
    to start when one of higher need ends, or left out as it ends first), and
    ``spells_starting_with_a_spell_of_higher_need_excluded`` (two spells starting on one day,
    the one of lower need ending first). A CIN or CP plan stands for the services of middle need
    (other services of categories of your own too).

    A family's Early Help episodes are each child member's for the days of their membership
    (see ``_child_episodes``: ``family_episodes_shortened_to_a_childs_membership``,
    ``family_episodes_outside_a_childs_membership_excluded``); care episodes ceased X1 whose
    next begins up to ``cats.x1_join_days`` later are joined to it
    (``care_episodes_ceased_x1_joined_to_the_next_episode``, and
    ``care_episodes_ceased_x1_not_joined_to_the_next_episode`` for those the data show ending
    the child's care)."""
    report: Dict[str, Any] = {}
    parts: List[pd.DataFrame] = []
    state_index = {s: i for i, s in enumerate(cats.states)}
    cla = _join_x1_slips(_care_episodes(ds.cla_episodes, short_breaks, report), cats.x1_join_days, report)
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
    # cache=False: pandas' cache first walks the dates one Timestamp at a time to decide whether to use it
    sp["start"] = pd.to_datetime(sp["start"], cache=False).astype("datetime64[ns]")
    sp["end"] = pd.to_datetime(sp["end"], cache=False).astype("datetime64[ns]")
    births = ds.persons.set_index(ds.persons["person_id"].astype(str))["birth_date"]
    sp["birth"] = sp["person_id"].map(births).astype("datetime64[ns]")
    no_birth = sp["birth"].isna()
    report["spells_without_birth_date_excluded"] = int(no_birth.sum())
    sp = _keep_care(sp[~no_birth], cats, report)
    sp = _resolve_overlaps(sp, cats, report)
    sp["age"] = cats.bracket_of(cats.age_of(sp["birth"], sp["start"]))
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
    start, end = _ns(sp["start"], _NEVER), _ns(sp["end"], _OPEN)
    # the child's place in the sorted ids: the order of the ids themselves, sorted as numbers are
    child = pd.factorize(sp["person_id"], sort=True)[0]
    order = np.lexsort((end, state, rank[state], start, child))    # the last key sorts first; stable
    return sp.take(order).reset_index(drop=True)


def _keep_care(sp: pd.DataFrame, cats: Categories, report: Dict[str, Any]) -> pd.DataFrame:
    """``sp`` sorted by child and start (see :func:`_in_order`), an Early Help spell that
    starts while the child is looked after (a family's episode copied to every child of the
    family; a care spell starting the same day included) moved to start when the care spell
    ends, or left out when it ends first: it does not end the child's care. Counted in
    ``report``."""
    early_help, care = _early_help_and_care(cats)
    rank = _need_rank(cats)
    report["early_help_spells_within_a_care_spell_excluded"] = 0
    report["early_help_spells_started_at_the_end_of_a_care_spell"] = 0
    held = sp["state"].to_numpy()
    if not (early_help[held].any() and care[held].any()):
        return _in_order(sp, rank)        # no Early Help spell, or no care spell, to move
    sp = sp.assign(_delayed=False)
    dropped = 0
    for _ in range(len(sp) + 1):  # each pass moves starts later or drops spells: it ends
        sp = _in_order(sp, rank)
        state = sp["state"].to_numpy()
        start, end = _ns(sp["start"], _NEVER), _ns(sp["end"], _OPEN)
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
        sp.loc[delay, "start"] = pd.to_datetime(before[delay], unit="ns", cache=False)
        sp.loc[delay, "_delayed"] = True
        dropped += int(drop.sum())
        sp = sp[~drop]
    else:
        sp = _in_order(sp, rank)          # returned in order, as _resolve_overlaps takes it
    report["early_help_spells_within_a_care_spell_excluded"] = dropped
    report["early_help_spells_started_at_the_end_of_a_care_spell"] = int(sp["_delayed"].sum())
    return sp.drop(columns="_delayed").reset_index(drop=True)


#: legal statuses of short breaks (an agreed series of short-term placements)
SHORT_BREAK_STATUSES = ("V3", "V4")
SHORT_BREAKS = ("exclude", "keep")


def _care_episodes(cla: pd.DataFrame, short_breaks: str, report: Dict[str, Any]) -> pd.DataFrame:
    """``cla`` without the episodes of short breaks (legal status V3 or V4) unless they are
    kept; counted in ``report`` either way."""
    if "legal_status" in cla.columns:
        short = cla["legal_status"].astype("string").isin(SHORT_BREAK_STATUSES).fillna(False).to_numpy(dtype=bool)
    else:
        short = np.zeros(len(cla), bool)
    if short_breaks == "keep":
        report["short_break_episodes_kept_as_care"] = int(short.sum())
        return cla
    report["short_break_episodes_excluded"] = int(short.sum())
    return cla[~short]


X1_JOINED = "care_episodes_ceased_x1_joined_to_the_next_episode"
X1_APART = "care_episodes_ceased_x1_not_joined_to_the_next_episode"


def _join_x1_slips(cla: pd.DataFrame, join_days: int, report: Dict[str, Any]) -> pd.DataFrame:
    """``cla`` with each episode ceased X1 (the child stays looked after: a new episode begins
    the same day) whose child's next episode begins 1 to ``join_days`` days later ended on the
    day the next begins: one stay in care, not an exit and a new entry on a slipped date.
    Counted in ``report``: ``care_episodes_ceased_x1_joined_to_the_next_episode``, and
    ``care_episodes_ceased_x1_not_joined_to_the_next_episode`` (the next begins later than
    that, or no next episode follows: the data show the child leaving care; with ``join_days``
    0, cs-demand-model's reading, every X1 episode whose next does not begin the day it ceased).
    """
    report[X1_JOINED] = report[X1_APART] = 0
    if cla.empty or "reason_for_leaving" not in cla.columns:
        return cla
    x1 = cla["reason_for_leaving"].astype("string").eq(CLA_CONTINUES)   # codes read as the schema has them
    x1 = x1.to_numpy(dtype=bool, na_value=False) & cla["end_date"].notna().to_numpy()
    if not x1.any():
        return cla
    # each episode's child's next episode, in order of start (numpy: sorting the ids is slow)
    child = pd.factorize(cla["person_id"])[0]
    start = _ns(cla["start_date"], _NEVER)
    order = np.lexsort((start, child))
    after = np.full(len(cla), -1)
    same = child[order][1:] == child[order][:-1]
    after[order[:-1][same]] = order[1:][same]
    has = x1 & (after >= 0)
    gap = np.full(len(cla), np.nan)
    gap[has] = (start[after[has]] - _ns(cla["end_date"], _NEVER)[has]) / 86_400e9
    # a next episode beginning the day it ceased (or before: the overlap rules) runs on already
    slipped = has & (gap >= 1) & (gap <= join_days)
    report[X1_JOINED] = int(slipped.sum())
    report[X1_APART] = int((x1 & ~(gap <= 0) & ~slipped).sum())
    if slipped.any():
        cla = cla.copy()
        column = cla.columns.get_loc("end_date")
        cla.iloc[np.flatnonzero(slipped), column] = cla["start_date"].to_numpy()[after[slipped]]
    return cla


# what the spells of each rank of need are called in the report (see _need_rank)
_SPELLS_OF_RANK = ("early_help_spells", "cin_or_cp_plans", "care_spells")
_A_SPELL_OF_RANK = ("an_early_help_spell", "a_cin_or_cp_plan", "a_care_spell")
RESUMED = "spells_resumed_after_a_spell_within_them"
SHORTENED = "spells_shortened_by_a_later_spell"
SAME_DAY = "spells_starting_with_a_spell_of_higher_need_excluded"


def _moved_key(lower: int, higher: int) -> str:
    return f"{_SPELLS_OF_RANK[lower]}_started_at_the_end_of_{_A_SPELL_OF_RANK[higher]}"


def _left_out_key(lower: int, higher: int) -> str:
    return f"{_SPELLS_OF_RANK[lower]}_within_{_A_SPELL_OF_RANK[higher]}_excluded"


def _resolve_overlaps(sp: pd.DataFrame, cats: Categories, report: Dict[str, Any]) -> pd.DataFrame:
    """``sp`` (sorted as :func:`_in_order` sorts) with no two spells of a child overlapping: on
    each day the child is in the running spell of highest need, of equal need the one that
    started last (see the module's notes). A spell splits where one within it runs, and resumes
    after it; a spell of lower need waits for one of higher need to end. What became of each
    spell is counted in ``report``. A spell starting and ending on one day stands for that day
    (a move there and back) and is left out where a spell of higher priority runs."""
    rank = _need_rank(cats)
    for lower in range(len(_SPELLS_OF_RANK) - 1):
        for higher in range(lower + 1, len(_SPELLS_OF_RANK)):
            report.setdefault(_moved_key(lower, higher), 0)
            report.setdefault(_left_out_key(lower, higher), 0)
    report[SHORTENED] = report[SAME_DAY] = report[RESUMED] = 0
    sp = sp.reset_index(drop=True)       # in order already (the caller's _keep_care sorts it)
    if sp.empty:
        return sp
    person = sp["person_id"].to_numpy()
    start, end = _ns(sp["start"], _NEVER), _ns(sp["end"], _OPEN)
    # a spell of no day runs for an instant, so that it can win or lose like any other
    end = np.where(end == start, start + 1, end)
    # children with an overlap: a spell starting before the latest end of the spells before it
    latest = pd.Series(end).groupby(person).cummax().groupby(person).shift(1, fill_value=_NEVER).to_numpy()
    overlap = start < latest
    if not overlap.any():
        return sp
    new_child = np.r_[True, person[1:] != person[:-1]]
    child = np.cumsum(new_child) - 1
    involved = np.isin(child, np.unique(child[overlap]))
    pos = np.arange(len(sp)) - np.flatnonzero(new_child)[child]  # each spell's place among its child's
    rank_of = rank[sp["state"].to_numpy()]
    rows, seg_start, seg_end, seg_pos = [], [], [], []
    bounds = np.flatnonzero(np.r_[new_child, True])
    for c in np.unique(child[involved]):
        lo, hi = bounds[c], bounds[c + 1]
        segments = _sweep(start[lo:hi], end[lo:hi], rank_of[lo:hi], report)
        for k, (j, a, b) in enumerate(segments):
            rows.append(lo + j)
            seg_start.append(a)
            seg_end.append(b)
            seg_pos.append(k)
    instants = (start[involved] + 1)[(end == start + 1)[involved]]

    def back(t):  # the end of a spell of no day is its own day
        t = np.asarray(t, dtype=np.int64)
        return t - np.isin(t, instants)

    resolved = sp.iloc[rows].copy()
    resolved["start"] = pd.to_datetime(back(seg_start), unit="ns", cache=False)
    ends = back(seg_end)
    resolved["end"] = pd.to_datetime(np.where(ends == _OPEN, np.iinfo(np.int64).min, ends), unit="ns", cache=False)
    resolved["_child"], resolved["_pos"] = child[rows], seg_pos
    kept = sp[~involved].assign(_child=child[~involved], _pos=pos[~involved])
    out = pd.concat([kept, resolved], ignore_index=True).sort_values(["_child", "_pos"], kind="stable")
    return out.drop(columns=["_child", "_pos"]).reset_index(drop=True)


def _sweep(start: np.ndarray, end: np.ndarray, rank: np.ndarray, report: Dict[str, Any]):
    """One child's spells (in :func:`_in_order`'s order; ``end``: ``_OPEN`` when open) as
    segments (spell, start, end) in time order: on each stretch between two of the spells'
    dates, the running spell of highest (rank, place in the order); counts in ``report`` what
    became of each spell."""
    n = len(start)
    priority = rank * n + np.arange(n)
    points = np.unique(np.concatenate([start, end[end != _OPEN]]))
    running = (start[None, :] <= points[:, None]) & (end[None, :] > points[:, None])
    winner = np.where(running.any(axis=1), np.where(running, priority[None, :], -1).argmax(axis=1), -1)
    upto = np.append(points[1:], _OPEN)
    segments: List[List[int]] = []
    for k, w in enumerate(winner):
        if w < 0:
            continue
        if segments and segments[-1][0] == w and segments[-1][2] == points[k]:
            segments[-1][2] = upto[k]
        else:
            segments.append([int(w), int(points[k]), int(upto[k])])
    at_start = winner[np.searchsorted(points, start)]  # who runs when each spell starts
    for j in range(n):
        own = [s for s in segments if s[0] == j]
        w = at_start[j]
        if not own:
            key = _left_out_key(rank[j], rank[w]) if rank[w] > rank[j] and start[w] < start[j] else SAME_DAY
            report[key] += 1
            continue
        resumed = len(own) > 1
        if own[0][1] > start[j]:  # it waited for another spell
            if rank[w] > rank[j]:
                report[_moved_key(rank[j], rank[w])] += 1
            else:  # one of equal need started the same day and ended first
                resumed = True
        report[RESUMED] += int(resumed)
        report[SHORTENED] += int(own[-1][2] < end[j])
    return segments


def day_index(sp: pd.DataFrame, first: Optional[pd.Timestamp] = None) -> Tuple[pd.Timestamp, np.ndarray, np.ndarray]:
    """(first day, start day numbers, end day numbers with -1 for open spells); ``first``: the
    day to count from (at or before the spells' first), by default the spells' first day."""
    if first is None:
        first = min(sp["start"].min(), sp["end"].min() if sp["end"].notna().any() else sp["start"].min())
    if sp.empty:
        return first, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # whole days since ``first``, floored as Timedelta.days floors them, in numpy (a fit counts them often)
    day = np.int64(86_400_000_000_000)
    origin = pd.Timestamp(first).as_unit("ns").value
    start = (sp["start"].to_numpy().astype("datetime64[ns]").astype(np.int64) - origin) // day
    ends = sp["end"].to_numpy().astype("datetime64[ns]")
    end = np.where(np.isnat(ends), -1, (ends.astype(np.int64) - origin) // day)
    return first, start, end
