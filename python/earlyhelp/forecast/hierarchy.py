"""Hierarchies of series and coherent forecasts: :func:`aggregate` and :func:`reconcile`.

Both follow hierarchicalforecast's layout, so code moves between the two libraries:
``aggregate`` returns ``(Y_df, S_df, tags)`` with ids joined by ``"/"`` and ``S_df`` holding
a ``unique_id`` column followed by one column per bottom series; ``reconcile`` takes and
returns statsforecast's forecast layout (``unique_id, ds, <alias>, <alias>-lo-<level>,
<alias>-hi-<level>``) with the same columns and rows, made coherent.

The arithmetic runs in the C++ core (Eigen, sparse ``S``); see ``cpp/include/earlyhelp/
forecast/reconcile.hpp`` for how MinT avoids any dense series x series matrix.
"""
from __future__ import annotations

import logging
import numbers
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import norm

from .._errors import Problem, ValidationError
from .._native import forecast as core
from .._native import naming
from ..results import FrameResult
from ._dates import period_text
from ._level_arg import level_list
from .accuracy import _flat_columns
from .reconcile_intervals import joint_sd

log = logging.getLogger(__name__)

LEVEL_SEPARATOR = "/"
METHODS = ("bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink")
TOP_DOWN_METHODS = ("forecast_proportions", "average_proportions", "proportion_averages")
_INTERVAL = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$")
_NOT_MODELS = {"unique_id", "ds", "y", "cutoff"}


# -- aggregate ----------------------------------------------------------------------------
def escape_level(values: pd.Series) -> pd.Series:
    """Level values safe to join into ids: ``%`` and ``/`` percent-encoded (``%25``, ``%2F``).

    An unescaped ``/`` inside a value (a locality named ``North/East``) would add a level to
    the id, so the series would lose its place under its parent (and a suppressed count its
    link to the total it is part of).
    """
    return values.str.replace("%", "%25", regex=False).str.replace(LEVEL_SEPARATOR, "%2F", regex=False)


def unescape_level(value: str) -> str:
    """One level value as it was before :func:`escape_level`."""
    return value.replace("%2F", LEVEL_SEPARATOR).replace("%25", "%")


def aggregate(df: pd.DataFrame, spec: Sequence[Sequence[str]], *, id_col: str = "unique_id",
              time_col: str = "ds", target_cols: Sequence[str] = ("y",), sparse_s: bool = False
              ) -> Tuple[pd.DataFrame, pd.DataFrame, Dict[str, np.ndarray]]:
    """Aggregate bottom-level series up the levels of ``spec`` (as hierarchicalforecast does).

    Parameters
    ----------
    df : DataFrame
        long, with ``time_col``, the target columns and the columns named in ``spec``
        (one row per bottom series and period).
    spec : list of list of str
        levels, each a list of columns, e.g. ``[["country"], ["country", "region"],
        ["country", "region", "council_code", "locality_id"]]``. The longest level is the bottom.
    target_cols : sequence of str, default ("y",)
        columns summed at each level.
    sparse_s : bool, default False
        hold the 0/1 columns of ``S_df`` as pandas sparse columns (``Sparse[float64, 0]``)
        instead of dense ones: a national hierarchy of 8,000 series is 470 MB dense. Every
        earlyhelp function taking ``S`` accepts both.

    id_col : str, default "unique_id"
        the name of the series id column of ``Y_df`` and ``S_df``.
    time_col : str, default "ds"
        the period column.

    Returns
    -------
    Y_df : DataFrame
        ``unique_id, ds, <targets>`` for every level (ids are the level's values joined by
        ``"/"``), sorted by level (fewest columns first), id and period.
    S_df : DataFrame
        summing matrix: a ``unique_id`` column (all series, in the order of ``tags``) and one
        0/1 column per bottom series.
    tags : dict of str to ndarray
        level name (columns joined by ``"/"``) -> array of the level's ids.

    Raises
    ------
    ValidationError
        a column of ``spec`` or a target missing or with missing values, a level with a column
        not in the bottom level, or more than one row for a bottom series and period (they
        would be added up, counting that period twice): the error names each repeated series
        and period with the rows' 0-based positions.
    """
    spec = [list(level) for level in spec]
    problems = _check_aggregate_input(df, spec, time_col, list(target_cols))
    if problems:
        raise ValidationError(problems)
    _check_levels_once(spec)
    levels = sorted(spec, key=len)
    bottom = levels[-1]
    missing = set(c for level in levels for c in level) - set(bottom)
    if missing:
        raise ValidationError(Problem("series", None, "the bottom (longest) level of spec must contain every "
                                                      f"column used in spec; missing {sorted(missing)}"))
    keys = {col: escape_level(df[col].astype(str)) for col in bottom}
    bottom_keys = keys[bottom[0]]
    for col in bottom[1:]:
        bottom_keys = bottom_keys + LEVEL_SEPARATOR + keys[col]
    _check_one_row_per_period(bottom_keys, df[time_col])
    tags: Dict[str, np.ndarray] = {}
    frames: List[pd.DataFrame] = []
    ids_by_level: Dict[str, pd.Series] = {}
    for level in levels:
        name = LEVEL_SEPARATOR.join(level)
        ids = keys[level[0]].copy()
        for col in level[1:]:
            ids = ids + LEVEL_SEPARATOR + keys[col]
        ids_by_level[name] = ids
        grouped = (df[list(target_cols)].groupby([ids.rename(id_col), df[time_col]], sort=True, observed=True)
                   .sum().reset_index())
        frames.append(grouped[[id_col, time_col, *target_cols]])
        tags[name] = np.array(sorted(ids.unique()), dtype=object)
    _check_ids_unique(tags)
    Y_df = pd.concat(frames, ignore_index=True)

    bottom_name = LEVEL_SEPARATOR.join(bottom)
    bottom_ids = tags[bottom_name]
    col_of = {b: j for j, b in enumerate(bottom_ids)}
    all_ids = np.concatenate(list(tags.values()))
    row_of = {s: i for i, s in enumerate(all_ids)}
    pairs = pd.DataFrame({name: ids for name, ids in ids_by_level.items()}).drop_duplicates(bottom_name)
    rows, cols = [], []
    for name in tags:
        rows.extend(pairs[name].map(row_of).to_numpy())
        cols.extend(pairs[bottom_name].map(col_of).to_numpy())
    S = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(all_ids), len(bottom_ids)))
    if sparse_s:
        S_df = pd.DataFrame.sparse.from_spmatrix(S.tocsc(), columns=list(bottom_ids))
    else:
        S_df = pd.DataFrame(S.toarray(), columns=list(bottom_ids))
    S_df.insert(0, id_col, all_ids)
    return Y_df, S_df, tags


