"""From forecast episodes to open caseload and practitioners needed.

``episode_duration_curve`` estimates how long Early Help episodes stay open (Kaplan-Meier:
closed episodes are events, open ones are censored at the data date). ``capacity`` convolves
forecast episodes opened with that curve to get open caseload at the end of each period, and
divides by the caseload one full-time practitioner holds to get FTE, with intervals and
scenarios.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_finite_real, is_real
from ..results import Excluded, Exclusions, FrameResult
from ._dates import period_text, without_zone
from ._level_arg import level_list
from .accuracy import _flat_columns, _levels, series_gaps
from .demand import _data_date, _ends_after_reason, _local_dates, _local_day

DAYS_PER_WEEK = 7.0
WEEKS_PER_MONTH = 365.25 / 12.0 / DAYS_PER_WEEK
SCENARIO_KEYS = ("inflow", "requests", "duration", "step_up_rate", "caseload_per_fte")
#: the longest an episode may stay open, in periods: 5,000 periods is 96 years of weeks and
#: 13 years of days; beyond it the curve's memory and time grow without bound (a duration of
#: 1e6 weeks or periods of 1e-9 weeks would need billions of periods)
MAX_KERNEL_PERIODS = 5000


class DurationCurve(FrameResult):
    """:func:`episode_duration_curve`'s table with the facts about it.

    Attributes
    ----------
    mean_weeks : restricted mean duration (the curve is taken to reach 0 after the last time).
    median_weeks : median duration (NaN when the curve never falls to one half).
    n_closed, n_open : episodes closed by ``as_of`` (events) and still open (censored), those
        whose end date is after ``as_of`` among the open.
    step_up_share : the share of closed episodes that ended in a step-up.
    excluded : episodes left out (missing start, end before start, start after ``as_of``) and,
        counted though kept, the end dates after ``as_of`` that were not used (the episode taken as
        open), each with its reason (an :class:`~earlyhelp.results.Exclusions`).
    as_of : the data date open episodes are censored at.
    """

    _metadata = ["mean_weeks", "median_weeks", "n_closed", "n_open", "step_up_share", "excluded", "as_of"]
    mean_weeks: float = float("nan")
    median_weeks: float = float("nan")
    n_closed: int = 0
    n_open: int = 0
    step_up_share: Optional[float] = None
    excluded: Exclusions = Exclusions()
    as_of: Optional[pd.Timestamp] = None


class CapacityPlan(FrameResult):
    """:func:`capacity`'s table with the assumptions behind it.

    Attributes
    ----------
    model : the forecast model column the caseload was computed from.
    period_weeks : the length of one period in weeks.
    lower_bounds_clipped_to_0 : negative lower interval bounds of inflow set to 0.
    warm_start : what the periods before the forecast were taken to be (``"history"`` or the
        steady state; both, with how many series, when only some series had history).
    steady_state_series : the series warm-started at the steady state (no history given, or
        no history before their first forecast period).
    history_extended : ``{series: periods}`` for the series whose history is shorter than the
        longest episode: the periods before it were taken to open as many episodes as the
        history's mean, not none (episodes opened before a short history still count in the
        opening caseload).
    excluded_history : rows of ``history`` not used, by reason (an :class:`~earlyhelp.results.Exclusions`; its
        repr lists the counts): ``"series not in the forecast"``.
    mean_episode_weeks : mean episode duration per scenario.
    durations : in words, which episode durations were used (set by the caller that knows,
        e.g. the forecast run).
    """

    _metadata = ["model", "period_weeks", "lower_bounds_clipped_to_0", "warm_start", "steady_state_series",
                 "history_extended", "excluded_history", "mean_episode_weeks", "durations"]
    model: Optional[str] = None
    period_weeks: float = float("nan")
    lower_bounds_clipped_to_0: int = 0
    warm_start: str = ""
    steady_state_series: List[str] = []
    history_extended: Dict[str, int] = {}
    excluded_history: Exclusions = Exclusions()
    mean_episode_weeks: Dict[str, float] = {}
    durations: Optional[str] = None


# -- duration curve ----------------------------------------------------------------------
def _kaplan_meier(weeks: np.ndarray, closed: np.ndarray):
    """Distinct times, at risk, events, censored and survival just after each time."""
    order = np.argsort(weeks, kind="stable")
    t, e = weeks[order], closed[order]
    times, first = np.unique(t, return_index=True)
    counts = np.diff(np.append(first, len(t)))
    events = np.add.reduceat(e.astype(int), first) if len(t) else np.array([], int)
    at_risk = len(t) - first
    surv = np.cumprod(1.0 - events / at_risk)
    return times, at_risk, events, counts - events, surv


def _step(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Right-continuous step function (1 before the first time) evaluated on grid."""
    idx = np.searchsorted(times, grid, side="right") - 1
    return np.where(idx >= 0, values[np.clip(idx, 0, None)], 1.0)


