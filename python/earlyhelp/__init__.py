"""earlyhelp: analytics for Early Help in English children's services.

Modules
-------
data       : :class:`Dataset`, readers, validation, derived events.
synthetic  : synthetic councils calibrated to published figures.
network    : multi-agency networks on Boost.Graph.
risk       : need profiles, risk models, calibration, fairness.
forecast   : locality demand forecasts, reconciliation, capacity.
report     : small-number suppression, pseudonymisation, HTML reports.
"""
from __future__ import annotations

from ._errors import ConfigError, Problem, ValidationError
from .data import Dataset, read_dataset, read_published, write_dataset

__version__ = "0.1.0"

_SUBMODULES = ("synthetic", "network", "risk", "forecast", "report")


def __getattr__(name: str):
    # earlyhelp.synthetic etc. work without importing them first, but importing
    # earlyhelp stays fast (matplotlib and scikit-learn load only when needed).
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'earlyhelp' has no attribute {name!r}")

__all__ = [
    "ConfigError",
    "Dataset",
    "Problem",
    "ValidationError",
    "__version__",
    "read_dataset",
    "read_published",
    "write_dataset",
]
