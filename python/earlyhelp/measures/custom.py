"""User measures from TOML: ``[[measures]]`` tables with the fields of :class:`Measure`."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import List, Union

from .._errors import Problem, ValidationError
from ._catalogue import Measure, builtin_ids, measure_from_spec, register
from .sources import check_measure


def load_measures_toml(path: Union[str, Path], *, add: bool = True, replace_builtin: bool = False) -> List[Measure]:
    """Read ``[[measures]]`` specs from a TOML file; with ``add`` register them in the catalogue.

    A measure with the id of a measure loaded before (from this file or another) replaces it, so
    a file can be loaded again; one with the id of a built-in measure is refused unless
    ``replace_builtin`` is True, since a pack would publish another definition under the
    national or local id (:func:`earlyhelp.measures.unregister` brings the built-in back).

    Parameters
    ----------
    path : str or Path
        the TOML file.
    add : bool, default True
        register the measures.
    replace_builtin : bool, default False
        let a measure of the file replace the built-in measure of the same id.

    Returns
    -------
    list of Measure

    Raises
    ------
    ValidationError
        a file that is not valid TOML, a spec with a bad field, a source or column that does not
        exist, a condition outside the allowed grammar (see the measures guide, "Your own
        measures"), or the id of a built-in measure without ``replace_builtin``, naming the file
        and the spec.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as fh:
        try:
            doc = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(Problem(str(path), None, f"is not a valid TOML file ({exc})")) from None
    specs = doc.get("measures", [])
    if not isinstance(specs, list):
        raise ValidationError(Problem(str(path), "measures", "must be an array of tables ([[measures]])"))
    builtin = builtin_ids()
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
        if m.id in builtin and not replace_builtin:
            raise ValidationError(Problem(f"{path}: measures[{i}]", "id", f"{m.id!r} is the id of a built-in "
                                          "measure: give your measure its own id (or pass replace_builtin=True "
                                          "to replace the built-in)", value=m.id))
        out.append(m)
    if add:   # all checked first: a bad spec late in the file leaves the catalogue as it was
        out = [register(m, replace_existing=True) for m in out]
    return out