def episode_duration_curve(ds, *, as_of: Optional[pd.Timestamp] = None,
                           by_outcome: bool = True) -> DurationCurve:
    """Kaplan-Meier survival of Early Help episode duration, in weeks.

    Parameters
    ----------
    ds : Dataset
        The council's data (its ``episodes`` table).
    as_of : Timestamp, optional
        The data date: open episodes are censored here. Default: the date
        :func:`demand_series` counts to, ``ds.meta["as_of"]``, ``["snapshot_date"]`` or
        ``["end_date"]``, else the latest request received, episode started or assessment started
        (no end date sets it). A date with a time zone stands for its own calendar day. Episodes
        starting after it are excluded; an end date after it (a planned end keyed in ahead, or a
        year typed wrong) is not used: the episode is taken as still open at ``as_of`` and counted
        in ``excluded`` with that reason.
    by_outcome : bool, default True
        Also return the empirical duration curves of closed episodes that ended in a
        step-up and of those that ended otherwise (used by the ``step_up_rate`` scenario).

    Returns
    -------
    :class:`DurationCurve`: a DataFrame ``weeks, n_at_risk, events, censored, survival``
    (survival just after ``weeks``; 1 before the first row) and, with ``by_outcome``,
    ``survival_step_up, survival_other``; its fields ``mean_weeks`` (restricted mean: the curve
    is taken to reach 0 after the last time), ``median_weeks``, ``n_closed``, ``n_open``,
    ``step_up_share`` (among closed episodes) and ``excluded`` (missing start, end before
    start, starts after ``as_of``; end dates after ``as_of``, taken as open).

    Raises
    ------
    ValidationError
        no dated episode to take a data date from (give ``as_of``), or no closed episode.
    """
    ep = ds["episodes"]
    start, end = _local_dates(ep["start_date"]), _local_dates(ep["end_date"])
    as_of = _local_day(as_of) if as_of is not None else _data_date(ds)
    if as_of is None or pd.isna(as_of):
        raise ValidationError(Problem("episodes", "start_date", "no dated episodes to take the data date from: "
                                                                "give as_of"))
    excluded = Exclusions([
        Excluded("episodes", "missing start_date", int(start.isna().sum())),
        Excluded("episodes", "end_date before start_date", int(((end < start) & end.notna()).sum())),
        Excluded("episodes", "start_date after as_of", int((start > as_of).sum())),
    ])
    keep = (start.notna() & ~((end < start) & end.notna()) & (start <= as_of)).to_numpy()
    ep, start, end = ep[keep], start[keep], end[keep]
    closed = (end.notna() & (end <= as_of)).to_numpy()
    # an end after the data date is not known to have happened (a planned end, a year typed wrong):
    # counted as a closure, it would stretch the curve to that date
    excluded = excluded + [Excluded("episodes", _ends_after_reason(as_of), int((end > as_of).sum()))]
    stop = end.where(closed, as_of)
    weeks = ((stop - start).dt.days / DAYS_PER_WEEK).to_numpy(float)
    if len(weeks) == 0 or not closed.any():
        raise ValidationError(Problem("episodes", "end_date", "no closed episodes to estimate durations from"))
    times, at_risk, events, censored, surv = _kaplan_meier(weeks, closed)
    curve = pd.DataFrame({"weeks": times, "n_at_risk": at_risk, "events": events, "censored": censored,
                          "survival": surv})
    step_up = _stepped_up(ds, ep) & closed
    share = float(step_up.sum() / closed.sum())
    if by_outcome:
        for name, mask in (("survival_step_up", step_up), ("survival_other", closed & ~step_up)):
            if mask.any():
                t, _, _, _, s = _kaplan_meier(weeks[mask], np.ones(mask.sum(), bool))
                curve[name] = _step(t, s, times)
            else:
                curve[name] = np.nan
    return DurationCurve.of(curve, mean_weeks=_area(times, surv, np.inf), median_weeks=_median(times, surv),
                            n_closed=int(closed.sum()), n_open=int((~closed).sum()), step_up_share=share,
                            excluded=excluded, as_of=as_of)


def _stepped_up(ds, ep: pd.DataFrame) -> np.ndarray:
    """Episodes stepped up to social care, by the Dataset's own definition when it has one
    (end reason or a social-care referral while open), else by end reason."""
    if hasattr(ds, "step_ups"):
        ids = set(ds.step_ups()["episode_id"].astype(str))
        return ep["episode_id"].astype(str).isin(ids).to_numpy()
    return (ep["end_reason"].astype(str) == "step_up").to_numpy()


