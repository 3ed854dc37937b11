"""Names of localities, councils and agencies for what people read (reports, charts, tables).

Every human-facing output names places and agencies by the ``name`` columns of the
``localities`` and ``agencies`` tables (and ``localities.council_name``), never by internal
codes. One place builds the lookups; where no name is recorded the id itself is shown.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, List, Optional, Tuple

import numpy as np
import pandas as pd

SEP = "/"          # separator of the levels in forecast series ids (measure/council/locality)
#: The locality id of the forecast's series of events whose family has no known locality (a
#: blank ``families.locality_id``): counted for their council, in none of its localities.
NO_KNOWN_LOCALITY = "(no known locality)"
NO_KNOWN_LOCALITY_NAME = "no known locality"


def _text(values: Any) -> pd.Series:
    """Values as Python objects, missing as None (any pandas version, any dtype)."""
    s = pd.Series(values)
    arr = s.to_numpy(dtype=object, na_value=None)
    arr = np.array([None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in arr], dtype=object)
    return pd.Series(arr, index=s.index, dtype=object)


def _lookup(ids: Any, names: Any) -> pd.Series:
    """id -> name (as text), the first row of a repeated id; the id itself where the name is blank."""
    frame = pd.DataFrame({"id": _text(ids).to_numpy(), "name": _text(names).to_numpy()})
    frame = frame[frame["id"].notna()].drop_duplicates("id")
    blank = ~frame["name"].map(lambda v: isinstance(v, str) and v.strip() != "")
    frame.loc[blank, "name"] = frame.loc[blank, "id"]
    return pd.Series(frame["name"].astype(str).to_numpy(), index=frame["id"].astype(str).to_numpy(), dtype=object)


def locality_names(localities: pd.DataFrame) -> pd.Series:
    """locality_id -> name; a name held by localities of two councils is told apart as ``council: name``."""
    if localities is None or "locality_id" not in localities.columns or "name" not in localities.columns:
        return pd.Series(dtype=object)
    names = _text(localities["name"]).to_numpy()
    if "council_name" in localities.columns and pd.Series(names).dropna().duplicated().any():
        council = _text(localities["council_name"]).fillna(
            _text(localities.get("council_code", pd.Series(None, index=localities.index))))
        names = np.array([n if n is None or c is None else f"{c}: {n}" for c, n in zip(council, names)],
                         dtype=object)
    return _lookup(localities["locality_id"].to_numpy(), names)


def name_key(name: Any) -> str:
    """A name as a reader tells names apart: case, spacing, punctuation and look-alike forms
    (full-width letters, invisible characters) ignored, so ``"North-East"``, ``"north east"`` and
    ``"NorthEast "`` have one key.

    Parameters
    ----------
    name : object
        the name (any value is read as text).

    Returns
    -------
    str
        its letters and digits, case-folded.
    """
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def indistinct_names(names: pd.Series) -> List[List[Tuple[str, str]]]:
    """Groups of ids whose names a reader could not tell apart (:func:`name_key`), e.g. from
    :func:`locality_names`: the same name twice, or names that differ only in case, spacing or
    punctuation.

    Parameters
    ----------
    names : Series
        id -> name.

    Returns
    -------
    list of list of (str, str)
        per group, its ``(id, name)`` pairs in the order of ``names``; empty when all differ.
    """
    groups: dict = {}
    for uid, name in names.items():
        groups.setdefault(name_key(name), []).append((str(uid), str(name)))
    return [g for g in groups.values() if len(g) > 1]


def council_names(localities: pd.DataFrame) -> pd.Series:
    """council_code -> council_name (from the localities table)."""
    if localities is None or not {"council_code", "council_name"} <= set(localities.columns):
        return pd.Series(dtype=object)
    return _lookup(localities["council_code"].to_numpy(), localities["council_name"].to_numpy())


def locality_council_names(localities: pd.DataFrame) -> pd.Series:
    """locality_id -> its council's name (the council code where no name is recorded)."""
    if localities is None or not {"locality_id", "council_code"} <= set(localities.columns):
        return pd.Series(dtype=object)
    return _lookup(localities["locality_id"].to_numpy(),
                   name_of(localities["council_code"], council_names(localities)).to_numpy())


def council_name(localities: pd.DataFrame) -> str:
    """The name a council's runs are known by (:mod:`earlyhelp.report.ledger`): its name, else its
    code; ``"N councils"`` for several; ``"the council"`` where neither is recorded."""
    columns = set(localities.columns) if localities is not None else set()
    if "council_code" in columns:
        names = name_of(localities["council_code"], council_names(localities)).dropna().unique()
    else:
        names = _text(localities["council_name"]).dropna().unique() if "council_name" in columns else []
    return str(names[0]) if len(names) == 1 else f"{len(names)} councils" if len(names) else "the council"


