"""Smoke tests: the plots draw one panel per series / metric and the expected lines and bands."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from earlyhelp import ValidationError
from earlyhelp.forecast import plot_accuracy, plot_forecast


def frames(n_series: int = 5, n_hist: int = 24, h: int = 6):
    rng = np.random.default_rng(0)
    hist, fc = [], []
    for i in range(n_series):
        uid = f"requests/L{i}"
        ds = pd.date_range("2022-01-01", periods=n_hist, freq="MS")
        hist.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(20, n_hist).astype(float)}))
        fds = pd.date_range(ds[-1] + pd.offsets.MonthBegin(1), periods=h, freq="MS")
        frame = pd.DataFrame({"unique_id": uid, "ds": fds})
        for m, base in (("AutoETS", 20.0), ("SeasonalNaive", 22.0)):
            frame[m] = base
            for lv, w in ((80, 4.0), (95, 7.0)):
                frame[f"{m}-lo-{lv}"] = base - w
                frame[f"{m}-hi-{lv}"] = base + w
        fc.append(frame)
    return pd.concat(hist, ignore_index=True), pd.concat(fc, ignore_index=True)


def test_plot_forecast_small_multiples():
    history, forecasts = frames(5)
    fig = plot_forecast(history, forecasts, ncols=2)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 5                                  # one per series; the 6th grid cell removed
    for ax, uid in zip(axes, sorted(history["unique_id"].unique())):
        assert ax.get_title() == uid
        assert len(ax.get_lines()) == 3                    # history + 2 models
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2                             # one interval per model
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                                   history.loc[history["unique_id"] == uid, "y"].to_numpy())
    # the widest level by default: the 95% band spans 13..27 for AutoETS
    verts = axes[0].collections[0].get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(13.0) and verts[:, 1].max() == pytest.approx(27.0)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None


def test_plot_forecast_choices_and_limits():
    history, forecasts = frames(15)
    fig = plot_forecast(history, forecasts, models=["AutoETS"], level=80, max_series=4, last=12)
    axes = fig.get_axes()
    assert len(axes) == 4
    assert "11 more series" in fig._suptitle.get_text()
    assert len(axes[0].get_lines()) == 2 and len(axes[0].get_lines()[0].get_xdata()) == 12
    fig = plot_forecast(None, forecasts, ids=["requests/L3", "requests/L1"], labels={"requests/L3": "East"})
    assert [ax.get_title() for ax in fig.get_axes()] == ["East", "requests/L1"]
    assert len(fig.get_axes()[0].get_lines()) == 2        # no history line


def test_plot_forecast_bad_input():
    history, forecasts = frames(2)
    with pytest.raises(ValidationError, match="model column is missing"):
        plot_forecast(history, forecasts, models=["Theta"])
    with pytest.raises(ValidationError, match="no 50% interval"):
        plot_forecast(history, forecasts, level=50)
    with pytest.raises(ValidationError, match="no forecasts"):
        plot_forecast(history, forecasts, ids=["requests/L9"])
    with pytest.raises(ValidationError, match="missing"):
        plot_forecast(history.drop(columns="y"), forecasts)


def test_plot_accuracy_panels_and_bars():
    rng = np.random.default_rng(1)
    rows = [{"unique_id": f"L{i}", "model": m, "mase": rng.gamma(2, 0.5), "smape": rng.uniform(5, 30),
             "rmsse": rng.gamma(2, 0.5), "coverage_80": rng.uniform(0.5, 1), "coverage_95": rng.uniform(0.7, 1)}
            for i in range(6) for m in ("AutoETS", "Theta", "SeasonalNaive")]
    acc = pd.DataFrame(rows)
    acc.loc[0, "mase"] = np.nan
    fig = plot_accuracy(acc)
    axes = fig.get_axes()
    assert len(axes) == 5                                   # mase, smape, rmsse, coverage 80 and 95
    for ax in axes:
        assert len(ax.patches) == 3                         # one bar per model
        dots = [ln for ln in ax.get_lines() if ln.get_marker() == "."]
        assert len(dots) == 3
    order = [t.get_text() for t in axes[0].get_yticklabels()]
    means = acc.groupby("model")["mase"].mean().sort_values()
    assert order == list(means.index)
    widths = [p.get_width() for p in axes[0].patches]
    np.testing.assert_allclose(widths, means.to_numpy())
    assert "1 series without a value" in axes[0].get_xlabel()
    fig = plot_accuracy(acc, metrics=["smape"])
    assert len(fig.get_axes()) == 1
    with pytest.raises(ValidationError, match="metric column is missing"):
        plot_accuracy(acc, metrics=["mape"])
