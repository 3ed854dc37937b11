"""earlyhelp.network: the multi-agency network as a graph.

- :class:`Graph`, :func:`bipartite_projection`: a general graph engine (C++ on Boost.Graph).
- :class:`FamilyNetwork`: persons, families, practitioners, agencies and localities at a date.
- :func:`allocate_leads`: lead practitioners for families without one, by minimum-cost flow.
"""
from __future__ import annotations

import importlib
from typing import Any, Dict, List

_EXPORTS: Dict[str, str] = {
    "Graph": "graph", "bipartite_projection": "graph",
    "FamilyNetwork": "family", "plot_agency_network": "family",
    "allocate_leads": "allocate", "DEFAULT_COSTS": "allocate",
}

__all__: List[str] = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'earlyhelp.network' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return __all__
