"""The ``--at`` option of the commands that look at one date (``network``, ``score``)."""
from __future__ import annotations

import datetime as _dt
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
        When ``at`` is not an ISO date (``YYYY-MM-DD``).
    """
    if at is None:
        return None
    try:
        # ISO only: pandas would read 03/04/2024 as 4 March, where an English council means 3 April
        when = pd.Timestamp(_dt.datetime.fromisoformat(str(at)))
    except (ValueError, TypeError):
        raise ValidationError([Problem("option", "--at", "not a date: give it as YYYY-MM-DD, like 2024-03-31",
                                       value=at)]) from None
    if when.tz is not None:
        when = when.tz_localize(None)  # the day as written there: the data's dates carry no time zone
    if end is not None and when.normalize() > end:
        log.warning("--at %s is after the end of the data (%s): %s", when.date(), end.date(), after_end)
    return when