def _area(times: np.ndarray, surv: np.ndarray, upto: float) -> float:
    """Integral of the step survival function from 0 to upto (taken as 0 after the last time)."""
    if len(times) == 0:
        return 0.0
    starts = np.concatenate([[0.0], times])             # piece i starts here ...
    ends = np.concatenate([times, [times[-1]]])          # ... and ends here (last piece: empty)
    levels = np.concatenate([[1.0], surv])
    widths = np.clip(np.minimum(ends, upto) - np.minimum(starts, upto), 0.0, None)
    return float((levels * widths).sum())


def _median(times: np.ndarray, surv: np.ndarray) -> float:
    below = np.nonzero(surv <= 0.5)[0]
    return float(times[below[0]]) if len(below) else float("nan")


def period_survival(times: np.ndarray, surv: np.ndarray, period_weeks: float) -> np.ndarray:
    """s_k: the chance an episode opened during a period is still open k periods after that
    period's end, i.e. the survival curve averaged over [k, k+1] periods (so sum(s_k) is the
    mean duration in periods: Little's law holds exactly).

    At most ``MAX_KERNEL_PERIODS`` periods: longer is a ValidationError giving the limit."""
    if period_weeks <= 0:
        raise ValidationError(Problem("capacity", None, "period length must be positive", value=period_weeks))
    last = float(times[-1]) if len(times) else 0.0
    periods = np.ceil(last / period_weeks)
    if not periods < MAX_KERNEL_PERIODS:
        raise ValidationError(Problem(
            "capacity", "period_weeks",
            f"episodes last up to {last:g} weeks, which is {periods:g} periods of {period_weeks:g} weeks; "
            f"at most {MAX_KERNEL_PERIODS:,} periods are supported: with these periods episodes may last up to "
            f"{(MAX_KERNEL_PERIODS - 1) * period_weeks:g} weeks (episode_weeks, duration_curve.weeks times a "
            f"scenario's duration), and these durations need periods of at least "
            f"{last / (MAX_KERNEL_PERIODS - 1):g} weeks"))
    K = int(periods) + 1
    edges = np.arange(K + 1) * period_weeks
    cum = np.array([_area(times, surv, e) for e in edges])
    return np.diff(cum) / period_weeks


# -- capacity ----------------------------------------------------------------------------
def _deterministic_curve(episode_weeks: float):
    return np.array([float(episode_weeks)]), np.array([0.0])


def _period_weeks(ds_values: pd.Series, history: Any = None) -> float:
    """The length of one period in weeks, from the forecast's dates (and ``history``'s when the
    forecast has one date: one date alone, even a month start, does not tell a month from a quarter,
    a year or a week).

    Parameters
    ----------
    ds_values : Series
        the forecast's ``ds``.
    history : DataFrame, optional
        :func:`capacity`'s ``history``; its dates are used only when the forecast has one date.

    Returns
    -------
    float

    Raises
    ------
    ValidationError
        one date in all, with nothing in ``history`` to tell the period length.
    """
    d = pd.DatetimeIndex(pd.to_datetime(ds_values.unique()))
    if len(d) < 2:
        d = d.union(_history_dates(history))
    d = d.sort_values()
    if len(d) < 2:
        raise ValidationError(Problem("forecast", "ds", "cannot tell the period length from one date; "
                                                        "pass period_weeks"))
    if d.is_month_start.all() or d.is_month_end.all():
        # whole months: quarter and year starts are month starts too, so count the months between
        return WEEKS_PER_MONTH * float(np.median(np.diff(d.year.to_numpy() * 12 + d.month.to_numpy())))
    return float(np.median(np.diff(d.values).astype("timedelta64[D]").astype(float))) / DAYS_PER_WEEK


def _history_dates(history: Any) -> pd.DatetimeIndex:
    """The distinct dates of ``history`` when it is a frame with a ``ds`` of dates; none otherwise
    (:func:`_history` then says what is wrong with it)."""
    if not isinstance(history, pd.DataFrame) or "ds" not in history.columns \
            or isinstance(history["ds"], pd.DataFrame):
        return pd.DatetimeIndex([])
    ds = without_zone(history["ds"])  # read as the forecast's dates are
    if not pd.api.types.is_datetime64_any_dtype(ds):
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(ds.dropna().unique())


