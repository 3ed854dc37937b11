"""Statutory care: checks and derived events for CIN plans, CP plans and looked-after episodes.

The continuum a child moves along is: no service -> Early Help -> child in need (CIN) ->
child protection (CP) -> looked after (by placement). :func:`statutory_events` turns the tables
into one row per entry, exit and move between those states, which :mod:`earlyhelp.flow` reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List

import numpy as np
import pandas as pd

from .._errors import Problem
from .codes import CLA_CONTINUES

if TYPE_CHECKING:
    from .dataset import Dataset

# Tables holding periods a child spends in one statutory state, with their key.
PERIOD_TABLES = {"cin_plans": "cin_plan_id", "cp_plans": "cp_plan_id", "cla_episodes": "cla_episode_id"}


def overlapping(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Rows whose period starts before the previous period of the same child ends (an open
    period runs for ever). Rows are compared in (person, start) order; the mask is in the
    frame's own order."""
    if frame.empty:
        return np.zeros(0, bool)
    order = frame.sort_values(["person_id", "start_date", "end_date"], na_position="last", kind="stable")
    same = order["person_id"].eq(order["person_id"].shift()).to_numpy(dtype=bool, na_value=False)
    prev_end = order["end_date"].shift()
    prev_open = prev_end.isna().to_numpy() & same
    starts_inside = (order["start_date"] < prev_end).to_numpy(dtype=bool, na_value=False)
    bad_sorted = same & (prev_open | starts_inside)
    mask = pd.Series(bad_sorted, index=order.index).reindex(frame.index).to_numpy(dtype=bool)
    return mask


def statutory_problems(ds: "Dataset") -> List[Problem]:
    """Overlapping periods of one child within a statutory table (CLA episodes must not overlap;
    nor may two CP plans or two CIN plans of one child)."""
    problems: List[Problem] = []
    for name, key in PERIOD_TABLES.items():
        frame = ds[name]
        if frame.empty or not {"person_id", "start_date", "end_date"} <= set(frame.columns):
            continue
        try:
            bad = overlapping(frame, key)
        except TypeError:
            continue  # wrong column types are reported by the column checks
        if bad.any():
            first = np.flatnonzero(bad)[0]
            problems.append(Problem(
                name, "start_date", "period overlaps the previous one of the same child "
                "(it starts before that one ends, or that one is still open)",
                [frame[key].iloc[i] for i in np.flatnonzero(bad)[:10]], int(bad.sum()),
                f"person {frame['person_id'].iloc[first]}"))
    return problems


def care_periods(ds: "Dataset") -> pd.DataFrame:
    """Periods of care: consecutive looked-after episodes of one child joined where one ends
    with X1 (or on the day the next begins). One row per period: person_id, start_date,
    end_date, episodes, first and last placement, reason_for_leaving of the last episode."""
    ep = ds.cla_episodes
    cols = ["person_id", "start_date", "end_date", "episodes", "first_placement", "last_placement",
            "reason_for_leaving"]
    if ep.empty:
        return pd.DataFrame(columns=cols)
    ep = ep.sort_values(["person_id", "start_date"], kind="stable").reset_index(drop=True)
    same = ep["person_id"].eq(ep["person_id"].shift())
    joined = same & (ep["start_date"].eq(ep["end_date"].shift())
                     | ep["reason_for_leaving"].shift().astype("string").eq(CLA_CONTINUES))
    period = np.cumsum(~joined.to_numpy(dtype=bool, na_value=False))
    first = np.r_[True, period[1:] != period[:-1]]
    last = np.r_[period[1:] != period[:-1], True]
    head, tail = ep[first].reset_index(drop=True), ep[last].reset_index(drop=True)
    out = pd.DataFrame({
        "person_id": head["person_id"], "start_date": head["start_date"], "end_date": tail["end_date"],
        "episodes": np.bincount(period)[np.unique(period)],
        "first_placement": head["placement"] if "placement" in ep else pd.NA,
        "last_placement": tail["placement"] if "placement" in ep else pd.NA,
        "reason_for_leaving": tail["reason_for_leaving"] if "reason_for_leaving" in ep else pd.NA,
    })
    return out.reset_index(drop=True)[cols]


def statutory_events(ds: "Dataset") -> pd.DataFrame:
    """Entries, exits and moves between statutory states, one row per event.

    Columns: person_id, date, event (``entry``, ``exit``, ``move``), state (``cin``, ``cp`` or
    ``looked_after``), from_placement / to_placement for moves within care. An entry is the
    start of a period with no period of the same state ending that day; a move is a new CLA
    episode with a different placement the day the previous one ends.
    """
    rows = []
    for name, state in (("cin_plans", "cin"), ("cp_plans", "cp")):
        fr = ds[name]
        if fr.empty:
            continue
        rows.append(pd.DataFrame({"person_id": fr["person_id"], "date": fr["start_date"], "event": "entry",
                                  "state": state}))
        closed = fr[fr["end_date"].notna()]
        rows.append(pd.DataFrame({"person_id": closed["person_id"], "date": closed["end_date"], "event": "exit",
                                  "state": state}))
    periods = care_periods(ds)
    if len(periods):
        rows.append(pd.DataFrame({"person_id": periods["person_id"], "date": periods["start_date"],
                                  "event": "entry", "state": "looked_after",
                                  "to_placement": periods["first_placement"].astype("string")}))
        closed = periods[periods["end_date"].notna()]
        rows.append(pd.DataFrame({"person_id": closed["person_id"], "date": closed["end_date"],
                                  "event": "exit", "state": "looked_after",
                                  "from_placement": closed["last_placement"].astype("string")}))
        ep = ds.cla_episodes.sort_values(["person_id", "start_date"], kind="stable").reset_index(drop=True)
        prev_place = ep["placement"].shift().astype("string")
        place = ep["placement"].astype("string")
        move = (ep["person_id"].eq(ep["person_id"].shift()).to_numpy(dtype=bool, na_value=False)
                & ep["start_date"].eq(ep["end_date"].shift()).to_numpy(dtype=bool, na_value=False)
                & place.ne(prev_place).to_numpy(dtype=bool, na_value=False))
        rows.append(pd.DataFrame({"person_id": ep.loc[move, "person_id"], "date": ep.loc[move, "start_date"],
                                  "event": "move", "state": "looked_after",
                                  "from_placement": prev_place[move], "to_placement": place[move]}))
    cols = ["person_id", "date", "event", "state", "from_placement", "to_placement"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True).reindex(columns=cols)
    return out.sort_values(["date", "person_id"], kind="stable").reset_index(drop=True)
