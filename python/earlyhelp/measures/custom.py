"""User measures from TOML: ``[[measures]]`` tables with the fields of :class:`Measure`."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import List, Union

from .._errors import Problem, ValidationError
from ._catalogue import Measure, builtin_ids, measure_from_spec, refuse_case_clash, register
from .sources import check_measure


def load_measures_toml(path: Union[str, Path], *, add: bool = True, replace_builtin: bool = False) -> List[Measure]:
    """Read ``[[measures]]`` specs from a TOML file; with ``add`` register them in the catalogue.

    A measure with the id of a measure loaded before (from another file, or this file loaded
    again) replaces it, so a file can be loaded again; one with the id of a built-in measure is
    refused unless ``replace_builtin`` is True, since a pack would publish another definition under
    the national or local id (:func:`earlyhelp.measures.unregister` brings the built-in back). Ids
    are compared ignoring case as well, as a spreadsheet's look-up does: an id twice in the file
    (the later would silently replace the earlier), or one differing only in case from another in
    the file or the catalogue (``Requests`` beside ``requests``), is refused.

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
        measures"), the id of a built-in measure without ``replace_builtin``, or an id repeated in
        the file or differing only in case from another, naming the file and the spec (both
        specs' places for a repeated id).
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
    folded_builtin = {b.casefold(): b for b in builtin}
    seen = {}   # id ignoring case -> (index in the file, id as written)
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
        folded = m.id.casefold()
        if folded in seen:
            # the later spec would silently replace the earlier one; a spreadsheet's look-up ignores case
            j, first = seen[folded]
            same = "the id" if first == m.id else f"the id {first!r} when case is ignored"
            raise ValidationError(Problem(f"{path}: measures[{i}]", "id", f"{m.id!r} is {same} of measures[{j}] of "
                                          "the same file: give each measure its own id", value=m.id))
        seen[folded] = (i, m.id)
        if folded in folded_builtin and not replace_builtin:
            said = "the id" if m.id in builtin else f"the id {folded_builtin[folded]!r}, when case is ignored,"
            raise ValidationError(Problem(f"{path}: measures[{i}]", "id", f"{m.id!r} is {said} of a built-in "
                                          "measure: give your measure its own id (or pass replace_builtin=True "
                                          "to replace the built-in)", value=m.id))
        refuse_case_clash(m.id, f"{path}: measures[{i}]")
        out.append(m)
    if add:   # all checked first: a bad spec late in the file leaves the catalogue as it was
        out = [register(m, replace_existing=True) for m in out]
    return out
