"""The ``--at`` option of the commands that look at one date (``network``, ``score``)."""
from __future__ import annotations

import datetime as _dt
import logging
import re
from typing import Optional

import pandas as pd

from .._errors import Problem, ValidationError

log = logging.getLogger("earlyhelp")

#: ``YYYY-MM-DD``, then perhaps a time (and a time zone) after ``T`` or a space
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?")
#: the first and last whole years pandas can hold a date in
FIRST_YEAR, LAST_YEAR = pd.Timestamp.min.year + 1, pd.Timestamp.max.year - 1


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
        When ``at`` is not written ``YYYY-MM-DD`` (a time and a time zone may follow), or its
        year is outside what the data's dates can hold (a mistyped year: 0224 for 2024).
    """
    if at is None:
        return None
    text = str(at).strip()
    try:
        # ISO days only: pandas would read 03/04/2024 as 4 March, where an English council means
        # 3 April; Python would also take 20240331 and week dates (2024-W10)
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        parsed = _dt.datetime.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValidationError([Problem("option", "--at", "not a date: give it as YYYY-MM-DD, like 2024-03-31",
                                       value=at)]) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        # pandas holds dates from 1677-09-21 to 2262-04-11 only: the run would fail later as a crash
        raise ValidationError([Problem("option", "--at", f"the year {parsed.year:04d} is not one the data's dates can "
                                       f"hold ({FIRST_YEAR} to {LAST_YEAR}): a mistyped year? give the date as "
                                       "YYYY-MM-DD, like 2024-03-31", value=at)])
    when = pd.Timestamp(parsed)
    if when.tz is not None:
        when = when.tz_localize(None)  # the day as written there: the data's dates carry no time zone
    if end is not None and when.normalize() > end:
        log.warning("--at %s is after the end of the data (%s): %s", when.date(), end.date(), after_end)
    return when
