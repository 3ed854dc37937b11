"""StockFlow: estimate flows between services from history, then project and simulate.

The deterministic projection is the daily Markov stock-flow of ``cs-demand-model``: stocks by
(state, age bracket), daily transition rates estimated as the mean over the reference window of
(transitions that day / stock the day before), ageing at 1 / (bracket length) a day, and new
entrants at their mean daily count. The Monte Carlo simulation follows individual children:
time in a state has a piecewise-constant hazard by state, age bracket at entry and time already
spent (a survival model), exits go where exits went, and entrants arrive as a Poisson process.
Each run draws every rate from its posterior (entry rates, exit hazards, destinations) and, by
default, gives each month's entries an overdispersion multiplier and lets the entry rates drift,
as estimated from the monthly history: the bands carry the uncertainty of the estimates and the
months' variation as well as each child's own path.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_whole
from ..data.dataset import check_dataset
from . import checks
from .categories import Categories, categories as resolve_categories
from .localities import check_by, locality_scenarios, pool_rates, split_spells, stacked
from .scenario import Scenario, capped_states, check_changes_act, check_scenario, regimes_for
from .spells import NONE, SHORT_BREAKS, build_spells, day_index

DURATION_EDGES = np.array([0, 7, 30, 91, 182, 365, 730, 1461], dtype=float)  # days
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class _Fit:
    first: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    rates: np.ndarray        # (n, n + 1) daily, bins x (bins, exit)
    entrants: np.ndarray     # (n,) per day
    initial: np.ndarray      # (n,) stock at end
    counts: np.ndarray       # (n, n + 1) transitions in the window
    exposure: np.ndarray     # (n,) child-days at risk in the window
    entry_days: float        # the days the window's entrants are divided by (entrants per day)


#: longest simulation (months) and most Monte Carlo runs one call makes: beyond them the
#: arrays of individual children would not fit in memory (or the run would not end)
MAX_MONTHS = 1200
MAX_RUNS = 1_000_000
MAX_THREADS = 1024
MAX_GAP_DAYS = 3650
MAX_UNIT_COST = 1e9  # per child per day (or week): a thousand times any placement's
#: most children one Monte Carlo run may be expected to follow (those open at the start and the
#: entrants): near every child in England (about 12 million), thousands of times the children any
#: council serves in a century. The core holds each run's children at once, and beyond this
#: (an entry trend carried decades ahead, a scenario adding entrants by the thousand a day) a
#: run would need gigabytes.
MAX_CHILDREN_PER_RUN = 10_000_000
#: yearly cost inflation accepted (a fall of half to a doubling)
INFLATION_RANGE = (-0.5, 1.0)
#: report keys: exits whose destination the data cannot show yet (see StockFlow._exits_not_yet_known);
#: states with children but no exit in the window (see StockFlow._duration_posteriors)
EXITS_NOT_YET_KNOWN = "exits_with_destination_not_yet_known"
QUIET_STATES = "states_without_exits_in_the_window"
#: a fit window may reach this many days beyond the data's first and last events (an extract
#: date a few weeks after the last recorded event); further, the rates would count days of no data
WINDOW_SLACK_DAYS = 31


def month_ends_after(end: pd.Timestamp, months: int) -> pd.DatetimeIndex:
    """The ``months`` month ends after ``end``, its own month's first when ``end`` is not one.
    (``end`` plus N calendar months falls short of the Nth month end when ``end`` is the 30th of
    April: 30 May, before 31 May.)"""
    return pd.date_range(end + pd.offsets.MonthEnd(1), periods=months, freq=pd.offsets.MonthEnd())


def _step_dates(end: pd.Timestamp, days: int) -> pd.DatetimeIndex:
    """The day each of ``days`` daily steps from ``end`` produces: step d moves the stock of
    ``end + d`` to that of ``end + d + 1``, so its flows (the entrants, moves and exits counted
    in the stock of ``end + d + 1``) are that day's, and a scenario's change of that day governs
    it. (The stock on a day counts the children who started that day, as the fit does.)"""
    return end + pd.to_timedelta(np.arange(1, days + 1), unit="D")


def _open_on(s_day: np.ndarray, e_day: np.ndarray, day: int) -> np.ndarray:
    """Spells open on ``day``: started by it and not ended by it (an end of -1: still open)."""
    return (s_day <= day) & ((e_day < 0) | (e_day > day))


def _check_size(value: Any, name: str, limit: int) -> None:
    if not is_whole(value) or not 1 <= value <= limit:
        raise ValidationError(f"{name} must be a whole number from 1 to {limit:,}, got {value!r}",
                              table="StockFlow", column=name)


class StockFlow:
    """A stock-flow model of children's services.

    Parameters
    ----------
    categories : ``"continuum"`` (default: Early Help, CIN, CP and care by placement, five age
        brackets), ``"statutory"`` (the same from CIN on: the CIN census and SSDA903 data that
        national bodies hold), ``"cs-demand-model"`` (that model's standard age brackets and
        placement categories, looked-after children only) or a :class:`Categories`.
    gap_days : a spell beginning within this many days of the previous one's end continues the
        child's path (default: the categories' own, 0 for cs-demand-model as that model does, 45
        for the continuum and statutory, where a CIN plan follows the referral by weeks).
    unit_costs : cost per day of one child in each state, ``{state: cost}``; see :meth:`simulate_costs`.
    unit : ``"day"`` or ``"week"`` for ``unit_costs``.
    inflation : yearly cost inflation (0.03 = 3 %).
    entry_trend : bool, default False
        trend the entries from no service: per state, a Poisson regression of monthly entries on
        time over the ``trend_months`` before the end of the fit window (log-linear, with a
        Pearson overdispersion factor; a state needs 12 whole months and 60 entries, else its
        rate stays flat). The projection follows the fitted curve; each Monte Carlo
        run draws the curve's level and slope from their estimated (normal) distribution.
    entry_season : bool, default False
        seasonal entries from no service: per state, month-of-year effects estimated with the
        trend (calendar months over the ``trend_months`` before the end of the fit window; at
        least 24 months and 60 entries, else none), shrunk towards no season by the evidence
        for them (positive-part James-Stein on their Wald statistic). Without ``entry_trend``
        the window's mean rate is rescaled month by month by the effects relative to the
        window's own months.
    entry_overdispersion : bool, default True
        months busier or quieter than a Poisson process: per state, the variance of a monthly
        gamma multiplier of the entry rate, estimated from the same monthly counts (method of
        moments on the Pearson residuals; at least 12 months, else none). Each Monte Carlo run
        draws one multiplier per state and month, and the rate's posterior is widened to match;
        the deterministic projection is unchanged.
    entry_drift : bool, default True
        entry rates that wander: each Monte Carlo run takes a random walk of the logarithm of
        each state's entry rate, one step a month (mean-corrected, so the expected rate and the
        deterministic projection are unchanged). The step variance is estimated by moments
        from how far each twelve months' entry rate moved from the twelve before it over the
        history, beyond the trend (when ``entry_trend``) and the counts' own noise (at least
        24 months, else none).
    trend_months : int, default 36
        the months of history the trend, season, overdispersion and drift are estimated on.
    rate_uncertainty : bool, default True
        each Monte Carlo run draws every exit hazard from its gamma posterior and each state's
        destinations from their Dirichlet posterior (the counts of the fit window plus the
        pooled prior that the point estimates shrink towards), then changes them as rates
        change from one year to the next: each state's hazards by one lognormal factor and
        each destination's weight by another, of mean 1 and the variances of the log changes
        between consecutive whole years of the recorded history (less their Poisson noise,
        pooled over states; none with under 2 years). The bands then carry the uncertainty of
        the estimated rates and of their change, as well as the randomness of each child's path.
    short_breaks : {"exclude", "keep"}, default "exclude"
        looked-after episodes of short breaks (SSDA903 legal status V3 or V4: a child looked after
        under an agreed series of short-term placements, mostly disabled children's respite):
        ``"exclude"`` leaves them out of care, as DfE's figures of children looked after do
        (counted in :attr:`report`, ``short_break_episodes_excluded``); ``"keep"`` models them as
        care, as cs-demand-model does (``short_break_episodes_kept_as_care``): a series of
        breaks is then an entry into care and an exit from it every few days.
    """

    def __init__(self, categories: Union[str, Categories, None] = "continuum", *, gap_days: Optional[int] = None,
                 unit_costs: Optional[Dict[str, float]] = None, unit: str = "day", inflation: float = 0.0,
                 entry_trend: bool = False, entry_season: bool = False, entry_overdispersion: bool = True,
                 entry_drift: bool = True, trend_months: int = 36, rate_uncertainty: bool = True,
                 short_breaks: str = "exclude") -> None:
        self.categories = resolve_categories(categories)
        self.gap_days = checks.whole(self.categories.gap_days if gap_days is None else gap_days, "gap_days",
                                     "StockFlow", 0, MAX_GAP_DAYS)
        if unit not in ("day", "week"):
            raise ValidationError(f"unit must be 'day' or 'week', not {unit!r}", table="StockFlow", column="unit")
        if unit_costs is not None and not isinstance(unit_costs, Mapping):
            raise ValidationError(f"unit_costs must be a mapping {{state: cost}}, not {unit_costs!r}",
                                  table="StockFlow", column="unit_costs")
        unknown = set(unit_costs or {}) - set(self.categories.states)
        if unknown:
            raise ValidationError(f"unit_costs name states that do not exist: {sorted(unknown)} "
                                  f"(states: {', '.join(self.categories.states)})", table="StockFlow",
                                  column="unit_costs")
        # bounded far beyond any service, so that costs summed over children and years stay finite
        costs = {state: checks.real(cost, f"unit_costs[{state!r}]", "StockFlow", 0.0, MAX_UNIT_COST)
                 for state, cost in (unit_costs or {}).items()}
        per_day = 1.0 if unit == "day" else 1.0 / 7.0
        self.unit_costs = {s: costs.get(s, 0.0) * per_day for s in self.categories.states}
        self.inflation = checks.real(inflation, "inflation", "StockFlow", *INFLATION_RANGE)
        self.entry_trend = checks.flag(entry_trend, "entry_trend", "StockFlow")
        self.entry_season = checks.flag(entry_season, "entry_season", "StockFlow")
        self.entry_overdispersion = checks.flag(entry_overdispersion, "entry_overdispersion", "StockFlow")
        self.entry_drift = checks.flag(entry_drift, "entry_drift", "StockFlow")
        self.rate_uncertainty = checks.flag(rate_uncertainty, "rate_uncertainty", "StockFlow")
        if short_breaks not in SHORT_BREAKS:
            raise ValidationError(f"short_breaks must be one of {', '.join(SHORT_BREAKS)}, not {short_breaks!r}",
                                  table="StockFlow", column="short_breaks")
        self.short_breaks = short_breaks
        _check_size(trend_months, "trend_months", MAX_MONTHS)
        self.trend_months = int(trend_months)
        self._fit: Optional[_Fit] = None
        self._trend: Optional[np.ndarray] = None
        self._season: Optional[np.ndarray] = None  # (12, states) month-of-year factors, mean 1
        self._dispersion: Optional[np.ndarray] = None  # (states,) variance of a month's multiplier
        self._drift: Optional[np.ndarray] = None  # (states,) variance of a month's log-rate step
        self._rate_change: Optional[np.ndarray] = None  # year-to-year variance of log exit rates, shares
        self._parts: Optional[Dict[str, "StockFlow"]] = None  # one model per locality (fit by="locality")
        # a locality's prior from its council (see localities.pool_rates): None for a council
        self._prior: Optional[Dict[str, np.ndarray]] = None

    # ------------------------------------------------------------------ fit
    def fit(self, ds, start: Any = None, end: Any = None, by: Optional[str] = None) -> "StockFlow":
        """Estimate stocks, transition rates and entry rates from ``ds`` over [start, end].

        ``end`` defaults to the last date in the data (:meth:`earlyhelp.Dataset.data_end`: a
        date after today or a stray year typed wrong does not move it), ``start`` to six months
        before ``end`` (as cs-demand-model). The projection starts at ``end``. The data show
        nothing after that day: a spell starting after it is left out, an end after it (a planned
        end, a date typed wrong) is taken as not yet happened, counted in :attr:`report`
        (``spells_starting_after_the_data_end_excluded``,
        ``spell_ends_after_the_data_end_taken_as_open``).

        The window must lie within the days the data record entries and exits: from the
        extract's start (``ds.meta["window_start"]``, when the data say it), else from the
        first day a spell ended (before it an extract holds only the spells still open at its
        start), to the data's end. A window starting (or ending) before that day is refused with
        a ValidationError naming the window and the day, the default start too: its days before
        it would count as days on which nobody left, every exit rate diluted (by 40 % with six
        months before the records) and the survivors taken for entrants. It is refused, not
        cut short, so that the rates are always those of the window asked for.

        Parameters
        ----------
        ds : Dataset
            the council's data.
        start, end : date-like, optional
            the fit window.
        by : {None, "locality"}, optional
            ``"locality"``: estimate every rate per locality (a child's locality is their
            family's on the day their latest spell ended, or on ``end`` while it runs on, by
            the package's rule for a membership on a date; then ``families.locality_id``), on
            the council's window, every locality on all its days (a locality whose first spell
            begins inside the window had no entrant and no child before it).
            :meth:`transition_rates`, :meth:`entry_rates`, :meth:`project`,
            :meth:`simulate` and :meth:`simulate_costs` then return one block per locality with
            a ``locality`` column first; the localities' stocks (and simulated means) add up to
            the council. Children with no locality are excluded and counted in :attr:`report`
            (``children_without_a_locality_excluded``, ``spells_without_a_locality_excluded``).
            Each locality's exit and transition rates are shrunk towards the council's as much
            as chance explains their differences (empirical Bayes; each state's mean weight of
            the localities' own rates is ``report["locality_rates_pooled"]``). A scenario's
            children added a day to an entry rate are the council's, split across the
            localities (see :meth:`earlyhelp.flow.Scenario.add`).

        Returns
        -------
        StockFlow
            itself, fitted.
        """
        check_dataset(ds, "StockFlow.fit")
        check_by(by)
        sp, report = build_spells(ds, self.categories, self.gap_days, self.short_breaks)
        # The data cover the days to their end (an extract's date), not only to the last spell
        # event: a window ending on a day when nobody moved still holds that day. A date after
        # it (a planned end keyed in ahead, a year typed wrong) has not happened by then.
        data_end = ds.data_end()
        if data_end is not None:
            sp = _as_known_on(sp, data_end, report)
        if sp.empty:
            left_out = {k: v for k, v in report.items() if is_whole(v) and v}
            raise ValidationError(f"no child's spell is in the model's states and age brackets (left out: "
                                  f"{left_out or 'none'}): the data hold nothing to fit", table="spells")
        start_ts, end_ts, last = _fit_window(sp, start, end, data_end)
        recorded = _check_window_recorded(sp, start_ts, end_ts, start is None, report, ds.meta.get("window_start"))
        if data_end is not None:
            last = max(last, min(data_end, end_ts))
        # every part's days counted from one first day, the council's (or the window's start, if
        # earlier): a locality's window is the council's, its days before its first spell too
        first = min(day_index(sp)[0], start_ts)
        # a new fit: the last simulation (and its costs) belonged to the model as it was
        self._parts, self._last_total, self._last_sim = None, None, None
        if by is None:
            return self._fit_spells(sp, report, start_ts, end_ts, last, first, recorded)
        parts: Dict[str, StockFlow] = {}
        split = split_spells(sp, ds, report, end_ts)
        for name, spells in split:
            part = self._unfitted_copy()
            try:
                part._fit_spells(spells, {}, start_ts, end_ts, last, first, recorded)
            except ValidationError as e:
                raise ValidationError([replace(p, message=f"locality {name}: {p.message}")
                                       for p in e.problems]) from e
            parts[name] = part
        # the council's rates and durations only: its entry history and rate change go unused
        council = StockFlow(self.categories, gap_days=self.gap_days, entry_overdispersion=False, entry_drift=False,
                            rate_uncertainty=False)
        council._fit_spells(pd.concat([s for _, s in split], ignore_index=True), {}, start_ts, end_ts, last, first,
                            recorded)
        report["locality_rates_pooled"] = pool_rates(parts, council)
        for key in ("transitions_from_an_empty_stock_ignored", EXITS_NOT_YET_KNOWN):
            report[key] = sum(m._report[key] for m in parts.values())
        report["entries_recorded_from"] = council._report["entries_recorded_from"]
        report[QUIET_STATES] = council._report[QUIET_STATES]
        self._fit, self._trend, self._parts, self._report = None, None, parts, report
        return self

    def _recorded_from_day(self, ds) -> Optional[pd.Timestamp]:
        """The first day ``ds`` records entries and exits in this model's spells (as :meth:`fit`
        reads it; None when it cannot be told): where a window chosen for the analyst may start."""
        check_dataset(ds, "StockFlow")
        window_start = ds.meta.get("window_start")
        sp = None if _known(window_start) else build_spells(ds, self.categories, self.gap_days, self.short_breaks)[0]
        return _recorded_day(sp, window_start)[0]

    def _unfitted_copy(self) -> "StockFlow":
        """A model with the same settings, not fitted (unit costs are already per day)."""
        return StockFlow(self.categories, gap_days=self.gap_days, unit_costs=dict(self.unit_costs), unit="day",
                         inflation=self.inflation, entry_trend=self.entry_trend, entry_season=self.entry_season,
                         entry_overdispersion=self.entry_overdispersion, entry_drift=self.entry_drift,
                         trend_months=self.trend_months, rate_uncertainty=self.rate_uncertainty,
                         short_breaks=self.short_breaks)

    def _fit_spells(self, sp: pd.DataFrame, report: Dict[str, Any], start_ts: pd.Timestamp, end_ts: pd.Timestamp,
                    last: Optional[pd.Timestamp] = None, first: Optional[pd.Timestamp] = None,
                    recorded: Optional[pd.Timestamp] = None) -> "StockFlow":
        """Fit on spells ``sp``; ``last``, ``first``: the last and first dates of the whole data
        when these spells are a part of it (a locality's), so the part's days run as far as the
        council's both ways; ``recorded``: the first day the data record entries and exits (by
        default the first day a spell of ``sp`` ended)."""
        cats = self.categories
        first, s_day, e_day = day_index(sp, first)
        last_day = int(max(s_day.max(), e_day.max()))
        if last is not None:
            last_day = max(last_day, (last - first).days)
        n_age = len(cats.brackets)
        n_states = len(cats.states)
        n = n_states * n_age
        b = sp["state"].to_numpy() * n_age + sp["age"].to_numpy()
        days = last_day + 1
        # Daily stock by bin: starts counted from their day, ends from theirs (cs-demand-model).
        starts = np.zeros((days, n))
        np.add.at(starts, (s_day, b), 1)
        ends = np.zeros((days, n))
        closed = e_day >= 0
        np.add.at(ends, (e_day[closed], b[closed]), 1)
        stock = np.cumsum(starts - ends, axis=0)
        w0 = max(0, (start_ts - first).days)
        w1 = min(days - 1, (end_ts - first).days)
        if w1 < w0:
            raise ValidationError(f"the window {start_ts.date()} to {end_ts.date()} holds no data", table="StockFlow",
                                  column="start")
        length = w1 - w0 + 1
        # Transitions: a spell of bin b ending on day d in the window, to (same age, next state) or
        # out; an exit whose destination is not known yet, shared among the destinations.
        nxt = sp["next"].to_numpy()
        in_win = closed & (e_day >= w0) & (e_day <= w1)
        self._spells, self._s_day, self._e_day = sp, s_day, e_day
        self._censored_exits = self._exits_not_yet_known(in_win, last_day)
        report[EXITS_NOT_YET_KNOWN] = len(self._censored_exits[0])
        rows, to, weight = self._exit_destinations(in_win, n_age)
        den_day = np.where(e_day == w0, w0, e_day - 1)
        den = stock[np.clip(den_day, 0, days - 1), b]
        rates = np.zeros((n, n + 1))
        counts = np.zeros((n, n + 1))
        ok = den[rows] > 0
        report["transitions_from_an_empty_stock_ignored"] = int((in_win & (den <= 0)).sum())
        np.add.at(rates, (b[rows][ok], to[ok]), weight[ok] / den[rows][ok])
        rates /= length
        np.add.at(counts, (b[rows], to), weight)
        exposure = stock[w0:w1 + 1].sum(axis=0)
        # a state whose children made no exit in the window: the Monte Carlo takes its rate's
        # posterior from no exit over its child-days (see _duration_posteriors), not 0
        per_state = exposure.reshape(n_states, n_age).sum(axis=1)
        exits = counts.reshape(n_states, n_age, n + 1).sum(axis=(1, 2))
        report[QUIET_STATES] = [st for st, e, x in zip(cats.states, per_state, exits) if e > 0 and x == 0]
        rates += self._ageing_rates()
        prev = sp["prev"].to_numpy()
        entering = (prev == NONE) & (s_day >= w0) & (s_day <= w1)
        # Entries on each of the window's days: cs-demand-model's categories divide by one day fewer, as it does.
        entry_days = float(max(1, (end_ts - start_ts).days) if cats.entry_days_exclusive else length)
        entrants = np.bincount(b[entering], minlength=n).astype(float) / entry_days
        # Children still open at the end who are past max_age (an episode the data never closed):
        # the projection ages them out of the last bracket at its rate, as cs-demand-model does,
        # and the Monte Carlo ends their stay on the first day, so the two start apart by them.
        open_end = _open_on(s_day, e_day, w1)
        past = open_end & (cats.age_of(sp["birth"], end_ts) >= cats.max_age)
        report["open_at_the_end_past_max_age"] = int(past.sum())
        self._fit = _Fit(first, start_ts, end_ts, rates, entrants, stock[min(w1, days - 1)].copy(), counts, exposure,
                         entry_days)
        self._report = report
        self._window = (w0, w1)
        self._bins = b
        ended = e_day[closed]
        if recorded is not None:
            self._recorded_from = (recorded - first).days
        else:
            self._recorded_from = int(ended.min()) if len(ended) else 0
        report["entries_recorded_from"] = str((first + pd.Timedelta(days=self._recorded_from)).date())
        self._fit_entry_history(entering_any=(prev == NONE))
        self._rate_change = self._fit_rate_change() if self.rate_uncertainty else None
        return self

    def _exits_not_yet_known(self, in_win: np.ndarray, last_day: int):
        """The window's exits whose destination the data cannot show yet: (rows of the spells,
        days seen after each exit, shares of each destination (rows, states + 1; the last
        column: out)).

        A spell joins the next one starting within ``gap_days`` of its end, so a spell ending in
        the data's last ``gap_days`` with no next spell yet may still be followed by one (a CIN
        plan weeks after the Early Help episode closed). Counted as an exit to no service, such
        exits undercount every move that follows by days (step-ups most) by their share of the
        window's last weeks. Each is shared instead among the destinations in the proportions
        the window's exits of its state whose destination is known (ended ``gap_days`` or more
        before the data end) went, of those not followed by a spell within the days seen after
        it: leaving, or moving to a spell that began later than that. (The exits of the whole
        data when the window holds no known exit of the state; to no service when the data hold
        none.)"""
        sp = self._spells
        s_day, e_day = self._s_day, self._e_day
        n_s = len(self.categories.states)
        nxt = sp["next"].to_numpy()
        gap = self.gap_days
        rows = np.flatnonzero(in_win & (nxt == NONE) & (e_day + gap > last_day))
        seen = (last_day - e_day[rows]).astype(np.int64)
        shares = np.zeros((len(rows), n_s + 1))
        if not len(rows):
            return rows, seen, shares
        state = sp["state"].to_numpy()
        # days from an exit to the next spell (when one follows: the child's next row)
        lag = np.where(nxt != NONE, np.append(s_day[1:], 0) - e_day, np.inf)
        known = (e_day >= 0) & (e_day + gap <= last_day)
        dest = np.where(nxt == NONE, n_s, nxt)
        for s in np.unique(state[rows]):
            ref = known & in_win & (state == s)
            if not ref.any():
                ref = known & (state == s)
            mine = state[rows] == s
            for d in np.unique(seen[mine]):
                later = ref & ((nxt == NONE) | (lag > d))   # not followed within the d days seen
                weights = np.bincount(dest[later], minlength=n_s + 1).astype(float)
                at = mine & (seen == d)
                shares[at] = weights / weights.sum() if weights.sum() > 0 else np.eye(n_s + 1)[n_s]
        return rows, seen, shares

    def _exit_destinations(self, in_win: np.ndarray, n_age: int):
        """The window's exits as (rows of the spells, bin each goes to (``n`` for out), weight):
        one row of weight 1 for each exit whose destination is known, one for each destination
        of an exit whose destination is not known yet, weighted by its share (see
        :meth:`_exits_not_yet_known`)."""
        sp = self._spells
        n_s = len(self.categories.states)
        n = n_s * n_age
        nxt, age = sp["next"].to_numpy(), sp["age"].to_numpy()
        censored, _, shares = self._censored_exits
        plain = in_win.copy()
        plain[censored] = False
        rows = np.flatnonzero(plain)
        to = np.where(nxt[rows] == NONE, n, nxt[rows] * n_age + age[rows])
        weight = np.ones(len(rows))
        if len(censored):
            r, j = np.nonzero(shares > 0)
            rows = np.concatenate([rows, censored[r]])
            to = np.concatenate([to, np.where(j == n_s, n, j * n_age + age[censored[r]])])
            weight = np.concatenate([weight, shares[r, j]])
        return rows, to, weight

    def _fit_entry_history(self, entering_any: np.ndarray) -> None:
        """Trend, season, overdispersion and drift of the entries from no service, as asked: sets
        ``_trend`` (states, 5): per state (a, b, L00, L10, L11) of the entry rate exp(a + b t) a
        day, t in days from the end of the fit window, and the Cholesky factor of the
        estimates' covariance (NaN rows: not trended); ``_season`` (12, states); ``_dispersion``
        and ``_drift`` (states,)."""
        self._trend = self._season = self._dispersion = self._drift = None
        if not (self.entry_trend or self.entry_season or self.entry_overdispersion or self.entry_drift):
            return
        counts, length, x, moy = self._monthly_entries(entering_any)
        n_s = len(self.categories.states)
        trend = np.full((n_s, 5), np.nan)
        season = np.ones((12, n_s))
        dispersion = np.zeros(n_s)
        drift = np.zeros(n_s)
        for s in range(n_s):
            y = counts[:, s]
            if len(y) < 4 or y.sum() == 0:
                continue
            seasonal = self.entry_season and len(y) >= 24 and y.sum() >= 60
            fit = _entry_glm(y, length, x, moy if seasonal else None)
            if self.entry_trend and (length >= 28).sum() >= 12 and y.sum() >= 60:
                scale = np.array([1.0, 1.0 / 365.25])  # slope per year -> per day
                chol = np.linalg.cholesky(fit.cov[:2, :2] * np.outer(scale, scale) + np.diag([1e-15, 1e-21]))
                trend[s] = [fit.level, fit.slope / 365.25, chol[0, 0], chol[1, 0], chol[1, 1]]
            if seasonal:
                season[:, s] = fit.season
            if self.entry_overdispersion and len(y) >= 12:
                dispersion[s] = fit.month_variance
            if self.entry_drift:
                drift[s] = _drift_variance(y, length, fit, bool(np.isfinite(trend[s, 0])))
        self._trend = trend if self.entry_trend else None
        self._season = season if self.entry_season else None
        self._dispersion = dispersion if self.entry_overdispersion else None
        self._drift = drift if self.entry_drift else None

    def _monthly_entries(self, entering_any: np.ndarray):
        """Entries from no service by calendar month and state over the ``trend_months`` up to
        the end of the fit window: counts (months, states), days of each month in the data
        (the first and last may be partial), years from the window's end at each month's middle,
        and the month of the year (1-12).

        The months start where entries are fully recorded: the first day any spell ended. An
        extract holds the spells active in its period, so before the period only the spells
        still open at its start appear, and their starts would look like a quiet past (a
        spurious rise, trend and drift); no spell ends before the period, and some end on its
        first days. That day is in ``report["entries_recorded_from"]``."""
        f = self._fit
        w1 = self._window[1]
        recorded_from = self._recorded_from
        end = f.first + pd.Timedelta(days=w1 + 1)  # exclusive
        months = pd.period_range(end - pd.DateOffset(months=self.trend_months), end - pd.Timedelta(days=1), freq="M")
        starts = np.array([(m.start_time - f.first).days for m in months])
        edges = np.clip(np.append(starts, (months[-1].end_time.normalize() - f.first).days + 1), recorded_from, w1 + 1)
        keep = np.diff(edges) > 0
        lo, hi = edges[:-1][keep], edges[1:][keep]
        state = self._spells["state"].to_numpy()
        n_s = len(self.categories.states)
        counts = np.zeros((len(lo), n_s))
        if not len(lo):
            return counts, lo.astype(float), lo.astype(float), lo
        sel = entering_any & (self._s_day >= lo[0]) & (self._s_day <= w1)
        k = np.searchsorted(hi, self._s_day[sel], side="right")
        np.add.at(counts, (k, state[sel]), 1)
        length = (hi - lo).astype(float)
        x = ((lo + hi) / 2 - (w1 + 1)) / 365.25
        moy = np.array([m.month for m in months])[keep]
        return counts, length, x, moy

    def _fit_rate_change(self) -> np.ndarray:
        """(variance of a state's log exit rate change, variance of a log destination share
        change) from one year to the next: the squared log ratios of each state's rate (and
        each destination's share of its exits) in consecutive whole years of the recorded
        history, less their Poisson noise, pooled over states (0 with fewer than 2 years)."""
        w1 = self._window[1]
        n_s = len(self.categories.states)
        years = [(w1 + 1 - 365 * (k + 1), w1 + 1 - 365 * k) for k in range(3)]
        years = [(a, b) for a, b in years if a >= self._recorded_from]
        if len(years) < 2:
            return np.zeros(2)
        state = self._spells["state"].to_numpy()
        nxt = self._spells["next"].to_numpy()
        dest = np.where(nxt == NONE, n_s, nxt)
        end = np.where(self._e_day < 0, np.inf, self._e_day.astype(float))
        exits, days, moves = [], [], []
        for a, b in years:
            out = (self._e_day >= a) & (self._e_day < b)
            exits.append(np.bincount(state[out], minlength=n_s).astype(float))
            stay = np.clip(np.minimum(end, b) - np.maximum(self._s_day, a), 0, None)
            days.append(np.bincount(state, weights=stay, minlength=n_s))
            m = np.zeros((n_s, n_s + 1))
            np.add.at(m, (state[out], dest[out]), 1)
            moves.append(m)
        rate_terms, share_terms = [], []
        for k in range(len(years) - 1):
            e0, e1, d0, d1 = exits[k + 1], exits[k], days[k + 1], days[k]  # k + 1 is the earlier year
            ok = (e0 >= 10) & (e1 >= 10)
            rate_terms += list(np.log((e1[ok] / d1[ok]) / (e0[ok] / d0[ok])) ** 2 - (1 / e0[ok] + 1 / e1[ok]))
            m0, m1 = moves[k + 1], moves[k]
            ok = (m0 >= 10) & (m1 >= 10)
            share0, share1 = m0 / np.maximum(m0.sum(1, keepdims=True), 1), m1 / np.maximum(m1.sum(1, keepdims=True), 1)
            share_terms += list(np.log(share1[ok] / share0[ok]) ** 2 - (1 / m0[ok] + 1 / m1[ok]))
        pooled = [max(0.0, float(np.mean(t))) if len(t) else 0.0 for t in (rate_terms, share_terms)]
        return np.minimum(np.array(pooled), 0.5)

    @property
    def report(self) -> Dict[str, Any]:
        """What fit excluded or changed, with counts and reasons.

        Keys ending ``_excluded`` count what was left out (spells, episodes, family episodes);
        the others count spells kept but changed (shortened by a later spell, moved to start
        when a spell of higher need ends, resumed after a spell within them: see the continuum
        guide) and what the fit noted or set aside:
        ``transitions_from_an_empty_stock_ignored``, ``window_days_before_exits_recorded`` (days,
        not spells: 0, as a window starting before the recorded data is refused) and
        ``entries_recorded_from`` (a date: the extract's start, else the first day a spell
        ended; see :meth:`fit`). Short breaks (legal status V3 or V4) are counted as
        ``short_break_episodes_excluded``, or ``short_break_episodes_kept_as_care`` with
        ``short_breaks="keep"``.

        A family's Early Help episode is each child member's for the days of their membership:
        ``family_episodes_shortened_to_a_childs_membership`` and
        ``family_episodes_outside_a_childs_membership_excluded`` count the copies so cut and
        left out. SSDA903 episodes ceased X1 whose next began a few days later are joined to it
        (``care_episodes_ceased_x1_joined_to_the_next_episode``; those the data show ending the
        child's care, or that cs-demand-model's categories leave apart as it does, are
        ``care_episodes_ceased_x1_not_joined_to_the_next_episode``).

        ``exits_with_destination_not_yet_known`` counts the window's exits in the data's last
        ``gap_days`` with no spell after them yet: one may still follow (a CIN plan weeks after
        an Early Help episode closed), so each is shared among the destinations as the window's
        exits of its state whose destination is known went, of those not followed by a spell
        within the days seen after it, rather than counted as leaving every service.

        ``states_without_exits_in_the_window`` names the states with children in the window but
        no exit: the deterministic projection keeps their estimated rate of leaving, 0; the
        Monte Carlo and :func:`~earlyhelp.flow.goal_seek`'s draws take it from the Jeffreys
        posterior of no exit over the state's child-days, Gamma(1/2, child-days), not as
        certain that no child ever leaves.

        ``open_at_the_end_past_max_age`` counts children whose stay was still open at the fit's
        end though they were past ``categories.max_age`` (an episode the data never closed): the
        deterministic projection ages them out of the last age bracket at its rate (as
        cs-demand-model), the Monte Carlo ends their stay on its first day.
        """
        if self._parts is None:
            self._need_fit()
        return dict(self._report)

    @property
    def localities(self) -> Dict[str, "StockFlow"]:
        """The model of each locality, by name (after ``fit(ds, by="locality")``)."""
        if self._parts is None:
            raise ValidationError("fit(ds, by='locality') first", table="StockFlow", column="by")
        return dict(self._parts)

    def _need_fit(self) -> _Fit:
        if self._parts is not None:
            raise ValidationError("this model was fitted by locality: use its localities' models "
                                  "(model.localities) or fit without by", table="StockFlow", column="by")
        if self._fit is None:
            raise ValidationError("call fit(ds) first", table="StockFlow")
        return self._fit

    def _ageing_rates(self) -> np.ndarray:
        """(bins, bins + 1) daily rates of ageing: each bin moves to the next bracket of its
        state at 1 / the bracket's length in days; the last bracket leaves (column ``bins``)."""
        cats = self.categories
        n_age = len(cats.brackets)
        n = len(cats.states) * n_age
        ageing = np.zeros((n, n + 1))
        for s in range(len(cats.states)):
            for a, br in enumerate(cats.brackets):
                i = s * n_age + a
                ageing[i, i + 1 if a + 1 < n_age else n] = 1.0 / br.length_in_days
        return ageing

    def _bin_frame(self) -> pd.DataFrame:
        cats = self.categories
        return pd.DataFrame([(s, br.label) for s in cats.states for br in cats.brackets], columns=["state", "age"])

    def _actual_stocks(self, dates) -> pd.DataFrame:
        """Children in each state on each date according to the fitted data (start <= date < end)."""
        self._need_fit()
        sp = self._spells
        rows = []
        for d in pd.DatetimeIndex(dates):
            inside = (sp["start"] <= d) & (sp["end"].isna() | (sp["end"] > d))
            counts = np.bincount(sp.loc[inside, "state"].to_numpy(), minlength=len(self.categories.states))
            rows += [(d, s, float(c)) for s, c in zip(self.categories.states, counts)]
        return pd.DataFrame(rows, columns=["date", "state", "actual"])

    # ------------------------------------------------------------------ estimates
    def transition_rates(self, level: float = 0.95) -> pd.DataFrame:
        """Daily transition rates between bins with a ``level`` confidence interval (exact
        Poisson interval on transitions / child-days at risk). ``rate`` is the mean of daily
        ratios used by the projection; ``to_state`` ``"out"`` means leaving every service.
        ``ageing`` is the part of ``rate`` that is ageing into the next age bracket (or out of
        the last): fixed by the brackets, not estimated, so ``lower`` and ``upper`` include it
        without uncertainty. Fitted by locality, ``rate`` is the locality's rate shrunk towards
        the council's (see :meth:`fit`), and ``lower`` and ``upper`` are the interval of the
        locality's own transitions. ``transitions`` counts the window's; an exit in the data's
        last ``gap_days`` whose destination is not known yet counts as shares of one among the
        destinations (see :attr:`report`, ``exits_with_destination_not_yet_known``), so it may
        be fractional.

        Parameters
        ----------
        level : float, default 0.95
            the confidence level.

        Returns
        -------
        DataFrame
            one row per observed or modelled flow: from and to state and age, ``rate``,
            ``ageing``, ``transitions``, ``child_days``, ``lower``, ``upper``.
        """
        level = checks.level(level, "StockFlow")
        if self._parts is not None:
            return stacked(self._parts, lambda _, m: m.transition_rates(level))
        f = self._need_fit()
        bins = self._bin_frame()
        n = len(bins)
        i, j = np.nonzero((f.counts != 0) | (f.rates != 0))
        exposure = f.exposure[i]
        ageing = self._ageing_rates()[i, j]
        lo, hi = _poisson_interval(f.counts[i, j], exposure, level)
        lo, hi = lo + ageing, hi + ageing
        to_state = np.where(j == n, "out", bins.state.to_numpy()[np.minimum(j, n - 1)])
        to_age = np.where(j == n, "out", bins.age.to_numpy()[np.minimum(j, n - 1)])
        return pd.DataFrame({"from_state": bins.state.to_numpy()[i], "from_age": bins.age.to_numpy()[i],
                             "to_state": to_state, "to_age": to_age, "rate": f.rates[i, j], "ageing": ageing,
                             "transitions": f.counts[i, j], "child_days": exposure, "lower": lo,
                             "upper": hi})

    def entry_rates(self, level: float = 0.95) -> pd.DataFrame:
        """Children entering from no service per day by bin, with an exact Poisson interval.

        Parameters
        ----------
        level : float, default 0.95
            the confidence level of ``lower`` and ``upper``.

        Returns
        -------
        DataFrame
            one row per bin: ``state``, ``age``, ``per_day``, ``entrants``, ``lower``, ``upper``.
        """
        level = checks.level(level, "StockFlow")
        if self._parts is not None:
            return stacked(self._parts, lambda _, m: m.entry_rates(level))
        f = self._need_fit()
        k = np.rint(f.entrants * f.entry_days)
        lo, hi = _poisson_interval(k, np.full(len(k), f.entry_days), level)
        return self._bin_frame().assign(per_day=f.entrants, entrants=k.astype(int), lower=lo, upper=hi)

    # ------------------------------------------------------------------ projection
    def _days_until(self, until: Any) -> int:
        """Days from the end of the fit window to ``until`` (a date, or a number of days)."""
        f = self._need_fit()
        longest = MAX_MONTHS * 31
        if is_whole(until):
            return checks.whole(until, "until", "StockFlow", 1, longest)
        days = (checks.date(until, "until", "StockFlow") - f.end).days
        if not 0 < days <= longest:
            raise ValidationError(f"until ({until}) must be after the end of the fit window ({f.end.date()}) and "
                                  f"within {MAX_MONTHS} months of it", table="StockFlow", column="until")
        return days

    def project(self, until: Any, scenario: Optional[Scenario] = None, freq: str = "D") -> pd.DataFrame:
        """Deterministic daily stock-flow projection from the end of the fit window.

        Returns a tidy DataFrame: ``date``, ``state``, ``age``, ``stock`` (and ``cost`` when unit
        costs were given); ``freq="M"`` keeps month ends, and ``until`` when it is not one.
        ``age`` is cs-demand-model's: the bracket of the child's age when the spell began (the
        starting stock counts each open spell there), moved on to the next bracket at 1 / the
        bracket's length a day. :meth:`simulate` counts each child in the bracket of their age
        on the date, so by age the two start apart (see the continuum guide); by state and in
        total they start from the same children.

        Parameters
        ----------
        until : date-like
            the last day projected.
        scenario : Scenario, optional
            changes to the rates (default none).
        freq : str, default "D"
            ``"D"`` (every day) or ``"M"`` (month ends, and ``until``).

        Returns
        -------
        DataFrame
        """
        if freq not in ("D", "M"):
            raise ValidationError(f"freq must be 'D' (every day) or 'M' (month ends), not {freq!r}", table="StockFlow",
                                  column="freq")
        self._check_scenario(scenario)
        if self._parts is not None:
            shared = locality_scenarios(self._parts, scenario)
            return stacked(self._parts,
                           lambda name, m: m._tidy_projection(m._project_array(until, shared[name]), freq))
        return self._tidy_projection(self._project_array(until, scenario), freq)

    def _check_scenario(self, scenario: Optional[Scenario]) -> None:
        """The scenario's own checks, then that each rate it multiplies is one the data show."""
        check_scenario(scenario, "StockFlow")
        fits = [m._need_fit() for m in self._parts.values()] if self._parts is not None else [self._need_fit()]
        check_changes_act(scenario, fits, self.categories.states, len(self.categories.brackets))

    def _project_array(self, until: Any, scenario: Optional[Scenario]) -> np.ndarray:
        """The daily stocks (days + 1, bins) from the end of the fit window to ``until``."""
        from .._native import flow as core
        from .._native import naming

        f = self._need_fit()
        days = self._days_until(until)
        rates, entrants, regime = self._regimes(scenario, days)
        with naming("StockFlow"):
            x = core.project(rates, entrants, f.initial, regime, **self._project_caps(scenario))
        if not np.isfinite(x).all():
            # as simulate refuses it: a stock beyond any float is no projection
            which = f"the rate multipliers of scenario {scenario.name!r} are" if scenario is not None else \
                "the model's rates are"
            day = int(np.argmin(np.isfinite(x).all(axis=1)))
            raise ValidationError(f"the projected stock grows without bound by day {day}: {which} far too high",
                                  table="StockFlow", column="scenario")
        return x

    def _daily_cost(self, x: np.ndarray) -> Optional[np.ndarray]:
        """Cost of each day's stocks ``x`` (days + 1, bins), inflation applied; None without unit costs."""
        unit = self._bin_frame().state.map(self.unit_costs).to_numpy()
        if not unit.any():
            return None
        years = np.arange(x.shape[0]) / 365.25
        return x * unit[None, :] * ((1 + self.inflation) ** years)[:, None]

    def _project_caps(self, scenario: Optional[Scenario]) -> Dict[str, Any]:
        """Caps for the deterministic core: the capped group of each bin, the initial stock by
        days already spent in the state (the stays open at the fit's end, from their first
        spell in the state: a move between placements of one category starts a new spell, not a
        new stay) and the daily chance of staying on in the state after u days there (the
        Monte Carlo's: its duration hazards of a spell and its share of spells followed by
        another in the same state, pooled over age brackets by the initial stock; see
        :func:`_stay_survival`)."""
        caps = capped_states(scenario, self)
        if not caps:
            return {}
        f = self._need_fit()
        n_s, n_a = len(self.categories.states), len(self.categories.brackets)
        group = np.full(n_s * n_a, -1, np.int32)
        days = np.maximum(1, np.rint(list(caps.values()))).astype(np.int32)
        w1 = self._window[1]
        open_ = (self._s_day <= w1) & ((self._e_day < 0) | (self._e_day > w1))
        state, spent = self._spells["state"].to_numpy()[open_], (w1 - self._stay_start_days()[open_]).astype(int)
        inputs = self._sim_inputs()
        hazard, dest = inputs["hazard"], inputs["dest"]
        weight = f.initial.reshape(n_s, n_a) + 1e-9
        elapsed, survival = [], []
        for g, (s, cap) in enumerate(zip(caps, days)):
            group[s * n_a:(s + 1) * n_a] = g
            elapsed.append(np.bincount(np.minimum(spent[state == s], cap), minlength=cap + 1).astype(float))
            pooled = weight[s] @ hazard[s] / weight[s].sum()
            dur_bin = np.searchsorted(DURATION_EDGES, np.arange(cap), side="right") - 1
            again = float(weight[s] @ dest[s, :, s] / weight[s].sum())
            survival.append(_stay_survival(np.exp(-pooled[dur_bin]), again))
        return {"cap_group": group, "cap_days": days, "initial_elapsed": elapsed, "cap_survival": survival}

    def _regimes(self, scenario: Optional[Scenario], days: int):
        f = self._need_fit()
        dates = _step_dates(f.end, days)
        rates, mult, added, regime = regimes_for(scenario, self, f.rates, f.entrants, dates)
        if self._trend is None and self._season is None:
            return rates, np.maximum(mult * f.entrants[None, :] + added, 0.0), regime
        # One regime per (scenario regime, calendar month): the window's mean entrants scaled
        # to the trend at the middle of the month and to the month's season, then the
        # scenario's multipliers and added entrants (children a day: not trended).
        month = ((dates.year - dates[0].year) * 12 + dates.month - dates[0].month).to_numpy().astype(np.int32)
        n_months = int(month.max()) + 1
        first = np.searchsorted(month, np.arange(n_months))
        mid = (first + np.append(first[1:], days)) / 2.0
        factor = self._entry_factor(mid, dates[first].month.to_numpy())  # (months, states)
        n_a = len(self.categories.brackets)
        k = rates.shape[0]
        rates = np.repeat(rates, n_months, axis=0)
        base = f.entrants[None, :] * np.repeat(factor, n_a, axis=1)  # (months, bins)
        entrants = np.maximum(mult[:, None, :] * base[None, :, :] + added[:, None, :], 0.0).reshape(k * n_months, -1)
        return rates, entrants, (regime * n_months + month).astype(np.int32)

    def _trended(self) -> np.ndarray:
        """(states,) whose entry follows the fitted trend."""
        f = self._need_fit()
        n_s = len(self.categories.states)
        if self._trend is None:
            return np.zeros(n_s, bool)
        base = f.entrants.reshape(n_s, -1).sum(axis=1)
        return np.isfinite(self._trend[:, 0]) & (base > 0)

    def _entry_factor(self, t: np.ndarray, moy: np.ndarray) -> np.ndarray:
        """(len(t), states): entry rate at days ``t`` from the window's end, in months of the
        year ``moy``, over the window's mean rate (trend and season as fitted)."""
        f = self._need_fit()
        n_s = len(self.categories.states)
        factor = np.ones((len(t), n_s))
        trended = self._trended()
        if trended.any():
            base = f.entrants.reshape(n_s, -1).sum(axis=1)
            a, b = np.where(trended, self._trend[:, 0], 0.0), np.where(trended, self._trend[:, 1], 0.0)
            level = np.exp(a[None, :] + b[None, :] * np.asarray(t, float)[:, None])
            factor = np.where(trended[None, :], level / np.where(base > 0, base, 1.0)[None, :], 1.0)
        return factor * self._season_factor(moy)

    def _season_factor(self, moy: np.ndarray) -> np.ndarray:
        """(len(moy), states): the season's multiplier of the entry rate in months of the year
        ``moy``; for a state without a trend, relative to the fit window's own months (its mean
        rate already holds their season)."""
        n_s = len(self.categories.states)
        if self._season is None:
            return np.ones((len(moy), n_s))
        f = self._need_fit()
        w0, w1 = self._window
        window_moy = (f.first + pd.to_timedelta(np.arange(w0, w1 + 1), unit="D")).month.to_numpy()
        in_window = self._season[window_moy - 1].mean(axis=0)
        return self._season[np.asarray(moy) - 1] / np.where(self._trended(), 1.0, in_window)[None, :]

    def _tidy_projection(self, x: np.ndarray, freq: str) -> pd.DataFrame:
        f = self._need_fit()
        bins = self._bin_frame()
        dates = f.end + pd.to_timedelta(np.arange(x.shape[0]), unit="D")
        keep = np.arange(x.shape[0])
        if freq == "M":   # and the last day asked for, as compare gives it, when it is no month end
            keep = np.union1d(np.flatnonzero(dates.is_month_end), [x.shape[0] - 1])
        out = pd.DataFrame({
            "date": np.repeat(dates[keep], len(bins)), "state": np.tile(bins.state.to_numpy(), len(keep)),
            "age": np.tile(bins.age.to_numpy(), len(keep)), "stock": x[keep].ravel()})
        cost = self._daily_cost(x)
        if cost is not None:
            out["cost_per_day"] = cost[keep].ravel()
        return out

    # ------------------------------------------------------------------ simulation
    def _stay_start_days(self) -> np.ndarray:
        """The day each spell's stay in its state began: the start of the first of the child's
        spells in the state joined one to the next (an SSDA903 episode for each placement move
        or change of legal status, in one category: one stay)."""
        begins = self._spells["prev"].to_numpy() != self._spells["state"].to_numpy()  # a stay's first spell
        return self._s_day[np.flatnonzero(begins)][np.cumsum(begins) - 1]

    def _duration_counts(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exits (states, ages, duration bins), child-days at risk (the same) and exits by
        destination (states, ages, states + 1) in the fit window."""
        cats = self.categories
        sp = self._spells
        n_s, n_a = len(cats.states), len(cats.brackets)
        w0, w1 = self._window
        s_day, e_day = self._s_day, self._e_day
        state, age = sp["state"].to_numpy(), sp["age"].to_numpy()
        end = np.where(e_day < 0, np.inf, e_day.astype(float))
        t0 = np.maximum(s_day, w0).astype(float)
        t1 = np.minimum(end, w1 + 1.0)
        live = t1 > t0
        u0, u1 = t0 - s_day, t1 - s_day
        edges = np.append(DURATION_EDGES, np.inf)
        n_d = len(DURATION_EDGES)
        exposure = np.zeros((n_s, n_a, n_d))
        events = np.zeros((n_s, n_a, n_d))
        for k in range(n_d):
            over = np.clip(np.minimum(u1, edges[k + 1]) - np.maximum(u0, edges[k]), 0, None)
            np.add.at(exposure, (state[live], age[live], k), over[live])
        exited = (e_day >= w0) & (e_day <= w1)
        dur = (e_day - s_day).astype(float)
        kbin = np.clip(np.searchsorted(DURATION_EDGES, dur, side="right") - 1, 0, n_d - 1)
        np.add.at(events, (state[exited], age[exited], kbin[exited]), 1)
        # where the exits went: those not known yet shared as in the rates (_exit_destinations)
        rows, to, weight = self._exit_destinations(exited, n_a)
        dest_j = np.where(to == n_s * n_a, n_s, to // n_a)
        dest = np.zeros((n_s, n_a, n_s + 1))
        np.add.at(dest, (state[rows], age[rows], dest_j), weight)
        return events, exposure, dest

    def _duration_posteriors(self, counts: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None
                             ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The gamma posteriors (shape, rate) of the duration hazards and the Dirichlet weights
        of the destinations. A council's sparse cells shrink towards the state's pooled hazard
        and destinations (one pseudo-event); a locality's towards its council's, as much as the
        localities' rates differ (``_prior``, see localities.pool_rates). ``counts``: those of
        :meth:`_duration_counts`, when the caller has them."""
        events, exposure, dest = self._duration_counts() if counts is None else counts
        if self._prior is not None:
            p = self._prior
            a = np.minimum(p["alpha"][:, None, None], p["events"] + 1.0)
            a = np.where(p["hazard"] > 0, a, 0.0)
            hazard_shape = events + a
            hazard_rate = np.where(p["hazard"] > 0, exposure + a / np.where(p["hazard"] > 0, p["hazard"], 1.0),
                                   np.maximum(exposure, 1.0))
            # a state with no exit in the council's window (so none in the locality's): the
            # council's posterior of no exit over its child-days, as the council model takes it
            quiet = p["quiet"]
            hazard_shape[quiet], hazard_rate[quiet] = p["shape"][quiet], p["rate"][quiet]
            a_dest = np.minimum(p["alpha"][:, None], p["exits"] + 1.0)
            return hazard_shape, hazard_rate, dest + a_dest[..., None] * p["dest_share"]
        state_days = exposure.sum(axis=(1, 2))
        pooled = events.sum(axis=(1, 2)) / np.maximum(state_days, 1.0)
        prior_days = 1.0 / np.maximum(pooled, 1e-6)
        hazard_shape = events + 1.0 * (pooled > 0)[:, None, None]
        hazard_rate = exposure + prior_days[:, None, None]
        # A state whose children made no exit in the window: no exit seen is not none possible.
        # Its rate takes the Jeffreys posterior of a Poisson rate with no event, Gamma(1/2) over
        # the state's child-days (as the entry rates take Gamma(k + 1/2)), in each of its cells;
        # its shape of 0 held every run's hazard at 0, certain that no child would ever leave.
        quiet = (pooled == 0) & (state_days > 0)
        hazard_shape[quiet] = 0.5
        hazard_rate[quiet] = state_days[quiet][:, None, None]
        pooled_dest = dest.sum(axis=1, keepdims=True)
        pooled_dest = pooled_dest / np.maximum(pooled_dest.sum(axis=2, keepdims=True), 1)
        return hazard_shape, hazard_rate, dest + pooled_dest

    def _no_exit_days(self) -> np.ndarray:
        """(states,) for each state with children in the window but no exit, the child-days its
        rate of leaving is drawn over (Gamma(1/2) / child-days: see :meth:`_duration_posteriors`;
        a locality's, its council's, as its posterior is); 0 for every other state."""
        if self._prior is not None:
            p = self._prior
            return np.where(p["quiet"], p["rate"][:, 0, 0], 0.0)
        events, exposure, _ = self._duration_counts()
        days = exposure.sum(axis=(1, 2))
        return np.where((events.sum(axis=(1, 2)) == 0) & (days > 0), days, 0.0)

    def _sim_inputs(self) -> Dict[str, np.ndarray]:
        """Hazards, destinations, entry rates and open cases for the Monte Carlo core."""
        f = self._need_fit()
        cats = self.categories
        sp = self._spells
        n_s, n_a = len(cats.states), len(cats.brackets)
        w0, w1 = self._window
        s_day, e_day = self._s_day, self._e_day
        state, age = sp["state"].to_numpy(), sp["age"].to_numpy()
        hazard_shape, hazard_rate, dest = self._duration_posteriors()
        hazard = hazard_shape / hazard_rate
        dest_weight = dest.copy()
        total = dest.sum(axis=2, keepdims=True)
        dest = np.where(total > 0, dest / np.where(total > 0, total, 1), 0.0)
        dest[total[..., 0] == 0, n_s] = 1.0
        prev = sp["prev"].to_numpy()
        entering = (prev == NONE) & (s_day >= w0) & (s_day <= w1)
        k_entry = np.zeros((n_s, n_a))
        np.add.at(k_entry, (state[entering], age[entering]), 1)
        # Each run's entry rate of a cell is drawn from Gamma(k + 1/2) (Jeffreys' width) scaled
        # to centre on k entrants in the window, as the projection's rate: Jeffreys' own mean,
        # half an entrant more, adds up over sparse cells (by locality, to a few per cent of
        # the entrants). A cell with no entrant in the window has none.
        window = float(w1 - w0 + 1)
        seen = k_entry > 0
        entry_shape = np.where(seen, k_entry + 0.5, 0.0)
        entry_rate = np.where(seen, window * entry_shape / np.where(seen, k_entry, 1.0), window)
        lo = np.array([max(br.min, 0.0) for br in cats.brackets]) * 365.25
        hi = np.array([min(br.max, cats.max_age) for br in cats.brackets]) * 365.25
        open_ = _open_on(s_day, e_day, w1)
        births = ((sp["birth"] - f.first).dt.days.to_numpy() - w1).astype(float)
        return {
            "hazard": hazard, "dest": dest, "entry_shape": entry_shape, "entry_rate": entry_rate,
            "entry_age_lo": np.tile(lo, (n_s, 1)), "entry_age_hi": np.tile(np.maximum(hi, lo + 1), (n_s, 1)),
            "age_edges": np.array([br.min for br in cats.brackets]) * 365.25, "dur_edges": DURATION_EDGES,
            "max_age": cats.max_age * 365.25,
            "open_state": state[open_].astype(np.int32), "open_birth": births[open_],
            "open_entered": (s_day[open_] - w1).astype(float),
            # a cap counts the days in the state: from the stay's first spell
            "open_stay_entered": (self._stay_start_days()[open_] - w1).astype(float),
            # the posteriors each run draws the rates from (gamma hazards, Dirichlet destinations)
            "hazard_shape": hazard_shape, "hazard_rate": hazard_rate,
            "dest_weight": np.where(total > 0, dest_weight, 0.0),
        }

    def simulate(self, months: int = 60, runs: int = 1000, seed: int = 0, client: Any = None,
                 scenario: Optional[Scenario] = None, quantiles: Sequence[float] = QUANTILES,
                 threads: int = 2, chunks: Optional[int] = None, progress: Optional[bool] = None,
                 total: bool = True) -> pd.DataFrame:
        """Monte Carlo projection of individual children, ``runs`` times, ``months`` ahead.

        Returns a tidy DataFrame: ``date`` (month ends), ``state`` (``"all"`` for the total),
        ``age`` (the bracket of each child's age on the date, not the bracket the spell began
        in as in :meth:`project`; ``"all"`` for the state's total), ``mean`` and one column per
        quantile (``q05``, ``q50``, ...). Run ``r`` always draws from the stream keyed by
        (``seed``, ``r``), so the result is identical whether the runs are computed here or
        split over a ``dask.distributed`` ``client``'s workers. Costs: :meth:`simulate_costs`.

        A model fitted by locality returns one block per locality (``locality`` column first),
        locality ``L`` drawing from the stream of
        ``earlyhelp.flow.localities.locality_seed(seed, L)``, then the council total as locality
        ``"all"``: run ``r`` of the council is the sum of run ``r`` of every locality, and its
        mean and quantiles are taken over those sums (quantiles do not add: the total's band is narrower than the sum of the
        localities' bands). The runs are then made one at a time to pair them, keeping
        ``runs`` x ``months`` x series outcomes in memory; ``total=False`` skips the total.

        Parameters
        ----------
        months : int, default 60
            months ahead.
        runs : int, default 1000
            Monte Carlo runs.
        seed : int, default 0
            the random seed.
        client : dask.distributed.Client, optional
            where the runs go (default here).
        scenario : Scenario, optional
            changes to the rates.
        quantiles : sequence of float
            the quantiles reported.
        threads : int, default 2
            threads here.
        chunks : int, optional
            the tasks the runs are split into on a client (a whole number from 1; default two
            per worker).
        progress : bool, optional
            a progress bar on a terminal or in a notebook: True shows it, False never; by
            default it shows once the simulation has lasted a second. Ctrl-C stops the runs
            either way.
        total : bool, default True
            for a model fitted by locality: add the council total rows (locality ``"all"``).

        Returns
        -------
        DataFrame
        """
        seed = checks.seed(seed, "StockFlow")
        quantiles = checks.quantiles(quantiles, "StockFlow")
        self._check_scenario(scenario)
        threads = checks.whole(threads, "threads", "StockFlow", 1, MAX_THREADS)
        # checked with or without a client: a bad value must not wait for the day one is given
        chunks = None if chunks is None else checks.whole(chunks, "chunks", "StockFlow", 1, MAX_RUNS)
        progress = checks.optional_flag(progress, "progress", "StockFlow")
        total = checks.flag(total, "total", "StockFlow")
        from .distributed import check_client

        check_client(client, "StockFlow")
        if self._parts is not None:
            from .localities import simulate_localities

            return simulate_localities(self, months, runs, seed, client, scenario, quantiles, threads, chunks,
                                       progress, total)
        result = self._simulate_bands(months, runs, seed, client, scenario, threads, chunks, progress)
        self._last_sim = result
        return self._tidy_bands(result, quantiles)

    def _sim_plan(self, months: int, scenario: Optional[Scenario]):
        f = self._need_fit()
        if months <= 0:
            raise ValidationError("months must be positive", table="StockFlow", column="months")
        period_dates = month_ends_after(f.end, months)
        days = (period_dates[-1] - f.end).days + 1
        dates = _step_dates(f.end, days)
        period_ends = (period_dates - f.end).days.to_numpy().astype(np.int32)
        inputs = self._sim_inputs()
        entry_mult, entry_add, move_mult, caps, regime = _sim_regimes(scenario, self, dates, inputs)
        # each period's inflation: the mean of its days' (days 1 to its end after the first), as
        # the projection inflates each day's cost; the period end's alone overstates a month's
        summed = np.cumsum((1 + self.inflation) ** (np.arange(days) / 365.25))
        bounds = np.concatenate([[0], period_ends])
        cost_factor = np.diff(summed[bounds]) / np.diff(bounds)
        unit = np.array([self.unit_costs[s] for s in self.categories.states])
        # Costs are kept as whole numbers of a quantum: a 2000th of the expected first month's cost
        # (of a month of one child in the cheapest costed state when none is open in one), in the
        # currency's own unit, whatever it is (pounds, thousands or millions).
        expected = float(np.sum(unit * np.bincount(inputs["open_state"], minlength=len(unit)))) * 30.4
        cheapest = float(unit[unit > 0].min()) * 30.4 if unit.any() else 2000.0
        quantum = (expected if expected > 0 else cheapest) / 2000.0
        args = dict(inputs, entry_mult=entry_mult, move_mult=move_mult, max_duration=caps, unit_cost=unit,
                    days=int(days), period_ends=period_ends, regime_of_day=regime,
                    cost_factor=cost_factor, cost_quantum=quantum)
        if entry_add.any():
            args["entry_add"] = entry_add
        if self._trend is not None:
            args["entry_trend"] = self._trend
        if self._season is not None:
            # each period's month, then the month after the last period end
            moy = np.append(period_dates.month.to_numpy(), (period_dates[-1] + pd.offsets.MonthBegin(1)).month)
            args["entry_season"] = self._season_factor(moy)
        if self._dispersion is not None:
            # Overdispersed months also widen the posterior of the mean rate: its variance
            # grows by 1 + omega x (entrants a month).
            monthly = f.entrants.reshape(len(unit), -1).sum(axis=1) * 365.25 / 12
            widen = (1 + self._dispersion * monthly)[:, None]
            args["entry_shape"], args["entry_rate"] = inputs["entry_shape"] / widen, inputs["entry_rate"] / widen
            args["entry_dispersion"] = self._dispersion
        if self._drift is not None:
            args["entry_drift"] = self._drift
        if not self.rate_uncertainty:
            for name in ("hazard_shape", "hazard_rate", "dest_weight"):
                del args[name]
        else:
            args["rate_change"] = self._rate_change
        self._check_children(args, months, scenario)
        return args, period_dates

    def _check_children(self, args: Dict[str, Any], months: int, scenario: Optional[Scenario]) -> None:
        """A ValidationError, before any run, when a run is expected to follow more than
        :data:`MAX_CHILDREN_PER_RUN` children: naming the scenario's entry changes when they
        bring it there, else the entry trend and the longest horizon within the limit."""
        open_cases = len(args["open_state"])
        per_day = _expected_entrants(args)
        expected = float(per_day.sum()) + open_cases
        if expected <= MAX_CHILDREN_PER_RUN:
            return
        limit = f"beyond the {MAX_CHILDREN_PER_RUN:,} one run can follow (near every child in England)"
        plain = {k: v for k, v in args.items() if k != "entry_add"}
        baseline = float(_expected_entrants(dict(plain, entry_mult=np.ones_like(args["entry_mult"]))).sum())
        if scenario is not None and baseline + open_cases <= MAX_CHILDREN_PER_RUN:
            rows = [k for k, c in enumerate(scenario.changes) if isinstance(c.target, str)
                    and ((c.kind == "add" and c.value > 0) or (c.kind == "multiply" and c.value > 1))]
            targets = ", ".join(dict.fromkeys(scenario.changes[k].target for k in rows))
            raise ValidationError(Problem(
                f"scenario {scenario.name}", "target", f"the entry changes ({targets}) would bring about "
                f"{_count(expected)} children into each Monte Carlo run over {months} months, {limit}: change entry "
                f"by far less", rows=tuple(rows[:10]), n_rows=len(rows)))
        reached = np.cumsum(per_day) + open_cases > MAX_CHILDREN_PER_RUN
        longest = int((args["period_ends"] < np.argmax(reached)).sum())
        why = (" (the entry trend, carried that far ahead with its uncertain slope, grows without bound)"
               if self._trend is not None else "")
        raise ValidationError(f"each Monte Carlo run would follow about {_count(expected)} children over {months} "
                              f"months{why}, {limit}: simulate at most {longest} months"
                              f"{' or without entry_trend' if self._trend is not None else ''}",
                              table="StockFlow", column="months")

    def _simulate_bands(self, months, runs, seed, client, scenario, threads, chunks, progress, paired=False):
        """The bands of ``runs`` runs; ``paired``: with every run's outcome too (``run_stocks``,
        ``run_costs``), to add localities run by run."""
        from .distributed import run_chunks, run_paired
        from .localities import check_total_size

        _check_size(months, "months", MAX_MONTHS)
        _check_size(runs, "runs", MAX_RUNS)
        args, period_dates = self._sim_plan(months, scenario)
        out = {"dates": period_dates, "quantum": args["cost_quantum"], "runs": runs, "seed": seed}
        if not paired:
            out["stocks"], out["costs"], out["entrants"] = run_chunks(args, runs, seed, client, threads, chunks,
                                                                      progress)
            return out
        n_series = len(self.categories.states) * (len(self.categories.brackets) + 1) + 1
        check_total_size(runs, len(period_dates), n_series)
        (out["stocks"], out["costs"], out["entrants"], out["run_stocks"],
         out["run_costs"]) = run_paired(args, runs, seed, client, threads, chunks, progress)
        return out

    def _tidy_bands(self, result, quantiles) -> pd.DataFrame:
        q = np.asarray(quantiles, dtype=float)
        return self._tidy_series(result["dates"], result["stocks"].means(), result["stocks"].quantiles(q), q)

    def _tidy_runs(self, summed, quantiles) -> pd.DataFrame:
        """The tidy bands of runs summed over localities (``summed["stocks"]``: runs, periods, series)."""
        from .localities import run_quantiles

        runs = summed["stocks"]
        return self._tidy_series(summed["dates"], runs.mean(axis=0), run_quantiles(runs, quantiles),
                                 np.asarray(quantiles, dtype=float))

    def _tidy_series(self, dates, means: np.ndarray, values: np.ndarray, q: np.ndarray) -> pd.DataFrame:
        """date, state, age, mean and quantiles of every series: bins, states' totals, the total."""
        cats = self.categories
        n_s, n_a = len(cats.states), len(cats.brackets)
        labels = ([(s, br.label) for s in cats.states for br in cats.brackets]
                  + [(s, "all") for s in cats.states] + [("all", "all")])
        n_series = len(labels)
        assert values.shape[1] == n_series == n_s * n_a + n_s + 1
        out = pd.DataFrame({"date": np.repeat(dates, n_series),
                            "state": np.tile([l[0] for l in labels], len(dates)),
                            "age": np.tile([l[1] for l in labels], len(dates)),
                            "mean": means.ravel()})
        for k, qq in enumerate(q):
            out[checks.quantile_label(qq)] = values[:, :, k].ravel()
        return out

    def simulate_costs(self, quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Cost per month of the last :meth:`simulate` call: ``date``, ``mean`` and quantiles
        (currency units, inflation applied). Needs ``unit_costs``.

        A model fitted by locality returns one block per locality (``locality`` column first)
        and, when that simulation made the council total, locality ``"all"``: the quantiles of
        each run's cost summed over the localities.

        Parameters
        ----------
        quantiles : sequence of float
            the quantiles reported.

        Returns
        -------
        DataFrame
        """
        quantiles = checks.quantiles(quantiles, "StockFlow")
        self._need_costs("simulate_costs", table="StockFlow")
        if self._parts is not None:
            return self._locality_costs(quantiles)
        result = getattr(self, "_last_sim", None)
        if result is None:
            raise ValidationError("call simulate() first", table="StockFlow")
        q = np.asarray(quantiles, dtype=float)
        values = result["costs"].quantiles(q)[:, 0, :] * result["quantum"]
        out = pd.DataFrame({"date": result["dates"], "mean": result["costs"].means()[:, 0] * result["quantum"]})
        for k, qq in enumerate(q):
            out[checks.quantile_label(qq)] = values[:, k]
        return out

    def _need_costs(self, what: str, table: Optional[str] = None) -> None:
        """A ValidationError unless unit costs were given: without them every cost is 0, and a
        table of zeros would read as a free service."""
        if not any(self.unit_costs.values()):
            raise ValidationError(f"{what} needs unit_costs: StockFlow(unit_costs={{state: cost}})",
                                  table=table or what, column="unit_costs")

    def _locality_costs(self, quantiles: Sequence[float]) -> pd.DataFrame:
        from .localities import TOTAL, run_quantiles

        out = stacked(self._parts, lambda _, m: m.simulate_costs(quantiles))
        summed = getattr(self, "_last_total", None)
        if summed is None:
            return out
        total = pd.DataFrame({"locality": TOTAL, "date": summed["dates"], "mean": summed["costs"].mean(axis=0)})
        values = run_quantiles(summed["costs"], quantiles)
        for k, qq in enumerate(np.asarray(quantiles, dtype=float)):
            total[checks.quantile_label(qq)] = values[:, k]
        return pd.concat([out, total], ignore_index=True)


def _stay_survival(daily: np.ndarray, again: float) -> np.ndarray:
    """The daily chance of staying on in a state after u = 0 .. cap - 1 days there, from the
    chance ``daily[v]`` of a spell going on after v days and the share ``again`` of the spells
    ending that are followed by another spell in the same state (a placement move): a stay is
    spells one after the other, each ending as ``daily`` says and followed by another with
    chance ``again``, as the Monte Carlo follows them. S(u), the chance of a stay lasting u days,
    is the first spell's S1(u) plus again x the sum over v of (the first spell ending on day v)
    x S(u - v)."""
    if again <= 0:
        return daily
    cap = len(daily)
    first = np.concatenate([[1.0], np.cumprod(daily)])  # S1(0 .. cap)
    ends = first[:-1] - first[1:]                         # the first spell ending on day 1 .. cap
    stay = np.empty(cap + 1)
    stay[0] = 1.0
    for u in range(1, cap + 1):
        stay[u] = first[u] + again * float(ends[:u] @ stay[u - 1::-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(np.where(stay[:-1] > 0, stay[1:] / stay[:-1], 0.0), 0.0, 1.0)


def _as_known_on(sp: pd.DataFrame, day: pd.Timestamp, report: Dict[str, Any]) -> pd.DataFrame:
    """The spells as the data know them on ``day``, their end (:meth:`earlyhelp.Dataset.data_end`):
    a spell starting after it is left out (``spells_starting_after_the_data_end_excluded``), and
    an end after it has not happened by then (a planned end keyed in ahead, a year typed wrong):
    the spell is open on that day (``spell_ends_after_the_data_end_taken_as_open``), as a
    snapshot on that day takes them. Neither has a next spell the data know."""
    later_start = (sp["start"] > day).to_numpy(dtype=bool, na_value=False)
    later_end = (sp["end"] > day).to_numpy(dtype=bool, na_value=False) & ~later_start
    report["spells_starting_after_the_data_end_excluded"] = int(later_start.sum())
    report["spell_ends_after_the_data_end_taken_as_open"] = int(later_end.sum())
    if not (later_start.any() or later_end.any()):
        return sp
    same_next = sp["person_id"].eq(sp["person_id"].shift(-1)).to_numpy()
    followed_by_later = same_next & np.append(later_start[1:], False)
    out = sp.copy()
    out["next"] = np.where(followed_by_later | later_end, NONE, out["next"].to_numpy())
    out.loc[later_end, "end"] = pd.NaT
    return out[~later_start].reset_index(drop=True)


def _fit_window(sp: pd.DataFrame, start: Any, end: Any, data_end: Optional[pd.Timestamp] = None):
    """(start, end) of the fit window and the spells' last event. The data cover the days to
    ``data_end`` (the extract's date, :meth:`earlyhelp.Dataset.data_end`; no spell is dated after
    it), else to that event: ``end`` defaults to that day, ``start`` to six months before
    ``end``. A window reaching well beyond the data is refused: its days without data would count
    as days without entries or moves."""
    first, s_day, e_day = day_index(sp)
    last = first + pd.Timedelta(days=int(max(s_day.max(), e_day.max())))
    covered = last if data_end is None else max(last, data_end)
    end_ts = covered if end is None else checks.date(end, "end", "StockFlow")
    start_ts = end_ts - pd.DateOffset(months=6) if start is None else checks.date(start, "start", "StockFlow")
    if start_ts >= end_ts:
        raise ValidationError(f"start ({start_ts.date()}) must be before end ({end_ts.date()})", table="StockFlow",
                              column="start")
    slack = pd.Timedelta(days=WINDOW_SLACK_DAYS)
    if end_ts > covered + slack:
        raise ValidationError(f"end ({end_ts.date()}) is after the data: they run to {covered.date()}; "
                              f"end the window by {(covered + slack).date()}", table="StockFlow", column="end")
    if start_ts < first - slack:
        # the default start too: entrants are counted over the window's days, so its days before
        # the data would dilute the entry rates
        given = f"start ({start_ts.date()})" if start is not None else \
            f"the default start, six months before end ({start_ts.date()}),"
        raise ValidationError(f"{given} is before the data: its first spell starts on "
                              f"{first.date()}; start the window on or after {(first - slack).date()}",
                              table="StockFlow", column="start")
    return start_ts, end_ts, last


def _known(date: Any) -> bool:
    """Whether ``date`` (a meta date) is given."""
    return date is not None and not pd.isna(date)


def _recorded_day(sp: Optional[pd.DataFrame], window_start: Any) -> Tuple[Optional[pd.Timestamp], str]:
    """(the first day the data record entries and exits, how it is known): ``window_start`` (the
    extract's start, ``meta["window_start"]``) when given, else the first day a spell of ``sp``
    ended; (None, "") when neither tells."""
    if _known(window_start):
        return pd.Timestamp(window_start).normalize(), "the extract's start (meta window_start)"
    ended = sp["end"].dropna() if sp is not None else ()
    return (ended.min(), "the first day a spell ended") if len(ended) else (None, "")


def _check_window_recorded(sp: pd.DataFrame, start_ts: pd.Timestamp, end_ts: pd.Timestamp, default_start: bool,
                           report: Dict, window_start: Any = None) -> Optional[pd.Timestamp]:
    """The first day the data record entries and exits (``report["entries_recorded_from"]``), or
    None when it cannot be told: the extract's start, ``meta["window_start"]``, when the data
    say it (synthetic data, a snapshot, a folder written by ``write_dataset``); else the first
    day any spell ended (before the extract's start it holds only the spells still open then,
    none of which ends before it); None when no spell has ended.

    A window must lie within the recorded days: one ending before that day has no exit to
    estimate from, and one starting before it would count its days before it as days on which
    nobody left, and the spells still open at the extract's start as the window's entrants
    (the survivors only): every exit rate diluted, by 40 % with six months before the records,
    and the entry rates wrong too. Both are refused, naming the window and the day the records
    begin, as a window starting before the data is. The window is refused rather than cut to
    the recorded days: its rates would then be those of a window the analyst did not choose,
    and a projection from it could be read as theirs; the error says the first start that
    works. (``backtest``, which chooses its own windows, starts each at the recorded days.)"""
    report["window_days_before_exits_recorded"] = 0
    recorded, how = _recorded_day(sp, window_start)
    if recorded is None:
        return None  # nobody has left yet: the rates are what the data show
    if end_ts < recorded:
        raise ValidationError(f"the fit window ({start_ts.date()} to {end_ts.date()}) ends before the data record "
                              f"entries and exits ({recorded.date()}, {how}): before it the data hold only the "
                              "spells still open, so no child would ever leave; fit a window after it",
                              table="StockFlow", column="end")
    if start_ts < recorded:
        given = "starts" if not default_start else "starts (the default start, six months before its end)"
        raise ValidationError(f"the fit window ({start_ts.date()} to {end_ts.date()}) {given} before the data record "
                              f"entries and exits: they are recorded from {recorded.date()}, {how} (before it the "
                              "data hold only the spells still open then, so the window's days before it would count "
                              "as days on which nobody left or entered); start the window on or after "
                              f"{recorded.date()}", table="StockFlow", column="start")
    return recorded


def _poisson_glm(counts: np.ndarray, exposure: np.ndarray, X: np.ndarray, precision: Optional[np.ndarray] = None):
    """Poisson regression log(rate) = X theta with exposure, by Newton's method, with an
    optional normal prior of mean 0 and ``precision`` per coefficient (0: none): theta, its
    covariance (inverse information times the Pearson dispersion, at least 1), the fitted
    counts and the Pearson statistic."""
    P = np.diag(np.zeros(X.shape[1]) if precision is None else precision)
    theta = np.zeros(X.shape[1])
    theta[0] = np.log(counts.sum() / exposure.sum())
    for _ in range(100):
        mu = exposure * np.exp(X @ theta)
        info = X.T @ (mu[:, None] * X) + P
        step = np.linalg.lstsq(info, X.T @ (counts - mu) - P @ theta, rcond=None)[0]
        theta = theta + np.clip(step, -5, 5)  # no overshoot from a month with no entries
        if np.abs(step).max() < 1e-10:
            break
    mu = exposure * np.exp(X @ theta)
    seen = mu > 0  # a month the fit sends to zero adds nothing
    pearson = float(((counts[seen] - mu[seen]) ** 2 / mu[seen]).sum())
    dispersion = max(1.0, pearson / max(len(counts) - X.shape[1], 1))
    return theta, np.linalg.pinv(X.T @ (mu[:, None] * X) + P) * dispersion, mu, pearson


def _poisson_trend(counts: np.ndarray, exposure: np.ndarray, x: np.ndarray):
    """Poisson regression log(rate) = a + b x with exposure: (a, b) and their covariance."""
    theta, cov, _, _ = _poisson_glm(counts, exposure, np.column_stack([np.ones_like(x), x]))
    return theta, cov


@dataclass
class _EntryFit:
    level: float            # log daily rate at the window's end, the season averaged out
    slope: float            # per year
    cov: np.ndarray         # of (level, slope, month effects...)
    season: np.ndarray      # (12,) month-of-year factors, mean 1 (ones without season)
    month_variance: float   # variance of a month's gamma multiplier beyond Poisson


def _entry_glm(counts: np.ndarray, exposure: np.ndarray, x: np.ndarray, moy: Optional[np.ndarray]) -> _EntryFit:
    """Monthly entries on a log-linear trend and, given the months of the year ``moy``,
    month-of-year effects (sum-to-zero coding, shrunk by the positive-part James-Stein factor
    of their Wald statistic), with the variance of a monthly multiplier by moments."""
    X = np.column_stack([np.ones_like(x), x])
    precision = np.zeros(2)
    if moy is not None:
        effects = (moy[:, None] == np.arange(1, 12)[None, :]).astype(float) - (moy == 12)[:, None]
        X = np.column_stack([X, effects])
        # a month's log effect is a priori within about +-2 (a factor of 7): a month of the
        # year with no entries then stays finite and leaves the level and slope well defined
        precision = np.append(precision, np.ones(11))
    theta, cov, mu, pearson = _poisson_glm(counts, exposure, X, precision)
    season = np.ones(12)
    level = theta[0]
    if moy is not None:
        gamma = theta[2:]
        wald = float(gamma @ np.linalg.pinv(cov[2:, 2:]) @ gamma)
        shrink = max(0.0, 1.0 - (len(gamma) - 2) / wald) if wald > 0 else 0.0
        full = np.append(gamma, -gamma.sum()) * shrink
        season = np.exp(full) / np.exp(full).mean()
        level += np.log(np.exp(full).mean())
    # E[Pearson] = free + omega sum(mu) free / n: the fit absorbs its share of the noise too.
    free = len(counts) - X.shape[1]
    variance = max(0.0, (pearson - free) / (mu.sum() * free / len(counts))) if free > 0 else 0.0
    return _EntryFit(float(level), float(theta[1]), cov, season, variance)


def _drift_variance(counts: np.ndarray, length: np.ndarray, fit: _EntryFit, trended: bool) -> float:
    """Variance of a month's step of a random walk of the log entry rate, by moments: the log
    ratio D of each twelve whole months' rate to the twelve before has variance 8.03 q (the
    walk: sum over the 24 months of the squared weights of each step) plus the counts' noise
    (Poisson, with the overdispersion); its expected value is the trend's when trended, else 0."""
    whole = length >= 28
    y, days = counts[whole], length[whole]
    if len(y) < 24 or y.sum() < 24:
        return 0.0
    c_y, c_d = np.concatenate([[0.0], np.cumsum(y)]), np.concatenate([[0.0], np.cumsum(days)])
    t = np.arange(12, len(y) - 11)
    prev_y, next_y = c_y[t] - c_y[t - 12], c_y[t + 12] - c_y[t]
    prev_d, next_d = c_d[t] - c_d[t - 12], c_d[t + 12] - c_d[t]
    ok = (prev_y > 0) & (next_y > 0)
    if not ok.any():
        return 0.0
    prev_y, next_y, prev_d, next_d = prev_y[ok], next_y[ok], prev_d[ok], next_d[ok]
    d = np.log((next_y / next_d) / (prev_y / prev_d))
    expected = fit.slope * (next_d + prev_d) / 2 / 365.25 if trended else 0.0
    monthly = y.sum() / len(y)
    noise = (1 / next_y + 1 / prev_y) * (1 + fit.month_variance * monthly)
    steps = sum((j / 12) ** 2 for j in range(12)) + sum((j / 12) ** 2 for j in range(1, 13))
    return float(min(max(0.0, (np.mean((d - expected) ** 2) - np.mean(noise)) / steps), 0.5))


def _count(x: float) -> str:
    """A count of children in words a reader takes in: 365,408,257, or 2.91e+11 beyond a trillion."""
    return f"{x:,.0f}" if x < 1e12 else f"{x:.3g}"


def _expected_entrants(args: Dict[str, Any]) -> np.ndarray:
    """The children expected to enter one Monte Carlo run on each of its days: each cell's
    entry rate (its posterior mean, or for a trended state the mean of exp(alpha + beta t)
    over the runs' drawn level and slope: a lognormal mean, whose variance grows as the
    square of the days ahead) times the scenario's multipliers and the season, plus the
    children a day the scenario adds, as the core draws them (overdispersion and drift keep
    the mean)."""
    days = int(args["days"])
    t = np.arange(days, dtype=float)[:, None]
    shape, rate = args["entry_shape"], args["entry_rate"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_rate = np.broadcast_to(np.log(np.where(rate > 0, shape / rate, 0.0)).ravel(), (days, shape.size)).copy()
        trend = args.get("entry_trend")
        if trend is not None:
            n_a = shape.shape[1]
            share = np.log(shape / shape.sum(axis=1, keepdims=True))
            for s, (a, b, l00, l10, l11) in enumerate(trend):
                if not np.isfinite(a) or not shape[s].sum() > 0:
                    continue  # as the core: not trended
                variance = l00 ** 2 + 2 * l00 * l10 * t + (l10 ** 2 + l11 ** 2) * t ** 2
                log_rate[:, s * n_a:(s + 1) * n_a] = a + b * t + variance / 2 + share[s][None, :]
        regime = np.asarray(args["regime_of_day"])
        log_rate += np.log(args["entry_mult"].reshape(args["entry_mult"].shape[0], -1))[regime]
        season = args.get("entry_season")
        if season is not None:
            period = np.minimum(np.searchsorted(args["period_ends"], t[:, 0]), len(season) - 1)
            log_rate += np.repeat(np.log(season), shape.shape[1], axis=1)[period]
        daily = np.nan_to_num(np.exp(log_rate))
        added = args.get("entry_add")
        if added is not None:  # children a day, as the core adds them (or takes them off)
            daily = np.maximum(daily + added.reshape(added.shape[0], -1)[regime], 0.0)
        return daily.sum(axis=1)


def _poisson_interval(events: np.ndarray, exposure: np.ndarray, level: float):
    """Exact (Garwood) interval of a Poisson rate: ``events`` over ``exposure``."""
    from scipy import stats

    alpha = 1 - level
    k = np.asarray(events, dtype=float)
    e = np.asarray(exposure, dtype=float)
    safe = np.where(e > 0, e, 1.0)
    lo = np.where((k > 0) & (e > 0), stats.chi2.ppf(alpha / 2, np.maximum(2 * k, 1e-300)) / 2 / safe, 0.0)
    hi = np.where(e > 0, stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / safe, np.inf)
    return lo, hi


def _sim_regimes(scenario, model: StockFlow, dates, inputs):
    from .scenario import sim_regimes_for

    return sim_regimes_for(scenario, model, dates, inputs)


