"""The catalogue of named indicators: what each measure counts, over what, and why.

A :class:`Measure` is declarative: a *source* (one row per event, built in
``sources.py`` from the Dataset), the *date* column that puts a row in a period, a
*numerator* and a *denominator* (each the name of a true/false column of the source,
``"all"`` for every row, or a condition over the source's columns in the small grammar of
``earlyhelp.measures._expr``: names, constants, comparisons, and/or/not, arithmetic; no
calls or attribute access), and a
*kind*:

``count``       rows (or the sum of ``weight``) whose date falls in the period
``proportion``  numerator rows / denominator rows dated in the period (0-1, Wilson interval)
``stock``       rows open at the end of the period (``date`` = start, ``end`` = end column)
``ratio``       a stock divided by the stock of ``denominator_source`` (e.g. caseload per FTE)

Users add their own with :func:`measure_from_spec` (a dict or a TOML table).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
import math
from numbers import Real
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pandas as pd

from .._errors import Problem, ValidationError
from ._expr import parse_condition

KINDS = ("count", "proportion", "stock", "ratio")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neither")
#: whose locality a row counts in: the family's (or the row's own), the lead team's, the lead practitioner's
LOCALITY_OF = ("family", "lead_team", "lead_practitioner")
THEMES = ("front_door", "episodes_timeliness", "outcomes", "partnership", "localities")

SIXTEEN_WEEKS_DAYS = 112
TWENTY_WEEKS_DAYS = 140
ASSESSMENT_DAYS = 45   # a common local standard for completing an Early Help Assessment
PLAN_DAYS = 28         # plan agreed within four weeks of the episode starting
REVIEW_GRACE_DAYS = 0  # a review is on time when held on or before its due date
REPEAT_CP_PLAN_DAYS = 730  # DfE: a second or subsequent plan within two years of the previous one ending
# Maturity windows (Measure.maturity_days): how long after an episode opens, or a request arrives,
# the records its measures count are still being added. Each is the longest delay seen in the
# synthetic councils (at most a day above the 95th percentile); the measures guide gives the command.
ASSESSMENT_MATURITY_DAYS = 21  # episode start to its first Early Help Assessment started: p95 20, max 21 days
NEEDS_MATURITY_DAYS = 21       # episode start to its third need identified: p95 20, max 20 days
DECISION_MATURITY_DAYS = 7     # request received to its screening decision: p90-max 7 days

DFE_REREFERRAL = ("DfE Characteristics of children in need: re-referral = a referral within 12 months "
                  "of a previous referral")
DFE_CIN_CENSUS = ("DfE Characteristics of children in need (children in need census): children in need, "
                  "on a child protection plan at 31 March and plans starting in the year")
DFE_SSDA903 = "DfE Children looked after in England (SSDA903 return): looked after at 31 March, started in the year"
SF_FRAMEWORK = "Supporting Families Outcome Framework (DLUHC/MHCLG, 2022)"


@dataclass(frozen=True)
class Measure:
    """One named indicator. See the module docstring for the fields' meaning.

    Parameters
    ----------
    id : str
        as described in the module docstring of :mod:`earlyhelp.measures`.
    title : str
        as described in the module docstring of :mod:`earlyhelp.measures`.
    definition : str
        as described in the module docstring of :mod:`earlyhelp.measures`.
    source : str
        as described in the module docstring of :mod:`earlyhelp.measures`.
    date : str
        as described in the module docstring of :mod:`earlyhelp.measures`.
    kind : str, default "count"
        as described in the module docstring of :mod:`earlyhelp.measures`.
    numerator : str, default "all"
        as described in the module docstring of :mod:`earlyhelp.measures`.
    denominator : str, optional
        as described in the module docstring of :mod:`earlyhelp.measures`.
    end : str, optional
        as described in the module docstring of :mod:`earlyhelp.measures`.
    weight : str, optional
        as described in the module docstring of :mod:`earlyhelp.measures`.
    denominator_source : str, optional
        as described in the module docstring of :mod:`earlyhelp.measures`.
    denominator_weight : str, optional
        as described in the module docstring of :mod:`earlyhelp.measures`.
    direction : str, default "neither"
        as described in the module docstring of :mod:`earlyhelp.measures`.
    theme : str, default "episodes_timeliness"
        as described in the module docstring of :mod:`earlyhelp.measures`.
    targets : mapping of str to float
        as described in the module docstring of :mod:`earlyhelp.measures`.
    reference : str, default ""
        as described in the module docstring of :mod:`earlyhelp.measures`.
    unit : str, default ""
        as described in the module docstring of :mod:`earlyhelp.measures`.
    lookback_days : int, default 0
        as described in the module docstring of :mod:`earlyhelp.measures`.
    maturity_days : int, default 0
        how long after a period its rows can still gain the later records the numerator or
        denominator counts (an assessment started, a need identified, a screening decision): a
        period ending fewer than this many days before the data's last day is provisional
        (``complete`` False in :func:`earlyhelp.measures.compute`, and no change test).
    locality_of : str, default "family"
        which locality a row counts in by ``locality``: ``"family"`` (the row's own, else its
        family's), or for the ``episodes`` source ``"lead_team"`` (where the lead agency is based)
        or ``"lead_practitioner"`` (where the lead practitioner is based), so that a caseload's
        episodes and its teams or staff are counted in the same place.
    """

    id: str
    title: str
    definition: str
    source: str
    date: str
    kind: str = "count"
    numerator: str = "all"
    denominator: Optional[str] = None
    end: Optional[str] = None                    # stock: the column that closes a row
    weight: Optional[str] = None                 # count: sum this column instead of counting rows
    denominator_source: Optional[str] = None     # ratio: the stock in the denominator
    denominator_weight: Optional[str] = None
    direction: str = "neither"
    theme: str = "episodes_timeliness"
    targets: Mapping[str, float] = field(default_factory=dict)
    reference: str = ""
    unit: str = ""
    lookback_days: int = 0                       # history a row needs before it (re-referral windows)
    maturity_days: int = 0                       # time after a period its later records still arrive
    locality_of: str = "family"                  # whose locality a row counts in by locality

    def __post_init__(self) -> None:
        problems = _spec_problems(self)
        if problems:
            raise ValidationError(problems)
        # the conditions are data from a spec, never code: only the allowed grammar passes
        for name in ("numerator", "denominator"):
            if getattr(self, name) is not None:
                parse_condition(getattr(self, name), measure=self.id, field=name)

    @property
    def numerator_text(self) -> str:
        if self.kind == "stock":
            return f"{self.source} rows open at the period end ({self.numerator})"
        if self.kind == "ratio":
            return f"{self.source} rows open at the period end ({self.numerator})"
        what = f"sum of {self.weight}" if self.weight else "rows"
        return f"{self.source} {what} where {self.numerator}"

    @property
    def denominator_text(self) -> str:
        if self.kind == "proportion":
            return f"{self.source} rows where {self.denominator}"
        if self.kind == "ratio":
            w = f"sum of {self.denominator_weight}" if self.denominator_weight else "rows"
            return f"{self.denominator_source} {w} in post at the period end"
        return ""

    @property
    def period_rule(self) -> str:
        if self.kind in ("stock", "ratio"):
            rule = f"open at the period end: {self.date} on or before it and {self.end} missing or after it"
        else:
            rule = f"{self.source}.{self.date} within the period"
        if self.maturity_days:
            rule += (f"; provisional until {self.maturity_days} days after the period end "
                     "(later records can still change it)")
        return rule


_COLUMN_FIELDS = ("date", "end", "weight", "denominator_weight")
_TEXT_FIELDS = ("id", "title", "definition", "source", "reference", "unit")


# The fields each kind does not use: given, they would be silently ignored (a proportion's
# weight is not a weighted share: its numerator and denominator count rows).
_IGNORED = {"count": ("denominator", "end", "denominator_source", "denominator_weight"),
            "proportion": ("weight", "end", "denominator_source", "denominator_weight"),
            "stock": ("denominator", "denominator_source", "denominator_weight"),
            "ratio": ("denominator",)}
_USES = {"denominator": "a proportion's rows to divide by; a ratio divides by denominator_source",
         "end": "used by stock and ratio measures only",
         "weight": "used by count, stock and ratio measures only",
         "denominator_source": "used by ratio measures only",
         "denominator_weight": "used by ratio measures only"}


def _spec_problems(m: "Measure") -> List[Problem]:
    """Everything wrong with a measure's fields (types, choices, what its kind needs)."""
    where = f"measure {m.id}"
    out: List[Problem] = []

    def bad(field_: str, message: str, value: Any = None) -> None:
        out.append(Problem(where, field_, message, value=value))

    for name in _TEXT_FIELDS:
        if not isinstance(getattr(m, name), str):
            bad(name, "must be text", getattr(m, name))
    for name in _COLUMN_FIELDS + ("denominator_source",):   # the conditions: parse_condition
        value = getattr(m, name)
        if value is None and name != "date":
            continue
        if not isinstance(value, str) or not value.strip():
            bad(name, "must be a column name" if name in _COLUMN_FIELDS else "must be non-empty text", value)
    if out:
        return out
    if not m.id.isidentifier():
        bad("id", f"{m.id!r} must be a word of letters, digits and underscores")
    if m.kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}, not {m.kind!r}")
    if m.direction not in DIRECTIONS:
        bad("direction", f"must be one of {', '.join(DIRECTIONS)}, not {m.direction!r}")
    if m.theme not in THEMES:
        bad("theme", f"must be one of {', '.join(THEMES)}, not {m.theme!r}")
    if m.kind == "proportion" and not m.denominator:
        bad("denominator", "a proportion needs a denominator")
    if m.kind == "stock" and not m.end:
        bad("end", "a stock needs an end column")
    if m.kind == "ratio" and not (m.end and m.denominator_source):
        bad("end", "a ratio needs an end column and a denominator_source")
    if m.kind in KINDS:
        for name in _IGNORED[m.kind]:
            if getattr(m, name) is not None:
                bad(name, f"is not used by a {m.kind} measure ({_USES[name]}): leave it out",
                    getattr(m, name))
    if m.locality_of not in LOCALITY_OF:
        bad("locality_of", f"must be one of {', '.join(LOCALITY_OF)}", m.locality_of)
    for name in ("lookback_days", "maturity_days"):
        days = getattr(m, name)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            bad(name, "must be a whole number of days >= 0", days)
    out.extend(_target_problems(where, m.targets))
    return out


