"""A series of whole numbers that go below 0 (a net change such as opened minus closed, with
allow_negative) is no count: it keeps the model's own intervals, listed in fallbacks_, instead of
negative binomial bounds that cannot go below 0."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import Forecaster, Naive


def _net_change(n_series: int = 100, n: int = 48, h: int = 6, seed: int = 2):
    rng = np.random.default_rng(seed)
    frames, future = [], []
    for i in range(n_series):
        y = np.round(rng.normal(-4, 3, n + h))     # whole numbers, mostly negative
        d = pd.date_range("2020-01-01", periods=n + h, freq="MS")
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": d[:n], "y": y[:n]}))
        future.append(pd.DataFrame({"unique_id": f"s{i}", "ds": d[n:], "actual": y[n:]}))
    return pd.concat(frames, ignore_index=True), pd.concat(future, ignore_index=True)


@pytest.mark.parametrize("interval", ["backtest", "count"])
def test_negative_whole_numbers_keep_the_models_own_intervals(interval):
    df, future = _net_change()
    fc = Forecaster([Naive()], freq="MS", allow_negative=True, interval=interval)
    out = fc.forecast(df=df, h=6, level=[80])
    own = Forecaster([Naive()], freq="MS", allow_negative=True, interval="model").forecast(df=df, h=6, level=[80])
    pd.testing.assert_frame_equal(out, own)
    merged = out.merge(future, on=["unique_id", "ds"])
    covered = ((merged.actual >= merged["Naive-lo-80"]) & (merged.actual <= merged["Naive-hi-80"])).mean()
    assert covered > 0.85  # before: 0.51 (bounds [forecast, 0])
    assert (out["Naive-lo-80"] < out["Naive"]).all() and (out["Naive"] < out["Naive-hi-80"]).all()
    fb = fc.fallbacks_
    assert fb["unique_id"].nunique() == 100
    assert fb["method"].str.contains("values not counts").all()


def test_one_negative_value_makes_a_series_no_count_and_the_others_stay_counts():
    rng = np.random.default_rng(4)
    d = pd.date_range("2020-01-01", periods=36, freq="MS")
    counts = rng.poisson(8, 36).astype(float)
    change = counts.copy()
    change[10] = -1.0
    df = pd.concat([pd.DataFrame({"unique_id": "count", "ds": d, "y": counts}),
                    pd.DataFrame({"unique_id": "change", "ds": d, "y": change})])
    fc = Forecaster([Naive()], freq="MS", allow_negative=True)
    out = fc.forecast(df=df, h=3, level=[80]).set_index("unique_id")
    assert list(fc.fallbacks_["unique_id"]) == ["change"]
    # count bounds are whole numbers; the model's own are not
    assert np.array_equal(out.loc["count", "Naive-lo-80"], np.round(out.loc["count", "Naive-lo-80"]))
    assert not np.array_equal(out.loc["change", "Naive-hi-80"], np.round(out.loc["change", "Naive-hi-80"]))
