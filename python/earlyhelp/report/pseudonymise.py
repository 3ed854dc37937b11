"""Pseudonymisation: keyed hashing of the ids of people and cases.

Extracts that leave the council's warehouse (to an analyst's laptop, a partner, a
test fixture) should not carry the case-recording system's real ids. Each id of a
person, family, episode, request, practitioner, assessment, involvement or referral is
replaced by ``HMAC-SHA256(key, "<kind>:" + id)`` written as hex and
truncated to 40 characters (160 bits; ids may be at most 48 characters).

* **Keyed**: without the key nobody can rebuild the mapping by hashing a list of
  known ids (a plain hash could be reversed that way). The key comes from the
  environment variable ``EARLYHELP_PSEUDO_KEY`` (at least 32 characters), so it is
  never written in a config file or notebook. Keep it in the council's secret store.
* **Stable**: the same key and id always give the same pseudonym, so monthly
  extracts still link up; change the key to break linkage.
* **Consistent**: every column that refers to a person or a case (as declared in
  :mod:`earlyhelp.data.schema`) is mapped with the same function, so joins keep
  working across tables. Each kind of id is hashed in its own domain, so a person and
  a family with the same raw id get different pseudonyms. Locality and agency ids
  (places and organisations) are kept.
"""
from __future__ import annotations

import hashlib
import hmac
import numbers
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from .._errors import ConfigError, Problem
from ..data.schema import ID_MAX_LENGTH, TABLES

KEY_VARIABLE = "EARLYHELP_PSEUDO_KEY"
MIN_KEY_LENGTH = 32
#: different characters a key must hold at least (a run of one character is no secret;
#: 32 random hex digits hold about 15)
MIN_KEY_DISTINCT = 8
PSEUDONYM_LENGTH = 40

#: tables whose ids name an organisation or a place, not a person or a case: kept as they are
ORGANISATION_TABLES = ("localities", "agencies")

# (table, column) -> domain: every id column (key or reference) of a person or a case, so no
# episode, request, practitioner or referral id links a pseudonymised family back to the case system
ID_COLUMNS: Dict[Tuple[str, str], str] = {}
for _table in TABLES.values():
    for _col in _table.columns:
        if _col.kind != "id":
            continue
        target = _col.references or (f"{_table.name}.{_col.name}" if _col.name in _table.key else "")
        if not target or target.split(".")[0] in ORGANISATION_TABLES:
            continue
        target_table, target_column = target.split(".")
        domain = target_column[: -len("_id")] if target_column.endswith("_id") else target_column
        if target_table == "csc_assessments":
            domain = "csc_assessment"
        ID_COLUMNS[(_table.name, _col.name)] = domain


#: list columns (ids joined by commas or semicolons) -> domain: a column named for a kind of id, plural
_LIST_COLUMNS: Dict[str, str] = {f"{domain}_ids": domain for domain in set(ID_COLUMNS.values())}


def pseudo_key(key: Optional[str | bytes] = None) -> bytes:
    """The hashing key: ``key`` if given, else ``$EARLYHELP_PSEUDO_KEY``; checked for length.

    Parameters
    ----------
    key : str or bytes, optional
        the secret (default ``$EARLYHELP_PSEUDO_KEY``).

    Returns
    -------
    bytes
    """
    if key is None:
        key = os.environ.get(KEY_VARIABLE)
        if key is None:
            raise ConfigError([Problem("environment", KEY_VARIABLE,
                                       f"is not set: set it to a secret of at least {MIN_KEY_LENGTH} characters, "
                                       "e.g. `export EARLYHELP_PSEUDO_KEY=$(python -c 'import secrets; "
                                       "print(secrets.token_hex(32))')`")])
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if len(raw) < MIN_KEY_LENGTH:
        raise ConfigError([Problem("environment", KEY_VARIABLE,
                                   f"is too short ({len(raw)} characters): use at least {MIN_KEY_LENGTH}")])
    if len(set(raw)) < MIN_KEY_DISTINCT:
        raise ConfigError([Problem("environment", KEY_VARIABLE,
                                   f"is not a secret: only {len(set(raw))} different characters; use a random "
                                   "one, e.g. python -c 'import secrets; print(secrets.token_hex(32))'")])
    return raw