def _target_problems(where: str, targets: Any) -> List[Problem]:
    if not isinstance(targets, Mapping):
        return [Problem(where, "targets", "must be a table of names and numbers, e.g. {target = 0.8}",
                        value=targets)]
    return [Problem(where, f"targets.{k}", "must be a finite number", value=v) for k, v in targets.items()
            if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v)]


# The built-in measures are data: ``catalogue.toml`` next to this module, in the same spec as a
# user's own measures (:func:`measure_from_spec`); ``{NAME}`` in its text is one of these constants.
_TEXT_CONSTANTS = {"SIXTEEN_WEEKS_DAYS": SIXTEEN_WEEKS_DAYS, "TWENTY_WEEKS_DAYS": TWENTY_WEEKS_DAYS,
                   "ASSESSMENT_DAYS": ASSESSMENT_DAYS, "PLAN_DAYS": PLAN_DAYS,
                   "REPEAT_CP_PLAN_DAYS": REPEAT_CP_PLAN_DAYS, "DFE_REREFERRAL": DFE_REREFERRAL,
                   "ASSESSMENT_MATURITY_DAYS": ASSESSMENT_MATURITY_DAYS, "NEEDS_MATURITY_DAYS": NEEDS_MATURITY_DAYS,
                   "DECISION_MATURITY_DAYS": DECISION_MATURITY_DAYS,
                   "DFE_CIN_CENSUS": DFE_CIN_CENSUS, "DFE_SSDA903": DFE_SSDA903, "SF_FRAMEWORK": SF_FRAMEWORK}


