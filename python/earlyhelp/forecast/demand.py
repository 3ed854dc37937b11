"""Demand series from a Dataset: counts per locality and period, in statsforecast's long layout.

``demand_series`` gives one bottom-level series per measure and locality (``unique_id, ds, y``
plus ``measure, country, region_code, council_code, locality_id``), zero-filled over complete
periods. ``demand_hierarchy`` adds the council, region and England totals with
:func:`earlyhelp.forecast.aggregate`, returning ``(Y_df, S_df, tags)``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..data.names import NO_KNOWN_LOCALITY
from ..results import Excluded, Exclusions, FrameResult

MEASURES: Tuple[str, ...] = ("requests", "children_referred", "episodes_opened", "assessments", "step_ups",
                             "open_caseload")
#: The same events counted per recorded row (per child in an SSD extract), by name only.
CHILD_MEASURES: Tuple[str, ...] = ("child_requests", "child_episodes_opened", "child_step_ups",
                                   "child_open_caseload")
#: The placeholder locality of council-level series built without a localities table.
WHOLE_COUNCIL = "(whole council)"
COUNTRY = "England"
#: Levels of the hierarchy, top first (measure on top: each measure is its own tree).
SPEC: List[List[str]] = [
    ["measure", "country"],
    ["measure", "country", "region_code"],
    ["measure", "country", "region_code", "council_code"],
    ["measure", "country", "region_code", "council_code", "locality_id"],
]
UNKNOWN_REGION = "unknown_region"
# pandas frequency of the series -> (period that buckets dates, which day dates the period), so
# that ``ds`` lies on the grid ``pd.date_range(freq=freq)`` gives (W-MON: weeks starting Monday,
# dated Monday; W / W-SUN: weeks ending Sunday, dated Sunday)
_PERIODS = {"MS": ("M", "start"), "M": ("M", "end"), "ME": ("M", "end"), "QS": ("Q", "start"),
            "QS-JAN": ("Q", "start"), "W-MON": ("W-SUN", "start"), "W": ("W-SUN", "end"),
            "W-SUN": ("W-SUN", "end"), "D": ("D", "start")}
#: the keys of ``ds.meta`` that give the data date, in order (see :func:`_data_date`)
_AS_OF_KEYS = ("as_of", "snapshot_date", "end_date", "end")
#: the dates recorded when an event happens, the latest of which is the data date when ``ds.meta`` gives
#: none. No end date sets it: an episode's end may be a planned end keyed in ahead, or a year typed wrong
#: (2052), and the data date would move with it (see :func:`_data_date`)
_EVENT_DATES = (("requests", "received_date"), ("episodes", "start_date"), ("assessments", "started"))


class DemandSeries(FrameResult):
    """:func:`demand_series`'s table with what it left out.

    Attributes
    ----------
    excluded : :class:`~earlyhelp.results.Exclusions`: events left out per measure and
        reason (no date, no known locality, dated far before the rest, outside the complete
        periods; from the open caseloads, episodes whose end_date is before their start_date,
        and, counted though kept as still open, those whose end_date is after the data date).
    dropped_periods : ``(period start, reason)`` of the partial first/last periods dropped.
    as_of : the data date the series run to.
    freq : the pandas frequency of ``ds``.
    """

    _metadata = ["excluded", "dropped_periods", "as_of", "freq"]
    excluded: Exclusions = Exclusions()
    dropped_periods: Tuple[Tuple[pd.Timestamp, str], ...] = ()
    as_of: Optional[pd.Timestamp] = None
    freq: str = "MS"


def demand_series(ds, freq: str = "MS", measures: Sequence[str] = MEASURES, by: str = "locality",
                  start: Optional[pd.Timestamp] = None, end: Optional[pd.Timestamp] = None, *,
                  hierarchy: bool = False, sparse_s: bool = False):
    """Count Early Help demand per locality (or council) and period.

    Parameters
    ----------
    ds : Dataset
        The council's data.
    freq : str, default "MS"
        ``"MS"`` (months dated by their first day; ``"M"``/``"ME"``: by their last),
        ``"QS"`` (quarters), ``"W-MON"`` (weeks starting Monday, dated Monday), ``"W"`` (weeks
        ending Sunday, dated Sunday) or ``"D"``.
    measures : str or sequence of str
        Each once (a plain string is one measure). Any of :data:`MEASURES`, all family events:
        ``requests`` (family requests for support: a family's requests received on one day are one, see
        :func:`earlyhelp.data.events.family_requests`), ``children_referred`` (children those
        requests cover; 1 per row when not recorded), ``episodes_opened`` (family episodes,
        :func:`~earlyhelp.data.events.stitch_episodes`, by start), ``assessments`` (Early Help
        Assessments started), ``step_ups`` (family episodes stepped up to social care,
        ``step_ups(level="family")``, dated when they first stepped up) and ``open_caseload``
        (family episodes open at the end of the period). Per recorded row (per child in an SSD
        extract), by name only: :data:`CHILD_MEASURES` ``child_requests``,
        ``child_episodes_opened``, ``child_step_ups``, ``child_open_caseload``.
    by : str, default "locality"
        ``"locality"`` (bottom series are localities) or ``"council"``. Council series need
        no localities table: without one, every event counts for the council
        (``ds.meta["council_code"]``, else ``"council"``); with one council in it, events of
        families with no known locality still count for the council, as the monthly pack counts
        them. By locality they then form a bottom series of their own, locality
        ``"(no known locality)"`` (``earlyhelp.data.names.NO_KNOWN_LOCALITY``), in every measure
        when any event counted has no known locality (in none otherwise), so that the
        council's total is the sum of its bottom series; ``excluded`` counts them with the
        reason that says so. With several councils they
        cannot be placed and are left out (reason "no known locality").
    start, end : Timestamp, optional
        The window. Default: from the later of the earliest request and the earliest
        episode start (extracts keep episodes opened before their window, not the requests), or
        from the extract's start where its writer recorded an earlier one
        (``ds.meta["window_start"]``, as the monthly pack takes it), to
        the data date (``ds.meta["as_of"]``, ``["snapshot_date"]`` or ``["end_date"]``,
        else the latest request received, episode started or assessment started, less dates after
        today and stray dates as :meth:`~earlyhelp.Dataset.data_end` leaves them out, with a
        :class:`~earlyhelp.measures.StrayDatesWarning`: an end date may
        be a planned end keyed in ahead, so none sets it; the rule
        :func:`~earlyhelp.forecast.episode_duration_curve` uses too). A few requests dated 24
        months or more before every other (at most 1% of them: a year typed 1901) do not move
        that start: they are not counted,
        ``excluded`` lists them with that reason and a
        :class:`~earlyhelp.measures.StrayDatesWarning` names them. Only complete
        periods are kept; the partial first/last periods dropped are listed in
        ``dropped_periods``. A window reaching before that start or past the data date is
        clipped to them (nothing is known there, which is not zero demand); the periods cut
        off are listed in ``dropped_periods`` too. A time-zone-aware date stands for its own
        calendar day.
    hierarchy : bool, default False
        Also return the totals up the hierarchy and its summing matrix (see Returns).
    sparse_s : bool, default False
        With ``hierarchy``, hold ``S_df``'s columns as pandas sparse columns (see
        :func:`aggregate`; worth it for many councils at once).

    Returns
    -------
    DemandSeries or tuple of (DemandSeries, DataFrame, dict)
        A DataFrame ``unique_id, ds, y, measure, country, region_code, council_code,
        locality_id``, one row per series and period (zero where nothing happened; every
        locality in the ``localities`` table gets a series). ``unique_id`` is the bottom id of
        the hierarchy (``measure/England/region/council/locality``), exactly as
        :func:`aggregate` and ``hierarchy=True`` give it: a ``%`` or ``/`` inside a level's
        value is written ``%25`` or ``%2F``. ``excluded`` lists the
        events left out and why (no date, no known locality, dated far before the rest,
        outside the complete periods; from ``open_caseload`` and ``child_open_caseload``,
        episodes whose ``end_date`` is before their ``start_date``: never open, they would
        take the caseload below what was open; and, counted though kept, episodes whose
        ``end_date`` is after the data date: a planned end or a date typed wrong, taken as still
        open, as :func:`~earlyhelp.forecast.episode_duration_curve` takes them);
        ``dropped_periods``, ``as_of`` and ``freq`` describe the window.

        With ``hierarchy=True``: ``(Y_df, S_df, tags)`` exactly as :func:`aggregate` returns them
        (see :func:`demand_hierarchy`): ``Y_df`` holds every series (each measure's England,
        region, council and locality totals), ``S_df`` the summing matrix (one row per series,
        one column per bottom series), ``tags`` the ids of each level. Each measure is its own
        tree.
    """
    measures, problems = _measure_list(measures)
    if freq not in _PERIODS:
        problems.append(Problem("freq", None, f"unsupported frequency {freq!r}; use one of {sorted(_PERIODS)}"))
    if by not in ("locality", "council"):
        problems.append(Problem("by", None, "by must be 'locality' or 'council'", value=by))
    if problems:
        raise ValidationError(problems)
    period, label = _PERIODS[freq]
    places = _places(ds, by)
    events, excluded, places = _events(ds, measures, places, by)
    dates = [e["date"] for e in events.values() if len(e)]
    if not dates:
        raise ValidationError(Problem("dataset", None, "no dated events to count"))
    all_dates = pd.concat(dates)
    as_of = _data_date(ds)
    if as_of is None:
        as_of = _local_day(all_dates.max())
    first, strays = _window_start(ds, all_dates)
    _warn_strays(strays)
    lo = _local_day(start) if start is not None else first
    hi = _local_day(end) if end is not None else as_of
    periods, dropped = _complete_periods(lo, hi, period, first, as_of)
    if len(periods) == 0:
        raise ValidationError(Problem("dataset", None, f"no complete {freq} period between {lo.date()} and "
                                                       f"{hi.date()} within the data ({first.date()} to "
                                                       f"{as_of.date()})"))
    key = "locality_id" if by == "locality" else "council_code"
    frames = []
    for measure in measures:
        ev = events[measure]
        if measure in ("open_caseload", "child_open_caseload"):
            counts = _open_at_period_end(ev, periods, key, as_of)
            excluded.append(Excluded(_TABLE_OF[measure], _ends_after_reason(as_of),
                                     int(((ev["end_date"] > as_of) & (ev["date"] <= as_of)).sum()),
                                     step="series", measure=measure))
        else:
            inside = (ev["date"] >= periods[0].start_time) & (ev["date"] <= periods[-1].end_time)
            stray = strays.get(_DATED_BY.get(measure))
            far = ev["date"] < stray.cutoff if stray is not None else pd.Series(False, index=ev.index)
            if stray is not None:   # before the window too, but counted with their own reason
                excluded.append(Excluded(_TABLE_OF[measure], stray.reason, int(far.sum()), step="series",
                                         measure=measure))
            excluded.append(Excluded(_TABLE_OF[measure], "outside the complete periods",
                                     int((~inside & ~far).sum()), step="series", measure=measure))
            ev = ev[inside]
            counts = (ev.assign(period=ev["date"].dt.to_period(period))
                      .groupby([key, "period"], observed=True)["weight"].sum())
        frames.append(_zero_filled(counts, places, periods, key, measure, label))
    out = DemandSeries.of(pd.concat(frames, ignore_index=True), excluded=Exclusions(excluded),
                          dropped_periods=tuple(dropped), as_of=as_of, freq=freq)
    return demand_hierarchy(out, sparse_s=sparse_s) if hierarchy else out


def _measure_list(measures) -> Tuple[List[str], List[Problem]]:
    """The measures asked for, each once; a plain string is one measure (not its letters)."""
    measures = [measures] if isinstance(measures, str) else list(measures)
    problems = []
    if not measures:
        problems.append(Problem("measures", None, f"no measures given; choose from {MEASURES + CHILD_MEASURES}"))
    unknown = [m for m in measures if m not in MEASURES + CHILD_MEASURES]
    if unknown:
        problems.append(Problem("measures", None, f"unknown measures {unknown}; choose from "
                                                  f"{MEASURES + CHILD_MEASURES}"))
    twice = sorted({str(m) for i, m in enumerate(measures) if m in measures[:i]})
    if twice:
        # each would be counted again: every (unique_id, ds) row twice
        problems.append(Problem("measures", None, f"measures given more than once: {twice}; give each once",
                                value=twice))
    return measures, problems


def demand_hierarchy(series: pd.DataFrame, sparse_s: bool = False
                     ) -> Tuple[pd.DataFrame, pd.DataFrame, Dict[str, np.ndarray]]:
    """Council, region and England totals for :func:`demand_series` output: ``(Y_df, S_df, tags)``.

    ``S_df`` has one row per series (all measures) and one column per bottom series; ``tags``
    names the levels (``measure/country``, ... ``.../locality_id``). With ``by="council"`` the
    bottom level is the council. ``Y_df`` is a :class:`DemandSeries` with the facts of
    ``series`` (when it is one: the totals leave out nothing more).

    Parameters
    ----------
    series : DataFrame
        :func:`demand_series` output.
    sparse_s : bool, default False
        hold ``S_df``'s columns as pandas sparse columns.

    Returns
    -------
    tuple of (DataFrame, DataFrame, dict)
        ``(Y_df, S_df, tags)`` as :func:`aggregate` returns them.
    """
    from .hierarchy import aggregate

    spec = SPEC if series["locality_id"].notna().all() else SPEC[:-1]
    _check_bottom_series(series, spec[-1])
    Y, S, tags = aggregate(series, spec, sparse_s=sparse_s)
    if isinstance(series, DemandSeries):
        Y = DemandSeries.of(Y, **series.facts())
    return Y, S, tags


def _check_bottom_series(series: pd.DataFrame, bottom: List[str]) -> None:
    """One row per bottom series and period, every series over the same periods.

    ``aggregate`` sums whatever rows it is given: a council's series concatenated twice would
    double its region's and England's totals, and councils counted over different windows
    would give totals that cover fewer councils in some periods than in others.
    """
    needed = [c for c in [*bottom, "ds"] if c not in series.columns]
    if needed:
        raise ValidationError([Problem("series", c, "required column is missing") for c in needed])
    key = _series_ids(series, bottom)
    dup = series.duplicated([*bottom, "ds"], keep="first").to_numpy()
    problems = []
    if dup.any():
        problems.append(Problem("series", "ds", "more than one row for a series and period (the same series "
                                                "given twice?); the totals would count it twice",
                                rows=list(pd.unique(key[dup]))[:10], n_rows=int(dup.sum())))
    periods = series.groupby(key.to_numpy(), sort=True)["ds"].nunique()
    n_periods = series["ds"].nunique()
    short = periods[periods < n_periods]
    if len(short):
        problems.append(Problem("series", "ds", f"series that do not cover all {n_periods} periods (count every "
                                                "council over the same window); the totals would mix "
                                                "different sets of series", rows=list(short.index[:10]),
                                n_rows=len(short)))
    if problems:
        raise ValidationError(problems)


# -- places ------------------------------------------------------------------------------
def _places(ds, by: str = "locality") -> pd.DataFrame:
    """locality_id -> council_code, region_code (unknown region filled), from localities.

    Council series without a localities table: one place standing for the whole council."""
    loc = ds["localities"]
    if len(loc) == 0:
        if by == "council":
            meta = getattr(ds, "meta", {}) or {}
            return pd.DataFrame({"council_code": [str(meta.get("council_code") or "council")],
                                 "region_code": [str(meta.get("region_code") or UNKNOWN_REGION)]},
                                index=pd.Index([WHOLE_COUNCIL], name="locality_id"))
        raise ValidationError(Problem("localities", None, "locality series need the localities table "
                                                          "(locality -> council -> region); give one (for an "
                                                          "SSD extract: a postcode or team -> locality lookup) "
                                                          "or count for the whole council with by='council'"))
    places = pd.DataFrame({
        "locality_id": loc["locality_id"].astype(str),
        "council_code": loc["council_code"].astype(str),
        "region_code": loc["region_code"].astype("string").fillna(UNKNOWN_REGION).astype(str),
    }).drop_duplicates()
    clash = places["locality_id"].duplicated(keep=False).to_numpy()
    if clash.any():
        # families name a locality only, so a locality id placed twice cannot say whose it is
        raise ValidationError(Problem("localities", "locality_id", "locality listed under more than one council "
                                                                   "or region; give each locality its own id",
                                      rows=list(pd.unique(places["locality_id"][clash]))[:10],
                                      n_rows=int(clash.sum())))
    return places.set_index("locality_id")


#: the table each measure's events are read from
_TABLE_OF = {"requests": "requests", "children_referred": "requests", "episodes_opened": "episodes",
             "assessments": "assessments", "step_ups": "episodes", "open_caseload": "episodes",
             "child_requests": "requests", "child_episodes_opened": "episodes", "child_step_ups": "episodes",
             "child_open_caseload": "episodes"}


#: the ``excluded`` reason of the events counted in the series of no known locality
UNPLACED_REASON = (f"no known locality: counted for the council in the series of locality {NO_KNOWN_LOCALITY}, "
                   "in none of its localities")


def _events(ds, measures: Sequence[str], places: pd.DataFrame, by: str = "locality"):
    """Per measure: date, weight, locality_id, council_code of each counted event; what was left
    out; and the places counted (``places`` and, by locality in one council where some events
    have no known locality, ``NO_KNOWN_LOCALITY``)."""
    fam_loc = _locality_of("families", "family_id", ds["families"]["family_id"], ds["families"]["locality_id"])
    ep = ds["episodes"]
    repeated = ep["episode_id"].astype(str).duplicated(keep=False).to_numpy()
    if repeated.any():   # each row is an episode: a repeated one would be counted twice
        raise ValidationError(Problem("episodes", "episode_id", "duplicate episode ids",
                                      rows=list(pd.unique(ep["episode_id"].astype(str)[repeated]))[:10],
                                      n_rows=int(repeated.sum())))
    ep_loc = ep["locality_id"].astype("string")
    if "family_id" in ep.columns:
        ep_loc = ep_loc.fillna(ep["family_id"].astype("string").map(fam_loc))
    ep_loc = _locality_of("episodes", "episode_id", ep["episode_id"], ep_loc)
    excluded: List[Excluded] = []
    # an episode ending before it starts (a year typed wrong) was never open: counted, it would
    # close before it opened and take the caseload below what was open, even below 0. The open
    # caseloads leave it out, as episode_duration_curve does, and count it.
    ends_early = np.zeros(len(ep), dtype=bool)
    if "end_date" in ep.columns and "start_date" in ep.columns:
        ends_early = (_local_dates(ep["end_date"]) < _local_dates(ep["start_date"])).to_numpy(dtype=bool)
    for measure in ("open_caseload", "child_open_caseload"):
        if measure in measures:
            excluded.append(Excluded("episodes", "end_date before start_date", int(ends_early.sum()),
                                     step="series", measure=measure))
    out: Dict[str, pd.DataFrame] = {}
    # one council: an event with no known locality still belongs to it (as the pack counts it).
    # By locality it gets a bottom series of its own, so that the council stays the sum of its
    # bottom series; kept only where such events exist (see the end).
    whole = None
    if places["council_code"].nunique() == 1:
        if by == "council":
            whole = places.index[0]
        elif NO_KNOWN_LOCALITY not in places.index:
            whole = NO_KNOWN_LOCALITY
            places = pd.concat([places, places.iloc[:1].set_axis(pd.Index([NO_KNOWN_LOCALITY],
                                                                          name=places.index.name))])
    unplaced: Dict[str, int] = {}

    def frame(measure: str, date: pd.Series, locality: pd.Series, weight=None, extra=None) -> pd.DataFrame:
        f = pd.DataFrame({"date": _local_dates(date).to_numpy(),
                          "locality_id": locality.astype("string").to_numpy(),
                          "weight": 1.0 if weight is None else np.asarray(weight, float)})
        if extra is not None:
            for k, v in extra.items():
                f[k] = np.asarray(v)
        no_date = f["date"].isna()
        no_place = f["locality_id"].isna() | ~f["locality_id"].isin(places.index)
        table = _TABLE_OF[measure]
        if whole is not None:
            f.loc[no_place, "locality_id"] = whole
            if whole == NO_KNOWN_LOCALITY:
                unplaced[measure] = int((no_place & ~no_date).sum())
            no_place = no_place & False
        excluded.append(Excluded(table, "no date", int(no_date.sum()), step="series", measure=measure))
        excluded.append(Excluded(table, "no known locality", int((no_place & ~no_date).sum()), step="series",
                                 measure=measure))
        f = f[~no_date & ~no_place].copy()
        f["council_code"] = f["locality_id"].map(places["council_code"]).astype(str)
        return f

    def family_loc(family_id: pd.Series) -> pd.Series:
        return family_id.astype("string").map(fam_loc)

    req = ds["requests"]
    if "requests" in measures:
        fr = _call(ds, "family_requests")
        out["requests"] = frame("requests", fr["date"], family_loc(fr["family_id"]))
    if "child_requests" in measures:
        out["child_requests"] = frame("child_requests", req["received_date"], family_loc(req["family_id"]))
    if "children_referred" in measures:
        children = req["children"].astype("Float64").fillna(1.0) if "children" in req.columns else 1.0
        out["children_referred"] = frame("children_referred", req["received_date"], family_loc(req["family_id"]),
                                         children)
    fmap = None
    if any(m in measures for m in ("episodes_opened", "open_caseload", "step_ups")):
        fe, fmap = _call(ds, "stitch_episodes", return_map=True)   # once, for the step-ups too
        fe_loc = fe["family_episode_id"].astype(str).map(ep_loc).astype("string").fillna(family_loc(fe["family_id"]))
        if "episodes_opened" in measures:
            out["episodes_opened"] = frame("episodes_opened", fe["start_date"], fe_loc)
        if "open_caseload" in measures:
            fo, fo_loc = fe, fe_loc
            if ends_early.any():   # family episodes stitched without them
                fo = _call(ds.replace(episodes=ep[~ends_early]), "stitch_episodes")
                fo_loc = (fo["family_episode_id"].astype(str).map(ep_loc).astype("string")
                          .fillna(family_loc(fo["family_id"])))
            out["open_caseload"] = frame("open_caseload", fo["start_date"], fo_loc,
                                         extra={"end_date": _local_dates(fo["end_date"]).to_numpy()})
    if "child_episodes_opened" in measures:
        out["child_episodes_opened"] = frame("child_episodes_opened", ep["start_date"], pd.Series(ep_loc.to_numpy()))
    if "child_open_caseload" in measures:
        kept = ep[~ends_early]
        out["child_open_caseload"] = frame("child_open_caseload", kept["start_date"],
                                           pd.Series(ep_loc.to_numpy()[~ends_early]),
                                           extra={"end_date": _local_dates(kept["end_date"]).to_numpy()})
    if "assessments" in measures:
        ass = ds["assessments"]
        out["assessments"] = frame("assessments", ass["started"], ass["episode_id"].astype(str).map(ep_loc))
    if "step_ups" in measures or "child_step_ups" in measures:
        ups = _call(ds, "step_ups")
        if "child_step_ups" in measures:
            out["child_step_ups"] = frame("child_step_ups", ups["date"], ups["episode_id"].astype(str).map(ep_loc))
        if "step_ups" in measures:
            from ..data.events import family_step_ups

            su = family_step_ups(ds, ups, fmap)
            out["step_ups"] = frame("step_ups", su["date"], su["episode_id"].astype(str).map(ep_loc))
    if whole == NO_KNOWN_LOCALITY:
        if any(unplaced.values()):
            for measure, n in unplaced.items():
                excluded.append(Excluded(_TABLE_OF[measure], UNPLACED_REASON, n, step="series", measure=measure))
        else:   # every event has a locality: no series of none
            places = places.drop(index=NO_KNOWN_LOCALITY)
    return out, excluded, places


def _locality_of(table: str, id_column: str, ids: pd.Series, locality: pd.Series) -> pd.Series:
    """id -> locality_id, one row per id; an id placed in two localities is an error.

    Repeated rows that agree are harmless here (the events are counted elsewhere); rows that
    disagree would leave each event's locality to chance.
    """
    pairs = pd.DataFrame({"id": ids.astype(str).to_numpy(), "locality_id": locality.astype("string").to_numpy()})
    pairs = pairs.drop_duplicates()
    clash = pairs["id"].duplicated(keep=False).to_numpy()
    if clash.any():
        raise ValidationError(Problem(table, id_column, "the same id on rows with different localities",
                                      rows=list(pd.unique(pairs["id"][clash]))[:10], n_rows=int(clash.sum())))
    return pd.Series(pairs["locality_id"].to_numpy(), index=pairs["id"].to_numpy(), dtype="string")


def _call(ds, name: str, **kwargs):
    """A derived event of ``ds`` (its method, else the function in data/events.py)."""
    method = getattr(ds, name, None)
    if callable(method):
        return method(**kwargs)
    from ..data import events

    return getattr(events, name)(ds, **kwargs)


# -- periods -----------------------------------------------------------------------------
def _local_day(value) -> pd.Timestamp:
    """A date as a time-zone-free day: a time zone's own calendar day (as the data layer reads
    time-zone-aware dates), so it compares with the dates of the tables."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize(None) if ts.tz is not None else ts).normalize()


