"""The publication gate: every file a run publishes passes :func:`publish` on its way out.

A run folder leaves the council. Whatever a command computes, the file written
for it goes through this one function, which applies the council's publication
policy (:class:`PublishPolicy`) and says what it did:

* **Small-number suppression.** Every count column of a table (every whole-number column
  that is not an id, a code, a place in time or a figure named as derived, whatever its name,
  see :func:`count_columns`; or those declared with ``counts=``) has its observed values
  ``1..threshold`` hidden as ``"c"``; so is a ``numerator`` whose ``denominator`` less it
  is ``1..threshold`` (:func:`small_complement`). When the table publishes totals of its own
  rows (``totals={dim: label}``, or rows equal to the sum of others, found by their values:
  :func:`found_total_rows`), or columns that add up within a row (``column_sums=``, or found
  by their values: :func:`find_column_sums`), hidden cells are also hidden secondarily, the
  whole table as one, so that no hidden cell can be worked out from the totals
  (:func:`earlyhelp.report.suppression.suppress_cells`). A row labelled as a total that the
  table does not declare (:func:`total_label`) is refused. A column already suppressed
  (a ``<col>_status`` column beside it) is kept as it is.
* **Figures derived from a hidden count.** A rate, share or mean published beside a hidden
  count gives it away (a rate per 10,000 times the population, a share times the total). In a
  row where a count cell is hidden (here or before the gate), every figure the caller declares
  derived from it (``derived=``) is withheld, and so is every other number of the row that is
  not itself a count, an identifier, a key of the row or a place in time
  (:func:`numbers_beside_counts`: a rate, a share, a change from last year, an interval, a
  total, whatever its name), unless the caller declares it independent of the counts
  (``independent=``). A withheld cell is ``"c"`` in CSV and missing in Parquet;
  ``run.json`` says how many per column (``withheld_derived``).
* **Pseudonymous ids.** With ``pseudonymise`` on, every identifier column (family,
  person, episode, request, practitioner, referral, assessment, involvement ids,
  alone or as ``;``-joined lists) is replaced by its keyed pseudonym
  (:mod:`earlyhelp.report.pseudonymise`): the same pseudonym in every table, none
  of the case system's ids.
* **Formula neutralising.** A text cell (or column name) that starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return, or a character whose NFKC form is one of
  them (full-width, small), also after leading whitespace, would run as a formula when a
  spreadsheet opens the file; it is prefixed with ``'`` as OWASP recommends
  (CSV injection). Excel sheets are written with formulas and URLs off as well.
* **HTML and PNG** are built from tables that already passed the gate: the gate
  requires their ``sources`` to be tables published in the same run, and records them.

:class:`earlyhelp.report.runfolder.RunFolder` writes files only through this gate and
lists what it did to each file in ``run.json`` (``publication``); it also reads the tables of
one run together (:mod:`earlyhelp.report.across`): a hidden count that another table's margin
gives away is refused.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from .._docstrings import with_sections
from .._errors import Problem, ValidationError
from .suppression import DEFAULT_THRESHOLD, SUPPRESSED, suppress

#: characters that make a spreadsheet read a cell as a formula (OWASP CSV injection), and their
#: full-width and small forms, which spreadsheets in East Asian locales may take for them (any
#: other character whose NFKC form is one of ``= + - @`` is taken so too: :func:`formula_like`)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                 "\ufe66", "\ufe62", "\ufe63", "\ufe6b")
_FORMULA_ASCII = ("=", "+", "-", "@")

#: what may stand before a formula character and still let a spreadsheet read a formula: a
#: spreadsheet that trims leading spaces on import (or a reader who does) turns " =1+1" into one;
#: zero-width characters and the byte order mark do not show at all
_LEADING = re.compile(r"^[\s\x00\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*")

#: identifier columns of published tables -> pseudonym domain (as :mod:`.pseudonymise`)
IDENTIFIER_COLUMNS: Dict[str, str] = {
    "person_id": "person", "family_id": "family", "episode_id": "episode", "request_id": "request",
    "practitioner_id": "practitioner", "lead_practitioner_id": "practitioner", "referral_id": "referral",
    "assessment_id": "assessment", "involvement_id": "involvement",
    # list cells (ids joined by ``;`` or ``,``)
    "family_ids": "family", "person_ids": "person", "practitioner_ids": "practitioner", "episode_ids": "episode",
}
#: organisational codes: published as they are (a locality, an agency, a council)
ORGANISATION_COLUMNS = ("locality_id", "agency_id", "lead_agency_id", "council_code", "region_code", "unique_id")

#: a count column counts people or their cases: its name holds one of these words ...
_PEOPLE_WORDS = ("famil", "person", "people", "member", "child", "episode", "request", "referral", "case")
#: ... or is one of these
_COUNT_NAMES = ("count", "n", "y", "rows", "group_size", "numerator", "denominator")
#: a number computed from the counts of its row says so in its name: one of its words
#: (split at ``_``, ``-``, spaces and digits) is one of these, or it holds ``%``
DERIVED_WORDS = frozenset((
    "rate", "rates", "share", "shares", "percent", "percentage", "pct", "proportion", "proportions",
    "prop", "mean", "average", "avg", "ratio", "per", "utilisation", "utilization", "value", "lo", "hi",
    "lower", "upper", "total", "totals", "sum",
))
#: a share of a column's total (``share``, ``percent``, ``%``): beside one shown count it gives the total away
_SHARE_WORDS = frozenset(("share", "shares", "percent", "percentage", "pct", "proportion", "proportions", "prop"))
#: words of a derived figure that may also name a count (``total_families``): such a column is
#: still a count, and withheld beside another hidden count in its row as well
_TOTAL_WORDS = frozenset(("total", "totals", "sum"))


@dataclass(frozen=True)
class PublishPolicy:
    """What the gate does: hide counts ``1..threshold``; pseudonymise ids when asked.

    ``key`` is the pseudonymisation secret (default ``$EARLYHELP_PSEUDO_KEY``, read when the
    policy is made so a run fails before it computes anything).

    Parameters
    ----------
    threshold : int, default 5
        counts ``1..threshold`` are hidden.
    pseudonymise : bool, default False
        replace ids of people and cases by keyed pseudonyms.
    key : bytes, optional
        the pseudonymisation secret.
    council : str, optional
        the council's name: a row labelled with it (with or without "City Council" and the
        like) is taken for a total of the others (:func:`total_label`).
    """

    threshold: int = DEFAULT_THRESHOLD
    pseudonymise: bool = False
    key: Optional[bytes] = field(default=None, repr=False)
    council: Optional[str] = None

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) or self.threshold < 0:
            raise ValidationError([Problem("publish", "suppression_threshold", "must be a whole number >= 0",
                                           value=self.threshold)])
        if self.pseudonymise and self.key is None:
            from .pseudonymise import pseudo_key

            object.__setattr__(self, "key", pseudo_key())

    def describe(self) -> Dict[str, Any]:
        return {"suppression_threshold": int(self.threshold), "pseudonymise": bool(self.pseudonymise),
                "formula_neutralising": "OWASP: cells starting with = + - @ tab CR (or a character whose NFKC "
                                        "form is one of = + - @), also after leading whitespace, prefixed with '"}


# ---------------------------------------------------------------------------------
# formula neutralising
# ---------------------------------------------------------------------------------
_table_doc = with_sections(parameters_frame="Parameters\n----------\nframe : DataFrame\n    the table.")


def neutralise_text(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet: text starting with a formula character gets a ``'``.

    Parameters
    ----------
    value : object
        a cell value.

    Returns
    -------
    object
        the value, with ``'`` before a formula-leading text.
    """
    if formula_like(value):
        return "'" + value
    return value


