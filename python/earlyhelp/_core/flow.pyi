# Stubs for earlyhelp._core.flow (hand-kept; see cpp/bindings/flow.cpp).
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np

class Bands:
    """Per-period integer histograms of simulated outcomes; merge by addition."""

    @property
    def periods(self) -> int: ...
    @property
    def series(self) -> int: ...
    def quantiles(self, q: np.ndarray) -> np.ndarray:
        """Array (periods, series, len(q))."""
    def means(self) -> np.ndarray:
        """Array (periods, series)."""
    def runs(self, period: int, series: int) -> int: ...
    def merge(self, other: "Bands") -> None: ...

def project(rates: np.ndarray, entrants: np.ndarray, initial: np.ndarray, regime_of_day: np.ndarray,
            cap_group: np.ndarray = ..., cap_days: np.ndarray = ...,
            initial_elapsed: Sequence[np.ndarray] = ..., cap_survival: Sequence[np.ndarray] = ...) -> np.ndarray:
    """Daily stock-flow projection: rates (regimes, n, n or n + 1), entrants (regimes, n), initial (n),
    regime_of_day (days,) -> stocks (days + 1, n). Duration caps (optional): cap_group (n,) the capped
    group of each bin or -1, cap_days (groups,) whole days, initial_elapsed one array per group of
    cap + 1 values (initial stock by days already spent, then the stock at or past the cap),
    cap_survival one array per group of cap values (the chance of staying another day after u days).
    Raises CoreInputError for negative rates."""

def simulate(hazard: np.ndarray, dest: np.ndarray, entry_shape: np.ndarray, entry_rate: np.ndarray,
             entry_age_lo: np.ndarray, entry_age_hi: np.ndarray, age_edges: np.ndarray, dur_edges: np.ndarray,
             max_age: float, entry_mult: np.ndarray, move_mult: np.ndarray, max_duration: np.ndarray,
             unit_cost: np.ndarray, open_state: np.ndarray, open_birth: np.ndarray, open_entered: np.ndarray,
             days: int, period_ends: np.ndarray, regime_of_day: np.ndarray, cost_factor: np.ndarray,
             cost_quantum: float, seed: int, first_run: int, runs: int, threads: int = 1,
             progress: Optional[Callable[[int, int], None]] = None,
             entry_trend: np.ndarray = ..., entry_dispersion: np.ndarray = ...,
             entry_drift: np.ndarray = ..., entry_season: np.ndarray = ...,
             hazard_shape: np.ndarray = ..., hazard_rate: np.ndarray = ...,
             dest_weight: np.ndarray = ..., rate_change: np.ndarray = ...,
             keep_runs: bool = False, entry_add: np.ndarray = ...,
             open_stay_entered: np.ndarray = ...) -> Tuple[Any, ...]:
    """Monte Carlo simulation of individual children; returns (stocks, costs, entrants) bands.
    entry_trend (states, 5), optional: per state (a, b, L00, L10, L11) of an entry rate
    exp(alpha + beta t) a day with (alpha, beta) = (a, b) + L z drawn per run; NaN a: not trended.
    entry_dispersion (states,), optional: variance of a gamma multiplier (mean 1) of each state's
    entry rate, drawn per run and period. entry_drift (states,), optional: variance of each
    period's normal step of a random walk of the log entry rate (mean-corrected). entry_season (periods + 1, states), optional: entry rate
    multipliers by period, the last row for the days after the last period end. hazard_shape,
    hazard_rate (states, age bands, duration bins), optional: each run draws the hazards from these
    gamma posteriors; dest_weight (states, age bands, states + 1), optional: each run draws the
    destinations from this Dirichlet. rate_change (2,), optional: variances of the log
    year-to-year change of each state's hazards and of each destination's weight, drawn per run
    (mean-one lognormal factors). keep_runs: the tuple also holds each run's outcome,
    run_stocks (runs, periods, series) int32 and run_costs (runs, periods) int64 in cost quanta.
    entry_add (regimes, states, age bands), optional: children a day a scenario adds in each regime
    (Poisson at the cells' entry ages; not drawn, trended, seasonal, overdispersed or drifting; a
    negative amount comes off the cell's rate). max_duration (states,): the longest stay in each
    state (0: none), counted from the child's entry to the state, whatever new episodes in the
    same state follow. open_stay_entered (open cases,), optional: the day each open case's stay in
    its state began (at or before open_entered, the day its episode began; default open_entered)."""