def _local_dates(values) -> pd.Series:
    """Dates without a time zone, each the calendar day of its own zone (see :func:`_local_day`)."""
    dates = pd.Series(pd.to_datetime(values))
    return dates.dt.tz_localize(None) if dates.dt.tz is not None else dates


def _data_date(ds) -> Optional[pd.Timestamp]:
    """The data date of ``ds``: the last day its data cover, the one rule of every forecast function
    (:func:`demand_series` counts to it, :func:`~earlyhelp.forecast.episode_duration_curve` censors open
    episodes there).

    ``ds.meta["as_of"]``, ``["snapshot_date"]``, ``["end_date"]`` or ``["end"]`` (the first that reads as a
    date), else the latest request received, episode started or assessment started: dates recorded when
    the event happens. An end date never sets it: an episode's end may be a planned end keyed in ahead or
    a year typed wrong, and every open episode would then be taken as open until that day. Of those
    dates, the ones :meth:`~earlyhelp.Dataset.data_end` cannot take at their word are left out too, by
    its rule (``earlyhelp.data.dates.latest_happened``): dates after today, and the latest dates lying
    more than 92 days after every other such date when they are at most 1% of them (a year typed
    wrong); a :class:`~earlyhelp.measures.StrayDatesWarning` names them. A date with a time zone stands
    for its own calendar day.

    Parameters
    ----------
    ds : Dataset
        the data.

    Returns
    -------
    Timestamp or None
        a day without a time zone; None when neither ``meta`` nor those tables hold a date.
    """
    from ..data.dates import days_of, latest_happened

    meta = getattr(ds, "meta", {}) or {}
    for k in _AS_OF_KEYS:
        if meta.get(k) is not None:
            try:
                day = _local_day(meta[k])
            except (TypeError, ValueError):
                continue
            if not pd.isna(day):
                return day
    events = {}
    for table, column in _EVENT_DATES:
        try:
            frame = ds[table]
        except (KeyError, ValueError):
            continue
        if column in frame.columns:
            days = days_of(_local_dates(frame[column]))
            if len(days):
                events[f"{table}.{column}"] = days
    happened = latest_happened(events)
    happened.warn("the forecasts' data date", "state it (ds.meta['end_date'])", stacklevel=3)
    return None if happened.day is None else pd.Timestamp(happened.day, unit="D")


