"""Overdispersed monthly count series with trend and seasonality (negative binomial),
for interval-coverage checks by simulation."""
from __future__ import annotations

import numpy as np
import pandas as pd


def nb_trend_panel(n_series: int, n: int, seed: int, trend: "tuple[float, float]" = (-0.015, 0.02)) -> pd.DataFrame:
    """``unique_id, ds, y``: level 10-80 a month, trend -1.5% to +2% a month (compounded; or
    uniform on the ``trend`` range given), seasonal amplitude 0-30%, negative binomial noise with
    size 4-30 (variance mu + mu^2/size)."""
    rng = np.random.default_rng(seed)
    frames = []
    t = np.arange(n)
    for i in range(n_series):
        level = rng.uniform(10, 80)
        growth = rng.uniform(*trend)
        amp = rng.uniform(0.0, 0.3)
        phase = rng.integers(12)
        size = rng.uniform(4, 30)
        mu = level * np.exp(growth * t) * (1 + amp * np.sin(2 * np.pi * (t + phase) / 12))
        y = rng.negative_binomial(size, size / (size + mu)).astype(float)
        frames.append(pd.DataFrame({"unique_id": f"s{i:03d}",
                                    "ds": pd.date_range("2016-04-01", periods=n, freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def council_panel(k: int, preset: str = "coventry") -> pd.DataFrame:
    """``unique_id, ds, y``: monthly requests per locality of k synthetic councils of a preset
    (6 years, seeds 0..k-1; the last, partial month dropped)."""
    from earlyhelp import synthetic

    frames = []
    for seed in range(k):
        ds = synthetic.council(preset, years=6, seed=seed)
        locality = ds.families.set_index("family_id")["locality_id"]
        f = pd.DataFrame({"ds": ds.requests["received_date"].dt.to_period("M").dt.to_timestamp(),
                          "unique_id": f"{seed}-" + ds.requests["family_id"].map(locality).astype(str)})
        frames.append(f.groupby(["unique_id", "ds"]).size().rename("y").reset_index())
    df = pd.concat(frames, ignore_index=True)
    return df[df.ds < df.ds.max()]