def _check_one_row_per_period(ids: pd.Series, periods: pd.Series) -> None:
    """Refuse repeated (bottom series, period) rows: the sums would count them twice.

    The rows are named by the series id ``aggregate`` gives the bottom series, the period and
    their 0-based positions in ``df`` (its index may repeat after a ``pd.concat``).
    """
    key = pd.DataFrame({"id": ids.to_numpy(), "ds": periods.to_numpy()})
    dup = key.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    positions = pd.Series(np.flatnonzero(dup))
    groups = positions.groupby([key["id"].to_numpy()[dup], key["ds"].to_numpy()[dup]], sort=False)
    named = [f"{sid} {period_text(ds)} at positions {', '.join(str(p) for p in rows)}"
             for (sid, ds), rows in list(groups)[:10]]
    raise ValidationError(Problem(
        "series", periods.name if isinstance(periods.name, str) else None,
        f"more than one row for a bottom series and period ({int(dup.sum())} rows, 0-based positions in df); "
        "aggregate needs one row per "
        "series and period and would add them up, so the totals would count them twice: drop or sum the "
        "repeated rows first", rows=named, n_rows=groups.ngroups))


def _check_levels_once(spec: List[List[str]]) -> None:
    """Refuse a level given twice (its columns in any order): each of its series would be there twice."""
    seen: Dict[frozenset, List[str]] = {}
    problems = []
    for level in spec:
        key = frozenset(level)
        if key in seen:
            problems.append(Problem("series", LEVEL_SEPARATOR.join(level),
                                    f"level {level} is given twice in spec (as {seen[key]}): its series would "
                                    "be repeated; give each level once", value=level))
        seen.setdefault(key, level)
    if problems:
        raise ValidationError(problems)


def _check_ids_unique(tags: Dict[str, np.ndarray]) -> None:
    """Refuse an id shared by two levels: two different series would get one id (and one row of S)."""
    first: Dict[str, str] = {}
    problems = []
    for name, ids in tags.items():
        for sid in ids:
            if sid in first:
                problems.append(Problem(
                    "series", name, f"id {sid!r} is a series of level {first[sid]!r} and of level {name!r}: "
                    "two different series would share one id; make the values of these columns differ "
                    "(e.g. prefix them with the column name)", rows=[sid], n_rows=1, value=sid))
            else:
                first[sid] = name
    if problems:
        raise ValidationError(problems[:10])


def _check_aggregate_input(df: pd.DataFrame, spec: List[List[str]], time_col: str,
                           target_cols: List[str]) -> List[Problem]:
    if not spec or any(not level for level in spec):
        return [Problem("series", None, "spec must be a non-empty list of non-empty lists of columns")]
    needed = list(dict.fromkeys([time_col, *target_cols, *(c for level in spec for c in level)]))
    problems = [Problem("series", c, "column named in spec / targets is missing") for c in needed
                if c not in df.columns]
    if problems:
        return problems
    for col in needed:
        bad = df.index[df[col].isna().to_numpy()]
        if len(bad):
            problems.append(Problem("series", col, "missing values; aggregate needs complete columns",
                                    rows=list(bad[:10]), n_rows=len(bad)))
    return problems


# -- summing matrix helpers --------------------------------------------------------------
def _summing_matrix(S: pd.DataFrame, id_col: str = "unique_id") -> Tuple[np.ndarray, List[str], sp.csr_matrix]:
    """(series ids, bottom ids, sparse S) from an S DataFrame (ids in a column or the index)."""
    if not isinstance(S, pd.DataFrame):
        raise ValidationError(Problem("S", None, "S must be a DataFrame: rows are series, columns bottom series"))
    _flat_columns("S", S)
    if id_col in S.columns:
        ids = S[id_col].astype(str).to_numpy()
        columns = [c for c in S.columns if c != id_col]
    else:
        ids = S.index.astype(str).to_numpy()
        columns = list(S.columns)
    bottom = [str(c) for c in columns]
    rows, cols, vals, finite = _nonzeros(S, columns)
    problems = []
    dup = pd.Index(ids)[pd.Index(ids).duplicated()]
    if len(dup):
        problems.append(Problem("S", id_col, "duplicate series ids", rows=list(dup[:10]), n_rows=len(dup)))
    if not finite:
        problems.extend(_entries_not_numbers(S, columns, ids))
    if problems:
        raise ValidationError(problems)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(columns)))
    _check_bottom_rows(ids, bottom, matrix, id_col)
    _check_aggregate_rows(ids, bottom, matrix, id_col)
    return ids, bottom, matrix


def _entries_not_numbers(S: pd.DataFrame, columns: List, ids: np.ndarray) -> List[Problem]:
    """One Problem per column of S holding text (not a number) or a missing or infinite entry,
    naming the rows by their series ids (read column by column: only when S is known to hold one)."""
    problems = []
    for c in columns:
        col = S[c].sparse.to_dense() if isinstance(S[c].dtype, pd.SparseDtype) else S[c]
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        text = np.isnan(x) & col.notna().to_numpy()
        for bad, what in ((text, "entries that are not a number (0 or 1)"),
                          (~np.isfinite(x) & ~text, "missing or infinite entries (0 or 1 expected)")):
            if bad.any():
                problems.append(Problem("S", str(c), what, rows=list(ids[bad][:10]), n_rows=int(bad.sum()),
                                        value=col[bad].iloc[0] if bad is text else float(x[bad][0])))
    return problems


