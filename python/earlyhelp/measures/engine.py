"""compute(): every measure by period and dimension, as one tidy DataFrame.

Each measure becomes two (group x month) arrays, numerator and denominator, filled with one
``np.bincount`` (flows) or a cumulative sum of +1/-1 at start and end months (stocks); periods
other than the month are sums (flows) or period-end values (stocks) of those arrays.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_finite_real
from ..data.dates import StrayDatesWarning
from . import _catalogue as cat
from ._expr import evaluate
from .sources import (DATE_COLUMNS, DIMENSIONS, NO_DAY, NOT_RECORDED, SOURCE_DIMENSIONS, SOURCE_TABLES, Builder,
                      MissingData, Source, check_measure)
from .stats import change_test, poisson_interval, weighted_poisson_interval, wilson_interval

PERIODS = ("month", "quarter", "financial_year", "rolling_12m")
_LAG = {"month": 12, "quarter": 4, "financial_year": 1, "rolling_12m": 12}


class PopulationUnknownWarning(UserWarning):
    """A locality's child population is unknown, so the council's rate per 10,000 children has
    no value; see ``result.attrs['no_rate']``."""


class MeasuresBlockedWarning(UserWarning):
    """Some measures could not be computed (a table or column is missing); see ``result.attrs['blocked']``."""


def _month_of_day(d: np.ndarray) -> np.ndarray:
    """int64 days since 1970 -> months since January 1970 (NO_DAY stays very negative)."""
    clipped = np.clip(d, -(10 ** 6), 10 ** 7)     # far past/future (always in post) stay representable
    known = d != NO_DAY
    lo, hi = (int(clipped[known].min()), int(clipped[known].max())) if known.any() else (0, 0)
    if hi - lo < 100_000:   # the usual span of years: one look-up table of the days in it
        table = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        out = table[np.clip(clipped, lo, hi) - lo]
    else:
        out = clipped.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    out[~known] = np.iinfo(np.int64).min // 8
    return out


def _as_list(value, name: str, valid: Sequence[str]) -> List[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    bad = [v for v in items if v not in valid]
    if bad:
        raise ValueError(f"unknown {name} {', '.join(repr(b) for b in bad)}; valid {name}s: {', '.join(valid)}")
    return items


def resolve_measures(measures) -> List[cat.Measure]:
    """The measures asked for (ids, :class:`Measure` objects or spec dicts), each checked against its source.

    Raises
    ------
    ValueError
        an unknown id (naming the valid ones).
    ValidationError
        a measure asked for twice, or a measure naming a source or column that does not exist.
    """
    if measures is None:
        return [cat.get(i) for i in cat.ids()]
    items = [measures] if isinstance(measures, (str, cat.Measure, dict)) else list(measures)
    out, bad = [], []
    for m in items:
        if isinstance(m, cat.Measure):
            out.append(m)
        elif isinstance(m, dict):
            out.append(cat.measure_from_spec(m))
        elif isinstance(m, str) and m in cat.ids():
            out.append(cat.get(m))
        else:
            bad.append(m)
    if bad:
        raise ValueError(f"unknown measure {', '.join(repr(b) for b in bad)}; valid measures: {', '.join(cat.ids())}")
    seen = [m.id for m in out]
    twice = sorted({i for i in seen if seen.count(i) > 1})
    if twice:
        raise ValidationError([Problem("compute", "measures", f"asks for measure {i!r} more than once; each id "
                                       "can be computed once per call", value=i) for i in twice])
    for m in out:   # a spec dict or a Measure made by hand has not been through register()
        check_measure(m)
    return out


def compute(ds, measures=None, period: str = "month", by: Union[None, str, Sequence[str]] = None, *,
            start: Any = None, end: Any = None, alpha: float = 0.05) -> pd.DataFrame:
    """Compute catalogue measures from a Dataset.

    Parameters
    ----------
    ds : :class:`earlyhelp.Dataset`.
    measures : ids (or :class:`Measure` objects or spec dicts); default every catalogue measure.
    period : ``"month"``, ``"quarter"`` (calendar), ``"financial_year"`` (April-March) or
        ``"rolling_12m"`` (12 months ending each month). Stocks are taken at the period end.
    by : str or sequence of str, optional
        Dimensions to split by, any of ``locality, lead_agency_type, age_band, sex, ethnicity,
        level`` (and ``request_source, route, service, question`` where the source has them).
    start, end : date-like, optional
        The first and last day to report (default: the data window, ``ds.meta['window_start']``
        and ``['end_date']`` for synthetic councils, else the first and last date of the sources).
        Events before ``start`` or after ``end`` are not counted, and a stock in a month ``end``
        cuts short is taken on ``end``; for ``rolling_12m``, ``start`` names the first month the
        12-month windows may use.
    alpha : 1 - confidence of the intervals and the level of the change test (default 95%).

    Returns
    -------
    DataFrame
        With ``measure, period, period_start, period_end, <by columns>, numerator, denominator,
        value, lo, hi, previous, change, change_p, change_significant, rate_per_10k, complete``.
        ``complete`` is False for a period holding days outside ``start``-``end`` or the data
        (a 12-month window that does has no value) and, for measures that look back
        (re-referrals within 12 months), for periods starting less than that window after the
        data's first date, and for measures that count records made after the period (an
        assessment started weeks after the episode opened: ``Measure.maturity_days``), for
        periods ending fewer than that many days before the data's last day: such a period is
        provisional (later records can still change it) and has no change test (``change_p``
        NaN, ``change_significant`` missing). The data run from ``ds.meta['window_start']`` to ``['end_date']``, else
        from the later of the first request and the first episode start (or the measure's own first
        date where earlier) to the latest request or episode date: a month they begin after its
        1st or end before its last day is not complete, and a period wholly outside them has no
        figure (NaN, not 0). By ``locality`` every locality has a row (a row counts in the
        locality ``Measure.locality_of`` names: the caseloads count an episode where its lead team
        or practitioner is based). The council's ``rate_per_10k`` is NaN when a locality's
        ``child_population`` is missing, or 0 while the measure counts events there
        (``PopulationUnknownWarning``; ``attrs['no_rate']`` says why per measure).
        Shares are proportions (0-1); ``lo``/``hi`` are Wilson intervals (proportions) or exact Poisson
        intervals (counts; a sum of a ``weight`` such as children referred: Fay-Feuer gamma
        intervals, the variance the sum times the weights' dispersion ``sum(w**2) / sum(w)`` over
        all the measure's rows, not each cell's own sum of squares, which would tell how many
        events its sum holds); ``previous`` is the same period a year before (none
        where that period was not ``complete``: a part-month, or re-referrals that could not see 12
        months back, would make any change look real) and ``change_p`` a two-sided test that the
        change is more than noise (Fisher's exact test of two proportions, the conditional
        binomial test of two Poisson counts, or a z test of two sums of weights); a period that is
        not ``complete`` (a part period, or a provisional one) has no change test (``change_p``
        NaN, ``change_significant`` missing). ``attrs['blocked']`` maps each measure
        that could not be computed to the missing table or column; ``attrs['skipped']`` those that
        cannot be split by ``by``; ``attrs['assumed']`` what a source took for values not recorded,
        with how many (a practitioner with no FTE counts as 0 FTE; a plan agreed before its
        episode started is not timely; a review due after the data's last date is not yet due),
        and ``attrs['unrecorded']`` the how many of each as a number.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; valid periods: {', '.join(PERIODS)}")
    if not (is_finite_real(alpha) and 0 < alpha < 1):
        # 0 or 1 gives infinite or empty intervals, 5 (meaning 5%) NaN ones
        raise ValidationError(Problem("compute", "alpha", "must be a number between 0 and 1 (0.05 for 95% "
                                      "intervals)", value=alpha))
    dims = _as_list(by, "dimension", DIMENSIONS)
    if len(set(dims)) != len(dims):
        raise ValueError(f"by names a dimension twice: {dims}")
    chosen = resolve_measures(measures)
    _check_rows(ds, chosen)
    builder = Builder(ds)
    blocked: Dict[str, str] = {}
    skipped: Dict[str, str] = {}
    ready: List[Tuple[cat.Measure, Source, Optional[Source]]] = []
    for m in chosen:
        try:
            builder.check(m, tuple(dims))
            src = builder.source(m.source)
            den = builder.source(m.denominator_source) if m.denominator_source else None
            _check_on_source(m, src, den)
        except MissingData as exc:
            blocked[m.id] = f"{exc.what} ({exc.reason})"
            continue
        except ValidationError as exc:  # the spec does not fit its source: this measure only
            blocked[m.id] = "; ".join(p.format() for p in exc.problems)
            continue
        missing_dims = [d for d in dims if d not in SOURCE_DIMENSIONS[m.source]
                        or (m.denominator_source and d not in SOURCE_DIMENSIONS[m.denominator_source])]
        if missing_dims:
            skipped[m.id] = f"source {m.source}{'/' + m.denominator_source if m.denominator_source else ''} " \
                            f"has no {', '.join(missing_dims)}"
            continue
        ready.append((m, src, den))
    if blocked:
        _warn_blocked(blocked, chosen)
    m0, m1, d0, d1 = _window(ds, builder, ready, start, end)
    if period == "rolling_12m":
        d0 = None    # each window is 12 whole months to its month: start names the first month they may use
    parts = [dict(_one(m, src, den, dims, period, (m0, m1, d0, d1), alpha, builder), __id__=m.id)
             for m, src, den in ready]
    ready.clear()
    builder.release()           # the sources are done with: not held while the output is built
    order = [m.id for m in chosen]
    out = _assemble(parts, order, dims) if parts else _empty(dims)
    out.attrs["blocked"] = blocked
    out.attrs["skipped"] = skipped
    out.attrs["assumed"] = dict(builder.assumed)
    out.attrs["unrecorded"] = dict(builder.unrecorded)
    out.attrs["no_rate"] = dict(builder.no_rate)
    if builder.no_rate:
        _warn_no_rate(builder.no_rate)
    out.attrs["period"] = period
    out.attrs["by"] = dims
    return out


def _check_rows(ds, chosen: List[cat.Measure]) -> None:
    """The tables the measures count from, checked as Dataset.validate checks them (once per
    Dataset): a repeated row would be counted twice, a row without its date left out unseen."""
    from ..data.dataset import check_dataset

    check_dataset(ds, "compute")
    used = {t for m in chosen for source in (m.source, m.denominator_source) if source
            for t in SOURCE_TABLES.get(source, ())}
    ds.check_tables(sorted(used))


def _warn_blocked(blocked: Dict[str, str], chosen: List[cat.Measure]) -> None:
    by_what: Dict[str, List[str]] = {}
    for mid, what in blocked.items():
        by_what.setdefault(what, []).append(mid)
    lines = [f"{what} blocks {', '.join(ids)}" for what, ids in by_what.items()]
    warnings.warn("measures not computed: " + "; ".join(lines) + f" ({len(chosen) - len(blocked)} of "
                  f"{len(chosen)} computed)", MeasuresBlockedWarning, stacklevel=3)


def _warn_no_rate(no_rate: Dict[str, str]) -> None:
    by_why: Dict[str, List[str]] = {}
    for mid, why in no_rate.items():
        by_why.setdefault(why, []).append(mid)
    warnings.warn("; ".join(f"{why} ({', '.join(ids)})" for why, ids in by_why.items()), PopulationUnknownWarning,
                  stacklevel=3)


# a few rows this many months away from all the others stretch a window taken from the data
_STRAY_GAP_MONTHS = 24
_STRAY_SHARE = 0.01


def _stray_gaps(months: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the month (since 1970) of each row of a date column: the months present, the rows in
    each month and the months before it, and the positions k of the gaps of
    ``_STRAY_GAP_MONTHS`` or more after ``months[k]``."""
    months, rows = np.unique(months, return_counts=True)
    return months, np.cumsum(rows), np.flatnonzero(np.diff(months) >= _STRAY_GAP_MONTHS)


def _warn_stray_dates(days: np.ndarray, where: str, at_start: bool, at_end: bool) -> None:
    """Warn when the window taken from the data is stretched by a few rows dated far from the
    rest (a year typed 1901): every month between is reported as none, which is not what the
    data say. Nothing is dropped: ``start``/``end`` set the window."""
    months, up_to, wide = _stray_gaps(days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64))
    if not len(wide):
        return
    for side, wanted, k in (("start", at_start, wide[0]), ("end", at_end, wide[-1])):
        stray = int(up_to[k]) if side == "start" else len(days) - int(up_to[k])
        if not wanted or stray > _STRAY_SHARE * len(days):
            continue
        far = np.datetime64(int(months[0] if side == "start" else months[-1]), "M")
        warnings.warn(f"{where}: {stray:,} row(s) dated as far as {far}, {int(months[k + 1] - months[k])} months from "
                      f"every other row, stretch the window's {side} there, and the months between show none; pass "
                      f"{side}= to set the window (or correct the date)", StrayDatesWarning, stacklevel=4)


def _window(ds, builder: Builder, ready, start, end) -> Tuple[int, int, Optional[int], Optional[int]]:
    """(first month, last month, first day, last day) to report; the days (days since 1970) only
    where ``start``/``end`` or the data's own window set them, None where taken from the rows."""
    def day(x) -> int:
        ts = pd.Timestamp(x)
        if ts.tz is not None:   # the date on the council's clock: 1 July 00:00 BST is not 30 June (UTC)
            ts = ts.tz_localize(None)
        return int(np.datetime64(ts.to_datetime64(), "D").astype(np.int64))

    def month(x) -> int:
        return _month_of(day(x))

    _check_bound("start", start)
    _check_bound("end", end)
    lo = start if start is not None else ds.meta.get("window_start")
    hi = end if end is not None else ds.meta.get("end_date")
    d0 = day(lo) if lo is not None else None
    d1 = day(hi) if hi is not None else None
    if lo is None or hi is None:
        first, last, seen = [], [], set()
        for m, src, _ in ready:
            col = src.frame[m.date].to_numpy()
            col = col[(col != NO_DAY) & (np.abs(col) < 10 ** 7)]
            if len(col):
                first.append(col.min())
                last.append(col.max())
                if (m.source, m.date) not in seen:  # measures share sources: each column once
                    seen.add((m.source, m.date))
                    _warn_stray_dates(col, f"{m.source}.{m.date}", lo is None, hi is None)
        if not first:
            today = pd.Timestamp.today().normalize()
            return month(today), month(today), None, None
        lo = lo if lo is not None else pd.Timestamp(np.datetime64(int(min(first)), "D"))
        hi = hi if hi is not None else pd.Timestamp(np.datetime64(int(max(last)), "D"))
    m0, m1 = month(lo), month(hi)
    if m1 < m0 or (d0 is not None and d1 is not None and d1 < d0):
        raise ValueError(f"end ({hi}) is before start ({lo})")
    return m0, m1, d0, d1


def _month_of(day: int) -> int:
    """Days since 1970 -> months since January 1970."""
    return int(np.datetime64(int(day), "D").astype("datetime64[M]").astype(np.int64))


def _part_months(m0: int, m1: int, d0: Optional[int], d1: Optional[int]) -> Tuple[bool, bool]:
    """Whether the first and the last month are only partly between the days ``d0`` and ``d1``
    (a start after the 1st, an end before the month's last day; None: the whole month)."""
    first_day = int(np.datetime64(m0, "M").astype("datetime64[D]").astype(np.int64))
    last_day = int((np.datetime64(m1, "M") + 1).astype("datetime64[D]").astype(np.int64)) - 1
    return (d0 is not None and d0 > first_day), (d1 is not None and d1 < last_day)


def _check_bound(name: str, value: Any) -> None:
    """``start``/``end`` must be a date (a missing one, NaT, is not: leave the argument out)."""
    if value is None:
        return
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and not (isinstance(value, float) and np.isnan(value)):
        # pd.Timestamp(2024) is 2024 nanoseconds after 1970: a window from January 1970
        raise ValidationError(Problem("compute", name, "is a number, not a date: write a date such as "
                                      "'2024-04-01'", value=value))
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(Problem("compute", name, f"is not a date ({exc})", value=value)) from None
    if pd.isna(ts):
        raise ValidationError(Problem("compute", name, "is missing (NaT); leave it out for the data's own "
                                      f"{'first' if name == 'start' else 'last'} month", value=str(value)))


def _columns(src: Source) -> List[str]:
    """The source's columns a user may name (the engine's own working columns left out)."""
    return [c for c in src.frame.columns if not str(c).startswith("_")]


def _check_on_source(m: cat.Measure, src: Source, den: Optional[Source]) -> None:
    """Raise ValidationError when the measure's columns are missing from the built source or of the
    wrong kind, or its conditions do not evaluate to true/false there (the masks are kept)."""
    where = f"measure {m.id}"
    fields = [("date", m.date, src, "date"), ("end", m.end, src, "date"), ("weight", m.weight, src, "number"),
              ("denominator_weight", m.denominator_weight, den, "number")]
    for name, column, source, kind in fields:
        if column is None or source is None:
            continue
        if column not in _columns(source):
            raise ValidationError(Problem(where, name, f"{column!r} is not a column of source {source.name}; its "
                                          f"columns: {', '.join(_columns(source))}"))
        dtype = source.frame[column].dtype
        ok = dtype == np.int64 if kind == "date" else pd.api.types.is_numeric_dtype(dtype)
        if not ok:
            raise ValidationError(Problem(where, name, f"{column!r} of source {source.name} is not a "
                                          f"{kind} ({dtype})"))
        if kind == "number":
            # one missing weight would make its period's sum (and, for a stock, every later one) NaN
            unknown = ~np.isfinite(source.frame[column].to_numpy(dtype=float))
            if unknown.any():
                raise ValidationError(Problem(where, name, f"{column!r} of source {source.name} is missing or not "
                                              f"finite on {int(unknown.sum()):,} rows: a sum over them has no value",
                                              rows=[int(i) for i in np.flatnonzero(unknown)[:10]],
                                              n_rows=int(unknown.sum())))
    _mask(src, m, "numerator")
    if m.kind == "proportion":
        _mask(src, m, "denominator")


def _mask(src: Source, m: cat.Measure, field: str) -> np.ndarray:
    """The rows meeting the measure's ``numerator`` or ``denominator`` condition, once per source and text."""
    expr = getattr(m, field)
    cache = src.__dict__.setdefault("_masks", {})
    if expr not in cache:
        cache[expr] = evaluate(expr, src.frame, measure=m.id, field=field, source=src.name, columns=_columns(src),
                               dates=DATE_COLUMNS.get(src.name, ()), no_day=NO_DAY)
    return cache[expr]


def _group_dims(m: cat.Measure, dims: List[str]) -> List[str]:
    """The source's dimensions to group by: ``locality`` is the lead team's or practitioner's
    where the measure counts there (``Measure.locality_of``)."""
    if m.locality_of == "family":
        return dims
    return [f"locality@{m.locality_of}" if d == "locality" else d for d in dims]


def _groups(src: Source, dims: List[str]) -> Tuple[np.ndarray, int, List[pd.Index]]:
    """Group number of every row (mixed radix over the dimensions' categories), once per source."""
    cache = src.__dict__.setdefault("_groups", {})
    key = tuple(dims)
    if key not in cache:
        cache[key] = _make_groups(src, dims)
    return cache[key]


def _make_groups(src: Source, dims: List[str]) -> Tuple[np.ndarray, int, List[pd.Index]]:
    n = len(src.frame)
    code = np.zeros(n, dtype=np.int64)
    levels: List[pd.Index] = []
    size = 1
    for d in dims:
        c = src.dims[d]
        if callable(c):
            c = c()
            src.dims[d] = c
        k = len(c.categories)
        code = code * k + np.asarray(c.codes, dtype=np.int64)
        size *= k
        levels.append(pd.Index(c.categories))
    return code, size, levels


def _months(src: Source, column: str) -> np.ndarray:
    """Month index of a date column, computed once per source and column."""
    cache = src.__dict__.setdefault("_months", {})
    if column not in cache:
        cache[column] = _month_of_day(src.frame[column].to_numpy())
    return cache[column]


def _cells(src: Source, date: str, g: np.ndarray, G: int, m0: int, M: int) -> np.ndarray:
    """(group, month) cell of every row for a date column (-1 outside the window), once per source."""
    cache = src.__dict__.setdefault("_cells", {})
    key = (date, id(g), m0, M)
    if key not in cache:
        mo = _months(src, date) - m0
        cache[key] = np.where((mo >= 0) & (mo < M), g * M + mo, -1)
    return cache[key]


def _flow(src: Source, m: cat.Measure, mask: np.ndarray, g: np.ndarray, G: int, m0: int, M: int,
          weight: Optional[str] = None,
          days: Tuple[Optional[int], Optional[int]] = (None, None)) -> np.ndarray:
    """Rows (or the sum of ``weight``) of ``mask`` dated in each (group, month),
    those dated before ``days[0]`` or after ``days[1]`` (a window starting or ending mid-month) left out."""
    cell = _cells(src, m.date, g, G, m0, M)
    keep = mask & (cell >= 0)
    if days != (None, None):
        d = src.frame[m.date].to_numpy()
        if days[0] is not None:
            keep &= d >= days[0]
        if days[1] is not None:
            keep &= d <= days[1]
    w = src.frame[weight].to_numpy(dtype=float)[keep] if weight else None
    return np.bincount(cell[keep], weights=w, minlength=G * M).reshape(G, M).astype(float)


def _stock(src: Source, date: str, end: str, mask: np.ndarray, g: np.ndarray, G: int, m0: int, M: int,
           weight: Optional[str] = None, last_day: Optional[int] = None) -> np.ndarray:
    """Rows of ``mask`` open at each month end: started on or before it and not ended by it; in a
    last month cut short at ``last_day``, open on that day. A practitioner or team with no start
    date recorded (``Source.in_post_without_start``) is open since before the data."""
    s = src.frame[date].to_numpy()
    e = src.frame[end].to_numpy()
    since_before = (s == NO_DAY) if src.in_post_without_start and date == "start_date" \
        else np.zeros(len(s), dtype=bool)
    sm = np.where(s == NO_DAY, np.where(since_before, m0, np.iinfo(np.int64).max // 8), _months(src, date))
    # ended on day e: not open at the end of e's month (the end of a month is its last day)
    ended = e != NO_DAY
    if last_day is not None:   # what starts or ends after the window's last day is not seen
        mask = mask & (s <= last_day)
        ended &= e <= last_day
    em = np.where(ended, _months(src, end), np.iinfo(np.int64).max // 8)
    s_i = np.maximum(sm - m0, 0)
    e_i = np.minimum(em - m0, M)
    keep = mask & (s_i < M) & (e_i > s_i) & ((s != NO_DAY) | since_before)
    w = src.frame[weight].to_numpy(dtype=float)[keep] if weight else np.ones(int(keep.sum()))
    diff = np.zeros(G * (M + 1))
    diff += np.bincount(g[keep] * (M + 1) + s_i[keep], weights=w, minlength=G * (M + 1))
    diff -= np.bincount(g[keep] * (M + 1) + e_i[keep], weights=w, minlength=G * (M + 1))
    return np.cumsum(diff.reshape(G, M + 1), axis=1)[:, :M]


def _data_months(builder, m) -> Tuple[Optional[int], Optional[int], bool, bool]:
    """First and last month (months since January 1970) the data cover, None where unknown, and
    whether the data begin after the first month's 1st or end before the last month's last day.

    Without a known window the first and last records' days stand for the ends of the data (as
    the pack takes its last month), so an extract taken on the 10th leaves its month part-counted.
    """
    first, last = builder.first_day(m.source, m.date), builder.last_day(m.source, m.date)
    first_m = None if first is None else _month_of(first)
    last_m = None if last is None else _month_of(last)
    part_first, part_last = _part_months(first_m if first_m is not None else 0, last_m if last_m is not None else 0,
                                         first, last)
    return first_m, last_m, part_first and first is not None, part_last and last is not None


def _outside_data(firsts: np.ndarray, lasts: np.ndarray, first_m: Optional[int], last_m: Optional[int],
                  part_first: bool = False, part_last: bool = False):
    """Per period: (holds days before the data, holds days after them, lies wholly outside them)."""
    before = firsts < first_m + part_first if first_m is not None else np.zeros(len(firsts), dtype=bool)
    after = lasts > last_m - part_last if last_m is not None else np.zeros(len(firsts), dtype=bool)
    wholly = (lasts < first_m if first_m is not None else False) | (firsts > last_m if last_m is not None else False)
    return before, after, np.asarray(wholly, dtype=bool) & (before | after)


# Counts are whole and weights recorded decimals (FTEs to two places): period sums are rounded to
# this many decimals, as binary floats leave residue (0.1 + 0.2 is 0.30000000000000004, and a
# stock of FTEs that all left can come out as 1e-17 rather than 0: a denominator of almost nothing).
_SUM_DECIMALS = 9


def _periods(period: str, m0: int, M: int, stock: bool, num: np.ndarray, den: np.ndarray):
    """Aggregate (G, M) month arrays to periods: returns (labels, starts, ends, complete, num, den)."""
    lab, firsts, lasts, complete, num, den = _period_sums(period, m0, M, stock, num, den)
    return lab, firsts, lasts, complete, np.round(num, _SUM_DECIMALS), np.round(den, _SUM_DECIMALS)


def _period_sums(period: str, m0: int, M: int, stock: bool, num: np.ndarray, den: np.ndarray):
    months = np.arange(m0, m0 + M)
    if period == "month":
        pid = months
        first = last = months
    elif period == "rolling_12m":
        if not stock:
            num = _moving(num, 12)
            den = _moving(den, 12)
        valid = np.arange(M) >= 11
        first, last = months - 11, months
        lab = [f"12 months to {_mlabel(x)}" for x in months]
        complete = valid
        return lab, first, last, complete, num, den
    elif period == "quarter":
        pid = months // 3
        first, last = pid * 3, pid * 3 + 2
    else:  # financial year April-March: month 3 of a year is April
        pid = (months - 3) // 12
        first, last = pid * 12 + 3, pid * 12 + 14
    uniq, inv = np.unique(pid, return_inverse=True)
    P = len(uniq)
    if period != "month":
        if stock:
            # value at the last month of the period that is in the window
            last_pos = np.zeros(P, dtype=np.int64)
            np.maximum.at(last_pos, inv, np.arange(M))
            num, den = num[:, last_pos], den[:, last_pos]
        else:
            agg = np.zeros((P, M))
            agg[inv, np.arange(M)] = 1.0
            num, den = num @ agg.T, den @ agg.T
    firsts = np.full(P, np.iinfo(np.int64).max)
    lasts = np.full(P, np.iinfo(np.int64).min)
    np.minimum.at(firsts, inv, first)
    np.maximum.at(lasts, inv, last)
    complete = (firsts >= m0) & (lasts <= m0 + M - 1)
    if period == "month":
        lab = [_mlabel(x) for x in uniq]
    elif period == "quarter":
        lab = [f"{1970 + q // 4}Q{q % 4 + 1}" for q in uniq]
    else:
        lab = [f"{1970 + y}-{(1971 + y) % 100:02d}" for y in uniq]
    return lab, firsts, lasts, complete, num, den


def _moving(a: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(np.pad(a, ((0, 0), (1, 0))), axis=1)
    out = c[:, k:] - c[:, :-k]
    return np.concatenate([np.full((a.shape[0], min(k - 1, a.shape[1])), np.nan), out], axis=1)[:, :a.shape[1]]


def _mlabel(m: int) -> str:
    return f"{1970 + m // 12}-{m % 12 + 1:02d}"


def _mdate(m: np.ndarray, end: bool) -> np.ndarray:
    first = np.asarray(m).astype("datetime64[M]")
    if not end:
        return first.astype("datetime64[ns]")
    return ((first + 1).astype("datetime64[D]") - 1).astype("datetime64[ns]")


def _one(m: cat.Measure, src: Source, den_src: Optional[Source], dims: List[str], period: str,
         window: Tuple[int, int, Optional[int], Optional[int]], alpha: float, builder: Builder) -> Dict[str, Any]:
    """One measure as column arrays (only groups that occur), for :func:`_assemble`.

    ``window`` is (first month, last month, first day, last day); a day is None where the window
    holds its whole month.
    """
    m0, m1, d0, d1 = window
    M = m1 - m0 + 1
    days = (d0, d1)
    g, G, levels = _groups(src, _group_dims(m, dims))
    stock = m.kind in ("stock", "ratio")
    if m.kind == "count":
        num = _flow(src, m, _mask(src, m, "numerator"), g, G, m0, M, m.weight, days=days)
        den = np.full_like(num, np.nan)
    elif m.kind == "proportion":
        in_den = _mask(src, m, "denominator")
        num = _flow(src, m, _mask(src, m, "numerator") & in_den, g, G, m0, M, days=days)
        den = _flow(src, m, in_den, g, G, m0, M, days=days)
    elif m.kind == "stock":
        num = _stock(src, m.date, m.end, _mask(src, m, "numerator"), g, G, m0, M, m.weight, d1)
        den = np.full_like(num, np.nan)
    else:
        num = _stock(src, m.date, m.end, _mask(src, m, "numerator"), g, G, m0, M, m.weight, d1)
        gd, Gd, _ = _groups(den_src, dims)
        every = np.ones(len(den_src.frame), dtype=bool)
        den = _stock(den_src, "start_date", "end_date", every, gd, Gd, m0, M, m.denominator_weight, d1)
    lab, firsts, lasts, complete, num, den = _periods(period, m0, M, stock, num, den)
    part_first, part_last = _part_months(m0, m1, d0, d1)
    # a period holding days before start or after end is not whole (nor is a 12-month window)
    complete = complete & ~(part_first & (np.asarray(firsts) <= m0)) & ~(part_last & (np.asarray(lasts) >= m1))
    P = len(lab)
    lag = _LAG[period]
    prev_num = np.full_like(num, np.nan)
    prev_den = np.full_like(den, np.nan)
    first_m, last_m, data_part_first, data_part_last = _data_months(builder, m)
    unseen, beyond, outside = _outside_data(np.asarray(firsts), np.asarray(lasts), first_m, last_m,
                                            data_part_first, data_part_last)
    # no data is not zero: a period wholly outside the data has no figure (a stock included); one
    # partly outside keeps the part inside and is marked incomplete
    num = np.where(outside, np.nan, num)
    den = np.where(outside, np.nan, den)
    in_window = np.asarray(complete, dtype=bool)   # whole within start-end (a rolling window: 12 months)
    # a period the data begin or end within is not whole
    complete = in_window & ~unseen & ~beyond
    if m.lookback_days:  # periods whose rows cannot see a full window of earlier data
        first_day = builder.first_day(m.source, m.date)
        if first_day is not None:
            need = (_mdate(firsts, False).astype("datetime64[D]").astype(np.int64) - first_day) < m.lookback_days
            complete = complete & ~need
    immature = _immature(m, np.asarray(lasts), d1, builder)
    complete = complete & ~immature
    if P > lag:
        prev_num[:, lag:], prev_den[:, lag:] = num[:, :-lag], den[:, :-lag]
        # a year before the data begin, or a year before that was not whole (a re-referral's look-back
        # cut short by the start of the data), there is nothing fair to compare with
        prev_num[:, lag:][:, ~complete[:-lag]] = np.nan
        prev_den[:, lag:][:, ~complete[:-lag]] = np.nan
    if period == "rolling_12m":
        ok = in_window
        num = np.where(ok, num, np.nan)
        den = np.where(ok, den, np.nan) if m.kind in ("proportion", "ratio") else den
    with np.errstate(invalid="ignore", divide="ignore"):
        if m.kind in ("proportion", "ratio"):  # nothing to divide by: no value (not 0, not infinity)
            value = np.where(den > 0, num / den, np.nan)
            prev = np.where(prev_den > 0, prev_num / prev_den, np.nan)
        else:
            value, prev = num.copy(), prev_num.copy()
    if m.kind == "proportion":
        lo, hi = wilson_interval(num, den, alpha)
        p_change = change_test(num, den, prev_num, prev_den, "proportion")
    elif m.kind == "count" and m.weight:
        lo, hi, p_change = _weighted_count_tests(src, m, num, prev_num, alpha)
    elif m.kind == "count":
        lo, hi = poisson_interval(num, alpha)
        p_change = change_test(num, None, prev_num, None, "count")
    else:
        lo = hi = np.full_like(value, np.nan)
        p_change = np.full_like(value, np.nan)
    # no change test for a period that is not complete: a provisional figure against a final one
    # shows the records still to come as a fall, a part month the days not in the window or the data
    p_change = np.where(complete[None, :], p_change, np.nan)
    with np.errstate(invalid="ignore"):
        change = value - prev
    keep_groups = np.ones(G, dtype=bool)
    if dims:  # groups that never occur (all zero and no denominator) are left out
        keep_groups = (np.nan_to_num(num).sum(axis=1) + np.nan_to_num(den).sum(axis=1)) > 0
        if dims == ["locality"]:  # but every locality of the council is there: a quiet one is a true 0
            keep_groups |= np.asarray(levels[0] != NOT_RECORDED)
    rows = np.repeat(keep_groups, P)
    kept = np.flatnonzero(keep_groups)
    n = len(kept) * P
    cols: Dict[str, Any] = {
        "period": (np.tile(np.arange(P), len(kept)), list(lab)),
        "period_start": np.tile(_mdate(firsts, False), len(kept)),
        "period_end": np.tile(_mdate(lasts, True), len(kept)),
    }
    if dims:
        sizes = [len(lv) for lv in levels]
        for k, d in enumerate(dims):
            stride = int(np.prod(sizes[k + 1:])) if k + 1 < len(sizes) else 1
            cols[d] = (np.repeat((kept // stride) % sizes[k], P), list(levels[k]))
    # (group x period) arrays and the cells kept: _assemble gathers them straight into the output
    idx = np.flatnonzero(rows)
    pc = p_change.ravel()[idx]
    cols.update({name: (arr, idx) for name, arr in (
        ("numerator", num), ("denominator", den), ("value", value), ("lo", lo), ("hi", hi), ("previous", prev),
        ("change", change), ("rate_per_10k", value / _population(m, src, dims, levels, builder)[:, None] * 1e4))})
    cols.update({"change_p": pc, "change_significant": (np.nan_to_num(pc, nan=1.0) < alpha, np.isnan(pc)),
                 "complete": np.tile(complete, len(kept))})
    cols["__n__"] = n
    return cols


def _immature(m: cat.Measure, lasts: np.ndarray, d1: Optional[int], builder: Builder) -> np.ndarray:
    """Per period: True where it ends fewer than ``m.maturity_days`` before the data's last day.

    Such a period's rows can still gain the later records the measure counts (an assessment
    started weeks after the episode opened): its figure is provisional, not complete. A period
    ``end`` cuts short ends on ``end``.
    """
    out = np.zeros(len(lasts), dtype=bool)
    if not m.maturity_days:
        return out
    last_day = builder.last_day(m.source, m.date)
    if last_day is None:
        return out
    ends = _mdate(lasts, True).astype("datetime64[D]").astype(np.int64)
    if d1 is not None:
        ends = np.minimum(ends, d1)
    return (last_day - ends) < m.maturity_days


def _weighted_count_tests(src: Source, m: cat.Measure, num: np.ndarray, prev_num: np.ndarray,
                          alpha: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval and change test of a sum of weights (children referred), from the weights' dispersion.

    The exact Poisson interval and test of a count treat the sum as a count of events: too narrow
    when an event carries more than 1 (a request about three children). The variance of a sum of
    weights is the sum of its events' squared weights, taken here as the sum times the measure's
    dispersion, ``sum(w**2) / sum(w)`` over all its rows (the council's, every date), as the
    largest weight is. A cell's own sum of squares would tell how its sum splits into events:
    6 children whose squares add to 8 can only be 5 requests, a count the pack may hide. So a
    cell's interval and test depend only on its own sum (and the sum a year before) and on two
    figures of the whole council. Negative weights have neither (a sum that can fall is not a count).
    """
    w = src.frame[m.weight].to_numpy(dtype=float)[_mask(src, m, "numerator")]
    if len(w) and w.min() < 0:
        nan = np.full_like(num, np.nan)
        return nan, nan.copy(), nan.copy()
    total = float(w.sum())
    dispersion = float((w * w).sum()) / total if total > 0 else 1.0
    lo, hi = weighted_poisson_interval(num, num * dispersion, max(float(w.max()) if len(w) else 1.0, 1e-300),
                                       alpha)
    return lo, hi, change_test(num, num * dispersion, prev_num, prev_num * dispersion, "weighted_count")


def _population(m: cat.Measure, src: Source, dims: List[str], levels: List[pd.Index],
                builder: Builder) -> np.ndarray:
    """Child population per group for counts per 10,000 children (NaN where it does not apply)."""
    G = int(np.prod([len(lv) for lv in levels])) if levels else 1
    if m.kind not in ("count", "stock") or any(d != "locality" for d in dims):
        return np.full(G, np.nan)
    try:
        pop = builder.population()
    except Exception:  # no usable child_population: no rates
        return np.full(G, np.nan)
    if dims:
        p = pd.Series(list(levels[0])).map(pop).to_numpy(dtype=float, na_value=np.nan)
    else:
        p = np.array([_council_population(m, src, pop, builder)])
    return np.where(p > 0, p, np.nan)


def _council_population(m: cat.Measure, src: Source, pop: pd.Series, builder: Builder) -> float:
    """The council's children: the sum over its localities, NaN when a locality's is unknown.

    Unknown is missing, or 0 for a locality the measure has rows in: the council's count takes in
    that locality's events, so a sum of the others' children would give too high a rate (why is
    kept in ``builder.no_rate`` for the result's ``attrs``).
    """
    if not len(pop):
        return np.nan
    missing = pop.index[pop.isna()].tolist()
    zero = pop.index[pop.fillna(1) <= 0].tolist()
    if zero:   # a locality of no children that has no events changes nothing
        codes_, _, levels = _groups(src, _group_dims(m, ["locality"]))
        seen = set(levels[0][np.unique(codes_[_mask(src, m, "numerator")])])
        zero = [name for name in zero if name in seen]
    if not (missing or zero):
        return float(pop.sum())
    said = []
    if missing:
        said.append(f"missing for {', '.join(map(str, missing))}")
    if zero:
        said.append(f"0 for {', '.join(map(str, zero))}, which {m.source} are counted in")
    builder.no_rate[m.id] = ("localities.child_population is " + "; ".join(said) + ": the council's children are "
                             "not known, so its rate_per_10k has no value")
    return np.nan


def _assemble(parts: List[Dict[str, Any]], ids: List[str], dims: List[str]) -> pd.DataFrame:
    """One DataFrame from the measures' column arrays (categoricals built once)."""
    sizes = [p["__n__"] for p in parts]
    data: Dict[str, Any] = {"measure": pd.Categorical.from_codes(
        np.repeat(np.array([ids.index(p["__id__"]) for p in parts], dtype=np.int32), sizes), categories=ids)}
    for col in ("period", *dims):
        cats = list(dict.fromkeys(c for p in parts for c in p[col][1]))
        where = {c: i for i, c in enumerate(cats)}
        codes_ = [np.array([where[c] for c in p[col][1]], dtype=np.int64)[p[col][0]] for p in parts]
        data[col] = pd.Categorical.from_codes(np.concatenate(codes_), categories=cats, ordered=col == "period")
        if col == "period":
            data["period_start"] = np.concatenate([p["period_start"] for p in parts])
            data["period_end"] = np.concatenate([p["period_end"] for p in parts])
    starts = np.r_[0, np.cumsum(sizes)]

    def gather(col: str) -> np.ndarray:
        out = np.empty(int(starts[-1]))
        for k, p in enumerate(parts):
            arr, idx = p[col]
            np.take(np.ascontiguousarray(arr, dtype=float).ravel(), idx, out=out[starts[k]:starts[k + 1]])
        return out

    for col in ("numerator", "denominator", "value", "lo", "hi", "previous", "change"):
        data[col] = gather(col)
    data["change_p"] = np.concatenate([p["change_p"] for p in parts])
    data["change_significant"] = pd.arrays.BooleanArray(np.concatenate([p["change_significant"][0] for p in parts]),
                                                        np.concatenate([p["change_significant"][1] for p in parts]))
    data["rate_per_10k"] = gather("rate_per_10k")
    data["complete"] = np.concatenate([p["complete"] for p in parts])
    # copy=False: one block per column, nothing stacked into a 2-D block or copied again
    return pd.DataFrame(data, copy=False)


def _empty(dims: List[str]) -> pd.DataFrame:
    cols = ["measure", "period", "period_start", "period_end", *dims, "numerator", "denominator", "value", "lo",
            "hi", "previous", "change", "change_p", "change_significant", "rate_per_10k", "complete"]
    return pd.DataFrame({c: [] for c in cols})


def blocked_by(ds, measures=None) -> pd.DataFrame:
    """Which measures cannot be computed on this Dataset, and the table or column missing.

    Parameters
    ----------
    ds : Dataset
        the council's data.
    measures : sequence of str, optional
        measure ids (default all).

    Returns
    -------
    DataFrame
    """
    b = Builder(ds)
    rows = []
    for m in resolve_measures(measures):
        try:
            b.check(m, ())
        except MissingData as exc:
            rows.append(dict(measure=m.id, missing=exc.what, reason=exc.reason))
    return pd.DataFrame(rows, columns=["measure", "missing", "reason"])