def capacity(forecast: pd.DataFrame, caseload_per_fte: Union[float, Mapping[str, float]] = 15.0,
             episode_weeks: float = 16.0, duration_curve: Optional[pd.DataFrame] = None,
             scenarios: Optional[Mapping[str, Mapping[str, Any]]] = None, *, model: Optional[str] = None,
             history: Optional[pd.DataFrame] = None, level: Optional[Union[float, Sequence[float]]] = None,
             period_weeks: Optional[float] = None) -> CapacityPlan:
    """Open caseload and practitioner FTE needed from forecast episodes opened.

    Parameters
    ----------
    forecast : DataFrame
        Statsforecast layout of episodes opened per period (``unique_id, ds``, the
        model column, optionally ``<model>-lo/hi-<level>``), typically one series per locality.
    caseload_per_fte : float or mapping of str to float, default 15.0
        Families one full-time lead practitioner holds (one number, or one per
        ``unique_id``).
    episode_weeks : float, default 16.0
        Episode length used when no ``duration_curve`` is given: every episode then
        lasts exactly this long (Coventry's 16-week intensive model).
    duration_curve : DataFrame, optional
        From :func:`episode_duration_curve` (``weeks, survival``).
    scenarios : name -> changes, applied on top of the baseline (always included as
        ``"baseline"``): ``inflow`` (or ``requests``, not both): multiplier on episodes opened from
        the first forecast period on (requests +10% with an unchanged conversion -> ``1.10``); the
        episodes opened before it, from ``history`` or the steady state that stands in for it, are
        open at the forecast origin whatever the scenario, so the caseload moves to the new level
        as they close; ``duration``: multiplier on episode
        length; ``step_up_rate``: ``(current, new)`` or a new rate, moving that share of
        episodes between the step-up and other-closure duration curves (needs a curve with
        ``survival_step_up``/``survival_other``; current defaults to the observed share);
        ``caseload_per_fte``: a different practitioner caseload.
    model : str, optional
        The model column (default: the only model column).
    history : DataFrame, optional
        ``unique_id, ds, y`` of past episodes opened, so episodes already open at the
        forecast origin count. Without it the periods before the forecast are assumed to have
        the first forecast value (steady state) and the result's ``warm_start`` says so.
        It must end before each series' first forecast period: a row on or after it is a
        ValidationError (the forecast replaces those periods, so the rows would be ignored; a
        backtest passes ``history[history["ds"] < cutoff]``). Rows of series that are not in
        the forecast are not used; their count is in ``excluded_history``. Dates with a time
        zone (here or in ``forecast``) are read as the dates written there, without the zone,
        so aware and naive frames compare; the result's ``ds`` carry no zone.
    level : float or sequence of float, optional
        Interval levels (default: all present; one number is one level).
    period_weeks : float, optional
        Length of one period in weeks (default: from ``ds``, 52.18/12 for months; a forecast of one
        date takes it from ``history``'s dates, and without them is a ValidationError).

    Returns
    -------
    CapacityPlan
        A long DataFrame ``unique_id, ds, scenario, episodes_opened, caseload, fte`` plus
        ``caseload-lo/hi-<level>`` and ``fte-lo/hi-<level>``. Interval bounds are the lower and
        upper inflow paths pushed through the same convolution: the quantiles of the expected
        caseload (given the episodes opened) when the periods' forecast errors are perfectly
        correlated, as a level misjudged from the history makes them (quantiles of such a sum
        are the sums of the periods' quantiles), so an 80% band then holds at least 80%. Where
        the periods' errors are independent the true band is narrower: with Poisson inflow and
        16-week episodes an 80% band held 96-99% of expected caseloads at 0.3 to 100 episodes a
        month (``tests/forecast/test_capacity_bands.py``). Which open episodes close when adds
        a spread of its own that the band leaves out; it matters most at a few episodes a
        period. Negative lower bounds of inflow are set to 0 (counted in
        ``lower_bounds_clipped_to_0``).

    Raises
    ------
    ValidationError
        naming the table, column and series: ``forecast`` or ``history`` not a DataFrame (or
        with a column given twice), missing series ids, ``ds`` not dates, repeated ``(unique_id, ds)``
        rows or missing periods (in a forecast, in ``history`` or between the two: the
        convolution works period by period), series whose dates follow different grids (weeks
        starting on different days, month starts and month ends), a forecast of one date with
        neither ``period_weeks`` nor ``history`` to tell the period length, ``history`` rows on or
        after a series' first forecast period, interval bounds missing, infinite, upper bounds
        negative or below the lower ones, an empty or incomplete ``duration_curve``, a scenario
        that is not a mapping or is named ``"baseline"``, or episodes lasting more than
        ``MAX_KERNEL_PERIODS`` periods.
    """
    if isinstance(forecast, pd.DataFrame):
        _flat_columns("forecast", forecast)
        if "ds" in forecast.columns:
            # dates with a time zone are read as written there, so they compare with history's naive ones
            forecast = forecast.assign(ds=without_zone(forecast["ds"]))
    model = _check_forecast(forecast, model)
    level = level_list(level, table="capacity")
    levels = [str(int(lv)) if float(lv).is_integer() else str(lv) for lv in level] if level else \
        _levels(forecast, model)
    for lv in levels:
        for side in ("lo", "hi"):
            if f"{model}-{side}-{lv}" not in forecast.columns:
                raise ValidationError(Problem("forecast", f"{model}-{side}-{lv}", "interval column is missing"))
    _check_intervals(forecast, model, levels)
    _check_positive("episode_weeks", episode_weeks)
    per_fte = _per_fte(caseload_per_fte)
    if period_weeks is None:
        period_weeks = _period_weeks(forecast["ds"], history)
    _check_positive("period_weeks", period_weeks)
    scen = _scenarios(scenarios)

    if duration_curve is None:
        times, surv = _deterministic_curve(episode_weeks)
        split = None
    else:
        times, surv, split = _curve_arrays(duration_curve)

    fc = forecast.assign(unique_id=forecast["unique_id"].astype(str)).sort_values(["unique_id", "ds"])
    clipped = 0
    for lv in levels:
        col = f"{model}-lo-{lv}"
        clipped += int((fc[col] < 0).sum())
    hist, excluded_history = _history(history, fc)
    steady = sorted(set(fc["unique_id"]) - set(hist))
    frames = []
    extended: Dict[str, int] = {}
    for name, change in scen.items():
        _check_scenario(name, change)
        s_times, s_surv = _scenario_curve(times, surv, split, change, duration_curve)
        s_times = s_times * float(change.get("duration", 1.0))
        kernel = period_survival(s_times, s_surv, period_weeks)
        inflow_factor = float(change.get("inflow", change.get("requests", 1.0)))
        load = per_fte if "caseload_per_fte" not in change else _per_fte(change["caseload_per_fte"])
        for uid, g in fc.groupby("unique_id", sort=True):
            past = hist.get(uid)
            if past is None:
                past = np.full(len(kernel) - 1, g[model].iloc[0])
            elif len(past) < len(kernel) - 1:
                missing = len(kernel) - 1 - len(past)
                extended[uid] = max(extended.get(uid, 0), missing)
                past = np.concatenate([np.full(missing, float(np.mean(past))), past])
            cap = _fte_for(load, uid)
            row = {"unique_id": uid, "ds": g["ds"].to_numpy(), "scenario": name}
            paths = {"": g[model].to_numpy(float)}
            for lv in levels:
                paths[f"-lo-{lv}"] = np.clip(g[f"{model}-lo-{lv}"].to_numpy(float), 0, None)
                paths[f"-hi-{lv}"] = g[f"{model}-hi-{lv}"].to_numpy(float)
            for suffix, path in paths.items():
                # the scenario changes episodes opened from the forecast on: those opened before
                # it (history, or the steady state standing in for it) are open at the origin as they are
                inflow = path * inflow_factor
                caseload = _open_caseload(np.asarray(past, float), inflow, kernel)
                if suffix == "":
                    row["episodes_opened"] = inflow
                row[f"caseload{suffix}"] = caseload
                row[f"fte{suffix}"] = caseload / cap
            frames.append(pd.DataFrame(row))
    out = pd.concat(frames, ignore_index=True)
    ordered = ["unique_id", "ds", "scenario", "episodes_opened", "caseload"] + \
        [f"caseload-{s}-{lv}" for lv in levels for s in ("lo", "hi")] + ["fte"] + \
        [f"fte-{s}-{lv}" for lv in levels for s in ("lo", "hi")]
    mean_weeks = {n: float(_area(*_scenario_curve(times, surv, split, c, duration_curve), np.inf)
                           * float(c.get("duration", 1.0))) for n, c in scen.items()}
    n_series = fc["unique_id"].nunique()
    warm_start = "first forecast value (steady state)" if len(steady) == n_series else "history" if not steady \
        else (f"history for {n_series - len(steady)} series; first forecast value (steady state) for "
              f"{len(steady)} series with no history before the forecast (steady_state_series)")
    return CapacityPlan.of(out[ordered], model=model, period_weeks=period_weeks, lower_bounds_clipped_to_0=clipped,
                           warm_start=warm_start, steady_state_series=steady, history_extended=extended,
                           excluded_history=excluded_history, mean_episode_weeks=mean_weeks)


