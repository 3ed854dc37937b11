"""A general graph engine: NetworkX-compatible answers from a C++ core on Boost.Graph.

:class:`Graph` is built from an edge list of integer vertex ids (numpy arrays)
and computes components, PageRank, betweenness, shortest-path distances,
degree and strength in C++ with the GIL released; results come back as numpy
arrays without copies.

Edge-list conventions (documented, tested)
------------------------------------------
- **Vertex ids** are integers ``0..n-1``. With ``n=None``, ``n`` is the largest
  id plus one; an id that is negative or ``>= n`` raises :class:`earlyhelp.ValidationError`.
- **Weights** must be finite and ``>= 0``: NaN, infinite or negative weights raise
  :class:`earlyhelp.ValidationError` (shortest paths and PageRank need them non-negative),
  as do weights that are not numbers or whose total overflows a float.
- **Duplicate (parallel) edges** are merged into one edge, which keeps two numbers. As a
  *strength* (:meth:`Graph.strength`, :meth:`Graph.pagerank`) its weight is the sum of the
  parallel weights, as when a NetworkX ``MultiGraph`` is collapsed to a ``Graph`` with summed
  weights. As a *length* (:meth:`Graph.distances`, :meth:`Graph.betweenness`) it is the
  shortest of the parallel edges, as NetworkX's shortest paths on the ``MultiGraph`` and
  igraph's on a multigraph take it. :meth:`Graph.edges` shows both (``weight`` and
  ``length``). An unweighted graph stays unweighted (the merged edge weighs 1), as
  ``nx.Graph(edge_list)`` does. In an undirected graph ``(u, v)`` and ``(v, u)``
  are the same edge.
- **Zero weights** are allowed for distances and PageRank; betweenness on a weighted
  graph refuses them, except on self-loops (see :meth:`Graph.betweenness`).
- **Self-loops** are kept: they count twice in an undirected vertex's degree and
  strength (NetworkX's convention), pass rank to the vertex itself in PageRank and
  play no part in components, distances or betweenness.
- **Empty graphs** (no vertices) give empty arrays; isolated vertices are their own
  component, have PageRank ``(1 - damping) / n + damping / n * (dangling share)``.

Graphs of labelled nodes
------------------------
``Graph.from_edges([("a", "b"), ("b", "c")])`` (pairs, ``(u, v, weight)`` triples, or a
DataFrame with ``source`` and ``target`` columns) builds the graph from node labels, as
``nx.Graph(edges)`` or ``nx.from_pandas_edgelist(df)`` do: nodes (any hashable label, tuples
included) are numbered in order of first appearance, and every per-node result (degree, PageRank,
components, ...) comes back as a :class:`pandas.Series` keyed by label, like NetworkX's dicts.
"""
from __future__ import annotations

import random
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._native import network as core
from .._native import naming, progress as progress_bar
from .._numbers import is_real, is_whole

__all__ = ["Graph", "bipartite_projection", "MAX_VERTICES"]

#: most vertices a graph may have: ids index arrays, so a sparse id (2**31) would allocate
#: for every id below it. Sparse or large ids belong in a labelled edge list, which renumbers them.
MAX_VERTICES = min(100_000_000, core.MAX_VERTICES)


def _whole(value: Any, table: str, column: str) -> int:
    """``value`` as an int if it is a whole number (2.5 is an error, not 2)."""
    if not is_whole(value, whole_floats=True):
        raise ValidationError(Problem(table, column, "must be a whole number", value=value))
    return int(value)


def _real(value: Any, table: str, column: str) -> float:
    """``value`` as a float, or a ValidationError naming the parameter (not numpy's bare ValueError)."""
    if not is_real(value):
        raise ValidationError(Problem(table, column, "must be a number", value=value))
    return float(value)


