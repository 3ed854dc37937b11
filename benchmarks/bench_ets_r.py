"""Benchmark: AutoETS against R's ``forecast::ets`` (accuracy) and statsforecast's AutoETS (time).

40 monthly series: 10 of R's datasets (AirPassengers, UKDriverDeaths, USAccDeaths, co2 and gas
(last 20 years), nottem, wineind, ldeaths, mdeaths, fdeaths) and 30 generated ones (level,
linear/damped/exponential trend or none, additive or multiplicative season, Gaussian or
Poisson noise; seed fixed). The last 24 months are held out; mean MASE (scaled by the in-sample
seasonal naive MAE) of ours and of R's ``ets`` (defaults) fitted in one Rscript run, their
ratio, and the models each chose. Needs Rscript with the forecast package.

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_ets_r.py [--no-statsforecast]
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

H = 24
R_DATASETS = ["AirPassengers", "UKDriverDeaths", "USAccDeaths", "co2", "gas", "nottem", "wineind",
              "ldeaths", "mdeaths", "fdeaths"]

R_EXPORT = """
suppressMessages(library(forecast))
args <- commandArgs(TRUE)
out <- NULL
for (d in strsplit(args[2], ",")[[1]]) {
  x <- as.numeric(get(d)); if (length(x) > 240) x <- tail(x, 240)
  out <- rbind(out, data.frame(unique_id = d, t = seq_along(x), y = x))
}
write.csv(out, args[1], row.names = FALSE)
"""

R_FIT = """
suppressMessages(library(forecast))
args <- commandArgs(TRUE)
df <- read.csv(args[1]); h <- as.integer(args[3])
res <- NULL; t0 <- proc.time()[["elapsed"]]
for (u in unique(df$unique_id)) {
  y <- ts(df$y[df$unique_id == u], frequency = 12)
  fit <- ets(y)
  f <- forecast(fit, h = h)$mean
  res <- rbind(res, data.frame(unique_id = u, step = seq_len(h), mean = as.numeric(f),
                               method = fit$method, aicc = fit$aicc))
}
write.csv(res, args[2], row.names = FALSE)
cat(proc.time()[["elapsed"]] - t0, "\\n")
"""


def generated_series(n: int = 30, seed: int = 12) -> List[Tuple[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        length = int(rng.integers(84, 169))
        t = np.arange(length)
        level = rng.uniform(50, 500)
        kind = i % 5
        trend = [np.zeros(length), rng.uniform(-0.2, 0.6) * t,
                 level * 0.4 * (1 - 0.97 ** t), level * (np.exp(rng.uniform(-0.003, 0.008) * t) - 1),
                 np.zeros(length)][kind]
        amp = rng.uniform(0.05, 0.35)
        season = amp * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        base = level + trend
        y = base * (1 + season) if i % 2 else base + level * season
        y = rng.poisson(np.maximum(y, 1)).astype(float) if kind == 4 else \
            y + rng.normal(0, rng.uniform(0.02, 0.08) * level, length)
        out.append((f"gen{i:02d}", np.maximum(y, 1.0)))
    return out


def mase(train: np.ndarray, actual: np.ndarray, forecast: np.ndarray, m: int = 12) -> float:
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def load_series(tmp: Path) -> List[Tuple[str, np.ndarray]]:
    path = tmp / "datasets.csv"
    subprocess.run(["Rscript", "-e", R_EXPORT, str(path), ",".join(R_DATASETS)], check=True)
    real = pd.read_csv(path)
    series = [(u, g.sort_values("t")["y"].to_numpy(float)) for u, g in real.groupby("unique_id", sort=False)]
    return series + generated_series()


def long_frame(series: List[Tuple[str, np.ndarray]], holdout: int) -> pd.DataFrame:
    frames = []
    for uid, y in series:
        train = y[:-holdout]
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2000-01-01", periods=len(train),
                                                                           freq="MS"), "y": train}))
    return pd.concat(frames, ignore_index=True)


def run_r(train: pd.DataFrame, tmp: Path) -> Tuple[pd.DataFrame, float]:
    src, dst = tmp / "train.csv", tmp / "r_forecasts.csv"
    train.assign(t=train.groupby("unique_id").cumcount() + 1)[["unique_id", "t", "y"]].to_csv(src, index=False)
    done = subprocess.run(["Rscript", "-e", R_FIT, str(src), str(dst), str(H)], check=True,
                          capture_output=True, text=True)
    return pd.read_csv(dst), float(done.stdout.split()[-1])


def compare(series: List[Tuple[str, np.ndarray]], tmp: Path) -> pd.DataFrame:
    """Per series: MASE of ours and of R, and the models chosen (one run of each)."""
    from earlyhelp.forecast import AutoETS, Forecaster

    train = long_frame(series, H)
    fc = Forecaster([AutoETS()], freq="MS", n_jobs=1, interval="model")
    t0 = time.process_time()
    ours = fc.forecast(df=train, h=H)
    ours_cpu = time.process_time() - t0
    summary = fc.model_summary() if hasattr(fc, "model_summary") else None
    r_fc, r_seconds = run_r(train, tmp)
    rows = []
    for uid, y in series:
        tr, actual = y[:-H], y[-H:]
        o = ours.loc[ours.unique_id == uid, "AutoETS"].to_numpy()
        r = r_fc.loc[r_fc.unique_id == uid].sort_values("step")
        rows.append({"unique_id": uid, "mase_ours": mase(tr, actual, o),
                     "mase_r": mase(tr, actual, r["mean"].to_numpy()), "r_model": r["method"].iloc[0],
                     "our_model": (summary.set_index("unique_id").loc[uid, "method"]
                                   if summary is not None else "")})
    table = pd.DataFrame(rows)
    table.attrs.update(ours_cpu=ours_cpu, r_seconds=r_seconds)
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-statsforecast", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        series = load_series(Path(d))
        table = compare(series, Path(d))
    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    mo, mr = table["mase_ours"].mean(), table["mase_r"].mean()
    print(f"\n{len(table)} series, h={H}: mean MASE ours {mo:.4f}, R ets {mr:.4f}, ratio ours/R {mo / mr:.4f}; "
          f"same model chosen on {(table.our_model == table.r_model).sum()} series")
    print(f"CPU seconds: ours {table.attrs['ours_cpu']:.2f}, R ets {table.attrs['r_seconds']:.2f} (elapsed)")
    if not args.no_statsforecast:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS as SfETS

        train = long_frame(series, H)
        sf = StatsForecast(models=[SfETS(season_length=12)], freq="MS", n_jobs=1)
        sf.forecast(df=train[train.unique_id == train.unique_id.iloc[0]], h=H)  # numba warm-up
        t0 = time.process_time()
        sf.forecast(df=train, h=H)
        sf_cpu = time.process_time() - t0
        print(f"statsforecast AutoETS CPU seconds {sf_cpu:.2f}; speed-up ours vs statsforecast "
              f"{sf_cpu / table.attrs['ours_cpu']:.2f}x")


if __name__ == "__main__":
    main()
