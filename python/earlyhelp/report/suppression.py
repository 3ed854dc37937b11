"""Small-number suppression for published counts (primary and secondary).

Published Early Help figures must not let a reader identify a family. Following
DfE practice, observed counts from 1 up to a threshold (default 5) are hidden and
shown as ``"c"``; zero is shown. Hiding a cell is not enough when the table also
publishes totals: a hidden cell could be worked out by difference. So cells are
also hidden *secondarily* until every hidden cell is undetermined by the
published numbers.

How it works
------------
A table is a set of cells (one value each) and a set of additive relations
``total = part_1 + ... + part_k`` (row and column totals, margins, and
hierarchies such as locality -> council -> region). After primary suppression:

1. every relation with exactly one hidden cell gets a second one: the smallest
   published non-zero part (the total only if no part will do);
2. an algebraic audit: a hidden cell is determined when its unit vector lies in
   the row space of the relations restricted to hidden cells (a chain of
   totals). Such a cell gets one more hidden neighbour (when every neighbour is
   hidden already, one of the published cells its value is read from), and
   steps 1-2 repeat;
3. a bounds audit (needs scipy): with the published cells fixed and hidden
   cells whole and >= 0, linear programmes find each hidden cell's range, and integer
   programmes where a linear optimum is not a whole point (outside two-way tables, e.g. a
   count published twice within an odd cycle of sums, a linear range of [20, 21] may hold
   one whole solution only); a range that holds
   one whole number only (a reader knows counts are whole, so [2.6, 3.4] gives 3 away) gets
   one more hidden neighbour (or the nearest published cell through the relations, when every neighbour is
   hidden). Hidden cells that share no relation are audited apart (one small
   sparse problem per linked group). The audit's work is counted, not timed: it
   solves at most ``audit_budget`` linear and integer programmes (:class:`AuditBudget`),
   so the same table gives the same result on every machine, however loaded. A hidden
   cell the audit cannot cover (the budget is used up, or its linked group holds more
   than 5,000 hidden cells) is not published unaudited: every cell the relations link to
   it is hidden (``SuppressionResult.fallback_hidden``), and a count of 1 or more in a
   table hidden whole can be any multiple of itself, so none is pinned. Where that table
   holds cells published before (``published``), the cells still unproven are listed in
   ``SuppressionResult.not_audited`` with why.

Steps repeat until nothing changes. The hidden values never leave this module:
results hold ``<NA>`` and a status column with ``"c"``.

Entry points: :func:`suppress` (a long, tidy table with dimension columns and
total rows) and :func:`suppress_table` (a two-way table, optionally with margins).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Dict, Hashable, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
import pandas as pd

from .._blas import in_one_blas_thread
from .._errors import Problem, ValidationError
from ..results import FrameResult

SUPPRESSED = "c"          # DfE marker for a confidential (suppressed) value
DEFAULT_THRESHOLD = 5
TOTAL = "Total"

# the bounds audit solves linear programmes per linked group of hidden cells (cells that share no
# relation cannot narrow each other's range): a group larger than this is not audited, and every
# cell linked to it is hidden instead
_LP_AUDIT_MAX_BLOCK = 5000
#: the default number of linear and integer programmes the bounds audit may solve (:class:`AuditBudget`)
DEFAULT_AUDIT_BUDGET = 20_000

# (index of the total cell, indices of the parts); the total may be several cells, whose sum is the
# parts' sum (a stock at a month's end plus the month's outflow = the stock a month before plus the inflow)
Relation = Tuple[Union[int, Tuple[int, ...]], Tuple[int, ...]]


def _normalised(relations: Sequence[Relation]) -> List[Tuple[Tuple[int, ...], Tuple[int, ...]]]:
    """Relations as ``(total cells, part cells)``, both tuples of ints."""
    out = []
    for t, parts in relations:
        totals = tuple(int(x) for x in t) if isinstance(t, (tuple, list, np.ndarray)) else (int(t),)
        out.append((totals, tuple(int(p) for p in parts)))
    return out


@dataclass
class SuppressionResult:
    """Which cells are hidden and why (``"primary"``, ``"secondary"`` or ``""``).

    Parameters
    ----------
    hidden : ndarray of bool
        per cell: hidden.
    reason : ndarray of object
        per cell: ``"primary"``, ``"secondary"`` or ``""``.
    not_audited : dict of int to str
        hidden cells not proven safe, and why: cells published before work them out and no cell
        is left to hide (empty when every hidden cell was proven, or the audit was not asked for).
    fallback_hidden : dict of int to str
        cells hidden (secondarily, also in ``reason``) because the bounds audit could not cover a
        hidden cell linked to them (its budget was used up, or the linked group was too large):
        every cell the relations link to such a cell is hidden. Empty when the audit covered all.
    audit_solves : int
        the linear and integer programmes this call's bounds audit solved.
    budget_exhausted : bool
        the audit needed more programmes than its budget had left (``fallback_hidden`` then
        says which cells were hidden instead).
    """

    hidden: np.ndarray      # bool per cell
    reason: np.ndarray      # object per cell
    not_audited: Dict[int, str] = field(default_factory=dict)
    fallback_hidden: Dict[int, str] = field(default_factory=dict)
    audit_solves: int = 0
    budget_exhausted: bool = False

    @property
    def n_primary(self) -> int:
        return int((self.reason == "primary").sum())

    @property
    def n_secondary(self) -> int:
        return int((self.reason == "secondary").sum())


class AuditBudget:
    """The work the bounds audit may do: a number of linear and integer programmes.

    Counted, not timed, so a table gives the same result on every machine and under any load.
    One budget can be shared by several calls of :func:`suppress_cells` (a pack's tables): each
    draws on what the ones before it left. Each integer programme stops after
    ``_IP_NODE_LIMIT`` branch-and-bound nodes, also counted, not timed.

    Parameters
    ----------
    solves : int
        how many linear and integer programmes the audit may solve (0: none; every hidden cell
        then needing one is covered by hiding the cells linked to it).

    Attributes
    ----------
    used : int
        programmes solved so far.
    refused : int
        programmes needed after the budget was used up (``exhausted`` when any).
    fallback_hidden : int
        cells hidden because the audit could not cover a cell linked to them (over every call).
    largest_group : int
        hidden cells in the largest linked group the audit solved programmes for (over every
        call; groups of more than 5,000 are not audited, so not counted).
    """

    def __init__(self, solves: int = DEFAULT_AUDIT_BUDGET) -> None:
        self.solves = _check_audit_budget(solves)
        self.used = 0
        self.refused = 0
        self.fallback_hidden = 0
        self.largest_group = 0

    @property
    def left(self) -> int:
        """Programmes the budget still allows."""
        return self.solves - self.used

    @property
    def exhausted(self) -> bool:
        """Whether a programme was needed after the budget was used up."""
        return self.refused > 0

    def take(self) -> bool:
        """Count one programme about to be solved.

        Returns
        -------
        bool
            False (and ``exhausted`` from then on) when the budget has none left.
        """
        if self.used >= self.solves:
            self.refused += 1
            return False
        self.used += 1
        return True

    def record(self) -> Dict[str, object]:
        """What the audit used, for a run's record.

        Returns
        -------
        dict
            ``budget``, ``used``, ``left``, ``exhausted``, ``fallback_hidden`` and ``largest_group``.
        """
        return {"budget": self.solves, "used": self.used, "left": self.left, "exhausted": self.exhausted,
                "fallback_hidden": self.fallback_hidden, "largest_group": self.largest_group}

    def __repr__(self) -> str:
        return f"AuditBudget(solves={self.solves}, used={self.used})"


def _check_audit_budget(solves) -> int:
    if isinstance(solves, bool) or not isinstance(solves, (int, np.integer)) or solves < 0:
        raise ValidationError([Problem("suppression", "audit_budget", "must be a whole number of linear and "
                                       "integer programmes >= 0", value=solves)])
    return int(solves)


def _refuse_audit_seconds(seconds) -> None:
    if seconds is not None:
        raise ValidationError([Problem("suppression", "audit_seconds", "is no longer read: a time limit made the "
                                       "cells hidden depend on the machine's load. audit_budget replaced it (a "
                                       f"number of linear and integer programmes, default {DEFAULT_AUDIT_BUDGET:,})",
                                       value=seconds)])


class _OutOfBudget(Exception):
    """The audit's budget has no programme left for the cell being audited."""


# ---------------------------------------------------------------------------------
# the core: cells + relations
# ---------------------------------------------------------------------------------
@in_one_blas_thread
def suppress_cells(values: Sequence[float], relations: Sequence[Relation], *,
                   threshold: int = DEFAULT_THRESHOLD, lp_audit: Optional[bool] = None,
                   hidden: Optional[Sequence[bool]] = None, zeros_last: bool = False,
                   audit_budget: Union[int, AuditBudget] = DEFAULT_AUDIT_BUDGET,
                   published: Optional[Sequence[bool]] = None,
                   free: Optional[Sequence[bool]] = None, audit_seconds: None = None) -> SuppressionResult:
    """Choose the cells to hide among ``values`` linked by additive ``relations``.

    Parameters
    ----------
    values : sequence of float
        The counts (non-negative whole numbers).
    relations : sequence of Relation
        ``(total_index, (part_index, ...))`` meaning
        ``values[total] == sum(values[parts])``; the total may be a tuple of indices, whose values
        add up to the parts' (``sum(values[totals]) == sum(values[parts])``).
    threshold : int, default 5
        Counts ``1..threshold`` are hidden (primary suppression); 0 is shown.
    lp_audit : bool, optional
        Run the bounds audit (default: when scipy is installed). It runs per linked group of
        hidden cells; a group of more than 5,000 is not audited, and every cell linked to it is
        hidden instead (the result's ``fallback_hidden``, with the reason).
    hidden : sequence of bool, optional
        Cells already hidden elsewhere (e.g. where another table publishes the same count):
        they stay hidden (reason ``"secondary"`` unless small) and the audit covers them.
    published : sequence of bool, optional
        Cells public already (an earlier release printed them, or a difference of two it printed):
        never hidden, and known to the audit. A hidden cell they work out, with nothing else left
        to hide, is listed in ``not_audited``.
    free : sequence of bool, optional
        Unknowns that no table publishes and that need no protection of their own, such as a
        proportion's denominator less its numerator (a count of 0 or more): they take part in the
        relations and the bounds (a numerator at most its denominator), are never hidden or
        audited for themselves, and come back not hidden.
    zeros_last : bool, default False
        Pick a published zero as a secondary cell only when no non-zero cell (part or total) will
        do. A hidden zero beside a zero total is pinned by the bounds (counts are >= 0), and
        covering it hides zero after zero: a series that is zero in most months (a yearly survey)
        would lose nearly all its cells. With the bounds audit, a zero whose relations of zeros
        only hold no hidden cell (a locality with no activity) is never picked: the zeros beside
        it would pin it.
    audit_budget : int or AuditBudget, default 20,000
        The most linear and integer programmes the bounds audit solves: the random objectives
        that find whole points clearing most cells, then two linear programmes per cell still in
        doubt and integer programmes where an optimum is not whole (cells of three-way and larger
        tables with margins; two-way tables and hierarchies need none, see
        ``benchmarks/README.md``, suppression of many-way tables). Counted, not timed: the result
        is the same on every machine. An :class:`AuditBudget` is shared with the other calls
        given it. When it is used up, a hidden cell not yet proven is not published unaudited:
        every cell linked to it through the relations is hidden (``fallback_hidden``), the result
        (``budget_exhausted``) and a warning say so. (Covering such cells one by one as if pinned
        hid 2,308 of a four-way table's 2,401 cells, in ten times the full audit's time.)
    audit_seconds : None
        replaced by ``audit_budget`` (a time limit made the result depend on the machine's load);
        giving it raises a ValidationError.

    Returns
    -------
    SuppressionResult
    """
    _refuse_audit_seconds(audit_seconds)
    budget = audit_budget if isinstance(audit_budget, AuditBudget) else AuditBudget(audit_budget)
    used_before, refused_before, exhausted_before = budget.used, budget.refused, budget.exhausted
    v = np.asarray(values, dtype=float)
    n = len(v)
    public = np.zeros(n, dtype=bool) if published is None else np.asarray(published, dtype=bool)
    if public.shape != v.shape:
        raise ValueError(f"published has {public.size} cells, values {n}")
    primary = (v >= 1) & (v <= threshold) & ~public       # what is public already is known, small or not
    reason = np.where(primary, "primary", "").astype(object)
    if hidden is not None:
        seed = np.asarray(hidden, dtype=bool)
        if seed.shape != primary.shape:
            raise ValueError(f"hidden has {seed.size} cells, values {n}")
        if (seed & public).any():
            raise ValueError(f"cells {np.flatnonzero(seed & public)[:5].tolist()} are both published and hidden")
        reason[seed & ~primary] = "secondary"
        primary = primary | seed
    free_cells = np.zeros(n, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    if free_cells.shape != v.shape:
        raise ValueError(f"free has {free_cells.size} cells, values {n}")
    if (free_cells & (public | primary)).any():
        raise ValueError(f"cells {np.flatnonzero(free_cells & (public | primary))[:5].tolist()} are free and "
                         "published or hidden")
    if not primary.any() or not relations:
        return SuppressionResult(primary, reason)
    hidden = primary | free_cells
    rels = _normalised(relations)
    eq = _Equations(rels, n)
    # a relation with a free cell found in no other says nothing the algebra can use (the free
    # cell takes up any difference): only the bounds read it, and leaving it out of the algebra
    # keeps its blocks as small as they are without the free cells
    with_free = np.bincount(eq.rel, weights=free_cells[eq.cell], minlength=len(rels)) > 0
    lone_free = free_cells & (np.bincount(eq.cell, minlength=n) == 1)
    informative = np.bincount(eq.rel, weights=lone_free[eq.cell], minlength=len(rels)) == 0
    # the hidden cells of each relation, kept up to date as cells are hidden: each round reads them
    # instead of every relation
    n_hidden = eq.hidden_per_relation(hidden)
    # with zeros_last and the bounds audit: a zero whose relations of zeros only (a locality with no
    # activity) hold no hidden cell is no cover. Hidden, the bounds pin it to 0 beside the zeros
    # shown, so it protects nothing; and each pinned zero hidden asked for another, until the empty
    # locality's whole table and the cells it reached in every other locality were hidden. Where
    # such a relation holds a hidden cell (a zero an earlier release hid), its zeros are the cover
    # it needs; without the audit (the algebra alone) a hidden zero is cover as any cell is.
    zero_rel = np.zeros(len(rels), dtype=bool)
    if zeros_last and lp_audit is not False and len(rels):
        zero_rel = np.bincount(eq.rel, weights=(v[eq.cell] != 0), minlength=len(rels)) == 0
    in_zero_rel = np.bincount(eq.cell[zero_rel[eq.rel]], minlength=n) > 0 if zero_rel.any() \
        else np.zeros(n, dtype=bool)

    def blocked() -> np.ndarray:
        """Cells never picked to hide: those public already, and zeros that are no cover."""
        if not zero_rel.any():
            return public
        live = zero_rel[eq.rel] & (n_hidden[eq.rel] > 0)
        needed = np.bincount(eq.cell[live], minlength=n) > 0
        return public | (in_zero_rel & ~needed)

    def hide(i: int) -> None:
        hidden[i] = True
        reason[i] = "secondary"
        np.add.at(n_hidden, eq.cell_relations[i], 1)

    def cover_single() -> bool:
        """Every relation with one hidden cell gets a second (step 1), in the relations' order."""
        changed = False
        closed = blocked()
        for k in range(len(rels)):
            if n_hidden[k] == 1 and not with_free[k]:     # its one hidden cell is the free one
                pick = _pick_secondary(rels[k], v, hidden | closed, zeros_last)
                if pick is not None:
                    hide(pick)
                    changed = True
        return changed

    def cover(i: int) -> Optional[int]:
        """Hide one more cell next to hidden cell ``i`` (in any relation through it); return it."""
        best, best_key = None, None
        closed = blocked()
        for k in eq.cell_relations[i]:
            pick = _pick_secondary(rels[k], v, hidden | closed, zeros_last)
            if pick is not None:
                key = _order(pick, v, rels[k][0], zeros_last)
                if best_key is None or key < best_key:
                    best, best_key = pick, key
        if best is None:
            return None
        hide(best)
        return best

    def cover_far(i: int) -> Optional[int]:
        """Hide the published cell nearest hidden cell ``i`` through the relations: beside it (as
        :func:`cover`), else beside the hidden cells beside it, and so on. A cell whose every
        neighbour is hidden can still be pinned by the cells further out; leaving it so would
        publish it."""
        reached, cells, frontier = set(), {i}, [i]
        closed = blocked()
        while frontier:
            ring = sorted({k for c in frontier for k in eq.cell_relations[c]} - reached)
            best, best_key = None, None
            for k in ring:
                pick = _pick_secondary(rels[k], v, hidden | closed, zeros_last)
                if pick is not None:
                    key = _order(pick, v, rels[k][0], zeros_last)
                    if best_key is None or key < best_key:
                        best, best_key = pick, key
            if best is not None:
                hide(best)
                return best
            reached.update(ring)
            frontier = [c for k in ring for c in (*rels[k][0], *rels[k][1]) if c not in cells]
            cells.update(frontier)
        return None

    def cover_proof(cells: np.ndarray, a: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> bool:
        """Each of ``cells`` (worked out by the algebra, every neighbour hidden) gets a published cell
        its value is read from hidden: with ``e_i = y @ a`` (``rows``: the relation of each row of
        ``a``; ``y`` the least-squares solution, which in trials needed fewer cells hidden than a
        basic one), the value is ``w @ values`` over the published cells, and one with ``w != 0``
        is hidden (the smallest, as :func:`_pick_secondary`). Cells apart, as :func:`cover_apart`."""
        block = _blocks(a)
        touched: Set[int] = set()
        covered = False
        for i in (int(c) for c in cells):
            if i in touched:
                continue
            col = int(np.searchsorted(idx, i))
            cols = np.flatnonzero(block == block[col])
            mine = np.flatnonzero(np.abs(a[:, cols]).sum(axis=1) > 0)
            y = np.linalg.lstsq(a[np.ix_(mine, cols)].T, (cols == col).astype(float), rcond=None)[0]
            per_relation = np.zeros(len(rels))
            per_relation[rows[mine]] = y
            w = np.bincount(eq.cell, weights=per_relation[eq.rel] * eq.coef, minlength=n)
            read = np.flatnonzero(~hidden & ~blocked() & (np.abs(w) > 1e-9))
            if not len(read):
                continue
            best = min((int(c) for c in read), key=lambda c: _order(c, v, (), zeros_last))
            hide(best)
            covered = True
            touched |= near(i) | near(best)
        return covered

    def near(i: int) -> Set[int]:
        return {c for k in eq.cell_relations[i] for c in (*rels[k][0], *rels[k][1])}

    def cover_apart(cells: np.ndarray) -> bool:
        """Cover each of ``cells`` that shares no relation with a cell covered or hidden this round:
        a cover changes what its neighbours' relations reveal, not what those of cells apart do
        as often, and one solve per round (not per cell) keeps a long chain of months quick; the
        next round finds any cell still determined."""
        touched: Set[int] = set()
        covered = False
        for i in (int(c) for c in cells):
            if i in touched:
                continue
            j = cover(i)
            if j is not None:
                covered = True
                touched |= near(i) | near(j)
        return covered

    linked_table = None

    def hide_linked(uncovered: Dict[int, str]) -> bool:
        """Hide every cell the relations link to a cell of ``uncovered`` (hidden cells the bounds
        audit could not cover): the fallback that publishes no unaudited cell. With every cell of a
        linked table hidden, the zero counts are a solution, and so is every multiple of the true
        ones: no count of 1 or more is pinned."""
        nonlocal linked_table
        if linked_table is None:
            linked_table = eq.components()
        why: Dict[int, str] = {}
        for i, w in uncovered.items():
            why.setdefault(int(linked_table[i]), w)
        mine = np.flatnonzero(np.isin(linked_table, list(why)) & ~hidden & ~public & eq.in_relation)
        for c in (int(c) for c in mine):
            hide(c)
            fallback[c] = f"hidden with its linked table: a hidden cell linked to it was {why[int(linked_table[c])]}"
        return bool(len(mine))

    solved: Dict[Tuple[int, ...], np.ndarray] = {}
    state = _AuditState(n)
    not_audited: Dict[int, str] = {}
    fallback: Dict[int, str] = {}
    for _ in range(n + 1):
        changed = cover_single()
        if changed:
            continue
        rows = np.flatnonzero(n_hidden > 0)
        a, _b, idx = eq.system(hidden, n_hidden)
        a, rows = a[informative[rows]], rows[informative[rows]]
        determined = _algebraically_determined(rels, v, hidden, solved, (a, idx))
        determined = determined[~free_cells[determined]]
        if determined.size:
            # beside it first; when every neighbour is hidden, in the relations that work it out
            if cover_apart(determined) or cover_proof(determined, a, idx, rows) \
                    or any(cover_far(int(i)) is not None for i in determined):
                continue
            # worked out by what is public already (cells published before): said, never passed
            not_audited.update({int(i): "the published cells work it out and no cell is left to hide"
                                for i in determined})
        if lp_audit is not False:
            # the lowest pinned cell is covered first, as when every pinned cell was found each round
            # (the same cells hidden); only when nothing is left to hide beside it are the others sought
            pinned, uncovered = _pinned_by_bounds(eq, v, hidden, required=bool(lp_audit), budget=budget,
                                                  free=free_cells, state=state, first=True)
            if uncovered and hide_linked(uncovered):
                continue
            if len(pinned) and cover_far(int(pinned[0])) is not None:
                continue
            if len(pinned):
                pinned, uncovered = _pinned_by_bounds(eq, v, hidden, required=bool(lp_audit), budget=budget,
                                                      free=free_cells, state=state)
                if uncovered and hide_linked(uncovered):
                    continue
                if any(cover_far(int(i)) is not None for i in pinned):
                    continue
            # every cell its relations reach is hidden: said, never passed as safe
            not_audited.update({int(i): "its range holds one value only and no published cell is left "
                                "to hide" for i in pinned})
            # a linked table hidden whole but for cells published before: what those give away is unproven
            with_public = np.zeros(n, dtype=bool) if linked_table is None else \
                np.isin(linked_table, linked_table[public & eq.in_relation])
            not_audited.update({i: f"{why}; every cell linked to it that is not public already is hidden"
                                for i, why in uncovered.items() if with_public[i]})
        break
    audit_solves = budget.used - used_before
    exhausted = budget.refused > refused_before
    budget.fallback_hidden += len(fallback)
    if fallback and not exhausted_before:
        warnings.warn(f"the bounds audit could not cover every hidden cell: {len(fallback)} more cells hidden, "
                      f"every cell linked to such a cell ({next(iter(fallback.values()))}; see fallback_hidden)",
                      UserWarning, stacklevel=3)
    return SuppressionResult(hidden & ~free_cells, reason, not_audited, fallback, audit_solves, exhausted)


def _order(i: int, v: np.ndarray, totals: Tuple[int, ...],
           zeros_last: bool = False) -> Tuple[int, int, float, int]:
    # prefer parts to totals, non-zero to zero cells (with zeros_last: the other way round), then
    # the smallest value
    first, second = int(i in totals), int(v[i] == 0)
    return (second, first, float(v[i]), i) if zeros_last else (first, second, float(v[i]), i)


def _pick_secondary(relation: Relation, v: np.ndarray, hidden: np.ndarray,
                    zeros_last: bool = False) -> Optional[int]:
    total, parts = relation
    candidates = [i for i in (*parts, *total) if not hidden[i]]
    if not candidates:
        return None
    return min(candidates, key=lambda i: _order(i, v, total, zeros_last))


class _Equations:
    """The relations as linear equations: the one place that builds them.

    A relation ``sum(totals) == sum(parts)`` is the equation ``sum(parts) - sum(totals) == 0``, held
    as one incidence per occurrence of a cell (a total -1, a part +1). Restricted to the hidden cells
    and the relations that touch them, with the published cells moved to the right-hand side, it is
    ``A @ x_hidden = b`` (:meth:`system`).
    """

    def __init__(self, rels: List[Tuple[Tuple[int, ...], Tuple[int, ...]]], n: int):
        self.rels = rels
        self.n = n
        self.rel = np.array([k for k, (t, ps) in enumerate(rels) for _ in (*t, *ps)], dtype=np.int64)
        self.cell = np.array([i for t, ps in rels for i in (*t, *ps)], dtype=np.int64)
        self.coef = np.array([c for t, ps in rels for c in (*(-1.0 for _ in t), *(1.0 for _ in ps))], dtype=float)
        self.cell_relations: List[List[int]] = [[] for _ in range(n)]
        for k, (t, parts) in enumerate(rels):
            for i in (*t, *parts):
                self.cell_relations[i].append(k)
        self.in_relation = np.bincount(self.cell, minlength=n) > 0

    def components(self) -> np.ndarray:
        """Per cell: its linked table (cells joined through the relations, whatever is hidden)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        incidence = coo_matrix((np.ones(len(self.cell)), (self.cell, self.rel)), shape=(self.n, len(self.rels)))
        incidence = incidence.tocsr()
        return connected_components(incidence @ incidence.T, directed=False)[1]

    def hidden_per_relation(self, hidden: np.ndarray) -> np.ndarray:
        """Per relation: how many of its cell occurrences are hidden."""
        return np.bincount(self.rel, weights=hidden[self.cell], minlength=len(self.rels)).astype(np.int64)

    def system(self, hidden: np.ndarray, n_hidden: Optional[np.ndarray] = None, values: Optional[np.ndarray] = None,
               sparse: bool = False):
        """``(A, b, idx)``: one row per relation touching a hidden cell (in the relations' order), one
        column per hidden cell (``idx``, ascending); ``b`` (with ``values``) the published cells moved
        to the right-hand side, else None. ``A`` is a dense array, or a CSR matrix with ``sparse``."""
        if n_hidden is None:
            n_hidden = self.hidden_per_relation(hidden)
        idx = np.flatnonzero(hidden)
        col = np.full(self.n, -1, dtype=np.int64)
        col[idx] = np.arange(len(idx))
        touch = n_hidden > 0
        row = np.full(len(self.rels), -1, dtype=np.int64)
        row[touch] = np.arange(int(touch.sum()))
        shape = (int(touch.sum()), len(idx))
        on = touch[self.rel]
        mine = on & hidden[self.cell]
        r, c, w = row[self.rel[mine]], col[self.cell[mine]], self.coef[mine]
        if sparse:
            from scipy.sparse import coo_matrix

            a = coo_matrix((w, (r, c)), shape=shape).tocsr()
        else:
            a = np.zeros(shape)
            np.add.at(a, (r, c), w)
        b = None
        if values is not None:
            known = on & ~hidden[self.cell]
            b = -np.bincount(row[self.rel[known]], weights=self.coef[known] * values[self.cell[known]],
                             minlength=shape[0])
        return a, b, idx


def _algebraically_determined(rels: List[Relation], v: np.ndarray, hidden: np.ndarray,
                               cache: Optional[Dict[Tuple[int, ...], np.ndarray]] = None,
                               equations: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> np.ndarray:
    """Hidden cells whose value follows from the published cells by linear algebra alone.

    ``cache`` (for one set of relations): per block of hidden cells, the answer found before; a
    block's equations depend only on its cells, so a block no cover has changed is not solved again.
    ``equations``: ``(A, idx)`` of :meth:`_Equations.system`, if built already.
    """
    if equations is None:
        a, _, idx = _Equations(_normalised(rels), len(hidden)).system(hidden)
    else:
        a, idx = equations
    if a.shape[0] == 0:
        return np.zeros(0, dtype=int)
    # hidden cells that share no equation form independent blocks: one solve each is much quicker
    # than one of the whole (a chain of months through a stock links many relations, few hidden cells)
    block = _blocks(a)
    determined = np.zeros(len(idx), dtype=bool)
    for b in np.unique(block):
        cols = np.flatnonzero(block == b)
        key = tuple(int(i) for i in idx[cols])
        if cache is not None and key in cache:
            determined[cols] = cache[key]
            continue
        sub = a[np.abs(a[:, cols]).sum(axis=1) > 0][:, cols]
        if not len(sub):
            continue
        determined[cols] = _in_row_space(sub)
        if cache is not None:
            cache[key] = determined[cols].copy()
    return idx[determined]


def _in_row_space(a: np.ndarray) -> np.ndarray:
    """Per column i of ``a``: the unit vector e_i lies in the row space of ``a`` (x_i is determined).

    A pivoted QR of ``a.T`` gives an orthonormal basis Q of the row space; e_i lies in it iff its
    projection keeps its length, i.e. row i of Q has length 1. A few times quicker than an SVD on
    the long chains a stock and its flows make (the relations' coefficients are 0 and 1, well
    conditioned for the rank read off R's diagonal).
    """
    from scipy.linalg import qr

    q, r, _ = qr(a.T, mode="economic", pivoting=True, check_finite=False)
    d = np.abs(np.diag(r))
    rank = int((d > 1e-9 * max(1.0, d.max() if d.size else 1.0)).sum())
    return (q[:, :rank] ** 2).sum(axis=1) > 1.0 - 1e-9


def _blocks(a) -> np.ndarray:
    """Per column of ``a`` (dense or sparse): its block (columns linked through rows with non-zeros in both)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    pattern = csr_matrix(a != 0).astype(np.int8)
    return connected_components(pattern.T @ pattern, directed=False)[1]


def _sparse_blocks(a) -> List[Tuple[np.ndarray, np.ndarray]]:
    """``(columns, rows)`` of each block of the CSR matrix ``a``: the hidden cells that share
    relations, and those relations. Cells of different blocks cannot narrow each other's range."""
    if a.shape[1] == 0:
        return []
    block = _blocks(a)
    coo = a.tocoo()
    row_block = np.full(a.shape[0], -1, dtype=np.int64)
    row_block[coo.row] = block[coo.col]
    return [(np.flatnonzero(block == k), np.flatnonzero(row_block == k)) for k in np.unique(block)]


# an integer programme (a hidden cell's least or greatest whole value) stops after this many
# branch-and-bound nodes, and the end it was after is then unproven: the cell is taken to be pinned
# unless whole points show it free, never passed as safe. Counted, not timed, as the budget is.
_IP_NODE_LIMIT = 10_000


class _AuditState:
    """What one suppression's bounds audit has proven, kept from round to round.

    ``proven``: hidden cells whose whole range holds two numbers or more. Hiding more cells only
    widens ranges (a solution before is one after, with each cell hidden since at its value), so
    such a cell is not asked about again. ``groups``: per linked group of hidden cells (its cells;
    the group's programmes depend on them only), the pinned cells found when it was last audited
    in full.
    """

    def __init__(self, n: int) -> None:
        self.proven = np.zeros(n, dtype=bool)
        self.groups: Dict[Tuple[int, ...], np.ndarray] = {}


def _whole(x: np.ndarray) -> bool:
    """Whether every value of the point ``x`` is a whole number (to the solver's tolerance)."""
    return bool(np.all(np.abs(x - np.round(x)) < 1e-6))


def _cell_range(a, b: np.ndarray, j: int, value: Optional[float] = None,
                box: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                budget: Optional[AuditBudget] = None) -> Tuple[float, float, List[np.ndarray]]:
    """The least and greatest whole value of cell ``j`` with ``a @ x = b``, ``x >= 0`` (within
    ``box``, ``(lower, upper)`` per cell, when given: :func:`reader_bounds`) and every ``x`` whole
    (``inf`` when unbounded), and the whole points found on the way.

    An attacker knows counts are whole numbers. Where the relations' matrix is totally unimodular
    (two-way tables with margins and hierarchies) the linear programme's range has whole ends and
    is the same; elsewhere (e.g. a count published twice within an odd cycle of sums) it can be
    wider than the whole values that fit: a range of [20, 21] whose only whole
    solution is 20 gives the 20 away. So the range is found by integer programmes (HiGHS, as
    ``scipy.optimize.milp``) where the linear programme's optimum is not a whole point (a whole
    optimum is the integer programme's too). An end whose integer programme stopped at its node
    limit (``_IP_NODE_LIMIT``) is NaN: no end is proven, and the audit then trusts only the whole
    points found.

    ``value``, when given, is the cell's true (whole) value in a whole solution: an end whose linear
    optimum lies less than one from it is that value (no other whole number lies between), with
    no integer programme. ``budget``, when given, counts each programme, and raises
    :class:`_OutOfBudget` when it has none left.
    """
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    def take() -> None:
        if budget is not None and not budget.take():
            raise _OutOfBudget()

    m = a.shape[1]
    c = np.zeros(m)
    c[j] = 1.0
    lower, upper = (np.zeros(m), np.full(m, np.inf)) if box is None else box
    bounds = np.column_stack([lower, upper])
    ends, points = [], []
    for sign in (1.0, -1.0):
        take()
        lp = linprog(sign * c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if lp.status == 3:               # unbounded (a whole point exists: the data are one)
            ends.append(np.inf)
            continue
        if lp.status != 0 or lp.x is None:  # relations the data do not satisfy: nothing to infer
            ends.append(0.0 if sign > 0 else np.inf)
            continue
        if _whole(lp.x):                 # a whole optimum is the integer programme's too
            points.append(np.round(lp.x))
            ends.append(float(np.round(sign * lp.fun)))
            continue
        if value is not None and sign * (value - sign * lp.fun) < 1 - 1e-6:
            ends.append(value)           # the truth is the only whole value this far
            continue
        take()
        res = milp(sign * c, constraints=LinearConstraint(a, b, b), integrality=np.ones(m),
                   bounds=Bounds(lower, upper), options={"node_limit": _IP_NODE_LIMIT})
        if res.x is not None and _whole(res.x):
            points.append(np.round(res.x))
        ends.append(float(np.round(sign * res.fun)) if res.status == 0 else np.nan)
    return ends[0], ends[1], points


@in_one_blas_thread
def hidden_ranges(values: Sequence[float], relations: Sequence[Relation], hidden: np.ndarray, *,
                  threshold: Optional[int] = None) -> np.ndarray:
    """The range ``[lo, hi]`` of each hidden cell an attacker can infer (hidden cells whole and >= 0).

    Solves, with the published cells fixed, ``min`` and ``max`` of each hidden cell by
    integer programming (``scipy.optimize.milp``, sparse, one linked group of hidden cells at a
    time): a linear programme's range can hold whole numbers no whole solution reaches. Rows follow
    the hidden cells in order; ``hi`` is ``inf`` when unbounded, and an end is NaN when its
    programme did not finish (see ``_IP_NODE_LIMIT``).

    Parameters
    ----------
    values : sequence of float
        the counts.
    relations : sequence of (int, tuple of int)
        ``(total, parts)`` as in :func:`suppress_cells`.
    hidden : ndarray of bool
        the hidden cells.
    threshold : int, optional
        with it, a reader also knows what ``c`` stands for (:func:`reader_bounds`): a hidden cell
        of 1 or more is at least 1, one of at most ``threshold`` at most that.

    Returns
    -------
    ndarray
        shape ``(n_hidden, 2)``: ``lo, hi`` per hidden cell.
    """
    v = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    a, b, idx = _Equations(_normalised(relations), len(v)).system(hidden, values=v, sparse=True)
    box = None if threshold is None else reader_bounds(v, hidden, threshold)
    out = np.zeros((len(idx), 2))
    out[:, 1] = np.inf          # a hidden cell in no relation: anything from 0 up
    if box is not None:
        out[:, 0], out[:, 1] = box[0][idx], box[1][idx]
    for cols, rows in _sparse_blocks(a):
        if not len(rows):
            continue
        sub, sb = a[rows][:, cols], b[rows]
        mine = None if box is None else (box[0][idx[cols]], box[1][idx[cols]])
        for k, j in enumerate(cols):
            out[j, 0], out[j, 1], _ = _cell_range(sub, sb, k, box=mine)
    return out


def reader_bounds(values: Sequence[float], hidden: Sequence[bool], threshold: int) -> Tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each hidden cell beyond ``>= 0``: ``(lower, upper)`` per cell.

    ``c`` reads "1 to threshold" (the legend says so), and 0 is never hidden as small, so a reader
    takes a hidden cell to be at least 1 and at most ``threshold``. That is not true of every
    hidden cell (one hidden secondarily may be 0, or larger), but where it is true, what the reader
    works out from it is true too. So each hidden cell is bounded by what is true of it: at least
    1 where it is 1 or more, at most ``threshold`` where it is at most that. (Published cells are
    fixed; their bounds are those of ``>= 0``.)

    Parameters
    ----------
    values : sequence of float
        the counts.
    hidden : sequence of bool
        the hidden cells.
    threshold : int
        counts ``1..threshold`` are hidden.

    Returns
    -------
    (lower, upper) : tuple of ndarray
        per cell; ``upper`` is ``inf`` where unbounded.
    """
    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    lower = np.where(h & (v >= 1), 1.0, 0.0)
    upper = np.where(h & (v <= threshold), float(threshold), np.inf)
    return lower, upper


@in_one_blas_thread
def pinned_cells(values: Sequence[float], relations: Sequence[Relation], hidden: Sequence[bool], *,
                 threshold: int) -> Tuple[np.ndarray, Dict[int, str]]:
    """The hidden cells a reader works out from the published ones, knowing what ``c`` stands for.

    The bounds audit of :func:`suppress_cells` (a range that holds one whole number only pins
    its cell), with each hidden cell within :func:`reader_bounds`: beside a published 10 in a
    total of 12, two hidden cells of at least 1 each are both 1; two hidden cells of at most 5
    in a remainder of 10 are both 5.

    Parameters
    ----------
    values : sequence of float
        the counts (the hidden ones as computed).
    relations : sequence of Relation
        ``(total, parts)`` as in :func:`suppress_cells`.
    hidden : sequence of bool
        the hidden cells.
    threshold : int
        counts ``1..threshold`` are hidden.

    Returns
    -------
    (pinned, not_audited) : tuple of (ndarray, dict of int to str)
        the pinned hidden cells (ascending), and the hidden cells the audit could not cover, with
        why (a linked group of more than 5,000 hidden cells).
    """
    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    if not h.any() or not relations:
        return np.zeros(0, dtype=int), {}
    eq = _Equations(_normalised(relations), len(v))
    return _pinned_by_bounds(eq, v, h, required=True, box=reader_bounds(v, h, threshold))


def _narrow_cells(a, b: np.ndarray, x0: np.ndarray, seed: int = 0,
                  budget: Optional[AuditBudget] = None, skip: Optional[np.ndarray] = None,
                  box: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                  proven: Optional[np.ndarray] = None, first: bool = False) -> np.ndarray:
    """Per cell of one block (``a @ x = b``, ``x >= 0``; ``x0`` the true values): its range
    holds one whole number at most (as :func:`hidden_ranges` would find, without two programmes per cell).

    Whole feasible points seen so far bound each cell's range from inside: a cell whose values among
    them span two whole numbers or more is not narrow. The true values are one point; the vertices
    that random objectives (over the cells still in doubt) reach are more, and clear most cells in a
    few solves. Only whole vertices count (a fractional one shows values no count takes); those of
    two-way tables with margins are all whole. The cells still in doubt get their exact range (two
    linear programmes, and integer ones where an optimum is not whole). ``budget`` counts every
    programme; when it has none left, the cells still in doubt are neither narrow nor proven.
    Cells in ``skip`` are not asked about (never narrow). ``box``: ``(lower, upper)`` per cell,
    what a reader knows of each beyond ``x >= 0`` (:func:`reader_bounds`). ``proven`` (bool per
    cell, set in place): the asked cells found to take two whole values or more. ``first``: stop at
    the first narrow cell (the cells after it are then neither narrow nor proven).
    """
    from scipy.optimize import linprog

    m = len(x0)
    if a.shape[0] == 0:
        return np.zeros(m, dtype=bool)
    lo_seen, hi_seen = np.full(m, np.inf), np.full(m, -np.inf)

    def seen(x: np.ndarray) -> None:
        np.minimum(lo_seen, x, out=lo_seen)
        np.maximum(hi_seen, x, out=hi_seen)

    asked = np.ones(m, dtype=bool) if skip is None else ~skip
    free_found = np.zeros(m, dtype=bool)       # proven by an exact range (an unbounded one has no point)

    def doubt() -> np.ndarray:
        return ~_two_whole_numbers(lo_seen, hi_seen) & asked & ~free_found

    lower, upper = (np.zeros(m), np.full(m, np.inf)) if box is None else box
    truth = bool((x0 >= lower).all() and (x0 <= upper).all() and np.abs(a @ x0 - b).max() < 1e-6 and _whole(x0))
    if truth:
        seen(x0)               # the data are a point (when they add up, as published totals should)
    rng = np.random.default_rng(seed)
    reach = 2.0 * max(float(np.max(x0, initial=0.0)), float(np.abs(b).max(initial=0.0))) + 10.0
    walk = np.column_stack([lower, np.minimum(upper, np.maximum(reach, lower))])
    stalled = 0
    narrow = np.zeros(m, dtype=bool)
    try:
        while stalled < 2 and doubt().any():
            before = int(doubt().sum())
            c = np.where(doubt(), rng.uniform(-1.0, 1.0, m), 0.0)
            if budget is not None and not budget.take():
                raise _OutOfBudget()
            res = linprog(c, A_eq=a, b_eq=b, bounds=walk, method="highs")
            if res.status != 0 or res.x is None:
                break           # the box or the data leave no point: the exact programmes decide
            if _whole(res.x):   # only a whole point shows values a count can take
                seen(np.round(res.x))
            stalled = stalled + 1 if int(doubt().sum()) == before else 0
        for j in np.flatnonzero(doubt()):
            if _two_whole_numbers(lo_seen[j], hi_seen[j]):
                continue        # cleared by a point found for a cell before it
            lo, hi, points = _cell_range(a, b, int(j), float(x0[j]) if truth else None, box, budget)
            for x in points:
                seen(x)
            # an end not proven (NaN) counts as pinned unless whole points show two values
            free_found[j] = _two_whole_numbers(lo, hi) or _two_whole_numbers(lo_seen[j], hi_seen[j])
            narrow[j] = not free_found[j]
            if first and narrow[j]:
                break
    except _OutOfBudget:
        pass                    # the cells still in doubt are neither narrow nor proven
    if proven is not None:
        proven |= asked & (free_found | _two_whole_numbers(lo_seen, hi_seen))
    return narrow


def _two_whole_numbers(lo, hi):
    """Whether ``[lo, hi]`` holds two whole numbers or more: a count whose range holds one is
    known (a reader knows counts are whole), though the range be wider than a half."""
    return np.floor(np.asarray(hi) + 1e-6) - np.ceil(np.asarray(lo) - 1e-6) >= 1


def _pinned_by_bounds(eq: _Equations, v: np.ndarray, hidden: np.ndarray, *, required: bool,
                      budget: Optional[AuditBudget] = None, free: Optional[np.ndarray] = None,
                      box: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                      state: Optional[_AuditState] = None, first: bool = False) -> Tuple[np.ndarray, Dict[int, str]]:
    """Hidden cells whose range (:func:`hidden_ranges`) holds one whole number at most, ascending; and the
    hidden cells the audit could not cover, with why: a linked group too large, or ``budget`` used up
    (``free`` cells are neither: :func:`suppress_cells`).
    ``box``: ``(lower, upper)`` per cell (:func:`reader_bounds`); default ``[0, inf)``.
    ``state``: what earlier rounds of the same suppression proved (:class:`_AuditState`).
    ``first``: find the lowest pinned cell only (none when no cell is pinned): a round covers that
    one, and the cells after it need not be proven pinned again each round."""
    free = np.zeros(len(v), dtype=bool) if free is None else free
    try:
        import scipy.optimize  # noqa: F401
    except ImportError:
        if required:
            raise
        why = "not audited for bounds: scipy is not installed"
        return np.zeros(0, dtype=int), {int(i): why for i in np.flatnonzero(hidden & ~free)}
    state = _AuditState(len(v)) if state is None else state
    a, b, idx = eq.system(hidden, values=v, sparse=True)
    pinned: List[int] = []
    skipped: Dict[int, str] = {}
    groups = []
    for cols, rows in _sparse_blocks(a):
        cells = idx[cols]
        asked = ~free[cells] & ~state.proven[cells]
        if asked.any():
            groups.append((int(cells[asked][0]), cols, rows))
    if first:                                # the group holding the lowest cell in doubt first
        groups.sort(key=lambda g: g[0])
    for lowest, cols, rows in groups:
        if first and pinned and lowest > min(pinned):
            break                            # every cell still in doubt lies after the one found
        cells = idx[cols]
        if len(cols) > _LP_AUDIT_MAX_BLOCK:
            why = (f"not audited for bounds: one of {len(cols)} hidden cells linked by the relations, more "
                   f"than the {_LP_AUDIT_MAX_BLOCK} audited together")
            skipped.update({int(i): why for i in cells if not free[i] and not state.proven[i]})
            continue
        key = tuple(cells.tolist())
        if key in state.groups:              # audited in full before, and no cell of it hidden since
            pinned.extend(state.groups[key].tolist())
            continue
        skip = free[cells] | state.proven[cells]
        refused, used = (0, 0) if budget is None else (budget.refused, budget.used)
        proven = np.zeros(len(cols), dtype=bool)
        mine = None if box is None else (box[0][cells], box[1][cells])
        narrow = _narrow_cells(a[rows][:, cols], b[rows], v[cells], budget=budget, skip=skip, box=mine,
                               proven=proven, first=first)
        if budget is not None and budget.used > used:
            budget.largest_group = max(budget.largest_group, len(cols))
        state.proven[cells[proven]] = True
        pinned.extend(int(i) for i in cells[narrow])
        unchecked = ~skip & ~proven & ~narrow
        if budget is not None and budget.refused > refused and unchecked.any():
            why = (f"not audited for bounds: the audit had used its budget of {budget.solves:,} linear and "
                   "integer programmes before this cell's range was found")
            skipped.update({int(i): why for i in cells[unchecked]})
        elif not unchecked.any():
            state.groups[key] = cells[narrow]
    if first and pinned:
        pinned = [min(pinned)]
    return np.array(sorted(pinned), dtype=int), skipped


# ---------------------------------------------------------------------------------
# long (tidy) tables
# ---------------------------------------------------------------------------------
class Suppressed(FrameResult):
    """A suppressed table (:func:`suppress`, :func:`suppress_table`) with what was hidden.

    Attributes
    ----------
    threshold : counts ``1..threshold`` were hidden.
    counts : per value column, ``{"primary": n, "secondary": n}`` cells hidden.
    not_audited : per value column, ``{row: why}`` for hidden cells not proven safe.
    fallback_hidden : per value column, ``{row: why}`` for cells hidden because the bounds audit
        could not cover a hidden cell linked to them (``SuppressionResult.fallback_hidden``).
    budget_exhausted : the value columns whose audit needed more than its budget.
    audit_solves : per value column, the linear and integer programmes its audit solved.
    """

    _metadata = ["threshold", "counts", "not_audited", "fallback_hidden", "budget_exhausted", "audit_solves"]
    threshold: int = DEFAULT_THRESHOLD
    counts: Dict[str, Dict[str, int]] = {}
    not_audited: Dict[str, Dict[int, str]] = {}
    fallback_hidden: Dict[str, Dict[int, str]] = {}
    budget_exhausted: List[Hashable] = []
    audit_solves: Dict[str, int] = {}


def suppress(table: pd.DataFrame, value: str | Sequence[str] = "count", *, dims: Optional[Sequence[str]] = None,
             totals: Optional[Mapping[str, Hashable]] = None,
             hierarchies: Optional[Mapping[str, Mapping[Hashable, Hashable]]] = None,
             threshold: int = DEFAULT_THRESHOLD, lp_audit: Optional[bool] = None,
             audit_budget: Union[int, AuditBudget] = DEFAULT_AUDIT_BUDGET,
             hidden: Optional[Mapping[str, Sequence[bool]]] = None,
             published: Optional[Mapping[str, Sequence[bool]]] = None, audit_seconds: None = None) -> Suppressed:
    """Suppress small observed counts in a long table, with secondary suppression.

    Parameters
    ----------
    table : DataFrame
        One row per cell: dimension columns and one or more count columns.
    value : str or sequence of str, default "count"
        The count column(s) to suppress. Each is suppressed on its own (they are
        separate tables published side by side, e.g. one per measure).
    dims : sequence of str, optional
        The dimension columns (default: every column that is not a value column).
        Rows must be unique on ``dims``.
    totals : mapping of str to hashable, optional
        ``{dim: label}`` when rows with ``dim == label`` are totals over the other
        values of ``dim`` (e.g. ``{"month": "Total"}``).
    hierarchies : mapping of str to mapping of hashable to hashable, optional
        ``{dim: {child: parent}}`` when a row with ``dim == parent`` is the sum
        of its children (e.g. localities in a council, councils in a region).
    threshold : int, default 5
        Counts ``1..threshold`` are hidden; 0 is shown. Default 5 (DfE).
    lp_audit : bool, optional
        run the bounds audit (default: when scipy is installed; a group of more than 5,000 linked
        hidden cells is not audited, and every cell linked to it is hidden, listed in the result's
        ``fallback_hidden``).
    audit_budget : int or AuditBudget, default 20,000
        the most linear and integer programmes the audit solves (see :func:`suppress_cells`): a
        number, per value column; an :class:`AuditBudget`, shared by the columns. The result's
        ``budget_exhausted`` names the columns where it ran out.
    hidden : mapping of str to sequence of bool, optional
        per value column, cells (rows) to hide whatever their count: what another publication
        hid (:func:`suppress_cells`'s ``hidden``).
    published : mapping of str to sequence of bool, optional
        per value column, cells already published elsewhere: known, so never hidden to protect
        another cell (:func:`suppress_cells`'s ``published``).
    audit_seconds : None
        replaced by ``audit_budget``; giving it raises a ValidationError.

    Returns
    -------
    Suppressed
        The same rows, each value column as ``Int64`` with ``<NA>`` where hidden, and a
        ``<value>_status`` column holding ``"c"`` for hidden cells (``""`` otherwise).
        Its ``counts`` field counts primary and secondary suppressions per value column, its
        ``not_audited`` field lists per value column the rows (positions) of hidden cells the
        bounds audit did not cover, with why (empty when it covered all).
    """
    values = [value] if isinstance(value, str) else list(value)
    _check_threshold(threshold)
    _refuse_audit_seconds(audit_seconds)
    if not isinstance(audit_budget, AuditBudget):
        _check_audit_budget(audit_budget)
    missing = [c for c in values if c not in table.columns]
    if missing:
        raise ValidationError([Problem("table", c, "no such column to suppress") for c in missing])
    dims = [c for c in table.columns if c not in values] if dims is None else list(dims)
    problems = []
    for c in dims:
        if c not in table.columns:
            problems.append(Problem("table", c, "no such dimension column"))
    if problems:
        raise ValidationError(problems)
    dup = table.duplicated(dims, keep=False)
    if dup.any():
        raise ValidationError([Problem("table", ", ".join(dims), "rows are not unique on the dimension columns",
                                       rows=list(np.flatnonzero(dup))[:10], n_rows=int(dup.sum()))])
    parents = _parent_maps(table, dims, totals or {}, hierarchies or {})
    relations = _relations(table.reset_index(drop=True), dims, parents)
    out = table.copy()
    summary = {}
    unaudited = {}
    fallback = {}
    solves = {}
    late: List[Hashable] = []
    for col in values:
        counts = _counts(table, col)
        result = suppress_cells(counts, relations, threshold=threshold, lp_audit=lp_audit,
                                audit_budget=audit_budget, hidden=(hidden or {}).get(col),
                                published=(published or {}).get(col))
        kept = pd.array(np.where(result.hidden, 0, counts).astype("int64"), dtype="Int64")
        kept[result.hidden] = pd.NA
        out[col] = kept
        out[f"{col}_status"] = np.where(result.hidden, SUPPRESSED, "")
        summary[col] = {"primary": result.n_primary, "secondary": result.n_secondary}
        if result.not_audited:
            unaudited[col] = dict(result.not_audited)
        if result.fallback_hidden:
            fallback[col] = dict(result.fallback_hidden)
        if result.budget_exhausted:
            late.append(col)
        solves[col] = result.audit_solves
    return Suppressed.of(out, threshold=threshold, counts=summary, not_audited=unaudited, fallback_hidden=fallback,
                         budget_exhausted=late, audit_solves=solves)


def _check_threshold(threshold) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 0:
        raise ValidationError([Problem("suppression", "threshold",
                                       "must be a whole number >= 0 (counts 1..threshold are hidden)",
                                       value=threshold)])


#: the largest count kept exactly: a float holds every whole number up to 2**53, and the published
#: column is int64; a larger "count" would come out as another number
MAX_COUNT = 2 ** 53


def _counts(table: pd.DataFrame, col: str) -> np.ndarray:
    series = pd.to_numeric(table[col], errors="coerce")
    bad = series.isna() | (series < 0) | (series.round() != series)
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy()))
        raise ValidationError([Problem("table", col, "observed counts must be whole numbers >= 0 (no gaps)",
                                       rows=rows[:10], n_rows=len(rows), value=table[col].iloc[rows[0]])])
    huge = (series > MAX_COUNT).to_numpy(dtype=bool)
    if huge.any():
        rows = list(np.flatnonzero(huge))
        raise ValidationError([Problem("table", col, f"a count above {MAX_COUNT:,} (2**53) cannot be kept exactly",
                                       rows=rows[:10], n_rows=len(rows), value=table[col].iloc[rows[0]])])
    return series.to_numpy(dtype=float)


def _parent_maps(table: pd.DataFrame, dims: List[str], totals: Mapping[str, Hashable],
                 hierarchies: Mapping[str, Mapping[Hashable, Hashable]]) -> Dict[str, Dict[Hashable, Hashable]]:
    problems = []
    for d in list(totals) + list(hierarchies):
        if d not in dims:
            problems.append(Problem("table", d, f"total/hierarchy given for a column that is not a dimension ({dims})"))
    if problems:
        raise ValidationError(problems)
    parents: Dict[str, Dict[Hashable, Hashable]] = {}
    for d in dims:
        mapping: Dict[Hashable, Hashable] = dict(hierarchies.get(d, {}))
        if d in totals:
            label = totals[d]
            roots = {x for x in pd.unique(table[d]) if x != label and x not in mapping}
            for x in roots:
                mapping[x] = label
        if mapping:
            parents[d] = mapping
    return parents


def _relations(table: pd.DataFrame, dims: List[str], parents: Dict[str, Dict[Hashable, Hashable]]) -> List[Relation]:
    """One relation per (dimension with a hierarchy, parent value, setting of the other dims)."""
    index = {tuple(row): i for i, row in enumerate(table[dims].itertuples(index=False, name=None))}
    relations: List[Relation] = []
    for d, mapping in parents.items():
        j = dims.index(d)
        children: Dict[Hashable, List[Hashable]] = {}
        for child, parent in mapping.items():
            children.setdefault(parent, []).append(child)
        seen: Set[Tuple] = set()
        for key in index:
            parent = key[j]
            if parent not in children:
                continue
            rest = key[:j] + key[j + 1:]
            if (parent, rest) in seen:
                continue
            seen.add((parent, rest))
            parts = []
            for child in children[parent]:
                k = index.get(key[:j] + (child,) + key[j + 1:])
                if k is not None:
                    parts.append(k)
            if parts:
                relations.append((index[key], tuple(parts)))
    return relations


# ---------------------------------------------------------------------------------
# two-way tables
# ---------------------------------------------------------------------------------
def suppress_table(table: pd.DataFrame, *, margins: bool = False, total_label: Hashable = TOTAL,
                   threshold: int = DEFAULT_THRESHOLD, lp_audit: Optional[bool] = None,
                   audit_budget: Union[int, AuditBudget] = DEFAULT_AUDIT_BUDGET,
                   audit_seconds: None = None) -> Suppressed:
    """Suppress a two-way table of counts (rows x columns), optionally with margins.

    Parameters
    ----------
    table : DataFrame
        Counts, index = row categories, columns = column categories.
    margins : bool, default False
        The row and column labelled ``total_label`` are totals of the others
        (either may be absent: a table may carry only row totals).
    threshold : int, default 5
        Counts ``1..threshold`` are hidden; 0 is shown.
    total_label : hashable, default "Total"
        the label of the margins.
    lp_audit : bool, optional
        run the bounds audit (as :func:`suppress`).
    audit_budget : int or AuditBudget, default 20,000
        as :func:`suppress`.
    audit_seconds : None
        replaced by ``audit_budget``; giving it raises a ValidationError.

    Returns
    -------
    Suppressed
        Same shape, ``object`` dtype: published counts as ints, hidden cells as ``"c"``.
    """
    _refuse_audit_seconds(audit_seconds)
    long = table.rename_axis(index="_row", columns="_col").stack(future_stack=True).rename("_value").reset_index()
    totals = {}
    if margins:
        if total_label in table.index:
            totals["_row"] = total_label
        if total_label in table.columns:
            totals["_col"] = total_label
        if not totals:
            raise ValidationError([Problem("table", None, f"margins=True but no row or column is labelled {total_label!r}")])
    try:
        out = suppress(long, "_value", dims=["_row", "_col"], totals=totals, threshold=threshold, lp_audit=lp_audit,
                       audit_budget=audit_budget, audit_seconds=audit_seconds)
    except ValidationError as err:
        raise ValidationError([_in_the_wide_table(p, long) for p in err.problems]) from None
    shown = out["_value"].astype(object).where(out["_value_status"] != SUPPRESSED, SUPPRESSED)
    wide = pd.DataFrame({"_row": out["_row"], "_col": out["_col"], "v": shown}).pivot(index="_row", columns="_col", values="v")
    wide = wide.reindex(index=table.index, columns=table.columns)
    wide.index.name, wide.columns.name = table.index.name, table.columns.name
    return Suppressed.of(wide, threshold=out.threshold, counts=out.counts, not_audited=out.not_audited,
                         fallback_hidden=out.fallback_hidden, budget_exhausted=out.budget_exhausted,
                         audit_solves=out.audit_solves)


def _in_the_wide_table(problem: Problem, long: pd.DataFrame) -> Problem:
    """A problem found in the long form of a two-way table, named in the table's own terms: a
    cell by its column and row labels, the labels by ``index`` and ``columns``."""
    if problem.column == "_value" and problem.rows:
        cells = long.loc[[r for r in problem.rows if r in long.index]]
        columns = sorted({str(c) for c in cells["_col"]})
        where = [f"{row!r} x {col!r}" for row, col in zip(cells["_row"], cells["_col"])]
        return Problem("table", ", ".join(columns) or None, f"{problem.message} (cells {', '.join(where)})",
                       rows=list(dict.fromkeys(cells["_row"])), n_rows=problem.n_rows, value=problem.value)
    def plain(text: Optional[str]) -> Optional[str]:
        return None if text is None else text.replace("_row", "index").replace("_col", "columns").replace(
            "_value", "count")

    rows = [long.at[r, "_row"] for r in problem.rows if r in long.index]
    return Problem("table", plain(problem.column), plain(problem.message), rows=list(dict.fromkeys(rows)),
                   n_rows=problem.n_rows, value=problem.value)


def published(frame: pd.DataFrame) -> pd.DataFrame:
    """A suppressed long table for CSV/HTML: each value column holds the count or ``"c"``.

    The status columns are dropped (the marker carries the same information).

    Parameters
    ----------
    frame : DataFrame
        :func:`suppress` output.

    Returns
    -------
    DataFrame
    """
    out = frame.copy()
    for status in [c for c in frame.columns if c.endswith("_status")]:
        col = status[: -len("_status")]
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[status] != SUPPRESSED, SUPPRESSED)
            out[col] = out[col].map(lambda x: x if x == SUPPRESSED else str(int(x)))
            out = out.drop(columns=status)
    return out


def shown_count(value, threshold: int = DEFAULT_THRESHOLD) -> str:
    """One count standing alone in published text (no totals beside it): ``"c"`` for 1..threshold.

    For a table of counts with totals use :func:`suppress`, which also hides cells secondarily.

    Parameters
    ----------
    value : number
        the count.
    threshold : int, default 5
        counts ``1..threshold`` are hidden.

    Returns
    -------
    str
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        number = pd.to_numeric(value.strip().replace(",", ""), errors="coerce")
        if pd.isna(number):
            return value if value.strip().lower() != "nan" else ""  # a marker ("c") or a word, not a count
        value = number            # a count written as text is still a count
    _check_threshold(threshold)
    if isinstance(value, (bool, np.bool_)) or not np.isfinite(value) or float(value) != int(value):
        # shown as it is, 0.5 would read as 0 and True as 1: no count of people is either
        raise ValidationError([Problem("count", None, "a count shown in the summary must be a whole number",
                                       value=value.item() if isinstance(value, np.generic) else value)])
    n = int(value)
    return SUPPRESSED if 1 <= n <= threshold else f"{n:,}"