def _open_caseload(past: np.ndarray, inflow: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Open caseload at each forecast period: ``np.convolve(past + inflow, kernel)`` at the forecast
    periods only (the full convolution costs len(past) x len(kernel) for values never used)."""
    full = np.concatenate([past, inflow])
    out = np.empty(len(inflow))
    for t in range(len(inflow)):
        i = len(past) + t
        window = full[max(0, i - len(kernel) + 1): i + 1][::-1]
        out[t] = window @ kernel[:len(window)]
    return out


def _scenarios(scenarios: Any) -> Dict[str, Dict[str, Any]]:
    """``{"baseline": {}}`` followed by the named scenarios, each a mapping of changes."""
    if scenarios is None:
        scenarios = {}
    if not isinstance(scenarios, Mapping):
        raise ValidationError(Problem("scenarios", None, "scenarios must map a name to its changes, e.g. "
                                                         "{'requests +10%': {'requests': 1.1}}",
                                      value=type(scenarios).__name__))
    out: Dict[str, Dict[str, Any]] = {"baseline": {}}
    problems = []
    for k, v in scenarios.items():
        name = str(k)
        if name in out:
            # it would silently replace the baseline (or another scenario of the same name)
            problems.append(Problem("scenarios", name, "the name is taken: 'baseline' is always included and "
                                                       "names must differ; rename the scenario"))
        elif not isinstance(v, Mapping):
            problems.append(Problem("scenarios", name, "a scenario must map settings to values, e.g. "
                                                       "{'requests': 1.1}", value=v))
        else:
            out[name] = dict(v)
    if problems:
        raise ValidationError(problems)
    return out


def _check_intervals(forecast: pd.DataFrame, model: str, levels: Sequence[str]) -> None:
    """Bounds finite, upper bounds not negative nor below the lower ones (negative lower bounds
    are set to 0 and counted)."""
    problems = []
    uid = forecast["unique_id"].astype(str)
    for lv in levels:
        lo_col, hi_col = f"{model}-lo-{lv}", f"{model}-hi-{lv}"
        lo = pd.to_numeric(forecast[lo_col], errors="coerce").to_numpy(float)
        hi = pd.to_numeric(forecast[hi_col], errors="coerce").to_numpy(float)
        for col, bad, what in ((lo_col, ~np.isfinite(lo), "lower bounds must be finite numbers"),
                               (hi_col, ~np.isfinite(hi) | (hi < 0), "upper bounds must be finite and not "
                                                                     "negative (episodes opened)"),
                               (hi_col, np.isfinite(lo) & np.isfinite(hi) & (hi < lo),
                                "upper bounds below the lower bounds")):
            if bad.any():
                problems.append(Problem("forecast", col, what, rows=list(uid[bad].unique()[:10]),
                                        n_rows=int(bad.sum()), value=float(forecast[col].to_numpy(float)[bad][0])
                                        if pd.api.types.is_numeric_dtype(forecast[col]) else None))
    if problems:
        raise ValidationError(problems)


def _numbers(values: pd.Series) -> bool:
    """Whether a column holds numbers (True/False are no counts of episodes)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
        and not pd.api.types.is_complex_dtype(values)


def _check_periods(table: str, frame: pd.DataFrame) -> None:
    """Series ids, ``ds`` dates, one row per (unique_id, ds), no missing period inside a series."""
    gone = frame["unique_id"].isna().to_numpy()
    if gone.any():  # "None" would be a series of its own (or a history matching no forecast)
        raise ValidationError(Problem(table, "unique_id", "series ids are missing",
                                      rows=[int(i) for i in np.flatnonzero(gone)[:10]], n_rows=int(gone.sum())))
    if not pd.api.types.is_datetime64_any_dtype(frame["ds"]):
        raise ValidationError(Problem(table, "ds", f"periods must be dates (datetime64), not {frame['ds'].dtype}; "
                                                   "convert with pd.to_datetime"))
    if frame["ds"].isna().any():
        bad = frame["ds"].isna().to_numpy()
        raise ValidationError(Problem(table, "ds", "missing dates", rows=list(frame.loc[bad, "unique_id"]
                                                                             .astype(str).unique()[:10]),
                                      n_rows=int(bad.sum())))
    uid = frame["unique_id"].astype(str)
    dup = frame.assign(unique_id=uid).duplicated(["unique_id", "ds"], keep=False).to_numpy()
    if dup.any():
        raise ValidationError(Problem(table, "ds", "repeated (unique_id, ds) rows",
                                      rows=list(uid[dup].unique()[:10]), n_rows=int(dup.sum())))
    gaps = series_gaps(uid, frame["ds"])
    if not gaps:
        return
    # the grid is read across all series: each series on its own tells a gap from another grid
    own = {}
    for u in gaps:
        alone = (uid == u).to_numpy()
        own.update(series_gaps(uid[alone], frame["ds"][alone]))
    if own:
        raise ValidationError(Problem(table, "ds", "missing periods inside a series: caseload is built period "
                                                   "by period, so a gap would shift every later period; add the "
                                                   "missing rows", rows=list(own)[:10], n_rows=len(own),
                                      value=next(iter(own.values()))))
    starts = frame["ds"].groupby(uid.to_numpy()).min()
    raise ValidationError(Problem(table, "ds", "the series' dates follow different grids (weeks starting on "
                                               "different days, or month starts and month ends): caseload is "
                                               "built on one grid of periods; put every series on the same grid",
                                  rows=list(gaps)[:10], n_rows=len(gaps),
                                  value=", ".join(f"{u} starts {period_text(starts[u])}" for u in list(gaps)[:3])))


def _check_positive(name: str, value: Any) -> None:
    if not (is_finite_real(value) and value > 0):
        raise ValidationError(Problem("capacity", name, "must be a positive number", value=value))


def _per_fte(value: Union[float, Mapping[str, float]]) -> Union[float, Dict[str, float]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _check_positive(f"caseload_per_fte[{k!r}]", v)
        return {str(k): float(v) for k, v in value.items()}
    _check_positive("caseload_per_fte", value)
    return float(value)


def _fte_for(load: Union[float, Dict[str, float]], uid: str) -> float:
    if isinstance(load, dict):
        if uid not in load:
            raise ValidationError(Problem("capacity", "caseload_per_fte", "no caseload per FTE for series",
                                          rows=[uid], n_rows=1))
        return load[uid]
    return load


def _check_forecast(forecast: pd.DataFrame, model: Optional[str]) -> str:
    from .accuracy import model_columns

    if not isinstance(forecast, pd.DataFrame):
        raise ValidationError(Problem("forecast", None, "expected a forecast DataFrame"))
    _flat_columns("forecast", forecast)
    missing = [c for c in ("unique_id", "ds") if c not in forecast.columns]
    if missing:
        raise ValidationError([Problem("forecast", c, "required column is missing") for c in missing])
    models = model_columns(forecast)
    if model is None:
        if len(models) != 1:
            found = f"several model columns {models}" if models else "no model column of numbers"
            raise ValidationError(Problem("forecast", None, f"{found}: pass model= (the column of episodes "
                                                            "opened)"))
        model = models[0]
    if not isinstance(model, str):
        raise ValidationError(Problem("capacity", "model", "model must be the name of a forecast column",
                                      value=model))
    if model not in forecast.columns:
        raise ValidationError(Problem("forecast", model, "model column is missing"))
    if not _numbers(forecast[model]):
        raise ValidationError(Problem("forecast", model, f"episodes opened must be numbers, not "
                                                         f"{forecast[model].dtype}"))
    _check_periods("forecast", forecast)
    values = forecast[model].to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        ids = forecast.loc[bad, "unique_id"].astype(str).unique()
        series = ", ".join(repr(i) for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise ValidationError(Problem("forecast", model, f"episodes opened must be finite and not negative "
                                      f"(series {series})", rows=list(forecast.index[bad][:10]),
                                      n_rows=int(bad.sum()), value=float(values[bad][0])))
    return model


def _curve_arrays(curve: pd.DataFrame):
    if not isinstance(curve, pd.DataFrame):
        raise ValidationError(Problem("duration_curve", None, "expected a DataFrame from episode_duration_curve"))
    for col in ("weeks", "survival"):
        if col not in curve.columns:
            raise ValidationError(Problem("duration_curve", col, "required column is missing"))
    if len(curve) == 0:
        # an empty curve would mean every episode closes at once: a caseload of 0
        raise ValidationError(Problem("duration_curve", None, "the curve has no rows"))
    t = pd.to_numeric(curve["weeks"], errors="coerce").to_numpy(float)
    s = pd.to_numeric(curve["survival"], errors="coerce").to_numpy(float)
    if (t < 0).any() or not np.isfinite(t).all():
        raise ValidationError(Problem("duration_curve", "weeks", "durations must be finite and not negative",
                                      rows=list(np.flatnonzero(~np.isfinite(t) | (t < 0))[:10]),
                                      n_rows=int((~np.isfinite(t) | (t < 0)).sum())))
    if not np.isfinite(s).all():
        bad = np.flatnonzero(~np.isfinite(s))
        raise ValidationError(Problem("duration_curve", "survival", "survival is missing or not a number",
                                      rows=list(bad[:10]), n_rows=len(bad)))
    if (s < 0).any() or (s > 1).any() or (np.diff(s) > 1e-12).any() or (np.diff(t) <= 0).any():
        raise ValidationError(Problem("duration_curve", "survival",
                                      "survival must lie in [0, 1] and not rise, at increasing weeks"))
    split = None
    if {"survival_step_up", "survival_other"}.issubset(curve.columns):
        split = (curve["survival_step_up"].to_numpy(float), curve["survival_other"].to_numpy(float))
    return t, s, split


def _check_scenario(name: str, change: Mapping[str, Any]) -> None:
    unknown = set(change) - set(SCENARIO_KEYS)
    if unknown:
        raise ValidationError(Problem("scenarios", name, f"unknown settings {sorted(unknown)}; "
                                                         f"known: {SCENARIO_KEYS}"))
    if "inflow" in change and "requests" in change:
        # synonyms: one of the two would be ignored without a word
        raise ValidationError(Problem("scenarios", name, "'inflow' and 'requests' are the same setting (the "
                                      "multiplier on episodes opened); give one of them",
                                      value={"inflow": change["inflow"], "requests": change["requests"]}))
    for key in ("inflow", "requests", "duration"):
        if key in change:
            _check_positive(f"scenarios[{name!r}].{key}", change[key])
    if "step_up_rate" in change:
        rates = change["step_up_rate"]
        if isinstance(rates, (tuple, list)) and len(rates) != 2:
            raise ValidationError(Problem("scenarios", name, "step_up_rate is a new rate or a pair (current, new), "
                                          f"not {len(rates)} values", value=list(rates)))
        rates = rates if isinstance(rates, (tuple, list)) else (None, rates)
        for r in rates:
            if not (r is None or is_real(r) and 0 <= r <= 1):
                raise ValidationError(Problem("scenarios", name, "step-up rates must lie in [0, 1]", value=r))


def _scenario_curve(times, surv, split, change, curve):
    if "step_up_rate" not in change:
        return times, surv
    if split is None or np.isnan(split[0]).all() or np.isnan(split[1]).all():
        raise ValidationError(Problem("scenarios", "step_up_rate", "needs a duration_curve with "
                                                                   "survival_step_up and survival_other "
                                                                   "(episode_duration_curve(by_outcome=True))"))
    rates = change["step_up_rate"]
    current, new = rates if isinstance(rates, (tuple, list)) else (None, rates)
    if current is None:
        current = getattr(curve, "step_up_share", None)
        if current is None:
            raise ValidationError(Problem("scenarios", "step_up_rate", "give (current, new) rates"))
    # Move (new - current) of episodes from the other-closure curve to the step-up curve.
    adjusted = surv + (float(new) - float(current)) * (np.nan_to_num(split[0]) - np.nan_to_num(split[1]))
    adjusted = np.minimum.accumulate(np.clip(adjusted, 0.0, 1.0))
    return times, adjusted


def _history(history: Optional[pd.DataFrame], fc: pd.DataFrame) -> Tuple[Dict[str, np.ndarray], Exclusions]:
    """Past episodes opened per forecast series, and the history rows not used, by reason.

    Rows on or after a series' first forecast period are refused rather than ignored: the
    forecast stands for those periods, so different values there mean the history or the
    forecast is not the one meant (and the caseload would silently not use them)."""
    if history is None:
        return {}, Exclusions()
    if not isinstance(history, pd.DataFrame):
        raise ValidationError(Problem("history", None, "expected a DataFrame of past episodes opened "
                                                       "(unique_id, ds, y)", value=type(history).__name__))
    _flat_columns("history", history)
    missing = [c for c in ("unique_id", "ds", "y") if c not in history.columns]
    if missing:
        raise ValidationError([Problem("history", c, "required column is missing") for c in missing])
    if not _numbers(history["y"]):
        raise ValidationError(Problem("history", "y", f"episodes opened must be numbers, not {history['y'].dtype}"))
    history = history.assign(ds=without_zone(history["ds"]))  # read as the forecast's dates are
    _check_periods("history", history)
    h = history.assign(unique_id=history["unique_id"].astype(str)).sort_values(["unique_id", "ds"])
    first = fc.groupby("unique_id")["ds"].min()
    known = h["unique_id"].isin(first.index).to_numpy()
    # series the forecast does not have (e.g. left out by the forecaster) are not used, but counted
    excluded = Exclusions([Excluded("history", "series not in the forecast", int((~known).sum()))])
    before = h[known]
    late = before["ds"].to_numpy() >= first.reindex(before["unique_id"]).to_numpy()
    if late.any():
        overlap = before[late].groupby("unique_id", sort=True)["ds"].agg(["min", "size"])
        named = [f"{uid} from {pd.Timestamp(row['min']).date()} ({int(row['size'])} rows; forecast starts "
                 f"{pd.Timestamp(first[uid]).date()})" for uid, row in overlap.head(10).iterrows()]
        raise ValidationError(Problem("history", "ds", f"{int(late.sum())} rows on or after the series' first "
                                                       "forecast period: history is the past before the forecast, "
                                                       "and the forecast replaces these periods; keep only the "
                                                       "rows before it (history[history['ds'] < first forecast "
                                                       "period])", rows=named, n_rows=len(overlap)))
    # the last period of history must be the one just before the forecast's first
    joined = pd.concat([before[["unique_id", "ds"]], fc[["unique_id", "ds"]]], ignore_index=True)
    gaps = series_gaps(joined["unique_id"], joined["ds"])
    if gaps:
        raise ValidationError(Problem("history", "ds", "missing periods between the history and the forecast: "
                                                       "the history must run up to the period just before the "
                                                       "forecast's first", rows=list(gaps)[:10], n_rows=len(gaps),
                                      value=next(iter(gaps.values()))))
    out = {}
    for uid, g in before.groupby("unique_id", sort=False):
        y = g["y"].to_numpy(float)
        if (~np.isfinite(y)).any() or (y < 0).any():
            raise ValidationError(Problem("history", "y", "episodes opened must be finite and not negative",
                                          rows=[uid], n_rows=1))
        out[uid] = y
    return out, excluded
