"""Probes that push fuzzed inputs through every public entry point into the C++ core.

Each probe takes plain Python/numpy values (picklable), calls the public API and
uses the result; it returns nothing. The worker reports whether it returned,
raised (and what) or crashed.
"""
from __future__ import annotations

import functools
from typing import Any, List, Optional, Sequence

import numpy as np
import pandas as pd


def graph(src: Sequence[int], dst: Sequence[int], weight: Optional[Sequence[float]], directed: bool,
          n: Optional[int], sources: Sequence[int], damping: float, samples: Optional[int]) -> None:
    from earlyhelp.network import Graph

    g = Graph.from_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64),
                         None if weight is None else np.asarray(weight, dtype=float), directed=directed, n=n)
    g.degree(); g.strength(); g.components(); g.edges(); g.nodes()
    g.pagerank(damping=damping)
    g.betweenness(samples=samples, seed=0)
    g.distances(np.asarray(sources, dtype=np.int64))


def projection(left: Sequence[int], right: Sequence[int], weight: str, n_right: Optional[int]) -> None:
    from earlyhelp.network import bipartite_projection

    g = bipartite_projection(np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64),
                             weight=weight, n_right=n_right)
    g.components()


def _series_frame(values: Sequence[float], n_series: int) -> pd.DataFrame:
    y = np.asarray(values, dtype=float)
    ds = pd.date_range("2020-01-01", periods=len(y), freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y * (k + 1)}) for k in range(n_series)],
                     ignore_index=True)


def forecaster(values: Sequence[float], n_series: int, model: str, season_length: int, h: Any,
               level: Optional[List[float]]) -> None:
    from earlyhelp.forecast import Forecaster, models

    spec = {"AutoETS": lambda: models.AutoETS(season_length=season_length),
            "Theta": lambda: models.Theta(season_length=season_length),
            "SeasonalNaive": lambda: models.SeasonalNaive(season_length=season_length),
            "Naive": lambda: models.Naive(),
            "CrostonOptimized": lambda: models.CrostonOptimized(),
            "TSB": lambda: models.TSB(),
            "CountRegression": lambda: models.CountRegression(season_length=season_length)}[model]
    fc = Forecaster([spec()], freq="MS", season_length=season_length)
    fc.fit(_series_frame(values, n_series)).predict(h, level=level)


def reconcile(values: Sequence[float], method: str, noise: float, level: Optional[List[float]],
              nonnegative: bool = False) -> None:
    from earlyhelp.forecast import aggregate, reconcile as run

    y = np.asarray(values, dtype=float)
    dates = pd.date_range("2021-01-01", periods=len(y), freq="MS")
    bottom = pd.concat([pd.DataFrame({"council": "C", "locality": loc, "ds": dates, "y": y + k * noise})
                        for k, loc in enumerate(["L1", "L2", "L3"])], ignore_index=True)
    Y, S, tags = aggregate(bottom, [["council"], ["council", "locality"]])
    last = Y["ds"].max()
    future = pd.date_range(last + pd.offsets.MonthBegin(1), periods=3, freq="MS")
    ids = S["unique_id"] if "unique_id" in S else S.index
    fc = pd.DataFrame([(u, d) for u in ids for d in future], columns=["unique_id", "ds"])
    fc["M"] = np.resize(y, len(fc)) + noise
    for lv in level or []:
        fc[f"M-lo-{lv:g}"] = fc["M"] - abs(noise) - 1
        fc[f"M-hi-{lv:g}"] = fc["M"] + abs(noise) + 1
    insample = Y.copy()
    insample["M"] = insample["y"] + noise
    run(fc, S, method=method, insample=insample, level=level, nonnegative=nonnegative)


def logistic(X: Sequence[Sequence[float]], y: Sequence[int], C: float, l1_ratio: float) -> None:
    from earlyhelp.risk import LogisticRiskModel

    model = LogisticRiskModel(C=C, l1_ratio=l1_ratio).fit(np.asarray(X, dtype=float), np.asarray(y))
    model.predict_proba(np.asarray(X, dtype=float))


def poisson(X: Sequence[Sequence[float]], y: Sequence[float], alpha: float) -> None:
    from earlyhelp.risk import PoissonRiskModel

    model = PoissonRiskModel(alpha=alpha).fit(np.asarray(X, dtype=float), np.asarray(y, dtype=float))
    model.predict(np.asarray(X, dtype=float))


def calibrators(p: Sequence[float], y: Sequence[int]) -> None:
    from earlyhelp.risk import IsotonicCalibrator, PlattCalibrator

    for cls in (IsotonicCalibrator, PlattCalibrator):
        cls().fit(np.asarray(p, dtype=float), np.asarray(y)).transform(np.asarray(p, dtype=float))


def synthetic(preset: str, years: Any, scale: Any, seed: Any) -> None:
    from earlyhelp import synthetic as syn

    syn.council(preset=preset, years=years, scale=scale, seed=seed)


@functools.lru_cache(maxsize=1)
def _small_council():
    from earlyhelp import synthetic as syn

    return syn.council(preset="coventry", years=1, scale=0.05, seed=0)


def allocation(costs: Sequence[float], candidates: Optional[int]) -> None:
    from earlyhelp.network import allocate_leads

    pool = np.asarray(costs, dtype=float)

    def cost(families: pd.DataFrame, practitioners: pd.DataFrame) -> np.ndarray:
        return np.resize(pool, len(families))

    allocate_leads(_small_council(), cost=cost, candidates=candidates)


@functools.lru_cache(maxsize=1)
def _fitted_flow():
    from earlyhelp.flow import StockFlow

    ds = _small_council()
    end = ds.data_end()
    return StockFlow().fit(ds, start=end - pd.DateOffset(years=1), end=end)


def flow(months: Any, runs: Any, seed: Any, quantiles: Optional[List[float]], until_days: Any) -> None:
    from earlyhelp.flow import StockFlow  # noqa: F401 - the module under test

    model = _fitted_flow()
    model.simulate(months=months, runs=runs, seed=seed, quantiles=quantiles or (0.05, 0.5, 0.95), threads=1)
    start = model._need_fit().end
    model.project(until=start + pd.Timedelta(days=until_days) if isinstance(until_days, int) else until_days)
