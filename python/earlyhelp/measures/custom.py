"""User measures from TOML: ``[[measures]]`` tables with the fields of :class:`Measure`."""
from __future__ import annotations

from pathlib import Path
from typing import List, Union

from ._catalogue import Measure, measure_from_spec, register


def load_measures_toml(path: Union[str, Path], *, add: bool = True) -> List[Measure]:
    """Read ``[[measures]]`` specs from a TOML file; with ``add`` register them in the catalogue.

    Parameters
    ----------
    path : str or Path
        the TOML file.
    add : bool, default True
        register the measures.

    Returns
    -------
    list of Measure
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    specs = doc.get("measures", [])
    if not isinstance(specs, list):
        raise ValueError(f"{path}: 'measures' must be an array of tables ([[measures]])")
    out = []
    for i, spec in enumerate(specs):
        try:
            m = measure_from_spec(spec)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: measures[{i}]: {exc}") from None
        out.append(register(m, replace_existing=True) if add else m)
    return out