def _load_builtin() -> Tuple[Measure, ...]:
    from importlib import resources

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]

    text = resources.files(__package__).joinpath("catalogue.toml").read_text(encoding="utf-8")
    specs = tomllib.loads(text)["measures"]
    out = []
    for spec in specs:
        spec = {k: (v.format_map(_TEXT_CONSTANTS) if isinstance(v, str) else v) for k, v in spec.items()}
        for name in ("lookback_days", "maturity_days"):
            if isinstance(spec.get(name), str):   # a constant named in the file
                spec[name] = int(spec[name])
        out.append(measure_from_spec(spec))
    return tuple(out)



COLUMNS = ["id", "title", "definition", "numerator", "denominator", "period_rule", "direction",
           "source_tables", "reference", "kind", "theme", "unit", "target"]


def get(measure_id: str) -> Measure:
    """The measure with this id (built in or registered); KeyError naming the valid ids.

    Parameters
    ----------
    measure_id : str
        the measure's id.

    Returns
    -------
    Measure
    """
    try:
        return _REGISTRY[measure_id]
    except KeyError:
        raise KeyError(f"unknown measure {measure_id!r}; valid ids: {', '.join(sorted(_REGISTRY))}") from None


def ids() -> List[str]:
    """The ids of every measure in the catalogue (built in and registered).

    Returns
    -------
    list of str
    """
    return list(_REGISTRY)