def _ends_after_reason(as_of: pd.Timestamp) -> str:
    """Why an episode's end date is not used: it lies after the data date (the words
    :func:`~earlyhelp.forecast.episode_duration_curve` and :func:`demand_series` both give)."""
    return (f"end_date after the data date {as_of.date()} (a planned end keyed in ahead, or a date typed "
            "wrong): the closure is not used, the episode is taken as still open at the data date")


#: the date column each measure's events are dated by, where it is a table's own column
_DATED_BY = {"requests": ("requests", "received_date"), "children_referred": ("requests", "received_date"),
             "child_requests": ("requests", "received_date"), "episodes_opened": ("episodes", "start_date"),
             "child_episodes_opened": ("episodes", "start_date")}


@dataclass(frozen=True)
class _Stray:
    """A few rows of a date column dated far before all its others (a year typed 1901)."""

    table: str
    column: str
    rows: int
    far: pd.Period          # the month of the earliest
    gap: int                # months between them and every other row
    cutoff: pd.Timestamp    # the first day of the rest

    @property
    def reason(self) -> str:
        return (f"dated far before the rest of {self.table}.{self.column} (as far back as {self.far}, "
                f"{self.gap} months before every other row)")


def _recorded_start(ds) -> Optional[pd.Timestamp]:
    """The extract's start as its writer recorded it (``ds.meta["window_start"]``), or None when
    not recorded or not a date."""
    meta = getattr(ds, "meta", {}) or {}
    given = meta.get("window_start")
    if given is None:
        return None
    try:
        day = _local_day(given)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(day) else day


