"""Real series shipped inside PyPI packages (statsmodels, statsforecast) and
synthetic series with known structure, for comparisons with statsforecast."""
from __future__ import annotations

from typing import List, Tuple

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