def register(measure: "Measure | Mapping[str, Any]", *, replace_existing: bool = False) -> Measure:
    """Add a measure to the catalogue (a :class:`Measure` or a spec for :func:`measure_from_spec`).

    Parameters
    ----------
    measure : Measure or mapping
        the measure, or a spec for :func:`measure_from_spec`.
    replace_existing : bool, default False
        replace a measure with the same id (else an error).

    Returns
    -------
    Measure
        the measure registered.
    """
    m = measure if isinstance(measure, Measure) else measure_from_spec(measure)
    if m.id in _REGISTRY and not replace_existing:
        raise ValidationError(Problem(f"measure {m.id}", "id", "is already in the catalogue (pass "
                                      "replace_existing=True)"))
    refuse_case_clash(m.id, f"measure {m.id}")
    from .sources import check_measure

    check_measure(m)
    _REGISTRY[m.id] = m
    return m


def unregister(measure_id: str) -> None:
    """Remove a registered measure from the catalogue (built-in measures stay).

    A measure registered in place of a built-in one (``replace_existing=True``, or a measures
    file loaded with ``replace_builtin=True``) is removed and the built-in measure comes back.

    Parameters
    ----------
    measure_id : str
        The measure's id.

    Raises
    ------
    ValueError
        the id is a built-in measure that nothing replaced.
    """
    builtin = {m.id: m for m in _BUILTIN}
    if measure_id in builtin:
        if _REGISTRY.get(measure_id) is builtin[measure_id]:
            raise ValueError(f"{measure_id!r} is a built-in measure")
        _REGISTRY[measure_id] = builtin[measure_id]
        return
    _REGISTRY.pop(measure_id, None)


def refuse_case_clash(measure_id: str, where: str) -> None:
    """Raise ValidationError (table ``where``) when ``measure_id`` equals an id of the catalogue
    but for case: a spreadsheet's look-up ignores case, so the two would be one measure there.

    Parameters
    ----------
    measure_id : str
        the id.
    where : str
        what the problem names as its table (the measure, or a file's entry).
    """
    other = case_clash(measure_id)
    if other is not None:
        kind = "a built-in measure" if other in builtin_ids() else "a measure loaded before"
        raise ValidationError(Problem(where, "id", f"{measure_id!r} differs only in case from {other!r}, {kind} of "
                                      "the catalogue: a spreadsheet's look-up ignores case, so give it an id of "
                                      "its own", value=measure_id))