def _window_start(ds, dates: pd.Series) -> Tuple[pd.Timestamp, Dict[Tuple[str, str], _Stray]]:
    """The first day the data are on record: the first day both requests and episodes are on
    record (the later of the earliest request and the earliest episode start), or the extract's
    start where its writer recorded an earlier one (``ds.meta["window_start"]``, as the monthly
    pack and the flow model take it: a first request a few days into the first month does not
    make that month partial when the extract started on or before its first day). An extract
    often keeps episodes opened before its window (still open when it starts) but not the
    requests before it, so counting from the earliest episode would begin with months of
    missing requests.

    A few requests dated far before all the others (the rule of :func:`earlyhelp.measures.compute`:
    24 months or more before every other row, at most 1% of the rows) do not move the start:
    counted from them, the later of the two would fall back to the earliest episode (carried in
    from before the extract), and the months before the first request would count only the
    episodes carried in. The same holds for episode starts where no request is dated (the
    episodes alone set the start then). The rows left so are returned, by (table, column)."""
    firsts, strays = [], {}
    for table, column in (("requests", "received_date"), ("episodes", "start_date")):
        frame = ds[table]
        if len(frame) and column in frame.columns and frame[column].notna().any():
            days = _local_dates(frame[column]).dropna()
            # episodes opened long before the extract are carried in: they set no start beside requests
            stray = _stray_start(days, table, column) if not firsts else None
            if stray is not None:
                strays[(table, column)] = stray
                days = days[days >= stray.cutoff]
            firsts.append(_local_day(days.min()))
    first = max(firsts) if firsts else _local_day(dates.min())
    recorded = _recorded_start(ds)
    # the extract covers its days from its recorded start, events or not; rows before it (more
    # than a few strays) are data too
    return (min(first, recorded) if recorded is not None else first), strays


