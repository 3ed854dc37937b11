"""Series for the comparisons with peers: real series shipped inside PyPI
packages (statsmodels, statsforecast) and synthetic series with known structure
(statsforecast), and the 40 monthly series of the comparison with R's
``forecast::ets`` (tests/forecast/test_ets_vs_r.py and benchmarks/bench_ets_r.py)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
import pandas as pd


def real_series() -> List[Tuple[str, np.ndarray, int]]:
    import statsmodels.api as sm
    from statsforecast.utils import AirPassengersDF

    out = [("AirPassengers", AirPassengersDF["y"].to_numpy(float), 12)]
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    out.append(("co2", co2.to_numpy(float)[-180:], 12))
    el = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR").to_numpy(float).ravel()
    out.append(("elnino", el[-240:], 12))
    macro = sm.datasets.macrodata.load_pandas().data
    for col in ("realgdp", "realcons", "cpi", "unemp", "m1", "realinv"):
        out.append((f"macro_{col}", macro[col].to_numpy(float), 4))
    out.append(("sunspots", sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)[-150:], 1))
    out.append(("nile", sm.datasets.nile.load_pandas().data["volume"].to_numpy(float), 1))
    return out


def synthetic_series(n_series: int = 12, seed: int = 7) -> List[Tuple[str, np.ndarray, int]]:
    """Monthly count-like series: level, optional trend, multiplicative or
    additive season, Poisson noise; a few with damped growth."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_series):
        n = int(rng.integers(60, 121))
        t = np.arange(n)
        level = rng.uniform(15, 200)
        season = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        growth = [0.0, 0.004, -0.002, 0.01 * (1 - 0.97 ** t) / max(t.max(), 1)][i % 4]
        lam = level * season * np.exp(growth * t)
        out.append((f"synthetic_{i}", rng.poisson(lam).astype(float), 12))
    return out


def long_frame(series: List[Tuple[str, np.ndarray, int]]) -> pd.DataFrame:
    frames = [pd.DataFrame({"unique_id": name, "ds": pd.date_range("2000-01-01", periods=len(y), freq="MS"), "y": y})
              for name, y, _ in series]
    return pd.concat(frames, ignore_index=True)


# ---- the comparison with R's forecast::ets ---------------------------------------------------
ETS_R_HOLDOUT = 24
R_DATASETS = ["AirPassengers", "UKDriverDeaths", "USAccDeaths", "co2", "gas", "nottem", "wineind",
              "ldeaths", "mdeaths", "fdeaths"]

_R_EXPORT = """
suppressMessages(library(forecast))
args <- commandArgs(TRUE)
out <- NULL
for (d in strsplit(args[2], ",")[[1]]) {
  x <- as.numeric(get(d)); if (length(x) > 240) x <- tail(x, 240)
  out <- rbind(out, data.frame(unique_id = d, t = seq_along(x), y = x))
}
write.csv(out, args[1], row.names = FALSE)
"""

_R_FIT = """
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


# ---- real monthly counts (R's datasets) for the interval coverage on real series --------------
_R_COUNTS = """
sets <- list(AirPassengers = AirPassengers, UKDriverDeaths = UKDriverDeaths, wineind = forecast::wineind,
             DriversKilled = Seatbelts[, "DriversKilled"], front = Seatbelts[, "front"],
             rear = Seatbelts[, "rear"], VanKilled = Seatbelts[, "VanKilled"])
out <- NULL
for (d in names(sets)) {
  x <- sets[[d]]
  out <- rbind(out, data.frame(unique_id = d, year = start(x)[1], month = start(x)[2], t = seq_along(x) - 1,
                               y = as.numeric(x)))
}
write.csv(out, commandArgs(TRUE)[1], row.names = FALSE)
"""


def real_count_series() -> pd.DataFrame:
    """``unique_id, ds, y``: the 7 monthly count series of 144 months or more in R's datasets
    (airline passengers, road casualties of the UK Seatbelts data and its drivers killed or
    seriously injured, Australian wine sales in bottles), read through Rscript."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "counts.csv"
        subprocess.run(["Rscript", "-e", _R_COUNTS, str(path)], check=True, capture_output=True)
        raw = pd.read_csv(path)
    months = raw.year * 12 + raw.month - 1 + raw.t
    ds = pd.to_datetime(dict(year=months // 12, month=months % 12 + 1, day=1))
    return pd.DataFrame({"unique_id": raw.unique_id, "ds": ds, "y": raw.y.astype(float)})


def r_ets_available() -> Optional[str]:
    """None when Rscript with the forecast package can run, else why not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found"
    done = subprocess.run(["Rscript", "-e", "library(forecast)"], capture_output=True, text=True)
    return None if done.returncode == 0 else "R package forecast not installed"


def generated_monthly_series(n: int = 30, seed: int = 12) -> List[Tuple[str, np.ndarray]]:
    """Monthly series of 84-168 points: level, linear/damped/exponential trend or none, additive or
    multiplicative season, Gaussian or Poisson noise."""
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


def ets_r_series() -> List[Tuple[str, np.ndarray]]:
    """The 40 monthly series compared with R's ets: 10 of R's datasets (the last 20 years of the
    longer ones), read through Rscript, and 30 generated ones (seed fixed)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "datasets.csv"
        subprocess.run(["Rscript", "-e", _R_EXPORT, str(path), ",".join(R_DATASETS)], check=True,
                       capture_output=True)
        real = pd.read_csv(path)
    series = [(u, g.sort_values("t")["y"].to_numpy(float)) for u, g in real.groupby("unique_id", sort=False)]
    return series + generated_monthly_series()


def monthly_training_frame(series: List[Tuple[str, np.ndarray]], holdout: int = ETS_R_HOLDOUT) -> pd.DataFrame:
    """Long frame (unique_id, ds, y) of every series without its last `holdout` months."""
    frames = []
    for uid, y in series:
        train = y[:-holdout]
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2000-01-01", periods=len(train),
                                                                           freq="MS"), "y": train}))
    return pd.concat(frames, ignore_index=True)


def run_r_ets(train: pd.DataFrame, h: int = ETS_R_HOLDOUT, processes: int = 1) -> Tuple[pd.DataFrame, float]:
    """R's ``ets`` (defaults, frequency 12) on every series of `train`: per series and step the
    point forecast, the model (``method``) and its AICc; and R's elapsed seconds (summed over
    `processes` Rscript processes, each fitting a share of the series)."""
    ids = list(train["unique_id"].unique())
    shares = [ids[k::processes] for k in range(processes)]
    with tempfile.TemporaryDirectory() as d:
        runs = []
        for k, share in enumerate(shares):
            part = train[train["unique_id"].isin(share)]
            src, dst = Path(d) / f"train{k}.csv", Path(d) / f"r_forecasts{k}.csv"
            part.assign(t=part.groupby("unique_id").cumcount() + 1)[["unique_id", "t", "y"]].to_csv(src, index=False)
            runs.append((subprocess.Popen(["Rscript", "-e", _R_FIT, str(src), str(dst), str(h)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), dst))
        frames, seconds = [], 0.0
        for proc, dst in runs:
            out, err = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"Rscript failed: {err[-2000:]}")
            frames.append(pd.read_csv(dst))
            seconds += float(out.split()[-1])
    return pd.concat(frames, ignore_index=True), seconds


def mase(train: np.ndarray, actual: np.ndarray, forecast: np.ndarray, m: int = 12) -> float:
    """Mean absolute error scaled by the in-sample seasonal naive MAE."""
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale)
