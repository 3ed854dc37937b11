"""The scheduled forecast run: data -> series -> forecasts -> capacity -> published outputs.

The same public calls a user makes in a notebook (``demand_series``, ``aggregate``,
``Forecaster``, ``reconcile``, ``accuracy``, ``capacity``) strung together, with
everything that is published passing through small-number suppression.

Outputs (one folder per run, see :class:`earlyhelp.report.runfolder.RunFolder`)::

    observed.{csv,parquet}    observed counts per series and period, suppressed ("c")
    forecasts.{csv,parquet}   every model, point and intervals, reconciled
    accuracy.{csv,parquet}    rolling-origin backtest accuracy per model and series
    capacity.{csv,parquet}    open caseload and practitioners (FTE) needed, per scenario and series
                              (``level``: locality, council or region, as forecast.hierarchy names them)
    plots/*.png               history and forecasts, accuracy, capacity
    report.html               the self-contained report for managers
    run.json                  version, config, inputs (rows, hashes), exclusions, timings, file hashes

Places are named, never coded, in what people read: the report, the plots, and the
``council`` and ``locality`` columns each table carries beside its ``unique_id`` key (names
from the ``localities`` table; the id where none is recorded).

Everything except ``run.json`` (which holds timings) is byte-identical when the
same config runs on the same data into an output folder holding the same earlier runs: the
council's packs and forecasts already there decide which further cells are hidden, so
``run.json`` lists each one read (``earlier_runs``: its run id and the SHA-256 of its
``run.json``) and the run digest covers them.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .. import _native
from .._errors import ConfigError, Problem, ValidationError
from ..results import Excluded, Exclusions
from .._tomlfile import located
from .config import Config, ForecastConfig

log = logging.getLogger("earlyhelp")

SEP = "/"           # separator of the levels in series ids (as forecast.aggregate)
LEVEL_COLUMNS = {"locality": "locality_id", "council": "council_code", "region": "region_code"}


@dataclass
class RunResult:
    """What ``earlyhelp forecast`` did: the run folder (None for a dry run) and a summary of it."""

    run_id: str
    folder: Optional[Path]
    timings: Dict[str, float] = field(default_factory=dict)
    inputs: Dict[str, Any] = field(default_factory=dict)
    excluded: Exclusions = Exclusions()
    files: Dict[str, str] = field(default_factory=dict)
    n_series: int = 0
    best_model: Optional[str] = None
    best_mase: Optional[float] = None


# ---------------------------------------------------------------------------------
def run_forecast(cfg: Config, *, dry_run: bool = False, run_id: Optional[str] = None) -> RunResult:
    """Run the forecast described by ``cfg``; write a new run folder (unless ``dry_run``).

    ``dry_run`` loads and validates the data and builds the series (so data problems
    surface), then stops without forecasting or writing anything.

    The run folder is written holding the output folder's lock
    (:func:`earlyhelp.report.outputlock.output_lock`): from reading the council's earlier runs there
    until it is published, no other run publishes into the folder.

    Raises
    ------
    ValidationError / ConfigError
        Bad data or config (the CLI exits with code 2).
    OutputFolderBusy
        Another run held the output folder for longer than the run waits (``$EARLYHELP_LOCK_TIMEOUT``).
    """
    from ..forecast import best_model
    from ..report.ledger import earlier_run_records
    from ..report.outputlock import lock_timeout, output_lock
    from ..report.runfolder import RunFolder, new_run_id, run_digest
    from ..sources import content_hash, load_source

    from ..report.publish import PublishPolicy

    # made first: a missing pseudonymisation key stops the run before it computes anything
    policy = PublishPolicy(threshold=cfg.suppression_threshold, pseudonymise=cfg.pseudonymise)
    wait = lock_timeout()     # a bad $EARLYHELP_LOCK_TIMEOUT, too
    steps = _native.Steps("earlyhelp forecast", ["load data", "series", "forecast", "reconcile", "backtest", "capacity",
                                                 "write outputs"], log)
    try:
        with steps.step("load data"):
            ds = load_source(cfg.source)
            # the extract as read, as validate, score and network record it: the same whatever the key
            inputs = content_hash(ds)
            if cfg.pseudonymise:
                from ..report.pseudonymise import pseudonymise

                ds = pseudonymise(ds)
            # a loader lists what it left out as Excluded items in meta["excluded"]
            excluded = Exclusions(ds.meta.get("excluded") or ()).at_step("load data")
        with steps.step("series"):
            data = forecast_data(ds, cfg)
            Y_df, S_df, tags, names = data.Y_df, data.S_df, data.tags, data.names
            excluded += data.excluded
        n_series = int(Y_df["unique_id"].nunique())
        if dry_run:
            digest = run_digest(_settings(cfg, data.earlier_runs), inputs)
            log.info("dry run: config and data are valid (%s series, %s periods); nothing written",
                     n_series, Y_df["ds"].nunique())
            return RunResult(run_id=run_id or new_run_id(digest), folder=None, timings=steps.timings, inputs=inputs,
                             excluded=excluded, n_series=n_series)

        fc = cfg.forecast
        with steps.step("forecast"):
            forecaster = _forecaster(cfg)
            need_fitted = fc.reconcile == "mint_shrink"
            forecasts = forecaster.forecast(df=Y_df, h=fc.horizon, level=list(fc.levels), fitted=need_fitted)
            fitted = forecaster.forecast_fitted_values() if need_fitted else None
            excluded += _forecaster_exclusions(forecaster)
        with steps.step("reconcile"):
            if fc.reconcile != "none":
                from ..forecast import reconcile

                forecasts = reconcile(forecasts, S_df, fc.reconcile, insample=fitted, tags=tags,
                                      level=list(fc.levels), nonnegative=_bounded_at_0(fc))
        with steps.step("backtest"):
            backtest_facts: Dict[str, Any] = {}
            accuracy_table = backtest(cfg, Y_df, record=backtest_facts)
            excluded += backtest_facts.pop("excluded", Exclusions())
        with steps.step("capacity"):
            capacity_table = capacity_plan(cfg, ds, forecasts, accuracy_table, Y_df)
            excluded += capacity_table.excluded_history.at_step("capacity")

        with steps.step("write outputs"), output_lock(cfg.output, timeout=wait):
            # one run at a time in the folder, from reading its earlier runs to publishing: read again
            # here, as another run may have published since the check before the work
            read: List[Dict[str, Any]] = []
            earlier = earlier_cells(cfg.output, Y_df, names, found=read, synthetic=cfg.source.kind == "synthetic")
            used = earlier_run_records(read)
            # the earlier runs read decide which further cells are hidden: they are inputs of the run
            digest = run_digest(_settings(cfg, used), inputs)
            rid = run_id or new_run_id(digest)
            with RunFolder(cfg.output, rid, policy=policy) as folder:
                by_earlier: List[Dict[str, Any]] = []
                suppressed = write_outputs(folder, cfg, Y_df, forecasts, accuracy_table, capacity_table, excluded,
                                           inputs, names=names, earlier=earlier,
                                           backtest_windows=backtest_facts.get("windows_run", fc.backtest_windows),
                                           earlier_run_ids=[str(r["run_id"]) for r in used],
                                           withheld_by_earlier=by_earlier)
                if by_earlier:
                    log.warning("%s", _withheld_by_earlier_text(by_earlier, cfg.output))
                record = folder.record(
                    "forecast", digest=digest, inputs=inputs, excluded=excluded, timings=steps.timings,
                    config=cfg.describe(),
                    # what loading did to the data: defaults filled, unknown codes, derived tables
                    load_report=ds.meta.get("load_report"),
                    pseudonymised=ds.meta.get("pseudonymised"),
                    series={"n_series": n_series, "first_period": _iso(Y_df["ds"].min()),
                            "last_period": _iso(Y_df["ds"].max())},
                    backtest=backtest_facts,
                    capacity=({"model": capacity_table.model, "episode_durations": capacity_table.durations}
                              if len(capacity_table) else None),
                    reconciliation=_reconciliation(forecasts),
                    suppression={"threshold": cfg.suppression_threshold, "observed": suppressed},
                    earlier_runs=used,
                    # the series withheld only because earlier runs in the folder hid observed counts of them
                    **({"withheld_by_earlier_runs": by_earlier} if by_earlier else {}))
        log.info("wrote %s", folder.final)
        model = best_model(accuracy_table, fc.models)
        mase = _mean_mase(accuracy_table, model)
        return RunResult(run_id=folder.run_id, folder=folder.final, timings=steps.timings, inputs=inputs,
                         excluded=excluded, files=record["files"], n_series=n_series, best_model=model,
                         best_mase=mase)
    finally:
        steps.close()


@dataclass
class ForecastData:
    """The series a forecast runs on and what checking them found (:func:`forecast_data`)."""

    Y_df: pd.DataFrame
    S_df: pd.DataFrame
    tags: Dict[str, Any]
    excluded: Exclusions
    names: Any
    #: the council's earlier runs in the output folder (:func:`earlier_run_records`), read to check it
    earlier_runs: List[Dict[str, Any]]


def forecast_data(ds, cfg: Config) -> ForecastData:
    """The series of ``cfg``'s forecast from ``ds``, checked as the run needs them, before any
    model is fitted: what ``earlyhelp forecast --dry-run`` and ``earlyhelp validate --config``
    check, so that neither says "valid" for a run that then fails.

    Raises
    ------
    ConfigError
        ``forecast.start`` / ``forecast.end`` leave no complete period of the data, or the
        backtest's windows leave no period to learn from (naming the config's keys and lines).
    ValidationError
        The data give no complete period, or a run folder in ``run.output`` cannot be read as
        the earlier run the forecast must take account of (the forecast would fail on it only
        after its work).
    """
    from ..data.names import Names
    from ..report.ledger import earlier_run_records

    bottom, excluded = demand_history(ds, cfg)
    Y_df, S_df, tags = _aggregate(bottom, cfg)
    backtest_windows_possible(cfg, Y_df)
    names = Names.of(ds)
    # read without the output folder's lock (the run reads it again under the lock, to publish)
    read: List[Dict[str, Any]] = []
    try:
        earlier_cells(cfg.output, Y_df, names, found=read, synthetic=cfg.source.kind == "synthetic")
    except ValidationError as exc:
        raise ValidationError([_not_a_run_hint(p) for p in exc.problems]) from None
    return ForecastData(Y_df=Y_df, S_df=S_df, tags=tags, excluded=excluded, names=names,
                        earlier_runs=earlier_run_records(read))


#: a run folder's name ends in its run id's date, time and digest (``20250401-060000-0123456789``)
_RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{10}")


def _not_a_run_hint(problem: Problem) -> Problem:
    """``problem`` with a hint when the folder it names has no ``run.json`` and no run id in its
    name: not an earlier run at all, but a folder someone put in the output folder."""
    file = Path(str(problem.table))
    folder = file.parent
    if file.name != "run.json" or file.exists() or _RUN_ID.search(folder.name):
        return problem
    hint = (f" ({folder.name} has no run.json and is not named as a run folder: if it is not a run, move it out "
            "of the output folder, which holds run folders only)")
    return dataclasses.replace(problem, message=problem.message + hint)


def _reconciliation(forecasts: pd.DataFrame) -> Optional[Dict[str, Any]]:
    """How the forecasts were reconciled (None when they were not): count bounds set to 0,
    reconciled points left below 0 and, bounded at 0, points held there, per model."""
    if not getattr(forecasts, "reconciliation", ""):
        return None
    return {"method": forecasts.reconciliation, "interval_errors": forecasts.interval_errors,
            "bounds_clipped_to_0": dict(forecasts.bounds_clipped_to_0),
            "points_below_0": dict(forecasts.points_below_0),
            "nonnegative": bool(forecasts.nonnegative),
            "points_held_at_0": dict(forecasts.points_held_at_0)}


def _bounded_at_0(fc: ForecastConfig) -> bool:
    """Whether the run reconciles with MinTrace bounded at 0 (the bound belongs to MinTrace)."""
    return bool(fc.nonnegative) and fc.reconcile.startswith("mint_")


def _reconciled_as(fc: ForecastConfig) -> str:
    """The reconciliation as the report names it."""
    return fc.reconcile + (", no forecast below 0" if _bounded_at_0(fc) else "")


def _settings(cfg: Config, earlier_runs: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """What the run computes from, beside the data (whose content hash names them): the config
    without where the run goes or where the data are, and the council's earlier runs read from
    the output folder (they decide which further cells are hidden), when there are any."""
    from ..report.ledger import earlier_runs_digested

    out = cfg.settings()
    if earlier_runs:
        out["earlier_runs"] = earlier_runs_digested(earlier_runs)
    return out


def _mean_mase(accuracy_table: pd.DataFrame, model: str) -> Optional[float]:
    if accuracy_table is None or accuracy_table.empty or "mase" not in accuracy_table:
        return None
    value = accuracy_table.loc[accuracy_table["model"] == model, "mase"].mean()
    return None if pd.isna(value) else float(value)


def _iso(value) -> Optional[str]:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


# ---------------------------------------------------------------------------------
# series
# ---------------------------------------------------------------------------------
def demand_history(ds, cfg: Config) -> Tuple[pd.DataFrame, Exclusions]:
    """Bottom-level (locality) series of each measure, cut to complete periods.

    Returns the long frame ``ds, y, measure, locality_id, council_code, region_code`` and
    what was left out (events, partial periods, periods outside the configured window).
    """
    from ..forecast import demand_series

    fc = cfg.forecast
    series = demand_series(ds, freq=fc.freq, measures=list(fc.measures), by="locality")
    excluded: List[Excluded] = list(series.excluded.at_step("series"))
    for start, reason in series.dropped_periods:
        excluded.append(Excluded("series", f"period {_iso(start)} dropped ({reason})", 1, unit="periods",
                                 step="series"))
    series = pd.DataFrame(series)
    series["ds"] = pd.to_datetime(series["ds"])
    if series.empty:
        raise ValidationError([Problem("series", None, "no complete periods of data to forecast from: check the "
                                       "dates in the data (requests' received_date, episodes' start_date)")])
    data_first, data_last = series["ds"].min(), series["ds"].max()
    # demand_series keeps complete periods only; forecast.start / end narrow the window further
    keep = pd.Series(True, index=series.index)
    if fc.end:
        after = series["ds"] > pd.Timestamp(fc.end)
        excluded.append(Excluded("series", f"period after forecast.end ({fc.end})", int(after.sum()),
                                 step="series"))
        keep &= ~after
    if fc.start:
        before = series["ds"] < pd.Timestamp(fc.start)
        excluded.append(Excluded("series", f"period before forecast.start ({fc.start})", int(before.sum()),
                                 step="series"))
        keep &= ~before
    if not keep.any():
        raise _window_problem(cfg, data_first, data_last)
    series = series.loc[keep]
    # demand_series zero-fills from the earliest event of any measure; a measure recorded from a
    # later date (a new system, a new form) would start with a run of false zeros
    totals = series.groupby(["measure", "ds"], observed=True)["y"].sum()
    first = totals[totals > 0].reset_index().groupby("measure", observed=True)["ds"].min()
    lead = series["ds"] < series["measure"].map(first).fillna(series["ds"].min())   # never recorded: keep the zeros
    for measure, n in series.loc[lead].groupby("measure", observed=True).size().items():
        excluded.append(Excluded("series", f"periods before the first recorded {measure} "
                                           f"({_iso(first.get(measure))})", int(n), step="series",
                                 measure=str(measure)))
    series = series.loc[~lead]
    if series.empty:
        raise ValidationError([Problem("series", None, "no complete periods of data to forecast from: check "
                                       "forecast.start / forecast.end and the dates in the data")])
    for col in ("measure", "locality_id", "council_code", "region_code"):
        if col not in series.columns:
            raise ValidationError([Problem("series", col, "demand_series did not return this column")])
    unplaced = series["locality_id"].isna() | series["council_code"].isna()
    excluded.append(Excluded("series", "no locality or council (cannot place in the hierarchy)",
                             int(unplaced.sum()), step="series"))
    series = series.loc[~unplaced]
    if "region_code" in series:
        series["region_code"] = series["region_code"].astype(object).where(series["region_code"].notna(), "unknown")
    return series.reset_index(drop=True), Exclusions(excluded)


def _window_problem(cfg: Config, first: pd.Timestamp, last: pd.Timestamp) -> ConfigError:
    """The config error of a forecast window (``forecast.start`` / ``forecast.end``) that holds
    none of the data's complete periods, at the key's line, with the periods the data give."""
    fc = cfg.forecast
    span = f"the data's complete periods run from {_iso(first)} to {_iso(last)}"
    problems = []
    if fc.start and pd.Timestamp(fc.start) > last:
        problems.append(Problem(cfg.path or "config", "forecast.start", f"is after the last complete period of the "
                                f"data ({_iso(last)}): {span}; give a start within them, or leave it out",
                                value=fc.start))
    if fc.end and pd.Timestamp(fc.end) < first:
        problems.append(Problem(cfg.path or "config", "forecast.end", f"is before the first complete period of the "
                                f"data ({_iso(first)}): {span}; give an end within them, or leave it out",
                                value=fc.end))
    if not problems:
        problems.append(Problem(cfg.path or "config", "forecast.start" if fc.start else "forecast.end",
                                f"forecast.start ({fc.start or 'not given'}) to forecast.end ({fc.end or 'not given'}) "
                                f"holds no complete period of the data: {span}", value=fc.start or fc.end))
    return ConfigError(located(problems, cfg.path or "config"))


def _aggregate(bottom: pd.DataFrame, cfg: Config):
    from ..forecast import aggregate

    # measure > region > council > locality, from the highest level asked for down
    cols = ["measure"] + [LEVEL_COLUMNS[level] for level in reversed(cfg.forecast.hierarchy)]
    spec = [cols[:k] for k in range(2, len(cols) + 1)]
    frame = bottom[["ds", "y", *cols]].copy()
    for c in cols:
        frame[c] = frame[c].astype(str)
    return aggregate(frame, spec)


def _forecaster(cfg: Config):
    """The configured models; each takes ``forecast.season_length`` from the Forecaster."""
    from .. import forecast

    fc = cfg.forecast
    models = [getattr(forecast, name)() for name in fc.models]
    return forecast.Forecaster(models=models, freq=fc.freq, season_length=fc.season_length)


def _forecaster_exclusions(forecaster) -> Exclusions:
    out = []
    excluded = forecaster.excluded_
    for reason, n in excluded.groupby("reason").size().items():
        out.append(Excluded("series", str(reason), int(n), unit="series", step="forecast"))
    fallbacks = forecaster.fallbacks_
    for (model, method), n in fallbacks.groupby(["model", "method"]).size().items():
        out.append(Excluded("series", f"{model} fell back to {method}", int(n), unit="series", step="forecast"))
    return Exclusions(out)


# ---------------------------------------------------------------------------------
# backtest and capacity
# ---------------------------------------------------------------------------------
def backtest(cfg: Config, Y_df: pd.DataFrame, *, record: Optional[Dict[str, Any]] = None) -> pd.DataFrame:
    """Rolling-origin accuracy per model and series (empty when backtest_windows = 0).

    ``record``, when given, is filled with what run.json says of the backtest: ``windows_asked``,
    ``windows_run`` (the windows in which at least one series was scored: a window whose cutoff
    leaves no period before it is not run) and, where they differ or series were left out of
    windows, ``reason``; and ``excluded``, the series left out of windows
    (:class:`~earlyhelp.results.Exclusions`, step ``backtest``).
    """
    fc = cfg.forecast
    facts: Dict[str, Any] = {"windows_asked": fc.backtest_windows, "windows_run": 0}
    if record is not None:
        record.update(facts)
    if fc.backtest_windows == 0:
        return pd.DataFrame(columns=["unique_id", "model"])
    from ..forecast import accuracy

    forecaster = _forecaster(cfg)
    try:
        cv = forecaster.cross_validation(Y_df, h=fc.horizon, n_windows=fc.backtest_windows,
                                         step_size=fc.backtest_step, level=list(fc.levels))
        table = accuracy(cv, train_df=Y_df, season_length=fc.season_length, level=list(fc.levels))
    except ValidationError as exc:
        where = located([_backtest_problem(cfg, Y_df)], cfg.path or "config")
        raise ConfigError(where + list(exc.problems)) from None
    if record is not None:
        record.update(_backtest_facts(cfg, Y_df, getattr(forecaster, "cv_excluded_", None)))
    return table.reset_index(drop=True)


def _backtest_facts(cfg: Config, Y_df: pd.DataFrame, left_out: Optional[pd.DataFrame]) -> Dict[str, Any]:
    """``windows_asked``, ``windows_run``, ``reason`` and ``excluded`` of a backtest that ran
    (see :func:`backtest`), from the forecaster's ``cv_excluded_`` (one row per window and
    series left out of it)."""
    fc = cfg.forecast
    n_series = int(Y_df["unique_id"].nunique())
    left_out = left_out if left_out is not None else pd.DataFrame(columns=["window", "unique_id", "reason"])
    per_window = left_out.groupby("window")["unique_id"].nunique() if len(left_out) else pd.Series(dtype=int)
    not_run = int((per_window >= n_series).sum())
    facts: Dict[str, Any] = {"windows_asked": fc.backtest_windows, "windows_run": fc.backtest_windows - not_run}
    reasons = []
    if not_run:
        periods = int(Y_df.groupby("unique_id")["ds"].nunique().max())
        empty = left_out[left_out["window"].isin(per_window[per_window >= n_series].index)]
        why = "; ".join(sorted(set(map(str, empty["reason"]))))
        reasons.append(f"{not_run} of the {fc.backtest_windows} windows asked for (forecast.backtest_windows, "
                       f"forecast.backtest_step = {fc.backtest_step} periods apart, forecast.horizon = "
                       f"{fc.horizon}) left every series out, as the series have at most {periods} periods: {why}")
    excluded = []
    for reason, rows in left_out.groupby("reason") if len(left_out) else ():
        series, windows = int(rows["unique_id"].nunique()), int(rows["window"].nunique())
        excluded.append(Excluded("series", f"left out of {windows} of the {fc.backtest_windows} backtest windows "
                                 f"asked for: {reason}", series, unit="series", step="backtest"))
    partly = left_out[~left_out["window"].isin(per_window[per_window >= n_series].index)] if len(left_out) else left_out
    if len(partly):
        reasons.append(f"{int(partly['unique_id'].nunique())} series were left out of some of the windows run "
                       "(see excluded, step backtest)")
    if reasons:
        facts["reason"] = "; ".join(reasons)
    facts["excluded"] = Exclusions(excluded)
    return facts


def backtest_windows_possible(cfg: Config, Y_df: pd.DataFrame) -> int:
    """How many of the backtest's windows leave at least one period before their cutoff, for
    the longest series; checked before any model is fitted. Fewer than asked is said in the log
    (the run records how many ran); none is a config error naming the keys.

    Raises
    ------
    ConfigError
        ``forecast.backtest_windows`` > 0 and no window has a period before its cutoff.
    """
    fc = cfg.forecast
    if fc.backtest_windows == 0 or not len(Y_df):
        return 0
    periods = int(Y_df.groupby("unique_id")["ds"].nunique().max())
    possible = sum(1 for w in range(fc.backtest_windows)
                   if periods - fc.horizon - fc.backtest_step * (fc.backtest_windows - 1 - w) >= 1)
    if possible == 0:
        raise ConfigError(located([_backtest_problem(cfg, Y_df)], cfg.path or "config"))
    if possible < fc.backtest_windows:
        log.warning("forecast.backtest_windows = %d: the data's %d periods hold %d of them (forecast.horizon = %d, "
                    "forecast.backtest_step = %d apart); the earlier windows start before the data and are not run "
                    "(run.json's backtest records both)", fc.backtest_windows, periods, possible, fc.horizon,
                    fc.backtest_step)
    return possible


def _backtest_problem(cfg: Config, Y_df: pd.DataFrame) -> Problem:
    """The config keys behind a backtest that cannot be run or scored: its windows take so many
    periods that the first leaves too little history (less than a season, or none) to learn from."""
    fc = cfg.forecast
    periods = int(Y_df["ds"].nunique())
    windows = fc.horizon + (fc.backtest_windows - 1) * fc.backtest_step
    return Problem(cfg.path or "config", "forecast.backtest_windows",
                   f"the backtest's windows ({fc.backtest_windows} of forecast.horizon = {fc.horizon} periods, "
                   f"forecast.backtest_step = {fc.backtest_step} apart) take {windows} of the {periods} periods of "
                   f"data, leaving too little before them to learn from (forecast.season_length = "
                   f"{fc.season_length}): give fewer backtest_windows, a smaller backtest_step or horizon, or "
                   "backtest_windows = 0 for no backtest", value=fc.backtest_windows)


#: closed episodes needed before their durations (Kaplan-Meier) replace capacity.episode_weeks
MIN_CLOSED_EPISODES = 30
#: config scenario keys -> :func:`earlyhelp.forecast.capacity` scenario keys
SCENARIO_KEYS = {"demand_multiplier": "inflow", "duration_multiplier": "duration",
                 "caseload_per_fte": "caseload_per_fte"}


def capacity_plan(cfg: Config, ds, forecasts: pd.DataFrame, accuracy_table: pd.DataFrame,
                  Y_df: pd.DataFrame):
    """Open caseload and practitioners (FTE) needed per locality and council, baseline and scenarios.

    Uses :func:`earlyhelp.forecast.capacity` on the forecast of ``capacity.measure`` by the most
    accurate model, with the observed history (episodes already open at the forecast origin
    count) and the Kaplan-Meier duration of the data's episodes when enough have closed.
    A :class:`~earlyhelp.forecast.CapacityPlan`: columns ``scenario, unique_id, level, area, ds,
    episodes_opened, caseload, fte`` and intervals (``level`` is the series' level of
    ``forecast.hierarchy``: ``locality``, ``council`` or ``region``); ``durations`` says which
    episode durations were used (empty without a ``[capacity]`` section).
    """
    from ..data.names import Names
    from ..report.suppression import shown_count
    from ..forecast import CapacityPlan, best_model, capacity, episode_duration_curve

    if cfg.capacity is None:
        return CapacityPlan.of(pd.DataFrame())
    cap = cfg.capacity
    model = best_model(accuracy_table, cfg.forecast.models)
    prefix = f"{cap.measure}{SEP}"
    inflow = forecasts[forecasts["unique_id"].astype(str).str.startswith(prefix)]
    keep = ["unique_id", "ds", model] + [c for c in inflow.columns if c.startswith(f"{model}-lo-")
                                         or c.startswith(f"{model}-hi-")]
    inflow = inflow[keep].copy()
    history = Y_df[Y_df["unique_id"].astype(str).str.startswith(prefix)][["unique_id", "ds", "y"]]
    curve, duration = None, f"every episode lasts {cap.episode_weeks:g} weeks (capacity.episode_weeks)"
    closed = int(ds["episodes"]["end_date"].notna().sum())
    if closed >= MIN_CLOSED_EPISODES:
        curve = episode_duration_curve(ds)
        shown = lambda n: shown_count(n, cfg.suppression_threshold)  # noqa: E731 - run.json and report.html are published
        duration = (f"Kaplan-Meier durations of {shown(curve.n_closed)} closed and {shown(curve.n_open)} open "
                    f"episodes (mean {curve.mean_weeks:.1f} weeks)")
    scenarios = {name: {SCENARIO_KEYS[k]: v for k, v in params.items()} for name, params in cap.scenarios.items()}
    plan = capacity(inflow, caseload_per_fte=cap.caseload_per_fte, episode_weeks=cap.episode_weeks,
                     duration_curve=curve, scenarios=scenarios, model=model, history=history,
                     level=list(cfg.forecast.levels))
    table = pd.DataFrame(plan)
    # ids run measure/<top level>/.../locality (see _aggregate, which escapes "/" in a value): the
    # number of separators is the level, counted from the top configured one
    level_of_depth = dict(enumerate(reversed(cfg.forecast.hierarchy), start=1))
    table.insert(2, "level", table["unique_id"].str.count(SEP).map(level_of_depth))
    # the area in words: the locality's or the council's name (its code where it has none)
    names = Names.of(ds)
    places = {u: names.series_label(u).rsplit(" / ", 1)[-1] for u in table["unique_id"].unique()}
    table.insert(3, "area", table["unique_id"].map(places))
    order = {name: k for k, name in enumerate(["baseline", *scenarios])}
    table = table.sort_values(["scenario", "unique_id", "ds"], key=lambda c: c.map(order) if c.name == "scenario"
                              else c).reset_index(drop=True)
    cols = ["scenario"] + [c for c in table.columns if c != "scenario"]
    return CapacityPlan.of(table[cols], **{**plan.facts(), "durations": duration})


# ---------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------
def suppressed_history(Y_df: pd.DataFrame, threshold: int, earlier: Optional[pd.DataFrame] = None):
    """Observed counts for publication: every series and period, small counts suppressed.

    Secondary suppression uses the hierarchy in the ids (``measure/council`` is the sum of
    ``measure/council/locality``), so a hidden locality count cannot be recovered from the
    council total. ``earlier``: what the council's runs already in the output folder published
    of these cells (``unique_id``, ``ds``, ``shown``, ``hidden``; :func:`earlier_cells`): a
    cell one of them hid is hidden here too, and one they showed is known (never hidden to
    protect another). Returns a :class:`~earlyhelp.report.suppression.Suppressed` table.
    """
    from ..report.suppression import Suppressed, suppress

    frame = Y_df[["unique_id", "ds", "y"]].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    ids = set(frame["unique_id"])
    parents = {}
    for uid in ids:
        parent = uid.rsplit(SEP, 1)[0] if SEP in uid else None
        if parent in ids:
            parents[uid] = parent
    # a child series may not cover every period of its parent: fill with 0 so relations hold
    grid = pd.MultiIndex.from_product([sorted(ids), sorted(frame["ds"].unique())], names=["unique_id", "ds"])
    frame = frame.set_index(["unique_id", "ds"]).reindex(grid, fill_value=0).reset_index()
    frame["y"] = frame["y"].round().astype("int64")
    known = {}
    if earlier is not None and len(earlier):
        before = frame[["unique_id", "ds"]].merge(earlier, on=["unique_id", "ds"], how="left", validate="one_to_one")
        small = ((frame["y"] >= 1) & (frame["y"] <= threshold)).to_numpy()
        # a small count another run showed is hidden here all the same (this run's threshold), but
        # as protection it counts for nothing
        shown = before["shown"].eq(True).to_numpy() & ~small
        known = {"hidden": {"y": before["hidden"].eq(True).to_numpy() & ~shown}, "published": {"y": shown}}
    out = suppress(frame, "y", dims=["unique_id", "ds"], hierarchies={"unique_id": parents}, threshold=threshold,
                   **known)
    return Suppressed.of(out.sort_values(["unique_id", "ds"]).reset_index(drop=True), **out.facts())


def withheld_by_earlier_runs(Y_df: pd.DataFrame, threshold: int, history: pd.DataFrame,
                             run_ids: List[str] = (), names=None) -> List[Dict[str, Any]]:
    """The series withheld whole only because the earlier runs in the output folder hid observed
    counts of them: hidden in ``history`` (:func:`suppressed_history` with the earlier runs'
    cells) and not in the same counts suppressed alone.

    Parameters
    ----------
    Y_df : DataFrame
        the observed counts (``unique_id``, ``ds``, ``y``).
    threshold : int
        counts ``1..threshold`` are hidden.
    history : DataFrame
        :func:`suppressed_history` of ``Y_df`` with the earlier runs' cells.
    run_ids : list of str
        the earlier runs read.
    names : Names, optional
        the places' names, for ``area``.

    Returns
    -------
    list of dict
        per series: ``series`` (its id), ``area`` (its place in words), ``periods`` (its observed
        periods hidden only because of the earlier runs), ``periods_hidden`` (all its hidden
        periods) and ``earlier_runs`` (the run ids read), in the order of the series ids.
    """
    alone = suppressed_history(Y_df, threshold)
    hidden_alone = hidden_series(alone)
    extra = sorted(hidden_series(history) - hidden_alone)
    if not extra:
        return []
    now = history[["unique_id", "ds", "y_status"]].assign(unique_id=lambda f: f["unique_id"].astype(str))
    was = alone[["unique_id", "ds", "y_status"]].assign(unique_id=lambda f: f["unique_id"].astype(str))
    both = now[now["unique_id"].isin(extra)].merge(was, on=["unique_id", "ds"], suffixes=("", "_alone"))
    by_run = both["y_status"].eq("c") & both["y_status_alone"].ne("c")
    periods = by_run.groupby(both["unique_id"]).sum()
    total = both["y_status"].eq("c").groupby(both["unique_id"]).sum()
    areas = names.series_columns(pd.Series(extra)) if names is not None else None
    out = []
    for k, uid in enumerate(extra):
        area = uid
        if areas is not None:
            locality = str(areas["locality"].iloc[k] or "") if pd.notna(areas["locality"].iloc[k]) else ""
            area = locality or str(areas["council"].iloc[k])
        out.append({"series": uid, "area": area, "periods": int(periods.get(uid, 0)),
                    "periods_hidden": int(total.get(uid, 0)), "earlier_runs": list(run_ids)})
    return out


def _withheld_by_earlier_text(withheld: List[Dict[str, Any]], output) -> str:
    """The warning a forecast gives of the series it withholds because of earlier runs."""
    runs = sorted({r for w in withheld for r in w["earlier_runs"]})
    shown = "; ".join(f"{w['series']} ({w['area']}: {w['periods']} observed periods hidden by them)"
                      for w in withheld[:8]) + (f"; and {len(withheld) - 8} more" if len(withheld) > 8 else "")
    return (f"{len(withheld)} series withheld (forecasts, accuracy and capacity) only because earlier runs in "
            f"{output} hid observed counts of them ({', '.join(runs)}): {shown}. Nothing derived from a hidden "
            "count is published; run.json lists them (withheld_by_earlier_runs)")


def earlier_cells(output, Y_df: pd.DataFrame, names, *, found: Optional[List[Dict[str, Any]]] = None,
                  synthetic: bool = False) -> Optional[pd.DataFrame]:
    """What the councils' packs and forecasts already in ``output`` published of the observed
    cells ``Y_df`` holds: ``unique_id``, ``ds``, ``shown``, ``hidden`` (None: nothing;
    :func:`earlyhelp.report.ledger.earlier_runs`). A quarter is hidden where one of its months
    was, and known where every one was shown (or the quarter itself); weeks meet no month, but
    the same week of an earlier weekly forecast (periods starting the same day). ``found``, when
    given, is filled with one dict per earlier run read (as ``earlier_runs``' ``found``).
    ``synthetic``: the data are synthetic (``earlier_runs``' ``synthetic``): runs on synthetic
    data and runs on a council's data are not read as each other's."""
    from ..measures import catalogue as measures_catalogue
    from ..report.ledger import ALL, WEEKS, earlier_runs, months_spanned, published_cells, weekly

    if names is None or not len(Y_df) or not Path(output).is_dir():
        return None                                   # no earlier run to read
    ids_of = Y_df["unique_id"].astype(str)
    span = months_spanned(ids_of, Y_df["ds"])
    weeks = span is None and weekly(ids_of, Y_df["ds"])
    if span is None and not weeks:
        return None
    ids = pd.Series(pd.unique(Y_df["unique_id"].astype(str)))
    places = names.series_columns(ids)
    series = pd.DataFrame({"unique_id": ids.to_numpy(), "measure": ids.str.split(SEP).str[0].to_numpy(),
                           "council": places["council"].astype(str).to_numpy(),
                           "locality": places["locality"].fillna("").astype(str).replace("", ALL).to_numpy()})
    series = series[series["council"].str.strip() != ""]
    catalogue = measures_catalogue()
    counted = set(catalogue.loc[catalogue["kind"].isin(["count", "stock"]), "id"])
    cells = pd.DataFrame({"unique_id": Y_df["unique_id"].astype(str).to_numpy(),
                          "start": pd.to_datetime(pd.Series(Y_df["ds"].to_numpy()))}).drop_duplicates()
    parts = []
    for council, mine in series.groupby("council", sort=False):
        # matched by council code where the data give one: a council renamed since is the same council
        codes = sorted(str(c) for c, n in getattr(names, "councils", {}).items() if str(n) == council) or None
        # a pack's lead-in year is published only as `previous`: where it is not shown, it was hidden
        before = published_cells(earlier_runs(output, council, weeks=weeks, code=codes, found=found,
                                              synthetic=synthetic),
                                 counts=counted, lead_in=True)
        before = before[before["column"] == "numerator"]
        if not len(before):
            continue
        mine = cells.merge(mine, on="unique_id")
        if weeks:      # the same week (starting the same day) of an earlier weekly forecast
            same = before[before["table"] == WEEKS].groupby(["measure", "period", "locality"], sort=False).agg(
                shown=("shown", "any"), hidden=("hidden", "any")).reset_index()
            keyed = mine.assign(period=mine["start"].dt.strftime("%Y-%m-%d")).merge(
                same, on=["measure", "period", "locality"], how="left")
            parts.append(keyed.assign(shown=keyed["shown"].eq(True), hidden=keyed["hidden"].eq(True))[
                ["unique_id", "start", "shown", "hidden"]])
            continue
        # each period's months (a quarter's three), then what the earlier runs did with each
        months = mine.loc[mine.index.repeat(span)].copy()
        months["period"] = (months["start"].dt.to_period("M") +
                            np.tile(np.arange(span), len(mine))).astype(str).to_numpy()
        monthly = before[before["table"] == "m"].groupby(["measure", "period", "locality"], sort=False).agg(
            shown=("shown", "any"), hidden=("hidden", "any")).reset_index()
        months = months.merge(monthly, on=["measure", "period", "locality"], how="left")
        got = months.groupby(["unique_id", "start"], sort=False).agg(
            shown=("shown", lambda v: bool(v.eq(True).all())), hidden=("hidden", lambda v: bool(v.eq(True).any())))
        if span > 1:     # an earlier forecast's own quarters
            same = before[before["table"] == f"s{span}"].groupby(["measure", "period", "locality"], sort=False).agg(
                shown2=("shown", "any"), hidden2=("hidden", "any")).reset_index()
            keyed = mine.assign(period=mine["start"].dt.strftime("%Y-%m")).merge(
                same, on=["measure", "period", "locality"], how="left").set_index(["unique_id", "start"])
            got = got.join(keyed[["shown2", "hidden2"]])
            got["shown"] = got["shown"] | got["shown2"].eq(True)
            got["hidden"] = got["hidden"] | got["hidden2"].eq(True)
        parts.append(got[["shown", "hidden"]].reset_index())
    if not parts:
        return None
    known = pd.concat(parts, ignore_index=True).rename(columns={"start": "ds"})
    known["hidden"] &= ~known["shown"]
    ds_type = Y_df["ds"].dtype
    known["ds"] = known["ds"].astype(ds_type) if pd.api.types.is_datetime64_any_dtype(ds_type) else known["ds"]
    return known[["unique_id", "ds", "shown", "hidden"]]


def _sorted_forecasts(forecasts: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(forecasts).copy()
    out["unique_id"] = out["unique_id"].astype(str)
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def hidden_series(history: pd.DataFrame) -> set:
    """Series with at least one suppressed observed count (``y_status == "c"``)."""
    return set(history.loc[history["y_status"] == "c", "unique_id"].astype(str))


def withhold(frame: pd.DataFrame, hidden: set, keep: tuple = ("unique_id", "ds", "cutoff", "model", "scenario",
                                                              "level", "area")) -> pd.DataFrame:
    """``frame`` with every number of the series in ``hidden`` removed (``<NA>``).

    Forecasts, fitted values and backtest errors of a series with a suppressed observed count
    are derived from it: SeasonalNaive and Naive repeat observed values exactly, and a coherent
    (reconciled) forecast of a locality is its council's forecast minus the others'. Every such
    series is withheld whole; secondary suppression guarantees that each total with a hidden
    part has at least two hidden parts, so differencing the published forecasts gives sums only.
    """
    out = frame.copy()
    if out.empty or "unique_id" not in out:
        return out
    rows = out["unique_id"].astype(str).isin(hidden).to_numpy()
    if rows.any():
        for col in out.columns:
            if col not in keep and pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col].astype(float)
                out.loc[rows, col] = np.nan
    out.insert(len(out.columns), "status", np.where(rows, "c", ""))
    return out


def with_place_names(frame: pd.DataFrame, names) -> pd.DataFrame:
    """``frame`` with ``council`` and ``locality`` names beside its ``unique_id`` (the key stays)."""
    if names is None or "unique_id" not in frame.columns or not len(frame):
        return frame
    out = pd.DataFrame(frame).copy()
    places = names.series_columns(out["unique_id"].astype(str))
    at = out.columns.get_loc("unique_id") + 1
    for k, col in enumerate(("council", "locality")):
        if col not in out.columns:
            out.insert(at + k, col, places[col].to_numpy())
    return out


def write_outputs(folder, cfg: Config, Y_df, forecasts, accuracy_table, capacity_table, excluded: Exclusions,
                  inputs, names=None, *, earlier: Any = "read", backtest_windows: Optional[int] = None,
                  earlier_run_ids: Optional[List[str]] = None,
                  withheld_by_earlier: Optional[List[Dict[str, Any]]] = None) -> Dict[str, int]:
    """Write the tables, plots and report into ``folder``; return the observed-count suppressions.

    Every number derived from a suppressed observed count is withheld (:func:`withhold`): the
    forecasts, backtest accuracy and capacity of a series with a suppressed count.

    ``names`` (:class:`earlyhelp.data.names.Names`) puts the places' names beside the series ids
    in every table and in the figures and report; without it they show ids. ``earlier``: the
    cells the output folder's earlier runs published (:func:`earlier_cells`; by default read
    here). ``backtest_windows``: the backtest windows run, as the report states them (default:
    ``forecast.backtest_windows``, the number asked for). ``earlier_run_ids``: the earlier runs
    ``earlier`` was read from; ``withheld_by_earlier``, when given, is filled with the series
    withheld only because of them (:func:`withheld_by_earlier_runs`), which the report names.
    """
    from ..report.runfolder import figure_png, rounded
    from ..report.suppression import published
    from ..report import forecast_report as report_mod

    from ..forecast import best_model

    fc = cfg.forecast
    # chosen on every series' accuracy, as the capacity plan is, before small series' is withheld
    chosen = best_model(accuracy_table, fc.models)
    if isinstance(earlier, str):
        earlier = earlier_cells(folder.output, Y_df, names)
    history = suppressed_history(Y_df, cfg.suppression_threshold, earlier)
    hidden = hidden_series(history)
    by_earlier = withheld_by_earlier_runs(Y_df, cfg.suppression_threshold, history, list(earlier_run_ids or ()),
                                          names) if earlier is not None and len(earlier) else []
    if withheld_by_earlier is not None:
        withheld_by_earlier.extend(by_earlier)
    folder.write_table("observed", with_place_names(history, names),
                       csv_frame=with_place_names(published(history), names))
    # the report shows what is published: the rounded, withheld tables
    forecasts = withhold(rounded(_sorted_forecasts(forecasts)), hidden)
    folder.write_table("forecasts", with_place_names(forecasts, names), counts=[])
    accuracy_table = withhold(rounded(accuracy_table), hidden)
    folder.write_table("accuracy", with_place_names(accuracy_table, names), counts=[])
    sources = ["observed", "forecasts", "accuracy"]
    capacity_shown = None
    if len(capacity_table):
        facts = capacity_table.facts() if hasattr(capacity_table, "facts") else {}
        withheld = withhold(rounded(capacity_table), hidden)
        # forecasts of counts, not observed ones: withheld with their series (hidden) instead
        folder.write_table("capacity", with_place_names(withheld, names), counts=[])
        capacity_shown = type(capacity_table).of(withheld, **facts) if facts else withheld
        sources.append("capacity")
    described = dict(measures=list(fc.measures), models=list(fc.models), levels=list(fc.levels), model=chosen)
    figures = report_mod.figures(history, forecasts, accuracy_table, capacity_shown, **described, names=names)
    import matplotlib.pyplot as plt

    pngs = {}
    for name, fig in figures.items():
        pngs[name] = figure_png(fig)
        plt.close(fig)
        folder.write_bytes(f"plots/{name}.png", pngs[name], sources=sources)
    cap = cfg.capacity
    html = report_mod.build_report(
        history, forecasts, accuracy_table, capacity_shown, **described,
        title=f"{cfg.name}: Early Help demand forecast", horizon=fc.horizon, threshold=cfg.suppression_threshold,
        inputs=inputs, excluded=excluded, pngs=pngs, freq=fc.freq, reconciliation=_reconciled_as(fc),
        backtest_windows=fc.backtest_windows if backtest_windows is None else backtest_windows,
        source=cfg.source.kind,
        capacity_measure=cap.measure if cap else None, caseload_per_fte=cap.caseload_per_fte if cap else None,
        durations=getattr(capacity_table, "durations", None), names=names, withheld_by_earlier=by_earlier)
    folder.write_text("report.html", html, sources=sources)
    return history.counts.get("y", {})