def _stray_start(days: pd.Series, table: str, column: str) -> Optional[_Stray]:
    """The rows of ``days`` before the last gap of 24 months or more with at most 1% of the rows
    before it (the rule of :func:`earlyhelp.measures.compute`), or None."""
    from ..measures.engine import _STRAY_SHARE, _stray_gaps

    months, before, gaps = _stray_gaps(days.to_numpy("datetime64[ns]").astype("datetime64[M]").astype(np.int64))
    wide = [k for k in gaps if before[k] <= _STRAY_SHARE * len(days)]
    if not wide:
        return None
    k = wide[-1]
    return _Stray(table, column, int(before[k]), pd.Period(np.datetime64(int(months[0]), "M"), "M"),
                  int(months[k + 1] - months[k]), pd.Timestamp(np.datetime64(int(months[k + 1]), "M")))


def _warn_strays(strays: Dict[Tuple[str, str], _Stray]) -> None:
    from ..measures import StrayDatesWarning

    for s in strays.values():
        warnings.warn(f"{s.table}.{s.column}: {s.rows:,} row(s) dated as far back as {s.far}, {s.gap} months "
                      f"before every other row, are not counted: the demand series start from the other rows "
                      f"(see excluded; correct the date to count them)", StrayDatesWarning, stacklevel=3)


