"""Plots for the published report, drawn only from suppressed (publishable) data.

Hidden observed counts are never in a plot's data: a suppressed month is a gap in
the history line, marked with a grey tick on the axis.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from .suppression import SUPPRESSED



def plain_text(text: str) -> str:
    """Text from the data drawn as it is: ``$`` would start matplotlib's maths (TeX) parser,
    which fails on names such as ``$\\nosuchcmd{$``.

    Parameters
    ----------
    text : str
        a name from the data.

    Returns
    -------
    str
        the text with ``$`` escaped.
    """
    return str(text).replace("$", r"\$")

def _pyplot():
    # The caller's backend is kept (inline in Jupyter); the CLI chooses Agg for its files.
    import matplotlib.pyplot as plt

    return plt


def plot_history_forecast(history: pd.DataFrame, forecasts: pd.DataFrame, model: str, *,
                          series: Sequence[str], level: Optional[int] = None, title: str = "",
                          labels: Optional[dict] = None, ncols: int = 3):
    """Small multiples: published history, forecast and interval for each series.

    Parameters
    ----------
    history : DataFrame
        ``unique_id, ds, y, y_status`` after suppression (``y`` is ``<NA>`` where hidden).
    forecasts : DataFrame
        Statsforecast layout with ``model`` and ``model-lo-<level>``/``-hi-`` columns.
    series : sequence of str
        The ids to draw (in order).
    model : str
        the model column to draw.
    level : int, optional
        the interval drawn as a band.
    title : str, default ""
        the figure title.
    labels : dict, optional
        panel titles by series id.
    ncols : int, default 3
        panels per row.

    Returns
    -------
    matplotlib Figure
    """
    plt = _pyplot()
    n = len(series)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.6 * nrows), squeeze=False, sharex=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, uid in zip(axes.flat, series):
        h = history[history["unique_id"] == uid].sort_values("ds")
        y = pd.to_numeric(h["y"], errors="coerce").astype(float).to_numpy()
        ax.plot(h["ds"], y, color="#1f4e79", lw=1.4, label="observed")
        hidden = (h["y_status"] == SUPPRESSED).to_numpy()
        if hidden.any():
            ax.plot(h["ds"][hidden], np.zeros(hidden.sum()), "|", color="#888888", ms=8,
                    label=f"suppressed ({SUPPRESSED})")
        f = forecasts[forecasts["unique_id"] == uid].sort_values("ds")
        if len(f):
            lo, hi = f"{model}-lo-{level}", f"{model}-hi-{level}"
            if level is not None and lo in f and hi in f:
                ax.fill_between(f["ds"], f[lo].clip(lower=0), f[hi], color="#f4a261", alpha=0.35,
                                label=f"{level}% interval", lw=0)
            ax.plot(f["ds"], f[model], color="#e76f51", lw=1.6, label="forecast")
        ax.set_title(plain_text((labels or {}).get(uid, uid)), fontsize=9)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(plain_text(title), fontsize=11)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_accuracy(accuracy: pd.DataFrame, *, metric: str = "mase", by: str = "model", title: str = ""):
    """Bar chart of a backtest metric (mean over series) per model.

    Parameters
    ----------
    accuracy : DataFrame
        backtest accuracy (one row per series and model).
    metric : str, default "mase"
        the metric column.
    by : str, default "model"
        the column the bars are grouped by.
    title : str, default ""
        the figure title.

    Returns
    -------
    matplotlib Figure
    """
    plt = _pyplot()
    data = accuracy.groupby(by, observed=True)[metric].mean().sort_values()
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(data)))
    ax.barh(data.index.astype(str), data.to_numpy(), color="#2a9d8f")
    if metric.lower() in ("mase", "rmsse"):
        ax.axvline(1.0, color="#555555", lw=1, ls="--")
    ax.set_xlabel(f"mean {metric.upper()} in backtests (lower is better)")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.25)
    if title:
        ax.set_title(plain_text(title), fontsize=11)
    fig.tight_layout()
    return fig


def plot_capacity(table: pd.DataFrame, *, value: str, lo: Optional[str] = None, hi: Optional[str] = None,
                  by: str = "locality", x: str = "ds", title: str = ""):
    """Practitioners (FTE) needed per locality over the forecast horizon.

    Parameters
    ----------
    table : DataFrame
        the capacity plan.
    value : str
        the column drawn (e.g. ``fte``).
    lo, hi : str, optional
        the interval's bound columns, drawn as a band.
    by : str, default "locality"
        one line per value of this column.
    x : str, default "ds"
        the period column.
    title : str, default ""
        the figure title.

    Returns
    -------
    matplotlib Figure
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for key, part in table.groupby(by, observed=True, sort=True):
        part = part.sort_values(x)
        line, = ax.plot(part[x], part[value], lw=1.6, label=plain_text(str(key)))
        if lo and hi and lo in part and hi in part:
            ax.fill_between(part[x], part[lo], part[hi], color=line.get_color(), alpha=0.15, lw=0)
    ax.set_ylabel("FTE needed")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=7, ncol=2)
    if title:
        ax.set_title(plain_text(title), fontsize=11)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