def _check_bottom_rows(ids: np.ndarray, bottom: List[str], matrix: sp.csr_matrix, id_col: str) -> None:
    """Each bottom series (column of S) has its own row, and that row selects it alone.

    A row with a single 1 may also be an aggregate with one child (a council with one
    locality), so rows are matched to columns by id: ids that do not follow the structure
    (e.g. shuffled) would reconcile each forecast as if it were another series'.
    """
    row_of = {s: i for i, s in enumerate(ids)}
    absent = [b for b in bottom if b not in row_of]
    wrong, example = [], None
    for j, b in enumerate(bottom):
        i = row_of.get(b)
        if i is None:
            continue
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        cols, vals = matrix.indices[lo:hi], matrix.data[lo:hi]
        if not (len(cols) == 1 and cols[0] == j and vals[0] == 1.0):
            wrong.append(b)
            if example is None:
                selected = [bottom[k] for k in cols[:3]]
                example = f"row {b!r} selects {selected}" + (" and more" if len(cols) > 3 else "")
    problems = []
    if absent:
        problems.append(Problem("S", id_col, "bottom series (columns of S) with no row of their own",
                                rows=absent[:10], n_rows=len(absent)))
    if wrong:
        problems.append(Problem("S", id_col, "the row of a bottom series must hold a single 1 in that series' "
                                             "own column; S's ids do not match its structure", rows=wrong[:10],
                                n_rows=len(wrong), value=example))
    if problems:
        raise ValidationError(problems)


def _nested(block: sp.csr_matrix) -> bool:
    """Whether the aggregate rows form a tree: any two that share a bottom series are one inside
    the other. Such an S (a hierarchy of any depth, localities under councils under a total,
    or some councils without localities) counts every bottom series once per ancestor."""
    member = (block != 0).astype(np.int64)
    size = np.diff(member.indptr)
    shared = (member @ member.T).tocoo()
    return bool(np.all(shared.data == np.minimum(size[shared.row], size[shared.col])))


def _check_aggregate_rows(ids: np.ndarray, bottom: List[str], matrix: sp.csr_matrix, id_col: str) -> None:
    """Each aggregate row of S sums bottom series once each, and S counts every bottom series once
    per level: what :func:`aggregate` builds, for every method (not only top-down).

    An entry other than 0/1 (a 2) or a bottom series under two parents at one level (a locality
    in two councils) would add it up twice in the reconciled totals. Levels are not given with
    S. A tree (any two aggregate rows sharing a bottom series are one inside the other) passes,
    whatever its depth; otherwise (grouped: council and source over council x source) each level
    partitions the bottom series, so every bottom series lies in as many aggregate rows as there
    are levels above the bottom.
    """
    problems: List[Problem] = []
    bad_value = np.flatnonzero(matrix.data != 1.0)
    if len(bad_value):
        row_of_entry = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        bad_rows = list(dict.fromkeys(ids[row_of_entry[bad_value]]))
        k = bad_value[0]
        problems.append(Problem("S", id_col, "entries of S must be 0 or 1 (a series is in an aggregate or not): "
                                             "another value would count a bottom series more than once, or "
                                             "in part", rows=bad_rows[:10], n_rows=len(bad_rows),
                                value=f"row {ids[row_of_entry[k]]!r}, column {bottom[matrix.indices[k]]!r}: "
                                      f"{matrix.data[k]:g}"))
    bottom_set = set(bottom)
    aggregate_rows = np.array([i for i, s in enumerate(ids) if s not in bottom_set], dtype=np.int64)
    if len(aggregate_rows) == 0:
        if problems:
            raise ValidationError(problems)
        return
    block = matrix[aggregate_rows]
    empty = aggregate_rows[np.diff(block.indptr) == 0]
    if len(empty):
        problems.append(Problem("S", id_col, "aggregate rows that sum no bottom series (all zeros): they would "
                                             "be forecast as 0", rows=list(ids[empty][:10]), n_rows=len(empty)))
    if problems:
        raise ValidationError(problems)
    if _nested(block):
        return  # a tree, balanced or not: no bottom series can sit under two parents
    # how many aggregate rows hold each bottom series: one per level for every bottom series
    holders = (block != 0).astype(np.int64).tocsc()
    count = np.diff(holders.indptr)
    values, freq = np.unique(count, return_counts=True)
    usual = int(values[freq == freq.max()].min())   # the commonest count; on a tie, the smaller
    full = set(np.flatnonzero(np.diff(block.indptr) == len(bottom)))   # totals hold every series: not at fault

    def where(j: int) -> str:
        rows = aggregate_rows[holders.indices[holders.indptr[j]:holders.indptr[j + 1]]]
        names = ", ".join(repr(str(ids[i])) for i in rows[:6]) + (" and more" if len(rows) > 6 else "")
        return (f"{bottom[j]!r} is in {len(rows)} aggregate rows ({names or 'none'}); most bottom series are "
                f"in {usual}")

    over = np.flatnonzero(count > usual)
    if len(over):
        suspects = []
        for j in over:
            local = holders.indices[holders.indptr[j]:holders.indptr[j + 1]]
            suspects.extend(str(ids[aggregate_rows[k]]) for k in local if k not in full)
        suspects = list(dict.fromkeys(suspects))
        problems.append(Problem(
            "S", id_col, f"bottom series summed into more aggregate rows than the others ({len(over)}): each sits "
                         "under two parents at one level (e.g. a locality in two councils) and would be counted "
                         "twice; these aggregate rows hold them: check which should not",
            rows=suspects[:10], n_rows=len(suspects), value=where(int(over[0]))))
    under = np.flatnonzero(count < usual)
    if len(under):
        problems.append(Problem(
            "S", id_col, f"bottom series summed into fewer aggregate rows than the others ({len(under)}): a level "
                         "leaves them out, so its totals would miss them", rows=[bottom[j] for j in under[:10]],
            n_rows=len(under), value=where(int(under[0]))))
    if problems:
        raise ValidationError(problems)


