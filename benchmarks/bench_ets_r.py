"""Benchmark: AutoETS against R's ``forecast::ets`` (accuracy) and statsforecast's AutoETS (time).

40 monthly series: 10 of R's datasets (AirPassengers, UKDriverDeaths, USAccDeaths, co2 and gas
(last 20 years), nottem, wineind, ldeaths, mdeaths, fdeaths) and 30 generated ones (level,
linear/damped/exponential trend or none, additive or multiplicative season, Gaussian or
Poisson noise; seed fixed). The last 24 months are held out; mean MASE (scaled by the in-sample
seasonal naive MAE) of ours and of R's ``ets`` (defaults) fitted in one Rscript run, their
ratio, and the models each chose. Needs Rscript with the forecast package. The series and
the R run are those of tests/forecast/test_ets_vs_r.py (tests/forecast/_series.py).

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_ets_r.py [--no-statsforecast]
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time
from typing import List, Tuple

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "forecast"))
from _series import ETS_R_HOLDOUT as H, ets_r_series, mase, monthly_training_frame, run_r_ets  # noqa: E402


def compare(series: List[Tuple[str, np.ndarray]]) -> pd.DataFrame:
    """Per series: MASE of ours and of R, and the models chosen (one run of each)."""
    from earlyhelp.forecast import AutoETS, Forecaster

    train = monthly_training_frame(series, H)
    fc = Forecaster([AutoETS()], freq="MS", n_jobs=1, interval="model", origin="series")
    t0 = time.process_time()
    ours = fc.forecast(df=train, h=H)
    ours_cpu = time.process_time() - t0
    summary = fc.model_summary().set_index("unique_id")
    r_fc, r_seconds = run_r_ets(train, H)
    rows = []
    for uid, y in series:
        tr, actual = y[:-H], y[-H:]
        o = ours.loc[ours.unique_id == uid, "AutoETS"].to_numpy()
        r = r_fc.loc[r_fc.unique_id == uid].sort_values("step")
        rows.append({"unique_id": uid, "mase_ours": mase(tr, actual, o),
                     "mase_r": mase(tr, actual, r["mean"].to_numpy()), "r_model": r["method"].iloc[0],
                     "our_model": summary.loc[uid, "method"]})
    table = pd.DataFrame(rows)
    table.attrs.update(ours_cpu=ours_cpu, r_seconds=r_seconds)
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-statsforecast", action="store_true")
    args = ap.parse_args()
    series = ets_r_series()
    table = compare(series)
    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    mo, mr = table["mase_ours"].mean(), table["mase_r"].mean()
    print(f"\n{len(table)} series, h={H}: mean MASE ours {mo:.4f}, R ets {mr:.4f}, ratio ours/R {mo / mr:.4f}; "
          f"same model chosen on {(table.our_model == table.r_model).sum()} series")
    print(f"CPU seconds: ours {table.attrs['ours_cpu']:.2f}, R ets {table.attrs['r_seconds']:.2f} (elapsed)")
    if not args.no_statsforecast:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS as SfETS

        train = monthly_training_frame(series, H)
        sf = StatsForecast(models=[SfETS(season_length=12)], freq="MS", n_jobs=1)
        sf.forecast(df=train[train.unique_id == train.unique_id.iloc[0]], h=H)  # numba warm-up
        t0 = time.process_time()
        sf_fc = sf.forecast(df=train, h=H)
        sf_cpu = time.process_time() - t0
        sf_mase = np.mean([mase(y[:-H], y[-H:], sf_fc.loc[sf_fc.unique_id == uid, "AutoETS"].to_numpy())
                           for uid, y in series])
        print(f"statsforecast AutoETS: mean MASE {sf_mase:.4f}, CPU seconds {sf_cpu:.2f}; speed-up ours vs "
              f"statsforecast {sf_cpu / table.attrs['ours_cpu']:.2f}x")


if __name__ == "__main__":
    main()