def _flag(value: Any, table: str, column: str) -> bool:
    """``value`` if it is True or False: the core takes any object as a bool, and a truthy
    ``"no"`` would mean yes."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValidationError(Problem(table, column, "must be True or False", value=value))
    return bool(value)


#: most iterations PageRank may be asked for: the core counts them in a 32-bit int
MAX_ITERATIONS = 2 ** 31 - 1


def _objects(values: Any) -> np.ndarray:
    """A one-dimensional object array of ``values``: tuples stay whole labels (``np.asarray``
    would turn a list of pairs into a two-dimensional array)."""
    values = list(values)
    return np.fromiter(values, dtype=object, count=len(values))


def _distinct_labels(labels: np.ndarray) -> np.ndarray:
    """``labels`` if no two are equal, else a ValidationError naming the repeated labels and their
    positions: two vertices with one name become one node in ``edges()`` and ``to_networkx()``."""
    repeated = pd.Series(labels, dtype=object).duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        rows = np.flatnonzero(repeated)
        counts = pd.Series(labels[rows], dtype=object).value_counts(sort=False)
        shown = ", ".join(f"{label!r} {k} times" for label, k in list(counts.items())[:5])
        more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
        raise ValidationError(Problem("nodes", "label", f"labels must be distinct, one per vertex (a repeated label "
                                      f"makes two vertices one node): {shown}{more}",
                                      rows[:10].tolist(), len(rows), labels[rows[0]]))
    return labels


def _check_n(n: int, table: str, column: str) -> None:
    if n > MAX_VERTICES:
        raise ValidationError(Problem(table, column, f"{n:,} vertices is more than a graph may have "
                                      f"({MAX_VERTICES:,}): ids index arrays, so give a labelled edge list "
                                      "(from_edges(edges)) to renumber sparse ids", value=n))


def _id_array(values: Any, table: str, column: str) -> np.ndarray:
    """Integer vertex ids as contiguous int64, or a ValidationError naming the bad rows."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValidationError(Problem(table, column, f"must be one-dimensional, got shape {arr.shape}"))
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            rows = np.flatnonzero(bad)
            raise ValidationError(Problem(table, column, "vertex ids must be whole numbers", rows[:10].tolist(),
                                          len(rows), arr[rows[0]].item()))
    elif arr.dtype.kind not in "iub" and arr.size:
        raise ValidationError(Problem(table, column, f"vertex ids must be integers, got dtype {arr.dtype}"))
    if arr.dtype.kind in "uf":  # values from 2**63 up would wrap round when cast to int64
        too_big = arr >= (np.uint64(2 ** 63) if arr.dtype.kind == "u" else 2.0 ** 63)
        if too_big.any():
            rows = np.flatnonzero(too_big)
            raise ValidationError(Problem(table, column, "vertex ids must fit in 64-bit signed integers",
                                          rows[:10].tolist(), len(rows), arr[rows[0]].item()))
    return np.ascontiguousarray(arr, dtype=np.int64)


def _check_range(ids: np.ndarray, n: int, table: str, column: str) -> None:
    bad = (ids < 0) | (ids >= n)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValidationError(Problem(table, column, f"vertex id out of range 0..{n - 1}", rows[:10].tolist(),
                                      len(rows), int(ids[rows[0]])))


def _check_not_negative(ids: np.ndarray, table: str, column: str) -> None:
    bad = ids < 0
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValidationError(Problem(table, column, "vertex ids must be 0 or more", rows[:10].tolist(), len(rows),
                                      int(ids[rows[0]])))


def _as_floats(weight: Any, table: str) -> np.ndarray:
    """Weights as float64 (missing ones as NaN, for the caller to report), or a ValidationError
    naming the rows that are not numbers."""
    try:
        raw = np.asarray(weight)
        if raw.dtype.kind == "c":
            # numpy would drop the imaginary part with only a warning
            bad = np.flatnonzero(np.ravel(raw.imag) != 0)
            if len(bad):
                raise ValidationError(Problem(table, "weight", "weights must be real numbers", bad[:10].tolist(),
                                              len(bad), np.ravel(raw)[bad[0]].item()))
            raw = raw.real
        return np.ascontiguousarray(np.asarray(raw, dtype=np.float64))
    except (TypeError, ValueError) as err:
        if isinstance(err, ValidationError):
            raise
        shaped = np.asarray(weight, dtype=object)
        raw = pd.Series(_objects(np.ravel(shaped)), dtype=object)
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = np.flatnonzero((numbers.isna() & raw.notna()).to_numpy())
        if len(bad):
            raise ValidationError(Problem(table, "weight", "weights must be numbers", bad[:10].tolist(), len(bad),
                                          raw.iat[bad[0]])) from None
        return np.ascontiguousarray(numbers.to_numpy(dtype=np.float64, na_value=np.nan).reshape(shaped.shape))


