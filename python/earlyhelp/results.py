"""Typed results: what a step left out (:class:`Excluded`, :class:`Exclusions`) and tables that
carry named facts about themselves (:class:`FrameResult`).

One pattern everywhere: a function whose result is one table returns a subclass of
:class:`FrameResult`, a :class:`pandas.DataFrame` with named, typed fields (``series.excluded``,
``curve.median_weeks``, ``plan.model``); a result made of several tables is a frozen dataclass
(``FeatureSet``, ``Allocation``). The fields describe the table exactly as it was returned: any
frame derived from it (a copy, a filter, a merge) is a plain DataFrame, so a fact such as "2
rows were left out" is never carried onto a table it no longer describes.

Rows left out of a result are never dropped silently: the result lists them as
:class:`Excluded` items (where they came from, why, how many), and a run writes them to
``run.json`` and its report.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Iterable, List, Optional, Tuple

import pandas as pd

#: what ``Excluded.rows`` counts
UNITS = ("rows", "series", "periods", "families")


@dataclass(frozen=True)
class Excluded:
    """Some rows (or series, or periods) left out of a result, and why.

    Parameters
    ----------
    table : where they came from: a Dataset table (``"episodes"``), a derived table
        (``"series"``) or a measure's events (``"requests"``).
    reason : why, in words a user can act on.
    rows : how many were left out (see ``unit``).
    unit : what ``rows`` counts: ``"rows"`` (default), ``"series"``, ``"periods"`` or ``"families"``.
    step : the step of a run that left them out (``"series"``, ``"forecast"``, ``"training"``).
    measure : the demand measure concerned, if any.
    at : the cut-off date concerned, if any (risk features).
    """

    table: str
    reason: str
    rows: int
    unit: str = "rows"
    step: str = ""
    measure: Optional[str] = None
    at: Optional[pd.Timestamp] = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"Excluded.unit must be one of {UNITS}, not {self.unit!r}")
        object.__setattr__(self, "rows", int(self.rows))

    def record(self) -> Dict[str, Any]:
        """Plain data for ``run.json``: ``step, table, measure, at, reason`` and ``<unit>: count``.

        Returns
        -------
        dict
        """
        out: Dict[str, Any] = {"step": self.step or self.table, "table": self.table}
        if self.measure is not None:
            out["measure"] = self.measure
        if self.at is not None:
            out["at"] = pd.Timestamp(self.at).date().isoformat()
        out["reason"] = self.reason
        out[self.unit] = self.rows
        return out


class Exclusions(Tuple[Excluded, ...]):
    """An immutable list of :class:`Excluded` items (empty counts are not kept).

    ``a + b`` joins two lists; :meth:`at_step` names the run step; :meth:`to_frame` gives a table.

    Parameters
    ----------
    items : iterable of Excluded
        the items (empty counts are dropped).
    """

    def __new__(cls, items: Iterable[Excluded] = ()) -> "Exclusions":
        items = tuple(items)
        for item in items:
            if not isinstance(item, Excluded):
                raise TypeError(f"Exclusions holds Excluded items, not {type(item).__name__}")
        return super().__new__(cls, (item for item in items if item.rows))

    def __add__(self, other: Iterable[Excluded]) -> "Exclusions":  # type: ignore[override]
        return Exclusions((*self, *other))

    def __radd__(self, other: Iterable[Excluded]) -> "Exclusions":
        return Exclusions((*other, *self))

    def __repr__(self) -> str:
        if not self:
            return "Exclusions(none)"
        lines = [f"  {e.table}{f' [{e.measure}]' if e.measure else ''}: {e.rows:,} {e.unit} - {e.reason}"
                 for e in self]
        return "Exclusions(\n" + "\n".join(lines) + "\n)"

    def at_step(self, step: str) -> "Exclusions":
        """The same items attributed to a run step (kept where one is already named).

        Parameters
        ----------
        step : str
            the run step.

        Returns
        -------
        Exclusions
        """
        return Exclusions(e if e.step else _replace(e, step=step) for e in self)

    def total(self, unit: str = "rows") -> int:
        """How many ``unit`` were left out in all.

        Parameters
        ----------
        unit : str, default "rows"
            what is counted.

        Returns
        -------
        int
        """
        return sum(e.rows for e in self if e.unit == unit)

    def by_reason(self) -> Dict[str, int]:
        """Count left out per reason (all units together).

        Returns
        -------
        dict of str to int
        """
        out: Dict[str, int] = {}
        for e in self:
            out[e.reason] = out.get(e.reason, 0) + e.rows
        return out

    def records(self) -> List[Dict[str, Any]]:
        """Plain data for ``run.json``.

        Returns
        -------
        list of dict
        """
        return [e.record() for e in self]

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``step, table, measure, at, reason, rows, unit``.

        Returns
        -------
        DataFrame
        """
        cols = ["step", "table", "measure", "at", "reason", "rows", "unit"]
        return pd.DataFrame([{c: getattr(e, c) for c in cols} for e in self], columns=cols)


def _replace(item: Excluded, **changes: Any) -> Excluded:
    from dataclasses import replace

    return replace(item, **changes)


class FrameResult(pd.DataFrame):
    """A DataFrame returned with named facts about itself (see the module docstring).

    Subclasses list their fields in ``_metadata`` and give each a class-level default::

        class DemandSeries(FrameResult):
            _metadata = ["excluded", "as_of"]
            excluded: Exclusions = Exclusions()
            as_of: Optional[pd.Timestamp] = None

        DemandSeries.of(frame, excluded=..., as_of=...)
    """

    _metadata: ClassVar[List[str]] = []

    @property
    def _constructor(self):  # derived frames are plain: the facts describe this table only
        return pd.DataFrame

    @classmethod
    def of(cls, frame: pd.DataFrame, **facts: Any):
        """``frame`` (not copied) as this result, with ``facts`` (the others keep their defaults).

        Parameters
        ----------
        frame : DataFrame
            the table.
        **facts : object
            the named fields to set.

        Returns
        -------
        FrameResult
            of the class it is called on.
        """
        unknown = sorted(set(facts) - set(cls._metadata))
        if unknown:
            raise TypeError(f"{cls.__name__} has no fields {unknown}; its fields are {cls._metadata}")
        out = cls(frame)
        for name in cls._metadata:
            object.__setattr__(out, name, facts.get(name, getattr(cls, name, None)))
        return out

    def facts(self) -> Dict[str, Any]:
        """The named fields as a dict.

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._metadata}