def case_clash(measure_id: str) -> Optional[str]:
    """The id of the catalogue equal to ``measure_id`` when case is ignored but not otherwise (None if none).

    Parameters
    ----------
    measure_id : str
        the id.

    Returns
    -------
    str or None
    """
    folded = measure_id.casefold()
    for other in list(_REGISTRY) + builtin_ids():
        if other != measure_id and other.casefold() == folded:
            return other
    return None


def builtin_ids() -> List[str]:
    """The ids of the built-in measures (``catalogue.toml``).

    Returns
    -------
    list of str
    """
    return [m.id for m in _BUILTIN]


_SPEC_KEYS = {f for f in Measure.__dataclass_fields__}


def measure_from_spec(spec: Mapping[str, Any]) -> Measure:
    """A Measure from a short declarative spec (a dict, or a ``[[measures]]`` table of a TOML file).

    Example (TOML)::

        [[measures]]
        id = "closed_within_12_weeks"
        title = "Episodes closed within 12 weeks"
        source = "episodes"
        date = "end_date"
        kind = "proportion"
        numerator = "closed and duration_days <= 84"
        denominator = "closed"
        direction = "higher_is_better"
        definition = "Episodes closed in the period lasting at most 84 days, among episodes closed."

    ``numerator``/``denominator`` name a true/false column of the source, ``"all"``, or a
    condition over its columns (see ``earlyhelp.measures.describe()``) in the grammar of
    ``earlyhelp.measures._expr`` (the measures guide lists it); anything else is refused with a ValidationError.

    Parameters
    ----------
    spec : mapping
        the spec.

    Returns
    -------
    Measure
    """
    if not isinstance(spec, Mapping):
        raise ValidationError(Problem("measure ?", None, f"a spec must be a table of fields, not "
                                      f"{type(spec).__name__}"))
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise ValidationError(Problem(f"measure {spec.get('id', '?')}", None, f"spec has unknown keys "
                                      f"{sorted(unknown, key=str)}; valid keys: {', '.join(sorted(_SPEC_KEYS))}"))
    for key in ("id", "title", "source", "date"):
        if key not in spec:
            raise ValidationError(Problem(f"measure {spec.get('id', '?')}", key, f"measure spec needs {key!r}"))
    kw = dict(spec)
    kw.setdefault("definition", kw["title"])
    targets = kw.get("targets", {})
    kw["targets"] = dict(targets) if isinstance(targets, Mapping) else targets  # a non-table is refused by Measure
    return Measure(**kw)


def catalogue() -> pd.DataFrame:
    """One row per measure: ``id, title, definition, numerator, denominator, period_rule, direction,
    source_tables, reference`` (and ``kind, theme, unit, target``).

    Returns
    -------
    DataFrame
    """
    from .sources import SOURCE_TABLES

    rows = []
    for m in _REGISTRY.values():
        tables = list(SOURCE_TABLES.get(m.source, (m.source,)))
        if m.denominator_source:
            tables += [t for t in SOURCE_TABLES.get(m.denominator_source, ()) if t not in tables]
        rows.append(dict(id=m.id, title=m.title, definition=m.definition, numerator=m.numerator_text,
                         denominator=m.denominator_text, period_rule=m.period_rule, direction=m.direction,
                         source_tables=", ".join(tables), reference=m.reference, kind=m.kind, theme=m.theme,
                         unit=m.unit or ("share" if m.kind == "proportion" else ""),
                         target=m.targets.get("target", float("nan"))))
    return pd.DataFrame(rows, columns=COLUMNS)


_BUILTIN: Tuple[Measure, ...] = _load_builtin()
_REGISTRY: Dict[str, Measure] = {m.id: m for m in _BUILTIN}


def with_targets(measure: Measure, **targets: float) -> Measure:
    return replace(measure, targets={**measure.targets, **targets})