def _check_weights(weight: Any, m: int, table: str = "edges") -> np.ndarray:
    w = _as_floats(weight, table)
    if w.shape != (m,):
        raise ValidationError(Problem(table, "weight", f"has shape {w.shape}, expected ({m},) like src and dst"))
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValidationError(Problem(table, "weight", "weights must be finite and >= 0 (NaN, inf or negative found)",
                                      rows[:10].tolist(), len(rows), float(w[rows[0]])))
    with np.errstate(over="ignore"):
        total = w.sum()
    if not np.isfinite(total):
        # merged duplicates, strengths and path lengths are sums of weights: they would overflow to inf
        largest = np.finfo(np.float64).max
        raise ValidationError(Problem(table, "weight", f"weights add up to more than {largest:.3g}, so their sums "
                                      "would overflow; rescale them"))
    return w


class Graph:
    """A directed or undirected graph on vertices ``0..n-1`` (C++ CSR graph on Boost.Graph).

    Build it with :meth:`from_edges`. ``labels`` optionally names the vertices
    (used by :meth:`nodes`, :meth:`edges` and :meth:`to_networkx`).

    Parameters
    ----------
    core_graph : object
        the compiled graph (use :meth:`from_edges` rather than this constructor).
    labels : sequence, optional
        a distinct name per vertex.

    Raises
    ------
    ValidationError
        the labels are not one per vertex, or one repeats (naming it and its positions).
    """

    def __init__(self, core_graph: Any, labels: Optional[Sequence[Any]] = None) -> None:
        self._g = core_graph
        if labels is not None and len(labels) != core_graph.n:
            raise ValidationError(Problem("nodes", "label", f"{len(labels)} labels for {core_graph.n} vertices"))
        self.labels = None if labels is None else _distinct_labels(_objects(labels))
        self.by_label = False      # per-node results keyed by label (built from a labelled edge list)

    @classmethod
    def from_edges(cls, src: Any, dst: Any = None, weight: Any = None, directed: bool = False,
                   n: Optional[int] = None, labels: Optional[Sequence[Any]] = None) -> "Graph":
        """Build a graph from parallel arrays of edge endpoints, or from an edge list of node labels.

        Parameters
        ----------
        src, dst : array-like of int
            Edge endpoints, vertex ids in ``0..n-1``. Or, with ``dst`` omitted, ``src`` is an
            edge list of node labels: ``(u, v)`` pairs, ``(u, v, weight)`` triples (a list,
            or a numpy array of 2 or 3 columns), or a DataFrame with ``source`` and ``target`` columns (see "Graphs of labelled nodes"
            in the module docstring); per-node results are then keyed by label.
        weight : array-like of float, optional
            Non-negative finite edge weights; the graph is weighted when given. With a
            DataFrame edge list: the name of its weight column (default ``"weight"`` when
            there is one).
        directed : bool
            Directed graph (out-edges) or undirected.
        n : int, optional
            Number of vertices (isolated vertices allowed); default max id + 1.
        labels : sequence, optional
            A distinct name per vertex; a repeated one is a ValidationError naming it and its
            positions (it would make two vertices one node in ``edges()`` and ``to_networkx()``).

        Returns
        -------
        Graph

        Notes
        -----
        Duplicate edges are merged: their weights summed as strengths (strength, PageRank),
        the shortest kept as the length (distances, betweenness); self-loops are kept (see the
        module docstring).
        """
        directed = _flag(directed, "edges", "directed")
        if dst is None:
            return cls._from_labelled(src, weight, directed)
        s = _id_array(src, "edges", "src")
        d = _id_array(dst, "edges", "dst")
        if len(s) != len(d):
            raise ValidationError(Problem("edges", "dst", f"src has {len(s)} rows but dst has {len(d)}"))
        if n is None:
            # ids past the largest graph are refused with n below, with the way round them
            _check_not_negative(s, "edges", "src")
            _check_not_negative(d, "edges", "dst")
            n = int(max(s.max(initial=-1), d.max(initial=-1))) + 1
        n = _whole(n, "edges", "n")
        if n < 0:
            raise ValidationError(Problem("edges", None, f"n must be >= 0, got {n}"))
        _check_n(n, "edges", "n")
        _check_range(s, n, "edges", "src")
        _check_range(d, n, "edges", "dst")
        w = None if weight is None else _check_weights(weight, len(s))
        with naming("edges"):
            return cls(core.Graph(s, d, w, directed, int(n)), labels)

    @classmethod
    def _from_labelled(cls, edges: Any, weight: Any, directed: bool) -> "Graph":
        u, v, w = _label_columns(edges, weight)
        missing = pd.isna(u) | pd.isna(v)
        if missing.any():
            rows = np.flatnonzero(missing)
            raise ValidationError(Problem("edges", "source/target", "node labels must not be missing",
                                          rows[:10].tolist(), len(rows)))
        # nodes in order of first appearance (u then v of each edge), as NetworkX adds them
        both = np.empty(2 * len(u), dtype=object)
        both[0::2], both[1::2] = u, v
        try:
            codes, names = pd.factorize(both, sort=False)
        except TypeError as err:  # a list or dict as a node, which NetworkX refuses too
            raise ValidationError(Problem("edges", "source/target",
                                          f"node labels must be hashable ({err})")) from None
        graph = cls.from_edges(codes[0::2], codes[1::2], w, directed=directed, n=len(names),
                               labels=list(names))
        graph.by_label = True
        return graph

    def _keyed(self, values: np.ndarray, name: str) -> Any:
        """Per-node values: a Series keyed by label for a labelled edge list, else the array."""
        if not self.by_label:
            return values
        return pd.Series(values, index=pd.Index(self.labels, name="node"), name=name)

    def _vertex_ids(self, nodes: Any, column: str) -> np.ndarray:
        if not self.by_label:
            return _id_array(np.atleast_1d(nodes), column, "sources")
        index = pd.Index(self.labels)
        single = np.ndim(nodes) == 0 or (isinstance(nodes, tuple) and nodes in index)  # a tuple may be one label
        nodes = [nodes] if single else list(nodes)
        ids = index.get_indexer(nodes)
        if (ids < 0).any():
            rows = np.flatnonzero(ids < 0)
            raise ValidationError(Problem(column, "sources", "not a node of the graph", rows[:10].tolist(),
                                          len(rows), nodes[rows[0]]))
        return ids.astype(np.int64)

    # -- shape -------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of vertices."""
        return self._g.n

    @property
    def m(self) -> int:
        """Number of distinct edges (duplicates merged; undirected edges counted once)."""
        return self._g.m

    @property
    def directed(self) -> bool:
        return self._g.directed

    @property
    def weighted(self) -> bool:
        return self._g.weighted

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        w = ", weighted" if self.weighted else ""
        return f"<earlyhelp.network.Graph {kind}{w}: {self.n} vertices, {self.m} edges>"

    # -- algorithms --------------------------------------------------------
    def degree(self) -> np.ndarray:
        """Number of edges at each vertex (out-degree when directed; self-loops count twice when undirected).

        Returns
        -------
        ndarray or Series
            a Series keyed by label for a graph built from labels.
        """
        return self._keyed(self._g.degree(), "degree")

    def strength(self) -> np.ndarray:
        """Sum of edge weights at each vertex (out-strength when directed); equals degree when unweighted.

        Returns
        -------
        ndarray or Series
            a Series keyed by label for a graph built from labels.
        """
        return self._keyed(self._g.strength(), "strength")

    def components(self) -> np.ndarray:
        """Connected components (weakly connected when directed): a label per vertex.

        Labels run 0..k-1 in order of each component's smallest vertex.

        Returns
        -------
        ndarray of int
        """
        return self._keyed(self._g.components(), "component")

    def pagerank(self, damping: float = 0.85, tol: float = 1e-6, max_iter: int = 100) -> np.ndarray:
        """PageRank as NetworkX computes it (``nx.pagerank``), summing to 1.

        Weighted by edge weight when the graph is weighted; dangling vertices
        spread their rank uniformly; undirected edges count in both directions.
        Raises :class:`earlyhelp.ValidationError` if it has not converged after ``max_iter``.

        The stopping rule is NetworkX's: the L1 change between iterations below
        ``n * tol``. On large graphs that is loose (with a million vertices the
        default stops after a couple of iterations, as NetworkX does); pass a
        smaller ``tol`` (e.g. ``1e-12``, with a larger ``max_iter``) for an answer
        close to the exact one.

        Parameters
        ----------
        damping : float, default 0.85
            the damping factor.
        tol : float, default 1e-6
            the stopping tolerance (see below).
        max_iter : int, default 100
            the most iterations.

        Returns
        -------
        ndarray of float
            the PageRank of each vertex.
        """
        damping, tol = _real(damping, "pagerank", "damping"), _real(tol, "pagerank", "tol")
        max_iter = _whole(max_iter, "pagerank", "max_iter")
        if max_iter > MAX_ITERATIONS:
            raise ValidationError(Problem("pagerank", "max_iter", f"must be at most {MAX_ITERATIONS:,}", value=max_iter))
        with naming("pagerank"):
            return self._keyed(self._g.pagerank(damping, tol, max_iter), "pagerank")

    def betweenness(self, samples: Optional[int] = None, seed: int = 0, normalized: bool = True,
                    progress: Optional[bool] = None) -> np.ndarray:
        """Shortest-path betweenness centrality (Brandes), as ``nx.betweenness_centrality``.

        Parameters
        ----------
        samples : int, optional
            Use this many source vertices, drawn with ``random.Random(seed).sample(range(n), samples)``
            - exactly the sources ``nx.betweenness_centrality(G, k=samples, seed=seed)`` picks on a graph
            whose nodes are in this graph's vertex order (:meth:`to_networkx`, or ``nx.Graph`` of the
            same labelled edge list) - and rescale as NetworkX does (see Notes). Which vertices are
            drawn depends on that order. ``None``, or ``n`` or more: exact (every vertex is a source).
        seed : int
            Seed for the sample (a whole number).
        normalized : bool
            Divide by the number of vertex pairs, as NetworkX.
        progress : bool, optional
            Show a tqdm bar: True at once, False never, None (default) once the work has lasted
            a second. Ctrl-C stops the work either way.

        Returns
        -------
        ndarray
            the betweenness of each vertex.

        Notes
        -----
        Weighted graphs use Dijkstra (edge weights as lengths; of parallel edges the shortest,
        not their sum, as NetworkX on a ``MultiGraph`` and igraph do). Their lengths must be
        positive: a zero-weight edge makes the number of shortest paths ill-defined
        (walks of equal length through it), so it raises :class:`earlyhelp.ValidationError`.
        A self-loop is on no shortest path, so its weight may be 0. Parallel edges are one
        edge, so they add no paths: NetworkX counts them so too; igraph counts each of several
        equally short parallel edges as a path of its own, and then gives other values.

        With ``samples``, each vertex's betweenness is an unbiased estimate: averaged over the
        equally likely draws of sources it is the exact value. From 2 sources up it is NetworkX's
        (a source's own betweenness is measured by the other sources, scaled by
        ``(n - 1) / (samples - 1)``; any other vertex's by all of them, scaled by
        ``(n - 1) / samples``). From a single source NetworkX gives that source NaN, as no other
        source measures it; here every vertex is scaled by ``n`` instead, which leaves the
        source at 0 and keeps the estimate unbiased. Few sources give a noisy estimate.
        """
        normalized = _flag(normalized, "betweenness", "normalized")
        seed = _whole(seed, "betweenness", "seed")
        if self.weighted and self.m:
            src, dst, _ = self._g.edges()
            w = self._g.lengths()              # the shortest parallel edge is the one on paths
            zero = (w <= 0) & (src != dst)     # a self-loop is on no shortest path: its weight is no matter
            if zero.any():
                # named by their endpoints: the rows of the graph's own edge list are not the caller's
                rows = np.flatnonzero(zero)
                u, v = self._names(np.asarray(src)[rows]), self._names(np.asarray(dst)[rows])
                raise ValidationError(Problem("edges", "weight", "betweenness needs positive weights on a weighted "
                                              "graph (zero-weight edges found, named source-target)",
                                              [f"{a}-{b}" for a, b in zip(u[:10], v[:10])], len(rows),
                                              float(w[rows[0]])))
        if samples is not None:
            samples = _whole(samples, "betweenness", "samples")
            if samples < 1:
                raise ValidationError(Problem("betweenness", "samples", "must be 1 or more (None: exact)",
                                              value=samples))
        if samples is None or samples >= self.n:
            # every vertex a source: the exact answer (NetworkX refuses more samples than nodes,
            # but a caller who cannot know n, as agency_collaboration's, should get the best answer)
            sources = np.empty(0, dtype=np.int64)
            sampled = False
        else:
            sources = np.asarray(random.Random(seed).sample(range(self.n), int(samples)), dtype=np.int64)
            sampled = True
        with naming("betweenness"), progress_bar("betweenness", show=progress) as callback:
            return self._keyed(self._g.betweenness(sources, sampled, normalized, callback), "betweenness")

    def distances(self, sources: Any, progress: Optional[bool] = None) -> np.ndarray:
        """Shortest path lengths, shape ``(len(sources), n)``; ``inf`` when unreachable.

        Hop counts when unweighted (breadth-first search), sums of edge lengths when
        weighted (Dijkstra), where of parallel edges the shortest counts (not their summed
        weight), as in NetworkX's shortest paths on a ``MultiGraph`` and igraph's. Follows
        edge direction when directed. For a graph built from
        labels, ``sources`` are labels and the result is a DataFrame (sources x nodes).

        Parameters
        ----------
        sources : array-like
            the source vertices (labels for a graph built from labels).
        progress : bool, optional
            show a tqdm bar: True at once, False never, None (default) once the work has lasted
            a second. Ctrl-C stops the work either way.

        Returns
        -------
        ndarray or DataFrame
        """
        src = self._vertex_ids(sources, "distances")
        _check_range(src, self.n, "distances", "sources")
        with naming("distances"), progress_bar("distances", show=progress) as callback:
            out = self._g.distances(src, callback)
        if not self.by_label:
            return out
        return pd.DataFrame(out, index=pd.Index(self.labels[src], name="source"),
                            columns=pd.Index(self.labels, name="node"))

    # -- interop -----------------------------------------------------------
    def _names(self, ids: np.ndarray) -> np.ndarray:
        return ids if self.labels is None else self.labels[ids]

    def edges(self) -> pd.DataFrame:
        """Edge table (duplicates merged, undirected edges once with ``source <= target``).

        Returns
        -------
        DataFrame
            ``source, target, weight, length``: ``weight`` the parallel edges' summed weight (the
            strength), ``length`` the shortest of them (what distances and betweenness use); the
            two differ only where edges were given more than once.
        """
        s, d, w = self._g.edges()
        return pd.DataFrame({"source": self._names(s), "target": self._names(d), "weight": w,
                             "length": self._g.lengths()})

    def nodes(self) -> pd.DataFrame:
        """Vertex table: id, label (when labelled), degree, strength, component.

        Returns
        -------
        DataFrame
        """
        frame = pd.DataFrame({"vertex": np.arange(self.n)})
        if self.labels is not None:
            frame["label"] = self.labels
        # the core's arrays, by vertex: the label-keyed Series of a labelled graph would not align
        frame["degree"] = self._g.degree()
        frame["strength"] = self._g.strength()
        frame["component"] = self._g.components()
        return frame

    def to_networkx(self) -> Any:
        """A ``networkx.Graph`` / ``DiGraph`` with the same vertices (labels if given) and ``weight`` attributes.

        Vertices are added in vertex order (``0..n-1``), so ``nx.betweenness_centrality(G, k, seed)``
        draws the sources :meth:`betweenness` draws. A weighted graph's edges also carry ``length``,
        the shortest of their parallel edges: ``weight`` is the summed strength, so where edges were
        given more than once NetworkX's distances match :meth:`distances` with ``weight="length"``.

        Returns
        -------
        networkx.Graph or networkx.DiGraph
        """
        import networkx as nx

        g = nx.DiGraph() if self.directed else nx.Graph()
        g.add_nodes_from(self._names(np.arange(self.n)).tolist())
        s, d, w = self._g.edges()
        names_s, names_d = self._names(s).tolist(), self._names(d).tolist()
        if self.weighted:
            g.add_edges_from((a, b, {"weight": x, "length": y})
                             for a, b, x, y in zip(names_s, names_d, w.tolist(), self._g.lengths().tolist()))
        else:
            g.add_edges_from(zip(names_s, names_d))
        return g


