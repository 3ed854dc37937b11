"""The forecasting engine: many series, several models, statsforecast's layout.

Input is a long DataFrame ``unique_id, ds, y`` (plus optional exogenous
columns), as statsforecast and hierarchicalforecast use. Output of
:meth:`Forecaster.predict` is ``unique_id, ds, <alias>, <alias>-lo-<level>,
<alias>-hi-<level>`` for each model, in statsforecast's column order.

Data handling (documented and reported, never silent)
-----------------------------------------------------
* Rows may come in any order; each series is sorted by ``ds``.
* ``ds`` with a time zone (in ``df`` or in ``X_df``, even mixed zones) is read as the date and
  time written there, without the zone, as the data layer reads dates: a time-zone-aware
  frame and a naive one describe the same periods, and the output's ``ds`` carry no zone.
  Text dates written day first (``31/03/2024``, ``31.03.2024``, ``31-03-2024``) are read day first,
  as the data layer reads them; a two-digit year is a ValidationError. So is a ``ds`` of numbers
  (``20240101``, a period number): pandas would read it as nanoseconds since 1970.
* Duplicate ``(unique_id, ds)`` rows raise :class:`earlyhelp.ValidationError`
  naming the series and dates; so do dates off the ``freq`` grid.
* Where each series is forecast from (``origin``): by default (``"frame"``) every series runs to
  the frame's last period with a value, and is forecast from there. A series whose rows stop
  earlier (a locality with no events in the last months has no row for them when the counts come
  from a GROUP BY; or its last ``y`` are blank) has those periods filled as below, counted in
  ``report_`` (``n_end_filled``, and a ``note``: "last value 2023-10-01, 2 periods before the
  frame's last date 2023-12-01: ...") and in a warning in the log: forecast from its own last
  row, it would be forecast for months already known, and a council total summed by ``ds`` would
  leave it out of the last months. ``origin="series"`` forecasts each series from its own last
  value (statsforecast's rule, for a frame of unrelated series, or of councils whose data end on
  different dates); a series ending before the frame's last date then says so in its ``note``, and
  in the log.
* Missing periods between a series' first value and its end (a row absent, or a blank ``y``) are
  filled by ``fill_missing``: ``"zero"`` (default: counts built from event tables have no row
  when nothing happened, and a table of counts pivoted wide and back leaves those cells blank),
  ``"interpolate"`` (linear; a series cannot end with a period to interpolate, so with
  ``origin="frame"`` a series ending early is a ValidationError naming it), or ``"error"`` (a
  ValidationError naming each series and period). ``"zero"`` fills counts only: a series with a
  value that is not a whole number of 0 or more (a rate, a net change) and a period to fill is a
  ValidationError naming it (a missing rate is not 0). Blank ``y`` cells filled with 0 raise a
  :class:`BlankValuesFilledWarning` naming the series and how many: a blank may also be a value
  not known (not keyed in, suppressed), which ``"interpolate"`` or ``"error"`` treat as such. NaN
  rows before a series' first value are dropped (a series that starts late is simply shorter),
  and so are NaN rows after the frame's last value. Counts per series are in ``report_``
  (``n_missing_filled`` rows absent, ``n_nan_filled`` blanks filled, ``n_nan_dropped``, and
  ``n_end_filled`` of them after the series' last value); its ``note`` says why a series gets no
  prediction intervals (a single observation) and where it ends.
* Negative ``y`` raises ValidationError unless ``allow_negative=True``; so do
  infinite ``y`` and ``y`` above ``MAX_Y`` in size (1e12: no count or measure of
  demand comes near it, and the count intervals cannot be computed beyond it).
  Even with ``allow_negative=True``, negative ``y`` raises when a model that needs
  counts (CountRegression, CrostonOptimized, TSB) is among the models.
* With count intervals (``interval`` ``"backtest"`` or ``"count"``) and
  ``allow_negative=False``, a negative point forecast (a trend extrapolated into a
  run of zeros, e.g. a closed locality) is raised to 0. ``interval="model"`` gives each
  model's own output, with its point forecast and bounds raised to 0 where they fall below
  it (as given, negative values included, with ``allow_negative=True``).
* Count intervals are for counts: a series whose given values are not all whole numbers of 0 or
  more (a rate, a mean, or a net change such as opened minus closed with ``allow_negative``;
  values filled by ``fill_missing`` do not count) gets the model's own intervals instead,
  kept at 0 or above unless ``allow_negative``, and is listed in ``fallbacks_``.
* ``freq`` must be given. When more than half of a series' periods on the ``freq``
  grid would be filled and the frame's dates follow another frequency (e.g.
  monthly dates with ``freq="D"``), a ValidationError names the series and the
  frequency the dates suggest, instead of filling the gaps with zeros. When the frame's dates
  together follow ``freq``, a series with few rows is intermittent counts on that grid, however
  evenly its rows fall (three events a quarter apart beside monthly series); its own dates suggest
  a frequency only when the frame's follow none. Six or more rows on every k-th period, evenly,
  are a coarser series (a ValidationError suggests the frequency).
* Exogenous columns must be finite (no NaN or inf) and at most ``MAX_EXOG`` (1e12) in size
  on every row of a series' span, in the training frame and in ``X_df``; a missing period (a row absent)
  takes the exogenous values of the period before it (counted in ``report_``
  as ``n_missing_filled``). Rows of ``X_df`` repeating a series and date with
  different values raise a ValidationError.
* Series with no usable value are excluded and listed in ``excluded_``
  (with the reason).
* ``report_``'s ``last_ds`` is the period each series is forecast from (see ``origin`` above: the
  frame's last period with a value, or with ``origin="series"`` the series' own last value).
* Models that could not be used as asked on a series (e.g. a series shorter
  than a season gets a non-seasonal model) are listed in ``fallbacks_``; so are
  series of more than one observation that a model gave no prediction intervals
  (NaN) because they are too short for it to estimate a spread (e.g. Theta on 5
  points, CrostonOptimized on 2), and CountRegression fits that could not use an
  exogenous column (constant over the series' history: no effect estimated) or whose
  mean reached the core's cap ``COUNT_MEAN_CAP`` (exp(30), about 1.07e13) or whose upper
  bounds passed ``MAX_Y`` (the simulated paths are capped too), or whose own upper bounds, shown
  with ``interval="model"``, pass ``FAR_BEYOND_HISTORY`` times the largest value of the series
  (a trend the history barely determines: one event in the first month, a year ahead from 9 months).
"""
from __future__ import annotations

import copy
import logging
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from . import intervals as _intervals
from .._native import forecast as core
from .._native import naming, progress
from .._numbers import is_whole
from ._dates import local_dates, period_text, period_texts
from ._level_arg import level_list
from .accuracy import _flat_columns
from .models import (INTERMITTENT_KINDS, MAX_SEASON_LENGTH, CoreModel, intermittent_bounds, intermittent_variance,
                     theta_bounds, theta_fitted)

__all__ = ["Forecaster", "ModelError", "BlankValuesFilledWarning", "MAX_Y", "MAX_EXOG", "MAX_SEASON_LENGTH"]

log = logging.getLogger(__name__)

_TABLE = "forecast input"
#: largest size of ``y`` accepted (counts and measures of demand): above it a value is a data error
#: (a sentinel, a unit slip), and the negative binomial count intervals hang or give NaN
MAX_Y = 1e12
#: largest size of an exogenous value accepted, as of ``y``: above it a value is a data error (a sentinel
#: such as 1e300, a unit slip), and CountRegression, which standardises each column on the history,
#: would lose the column's effect unseen (its spread overflows) or cap its forecast at exp(30)
MAX_EXOG = MAX_Y
#: a point forecast this many times its series' usual level (the history's 90th percentile, at
#: least 1) is flagged: a spike or a runaway trend taken as the level
FAR_BEYOND_HISTORY = 10.0
_HUGE_EXOG = f"exogenous values larger than {MAX_EXOG:g} in size (MAX_EXOG: a sentinel or a unit slip)"
_HUGE_EXOG_FUTURE = f"future {_HUGE_EXOG}"
#: longest horizon forecast (periods): beyond it the output would not fit in memory for a council's series
MAX_HORIZON = 1000
#: most threads ``n_jobs`` asks for: more is no faster (series are split between them)
MAX_THREADS = 1024
#: the count regression's cap on its mean (and on each simulated path's): the core bounds the log
#: mean at 30 (cpp/src/forecast/count_regression.cpp); where it binds, the method says so
COUNT_MEAN_CAP = float(np.exp(30.0))
_FILL = ("zero", "interpolate", "error")
#: where each series is forecast from: the frame's last period with a value, or the series' own last value
_ORIGINS = ("frame", "series")
#: the columns of ``excluded_``
_EXCLUDED_COLUMNS = ["unique_id", "n_rows", "reason"]
#: the columns of ``cv_excluded_``: one row per backtest window and series left out of it
_CV_EXCLUDED_COLUMNS = ["window", "cutoff", "unique_id", "n_train", "reason"]
#: built-in models that need non-negative counts (they raise on a negative value)
_COUNT_KINDS = ("CountRegression", "CrostonOptimized", "TSB")
#: the level of the model's own interval whose width gives the variance the count intervals start from,
#: whichever levels are asked for: Theta's own bounds (t-widened) and CountRegression's (simulated counts)
#: are not normal, so the width over twice the normal quantile differs from level to level, and an 80%
#: count interval moved when 95% was asked for too (95 is the level the CLI and the benchmarks read)
_VARIANCE_LEVEL = 95.0


class BlankValuesFilledWarning(UserWarning):
    """Blank ``y`` cells (NaN) inside a series were read as 0 (``fill_missing="zero"``, the default); the
    message names the series and how many, as ``Forecaster.report_``'s ``n_nan_filled`` counts them."""


class ModelError(ValidationError):
    """A Python model raised, or returned something other than the protocol's dict
    (see ``earlyhelp.forecast.models``): a mean missing or infinite, infinite bounds or a lower
    bound above the upper one included; names the model and the series.

    Parameters
    ----------
    problems : Problem, str or sequence of Problem
        every problem found; a string is one problem in ``table``/``column``.
    table : str, optional
        where a string problem is.
    column : str, optional
        the model a string problem is about.
    """


def _progress(total: int, desc: str):
    """The progress adapter, for work big enough to be worth a bar."""
    return progress(desc, unit="series", show=total >= 50)


class _Panel:
    """Series on a common date grid, concatenated for the C++ core."""

    def __init__(self, uids: np.ndarray, y: np.ndarray, indptr: np.ndarray, start: np.ndarray,
                 grid: pd.DatetimeIndex, X: Optional[np.ndarray], exog: List[str],
                 whole: Optional[np.ndarray] = None) -> None:
        self.uids, self.y, self.indptr, self.start = uids, y, indptr, start
        self.grid, self.X, self.exog = grid, X, exog
        # per series: every value given is a whole number of 0 or more (a count); None: not known (all taken
        # as counts)
        self.whole = whole

    @property
    def n_series(self) -> int:
        return len(self.uids)

    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    def history_means(self) -> np.ndarray:
        """Each series' mean over its history (missing values left out; NaN when none)."""
        ok = np.isfinite(self.y)
        series = np.repeat(np.arange(self.n_series), self.lengths())
        sums = np.bincount(series, weights=np.where(ok, self.y, 0.0), minlength=self.n_series)
        counts = np.bincount(series, weights=ok, minlength=self.n_series)
        return np.divide(sums, counts, out=np.full(self.n_series, np.nan), where=counts > 0)

    def history_max(self) -> np.ndarray:
        """Each series' largest value over its history (NaN when it has none)."""
        out = np.full(self.n_series, np.nan)
        for i in range(self.n_series):
            values = self.y[self.indptr[i]:self.indptr[i + 1]]
            values = values[np.isfinite(values)]
            if len(values):
                out[i] = float(values.max())
        return out

    def dates(self, h: int) -> pd.DatetimeIndex:
        """Future dates (series-major, h per series) after each series' end."""
        end = self.start + self.lengths()
        idx = (end[:, None] + np.arange(h)[None, :]).ravel()
        return self._grid_at(idx)

    def history_dates(self) -> pd.DatetimeIndex:
        idx = np.concatenate([s + np.arange(n) for s, n in zip(self.start, self.lengths())]) \
            if self.n_series else np.array([], dtype=np.int64)
        return self._grid_at(idx)

    def _grid_at(self, idx: np.ndarray) -> pd.DatetimeIndex:
        need = int(idx.max()) + 1 if len(idx) else 0
        if need > len(self.grid):
            self.grid = pd.date_range(self.grid[0], periods=need, freq=self.grid.freq)
        return self.grid[idx]

    def truncate(self, drop: int) -> "tuple[_Panel, np.ndarray]":
        """Panel without the last `drop` points of each series (series left with
        fewer than one point are removed); also returns the kept positions."""
        n = self.lengths()
        keep = np.flatnonzero(n - drop >= 1)
        new_n = n[keep] - drop
        indptr = np.concatenate([[0], np.cumsum(new_n)]).astype(np.int64)
        rows = np.concatenate([self.indptr[i] + np.arange(k) for i, k in zip(keep, new_n)]) \
            if len(keep) else np.array([], dtype=np.int64)
        X = self.X[rows] if self.X is not None else None
        return _Panel(self.uids[keep], self.y[rows], indptr, self.start[keep], self.grid, X,
                      self.exog, None if self.whole is None else self.whole[keep]), keep


