"""accuracy says over how many windows each mean is: MASE and RMSSE skip the windows without a
seasonal naive scale, sMAPE and coverage take them all."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import Forecaster, Naive, accuracy


def _backtest():
    rng = np.random.default_rng(1)
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    Y = pd.DataFrame({"unique_id": "new", "ds": months, "y": rng.poisson(10, 24).astype(float)})
    cv = Forecaster([Naive()], freq="MS", season_length=12).cross_validation(Y, h=3, n_windows=4, step_size=3,
                                                                             level=[80])
    return Y, cv


def test_each_mean_says_over_how_many_windows():
    Y, cv = _backtest()
    per = accuracy(cv, train_df=Y, season_length=12, by_cutoff=True)
    avg = accuracy(cv, train_df=Y, season_length=12).iloc[0]
    assert per["mase"].isna().sum() == 1          # the first window's history is shorter than a season
    assert avg["n_windows"] == 4 and avg["n_windows_scaled"] == 3 and avg["n"] == 12
    # the same means, summed in another order by some pandas versions
    assert avg["mase"] == pytest.approx(per["mase"].mean(), rel=1e-12)
    assert avg["smape"] == pytest.approx(per["smape"].mean(), rel=1e-12)


def test_without_train_df_no_window_is_scaled():
    _, cv = _backtest()
    avg = accuracy(cv, season_length=12).iloc[0]
    assert avg["n_windows"] == 4 and avg["n_windows_scaled"] == 0 and np.isnan(avg["mase"])


def test_the_columns_follow_the_metrics():
    Y, cv = _backtest()
    assert list(accuracy(cv, train_df=Y).columns) == ["unique_id", "model", "mase", "smape", "rmsse", "coverage_80",
                                                      "n", "n_windows", "n_windows_scaled"]
    assert "n_windows" not in accuracy(cv, train_df=Y, by_cutoff=True).columns
