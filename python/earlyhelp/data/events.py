"""Derived events: step-ups, step-downs, re-referrals, episode stitching and snapshots.

This module is the one place these definitions live. The network, risk and forecast
helpers call them (usually through the :class:`~earlyhelp.Dataset` methods of the same
names), so the signatures are kept stable. Everything is vectorised with pandas
(sort + groupby, merges, ``merge_asof``); no Python loop runs over rows.

Families: an event belongs to ``family_id``. Rows recorded per person with no family
(SSD early help episodes whose family could not be found) use the key ``"person:<id>"``
so they are never dropped; such rows have a missing ``family_id`` in the results.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import codes
from ._fast import isin

if TYPE_CHECKING:
    from .dataset import Dataset

#: an ISO 8601 day (2024-03-31), read without the CSV readers' parse
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

STEP_UP_WITHIN_DAYS = 28
STEP_DOWN_WITHIN_DAYS = 28
FAR_FUTURE = pd.Timestamp("2262-04-01")  # stands for "still open" in interval arithmetic
#: the longest window a days argument takes: ten years (longer ones mean nothing here, and a window
#: of ~300 years would overflow the dates)
MAX_DAYS = 3653


def days_argument(value: Any, name: str) -> int:
    """A number-of-days argument (``within_days``, ``gap_days``, ``window_days``) as an int, or a
    ValidationError (a ValueError) naming it: a whole number from 0 to :data:`MAX_DAYS`.

    Parameters
    ----------
    value : Any
        the argument.
    name : str
        its name, for the message.

    Returns
    -------
    int
    """
    from .._errors import Problem, ValidationError

    # a bool is an int to Python, 28.5 and NaN no whole number, "28" text: each refused by name
    whole = (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))) or \
        (isinstance(value, (float, np.floating)) and float(value).is_integer())
    if not whole or not 0 <= value <= MAX_DAYS:
        raise ValidationError(Problem("argument", name, f"must be a whole number of days from 0 to {MAX_DAYS}, "
                                      f"not {value!r}"))
    return int(value)


def _family_key(frame: pd.DataFrame) -> pd.Series:
    """family_id, or "person:<person_id>" when the row has no family."""
    fam = frame["family_id"].astype("string[pyarrow]") if "family_id" in frame.columns else \
        pd.Series(pd.NA, index=frame.index, dtype="string[pyarrow]")
    if "person_id" in frame.columns:
        person = "person:" + frame["person_id"].astype("string[pyarrow]")
        fam = fam.fillna(person)
    return fam


# Days as integers, and (key, day) pairs as one sortable integer: a key's code times _SPAN plus the
# day moved to be positive (every date pandas holds is within 2**17 days of 1970).
_OFFSET = np.int64(1) << 18
_SPAN = np.int64(1) << 19
_FAR_DAY = int((FAR_FUTURE - pd.Timestamp("1970-01-01")).days)


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as int64 days since 1970-01-01 (missing: the int64 minimum, never compared as a day)."""
    v = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")
    return v.astype("datetime64[D]").astype(np.int64)


def _key_codes(*keys: pd.Series) -> Tuple[np.ndarray, ...]:
    """One integer per distinct key shared across the series (-1 for a missing key)."""
    whole = pd.concat([k.astype(object) for k in keys], ignore_index=True)
    codes_, _ = pd.factorize(whole, use_na_sentinel=True)
    out, at = [], 0
    for k in keys:
        out.append(codes_[at:at + len(k)].astype(np.int64))
        at += len(k)
    return tuple(out)