def _as_float(values: pd.Series, table: str, column: str, *, flags: bool = False) -> np.ndarray:
    """A column of numbers as float64 (missing values NaN).

    Parameters
    ----------
    values : Series
        the column.
    table, column : str
        where it is, for the error.
    flags : bool, default False
        accept True/False as 1/0 (an exogenous indicator such as a holiday); never for ``y``:
        True/False are no counts.

    Returns
    -------
    ndarray
        float64, missing values NaN.

    Raises
    ------
    ValidationError
        naming the column: dates or durations (pandas reads them as nanoseconds), True/False unless
        ``flags``, text or other objects (naming their rows), complex numbers (whose imaginary part a
        cast would drop) and integers too large for a float.
    """
    if isinstance(values, pd.DataFrame):  # a name given twice: which column is meant cannot be told
        raise ValidationError(Problem(table, column, "the column is given twice; keep one"))
    kind = _kind_of_no_numbers(values, flags)
    if kind is not None:
        raise ValidationError(Problem(table, column, f"{column} must be numbers, not {kind}"))
    try:
        numbers = pd.to_numeric(values)
        if not pd.api.types.is_complex_dtype(numbers):
            return numbers.to_numpy(np.float64, na_value=np.nan)
    except (ValueError, TypeError, OverflowError) as err:
        raise ValidationError(_not_numbers(values, table, column, err)) from None
    raise ValidationError(Problem(table, column, f"{column} must be real numbers, not complex ones",
                                  value=complex(numbers.iloc[0]) if len(numbers) else None))


def _kind_of_no_numbers(values: pd.Series, flags: bool) -> Optional[str]:
    """The dtype of ``values`` when pandas would read it as numbers that mean nothing here: dates and
    durations (as nanoseconds), True/False (as 1/0) unless ``flags``; None otherwise."""
    kind = values.dtype
    if kind == object and pd.api.types.infer_dtype(values, skipna=True) == "boolean":
        kind = np.dtype(bool)  # True/False held as objects (with missing values: read as 1.0/0.0)
    if pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind) \
            or (pd.api.types.is_bool_dtype(kind) and not flags):
        return str(kind)
    return None


def _not_numbers(values: pd.Series, table: str, column: str, err: Exception) -> Problem:
    """The problem with ``values``: the rows (index labels) holding text or another object that is no
    number, or pandas' own message (a position, not a row) when none can be told (an integer too large
    for a float)."""
    try:
        bad = (pd.to_numeric(values, errors="coerce").isna() & values.notna()).to_numpy()
    except (ValueError, TypeError, OverflowError):
        bad = np.zeros(len(values), dtype=bool)
    if not bad.any():
        return Problem(table, column, f"{column} must be numeric: {err}")
    return Problem(table, column, f"{column} must be numeric: text or other values that are not numbers "
                   "(leave a missing value empty)", rows=list(values.index[bad][:10]), n_rows=int(bad.sum()),
                   value=values[bad].iloc[0])


def _flat_exog(X: np.ndarray, Xf: np.ndarray, indptr: np.ndarray, h: int) -> np.ndarray:
    """Which exogenous columns (S, k) are constant over each series' history, set to 0 there and
    in its future rows (in place).

    A constant column has no effect to estimate, and the core standardises each column by its
    spread on the history: a constant whose mean is not exact in binary (0.1) leaves a rounding
    spread of about 1e-17, and a future value of 0.11 then lies 1e15 spreads away, which sent the
    forecast to the cap exp(30). At 0 the column is exactly 0 before and after: no effect, said in
    the method (see ``_note_count_regression``)."""
    S, k = len(indptr) - 1, X.shape[1]
    flat = np.zeros((S, k), dtype=bool)
    for i in range(S):
        a, b = indptr[i], indptr[i + 1]
        flat[i] = np.ptp(X[a:b], axis=0) == 0
        if flat[i].any():
            X[a:b, flat[i]] = 0.0
            Xf[i * h:(i + 1) * h, flat[i]] = 0.0
    return flat


def _note_count_regression(res: Dict[str, Any], model: Any, shown: np.ndarray,
                           history_max: Optional[np.ndarray] = None) -> None:
    """Say in the method (and so in ``fallbacks_``) where CountRegression could not use an
    exogenous column (constant over the history: ``res["flat_exog"]``), where its mean reached the
    core's cap (log mean 30, about 1.07e13: a trend or exogenous effect extrapolated beyond any
    count), where its own upper bounds passed MAX_Y: its simulated paths reach the cap there, so
    the fitted model does not bound the forecast, and where its own upper bounds, shown, pass
    ``FAR_BEYOND_HISTORY`` times the largest value of the history (at least 1): a trend the history
    barely determines (one event at the start of the series, a year's trend from 9 months) drawn
    from its wide uncertainty.
    Called for the fit whose output is returned (a backtest's notes would reach no ``fallbacks_``).

    Parameters
    ----------
    res : dict
        the core's result; its ``method`` and ``fallback`` are updated.
    model : CountRegression
        the model (its alias and exogenous columns).
    shown : ndarray of bool
        per series, whether the output holds the model's own bounds (else count bounds replace
        them, and the note says the model's own bounds reached the cap).
    history_max : ndarray, optional
        per series, the largest value of its history.
    """
    method = list(res["method"])
    fallback = np.array(res["fallback"], dtype=bool)
    flat = res["flat_exog"]
    capped = (res["mean"] >= COUNT_MEAN_CAP * (1 - 1e-12)).sum(axis=1)
    hi = res["hi"]
    high = (np.nan_to_num(hi, nan=0.0) > MAX_Y).any(axis=1).sum(axis=1) if hi.size else np.zeros(len(method), int)
    exog = list(model.exog or [])
    top = np.nanmax(np.nan_to_num(hi, nan=0.0), axis=(1, 2)) if hi.size else np.zeros(len(method))
    far = np.zeros(len(method), dtype=bool)
    if history_max is not None:
        far = shown & (top > FAR_BEYOND_HISTORY * np.maximum(np.nan_to_num(history_max, nan=0.0), 1.0))
    noted = 0
    for i, text in enumerate(method):
        if not text.startswith("CountRegression"):
            continue  # a fallback (Naive) uses neither the columns nor the cap
        notes = []
        unused = [c for c, f in zip(exog, flat[i]) if f] if flat.size else []
        if unused:
            notes.append(f"exog {', '.join(map(repr, unused))} constant over the history: no effect estimated")
        if capped[i]:
            notes.append(f"mean capped at exp(30) = {COUNT_MEAN_CAP:.3g} on {int(capped[i])} of "
                         f"{res['mean'].shape[1]} periods: the fitted trend or exogenous effect runs beyond "
                         "any count; shorten h or check the exogenous values")
        if high[i]:
            # bounds above MAX_Y come from simulated paths at the cap: no bound the model estimated
            bounds = f"upper bounds above {MAX_Y:g} on {int(high[i])} periods"
            cap = f"the cap exp(30) = {COUNT_MEAN_CAP:.3g}: the fitted model does not bound the forecast there"
            notes.append(f"{bounds} reach {cap}, so these bounds are not meaningful" if shown[i] else
                         f"its own {bounds} reached {cap} (count bounds are shown instead)")
        elif far[i]:
            notes.append(f"upper bounds up to {top[i]:.4g}, more than {FAR_BEYOND_HISTORY:g} times the series' "
                         f"largest value ({max(float(history_max[i]), 1.0):.4g}): a trend or season effect the "
                         "history barely determines (few events or few periods), drawn from its wide uncertainty")
        if notes:
            method[i] = f"{text} [{'; '.join(notes)}]"
            fallback[i] = True
            noted += 1
    if noted:
        res["method"], res["fallback"] = method, fallback
        log.warning("%d series: %s could not use an exogenous column, reached its cap or gave upper bounds far "
                    "beyond the history (see fallbacks_)", noted, model.alias)


def _keep_levels(res: Dict[str, Any], asked: List[float], levels: List[float]) -> None:
    """Keep the bounds at ``levels`` in ``res["lo"]``/``res["hi"]`` (in place) and those at
    ``_VARIANCE_LEVEL`` (one of ``asked``, the levels the model gave) as ``ref_lo``/``ref_hi`` (S, h)."""
    ref = asked.index(_VARIANCE_LEVEL)
    res["ref_lo"], res["ref_hi"] = res["lo"][:, ref, :], res["hi"][:, ref, :]
    keep = [asked.index(lv) for lv in levels]
    res["lo"], res["hi"] = res["lo"][:, keep, :], res["hi"][:, keep, :]


def _seasoned(model: Any, season_length: int) -> Any:
    """``model`` with the Forecaster's season_length when it has none of its own (a copy: the
    caller's object is left as it was)."""
    if getattr(model, "season_length", 0) is None:
        model = copy.copy(model)
        model.season_length = season_length
    return model


def _note_fallback(res: Dict[str, Any], which: np.ndarray, note: str) -> None:
    """Add ``[note]`` to the method of the series ``which`` and mark them as fallbacks (so they
    are listed in ``fallbacks_``)."""
    method = list(res["method"])
    fallback = np.array(res["fallback"], dtype=bool)
    for i in np.flatnonzero(which):
        method[i] = f"{method[i]} [{note}]"
        fallback[i] = True
    res["method"], res["fallback"] = method, fallback


def _note_far_beyond_history(res: Dict[str, Any], panel: _Panel) -> None:
    """Say in the method (and so in ``fallbacks_``) where a point forecast passes
    ``FAR_BEYOND_HISTORY`` times its series' usual level (the 90th percentile of its history, at
    least 1): one spike (a data error, a one-off) can send a trend or a level far beyond anything
    the series has done, and nothing else in the output would say so."""
    usual = np.ones(panel.n_series)
    for i in range(panel.n_series):
        values = panel.y[panel.indptr[i]:panel.indptr[i + 1]]
        values = values[np.isfinite(values)]
        if len(values):
            usual[i] = max(1.0, float(np.quantile(np.abs(values), 0.9)))
    peak = np.nanmax(np.abs(res["mean"]), axis=1, initial=0.0)
    far = peak > FAR_BEYOND_HISTORY * usual
    if not far.any():
        return
    method, fallback = list(res["method"]), np.array(res["fallback"], dtype=bool)
    for i in np.flatnonzero(far):
        method[i] = (f"{method[i]} [forecast up to {peak[i]:.4g}, more than {FAR_BEYOND_HISTORY:g} times the "
                     f"series' usual level ({usual[i]:.4g}, its 90th percentile): a spike or a runaway trend "
                     "taken as the level? check the series]")
        fallback[i] = True
    res["method"], res["fallback"] = method, fallback


