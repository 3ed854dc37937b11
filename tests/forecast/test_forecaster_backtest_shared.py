"""``interval="backtest_shared"``: the Forecaster moves every series' backtest interval by the
bias the series of the call share (``intervals.pooled_bias``). On series that rise steadily the
point forecasts lag the rise, and ``"backtest"`` misses above about twice as often as below;
the shared method balances the tails. A Dask DataFrame, whose partitions are forecast apart,
is refused."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, Forecaster, Theta

from _count_series import nb_trend_panel

H = 12


def _tails(panel: pd.DataFrame, interval: str, model) -> "tuple[float, float]":
    """Shares of actuals below and above the 80% intervals of two rolling-origin windows."""
    fc = Forecaster([model], freq="MS", interval=interval)
    cv = fc.cross_validation(panel, h=H, n_windows=2, step_size=H, level=[80])
    name = model.alias if hasattr(model, "alias") else type(model).__name__
    lo, hi, y = cv[f"{name}-lo-80"], cv[f"{name}-hi-80"], cv["y"]
    return float((y < lo).mean()), float((y > hi).mean())


@pytest.mark.simulation
@pytest.mark.parametrize("model", [Theta(season_length=12), AutoETS(season_length=12)])
def test_shared_bias_balances_the_tails_on_steadily_rising_series(model):
    panel = nb_trend_panel(60, 96, seed=11, trend=(0.005, 0.015))
    below, above = _tails(panel, "backtest", model)
    assert above > 1.5 * below, (below, above)   # the lag the shared method is for
    below_s, above_s = _tails(panel, "backtest_shared", model)
    assert max(below_s, above_s) <= 1.5 * min(below_s, above_s), (below_s, above_s)
    assert 0.74 <= 1 - below_s - above_s <= 0.86


def test_shared_bias_leaves_a_flat_panel_about_where_it_was():
    panel = nb_trend_panel(30, 72, seed=5, trend=(0.0, 0.0))
    fc = Forecaster([Theta(season_length=12)], freq="MS", interval="backtest").fit(panel)
    own = fc.predict(H, level=[80])
    fs = Forecaster([Theta(season_length=12)], freq="MS", interval="backtest_shared").fit(panel)
    shared = fs.predict(H, level=[80])
    assert np.array_equal(own["Theta"], shared["Theta"])        # point forecasts untouched
    moved = (own["Theta-hi-80"] != shared["Theta-hi-80"]).mean()
    assert moved < 0.2, moved


def test_shared_bias_is_refused_for_a_dask_frame():
    dd = pytest.importorskip("dask.dataframe")
    panel = nb_trend_panel(4, 48, seed=1)
    ddf = dd.from_pandas(panel, npartitions=2)
    with pytest.raises(ValidationError, match="backtest_shared"):
        Forecaster([Theta(season_length=12)], freq="MS", interval="backtest_shared").fit(ddf)


def test_backtest_shared_is_a_known_method_and_others_still_are_refused():
    Forecaster([Theta(season_length=12)], freq="MS", interval="backtest_shared")
    with pytest.raises(ValidationError, match="unknown interval method"):
        Forecaster([Theta(season_length=12)], freq="MS", interval="backtest_pooled")
