"""The monthly performance pack: measures, SPC, locality comparison, suppressed for publication.

:func:`build_pack` computes the catalogue measures for the council and each locality, hides
small numbers (primary and secondary suppression across localities and the council total, the
12-month figures and the months they cover, and across measures: a count published by several
measures is hidden in all of them, and measures that add up to another, such as the episodes at
each level, are audited with it; then every figure derived from a hidden count), and adds the
XmR variation/assurance summary
and funnel limits. :func:`write_pack` writes it as an offline HTML dashboard, an Excel workbook
(one tidy sheet per measure), CSV and Parquet tables and ``run.json`` - every file through
:func:`publish_file`, the one door out of this module.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._blas import in_one_blas_thread
from .._errors import Problem, ValidationError
from .._native import Steps
from .ledger import (ALL, COUNT_COLUMNS, _under_every_name, earlier_run_records, earlier_runs,
                     earlier_runs_digested, is_synthetic, published_cells, synthetic_source)
from .publish import small_complement
from .suppression import DEFAULT_AUDIT_BUDGET, DEFAULT_THRESHOLD, SUPPRESSED, AuditBudget

DERIVED = ("value", "lo", "hi", "rate_per_10k")
CHANGE = ("previous", "change", "change_p", "change_significant")


@dataclass
class PackOptions:
    """What goes in the pack (the ``[report]`` section of a report config).

    Parameters
    ----------
    measures : sequence of str, optional
        measure ids (default all).
    months : int, default 24
        months shown.
    title : str, default "Early Help performance pack"
        the title.
    targets : mapping of str to float
        target per measure id.
    change_points : mapping of str to sequence of str
        months (``"2024-01"``) where a measure's process changed; one outside the charted months
        changes nothing (the whole chart lies on one side of it).
    threshold : int, default 5
        counts 1..threshold are hidden.
    end : str, optional
        the last month (default the data's); must lie within the data's dates: on or before the
        extract's end (see ``extract_date``). An ``end`` after the latest event that only a
        weekend separates from it (the last event on Friday 30 August, ``end`` the 31st) is taken
        as the extract's end.
    extract_date : str, optional
        the last day the extract is complete to (the day it was taken, or the day before when it
        was taken before the day's records were in). Default ``ds.meta["end_date"]``, else the
        latest event the data record, less dates after today and stray dates (the measures' rule:
        the latest dates lying more than 92 days after every other event, at most 1% of them),
        counted and named in a :class:`~earlyhelp.measures.StrayDatesWarning` and in run.json.
        A month is in the pack when the extract covers its last day: stated, a month that ends
        at a weekend with nothing recorded after Friday is whole.
    audit_budget : int, default 20,000
        the most linear and integer programmes the suppression's bounds audit solves, over the
        whole pack (:class:`~earlyhelp.report.suppression.AuditBudget`): counted, not timed, so the
        same data and options publish the same tables on every machine. When it is used up, every
        cell linked to a hidden cell not yet audited is hidden; run.json says how much was used.
    """

    measures: Optional[Sequence[str]] = None          # default: every catalogue measure
    months: int = 24                                  # months shown
    title: str = "Early Help performance pack"
    targets: Mapping[str, float] = field(default_factory=dict)
    change_points: Mapping[str, Sequence[str]] = field(default_factory=dict)   # measure -> ["2024-01", ...]
    threshold: int = DEFAULT_THRESHOLD
    end: Optional[str] = None                         # last month (default: the end of the data)
    extract_date: Optional[str] = None                # the day the extract is complete to (default: from the data)
    audit_budget: int = DEFAULT_AUDIT_BUDGET          # linear and integer programmes of the bounds audit

    def __post_init__(self) -> None:
        # checked here, not after the measures are computed: a negative threshold hid nothing and
        # months=0 gave an empty pack, both silently; a bad end or target failed deep in pandas

        problems = []
        if isinstance(self.months, bool) or not isinstance(self.months, (int, np.integer)) or self.months < 1:
            problems.append(Problem("report", "months", "must be a whole number of months >= 1", value=self.months))
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) or self.threshold < 0:
            problems.append(Problem("report", "threshold", "must be a whole number >= 0 (counts 1..threshold are "
                                    "hidden)", value=self.threshold))
        if not isinstance(self.title, str):
            problems.append(Problem("report", "title", "must be text", value=self.title))
        if isinstance(self.audit_budget, bool) or not isinstance(self.audit_budget, (int, np.integer)) \
                or self.audit_budget < 0:
            problems.append(Problem("report", "audit_budget", "must be a whole number of linear and integer "
                                    "programmes >= 0", value=self.audit_budget))
        if self.end is not None:
            try:
                pd.Timestamp(self.end)
            except (ValueError, TypeError):
                problems.append(Problem("report", "end", "must be a date like 2025-03-31", value=self.end))
        if self.extract_date is not None:
            problem = _extract_date_problem(self.extract_date)
            if problem:
                problems.append(problem)
            else:
                self.extract_date = pd.Timestamp(self.extract_date).strftime("%Y-%m-%d") \
                    if not isinstance(self.extract_date, str) else _iso_day(self.extract_date)
        for mid, target in dict(self.targets or {}).items():
            if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(target):
                problems.append(Problem("report", f"targets.{mid}", "must be a number", value=target))
        for mid, points in dict(self.change_points or {}).items():
            if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
                points = [points]
            for point in points:
                if not _is_month(point):
                    problems.append(Problem("report", f"change_points.{mid}", "must be a list of months like "
                                            "\"2024-01\"", value=point))
        if problems:
            raise ValidationError(problems)


def _iso_day(text: str) -> str:
    from ..data.events import date_argument

    return date_argument(text, "report", "extract_date").strftime("%Y-%m-%d")


def _extract_date_problem(value: Any) -> Optional[Problem]:
    """What is wrong with a stated extract date (None when it is a day up to today)."""
    from ..data.events import date_argument

    if isinstance(value, bool) or isinstance(value, (int, float, np.integer, np.floating)):
        return Problem("report", "extract_date", "must be a date like 2025-03-31, not a number", value=value)
    try:
        day = date_argument(value, "report", "extract_date")
    except ValidationError as err:
        return err.problems[0]
    if day > pd.Timestamp.today().normalize():
        return Problem("report", "extract_date", f"is after today ({pd.Timestamp.today():%Y-%m-%d}): an extract "
                       "is complete to a day that has passed", value=value)
    return None


def _is_month(point: object) -> bool:
    """Whether a change point is written as the chart's months are (``"2024-01"``)."""
    if not isinstance(point, str):
        return False
    try:
        return str(pd.Period(point, freq="M")) == point
    except (ValueError, TypeError):
        return False


@dataclass
class Pack:
    """Everything the pack publishes, computed and suppressed (see :func:`build_pack`).

    Parameters
    ----------
    monthly : DataFrame
        measures by month (suppressed).
    localities : DataFrame
        measures by locality over 12 months (suppressed).
    summary : DataFrame
        one row per measure (``points`` charted, ``incomplete`` months left out of the chart,
        ``provisional``: the latest point's limits rest on fewer than ``spc.MIN_POINTS`` (15)
        months, so its variation icon is tentative; ``variation`` is ``every_month_hidden`` where
        no whole month has a figure because every one is hidden, ``no_complete_period`` where no
        month is whole).
    charts : dict of str to DataFrame
        XmR chart per measure, over whole months only (a month the data begin within, or whose
        look-back reaches before the data, has no value there).
    funnels : dict of str to dict
        funnel limits per measure.
    catalogue : DataFrame
        the measures' definitions.
    blocked : dict of str to str
        measures that could not be computed, and why.
    assumed : dict of str to str
        what the measures took for values the data do not record (e.g. a practitioner's
        missing FTE), with how many (a count of requests 1..threshold as ``c``); said in run.json
        and on the dashboard's About page.
    suppression : dict
        cells hidden per table.
    window : dict of str to str
        the period covered.
    council : str
        the council's name.
    not_audited : list of dict
        hidden cells not proven safe (what earlier packs published gives them away, and no cell is
        left to hide), each with its table, measure, period, locality, column and why; empty when
        every one was. Also in run.json.
    audit : dict
        the bounds audit's work (:meth:`~earlyhelp.report.suppression.AuditBudget.record`):
        ``budget``, ``used``, ``left``, ``exhausted``, ``fallback_hidden`` (cells hidden
        because a hidden cell linked to them was not audited) and ``largest_group`` (hidden cells
        in the largest linked group the audit solved programmes for). Also in run.json.
    extract : dict
        the extract's end the months were taken to (``extract_end``), how it was found
        (``extract_end_from``: ``stated``, ``end_date``, ``report.end``, ``latest event``, ``latest
        event, stray dates left out``) and the rows dated after it per ``table.column``
        (``after_extract_end``, a count of 1..threshold as ``c``). In run.json's ``window``.
    """

    monthly: pd.DataFrame            # measure, period, locality (incl. ALL), counts and values, published
    localities: pd.DataFrame         # rolling 12 months to the last month, by locality, published
    summary: pd.DataFrame            # one row per measure: latest, SPC icons, assurance
    charts: Dict[str, pd.DataFrame]  # measure -> XmR chart on the published council series
    funnels: Dict[str, dict]         # measure -> funnel limits over localities
    catalogue: pd.DataFrame
    blocked: Dict[str, str]
    suppression: Dict[str, Dict[str, int]]
    window: Dict[str, str]
    council: str
    assumed: Dict[str, str] = field(default_factory=dict)
    not_audited: List[Dict[str, str]] = field(default_factory=list)
    audit: Dict[str, Any] = field(default_factory=dict)
    extract: Dict[str, Any] = field(default_factory=dict)


def _check_has_data(ds) -> None:
    """A pack of a dataset with no requests and no episodes would be empty: refused.

    Raises
    ------
    ValidationError
        naming the ``requests`` and ``episodes`` tables.
    """

    if len(ds.requests) or len(ds.episodes):
        return
    raise ValidationError([Problem(name, None, "has no rows: a pack needs requests or episodes to report on")
                           for name in ("requests", "episodes")])


class MonthLeftOutWarning(UserWarning):
    """The pack's last month is left out because the extract ends a few days before it ends, with
    no more than one working day between (a weekend, a bank holiday): state the extract's date
    (``PackOptions.extract_date``, ``[report] extract_date``) if the month is whole."""


class EmptyMonthsWarning(UserWarning):
    """The pack's last months hold no event in any table: the extract's end lies after its data."""


@dataclass(frozen=True)
class ExtractEnd:
    """The last day an extract is complete to, as the pack takes it (:func:`extract_end`).

    Parameters
    ----------
    day : Timestamp
        the day.
    how : str
        ``"stated"`` (``extract_date``), ``"end_date"`` (``ds.meta``), ``"report.end"`` (an end
        that only a weekend separates from the latest event), ``"latest event"``, or ``"latest
        event, stray dates left out"``.
    after : dict of str to int
        per ``table.column``, the rows dated after ``day``: not in any month of the pack.
    left_out : list of str
        the dates left out in taking the latest event (after today, or stray), in words.
    latest : Timestamp or None
        the latest event the data record, less those left out.
    """

    day: pd.Timestamp
    how: str
    after: Dict[str, int] = field(default_factory=dict)
    left_out: List[str] = field(default_factory=list)
    latest: Optional[pd.Timestamp] = None


def _event_days(ds) -> Dict[str, np.ndarray]:
    """The days (since 1970) of the events every table records, by ``table.column``: every date
    column but those lying ahead by nature (``data.schema.NOT_EVENT_DATES``: birth and due
    dates), as :meth:`~earlyhelp.Dataset.data_end` and validation read them
    (``earlyhelp.data.dates.event_days``)."""
    from ..data.dates import event_days

    return event_days(ds.tables)


def _day(d: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(d), "D"))


def extract_end(ds, extract_date: Optional[Any] = None, *, warn: bool = False) -> ExtractEnd:
    """The last day the data are complete to: the months the pack may show end there.

    ``extract_date`` when stated, else ``ds.meta["end_date"]``, else the latest event any table
    records, less the dates taken as recording errors (``earlyhelp.data.dates.happened_end``, the
    rule of :meth:`~earlyhelp.Dataset.data_end` and the measures): dates after today (which validation
    refuses as "date in the future") and the latest dates lying more than 92 days after every
    other event when they are at most 1% of the events (a year typed wrong). Rows dated after
    the day are counted (``after``); with ``warn``, a
    :class:`~earlyhelp.measures.StrayDatesWarning` names them.

    Parameters
    ----------
    ds : Dataset
        the council's data.
    extract_date : date-like, optional
        the day the extract is complete to, as the council states it.
    warn : bool, default False
        warn of the rows dated after the day.

    Returns
    -------
    ExtractEnd

    Raises
    ------
    ValidationError
        a stated date after the data's ``meta["end_date"]``, or more than 92 days after every
        event (the months between would show zeros); data with no event at all.
    """
    from ..data.dates import STRAY_EVENT_GAP_DAYS, happened_end, today_day

    events = _event_days(ds)
    latest, left_out = happened_end(events, today_day())
    recorded = ds.meta.get("end_date")
    if extract_date is not None:
        problem = _extract_date_problem(extract_date)
        if problem:
            raise ValidationError([problem])
        day, how = pd.Timestamp(extract_date).normalize(), "stated"
        if recorded is not None and day > pd.Timestamp(recorded).normalize():
            raise ValidationError([Problem("report", "extract_date", f"is after the end the data record "
                                           f"(meta end_date {pd.Timestamp(recorded):%Y-%m-%d}): they cover no day "
                                           "after it", value=extract_date)])
        if latest is not None and (day - _day(latest)).days > STRAY_EVENT_GAP_DAYS:
            raise ValidationError([Problem("report", "extract_date", f"is {(day - _day(latest)).days} days after the "
                                           f"latest event the data record ({_day(latest):%Y-%m-%d}): no event in "
                                           f"more than {STRAY_EVENT_GAP_DAYS} days, and the months between would "
                                           "show as zeros; give the day the extract was taken", value=extract_date)])
    elif recorded is not None:
        day, how = pd.Timestamp(recorded).normalize(), "end_date"
    else:
        if latest is None:
            _check_has_data(ds)
            raise ValidationError([Problem("requests", "received_date", "no request or episode has a date to "
                                           "report on (and meta has no end_date)")])
        day = _day(latest)
        how = "latest event, stray dates left out" if left_out else "latest event"
    cut = int(np.datetime64(day.date(), "D").astype(np.int64))
    after = {key: int((d > cut).sum()) for key, d in events.items() if (d > cut).any()}
    out = ExtractEnd(day=day, how=how, after=after, left_out=list(left_out),
                     latest=None if latest is None else _day(latest))
    if warn:
        _warn_rows_after(out, events)
    return out


def _warn_rows_after(ext: ExtractEnd, events: Dict[str, np.ndarray]) -> None:
    """A :class:`~earlyhelp.measures.StrayDatesWarning` naming the rows dated after the extract's end."""
    if not ext.after:
        return
    import warnings

    from ..measures import StrayDatesWarning

    where = "; ".join(f"{key}: {n:,} row(s), the latest {_day(events[key].max()):%Y-%m-%d}"
                      for key, n in ext.after.items())
    why = (f"left out in taking the extract's end from its events ({'; '.join(ext.left_out)})"
           if ext.how.startswith("latest event") else f"after the extract's end ({ext.how})")
    warnings.warn(f"rows dated after {ext.day:%Y-%m-%d}, {why}, are in no month of the pack: {where}. Correct the "
                  "dates, or state the extract's date (report.extract_date)", StrayDatesWarning, stacklevel=4)


def _working_days_between(first: pd.Timestamp, last: pd.Timestamp) -> int:
    """Weekdays after ``first`` up to and including ``last`` (0 when ``last`` is not after it)."""
    if last <= first:
        return 0
    return int(np.busday_count((first + pd.Timedelta(days=1)).date(), (last + pd.Timedelta(days=1)).date()))


def pack_extract_end(ds, end: Optional[str] = None, extract_date: Optional[Any] = None, *,
                     warn: bool = False) -> ExtractEnd:
    """:func:`extract_end`, with an ``end`` that only a weekend (and at most one more day, a bank
    holiday) separates from the latest event taken as the extract's end: the analyst asking for
    August of an extract whose last event is Friday 30 August says the extract is whole to the 31st.

    Parameters
    ----------
    ds : Dataset
        the council's data.
    end : str, optional
        the pack's ``report.end``.
    extract_date : date-like, optional
        the extract's date, as stated.
    warn : bool, default False
        as :func:`extract_end`.

    Returns
    -------
    ExtractEnd
    """
    ext = extract_end(ds, extract_date)
    if end and ext.how.startswith("latest event"):
        given = pd.Timestamp(end).normalize()
        same_month = given.to_period("M") == ext.day.to_period("M")
        if given > ext.day and same_month and _working_days_between(ext.day, given) <= 1 \
                and _extract_date_problem(given) is None:
            taken = extract_end(ds, given)
            ext = ExtractEnd(day=taken.day, how="report.end", after=taken.after, left_out=ext.left_out,
                             latest=ext.latest)
    if warn:
        _warn_rows_after(ext, _event_days(ds))
    return ext


def _data_range(ds, ext: ExtractEnd) -> Tuple[Optional[pd.Timestamp], pd.Timestamp]:
    """The first and last dates the data cover: ``meta['window_start']`` (else the first request
    or episode) and the extract's end."""
    first = ds.meta.get("window_start")
    if first is None:
        dates = [ds.requests["received_date"].min(), ds.episodes["start_date"].min()]
        dates = [d for d in dates if pd.notna(d)]
        first = min(dates) if dates else None
    return (None if first is None else pd.Timestamp(first).normalize()), ext.day


def _check_end(ds, end: Optional[str], month_end: pd.Timestamp, ext: ExtractEnd) -> None:
    """A pack ending after the extract, or whose last month ends before the data, would hold no figures.

    Raises
    ------
    ValidationError
        naming ``report.end``, the value given and the data's dates.
    """

    if not end:
        return
    first, last = _data_range(ds, ext)
    given = pd.Timestamp(end)
    if given.tzinfo is not None:
        raise ValidationError([Problem("report", "end", "must be a date without a time zone", value=end)])
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first is not None else f"up to {last:%Y-%m-%d}"
    if given.normalize() > last:
        what = {"stated": "the extract_date stated", "end_date": "the end date the data record",
                "report.end": "report.end"}.get(ext.how, "the latest event recorded")
        why = (f"is after the end of the data ({last:%Y-%m-%d}, {what}): the data cover {span}, and the pack's "
               "months after the data's last date would be empty")
        if ext.how.startswith("latest event"):
            why += (f". If the extract is complete to {given:%Y-%m-%d}, say so: extract_date = {given:%Y-%m-%d} "
                    "(report.extract_date)")
    elif first is not None and month_end < first:
        why = (f"leaves no whole month within the data: the data cover {span} and the pack's last month would "
               f"end on {month_end:%Y-%m-%d}")
    else:
        return
    raise ValidationError([Problem("report", "end", why, value=end)])


def last_month_end(ds, end: Optional[str], extract_date: Optional[Any] = None,
                   ext: Optional[ExtractEnd] = None) -> pd.Timestamp:
    """The end of the pack's last month: a complete month only, so an extract taken mid-month
    reports up to the month before.

    Parameters
    ----------
    ds : Dataset
        the council's data.
    end : str, optional
        the pack's ``report.end`` (default: the extract's end, :func:`pack_extract_end`).
    extract_date : date-like, optional
        the day the extract is complete to, as stated (``report.extract_date``).
    ext : ExtractEnd, optional
        the extract's end, when already found.

    Returns
    -------
    Timestamp
        the last day of the pack's last month.
    """
    if ext is None:
        ext = pack_extract_end(ds, end, extract_date)
    last = pd.Timestamp(end).normalize() if end else ext.day
    month_end = last + pd.offsets.MonthEnd(0)
    if last.normalize() != month_end.normalize():
        month_end = last - pd.offsets.MonthEnd(1)
    return month_end


def pack_window(ds, options: "PackOptions", *, warn: bool = False) -> Tuple[pd.Timestamp, ExtractEnd]:
    """The end of the pack's last month and the extract's end, ``options.end`` checked against it
    (the pack and the command line check it alike).

    Parameters
    ----------
    ds : Dataset
        the council's data.
    options : PackOptions
        the pack's ``end`` and ``extract_date``.
    warn : bool, default False
        warn of rows after the extract's end, and of a month left out by a weekend.

    Returns
    -------
    (Timestamp, ExtractEnd)

    Raises
    ------
    ValidationError
        ``end`` after the extract's end, or before the data; a stated ``extract_date`` that
        cannot be.
    """
    ext = pack_extract_end(ds, options.end, options.extract_date, warn=warn)
    month_end = last_month_end(ds, options.end, ext=ext)
    _check_end(ds, options.end, month_end, ext)
    if warn and not options.end and ext.how.startswith("latest event"):
        whole = ext.day + pd.offsets.MonthEnd(0)
        if whole.normalize() != ext.day and _working_days_between(ext.day, whole) <= 1:
            import warnings

            warnings.warn(f"{whole:%Y-%m} is left out of the pack: the latest event the data record is on "
                          f"{ext.day:%A %d %B %Y}, and the extract's date is not known, so the month is taken as not "
                          f"whole. If the extract is complete to {whole:%Y-%m-%d} (nothing is recorded at the "
                          f"weekend), state it: extract_date = {whole:%Y-%m-%d} (report.extract_date, or "
                          "PackOptions.extract_date)", MonthLeftOutWarning, stacklevel=3)
    return month_end, ext


def _with_end_date(ds, day: pd.Timestamp):
    """``ds`` whose ``meta['end_date']`` is ``day``: the measures then take the months as the pack does."""
    if ds.meta.get("end_date") is not None and pd.Timestamp(ds.meta["end_date"]).normalize() == day:
        return ds
    out = ds.replace()
    out.meta["end_date"] = day
    return out


def _empty_last_months(ds, first_shown: pd.Timestamp, month_end: pd.Timestamp) -> List[str]:
    """The pack's last months (``YYYY-MM``) in which no table records an event."""
    days = _event_days(ds)
    if not days:
        return []
    seen = set(np.unique(np.concatenate(list(days.values())).astype("datetime64[D]").astype("datetime64[M]")
                         .astype(str)))
    out = []
    for period in reversed(pd.period_range(first_shown, month_end, freq="M")):
        if str(period) in seen:
            break
        out.append(str(period))
    return out[::-1]


def _council_name(ds) -> str:
    from ..data.names import council_name

    return council_name(ds.localities)


def council_code(ds) -> Any:
    """The council's code, the key its runs are matched by in an output folder
    (:func:`~earlyhelp.report.ledger.earlier_runs`): the ``council_code`` of its localities (a
    sorted list for a dataset of several councils; None where none is recorded).

    Parameters
    ----------
    ds : Dataset
        the council's data.

    Returns
    -------
    str, list of str or None
    """
    from .ledger import council_key

    loc = ds.localities
    key = council_key(list(loc["council_code"].dropna().astype(str))) if "council_code" in loc.columns else None
    return None if key is None else key[0] if len(key) == 1 else list(key)


def _check_locality_labels(ds, by_loc: pd.DataFrame) -> None:
    """A locality shown under the council total's label would be a second council total: refused.

    Raises
    ------
    ValidationError
        naming the ``localities`` rows whose name is the council total's label.
    """

    if not len(by_loc) or not (by_loc["locality"].astype(str) == ALL).any():
        return
    loc = ds.localities
    names = loc["name"].astype(str).str.strip() if "name" in loc.columns else pd.Series("", index=loc.index)
    clash = loc[(names == ALL) | (loc["locality_id"].astype(str) == ALL)]
    raise ValidationError([Problem(
        "localities", "name", f"a locality may not be named {ALL!r}: the pack shows the council total under that "
        "name, and the two could not be told apart; rename the locality",
        rows=list(clash["locality_id"].astype(str))[:10], n_rows=max(len(clash), 1), value=ALL)])


def _check_distinct_localities(ds) -> None:
    """Localities whose names a reader could not tell apart (the same name twice, or names that
    differ only in case, spacing or punctuation) are refused: the pack would merge the first into
    one row, and a spreadsheet's filters and lookups (which ignore case) the second.

    Raises
    ------
    ValidationError
        naming both (or all) names and the ``localities`` rows (their ids).
    """
    from ..data.names import indistinct_names, locality_names, name_key

    labels = locality_names(ds.localities)
    problems = []
    for group in indistinct_names(labels):
        shown = " and ".join(repr(name) for _, name in group)
        problems.append(Problem(
            "localities", "name", f"the localities named {shown} could not be told apart in the pack (their names "
            "differ at most in case, spacing or punctuation): give each a distinct name, or give them one "
            "locality_id if they are one place", rows=[uid for uid, _ in group][:10], n_rows=len(group),
            value=group[0][1]))
    like_all = [uid for uid, name in labels.items() if name_key(name) == name_key(ALL) and str(name) != ALL]
    if like_all:
        problems.append(Problem(
            "localities", "name", f"a locality may not be named like {ALL!r}: the pack shows the council total under "
            "that name, and the two could not be told apart; rename the locality",
            rows=[str(u) for u in like_all][:10], n_rows=len(like_all), value=labels[like_all[0]]))
    if problems:
        raise ValidationError(problems)


@in_one_blas_thread
def build_pack(ds, options: Optional[PackOptions] = None,
               earlier: Sequence[Tuple[pd.DataFrame, pd.DataFrame]] = ()) -> Pack:
    """Compute and suppress everything the pack publishes (nothing is written).

    Parameters
    ----------
    ds : Dataset
        the council's data.
    options : PackOptions, optional
        what goes in the pack.
    earlier : sequence of (DataFrame, DataFrame)
        the published ``measures_monthly`` and ``measures_localities_12m`` tables (as text, with
        ``"c"``) of the council's earlier packs (:func:`~earlyhelp.report.ledger.earlier_runs`): what they showed is
        known, what they hid stays hidden, and no hidden count of theirs or of this pack can be
        worked out from all of them together.

    Returns
    -------
    Pack

    Raises
    ------
    ValidationError
        ``end`` lies outside the data's dates, the data hold no requests or episodes, or two
        localities' names could not be told apart.
    """
    import warnings

    from .. import measures as M
    from ..measures import spc

    opt = options or PackOptions()
    chosen = M.engine.resolve_measures(opt.measures)
    ids = [m.id for m in chosen]
    _check_has_data(ds)
    _check_distinct_localities(ds)
    month_end, ext = pack_window(ds, opt, warn=True)
    # the measures take the months as the pack does: a stated extract date makes its month whole,
    # and a stray date left out here does not make the months before it look mature
    ds = _with_end_date(ds, ext.day)
    first_shown = (month_end - pd.offsets.MonthBegin(1)).normalize() - pd.DateOffset(months=opt.months - 1)
    empty = _empty_last_months(ds, first_shown, month_end)
    if empty:
        warnings.warn(f"the pack's last month{'s' if len(empty) > 1 else ''} ({', '.join(empty)}) hold{'' if len(empty) > 1 else 's'} "
                      f"no event in any table: the extract's end ({ext.day:%Y-%m-%d}, {ext.how}) lies after its data, "
                      "and the months after the latest event show zeros; give the day the extract was taken "
                      "(report.extract_date) or an earlier report.end", EmptyMonthsWarning, stacklevel=2)
    first = first_shown - pd.DateOffset(months=12)          # a year more for the year-on-year change
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", M.MeasuresBlockedWarning)
        council = M.compute(ds, ids, period="month", start=first, end=month_end)
        by_loc = M.compute(ds, ids, period="month", by="locality", start=first, end=month_end)
        rolling = M.compute(ds, ids, period="rolling_12m", by="locality", start=month_end - pd.DateOffset(months=11),
                            end=month_end)
        rolling_all = M.compute(ds, ids, period="rolling_12m", start=month_end - pd.DateOffset(months=11), end=month_end)
    _check_locality_labels(ds, by_loc)
    blocked = dict(council.attrs.get("blocked", {}))
    assumed = _assumed_shown(council.attrs, opt.threshold)
    kinds = {m.id: m.kind for m in chosen}
    monthly = pd.concat([council.assign(locality=ALL), by_loc], ignore_index=True)
    monthly["locality"] = monthly["locality"].astype(str)
    monthly["measure"] = monthly["measure"].astype(str)
    monthly_raw = monthly
    last_label = f"12 months to {month_end.strftime('%Y-%m')}"
    loc12 = pd.concat([rolling_all.assign(locality=ALL), rolling], ignore_index=True)
    loc12 = loc12[loc12["period"] == last_label].copy()
    loc12["locality"] = loc12["locality"].astype(str)
    loc12["measure"] = loc12["measure"].astype(str)
    loc12_raw = loc12
    # one count in several measures, measures that add up to another: found in the data
    links = _linked_series(monthly_raw, loc12_raw, kinds)
    monthly, counts = _suppress_long(monthly, kinds, opt.threshold, keys=("measure", "period"))
    before = published_cells(earlier, counts=[m for m, k in kinds.items() if k in ("count", "stock")])
    # a month an earlier pack withheld as the previous of a month it showed stays hidden
    before = _previous_withheld_before(before, earlier, monthly_raw, first_shown)
    # the lead-in year is published too, as the ``previous`` figures of the year after it
    # one budget for the whole pack's bounds audit, drawn on in the same order on every machine
    audit = AuditBudget(opt.audit_budget)
    _across_measures(monthly, None, monthly_raw, None, links, opt.threshold, counts, before=before, audit=audit)
    loc12, counts12 = _suppress_long(loc12, kinds, opt.threshold, keys=("measure",))
    not_audited: List[Dict[str, str]] = []
    counts12 = _year_against_months(monthly, loc12, monthly_raw, loc12_raw, kinds, opt.threshold, month_end,
                                    counts12, not_audited, audit=audit)
    # the lead-in year stays in until every cell is hidden: a stock's month before the first one
    # shown (published as a ``previous``) and the flows link it to the cells hidden here
    _across_measures(monthly, loc12, monthly_raw, loc12_raw, links, opt.threshold, counts12, month_end=month_end,
                     not_audited=not_audited, before=before, audit=audit)
    # each round hides one cell at least, so the rounds end; in practice one or two
    while earlier and _against_earlier_packs(monthly, loc12, monthly_raw, loc12_raw, kinds, opt.threshold, before,
                                             counts12, not_audited):
        counts12 = _year_against_months(monthly, loc12, monthly_raw, loc12_raw, kinds, opt.threshold, month_end,
                                        counts12, not_audited, audit=audit)
        _across_measures(monthly, loc12, monthly_raw, loc12_raw, links, opt.threshold, counts12,
                         month_end=month_end, not_audited=not_audited, before=before, audit=audit)
    _withhold_previous_withheld_before(monthly, earlier)
    not_audited = [dict(t) for t in dict.fromkeys(tuple(sorted(d.items())) for d in not_audited)]
    if not_audited:
        warnings.warn(f"{len(not_audited)} hidden cells of the pack were not proven safe (see "
                      "Pack.not_audited and run.json)", UserWarning, stacklevel=2)
    if audit.fallback_hidden:
        warnings.warn(f"the bounds audit could not cover every hidden cell (report.audit_budget = {audit.solves:,} "
                      f"linear and integer programmes{', used up' if audit.exhausted else ''}): "
                      f"{audit.fallback_hidden:,} more cells hidden, every cell linked to one it did not "
                      "audit (see run.json suppression.audit)", UserWarning, stacklevel=2)
    monthly = monthly[monthly["period_start"] >= first_shown].reset_index(drop=True)
    for mid, c in counts12.items():
        for k, v in c.items():
            counts.setdefault(mid, {}).setdefault(k, 0)
            counts[mid][k] += v
    charts: Dict[str, pd.DataFrame] = {}
    rows = []
    cat = M.catalogue().set_index("id")
    for m in chosen:
        if m.id in blocked:
            continue
        council_rows = monthly[(monthly["measure"] == m.id) & (monthly["locality"] == ALL)].set_index("period")
        # a month the data begin within, or whose look-back reaches before the data, is not whole:
        # charted, it would count in the limits and stand out as a special cause that is only missing data
        whole = council_rows["complete"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
            if "complete" in council_rows else np.ones(len(council_rows), dtype=bool)
        s = pd.to_numeric(council_rows["value"], errors="coerce").where(whole)
        cps = [p for p in opt.change_points.get(m.id, ()) if p in s.index]
        chart = spc.xmr(s, change_points=cps or None)
        charts[m.id] = chart
        target = opt.targets.get(m.id, m.targets.get("target"))
        latest = chart.dropna(subset=["value"]).tail(1)
        icons_read = spc.variation_period(chart)
        # the latest month with a figure (a hidden one counts): a survey answered each November
        # has no figure in the months between, and its tile showed nothing
        in_council = monthly[(monthly["measure"] == m.id) & (monthly["locality"] == ALL)]
        has_figure = in_council["value"].notna() | (in_council["value_status"] == SUPPRESSED)
        row_all = (in_council[has_figure] if has_figure.any() else in_council).tail(1)
        rows.append(dict(
            measure=m.id, title=m.title, theme=m.theme, kind=m.kind, direction=m.direction,
            latest_period=str(row_all["period"].iloc[0]) if len(row_all) else "",
            # a month not yet whole, or within its measure's maturity window: later records can change it
            latest_complete=bool(row_all["complete"].astype("boolean").fillna(False).iloc[0])
            if len(row_all) and "complete" in row_all else True,
            latest=row_all["value"].iloc[0] if len(row_all) else np.nan,
            latest_status=row_all["value_status"].iloc[0] if len(row_all) else "",
            previous=row_all["previous"].iloc[0] if len(row_all) else np.nan,
            change_significant=row_all["change_significant"].iloc[0] if len(row_all) else pd.NA,
            centre=float(latest["centre"].iloc[0]) if len(latest) else np.nan,
            lower=float(latest["lower"].iloc[0]) if len(latest) else np.nan,
            upper=float(latest["upper"].iloc[0]) if len(latest) else np.nan,
            provisional=bool(latest["provisional"].iloc[0]) if len(latest) else True,
            # no month of the chart has a value: nothing to read, which "common cause" would misstate;
            # whole months hidden by suppression are said to be hidden, not incomplete
            variation=spc.variation(chart, m.direction) or (
                "every_month_hidden" if (whole & (council_rows["value_status"] == SUPPRESSED).to_numpy()).any()
                else "no_complete_period"),
            # the month the icons read: the latest published one, earlier than the tile's when that is hidden
            variation_period="" if icons_read is None else str(icons_read),
            assurance=spc.assurance(chart, target, m.direction),
            target=np.nan if target is None else float(target),
            points=int(chart["value"].notna().sum()), incomplete=int((~whole).sum()), unit=cat.loc[m.id, "unit"]))
    summary = pd.DataFrame(rows)
    funnels = _funnels(loc12, kinds)
    return Pack(monthly=monthly, localities=loc12.reset_index(drop=True), summary=summary, charts=charts,
                funnels=funnels, catalogue=M.catalogue()[lambda c: c["id"].isin(ids)].reset_index(drop=True),
                blocked=blocked, suppression=counts,
                window={"first_month": first_shown.strftime("%Y-%m"), "last_month": month_end.strftime("%Y-%m")},
                council=_council_name(ds), assumed=assumed, not_audited=not_audited, audit=audit.record(),
                extract=_extract_record(ext, opt.threshold))


#: the figures built on the same period a year before
_YEAR_BEFORE = ("previous", "change", "change_p", "change_significant")


def _withheld_previous(earlier: Sequence[Tuple[pd.DataFrame, pd.DataFrame]]) -> List[pd.DataFrame]:
    """Per earlier pack, its months (``measure``, ``period``, ``locality``) whose count it showed
    beside a blank ``previous``: the same month a year before was hidden there (or had no
    figure; a pack cannot tell them apart, and takes it as hidden)."""
    out = []
    for monthly, _ in earlier:
        if "previous" not in monthly.columns or "span" in monthly.columns:   # a forecast's: no previous
            out.append(monthly.iloc[:0][["measure", "period", "locality"]])
            continue
        shown = pd.to_numeric(monthly["numerator"].astype(str).str.replace(",", "", regex=False),
                              errors="coerce").notna()
        blank = monthly["previous"].astype(str).str.strip() == ""
        out.append(monthly.loc[shown & blank, ["measure", "period", "locality"]].astype(str))
    return out


def _previous_withheld_before(before: pd.DataFrame, earlier: Sequence[Tuple[pd.DataFrame, pd.DataFrame]],
                              monthly_raw: pd.DataFrame, first_shown: pd.Timestamp) -> pd.DataFrame:
    """``before`` (:func:`~earlyhelp.report.ledger.published_cells`) with the months a year before
    that an earlier pack withheld as a ``previous`` (``_withheld_previous``) as hidden counts,
    where this pack shows them as months (from ``first_shown``: a pack of more months than the
    earlier one) and has a figure there: they stay hidden. In this pack's lead-in year (published
    only as ``previous``) the figures built on them are withheld instead
    (``_withhold_previous_withheld_before``): hiding them there too moves the pack's other
    hidden cells for nothing, at many times the audit's work."""
    if not len(earlier):
        return before
    raw = monthly_raw[pd.to_numeric(monthly_raw["previous"], errors="coerce").notna()]
    known = set(zip(raw["measure"].astype(str), raw["period"].astype(str), raw["locality"].astype(str)))
    parts = []
    for pack, rows in enumerate(_withheld_previous(earlier)):
        rows = rows[[k in known for k in zip(rows["measure"], rows["period"], rows["locality"])]]
        if not len(rows):
            continue
        year_before = pd.PeriodIndex(rows["period"], freq="M") - 12
        shown = np.asarray(year_before >= pd.Period(first_shown, freq="M"))
        if not shown.any():
            continue
        rows, year_before = rows[shown], year_before[shown].astype(str)
        parts.append(pd.DataFrame({"pack": pack, "table": "m", "measure": rows["measure"].to_numpy(),
                                   "period": np.asarray(year_before), "locality": rows["locality"].to_numpy(),
                                   "column": "numerator", "shown": False, "hidden": True, "value": np.nan}))
    if not parts:
        return before
    return pd.concat([before, _under_every_name(pd.concat(parts, ignore_index=True))], ignore_index=True)


def _withhold_previous_withheld_before(monthly: pd.DataFrame,
                                       earlier: Sequence[Tuple[pd.DataFrame, pd.DataFrame]]) -> None:
    """Withhold, in place, the figures built on the month a year before (``_YEAR_BEFORE``) of
    the months whose ``previous`` an earlier pack left blank (``_withheld_previous``), whatever
    this pack hid: of a measure the ledger does not audit (a ratio, a median) too."""
    if not len(earlier) or monthly.empty:
        return
    withheld = pd.concat(_withheld_previous(earlier), ignore_index=True)
    if not len(withheld):
        return
    keys = set(zip(withheld["measure"], withheld["period"], withheld["locality"]))
    gone = np.fromiter((k in keys for k in zip(monthly["measure"].astype(str), monthly["period"].astype(str),
                                               monthly["locality"].astype(str))), dtype=bool, count=len(monthly))
    if not gone.any():
        return
    for c in _YEAR_BEFORE:
        if c not in monthly.columns:
            continue
        if c == "change_significant":
            monthly[c] = monthly[c].astype("boolean").where(~gone, pd.NA)
        else:
            monthly[c] = pd.to_numeric(monthly[c], errors="coerce").where(~gone, np.nan)


def _extract_record(ext: ExtractEnd, threshold: int) -> Dict[str, Any]:
    """The extract's end as run.json publishes it: the day, how it was found, and the rows dated
    after it (per ``table.column``; a count of 1..threshold as ``c``, as the tables show it)."""
    from .suppression import shown_count

    out: Dict[str, Any] = {"extract_end": ext.day.strftime("%Y-%m-%d"), "extract_end_from": ext.how}
    if ext.after:
        out["after_extract_end"] = {k: shown_count(n, threshold) for k, n in ext.after.items()}
    return out


def _assumed_shown(attrs: Mapping[str, Any], threshold: int) -> Dict[str, str]:
    """What the measures assumed for values not recorded, as the pack publishes it (run.json, the
    dashboard): a count of requests (people or cases) of 1..threshold is ``c``, as in the tables."""
    from ..measures.sources import ASSUMED, assumed_note
    from .suppression import shown_count

    out = dict(attrs.get("assumed", {}))
    for key, rows in attrs.get("unrecorded", {}).items():
        if key in ASSUMED:
            out[key] = assumed_note(key, shown_count(rows, threshold) if ASSUMED[key][2] else f"{rows:,}")
    return out


def _suppress_long(frame: pd.DataFrame, kinds: Dict[str, str], threshold: int, keys: Sequence[str]):
    """Hide small counts across localities and the council total, then what derives from them.

    Each (measure, period) is one additive relation: the council total is the sum of its
    localities (a family lives in one locality). Relations share no cell, so all are suppressed
    at once (:func:`_one_relation_each`). Rows come back grouped by measure (in order of first
    appearance), each measure's rows in their original order.
    """
    if frame.empty:
        return frame, {}
    mcodes, mids = pd.factorize(frame["measure"], sort=False)
    frame = frame.iloc[np.argsort(mcodes, kind="stable")].reset_index(drop=True)
    mcodes = np.sort(mcodes, kind="stable")
    group = mcodes.astype(np.int64)
    for k in keys:
        if k != "measure":
            kc = pd.factorize(frame[k], sort=False)[0].astype(np.int64)
            group = group * (int(kc.max()) + 1) + kc
    group = pd.factorize(group, sort=False)[0]
    is_total = (frame["locality"] == ALL).to_numpy(dtype=bool)
    proportion = np.array([kinds.get(m, "count") == "proportion" for m in mids])[mcodes]
    status = {}
    small_rest = _small_complement(frame, proportion, threshold)
    for c in COUNT_COLUMNS:
        v = np.nan_to_num(np.round(pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)),
                          nan=0.0)
        forced = small_rest if c == "numerator" else None
        primary, secondary = _one_relation_each(v, group, is_total, threshold, frame["measure"], forced)
        use = np.ones(len(frame), dtype=bool) if c == "numerator" else proportion
        status[c] = (primary | secondary) & use
        if c == "numerator":
            n_primary = np.bincount(mcodes, weights=primary, minlength=len(mids))
            n_secondary = np.bincount(mcodes, weights=secondary, minlength=len(mids))
    counts = {str(m): {"primary": int(n_primary[i]), "secondary": int(n_secondary[i])} for i, m in enumerate(mids)}
    _hide(frame, status)
    return frame, counts


def _hide(frame: pd.DataFrame, status: Mapping[str, np.ndarray]) -> None:
    """Hide the count cells in ``status`` (per count column) and every figure built on them, in place."""
    hidden = np.zeros(len(frame), dtype=bool)
    for c in COUNT_COLUMNS:
        h = status[c]
        frame[c] = pd.to_numeric(frame[c], errors="coerce").where(~h, np.nan)
        frame[f"{c}_status"] = np.where(h, SUPPRESSED, "")
        hidden |= h
    frame["value_status"] = np.where(hidden, SUPPRESSED, "")
    for c in DERIVED:
        frame[c] = frame[c].where(~hidden, np.nan)
    if "period_start" in frame.columns:
        # the same period a year before: hidden there -> previous and change hidden here
        mcodes = pd.factorize(frame["measure"], sort=False)[0]
        gone = hidden | _hidden_year_before(frame, mcodes, hidden)
        for c in ("previous", "change", "change_p"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").where(~gone, np.nan)
        frame["change_significant"] = frame["change_significant"].astype("boolean").where(~gone, pd.NA)


def _small_complement(frame: pd.DataFrame, proportion: np.ndarray, threshold: int) -> np.ndarray:
    """Rows of a proportion whose numerator gives a small count away (:func:`~earlyhelp.report.publish.small_complement`)."""
    num = pd.to_numeric(frame["numerator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    den = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return proportion & small_complement(num, den, threshold)


def _one_relation_each(v: np.ndarray, group: np.ndarray, is_total: np.ndarray, threshold: int, measure,
                       forced: Optional[np.ndarray] = None):
    """Primary and secondary suppression where each group is one relation ``total = sum(parts)``.

    The rule of :func:`earlyhelp.report.suppression.suppress_cells`, vectorised: counts
    1..threshold are hidden, and the ``forced`` cells (a small complement); a relation with
    exactly one hidden cell hides one more (a part before the total, non-zero before zero, the
    smallest, the first). With one relation and two hidden cells no hidden cell is determined,
    so nothing more is needed.
    """
    n_groups = int(group.max()) + 1
    n_total = np.bincount(group, weights=is_total, minlength=n_groups)
    if (n_total > 1).any():
        bad = np.flatnonzero(n_total > 1)[0]
        raise ValueError(f"{measure.to_numpy()[np.flatnonzero(group == bad)[0]]}: more than one council total "
                         "in a period")
    n_parts = np.bincount(group, weights=~is_total, minlength=n_groups)
    primary = (v >= 1) & (v <= threshold)
    if forced is not None:
        primary = primary | forced
    n_hidden = np.bincount(group, weights=primary, minlength=n_groups)
    lone = (n_total == 1) & (n_parts >= 1) & (n_hidden == 1)
    cand = np.flatnonzero(~primary & lone[group])
    order = np.lexsort((cand, v[cand], v[cand] == 0, is_total[cand], group[cand]))
    picked = cand[order]
    first = np.r_[True, group[picked][1:] != group[picked][:-1]] if len(picked) else np.zeros(0, dtype=bool)
    secondary = np.zeros(len(v), dtype=bool)
    secondary[picked[first]] = True
    return primary, secondary


def _unaudited_place(frame: pd.DataFrame, row: int, column: str, why: str) -> Dict[str, str]:
    """Where a hidden cell the bounds audit did not cover is published: for ``run.json``."""
    period = str(frame["period"].iat[row])
    # both tables have period_start: the 12-month table's periods are named "12 months to ..."
    table = "measures_localities_12m" if period.startswith("12 months to") else "measures_monthly"
    return {"table": table, "measure": str(frame["measure"].iat[row]), "period": period,
            "locality": str(frame["locality"].iat[row]), "column": column, "why": why}


def _year_against_months(monthly: pd.DataFrame, loc12: pd.DataFrame, monthly_raw: pd.DataFrame,
                         loc12_raw: pd.DataFrame, kinds: Dict[str, str], threshold: int, month_end: pd.Timestamp,
                         counts12: Dict[str, Dict[str, int]],
                         not_audited: Optional[List[Dict[str, str]]] = None,
                         audit: Optional[AuditBudget] = None) -> Dict[str, Dict[str, int]]:
    """Hide more cells so the 12-month table and the months it covers reveal no hidden count together.

    A locality's 12-month figure of a flow is the sum of its twelve monthly figures (of a stock, its
    last month's figure): beside eleven published months it would give the twelfth away. Per measure
    and count column, the monthly cells of the last twelve months and the 12-month cells are audited
    as one table (months by locality, with the council and 12-month totals), starting from the cells
    both tables already hide. Both frames are changed in place; returns ``counts12`` with the cells
    hidden here added as secondary suppressions; ``not_audited`` gets the hidden cells not proven
    safe (:func:`_unaudited_place`). ``audit``: the pack's budget for the bounds audit.
    """
    if monthly.empty or loc12.empty:
        return counts12
    in_year = ((monthly["period_start"] > month_end - pd.DateOffset(months=12))
               & (monthly["period_start"] <= month_end)).to_numpy()
    raw_m = _raw_counts(monthly_raw, ("measure", "period", "locality"), monthly)
    raw_y = _raw_counts(loc12_raw, ("measure", "locality"), loc12)
    # copies: pandas 3 hands out read-only views
    status_m = {c: (monthly[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool, copy=True) for c in COUNT_COLUMNS}
    status_y = {c: (loc12[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool, copy=True) for c in COUNT_COLUMNS}
    added = False
    for mid in pd.unique(loc12["measure"]):
        rows_m = np.flatnonzero(in_year & (monthly["measure"] == mid).to_numpy())
        rows_y = np.flatnonzero((loc12["measure"] == mid).to_numpy())
        kind = kinds.get(mid, "count")
        relations = _year_relations(monthly.iloc[rows_m], loc12.iloc[rows_y], flow=kind in ("count", "proportion"))
        for c in COUNT_COLUMNS:
            if c == "denominator" and kind != "proportion":
                continue
            values = np.round(np.nan_to_num(np.r_[raw_m[c][rows_m], raw_y[c][rows_y]], nan=0.0))
            seed = np.r_[status_m[c][rows_m], status_y[c][rows_y]]
            hidden, skipped = _suppress_related(values, relations, threshold, seed, audit=audit)
            if not_audited is not None:
                for k, why in skipped.items():
                    frame, row = (monthly, rows_m[k]) if k < len(rows_m) else (loc12, rows_y[k - len(rows_m)])
                    not_audited.append(_unaudited_place(frame, row, c, why))
            new = hidden & ~seed
            if not new.any():
                continue
            added = True
            status_m[c][rows_m[new[:len(rows_m)]]] = True
            status_y[c][rows_y[new[len(rows_m):]]] = True
            if c == "numerator":
                counts12.setdefault(str(mid), {"primary": 0, "secondary": 0})
                counts12[str(mid)]["secondary"] += int(new.sum())
    if added:
        _hide(monthly, status_m)
        _hide(loc12, status_y)
    return counts12


def _against_earlier_packs(monthly: pd.DataFrame, loc12: pd.DataFrame, monthly_raw: pd.DataFrame,
                           loc12_raw: pd.DataFrame, kinds: Dict[str, str], threshold: int,
                           before: pd.DataFrame, counts: Dict[str, Dict[str, int]],
                           not_audited: List[Dict[str, str]]) -> bool:
    """Hide more of this pack's cells so that, read with the council's earlier packs, no count any
    of them hid can be worked out; in place; whether a cell was hidden.

    Two 12-month figures a month apart differ by a month less the same month a year before, and
    a cell hidden beside a small one in one pack can be shown by the next (the cells hidden
    secondarily move with the months shown): the February and March packs of a synthetic
    council, read together, gave 47 hidden counts back. So, per measure and count column, every
    month and 12-month figure of this pack and the earlier ones is one table: a cell an earlier
    pack showed is known (never hidden here, unless small now); a cell any pack hid stays hidden
    here; per month and per 12-month period the council is the sum of its localities, and a
    locality's 12-month figure the sum of its twelve months (a stock: its last). Hidden cells
    that linear algebra works out get more cells hidden (:func:`suppress_cells`, without the
    bounds audit, which :func:`_year_against_months` and :func:`_across_measures` run on this
    pack's own relations). A hidden count the earlier packs already give away, which nothing
    here can cover, goes to ``not_audited`` with where it was published. ``before``: the earlier
    packs' cells (:func:`~earlyhelp.report.ledger.published_cells`).
    """
    now = _pack_cells(monthly, loc12, monthly_raw, loc12_raw)
    status = {("m", c): (monthly[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool, copy=True) for c in COUNT_COLUMNS}
    status.update({("y", c): (loc12[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool, copy=True)
                   for c in COUNT_COLUMNS})
    added = False
    earlier_series = dict(tuple(before.groupby(["measure", "column"], sort=False)))
    for (mid, c), cur in now.groupby(["measure", "column"], sort=False):
        kind = kinds.get(mid, "count")
        if (c == "denominator" and kind != "proportion") or kind == "ratio":
            continue
        old_rows = earlier_series.get((mid, c), before.iloc[:0])
        old = old_rows.groupby(["table", "period", "locality"], sort=False).agg(shown=("shown", "any"),
                                                                          hid=("hidden", "any"),
                                                                          value=("value", "max")).reset_index()
        cells = cur.merge(old, on=["table", "period", "locality"], how="outer", validate="one_to_one")
        current = cells["row"].notna().to_numpy()
        hid_before, hid_now = cells["hid"].eq(True).to_numpy(), cells["hidden_now"].eq(True).to_numpy()
        if not (hid_before | hid_now).any():
            continue
        value = np.where(current, cells["raw"].to_numpy(dtype=float, na_value=0.0),
                         cells["value"].to_numpy(dtype=float, na_value=0.0))
        value = np.round(np.nan_to_num(value, nan=0.0))
        # a cell an earlier pack showed is known, even where it is small now (a threshold raised
        # since): hidden here as well, it still protects nothing
        published = cells["shown"].eq(True).to_numpy()
        seed = (hid_before | hid_now) & ~published
        relations = []
        for members in _same_localities(cells, old_rows):
            relations += _pack_relations(cells[members], flow=kind in ("count", "proportion"))
        relations = list(dict.fromkeys(relations))
        if not relations:
            continue
        hidden, skipped = _suppress_related(value, relations, threshold, seed, published, lp_audit=False)
        for k, why in skipped.items():
            cell = cells.iloc[k]
            table = "measures_monthly" if cell["table"] == "m" else "measures_localities_12m"
            not_audited.append({"table": table if current[k] else f"{table} of an earlier pack",
                                "measure": str(mid), "period": str(cell["period"]), "locality": str(cell["locality"]),
                                "column": c, "why": why})
        new = hidden & current & ~hid_now
        if not new.any():
            continue
        added = True
        for tag in ("m", "y"):
            rows = cells.loc[new & (cells["table"] == tag).to_numpy(), "row"].to_numpy(dtype=np.int64)
            status[(tag, c)][rows] = True
        if c == "numerator":
            counts.setdefault(str(mid), {"primary": 0, "secondary": 0})
            counts[str(mid)]["secondary"] += int(new.sum())
    if added:
        _hide(monthly, {c: status[("m", c)] for c in COUNT_COLUMNS})
        _hide(loc12, {c: status[("y", c)] for c in COUNT_COLUMNS})
    return added


def _pack_cells(monthly: pd.DataFrame, loc12: pd.DataFrame, monthly_raw: pd.DataFrame,
                loc12_raw: pd.DataFrame) -> pd.DataFrame:
    """This pack's count cells, long: table (``m`` monthly, ``y`` 12-month), measure, period,
    locality, column, row (in its frame), unsuppressed value and whether it is hidden now."""
    parts = []
    for tag, frame, raw, keys in (("m", monthly, monthly_raw, ("measure", "period", "locality")),
                                  ("y", loc12, loc12_raw, ("measure", "locality"))):
        raw_c = _raw_counts(raw, keys, frame)
        for c in COUNT_COLUMNS:
            parts.append(pd.DataFrame({
                "table": tag, "measure": frame["measure"].astype(str).to_numpy(),
                "period": frame["period"].astype(str).to_numpy(), "locality": frame["locality"].astype(str).to_numpy(),
                "column": c, "row": np.arange(len(frame)), "raw": raw_c[c],
                "hidden_now": (frame[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool)}))
    return pd.concat(parts, ignore_index=True)


def _same_localities(cells: pd.DataFrame, old_rows: pd.DataFrame) -> List[np.ndarray]:
    """The cells (rows of ``cells``: this pack's, ``row`` set, and the earlier packs' ``old_rows``
    merged) of the packs that share one set of localities, per such set. A council is the sum of
    the localities its pack showed: where localities were renamed or redrawn between packs, the
    sum over every name any pack used would be no relation at all."""
    mine = frozenset(cells.loc[cells["row"].notna(), "locality"])
    sets = {k: frozenset(g) for k, g in old_rows.groupby("pack", sort=False)["locality"]}
    if all(v == mine for v in sets.values()):
        return [np.ones(len(cells), dtype=bool)]
    keys = pd.MultiIndex.from_frame(cells[["table", "period", "locality"]])
    out = []
    for localities in dict.fromkeys([mine, *sets.values()]):
        packs = [k for k, v in sets.items() if v == localities]
        held = pd.MultiIndex.from_frame(old_rows.loc[old_rows["pack"].isin(packs), ["table", "period", "locality"]])
        members = keys.isin(held)
        if localities == mine:
            members |= cells["row"].notna().to_numpy()
        out.append(np.asarray(members, dtype=bool))
    return out


def _pack_relations(cells: pd.DataFrame, *, flow: bool) -> list:
    """Per month and 12-month period the council is the sum of its localities; a locality's
    12-month figure is the sum of its twelve months (a stock: its last), where every one is a cell.
    Cells are named by their index labels (``cells`` may be part of a larger frame)."""
    at = {(t, p, loc): i for i, t, p, loc in zip(cells.index, cells["table"], cells["period"], cells["locality"])}
    relations = []
    for (tag, period), group in cells.groupby(["table", "period"], sort=False):
        total = at.get((tag, period, ALL))
        parts = [int(i) for i, loc in zip(group.index, group["locality"]) if loc != ALL]
        if total is not None and parts:
            relations.append((total, tuple(parts)))
    years = cells[cells["table"] == "y"]
    for i, period, loc in zip(years.index, years["period"], years["locality"]):
        end = pd.Period(str(period).rsplit(" ", 1)[-1], freq="M")
        months = [str(end - k) for k in range(12)] if flow else [str(end)]
        mine = [at.get(("m", m, loc)) for m in months]
        if all(j is not None for j in mine):
            relations.append((int(i), tuple(int(j) for j in mine)))
    # a forecast's quarter (table "s3", from its first month) of a flow is the sum of its months
    spans = cells[cells["table"].str.startswith("s")] if flow else cells.iloc[:0]
    for i, tag, period, loc in zip(spans.index, spans["table"], spans["period"], spans["locality"]):
        first = pd.Period(str(period), freq="M")
        mine = [at.get(("m", str(first + k), loc)) for k in range(int(tag[1:]))]
        if all(j is not None for j in mine):
            relations.append((int(i), tuple(int(j) for j in mine)))
    return relations


@dataclass
class _Links:
    """Count series that publish one number in several measures, and series that are sums of others.

    Parameters
    ----------
    classes : list of list of (str, str)
        per class, its ``(measure, count column)`` series, equal in every cell.
    sums : list of (int, tuple of int)
        ``(total, parts)`` classes: the total is the sum of the parts in every cell (a part may
        repeat: the answers to three questions asked of the same families share one denominator).
    flows : list of (int, int or None, int or None)
        ``(stock, inflow, outflow)`` classes: in every locality, the stock at a month's end is
        the stock a month before plus the month's inflow less its outflow (episodes open, opened
        and closed); None where there is no such flow.
    bounds : list of (int, int)
        ``(numerator, denominator)`` classes of a proportion equal in some cell: the numerator is
        at most the denominator, and where the two are equal (a share of 100%) the bound can pin
        a hidden count.
    """

    classes: List[List[Tuple[str, str]]]
    sums: List[Tuple[int, Tuple[int, ...]]]
    flows: List[Tuple[int, Optional[int], Optional[int]]] = field(default_factory=list)
    bounds: List[Tuple[int, int]] = field(default_factory=list)

    def linked(self) -> List[int]:
        """The classes in an identity (two series or more), a sum, a stock's flows or a proportion's bound."""
        in_sums = {k for t, parts in self.sums for k in (t, *parts)}
        in_sums |= {k for flow in self.flows for k in flow if k is not None}
        in_sums |= {k for pair in self.bounds for k in pair}
        return [k for k, c in enumerate(self.classes) if len(c) > 1 or k in in_sums]


def _linked_series(monthly_raw: pd.DataFrame, loc12_raw: pd.DataFrame, kinds: Dict[str, str]) -> _Links:
    """The identities and sums between count series that hold in every cell of the pack (before suppression).

    Episodes opened is the denominator of the level shares and the sum of their numerators; the
    steps up are the numerator of the step-up rate; the positive answers are the answers to each
    question. A council's own measures may add more, so they are found from the data: whole series
    (every month and locality, the council and the 12-month figures) that are equal, or the sum of
    two to four others. Series with a gap, or zero throughout, are left out.
    """
    names, x, month_pairs = _series_matrix(monthly_raw, loc12_raw, kinds)
    if not names:
        return _Links([], [])
    _, first, inverse = np.unique(x, axis=0, return_index=True, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    order = np.argsort(first, kind="stable")           # classes in the order of the measures
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    classes: List[List[Tuple[str, str]]] = [[] for _ in order]
    for name, k in zip(names, rank[inverse]):
        classes[k].append(name)
    rep = x[first[order]]
    stocks = [k for k, members in enumerate(classes) if any(kinds.get(m) == "stock" for m, _ in members)]
    return _Links(classes, _sums_of(rep), _flows_of(rep, stocks, month_pairs), _bounds_of(classes, rep))


def _bounds_of(classes: List[List[Tuple[str, str]]], rep: np.ndarray) -> List[Tuple[int, int]]:
    """``(numerator, denominator)`` classes of each proportion that are equal and above 0 in some
    cell, where the bound binds (:func:`_full_shares`)."""
    class_of = {name: k for k, members in enumerate(classes) for name in members}
    out = []
    for (m, c), num in class_of.items():
        den = class_of.get((m, "denominator"))
        if c != "numerator" or den is None or den == num:
            continue
        if ((rep[num] == rep[den]) & (rep[den] > 0)).any():
            out.append((num, den))
    return list(dict.fromkeys(out))


def _series_matrix(monthly_raw: pd.DataFrame, loc12_raw: pd.DataFrame,
                   kinds: Dict[str, str]) -> Tuple[List[Tuple[str, str]], np.ndarray, np.ndarray]:
    """The count series (every numerator; a proportion's denominator) as rows of whole numbers, one
    column per cell: each month and locality, then each locality's 12-month figure; and the
    columns of consecutive months of one locality (``(month, month before)`` per row)."""
    frames = [monthly_raw, loc12_raw] if loc12_raw is not None else [monthly_raw]
    slots, offset = [], 0
    for frame, keys in zip(frames, (["period", "locality"], ["locality"])):
        codes = frame.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
        slots.append(codes + offset)
        offset += int(codes.max()) + 1 if len(codes) else 0
    month_pairs = _consecutive(slots[0], monthly_raw)
    both = pd.concat([f["measure"] for f in frames], ignore_index=True).astype(str)
    mcodes, mids = pd.factorize(both, sort=False)
    slot = np.concatenate(slots)
    x = np.full((2 * len(mids), offset), np.nan)
    for j, c in enumerate(COUNT_COLUMNS):
        v = np.concatenate([pd.to_numeric(f[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                            for f in frames])
        x[2 * mcodes + j, slot] = v
    names = [(str(m), c) for m in mids for c in COUNT_COLUMNS]
    counted = np.array([c == "numerator" or kinds.get(m) == "proportion" for m, c in names], dtype=bool)
    # months before the data (a lead-in year the data do not reach) have no figure in any series:
    # a gap there would leave every series out, and with them every identity and sum
    empty = np.isnan(x[counted]).all(axis=0) if counted.any() else np.zeros(offset, dtype=bool)
    x[:, empty] = 0.0
    month_pairs = month_pairs[~empty[month_pairs].any(axis=1)]
    keep = counted & ~np.isnan(x).any(axis=1)
    keep[keep] = np.nan_to_num(x[keep]).any(axis=1)
    return [n for n, k in zip(names, keep) if k], np.round(x[keep]).astype(np.int64), month_pairs


def _consecutive(slot: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """``(slot, slot of the month before)`` for each month and locality that has one (rows: pairs)."""
    if not len(slot) or "period_start" not in frame.columns:
        return np.zeros((0, 2), dtype=np.int64)
    month = pd.to_datetime(frame["period_start"]).to_numpy().astype("datetime64[M]").astype(np.int64)
    loc = pd.factorize(frame["locality"].astype(str), sort=False)[0].astype(np.int64)
    key = loc * (int(month.max() - month.min()) + 2) + (month - month.min())
    at = dict(zip(key.tolist(), slot.tolist()))
    pairs = {(int(s), at[k - 1]) for s, k in zip(slot, key) if k - 1 in at}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _flows_of(rep: np.ndarray, stocks: List[int], month_pairs: np.ndarray) -> List[Tuple[int, Optional[int],
                                                                                           Optional[int]]]:
    """``(stock, inflow, outflow)``: rows of ``rep`` whose month-on-month change is, in every
    locality and month, one row less another (or one row, or minus one row).

    A stock beside its flows gives a hidden month away: episodes open at the end of a month are
    those open a month before, plus those opened, less those closed. Each row is projected on one
    random vector of whole numbers, and each candidate is checked on the whole series.
    """
    if not stocks or not len(month_pairs) or len(rep) < 2:
        return []
    cur, prev = month_pairs[:, 0], month_pairs[:, 1]
    weights = np.random.default_rng(1).integers(1, 1 << 20, size=len(month_pairs), dtype=np.int64)
    flow = rep[:, cur]
    f = flow @ weights
    order = np.argsort(f, kind="stable")
    out = []
    for s in stocks:
        change = rep[s, cur] - rep[s, prev]
        if not change.any():
            continue
        d = change @ weights
        found = None
        # inflow less outflow: f[a] = d + f[b] (no outflow: b None, f[b] = 0; no inflow: f[a] = 0)
        for b in [None, *range(len(rep))]:
            want = d + (0 if b is None else f[b])
            lo, hi = np.searchsorted(f[order], want, side="left"), np.searchsorted(f[order], want, side="right")
            for a in [*order[lo:hi], *([None] if want == 0 else [])]:
                if a is None and b is None or s in (a, b) or a == b:
                    continue
                got = (0 if a is None else flow[a]) - (0 if b is None else flow[b])
                if np.array_equal(got, change):
                    found = (s, None if a is None else int(a), None if b is None else int(b))
                    break
            if found:
                break
        if found:
            out.append(found)
    return out


def _sums_of(rep: np.ndarray, max_parts: int = 4) -> List[Tuple[int, Tuple[int, ...]]]:
    """``(total, parts)``: rows of ``rep`` that are the sum of 2 to ``max_parts`` other rows (with repeats).

    Each row is projected on one random vector of whole numbers, so a sum of series is a sum of
    numbers: candidates come from sorted pair sums, and each is checked on the whole series.
    Sums that follow from those already kept (a part that is itself a sum) are left out.
    """
    k = len(rep)
    if k < 2 or max_parts < 2:
        return []
    weights = np.random.default_rng(0).integers(1, 1 << 20, size=rep.shape[1], dtype=np.int64)
    s = rep @ weights
    a, b = np.triu_indices(k)                 # pairs, a row with itself included
    pair = s[a] + s[b]
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    found = set()

    def look(rest: np.ndarray, extra: List[np.ndarray]) -> None:
        """Totals whose remainder ``rest`` (totals x something) is a pair sum; ``extra``: the parts so far."""
        lo = np.searchsorted(sorted_pair, rest, side="left")
        hi = np.searchsorted(sorted_pair, rest, side="right")
        for t, j in zip(*np.nonzero(hi > lo)):
            for p in order[lo[t, j]:hi[t, j]]:
                parts = tuple(sorted((*(int(e[j]) for e in extra), int(a[p]), int(b[p]))))
                if t not in parts:
                    found.add((int(t), parts))

    look(s[:, None], [])
    if max_parts >= 3:
        look(s[:, None] - s[None, :], [np.arange(k)])
    if max_parts >= 4:
        look(s[:, None] - pair[None, :], [a, b])
    return _independent([(t, p) for t, p in sorted(found, key=lambda r: (len(r[1]), r))
                         if np.array_equal(rep[t], rep[list(p)].sum(axis=0))], k)


def _independent(sums: List[Tuple[int, Tuple[int, ...]]], k: int) -> List[Tuple[int, Tuple[int, ...]]]:
    """The sums, fewest parts first, less those that are combinations of the ones kept."""
    kept, rows = [], np.zeros((0, k))
    for t, parts in sums:
        row = np.zeros(k)
        row[t] -= 1.0
        np.add.at(row, list(parts), 1.0)
        grown = np.vstack([rows, row])
        if np.linalg.matrix_rank(grown) > len(rows):
            kept.append((t, parts))
            rows = grown
    return kept


def _across_measures(monthly: pd.DataFrame, loc12: Optional[pd.DataFrame], monthly_raw: pd.DataFrame,
                     loc12_raw: Optional[pd.DataFrame], links: _Links, threshold: int,
                     counts: Dict[str, Dict[str, int]], month_end: Optional[pd.Timestamp] = None,
                     not_audited: Optional[List[Dict[str, str]]] = None,
                     before: Optional[pd.DataFrame] = None, audit: Optional[AuditBudget] = None) -> None:
    """Hide more cells so that no hidden count can be read off another measure or worked out from
    the sums between measures (:func:`_linked_series`), in place.

    The linked series are audited as one table: a count published in several measures is one cell
    (hidden in one, hidden in all); per period and locality each sum holds, and a numerator is at
    most its denominator (:func:`_full_shares`); per period the council
    is the sum of its localities; with ``loc12``, each locality's 12-month figure is the sum of its
    last twelve months (of a stock, the last month). The last three hold where the data show them.
    ``counts`` gets the numerators hidden here as secondary suppressions; ``not_audited`` every place
    of a hidden cell the bounds audit did not cover (:func:`_unaudited_place`). ``before``: the
    council's earlier packs' cells (:func:`~earlyhelp.report.ledger.published_cells`): a cell one of them showed is known
    (it protects nothing), one they hid stays hidden. (A stock's month of the lead-in year, shown
    by an earlier pack, with this pack's 12-month inflow and outflow gave the stock a year on.)
    ``audit``: the pack's budget for the bounds audit.
    """
    linked = links.linked()
    if not linked or monthly.empty:
        return
    frames = [("m", monthly, monthly_raw, ("measure", "period", "locality"))]
    if loc12 is not None and not loc12.empty:
        frames.append(("y", loc12, loc12_raw, ("measure", "locality")))
    grid = _SlotGrid(frames, month_end)
    places = _linked_places(frames, grid, links, linked)
    cell_key, cell = np.unique(places["key"], return_inverse=True)
    values = np.zeros(len(cell_key))
    values[cell] = np.round(np.nan_to_num(places["value"], nan=0.0))
    seed = np.bincount(cell, weights=places["hidden"], minlength=len(cell_key)) > 0
    published = None
    if before is not None and len(before):
        shown, hid = _earlier_status(frames, places, before)
        published = np.bincount(cell, weights=shown, minlength=len(cell_key)) > 0
        seed = (seed | (np.bincount(cell, weights=hid, minlength=len(cell_key)) > 0)) & ~published
    at = -np.ones((len(links.classes), grid.n), dtype=np.int64)          # (class, slot) -> cell
    at[cell_key // grid.n, cell_key % grid.n] = np.arange(len(cell_key))
    relations = _linked_relations(at, values, grid, links, linked)
    # a share of 100%: its complement (0, in no table) is one more unknown of 0 or more
    full = _full_shares(at, values, links)
    free = np.r_[np.zeros(len(values), dtype=bool), np.ones(len(full), dtype=bool)]
    relations += [(den, (num, len(values) + j)) for j, (num, den) in enumerate(full)]
    values = np.r_[values, np.zeros(len(full))]
    seed = np.r_[seed, np.zeros(len(full), dtype=bool)]
    if published is not None:
        published = np.r_[published, np.zeros(len(full), dtype=bool)]
    hidden = seed.copy()
    skipped: Dict[int, str] = {}
    # cells no relation links are audited apart (months of the lead-in year share none): small systems
    for cells, rels in _components(len(values), relations):
        local = {c: k for k, c in enumerate(cells)}
        rels = [(tuple(local[q] for q in t) if isinstance(t, tuple) else local[t], tuple(local[q] for q in ps))
                for t, ps in rels]
        hidden[cells], why = _suppress_related(values[cells], rels, threshold, seed[cells],
                                               None if published is None else published[cells], free[cells],
                                               audit=audit)
        skipped.update({int(cells[k]): w for k, w in why.items()})
    _hide_places(frames, places, hidden[cell], counts)
    if not_audited is not None and skipped:
        by_tag = {tag: frame for tag, frame, _, _ in frames}
        for p in np.flatnonzero(np.isin(cell, list(skipped))):
            not_audited.append(_unaudited_place(by_tag[places["tag"][p]], int(places["row"][p]), str(places["col"][p]),
                                                skipped[int(cell[p])]))


def _earlier_status(frames: list, places: Dict[str, np.ndarray], before: pd.DataFrame
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Per place of :func:`_linked_places`: whether an earlier pack showed its cell, and whether
    one hid it (``before``: :func:`~earlyhelp.report.ledger.published_cells`)."""
    by_tag = {tag: frame for tag, frame, _, _ in frames}
    keys = pd.DataFrame({"table": places["tag"], "column": places["col"]})
    for name in ("measure", "period", "locality"):   # places come frame by frame, in the frames' order
        keys[name] = np.concatenate([frame[name].astype(str).to_numpy()[places["row"][places["tag"] == tag]]
                                     for tag, frame in by_tag.items()])
    old = before.groupby(["table", "measure", "period", "locality", "column"], sort=False).agg(
        shown=("shown", "any"), hid=("hidden", "any")).reset_index()
    got = keys.merge(old, on=["table", "measure", "period", "locality", "column"], how="left", validate="many_to_one")
    return got["shown"].eq(True).to_numpy(), got["hid"].eq(True).to_numpy()


class _SlotGrid:
    """The slots of the linked cells: each period and locality of the monthly table, then each
    locality's 12-month figure (``frames`` as in :func:`_across_measures`)."""

    def __init__(self, frames: list, month_end: Optional[pd.Timestamp]):
        self.of_row: Dict[str, np.ndarray] = {}
        labels: list = []
        for tag, frame, _, keys in frames:
            codes = frame.groupby(list(keys[1:]), sort=False, observed=True).ngroup().to_numpy(dtype=np.int64)
            self.of_row[tag] = codes + len(labels)
            for r in np.unique(codes, return_index=True)[1]:
                start = frame["period_start"].iat[r] if tag == "m" else pd.NaT
                labels.append((tag, str(frame["period"].iat[r]), start, str(frame["locality"].iat[r])))
        self.n = len(labels)
        self.tag = np.array([lab[0] for lab in labels])
        self.period = np.array([lab[1] for lab in labels])
        self.start = pd.to_datetime(pd.Series([lab[2] for lab in labels]))
        self.locality = np.array([lab[3] for lab in labels])
        self.month_end = month_end

    def month_pairs(self) -> np.ndarray:
        """``(slot, slot of the month before)`` for each monthly slot of a locality that has one."""
        months = np.flatnonzero(self.tag == "m")
        if not len(months):
            return np.zeros((0, 2), dtype=np.int64)
        frame = pd.DataFrame({"period_start": self.start.to_numpy()[months], "locality": self.locality[months]})
        return _consecutive(months, frame)


def _linked_places(frames: list, grid: _SlotGrid, links: _Links, linked: List[int]) -> Dict[str, np.ndarray]:
    """Every published count of a linked series: its frame, row, column, cell key (class x slot),
    unsuppressed value and whether it is hidden now."""
    out: Dict[str, list] = {k: [] for k in ("tag", "row", "col", "key", "value", "hidden")}
    for tag, frame, raw, keys in frames:
        raw_c = _raw_counts(raw, keys, frame)
        measure = frame["measure"].astype(str)
        for c in COUNT_COLUMNS:
            klass = {m: k for k in linked for m, col in links.classes[k] if col == c}
            k = measure.map(klass).to_numpy(dtype=float, na_value=np.nan)
            rows = np.flatnonzero(~np.isnan(k))
            out["tag"].append(np.full(len(rows), tag))
            out["row"].append(rows)
            out["col"].append(np.full(len(rows), c))
            out["key"].append(k[rows].astype(np.int64) * grid.n + grid.of_row[tag][rows])
            out["value"].append(raw_c[c][rows])
            out["hidden"].append((frame[f"{c}_status"].to_numpy()[rows] == SUPPRESSED))
    return {k: np.concatenate(v) for k, v in out.items()}


def _linked_relations(at: np.ndarray, values: np.ndarray, grid: _SlotGrid, links: _Links,
                      linked: List[int]) -> list:
    """The additive relations between the linked cells (``at``: class x slot -> cell, or -1)."""
    relations = []
    for t, parts in links.sums:
        cells = at[[t, *parts]]
        for s in np.flatnonzero((cells >= 0).all(axis=0)):
            relations.append((int(cells[0, s]), tuple(int(c) for c in cells[1:, s])))
    groups = []     # (total slot, locality slots): the council, per period and for the 12 months
    for tag in ("m", "y"):
        mine = np.flatnonzero(grid.tag == tag)
        for period in pd.unique(grid.period[mine]):
            slots = mine[grid.period[mine] == period]
            total = slots[grid.locality[slots] == ALL]
            if len(total) == 1 and len(slots) > 1:
                groups.append((int(total[0]), slots[grid.locality[slots] != ALL]))
    years = _year_slots(grid)
    for k in linked:
        relations += _holding(at[k], values, groups)
        for flow in (True, False):
            relations += _holding(at[k], values, years[flow])
    pairs = grid.month_pairs()
    for s, a, b in links.flows:
        # stock this month + outflow = stock a month before + inflow, where the data show it
        totals = np.vstack([at[s, pairs[:, 0]]] + ([at[b, pairs[:, 0]]] if b is not None else []))
        parts = np.vstack([at[s, pairs[:, 1]]] + ([at[a, pairs[:, 0]]] if a is not None else []))
        there = (totals >= 0).all(axis=0) & (parts >= 0).all(axis=0)
        totals, parts = totals[:, there], parts[:, there]
        # found on the months with data, it holds there; not across the first month of the data
        holds = values[totals].sum(axis=0) == values[parts].sum(axis=0)
        totals, parts = totals[:, holds], parts[:, holds]
        for j in range(totals.shape[1]):
            t = tuple(int(c) for c in totals[:, j])
            relations.append((t if len(t) > 1 else t[0], tuple(int(c) for c in parts[:, j])))
    return relations


def _full_shares(at: np.ndarray, values: np.ndarray, links: _Links) -> List[Tuple[int, int]]:
    """``(numerator, denominator)`` cells of the proportions (:attr:`_Links.bounds`) where the two
    are equal. A numerator is at most its denominator: two localities each 5 of 5, their numerators
    hidden beside a council total of 10, are both 5. Only equal cells bind: where the denominator is
    larger, either count can move a little and keep the bound, so it shrinks no linear range to one
    value. A share of 0 of 0 binds nothing: a numerator of 0 or more at most a denominator of 0
    is 0, which a count of 0 shown already says (taken as full, each empty month of a locality
    with no activity added an unknown, and the pack hid cells in every other locality)."""
    out = []
    for num, den in links.bounds:
        both = np.flatnonzero((at[num] >= 0) & (at[den] >= 0))
        equal = both[(values[at[num, both]] == values[at[den, both]]) & (values[at[den, both]] > 0)]
        out += [(int(at[num, s]), int(at[den, s])) for s in equal]
    return out


def _year_slots(grid: _SlotGrid) -> Dict[bool, list]:
    """Per locality its 12-month slot and the monthly slots it covers: the last twelve (a flow) or
    the last one (a stock)."""
    out: Dict[bool, list] = {True: [], False: []}
    months = np.flatnonzero(grid.tag == "m")
    if grid.month_end is None or not len(months) or not (grid.tag == "y").any():
        return out
    start = grid.start.to_numpy()[months]
    in_year = months[start > np.datetime64(grid.month_end - pd.DateOffset(months=12))]
    last = months[start == start.max()]
    for y in np.flatnonzero(grid.tag == "y"):
        out[True].append((int(y), in_year[grid.locality[in_year] == grid.locality[y]]))
        out[False].append((int(y), last[grid.locality[last] == grid.locality[y]]))
    return out


def _holding(cells: np.ndarray, values: np.ndarray, groups: list) -> list:
    """One class's relations ``total slot = sum of part slots`` (``groups``), if all hold in its data."""
    out = []
    for total, parts in groups:
        t, ps = cells[total], cells[parts]
        ps = ps[ps >= 0]
        if t < 0 or not len(ps):
            continue
        if values[t] != values[ps].sum():
            return []
        out.append((int(t), tuple(int(p) for p in ps)))
    return out


def _hide_places(frames: list, places: Dict[str, np.ndarray], hidden: np.ndarray,
                 counts: Dict[str, Dict[str, int]]) -> None:
    """Hide every place of a hidden cell (in every measure that publishes it) and what derives from it."""
    for tag, frame, _, _ in frames:
        mine = places["tag"] == tag
        status = {c: (frame[f"{c}_status"] == SUPPRESSED).to_numpy(dtype=bool, copy=True) for c in COUNT_COLUMNS}
        new = mine & hidden & ~places["hidden"]
        if not new.any():
            continue
        for c in COUNT_COLUMNS:
            rows = places["row"][new & (places["col"] == c)]
            status[c][rows] = True
            if c == "numerator":
                for mid, n in frame["measure"].iloc[rows].astype(str).value_counts().items():
                    counts.setdefault(mid, {"primary": 0, "secondary": 0})
                    counts[mid]["secondary"] = counts[mid].get("secondary", 0) + int(n)
        _hide(frame, status)


def _suppress_related(values: np.ndarray, relations: list, threshold: int, seed: np.ndarray,
                      published: Optional[np.ndarray] = None, free: Optional[np.ndarray] = None,
                      lp_audit: bool = True, audit: Optional[AuditBudget] = None) -> Tuple[np.ndarray, Dict[int, str]]:
    """Cells hidden (``seed`` and more) so that no relation pins a hidden one to one value; and the
    hidden cells not proven safe, with why (:attr:`SuppressionResult.not_audited`).
    ``free``: unknowns no table publishes (:func:`~earlyhelp.report.suppression.suppress_cells`).
    ``audit``: the budget of the bounds audit, shared by the pack's calls (a default one if None)."""
    import warnings

    from .suppression import suppress_cells

    # the bounds audit runs even when every hidden count is above zero: the true counts then lie
    # inside the linear range of each cell, but a count's range may still hold one whole number
    # only (a count published twice within an odd cycle of sums can leave a linear range of
    # [20, 21] whose only whole solution is 20; see suppression._cell_range)
    with warnings.catch_warnings():
        # said once for the pack, with its budget (build_pack)
        warnings.filterwarnings("ignore", message="the bounds audit could not cover", category=UserWarning)
        result = suppress_cells(values, relations, threshold=threshold, hidden=seed, zeros_last=True,
                                published=published, free=free, lp_audit=None if lp_audit else False,
                                audit_budget=DEFAULT_AUDIT_BUDGET if audit is None else audit)
    return result.hidden, result.not_audited


def _components(n: int, relations: list) -> list:
    """The relations split into groups that share no cell: ``[(cells, relations), ...]``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    # a total may be several cells (a stock and its outflow): each joined to the first
    cells = [(t if isinstance(t, tuple) else (t,)) + tuple(ps) for t, ps in relations]
    rows = [c[0] for c in cells for _ in c[1:]]
    cols = [q for c in cells for q in c[1:]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    out: Dict[int, list] = {}
    for c, (t, ps) in zip(cells, relations):
        out.setdefault(int(label[c[0]]), []).append((t, ps))
    return [(np.flatnonzero(label == k), rels) for k, rels in out.items()]


def _raw_counts(raw: pd.DataFrame, keys: Sequence[str], like: pd.DataFrame) -> Dict[str, np.ndarray]:
    """The unsuppressed counts of ``raw`` in the row order of ``like`` (matched on ``keys``)."""
    index = pd.MultiIndex.from_frame(raw[list(keys)].astype(str))
    want = pd.MultiIndex.from_frame(like[list(keys)].astype(str))
    return {c: pd.Series(pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                         index=index).reindex(want).to_numpy(dtype=float) for c in COUNT_COLUMNS}


def _year_relations(months: pd.DataFrame, year: pd.DataFrame, *, flow: bool) -> list:
    """Additive relations over the cells ``months`` then ``year`` (see :func:`_year_against_months`)."""
    n_m = len(months)
    loc = months["locality"].to_numpy()
    start = months["period_start"].to_numpy()
    relations = []
    for p in pd.unique(start):
        at = np.flatnonzero(start == p)
        total = at[loc[at] == ALL]
        parts = at[loc[at] != ALL]
        if len(total) == 1 and len(parts):
            relations.append((int(total[0]), tuple(int(i) for i in parts)))
    year_loc = year["locality"].to_numpy()
    total = np.flatnonzero(year_loc == ALL)
    parts = np.flatnonzero(year_loc != ALL)
    if len(total) == 1 and len(parts):
        relations.append((n_m + int(total[0]), tuple(n_m + int(i) for i in parts)))
    last = start.max() if n_m else None
    for j, name in enumerate(year_loc):
        mine = np.flatnonzero(loc == name)
        if not flow:     # a stock's 12-month figure is its last month's
            mine = mine[start[mine] == last]
        if len(mine):
            relations.append((n_m + j, tuple(int(i) for i in mine)))
    return relations


def _hidden_year_before(frame: pd.DataFrame, mcodes: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Per row: the row of the same measure and locality twelve months before is hidden."""
    loc = pd.factorize(frame["locality"], sort=False)[0].astype(np.int64)
    month = frame["period_start"].to_numpy().astype("datetime64[M]").astype(np.int64)
    span = int(month.max() - month.min()) + 13
    base = (mcodes.astype(np.int64) * (int(loc.max()) + 1) + loc) * span
    key = base + (month - month.min() + 12)
    order = np.argsort(key, kind="stable")          # the first row of a duplicated key wins
    sorted_key = key[order]
    want = key - 12
    at = np.minimum(np.searchsorted(sorted_key, want, side="left"), len(key) - 1)
    found = sorted_key[at] == want
    return found & hidden[order[at]]


def _funnels(loc12: pd.DataFrame, kinds: Dict[str, str]) -> Dict[str, dict]:
    from ..measures import spc

    out = {}
    for mid, part in loc12.groupby("measure", sort=False, observed=True):
        if kinds.get(mid) != "proportion":
            continue
        units = part[(part["locality"] != ALL) & (part["value_status"] != SUPPRESSED)]
        units = units[pd.to_numeric(units["denominator"], errors="coerce") > 0]
        total = part[part["locality"] == ALL]
        if len(units) < 2 or total.empty or total["value_status"].iloc[0] == SUPPRESSED:
            continue
        f = spc.funnel(units["numerator"].astype(float), units["denominator"].astype(float),
                       labels=units["locality"], overall=float(total["value"].iloc[0]))
        f["left_out"] = int(((part["locality"] != ALL) & (part["value_status"] == SUPPRESSED)).sum())
        out[mid] = f
    return out


# -- the one way out -----------------------------------------------------------------------------
def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text starting like a spreadsheet formula gets a leading apostrophe (CSV and Excel injection),
    as the publication gate does (:func:`earlyhelp.report.publish.neutralise_formulas`).

    Parameters
    ----------
    frame : DataFrame
        a table.

    Returns
    -------
    DataFrame
    """
    from .publish import neutralise_formulas as gate_neutralise

    return gate_neutralise(frame)[0]


def publish_file(folder, name: str, payload: Any, kind: str) -> None:
    """Every file the pack writes passes here (the publication gate can replace this function).

    ``kind``: ``"table"`` (a published DataFrame: Parquet + CSV), ``"text"`` (HTML), ``"bytes"``
    (the workbook), ``"json"``, or ``"record"`` (run.json through :meth:`earlyhelp.report.runfolder.RunFolder.record`, with
    ``payload`` its keyword arguments). Tables have their formula-like text neutralised.

    Parameters
    ----------
    folder : RunFolder
        where the file goes.
    name : str
        the file name.
    payload : object
        the content.
    kind : str
        see above.
    """
    if kind == "table":
        # the run folder's publication gate (earlyhelp.report.publish) suppresses, pseudonymises
        # and neutralises formulas; the pack's own suppression (status columns) is kept as it is
        frame = neutralise_formulas(payload)
        # the pack's counts are its numerators and denominators, suppressed here (their status
        # columns); its other numbers are figures built on them (withheld beside a hidden count),
        # months charted and limits: declared, so the gate does not take a whole one for a count
        figures = [c for c in frame.columns if c not in COUNT_COLUMNS and not str(c).endswith("_status")
                   and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
        # rounded before the hidden cells become "c": the CSV's numbers are the Parquet's
        from .runfolder import rounded

        typed = rounded(frame)
        folder.write_table(name, typed, csv_frame=_whole_counts(csv_view(typed)), not_counts=figures)
    elif kind == "text":
        folder.write_text(name, payload, sources=list(PACK_TABLES))
    elif kind == "bytes":
        folder.write_bytes(name, payload, sources=list(PACK_TABLES))
    elif kind == "json":
        folder.write_json(name, payload)
    elif kind == "record":
        payload = dict(payload)
        folder.record(payload.pop("command"), **payload)
    else:  # pragma: no cover - callers are in this package
        raise ValueError(f"unknown kind {kind!r}")


#: the pack's published tables: the dashboard and the workbook show only these
PACK_TABLES = ("measures_monthly", "measures_localities_12m", "summary", "catalogue")


def tidy_tables(pack: Pack) -> Dict[str, pd.DataFrame]:
    """The pack's published tables (typed: hidden numbers are missing and ``*_status`` says ``"c"``).

    Parameters
    ----------
    pack : Pack
        the pack.

    Returns
    -------
    dict of str to DataFrame
    """
    return {"measures_monthly": pack.monthly, "measures_localities_12m": pack.localities, "summary": pack.summary,
            "catalogue": pack.catalogue}


def _whole_counts(text: pd.DataFrame) -> pd.DataFrame:
    """The CSV form with each whole count (numerator, denominator) written as an integer: ``14``,
    not ``14.0`` (a ratio's denominator in FTE keeps its decimals)."""
    out = text.copy()
    for c in COUNT_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v: int(v) if isinstance(v, (float, np.floating)) and np.isfinite(v)
                                and float(v) == round(float(v)) else v).astype(object)
    return out


def hidden_by_measure(pack: Pack) -> Dict[str, Dict[str, int]]:
    """Per measure, the numerators the published tables show as ``c`` (monthly and 12-month), as
    run.json publishes them.

    How many of them are small (``Pack.suppression``'s ``primary``) is not published: beside
    the figures shown it bounds the hidden ones (two hidden cells summing to 7, one of them
    small, are 1 and 6).

    Parameters
    ----------
    pack : Pack
        the pack.

    Returns
    -------
    dict of str to dict
        ``{measure: {"hidden": n}}``, in the catalogue's order.
    """
    out: Dict[str, Dict[str, int]] = {}
    for mid in pack.catalogue["id"]:
        n = 0
        for frame in (pack.monthly, pack.localities):
            if len(frame):
                n += int(((frame["measure"] == mid) & (frame["numerator_status"] == SUPPRESSED)).sum())
        out[str(mid)] = {"hidden": n}
    return out


def csv_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSV form of a published table: each hidden number is the text ``c``; status columns dropped.

    Parameters
    ----------
    frame : DataFrame
        a published table.

    Returns
    -------
    DataFrame
    """
    out = frame.copy()
    status = [c for c in out.columns if c.endswith("_status")]
    for st in status:
        col = st[: -len("_status")]
        hidden = (out[st] == SUPPRESSED).to_numpy()
        targets = [col] if col in out.columns else []
        if col == "value":
            targets = [c for c in (*DERIVED, *CHANGE) if c in out.columns]
        for c in targets:
            out[c] = out[c].astype(object).where(~hidden, SUPPRESSED)
    return out.drop(columns=status)


def _synthetic_run(ds, config: Optional[Mapping[str, Any]]) -> Optional[bool]:
    """Whether the pack's data are synthetic, as the earlier runs it reads are told
    (:func:`~earlyhelp.report.ledger.earlier_runs`' ``synthetic``): as its config says (an
    ``earlyhelp demo`` pack, a report config's source kind, recorded in run.json); without one,
    False for data read from a council's extract, and None (every run read) for data generated
    in Python, which a run of the same data read back from a folder takes for a council's."""
    said = synthetic_source({"config": dict(config or {})})
    if said is not None:
        return bool(said)
    return None if is_synthetic(ds) else False


def write_pack(ds, output, *, options: Optional[PackOptions] = None, run_id: Optional[str] = None,
               config: Optional[Mapping[str, Any]] = None, pseudonymise: bool = False) -> Path:
    """Write the pack into a new run folder under ``output``; return the folder.

    Files: ``dashboard.html`` (offline, one page per theme), ``measures.xlsx`` (one sheet per
    measure), ``measures_monthly``, ``measures_localities_12m``, ``summary``, ``catalogue`` as CSV
    and Parquet, and ``run.json``. The folder appears only when complete.

    The council's packs already in ``output`` are read first (:func:`~earlyhelp.report.ledger.earlier_runs`): this pack
    hides what they hid, and more where needed, so that no count any of them hid can be worked
    out from all of them together (:func:`build_pack`'s ``earlier``). Keep a council's monthly
    packs in one folder. They are the council's by its council code (:func:`council_code`,
    recorded in run.json), whatever name they were written under (run.json's ``earlier_runs``
    lists them, ``council_renamed_from`` the names that changed); packs with no code are matched
    by name, and runs of the folder that are not this council's are named in an
    :class:`~earlyhelp.report.ledger.OtherCouncilRunsWarning`. Runs into one folder take turns: this one holds the folder's lock
    (:func:`~earlyhelp.report.outputlock.output_lock`) from reading the earlier runs until its
    run folder is published, and waits while another run holds it (an hour at most, or
    ``$EARLYHELP_LOCK_TIMEOUT`` seconds; then :class:`~earlyhelp.report.outputlock.OutputFolderBusy`).

    Parameters
    ----------
    ds : Dataset
        the council's data.
    output : str or Path
        the folder the run folder goes in.
    options : PackOptions, optional
        what goes in the pack.
    run_id : str, optional
        the run folder's name.
    config : mapping, optional
        recorded in run.json.
    pseudonymise : bool, default False
        the publication policy's (a report config's ``[publish] pseudonymise``): every id of a
        person or a case the run publishes is replaced by its keyed pseudonym (the key from
        ``$EARLYHELP_PSEUDO_KEY``). The pack's tables hold no such ids; run.json records the policy.

    Returns
    -------
    Path
    """
    from ..sources import content_hash
    from .dashboard import render_dashboard
    from .excel import workbook_bytes
    from .outputlock import lock_timeout, output_lock
    from .publish import PublishPolicy
    from .runfolder import RunFolder, new_run_id, run_digest

    opt = options or PackOptions()
    # made first: a missing pseudonymisation key fails before anything is computed
    policy = PublishPolicy(threshold=opt.threshold, pseudonymise=bool(pseudonymise))
    wait = lock_timeout()
    steps = Steps("earlyhelp report", ["measures and suppression", "dashboard", "workbook", "write outputs"])
    t0 = time.perf_counter()
    try:
        # one run at a time in the folder, from reading its earlier runs to publishing this one: a run
        # publishing in between would be read by neither (the lock also clears dead runs' partial folders)
        with output_lock(output, timeout=wait):
            with steps.step("measures and suppression"):
                code = council_code(ds)
                read: List[Dict[str, Any]] = []
                # a synthetic council's runs and a real council's are never read as each other's
                pack = build_pack(ds, opt, earlier=earlier_runs(output, _council_name(ds), code=code, found=read,
                                                                synthetic=_synthetic_run(ds, config)))
                tables = tidy_tables(pack)
            inputs = content_hash(ds)
            # the earlier packs read decide which further cells are hidden: inputs of this one
            parameters = {"config": dict(config or {}), "window": dict(pack.window, **pack.extract),
                          "threshold": opt.threshold,
                          "measures": list(pack.catalogue["id"]), "audit_budget": opt.audit_budget,
                          "earlier_runs": earlier_runs_digested(earlier_run_records(read))}
            digest = run_digest(parameters, inputs)
            rid = run_id or new_run_id(digest, prefix="report-")
            # the council's name: a row of a table labelled with it is taken for a total (the gate)
            policy = dataclasses.replace(policy, council=pack.council)
            with RunFolder(output, rid, policy=policy) as folder:
                with steps.step("dashboard"):
                    dashboard = render_dashboard(pack, opt)
                with steps.step("workbook"):
                    workbook = workbook_bytes(pack, tables)
                with steps.step("write outputs"):
                    for name, frame in tables.items():
                        publish_file(folder, name, frame, "table")
                    publish_file(folder, "dashboard.html", dashboard, "text")
                    publish_file(folder, "measures.xlsx", workbook, "bytes")
                timings = dict(steps.timings, total=round(time.perf_counter() - t0, 3))
                # the same council code under another name is this council renamed: said, and read
                renamed = sorted({str(r["council"]) for r in read if r["matched_by"] == "council_code"
                                  and isinstance(r["council"], str)
                                  and r["council"].strip().casefold() != pack.council.strip().casefold()})
                names = {"council_renamed_from": renamed} if renamed else {}
                publish_file(folder, "run.json", dict(
                    command="report", council=pack.council, council_code=code, earlier_runs=read, **names,
                    inputs=inputs, digest=digest, timings=timings,
                    config=dict(config or {}), window=dict(pack.window, **pack.extract),
                    measures=list(pack.catalogue["id"]),
                    blocked=pack.blocked, assumed=pack.assumed,
                    suppression={"threshold": opt.threshold, "by_measure": hidden_by_measure(pack),
                                 "not_audited": pack.not_audited, "audit": pack.audit}),
                    "record")
    finally:
        steps.close()
    return folder.final
