"""What counts as a number in an argument: the predicates every module's checks share.

A real number is an int, a float or a numpy integer or floating scalar: the types
numpy's functions and the compiled core take. A bool is never one (``True`` would
pass as 1), numpy's ``np.bool_`` included; nor is a string, even ``"3"``, nor a
:class:`fractions.Fraction` or :class:`decimal.Decimal` (numpy's ufuncs refuse them).
The callers keep their own messages and exception types.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

_REALS = (int, float, np.integer, np.floating)
_WHOLES = (int, np.integer)


def is_real(value: Any) -> bool:
    """Whether ``value`` is a real number, finite or not.

    Parameters
    ----------
    value : Any
        The value to test.

    Returns
    -------
    bool
        True for an int, a float or a numpy integer or floating scalar; False for a
        bool, a string, None, a fraction or an array.
    """
    return isinstance(value, _REALS) and not isinstance(value, bool)


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a real number whose float is finite.

    Parameters
    ----------
    value : Any
        The value to test.

    Returns
    -------
    bool
        :func:`is_real` and neither NaN nor infinite; an int too large for a float
        (``10**400``) is False, as the callers go on to use ``float(value)``.
    """
    if not is_real(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def is_whole(value: Any, whole_floats: bool = False) -> bool:
    """Whether ``value`` is a whole number.

    Parameters
    ----------
    value : Any
        The value to test.
    whole_floats : bool, default False
        Also accept a finite real number with no fractional part (``2.0``, not ``2.5``).

    Returns
    -------
    bool
        True for an int or a numpy integer scalar, and with ``whole_floats`` for a
        whole-valued float; False for a bool.
    """
    if isinstance(value, _WHOLES):
        return not isinstance(value, bool)
    return whole_floats and is_finite_real(value) and float(value).is_integer()


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number of any kind, bools and complex numbers included.

    Parameters
    ----------
    value : Any
        The value to test.

    Returns
    -------
    bool
        True for any :class:`numbers.Number`, numpy number or numpy bool: what a date
        argument refuses (pandas reads a bare number as nanoseconds since 1970).
    """
    return isinstance(value, (numbers.Number, np.number, np.bool_))
