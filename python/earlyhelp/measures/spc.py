"""Statistical process control as NHS England's "Making Data Count" reads it.

* :func:`xmr` - an XmR (individuals) chart: centre = mean, limits = mean +/- 2.66 x mean moving
  range, recalculated from each known change point, with one flag column per rule:
  ``beyond_limits`` (a point outside the limits), ``shift`` (a run of ``shift_run`` = 7 points on
  one side of the centre line), ``trend`` (``trend_run`` = 6 points all rising or all falling),
  ``two_of_three`` (two of three points beyond 2 sigma, i.e. beyond mean +/- 1.77 (2/3 of 2.66) x
  mean moving range, all three on the same side).
* :func:`variation` and :func:`assurance` - the programme's icons: special cause improvement or
  concern (high/low) or common cause; the target consistently passed, hit and miss, or
  consistently failed.
* :func:`funnel` - a funnel plot's limits (95% and 99.8%) around the overall rate by denominator,
  for comparing localities or councils: exact binomial or Poisson, so a unit at the overall rate
  is above (or below) a limit with probability at most (1 - level) / 2.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import Problem, ValidationError
from .._numbers import is_real

D2 = 1.128                      # moving range of two: E|x1 - x2| = 1.128 sigma
# 3 / D2 = 2.6596, rounded as Making Data Count (and NHSRplotthedots) draw their charts: the
# limits match theirs and a hand calculation from the guidance
LIMIT = 2.66                    # three sigma
NEAR = 2.0 * LIMIT / 3.0        # 1.7733: two sigma
#: Making Data Count: limits resting on fewer points are provisional (``xmr``'s ``provisional`` column)
MIN_POINTS = 15
ROUNDING = 1e-12                # differences below this share of a series' scale are rounding, not variation

RULES = ("beyond_limits", "shift", "trend", "two_of_three")


def xmr(series: pd.Series, *, change_points: Optional[Iterable] = None, baseline: Optional[int] = None,
        shift_run: int = 7, trend_run: int = 6, min_points: int = MIN_POINTS) -> pd.DataFrame:
    """An XmR chart of ``series`` with the Making Data Count rules.

    Parameters
    ----------
    series : values in time order (missing values are left out of the limits and flags are False).
        A series indexed by dates (``DatetimeIndex``, ``PeriodIndex`` or an ordered categorical
        such as :func:`compute`'s ``period``) is put in time order first; any other index is
        taken in the order given.
    change_points : index labels where the process is known to change (a new service model);
        centre and limits are recalculated from each (the point itself starts the new phase).
        Each must name exactly one point: a label of the index, or for a date index the date
        (or month, ``"2024-01"`` or a ``Period``) of a point.
    baseline : compute each phase's centre and limits from its first ``baseline`` points only
        and extend them (default: every point of the phase); a whole number from 1 to the
        series' length.
    shift_run, trend_run : run lengths of the shift and trend rules (7 and 6 in Making Data Count);
        whole numbers of at least 2.
    min_points : the fewest points a phase's limits may rest on and not be provisional
        (``MIN_POINTS`` = 15, as Making Data Count advises); a whole number of at least 2.

    Returns
    -------
    DataFrame
        Indexed like ``series`` (in time order) with ``value, centre, lower, upper, near_lower,
        near_upper, moving_range, phase, provisional`` and one boolean column per rule
        (``beyond_limits, shift, trend, two_of_three``) plus ``special_cause`` (any rule). A point
        within a rounding error of the centre (1e-12 of the series' scale) counts as on it, and one
        within that of a limit as inside it: a series that never varies has no special cause.

        ``provisional`` is True for the points of a phase whose centre and limits rest on fewer
        than ``min_points`` points (the phase's points, or its first ``baseline``): they are
        drawn and the rules read, but the limits will move as points come in, so signals
        against them are tentative. A phase with fewer than two points has no moving range and
        so no limits at all (``lower`` and ``upper`` missing; only the shift and trend rules can
        fire).

    Raises
    ------
    ValidationError
        values that are not numbers or are infinite, values so large that a moving range or a
        limit would pass the largest float (about 1.8e308: give them in larger units), a
        duplicated or missing date in a date index, values that are dates or durations, a change
        point that is not one point of the series, or a ``baseline``, ``shift_run``,
        ``trend_run`` or ``min_points`` that is not a whole number in range.
    """
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    series = _in_time_order(series)
    shift_run = _whole("shift_run", shift_run, 2)
    trend_run = _whole("trend_run", trend_run, 2)
    min_points = _whole("min_points", min_points, 2)
    values = _numbers(series)
    n = len(values)
    if baseline is not None:
        baseline = _whole("baseline", baseline, 1, n if n else None)
    phase = np.zeros(n, dtype=np.int64)
    if change_points is not None:
        if isinstance(change_points, (str, bytes, pd.Timestamp)) or not hasattr(change_points, "__iter__"):
            change_points = [change_points]  # one label, not its letters
        for cp in change_points:
            phase[_change_position(series.index, cp):] += 1
    # Work on the values scaled by a power of two to below 1 in size: exact (the same answer to
    # the last bit), but sums of values near 1e308 (the mean, the mean moving range) cannot overflow.
    exponent = _scale_exponent(values)
    scaled = np.ldexp(values, -exponent)
    centre = np.full(n, np.nan)
    mr_bar = np.full(n, np.nan)
    mr = np.full(n, np.nan)
    tol = np.full(n, np.nan)
    provisional = np.zeros(n, dtype=bool)
    for p in np.unique(phase):
        idx = np.flatnonzero(phase == p)
        v = scaled[idx]
        ok = ~np.isnan(v)
        used = idx[ok]
        if baseline is not None:
            used = used[:baseline]
        vv = scaled[used]
        provisional[idx] = len(vv) < min_points
        if len(vv) == 0:
            continue
        ranges = np.abs(np.diff(vv))
        centre[idx] = vv.mean()
        mr_bar[idx] = ranges.mean() if len(ranges) else np.nan
        # rounding in the mean is not variation: 0.7 repeated has a mean 1e-16 off 0.7
        tol[idx] = ROUNDING * max(float(np.abs(vv).max()), float(np.abs(v[ok]).max()), np.finfo(float).tiny)
        if len(idx) > 1:  # moving ranges within the phase (between consecutive observed points)
            obs = idx[ok]
            mr[obs[1:]] = np.abs(np.diff(scaled[obs]))
    upper, lower = centre + LIMIT * mr_bar, centre - LIMIT * mr_bar
    near_up, near_lo = centre + NEAR * mr_bar, centre - NEAR * mr_bar
    with np.errstate(invalid="ignore"):
        beyond = np.nan_to_num((scaled > upper + tol) | (scaled < lower - tol), nan=False).astype(bool)
        off = scaled - centre
        side = np.where(np.abs(off) > tol, np.sign(off), 0.0)
        near = ~beyond & ((scaled > near_up + tol) | (scaled < near_lo - tol))
    side[np.isnan(side)] = 0
    lines = {"centre": centre, "lower": lower, "upper": upper, "near_lower": near_lo, "near_upper": near_up,
             "moving_range": mr}
    with np.errstate(over="ignore"):  # refused just below
        lines = {name: np.ldexp(line, exponent) for name, line in lines.items()}
    _check_representable(series, values, lines)
    out = pd.DataFrame({"value": values, **lines, "phase": phase, "provisional": provisional}, index=series.index)
    out["beyond_limits"] = beyond
    out["shift"] = _runs_same_side(side, phase, shift_run)
    out["trend"] = _trends(scaled, phase, trend_run)
    out["two_of_three"] = _two_of_three(near, side, phase)
    out["special_cause"] = out[list(RULES)].any(axis=1)
    return out


def _change_position(index: pd.Index, cp) -> int:
    """The position of the point a change point names: one label of the index, matched exactly
    (a month's label or date names that month; '2024-01-15' does not name January's point)."""
    def refuse(message: str) -> ValidationError:
        shown = [str(x) for x in index[:1].append(index[-1:])] if len(index) else []
        span = f" (the series runs from {shown[0]} to {shown[-1]})" if shown else " (the series is empty)"
        return ValidationError(Problem("xmr", "change_points", f"change point {cp!r} {message}{span}",
                                       value=str(cp)))

    keys = [cp]
    if isinstance(index, pd.DatetimeIndex) and isinstance(cp, pd.Period):
        keys.append(cp.start_time)
    elif isinstance(index, pd.PeriodIndex) and not isinstance(cp, pd.Period):
        try:
            keys.append(pd.Period(cp, freq=index.freq))
        except (TypeError, ValueError):
            pass
    for key in keys:
        try:
            found = index.get_indexer([key]) if index.is_unique else None
        except (TypeError, ValueError):
            found = np.array([-1])
        if found is None:   # an index with a label twice: its change point must be a label once
            matches = np.flatnonzero(index == key) if not isinstance(key, (list, tuple)) else []
            if len(matches) > 1:
                raise refuse("is more than one point of the series: a change point must name one")
            found = matches if len(matches) else np.array([-1])
        if found[0] >= 0:
            return int(found[0])
    raise refuse("is not in the series index: name one of its points (a label, or a point's date or month)")


def _scale_exponent(values: np.ndarray) -> int:
    """The power of two that brings the largest value below 1 in size (0 when it already is)."""
    finite = values[np.isfinite(values)]
    largest = float(np.abs(finite).max()) if len(finite) else 0.0
    return int(np.frexp(largest)[1]) if largest >= 1 else 0


def _check_representable(series: pd.Series, values: np.ndarray, lines: dict) -> None:
    """A moving range or limit past the largest float (values near +/-1e308) is refused: it would
    be infinite, and every comparison with it meaningless."""
    over = np.zeros(len(values), dtype=bool)
    for line in lines.values():
        over |= np.isinf(line)
    if over.any():
        largest = np.finfo(float).max
        big = values[np.isfinite(values)]
        raise ValidationError(Problem("xmr", "value", f"is so large that the chart's moving ranges or limits pass "
                                      f"the largest number a float holds ({largest:.3g}): give the values in larger "
                                      "units (thousands, millions)", rows=list(series.index[over][:10]),
                                      n_rows=int(over.sum()), value=float(big[np.argmax(np.abs(big))])))


def _in_time_order(series: pd.Series) -> pd.Series:
    """The series sorted by a date-like index (dates, periods, ordered categories); else as given."""
    index = series.index
    dated = isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or \
        (isinstance(index, pd.CategoricalIndex) and index.ordered)
    if not dated:
        return series
    missing = pd.isna(index) if not isinstance(index, pd.CategoricalIndex) else index.codes < 0
    if np.any(missing):
        raise ValidationError(Problem("xmr", "index", "has a missing date: a point with no time cannot be "
                                      "placed in the chart", n_rows=int(np.sum(missing)),
                                      rows=list(np.flatnonzero(missing)[:10])))
    twice = index[index.duplicated()]
    if len(twice):
        raise ValidationError(Problem("xmr", "index", "has a date more than once, so the order of the points "
                                      "is unknown (one series per chart: split groups first)",
                                      rows=[str(t) for t in twice[:10]], n_rows=len(twice)))
    return series if index.is_monotonic_increasing else series.sort_index(kind="stable")


def _numbers(series: pd.Series) -> np.ndarray:
    """The values as floats; text that is not a number and infinities are refused, not dropped."""
    kind = series.dtype
    if pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind) \
            or isinstance(kind, pd.PeriodDtype) \
            or (kind == object and series.map(lambda v: isinstance(v, (pd.Timestamp, pd.Timedelta, pd.Period,
                                                                         np.datetime64, np.timedelta64))).any()):
        # a date read as a number is nanoseconds since 1970: a chart of nothing
        raise ValidationError(Problem("xmr", "value", f"holds dates or durations ({kind}), not numbers: chart a "
                                      "number per point (a count, a share, days as a number)",
                                      value=str(series.dropna().iloc[0]) if series.notna().any() else None))
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    text = np.isnan(values) & series.notna().to_numpy()
    for bad, message in ((text, "is not a number"), (np.isinf(values), "is infinite")):
        if bad.any():
            labels = list(series.index[bad])
            raise ValidationError(Problem("xmr", "value", f"{message} (an XmR chart needs a number or a missing "
                                          "value at each point)", rows=labels[:10], n_rows=int(bad.sum()),
                                          value=series[bad].iloc[0]))
    return values


def _whole(name: str, value, least: int, most: Optional[int] = None) -> int:
    """A parameter that must be a whole number from ``least`` (to ``most``)."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= least \
        and (most is None or value <= most)
    if not ok:
        limit = f"from {least} to {most}" if most is not None else f"of at least {least}"
        raise ValidationError(Problem("xmr", name, f"must be a whole number {limit}", value=value))
    return int(value)


def _runs_same_side(side: np.ndarray, phase: np.ndarray, k: int) -> np.ndarray:
    """Points in a run of at least k consecutive points on one side (a point on the line breaks it)."""
    n = len(side)
    flags = np.zeros(n, dtype=bool)
    start = 0
    for i in range(1, n + 1):
        if i == n or side[i] != side[start] or phase[i] != phase[start] or side[i] == 0:
            if side[start] != 0 and i - start >= k:
                flags[start:i] = True
            start = i
    return flags


def _trends(values: np.ndarray, phase: np.ndarray, k: int) -> np.ndarray:
    """Points in k or more consecutive points each higher (or each lower) than the one before
    (within a phase: a change point starts counting afresh)."""
    n = len(values)
    flags = np.zeros(n, dtype=bool)
    d = np.sign(np.diff(values))
    d[np.isnan(d)] = 0
    d[np.diff(phase) != 0] = 0
    start = 0  # run of equal-signed differences d[start:i]
    for i in range(1, len(d) + 1):
        if i == len(d) or d[i] != d[start] or d[i] == 0:
            if d[start] != 0 and (i - start) + 1 >= k:
                flags[start:i + 1] = True
            start = i
    return flags


def _two_of_three(near: np.ndarray, side: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Near points in a window of three with at least two near and all three on the same side."""
    n = len(near)
    flags = np.zeros(n, dtype=bool)
    for s in range(0, n - 2):
        w = slice(s, s + 3)
        if near[w].sum() >= 2 and abs(side[w].sum()) == 3 and phase[s] == phase[s + 2]:
            flags[w] |= near[w]
    return flags


def variation_period(chart: pd.DataFrame):
    """The index label of the point :func:`variation` reads: the latest with a value (None if none).

    A hidden or missing latest value moves the icon to an earlier period: show this period with
    the icon, not the latest period of the table.

    Parameters
    ----------
    chart : DataFrame
        :func:`xmr` output.

    Returns
    -------
    label of ``chart.index`` or None
    """
    last = chart.dropna(subset=["value"]).tail(1)
    return last.index[0] if len(last) else None


def variation(chart: pd.DataFrame, direction: str = "higher_is_better") -> Optional[str]:
    """The variation icon of the latest point with a value (:func:`variation_period` says which):
    ``special_cause_improvement_high`` (or ``_low``), ``special_cause_concern_high`` (or ``_low``),
    ``special_cause_neither_high`` (``_low``) for a measure without a direction, or ``common_cause``;
    ``too_few_points`` when no rule fired and the latest point has no limits (its phase has one
    point); None when no point has a value (there is nothing to read: "common cause" would say
    the measure is steady).

    Parameters
    ----------
    chart : DataFrame
        :func:`xmr` output.
    direction : str, default "higher_is_better"
        ``higher_is_better``, ``lower_is_better`` or ``neither``.

    Returns
    -------
    str or None

    Raises
    ------
    ValidationError
        a ``direction`` other than ``higher_is_better``, ``lower_is_better`` or ``neither``.
    """
    _check_direction("variation", direction)
    last = chart.dropna(subset=["value"]).tail(1)
    if last.empty:
        return None
    if not bool(last["special_cause"].iloc[0]):
        # a point without limits (its phase has one point) shows no variation either way
        return "common_cause" if pd.notna(last["upper"].iloc[0]) else "too_few_points"
    row = last.iloc[0]
    if bool(row["trend"]) and not (row["beyond_limits"] or row["shift"] or row["two_of_three"]):
        prev = chart["value"].dropna()
        high = len(prev) > 1 and prev.iloc[-1] > prev.iloc[-2]
    else:
        high = row["value"] > row["centre"]
    side = "high" if high else "low"
    if direction == "neither":
        return f"special_cause_neither_{side}"
    good = (direction == "higher_is_better") == high
    return f"special_cause_{'improvement' if good else 'concern'}_{side}"


def assurance(chart: pd.DataFrame, target: Optional[float], direction: str = "higher_is_better") -> str:
    """``consistently_pass``, ``hit_and_miss``, ``consistently_fail``, ``no_target`` or
    ``not_assessable``, from the latest phase's limits against the target.

    A missing target (None, NaN of any float type, ``pd.NA``) gives ``no_target``; a target that
    cannot be judged (the chart has no limits yet, or the measure has no direction to meet it
    in) gives ``not_assessable``, never "no target".

    Raises
    ------
    ValidationError
        a ``direction`` other than ``higher_is_better``, ``lower_is_better`` or ``neither``, or a
        ``target`` that is not a number (text such as ``"0.8"``, a bool) or is infinite.
    """
    _check_direction("assurance", direction)
    if _missing(target):
        return "no_target"
    if not is_real(target) or not np.isfinite(float(target)):
        # text compared with the limits raised a bare TypeError; True would pass as 1
        raise ValidationError(Problem("assurance", "target", "must be a finite number (or missing for no target)",
                                      value=target))
    target = float(target)
    if direction == "neither":
        return "not_assessable"
    last = chart.dropna(subset=["upper", "lower"]).tail(1)
    if last.empty:
        return "not_assessable"
    lo, hi = float(last["lower"].iloc[0]), float(last["upper"].iloc[0])
    if direction == "higher_is_better":
        return "consistently_pass" if target <= lo else "consistently_fail" if target >= hi else "hit_and_miss"
    return "consistently_pass" if target >= hi else "consistently_fail" if target <= lo else "hit_and_miss"


def _missing(value) -> bool:
    """None, ``pd.NA``, ``pd.NaT`` or a NaN of any float type (``np.float32('nan')`` is not a Python float)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return is_real(value) and bool(np.isnan(float(value)))


def _check_direction(where: str, direction: str) -> None:
    """A misspelt direction ('higher is better') read as lower is better: the icons came out inverted."""
    from ._catalogue import DIRECTIONS

    if direction not in DIRECTIONS:
        raise ValidationError(Problem(where, "direction", f"must be one of {', '.join(DIRECTIONS)}",
                                      value=direction))


def variation_summary(results: pd.DataFrame, *, targets: Optional[dict] = None, by: Sequence[str] = (),
                      change_points: Optional[dict] = None, min_points: int = MIN_POINTS) -> pd.DataFrame:
    """One row per measure (and group): latest value, variation and assurance icons, from
    :func:`earlyhelp.measures.compute` output.

    Each group's rows are put in time order first (by ``period_start`` where the frame has it,
    else by ``period`` when that is ordered, as :func:`compute` makes it; otherwise in the order
    given), so a sorted or filtered frame gives the same summary. Where the frame has
    ``complete`` (as :func:`compute`'s has), a period that is not complete (a part month, a
    provisional one) is charted without its value, as the pack charts it: its figure is not yet
    comparable with the others, so the icons read the latest complete period (``latest_period``).

    Parameters
    ----------
    results : DataFrame
        :func:`compute` output.
    targets : dict, optional
        target per measure id (each a measure of ``results``).
    by : sequence of str, default ()
        group columns.
    change_points : dict, optional
        periods where a measure's process changed, per measure id (each a measure of
        ``results``; each period one of its chart, see :func:`xmr`).
    min_points : int, default ``MIN_POINTS`` (15)
        the fewest points limits may rest on and not be provisional (see :func:`xmr`).

    Returns
    -------
    DataFrame
        per measure (and group): ``latest_period`` (the latest complete period with a value: the
        one the icons describe, earlier than the table's last period when that has none or is not
        complete), ``latest, centre, lower, upper, points`` (the periods charted),
        ``incomplete`` (the periods left out as not complete), ``provisional`` (the latest point's
        limits rest on fewer than ``min_points`` points, so its icons are tentative), ``variation,
        assurance, target, direction`` and ``note``. A measure with no complete period charted
        (``points`` 0: every period a part period or within its look-back or maturity) has no icon:
        ``variation`` and ``assurance`` are None, and ``note`` says why ("no complete period to
        read", or "no period with a value"); ``note`` is empty otherwise.

    Raises
    ------
    ValidationError
        a column missing, a period repeated within a group, ``rolling_12m`` results (windows a
        month apart overlap: the rules' false-signal rates hold for separate periods only), a
        ``targets`` or ``change_points`` key that is not a measure of ``results``, or a change
        point that is not one of its periods.
    """
    from ._catalogue import get

    missing = [c for c in ("measure", "period", "value", *by) if c not in results.columns]
    if missing:
        raise ValidationError(Problem("variation_summary", ", ".join(missing), "column missing: pass the output "
                                      "of measures.compute (and name its groups in by=)"))
    rolling = results.attrs.get("period") == "rolling_12m" or \
        results["period"].astype(str).str.startswith("12 months to").any()
    if rolling:
        # 12-month windows a month apart share 11 months: the points are not independent and the
        # rules fire on almost every unchanged series (98% of 24-point charts of Poisson counts)
        raise ValidationError(Problem("variation_summary", "period", "is rolling_12m: overlapping 12-month "
                                      "windows cannot be read with SPC rules; compute period='month' (or "
                                      "'quarter') for the chart"))
    present = set(results["measure"].astype(str))
    for name, given in (("targets", targets), ("change_points", change_points)):
        if given is None:
            continue
        if not isinstance(given, dict):
            raise ValidationError(Problem("variation_summary", name, "must be a dict of measure id to "
                                          f"{'a target' if name == 'targets' else 'change points'}", value=given))
        unknown = sorted(str(k) for k in given if str(k) not in present)
        if unknown:
            # a misspelt id would silently leave the catalogue's target (or no change point) in place
            raise ValidationError([Problem("variation_summary", f"{name}.{k}", "is not a measure of the results; "
                                           f"their measures: {', '.join(sorted(present))}", value=k)
                                   for k in unknown])
    rows = []
    keys = ["measure", *by]
    if "complete" in results.columns:   # charted without their values, as the pack charts them
        whole = results["complete"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        results = results.assign(value=results["value"].where(whole))
    for key, g in results.groupby(keys, observed=True, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        mid = str(key[0])
        try:
            m = get(mid)
            direction, target = m.direction, m.targets.get("target")
        except KeyError:
            direction, target = "neither", None
        if targets and mid in targets:
            target = targets[mid]
        s = _period_series(g, dict(zip(keys, key)))
        chart = xmr(s, change_points=(change_points or {}).get(mid), min_points=min_points)
        last = chart.dropna(subset=["value"]).tail(1)
        # no complete period charted: no icon, and the row says why
        incomplete = int((~g["complete"].astype("boolean").fillna(False)).sum()) if "complete" in g.columns else 0
        note = "" if len(last) else "no complete period to read" if incomplete else "no period with a value"
        rows.append(dict(zip(keys, key), latest_period=variation_period(chart),
                         latest=float(last["value"].iloc[0]) if len(last) else np.nan,
                         centre=float(last["centre"].iloc[0]) if len(last) else np.nan,
                         lower=float(last["lower"].iloc[0]) if len(last) else np.nan,
                         upper=float(last["upper"].iloc[0]) if len(last) else np.nan,
                         points=int(chart["value"].notna().sum()),
                         incomplete=incomplete,
                         provisional=bool(last["provisional"].iloc[0]) if len(last) else True,
                         variation=variation(chart, direction),
                         assurance=assurance(chart, target, direction) if len(last) else None,
                         target=target if target is not None else np.nan, direction=direction, note=note))
    return pd.DataFrame(rows)


def _period_series(group: pd.DataFrame, where: dict) -> pd.Series:
    """One group's values indexed by period, in time order; a period twice is refused."""
    twice = group["period"].duplicated()
    if twice.any():
        raise ValidationError(Problem("variation_summary", "period", f"repeats within {where}: the results are "
                                      "split by groups not named in by= (e.g. by=['locality'])",
                                      rows=[str(p) for p in group.loc[twice, "period"].head(10)],
                                      n_rows=int(twice.sum())))
    if "period_start" in group.columns and group["period_start"].notna().all():
        group = group.sort_values("period_start", kind="stable")
    elif isinstance(group["period"].dtype, pd.CategoricalDtype) and group["period"].cat.ordered:
        group = group.sort_values("period", kind="stable")
    return group.set_index("period")["value"]


def funnel(numerator, denominator, *, labels=None, overall: Optional[float] = None,
           kind: str = "proportion", levels: Sequence[float] = (0.95, 0.998), points: int = 200) -> dict:
    """Funnel plot limits for comparing units (localities, councils) on a rate.

    Parameters
    ----------
    numerator, denominator : per unit (events and the population or opportunities).
    overall : the target rate (default the pooled rate sum(numerator) / sum(denominator)); a
        proportion from 0 to 1 for ``kind="proportion"``, a finite rate >= 0 for ``"rate"``.
    kind : ``"proportion"`` (binomial limits) or ``"rate"`` (Poisson limits, per unit of denominator).
    levels : two-sided coverage of the limits, each strictly between 0 and 1 (0.95 and 0.998 by
        default): a unit drawn at ``overall`` is outside each limit with probability at most
        ``(1 - level) / 2`` (the exact one-sided test), less at small denominators.
    labels : sequence, optional
        a name per unit.
    points : int, default 200
        points along each limit line.

    Returns
    -------
    dict with ``units`` (DataFrame: label, numerator, denominator, value, and for each level
    ``lower_<level>``, ``upper_<level>`` at the unit's denominator and ``outside_<level>``),
    ``curve`` (DataFrame of limits over a grid of denominators, for drawing) and ``overall``.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.ndim != 1 or den.ndim != 1:
        raise ValueError("numerator and denominator must be one value per unit (a list, an array or a Series), "
                         f"not {'a single number' if min(num.ndim, den.ndim) == 0 else 'a table'}")
    if num.shape != den.shape:
        raise ValueError("numerator and denominator must have the same length")
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', not {kind!r}")
    _check_funnel_units(num, den, labels, kind)
    _check_funnel_parameters(overall, levels, points, kind)
    p0 = float(num.sum() / den.sum()) if overall is None else float(overall)
    if kind == "rate" and den.max() * 1.2 * p0 > MAX_FUNNEL_EVENTS:
        from .._errors import Problem, ValidationError

        raise ValidationError(Problem("funnel", "overall", f"a rate of {p0:g} expects up to {den.max() * p0:g} "
                                      f"events in a unit: above {MAX_FUNNEL_EVENTS:g}, where the Poisson limits "
                                      "cannot be computed (give the denominator in larger units)"))
    units = pd.DataFrame({"label": list(labels) if labels is not None else np.arange(len(num)),
                          "numerator": num, "denominator": den, "value": num / den})
    grid = np.unique(np.round(np.geomspace(max(1.0, den.min() / 2), den.max() * 1.2, points)))
    curve = pd.DataFrame({"denominator": grid})
    for lev in levels:
        tag = f"{lev * 100:g}".replace(".", "_")
        for frame, n in ((units, den), (curve, grid)):
            lo, hi = _funnel_limits(p0, n, lev, kind)
            frame[f"lower_{tag}"] = lo
            frame[f"upper_{tag}"] = hi
        units[f"outside_{tag}"] = (units["value"] < units[f"lower_{tag}"]) | (units["value"] > units[f"upper_{tag}"])
    return {"units": units, "curve": curve, "overall": p0}


#: the largest denominator a funnel takes, and for rates the largest expected count (Poisson
#: quantiles are not computed beyond about 4e10; binomial ones hold to 1e15)
MAX_FUNNEL_COUNT = 1e15
MAX_FUNNEL_EVENTS = 1e10


def _check_funnel_units(num: np.ndarray, den: np.ndarray, labels, kind: str) -> None:
    """Every unit needs a finite numerator >= 0 and denominator > 0 (and, for a proportion,
    numerator <= denominator): one bad unit would otherwise blank every unit's limits."""
    from .._errors import Problem, ValidationError

    names = np.asarray(list(labels) if labels is not None else np.arange(len(num)), dtype=object)
    if len(names) != len(num):
        raise ValidationError(Problem("funnel", "labels", f"{len(num)} numerators, {len(den)} denominators and "
                                      f"{len(names)} labels: one of each per unit"))
    checks = [("numerator", ~np.isfinite(num) | (num < 0), num, "must be a number >= 0"),
              ("denominator", ~np.isfinite(den) | (den <= 0), den, "must be a positive number"),
              ("denominator", np.isfinite(den) & (den > MAX_FUNNEL_COUNT), den,
               f"is above {MAX_FUNNEL_COUNT:g}, beyond any population (the exact limits are counts, and "
               "counts that large would not finish)")]
    if kind == "proportion":
        checks.append(("numerator", np.isfinite(num) & np.isfinite(den) & (den > 0) & (num > den), num,
                       "is more than its denominator (a proportion is at most 1)"))
    problems = [Problem("funnel", column, message, rows=list(names[bad][:10]), n_rows=int(bad.sum()),
                        value=values[bad][0])
                for column, bad, values, message in checks if bad.any()]
    if len(num) == 0:
        problems.append(Problem("funnel", None, "no units to compare"))
    if problems:
        raise ValidationError(problems)


def _check_funnel_parameters(overall, levels, points, kind: str) -> None:
    """``overall`` a rate (a proportion from 0 to 1), ``levels`` coverages strictly between 0 and 1
    (0.95, not 95), ``points`` a whole number >= 2: anything else gave limits of NaN."""
    problems = []
    if overall is not None:
        ok = isinstance(overall, (int, float, np.integer, np.floating)) and not isinstance(overall, bool) \
            and np.isfinite(overall) and overall >= 0 and (kind == "rate" or overall <= 1)
        if not ok:
            what = "a proportion from 0 to 1" if kind == "proportion" else "a finite rate >= 0"
            problems.append(Problem("funnel", "overall", f"must be {what}", value=overall))
    levels = list(levels) if not isinstance(levels, (str, bytes)) and np.ndim(levels) == 1 else [levels]
    for lev in levels:
        ok = isinstance(lev, (int, float, np.integer, np.floating)) and not isinstance(lev, bool) \
            and np.isfinite(lev) and 0 < lev < 1
        if not ok:
            problems.append(Problem("funnel", "levels", "must be coverages strictly between 0 and 1 (0.95 for "
                                    "95%)", value=lev))
    if not levels:
        problems.append(Problem("funnel", "levels", "must name at least one coverage, e.g. (0.95, 0.998)"))
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        problems.append(Problem("funnel", "points", "must be a whole number of at least 2", value=points))
    if problems:
        raise ValidationError(problems)


def _funnel_limits(p0: float, n: np.ndarray, level: float, kind: str):
    """Exact limits with the interpolation of Spiegelhalter (2005) for discrete distributions,
    taken from each limit's own tail.

    The lower limit interpolates between the counts ``r - 1`` and ``r`` around the lower
    quantile; the upper limit does the same on the upper tail (the lower limit of ``n - X``
    for a proportion, the mirrored survival function for a rate). A unit is then outside a
    limit exactly when its count's one-sided tail probability is below ``(1 - level) / 2``,
    so each limit flags at most that share of units drawn at ``p0`` (fewer at small
    denominators, where the counts are coarse). Interpolating the upper limit from below, as
    the lower one is, put it under the largest count that passes and flagged that count:
    three times the nominal share above the 95% limit at denominators under 20.
    """
    a = (1 - level) / 2
    n = np.asarray(n, dtype=float)
    dist = stats.binom(np.round(n).astype(int), p0) if kind == "proportion" else stats.poisson(n * p0)
    lower = _interpolated_quantile(dist.cdf, dist.ppf(a), a)
    # upper tail: u = the largest count whose P(X >= u) is at least a; the limit lies in [u, u + 1)
    u = dist.isf(a)
    s_u, s_u1 = dist.sf(u - 1), dist.sf(u)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(s_u > s_u1, (s_u - a) / (s_u - s_u1), 0.0)
    upper = u + np.clip(beta, 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = lower / n, upper / n
    top = None if kind == "rate" else 1
    return np.clip(lo, 0, top), np.clip(hi, 0, top)


def _interpolated_quantile(cdf, r: np.ndarray, q: float) -> np.ndarray:
    """``r - alpha`` with ``r`` the q-quantile (smallest count with cdf >= q) and alpha the share
    of the step at ``r`` above q (Spiegelhalter 2005, appendix A.1.1)."""
    c_r, c_r1 = cdf(r), cdf(r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(c_r > c_r1, (c_r - q) / (c_r - c_r1), 0.0)
    return r - alpha
