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

from ._lazy import lazy_exports
from ._errors import ConfigError, CoreInputError, Problem, ValidationError
from .data import Dataset, read_dataset, read_published, read_ssda903, write_dataset

# earlyhelp.synthetic etc. work without importing them first, while importing
# earlyhelp stays fast (matplotlib and scikit-learn load only when needed).
# __version__ is the compiled core's, set by the build from CMakeLists.txt.
_, __getattr__, _ = lazy_exports(__name__, {**{name: "" for name in ("synthetic", "network", "risk", "forecast", "report",
                                                                     "flow", "measures")},
                                            "__version__": "_core"})

__all__ = [
    "ConfigError",
    "CoreInputError",
    "Dataset",
    "Problem",
    "ValidationError",
    "__version__",
    "read_dataset",
    "read_published",
    "read_ssda903",
    "write_dataset",
]
