"""Plots for analysts: history, forecasts and intervals per series; backtest accuracy per model.

Both functions return a :class:`matplotlib.figure.Figure` built without pyplot, so a
scheduled script never opens a window or keeps figures alive; in Jupyter the returned
figure displays itself. (The published report, drawn from suppressed counts, has its own
plots in :mod:`earlyhelp.report.plots`.)
"""
from __future__ import annotations

from typing import List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .accuracy import METRICS, _levels, model_columns

_HISTORY_COLOUR = "#1f4e79"


def _figure(width: float, height: float, layout: Optional[str] = "constrained"):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=layout)


def _require(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(Problem(table, None, "expected a DataFrame"))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError([Problem(table, c, "required column is missing") for c in missing])


def plot_forecast(history: Optional[pd.DataFrame], forecasts: pd.DataFrame, *,
                  models: Optional[Sequence[str]] = None, level: Optional[float] = None,
                  ids: Optional[Sequence[str]] = None, max_series: int = 12, ncols: int = 3,
                  last: Optional[int] = None, labels: Optional[Mapping[str, str]] = None, title: str = ""):
    """Small multiples: one panel per series with its history, each model's forecast and interval.

    Parameters
    ----------
    history : DataFrame, optional
        ``unique_id, ds, y`` (e.g. :func:`demand_series` output or ``Y_df``); ``None`` to
        draw forecasts only.
    forecasts : DataFrame
        Statsforecast layout (``unique_id, ds``, a column per model alias,
        ``<alias>-lo-<level>`` / ``<alias>-hi-<level>``), e.g. ``Forecaster.predict`` or
        :func:`reconcile` output.
    models : sequence of str, optional
        Model columns to draw (default: all).
    level : float, optional
        The interval drawn as a band (default: the widest level present for each model;
        no band when a model has none).
    ids : sequence of str, optional
        Series to draw, in order (default: the forecast's series in sorted order, at most
        ``max_series`` of them; the figure title says how many were left out).
    ncols : int, default 3
        Panels per row.
    last : int, optional
        Draw only the last ``last`` periods of history (default: all).
    labels : mapping of str to str, optional
        Panel titles by series id (e.g. locality names; default: the id).
    max_series : int, default 12
        at most this many panels when ``ids`` is not given.
    title : str, default ""
        the figure title.

    Returns
    -------
    matplotlib Figure with one Axes per series drawn. Each panel has one line for the history
    and one per model; each interval is a shaded band.
    """
    _require(forecasts, "forecasts", ["unique_id", "ds"])
    if history is not None:
        _require(history, "history", ["unique_id", "ds", "y"])
    all_models = model_columns(forecasts)
    models = list(all_models if models is None else models)
    unknown = [m for m in models if m not in forecasts.columns]
    if unknown or not models:
        raise ValidationError(Problem("forecasts", ", ".join(unknown) or None,
                                      "model column is missing" if unknown else "no model columns to plot"))
    fc_ids = forecasts["unique_id"].astype(str)
    if ids is None:
        available = sorted(fc_ids.unique())
        ids = available[:max_series]
        left_out = len(available) - len(ids)
    else:
        ids = [str(i) for i in ids]
        absent = [i for i in ids if i not in set(fc_ids)]
        if absent:
            raise ValidationError(Problem("forecasts", "unique_id", "series to plot have no forecasts",
                                          rows=absent[:10], n_rows=len(absent)))
        left_out = 0
    if not ids:
        raise ValidationError(Problem("forecasts", None, "no series to plot"))
    bands = {m: _band_level(forecasts, m, level) for m in models}

    n = len(ids)
    ncols = max(1, min(int(ncols), n))
    nrows = int(np.ceil(n / ncols))
    # fixed margins in inches instead of a layout engine: many panels render twice as fast
    width, height = 4.0 * ncols, 2.6 * nrows + 0.3
    fig = _figure(width, height, layout=None)
    fig.subplots_adjust(left=0.5 / width, right=1 - 0.15 / width, bottom=0.6 / height,
                        top=1 - (0.65 if (title or left_out) else 0.35) / height, hspace=0.35, wspace=0.2)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    import matplotlib as mpl

    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    hist_ids = history["unique_id"].astype(str) if history is not None else None
    for ax, uid in zip(axes, ids):
        if history is not None:
            h = history[hist_ids == uid].sort_values("ds")
            if last is not None:
                h = h.tail(int(last))
            ax.plot(h["ds"], h["y"].astype(float), color=_HISTORY_COLOUR, lw=1.3, label="observed")
        f = forecasts[fc_ids == uid].sort_values("ds")
        for k, m in enumerate(models):
            colour = colours[(k + 1) % len(colours)]
            lv = bands[m]
            if lv is not None:
                ax.fill_between(f["ds"], f[f"{m}-lo-{lv}"].astype(float), f[f"{m}-hi-{lv}"].astype(float),
                                color=colour, alpha=0.18, lw=0, label=f"{m} {lv}%")
            ax.plot(f["ds"], f[m].astype(float), color=colour, lw=1.5, label=m)
        ax.set_title((labels or {}).get(uid, uid), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    axes[0].legend(fontsize=7, loc="upper left")
    for k, ax in enumerate(axes[:n]):
        if k + ncols >= n:            # nothing drawn below this panel: show its dates
            ax.xaxis.set_tick_params(labelbottom=True)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    note = f" ({left_out} more series not drawn)" if left_out else ""
    if title or note:
        fig.suptitle(f"{title}{note}", fontsize=10)
    return fig


def _band_level(forecasts: pd.DataFrame, model: str, level: Optional[float]) -> Optional[str]:
    present = _levels(forecasts, model)
    if level is None:
        return present[-1] if present else None
    text = str(int(level)) if float(level).is_integer() else str(level)
    if text not in present:
        raise ValidationError(Problem("forecasts", f"{model}-lo-{text}", f"no {text}% interval for {model}; "
                                                                         f"levels present: {present}"))
    return text


def plot_accuracy(accuracy: pd.DataFrame, metrics: Optional[Sequence[str]] = None, *, title: str = ""):
    """Backtest accuracy per model: one panel per metric, a bar for each model's mean over
    series and a dot for each series.

    Parameters
    ----------
    accuracy : DataFrame
        :func:`earlyhelp.forecast.accuracy` output (``unique_id, model`` and metric
        columns such as ``mase, smape, rmsse, coverage_80``).
    metrics : sequence of str, optional
        Columns to draw (default: ``mase, smape, rmsse`` and every ``coverage_<level>``
        present). MASE/RMSSE panels mark 1 (as good as the seasonal naive in-sample); coverage
        panels mark the nominal level.
    title : str, default ""
        the figure title.

    Returns
    -------
    matplotlib Figure with one Axes per metric; in each, one bar per model (models ordered by
    mean MASE, else by name). Series with no value for a metric (e.g. MASE on a constant
    history) are left out of its bar and counted in the panel's x label.
    """
    _require(accuracy, "accuracy", ["model"])
    if metrics is None:
        metrics = [m for m in METRICS if m in accuracy.columns] + \
            sorted((c for c in accuracy.columns if str(c).startswith("coverage_")),
                   key=lambda c: float(str(c).split("_", 1)[1]))
    metrics = list(metrics)
    missing = [m for m in metrics if m not in accuracy.columns]
    if missing or not metrics:
        raise ValidationError([Problem("accuracy", m, "metric column is missing") for m in missing]
                              or Problem("accuracy", None, "no metric columns to plot"))
    models = _model_order(accuracy)
    fig = _figure(max(3.2 * len(metrics), 4.0), 0.9 + 0.42 * len(models))
    axes = fig.subplots(1, len(metrics), squeeze=False, sharey=True).ravel()
    positions = np.arange(len(models))
    rng = np.random.default_rng(0)          # fixed jitter: the same table draws the same figure
    for ax, metric in zip(axes, metrics):
        means, n_missing = [], 0
        for k, model in enumerate(models):
            values = accuracy.loc[accuracy["model"].astype(str) == model, metric].astype(float).to_numpy()
            ok = np.isfinite(values)
            n_missing += int((~ok).sum())
            means.append(values[ok].mean() if ok.any() else np.nan)
            ax.plot(values[ok], k + rng.uniform(-0.18, 0.18, ok.sum()), ".", color="#333333", ms=3, alpha=0.6)
        ax.barh(positions, np.nan_to_num(means), color="#2a9d8f", alpha=0.75, height=0.6)
        if metric in ("mase", "rmsse"):
            ax.axvline(1.0, color="#555555", lw=1, ls="--")
        elif metric.startswith("coverage_"):
            ax.axvline(float(metric.split("_", 1)[1]) / 100.0, color="#555555", lw=1, ls="--")
        label = metric.upper() if metric in METRICS else metric.replace("_", " ") + "%"
        ax.set_xlabel(label + (f"\n({n_missing} series without a value)" if n_missing else ""), fontsize=8)
        ax.grid(axis="x", alpha=0.25)
        ax.tick_params(labelsize=7)
    axes[0].set_yticks(positions, models)
    axes[0].invert_yaxis()
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _model_order(accuracy: pd.DataFrame) -> List[str]:
    models = accuracy["model"].astype(str)
    if "mase" in accuracy.columns:
        mean = accuracy.assign(model=models).groupby("model")["mase"].mean()
        return list(mean.sort_values(na_position="last", kind="stable").index)
    return sorted(models.unique())
