# Stubs for earlyhelp._core.network (cpp/bindings/network.cpp).
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import numpy.typing as npt

from earlyhelp._core import _Enum

_IntArray = npt.NDArray[np.int64]
_FloatArray = npt.NDArray[np.float64]
_Progress = Optional[Callable[[int, int], None]]

MAX_VERTICES: int

class Graph:
    """CSR graph (Boost.Graph) built from an edge list."""

    def __init__(self, src: npt.ArrayLike, dst: npt.ArrayLike, weight: Optional[npt.ArrayLike] = None,
                 directed: bool = False, n: int = -1) -> None: ...
    @property
    def n(self) -> int: ...
    @property
    def m(self) -> int: ...
    @property
    def directed(self) -> bool: ...
    @property
    def weighted(self) -> bool: ...
    def edges(self) -> Tuple[_IntArray, _IntArray, _FloatArray]: ...
    def lengths(self) -> _FloatArray: ...
    def degree(self) -> _FloatArray: ...
    def strength(self) -> _FloatArray: ...
    def components(self) -> _IntArray: ...
    def pagerank(self, damping: float = 0.85, tol: float = 1e-6, max_iter: int = 100) -> _FloatArray: ...
    def betweenness(self, sources: npt.ArrayLike, sampled: bool, normalized: bool = True,
                    progress: _Progress = None) -> _FloatArray: ...
    def distances(self, sources: npt.ArrayLike, progress: _Progress = None) -> _FloatArray: ...

class ProjectionWeight(_Enum):
    """Edge weight of a bipartite projection."""

    count: ProjectionWeight
    jaccard: ProjectionWeight
    __members__: Dict[str, ProjectionWeight]

def bipartite_projection(left: npt.ArrayLike, right: npt.ArrayLike, n_right: int = -1,
                         weight: ProjectionWeight = ...) -> Tuple[_IntArray, _IntArray, _FloatArray]:
    """Project a bipartite edge list onto its right vertices: returns (a, b, weight), a < b."""

class FlowMethod(_Enum):
    """How assign_min_cost solves the flow."""

    automatic: FlowMethod
    primal_dual: FlowMethod
    cost_scaling: FlowMethod
    __members__: Dict[str, FlowMethod]

def assign_min_cost(n_families: int, capacity: npt.ArrayLike, family: npt.ArrayLike, practitioner: npt.ArrayLike,
                    cost: npt.ArrayLike, candidates: int = 0,
                    method: FlowMethod = ...) -> Tuple[_IntArray, _FloatArray, float, int, int]:
    """Min-cost max-flow assignment: (practitioner per family or -1, cost per family, total, phases, rounds).

    candidates > 0: start from each family's cheapest arcs and add the rest by pricing (exact);
    0: all arcs; < 0: the solver's choice by method.
    """