def _complete_periods(lo: pd.Timestamp, hi: pd.Timestamp, period: str, first: Optional[pd.Timestamp] = None,
                      last: Optional[pd.Timestamp] = None):
    """Periods wholly inside the window [lo, hi] and the data [first, last] (days), and the
    periods of the window dropped, with why.

    A period before the data start or after the data date would read as zero demand when
    nothing is known about it, so the window is clipped to the data.
    """
    lo, hi = pd.Timestamp(lo).normalize(), pd.Timestamp(hi).normalize()
    first = lo if first is None else pd.Timestamp(first).normalize()
    last = hi if last is None else pd.Timestamp(last).normalize()
    if hi < lo:
        return pd.PeriodIndex([], freq=period), []
    use_lo, use_hi = max(lo, first), min(hi, last)
    span = pd.period_range(lo.to_period(period), hi.to_period(period), freq=period)
    dropped = []
    keep = []
    for p in span:
        p_end = p.end_time.normalize()
        if p_end < first:
            dropped.append((p.start_time, f"before the data start {first.date()}"))
        elif p.start_time > last:
            dropped.append((p.start_time, f"after the data date {last.date()}"))
        elif p.start_time < use_lo:
            dropped.append((p.start_time, f"partial: data start {use_lo.date()}"))
        elif p_end > use_hi:
            dropped.append((p.start_time, f"partial: data end {use_hi.date()}"))
        else:
            keep.append(p)
    return pd.PeriodIndex(keep, freq=period), dropped