def _label_columns(edges: Any, weight: Any):
    """Sources, targets (object arrays of labels) and weights (or None) of a labelled edge list."""
    if isinstance(edges, pd.DataFrame):
        missing = [c for c in ("source", "target") if c not in edges.columns]
        if weight is not None and not isinstance(weight, str):
            raise ValidationError(Problem("edges", "weight", "with a DataFrame edge list, weight names its column"))
        column = weight if weight is not None else ("weight" if "weight" in edges.columns else None)
        if column is not None and column not in edges.columns:
            missing.append(column)
        if missing:
            raise ValidationError([Problem("edges", c, "required column is missing (edge list: source, target "
                                           "and optionally weight)") for c in missing])
        w = None if column is None else edges[column].to_numpy(dtype=object, na_value=np.nan)
        return edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object), w
    if isinstance(edges, np.ndarray) and edges.ndim != 1:
        # an n x 2 (or n x 3) array is the usual form of an edge list in numpy
        if edges.ndim != 2 or edges.shape[1] not in (2, 3):
            raise ValidationError(Problem("edges", None, "an edge array has 2 columns (u, v) or 3 (u, v, weight), "
                                          f"got shape {edges.shape}"))
        edges = [tuple(r) for r in edges.tolist()]
    try:
        rows = list(edges)
    except TypeError:
        raise ValidationError(Problem("edges", None, "an edge list holds (u, v) pairs or (u, v, weight) triples, "
                                      f"or is a DataFrame; got {type(edges).__name__}")) from None
    sizes = {len(r) if isinstance(r, (tuple, list)) else -1 for r in rows}
    if not sizes <= {2} and not sizes <= {3}:
        raise ValidationError(Problem("edges", None, "an edge list holds (u, v) pairs or (u, v, weight) triples, "
                                      "all of one kind, or is a DataFrame with source and target columns"))
    if weight is not None:
        raise ValidationError(Problem("edges", "weight", "give weights as (u, v, weight) triples"))
    u = _objects(r[0] for r in rows)
    v = _objects(r[1] for r in rows)
    w = [r[2] for r in rows] if sizes == {3} else None
    return u, v, w


