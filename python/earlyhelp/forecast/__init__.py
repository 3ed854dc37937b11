"""Locality demand forecasts: series, models, reconciliation, accuracy and capacity.

Names are imported lazily from the submodules that define them, so that
``import earlyhelp.forecast`` stays fast.
"""
from __future__ import annotations

from typing import Dict

from .._lazy import lazy_exports

# public name -> submodule that defines it (one place)
_EXPORTS: Dict[str, str] = {
    # models and the engine (forecast/models.py, forecast/forecaster.py)
    "AutoETS": "models", "Theta": "models", "SeasonalNaive": "models", "Naive": "models",
    "CrostonOptimized": "models", "TSB": "models", "CountRegression": "models",
    "Forecaster": "forecaster", "ModelError": "forecaster", "BlankValuesFilledWarning": "forecaster",
    # series, hierarchy, accuracy, capacity, plots
    "demand_series": "demand", "demand_hierarchy": "demand", "MEASURES": "demand", "CHILD_MEASURES": "demand",
    "DemandSeries": "demand",
    "aggregate": "hierarchy", "reconcile": "hierarchy",
    "accuracy": "accuracy", "select_models": "accuracy", "ensemble": "accuracy", "Ensembled": "accuracy",
    "best_model": "accuracy",
    "capacity": "capacity", "episode_duration_curve": "capacity", "CapacityPlan": "capacity",
    "DurationCurve": "capacity", "Reconciled": "hierarchy",
    "plot_forecast": "plots", "plot_accuracy": "plots",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