def _open_at_period_end(ev: pd.DataFrame, periods: pd.PeriodIndex, key: str, as_of: pd.Timestamp) -> pd.Series:
    """Episodes open at the end of each period: started on or before that day, not ended by it."""
    ends = np.array([p.end_time.normalize() for p in periods], dtype="datetime64[ns]")
    end_date = ev["end_date"].where(ev["end_date"] <= as_of)     # closures after the data date are unknown
    rows = {}
    for place, g in ev.groupby(key, observed=True):
        starts = np.sort(g["date"].to_numpy("datetime64[ns]"))
        stops = np.sort(end_date[g.index].dropna().to_numpy("datetime64[ns]"))
        opened = np.searchsorted(starts, ends, side="right")
        closed = np.searchsorted(stops, ends, side="right")
        for p, value in zip(periods, opened - closed):
            rows[(place, p)] = float(value)
    return pd.Series(rows, dtype=float)


def _zero_filled(counts: pd.Series, places: pd.DataFrame, periods: pd.PeriodIndex, key: str,
                 measure: str, label: str = "start") -> pd.DataFrame:
    if key == "locality_id":
        units = places.reset_index()
    else:
        units = places.reset_index()[["council_code", "region_code"]].drop_duplicates("council_code")
        units["locality_id"] = None
    index = pd.MultiIndex.from_product([units[key].to_numpy(), periods], names=[key, "period"])
    y = counts.reindex(index, fill_value=0.0).to_numpy(float) if len(counts) else np.zeros(len(index))
    grid = pd.DataFrame(index=index).reset_index()
    grid = grid.merge(units, on=key, how="left")
    grid["measure"] = measure
    grid["country"] = COUNTRY
    grid["y"] = y
    grid["ds"] = grid["period"].dt.start_time if label == "start" else grid["period"].dt.end_time.dt.normalize()
    parts = ["measure", "country", "region_code", "council_code"] + (["locality_id"] if key == "locality_id" else [])
    grid["unique_id"] = _series_ids(grid, parts)
    return grid[["unique_id", "ds", "y", "measure", "country", "region_code", "council_code", "locality_id"]]


def _series_ids(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """The ids :func:`aggregate` gives these levels: each value escaped by
    :func:`~earlyhelp.forecast.hierarchy.escape_level` (a locality named ``North/East`` would
    otherwise read as two levels, and not match its series in the hierarchy), joined by ``/``."""
    from .hierarchy import LEVEL_SEPARATOR, escape_level

    uid = escape_level(frame[columns[0]].astype(str))
    for col in columns[1:]:
        uid = uid + LEVEL_SEPARATOR + escape_level(frame[col].astype(str))
    return uid
