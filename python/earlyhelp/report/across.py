"""Tables of one run read together: a hidden count must not follow from another table's margin.

Each table the gate suppresses is safe on its own, but a run folder publishes several. When
one table counts families by locality and sex and another by locality alone, the second is
the first's margin: with one cell of a locality hidden in the first and the locality's count
shown in the second, the hidden cell is the difference. The run folder keeps, for every table
written with its ``dims``, the counts and which were hidden, and refuses a table that such a
pair would give away (:func:`disclosures`). Tables are related only where the numbers say so:
a coarser table whose every cell is the sum of the finer one's cells over the extra dimensions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem
from .suppression import SUPPRESSED


@dataclass(frozen=True)
class CountTable:
    """One published table's counts by its dimensions (its total rows left out).

    Parameters
    ----------
    name : str
        the table's name in the run.
    dims : tuple of str
        the columns that identify a row.
    values : dict of str to Series
        per count column, the counts as computed, indexed by ``dims``.
    hidden : dict of str to Series
        per count column, whether the published cell is hidden, on the same index.
    """

    name: str
    dims: Tuple[str, ...]
    values: Dict[str, pd.Series]
    hidden: Dict[str, pd.Series]


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
        ``{dim: label}`` of the table's own total rows, left out here.
    counts : sequence of str
        the suppressed count columns.

    Returns
    -------
    CountTable or None
    """
    dims = tuple(str(d) for d in dims or ())
    if not dims or not counts or any(d not in frame.columns for d in dims):
        return None
    keep = np.ones(len(frame), dtype=bool)
    for dim, label in (totals or {}).items():
        if dim in frame.columns:
            keep &= (frame[dim] != label).to_numpy(dtype=bool)
    index = pd.MultiIndex.from_frame(frame.loc[keep, list(dims)].astype(str))
    values, hidden = {}, {}
    for c in counts:
        if c not in frame.columns or c not in shown.columns:
            continue
        values[c] = pd.Series(pd.to_numeric(frame.loc[keep, c], errors="coerce").to_numpy(dtype=float), index=index)
        hidden[c] = pd.Series((shown.loc[keep, c].astype(object) == SUPPRESSED).to_numpy(dtype=bool), index=index)
    return CountTable(name, dims, values, hidden) if values else None


def disclosures(a: CountTable, b: CountTable) -> List[Problem]:
    """The hidden cells of one of ``a``, ``b`` that the other gives away as a margin.

    Parameters
    ----------
    a, b : CountTable
        two tables of one run.

    Returns
    -------
    list of Problem
        one per count column with cells given away, named in the finer table.
    """
    fine, coarse = (a, b) if len(a.dims) > len(b.dims) else (b, a)
    if not set(coarse.dims) < set(fine.dims):
        return []
    problems = []
    for c in sorted(set(fine.values) & set(coarse.values)):
        groups = _groups(fine, coarse, c)
        margin = coarse.values[c].groupby(level=list(coarse.dims)).first()
        margin_hidden = coarse.hidden[c].groupby(level=list(coarse.dims)).first()
        joined = groups.join(pd.DataFrame({"margin": margin, "margin_hidden": margin_hidden}), how="inner")
        exact = np.isclose(joined["sum"], joined["margin"])
        given_away = exact & (((~joined["margin_hidden"]) & (joined["n_hidden"] == 1))
                              | (joined["margin_hidden"] & (joined["n_hidden"] == 0)))
        if given_away.any():
            where = [" / ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in joined.index[given_away]]
            problems.append(Problem(
                f"{fine.name} and {coarse.name}", c,
                f"a hidden count follows from the other table, a margin less shown cells or a sum of shown "
                f"cells ({', '.join(where[:10])}): "
                f"publish {fine.name!r} with its margins as one table (totals= and dims=), so that the gate "
                "hides cells across both, or leave one of the two out", rows=where[:10], n_rows=int(given_away.sum())))
    return problems


def _groups(fine: CountTable, coarse: CountTable, column: str) -> pd.DataFrame:
    """The finer table's cells summed, and its hidden cells counted, by the coarser one's dims."""
    values = fine.values[column]
    frame = pd.DataFrame({"value": values.fillna(0.0).to_numpy(), "hidden": fine.hidden[column].to_numpy()},
                         index=values.index)
    by = frame.groupby(level=list(coarse.dims))
    return pd.DataFrame({"sum": by["value"].sum(), "n_hidden": by["hidden"].sum()})