def bipartite_projection(left: Any, right: Any, weight: str = "count", n_right: Optional[int] = None,
                         labels: Optional[Sequence[Any]] = None) -> Graph:
    """Project a bipartite edge list onto its right-hand vertices.

    Right vertices ``a`` and ``b`` are joined when some left vertex is linked to
    both (e.g. two agencies working with the same family). Repeated
    ``(left, right)`` pairs count once.

    Parameters
    ----------
    left, right : array-like of int
        The bipartite edges ``(left[i], right[i])``; ids from 0.
    weight : {"count", "jaccard"}
        ``count``: number of shared left vertices (``nx.bipartite.weighted_projected_graph``);
        ``jaccard``: shared / union of their left neighbourhoods
        (``nx.bipartite.overlap_weighted_projected_graph``).
    n_right : int, optional
        Number of right vertices (default largest id + 1).
    labels : sequence, optional
        Distinct names of the right vertices.

    Returns
    -------
    Graph
        Undirected, weighted, on the right vertices.
    """
    if weight not in ("count", "jaccard"):
        raise ValidationError(Problem("projection", "weight", f"must be 'count' or 'jaccard', got {weight!r}"))
    lft = _id_array(left, "edges", "left")
    rgt = _id_array(right, "edges", "right")
    if len(lft) != len(rgt):
        raise ValidationError(Problem("edges", "right", f"left has {len(lft)} rows but right has {len(rgt)}"))
    if n_right is None:
        _check_range(rgt, core.MAX_VERTICES, "edges", "right")
        n_right = int(rgt.max(initial=-1)) + 1
    n_right = _whole(n_right, "edges", "n_right")
    if n_right < 0:
        raise ValidationError(Problem("edges", "n_right", "must be >= 0", value=n_right))
    _check_n(n_right, "edges", "n_right")
    if (lft < 0).any():
        rows = np.flatnonzero(lft < 0)
        raise ValidationError(Problem("edges", "left", "vertex ids must be >= 0", rows[:10].tolist(), len(rows),
                                      int(lft[rows[0]])))
    _check_n(n_right, "edges", "n_right")
    _check_range(rgt, n_right, "edges", "right")
    with naming("edges"):
        a, b, w = core.bipartite_projection(lft, rgt, int(n_right), core.ProjectionWeight.__members__[weight])
        return Graph(core.Graph(a, b, w, False, int(n_right)), labels)