def formula_like(value: Any) -> bool:
    """``value`` is text a spreadsheet could read as a formula: it starts with a formula character,
    also after leading whitespace or invisible characters (``" =1+1"``, ``"\\n@SUM(A1)"``).

    Parameters
    ----------
    value : object
        a cell value or a name.

    Returns
    -------
    bool
    """
    if not isinstance(value, str):
        return False
    if value.startswith(FORMULA_START):
        return True
    rest = value[_LEADING.match(value).end():]
    if not rest:
        return False
    if rest.startswith(FORMULA_START):
        return True
    import unicodedata

    # a compatibility form of = + - @ (full-width, small, superscript): a spreadsheet may fold it
    return unicodedata.normalize("NFKC", rest[0])[:1] in _FORMULA_ASCII


def _text_columns(frame: pd.DataFrame) -> List[Hashable]:
    return [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c])
                                             or pd.api.types.is_datetime64_any_dtype(frame[c])
                                             or pd.api.types.is_bool_dtype(frame[c]))]


@_table_doc
def neutralise_formulas(frame: pd.DataFrame) -> "tuple[pd.DataFrame, int]":
    """A copy with every formula-leading text cell and column name neutralised; and how many cells were.

    {parameters_frame}

    Returns
    -------
    tuple of (DataFrame, int)
        the neutralised copy and the number of cells changed.
    """
    out = frame.copy()
    changed = 0
    for col in _text_columns(out):
        values = out[col].astype(object)
        # a carriage return inside a cell is no line break to Python's CSV writer, which leaves
        # the cell unquoted, but a spreadsheet starts a new row (and a new cell) there: written
        # as a newline, the cell is quoted and stays one cell
        risky = values.map(formula_like).to_numpy(dtype=bool)
        broken = values.map(lambda v: isinstance(v, str) and "\r" in v).to_numpy(dtype=bool)
        if broken.any():
            values = values.copy()
            values[broken] = [v.replace("\r\n", "\n").replace("\r", "\n") for v in values[broken]]
            out[col] = values
        changed += int((risky | broken).sum())
        if risky.any():
            converted = values.copy()
            converted[risky] = ["'" + v for v in values[risky]]
            out[col] = converted
    renamed = {c: ("'" if formula_like(c) else "") + c.replace("\r\n", "\n").replace("\r", "\n")
               for c in out.columns if isinstance(c, str) and (formula_like(c) or "\r" in c)}
    if renamed:
        changed += len(renamed)
        out = out.rename(columns=renamed)
    return out, changed


# ---------------------------------------------------------------------------------
# identifiers
# ---------------------------------------------------------------------------------
@_table_doc
def identifier_columns(frame: pd.DataFrame) -> Dict[Hashable, str]:
    """The frame's identifier columns and their pseudonym domains.

    {parameters_frame}

    Returns
    -------
    dict
        column -> pseudonym domain.
    """
    out: Dict[Hashable, str] = {}
    for col in frame.columns:
        domain = _id_domain(col)
        if domain is not None:
            out[col] = domain
    return out


#: names of columns that hold a person's number in a national system, or an id of no named kind
_PERSON_NUMBERS = ("upn", "uln", "nhs_number", "nhs_no", "ni_number", "id", "ids", "reference", "ref")
_NATIONAL = 5  # the first five: a child_upn is a person's too
#: endings of a column of ids of a named kind (``household_id``, ``case_ref``)
_ID_ENDINGS = ("_id", "_ids", "_ref", "_reference")
#: the kinds of person or case whose ids a column may name with no separator (``FAMILYID``,
#: ``personref``), or as a number (``case_number``, ``household_no``); with no kind before it,
#: ``id`` ends ordinary words (``paid``, ``valid``) and ``number`` counts (``week_number``)
_ID_KINDS = ("family", "person", "episode", "request", "practitioner", "referral", "assessment", "involvement",
             "household", "case", "child", "pupil", "client")
_KIND_ID = re.compile(rf"(?:^|_)({'|'.join(_ID_KINDS)})_?(ids|id|reference|ref|number|no)$")


def _bare(name: str) -> str:
    """A snake-case name without its separators: ``FAMILYID``, ``familyid`` and ``family_id`` alike."""
    return name.replace("_", "")


# the names above without their separators, as column names are matched
_BARE_ORGANISATIONS = frozenset(_bare(c) for c in ORGANISATION_COLUMNS)
_BARE_IDENTIFIERS = {_bare(k): v for k, v in IDENTIFIER_COLUMNS.items()}
_BARE_PERSON_NUMBERS = frozenset(_bare(n) for n in _PERSON_NUMBERS)
_BARE_NATIONAL = tuple(_bare(n) for n in _PERSON_NUMBERS[:_NATIONAL])


def _id_domain(col: Hashable) -> Optional[str]:
    """The pseudonym domain of a column of ids of people or cases (None for any other column).

    Names are matched however they are spelt: in any case, with or without separators
    (``Family_ID``, ``familyId``, ``family id``, ``FAMILYID``, ``personid``, ``CaseNumber``).
    """
    name = _snake(col)
    bare = _bare(name)
    if name in ORGANISATION_COLUMNS or bare in _BARE_ORGANISATIONS \
            or bare.endswith(("localityid", "agencyid", "localityids", "agencyids")):
        return None
    if name in IDENTIFIER_COLUMNS or bare in _BARE_IDENTIFIERS:
        return IDENTIFIER_COLUMNS.get(name, _BARE_IDENTIFIERS.get(bare))
    if name in _PERSON_NUMBERS or bare in _BARE_PERSON_NUMBERS \
            or name.endswith(tuple(f"_{n}" for n in _PERSON_NUMBERS[:_NATIONAL])) or bare.endswith(_BARE_NATIONAL):
        return "person"  # a national number of a person (UPN, NHS number) or a bare id
    kind = _KIND_ID.search(name)
    if kind:
        return kind.group(1)
    if name.endswith(_ID_ENDINGS):
        return re.sub(r"_(id|ids|ref|reference|number)$", "", name).split("_")[-1]
    return None


