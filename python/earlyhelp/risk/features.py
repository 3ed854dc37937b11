"""Risk features known at a date, and labels from the following months.

``build_features(ds, at, target)`` cuts the data at ``at`` with ``ds.snapshot(at)``
and computes every feature from that cut only, so nothing after ``at`` can leak into
``X``. Labels come from the derived events of the full data (``ds.step_ups()``,
``ds.rereferrals(basis="episode")``) in the outcome window after ``at``.

Targets and the families they are about
---------------------------------------
``step_up_12m``
    Families in an Early Help episode open at ``at``: is the family stepped up to
    children's social care (``ds.step_ups()``) within ``horizon_days`` after ``at``?
    Families whose open episode has already been stepped up by ``at`` are excluded.
``rereferral_12m``
    Families whose latest episode closed in the ``lookback_days`` before ``at`` (not by
    step-up or moving away) and who have no episode open at ``at``: does a re-referral
    (a new request within ``horizon_days`` of the closure, ``ds.rereferrals(basis=
    "episode")``) arrive after ``at``? Families already re-referred by ``at`` are excluded.

A row whose outcome window ends after the end of the data is excluded and counted
(``excluded`` with reason ``window_incomplete``); so is every other excluded row, with
its reason. ``at`` may be a list of dates: the rows of all dates are stacked (a family
can appear once per date), which is how :func:`earlyhelp.risk.backtest` trains.

Extra features: ``extra=[f, ...]`` where ``f(snap, at, rows) -> DataFrame`` gets the
Dataset cut at ``at`` and the rows (``family_id``, ``episode_id``) and returns numeric
columns indexed by ``family_id`` (or with a ``family_id`` column). A council plugs in its
own or network features this way, with the same protection against leakage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_whole
from ..data import codes
from ..data.events import date_argument
from ..results import Excluded, Exclusions
from ..data.dataset import check_dataset, check_unique_ids
from ._glm import ArgumentTypeError
from .fairness import MISSING_GROUP
from .needs import NeedThresholds, ThresholdsLike, _as_thresholds, _in, profile_known

TARGETS: Tuple[str, ...] = ("step_up_12m", "rereferral_12m")
GROUP_COLUMNS: Tuple[str, ...] = ("ethnicity", "sex", "disability", "locality_id")
NOT_REREFERRED_END_REASONS = ("step_up", "moved_away")
CLOSURE_REASONS = ("outcomes_met", "step_down_universal", "disengaged", "transferred")
#: the longest outcome window or look-back in days (100 years): far past any question asked of
#: the data, and well inside the dates pandas can hold
MAX_DAYS = 36_525

#: the columns of FeatureSet.imputed
IMPUTED_COLUMNS = ("at", "features", "reason", "families")
#: what each imputation reason did, for FeatureSet.feature_info
IMPUTED_NOTES = {
    "no_child_recorded": ("youngest_age, oldest_age", "no child recorded: ages 0 (no_child_recorded = 1)"),
    "child_age_unknown": ("youngest_age, oldest_age, child_under_5, teenager",
                          "children recorded but none with a birth date: ages 0, child_under_5 and teenager 0 "
                          "(child_age_unknown = 1)"),
    "some_child_ages_unknown": ("youngest_age, oldest_age, child_under_5, teenager",
                                "some children without a birth date: from the children with one"),
    "no_locality_recorded": ("deprivation, locality_<id>", "no locality recorded for the family or its episode: "
                             "locality_<id> all 0, deprivation the localities' mean (no_locality_recorded = 1)"),
    "locality_without_deprivation": ("deprivation", "the family's locality has no deprivation recorded: the "
                                     "localities' mean"),
    "locality_from_episode": ("deprivation, locality_<id>", "no locality in families: the episode's locality"),
}

ExtraFeature = Callable[[Any, pd.Timestamp, pd.DataFrame], pd.DataFrame]
DateLike = Any


@dataclass
class FeatureSet:
    """Features, labels and row ids from :func:`build_features`.

    Unpacks as ``X, y, ids = build_features(...)``.

    Parameters
    ----------
    X : DataFrame
        Features, one row per family and date (numeric; booleans as 0/1).
    y : Series
        0/1 labels (the target in the outcome window).
    ids : DataFrame
        ``family_id``, ``at`` and ``episode_id`` (the open or just-closed episode).
    groups : DataFrame
        Per row, the family's ``ethnicity``, ``sex`` and ``disability`` (of the
        child the latest request was about, else the youngest child) and ``locality_id``,
        for :func:`earlyhelp.risk.fairness_audit`; ``"(missing)"`` where nothing is
        recorded (no child found, a value left blank), apart from a recorded ``unknown``.
    excluded : Exclusions
        :class:`~earlyhelp.results.Exclusions`: families left out at each cut-off
        date (``at``) and why.
    target, horizon_days, data_end : what was built.
    feature_info : dict of str to str
        Notes on the features by column name: where a value had to be filled in or taken from a
        fallback, what was done and for how many rows (empty when nothing was).
    imputed : DataFrame
        The same as counts: ``at``, ``features`` (the columns concerned), ``reason`` and
        ``families`` (rows at that date), one row per cut-off date and reason that occurred. The
        reasons: ``no_child_recorded`` (ages 0), ``child_age_unknown`` (children recorded, none
        with a birth date: ages 0, ``child_under_5`` and ``teenager`` 0, the indicator
        ``child_age_unknown`` 1), ``some_child_ages_unknown`` (ages from the children with a
        birth date only), ``no_locality_recorded`` (``locality_<id>`` all 0 with
        ``no_locality_recorded`` 1, ``deprivation`` the localities' mean),
        ``locality_without_deprivation`` (the localities' mean) and ``locality_from_episode``
        (the family has none in ``families``: its episode's, see ``earlyhelp.risk.features.family_localities``).
    """

    X: pd.DataFrame
    y: pd.Series
    ids: pd.DataFrame
    groups: pd.DataFrame
    excluded: Exclusions
    target: str
    horizon_days: int
    data_end: pd.Timestamp
    feature_info: Dict[str, str] = field(default_factory=dict)
    imputed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(IMPUTED_COLUMNS)))

    def __iter__(self) -> Iterator[Any]:
        return iter((self.X, self.y, self.ids))

    def __len__(self) -> int:
        return len(self.X)

    @property
    def family_id(self) -> pd.Series:
        return self.ids["family_id"]

    def __repr__(self) -> str:
        n_ex = self.excluded.total()
        return (f"<FeatureSet target={self.target} rows={len(self.X)} features={self.X.shape[1]} "
                f"positives={int(self.y.sum())} excluded={n_ex}>")


# -- helpers --------------------------------------------------------------------------------

#: the tables features are looked up in by id: a repeated id would fail inside pandas or count twice
KEYED_TABLES = (("families", "family_id"), ("episodes", "episode_id"), ("persons", "person_id"),
                ("practitioners", "practitioner_id"), ("agencies", "agency_id"), ("localities", "locality_id"))


def data_end_of(ds: Any) -> pd.Timestamp:
    """The last date the data covers (:meth:`earlyhelp.Dataset.data_end`)."""
    end = ds.data_end()
    if end is None:
        raise ValidationError([Problem("episodes", None, "the data hold no dates, so the outcome window "
                                       "cannot be checked; pass data_end")])
    return end


def _members_at(snap: Any, at: pd.Timestamp) -> pd.DataFrame:
    m = snap.family_members
    valid = (m["valid_from"].isna() | (m["valid_from"] <= at)) & (m["valid_to"].isna() | (m["valid_to"] >= at))
    return m[valid.to_numpy(dtype=bool, na_value=True) & m["family_id"].notna().to_numpy()]


def _count_by_family(family: pd.Series, rows: pd.Index) -> np.ndarray:
    counts = family.dropna().astype(str).value_counts()
    return counts.reindex(rows.astype(str), fill_value=0).to_numpy(dtype=float)


def family_localities(families: pd.DataFrame, episodes: pd.DataFrame, family_id: pd.Series,
                      episode_id: Optional[pd.Series] = None, at: Any = None) -> Tuple[pd.Series, np.ndarray]:
    """Each family's locality, by the one rule :func:`build_features` and
    :func:`~earlyhelp.risk.expected_step_ups` share.

    The family's ``locality_id`` in ``families``; where that is blank, the ``locality_id`` of the
    row's episode: the episode given for the row (``episode_id``), or with none given, the episode
    :func:`build_features` takes for the family at the row's cut-off date ``at`` (its latest-starting
    episode open then; with none open, its latest episode started by then). An episode that starts
    after the cut-off is never used. Missing where neither is recorded.

    Parameters
    ----------
    families, episodes : DataFrame
        The Dataset's tables.
    family_id : Series
        The families, one per row (a family may repeat).
    episode_id : Series, optional
        The episode each row is about (e.g. ``FeatureSet.ids["episode_id"]``).
    at : Timestamp or Series, optional
        The cut-off date of each row (or one for all), used when ``episode_id`` is not given;
        default: the last date the episodes record.

    Returns
    -------
    (Series, ndarray)
        The locality per row (object, missing where none is recorded; index of ``family_id``)
        and whether it came from the episode.
    """
    key = family_id.astype(object).where(family_id.notna(), None).map(lambda v: None if v is None else str(v))
    fam = families.dropna(subset=["family_id"])
    own = pd.Series(fam["locality_id"].astype(object).to_numpy(), index=fam["family_id"].astype(str).to_numpy())
    loc = key.map(own).astype(object)
    if episode_id is None:
        episode_id = _episode_at(episodes, key, at)
    ep = episodes[episodes["locality_id"].notna().to_numpy()]
    by_episode = pd.Series(ep["locality_id"].astype(object).to_numpy(), index=ep["episode_id"].astype(str).to_numpy())
    fallback = pd.Series(episode_id.astype(object).to_numpy(), index=loc.index) \
        .map(lambda v: None if pd.isna(v) else str(v)).map(by_episode)
    fallback = pd.Series(fallback.to_numpy(dtype=object), index=loc.index)
    from_episode = (loc.isna() & fallback.notna()).to_numpy(dtype=bool)
    loc = loc.where(loc.notna(), fallback)
    return loc.astype(object), from_episode


def _episode_at(episodes: pd.DataFrame, key: pd.Series, at: Any) -> pd.Series:
    """The episode :func:`build_features` takes for each family (``key``) at its cut-off date ``at``:
    the latest-starting episode open then, else the latest started by then; None when none has started."""
    ep = episodes.dropna(subset=["family_id", "start_date"])
    if at is None:
        dates = pd.concat([ep["start_date"], ep["end_date"].dropna()]) if "end_date" in ep else ep["start_date"]
        at = dates.max() if len(dates) else pd.NaT
    when = pd.Series(pd.to_datetime(at.to_numpy() if isinstance(at, pd.Series) else at), index=key.index) \
        if isinstance(at, pd.Series) else pd.Series(pd.Timestamp(at), index=key.index)
    out = pd.Series(None, index=key.index, dtype=object)
    families = ep["family_id"].astype(str)
    for d in when.dropna().unique():
        d = pd.Timestamp(d)
        started = (ep["start_date"] <= d).to_numpy(dtype=bool, na_value=False)
        cand = ep[started].assign(_family=families[started].to_numpy())
        end = cand["end_date"] if "end_date" in cand else pd.Series(pd.NaT, index=cand.index)
        cand = cand.assign(_open=(end.isna() | (end > d)).to_numpy(dtype=bool, na_value=True))
        chosen = cand.sort_values(["_family", "_open", "start_date", "episode_id"], kind="stable") \
            .drop_duplicates("_family", keep="last")
        by_family = pd.Series(chosen["episode_id"].astype(str).to_numpy(), index=chosen["_family"].to_numpy())
        rows = (when == d).to_numpy()
        out[rows] = key[rows].map(by_family).to_numpy(dtype=object)
    return out


def _population(snap: Any, at: pd.Timestamp, target: str, lookback_days: int, ups: pd.DataFrame
                ) -> Tuple[pd.DataFrame, Dict[str, int]]:
    """Rows (family_id, episode_id, start_date, end_date) and exclusion counts."""
    ep = snap.episodes
    reasons: Dict[str, int] = {}
    open_ = ep[ep["end_date"].isna().to_numpy() & (ep["start_date"] <= at).to_numpy(dtype=bool, na_value=False)]
    no_family = open_["family_id"].isna().to_numpy() if target == "step_up_12m" else None
    if target == "step_up_12m":
        if no_family.any():
            reasons["no_family"] = int(no_family.sum())
        rows = open_[~no_family].sort_values(["family_id", "start_date", "episode_id"], kind="stable")
        rows = rows.drop_duplicates("family_id", keep="last")
        done = _in(rows["episode_id"], ups["episode_id"])
        if done.any():
            reasons["already_stepped_up"] = int(done.sum())
        rows = rows[~done]
    else:
        closed = ep[ep["end_date"].notna().to_numpy()
                    & (ep["end_date"] > at - pd.Timedelta(days=lookback_days)).to_numpy(dtype=bool)]
        if closed["family_id"].isna().any():
            reasons["no_family"] = int(closed["family_id"].isna().sum())
        closed = closed[closed["family_id"].notna().to_numpy()]
        closed = closed.sort_values(["family_id", "end_date", "episode_id"], kind="stable") \
            .drop_duplicates("family_id", keep="last")
        bad_end = closed["end_reason"].isin(NOT_REREFERRED_END_REASONS).to_numpy(dtype=bool)
        if bad_end.any():
            reasons["closed_by_step_up_or_move"] = int(bad_end.sum())
        closed = closed[~bad_end]
        is_open = _in(closed["family_id"], open_["family_id"])
        if is_open.any():
            reasons["episode_open"] = int(is_open.sum())
        closed = closed[~is_open]
        up = _in(closed["episode_id"], ups["episode_id"])
        if up.any():
            reasons["stepped_up"] = int(up.sum())
        closed = closed[~up]
        rq = snap.requests[["family_id", "received_date"]].dropna()
        j = closed[["family_id", "end_date"]].merge(rq, on="family_id")
        again = j.loc[j["received_date"] > j["end_date"], "family_id"].unique()
        re = _in(closed["family_id"], again)
        if re.any():
            reasons["already_rereferred"] = int(re.sum())
        rows = closed[~re]
    rows = rows[["family_id", "episode_id", "start_date", "end_date", "end_reason", "level", "origin",
                 "lead_practitioner_id", "lead_agency_id", "locality_id"]].reset_index(drop=True)
    return rows, reasons


def _labels(ds: Any, rows: pd.DataFrame, at: pd.Timestamp, target: str, horizon_days: int,
            events: pd.DataFrame) -> np.ndarray:
    if target == "step_up_12m":
        window = events[(events["date"] > at) & (events["date"] <= at + pd.Timedelta(days=horizon_days))]
        return _in(rows["family_id"], window["family_id"]).astype(np.int64)
    hit = events[events["date"] > at]
    return _in(rows["episode_id"], hit["previous_id"]).astype(np.int64)


def _features(snap: Any, at: pd.Timestamp, rows: pd.DataFrame, target: str, t: NeedThresholds,
              localities: List[str], ups: pd.DataFrame, rr: pd.DataFrame) -> Tuple[pd.DataFrame, Dict[str, int]]:
    """The built-in features of ``rows`` at ``at``, and the number of rows per imputation reason."""
    fam = pd.Index(rows["family_id"].astype(str))
    imputed: Dict[str, int] = {}
    X: Dict[str, np.ndarray] = {}
    # needs as known at the date
    prof = profile_known(snap, at, t).assign(family_id=lambda d: d["family_id"].astype(str)).set_index("family_id")
    prof = prof.reindex(fam)
    for need in codes.NEEDS:
        X[f"need_{need}"] = prof[need].fillna(False).to_numpy(dtype=float)
    X["n_needs"] = prof["n_needs"].fillna(0).to_numpy(dtype=float)
    X["need_score"] = prof["need_score"].fillna(0).to_numpy(dtype=float)
    X["level_of_need"] = prof["level"].fillna(1).to_numpy(dtype=float)
    X["statutory_open"] = prof["statutory_open"].fillna(False).to_numpy(dtype=float)
    # history: requests, episodes, step-ups, re-referrals, social-care referrals
    year_ago = at - pd.Timedelta(days=365)
    # family requests (ds.family_requests()): siblings' same-day contacts, one row per child in the
    # SSD, are one request, as re-referrals count them; counting rows would count family size
    rq = snap.family_requests()
    X["n_requests"] = _count_by_family(rq["family_id"], fam)
    X["n_requests_12m"] = _count_by_family(rq.loc[(rq["date"] > year_ago).to_numpy(dtype=bool, na_value=False),
                                                  "family_id"], fam)
    ep = snap.episodes
    prior = ep[~_in(ep["episode_id"], rows["episode_id"])]
    X["n_prior_episodes"] = _count_by_family(prior["family_id"], fam)
    X["n_prior_step_ups"] = _count_by_family(ups["family_id"], fam)
    X["n_prior_rereferrals"] = _count_by_family(rr["family_id"], fam)
    members = _members_at(snap, at)
    ref = snap.csc_referrals.merge(members[["person_id", "family_id"]], on="person_id")
    ref = ref.drop_duplicates(["referral_id", "family_id"])
    X["n_prior_csc_referrals"] = _count_by_family(ref["family_id"], fam)
    # step-downs: referrals closed RC9 (referred to early help) and episodes that began as one
    rc9 = ref[(ref["close_reason"] == codes.STEP_DOWN_CLOSE_REASON).to_numpy(dtype=bool, na_value=False)]
    X["n_prior_step_downs"] = _count_by_family(rc9["family_id"], fam) + _count_by_family(
        prior.loc[(prior["origin"] == "step_down").to_numpy(dtype=bool, na_value=False), "family_id"], fam)
    # the episode the row is about
    end = rows["end_date"].fillna(at)
    X["episode_days"] = (end - rows["start_date"]).dt.days.to_numpy(dtype=float)
    if target == "rereferral_12m":
        X["days_since_close"] = (at - rows["end_date"]).dt.days.to_numpy(dtype=float)
        reason = rows["end_reason"].astype(object)
        for r in CLOSURE_REASONS:  # how the episode ended (disengagement predicts a return)
            X[f"closed_{r}"] = (reason == r).to_numpy(dtype=float)
    X["episode_level"] = pd.to_numeric(rows["level"], errors="coerce").fillna(3).to_numpy(dtype=float)
    X["origin_step_down"] = (rows["origin"] == "step_down").to_numpy(dtype=float, na_value=0.0)
    asm = snap.assessments
    done = asm.loc[asm["completed"].notna().to_numpy(), "episode_id"]
    X["assessment_completed"] = _in(rows["episode_id"], done).astype(float)
    X["lead_named"] = rows["lead_practitioner_id"].notna().to_numpy(dtype=float)
    agency_type = snap.agencies.set_index("agency_id")["agency_type"].astype(str)
    lead_type = rows["lead_agency_id"].map(agency_type)
    X["lead_partner"] = (lead_type.notna() & ~lead_type.isin(codes.COUNCIL_AGENCY_TYPES)).to_numpy(dtype=float)
    # practitioners and agencies around the family in this episode
    inv = snap.involvements
    by_ep = inv[_in(inv["episode_id"], rows["episode_id"])].merge(rows[["episode_id", "family_id"]]
                                                                  .rename(columns={"family_id": "row_family"}),
                                                                  on="episode_id")
    prac_agency = snap.practitioners.set_index("practitioner_id")["agency_id"]
    by_ep = by_ep.assign(agency_id=by_ep["practitioner_id"].map(prac_agency))
    X["n_practitioners"] = by_ep.groupby("row_family")["practitioner_id"].nunique() \
        .reindex(fam, fill_value=0).to_numpy(dtype=float)
    X["n_agencies"] = by_ep.groupby("row_family")["agency_id"].nunique().reindex(fam, fill_value=0) \
        .to_numpy(dtype=float)
    # household links: families sharing a current member
    persons_families = members.groupby("person_id")["family_id"].nunique()
    shared = members[_in(members["person_id"], persons_families.index[persons_families > 1])]
    pairs = shared[["person_id", "family_id"]].merge(shared[["person_id", "family_id"]], on="person_id")
    pairs = pairs[pairs["family_id_x"] != pairs["family_id_y"]]
    linked = pairs.groupby(pairs["family_id_x"].astype(str))["family_id_y"].nunique()
    X["n_linked_households"] = linked.reindex(fam, fill_value=0).to_numpy(dtype=float)
    X["linked_household"] = (X["n_linked_households"] > 0).astype(float)
    # locality: the families table, else the episode's (family_localities, shared with expected_step_ups)
    family_loc, from_episode = family_localities(snap.families, snap.episodes, rows["family_id"],
                                                 rows["episode_id"])
    family_loc = family_loc.map(lambda v: None if pd.isna(v) else str(v))
    dep = pd.to_numeric(snap.localities.set_index(snap.localities["locality_id"].astype(str))["deprivation"],
                        errors="coerce").astype(float)
    # a locality with none recorded (the data model allows it), or a family with no locality: the
    # localities' mean, not NaN, which no model takes; counted in FeatureSet.imputed
    known = dep.dropna()
    family_dep = family_loc.map(dep).astype(float)
    no_locality = family_loc.isna().to_numpy()
    imputed["no_locality_recorded"] = int(no_locality.sum())
    imputed["locality_without_deprivation"] = int((family_dep.isna().to_numpy() & ~no_locality).sum())
    imputed["locality_from_episode"] = int(from_episode.sum())
    X["deprivation"] = family_dep.fillna(float(known.mean()) if len(known) else 0.0).to_numpy()
    # the first locality is the reference; a family with none has its own indicator, not the
    # reference's encoding
    for lid in localities[1:]:
        X[f"locality_{lid}"] = (family_loc == lid).to_numpy(dtype=float)
    X["no_locality_recorded"] = no_locality.astype(float)
    # children and adults
    persons = snap.persons.set_index("person_id")
    kids = members[(members["role"] == "child").to_numpy(dtype=bool, na_value=False)]
    age = (at - kids["person_id"].map(persons["birth_date"])).dt.days / 365.25
    kids = kids.assign(age=age.clip(lower=0).to_numpy(), family_id=kids["family_id"].astype(str))
    g = kids.groupby("family_id")["age"]
    n_children = kids.groupby("family_id").size().reindex(fam, fill_value=0).to_numpy(dtype=float)
    n_aged = g.count().reindex(fam, fill_value=0).to_numpy(dtype=float)
    X["n_children"] = n_children
    # ages of the children with a birth date; 0 (with an indicator, counted) where no child has one
    X["youngest_age"] = g.min().reindex(fam).fillna(0.0).to_numpy(dtype=float)
    X["oldest_age"] = g.max().reindex(fam).fillna(0.0).to_numpy(dtype=float)
    X["child_under_5"] = (g.min().reindex(fam) < 5).to_numpy(dtype=float)
    X["teenager"] = (g.max().reindex(fam) >= 13).to_numpy(dtype=float)
    adults = members[members["role"].isin(["parent_carer", "other_adult"]).to_numpy(dtype=bool)]
    X["n_adults"] = _count_by_family(adults["family_id"], fam)
    X["no_child_recorded"] = (n_children == 0).astype(float)
    X["child_age_unknown"] = ((n_children > 0) & (n_aged == 0)).astype(float)
    imputed["no_child_recorded"] = int((n_children == 0).sum())
    imputed["child_age_unknown"] = int(((n_children > 0) & (n_aged == 0)).sum())
    imputed["some_child_ages_unknown"] = int(((n_aged > 0) & (n_aged < n_children)).sum())
    out = pd.DataFrame(X, index=rows.index)
    return out, {k: v for k, v in imputed.items() if v}


def _groups(snap: Any, at: pd.Timestamp, rows: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """Ethnicity, sex and disability of the family's index child, and the locality."""
    members = _members_at(snap, at)
    persons = snap.persons.set_index("person_id")
    rq = snap.requests.dropna(subset=["family_id", "person_id"]).sort_values("received_date", kind="stable")
    latest = rq.drop_duplicates("family_id", keep="last").set_index("family_id")["person_id"]
    kids = members[(members["role"] == "child").to_numpy(dtype=bool, na_value=False)]
    kids = kids.assign(birth=kids["person_id"].map(persons["birth_date"])).sort_values("birth", kind="stable")
    youngest = kids.drop_duplicates("family_id", keep="last").set_index("family_id")["person_id"]
    # object: with no request naming a child the first map is all-missing floats (pandas 3 would
    # refuse to fill those with ids)
    child = rows["family_id"].map(latest).astype(object).fillna(rows["family_id"].map(youngest).astype(object))
    out = pd.DataFrame({"family_id": rows["family_id"].to_numpy()}, index=rows.index)
    for col in ("ethnicity", "sex", "disability"):
        values = child.map(persons[col].astype(object)) if col in persons.columns else pd.Series(pd.NA, index=rows.index)
        if col == "disability":
            values = values.map(lambda v: v if pd.isna(v) or v == "unknown" else ("none" if v == "NONE"
                                                                                  else "disabled"))
        # nothing recorded is its own group: merged with a recorded "unknown" it would hide how many
        # families the data could not describe
        out[col] = pd.Series(values, index=rows.index).astype(object).fillna(MISSING_GROUP).astype(str)
    loc, _ = family_localities(snap.families, snap.episodes, rows["family_id"], rows["episode_id"])
    out["locality_id"] = loc.map(lambda v: MISSING_GROUP if pd.isna(v) else str(v)).to_numpy()
    return out.drop(columns="family_id")


def _extra_features(extra: Sequence[ExtraFeature], snap: Any, at: pd.Timestamp, rows: pd.DataFrame,
                    built_in: Sequence[str] = ()) -> pd.DataFrame:
    parts = []
    taken = set(built_in)
    for f in extra:
        name = getattr(f, "__name__", repr(f))
        got = f(snap, at, rows[["family_id", "episode_id"]].copy())
        if not isinstance(got, pd.DataFrame):
            raise ArgumentTypeError(Problem("features", name, "extra feature function must return a DataFrame, "
                                            f"not {type(got).__name__}"))
        if "family_id" in got.columns:
            got = got.set_index("family_id")
        clash = [str(c) for c in got.columns if c in taken or list(got.columns).count(c) > 1]
        if clash:  # two columns of one name would reach the model as duplicated features
            raise ValidationError([Problem("features", f"{name}.{clash[0]}", "extra feature function returned a "
                                           f"column name already in use ({sorted(set(clash))}); rename it")])
        taken.update(got.columns)
        got.index = got.index.astype(str)
        if got.index.duplicated().any():
            raise ValidationError([Problem("features", name, "extra feature function returned a family twice",
                                           rows=list(got.index[got.index.duplicated()][:10]))])
        got = got.reindex(rows["family_id"].astype(str))
        for col in got.columns:
            values = pd.to_numeric(got[col], errors="coerce") if got[col].dtype != bool else got[col].astype(float)
            bad = ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
            if bad.any():
                raise ValidationError([Problem("features", f"{name}.{col}",
                                               "extra feature is missing, not numeric or not finite for families",
                                               rows=list(got.index[bad][:10]), n_rows=int(bad.sum()))])
            got[col] = values.to_numpy(dtype=float)
        parts.append(got.set_axis(rows.index, axis=0))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=rows.index)


def _problem(column: str, message: str, value: Any = None) -> ValidationError:
    """A ValidationError about the argument ``build_features.<column>``."""
    return ValidationError(Problem("build_features", column, message, value=value))


def _day(value: Any, column: str) -> pd.Timestamp:
    """A date argument as a day, or a ValidationError naming ``build_features.<column>``.

    The package's date check refuses numbers (pandas reads 20230630 as nanoseconds since 1970),
    NaT and text that is no date; a time zone is refused too, as the data's dates carry none.
    """
    day = date_argument(value, "build_features", column)
    if getattr(value, "tzinfo", None) is not None:  # a Timestamp or datetime with a zone
        raise _problem(column, "must be a date without a time zone (the data's dates have none)", value)
    return day


def _cut_off_dates(at: Any) -> List[pd.Timestamp]:
    """``at`` (a date or a list of dates) as a non-empty list of distinct days."""
    list_like = isinstance(at, (Sequence, np.ndarray, pd.Index, pd.Series)) and not isinstance(at, (str, bytes)) \
        and np.ndim(at) == 1
    dates = [_day(d, "at") for d in (list(at) if list_like else [at])]
    if not dates:
        raise _problem("at", "must be a date or a non-empty list of dates, got an empty list")
    repeated = sorted({d for d in dates if dates.count(d) > 1})
    if repeated:  # each repeat would stack every family's row again
        raise _problem("at", f"holds the same date more than once: {[str(d.date()) for d in repeated]}")
    return dates


def _check_days(horizon_days: Any, lookback_days: Any) -> None:
    """Both windows whole numbers of days from 1 to MAX_DAYS (pandas fails on far larger ones naming neither)."""
    for name, v in (("horizon_days", horizon_days), ("lookback_days", lookback_days)):
        if not is_whole(v) or not 0 < v <= MAX_DAYS:
            raise _problem(name, f"must be a whole number of days from 1 to {MAX_DAYS:,} (100 years)", v)


def _check_room(dates: List[pd.Timestamp], horizon_days: int, lookback_days: int) -> None:
    """Refuse a cut-off date whose outcome window or look-back (at least the features' year) would
    pass the dates pandas can hold, rather than fail on pandas' overflow naming nothing."""
    first = pd.Timestamp.min.ceil("D") + pd.Timedelta(days=max(lookback_days, 365))
    last = pd.Timestamp.max.floor("D") - pd.Timedelta(days=horizon_days)
    outside = [d for d in dates if not first <= d <= last]
    if outside:
        raise _problem("at", f"must leave room for the look-back and the {horizon_days}-day outcome window "
                       f"within the dates pandas can hold: from {first.date()} to {last.date()}",
                       str(outside[0].date()))


def first_episode_start(ds: Any) -> Optional[pd.Timestamp]:
    """The day the first episode starts (None with no episode dates): :func:`build_features` refuses
    a cut-off date before it, so callers that choose cut-offs keep theirs on or after it."""
    starts = ds.episodes["start_date"].dropna()
    return pd.Timestamp(starts.min()).normalize() if len(starts) else None


def _check_after_start(ds: Any, dates: List[pd.Timestamp]) -> None:
    """Refuse a cut-off date before the first episode starts: no family can be in the population
    then, and the date would add nothing to the rows without a word."""
    first = first_episode_start(ds)
    if first is None:
        return
    early = [d for d in dates if d < first]
    if early:
        raise _problem("at", f"{', '.join(str(d.date()) for d in early[:5])} "
                       f"{'is' if len(early) == 1 else 'are'} before the data start ({first.date()}, the first "
                       "episode's start): no family can be in an episode then; choose cut-off dates within the data",
                       str(early[0].date()))


def _imputed_notes(imputed: pd.DataFrame) -> Dict[str, str]:
    """FeatureSet.feature_info: per column, each imputation or fallback and its number of rows."""
    notes: Dict[str, List[str]] = {}
    for reason, n in imputed.groupby("reason", sort=False)["families"].sum().items():
        columns, what = IMPUTED_NOTES[reason]
        for column in columns.split(", "):
            notes.setdefault(column, []).append(f"{what}: {int(n)} rows")
    return {c: "; ".join(v) for c, v in notes.items()}


def _check_same_columns(parts: List[pd.DataFrame], dates: List[pd.Timestamp]) -> None:
    """Every cut-off date's features have the same columns (extra functions may differ by date):
    stacked, a column one date lacks would be NaN on its rows, which no model takes."""
    first = list(parts[0].columns)
    for X, d in zip(parts[1:], dates[1:]):
        missing = [str(c) for c in first if c not in X.columns]
        new = [str(c) for c in X.columns if c not in first]
        if missing or new:
            what = "; ".join(p for p in (f"without {', '.join(missing[:5])}" if missing else "",
                                         f"with {', '.join(new[:5])}" if new else "") if p)
            raise ValidationError(Problem("features", "extra", f"the features at {d.date()} differ from those at "
                                          f"{dates[0].date()}: {what} (an extra function must return the same "
                                          "columns at every date)"))


def _extra_functions(extra: Any) -> List[ExtraFeature]:
    """``extra`` as a list of functions, or an ArgumentTypeError naming ``build_features.extra``."""
    if extra is None:
        return []
    if callable(extra) or isinstance(extra, (str, bytes)) or not isinstance(extra, Iterable):
        raise ArgumentTypeError(Problem("build_features", "extra", "must be a list of functions f(snap, at, rows) "
                                        f"-> DataFrame (one function goes in a list too), not {type(extra).__name__}"))
    functions = list(extra)
    for f in functions:
        if not callable(f):
            raise ArgumentTypeError(Problem("build_features", "extra", "extra feature functions must be "
                                            f"callable, not {type(f).__name__}", value=f))
    return functions


def build_features(ds: Any, at: Union[DateLike, Sequence[DateLike]], target: str = "step_up_12m",
                   extra: Optional[Sequence[ExtraFeature]] = None, *, horizon_days: int = 365,
                   lookback_days: int = 91, data_end: Optional[DateLike] = None,
                   thresholds: ThresholdsLike = None) -> FeatureSet:
    """Features known at ``at`` and labels from the ``horizon_days`` after it.

    Parameters
    ----------
    ds : Dataset
    at : date-like or sequence of date-like
        A date, or a list of dates (rows stacked). Without a time zone; a bare number such as
        ``20230630`` is refused (pandas would read it as nanoseconds since 1970).
    target : str, default "step_up_12m"
        ``"step_up_12m"`` or ``"rereferral_12m"`` (see the module docstring).
    extra : sequence of ExtraFeature, optional
        Functions ``f(snap, at, rows) -> DataFrame`` adding numeric features.
    horizon_days : int, default 365
        The outcome window (365 = 12 months), at most ``MAX_DAYS`` (100 years).
    lookback_days : int, default 91
        For ``rereferral_12m``, episodes closed this many days before ``at`` (at most ``MAX_DAYS``).
    data_end : date-like, optional
        The last date of the data (default ``ds.meta['end_date']``, else the latest date in any table);
        a date as ``at`` is.
    thresholds : ThresholdsLike, optional
        Thresholds for the need profile features (see :func:`need_profile`).

    Returns
    -------
    FeatureSet (unpacks as ``X, y, ids``), with ``groups`` and ``excluded``.

    Raises
    ------
    ValidationError
        an argument that is not what it should be, named ``build_features.<argument>``
        (``extra`` of the wrong kind raises one that is also a TypeError, as scikit-learn does).

    Notes
    -----
    The features, all as known at ``at``: ``need_<need>`` for the ten needs, ``n_needs``, ``need_score``, ``level_of_need``,
    ``statutory_open``; ``n_requests``, ``n_requests_12m``, ``n_prior_episodes``,
    ``n_prior_step_ups``, ``n_prior_step_downs``, ``n_prior_rereferrals``,
    ``n_prior_csc_referrals`` (any family member); ``episode_days`` (open so far or
    total), ``days_since_close`` and ``closed_<reason>`` (re-referral only: outcomes_met,
    step_down_universal, disengaged, transferred; other reasons are the reference), ``episode_level``,
    ``origin_step_down``, ``assessment_completed``, ``lead_named``, ``lead_partner``
    (lead agency is not the council), ``n_practitioners``, ``n_agencies`` (involved in
    the episode); ``linked_household``, ``n_linked_households`` (families sharing a
    current member); ``deprivation`` (the localities' mean where the family's locality has none
    recorded, or the family none) and ``locality_<id>`` indicators (first locality
    is the reference), ``no_locality_recorded`` (the family has none in ``families`` or on its
    episode: the locality indicators are then all 0 and ``deprivation`` the mean), with the locality
    taken as ``earlyhelp.risk.features.family_localities`` says; ``n_children``, ``youngest_age``, ``oldest_age``,
    ``child_under_5``, ``teenager`` (from the children with a birth date), ``n_adults``,
    ``no_child_recorded`` (no child: ages then 0), ``child_age_unknown`` (children recorded, none
    with a birth date: ages, ``child_under_5`` and ``teenager`` then 0). ``n_requests`` and
    ``n_requests_12m`` count family requests (:meth:`earlyhelp.Dataset.family_requests`: siblings'
    same-day contacts are one). Every value filled in or taken from a fallback is counted in
    ``FeatureSet.imputed`` and described in ``FeatureSet.feature_info``.

    A cut-off date before the first episode's start is refused (no family could be in the
    population). When no date has rows, ``X`` keeps the built-in feature columns.
    """
    check_dataset(ds, "build_features")
    check_unique_ids(ds, KEYED_TABLES, "features are looked up by it")
    # rows without their dates, ends before starts, codes out of the list: refused by name, not
    # left out of the population unseen (once per Dataset)
    ds.check_tables([name for name, frame in ds.tables.items() if len(frame)])
    if not (isinstance(target, str) and target in TARGETS):
        raise _problem("target", f"must be one of {', '.join(repr(t) for t in TARGETS)}", target)
    _check_days(horizon_days, lookback_days)
    extra = _extra_functions(extra)
    dates = _cut_off_dates(at)
    _check_room(dates, horizon_days, lookback_days)
    end = _day(data_end, "data_end") if data_end is not None else data_end_of(ds)
    _check_after_start(ds, dates)
    t = _as_thresholds(thresholds)
    localities = sorted(ds.localities["locality_id"].dropna().astype(str).unique())
    events = ds.step_ups() if target == "step_up_12m" else ds.rereferrals(basis="episode", window_days=horizon_days)
    # Step-ups and (request) re-referrals dated by ``at`` are exactly those ds.snapshot(at) would
    # derive: each depends only on rows dated on or before its own date. Derive them once.
    all_ups = events if target == "step_up_12m" else ds.step_ups()
    all_rr = ds.rereferrals()
    parts, ids, groups, labels, excluded, imputed = [], [], [], [], [], []
    empty_columns: Optional[pd.Index] = None
    for d in dates:
        snap = ds.snapshot(d)
        ups = all_ups[(all_ups["date"] <= d).to_numpy(dtype=bool)]
        rr = all_rr[(all_rr["date"] <= d).to_numpy(dtype=bool)]
        rows, reasons = _population(snap, d, target, lookback_days, ups)
        window_end = (d if target == "step_up_12m" else rows["end_date"]) + pd.Timedelta(days=horizon_days)
        incomplete = np.broadcast_to(np.asarray(window_end > end), (len(rows),))
        if incomplete.any():
            reasons["window_incomplete"] = int(incomplete.sum())
        rows = rows[~incomplete].reset_index(drop=True)
        excluded += [Excluded("families", r, n, at=d) for r, n in reasons.items()]
        if rows.empty:
            if empty_columns is None:  # the columns a date with rows would have, for an empty X
                empty_columns = _features(snap, d, rows, target, t, localities, ups, rr)[0].columns
            continue
        X, counts = _features(snap, d, rows, target, t, localities, ups, rr)
        imputed += [(d, IMPUTED_NOTES[r][0], r, n) for r, n in counts.items()]
        if extra:
            X = pd.concat([X, _extra_features(extra, snap, d, rows, X.columns)], axis=1)
        parts.append(X)
        labels.append(_labels(ds, rows, d, target, horizon_days, events))
        ids.append(pd.DataFrame({"family_id": rows["family_id"].astype("string[pyarrow]"), "at": d,
                                 "episode_id": rows["episode_id"].astype("string[pyarrow]")}))
        groups.append(_groups(snap, d, rows, X))
    if parts:
        _check_same_columns(parts, [i["at"].iat[0] for i in ids])
        X = pd.concat(parts, ignore_index=True)
        y = pd.Series(np.concatenate(labels), name=target)
        id_frame = pd.concat(ids, ignore_index=True)
        group_frame = pd.concat(groups, ignore_index=True)
    else:
        # the built-in columns (extra functions are not called without rows)
        X = pd.DataFrame(columns=empty_columns if empty_columns is not None else [], dtype=float)
        y = pd.Series([], dtype=np.int64, name=target)
        id_frame = pd.DataFrame({"family_id": pd.Series([], dtype="string[pyarrow]"),
                                 "at": pd.Series([], dtype="datetime64[ns]"),
                                 "episode_id": pd.Series([], dtype="string[pyarrow]")})
        group_frame = pd.DataFrame(columns=list(GROUP_COLUMNS))
    imputed_frame = pd.DataFrame(imputed, columns=list(IMPUTED_COLUMNS))
    imputed_frame["families"] = imputed_frame["families"].astype(np.int64)
    return FeatureSet(X=X, y=y, ids=id_frame, groups=group_frame, excluded=Exclusions(excluded), target=target,
                      horizon_days=int(horizon_days), data_end=end, feature_info=_imputed_notes(imputed_frame),
                      imputed=imputed_frame)
