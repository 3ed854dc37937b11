"""Checks of the arguments of the flow API: each raises a ValidationError naming the table
(the class or function called) and the argument, never a TypeError from deep inside."""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from .._errors import ValidationError
from .._numbers import is_finite_real, is_number, is_whole

#: the largest seed: every core and every locality's stream takes 0 .. 2**63 - 1
MAX_SEED = 2 ** 63 - 1


def real(value: Any, name: str, table: str, lo: float = -math.inf, hi: float = math.inf,
         lo_open: bool = False) -> float:
    """``value`` as a finite float in [lo, hi] ((lo, hi] with ``lo_open``)."""
    ok = is_finite_real(value)
    if ok:
        v = float(value)
        ok = (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        raise ValidationError(f"{name} must be {_range(lo, hi, lo_open)}, not {value!r}", table=table, column=name)
    return float(value)


def _range(lo: float, hi: float, lo_open: bool) -> str:
    if lo == 0 and hi == math.inf:
        return "a positive number" if lo_open else "a finite number, not negative"
    if hi == math.inf:
        return f"a finite number {'above' if lo_open else 'of at least'} {lo:g}"
    if lo == -math.inf:
        return f"a number of at most {hi:g}"
    return f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}]"


def whole(value: Any, name: str, table: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi]."""
    if not is_whole(value) or not lo <= value <= hi:
        raise ValidationError(f"{name} must be a whole number from {lo:,} to {hi:,}, not {value!r}",
                              table=table, column=name)
    return int(value)


def flag(value: Any, name: str, table: str) -> bool:
    """``value`` if it is True or False: ``bool()`` would take any non-empty string, ``"no"``
    and ``"False"`` too, as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValidationError(f"{name} must be True or False, not {value!r}", table=table, column=name)
    return bool(value)


def optional_flag(value: Any, name: str, table: str) -> Optional[bool]:
    """``value`` if it is None, True or False (None: the default behaviour)."""
    return None if value is None else flag(value, name, table)


def seed(value: Any, table: str, name: str = "seed") -> int:
    """A random seed: a whole number from 0 to 2**63 - 1 (``None`` is refused: results must
    be reproducible)."""
    return whole(value, name, table, 0, MAX_SEED)


def date(value: Any, name: str, table: str) -> pd.Timestamp:
    """``value`` as a day: a date, a datetime or a date string (numbers are refused: 2024 is
    not a date); the data module's rule for every date argument."""
    from ..data.events import date_argument

    return date_argument(value, table, name)


def level(value: Any, table: str, name: str = "level") -> float:
    """A confidence level: a number in (0, 1) (0 or 1 would give empty or infinite intervals)."""
    v = real(value, name, table, 0.0, 1.0, lo_open=True)
    if v >= 1.0:
        raise ValidationError(f"{name} must be below 1, not {value!r}", table=table, column=name)
    return v


def quantile_label(q: float) -> str:
    """The column of quantile ``q``: ``q05``, ``q50``, ``q95``; ``q2.5`` and ``q99.5`` where the
    percentage is not whole (rounded, 0.995 read ``q100``: the maximum, which it is not)."""
    text = f"{q * 100:.6g}"
    return f"q{int(text):02d}" if text.isdigit() else f"q{text}"


def quantiles(values: Any, table: str, name: str = "quantiles") -> np.ndarray:
    """Quantiles as a float array in ascending order: at least one, each a number in [0, 1],
    their column labels (:func:`quantile_label`) distinct. Sorted, so that every table's
    quantile columns run from the lowest to the highest and a band drawn between the first and
    the last is the widest, whatever order they were given in."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series)):
        raise ValidationError(f"{name} must be a list of numbers in [0, 1], not {values!r}", table=table, column=name)
    q = [real(v, name, table, 0.0, 1.0) for v in values]
    if not q:
        raise ValidationError(f"{name} must hold at least one quantile", table=table, column=name)
    labels: dict = {}
    for v in q:
        labels.setdefault(quantile_label(v), []).append(v)
    clash = {k: v for k, v in labels.items() if len(v) > 1}
    if clash:
        raise ValidationError(f"{name} {sorted(set(sum(clash.values(), [])))} would share the column(s) "
                              f"{sorted(clash)}: give quantiles whose percentages differ (labels keep 6 significant figures)",
                              table=table, column=name)
    return np.sort(np.asarray(q, dtype=float))


def optional_date(value: Any, name: str, table: str) -> Optional[pd.Timestamp]:
    return None if value is None else date(value, name, table)
