"""The ``level=`` argument every forecast function takes, read one way everywhere.

Users type ``level=80`` as often as ``level=[80]``; statsforecast would fail on the former with
``TypeError: 'int' object is not iterable``. Here one number is a one-element list, and anything
that is not numbers in (0, 100) is a :class:`~earlyhelp.ValidationError` naming the argument.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, List, Optional

import numpy as np

from .._errors import Problem, ValidationError
from .._numbers import is_real


def level_list(level: Any, *, table: str, column: str = "level") -> Optional[List[Any]]:
    """``level`` as a list of interval coverages in percent (``None`` stays ``None``).

    Parameters
    ----------
    level : number, sequence of numbers or None
        One coverage (``80``) or several (``[80, 95]``), each in (0, 100).
    table, column : str
        Where to say the problem is: the function (``"Forecaster"``, ``"capacity"``) and the
        argument.

    Returns
    -------
    list or None
        The levels in the order given, each once (a single number as a one-element list), whole
        ones as ``int`` so that 80.0 and 80 name the same columns (``-lo-80``); None when
        ``level`` is None.

    Raises
    ------
    ValidationError
        ``level`` is a string or not a number or an iterable of numbers, or a level is not a
        number in (0, 100).
    """
    if level is None:
        return None
    if isinstance(level, np.ndarray) and level.ndim == 0:
        level = level.item()
    if is_real(level):
        values = [level]
    elif isinstance(level, (str, bytes)) or not isinstance(level, Iterable):
        # a string is iterable but "80" is not [8, 0]; a dict or a bool is no list of levels either
        raise ValidationError(Problem(table, column, "level must be a number in (0, 100) or a list of them, "
                                                     "e.g. level=[80, 95]", value=level))
    else:
        values = list(level)
    bad = [lv for lv in values if not (is_real(lv) and 0 < lv < 100)]
    if bad:
        raise ValidationError(f"levels must be numbers in (0, 100), got {bad}", table=table, column=column)
    # once each: a level given twice would name its bound columns twice
    return list(dict.fromkeys(int(lv) if float(lv).is_integer() else float(lv) for lv in values))
