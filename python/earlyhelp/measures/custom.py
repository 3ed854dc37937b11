"""User measures from TOML: ``[[measures]]`` tables with the fields of :class:`Measure`."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import List, Union

from .._errors import Problem, ValidationError
from ._catalogue import Measure, measure_from_spec, register
from .sources import check_measure


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

    Raises
    ------
    ValidationError
        a spec with a bad field, a source or column that does not exist, or a condition outside
        the allowed grammar (see the measures guide, "Your own measures"), naming the file and the spec.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    specs = doc.get("measures", [])
    if not isinstance(specs, list):
        raise ValidationError(Problem(str(path), "measures", "must be an array of tables ([[measures]])"))
    out = []
    for i, spec in enumerate(specs):
        try:
            m = measure_from_spec(spec)
            check_measure(m)   # a misspelt column is found here, not when every measure is computed
        except ValidationError as exc:
            raise ValidationError([replace(p, table=f"{path}: measures[{i}] ({p.table})") for p in exc.problems]) \
                from None
        except (TypeError, ValueError) as exc:
            raise ValidationError(Problem(f"{path}: measures[{i}]", None, str(exc))) from None
        out.append(register(m, replace_existing=True) if add else m)
    return out
