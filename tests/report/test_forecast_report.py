"""The forecast report from explicit arguments: what a notebook passes, no run config."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from earlyhelp.report import forecast_report
from earlyhelp.results import Excluded

IDS = ["requests/E1", "requests/E1/L1", "requests/E1/L2"]


def frames():
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    rows = []
    for uid, base in zip(IDS, (40, 25, 15)):
        for k, ds in enumerate(months):
            rows.append({"unique_id": uid, "ds": ds, "y": base + k % 5, "y_status": ""})
    history = pd.DataFrame(rows).astype({"y": "Int64"})
    future = pd.date_range("2024-01-01", periods=3, freq="MS")
    fc = pd.DataFrame([{"unique_id": u, "ds": d} for u in IDS for d in future])
    for model, shift in (("Naive", 0.0), ("SeasonalNaive", 1.0)):
        fc[model] = 20.0 + shift
        fc[f"{model}-lo-80"] = 15.0 + shift
        fc[f"{model}-hi-80"] = 25.0 + shift
    accuracy = pd.DataFrame({"unique_id": IDS * 2, "model": ["Naive"] * 3 + ["SeasonalNaive"] * 3,
                             "mase": [1.2, 1.1, 1.3, 0.7, 0.8, 0.9]})
    return history, fc, accuracy


def test_report_layer_takes_explicit_arguments_not_a_config():
    for func in (forecast_report.figures, forecast_report.build_report):
        assert "cfg" not in inspect.signature(func).parameters
    history, fc, accuracy = frames()
    figures = forecast_report.figures(history, fc, accuracy, measures=["requests"], models=["Naive", "SeasonalNaive"],
                                      levels=[80, 95])
    assert set(figures) == {"forecast_requests", "accuracy"}
    html = forecast_report.build_report(
        history, fc, accuracy, None, title="Testshire: monthly requests", measures=["requests"],
        models=["Naive", "SeasonalNaive"], levels=[80], horizon=3, threshold=5,
        inputs={"rows": {"requests": 4, "episodes": 120}, "sha256": "0" * 64}, source="folder",
        excluded=[Excluded("requests", "no date", 3, step="series", measure="requests"),
                  Excluded("series", "period 2021-12-01 dropped (partial)", 1, unit="periods", step="series")],
        backtest_windows=2, reconciliation="bottom_up")
    assert "<title>Testshire: monthly requests</title>" in html
    assert "Most accurate model in 2 backtests: SeasonalNaive" in html       # lowest mean MASE
    assert "Models compared: Naive, SeasonalNaive" in html and "reconciled (bottom up)" in html
    assert "Shaded bands are 80% prediction intervals" in html
    assert "Counts from 1 to 5 are shown as" in html
    assert "requests c, episodes c" in html                                # rows of cases: never shown exact
    assert "<td>no date</td><td>c</td>" in html                            # rows left out: hidden when small
    assert "No capacity assumptions were given" in html
    import matplotlib.pyplot as plt

    for fig in figures.values():
        plt.close(fig)


def test_report_numbers_carry_no_trailing_zeros():
    """A count of backtest forecasts read '36.00' and 11.3 FTE '11.30'."""
    from earlyhelp.report.html import _fmt

    assert [_fmt(v) for v in (36.0, 11.3, 0.389, 0.0, 1234.5)] == ["36", "11.3", "0.39", "0", "1,234"]


def test_capacity_chart_shows_the_council_when_every_locality_is_withheld():
    """Small localities' capacity is withheld: the chart drew nothing; it now draws the council."""
    import matplotlib.pyplot as plt

    from earlyhelp.report import forecast_report

    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    future = pd.date_range("2024-01-01", periods=3, freq="MS")
    ids = ["requests/C", "requests/C/L1"]
    history = pd.DataFrame([{"unique_id": u, "ds": d, "y": 30, "y_status": ""} for u in ids for d in months])
    fc = pd.DataFrame([{"unique_id": u, "ds": d, "Naive": 30.0} for u in ids for d in future])
    capacity = pd.DataFrame([{"scenario": "baseline", "unique_id": u, "level": lvl, "area": area, "ds": d,
                              "fte": np.nan if lvl == "locality" else 2.5}
                             for u, lvl, area in zip(ids, ("council", "locality"), ("C", "North")) for d in future])
    fig = forecast_report.figures(history, fc, None, capacity, measures=["requests"], models=["Naive"])["capacity"]
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    assert "localities withheld" in fig.axes[0].get_title() and [tuple(line.get_ydata()) for line in lines] == [(2.5,) * 3]
    plt.close(fig)
