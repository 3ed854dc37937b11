"""The ``--at`` option of the commands that look at one date (``network``, ``score``)."""
from __future__ import annotations

import logging
from typing import Optional

import pandas as pd

from .._errors import Problem, ValidationError

log = logging.getLogger("earlyhelp")


def as_of(at: Optional[str], end: Optional[pd.Timestamp], *, after_end: str) -> Optional[pd.Timestamp]:
    """The date ``--at`` names (``None`` when not given), warning when it lies after the data.

    Parameters
    ----------
    at : str or None
        The option's text, e.g. ``"2024-03-31"``.
    end : pandas.Timestamp or None
        The last date the data describe.
    after_end : str
        What the command does with a date after ``end``, said in the warning.

    Returns
    -------
    pandas.Timestamp or None
        The date.

    Raises
    ------
    ValidationError
        When ``at`` is not a date.
    """
    if at is None:
        return None
    try:
        when = pd.Timestamp(at)
    except (ValueError, TypeError):
        when = pd.NaT
    if pd.isna(when):
        raise ValidationError([Problem("option", "--at", "not a date: give it like 2024-03-31", value=at)])
    if end is not None and when.normalize() > end:
        log.warning("--at %s is after the end of the data (%s): %s", when.date(), end.date(), after_end)
    return when
