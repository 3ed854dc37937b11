"""The last day an extract covers, taken from the dates it records as happened: one rule.

An extract holds every event up to the day it was taken and none after it, so when the data do
not state that day (``meta["end_date"]``) the latest event is taken as it. Two kinds of dates
cannot be taken at their word there: a date after today (it cannot have happened yet: a planned
end keyed in ahead, or a year typed 2052), and the latest dates lying more than
``STRAY_EVENT_GAP_DAYS`` after every other event, when they are at most ``STRAY_EVENT_SHARE`` of
the events (a mistyped year: requests arrive every week, so a real later extract has many). Both
are left out in taking the day, counted, and said with a :class:`StrayDatesWarning`.

:meth:`earlyhelp.Dataset.data_end` (every event date column), the forecasts' data date (the dates
recorded when an event happens: requests received, episodes and assessments started), the pack's
extract end and the measures' review cut-off each choose which dates count, and all take the day
from them by :func:`latest_happened`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

#: the latest event dates lying more than this many days after every other event ...
STRAY_EVENT_GAP_DAYS = 92
#: ... and at most this share of the events are taken as recording errors (a mistyped year)
STRAY_EVENT_SHARE = 0.01


class StrayDatesWarning(UserWarning):
    """A few rows dated far from the rest (or after today) were left out in taking a date from the
    data, or stretch a window taken from the data."""


def today_day() -> int:
    """Today's date on this machine's clock, as days since 1970-01-01."""
    return int(np.datetime64(pd.Timestamp.today().date(), "D").astype(np.int64))


def days_of(values: pd.Series) -> np.ndarray:
    """The known dates of ``values`` as int64 days since 1970-01-01 (missing dates dropped); a date
    with a time zone is its own calendar day, as the data layer reads it."""
    values = pd.Series(values)
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":
        # a plain datetime64 column (the usual case): numpy alone, no copy of the Series
        days = values.to_numpy().astype("datetime64[D]")
        return days[~np.isnat(days)].astype(np.int64)
    values = values.dropna()
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values, cache=False)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.to_numpy().astype("datetime64[D]").astype(np.int64)


def event_days(tables: Mapping[str, pd.DataFrame]) -> Dict[str, np.ndarray]:
    """The days (since 1970) of the events every table records, by ``table.column``: every date
    column but those lying ahead by nature (``data.schema.NOT_EVENT_DATES``: birth dates, which
    for an unborn child are due dates, and TAF review due dates). Columns with no date are left out.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        the tables by name (``Dataset.tables``).

    Returns
    -------
    dict of str to numpy.ndarray
    """
    from .schema import NOT_EVENT_DATES

    out = {}
    for name, frame in tables.items():
        for c in frame.columns:
            if (name, c) in NOT_EVENT_DATES or not pd.api.types.is_datetime64_any_dtype(frame[c].dtype):
                continue
            d = days_of(frame[c])
            if len(d):
                out[f"{name}.{c}"] = d
    return out


def _day(d: int) -> np.datetime64:
    return np.datetime64(int(d), "D")


@dataclass(frozen=True)
class Happened:
    """The latest day a set of events records as happened, and the dates left out in taking it.

    Parameters
    ----------
    day : int or None
        the day (since 1970); None when no event is left.
    after_today : dict of str to (int, int)
        per kind of event, the rows dated after today and the latest of them (a day since 1970).
    stray : dict of str to (int, int)
        per kind of event, the rows among the stray latest dates and the latest of them.
    stray_from : int or None
        the first of the stray dates (None when none is stray).
    """

    day: Optional[int]
    after_today: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    stray: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    stray_from: Optional[int] = None

    @property
    def left_out(self) -> bool:
        """Whether any date was left out."""
        return bool(self.after_today or self.stray)

    def words(self) -> List[str]:
        """What was left out, in words: one item per kind of event dated after today, one for the
        stray dates together."""
        out = [f"{n:,} {what} dated after today (latest {_day(latest)})" for what, (n, latest) in
               self.after_today.items()]
        if self.stray:
            n = sum(rows for rows, _ in self.stray.values())
            out.append(f"{n:,} event date(s) from {_day(self.stray_from)} on, more than "
                       f"{STRAY_EVENT_GAP_DAYS} days after every other event")
        return out

    def named(self) -> List[str]:
        """What was left out, one item per kind of event (``table.column``) and reason: how many
        rows and the latest of them."""
        out = [f"{what}: {n:,} row(s) dated after today, the latest {_day(latest)}"
               for what, (n, latest) in self.after_today.items()]
        out += [f"{what}: {n:,} row(s) more than {STRAY_EVENT_GAP_DAYS} days after every other event, the latest "
                f"{_day(latest)}" for what, (n, latest) in self.stray.items()]
        return out

    def warn(self, where: str, fix: str, stacklevel: int = 2) -> None:
        """A :class:`StrayDatesWarning` naming the dates left out (nothing when none was).

        Parameters
        ----------
        where : str
            what took the day (``"Dataset.data_end"``).
        fix : str
            how to state the day instead.
        stacklevel : int, default 2
            as :func:`warnings.warn`, counted from the caller of this method.
        """
        if not self.left_out:
            return
        taken = f"{_day(self.day)}" if self.day is not None else "none (no event is left)"
        warnings.warn(f"{where}: the data do not state their last day, and in taking it from their latest event "
                      f"dates were left out as recording errors ({'; '.join(self.named())}); it is taken as "
                      f"{taken}. Correct the dates, or {fix}", StrayDatesWarning, stacklevel=stacklevel + 1)


def latest_happened(events: Mapping[str, np.ndarray], today: Optional[int] = None) -> Happened:
    """The day an extract without its date was taken, from the events it records as happened.

    An extract holds every event up to the day it was taken, and none after it: the latest event
    is that day. A recorded event after ``today`` cannot have happened, and the latest dates lying
    more than ``STRAY_EVENT_GAP_DAYS`` (92) after every other event, if they are at most
    ``STRAY_EVENT_SHARE`` (1%) of the events, are a mistyped year (requests arrive every week):
    both are left out, so that one stray date does not move the day.

    Parameters
    ----------
    events : mapping of str to numpy.ndarray
        the known days (since 1970) of each kind of event, keyed by what it is (``"requests.received_date"``).
    today : int, optional
        today's date, days since 1970 (default: today on this machine's clock).

    Returns
    -------
    Happened
    """
    today = today_day() if today is None else int(today)
    kept: Dict[str, np.ndarray] = {}
    after: Dict[str, Tuple[int, int]] = {}
    for what, d in events.items():
        d = np.asarray(d, dtype=np.int64)
        future = d > today
        if future.any():
            after[what] = (int(future.sum()), int(d.max()))
        kept[what] = d[~future]
    known = np.sort(np.concatenate(list(kept.values()))) if kept else np.zeros(0, dtype=np.int64)
    if not len(known):
        return Happened(None, after)
    stray: Dict[str, Tuple[int, int]] = {}
    stray_from = None
    gaps = np.flatnonzero(np.diff(known) > STRAY_EVENT_GAP_DAYS)
    if len(gaps):
        k = int(gaps[-1]) + 1   # the events from position k on lie apart from all before them
        if len(known) - k <= STRAY_EVENT_SHARE * len(known):
            stray_from = int(known[k])
            for what, d in kept.items():
                late = d >= stray_from
                if late.any():
                    stray[what] = (int(late.sum()), int(d[late].max()))
            known = known[:k]
    return Happened(int(known[-1]), after, stray, stray_from)


def happened_end(events: Mapping[str, np.ndarray], today: int) -> Tuple[Optional[int], List[str]]:
    """:func:`latest_happened` as ``(day, what was left out in words)``.

    Parameters
    ----------
    events : mapping of str to numpy.ndarray
        the known days (since 1970) of each kind of event, keyed by what it is (``"requests received"``).
    today : int
        today's date, days since 1970.

    Returns
    -------
    (int or None, list of str)
        the day (None without events) and what was left out, in words (:meth:`Happened.words`).
    """
    h = latest_happened(events, today)
    return h.day, h.words()