def _snake(col: Hashable) -> str:
    """A column name as snake case: ``Family_ID``, ``familyId``, ``family id`` and ``family_id `` are
    all ``family_id`` (a name matched exactly would let its variants through unpseudonymised)."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(col).strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _id_text(v: Any) -> str:
    """An id as text, a whole number read as a float (a column with a gap) written as an integer, as
    :func:`earlyhelp.report.pseudonymise.pseudonymise` does: ``5.0`` and ``5`` are one id."""
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v) == int(v):
        return str(int(v))
    return str(v)


def id_cells(values: pd.Series, alias: Callable[[str], str], *, lists: bool = False) -> pd.Series:
    """``values`` with every id in them replaced by ``alias(id)``: the one reading of a cell of ids.

    A cell holds one id, a list or tuple of ids, or ids joined by ``;`` (and, in a list column such as
    ``person_ids``, by ``,`` too: one id may hold a comma elsewhere). Each id is taken without the
    spaces around it (``" F2"`` and ``"F2"`` are one id) and a whole number read as a float as an
    integer (``5.0`` is ``5``); an empty part is no id and is left out. Every id goes through
    ``alias``: none is kept as it was. Missing values stay missing.

    Parameters
    ----------
    values : Series
        the cells.
    alias : callable
        the pseudonym of one id (text).
    lists : bool, default False
        a list column: ``,`` joins ids as ``;`` does.

    Returns
    -------
    Series
        object dtype, the separators kept.
    """
    separators = (";", ",") if lists else (";",)

    def one(v: Any) -> Any:
        if v is None or (not isinstance(v, (list, tuple, str)) and pd.isna(v)):
            return v
        if isinstance(v, (list, tuple)):
            return ";".join(x for x in (one(x) for x in v) if x)
        text = _id_text(v).strip()
        for separator in separators:   # a list cell: each id by its pseudonym
            if separator in text:
                return separator.join(x for x in (one(part) for part in text.split(separator)) if x)
        return alias(text) if text else ""

    return values.astype(object).map(one)


def _pseudonymise_column(values: pd.Series, domain: str, key: bytes,
                         taken: Optional[Dict[str, str]] = None) -> pd.Series:
    """``values`` by their pseudonyms (:func:`id_cells`); ``taken`` (pseudonym -> id, per domain,
    across the table's columns) checks that no two ids share one."""
    from .pseudonymise import pseudonym

    cache: Dict[str, str] = {}
    taken = {} if taken is None else taken

    def alias(text: str) -> str:
        if text not in cache:
            pseudo = pseudonym(text, domain=domain, key=key)
            if taken.setdefault(pseudo, text) != text:
                # two people (or families) merged in every output: refused, never silent
                raise ValidationError([Problem("publish", str(values.name), f"the {domain} ids "
                                               f"{taken[pseudo]!r} and {text!r} get the same pseudonym",
                                               value=text)])
            cache[text] = pseudo
        return cache[text]

    return id_cells(values, alias, lists=_bare(_snake(values.name)).endswith("ids"))


# ---------------------------------------------------------------------------------
# counts
# ---------------------------------------------------------------------------------
@_table_doc
def count_columns(frame: pd.DataFrame) -> List[Hashable]:
    """Columns holding observed counts of people or cases: every column of whole numbers (numbers,
    or numbers held as text) whatever its name (``families``, ``assessments``, ``households``,
    ``2024-01``, ``Total``), less those that are not counts:

    * identifiers and organisation codes (``family_id``, ``council_code``, a name whose words
      hold ``code`` or ``key``), ``*_status`` columns and columns with a ``<name>_status`` beside
      them (suppressed by the caller);
    * a place in time, a level or an order (a name made of ``year``, ``month``, ``level``,
      ``rank`` ...);
    * counts of organisations or staff (``n_agencies``, ``partners``, ``n_practitioners``), money
      (``cost``), a model's or a simulation's figures (``score``, ``jaccard``, ``q05``, ``draws``)
      and labels of groups of rows (``household_group``);
    * figures named as derived from counts (a ``rate``, ``share``, ``percent``, ``mean``, ``per``
      ...: :data:`DERIVED_WORDS`), unless named as a total (``total_families``);
    * differences: a column holding a number below 0 (unless it is named like a count of people
      or cases, which :func:`publish` then refuses).

    A column of another kind of whole number (a number of months charted, say) is declared
    ``not_counts`` to :func:`publish`.

    {parameters_frame}

    Returns
    -------
    list
        the count columns.
    """
    out = []
    for col in frame.columns:
        if _not_a_count_by_name(col, frame):
            continue
        numbers = _as_numbers(frame[col])
        if numbers is None:
            continue
        finite = numbers.dropna().to_numpy(dtype=float)
        if not (finite == np.round(finite)).all():
            continue
        if not _count_named(col) and (not np.isfinite(finite).all() or (finite < 0).any()):
            continue     # a difference (a change from last year) or no number at all: not a count
        out.append(col)
    return out


#: words of a name that make a column a code or a key, never a count
_KEY_WORDS = frozenset(("id", "ids", "code", "codes", "key", "keys", "ref", "reference", "uprn", "postcode"))
#: last words of a name that make a column a label of rows (``household_group``), never a count
_LABEL_ENDINGS = frozenset(("group", "cluster", "component", "community"))
#: words of a number that counts no people, whole or not: staff, money, a model's or a simulation's
#: figures (quantiles, draws). Not counts; beside a hidden count they are withheld as any number is
_NOT_COUNT_WORDS = frozenset((
    "practitioner", "practitioners", "staff", "worker", "workers", "team", "teams", "fte",
    "cost", "costs", "spend", "price", "prices", "budget", "gbp", "pounds",
    "quantile", "quantiles", "percentile", "percentiles", "median", "decile", "quintile", "centile",
    "score", "scores", "index", "probability", "chance", "odds", "weight", "weights", "multiplier", "factor",
    "jaccard", "similarity", "draws", "runs", "iterations", "simulations", "seed",
))
#: a quantile of a distribution named by its level (``q05``, ``p95``): a figure, not an observed count
_QUANTILE_NAME = re.compile(r"^[qp]\d{1,3}$")


def _not_a_count_by_name(col: Hashable, frame: pd.DataFrame) -> bool:
    """The column is an id, a code, a status, a place in time, a count of organisations or a
    figure named as derived: not a count of people or cases, whatever its values."""
    name = str(col)
    lower = name.lower()
    if lower.endswith(("_id", "_ids", "_status")) or name == "status" or f"{name}_status" in frame.columns \
            or f"{lower}_status" in frame.columns:
        return True
    if name in ORGANISATION_COLUMNS or _id_domain(col) is not None:
        return True
    words = _name_words(col)
    parts = _snake(col).split("_")
    if (words and words <= _PLACE_WORDS) or words & _ORGANISATION_WORDS or set(parts) & _KEY_WORDS \
            or words & _NOT_COUNT_WORDS or parts[-1] in _LABEL_ENDINGS or _QUANTILE_NAME.match(_snake(col)):
        return True
    if _says_derived(col) and not (words & _TOTAL_WORDS):
        return True     # a rate of people (``families_per_fte``) is not a count, even when whole
    return False


def _name_words(col: Hashable) -> "frozenset[str]":
    return frozenset(w for w in re.split(r"[^a-z%]+", str(col).lower()) if w)


def _says_derived(col: Hashable) -> bool:
    """The column's name says it is computed from counts (a rate, share, mean, total ...)."""
    return "%" in str(col) or bool(_name_words(col) & DERIVED_WORDS)


@_table_doc
def derived_columns(frame: pd.DataFrame, counts: Sequence[Hashable] = ()) -> List[Hashable]:
    """Numeric columns whose names say they are computed from the table's counts.

    A word of the name (split at ``_``, ``-``, spaces and digits) is one of
    :data:`DERIVED_WORDS` (``rate_per_10k``, ``share``, ``pct``, ``mean_days``, ``value``,
    ``lo``, ``total`` ...) or the name holds ``%``. Identifier columns, true/false columns and
    the counts themselves are not derived, except a count named as a total (``total_families``).

    {parameters_frame}
    counts : sequence, optional
        the table's count columns.

    Returns
    -------
    list
        the columns, in the table's order.
    """
    ids = identifier_columns(frame)
    out = []
    for col in frame.columns:
        if col in ids or str(col) in ORGANISATION_COLUMNS or str(col).endswith("_status") or not _says_derived(col):
            continue
        if col in counts and not (_name_words(col) & _TOTAL_WORDS):
            continue
        if _as_numbers(frame[col]) is not None or (frame[col].astype(object) == SUPPRESSED).any():
            out.append(col)
    return out


#: words of a number that places a row rather than measuring it (a year, a level of need): one
#: made only of these (and digits) is shown beside a hidden count
_PLACE_WORDS = frozenset(("year", "years", "month", "quarter", "week", "period", "day", "level", "age", "order",
                          "rank", "fy"))


#: a number counting organisations (``n_agencies``) says nothing of a count of people beside it
_ORGANISATION_WORDS = frozenset(("agency", "agencies", "partner", "partners", "organisation", "organisations",
                                 "school", "schools", "hub", "hubs"))


@_table_doc
def numbers_beside_counts(frame: pd.DataFrame, counts: Sequence[Hashable] = (),
                          keys: Sequence[Hashable] = ()) -> List[Hashable]:
    """Columns withheld in a row where a count is hidden: every number that is not itself a
    count, an identifier, a key of the row or a place in time (``year``, ``month``, ``level``).

    A number beside a hidden count may give it away whatever its name (a ``change`` from last
    year, a ``fraction``, a ``ci_high``): the gate does not guess from names which numbers are
    safe, it withholds them all unless the caller declares them ``independent``. Counts named
    as totals (``total_families``) are withheld too (:func:`derived_columns`).

    {parameters_frame}
    counts : sequence, optional
        the table's count columns.
    keys : sequence, optional
        the columns that identify a row (``dims`` and ``totals`` keys).

    Returns
    -------
    list
        the columns, in the table's order.
    """
    named = set(derived_columns(frame, counts))
    ids = identifier_columns(frame)
    out = []
    for col in frame.columns:
        if col in named:
            out.append(col)
            continue
        words = _name_words(col)
        if col in counts or col in keys or col in ids or str(col) in ORGANISATION_COLUMNS \
                or str(col).endswith("_status") or (words and words <= _PLACE_WORDS) or words & _ORGANISATION_WORDS:
            continue
        values = frame[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        if _as_numbers(values) is not None or (values.astype(object) == SUPPRESSED).any():
            out.append(col)
    return out


def _as_numbers(values: pd.Series) -> Optional[pd.Series]:
    """The column as numbers, or None when it is not numeric.

    Counts held as text or Python objects (a CSV read as text, a column mixed with ``None``)
    are counts too: every filled cell must read as a number.
    """
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        return None
    filled = values.dropna()
    if filled.empty or filled.map(lambda v: isinstance(v, bool)).any():
        return None
    numbers = pd.to_numeric(filled.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce")
    if numbers.isna().any():
        return None
    return numbers.reindex(values.index).astype(float)


def small_complement(numerator: np.ndarray, denominator: np.ndarray, threshold: int) -> np.ndarray:
    """Where a numerator beside its denominator gives a small count away: "7 of 8" shows that 1
    was not counted, so the numerator is hidden where the denominator less it is 1..threshold
    (the denominator stays: a count of its own, hidden by its own size, and the complement with it).

    Parameters
    ----------
    numerator, denominator : ndarray of float
        the counts of each row (NaN where there is none).
    threshold : int
        counts ``1..threshold`` are hidden.

    Returns
    -------
    ndarray of bool
        per row: hide the numerator.
    """
    rest = np.round(np.asarray(denominator, dtype=float) - np.asarray(numerator, dtype=float))
    with np.errstate(invalid="ignore"):
        return (rest >= 1) & (rest <= threshold) & (np.asarray(denominator, dtype=float) > threshold)


def _count_values(values: pd.Series) -> pd.Series:
    numbers = _as_numbers(values)
    return pd.to_numeric(values, errors="coerce") if numbers is None else numbers


def _small_complements(frame: pd.DataFrame, counts: Sequence[Hashable], threshold: int) -> Dict[Hashable, np.ndarray]:
    """The numerators to hide (:func:`small_complement`) of a table with ``numerator`` and
    ``denominator`` count columns."""
    named = {str(c): c for c in counts}
    if "numerator" not in named or "denominator" not in named:
        return {}
    num, den = (_count_values(frame[named[c]]).to_numpy(dtype=float, na_value=np.nan)
                for c in ("numerator", "denominator"))
    return {named["numerator"]: small_complement(num, den, threshold)}


def _suppress_counts(frame: pd.DataFrame, counts: Sequence[Hashable], policy: PublishPolicy,
                     totals: Optional[Mapping[str, Hashable]], dims: Optional[Sequence[str]],
                     total_rows: Sequence[tuple] = (),
                     sums: Optional[Mapping[Hashable, Sequence[Hashable]]] = None) -> "tuple[pd.DataFrame, Dict]":
    """Counts ``1..threshold`` shown as ``"c"``, and numerators whose denominator less them is
    (:func:`small_complement`); secondary suppression against declared totals, total rows found
    by their values (``total_rows``: ``(row, part rows)``) and columns that add up within a row
    (``sums``: ``{total column: [part columns]}``), all count cells of the table at once."""
    _check_counts(frame, counts)
    out = frame.copy()
    done: Dict[str, Dict[str, int]] = {}
    forced = _small_complements(frame, counts, policy.threshold)
    if total_rows or sums:
        return _suppress_related_cells(frame, out, counts, policy, totals, dims, total_rows, sums or {}, forced)
    if totals:
        keys = list(dims) if dims else [c for c in frame.columns if c in totals]
        table = frame[keys + list(counts)].copy()
        for c in counts:
            # kept as float: a cast to int64 turned a count above its range into a negative number
            table[c] = _count_values(table[c]).fillna(0).round()
        result = suppress(table, list(counts), dims=keys, totals=totals, threshold=policy.threshold,
                          hidden={str(c): m for c, m in forced.items()} or None)
        for c in counts:
            hidden = (result[f"{c}_status"] == SUPPRESSED).to_numpy()
            out[c] = _shown(frame[c], hidden)
            done[str(c)] = result.counts[c]
        return out, done
    for c in counts:
        values = _count_values(frame[c])
        hidden = ((values >= 1) & (values <= policy.threshold)).fillna(False).to_numpy(dtype=bool)
        hidden = hidden | forced.get(c, False)     # a pandas 3 array is read-only
        if hidden.any():
            out[c] = _shown(frame[c], hidden)
        done[str(c)] = {"primary": int(hidden.sum()), "secondary": 0}
    return out, done


def _suppress_related_cells(frame: pd.DataFrame, out: pd.DataFrame, counts: Sequence[Hashable], policy: PublishPolicy,
                            totals: Optional[Mapping[str, Hashable]], dims: Optional[Sequence[str]],
                            total_rows: Sequence[tuple], sums: Mapping[Hashable, Sequence[Hashable]],
                            forced: Mapping[Hashable, np.ndarray]) -> "tuple[pd.DataFrame, Dict]":
    """Every count cell of the table suppressed as one system: per count column, each total row
    (declared, or found) is the sum of its part rows; per row, each total column the sum of its
    part columns (:func:`earlyhelp.report.suppression.suppress_cells`)."""
    from .suppression import _parent_maps, _relations, suppress_cells

    counts = list(counts)
    n, k = len(frame), len(counts)
    x = np.round(_count_matrix(frame, counts))
    row_relations: List[tuple] = []
    if totals:
        keys = list(dims) if dims else [c for c in frame.columns if c in totals]
        table = frame[keys].reset_index(drop=True)
        dup = table.duplicated(keys, keep=False)
        if dup.any():
            raise ValidationError([Problem("publish", ", ".join(map(str, keys)), "rows are not unique on the "
                                           "dimension columns", rows=list(np.flatnonzero(dup))[:10],
                                           n_rows=int(dup.sum()))])
        row_relations += _relations(table, keys, _parent_maps(table, keys, totals, {}))
    row_relations += [(int(t), tuple(int(p) for p in parts)) for t, parts in total_rows]
    relations = [(t * k + j, tuple(p * k + j for p in parts)) for t, parts in row_relations for j in range(k)]
    at = {c: j for j, c in enumerate(counts)}
    for total, parts in sums.items():
        jt, jp = at[total], [at[p] for p in parts]
        relations += [(r * k + jt, tuple(r * k + q for q in jp)) for r in range(n)]
    seed = np.zeros((n, k), dtype=bool)
    for c, mask in forced.items():
        seed[:, at[c]] = np.asarray(mask, dtype=bool)
    result = suppress_cells(x.ravel(), relations, threshold=policy.threshold, hidden=seed.ravel())
    hidden = result.hidden.reshape(n, k)
    reason = result.reason.reshape(n, k)
    done: Dict[str, Dict[str, int]] = {}
    for j, c in enumerate(counts):
        if hidden[:, j].any():
            out[c] = _shown(frame[c], hidden[:, j])
        done[str(c)] = {"primary": int((reason[:, j] == "primary").sum()),
                        "secondary": int((reason[:, j] == "secondary").sum())}
    return out, done


def _check_counts(frame: pd.DataFrame, counts: Sequence[Hashable]) -> None:
    """A count below 0 or infinite is no count of people or cases: published, it would say so,
    and -3 or inf beside a hidden cell could be read against a total. Refused, named by row."""
    problems = []
    for c in counts:
        values = _as_numbers(frame[c])
        values = pd.to_numeric(frame[c], errors="coerce") if values is None else values
        bad = ((values < 0) | np.isinf(values)).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            rows = list(frame.index[bad][:10])
            value = frame[c].to_numpy()[np.argmax(bad)]
            problems.append(Problem("publish", str(c), "a count must be 0 or more and finite: a negative or infinite "
                                    "count is no count of people or cases (declare the column in not_counts if "
                                    "it is not one)", rows=rows, n_rows=int(bad.sum()),
                                    value=value.item() if isinstance(value, np.generic) else value))
    if problems:
        raise ValidationError(problems)


def _second_hidden_cell(typed: pd.DataFrame, text: pd.DataFrame, counts: Sequence[Hashable],
                        done: Dict[str, Dict[str, int]]) -> pd.DataFrame:
    """A share of the column's total beside a shown count gives the total away (count / share):
    with one hidden cell the total would give it away too, so a second cell is hidden (the
    smallest shown non-zero count of the column)."""
    out = text.copy()
    for c in counts:
        hidden = (out[c].astype(object) == SUPPRESSED).to_numpy(dtype=bool)
        if hidden.sum() != 1:
            continue
        values = _as_numbers(typed[c])
        values = (pd.to_numeric(typed[c], errors="coerce") if values is None else values).to_numpy(dtype=float)
        candidates = np.flatnonzero(~hidden & (np.nan_to_num(values, nan=0.0) > 0))
        if not len(candidates):
            continue
        pick = candidates[np.argmin(values[candidates])]
        out[c] = out[c].astype(object)
        out.loc[pick, c] = SUPPRESSED
        done[str(c)]["secondary"] = done[str(c)].get("secondary", 0) + 1
    return out


def _shown(values: pd.Series, hidden: np.ndarray) -> pd.Series:
    numbers = _as_numbers(values)
    shown = (values if numbers is None else numbers).astype(object).copy()
    shown[hidden] = SUPPRESSED
    return shown.map(lambda v: v if v == SUPPRESSED or v is None or (not isinstance(v, str) and pd.isna(v))
                     else (str(int(v)) if float(v) == int(v) else str(v)))


@_table_doc
def suppressed_columns(frame: pd.DataFrame) -> List[str]:
    """Columns suppressed before the gate (a ``<col>_status`` column, or ``"c"`` markers).

    {parameters_frame}

    Returns
    -------
    list of str
        the suppressed columns.
    """
    out = [str(c)[: -len("_status")] for c in frame.columns if str(c).endswith("_status")]
    for c in frame.columns:
        if str(c) == "status" or str(c).endswith("_status"):
            continue     # the marker column itself
        values = frame[c]
        # object columns, or pandas 3's text dtype: markers are text either way
        if (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)) \
                and (values.astype(object) == SUPPRESSED).any():
            out.append(str(c))
    return sorted(set(out))


# ---------------------------------------------------------------------------------
# the gate
# ---------------------------------------------------------------------------------
@dataclass
class Published:
    """A table as it may leave the council (``typed``: for Parquet; ``text``: for CSV and Excel).

    Parameters
    ----------
    typed : DataFrame
        the table for Parquet.
    text : DataFrame
        the table for CSV and Excel.
    record : dict
        what the gate did.
    """

    typed: pd.DataFrame
    text: pd.DataFrame
    record: Dict[str, Any]


def publish(frame: pd.DataFrame, policy: PublishPolicy, *, counts: Optional[Sequence[Hashable]] = None,
            totals: Optional[Mapping[str, Hashable]] = None, dims: Optional[Sequence[str]] = None,
            text_frame: Optional[pd.DataFrame] = None, not_counts: Sequence[Hashable] = (),
            derived: Optional[Mapping[Hashable, Sequence[Hashable]]] = None,
            independent: Sequence[Hashable] = (),
            column_sums: Optional[Mapping[Hashable, Sequence[Hashable]]] = None) -> Published:
    """Apply ``policy`` to one table: suppression, withheld derived figures, pseudonymous ids,
    formula neutralising.

    Counts are found by their values (:func:`count_columns`: every whole-number column that is
    not an id, a code, a key, a place in time, a count of organisations, a figure named as
    derived or a difference), unless the caller names them (``counts``). The relations between
    them are suppressed together: declared total rows (``totals``) and, where none is declared,
    rows that total others found by their values (:func:`found_total_rows`); columns that add up
    within a row (``column_sums``, and those :func:`find_column_sums` finds by their values, a wide
    table's ``Total`` column). A row labelled as a total (:func:`total_label`, the council's name
    from ``PublishPolicy.council`` included) that the caller did not declare is refused.

    In each row where a count cell is hidden (by the gate, or before it as ``"c"``), the gate
    withholds the figures computed from it: the columns in ``derived`` whose counts are hidden,
    and every other number that is not a count, an id, a key or a place in time
    (:func:`numbers_beside_counts`) unless it is declared ``independent``. A count named as a total (``total_families``) is withheld beside
    another hidden count of its row.

    Parameters
    ----------
    frame : DataFrame
        the table as computed.
    policy : PublishPolicy
        what the gate does.
    counts : sequence, optional
        its observed-count columns (default :func:`count_columns`, less ``not_counts``).
    totals : mapping, optional
        ``{dim: label}`` when rows with ``dim == label`` total the other rows: hidden cells
        are then also hidden secondarily.
    dims : sequence of str, optional
        the dimension columns that identify a row (with ``totals``).
    text_frame : DataFrame, optional
        the CSV layout of an already-suppressed table (``"c"`` markers), if any.
    not_counts : sequence, optional
        count-named columns that are not observed counts (e.g. an expected value).
    derived : mapping, optional
        ``{column: [count columns]}``: values computed from counts in the same row (a rate, a
        difference); a cell is withheld where one of its counts is hidden.
    independent : sequence, optional
        columns named like a rate or total that are not computed from the row's counts (e.g.
        a population rate from another source): never withheld.
    column_sums : mapping, optional
        ``{total column: [part columns]}``: count columns that are the sum of others in every
        row (checked); those the values show are found as well.

    Returns
    -------
    Published
        ``typed`` (hidden counts as ``<NA>``) for Parquet, ``text`` for CSV/Excel, and a
        ``record`` of what was done (for ``run.json``): ``withheld_derived`` gives the cells
        withheld per column.

    Raises
    ------
    ValidationError
        a ``derived`` column or source, or an ``independent`` column, is not in the table, or a
        ``derived`` source is not a count the gate suppresses.
    """
    _check_columns(frame, "table")
    if text_frame is not None:
        _check_columns(text_frame, "text_frame")
    column_sums_declared = column_sums
    rows = int(len(frame))
    # a small number of rows of people is a count too (a list of 3 families)
    record: Dict[str, Any] = {"rows": SUPPRESSED if 1 <= rows <= policy.threshold else rows}
    typed = original = _index_as_columns(frame)
    text = typed if text_frame is None else _index_as_columns(text_frame)
    already = suppressed_columns(text) if text_frame is not None else suppressed_columns(typed)
    cols = [c for c in (count_columns(typed) if counts is None else counts) if c not in not_counts
            and str(c) not in already]
    declared = [str(c) for c in count_columns(typed) if c not in cols and str(c) not in already]
    if counts is None:  # counts the caller names are its word; found by name, they must be whole
        _check_count_named(typed, cols, [*not_counts, *already, *independent, *(derived or {})])
    if declared:
        record["not_counts"] = declared     # whole numbers the caller declares are no observed counts
    if counts is None:
        by_value = [str(c) for c in cols if not _count_named(c)]
        if by_value:
            record["counts_by_value"] = by_value    # counts by their values, whatever their names
    if cols and totals is None:
        _check_no_total_rows(typed, policy.council)
    if cols:
        rows_found = found_total_rows(typed, cols) if totals is None else []
        if rows_found:
            record["total_rows"] = [{"row": int(t), "of_rows": [int(p) for p in parts]} for t, parts in rows_found]
        sums = find_column_sums(typed, cols, column_sums_declared)
        if sums:
            record["column_sums"] = {str(t): [str(p) for p in parts] for t, parts in sums.items()}
        text, done = _suppress_counts(text, cols, policy, totals, dims, rows_found, sums)
        if not totals and any(_name_words(c) & _SHARE_WORDS or "%" in str(c) for c in text.columns
                              if c not in independent):
            text = _second_hidden_cell(typed, text, cols, done)
        record["suppressed"] = done
        typed = typed.copy()
        for c in cols:
            typed[c] = pd.to_numeric(text[c].where(text[c] != SUPPRESSED), errors="coerce").astype("Float64")
            if (typed[c].dropna() == typed[c].dropna().round()).all():
                typed[c] = typed[c].round().astype("Int64")
    if derived:
        _check_derived(derived, text, [str(c) for c in cols] + list(already))
    _check_independent(independent, text)
    hidden_count = _hidden_counts(text, [str(c) for c in cols] + [c for c in already if _count_named(c)],
                                  not_counts)
    withhold: Dict[Hashable, np.ndarray] = {}
    for col, sources in (derived or {}).items():
        hidden = np.zeros(len(text), dtype=bool)
        for src in sources:
            hidden |= (text[src].astype(object) == SUPPRESSED).to_numpy(dtype=bool)
        withhold[col] = hidden
    for col in numbers_beside_counts(text, list(hidden_count), keys=[*(dims or ()), *(totals or {})]):
        if col in withhold or col in independent:
            continue
        others = [h for c, h in hidden_count.items() if c != col]
        if others:
            # a cell already hidden, or empty, gives nothing away
            cell = text[col].astype(object)
            withhold[col] = (np.logical_or.reduce(others) & (cell != SUPPRESSED).to_numpy(dtype=bool)
                             & cell.notna().to_numpy(dtype=bool))
    if derived or any(h.any() for h in withhold.values()):
        typed, text = typed.copy(), text.copy()
        withheld = {}
        for col, hidden in withhold.items():
            if hidden.any():
                if col in typed.columns:
                    numeric = pd.api.types.is_numeric_dtype(typed[col]) and not pd.api.types.is_bool_dtype(typed[col])
                    typed[col] = typed[col].astype("Float64" if numeric else object)
                    typed.loc[hidden, col] = pd.NA
                text[col] = text[col].astype(object)
                text.loc[hidden, col] = SUPPRESSED
                status = f"{col}_status"
                for table in (typed, text):  # the status says so: a Parquet reader sees "c", not missing data
                    if status in table.columns:
                        table[status] = table[status].astype(object)
                        table.loc[hidden, status] = SUPPRESSED
            if col in (derived or {}) or hidden.any():
                withheld[str(col)] = int(hidden.sum())
        record["withheld_derived"] = withheld
    if independent:
        record["independent"] = [str(c) for c in independent]
    if already:
        record["suppressed_before"] = already
    record["threshold"] = int(policy.threshold)
    if totals is None:
        typed, text, reordered = _order_not_by_hidden(original, typed, text)
        if reordered:
            record["rows_reordered"] = f"by {', '.join(map(str, reordered))}: the rows were sorted by a column " \
                                       "with hidden cells, whose place between their neighbours would show them"
    ids = identifier_columns(typed)
    if ids:
        if policy.pseudonymise:
            typed, text = typed.copy(), text.copy()
            taken: Dict[str, Dict[str, str]] = {}
            for col, domain in ids.items():
                typed[col] = _pseudonymise_column(typed[col], domain, policy.key, taken.setdefault(domain, {}))
                if col in text.columns:
                    text[col] = _pseudonymise_column(text[col], domain, policy.key, taken.setdefault(domain, {}))
            record["pseudonymised"] = sorted(str(c) for c in ids)
        else:
            record["raw_ids"] = sorted(str(c) for c in ids)
    typed, n_typed = neutralise_formulas(typed)
    text, n_text = neutralise_formulas(text)
    record["formulas_neutralised"] = max(n_typed, n_text)
    return Published(typed=typed, text=text, record=record)


def _sorted_around(values: pd.Series, hidden: np.ndarray) -> bool:
    """Whether the shown values (four distinct at least: by chance rarely in order) run in one
    direction down the rows with a hidden cell between two of them, which they then bound."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    shown = ~hidden & ~np.isnan(v)
    at = np.flatnonzero(shown)
    if np.unique(v[shown]).size < 4 or not (hidden[at[0]:at[-1]]).any():
        return False
    step = np.diff(v[shown])
    return bool((step >= 0).all() or (step <= 0).all())


def _order_not_by_hidden(original: pd.DataFrame, typed: pd.DataFrame,
                         text: pd.DataFrame) -> "tuple[pd.DataFrame, pd.DataFrame, List[Hashable]]":
    """Rows sorted by a column with hidden cells (practitioners by utilisation, links by shared
    families) place each hidden value between its shown neighbours: such a table is put in the
    order of its labels (ids, names, dates) instead. Returns the tables and the labels used."""
    hidden = {c: (text[c].astype(object) == SUPPRESSED).to_numpy(dtype=bool) for c in text.columns}
    leaking = [c for c, h in hidden.items() if h.any() and c in original.columns
               and pd.api.types.is_numeric_dtype(original[c]) and not pd.api.types.is_bool_dtype(original[c])
               and _sorted_around(original[c], hidden[c])]
    if not leaking:
        return typed, text, []
    ids = identifier_columns(typed)
    labels = [c for c in typed.columns if not hidden[c].any() and c in original.columns
              and (not pd.api.types.is_numeric_dtype(original[c]) or c in ids)]
    order = (np.lexsort([original[c].astype(str).to_numpy() for c in reversed(labels)]) if labels
             else np.random.default_rng(0).permutation(len(typed)))   # no labels: no order at all
    return (typed.iloc[order].reset_index(drop=True), text.iloc[order].reset_index(drop=True),
            labels or ["a fixed shuffle"])


def _check_columns(frame: pd.DataFrame, table: str) -> None:
    """One level of column names, each once: a MultiIndex name is not neutralised as text, and
    of a name given twice only one column would be checked."""
    if isinstance(frame.columns, pd.MultiIndex):
        raise ValidationError([Problem("publish", None, f"the {table}'s columns have more than one level of "
                                       "names: flatten them first (e.g. '_'.join of each name)")])
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        raise ValidationError([Problem("publish", c, "the column is given twice; keep one") for c in twice])


def _index_as_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with a default index dropped and any other index (locality names, say) kept as
    columns: dropping it would publish the counts without the rows they belong to."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        return frame.reset_index(drop=True)
    if isinstance(frame.index, pd.MultiIndex) or frame.index.name is not None:
        clash = [n for n in frame.index.names if n in frame.columns]
        if clash:
            raise ValidationError([Problem("publish", str(c), "the index has the name of a column; rename one")
                                   for c in clash])
        return frame.reset_index()
    if pd.api.types.is_integer_dtype(frame.index):
        return frame.reset_index(drop=True)  # row numbers (a filtered table): no information
    return frame.rename_axis("index").reset_index() if "index" not in frame.columns else \
        frame.rename_axis("row_label").reset_index()


#: words that make a row's label a total's: with one hidden part, the total gives it away
_TOTAL_LABEL_WORDS = frozenset(("total", "totals", "subtotal", "subtotals", "sum", "overall", "grandtotal"))
#: labels that are a total's as a whole (after case, spacing and punctuation are set aside)
_TOTAL_LABELS = frozenset(("council", "whole council", "local authority", "la", "england", "all"))
#: what a council's name may end with, set aside to compare it with a label ("Coventry City Council": "Coventry")
_COUNCIL_SUFFIXES = ("metropolitan borough council", "royal borough council", "borough council", "city council",
                     "county council", "district council", "council", "city", "county", "borough")


def _label_words(value: str) -> List[str]:
    """A label's words: NFKC-normalised, without case, punctuation or extra spaces."""
    import unicodedata

    text = unicodedata.normalize("NFKC", value).casefold()
    return re.sub(r"[^\w]+|_", " ", text).split()


def _council_stem(words: Sequence[str]) -> str:
    text = " ".join(words)
    for suffix in _COUNCIL_SUFFIXES:
        if text.endswith(" " + suffix):
            return text[: -len(suffix) - 1]
    return text


def total_label(value: Any, council: Optional[str] = None) -> bool:
    """Whether a row's label says it totals the other rows.

    Without case, spacing or punctuation: a word of the label is ``total``, ``totals``,
    ``subtotal``, ``sum`` or ``overall`` ("Council total", "Total (all hubs)", "TOTAL:",
    "Totals - all areas", "Sum", "sub-total"); the label begins with ``all`` and has at most
    three words ("All", "All localities") or with ``whole`` ("Whole council"); it is
    ``council``, ``local authority`` or ``england``; or it is the council's name (with or without
    "City Council" and the like: "Coventry" for "Coventry City Council").

    Parameters
    ----------
    value : object
        a cell of a text column.
    council : str, optional
        the council's name (``PublishPolicy.council``).

    Returns
    -------
    bool
    """
    if not isinstance(value, str) or formula_like(value):
        return False      # text a spreadsheet would run ("@SUM(A1)"): neutralised, no label of a total
    words = _label_words(value)
    if not words:
        return False
    if set(words) & _TOTAL_LABEL_WORDS or " ".join(words) in _TOTAL_LABELS:
        return True
    if (words[0] == "all" and len(words) <= 2) or (words[0] == "whole" and len(words) <= 3):
        return True
    if council:
        mine = _label_words(council)
        if mine and (words == mine or _council_stem(words) == _council_stem(mine)):
            return True
    return False


def _check_no_total_rows(frame: pd.DataFrame, council: Optional[str] = None) -> None:
    """A row labelled as a total (:func:`total_label`: ``Total``, ``All localities``, ``Council
    total``, the council's name) whose table does not say so (``totals=``) would be suppressed as
    one more row: its hidden parts could be worked out by subtraction. Refused unless the caller
    names it (``totals={dim: label}``) or says there is none (``totals={}``)."""
    problems = []
    for col in _text_columns(frame):
        labels = frame[col].astype(object)
        hit = labels.map(lambda v: total_label(v, council)).to_numpy(dtype=bool)
        if hit.any():
            label = labels[hit].iloc[0]
            problems.append(Problem("publish", str(col), f"a row labelled {label!r} looks like the total of the "
                                    f"others: pass totals={{{str(col)!r}: {label!r}}} (and dims) so that its hidden "
                                    "parts cannot be worked out by subtraction, or totals={} if it is not a total",
                                    rows=list(frame.index[hit][:10]), n_rows=int(hit.sum()), value=label))
    if problems:
        raise ValidationError(problems)


def _count_matrix(frame: pd.DataFrame, counts: Sequence[Hashable]) -> np.ndarray:
    """The count columns as a matrix of floats (rows x columns), a blank cell as 0."""
    if not len(counts):
        return np.zeros((len(frame), 0))
    return np.column_stack([np.nan_to_num(_count_values(frame[c]).to_numpy(dtype=float, na_value=np.nan), nan=0.0)
                            for c in counts])


def _key_columns(frame: pd.DataFrame, counts: Sequence[Hashable]) -> List[Hashable]:
    """The columns that label a row (text, dates, true/false, whole numbers that are no count):
    a total row is the sum of the rows sharing its other labels."""
    keys = []
    for col in frame.columns:
        if col in counts or str(col).endswith("_status"):
            continue
        values = frame[col]
        numbers = _as_numbers(values) if not pd.api.types.is_bool_dtype(values) else None
        if numbers is not None:
            finite = numbers.dropna().to_numpy(dtype=float)
            if not (finite == np.round(finite)).all():
                continue      # a rate, a mean: a figure, not a label
        keys.append(col)
    return keys


def found_total_rows(frame: pd.DataFrame, counts: Sequence[Hashable]) -> List[tuple]:
    """Rows that total others, found by their values: in every count column, the row equals the
    sum of the other rows of its group (the rows sharing every other label of the table; the
    whole table when it has one label column), at least two others, and is not all zero.

    Parameters
    ----------
    frame : DataFrame
        the table.
    counts : sequence
        its count columns.

    Returns
    -------
    list of (int, tuple of int)
        ``(total row, part rows)``, by position.
    """
    n = len(frame)
    if n < 3 or not len(counts):
        return []
    x = _count_matrix(frame, counts)
    keys = _key_columns(frame, counts)
    groupings = []
    for d in keys or [None]:
        others = [k for k in keys if k != d]
        if others:
            codes = frame[others].astype(str).groupby(others, sort=False, dropna=False).ngroup().to_numpy()
        else:
            codes = np.zeros(n, dtype=np.int64)
        groupings.append(codes)
    out: Dict[int, tuple] = {}
    nonzero = (x != 0).any(axis=1)
    for codes in groupings:
        size = np.bincount(codes)
        sums = np.zeros((int(codes.max()) + 1, x.shape[1]))
        np.add.at(sums, codes, x)
        with np.errstate(over="ignore", invalid="ignore"):     # an infinite count is refused after
            total = (size[codes] >= 3) & nonzero & (2 * x == sums[codes]).all(axis=1)
        taken: set = set()
        for r in np.flatnonzero(total):
            if codes[r] in taken or r in out:
                continue      # two rows each half of their group: the first is the total
            taken.add(codes[r])
            parts = tuple(int(p) for p in np.flatnonzero(codes == codes[r]) if p != r)
            out[int(r)] = parts
    return sorted(out.items())


def _period_named(col: Hashable) -> bool:
    """A column named as a period of a wide table: ``2024-01``, ``2024 Q1``, ``Jan 2024``, ``March``."""
    text = str(col).strip().lower()
    if re.fullmatch(r"\d{4}([-/ ]?(\d{1,2}|q[1-4]|h[12]))?|\d{4}[-/]\d{2}[-/]\d{2}|(fy|q[1-4]\s*)\d{2,4}", text):
        return True
    months = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    words = re.split(r"[^a-z0-9]+", text)
    return bool(words) and words[0][:3] in months and all(w.isdigit() or w[:3] in months for w in words if w) \
        and len(words) <= 2


def find_column_sums(frame: pd.DataFrame, counts: Sequence[Hashable],
                     declared: Optional[Mapping[Hashable, Sequence[Hashable]]] = None
                     ) -> Dict[Hashable, List[Hashable]]:
    """Count columns that are the sum of others in every row: the ``declared`` ones (checked),
    and those found by their values: a column equal to another, to the sum of two to four
    others, to the sum of all the others, or to the sum of the columns named as periods (a wide
    table's ``Total``). Columns that are zero throughout are no part.

    Parameters
    ----------
    frame : DataFrame
        the table.
    counts : sequence
        its count columns.
    declared : mapping, optional
        ``{total column: [part columns]}``.

    Returns
    -------
    dict
        ``{total column: [part columns]}`` (parts in the table's order).

    Raises
    ------
    ValidationError
        a declared column that is not a count column of the table, or a declared sum that does
        not hold in some row.
    """
    counts = list(counts)
    x = _count_matrix(frame, counts)
    at = {c: j for j, c in enumerate(counts)}
    out: Dict[Hashable, List[Hashable]] = {}
    problems = []
    for total, parts in (declared or {}).items():
        missing = [c for c in (total, *parts) if c not in at]
        if missing:
            problems.extend(Problem("publish", str(c), "a column of column_sums is not a count column of the table "
                                    f"(counts: {[str(k) for k in counts]})") for c in missing)
            continue
        bad = x[:, at[total]] != x[:, [at[p] for p in parts]].sum(axis=1)
        if bad.any():
            problems.append(Problem("publish", str(total), f"is not the sum of {[str(p) for p in parts]} in every row, "
                                    "as column_sums says", rows=list(np.flatnonzero(bad)[:10]), n_rows=int(bad.sum())))
            continue
        out[total] = list(parts)
    if problems:
        raise ValidationError(problems)
    if x.shape[1] < 2 or not len(frame):
        return out
    live = [j for j in range(x.shape[1]) if x[:, j].any()]
    found: Dict[int, List[int]] = {}
    # equal columns: one count published twice
    seen: Dict[bytes, int] = {}
    for j in live:
        key = x[:, j].tobytes()
        if key in seen:
            found.setdefault(j, [seen[key]])
        else:
            seen[key] = j
    distinct = list(seen.values())
    if len(distinct) >= 3:
        from .pack import _sums_of

        rep = np.round(x[:, distinct].T).astype(np.int64)
        most = 4 if len(distinct) <= 60 else 3 if len(distinct) <= 200 else 2
        for t, parts in _sums_of(rep, max_parts=most):
            if len(set(parts)) == len(parts):        # a column twice is no layout of a table
                found.setdefault(distinct[t], [distinct[p] for p in parts])
        for t in distinct:                            # a total of every other column
            rest = [j for j in distinct if j != t]
            if len(rest) > 4 and np.array_equal(x[:, t], x[:, rest].sum(axis=1)):
                found.setdefault(t, rest)
    periods = [j for j in live if _period_named(counts[j])]
    if len(periods) >= 2:
        for t in live:
            if t not in periods and np.array_equal(x[:, t], x[:, periods].sum(axis=1)):
                found.setdefault(t, periods)
    for t, parts in found.items():
        if counts[t] not in out:
            out[counts[t]] = [counts[p] for p in sorted(parts)]
    return out


def _check_count_named(frame: pd.DataFrame, counts: Sequence[Hashable], skip: Sequence[Hashable]) -> None:
    """A column named like a count of people or cases whose cells are not all whole numbers
    (``3.0001``, ``"n/a"``, ``"<5"``) is not taken as a count, so nothing in it would be hidden:
    refused, named by row, unless the caller declares it (``not_counts``, ``independent``)."""
    skip_names = {str(c) for c in skip}
    problems = []
    for col in frame.columns:
        if col in counts or str(col) in skip_names or not _count_named(col) or f"{col}_status" in frame.columns:
            continue  # (a status column beside it: suppressed by the caller)
        values = frame[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values) \
                or pd.api.types.is_timedelta64_dtype(values):
            continue
        filled = values.dropna()
        if pd.api.types.is_numeric_dtype(filled):
            numbers = pd.to_numeric(filled, errors="coerce").astype(float)
        else:
            numbers = pd.to_numeric(filled.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce")
        if numbers.isna().all():
            continue  # text throughout (a definition, a label): no count in it to hide
        finite = np.isfinite(numbers.to_numpy(dtype=float))
        bad = ~finite | (numbers.to_numpy(dtype=float) != np.round(np.where(finite, numbers, 0.0)))
        if bad.any():
            where = filled.index[bad]
            value = filled.loc[where[0]]
            problems.append(Problem("publish", str(col), "a column named like a count holds values that are not "
                                    "whole numbers, so it cannot be suppressed as a count: fix the values, or "
                                    "declare the column in not_counts if it is not a count of people or cases",
                                    rows=list(where[:10]), n_rows=int(bad.sum()),
                                    value=value.item() if isinstance(value, np.generic) else value))
    if problems:
        raise ValidationError(problems)


def _check_derived(derived: Mapping[Hashable, Sequence[Hashable]], text: pd.DataFrame,
                   suppressed: Sequence[str]) -> None:
    """Each derived column and its sources must be in the table, each source a suppressed count:
    otherwise nothing would be withheld and a rate could give a hidden count away."""
    problems = []
    for col, sources in derived.items():
        if col not in text.columns:
            problems.append(Problem("publish", str(col), "derived column is not in the table"))
        for src in sources:
            if src not in text.columns:
                problems.append(Problem("publish", str(src), f"source of derived column {col!r} is not in the table"))
            elif str(src) not in suppressed and len(text):     # an empty table has nothing to give away
                problems.append(Problem("publish", str(src), f"source of derived column {col!r} is not a count "
                                        f"column the gate suppresses (counts: {list(suppressed)})"))
    if problems:
        raise ValidationError(problems)


def _count_named(col: Hashable) -> bool:
    """Named like a count of people or cases (see :func:`count_columns`), whatever its values."""
    name = str(col).lower()
    if name.endswith(("_id", "_ids", "_status")):
        return False
    if not (name in _COUNT_NAMES or any(w in name for w in _PEOPLE_WORDS)):
        return False
    return not (_says_derived(col) and not (_name_words(col) & _TOTAL_WORDS))


def _hidden_counts(text: pd.DataFrame, counts: Sequence[Hashable],
                   not_counts: Sequence[Hashable]) -> Dict[Hashable, np.ndarray]:
    """Per count column of the published table: its hidden (``"c"``) cells."""
    wanted = {str(c) for c in counts} - {str(c) for c in not_counts}
    return {c: (text[c].astype(object) == SUPPRESSED).to_numpy(dtype=bool)
            for c in text.columns if str(c) in wanted}


def _check_independent(independent: Sequence[Hashable], text: pd.DataFrame) -> None:
    """Each column declared independent must be in the table (a misspelt name would protect nothing)."""
    if isinstance(independent, (str, bytes)):
        raise ValidationError([Problem("publish", str(independent), "independent must be a list of columns")])
    missing = [Problem("publish", str(c), "column declared independent is not in the table")
               for c in independent if c not in text.columns]
    if missing:
        raise ValidationError(missing)


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of already-published sheets, with text never read as a formula or a URL.

    Parameters
    ----------
    sheets : mapping of str to DataFrame
        published tables by sheet name.

    Returns
    -------
    bytes
        the workbook.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False}}) as writer:
        for sheet, frame in sheets.items():
            name = re.sub(r"[\[\]:*?/\\]", "_", str(sheet))[:31] or "Sheet"
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
