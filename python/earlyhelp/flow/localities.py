"""Stock-flow models fitted per locality: one :class:`~earlyhelp.flow.StockFlow` per locality on
the spells of the children who live there, their outputs stacked with a ``locality`` column.

A child's locality is that of their family (their first row in ``family_members``), as in the
measures; every spell of the child belongs to it, so a child's path stays in one model. Children
with no family, or whose family has no locality, are excluded and counted in the report.
"""
from __future__ import annotations

import zlib
from typing import Callable, Dict, List, Tuple

import numpy as np
import pandas as pd

from .._errors import ValidationError

BY = ("locality",)


def check_by(by) -> None:
    if by is not None and by not in BY:
        raise ValidationError(f"by must be None or one of {', '.join(map(repr, BY))}, not {by!r}",
                              table="StockFlow", column="by")


def child_localities(ds) -> pd.Series:
    """person_id (str) -> locality name of the child's first family; missing when unknown."""
    from ..data.names import locality_names, name_of

    members, families = ds.family_members, ds.families
    if not len(members) or not len(families):
        return pd.Series(dtype=object)
    first = members.drop_duplicates("person_id")
    fam_loc = families.set_index(families["family_id"].astype(str))["locality_id"]
    loc_id = first["family_id"].astype(str).map(fam_loc)
    names = name_of(loc_id.to_numpy(), locality_names(ds.localities))
    return pd.Series(names.to_numpy(dtype=object), index=first["person_id"].astype(str).to_numpy())


def split_spells(sp: pd.DataFrame, ds, report: Dict) -> List[Tuple[str, pd.DataFrame]]:
    """The spells of each locality (localities in the order of ``ds.localities``, then any other
    name), recording in ``report`` the children and spells with no locality."""
    loc = sp["person_id"].map(child_localities(ds))
    unknown = loc.isna().to_numpy()
    report["children_without_a_locality_excluded"] = int(sp.loc[unknown, "person_id"].nunique())
    report["spells_without_a_locality_excluded"] = int(unknown.sum())
    from ..data.names import locality_names

    order = [n for n in locality_names(ds.localities).tolist() if n is not None]
    seen = list(dict.fromkeys(order + sorted(set(loc.dropna()) - set(order))))
    parts = []
    for name in seen:
        rows = (loc == name).to_numpy()
        if rows.any():
            parts.append((name, sp[rows].reset_index(drop=True)))
    report["localities_without_spells"] = [n for n in seen if n not in {p[0] for p in parts}]
    if not parts:
        raise ValidationError("no child in the spells has a family with a locality (family_members -> "
                              "families.locality_id); fit without by=", table="family_members", column="family_id")
    return parts


def locality_seed(seed: int, locality: str) -> int:
    """The seed of one locality's simulation: stable across processes and machines."""
    return (int(seed) + zlib.crc32(str(locality).encode())) % (2 ** 63)


def stacked(parts: Dict[str, object], call: Callable[[str, object], pd.DataFrame]) -> pd.DataFrame:
    """``call(name, model)`` for each locality's model, stacked with ``locality`` as the first column."""
    frames = []
    for name, model in parts.items():
        frame = call(name, model)
        frame.insert(0, "locality", np.full(len(frame), name, dtype=object))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
