"""The Dataset: a set of typed pandas tables, one per entity of the data model."""
from __future__ import annotations

from typing import Any, Dict, Iterator, Mapping, Optional

import pandas as pd

from .._errors import Problem, ValidationError
from .coerce import coerce_table, empty_table
from .schema import TABLE_NAMES, TABLES


class Dataset:
    """A council's Early Help data as typed pandas tables.

    Tables are attributes (``ds.episodes``) and items (``ds["episodes"]``). Tables not
    supplied are empty with the right columns. ``truth`` holds a synthetic generator's
    ground truth (never present for real data); ``meta`` holds provenance.

    Build one with :meth:`from_frames`, :func:`earlyhelp.read_dataset` or
    :func:`earlyhelp.synthetic.council`.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], *, truth: Optional[Mapping[str, Any]] = None,
                 meta: Optional[Mapping[str, Any]] = None) -> None:
        unknown = set(tables) - set(TABLE_NAMES)
        if unknown:
            raise ValidationError([Problem(name, None, f"not an earlyhelp table (known: {', '.join(TABLE_NAMES)})")
                                   for name in sorted(unknown)])
        self._tables: Dict[str, pd.DataFrame] = {
            name: tables[name] if name in tables else empty_table(TABLES[name]) for name in TABLE_NAMES
        }
        self.truth: Dict[str, Any] = dict(truth or {})
        self.meta: Dict[str, Any] = dict(meta or {})

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_frames(cls, *, code_map: Optional[Mapping[str, Mapping[str, Mapping[str, str]]]] = None,
                    validate: bool = True, truth: Optional[Mapping[str, Any]] = None,
                    meta: Optional[Mapping[str, Any]] = None, **frames: pd.DataFrame) -> "Dataset":
        """Build a Dataset from DataFrames named by table (SSD table and column names accepted).

        Parameters
        ----------
        code_map : ``{table: {column: {local code: earlyhelp code}}}`` for local codes,
            e.g. ``{"episodes": {"end_reason": {"CLOSED-ACHIEVED": "outcomes_met"}}}``.
            The original local value of ``episodes.end_reason`` is kept in ``end_reason_local``.
        validate : run :meth:`validate` and raise :class:`ValidationError` on problems.
        **frames : one DataFrame per table, e.g. ``persons=df``.
        """
        from .readers import resolve_table_name

        problems = []
        tables: Dict[str, pd.DataFrame] = {}
        for given, frame in frames.items():
            name = resolve_table_name(given)
            if name is None:
                problems.append(Problem(given, None, f"not an earlyhelp table (known: {', '.join(TABLE_NAMES)})"))
                continue
            table_map = (code_map or {}).get(name) or (code_map or {}).get(given)
            if name == "episodes" and isinstance(frame, pd.DataFrame):
                frame = _keep_local_end_reason(frame)
            tables[name] = coerce_table(TABLES[name], frame, problems, table_map)
        if problems:
            raise ValidationError(problems)
        ds = cls(tables, truth=truth, meta=meta)
        if validate:
            ds.validate()
        return ds

    # -- access -----------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLE_NAMES)}") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("_tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE_NAMES)

    @property
    def tables(self) -> Dict[str, pd.DataFrame]:
        """All tables by name (the same objects, not copies)."""
        return dict(self._tables)

    def row_counts(self) -> Dict[str, int]:
        return {name: len(frame) for name, frame in self._tables.items()}

    def replace(self, **tables: pd.DataFrame) -> "Dataset":
        """A new Dataset with some tables replaced (truth and meta carried over)."""
        merged = dict(self._tables)
        merged.update(tables)
        return Dataset(merged, truth=self.truth, meta=self.meta)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v:,}" for k, v in self.row_counts().items() if v)
        return f"<earlyhelp.Dataset {counts or 'empty'}>"

    # -- checks -------------------------------------------------------------------
    def validate(self, *, as_of: Optional[pd.Timestamp] = None) -> "Dataset":
        """Check types, codes, dates and keys; raise :class:`ValidationError` listing every problem.

        Returns the Dataset itself so calls can be chained.
        """
        from .validate import find_problems

        problems = find_problems(self, as_of=as_of)
        if problems:
            raise ValidationError(problems)
        return self


def _keep_local_end_reason(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the council's own end-reason text before it is mapped to our codes."""
    from .coerce import rename_aliases

    frame = rename_aliases(TABLES["episodes"], frame)
    if "end_reason" in frame.columns and "end_reason_local" not in frame.columns:
        frame = frame.assign(end_reason_local=frame["end_reason"])
    return frame
