"""Backtest accuracy (MASE, sMAPE, RMSSE, interval coverage), model choice per series, ensembles.

Everything works on statsforecast's ``cross_validation`` layout: ``unique_id, ds, cutoff, y``,
one column per model alias and ``<alias>-lo-<level>`` / ``<alias>-hi-<level>``; so
``earlyhelp.forecast.Forecaster`` and ``statsforecast.StatsForecast`` output both work.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_whole
from ..results import FrameResult
from ._dates import without_zone
from ._level_arg import level_list

_INTERVAL = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")
_NOT_MODELS = {"unique_id", "ds", "y", "cutoff"}
METRICS = ("mase", "smape", "rmsse")


def model_columns(df: pd.DataFrame) -> List[str]:
    """Model (point forecast) columns of a statsforecast-layout frame."""
    return [c for c in df.columns if c not in _NOT_MODELS and not _INTERVAL.match(str(c))
            and pd.api.types.is_numeric_dtype(df[c])]


def _levels(df: pd.DataFrame, model: str) -> List[str]:
    lo = {m["level"] for c in df.columns if (m := _INTERVAL.match(str(c))) and m["model"] == model
          and m["side"] == "lo"}
    hi = {m["level"] for c in df.columns if (m := _INTERVAL.match(str(c))) and m["model"] == model
          and m["side"] == "hi"}
    return sorted(lo & hi, key=float)


def accuracy(cv_df: pd.DataFrame, train_df: Optional[pd.DataFrame] = None, season_length: int = 12,
             level: Optional[Union[float, Sequence[float]]] = None, *, by_cutoff: bool = False) -> pd.DataFrame:
    """Accuracy per model and series from a rolling-origin backtest.

    Parameters
    ----------
    cv_df : DataFrame
        ``cross_validation`` output (``unique_id, ds, cutoff, y``, model columns, intervals).
    train_df : DataFrame, optional
        The history (``unique_id, ds, y``). The scale of MASE and RMSSE for each window is
        the in-sample seasonal naive error of the history up to that window's cutoff (as
        utilsforecast computes it). Without it, MASE and RMSSE are NaN. It must hold every
        series of ``cv_df``. Dates with a time zone (here or in ``cv_df``) are read as the dates
        written there, without the zone, so aware and naive frames compare.
    season_length : int, default 12
        Seasonal lag of the naive scale (12 for monthly).
    level : float or sequence of float, optional
        Interval levels to score (default: every level present for the model; one number is
        one level).
    by_cutoff : bool, default False
        Return one row per (series, cutoff, model) instead of averaging the windows.

    Returns
    -------
    DataFrame ``unique_id, [cutoff,] model, mase, smape, rmsse, coverage_<level>..., n``
    (and, averaged over the windows, ``n_windows, n_windows_scaled``):
    ``smape`` in percent (0-100: ``100 * mean(|y - f| / (|y| + |f|))``, 0 when both are 0),
    ``coverage_<level>`` the share of actuals inside the interval, ``n`` the number of forecast
    points. MASE/RMSSE are NaN where the scale is 0 or the history is shorter than a season.
    Averaged (``by_cutoff=False``), each metric is the mean of its windows' values: sMAPE and
    coverage over all ``n_windows`` windows of the series, MASE and RMSSE over the
    ``n_windows_scaled`` of them that have a scale (a window whose history is shorter than a
    season, or whose scale is 0, has none). Where ``n_windows_scaled`` is below ``n_windows`` the
    two sets of windows differ (a new series' first windows), and so may MASE compared across
    series (as :func:`best_model` averages it); ``by_cutoff=True`` shows each window.

    Raises
    ------
    ValidationError
        naming the rows: actuals, forecasts or scored interval bounds that are missing or
        infinite (leaving them out would score a model on the points it happened to forecast),
        missing series ids, periods or cutoffs, repeated ``(unique_id, cutoff, ds)`` rows, a
        column given twice; ``train_df`` not a DataFrame, and in it: missing series ids or
        dates, dates of another type than ``cutoff``, repeated ``(unique_id, ds)`` rows,
        missing or infinite ``y``, missing periods inside a series (the seasonal naive scale
        pairs each value with the one ``season_length`` periods before it, so a gap would pair
        the wrong periods) and series of ``cv_df`` it does not hold.
    """
    _check_cv(cv_df, season_length)
    if not isinstance(by_cutoff, (bool, np.bool_)):  # "no" would be true
        raise ValidationError(Problem("accuracy", "by_cutoff", "by_cutoff must be True or False", value=by_cutoff))
    models = model_columns(cv_df)
    if not models:
        raise ValidationError(Problem("cv_df", None, "no model columns to score"))
    level = level_list(level, table="accuracy")
    scored = {model: [str(lv) if not float(lv).is_integer() else str(int(lv)) for lv in level] if level else
              _levels(cv_df, model) for model in models}
    _check_forecasts(cv_df, scored)
    cv = cv_df.copy()
    cv["unique_id"] = cv["unique_id"].astype(str)
    # dates with a time zone are read as written there, so they compare with train_df's naive ones
    cv["ds"], cv["cutoff"] = without_zone(cv["ds"]), without_zone(cv["cutoff"])
    mae_scale, mse_scale = _scales(cv, train_df, season_length)
    keys = ["unique_id", "cutoff"]
    frames = []
    for model in models:
        err = cv["y"].to_numpy(float) - cv[model].to_numpy(float)
        denom = np.abs(cv["y"].to_numpy(float)) + np.abs(cv[model].to_numpy(float))
        sm = np.divide(np.abs(err), denom, out=np.zeros_like(err), where=denom != 0)
        work = pd.DataFrame({"unique_id": cv["unique_id"].to_numpy(), "cutoff": cv["cutoff"].to_numpy(),
                             "ae": np.abs(err), "se": err ** 2, "sm": sm})
        for lv in scored[model]:
            lo, hi = f"{model}-lo-{lv}", f"{model}-hi-{lv}"
            work[f"coverage_{lv}"] = ((cv["y"] >= cv[lo]) & (cv["y"] <= cv[hi])).to_numpy(float)
        g = work.groupby(keys, sort=True)
        per = g[["ae", "se", "sm"] + [c for c in work if c.startswith("coverage_")]].mean()
        per["n"] = g.size()
        per = per.join(mae_scale, how="left").join(mse_scale, how="left")
        per["mase"] = per["ae"] / per["mae_scale"].where(per["mae_scale"] > 0)
        per["rmsse"] = np.sqrt(per["se"] / per["mse_scale"].where(per["mse_scale"] > 0))
        per["smape"] = 100.0 * per["sm"]
        per["model"] = model
        frames.append(per.reset_index())
    out = pd.concat(frames, ignore_index=True)
    cov = sorted({c for c in out.columns if c.startswith("coverage_")}, key=lambda c: float(c.split("_")[1]))
    cols = ["mase", "smape", "rmsse", *cov]
    if by_cutoff:
        return out[["unique_id", "cutoff", "model", *cols, "n"]].reset_index(drop=True)
    agg = out.groupby(["unique_id", "model"], sort=False)
    result = agg[cols].mean()
    result["n"] = agg["n"].sum()
    # how many windows each mean is over: MASE and RMSSE skip the windows without a scale
    result["n_windows"] = agg["n"].size()
    result["n_windows_scaled"] = agg["mase"].count()
    result = result.reset_index()
    result["model"] = pd.Categorical(result["model"], categories=models)
    result = result.sort_values(["unique_id", "model"]).reset_index(drop=True)
    result["model"] = result["model"].astype(str)
    return result


def _check_cv(cv_df: pd.DataFrame, season_length: int) -> None:
    if not isinstance(cv_df, pd.DataFrame):
        raise ValidationError(Problem("cv_df", None, "expected a DataFrame from cross_validation"))
    _flat_columns("cv_df", cv_df)
    problems = [Problem("cv_df", c, "required column is missing") for c in ("unique_id", "ds", "cutoff", "y")
                if c not in cv_df.columns]
    if not is_whole(season_length) or season_length < 1:
        problems.append(Problem("cv_df", None, "season_length must be a positive whole number",
                                value=season_length))
    if problems:
        raise ValidationError(problems)
    if not pd.api.types.is_numeric_dtype(cv_df["y"]) or pd.api.types.is_bool_dtype(cv_df["y"]):
        raise ValidationError(Problem("cv_df", "y", f"actuals must be numbers, not {cv_df['y'].dtype}"))
    for col, what in (("unique_id", "series ids are missing"), ("ds", "periods are missing"),
                      ("cutoff", "cutoffs are missing")):
        # a row without its series or window would be left out of every mean, unseen
        gone = cv_df[col].isna().to_numpy()
        if gone.any():
            problems.append(Problem("cv_df", col, what, rows=[int(i) for i in np.flatnonzero(gone)[:10]],
                                    n_rows=int(gone.sum())))
    bad = cv_df["y"].isna()
    if bad.any():
        problems.append(Problem("cv_df", "y", "actuals are missing", rows=list(cv_df.loc[bad, "unique_id"][:10]),
                                n_rows=int(bad.sum())))
    inf = np.isinf(cv_df["y"].to_numpy(float))
    if inf.any():
        problems.append(Problem("cv_df", "y", "actuals are infinite", rows=_where(cv_df, inf), n_rows=int(inf.sum())))
    dup = cv_df.duplicated(["unique_id", "cutoff", "ds"], keep=False).to_numpy()
    if dup.any():
        # a repeated point would count twice in every mean (and in n)
        problems.append(Problem("cv_df", "ds", "repeated (unique_id, cutoff, ds) rows", rows=_where(cv_df, dup),
                                n_rows=int(dup.sum())))
    if problems:
        raise ValidationError(problems)


def _flat_columns(table: str, frame: pd.DataFrame) -> None:
    """One level of column names, each once: a name given twice cannot be told apart."""
    if isinstance(frame.columns, pd.MultiIndex):
        raise ValidationError(Problem(table, None, "columns must have one level of names (unique_id, ds, ...), "
                                                   "not a MultiIndex: flatten them first"))
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        raise ValidationError([Problem(table, c, "the column is given twice; keep one") for c in twice])


def _where(df: pd.DataFrame, mask: np.ndarray) -> List[str]:
    """The first 10 rows of ``mask`` named by series, period and (if any) cutoff."""
    part = df.loc[mask].head(10)
    cutoff = part["cutoff"] if "cutoff" in part else [None] * len(part)
    return [f"{u} at {_day(d)}" + (f" (cutoff {_day(c)})" if c is not None else "")
            for u, d, c in zip(part["unique_id"], part["ds"], cutoff)]


def _day(value) -> str:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else str(value)


def _check_forecasts(cv_df: pd.DataFrame, scored: Dict[str, List[str]]) -> None:
    """Every forecast and scored interval bound present and finite."""
    problems = []
    for model, levels in scored.items():
        for lv in levels:
            for side in ("lo", "hi"):
                if f"{model}-{side}-{lv}" not in cv_df:
                    problems.append(Problem("cv_df", f"{model}-{side}-{lv}",
                                            f"interval columns for level {lv} are missing"))
    if problems:
        raise ValidationError(problems)
    for model, levels in scored.items():
        for col in [model] + [f"{model}-{side}-{lv}" for lv in levels for side in ("lo", "hi")]:
            bad = ~np.isfinite(pd.to_numeric(cv_df[col], errors="coerce").to_numpy(float))
            if bad.any():
                problems.append(Problem("cv_df", col, "forecasts are missing or infinite (every point of the "
                                                      "backtest must be forecast to be scored)",
                                        rows=_where(cv_df, bad), n_rows=int(bad.sum())))
    if problems:
        raise ValidationError(problems)


def _scales(cv: pd.DataFrame, train_df: Optional[pd.DataFrame], m: int):
    """Seasonal-naive in-sample MAE and MSE per (series, cutoff), from the history up to the cutoff."""
    index = pd.MultiIndex.from_frame(cv[["unique_id", "cutoff"]].drop_duplicates())
    if train_df is None:
        nan = pd.Series(np.nan, index=index)
        return nan.rename("mae_scale"), nan.rename("mse_scale")
    if not isinstance(train_df, pd.DataFrame):
        raise ValidationError(Problem("train_df", None, "expected a DataFrame of the history (unique_id, ds, y)",
                                      value=type(train_df).__name__))
    _flat_columns("train_df", train_df)
    missing = [c for c in ("unique_id", "ds", "y") if c not in train_df.columns]
    if missing:
        raise ValidationError([Problem("train_df", c, "required column is missing") for c in missing])
    for col, what in (("unique_id", "series ids are missing"), ("ds", "periods are missing")):
        gone = train_df[col].isna().to_numpy()
        if gone.any():
            raise ValidationError(Problem("train_df", col, what, rows=[int(i) for i in np.flatnonzero(gone)[:10]],
                                          n_rows=int(gone.sum())))
    absent = sorted(set(cv["unique_id"]) - set(train_df["unique_id"].astype(str)))
    if absent:
        # their MASE and RMSSE would be NaN without a word
        raise ValidationError(Problem("train_df", "unique_id", "series of cv_df have no history in train_df: give "
                                      "their rows, or leave train_df out (MASE and RMSSE are then NaN)",
                                      rows=absent[:10], n_rows=len(absent)))
    train = train_df[["unique_id", "ds", "y"]].assign(unique_id=train_df["unique_id"].astype(str),
                                                      ds=without_zone(train_df["ds"]))
    _check_train(train, cv["cutoff"])
    train = train.sort_values(["unique_id", "ds"])
    mae, mse = {}, {}
    by_id = {uid: g for uid, g in train.groupby("unique_id", sort=False)}
    for uid, cutoff in index:
        hist = by_id.get(uid)
        if hist is None:
            mae[(uid, cutoff)] = mse[(uid, cutoff)] = np.nan
            continue
        y = hist.loc[hist["ds"] <= cutoff, "y"].to_numpy(float)
        d = y[m:] - y[:-m] if len(y) > m else np.array([])
        d = d[np.isfinite(d)]
        mae[(uid, cutoff)] = np.abs(d).mean() if len(d) else np.nan
        mse[(uid, cutoff)] = (d ** 2).mean() if len(d) else np.nan
    return (pd.Series(mae, name="mae_scale").reindex(index),
            pd.Series(mse, name="mse_scale").reindex(index))


def _check_train(train: pd.DataFrame, cutoff: pd.Series) -> None:
    """Dates comparable with the cutoffs, numeric finite values, one row per period, no gaps."""
    dates = pd.api.types.is_datetime64_any_dtype
    numbers = lambda c: pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c)  # noqa: E731
    if not ((dates(train["ds"]) and dates(cutoff)) or (numbers(train["ds"]) and numbers(cutoff))):
        raise ValidationError(Problem("train_df", "ds", f"periods must be of the same type as cv_df.cutoff "
                                                        f"({cutoff.dtype}), not {train['ds'].dtype}; convert "
                                                        "dates with pd.to_datetime"))
    if not numbers(train["y"]):
        raise ValidationError(Problem("train_df", "y", f"values must be numbers, not {train['y'].dtype}"))
    problems = []
    bad = ~np.isfinite(train["y"].to_numpy(float))
    if bad.any():
        problems.append(Problem("train_df", "y", "values are missing or infinite", rows=_where(train, bad),
                                n_rows=int(bad.sum())))
    dup = train.duplicated(["unique_id", "ds"], keep=False).to_numpy()
    if dup.any():
        problems.append(Problem("train_df", "ds", "repeated (unique_id, ds) rows", rows=_where(train, dup),
                                n_rows=int(dup.sum())))
    if problems:
        raise ValidationError(problems)
    gaps = series_gaps(train["unique_id"], train["ds"])
    if gaps:
        raise ValidationError(Problem(
            "train_df", "ds", "missing periods inside a series: the seasonal naive scale pairs each value with "
            "the one a season before it, so a gap would pair the wrong periods; add the missing rows (0 for "
            "counts, as Forecaster(fill_missing='zero') does)", rows=list(gaps)[:10], n_rows=len(gaps),
            value=next(iter(gaps.values()))))


def period_index(ds: pd.Series) -> np.ndarray:
    """Each period's place on the table's time grid: consecutive periods differ by exactly 1.

    Month starts (or month ends) count calendar months; other dates and numbers count the
    smallest step between the distinct values. Irregular steps give non-whole differences.
    """
    if pd.api.types.is_datetime64_any_dtype(ds):
        d = pd.DatetimeIndex(ds)
        if d.is_month_start.all() or d.is_month_end.all():
            raw = (d.year * 12 + d.month).to_numpy(float)
        else:
            raw = d.asi8.astype(float)
    else:
        raw = ds.to_numpy(float)
    steps = np.diff(np.unique(raw))
    step = steps.min() if len(steps) else 1.0
    return (raw - (raw.min() if len(raw) else 0.0)) / step


def series_gaps(uid: pd.Series, ds: pd.Series) -> Dict[str, str]:
    """Series with a missing period (or an irregular step) inside them -> the first gap, in words."""
    pos = period_index(ds)
    order = np.lexsort((pos, uid.to_numpy()))
    u, p, d = uid.to_numpy()[order], pos[order], ds.to_numpy()[order]
    same = u[1:] == u[:-1]
    bad = np.flatnonzero(same & (np.abs(np.diff(p) - 1.0) > 1e-9))
    out: Dict[str, str] = {}
    for i in bad:
        if u[i] not in out:
            out[str(u[i])] = f"{u[i]}: {_day(d[i])} -> {_day(d[i + 1])}"
    return out


def select_models(cv_df: pd.DataFrame, metric: str = "mase", *, train_df: Optional[pd.DataFrame] = None,
                  season_length: int = 12) -> pd.DataFrame:
    """The best model per series by backtest.

    Parameters
    ----------
    cv_df : DataFrame
        A ``cross_validation`` frame, or an :func:`accuracy` table (``unique_id, model``
        and metric columns) already computed.
    metric : str, default "mase"
        ``"mase"``, ``"smape"``, ``"rmsse"`` (lower is better).
    train_df, season_length : passed to :func:`accuracy` when ``cv_df`` is a backtest.

    Returns
    -------
    DataFrame ``unique_id, model, <metric>, criterion``: the model with the lowest mean metric
    (ties go to the model listed first). Where the metric is NaN for every model of a series
    (e.g. MASE of a constant series), sMAPE decides and ``criterion`` says so.
    """
    if metric not in METRICS:
        raise ValidationError(Problem("cv_df", None, f"unknown metric {metric!r}; choose one of {METRICS}"))
    table = cv_df if {"model", metric}.issubset(cv_df.columns) else accuracy(
        cv_df, train_df=train_df, season_length=season_length)
    rows = []
    for uid, g in table.groupby("unique_id", sort=True):
        criterion = metric
        scores = g[metric]
        if scores.isna().all():
            criterion, scores = "smape", g["smape"]
        best = g.loc[scores.idxmin()] if scores.notna().any() else g.iloc[0]
        rows.append({"unique_id": uid, "model": best["model"], metric: best[metric], "criterion": criterion})
    return pd.DataFrame(rows, columns=["unique_id", "model", metric, "criterion"])


def best_model(table: Optional[pd.DataFrame], models: Sequence[str], metric: str = "mase") -> str:
    """The model with the lowest mean ``metric`` over all series in an :func:`accuracy` table.

    Without a usable table (no backtest, or the metric NaN everywhere) it is the first of ``models``.

    Parameters
    ----------
    table : DataFrame or None
        an :func:`accuracy` table.
    models : sequence of str
        the models to choose from.
    metric : str, default "mase"
        the metric (lower is better).

    Returns
    -------
    str
    """
    if not len(models):
        raise ValidationError(Problem("models", None, "no models to choose from"))
    if table is None or table.empty or metric not in table or "model" not in table:
        return str(models[0])
    # only the models to choose from: the table may score others (an ensemble, a dropped model)
    table = table[table["model"].astype(str).isin([str(m) for m in models])]
    mean = table.groupby("model", observed=True)[metric].mean().dropna()
    return str(mean.idxmin()) if len(mean) else str(models[0])


class Ensembled(FrameResult):
    """:func:`ensemble`'s forecasts; ``ensemble`` maps the new column to the models it averages."""

    _metadata = ["ensemble"]
    ensemble: Dict[str, List[str]] = {}


def ensemble(forecasts: pd.DataFrame, models: Optional[Sequence[str]] = None, *, alias: str = "Ensemble"
             ) -> Ensembled:
    """Add the simple mean of the models' forecasts as a new model column.

    Intervals: for each level that every chosen model has, ``<alias>-lo/hi-<level>`` is the mean
    of the models' bounds (quantile averaging, "Vincentisation"), which keeps the ensemble's
    interval inside the range of its members'. Works on ``predict`` and on ``cross_validation``
    frames.

    Parameters
    ----------
    forecasts : DataFrame
        ``predict`` or ``cross_validation`` output.
    models : list of str, optional
        the model columns to average (default: all but ``alias``).
    alias : str, default "Ensemble"
        the new column's name.

    Returns
    -------
    DataFrame
        a copy of ``forecasts`` with the ensemble's columns added.
    """
    _check_alias(forecasts, alias)
    available = model_columns(forecasts)
    models = list(models) if models is not None else [m for m in available if m != alias]
    problems = [Problem("forecasts", m, "model column is missing") for m in models if m not in forecasts.columns]
    if len(models) < 1:
        problems.append(Problem("forecasts", None, "no model columns to average"))
    if problems:
        raise ValidationError(problems)
    out = forecasts.copy()
    out[alias] = forecasts[models].mean(axis=1, skipna=False)
    common = set(_levels(forecasts, models[0]))
    for m in models[1:]:
        common &= set(_levels(forecasts, m))
    for lv in sorted(common, key=float):
        for side in ("lo", "hi"):
            out[f"{alias}-{side}-{lv}"] = forecasts[[f"{m}-{side}-{lv}" for m in models]].mean(axis=1, skipna=False)
    return Ensembled.of(out, ensemble={alias: list(models)})


def _check_alias(forecasts: pd.DataFrame, alias: str) -> None:
    """The new column must not already be there: writing it would overwrite that model's forecasts."""
    taken = [c for c in forecasts.columns
             if str(c) == str(alias) or ((m := _INTERVAL.match(str(c))) and m["model"] == str(alias))]
    if taken:
        raise ValidationError(Problem("forecasts", str(alias), f"alias {alias!r} is already a column of forecasts "
                                      "(writing it would overwrite those forecasts); choose another alias",
                                      value=alias))


def _choices(forecasts: pd.DataFrame, selection: pd.DataFrame) -> Dict[str, str]:
    """Each series' selected model: one row per series, naming a model column of ``forecasts``."""
    if not isinstance(selection, pd.DataFrame):
        raise ValidationError(Problem("selection", None, "expected a DataFrame (unique_id, model) from "
                                      "select_models", value=type(selection).__name__))
    missing = [c for c in ("unique_id", "model") if c not in selection.columns]
    if missing:
        raise ValidationError([Problem("selection", c, "required column is missing") for c in missing])
    uid = selection["unique_id"].astype(str)
    twice = uid[uid.duplicated(keep=False)]
    if len(twice):
        # e.g. the accuracy() table itself: which row is meant cannot be told (select_models picks one)
        raise ValidationError(Problem("selection", "unique_id", "repeated series: give one selected model per "
                                      "series (select_models(accuracy_table) does this)",
                                      rows=sorted(set(twice))[:10], n_rows=len(twice)))
    choice = dict(zip(uid, selection["model"]))
    wanted = set(forecasts["unique_id"].astype(str))
    models = set(model_columns(forecasts))
    unknown = sorted((u, str(m)) for u, m in choice.items() if u in wanted and m not in models)
    if unknown:
        raise ValidationError([Problem("selection", "model", f"model {m!r} selected for series {u!r} is not "
                                       f"a model column of forecasts ({', '.join(sorted(map(str, models)))})",
                                       rows=[u], n_rows=1, value=m) for u, m in unknown[:10]])
    return choice


def pick(forecasts: pd.DataFrame, selection: pd.DataFrame, *, alias: str = "Selected") -> pd.DataFrame:
    """Add a column with each series' selected model (from :func:`select_models`), with intervals.

    Series without a selection are a ValidationError (named), and so are a series selected
    twice, a selected model that is not a model column of ``forecasts`` and an ``alias`` that is
    already a column.
    """
    _check_alias(forecasts, alias)
    choice = _choices(forecasts, selection)
    uid = forecasts["unique_id"].astype(str)
    missing = sorted(set(uid) - set(choice))
    if missing:
        raise ValidationError(Problem("forecasts", "unique_id", "series with no selected model",
                                      rows=missing[:10], n_rows=len(missing)))
    out = forecasts.copy()
    chosen = uid.map(choice).to_numpy()
    models = sorted(set(chosen))
    out[alias] = np.nan
    common = None
    for m in models:
        lv = set(_levels(forecasts, m))
        common = lv if common is None else common & lv
    for m in models:
        rows = chosen == m
        out.loc[rows, alias] = forecasts.loc[rows, m]
        for lv in sorted(common or [], key=float):
            for side in ("lo", "hi"):
                out.loc[rows, f"{alias}-{side}-{lv}"] = forecasts.loc[rows, f"{m}-{side}-{lv}"]
    return out