def agency_names(agencies: pd.DataFrame) -> pd.Series:
    """agency_id -> name."""
    if agencies is None or not {"agency_id", "name"} <= set(agencies.columns):
        return pd.Series(dtype=object)
    return _lookup(agencies["agency_id"].to_numpy(), agencies["name"].to_numpy())


def name_of(ids: Any, names: pd.Series) -> pd.Series:
    """The name of each id (the id itself where none is recorded; missing stays missing)."""
    s = pd.Series(ids)
    text = _text(s)
    shown = np.array([None if v is None else names.get(str(v), str(v)) for v in text], dtype=object)
    return pd.Series(shown, index=s.index, name=s.name, dtype=object)


def _table(ds: Any, name: str) -> Optional[pd.DataFrame]:
    try:
        return ds[name]
    except (KeyError, AttributeError, TypeError):
        return getattr(ds, name, None)


@dataclass
class Names:
    """The lookups of one dataset: ``Names.of(ds)``; ``Names()`` shows ids as they are."""

    localities: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    councils: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    agencies: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    #: locality_id -> its council's name (the code where no name is recorded)
    locality_councils: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))

    @classmethod
    def of(cls, ds: Any) -> "Names":
        loc = _table(ds, "localities")
        return cls(localities=locality_names(loc), councils=council_names(loc),
                   agencies=agency_names(_table(ds, "agencies")), locality_councils=locality_council_names(loc))

    def locality(self, ids: Any) -> pd.Series:
        return name_of(ids, self.localities)

    def council(self, codes: Any) -> pd.Series:
        return name_of(codes, self.councils)

    def agency(self, ids: Any) -> pd.Series:
        return name_of(ids, self.agencies)

    # -- forecast series ids: measure / [region /] council / locality -------------------------
    def _levels(self, uid: str) -> list:
        """The levels below the measure of a series id, as ``[(kind, name), ...]``.

        The levels run down to the locality (``forecast.hierarchy`` starts there): the last part is
        a locality when one has that id (or is ``NO_KNOWN_LOCALITY``, the series of events of no
        known locality), the others councils when one has that code; anything else (a region: the
        data model records no region names) is shown as its code.
        """
        parts = str(uid).split(SEP)[1:]
        out = []
        for k, part in enumerate(parts):
            last = k == len(parts) - 1
            if last and part in self.localities.index:
                out.append(("locality", self.localities[part]))
            elif last and part == NO_KNOWN_LOCALITY:
                out.append(("locality", NO_KNOWN_LOCALITY_NAME))
            elif part in self.councils.index:
                out.append(("council", self.councils[part]))
            elif not last and part in self.localities.index:
                out.append(("locality", self.localities[part]))
            else:
                out.append(("region", part))
        return out

    def series_label(self, uid: str) -> str:
        """A series' place in words, e.g. ``"Coventry / South"`` (the id where it has no levels)."""
        levels = self._levels(uid)
        return " / ".join(str(n) for _, n in levels) if levels else str(uid)

    def series_columns(self, uids: Iterable[str]) -> pd.DataFrame:
        """``council`` and ``locality`` names of each series id (empty where the series is above that level)."""
        uniq = list(dict.fromkeys(str(u) for u in uids))
        rows = {}
        for u in uniq:
            found = dict(self._levels(u))
            council = found.get("council", "")
            if not council and "locality" in found:     # a hierarchy of localities alone: their council's
                council = self.locality_councils.get(str(u).split(SEP)[-1], "")
            rows[u] = (council, found.get("locality", ""))
        uids = [str(u) for u in uids]
        return pd.DataFrame({"council": [rows[u][0] for u in uids], "locality": [rows[u][1] for u in uids]},
                            dtype=object)


def _name_column(column: str) -> Optional[Tuple[str, str]]:
    """(kind, name column) for an id column: ``locality_id`` -> ``locality``, ``agency_id_a`` -> ``agency_a``."""
    for kind in ("locality", "agency"):
        key = f"{kind}_id"
        if column == key or column.endswith(f"_{key}"):
            return kind, column[: -len("_id")]
        if column.startswith(f"{key}_"):
            return kind, f"{kind}{column[len(key):]}"
    return None


def add_names(frame: pd.DataFrame, names: "Names") -> pd.DataFrame:
    """``frame`` with a name column after each locality or agency id column (the ids stay as keys).

    ``locality_id`` gets ``locality``, ``lead_agency_id`` ``lead_agency``, ``agency_id_a``
    ``agency_a``; a name column already present is left as it is.
    """
    out = frame.copy()
    for column in list(out.columns):
        found = _name_column(str(column))
        if found is None or found[1] in out.columns:
            continue
        kind, target = found
        lookup = names.locality if kind == "locality" else names.agency
        out.insert(out.columns.get_loc(column) + 1, target, lookup(out[column]).to_numpy())
    return out
