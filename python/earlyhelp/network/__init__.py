"""earlyhelp.network: the multi-agency network as a graph.

- :class:`Graph`, :func:`bipartite_projection`: a general graph engine (C++ on Boost.Graph).
- :class:`FamilyNetwork`: persons, families, practitioners, agencies and localities at a date.
- :func:`allocate_leads`: lead practitioners for families without one, by minimum-cost flow.
"""
from __future__ import annotations

from typing import Dict

from .._lazy import lazy_exports

_EXPORTS: Dict[str, str] = {
    "Graph": "graph", "bipartite_projection": "graph",
    "FamilyNetwork": "family", "AgencyCollaboration": "family", "plot_agency_network": "family",
    "allocate_leads": "allocate", "Allocation": "allocate", "default_cost": "allocate", "DEFAULT_COSTS": "allocate",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