def _warn_blank_filled(uids: np.ndarray, n_nan: np.ndarray, fill: str) -> None:
    """With ``fill_missing="zero"``, a :class:`BlankValuesFilledWarning` naming the series whose blank
    ``y`` cells (NaN) inside the forecast span were read as 0, with how many (also in ``report_``'s
    ``n_nan_filled``): a blank may be a value not known, which 0 is not. Interpolated blanks, as asked,
    are counted in ``report_`` and the log only."""
    which = np.flatnonzero(n_nan)
    if not len(which):
        return
    if fill != "zero":
        log.info("%d blank y values (NaN) inside %d series were interpolated (see report_)",
                 int(n_nan.sum()), len(which))
        return
    named = ", ".join(f"{uids[k]!r} ({int(n_nan[k])})" for k in which[:10])
    more = f" and {len(which) - 10} more" if len(which) > 10 else ""
    warnings.warn(f"{int(n_nan.sum())} blank y values (NaN) inside {len(which)} series were filled with 0 "
                  f"(fill_missing='zero': a blank is read as no events, as a period without a row is; a table of "
                  f"counts pivoted wide and back leaves its empty cells blank): {named}{more}. If they are "
                  "values not known (not keyed in, suppressed), pass fill_missing='interpolate' or 'error' "
                  "(see report_.n_nan_filled)", BlankValuesFilledWarning, stacklevel=5)
    log.warning("%d blank y values (NaN) inside %d series were filled with 0 (see report_)",
                int(n_nan.sum()), len(which))


def _warn_excluded(excluded: pd.DataFrame) -> None:
    """Say in the log that series were excluded (once per fit, however many Dask partitions)."""
    if len(excluded):
        log.warning("%d series excluded (see Forecaster.excluded_)", len(excluded))


def _no_series_error() -> ValidationError:
    """The error when no series of the input (of any Dask partition) has a value."""
    return ValidationError("no series with any non-missing y value", table=_TABLE, column="y")


def _by_series(parts: Sequence[pd.DataFrame], empty: Optional[pd.DataFrame]) -> Optional[pd.DataFrame]:
    """Every Dask partition's table of series in one, as a pandas fit gives it (by unique_id);
    ``empty`` when no partition has a row."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty
    return pd.concat(parts, ignore_index=True).sort_values("unique_id", kind="stable", ignore_index=True)


def _gather_excluded(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The ``excluded_`` of every Dask partition in one table."""
    return _by_series(parts, pd.DataFrame(columns=_EXCLUDED_COLUMNS))


def _gather_report(parts: Sequence[pd.DataFrame]) -> Optional[pd.DataFrame]:
    """The ``report_`` of every Dask partition in one table; None when no partition has a series
    (the fit then raises)."""
    return _by_series(parts, None)


def _check_ids_apart_as_text(ids: pd.Series) -> None:
    """Series ids that differ but read alike as text (1 and "1"): two series here, one in every
    file, plot or accuracy table that shows them, so which is which could not be told."""
    if ids.dtype != object:  # one type of id: none can read like another
        return
    uniques = pd.unique(ids)
    text = pd.Series(uniques).astype(str)
    alike = text[text.duplicated(keep=False)]
    if len(alike):
        first = alike.iloc[0]
        same = [u for u in uniques if str(u) == first]
        rows = ids.index[ids.astype(str).eq(first).to_numpy()]
        raise ValidationError(Problem(_TABLE, "unique_id", f"series ids {', '.join(repr(u) for u in same)} differ but "
                                      f"read alike as text ({len(alike)} such ids): give each series one id of one type",
                                      list(rows[:10]), len(rows), first))


