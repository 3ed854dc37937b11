"""Tables of one run read together: a hidden count must not follow from another table's margin.

Each table the gate suppresses is safe on its own, but a run folder publishes several. When
one table counts families by locality and sex and another by locality alone, the second is
the first's margin: with one cell of a locality hidden in the first and the locality's count
shown in the second, the hidden cell is the difference; with two hidden cells beside a shown 10
in a margin of 12, each is 1 (a hidden count is 1 to the threshold, never 0, to a reader who
reads ``c`` as the legend says). The run folder keeps, for every table written with its
``dims``, the counts, which were hidden and the table's own totals, and refuses a table that
such a pair would give away (:func:`disclosures`): the two tables' relations, their own totals
and the margins between them, are audited together for bounds as the gate audits one table
(:func:`earlyhelp.report.suppression.pinned_cells`). Tables are related only where the numbers
say so: a coarser table (or one with the same dimensions) whose cells are the sums of the finer
one's cells over the extra dimensions: for a column of the same name wherever a cell is, for
columns of different names (``families`` and ``n_families``) only where every cell is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem
from .suppression import DEFAULT_THRESHOLD, SUPPRESSED, Relation, _parent_maps, _relations, pinned_cells


@dataclass(frozen=True)
class CountTable:
    """One published table's counts by its dimensions, with its own totals.

    Parameters
    ----------
    name : str
        the table's name in the run.
    dims : tuple of str
        the columns that identify a row.
    keys : DataFrame
        per row, its ``dims`` as text.
    is_total : ndarray of bool
        per row: a total row of the table's own (``totals``).
    relations : list of Relation
        the table's own totals, ``(total row, (part rows))`` (:func:`~earlyhelp.report.suppression.suppress`).
    values : dict of str to ndarray
        per count column, the counts as computed, row for row.
    hidden : dict of str to ndarray
        per count column, whether the published cell is hidden.
    """

    name: str
    dims: Tuple[str, ...]
    keys: pd.DataFrame
    is_total: np.ndarray
    relations: List[Relation] = field(default_factory=list)
    values: Dict[str, np.ndarray] = field(default_factory=dict)
    hidden: Dict[str, np.ndarray] = field(default_factory=dict)


def count_table(name: str, frame: pd.DataFrame, shown: pd.DataFrame, dims: Sequence[str],
                totals: Optional[Mapping[str, Any]], counts: Sequence[str]) -> Optional[CountTable]:
    """The counts of a table written with ``dims`` (None without dims or counts).

    Parameters
    ----------
    name : str
        the table's name.
    frame : DataFrame
        the table as computed.
    shown : DataFrame
        the table as published (hidden cells ``"c"``), row for row.
    dims : sequence of str
        the columns that identify a row.
    totals : mapping, optional
        ``{dim: label}`` of the table's own total rows.
    counts : sequence of str
        the suppressed count columns.

    Returns
    -------
    CountTable or None
    """
    dims = tuple(str(d) for d in dims or ())
    if not dims or not counts or any(d not in frame.columns for d in dims):
        return None
    frame = frame.reset_index(drop=True)
    is_total = np.zeros(len(frame), dtype=bool)
    for dim, label in (totals or {}).items():
        if dim in frame.columns:
            is_total |= (frame[dim] == label).to_numpy(dtype=bool)
    relations: List[Relation] = []
    own = {d: label for d, label in (totals or {}).items() if d in dims}
    if own and not frame.duplicated(list(dims)).any():
        relations = _relations(frame, list(dims), _parent_maps(frame, list(dims), own, {}))
    values, hidden = {}, {}
    for c in counts:
        if c not in frame.columns or c not in shown.columns:
            continue
        values[c] = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        hidden[c] = (shown[c].astype(object) == SUPPRESSED).to_numpy(dtype=bool)
    if not values:
        return None
    keys = frame[list(dims)].astype(str).reset_index(drop=True)
    return CountTable(name, dims, keys, is_total, relations, values, hidden)


def disclosures(a: CountTable, b: CountTable, threshold: int = DEFAULT_THRESHOLD) -> List[Problem]:
    """The hidden cells of ``a`` and ``b`` that the two give away together, and neither alone.

    Parameters
    ----------
    a, b : CountTable
        two tables of one run.
    threshold : int, default 5
        counts ``1..threshold`` were hidden: what a reader takes ``c`` for.

    Returns
    -------
    list of Problem
        one per pair of related count columns with cells given away, named in the finer table.
    """
    fine, coarse = (a, b) if len(a.dims) >= len(b.dims) else (b, a)
    if not set(coarse.dims) <= set(fine.dims):
        return []
    same_dims = set(coarse.dims) == set(fine.dims)
    problems = []
    for cf in fine.values:
        for cc in coarse.values:
            # a column of the same name in a coarser table is the same count wherever the sums say
            # so; other pairs only where they say so in every cell (else it is chance)
            margins = _margins(fine, coarse, cf, cc, every=cf != cc or same_dims)
            if not margins:
                continue
            given, unaudited = _given_away(fine, coarse, cf, cc, margins, threshold)
            column = cf if cf == cc else f"{cf} / {cc}"
            if given:
                where = _places(fine, coarse, given)
                advice = ("the two tables publish the same counts: leave one of the two out" if same_dims else
                          f"publish {fine.name!r} with its margins as one table (totals= and dims=), so that the "
                          "gate hides cells across both, or leave one of the two out")
                problems.append(Problem(
                    f"{fine.name} and {coarse.name}", column,
                    f"a hidden count follows from the other table ({', '.join(where[:10])}): a margin less "
                    f"shown cells, a sum of shown cells, or a remainder only hidden counts of 1 (or of {threshold}) "
                    f"each make up; {advice}", rows=where[:10], n_rows=len(where)))
            if unaudited:
                where = _places(fine, coarse, sorted(unaudited))
                problems.append(Problem(
                    f"{fine.name} and {coarse.name}", column,
                    f"hidden counts the audit across the two tables could not cover ({', '.join(where[:10])}: "
                    f"{next(iter(unaudited.values()))}): publish the tables as one, or leave one of the two out",
                    rows=where[:10], n_rows=len(where)))
    return problems


def _coarse_keys(fine: CountTable, coarse: CountTable) -> pd.Series:
    """Per row of ``fine``: its key in ``coarse`` (its values of the coarser dims, joined)."""
    return fine.keys[list(coarse.dims)].agg("\x1f".join, axis=1) if len(fine.keys) else pd.Series([], dtype=object)


def _margins(fine: CountTable, coarse: CountTable, cf: str, cc: str, *, every: bool) -> List[Relation]:
    """``(coarse row, fine rows)``: the cells of ``coarse`` (column ``cc``) that are the sums of cells
    of ``fine`` (column ``cf``) over its extra dimensions, total rows left out of both. With
    ``every``, none unless every such cell is."""
    fv, cv = fine.values[cf], coarse.values[cc]
    parts = pd.Series(np.flatnonzero(~fine.is_total)).groupby(
        _coarse_keys(fine, coarse).to_numpy()[~fine.is_total], sort=False).agg(tuple)
    at = pd.Series(np.arange(len(coarse.keys)))[~coarse.is_total]
    where = coarse.keys[list(coarse.dims)].agg("\x1f".join, axis=1)[~coarse.is_total] \
        if len(coarse.keys) else pd.Series([], dtype=object)
    unique = ~where.duplicated(keep=False)
    out: List[Relation] = []
    holds_all = True
    for row, key in zip(at[unique].to_numpy(), where[unique].to_numpy()):
        members = parts.get(key)
        if members is None:
            continue
        total = fv[list(members)].sum()
        if np.isfinite(total) and np.isfinite(cv[row]) and np.isclose(total, cv[row]):
            out.append((int(row), tuple(int(m) for m in members)))
        else:
            holds_all = False
    if every and not holds_all:
        return []
    return out


def _given_away(fine: CountTable, coarse: CountTable, cf: str, cc: str, margins: List[Relation],
                threshold: int) -> Tuple[List[int], Dict[int, str]]:
    """The hidden cells (fine rows, then coarse rows after them) pinned by the two tables together but
    by neither alone; and those the audit could not cover."""
    n_f = len(fine.keys)
    values = np.r_[fine.values[cf], coarse.values[cc]]
    hidden = np.r_[fine.hidden[cf], coarse.hidden[cc]]
    known = np.isfinite(values)
    values = np.where(known, values, 0.0)
    hidden &= known
    if not hidden.any():
        return [], {}
    own_f = _complete(fine.relations, known[:n_f])
    own_c = _complete(coarse.relations, known[n_f:])
    between = [(n_f + t, tuple(ps)) for t, ps in margins]
    moved = [(n_f + t, tuple(n_f + p for p in ps)) for t, ps in own_c]
    touched = {c for t, ps in between for c in (t, *ps)}
    if not hidden[sorted(touched)].any():
        return [], {}
    pinned, unaudited = pinned_cells(values, own_f + moved + between, hidden, threshold=threshold)
    alone: Set[int] = set()
    for rels, offset, size in ((own_f, 0, n_f), (own_c, n_f, len(values) - n_f)):
        if rels:
            mine = slice(offset, offset + size)
            alone |= {offset + int(i) for i in pinned_cells(values[mine], rels, hidden[mine], threshold=threshold)[0]}
    return [int(i) for i in pinned if int(i) not in alone], unaudited


def _complete(relations: List[Relation], known: np.ndarray) -> List[Relation]:
    """The relations whose every cell has a value."""
    out = []
    for t, ps in relations:
        cells = (*(t if isinstance(t, tuple) else (t,)), *ps)
        if known[list(cells)].all():
            out.append((t, ps))
    return out


def _places(fine: CountTable, coarse: CountTable, cells: Sequence[int]) -> List[str]:
    """The cells (fine rows, then coarse rows) named by their values of the coarser dims."""
    n_f = len(fine.keys)
    out = []
    for i in cells:
        row = fine.keys.iloc[i] if i < n_f else coarse.keys.iloc[i - n_f]
        out.append(" / ".join(str(row[d]) for d in coarse.dims))
    return list(dict.fromkeys(out))
