"""Row positions of ids in a table: the joins of the measures' sources.

Ids are text and the tables have millions of rows, so hashing strings is the cost. Case
systems and the synthetic councils mostly write ids as a fixed prefix and a fixed number of
digits (``P0008210``): when every id of a look-up has that shape, the digits are read as
integers straight from the Arrow buffers and the look-up is an integer one. Any other ids go
through one Arrow hash (``dictionary_encode``). Both give the same positions.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

MAX_DIGITS = 18          # int64 holds 18 decimal digits safely


def arrow_strings(values):
    """An Arrow (large_)string array of a Series' values (no copy for ``string[pyarrow]``)."""
    import pyarrow as pa

    arr = getattr(values, "array", values)
    if hasattr(arr, "_pa_array"):               # string[pyarrow]
        a = arr._pa_array
    elif isinstance(arr, (pa.Array, pa.ChunkedArray)):
        a = arr
    else:
        a = pa.array(pd.Series(values, dtype=object).astype("string").to_numpy(dtype=object, na_value=None),
                     type=pa.large_string())
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks() if a.num_chunks != 1 else a.chunk(0)
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        a = a.cast(pa.large_string())
    return a


def _fixed_width(a) -> Optional[np.ndarray]:
    """The bytes of the non-missing values as an (n, width) uint8 matrix, if all have one width."""
    import pyarrow as pa

    n = len(a)
    valid = np.ones(n, dtype=bool) if a.null_count == 0 else \
        np.asarray(a.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    bufs = a.buffers()
    off_type = np.int64 if pa.types.is_large_string(a.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type, count=a.offset + n + 1)[a.offset:].astype(np.int64)
    lengths = np.diff(offsets)
    if not valid.any():
        return np.zeros((0, 0), dtype=np.uint8)
    width = int(lengths[valid][0])
    # missing values must take no bytes so that the others lie back to back
    if width == 0 or (lengths[valid] != width).any() or (lengths[~valid] != 0).any():
        return None
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return data[offsets[0]:offsets[-1]].reshape(-1, width)


def _parse(a) -> Optional[Tuple[int, bytes, np.ndarray]]:
    """(width, prefix, int64 ids with -1 where missing) of fixed-width prefixed ids; None otherwise."""
    m = _fixed_width(a)
    if m is None:
        return None
    if len(m) == 0:                              # nothing but missing values
        return 0, b"", np.full(len(a), -1, dtype=np.int64)
    first = m[0]
    is_digit = (first >= 48) & (first <= 57)
    k = int(np.argmax(is_digit)) if is_digit.any() else len(first)
    if len(first) - k == 0 or len(first) - k > MAX_DIGITS or not is_digit[k:].all():
        return None
    if (m[:, :k] != first[:k]).any() or ((m[:, k:] < 48) | (m[:, k:] > 57)).any():
        return None
    value = np.zeros(len(m), dtype=np.int64)
    digit = np.empty(len(m), dtype=np.int64)
    for col in range(k, m.shape[1]):             # in place: one strided read per digit
        np.subtract(m[:, col], 48, out=digit, casting="unsafe")
        value *= 10
        value += digit
    if a.null_count:
        ids = np.full(len(a), -1, dtype=np.int64)
        ids[np.asarray(a.is_valid().to_numpy(zero_copy_only=False), dtype=bool)] = value
    else:
        ids = value
    return m.shape[1], first[:k].tobytes(), ids


def _key(a) -> tuple:
    bufs = a.buffers()
    return tuple(b.address if b is not None else 0 for b in bufs) + (a.offset, len(a))


def int_ids(arrays: Sequence, cache: Optional[Dict[tuple, Any]] = None) -> Optional[List[np.ndarray]]:
    """Each array's ids as int64 (-1 where missing) when all share one prefix and width; else None.

    ``cache`` (a dict kept for one computation) remembers each array's reading by its buffers.
    """
    parsed = []
    for a in arrays:
        key = _key(a)
        if cache is not None and key in cache:
            got = cache[key][1]
        else:
            got = _parse(a)
            if cache is not None:   # the array is kept too: its buffers' addresses cannot be reused
                cache[key] = (a, got)
        if got is None:
            return None
        parsed.append(got)
    shapes = {(w, p) for w, p, _ in parsed if w}
    if len(shapes) > 1:
        return None
    return [ids for _, _, ids in parsed]


def positions(keys: Sequence, domain, cache: Optional[Dict[tuple, Any]] = None) -> List[np.ndarray]:
    """For each of ``keys`` (Series or Arrow arrays of ids): the row of each id in ``domain``.

    -1 where the id is missing or not in ``domain``; the first row wins for an id repeated
    in ``domain``.

    Parameters
    ----------
    keys : sequence of Series or Arrow arrays
        the ids to look up.
    domain : Series or Arrow array
        the ids of the table looked in.
    cache : dict, optional
        kept across the look-ups of one computation (see :func:`int_ids`).

    Returns
    -------
    list of ndarray of int64
    """
    arrays = [arrow_strings(domain)] + [arrow_strings(k) for k in keys]
    as_int = int_ids(arrays, cache)
    if as_int is not None:
        return _int_positions(as_int[0], as_int[1:])
    return _hashed_positions(arrays[0], arrays[1:])


def _int_positions(dom: np.ndarray, keys: List[np.ndarray]) -> List[np.ndarray]:
    ok = dom >= 0
    if not ok.any():
        return [np.full(len(k), -1, dtype=np.int64) for k in keys]
    rows = np.flatnonzero(ok)
    lo, hi = int(dom[ok].min()), int(dom[ok].max())
    if hi - lo <= 4 * len(dom) + 1024:           # dense ids: a table indexed by the id
        row_of = np.full(hi - lo + 1, -1, dtype=np.int64)
        row_of[dom[rows][::-1] - lo] = rows[::-1]
        out = []
        for k in keys:
            inside = (k >= lo) & (k <= hi)
            out.append(np.where(inside, row_of[np.clip(k, lo, hi) - lo], -1))
        return out
    order = np.argsort(dom[rows], kind="stable")
    sorted_ids, sorted_rows = dom[rows][order], rows[order]
    first = np.r_[True, sorted_ids[1:] != sorted_ids[:-1]]
    sorted_ids, sorted_rows = sorted_ids[first], sorted_rows[first]
    out = []
    for k in keys:
        at = np.minimum(np.searchsorted(sorted_ids, k), len(sorted_ids) - 1)
        out.append(np.where((sorted_ids[at] == k) & (k >= 0), sorted_rows[at], -1))
    return out


def _hashed_positions(dom, keys: list) -> List[np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [a.cast(pa.large_string()) for a in [dom, *keys]]
    enc = pc.dictionary_encode(pa.concat_arrays(parts))
    codes = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    own = codes[:len(dom)]
    ok = own >= 0
    row_of = np.full(len(enc.dictionary) + 1, -1, dtype=np.int64)
    row_of[own[ok][::-1]] = np.flatnonzero(ok)[::-1]      # the first row wins for a repeated id
    out, at = [], len(dom)
    for k in keys:
        c = codes[at:at + len(k)]
        out.append(np.where(c >= 0, row_of[c], -1))
        at += len(k)
    return out