class Forecaster:
    """Fit several models to many series and forecast them (statsforecast layout).

    Parameters
    ----------
    models : list
        Built-in models (:class:`AutoETS`, :class:`Theta`, :class:`SeasonalNaive`,
        :class:`Naive`, :class:`CrostonOptimized`, :class:`TSB`,
        :class:`CountRegression`) and/or Python models following the protocol in
        :mod:`earlyhelp.forecast`. Aliases must be unique.
    freq : str
        pandas frequency of ``ds`` ("MS" month start, "W-MON", "QS", "D", ...).
    season_length : int
        Periods per season (1 to ``MAX_SEASON_LENGTH``, 10,000), said once: the season of every
        model not given its own ``season_length`` (``AutoETS()`` here is
        ``AutoETS(season_length=12)``). Season
        positions follow the calendar where it gives them (month of the year for "MS" with 12,
        quarter for "QS" with 4, day of the week for "D" with 7) and otherwise count from each
        series' own first period (weekly data with 52: weeks of the calendar's years are 52 or
        53), so a series' forecast never depends on the other series forecast with it.
    n_jobs : int
        Threads for the C++ models (series are fitted independently); below 1 is one thread, at
        most ``MAX_THREADS`` (1024) are used.
    fill_missing : {"zero", "interpolate", "error"}
        What to do with missing periods (a row absent) and blank ``y`` (NaN) between a series'
        first value and its end: ``"zero"`` fills counts with 0 (a series that is no count, with a
        period to fill, is a ValidationError naming it), ``"interpolate"`` linearly, ``"error"``
        refuses them, naming each series. Blanks filled with 0 raise a
        :class:`BlankValuesFilledWarning` naming the series (see the module doc).
    allow_negative : bool
        Accept negative ``y`` (otherwise a ValidationError: demand counts cannot be negative),
        except for the models that need counts (CountRegression, CrostonOptimized, TSB). When
        False, no point forecast or bound is below 0 (see the module doc).
        True or False only: a string such as ``"no"`` is a ValidationError, not a true value.
    interval : {"backtest", "backtest_shared", "count", "model"} or dict
        How prediction intervals are made: one name for every built-in model (Python models
        keep their own), or a dict by model alias (models left out use ``"model"``).
        ``"model"``: each model's own (mostly Gaussian), raised to 0 where it falls below
        unless ``allow_negative``; ``"count"``: negative binomial
        quantiles around the point forecast with the model's variance (read from the width of
        its own 95% interval whichever levels are asked for, so a level's interval does not
        depend on the others asked for); ``"backtest"``
        (default): negative binomial quantiles whose variance, centre and spread are
        calibrated per series on rolling-origin backtests of the same model (see
        :mod:`earlyhelp.forecast.intervals`); ``"backtest_shared"``: the same, with every
        series' interval moved by the bias the backtests of all the series of the call share,
        carried to the forecast origin (on steadily rising series the point forecasts lag the
        rise, and ``"backtest"``'s upper tail misses about twice as often as its lower), so a
        series' interval depends on the others forecast with it (refused for a Dask
        DataFrame, whose partitions are forecast apart). No method gives a negative bound unless
        ``allow_negative``. Count bounds hold their point forecast: where a count's central
        quantiles leave out a forecast of a fraction of a count (at 0.26 a count is 0 three
        times in four: its 50% interval is [0, 0]), they are widened to the whole numbers either
        side of it. Croston's and TSB's own intervals hold theirs too, and their count intervals
        start from their mean squared one-step error.
        A series whose values are not all whole numbers of 0 or more is no count (a rate; with
        ``allow_negative`` a net change such as opened minus closed, whose count bounds could not go
        below 0): it keeps the model's own intervals (at 0 or above unless ``allow_negative``),
        listed in ``fallbacks_``.
    interval_windows : int
        Rolling-origin windows that calibrate ``"backtest"`` intervals: origins a quarter of
        the horizon apart (3 months for ``h=12``), the latest ``h`` periods before each
        series' end; a window leaves out series with less than two seasons before its origin.
    origin : {"frame", "series"}, default "frame"
        Where each series is forecast from. ``"frame"``: the frame's last period with a value,
        for every series; the periods after a series' last value are filled by ``fill_missing``
        (0 for counts: a locality with no events in the last months has no row for them), counted
        in ``report_`` (``n_end_filled``, ``note``) and logged. ``"series"``: each series from its
        own last value, as statsforecast forecasts (for series that end on different dates by
        nature: unrelated series, or councils whose extracts end on different dates); a series
        ending before the frame's last date says so in ``report_``'s ``note``. The output's first
        ``ds`` of a series is the period after the one it is forecast from.

    Attributes
    ----------
    report_ : DataFrame or None
        Per series: n_obs, first_ds, last_ds (the period it is forecast from), n_missing_filled
        (periods without a row, filled), n_nan_filled (blank ``y`` filled), n_nan_dropped (blank
        rows before its first value or after the frame's last), n_end_filled (of those filled, the
        periods after its last value, with ``origin="frame"``), note.
        After fitting a Dask DataFrame, None until ``predict`` gathers it from the partitions (each
        is checked where it lives): then the same table as for the pandas frame.
    excluded_ : DataFrame or None
        Series left out, with ``reason`` (``unique_id, n_rows, reason``); after fitting a Dask
        DataFrame, None until ``predict`` gathers it from the partitions.
    fallbacks_ : DataFrame
        After ``predict``/``cross_validation``: unique_id, model, method used instead, and the
        series whose output carries a note (a point forecast more than ``FAR_BEYOND_HISTORY``
        times the series' usual level, CountRegression at its cap or, with its own intervals, an
        upper bound more than ``FAR_BEYOND_HISTORY`` times the series' largest value).
    fitted_models_ : DataFrame
        After ``predict``: the model each series got (see :meth:`model_summary`).
    cv_excluded_ : DataFrame
        After :meth:`cross_validation`: one row per window and series left out of it, ``window,
        cutoff, unique_id, n_train, reason`` (no period before the cutoff; with ``level``, a
        training part too short for a built-in model's prediction intervals).
    """

    def __init__(self, models: Sequence[Any], freq: str = "MS", season_length: int = 12,
                 n_jobs: int = 2, fill_missing: str = "zero", allow_negative: bool = False,
                 interval: Any = "backtest", interval_windows: int = 8, origin: str = "frame") -> None:
        if not models:
            raise ValidationError("Forecaster needs at least one model", table="Forecaster",
                                  column="models")
        aliases = []
        for model in models:
            alias = getattr(model, "alias", None)
            if not isinstance(alias, str) or not alias:
                raise ValidationError(f"model {model!r} has no alias", table="Forecaster",
                                      column="models")
            if not isinstance(model, CoreModel) and not (hasattr(model, "fit") and hasattr(model, "predict")):
                raise ValidationError(f"model {alias!r} is neither a built-in model nor has "
                                      "fit(y, X) and predict(h, X, level)", table="Forecaster",
                                      column="models")
            aliases.append(alias)
        dup = sorted({a for a in aliases if aliases.count(a) > 1})
        if dup:
            raise ValidationError(f"model aliases must be unique; repeated: {dup}",
                                  table="Forecaster", column="models")
        if fill_missing not in _FILL:
            raise ValidationError(f"fill_missing must be one of {_FILL}, got {fill_missing!r}",
                                  table="Forecaster", column="fill_missing")
        if freq is None:
            raise ValidationError("freq is required (e.g. 'MS' for month starts); earlyhelp does not guess it",
                                  table="Forecaster", column="freq")
        try:
            self._offset = pd.tseries.frequencies.to_offset(freq)
        except (ValueError, TypeError) as err:
            raise ValidationError(f"unknown frequency {freq!r}: {err}", table="Forecaster",
                                  column="freq") from None
        if not is_whole(season_length) or not 1 <= season_length <= MAX_SEASON_LENGTH:
            raise ValidationError(f"season_length must be a whole number from 1 to {MAX_SEASON_LENGTH:,} "
                                  f"(MAX_SEASON_LENGTH), got {season_length!r}",
                                  table="Forecaster", column="season_length")
        if origin not in _ORIGINS:
            raise ValidationError(Problem("Forecaster", "origin", f"origin must be one of {_ORIGINS}", value=origin))
        self.origin = origin
        season_length = int(season_length)
        self.models = [_seasoned(model, season_length) for model in models]
        self.freq = freq
        self.season_length = season_length
        if not is_whole(n_jobs):  # int("a") would raise a bare ValueError, int(2.7) drop a fraction
            raise ValidationError(Problem("Forecaster", "n_jobs", "n_jobs must be a whole number of threads",
                                          value=n_jobs))
        # below 1 is one thread; above MAX_THREADS is more than the core's int takes or any machine has
        self.n_jobs = int(min(max(1, n_jobs), MAX_THREADS))
        if not isinstance(allow_negative, (bool, np.bool_)):  # "no" would be true and admit negative counts
            raise ValidationError(Problem("Forecaster", "allow_negative", "allow_negative must be True or False",
                                          value=allow_negative))
        self.fill_missing = fill_missing
        self.allow_negative = bool(allow_negative)
        self.interval = interval
        self._interval_of = _intervals.resolve(
            interval, aliases, [m.alias for m in self.models if isinstance(m, CoreModel)])
        if not is_whole(interval_windows) or interval_windows < 1:
            raise ValidationError(f"interval_windows must be a positive integer, got {interval_windows!r}",
                                  table="Forecaster", column="interval_windows")
        self.interval_windows = int(interval_windows)
        self._panel: Optional[_Panel] = None
        self._dask: Any = None  # a Dask DataFrame partitioned by unique_id (see forecast/distributed.py)
        self._fitted: Optional[pd.DataFrame] = None
        self.fitted_models_: Optional[pd.DataFrame] = None
        self.fallbacks_ = pd.DataFrame(columns=["unique_id", "model", "method"])

    def __repr__(self) -> str:
        models = ", ".join(repr(m) for m in self.models)
        state = ""
        if self._panel is not None:
            state = f", fitted on {self._panel.n_series:,} series"
        return (f"Forecaster(models=[{models}], freq={self.freq!r}, season_length={self.season_length}, "
                f"n_jobs={self.n_jobs}{state})")

    # ------------------------------------------------------------------ input
    def _exog_needed(self) -> List[str]:
        cols: List[str] = []
        for model in self.models:
            for c in getattr(model, "exog", None) or []:
                if c not in cols:
                    cols.append(c)
        return cols

    def _prepare(self, df: pd.DataFrame, frame_end: Optional[pd.Timestamp] = None) -> Optional[_Panel]:
        """Check ``df`` and put its series on one date grid.

        ``frame_end``: the last period with a value in the whole frame, when ``df`` is one Dask
        partition of it (with ``origin="frame"`` every series runs to it); default: ``df``'s own."""
        if not isinstance(df, pd.DataFrame):
            raise ValidationError("df must be a pandas DataFrame", table=_TABLE)
        _flat_columns(_TABLE, df)  # a name given twice (ds, unique_id): which one is meant cannot be told
        missing = [c for c in ("unique_id", "ds", "y") if c not in df.columns]
        if missing:
            raise ValidationError([Problem(_TABLE, c, "required column is missing") for c in missing])
        exog = self._exog_needed()
        absent = [c for c in exog if c not in df.columns]
        if absent:
            raise ValidationError([Problem(_TABLE, c, "exogenous column named by a model is missing")
                                   for c in absent])
        if len(df) == 0:
            raise ValidationError("the input has no rows", table=_TABLE)
        ds = local_dates(df["ds"], _TABLE)  # a time zone is dropped, as X_df's is (see _dates.py)
        for col, values, what in (("ds", ds, "missing dates"),
                                  ("unique_id", df["unique_id"], "missing series ids")):
            if values.isna().any():
                rows = df.index[values.isna().to_numpy()]
                raise ValidationError(Problem(_TABLE, col, what, list(rows[:10]), len(rows)))
        _check_ids_apart_as_text(df["unique_id"])
        y = _as_float(df["y"], _TABLE, "y")
        X = np.column_stack([_as_float(df[c], _TABLE, c, flags=True) for c in exog]) if exog else None
        codes, uniques = pd.factorize(df["unique_id"], sort=True)
        if frame_end is None and np.isfinite(y).any():
            frame_end = ds[np.isfinite(y)].max()  # the frame's last period with a value
        # the grid of periods from the first date; a date not on it is off the frequency
        last_date = ds.max() if frame_end is None else max(ds.max(), pd.Timestamp(frame_end))
        grid = pd.date_range(ds.min(), last_date, freq=self._offset)
        pos = grid.get_indexer(ds).astype(np.int64)
        order = np.lexsort((pos, codes))
        codes_s, pos_s = codes[order], pos[order]
        # sorted by (series, period): duplicates are neighbours
        same = (codes_s[1:] == codes_s[:-1]) & (pos_s[1:] == pos_s[:-1]) & (pos_s[1:] >= 0)
        dup = np.zeros(len(df), dtype=bool)
        dup[order[1:][same]] = True
        dup[order[:-1][same]] = True
        neg = (y < 0) if not self.allow_negative else np.zeros(len(df), dtype=bool)
        inf = np.isinf(y)
        big = np.isfinite(y) & (np.abs(y) > MAX_Y) & ~neg
        off = pos < 0
        if dup.any() or neg.any() or off.any() or inf.any() or big.any():
            raise ValidationError(self._problems(df, ds, y, dup, neg & ~inf, off, inf, big))
        self._check_count_models(df, ds, y)
        Xs = X[order] if X is not None else None
        end = None
        if frame_end is not None:
            at = int(grid.get_indexer([pd.Timestamp(frame_end)])[0])
            end = at if at >= 0 else None
        return self._assemble(codes_s, np.asarray(uniques, dtype=object), pos_s, y[order], Xs,
                              grid, exog, df.index[order], end)

    def _problems(self, df: pd.DataFrame, ds: pd.Series, y: np.ndarray, dup: np.ndarray,
                  neg: np.ndarray, off: np.ndarray, inf: Optional[np.ndarray] = None,
                  big: Optional[np.ndarray] = None) -> List[Problem]:
        """One Problem per series and kind of bad row, naming the dates."""
        frame = pd.DataFrame({"unique_id": df["unique_id"].to_numpy(), "ds": ds.to_numpy(), "y": y},
                             index=df.index)
        none = np.zeros(len(y), dtype=bool)
        problems: List[Problem] = []
        for mask, column, text in ((dup, "ds", "has duplicate dates"),
                                   (neg, "y", "has negative counts on"),
                                   (off, "ds", f"has dates not on the {self.freq!r} grid:"),
                                   (none if inf is None else inf, "y",
                                    "has infinite values (not a count) on"),
                                   (none if big is None else big, "y",
                                    f"has values larger than {MAX_Y:g} (MAX_Y: not a count or measure) on")):
            if not mask.any():
                continue
            for uid, grp in frame.loc[mask].groupby("unique_id", sort=True):
                dates = period_texts(grp["ds"])
                note = (" (pass allow_negative=True if negative values are meaningful)"
                        if text.startswith("has negative") else self._time_of_day_note(ds) if mask is off else "")
                value = float(grp["y"].iloc[0]) if column == "y" else dates[0]
                problems.append(Problem(_TABLE, column, f"series {uid!r} {text} "
                                        f"{', '.join(dates)}{note}", list(grp.index[:10]),
                                        len(grp), value))
        return problems

    def _time_of_day_note(self, ds: pd.Series) -> str:
        """Why dates that are on the grid as days are off it: their times of day differ (month starts
        stored in UTC and shown in Europe/London are 01:00 in summer), and the grid keeps the first
        date's time. Empty when the days themselves are off the grid, or ``freq`` is under a day."""
        tick = isinstance(self._offset, pd.offsets.Tick)
        if (tick and self._offset.nanos < pd.Timedelta(days=1).value) or ds.dt.normalize().eq(ds).all():
            return ""
        days = ds.dt.normalize()
        if (pd.date_range(days.min(), days.max(), freq=self._offset).get_indexer(days) < 0).any():
            return ""
        times = sorted({period_text(t).partition("T")[2] or "00:00:00" for t in ds.drop_duplicates().iloc[:1000]})
        return (f" (their days are on the grid but their times of day differ: {', '.join(times[:3])}; the "
                f"grid keeps the first date's time, {period_text(ds.min())}. A time zone conversion does this, "
                "e.g. month starts stored in UTC and shown in Europe/London: keep the dates only, "
                "df['ds'].dt.normalize(), or give them in the zone they were written in)")

    def _check_count_models(self, df: pd.DataFrame, ds: pd.Series, y: np.ndarray) -> None:
        """With ``allow_negative=True``: raise when a series has negative values and a model
        that needs counts (``_COUNT_KINDS``) would be fitted to it."""
        counting = [m.alias for m in self.models if isinstance(m, CoreModel) and m.kind in _COUNT_KINDS]
        neg = np.isfinite(y) & (y < 0)
        if not counting or not neg.any():
            return
        frame = pd.DataFrame({"unique_id": df["unique_id"].to_numpy(), "ds": ds.to_numpy(), "y": y},
                             index=df.index)
        problems = []
        for uid, grp in frame.loc[neg].groupby("unique_id", sort=True):
            problems.append(Problem(_TABLE, "y", f"series {uid!r} has negative values on "
                                    f"{', '.join(period_texts(grp['ds']))}; model(s) {counting} need non-negative "
                                    "counts (allow_negative=True admits them for the other models only)",
                                    list(grp.index[:10]), len(grp), float(grp["y"].iloc[0])))
        raise ValidationError(problems)

    def _assemble(self, codes: np.ndarray, uniques: np.ndarray, p: np.ndarray, yv: np.ndarray,
                  Xrows: Optional[np.ndarray], grid: pd.DatetimeIndex, exog: List[str],
                  index: Optional[pd.Index] = None, end: Optional[int] = None) -> Optional[_Panel]:
        """Concatenate the rows (sorted by series code, then period) into one
        gap-free array per series (vectorised: thousands of series are common); None when no
        series has a value (each is listed in ``excluded_``).

        ``end``: the grid position of the frame's last period with a value (of the whole frame, when
        this is one Dask partition of it; None: this frame's), to which every series runs with
        ``origin="frame"``; with ``origin="series"`` each series ends at its own last value."""
        S = len(uniques)
        ok = ~np.isnan(yv)
        okc, okp = codes[ok], p[ok]
        # rows are sorted by (series, period): first and last usable period of each series
        heads = np.flatnonzero(np.r_[True, okc[1:] != okc[:-1]]) if len(okc) else np.array([], int)
        tails = np.r_[heads[1:], len(okc)] - 1 if len(okc) else np.array([], int)
        first = np.full(S, -1, dtype=np.int64)
        last = np.full(S, -1, dtype=np.int64)
        first[okc[heads]] = okp[heads]
        last[okc[heads]] = okp[tails]
        kept = np.flatnonzero(last >= 0)
        n_rows = np.bincount(codes, minlength=S)
        excluded = [(uniques[c], int(n_rows[c]), "no non-missing y values")
                    for c in np.flatnonzero(last < 0)]
        self.excluded_ = pd.DataFrame(excluded, columns=_EXCLUDED_COLUMNS)
        if not len(kept):
            return None  # nothing to forecast: fit raises; a Dask partition gives no rows (_forecast_partition)

        K = len(kept)
        last_value = last[kept].copy()
        frame_last = int(end) if end is not None else int(last_value.max())
        if self.origin == "frame":  # every series runs to the frame's last period with a value
            last[kept] = np.maximum(last[kept], frame_last)
        n_end = last[kept] - last_value  # periods after the series' last value, to be filled
        new = np.full(S, -1, dtype=np.int64)
        new[kept] = np.arange(K)
        lengths = last[kept] - first[kept] + 1
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        inside = (last[codes] >= 0) & (p >= first[codes]) & (p <= last[codes])
        series_of = new[codes[inside]]
        target = indptr[series_of] + p[inside] - first[codes[inside]]
        full = np.full(int(indptr[-1]), np.nan)
        full[target] = yv[inside]
        n_dropped = np.bincount(codes[~inside & (last[codes] >= 0)], minlength=S)[kept]
        n_absent = lengths - np.bincount(series_of, minlength=K)
        n_nan = np.bincount(series_of[np.isnan(yv[inside])], minlength=K)
        # a series is a count when every value given is a whole number of 0 or more; a rate, a mean
        # or a net change (opened minus closed) is not, whatever the rounding of its values
        given = yv[inside]
        fraction = np.isfinite(given) & (np.abs(given - np.round(given)) > 1e-9 * np.maximum(1.0, np.abs(given)))
        whole = np.bincount(series_of[fraction | (given < 0)], minlength=K) == 0
        self._check_sparse(kept, lengths, n_absent, codes, p, uniques, grid)
        self._check_every_kth(codes, p, uniques, kept)
        if exog:
            self._check_exog(Xrows, inside, codes, p, uniques, grid, exog, index)
        holes = np.isnan(full)
        if holes.any():
            self._check_fillable(holes, indptr, n_absent, n_nan, n_end, whole, kept, first, uniques, grid)
            if self.fill_missing == "zero":
                full[holes] = 0.0
            else:  # each series starts and ends with a value (_check_fillable), so holes are interior
                idx = np.arange(len(full))
                full[holes] = np.interp(idx[holes], idx[~holes], full[~holes])
            _warn_blank_filled(uniques[kept], n_nan, self.fill_missing)
        X = None
        if exog:
            xf = np.full((len(full), len(exog)), np.nan)
            xf[target] = Xrows[inside]
            row_series = np.repeat(np.arange(K), lengths)
            frame = pd.DataFrame(xf).groupby(row_series).ffill()
            X = frame.groupby(row_series).bfill().to_numpy(np.float64)
            if np.isnan(X).any():
                bad = np.unique(row_series[np.isnan(X).any(axis=1)])
                raise ValidationError([Problem(_TABLE, ",".join(exog), f"series {uniques[kept[k]]!r} "
                                               "has no values in an exogenous column")
                                       for k in bad[:10]])
        notes: List[List[str]] = [[] for _ in range(K)]
        for k in np.flatnonzero(lengths == 1):
            notes[k].append("one observation: no prediction intervals (NaN), no spread to estimate")
        if (lengths == 1).any():
            log.warning("%d series have one observation: their prediction intervals are NaN (see report_)",
                        int((lengths == 1).sum()))
        for k in np.flatnonzero(n_end > 0):
            notes[k].append(f"last value {period_text(grid[last_value[k]])}, {int(n_end[k])} periods before the "
                            f"frame's last date {period_text(grid[frame_last])}: those periods filled with 0 (no "
                            f"row or a blank y: no events) and forecast from {period_text(grid[frame_last])}")
        if (n_end > 0).any():
            log.warning("%d series end before the frame's last date %s: the periods after their last value were "
                        "filled with 0 and they are forecast from that date (see report_; origin='series' forecasts "
                        "each series from its own last value)", int((n_end > 0).sum()), period_text(grid[frame_last]))
        early = np.flatnonzero(last_value < frame_last) if self.origin == "series" else np.array([], dtype=np.int64)
        for k in early:
            notes[k].append(f"ends {int(frame_last - last_value[k])} periods before the frame's last date "
                            f"{period_text(grid[frame_last])}: forecast from its own last date "
                            f"{period_text(grid[last_value[k]])} (origin='series')")
        if len(early):
            log.warning("%d series end before the frame's last date %s: each is forecast from its own last date "
                        "(origin='series'; see report_)", len(early), period_text(grid[frame_last]))
        self.report_ = pd.DataFrame({
            "unique_id": uniques[kept], "n_obs": lengths, "first_ds": grid[first[kept]],
            "last_ds": grid[last[kept]], "n_missing_filled": n_absent, "n_nan_filled": n_nan,
            "n_nan_dropped": n_dropped, "n_end_filled": n_end, "note": ["; ".join(n) for n in notes]})
        return _Panel(uniques[kept], full, indptr, first[kept].astype(np.int64), grid, X, exog, whole)

    def _check_fillable(self, holes: np.ndarray, indptr: np.ndarray, n_absent: np.ndarray, n_nan: np.ndarray,
                        n_end: np.ndarray, counts: np.ndarray, kept: np.ndarray, first: np.ndarray,
                        uniques: np.ndarray, grid: pd.DatetimeIndex) -> None:
        """Raise, naming each series, where its missing periods cannot be filled as ``fill_missing``
        asks: any with ``"error"``; with ``"zero"``, those of a series that is no count (a fraction or
        a negative value: a missing rate or net change is not 0); with ``"interpolate"``, the periods
        after a series' last value (nothing to interpolate towards)."""
        problems = []
        for k in np.flatnonzero(n_absent + n_nan):
            at = np.flatnonzero(holes[indptr[k]:indptr[k + 1]])
            gaps = period_texts(grid[first[kept[k]] + at])
            uid = uniques[kept[k]]
            where = f"{len(at)} missing periods ({', '.join(gaps)}{', ...' if len(at) > len(gaps) else ''})"
            if self.fill_missing == "error":
                problems.append(Problem(_TABLE, "y", f"series {uid!r} has missing periods {', '.join(gaps)}"
                                        f"{' ...' if len(at) > len(gaps) else ''} (fill_missing='error')",
                                        gaps, len(at)))
            elif self.fill_missing == "zero" and not counts[k]:
                problems.append(Problem(_TABLE, "y", f"series {uid!r} has {where}, but its values are not counts "
                                        "(fractions or negatives), so a missing period is not 0: give the rows, or "
                                        "pass fill_missing='interpolate'" +
                                        (" (or origin='series' to forecast each series from its own last value)"
                                         if n_end[k] else ""), gaps, len(at)))
            elif self.fill_missing == "interpolate" and n_end[k]:
                last = grid[first[kept[k]] + (indptr[k + 1] - indptr[k]) - 1 - int(n_end[k])]
                problems.append(Problem(_TABLE, "y", f"series {uid!r} ends {int(n_end[k])} periods before the "
                                        f"frame's last date (last value {period_text(last)}): the periods after it "
                                        "cannot be interpolated; give its rows, pass fill_missing='zero' for counts, "
                                        "or origin='series' to forecast each series from its own last value",
                                        gaps, len(at)))
        if problems:
            raise ValidationError(problems)

    def _frequency_of(self, dates: np.ndarray) -> "tuple[bool, Optional[str]]":
        """Whether ``dates`` follow ``freq``, and the other frequency they follow (None when they
        follow ``freq`` or no frequency, or are fewer than 3)."""
        idx = pd.DatetimeIndex(np.unique(dates))
        if len(idx) < 3:
            return False, None
        try:
            with warnings.catch_warnings():
                # pandas 3 announces an offset in place of the string (pandas 4): both are read below
                warnings.filterwarnings("ignore", message=".*infer_freq")
                inferred = pd.infer_freq(idx)
            if inferred is None:
                return False, None
            if pd.tseries.frequencies.to_offset(inferred) == self._offset:
                return True, None
        except (ValueError, TypeError):
            return False, None
        return False, inferred if isinstance(inferred, str) else inferred.freqstr

    def _check_sparse(self, kept: np.ndarray, lengths: np.ndarray, n_absent: np.ndarray,
                      codes: np.ndarray, p: np.ndarray, uniques: np.ndarray, grid: pd.DatetimeIndex) -> None:
        """Raise when most of a series' ``freq`` grid has no row and the dates follow another
        frequency: a wrong ``freq``, whose gaps would be filled (with zeros by default).

        When the frame's dates together follow ``freq`` (the other series have a row every period),
        a sparse series is taken as intermittent counts on that grid (filled and reported), however
        evenly its few rows fall: three events a quarter apart are no quarterly series beside monthly
        ones. Its own dates suggest a frequency only when the frame's follow none."""
        sparse = np.flatnonzero((lengths >= 3) & (2 * n_absent > lengths))
        if not len(sparse):
            return
        follows, overall = self._frequency_of(grid[np.unique(p)].to_numpy())
        if follows:
            return
        problems = []
        for k in sparse:
            c = kept[k]
            suggested = overall or self._frequency_of(grid[p[codes == c]].to_numpy())[1]
            if suggested is None:  # intermittent counts on the right grid: filled and reported
                continue
            problems.append(Problem(_TABLE, "ds", f"series {uniques[c]!r} has rows for only "
                                    f"{int(lengths[k] - n_absent[k])} of its {int(lengths[k])} periods on "
                                    f"the {self.freq!r} grid; its dates look like frequency {suggested!r}: "
                                    f"pass freq={suggested!r} (fill_missing={self.fill_missing!r} would "
                                    f"fill {int(n_absent[k])} periods)"))
        if problems:
            raise ValidationError(problems)

    def _check_every_kth(self, codes: np.ndarray, p: np.ndarray, uniques: np.ndarray, kept: np.ndarray) -> None:
        """Raise when a series' rows (six or more) fall on every k-th period of the grid (k >= 2), evenly: its
        data have a coarser frequency (fortnightly with ``"W-MON"``), and filling the periods
        between would halve its level. ``_check_sparse`` misses it: only half the periods are gaps.

        ``codes`` and ``p`` are sorted by series, then period; series not ``kept`` (no values) are
        excluded, not checked.
        """
        same = codes[1:] == codes[:-1]
        step, owner = np.diff(p)[same], codes[1:][same]
        S = len(uniques)
        n_steps = np.bincount(owner, minlength=S)
        lo, hi = np.full(S, np.iinfo(np.int64).max), np.zeros(S, dtype=np.int64)
        np.minimum.at(lo, owner, step)
        np.maximum.at(hi, owner, step)
        # six rows or more (a sparse series' few rows are rarely so even), every step the same and
        # more than one period
        regular = np.intersect1d(np.flatnonzero((n_steps >= 5) & (lo == hi) & (lo >= 2)), kept)
        problems = []
        for c in regular:
            k = int(lo[c])
            suggested = (self._offset * k).freqstr
            problems.append(Problem(_TABLE, "ds", f"series {uniques[c]!r} has a row every {k} periods of the "
                                    f"{self.freq!r} grid, evenly ({int(n_steps[c]) + 1} rows): its dates look "
                                    f"like frequency {suggested!r}: pass freq={suggested!r} (with a season_length "
                                    "in those periods) or sum the data to a coarser frequency "
                                    f"(fill_missing={self.fill_missing!r} would fill the "
                                    f"{int(n_steps[c]) * (k - 1)} periods between them)", value=suggested))
        if problems:
            raise ValidationError(problems)

    def _check_exog(self, Xrows: np.ndarray, inside: np.ndarray, codes: np.ndarray, p: np.ndarray,
                    uniques: np.ndarray, grid: pd.DatetimeIndex, exog: List[str],
                    index: Optional[pd.Index]) -> None:
        """Raise on NaN or inf, or a value above MAX_EXOG in size, in an exogenous column on a row a
        series uses."""
        problems = []
        for j, col in enumerate(exog):
            finite = np.isfinite(Xrows[:, j])
            for bad, text in ((inside & ~finite, "missing or infinite exogenous values"),
                              (inside & finite & (np.abs(np.where(finite, Xrows[:, j], 0.0)) > MAX_EXOG),
                               _HUGE_EXOG)):
                for c in np.unique(codes[bad]):
                    at = np.flatnonzero(bad & (codes == c))
                    dates = period_texts(grid[p[at]])
                    rows = list(index[at][:10]) if index is not None else dates
                    problems.append(Problem(_TABLE, col, f"series {uniques[c]!r} has {text} on "
                                            f"{', '.join(dates)}", rows, len(at), float(Xrows[at[0], j])))
        if problems:
            raise ValidationError(problems)

    def _phase0(self, panel: _Panel, m: int) -> np.ndarray:
        """Season position (0..m-1) of each series' first period, from the series' own dates only.

        The calendar's where it gives one (month of the year for monthly data with ``m`` 12, quarter
        for quarterly with 4, day of the week for daily with 7); otherwise 0: positions are counted
        from the series' first period. Never from the frame's first date: a series would then be
        numbered differently beside an earlier-starting series or in another Dask partition
        (weeks of 52 drift against the calendar's 52 or 53), and CountRegression, whose
        simulated draws follow the numbering, gave it other intervals."""
        origin = panel.grid[0]
        name = getattr(self._offset, "rule_code", "")  # "name" is deprecated in pandas 3
        if getattr(self._offset, "n", 1) != 1:   # "2MS": the grid steps over the calendar's positions
            return np.zeros(panel.n_series, dtype=np.int64)
        if m == 12 and name.startswith("M"):
            base = origin.month - 1
        elif m == 4 and name.startswith("Q"):
            base = (origin.month - 1) // 3
        elif m == 7 and name == "D":
            base = origin.day_of_week  # "dayofweek" is deprecated in pandas 3
        else:
            return np.zeros(panel.n_series, dtype=np.int64)
        # panel.start counts periods from the frame's first date, whose own position is base
        return ((panel.start + base) % m).astype(np.int64)

    def _future_exog(self, panel: _Panel, h: int, X_df: Optional[pd.DataFrame]) -> Optional[np.ndarray]:
        if not panel.exog:
            return None
        if X_df is None:
            raise ValidationError(f"X_df with future values of {panel.exog} is required",
                                  table="X_df")
        if not isinstance(X_df, pd.DataFrame):
            raise ValidationError(Problem("X_df", None, "X_df must be a pandas DataFrame of unique_id, ds and "
                                          f"the future values of {panel.exog}", value=type(X_df).__name__))
        missing = [c for c in ["unique_id", "ds"] + panel.exog if c not in X_df.columns]
        if missing:
            raise ValidationError([Problem("X_df", c, "required column is missing") for c in missing])
        twice = sorted({str(c) for c in X_df.columns[X_df.columns.duplicated()]} & {"unique_id", "ds", *panel.exog})
        if twice:  # which of the two columns is meant cannot be told
            raise ValidationError([Problem("X_df", c, "the column is given twice; keep one") for c in twice])
        # series are matched by their ids as text: ids read as numbers in one frame and as text
        # in the other (1 and "1") are one series, not a merge error
        want = pd.DataFrame({"unique_id": pd.Series(np.repeat(panel.uids, h)).astype(str).to_numpy(),
                             "ds": panel.dates(h)})
        fut = X_df[["unique_id", "ds"] + panel.exog].copy()
        fut["unique_id"] = fut["unique_id"].astype(str)
        fut["ds"] = local_dates(fut["ds"], "X_df")  # a time zone is dropped, as the training frame's is
        for c in panel.exog:
            fut[c] = _as_float(fut[c], "X_df", c, flags=True)

        def where(frame: pd.DataFrame) -> List[str]:
            return [f"{u} {period_text(d)}" for u, d in zip(frame["unique_id"][:10], frame["ds"][:10])]

        # repeated (series, date) rows must agree: which one to use would be a silent choice
        rep = fut[fut.duplicated(["unique_id", "ds"], keep=False)]
        if len(rep):
            spread = rep.groupby(["unique_id", "ds"])[panel.exog].nunique(dropna=False)
            conflict = spread[(spread > 1).any(axis=1)].reset_index()
            if len(conflict):
                raise ValidationError(Problem("X_df", ",".join(panel.exog), "rows repeat a series and date "
                                              "with different exogenous values", where(conflict),
                                              len(conflict)))
        merged = want.merge(fut.drop_duplicates(["unique_id", "ds"]), on=["unique_id", "ds"],
                            how="left", indicator=True)
        absent = (merged["_merge"] == "left_only").to_numpy()
        if absent.any():
            b = merged.loc[absent]
            raise ValidationError(Problem("X_df", ",".join(panel.exog), "future exogenous values "
                                          "missing for the forecast periods", where(b), int(absent.sum())))
        problems = []
        for col in panel.exog:
            values = merged[col].to_numpy(np.float64)
            for bad, text in ((~np.isfinite(values), "missing or infinite future exogenous values"),
                              (np.isfinite(values) & (np.abs(values) > MAX_EXOG), _HUGE_EXOG_FUTURE)):
                for uid, b in merged.loc[bad].groupby("unique_id", sort=True):
                    problems.append(Problem("X_df", col, f"series {uid!r} has {text} on "
                                            f"{', '.join(period_texts(b['ds']))}",
                                            where(b), len(b), float(b[col].iloc[0])))
        if problems:
            raise ValidationError(problems)
        return merged[panel.exog].to_numpy(np.float64)

    # ------------------------------------------------------------------ API
    def fit(self, df: pd.DataFrame) -> "Forecaster":
        """Validate and store the series (the models are estimated by ``predict``,
        which knows the horizon, as statsforecast's ``forecast``).

        ``df`` may be a Dask DataFrame partitioned by ``unique_id``: ``predict`` then forecasts
        each partition where it lives (statsforecast's distributed layout), with the same result.

        Parameters
        ----------
        df : DataFrame
            ``unique_id, ds, y`` (and exogenous columns), one row per series and period.

        Returns
        -------
        Forecaster
            itself.
        """
        from .distributed import is_dask_frame

        # nothing of an earlier fit survives this one (not even when this data is rejected)
        self._dask, self._panel, self._fitted = None, None, None
        self.fitted_models_ = self.report_ = self.excluded_ = None
        self.fallbacks_ = pd.DataFrame(columns=["unique_id", "model", "method"])
        if is_dask_frame(df):
            pooled = sorted(a for a, m in self._interval_of.items() if m in _intervals.POOLED_METHODS)
            if pooled:  # each partition would pool its own series: not the single-process answer
                raise ValidationError(f"interval 'backtest_shared' (models {pooled}) pools the series of one call, and "
                                      "a Dask DataFrame's partitions are forecast apart: use 'backtest', or a pandas "
                                      "DataFrame", table="Forecaster", column="interval")
            self._dask = df
            return self
        self._panel = self._prepare(df)
        _warn_excluded(self.excluded_)
        if self._panel is None:
            raise _no_series_error()
        return self

    def _forecast_partition(self, pdf: pd.DataFrame, h: int, level: Optional[Sequence[float]] = None,
                            frame_end: Optional[pd.Timestamp] = None) -> "tuple[pd.DataFrame, ...]":
        """One Dask partition's forecast, the series it left out (its ``excluded_``), its
        ``fallbacks_``, ``fitted_models_`` and ``report_``, for :func:`earlyhelp.forecast.distributed.predict_dask`,
        which gathers them from every partition and raises only when no partition has a series to
        forecast.

        Parameters
        ----------
        pdf : DataFrame
            the partition (whole series).
        h : int
            horizon.
        level : list of float, optional
            interval levels.
        frame_end : Timestamp, optional
            the whole frame's last period with a value (``origin="frame"``: every series runs to it,
            as in the pandas fit of the whole frame).

        Returns
        -------
        forecast : DataFrame
            as :meth:`predict`; no rows when no series of the partition has a value (another
            partition may hold the data).
        excluded : DataFrame
            the partition's ``excluded_``.
        fallbacks, fitted_models, report : DataFrame
            the partition's ``fallbacks_``, ``fitted_models_`` and ``report_`` (no rows when it has
            no series).
        """
        self._panel = self._prepare(pdf, frame_end)
        if self._panel is None:
            return pd.DataFrame(), self.excluded_, self.fallbacks_, pd.DataFrame(), pd.DataFrame()
        out = self.predict(h, level=level)
        return out, self.excluded_, self.fallbacks_, self.fitted_models_, self.report_

    def predict(self, h: int, level: Optional[Union[float, Sequence[float]]] = None,
                X_df: Optional[pd.DataFrame] = None, fitted: bool = False) -> pd.DataFrame:
        """Forecast ``h`` periods after each series' end: the frame's last period with a value, or
        with ``origin="series"`` the series' own last value (``report_``'s ``last_ds``).

        Parameters
        ----------
        h : int
            Horizon (positive).
        level : float or list of float, optional
            Interval coverages in percent, e.g. [80, 95] (one number is one level).
        X_df : DataFrame, optional
            unique_id, ds and the future values of the exogenous columns models use. Series are
            matched by their ids as text (1 and "1" are one series); a ``ds`` time zone is
            dropped as in ``fit``. Values must be finite and at most ``MAX_EXOG`` in size.
        fitted : bool
            Also keep in-sample fitted values for :meth:`forecast_fitted_values`.

        Raises
        ------
        ValidationError
            naming the table (``X_df``), column and rows: ``X_df`` missing or not a DataFrame, a
            column missing or given twice, dates or numbers that cannot be read, future values
            missing, non-finite or above ``MAX_EXOG``, repeated rows that disagree; ``h``,
            ``level`` or ``fitted`` not valid.

        Returns
        -------
        DataFrame
            ``unique_id, ds``, a column per model alias and ``<alias>-lo-<level>`` /
            ``<alias>-hi-<level>`` per level (statsforecast layout).
        """
        if not isinstance(fitted, (bool, np.bool_)):  # "no" would be true; the core takes a bool only
            raise ValidationError(Problem("Forecaster", "fitted", "fitted must be True or False", value=fitted))
        fitted = bool(fitted)
        if self._dask is not None:
            from .distributed import predict_dask

            if X_df is not None or fitted:
                raise ValidationError("X_df and fitted are not supported with a Dask DataFrame", table="Forecaster")
            levels = self._check_levels(level)
            return predict_dask(self, self._dask, self._check_h(h), levels or None)
        if self._panel is None:
            raise ValidationError("call fit(df) before predict", table="Forecaster")
        h = self._check_h(h)
        levels = self._check_levels(level)
        panel = self._panel
        out, fits, fallbacks = self._run(panel, h, levels, X_df, want_fitted=fitted)
        self.fallbacks_ = fallbacks
        self.fitted_models_ = self._last_models
        if fitted:
            hist = pd.DataFrame({"unique_id": np.repeat(panel.uids, panel.lengths()),
                                 "ds": panel.history_dates(), "y": panel.y})
            for alias, values in fits.items():
                hist[alias] = values
            self._fitted = hist
        return out

    def forecast(self, h: int, df: Optional[pd.DataFrame] = None, X_df: Optional[pd.DataFrame] = None,
                 level: Optional[Union[float, Sequence[float]]] = None, fitted: bool = False) -> pd.DataFrame:
        """Fit on ``df`` and forecast ``h`` periods, in one call (statsforecast's
        ``StatsForecast.forecast``): ``Forecaster(...).forecast(df=Y_df, h=12, level=[80, 95])``.

        Parameters
        ----------
        h : int
            Horizon (positive).
        df : DataFrame, optional
            ``unique_id, ds, y`` (and exogenous columns); default: the data of the last ``fit``.
        X_df, level, fitted : as :meth:`predict`.

        Returns
        -------
        DataFrame
            As :meth:`predict`.
        """
        if df is not None:
            self.fit(df)
        elif self._panel is None:
            raise ValidationError("give the series to forecast: forecast(df=..., h=...)", table="Forecaster",
                                  column="df")
        return self.predict(h, level=level, X_df=X_df, fitted=fitted)

    def forecast_fitted_values(self) -> pd.DataFrame:
        """In-sample one-step fitted values (unique_id, ds, y, one column per alias)
        from the last ``predict(..., fitted=True)``.

        Returns
        -------
        DataFrame
        """
        if self._fitted is None:
            raise ValidationError("call predict(h, fitted=True) first", table="Forecaster")
        return self._fitted.copy()

    def cross_validation(self, df: pd.DataFrame, h: int, n_windows: int = 1,
                         step_size: Optional[int] = None, level: Optional[Union[float, Sequence[float]]] = None
                         ) -> pd.DataFrame:
        """Rolling-origin backtest: for each of ``n_windows`` cutoffs (the last one
        ``h`` periods before each series' end, earlier ones ``step_size`` apart),
        fit on the data up to the cutoff and forecast ``h`` periods.

        Returns unique_id, ds, cutoff, y and the model columns (statsforecast
        layout). Exogenous future values come from ``df`` itself. A series is left out of a
        window, and listed in ``cv_excluded_`` (one row per window and series: ``window, cutoff,
        unique_id, n_train, reason``, and a warning in the log), when it has no period before the
        cutoff, or, with ``level``, when its training part is too short for a built-in model to give
        prediction intervals (one period; Theta on fewer than 6, CrostonOptimized on 2, ...): left
        in, its NaN bounds could not be scored, and :func:`~earlyhelp.forecast.accuracy` with a
        ``level`` would refuse the whole backtest. It is left out for every model, so that the
        models are scored on the same points; its other windows are kept. Without ``level`` only the
        first rule applies. A Python model that gives no intervals leaves no window out (its NaN
        bounds are its own).

        Parameters
        ----------
        df : DataFrame
            ``unique_id, ds, y`` (and exogenous columns).
        h : int
            horizon of each window.
        n_windows : int, default 1
            number of cutoffs.
        step_size : int, optional
            periods between cutoffs (default ``h``).
        level : float or list of float, optional
            interval coverages in percent (one number is one level).

        Returns
        -------
        DataFrame

        Raises
        ------
        ValidationError
            no series is left in any window (too short for all of them).
        """
        h = self._check_h(h)
        levels = self._check_levels(level)
        if not is_whole(n_windows) or n_windows < 1:
            raise ValidationError(f"n_windows must be a positive integer, got {n_windows!r}",
                                  table="cross_validation", column="n_windows")
        if step_size is not None and (not is_whole(step_size) or step_size < 1):
            raise ValidationError(f"step_size must be a positive integer, got {step_size!r}",
                                  table="cross_validation", column="step_size")
        step = h if step_size is None else int(step_size)
        from .distributed import is_dask_frame

        if is_dask_frame(df):  # the windows cut one in-memory panel; a Dask fit keeps none
            raise ValidationError("cross_validation takes a pandas DataFrame: call .compute() on the Dask one "
                                  "(backtests of a few hundred series fit in memory)", table="cross_validation",
                                  column="df")
        self.fit(df)
        panel = self._panel
        frames, excluded, fallbacks = [], [], []
        for w in range(n_windows):
            drop = h + step * (n_windows - 1 - w)
            train, keep = panel.truncate(drop)
            for i in np.setdiff1d(np.arange(panel.n_series), keep):
                at = int(panel.start[i] + panel.lengths()[i] - drop - 1)
                excluded.append((w, panel.grid[at] if 0 <= at < len(panel.grid) else pd.NaT, panel.uids[i], 0,
                                 "no period before the cutoff (the series starts after it)"))
            if train.n_series == 0:
                continue
            # future values and actuals come from the full panel
            lengths = panel.lengths()[keep]
            rows = np.concatenate([panel.indptr[i] + (n - drop) + np.arange(h)
                                   for i, n in zip(keep, lengths)])
            X_future = panel.X[rows] if panel.X is not None else None
            out, _, fb = self._run(train, h, levels, None, X_future=X_future)
            cutoff_idx = train.start + train.lengths() - 1
            cutoffs = train._grid_at(cutoff_idx)
            out.insert(2, "cutoff", np.repeat(cutoffs, h))
            out.insert(3, "y", panel.y[rows])
            reasons = self._without_intervals(out, train, h, levels)
            short = reasons != ""
            for i in np.flatnonzero(short):
                excluded.append((w, cutoffs[i], train.uids[i], int(train.lengths()[i]), reasons[i]))
            if short.any():  # their fallbacks stay listed: the log of this window's fit named them
                out = out[~np.repeat(short, h)].reset_index(drop=True)
            frames.append(out)
            fallbacks.append(fb)
        self.cv_excluded_ = pd.DataFrame(excluded, columns=_CV_EXCLUDED_COLUMNS)
        if len(self.cv_excluded_):
            log.warning("%d series were left out of %d of the backtest's windows (too short before the cutoff; "
                        "see cv_excluded_)", self.cv_excluded_["unique_id"].nunique(),
                        self.cv_excluded_["window"].nunique())
        self.fallbacks_ = pd.concat(fallbacks, ignore_index=True) if fallbacks else \
            pd.DataFrame(columns=["unique_id", "model", "method"])
        frames = [f for f in frames if len(f)]
        if not frames:
            raise ValidationError("no series is long enough for any cross-validation window",
                                  table="cross_validation")
        return pd.concat(frames, ignore_index=True)

    def _without_intervals(self, out: pd.DataFrame, train: _Panel, h: int, levels: List[float]) -> np.ndarray:
        """Per series of a backtest window (``out``, ``h`` rows each), why it is left out: its training
        part too short for a built-in model's prediction intervals (a bound is NaN); ``""`` to keep it.
        Nothing is left out without ``levels``."""
        reasons = np.full(train.n_series, "", dtype=object)
        if not levels:
            return reasons
        for model in self.models:
            if not isinstance(model, CoreModel):
                continue  # a Python model's NaN bounds are its own choice
            cols = [f"{model.alias}-{side}-{lv}" for lv in levels for side in ("lo", "hi")]
            missing = out[cols].isna().to_numpy().reshape(train.n_series, h * len(cols)).any(axis=1)
            for i in np.flatnonzero(missing & (reasons == "")):
                # the count is in n_train: one reason per model, as a run's exclusions group them
                reasons[i] = f"too few periods before the cutoff for {model.alias}'s prediction intervals"
        return reasons

    def model_summary(self) -> pd.DataFrame:
        """The model fitted to each series by the last ``predict``/``forecast``: unique_id, model
        (alias), method (e.g. ``"ETS(M,Ad,M)"``, as R's ``forecast::ets`` prints it), aicc and the
        smoothing parameters alpha, beta, gamma, phi (NaN where the model has none).

        For AutoETS the method, AICc and parameters are R's (``forecast::ets``) on the same series,
        except where :class:`~earlyhelp.forecast.AutoETS` lists a difference, two of which change
        this table:

        * a constant series gives ``"ETS(A,N,N) [constant series: alpha fixed at 0.9999, no AICc]"``
          with a NaN ``aicc``, whatever model was asked for (R: ``ses(y, alpha = 0.99999)``, no AICc,
          when no model is given);
        * a series of 5 or 6 points gives ETS(A,N,N) or ETS(M,N,N) with an AICc, and 1 to 4 points
          ``"Naive (series too short for any ETS model)"``, where R fits Holt or simple exponential
          smoothing by least squares, with no AICc (at ``n <= npars + 4``: 6 points for ``"ZZZ"``).

        A method with a note in brackets (a fallback, a constant series, a forecast far beyond the
        history) is listed in ``fallbacks_`` too.

        Returns
        -------
        DataFrame
            one row per series and model.
        """
        if getattr(self, "fitted_models_", None) is None:
            raise ValidationError("call predict or forecast first", table="Forecaster")
        return self.fitted_models_.copy()

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _check_h(h: Any) -> int:
        if not is_whole(h) or h < 1:
            raise ValidationError(f"horizon h must be a positive integer, got {h!r}",
                                  table="Forecaster", column="h")
        if h > MAX_HORIZON:
            raise ValidationError(f"horizon h={h} is longer than earlyhelp forecasts ({MAX_HORIZON} periods at most)",
                                  table="Forecaster", column="h")
        return int(h)

    @staticmethod
    def _check_levels(level: Optional[Union[float, Sequence[float]]]) -> List[float]:
        # one number is a one-element list (users type level=80), as in every forecast function
        levels = level_list(level, table="Forecaster")
        return sorted(set(levels)) if levels else []

    def _run(self, panel: _Panel, h: int, levels: List[float], X_df: Optional[pd.DataFrame],
             X_future: Optional[np.ndarray] = None, want_fitted: bool = False):
        if X_future is None and panel.exog:
            X_future = self._future_exog(panel, h, X_df)
        out = pd.DataFrame({"unique_id": np.repeat(panel.uids, h), "ds": panel.dates(h)})
        fits: Dict[str, np.ndarray] = {}
        fallbacks = []
        chosen = []
        for model in self.models:
            alias = model.alias
            own_season = getattr(model, "season_length", None) if isinstance(model, CoreModel) else None
            phase0 = self._phase0(panel, own_season or self.season_length)
            # count intervals start from the model's own bounds at _VARIANCE_LEVEL, asked for too
            counted = bool(levels) and self._interval_of.get(alias, "model") != "model"
            asked = sorted(set(levels) | {_VARIANCE_LEVEL}) if counted else levels
            if isinstance(model, CoreModel):
                res = self._run_core(model, panel, h, asked, X_future, phase0, want_fitted)
            else:
                res = self._run_python(model, panel, h, asked, X_future)
            if counted:
                _keep_levels(res, asked, levels)
            if getattr(model, "kind", None) == "CountRegression":
                _note_count_regression(res, model, self._own_bounds_shown(panel, alias), panel.history_max())
            self._non_negative(model, res)
            _note_far_beyond_history(res, panel)
            if counted:
                own = res["lo"], res["hi"]
                res["lo"], res["hi"] = self._count_bounds(model, panel, h, levels, res, phase0)
                self._own_intervals_off_counts(panel, alias, res, *own)
            self._own_output_at_zero(model, res)
            if levels and isinstance(model, CoreModel):
                self._note_missing_intervals(panel, alias, res)
            out[alias] = res["mean"].ravel()
            for i, lv in enumerate(levels):
                out[f"{alias}-lo-{lv}"] = res["lo"][:, i, :].ravel()
            for i, lv in enumerate(levels):
                out[f"{alias}-hi-{lv}"] = res["hi"][:, i, :].ravel()
            fits[alias] = res["fitted"]
            for uid, fb, method in zip(panel.uids, res["fallback"], res["method"]):
                if fb:
                    fallbacks.append((uid, alias, method))
            params = res.get("params", np.full((panel.n_series, 4), np.nan))
            aicc = res.get("aicc", np.full(panel.n_series, np.nan))
            chosen.append(pd.DataFrame({"unique_id": panel.uids, "model": alias, "method": res["method"],
                                        "aicc": aicc, "alpha": params[:, 0], "beta": params[:, 1],
                                        "gamma": params[:, 2], "phi": params[:, 3]}))
        self._last_models = pd.concat(chosen, ignore_index=True)
        fb_df = pd.DataFrame(fallbacks, columns=["unique_id", "model", "method"])
        if len(fb_df):
            log.info("%d series/model pairs used a fallback model (see fallbacks_)", len(fb_df))
        return out, fits, fb_df

    def _run_one(self, model: Any, panel: _Panel, h: int, X_future: Optional[np.ndarray],
                 phase0: np.ndarray) -> Dict[str, Any]:
        """A backtest's fit: the point forecasts and the model's own bounds at ``_VARIANCE_LEVEL``
        (``ref_lo``, ``ref_hi``), all its variance is read from."""
        levels = [_VARIANCE_LEVEL]
        if isinstance(model, CoreModel):
            res = self._run_core(model, panel, h, levels, X_future, phase0, False)
        else:
            res = self._run_python(model, panel, h, levels, X_future)
        _keep_levels(res, levels, [])
        self._non_negative(model, res)
        return res

    def _non_negative(self, model: Any, res: Dict[str, Any]) -> None:
        """Raise negative point forecasts to 0 where the series are counts (``allow_negative``
        False) and the model's intervals are count intervals: a line extrapolated below zero
        (a trend into a run of zeros, e.g. a closed locality) is not a count, and the count
        bounds are built around a mean of at least 0. ``interval="model"`` keeps the model's
        own output as it is (as statsforecast gives it)."""
        if self.allow_negative or self._interval_of.get(model.alias, "model") == "model":
            return
        res["mean"] = np.where(res["mean"] < 0, 0.0, res["mean"])

    def _own_output_at_zero(self, model: Any, res: Dict[str, Any]) -> None:
        """With ``interval="model"`` and ``allow_negative`` False, the model's own point forecast
        and bounds raised to 0 where they fall below it: the values are counts (or measures) of
        0 or more, so a negative bound says nothing an actual can reach, and coverage is the same.
        Done after the backtests, whose variance is read from the bounds as the model gives them."""
        if self.allow_negative or self._interval_of.get(model.alias, "model") != "model":
            return
        for key in ("mean", "lo", "hi"):
            if res.get(key) is not None:
                res[key] = np.where(res[key] < 0, 0.0, res[key])

    def _own_bounds_shown(self, panel: _Panel, alias: str) -> np.ndarray:
        """Per series, whether the output holds the model's own bounds: with ``interval="model"``,
        and for a series that is no count (see :meth:`_own_intervals_off_counts`)."""
        if self._interval_of.get(alias, "model") == "model":
            return np.ones(panel.n_series, dtype=bool)
        return np.zeros(panel.n_series, dtype=bool) if panel.whole is None else ~panel.whole

    def _own_intervals_off_counts(self, panel: _Panel, alias: str, res: Dict[str, Any],
                                  own_lo: np.ndarray, own_hi: np.ndarray) -> None:
        """Give the series that are no counts (a value not a whole number: a rate, a mean, a measure
        in hours; or below 0: a net change such as opened minus closed, with ``allow_negative``) the
        model's own intervals in place of count intervals, and say so in the method (so in
        ``fallbacks_``). Count bounds are whole numbers of 0 or more: on a measure of 0.1 to 0.5 the
        80% interval was [0, 0], which holds none of its values, and on a net change of about -5 it
        was [-5, 0], the forecast its lower bound (51% coverage at 80%). Without ``allow_negative``
        the bounds are kept at 0 or above, as the values are."""
        if panel.whole is None or panel.whole.all():
            return
        off = ~panel.whole
        lo, hi = res["lo"].copy(), res["hi"].copy()
        lo[off], hi[off] = own_lo[off], own_hi[off]
        if not self.allow_negative:
            lo[off], hi[off] = np.maximum(lo[off], 0.0), np.maximum(hi[off], 0.0)
        res["lo"], res["hi"] = lo, hi
        _note_fallback(res, off, "values not counts (not whole numbers of 0 or more): the model's own "
                                 "intervals, not count intervals")
        log.warning("%d series are not counts (values not whole numbers of 0 or more): %s gives them its own "
                    "intervals (see fallbacks_)", int(off.sum()), alias)

    @staticmethod
    def _note_missing_intervals(panel: _Panel, alias: str, res: Dict[str, Any]) -> None:
        """Add a note to the method of each series of more than one observation that got no
        prediction intervals (a model that cannot estimate its spread on so few points, e.g.
        Theta on 4 points, Croston on 2), so they are listed in ``fallbacks_``."""
        missing = (np.isnan(res["lo"]).all(axis=(1, 2)) | np.isnan(res["hi"]).all(axis=(1, 2))) \
            & (panel.lengths() > 1) & np.isfinite(res["mean"]).all(axis=1)
        if not missing.any():
            return
        _note_fallback(res, missing, "no prediction intervals (NaN): too few observations for its spread")
        log.warning("%d series got no prediction intervals from %s (see fallbacks_)", int(missing.sum()), alias)

    def _count_bounds(self, model: Any, panel: _Panel, h: int, levels: List[float],
                      res: Dict[str, Any], phase0: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
        """Count bounds around the point forecasts (see forecast/intervals.py)."""
        var = self._claimed_variance(model, panel, res)
        if self._interval_of[model.alias] == "count":
            return _intervals.nb_bounds(res["mean"], var, levels)
        backtests = self._backtests(model, panel, h, phase0)
        shared = self._interval_of[model.alias] in _intervals.POOLED_METHODS
        return _intervals.calibrated_bounds(res["mean"], var, levels, backtests, shared_bias=shared)

    @staticmethod
    def _claimed_variance(model: Any, panel: _Panel, res: Dict[str, Any]) -> np.ndarray:
        """The variance (S, h) a model's own intervals claim, read from its bounds at
        ``_VARIANCE_LEVEL`` (``res["ref_lo"]``, ``res["ref_hi"]``) whichever levels were asked for;
        the spread of Theta's additive errors carried to the level of its forecast (see
        :func:`intervals.to_forecast_level`); for Croston and TSB, whose own bounds are clipped
        error quantiles, not a normal interval, their mean squared one-step error
        (:func:`~earlyhelp.forecast.models.intermittent_variance`)."""
        var = _intervals.model_variance(res["mean"], res["ref_lo"][:, None, :], res["ref_hi"][:, None, :],
                                        [_VARIANCE_LEVEL])
        if getattr(model, "kind", None) in INTERMITTENT_KINDS and res.get("fitted") is not None:
            mse = intermittent_variance(panel.y, res["fitted"], panel.indptr)
            # where the model gave no interval (too few errors), it claims no variance either
            return np.where(np.isfinite(var), mse[:, None], np.nan)
        if getattr(model, "kind", None) != "Theta":
            return var
        theta = theta_fitted(res["method"])
        return np.where(theta[:, None], _intervals.to_forecast_level(var, res["mean"], panel.history_means()), var)

    def _backtests(self, model: Any, panel: _Panel, h: int, phase0: np.ndarray) -> Dict[str, np.ndarray]:
        """Rolling-origin backtests of this model on each series' own history: point
        forecasts, the variance the model claimed and the actuals, each (S, windows, h)
        (NaN where a series was too short for a window)."""
        S, W = panel.n_series, self.interval_windows
        out = {k: np.full((S, W, h), np.nan) for k in ("mean", "var", "actual")}
        step = _intervals.window_step(h)
        for w in range(W):
            drop = h + w * step
            train, keep = panel.truncate(drop)
            # too short to learn from: the window is left out for that series
            long_enough = train.lengths() >= 2 * max(self.season_length, 4)
            if not long_enough.any():
                continue
            sub = np.flatnonzero(long_enough)
            train = _Panel(train.uids[sub], np.concatenate([train.y[train.indptr[i]:train.indptr[i + 1]]
                                                            for i in sub]),
                           np.concatenate([[0], np.cumsum(train.lengths()[sub])]).astype(np.int64),
                           train.start[sub], train.grid,
                           None if train.X is None else np.concatenate(
                               [train.X[train.indptr[i]:train.indptr[i + 1]] for i in sub]),
                           train.exog)
            idx = keep[sub]
            lengths = panel.lengths()[idx]
            rows = np.concatenate([panel.indptr[i] + (n - drop) + np.arange(h) for i, n in zip(idx, lengths)])
            X_future = panel.X[rows] if panel.X is not None else None
            res = self._run_one(model, train, h, X_future, phase0[idx])
            out["mean"][idx, w] = res["mean"]
            out["var"][idx, w] = self._claimed_variance(model, train, res)
            out["actual"][idx, w] = panel.y[rows].reshape(len(idx), h)
        return out

    def _run_core(self, model: CoreModel, panel: _Panel, h: int, levels: List[float],
                  X_future: Optional[np.ndarray], phase0: np.ndarray,
                  want_fitted: bool) -> Dict[str, Any]:
        X = Xf = None
        flat = np.zeros((panel.n_series, 0), dtype=bool)
        if model.exog:
            cols = [panel.exog.index(c) for c in model.exog]
            X = np.array(panel.X[:, cols], dtype=np.float64, order="C")
            Xf = np.array(X_future[:, cols], dtype=np.float64, order="C")
            flat = _flat_exog(X, Xf, panel.indptr, h)
        with naming(_TABLE), _progress(panel.n_series, model.alias) as callback:
            res = core.forecast_series(
                model._core_spec(), y=panel.y, indptr=panel.indptr, h=h, levels=[float(lv) for lv in levels],
                X=X, X_future=Xf, phase0=phase0, n_threads=self.n_jobs, fitted=want_fitted, progress=callback)
        if model.kind == "Theta" and levels:
            theta_bounds(res, panel.lengths(), bool(getattr(model, "optimized", False)), levels)
        if model.kind in INTERMITTENT_KINDS and levels:
            intermittent_bounds(res)  # error quantiles of rare demands fell below the point forecast
        res["flat_exog"] = flat  # for _note_count_regression, on the fit whose output is returned
        return res

    @staticmethod
    def _values(value: Any, h: int, key: str) -> np.ndarray:
        """The first ``h`` values of a Python model's output ``key`` (at least ``h`` numbers)."""
        arr = np.asarray(value, dtype=float).ravel()
        if len(arr) < h:
            raise ValueError(f"{key!r} has {len(arr)} values, {h} were asked for")
        return arr[:h]

    @staticmethod
    def _check_python_output(mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, levels: List[float]) -> None:
        """Raise (a failure of the model, as an exception in it is) on output no forecast can hold:
        a missing or infinite mean, an infinite bound, a lower bound above the upper one. Bounds
        left NaN are a model that gives no interval."""
        if not np.isfinite(mean).all():
            step = int(np.flatnonzero(~np.isfinite(mean))[0])
            raise ValueError(f"'mean' is missing or infinite ({mean[step]}) at step {step + 1}")
        for k, lv in enumerate(levels):
            if np.isinf(lo[k]).any() or np.isinf(hi[k]).any():
                raise ValueError(f"the {lv:g}% bounds are infinite")
            crossed = np.flatnonzero(lo[k] > hi[k])
            if len(crossed):
                step = int(crossed[0])
                raise ValueError(f"'lo-{lv:g}' ({lo[k, step]}) is above 'hi-{lv:g}' ({hi[k, step]}) at step {step + 1}")

    def _run_python(self, model: Any, panel: _Panel, h: int, levels: List[float],
                    X_future: Optional[np.ndarray]) -> Dict[str, Any]:
        S, L = panel.n_series, len(levels)
        mean = np.full((S, h), np.nan)
        lo = np.full((S, L, h), np.nan)
        hi = np.full((S, L, h), np.nan)
        fitted = np.full(len(panel.y), np.nan)
        cols = [panel.exog.index(c) for c in (getattr(model, "exog", None) or [])]
        with _progress(S, model.alias) as callback:
            for i in range(S):
                if callback is not None:
                    callback(i, S)
                a, b = panel.indptr[i], panel.indptr[i + 1]
                X = panel.X[a:b][:, cols] if cols else None
                Xf = X_future[i * h:(i + 1) * h][:, cols] if cols else None
                try:
                    m = copy.deepcopy(model).fit(panel.y[a:b].copy(), X)
                    res = m.predict(h, X=Xf, level=levels or None)
                    if not isinstance(res, Mapping) or "mean" not in res:
                        raise TypeError(f"predict returned {type(res).__name__} without a 'mean' "
                                        "(it must return a dict with 'mean', see earlyhelp.forecast.models)")
                    mean[i] = self._values(res["mean"], h, "mean")
                    for k, lv in enumerate(levels):
                        for key, arr in ((f"lo-{lv}", lo), (f"hi-{lv}", hi)):
                            value = res.get(key, res.get(key.replace(f"{lv}", f"{int(lv)}")
                                                         if float(lv).is_integer() else key))
                            if value is not None:
                                arr[i, k] = self._values(value, h, key)
                    self._check_python_output(mean[i], lo[i], hi[i], levels)
                except Exception as err:  # a user's model: say which model and series failed
                    raise ModelError(Problem("Forecaster", "models", f"Python model {model.alias!r} failed on "
                                             f"series {panel.uids[i]!r}: {type(err).__name__}: {err}")) from err
                fit_values = getattr(m, "fitted_", None)
                if fit_values is not None and len(fit_values) == b - a:
                    fitted[a:b] = np.asarray(fit_values, dtype=float)
        return {"mean": mean, "lo": lo, "hi": hi, "fitted": fitted,
                "method": [model.alias] * S, "fallback": np.zeros(S, dtype=bool)}
