"""The shared number predicates: what every argument check counts as a real, finite or whole number."""
from __future__ import annotations

import decimal
import fractions
import math

import numpy as np
import pandas as pd
import pytest

from earlyhelp._numbers import is_finite_real, is_number, is_real, is_whole

REALS = [0, -3, 1.5, 10 ** 400, np.int8(1), np.uint64(2 ** 64 - 1), np.float16(0.5), np.float32(1.5),
         np.float64(2.0), np.longdouble(3.0), math.nan, math.inf, -math.inf, np.float64("nan")]
# bools would pass as 0 and 1; strings, fractions and decimals are refused by numpy's ufuncs
NOT_REALS = [True, False, np.bool_(True), np.bool_(False), "3", "nan", b"1", None, 1j, np.complex128(1),
             fractions.Fraction(1, 2), decimal.Decimal("1.5"), np.array(1.0), np.array([1.0]), [1],
             pd.NA, pd.NaT, pd.Timestamp("2024-01-01"), np.datetime64("2024-01-01"), object()]


def value_id(value) -> str:
    """A test id that is the same in every process (an object's repr holds its address)."""
    return "object()" if type(value) is object else repr(value)


@pytest.mark.parametrize("value", REALS, ids=value_id)
def test_real_numbers(value):
    assert is_real(value)


@pytest.mark.parametrize("value", NOT_REALS, ids=value_id)
def test_not_real_numbers(value):
    assert not is_real(value)
    assert not is_finite_real(value)
    assert not is_whole(value)
    assert not is_whole(value, whole_floats=True)


@pytest.mark.parametrize("value, finite", [
    (0, True), (-2.5, True), (np.float32(1e38), True), (np.int64(-1), True), (2 ** 1023, True),
    (math.nan, False), (math.inf, False), (-math.inf, False), (np.float32("inf"), False),
    (10 ** 400, False),              # beyond a float: the callers go on to use float(value)
    (np.longdouble("1e4000"), False),
], ids=value_id)
def test_finite_real_numbers(value, finite):
    assert is_finite_real(value) is finite


@pytest.mark.parametrize("value, whole, whole_float", [
    (0, True, True), (-7, True, True), (10 ** 400, True, True), (np.int32(5), True, True),
    (np.uint64(2 ** 64 - 1), True, True),
    (2.0, False, True), (np.float32(3.0), False, True), (-0.0, False, True), (1e300, False, True),
    (2.5, False, False), (np.float64(0.1), False, False),
    (math.nan, False, False), (math.inf, False, False), (-math.inf, False, False),
], ids=value_id)
def test_whole_numbers(value, whole, whole_float):
    assert is_whole(value) is whole
    assert is_whole(value, whole_floats=True) is whole_float


@pytest.mark.parametrize("value", [0, 2024, 1.5, math.nan, True, False, np.bool_(True), np.int64(2024),
                                   np.float32(1), 1j, fractions.Fraction(1, 2), decimal.Decimal(1)], ids=value_id)
def test_numbers_of_any_kind(value):
    assert is_number(value)


@pytest.mark.parametrize("value", ["2024", "2024-01-01", None, pd.Timestamp("2024-01-01"),
                                   np.datetime64("2024-01-01"), np.array(2024), object()], ids=value_id)
def test_not_numbers(value):
    assert not is_number(value)


def test_predicates_return_plain_bools():
    for fn in (is_real, is_finite_real, is_whole, is_number):
        for value in (1, np.float64(1.5), np.float64("nan"), "1", True):
            assert type(fn(value)) is bool, (fn.__name__, value)
    for value in (2.0, np.float32(2.5), "2"):
        assert type(is_whole(value, whole_floats=True)) is bool
