"""Stock-flow models of the continuum from Early Help to care: projection, simulation,
costs, scenarios and goal-seek; many councils and scenarios on Dask.

Start with :class:`StockFlow`: ``StockFlow(categories="cs-demand-model").fit(ds)`` then
``.project(until=...)`` (deterministic) or ``.simulate(months, runs, seed)`` (Monte Carlo).
"""
from __future__ import annotations

from .._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "StockFlow": "model",
    "Categories": "categories",
    "categories": "categories",
    "Scenario": "scenario",
    "compare": "analysis",
    "cost_avoided_bands": "analysis",
    "goal_seek": "analysis",
    "backtest": "analysis",
    "simulate_many": "distributed",
    "local_client": "distributed",
})