def pseudonym(value: str, *, domain: str, key: bytes, length: int = PSEUDONYM_LENGTH) -> str:
    """The pseudonym of one id (hex HMAC-SHA256 of ``"<domain>:<id>"``, first ``length`` characters).

    Parameters
    ----------
    value : str
        the id.
    domain : str
        ``"person"`` or ``"family"`` (the same id in two domains gets two pseudonyms).
    key : bytes
        the secret (:func:`pseudo_key`).
    length : int
        characters kept of the hex digest.

    Returns
    -------
    str
    """
    digest = hmac.new(key, f"{domain}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:length]


def pseudonymise_ids(ids: pd.Series, *, domain: str, key: Optional[str | bytes] = None,
                     length: int = PSEUDONYM_LENGTH) -> pd.Series:
    """Replace every id in ``ids`` by its pseudonym; missing values stay missing.

    Parameters
    ----------
    ids : Series
        the ids.
    domain : str
        ``"person"`` or ``"family"``.
    key : str or bytes, optional
        the secret (default ``$EARLYHELP_PSEUDO_KEY``).
    length : int
        characters kept of the hex digest.

    Returns
    -------
    Series
    """
    return _mapped(ids, domain, pseudo_key(key), _checked_length(length), {})


def _checked_length(length: Any) -> int:
    whole = isinstance(length, numbers.Integral) and not isinstance(length, bool)
    if not whole or not 8 <= length <= min(64, ID_MAX_LENGTH):
        raise ConfigError([Problem("pseudonymise", "length", f"must be a whole number between 8 and "
                                   f"{min(64, ID_MAX_LENGTH)}", value=length)])
    return int(length)


def _mapped(ids: pd.Series, domain: str, raw: bytes, length: int, taken: Dict[str, Dict[str, Any]]) -> pd.Series:
    """``ids`` by their pseudonyms, checked one to one against ``taken`` (per domain: pseudonym -> id)."""
    values = _id_text(ids)
    uniques = values.dropna().unique()
    mapping = {u: pseudonym(str(u), domain=domain, key=raw, length=length) for u in uniques}
    _one_to_one(mapping, domain, length, taken.setdefault(domain, {}))
    return values.map(mapping).astype("string[pyarrow]")


def _mapped_lists(cells: pd.Series, domain: str, raw: bytes, length: int,
                  taken: Dict[str, Dict[str, Any]]) -> pd.Series:
    """List cells (ids joined by ``,`` or ``;``, as a request covering several children lists them)
    with each id by its pseudonym, the separator kept: read as the publication gate reads them
    (:func:`earlyhelp.report.publish.id_cells`: each id without its outer spaces, none kept raw)."""
    from .publish import id_cells

    mine = taken.setdefault(domain, {})
    cache: Dict[str, str] = {}

    def alias(text: str) -> str:
        if text not in cache:
            cache[text] = pseudonym(text, domain=domain, key=raw, length=length)
            _one_to_one({text: cache[text]}, domain, length, mine)
        return cache[text]

    return id_cells(cells, alias, lists=True).astype("string[pyarrow]")


def _one_to_one(mapping: Dict[Any, str], domain: str, length: int, taken: Dict[str, Any]) -> None:
    """Two ids with one pseudonym would merge two families (or people) in every output: a short
    ``length`` makes that likely in a large council (8 characters: about even odds at 80,000
    ids), so a collision is an error, not a silent merge. ``taken``: pseudonym -> id of the
    domain's columns done already (one id keeps one pseudonym across tables)."""
    for original, alias in mapping.items():
        before = taken.setdefault(alias, original)
        if str(before) != str(original):
            raise ConfigError([Problem("pseudonymise", "length", f"the {domain} ids {str(before)!r} and "
                                       f"{str(original)!r} get the same pseudonym at {length} characters: use "
                                       f"a longer length (default {PSEUDONYM_LENGTH})", value=length)])


def _id_text(ids: pd.Series) -> pd.Series:
    """The ids as text; whole-number ids read as floats (a column with a gap) are written as integers,
    so ``123.0`` and ``123`` are the same id and get the same pseudonym."""
    if pd.api.types.is_float_dtype(ids):
        present = ids.dropna()
        if len(present) and (present == present.round()).all():
            ids = ids.astype("Int64")
    return ids.astype("string[pyarrow]")


def _checked_extra_columns(extra: Dict[Tuple[str, str], str],
                           tables: Dict[str, pd.DataFrame]) -> Dict[Tuple[str, str], str]:
    """``extra`` if every column asked for is in the data and every domain is a plain word.

    A misspelt column would otherwise be published with its real ids; a ``:`` in a domain
    would let two domains give one id the same pseudonym.
    """
    problems = []
    for (table, column), domain in extra.items():
        where = f"{table}.{column}"
        if table not in tables or column not in tables[table].columns:
            problems.append(Problem("pseudonymise", "extra_columns", f"{where} is not in the data", value=where))
        elif not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
            problems.append(Problem("pseudonymise", "extra_columns",
                                    f"{where}: the domain must be a word such as \"person\" or \"family\"",
                                    value=domain))
    if problems:
        raise ConfigError(problems)
    return dict(extra)


#: a pseudonym domain: the hashed text is ``<domain>:<id>``, so a domain holds no ``:``
_DOMAIN = re.compile(r"[a-z][a-z0-9_]*")


def pseudonymise(ds, *, key: Optional[str | bytes] = None, length: int = PSEUDONYM_LENGTH,
                 extra_columns: Optional[Dict[Tuple[str, str], str]] = None):
    """A copy of Dataset ``ds`` with every id of a person or a case replaced by its pseudonym.

    Parameters
    ----------
    ds : Dataset
        The data to pseudonymise.
    key : str or bytes, optional
        The secret; default ``$EARLYHELP_PSEUDO_KEY``. Raises :class:`earlyhelp.ConfigError` if
        missing or shorter than 32 characters.
    length : int, default 40
        Characters kept of the hex digest (8-48; default 40).
    extra_columns : dict of tuple to str, optional
        More ``{(table, column): "person" | "family"}`` to map.

    Returns
    -------
    Dataset
        Same tables and rows; ``meta["pseudonymised"]`` lists the columns mapped.
        Synthetic ground truth (``ds.truth``) is dropped: it is keyed by the raw ids.
    """
    from ..data.dataset import Dataset

    raw = pseudo_key(key)
    tables = ds.tables
    columns = dict(ID_COLUMNS)
    columns.update(_checked_extra_columns(extra_columns or {}, tables))
    replaced: Dict[str, pd.DataFrame] = {}
    done: List[str] = []
    taken: Dict[str, Any] = {}  # per domain: pseudonym -> id
    for (table, column), domain in sorted(columns.items()):
        frame = replaced.get(table, tables[table])
        if column not in frame.columns:
            continue
        frame = frame.copy() if table not in replaced else frame
        frame[column] = _mapped(frame[column], domain, raw, _checked_length(length), taken)
        replaced[table] = frame
        done.append(f"{table}.{column}")
    for table, frame in tables.items():   # list cells: the ids a derived column lists (requests.person_ids)
        for column in frame.columns:
            domain = _LIST_COLUMNS.get(column)
            if domain is None or table in ORGANISATION_TABLES:
                continue
            frame = replaced.get(table, frame)
            frame = frame.copy() if table not in replaced else frame
            frame[column] = _mapped_lists(frame[column], domain, raw, _checked_length(length), taken)
            replaced[table] = frame
            done.append(f"{table}.{column}")
    merged = dict(tables)
    merged.update(replaced)
    meta = dict(ds.meta)
    meta["pseudonymised"] = done
    out = Dataset(merged, truth=None, meta=meta)
    out._checked = ds._checked  # ids replaced one for one, references with them
    return out