def _nonzero_2d(values: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """np.nonzero, but scanning memory in order (faster on a transposed block)."""
    if values.flags.c_contiguous:
        return np.divmod(np.flatnonzero((values != 0).ravel()), values.shape[1])
    if values.T.flags.c_contiguous:
        r, k = np.divmod(np.flatnonzero((values.T != 0).ravel()), values.shape[0])
        return k, r
    return np.nonzero(values)


def _nonzeros(S: pd.DataFrame, columns: List) -> Tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(rows, cols, values, all finite) of the non-zero entries of S's columns, without copying S.

    S is mostly zeros and can be large (5,000 x 5,000 is 200 MB dense), so the numeric blocks
    pandas holds are read in place; sparse columns and anything else go column by column.
    """
    position = {c: j for j, c in enumerate(columns)}
    if len(columns) and all(isinstance(S[c].dtype, pd.SparseDtype) for c in columns):
        # pandas sparse columns (aggregate(sparse_s=True)): their stored entries, column by column
        arrays = [S[c].array for c in columns]
        if any(float(a.fill_value) != 0.0 for a in arrays):
            raise ValidationError(Problem("S", None, "sparse columns of S must have fill value 0"))
        rows = np.concatenate([a.sp_index.indices for a in arrays]).astype(np.int64)
        vals = np.concatenate([a.sp_values for a in arrays]).astype(float)
        cols = np.repeat(np.arange(len(arrays)), [len(a.sp_values) for a in arrays])
        nz = vals != 0
        return rows[nz], cols[nz], vals[nz], bool(np.isfinite(vals).all())
    rows, cols, vals = [], [], []
    finite = True
    done = set()
    try:   # pandas' numeric blocks, each (columns in block x rows), read in place
        for block in S._mgr.blocks:
            values = block.values
            if not (isinstance(values, np.ndarray) and values.ndim == 2 and values.dtype.kind in "fiub"):
                continue
            names = S.columns[block.mgr_locs.as_array]
            keep = np.array([n in position for n in names])
            if not keep.all():
                continue
            finite = finite and bool(np.isfinite(values).all()) if values.dtype.kind == "f" else finite
            k, r = _nonzero_2d(values)
            rows.append(r)
            cols.append(np.array([position[n] for n in names])[k])
            vals.append(values[k, r].astype(float))
            done.update(names)
    except AttributeError:     # a pandas without block managers: the generic path below
        rows, cols, vals, finite, done = [], [], [], True, set()
    for c in columns:
        if c in done:
            continue
        col = S[c]
        if isinstance(col.dtype, pd.SparseDtype):
            col = col.sparse.to_dense()
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        finite = finite and bool(np.isfinite(x).all())
        nz = np.flatnonzero(x)
        rows.append(nz)
        cols.append(np.full(len(nz), position[c]))
        vals.append(x[nz])
    cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.array([], dtype))
    return cat(rows, np.int64), cat(cols, np.int64), cat(vals, float), finite


def _parents(S: sp.csr_matrix) -> List[int]:
    """Parent row of each row in a strict hierarchy (-1 for the top): the smallest row whose
    bottom set contains this row's, preferring the later row among equals (bottoms come last)."""
    B = (S != 0).astype(np.int64).tocsr()
    size = np.asarray(B.sum(axis=1)).ravel()
    overlap = (B @ B.T).tocsr()
    n = S.shape[0]
    top = int(np.argmax(size))
    parent = [-1] * n
    for i in range(n):
        if i == top:
            continue
        lo, hi = overlap.indptr[i], overlap.indptr[i + 1]
        cand = overlap.indices[lo:hi][overlap.data[lo:hi] == size[i]]   # rows containing row i
        cand = cand[(cand != i) & (size[cand] >= size[i])]
        # among equal bottom sets keep a consistent chain: the earlier row is the parent
        cand = cand[(size[cand] > size[i]) | (cand < i)]
        if len(cand) == 0:
            raise ValidationError(Problem("S", None, "top-down needs a strict hierarchy; a series is not "
                                                     "contained in any other", rows=[i], n_rows=1))
        smallest = cand[size[cand] == size[cand].min()]
        parent[i] = int(smallest.max())
    return parent


# -- reconcile ---------------------------------------------------------------------------
class Reconciled(FrameResult):
    """:func:`reconcile`'s forecasts with how they were reconciled.

    Attributes
    ----------
    reconciliation : the method (``"top_down/<top_down_method>"`` for top-down).
    shrinkage : ``mint_shrink``'s shrinkage intensity per model (empty for other methods).
    insample_periods_dropped : in-sample periods left out because a series lacked a residual.
    interval_errors : how base errors were combined into reconciled intervals:
        ``"correlated"`` (shrunk residual correlation), ``"top_down"`` (the total's own
        interval split by shares), ``"independent"`` (no in-sample fitted values were given)
        or ``""`` (no intervals).
    bounds_clipped_to_0 : per model whose base bounds are all non-negative (a count), or every
        model with ``nonnegative=True``, how many reconciled interval bounds were below 0 and
        set to 0 (other models with a negative base bound are not listed: their bounds are
        left as they come).
    whole_number_bounds : models whose base bounds are all non-negative whole numbers
        (earlyhelp's count intervals): their reconciled bounds are rounded outwards to whole
        numbers (lower down, upper up).
    points_below_0 : per model listed in ``bounds_clipped_to_0`` (a count), how many reconciled
        point forecasts are below 0: left as they are (coherence needs them), so each lies
        below its interval's lower bound of 0. Always 0 with ``nonnegative=True``.
    nonnegative : whether the reconciliation was bounded at 0 (``reconcile(nonnegative=True)``).
    points_held_at_0 : with ``nonnegative=True``, per model, how many bottom-level (series,
        period) forecasts the bound held at 0 (each would have been below 0 otherwise, or was
        moved there by another series' bound).
    """

    _metadata = ["reconciliation", "shrinkage", "insample_periods_dropped", "interval_errors",
                 "bounds_clipped_to_0", "whole_number_bounds", "points_below_0", "nonnegative",
                 "points_held_at_0"]
    interval_errors: str = ""
    bounds_clipped_to_0: Dict[str, int] = {}
    points_below_0: Dict[str, int] = {}
    nonnegative: bool = False
    points_held_at_0: Dict[str, int] = {}
    whole_number_bounds: List[str] = []
    reconciliation: str = ""
    shrinkage: Dict[str, float] = {}
    insample_periods_dropped: int = 0


def reconcile(forecasts: pd.DataFrame, S: pd.DataFrame, method: str = "mint_shrink", *,
              insample: Optional[pd.DataFrame] = None, tags: Optional[Mapping[str, np.ndarray]] = None,
              level: Optional[Union[float, Sequence[float]]] = None,
              top_down_method: str = "forecast_proportions",
              models: Optional[Sequence[str]] = None, ridge: float = 2e-8,
              nonnegative: bool = False) -> Reconciled:
    """Make forecasts coherent: every aggregate equals the sum of its bottom series.

    Parameters
    ----------
    forecasts : DataFrame
        Statsforecast layout: ``unique_id, ds``, one column per model alias and
        optionally ``<alias>-lo-<level>`` / ``<alias>-hi-<level>``; every series in ``S`` with
        the same periods.
    S : DataFrame
        Summing matrix as returned by :func:`aggregate` (``unique_id`` column or index). Every
        method checks it is one: entries 0 or 1, each bottom series' row selecting it alone,
        no aggregate row of zeros, and either a tree (any two aggregate rows sharing a bottom
        series are one inside the other, at any depth) or, for a grouped structure whose levels
        cross, every bottom series in the same number of aggregate rows (each level splits the
        bottom series between its rows). A series under two parents at one level, a level
        leaving one out or an entry of 2 would be counted twice or not at all in the totals,
        and is a ValidationError naming the rows of S.
    method : str, default "mint_shrink"
        ``"bottom_up"``, ``"top_down"``, ``"mint_ols"``, ``"mint_wls_struct"`` or
        ``"mint_shrink"`` (MinTrace with the Schafer-Strimmer shrunk covariance of in-sample
        residuals, as hierarchicalforecast's ``MinTrace(method="mint_shrink")``).
    insample : DataFrame, optional
        ``unique_id, ds, y`` and each model's fitted values in a column named by its alias
        (statsforecast's ``forecast_fitted_values()`` layout); each aggregate's ``y`` must be
        the sum of its bottom series under ``S`` (a ValidationError names those that are not:
        S was built from other data). Needed by ``mint_shrink`` and by
        top-down with historical proportions; with intervals, every method uses its residuals
        for the correlation of the base errors (without them ``bottom_up`` and the other
        MinTrace methods must assume independent errors, which understates the aggregates'
        intervals, and a warning says so). Periods where a
        series lacks a residual (e.g. the first season of a seasonal naive fit) are dropped for
        every series; the count is in ``result.insample_periods_dropped``.
    tags : mapping of str to ndarray, optional
        Accepted for symmetry with hierarchicalforecast; the hierarchy is read from ``S``.
    level : float or sequence of float, optional
        Interval levels to reconcile (default: every level with both lo and hi columns; one
        number is one level).
    top_down_method : str, default "forecast_proportions"
        ``"forecast_proportions"`` (split each parent among its children by their
        base forecasts, level by level; needs no history), ``"average_proportions"`` (mean of the
        historical ratios bottom / total; periods with a zero total skipped) or
        ``"proportion_averages"`` (mean bottom / mean total).
    models : sequence of str, optional
        Model columns to reconcile (default: every column that is not an id, date, ``y``,
        ``cutoff`` or interval).
    ridge : float, default 2e-08
        Floor for the variances on the diagonal of the shrunk covariance (``mint_shrink``).
    nonnegative : bool, default False
        MinTrace methods only: no reconciled forecast below 0. Each period's forecasts are
        the coherent ones closest to the base forecasts in the method's metric with every
        bottom series >= 0 (so every aggregate too), the quadratic programme of Wickramasuriya,
        Turlach and Hyndman (2020) and of hierarchicalforecast's ``MinTrace(nonnegative=True)``,
        solved exactly. Where no reconciled forecast falls below 0 the result is the unbounded
        one. Base forecasts below 0 are used as they are (hierarchicalforecast sets them to 0
        first). Intervals keep the method's reconciled widths, centred on the bounded
        forecasts, with bounds below 0 set to 0 for every model: not the distribution of the
        bounded estimator, and near 0 wider than they need be (in a simulation of counts
        declining to 0, the locality-months held at 0 were covered 98% at 80%;
        ``benchmarks/README.md``, reconciled interval coverage). How many bottom-level
        forecasts the bound held at 0: ``result.points_held_at_0``.

    Returns
    -------
    :class:`Reconciled`: a DataFrame with the same columns and rows as ``forecasts``, point
    forecasts and intervals reconciled; its fields record the method and, for ``mint_shrink``,
    the shrinkage intensity per model.

    Notes
    -----
    Intervals are kept coherent by Gaussian propagation (hierarchicalforecast's "normality"):
    each base interval gives a standard deviation ``(hi - lo) / (2 z)``; the reconciled one is
    ``sqrt(diag(M Sigma M'))`` with ``M`` the linear map of the method and ``Sigma`` the base
    covariance: each series' standard deviation with the correlation of the shrunk covariance
    of in-sample residuals, for every method (see ``forecast/reconcile_intervals.py``).
    Each level is propagated on its own, so non-Gaussian base intervals keep their own widths
    per level. Top-down scales the total's interval by each series' share (the total's base
    interval already holds the localities' joint variation). With ``bottom_up`` the bottom
    series keep their own base intervals (their forecasts are unchanged, and a count interval
    is not symmetric).

    Counts: Gaussian propagation knows nothing of a floor at 0, so a model whose base lower
    bounds are all >= 0 (every series, level and period) is taken to forecast a quantity that
    cannot be negative: its reconciled bounds below 0 are set to 0 (how many, per model, in
    ``result.bounds_clipped_to_0``). If its base bounds are also all whole numbers (as
    earlyhelp's count intervals are), the reconciled bounds are rounded outwards to whole
    numbers (``result.whole_number_bounds``). Neither changes coverage of counts: no count
    lies below 0 or between a bound and its rounding. Point forecasts are never changed: a count
    that reconciliation moved below 0 (MinT spreads a total's shortfall over every locality, a
    closed one at 0 too) stays there, below its interval, and is counted in
    ``result.points_below_0`` with a warning; ``nonnegative=True`` prevents it.
    """
    if method not in METHODS:
        raise ValidationError(Problem("forecasts", None, f"unknown method {method!r}; choose one of {METHODS}"))
    if method == "top_down" and top_down_method not in TOP_DOWN_METHODS:
        raise ValidationError(Problem("forecasts", None, f"unknown top_down_method {top_down_method!r}; "
                                                         f"choose one of {TOP_DOWN_METHODS}"))
    if isinstance(ridge, bool) or not isinstance(ridge, numbers.Real) or not (0 <= ridge < np.inf):
        raise ValidationError(Problem("reconcile", "ridge", "must be a finite number >= 0", value=ridge))
    if not isinstance(nonnegative, (bool, np.bool_)):
        raise ValidationError(Problem("reconcile", "nonnegative", "must be True or False", value=nonnegative))
    if nonnegative and not method.startswith("mint_"):
        raise ValidationError(Problem("reconcile", "nonnegative", f"bounds MinTrace's optimisation; {method} "
                                      "solves none (it keeps the sign of its base forecasts): choose a mint_ method",
                                      value=nonnegative))
    ids, bottom, S_sparse = _summing_matrix(S)
    _check_insample_frame(insample)
    forecasts = _whole_level_names(forecasts)
    model_cols, intervals = _forecast_columns(forecasts, models, level_list(level, table="reconcile"))
    horizon = _check_layout(forecasts, ids, model_cols, intervals)
    order = pd.Series(np.arange(len(ids)), index=ids)
    fc = forecasts.assign(_row=forecasts["unique_id"].astype(str).map(order).to_numpy())
    fc = fc.sort_values(["_row", "ds"], kind="stable")
    h = len(horizon)
    n = len(ids)
    core_method = f"top_down_{top_down_method}" if method == "top_down" else method
    parent = _parents(S_sparse) if core_method == "top_down_forecast_proportions" else []
    insample_y, residuals, dropped = None, {}, 0
    if method == "mint_shrink" or (method == "top_down" and top_down_method != "forecast_proportions"):
        insample_y, residuals, dropped = _insample_matrices(insample, ids, model_cols, method, bottom, S_sparse)
    joint = method in ("bottom_up", "mint_ols", "mint_wls_struct") and any(intervals.get(m) for m in model_cols)
    interval_errors = "" if not any(intervals.get(m) for m in model_cols) else \
        "top_down" if method == "top_down" else "correlated"
    if joint:
        if insample is not None and all(m in insample.columns for m in model_cols):
            _, residuals, dropped = _insample_matrices(insample, ids, model_cols, "mint_shrink", bottom, S_sparse)
        else:
            joint, interval_errors = False, "independent"
            log.warning("reconcile(%s): no in-sample fitted values, so base errors are taken as "
                        "independent and aggregate intervals are too narrow when they correlate", method)

    out = forecasts.copy()
    shrinkage: Dict[str, float] = {}
    clipped: Dict[str, int] = {}
    whole_models: List[str] = []
    below: Dict[str, int] = {}
    held: Dict[str, int] = {}
    bottom_rows = order[bottom].to_numpy()
    for model in model_cols:
        mean = fc[model].to_numpy(dtype=float).reshape(n, h)
        levels = intervals.get(model, [])
        sd = None
        if levels:
            z = np.array([norm.ppf(0.5 + lv / 200.0) for lv in levels])
            widths = [(fc[f"{model}-hi-{_fmt(lv)}"].to_numpy(float) - fc[f"{model}-lo-{_fmt(lv)}"].to_numpy(float))
                      .reshape(n, h) / (2 * zk) for lv, zk in zip(levels, z)]
            sd = np.hstack(widths)
            mean_in = np.hstack([mean] * len(levels))
        else:
            mean_in = mean
        with naming("forecasts"):
            rec_mean, rec_sd, lam, n_held = core.reconcile(S_sparse, np.ascontiguousarray(mean_in), sd,
                                                           core.ReconcileMethod.__members__[core_method],
                                                           residuals.get(model), insample_y, parent, ridge,
                                                           bool(nonnegative))
        if nonnegative:  # the means are repeated once per interval level
            held[model] = int(n_held) // max(len(levels), 1)
        if joint and sd is not None:
            with naming("forecasts"):
                M = core.reconcile(S_sparse, np.eye(n), None, core.ReconcileMethod.__members__[core_method],
                                   None, None, [], ridge)[0]
                diagonal, factor, _ = core.shrunk_covariance(residuals[model], ridge)
            rec_sd = joint_sd(np.asarray(M), sd, np.asarray(diagonal), np.asarray(factor))
        if not np.isnan(lam):
            shrinkage[model] = float(lam)
        values = {model: rec_mean[:, :h].ravel()}
        bounds: Dict[str, np.ndarray] = {}
        for k, lv in enumerate(levels):
            block = slice(k * h, (k + 1) * h)
            zk = norm.ppf(0.5 + lv / 200.0)
            bounds[f"{model}-lo-{_fmt(lv)}"] = rec_mean[:, block] - zk * rec_sd[:, block]
            bounds[f"{model}-hi-{_fmt(lv)}"] = rec_mean[:, block] + zk * rec_sd[:, block]
        if bounds:
            base = {col: fc[col].to_numpy(float).reshape(n, h) for col in bounds}
            if method == "bottom_up":
                # a bottom series' forecast is its base one, so its interval is too
                for col in bounds:
                    bounds[col][bottom_rows] = base[col][bottom_rows]
            if nonnegative or all((b >= 0).all() for b in base.values()):
                clipped[model] = int(sum((b < 0).sum() for b in bounds.values()))
                below[model] = int((values[model] < 0).sum())
                bounds = {col: np.maximum(b, 0.0) for col, b in bounds.items()}
                if all((b == np.round(b)).all() for b in base.values()):
                    whole_models.append(model)
                    # outwards, with a tolerance so a sum that is 3 up to rounding error stays 3
                    bounds = {col: (np.floor(b + 1e-7) if "-lo-" in col[len(model):] else np.ceil(b - 1e-7))
                              for col, b in bounds.items()}
        # + 0.0: a bound of 0 rounded up (np.ceil(-1e-7)) is -0.0, which a CSV or report prints as "-0.0"
        values.update({col: b.ravel() + 0.0 for col, b in bounds.items()})
        for col, vals in values.items():
            out.loc[fc.index, col] = vals
    for model, n_below in below.items():
        if n_below:
            log.warning("%d reconciled point forecasts of %s (counts) are below 0, below their intervals "
                        "(see points_below_0)", n_below, model)
    return Reconciled.of(out, reconciliation=method if method != "top_down" else f"top_down/{top_down_method}",
                         shrinkage=shrinkage, insample_periods_dropped=dropped,
                         interval_errors=interval_errors, bounds_clipped_to_0=clipped,
                         whole_number_bounds=whole_models, points_below_0=below,
                         nonnegative=bool(nonnegative), points_held_at_0=held)


def _whole_level_names(forecasts: Any) -> Any:
    """``M-lo-80.0`` (statsforecast's name for ``level=[80.0]``) as ``M-lo-80``, the name the
    bounds are looked up and written under (a repeated row index made fresh); non-frames unchanged."""
    if not isinstance(forecasts, pd.DataFrame):
        return forecasts
    if not forecasts.index.is_unique:  # rows are matched by index label: a repeated one broke that
        forecasts = forecasts.reset_index(drop=True)
    names = {}
    for col in forecasts.columns:
        m = _INTERVAL.match(str(col))
        if m and "." in m["level"] and float(m["level"]).is_integer():
            names[col] = f"{m['model']}-{m['side']}-{_fmt(float(m['level']))}"
    clash = [new for old, new in names.items() if new in forecasts.columns]
    if clash:
        raise ValidationError(Problem("forecasts", clash[0], f"given twice, as {clash[0]!r} and with '.0' after "
                                      "its level: keep one"))
    return forecasts.rename(columns=names) if names else forecasts


def _fmt(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)


def _forecast_columns(forecasts: pd.DataFrame, models: Optional[Sequence[str]],
                      level: Optional[Sequence[float]]) -> Tuple[List[str], Dict[str, List[float]]]:
    if not isinstance(forecasts, pd.DataFrame):
        raise ValidationError(Problem("forecasts", None, "forecasts must be a DataFrame"))
    _flat_columns("forecasts", forecasts)  # a model given twice was not reconciled, without a word
    missing = [c for c in ("unique_id", "ds") if c not in forecasts.columns]
    if missing:
        raise ValidationError([Problem("forecasts", c, "required column is missing") for c in missing])
    found: Dict[str, Dict[str, set]] = {}
    for col in forecasts.columns:
        m = _INTERVAL.match(str(col))
        if m:
            found.setdefault(m["model"], {"lo": set(), "hi": set()})[m["side"]].add(float(m["level"]))
    if models is None:
        models = [c for c in forecasts.columns if c not in _NOT_MODELS and not _INTERVAL.match(str(c))
                  and pd.api.types.is_numeric_dtype(forecasts[c])]
    models = list(models)
    problems = [Problem("forecasts", m, "model column is missing") for m in models if m not in forecasts.columns]
    if not models:
        problems.append(Problem("forecasts", None, "no model columns to reconcile"))
    intervals: Dict[str, List[float]] = {}
    for m in models:
        sides = found.get(m, {"lo": set(), "hi": set()})
        paired = sorted(sides["lo"] & sides["hi"])
        if level is not None:
            absent = [lv for lv in level if float(lv) not in paired]
            if absent:
                problems.append(Problem("forecasts", m, f"interval columns for level(s) {absent} are missing"))
            paired = sorted(float(lv) for lv in level)
        intervals[m] = paired
    if problems:
        raise ValidationError(problems)
    return models, intervals


def _check_layout(forecasts: pd.DataFrame, ids: np.ndarray, models: List[str],
                  intervals: Dict[str, List[float]]) -> np.ndarray:
    """Every series of S present with the same periods, no unknown ids, no missing values."""
    fid = forecasts["unique_id"].astype(str)
    known = set(ids)
    problems: List[Problem] = []
    unknown = sorted(set(fid) - known)
    if unknown:
        problems.append(Problem("forecasts", "unique_id", "series not in S", rows=unknown[:10], n_rows=len(unknown)))
    absent = sorted(known - set(fid))
    if absent:
        problems.append(Problem("forecasts", "unique_id", "series of S with no forecasts", rows=absent[:10],
                                n_rows=len(absent)))
    dup = forecasts.duplicated(["unique_id", "ds"])
    if dup.any():
        rows = list(fid[dup].unique()[:10])
        problems.append(Problem("forecasts", "ds", "duplicate (unique_id, ds) rows", rows=rows, n_rows=int(dup.sum())))
    horizon = np.sort(forecasts["ds"].unique())
    counts = forecasts.groupby(fid, sort=False)["ds"].nunique()
    short = counts[counts != len(horizon)]
    if len(short):
        problems.append(Problem("forecasts", "ds", f"series without forecasts for all {len(horizon)} periods",
                                rows=list(short.index[:10]), n_rows=len(short)))
    cols = list(models) + [f"{m}-{side}-{_fmt(lv)}" for m in models for lv in intervals.get(m, [])
                           for side in ("lo", "hi")]
    for col in cols:
        vals = pd.to_numeric(forecasts[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
        if bad.any():
            problems.append(Problem("forecasts", col, "NaN or infinite forecasts", rows=list(fid[bad].unique()[:10]),
                                    n_rows=int(bad.sum())))
    problems += _crossed_bounds(forecasts, fid, models, intervals)
    if problems:
        raise ValidationError(problems)
    return horizon


def _crossed_bounds(forecasts: pd.DataFrame, fid: pd.Series, models: List[str],
                    intervals: Dict[str, List[float]]) -> List[Problem]:
    """Upper bounds below the lower ones, named by series and period (the core sees only positions)."""
    problems = []
    for m in models:
        for lv in intervals.get(m, []):
            lo_col, hi_col = f"{m}-lo-{_fmt(lv)}", f"{m}-hi-{_fmt(lv)}"
            lo = pd.to_numeric(forecasts[lo_col], errors="coerce").to_numpy(dtype=float)
            hi = pd.to_numeric(forecasts[hi_col], errors="coerce").to_numpy(dtype=float)
            crossed = np.flatnonzero(hi < lo)
            if len(crossed):
                problems.append(Problem(
                    "forecasts", hi_col, f"upper bounds below the lower bounds ({lo_col})",
                    rows=[f"{fid.iloc[i]} on {period_text(forecasts['ds'].iloc[i])}" for i in crossed[:10]],
                    n_rows=len(crossed), value=f"{lo[crossed[0]]:g} to {hi[crossed[0]]:g}"))
    return problems


def _check_insample_sums(y: np.ndarray, ids: np.ndarray, bottom: List[str], S_sparse: sp.csr_matrix,
                         periods: Any) -> None:
    """The history of each aggregate series must be the sum of its bottom series under ``S``: a
    valid tree that is not the data's (a locality moved to another council, S built from other
    data) would reconcile each total to bottom series it never held."""
    position = pd.Series(np.arange(len(ids)), index=ids)
    bottom_rows = position[bottom].to_numpy()
    summed = np.asarray(S_sparse @ np.nan_to_num(y[bottom_rows]))
    known = np.isfinite(y) & np.isfinite(y[bottom_rows]).all(axis=0)[None, :]
    scale = np.maximum(np.abs(y), np.abs(summed))
    off = known & (np.abs(y - summed) > 1e-9 * scale + 1e-6)
    bad = np.flatnonzero(off.any(axis=1))
    if not len(bad):
        return
    i = bad[0]
    t = int(np.flatnonzero(off[i])[0])
    raise ValidationError(Problem(
        "insample", "y", f"aggregate series whose history is not the sum of their bottom series under S "
                         f"({len(bad)}): S does not describe these data (a bottom series moved to another "
                         "parent, or S was built from other data); build S with aggregate() from the same "
                         "data", rows=[str(ids[k]) for k in bad[:10]], n_rows=len(bad),
        value=f"{ids[i]!r} on {period_text(periods[t])}: y {y[i, t]:g}, sum of its bottom series {summed[i, t]:g}"))


def _check_insample_frame(insample: Any) -> None:
    """``insample``, when given, is a DataFrame with each column once (a name given twice cannot be
    told apart)."""
    if insample is None:
        return
    if not isinstance(insample, pd.DataFrame):
        raise ValidationError(Problem("insample", None, "insample must be a DataFrame of unique_id, ds, y and the "
                                                        "fitted values per model", value=type(insample).__name__))
    _flat_columns("insample", insample)


def _insample_matrices(insample: Optional[pd.DataFrame], ids: np.ndarray, models: List[str], method: str,
                       bottom: List[str], S_sparse: sp.csr_matrix) -> Tuple[np.ndarray, Dict[str, np.ndarray], int]:
    if insample is None:
        raise ValidationError(Problem("insample", None, f"method {method!r} needs in-sample values "
                                                        "(unique_id, ds, y and fitted values per model)"))
    needed = ["unique_id", "ds", "y"] + (models if method == "mint_shrink" else [])
    missing = [c for c in needed if c not in insample.columns]
    if missing:
        raise ValidationError([Problem("insample", c, "required column is missing") for c in missing])
    uid = insample["unique_id"].astype(str)
    absent = sorted(set(ids) - set(uid))
    if absent:
        raise ValidationError(Problem("insample", "unique_id", "series of S with no in-sample values",
                                      rows=absent[:10], n_rows=len(absent)))
    # series x period matrices by position (a pivot without pandas' reshaping cost)
    row = pd.Series(np.arange(len(ids)), index=ids).reindex(uid.to_numpy()).to_numpy()
    inside = ~np.isnan(row)
    row = row[inside].astype(np.int64)
    period_codes, periods = pd.factorize(insample["ds"].to_numpy()[inside], sort=True)
    cell = row * len(periods) + period_codes
    if len(cell) and np.bincount(cell).max() > 1:
        raise ValidationError(Problem("insample", "ds", "duplicate (unique_id, ds) rows"))

    def wide(column: str) -> np.ndarray:
        out = np.full((len(ids), len(periods)), np.nan)
        out[row, period_codes] = pd.to_numeric(insample[column], errors="coerce").to_numpy(float)[inside]
        return out

    y = wide("y")
    _check_insample_sums(y, ids, bottom, S_sparse, periods)
    residuals: Dict[str, np.ndarray] = {}
    keep = np.isfinite(y).all(axis=0)
    if method == "mint_shrink":
        for m in models:
            residuals[m] = y - wide(m)
            keep &= np.isfinite(residuals[m]).all(axis=0)
    dropped = int((~keep).sum())
    if keep.sum() < 2:
        raise ValidationError(Problem("insample", None, "fewer than 2 periods with values for every series",
                                      n_rows=dropped))
    residuals = {m: np.ascontiguousarray(r[:, keep]) for m, r in residuals.items()}
    return np.ascontiguousarray(y[:, keep]), residuals, dropped
