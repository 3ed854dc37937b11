"""Benchmark: earlyhelp forecasting models against statsforecast (and
statsmodels' ETSModel on a subset) on the same series, in one run.

1,000 monthly count-like seasonal series of 60-120 points (plus 1,000
intermittent series for Croston); the last 12 points are held out. Prints the
time ratio (statsforecast / ours) and mean MASE (scaled by the in-sample
seasonal naive MAE; naive for intermittent series) for AutoETS, Theta and
CrostonOptimized. Times include the DataFrame handling of both libraries
(``Forecaster.fit(...).predict`` against ``StatsForecast.forecast``).

statsforecast compiles some models with numba on first use; each model (of
both libraries) is warmed up on 5 series before it is timed, so the timings
exclude JIT compilation. statsforecast runs in one process (n_jobs=1).
The machine running it may be shared, so the main ratio ``speedup_cpu``
compares CPU seconds of single-threaded runs; wall-clock times are printed
too, with ours also on ``--threads`` threads.

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_forecast_models.py \
        [--series 1000] [--statsmodels-subset 20] [--threads 2]
"""
from __future__ import annotations

import argparse
import itertools
import time
import warnings

import numpy as np
import pandas as pd

H = 12


def make_series(n_series: int, seed: int, intermittent: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        n = int(rng.integers(60, 121)) + H
        t = np.arange(n)
        if intermittent:
            lam = rng.uniform(0.2, 1.5) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
        else:
            level = rng.uniform(5, 300)
            amp = rng.uniform(0.05, 0.4)
            growth = rng.normal(0, 0.004)
            lam = level * (1 + amp * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)) * np.exp(growth * t)
        y = rng.poisson(lam).astype(float)
        frames.append(pd.DataFrame({"unique_id": f"S{i:04d}",
                                    "ds": pd.date_range("2012-01-01", periods=n, freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def split(df: pd.DataFrame):
    df = df.sort_values(["unique_id", "ds"])
    test = df.groupby("unique_id").tail(H)
    train = df.drop(test.index)
    return train, test


def mase(train: pd.DataFrame, test: pd.DataFrame, fc: pd.DataFrame, col: str, m: int) -> float:
    scales = train.groupby("unique_id")["y"].apply(lambda s: np.mean(np.abs(np.diff(s.to_numpy(), n=1) if m == 1
                                                                             else s.to_numpy()[m:] - s.to_numpy()[:-m])))
    merged = test.merge(fc[["unique_id", "ds", col]], on=["unique_id", "ds"])
    err = merged.assign(ae=(merged["y"] - merged[col]).abs()).groupby("unique_id")["ae"].mean()
    ratio = (err / scales.reindex(err.index)).replace([np.inf], np.nan)
    return float(ratio.mean())


def timed(fn):
    """Result, wall-clock seconds and CPU seconds of this process (all threads).
    The machine is shared, so single-threaded runs are compared by CPU time."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def statsmodels_auto_ets(y: np.ndarray, m: int) -> np.ndarray:
    """AutoETS by AICc over the same model family with statsmodels' ETSModel."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best, best_aicc = None, np.inf
    for error, trend, damped, season in itertools.product(("add", "mul"), (None, "add"), (False, True),
                                                          (None, "add", "mul")):
        if trend is None and damped:
            continue
        if error == "add" and season == "mul":
            continue
        if (error == "mul" or season == "mul") and y.min() <= 0:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=season,
                               seasonal_periods=m if season else None).fit(disp=False)
        except Exception:  # noqa: BLE001 - statsmodels fails on some combinations
            continue
        if np.isfinite(res.aicc) and res.aicc < best_aicc:
            best, best_aicc = res, res.aicc
    return best.forecast(H)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--statsmodels-subset", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS as SfETS, CrostonOptimized as SfCroston, Theta as SfTheta

    from earlyhelp.forecast import AutoETS, CrostonOptimized, Forecaster, Theta

    seasonal = make_series(args.series, seed=1)
    intermittent = make_series(args.series, seed=2, intermittent=True)
    rows = []
    cases = [("AutoETS", seasonal, AutoETS(12), SfETS(season_length=12), 12),
             ("Theta", seasonal, Theta(12), SfTheta(season_length=12), 12),
             ("CrostonOptimized", intermittent, CrostonOptimized(), SfCroston(), 1)]
    for name, data, ours_model, sf_model, m in cases:
        train, test = split(data)
        warm = train[train.unique_id.isin(train.unique_id.unique()[:5])]
        Forecaster([ours_model], freq="MS", n_jobs=1, origin="series").fit(warm).predict(H)  # same warm-up for ours
        ours1, t_ours1, cpu_ours1 = timed(lambda: Forecaster([ours_model], freq="MS", n_jobs=1, origin="series").fit(train).predict(H))
        ours, t_ours, _ = timed(lambda: Forecaster([ours_model], freq="MS", n_jobs=args.threads, origin="series").fit(train).predict(H))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            StatsForecast([sf_model], freq="MS", n_jobs=1).forecast(df=warm, h=H)  # numba JIT warm-up
            theirs, t_sf, cpu_sf = timed(lambda: StatsForecast([sf_model], freq="MS", n_jobs=1).forecast(df=train, h=H))
        mase_ours, mase_sf = mase(train, test, ours, name, m), mase(train, test, theirs, name, m)
        rows.append({"model": name, "series": args.series,
                     "ours_cpu_s": round(cpu_ours1, 2), "sf_cpu_s": round(cpu_sf, 2),
                     "speedup_cpu": round(cpu_sf / cpu_ours1, 1),
                     "ours_wall_1thread": round(t_ours1, 2), f"ours_wall_{args.threads}threads": round(t_ours, 2),
                     "sf_wall": round(t_sf, 2), f"speedup_wall_{args.threads}threads": round(t_sf / t_ours, 1),
                     "mase_ours": round(mase_ours, 4), "mase_statsforecast": round(mase_sf, 4),
                     "mase_diff_pct": round(100 * (mase_ours - mase_sf) / mase_sf, 2)})
        print(rows[-1], flush=True)

    # statsmodels ETSModel (auto selection by AICc over the same family) on a subset
    k = args.statsmodels_subset
    if k > 0:
        train, test = split(seasonal)
        ids = sorted(train["unique_id"].unique())[:k]
        sub_train = train[train.unique_id.isin(ids)]
        sub_test = test[test.unique_id.isin(ids)]
        ours, t_ours, cpu_ours = timed(lambda: Forecaster([AutoETS(12)], freq="MS", n_jobs=1, origin="series").fit(sub_train).predict(H))

        def run_sm():
            parts = []
            for uid, grp in sub_train.groupby("unique_id"):
                fc = statsmodels_auto_ets(grp["y"].to_numpy(), 12)
                parts.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range(grp["ds"].max(), periods=H + 1,
                                                                                  freq="MS")[1:], "AutoETS": fc}))
            return pd.concat(parts, ignore_index=True)

        sm_fc, t_sm, cpu_sm = timed(run_sm)
        row = {"model": "AutoETS vs statsmodels ETSModel", "series": k, "ours_cpu_s": round(cpu_ours, 2),
               "statsmodels_cpu_s": round(cpu_sm, 2), "speedup_cpu": round(cpu_sm / cpu_ours, 1),
               "mase_ours": round(mase(sub_train, sub_test, ours, "AutoETS", 12), 4),
               "mase_statsmodels": round(mase(sub_train, sub_test, sm_fc, "AutoETS", 12), 4)}
        rows.append(row)
        print(row, flush=True)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