def _pair(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    return code * _SPAN + (day + _OFFSET)


def _latest_open(code: np.ndarray, start: np.ndarray, end: np.ndarray, q_code: np.ndarray,
                 q_day: np.ndarray) -> np.ndarray:
    """For each query (key, day): the position of the key's episode open on the day (started on or
    before it, ending on or after it) that started last (ties: the later position), else -1.

    Episodes are sorted by (key, start); the one wanted is the last, up to the query, whose end is
    not before the day. It is found by skipping back over blocks of 2**k episodes that all ended
    before the day (a table of the blocks' latest ends), so a key with K episodes costs log K per
    query, not K.
    """
    n = len(code)
    if n == 0 or len(q_code) == 0:
        return np.full(len(q_code), -1, dtype=np.int64)
    order = np.lexsort((np.arange(n), start, code))
    skey = _pair(code[order], start[order])
    ends = end[order]
    lo = np.searchsorted(skey, q_code * _SPAN, side="left")           # the key's first episode
    cur = np.searchsorted(skey, _pair(q_code, q_day), side="right")   # one past its last started by the day
    largest = int(np.unique(code, return_counts=True)[1].max())
    blocks = [ends]                      # blocks[k][i]: the latest end of ends[i : i + 2**k]
    while (1 << len(blocks)) <= largest:
        half = 1 << (len(blocks) - 1)
        blocks.append(np.maximum(blocks[-1][:-half], blocks[-1][half:]))
    for k in range(len(blocks) - 1, -1, -1):
        cand = cur - (1 << k)
        skip = cand >= lo
        skip &= blocks[k][np.where(skip, cand, 0)] < q_day
        cur = np.where(skip, cand, cur)
    last = cur - 1
    found = (last >= lo) & (ends[np.maximum(last, 0)] >= q_day) & (q_code >= 0)
    return np.where(found, order[np.maximum(last, 0)], -1)


def _latest_closed(code: np.ndarray, start: np.ndarray, end: np.ndarray, q_code: np.ndarray,
                   q_day: np.ndarray, within_days: int) -> np.ndarray:
    """For each query (key, day): the position of the key's episode that ended last before the day,
    at most ``within_days`` before it (ties: the later start, then the later position), else -1.
    Open episodes carry an end of :data:`_FAR_DAY` and are never found."""
    n = len(code)
    if n == 0 or len(q_code) == 0:
        return np.full(len(q_code), -1, dtype=np.int64)
    order = np.lexsort((np.arange(n), start, end, code))
    skey = _pair(code[order], end[order])
    last = np.searchsorted(skey, _pair(q_code, q_day), side="left") - 1
    at = np.maximum(last, 0)
    found = (last >= 0) & (code[order][at] == q_code) & (end[order][at] >= q_day - within_days) \
        & (end[order][at] < q_day) & (q_code >= 0)
    return np.where(found, order[at], -1)


def _referral_families(ds: "Dataset") -> pd.DataFrame:
    """Social-care referrals with every family the child belonged to at the referral date.

    Columns: referral_id, person_id, family_key, referral_date, close_date, close_reason.
    The families are those whose membership is valid at the referral date, and always the one
    :func:`~earlyhelp.data.ssd.family_of_persons` gives (the rule that puts a child's own episodes
    in a family when loading: with no membership valid on the date, the latest begun by then, else
    the latest; among equals, the lowest family id). A child in no family keeps the key
    "person:<id>" (matches per-person episodes).
    """
    from .ssd import family_of_persons

    ref = ds.csc_referrals[["referral_id", "person_id", "referral_date", "close_date", "close_reason"]]
    members = ds.family_members
    own = "person:" + ref["person_id"].astype("string[pyarrow]")
    if members.empty:
        return ref.assign(family_key=own)
    m = members.loc[isin(members["person_id"], ref["person_id"]), ["family_id", "person_id", "valid_from", "valid_to"]]
    j = ref.merge(m, on="person_id", how="inner")
    valid = ((j["valid_from"].isna() | (j["valid_from"] <= j["referral_date"]))
             & (j["valid_to"].isna() | (j["valid_to"] >= j["referral_date"])))
    j = j[valid.to_numpy(dtype=bool, na_value=False)]
    j = j.assign(family_key=j["family_id"].astype("string[pyarrow]"))
    # family_of_persons gives a membership valid on the date where there is one (all of those are
    # kept above), so it is asked only about the referrals with none
    lost = ~isin(ref["referral_id"], j["referral_id"])
    if lost.any():
        rest = ref[lost]
        theirs = members[isin(members["person_id"], rest["person_id"])]   # the same answer, sooner
        chosen = family_of_persons(theirs, rest["person_id"], rest["referral_date"])
        j = pd.concat([j, rest.assign(family_key=chosen.fillna(own[lost]).to_numpy())], ignore_index=True)
    return j[["referral_id", "person_id", "family_key", "referral_date", "close_date", "close_reason"]] \
        .reset_index(drop=True)


def _attributed_referrals(ds: "Dataset", within_days: int) -> pd.DataFrame:
    """Each social-care referral with the one episode it steps up, if any.

    Candidates are the episodes of the child (matched on ``person_id``, in whatever family the
    episode was put) and of the child's families (:func:`_referral_families`) that are open on the
    referral date or ended at most ``within_days`` before it. The referral goes to one of them: an
    open episode before a closed one; then the child's own episode before another member's; then
    the open episode that started last, or the closed one that ended last (a tie: the later start,
    then the later episode_id).

    Columns: referral_id, referral_date, episode (position in ``ds.episodes``).
    """
    ep = ds.episodes
    ref = _referral_families(ds)
    ref = ref[ref["referral_date"].notna().to_numpy()].reset_index(drop=True)
    empty = pd.DataFrame({"referral_id": pd.Series([], dtype=object),
                          "referral_date": pd.Series([], dtype="datetime64[ns]"),
                          "episode": pd.Series([], dtype=np.int64)})
    started = ep["start_date"].notna().to_numpy()
    if ref.empty or not started.any():
        return empty
    # the started episodes, in episode_id order (ties below go to the later id, whatever the row order)
    rows = np.flatnonzero(started)
    rows = rows[np.argsort(ep["episode_id"].astype(object).to_numpy()[rows], kind="stable")]
    e = ep.iloc[rows]
    e_start = _day_numbers(e["start_date"])
    e_end = np.where(e["end_date"].notna().to_numpy(), _day_numbers(e["end_date"]), _FAR_DAY)
    e_person = e["person_id"] if "person_id" in e.columns else pd.Series(pd.NA, index=e.index, dtype=object)
    e_fam, q_fam = _key_codes(_family_key(e), ref["family_key"])
    referral = ref.drop_duplicates("referral_id").reset_index(drop=True)
    e_per, q_per = _key_codes(e_person, referral["person_id"])
    day_fam, day_per = _day_numbers(ref["referral_date"]), _day_numbers(referral["referral_date"])
    has = np.flatnonzero(e_per >= 0)          # episodes recorded for one child

    def of_child(found: np.ndarray) -> np.ndarray:
        return np.where(found >= 0, has[np.maximum(found, 0)], -1) if len(has) else found

    searches = (
        (ref["referral_id"], _latest_open(e_fam, e_start, e_end, q_fam, day_fam), True),
        (ref["referral_id"], _latest_closed(e_fam, e_start, e_end, q_fam, day_fam, within_days), False),
        (referral["referral_id"],
         of_child(_latest_open(e_per[has], e_start[has], e_end[has], q_per, day_per)), True),
        (referral["referral_id"],
         of_child(_latest_closed(e_per[has], e_start[has], e_end[has], q_per, day_per, within_days)), False))
    cands = []
    for ids, found, is_open in searches:
        hit = found >= 0
        cands.append(pd.DataFrame({"referral_id": ids.to_numpy(dtype=object)[hit], "at": found[hit],
                                   "open": is_open}))
    c = pd.concat(cands, ignore_index=True)
    if c.empty:
        return empty
    at = c["at"].to_numpy(dtype=np.int64)
    child = pd.Series(q_per, index=referral["referral_id"].to_numpy(dtype=object))
    c["own"] = e_per[at] == c["referral_id"].map(child).to_numpy(dtype=np.int64)
    c["own"] &= e_per[at] >= 0
    c["recency"] = np.where(c["open"].to_numpy(dtype=bool), e_start[at], e_end[at])
    c["start"] = e_start[at]
    c = c.sort_values(["referral_id", "open", "own", "recency", "start", "at"],
                      ascending=[True, False, False, False, False, False], kind="stable")
    c = c.drop_duplicates("referral_id")
    dates = referral.set_index("referral_id")["referral_date"]
    return pd.DataFrame({"referral_id": c["referral_id"].to_numpy(),
                         "referral_date": c["referral_id"].map(dates).to_numpy(dtype="datetime64[ns]"),
                         "episode": rows[c["at"].to_numpy(dtype=np.int64)]})


def step_ups(ds: "Dataset", within_days: int = STEP_UP_WITHIN_DAYS, level: str = "episode") -> pd.DataFrame:
    """Episodes stepped up to children's social care.

    An episode is stepped up when it ends with ``end_reason == "step_up"``, or when a
    social-care referral (``csc_referrals``) made while it is open, or within ``within_days``
    days of its end, is attributed to it. A referral is for a child: its candidates are the
    child's own episodes and the episodes of the child's family (membership valid at the referral
    date, else the family loading gives the child's own episodes), and it steps up one of them:
    an episode open on the referral date before one that had closed; then the child's own
    episode before another member's; then the open episode that started last, or the closed
    one that ended last. So one referral is one step-up, never two.

    Parameters
    ----------
    within_days : days after an episode's end in which a referral still counts (default 28).
    level : ``"episode"`` (default): one row per stepped-up episode as recorded (per child in
        an SSD extract). ``"family"``: one row per stepped-up *family episode* (the
        episodes :func:`stitch_episodes` merges), the family-level count.

    Returns
    -------
    DataFrame, one row per stepped-up episode: ``family_id``, ``episode_id``, ``date`` (the
    earlier of the step-up end date and the first referral attributed to it), ``how``
    (``"end_reason"``, ``"csc_referral"`` or ``"end_reason+csc_referral"``),
    ``referral_id`` (the first referral attributed to it, if any), ``n_referrals`` (referrals
    attributed to it). With ``level="family"`` also ``family_episode_id`` and ``n_episodes``
    (recorded episodes of the family episode that stepped up); ``episode_id`` is the first of
    them, ``date`` the earliest.
    """
    within_days = days_argument(within_days, "within_days")
    if level not in ("episode", "family"):
        raise ValueError(f"level must be 'episode' or 'family', not {level!r}")
    ep = ds.episodes
    by_reason = ep[(ep["end_reason"] == "step_up").to_numpy(dtype=bool, na_value=False)
                   & ep["end_date"].notna().to_numpy()]
    by_reason = pd.DataFrame({"episode_id": by_reason["episode_id"].astype(object),
                              "reason_date": by_reason["end_date"]})
    att = _attributed_referrals(ds, within_days)
    j = pd.DataFrame({"episode_id": ep["episode_id"].astype(object).to_numpy()[att["episode"].to_numpy()],
                      "referral_id": att["referral_id"].to_numpy(), "referral_date": att["referral_date"].to_numpy()})
    j = j.sort_values(["episode_id", "referral_date", "referral_id"], kind="stable")
    by_ref = j.groupby("episode_id", sort=False).agg(referral_date=("referral_date", "first"),
                                                    referral_id=("referral_id", "first"),
                                                    n_referrals=("referral_id", "size")).reset_index()
    out = by_reason.merge(by_ref, on="episode_id", how="outer")
    how = np.where(out["reason_date"].notna() & out["referral_date"].notna(), "end_reason+csc_referral",
                   np.where(out["reason_date"].notna(), "end_reason", "csc_referral"))
    date = out[["reason_date", "referral_date"]].min(axis=1)
    info = ep.set_index(ep["episode_id"].astype(object))["family_id"]
    result = pd.DataFrame({
        "family_id": out["episode_id"].map(info).astype("string[pyarrow]"),
        "episode_id": out["episode_id"].astype("string[pyarrow]"),
        "date": date.astype("datetime64[ns]"),
        "how": pd.Categorical(how, categories=["end_reason", "csc_referral", "end_reason+csc_referral"]),
        "referral_id": out["referral_id"].astype("string[pyarrow]"),
        "n_referrals": out["n_referrals"].fillna(0).astype("Int64"),
    })
    result = result.sort_values(["date", "episode_id"], kind="stable").reset_index(drop=True)
    return family_step_ups(ds, result) if level == "family" else result


def family_step_ups(ds: "Dataset", ups: pd.DataFrame, mapping: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Stepped-up episodes (``step_ups`` rows) grouped into the family episodes they belong to
    (earliest first); ``mapping`` is ``stitch_episodes(return_map=True)[1]`` when already made."""
    if mapping is None:
        _, mapping = stitch_episodes(ds, return_map=True)
    j = ups.merge(mapping, on="episode_id", how="left")
    j["family_episode_id"] = j["family_episode_id"].fillna(j["episode_id"])
    g = j.groupby("family_episode_id", sort=False)   # ups are sorted by date: first = earliest
    out = pd.DataFrame({
        "family_episode_id": g["family_episode_id"].first().astype("string[pyarrow]"),
        "family_id": g["family_id"].first().astype("string[pyarrow]"),
        "episode_id": g["episode_id"].first().astype("string[pyarrow]"),
        "date": g["date"].min().astype("datetime64[ns]"),
        "how": g["how"].first(),
        "referral_id": g["referral_id"].first().astype("string[pyarrow]"),
        "n_referrals": g["referral_id"].nunique().astype("Int64"),
        "n_episodes": g.size().astype("Int64"),
    }).reset_index(drop=True)
    return out.sort_values(["date", "family_episode_id"], kind="stable").reset_index(drop=True)


def _same_day_groups(e: pd.DataFrame) -> Tuple[pd.DataFrame, np.ndarray]:
    """``e`` (request_id, family_key, date) sorted by family, day and id, and a group number per row:
    a family's rows on one day share one. Rows without a date or family are groups of their own."""
    e = e.sort_values(["family_key", "date", "request_id"], kind="stable", na_position="last")
    same = (e["family_key"].eq(e["family_key"].shift()) & e["date"].eq(e["date"].shift())
            & e["family_key"].notna() & e["date"].notna()).to_numpy(dtype=bool, na_value=False)
    return e, np.cumsum(~same)


def family_requests(ds: "Dataset") -> pd.DataFrame:
    """Requests for support as family events.

    The SSD records a contact per child: siblings referred together are several rows. A
    family's requests received on the same day are one family request here (rows with no
    family, a child in no family, are their own family). Requests already recorded per
    family (one row covering ``children`` children) are unchanged.

    Returns
    -------
    DataFrame, one row per family request: ``family_request_id`` (the first request id),
    ``family_id``, ``date``, ``n_requests`` (rows merged), ``children`` (children covered:
    the rows' ``children``, 1 for a row that does not say), ``person_id`` (of the first row).
    """
    rq = ds.requests
    children = rq["children"].astype("Float64").fillna(1.0) if "children" in rq.columns else 1.0
    e = pd.DataFrame({"request_id": rq["request_id"].astype(object), "family_key": _family_key(rq).astype(object),
                      "family_id": rq["family_id"], "date": rq["received_date"],
                      "person_id": rq["person_id"] if "person_id" in rq.columns else pd.NA,
                      "children": children})
    # rows without a date or family stay separate events (counted, and excluded where a date is needed)
    e, group = _same_day_groups(e)
    g = e.groupby(group, sort=False)
    out = pd.DataFrame({
        "family_request_id": g["request_id"].first().astype("string[pyarrow]"),
        "family_id": g["family_id"].first().astype("string[pyarrow]"),
        "date": g["date"].first().astype("datetime64[ns]"),
        "n_requests": g.size().astype("Int64"),
        "children": g["children"].sum().astype(float),
        "person_id": g["person_id"].first().astype("string[pyarrow]"),
    }).reset_index(drop=True)
    return out.sort_values(["date", "family_request_id"], kind="stable", na_position="last").reset_index(drop=True)


def step_downs(ds: "Dataset", within_days: int = STEP_DOWN_WITHIN_DAYS) -> pd.DataFrame:
    """Step-downs from children's social care to Early Help.

    A step-down is a social-care referral closed with ``RC9`` (closed after assessment,
    referred to early help), or an episode whose ``origin`` is ``step_down``. An RC9
    referral is linked to the family's episode starting nearest its close date, at most
    ``within_days`` before or after it (a tie: the earlier start); the child's families are
    those of :func:`step_ups` (membership valid at the referral date, else the family loading
    gives the child's own episodes). Several children's RC9 referrals leading to one episode
    make one event.

    Returns
    -------
    DataFrame, one row per event: ``family_id``, ``episode_id`` (missing when an RC9
    referral led to no recorded episode), ``referral_id`` (missing for an origin-only
    step-down), ``date`` (the referral close date, else the episode start),
    ``how`` (``"csc_close_rc9"``, ``"episode_origin"`` or ``"csc_close_rc9+episode_origin"``).
    """
    within_days = days_argument(within_days, "within_days")
    ep = ds.episodes
    eps = pd.DataFrame({"episode_id": ep["episode_id"], "family_key": _family_key(ep),
                        "start_date": ep["start_date"],
                        "origin_step_down": (ep["origin"] == "step_down").to_numpy(dtype=bool, na_value=False)})
    ref = _referral_families(ds)
    rc9 = ref[(ref["close_reason"] == codes.STEP_DOWN_CLOSE_REASON).to_numpy(dtype=bool, na_value=False)
              & ref["close_date"].notna().to_numpy()]
    rc9 = rc9.reset_index(drop=True)
    nearest, gap = _nearest_start(eps, rc9, within_days)
    hit = nearest >= 0
    linked_id = np.full(len(rc9), None, dtype=object)
    linked_id[hit] = eps["episode_id"].to_numpy(dtype=object)[nearest[hit]]
    linked_start = np.full(len(rc9), np.datetime64("NaT"), dtype="datetime64[ns]")
    linked_start[hit] = eps["start_date"].to_numpy(dtype="datetime64[ns]")[nearest[hit]]
    j = rc9.assign(episode_id=pd.array(linked_id, dtype="string[pyarrow]"), start_date=linked_start, gap=gap)
    j = j.sort_values(["referral_id", "gap", "start_date"], na_position="last", kind="stable") \
        .drop_duplicates("referral_id")
    linked = j[j["episode_id"].notna()].sort_values(["close_date", "referral_id"], kind="stable") \
        .drop_duplicates("episode_id")
    unlinked = j[j["episode_id"].isna()].sort_values(["close_date", "referral_id"], kind="stable") \
        .drop_duplicates(["family_key", "close_date"])
    from_ref = pd.concat([linked, unlinked], ignore_index=True)
    from_ref = from_ref.assign(date=from_ref["close_date"])[["episode_id", "referral_id", "family_key", "date"]]
    origin = eps[eps["origin_step_down"]][["episode_id", "family_key", "start_date"]]
    linked_part = from_ref[from_ref["episode_id"].notna()].merge(
        origin.rename(columns={"family_key": "family_key_o"}), on="episode_id", how="outer")
    unlinked_part = from_ref[from_ref["episode_id"].isna()]
    result = pd.concat([_step_down_rows(linked_part), _step_down_rows(unlinked_part)], ignore_index=True)
    return result.sort_values(["date", "episode_id", "referral_id"], kind="stable").reset_index(drop=True)


def _nearest_start(eps: pd.DataFrame, ref: pd.DataFrame, within_days: int) -> Tuple[np.ndarray, np.ndarray]:
    """For each referral row (family_key, close_date): the position in ``eps`` of the family's
    episode starting nearest the close date, at most ``within_days`` before or after it (a tie
    goes to the earlier start, then the earlier row), else -1; and the gap in days (NaN for none).

    By binary search on the family's starts, so a family with thousands of rows costs no more
    than many small ones.
    """
    none = (np.full(len(ref), -1, dtype=np.int64), np.full(len(ref), np.nan))
    started = np.flatnonzero(eps["start_date"].notna().to_numpy())
    if not len(started) or ref.empty:
        return none
    e_code, q_code = _key_codes(eps["family_key"].iloc[started], ref["family_key"])
    e_start = _day_numbers(eps["start_date"].iloc[started])
    order = np.lexsort((started, e_start, e_code))
    pairs = _pair(e_code[order], e_start[order])
    first = np.r_[True, pairs[1:] != pairs[:-1]]       # the first row of each (family, start day)
    order, pairs = order[first], pairs[first]
    code_s, start_s = e_code[order], e_start[order]
    close = _day_numbers(ref["close_date"])
    after = np.searchsorted(pairs, _pair(q_code, close), side="left")   # first start on or after the day
    before = after - 1                                                  # last start before it
    a, b = np.minimum(after, len(pairs) - 1), np.maximum(before, 0)
    gap_a, gap_b = start_s[a] - close, close - start_s[b]
    ok_a = (after < len(pairs)) & (code_s[a] == q_code) & (gap_a <= within_days)
    ok_b = (before >= 0) & (code_s[b] == q_code) & (gap_b <= within_days)
    take_b = ok_b & (~ok_a | (gap_b <= gap_a))
    take_a = ok_a & ~take_b
    ok = (take_a | take_b) & (q_code >= 0)
    pos = np.where(take_b, order[b], order[a])
    found = np.where(ok, started[pos], -1)
    gap = np.where(ok, np.where(take_b, gap_b, gap_a), np.nan).astype(float)
    return found, gap


def _step_down_rows(out: pd.DataFrame) -> pd.DataFrame:
    """Typed result rows for step_downs from referral and/or origin columns."""
    n = len(out)
    ref_id = out["referral_id"] if "referral_id" in out.columns else pd.Series([pd.NA] * n, index=out.index)
    start = out["start_date"] if "start_date" in out.columns else pd.Series(pd.NaT, index=out.index)
    key = out["family_key"].astype("string[pyarrow]")
    if "family_key_o" in out.columns:
        key = key.fillna(out["family_key_o"].astype("string[pyarrow]"))
    has_ref = ref_id.notna().to_numpy()
    has_origin = start.notna().to_numpy()
    how = np.where(has_ref & has_origin, "csc_close_rc9+episode_origin",
                   np.where(has_ref, "csc_close_rc9", "episode_origin"))
    return pd.DataFrame({
        "family_id": key.where(~key.str.startswith("person:").fillna(False)).astype("string[pyarrow]"),
        "episode_id": out["episode_id"].astype("string[pyarrow]"),
        "referral_id": ref_id.astype("string[pyarrow]"),
        "date": pd.to_datetime(out["date"]).fillna(pd.to_datetime(start)).astype("datetime64[ns]"),
        "how": pd.Categorical(how, categories=["csc_close_rc9", "episode_origin", "csc_close_rc9+episode_origin"]),
    })


def rereferrals(ds: "Dataset", basis: str = "request", window_days: int = 365) -> pd.DataFrame:
    """Re-referrals: new requests for a family soon after an earlier one.

    A family's requests received on the same day (siblings' contacts recorded one per child)
    are one family request, as in :func:`family_requests`: it is listed once, under its first
    request id, and only a request on a later day can be a re-referral of it.

    Parameters
    ----------
    basis : ``"request"`` (the DfE definition): a request received within ``window_days``
        of the family's previous request (on an earlier day). ``"episode"``: a request received
        within ``window_days`` after the family's most recent *closed* episode ended. Requests
        received while another episode is open (one that started before the request's
        day) are not re-referrals on this basis; the request that opens a new episode on
        its day of receipt is. An episode is open through its end day: dates carry no
        time, so a request received the day an episode closed may have come before the
        closure, and is not a re-referral (the catalogue's ``rereferrals_12m`` reads it
        the same way). Without any requests, episode starts stand in for requests.
    window_days : 365 = 12 months.

    Returns
    -------
    DataFrame, one row per family re-referral: ``family_id``, ``request_id`` (the family's
    first request of that day; ``episode_id`` when episodes stand in), ``date``,
    ``previous_id`` (the earlier family request, or the closed episode), ``previous_date``
    (its receipt or end), ``days_since`` (at least 1).
    """
    if basis not in ("request", "episode"):
        raise ValueError(f"basis must be 'request' or 'episode', not {basis!r}")
    window_days = days_argument(window_days, "window_days")
    rq = ds.requests
    if len(rq):
        events = pd.DataFrame({"request_id": rq["request_id"], "family_key": _family_key(rq),
                               "date": rq["received_date"]})
    else:
        ep0 = ds.episodes
        events = pd.DataFrame({"request_id": ep0["episode_id"], "family_key": _family_key(ep0),
                               "date": ep0["start_date"]})
    events = events[events["family_key"].notna().to_numpy() & events["date"].notna().to_numpy()]
    events, group = _same_day_groups(events)
    events = events[np.r_[True, group[1:] != group[:-1]]]   # the first request of each family day
    events = events.assign(request_id=events["request_id"].astype(object),
                           family_key=events["family_key"].astype(object))
    if basis == "request":
        grouped = events.groupby("family_key", sort=False)
        out = events.assign(previous_id=grouped["request_id"].shift(1), previous_date=grouped["date"].shift(1))
    else:
        ep = ds.episodes
        closed = pd.DataFrame({"family_key": _family_key(ep).astype(object), "previous_id": ep["episode_id"],
                               "previous_date": ep["end_date"]})
        closed = closed[closed["previous_date"].notna().to_numpy() & closed["family_key"].notna().to_numpy()]
        left = events.sort_values("date", kind="stable")
        right = closed.sort_values("previous_date", kind="stable")
        out = pd.merge_asof(left, right[["family_key", "previous_id", "previous_date"]], left_on="date",
                            right_on="previous_date", by="family_key", direction="backward",
                            allow_exact_matches=False)
        # open at the request date: an episode started before that day and not ended before it (an
        # episode starting the same day is the one this request opened). Counted, not joined: the
        # family's episodes started before the day less those ended before it (each ends after it
        # starts), by binary search, so a family with thousands of rows costs no more than many
        # small ones.
        started = ep["start_date"].notna().to_numpy()
        e_code, q_code = _key_codes(_family_key(ep)[started], out["family_key"])
        e_start = _day_numbers(ep["start_date"][started])
        e_end = ep["end_date"][started]
        ended = e_end.notna().to_numpy()
        starts = np.sort(_pair(e_code, e_start)[e_code >= 0])
        ends = np.sort(_pair(e_code[ended], _day_numbers(e_end[ended]))[e_code[ended] >= 0])
        q = _pair(q_code, _day_numbers(out["date"]))
        floor = q_code * _SPAN
        n_open = (np.searchsorted(starts, q, "left") - np.searchsorted(starts, floor, "left")) \
            - (np.searchsorted(ends, q, "left") - np.searchsorted(ends, floor, "left"))
        out = out[~((n_open > 0) & (q_code >= 0))]
    days = (out["date"] - out["previous_date"]).dt.days
    hit = out["previous_date"].notna() & (days <= window_days)
    out = out[hit.to_numpy(dtype=bool)].assign(days_since=days[hit])
    family = out["family_key"].astype("string[pyarrow]")
    result = pd.DataFrame({
        "family_id": family.where(~family.str.startswith("person:").fillna(False)),
        "request_id": out["request_id"].astype("string[pyarrow]"),
        "date": out["date"].astype("datetime64[ns]"),
        "previous_id": out["previous_id"].astype("string[pyarrow]"),
        "previous_date": pd.to_datetime(out["previous_date"]).astype("datetime64[ns]"),
        "days_since": out["days_since"].astype("Int64"),
    })
    return result.sort_values(["date", "request_id"], kind="stable").reset_index(drop=True)


def stitch_episodes(ds: "Dataset", gap_days: int = 1, return_map: bool = False
                    ) -> Union[pd.DataFrame, Tuple[pd.DataFrame, pd.DataFrame]]:
    """Merge a family's overlapping or adjoining episodes into family episodes.

    Episodes of the same family are chained when one starts no more than ``gap_days``
    after the latest end so far (``gap_days=1``: overlapping, or the next day). Per-child
    episodes (SSD) whose family was found at load are grouped into family episodes the
    same way; a child with no family is its own "family".

    Returns
    -------
    DataFrame, one row per family episode: ``family_episode_id`` (the first episode's id),
    ``family_id``, ``start_date``, ``end_date`` (missing while any part is open),
    ``end_reason`` (of the part that ended last; ``step_up`` wins a tie), ``n_episodes``,
    ``n_persons`` (distinct person_id, 0 when episodes are per family), ``episode_ids``
    (tuple). With ``return_map=True`` also a DataFrame ``episode_id -> family_episode_id``.
    """
    gap_days = days_argument(gap_days, "gap_days")
    ep = ds.episodes
    e = pd.DataFrame({"episode_id": ep["episode_id"].astype(object), "family_key": _family_key(ep).astype(object),
                      "family_id": ep["family_id"], "start_date": ep["start_date"], "end_date": ep["end_date"],
                      "end_reason": ep["end_reason"],
                      "person_id": ep["person_id"] if "person_id" in ep.columns else pd.NA})
    e = e.sort_values(["family_key", "start_date", "episode_id"], kind="stable").reset_index(drop=True)
    end_filled = e["end_date"].fillna(FAR_FUTURE)
    running_end = end_filled.groupby(e["family_key"], sort=False).cummax()
    prev_end = running_end.groupby(e["family_key"], sort=False).shift(1)
    new_group = prev_end.isna() | (e["start_date"] > prev_end + pd.Timedelta(days=gap_days))
    e["group"] = new_group.cumsum()
    e["end_filled"] = end_filled
    e["step_up"] = (e["end_reason"] == "step_up").to_numpy(dtype=bool, na_value=False)
    g = e.groupby("group", sort=False)
    first = g.first()
    last = e.sort_values(["group", "end_filled", "step_up"], kind="stable").groupby("group", sort=False).last()
    end = g["end_filled"].max()
    stitched = pd.DataFrame({
        "family_episode_id": first["episode_id"].astype("string[pyarrow]"),
        "family_id": first["family_id"].astype("string[pyarrow]"),
        "start_date": g["start_date"].min(),
        "end_date": end.where(end < FAR_FUTURE).astype("datetime64[ns]"),
        "end_reason": last["end_reason"].astype(ep["end_reason"].dtype),
        "n_episodes": g.size().astype("Int64"),
        "n_persons": g["person_id"].nunique().astype("Int64"),
        "episode_ids": _runs_as_tuples(e["episode_id"].to_numpy(dtype=object), new_group.to_numpy(dtype=bool)),
    }).reset_index(drop=True)
    stitched.loc[stitched["end_date"].isna(), "end_reason"] = np.nan
    stitched = stitched.sort_values(["start_date", "family_episode_id"], kind="stable").reset_index(drop=True)
    if not return_map:
        return stitched
    mapping = pd.DataFrame({"episode_id": e["episode_id"].astype("string[pyarrow]"),
                            "family_episode_id": e["group"].map(first["episode_id"]).astype("string[pyarrow]")})
    return stitched, mapping


def _runs_as_tuples(values: np.ndarray, starts: np.ndarray) -> list:
    """Consecutive runs of ``values`` (a run begins where ``starts`` is True) as tuples.

    Groups are contiguous after sorting, so slicing is enough (``groupby.agg(tuple)``
    runs Python once per group through pandas and takes seconds on 100k families).
    """
    bounds = np.flatnonzero(starts).tolist() + [len(values)]
    return [tuple(values[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


# -- snapshot ----------------------------------------------------------------------------------

# table -> (the date a row becomes known, {later date column: columns that become missing with it})
SNAPSHOT_RULES: Dict[str, Tuple[Optional[str], Dict[str, Tuple[str, ...]]]] = {
    "practitioners": ("start_date", {"end_date": ()}),
    "family_members": ("valid_from", {"valid_to": ()}),
    "requests": ("received_date", {"decision_date": ("decision",)}),
    "episodes": ("start_date", {"end_date": ("end_reason", "end_reason_local")}),
    "assessments": ("started", {"completed": ()}),
    "family_needs": ("identified_date", {}),
    "involvements": ("start_date", {"end_date": ()}),
    "csc_referrals": ("referral_date", {"close_date": ("close_reason",)}),
    "csc_assessments": ("start_date", {"authorised_date": ("factors",)}),
    "plans": ("agreed_date", {"end_date": ()}),
    "taf_reviews": ("due_date", {"held_date": ()}),
    "service_referrals": ("referral_date", {}),
    "family_voice": ("response_date", {}),
    "cin_plans": ("start_date", {"end_date": ()}),
    "cp_plans": ("start_date", {"end_date": ()}),
    "cla_episodes": ("start_date", {"end_date": ("reason_for_leaving",)}),
}


def _blank(frame: pd.DataFrame, mask: np.ndarray, columns) -> None:
    for c in columns:
        if c in frame.columns and mask.any():
            if isinstance(frame[c].dtype, pd.CategoricalDtype) or str(frame[c].dtype) in (
                    "string", "string[pyarrow]", "boolean", "Int64"):
                frame.loc[mask, c] = pd.NA
            elif pd.api.types.is_datetime64_any_dtype(frame[c].dtype):
                frame.loc[mask, c] = pd.NaT
            else:
                frame.loc[mask, c] = np.nan


def date_argument(date: Any, table: str, column: str) -> pd.Timestamp:
    """A date argument as a day without a time zone, or a ValidationError naming it.

    Text is read as the CSV readers read a date column (:func:`~earlyhelp.data.coerce.parse_dates`):
    ISO 8601 first, then day first (``03/04/2024`` is 3 April, as an English council means it);
    a year alone (``2024``) or a year and month is not a day, so it is refused, not read as
    1 January. Numbers are refused too: pandas would read 20240630 as nanoseconds after 1970.

    Parameters
    ----------
    date : str, date, datetime or Timestamp
        the argument.
    table, column : str
        where it is named in a problem (the function and the argument).

    Returns
    -------
    Timestamp
        midnight of the day, without a time zone (the day as written there).

    Raises
    ------
    ValidationError
        ``date`` is missing, a number or text that is no whole date.
    """
    from .._errors import Problem, ValidationError
    from .._numbers import is_number
    from .coerce import parse_dates

    bad = ValidationError(Problem(table, column, "must be a date such as '2024-03-31' or '31/03/2024' "
                                  "(a whole day; day first)", value=date))
    if date is None or is_number(date):
        raise bad
    if isinstance(date, str) and _ISO_DAY.fullmatch(date.strip()):
        # an ISO day, the common case, read directly (the CSV readers' parse costs a millisecond)
        try:
            cut = pd.Timestamp(date.strip())
        except (ValueError, OverflowError) as exc:
            raise bad from exc               # 2024-02-30: no day
    elif isinstance(date, str):
        cut = pd.Timestamp(parse_dates(np.array([date.strip()], dtype=object))[0])
    else:
        try:
            cut = pd.Timestamp(date)
        except (TypeError, ValueError, OverflowError) as exc:
            raise bad from exc
    if pd.isna(cut):
        raise bad
    if cut.tz is not None:
        cut = cut.tz_localize(None)  # the day as written there
    try:
        cut = cut.as_unit("ns")  # outside the years 1677-2262 no date arithmetic of pandas works
    except (OverflowError, ValueError) as exc:
        raise ValidationError(Problem(table, column, "must be a date between the years 1678 and 2261",
                                      value=date)) from exc
    return cut.normalize()


def _persons_referred_to(tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """The person ids the rows of ``tables`` name (family memberships aside: they follow the person)."""
    from .schema import TABLES

    ids = [frame[column.name].dropna() for name, frame in tables.items()
           if name in TABLES and name != "family_members"
           for column in TABLES[name].columns
           if column.references == "persons.person_id" and column.name in frame.columns]
    return pd.concat(ids, ignore_index=True) if ids else pd.Series([], dtype="string[pyarrow]")


def snapshot(ds: "Dataset", date: Any) -> "Dataset":
    """The data as it was known at the end of ``date``.

    Rows that begin after the date (requests received, episodes started, referrals made,
    needs identified, ...) are removed; ends, closures, decisions, authorisations and
    end reasons after the date become missing, so those periods are open; assessments
    not completed by the date are open; needs of episodes still open lose their
    resolved/sustained flags (known at closure). Rows that refer to removed rows are
    removed too, among them the family memberships of children born after the date (whether
    or not the membership has a start date); a child born after the date whom a remaining row
    names (a pre-birth referral) stays, as an expected birth. ``truth`` is passed on untouched (it is the
    generator's answer key, not data a council holds); ``meta['snapshot_date']`` records the date, and the data now
    end there (``data_end()`` is the date, when the data ran past it).

    Raises
    ------
    ValidationError
        ``date`` is not a date (numbers are refused: 20240630 would be read as nanoseconds).
    """
    cut = date_argument(date, "snapshot", "date")
    tables: Dict[str, pd.DataFrame] = {}
    for name, frame in ds.tables.items():
        rule = SNAPSHOT_RULES.get(name)
        if rule is None or frame.empty:
            tables[name] = frame
            continue
        known_from, later = rule
        keep = ~(frame[known_from] > cut).to_numpy(dtype=bool, na_value=False) if known_from else \
            np.ones(len(frame), bool)
        out = frame[keep].copy()
        for date_col, dependants in later.items():
            if date_col not in out.columns:
                continue
            after = (out[date_col] > cut).to_numpy(dtype=bool, na_value=False)
            _blank(out, after, (date_col,) + tuple(dependants))
        tables[name] = out
    episodes = tables["episodes"]
    for name in ("assessments", "family_needs", "involvements", "plans", "taf_reviews", "service_referrals",
                 "family_voice"):
        frame = tables[name]
        if "episode_id" in frame.columns and len(frame):
            gone = frame["episode_id"].notna().to_numpy() & ~isin(frame["episode_id"], episodes["episode_id"])
            if gone.any():
                tables[name] = frame[~gone]
    needs = tables["family_needs"]
    if len(needs):
        open_ids = episodes.loc[episodes["end_date"].isna(), "episode_id"]
        still_open = isin(needs["episode_id"], open_ids)
        needs = needs.copy()
        _blank(needs, still_open, ("resolved", "sustained"))
        tables["family_needs"] = needs
    persons = tables["persons"]
    if len(persons):  # children born after the date are not known yet (expected births are)
        expected = persons["expected_birth"].fillna(False).to_numpy(dtype=bool) \
            if "expected_birth" in persons.columns else np.zeros(len(persons), bool)
        unborn = (persons["birth_date"] > cut).to_numpy(dtype=bool, na_value=False) & ~expected
        referred = unborn & isin(persons["person_id"], _persons_referred_to(tables))
        if referred.any():   # a pre-birth referral: the council knew the child as an expected birth
            persons = persons.copy()
            persons["expected_birth"] = pd.array(expected | referred, dtype="boolean")
            unborn = unborn & ~referred
            tables["persons"] = persons
        if unborn.any():
            tables["persons"] = persons[~unborn]
            # their family memberships too, dated or not: a child born after the date is no member yet
            members = tables["family_members"]
            if len(members):
                tables["family_members"] = members[~isin(members["person_id"], persons.loc[unborn, "person_id"])]
    csa = tables["csc_assessments"]
    if len(csa):
        tables["csc_assessments"] = csa[isin(csa["referral_id"], tables["csc_referrals"]["referral_id"])]
    from .dataset import Dataset

    meta = dict(ds.meta)
    meta["snapshot_date"] = cut
    end = ds.data_end()
    if end is None or end > cut:
        meta["end_date"] = cut  # what is after the cut is hidden: the data end there now
    out = Dataset({k: v.reset_index(drop=True) for k, v in tables.items()}, truth=ds.truth, meta=meta)
    out._checked = ds._checked  # rows were only taken away, consistently
    return out
