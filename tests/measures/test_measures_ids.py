"""The id look-ups of the measures' sources against a plain dictionary, on both paths.

Fixed-width prefixed ids go through integers (dense table or sorted search); any other ids
through one Arrow hash. Every case is compared with the first-row-wins dictionary look-up.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from earlyhelp.measures._ids import int_ids, positions


def _by_dict(keys, domain):
    first = {}
    for i, d in enumerate(domain):
        if d is not None and d not in first:
            first[d] = i
    return np.array([first.get(k, -1) if k is not None else -1 for k in keys], dtype=np.int64)


CASES = {
    "dense, missing and repeated": (["P001", None, "P003", "P001", "P002"], ["P003", "P009", None, "P001", "X1"]),
    "sparse (sorted search)": (["E900000000", "E000000001", "E000000001"], ["E000000001", "E900000000", "E000000005"]),
    "mixed widths (hashed)": (["F1", "F10", "F100"], ["F10", "F1", "F2"]),
    "other prefix in the keys (hashed)": (["A001", "A002"], ["B001", "A002"]),
    "no digits (hashed)": (["north", "south"], ["south", "east"]),
    "all missing": ([None, None], ["a", None]),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", ["string[pyarrow]", "object"])
def test_positions_match_a_dictionary(name, dtype):
    domain, keys = CASES[name]
    got = positions([pd.Series(keys, dtype=dtype)], pd.Series(domain, dtype=dtype))[0]
    np.testing.assert_array_equal(got, _by_dict(keys, domain))


def test_the_integer_path_is_taken_only_for_one_prefix_and_width():
    assert int_ids([pa.array(["P001", None, "P010"])])[0].tolist() == [1, -1, 10]
    assert int_ids([pa.array(["P001"]), pa.array(["P0001"])]) is None
    assert int_ids([pa.array(["P001"]), pa.array(["Q001"])]) is None
    assert int_ids([pa.array(["P0A1"])]) is None


def test_sliced_arrays_and_random_ids():
    rng = np.random.default_rng(3)
    domain = [f"C{v:06d}" if v % 11 else None for v in rng.integers(0, 5000, 3000)]
    keys = [f"C{v:06d}" for v in rng.integers(0, 6000, 4000)]
    sliced = pa.array([None, "C000001"] + keys).slice(2)
    got = positions([sliced], pd.Series(domain, dtype="string[pyarrow]"))[0]
    np.testing.assert_array_equal(got, _by_dict(keys, domain))
