"""How each case system writes its Standard Safeguarding Dataset (SSD) extract.

The SSD specification (data-to-insight/ssd-data-model, ``data/objects/ssd_*.yml``) says what
each column means; the deployment SQL each case system runs says what actually lands in
it. A :class:`Profile` holds what that SQL does differently from the specification, so an
extract loads as the case system wrote it:

``spec``
    An extract that follows the specification. Every profile starts from this one: the
    text ``NULL`` (SQL Server Management Studio writes empty cells that way when results
    are saved as CSV) and the deployment placeholders ``SSD_PH`` / ``PLACEHOLDER_DATA``
    are missing values, ``ssd_family`` rows repeated for one family and person are one
    membership, contact outcomes are read from the ``cont_contact_outcome_json`` flags.
``systemc`` (also ``liquidlogic``)
    SystemC / Liquidlogic (deployment v1.4.5): ``earl_episode_worker_id`` is the
    placeholder ``'SSD_PH'`` for every episode; the warehouse's "no one" id ``-1`` (or an
    empty cell) stands in id columns; ``ssd_family`` is built from contacts, one row per
    contact (``fami_table_id`` is the contact id), so the contact dates say when a child
    lived in which family; ``pers_dob`` is empty when the birth date is estimated and the
    estimate is written into ``pers_expected_dob`` (a date in the past there is a birth
    date, not an unborn child); ``pers_send_flag`` is ``NCHAR(5)`` (``"Y    "``);
    ``pers_sex`` may be ``I`` (indeterminate).
``eclipse``
    Eclipse (OLM): one contact form (``cont_contact_id`` = the form instance) is written
    once per child it is about, so ids repeat; the contact source is Eclipse's own code
    (``SCHOOLS``, ``HSERVGP``, ...); ``cont_contact_outcome_json`` is always NULL (no
    decision can be read); ``ssd_family`` is the family group membership without dates;
    an unborn child has the due date in both ``pers_dob`` and ``pers_expected_dob``;
    ethnicity may be ``ORAB`` (Arab) or ``??`` (not mapped by the deployment).
``mosaic``
    Mosaic: a contact and an early help episode are workflow steps about a group of people,
    so ``cont_contact_id`` and ``earl_episode_id`` (the step id) repeat once per child;
    ``cont_contact_outcome_json`` is text, ``'CIN Referral'`` or ``'EH Referral'`` (else
    NULL); the contact source column may be ``cont_contact_source`` (the lookup's answer
    text); end reasons are free form answers (map them); ids are numbers.

Local codes beyond these (end reasons, involvement roles such as Liquidlogic's ``KATAF``,
contact sources) come from the council's code map (:func:`load_code_map`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import pandas as pd

from .._errors import ConfigError, Problem
from .._tomlfile import read_toml


CodeMap = Dict[str, Dict[str, Dict[str, str]]]

# Texts that mean "nothing recorded" in any SSD extract.
NULL_TEXTS: Tuple[str, ...] = ("NULL",)
PLACEHOLDERS: Tuple[str, ...] = ("SSD_PH", "PLACEHOLDER_DATA")

# Eclipse's contact sources (its deployment SQL, ssd_contacts) -> CIN census referral source.
ECLIPSE_CONTACT_SOURCE: Dict[str, str] = {
    "INDFRC": "1A", "INDACQ": "1B", "INDSELF": "1C", "SCHOOLS": "2A", "EDUSERV": "2B",
    "HSERVGP": "3A", "HSERVHVSTR": "3B", "HSERVSNRSE": "3C", "HSERVPHSERV": "3D", "HSERVAE": "3E",
    "HSERVOTHR": "3F", "HOUSLA": "4", "LASERVSCR": "5A", "LASERVOINT": "5B", "LASERVEXT": "5C",
    "POLICE": "6", "OTHERLEG": "7", "OTHER": "8", "ANON": "9", "UNKNOWN": "10",
}


@dataclass(frozen=True)
class Profile:
    """What one case system's SSD deployment writes differently from the specification.

    Attributes
    ----------
    name, description : the profile's name and a line saying what it is.
    missing : ``"table.column"`` (``"*"`` for every id column) -> texts that mean "not
        recorded" there (placeholders, the warehouse's ``-1``). Counted in the load report.
    code_map : the case system's own code lists -> ours (``{table: {column: {local: ours}}}``).
    family_rows : ``"per_contact"`` (``fami_table_id`` is a contact id: memberships are
        dated by the contacts) or ``"membership"`` (one row per family and person).
    contact_rows_per_child : one contact id written once per child it is about.
    episode_rows_per_child : one early help episode id written once per child it is about.
    estimated_birth_in_expected_dob : ``pers_expected_dob`` holds estimated birth dates.
    """

    name: str
    description: str
    missing: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    code_map: CodeMap = field(default_factory=dict)
    family_rows: str = "membership"
    contact_rows_per_child: bool = False
    episode_rows_per_child: bool = False
    estimated_birth_in_expected_dob: bool = False


PROFILES: Dict[str, Profile] = {p.name: p for p in (
    Profile("spec", "an extract that follows the SSD specification"),
    Profile("systemc", "SystemC / Liquidlogic SSD deployment (v1.4.5)",
            missing={"*": ("-1",)},
            code_map={"persons": {"sex": {"I": "U"}}},
            family_rows="per_contact", estimated_birth_in_expected_dob=True),
    Profile("eclipse", "Eclipse (OLM) SSD deployment",
            code_map={"persons": {"ethnicity": {"ORAB": "OOTH", "??": "unknown"}},
                      "requests": {"source": ECLIPSE_CONTACT_SOURCE}},
            contact_rows_per_child=True),
    Profile("mosaic", "Mosaic SSD deployment",
            code_map={"requests": {"decision": {"CIN Referral": "social_care_referral", "EH Referral": "early_help"}}},
            contact_rows_per_child=True, episode_rows_per_child=True),
)}
PROFILE_ALIASES = {"liquidlogic": "systemc", "liquid_logic": "systemc", "ll": "systemc", "olm": "eclipse",
                   "ssd": "spec"}

DECISIONS = ("nfa", "advice_signpost", "early_help", "social_care_referral", "existing_case")


@dataclass(frozen=True)
class SSDSettings:
    """How to read one council's SSD extract (the ``[ssd]`` part of a code-map file).

    Attributes
    ----------
    profile : the case system's :class:`Profile`.
    outcome_flags : contact-outcome flag (``OTHER_OUTCOMES_EXIST_FLAG``, or a local key) ->
        decision, for local practice; overrides the specification's meaning of that flag
        except for statutory outcomes (a new referral, an existing referral, a CP enquiry).
    outcome_comments : words found in the outcome ``COMMENTS`` (case-insensitive) -> decision.
    outcome_keys : a key of the outcome JSON (a local one, e.g. the deciding ``TEAM``) ->
        {its value -> decision}.
    geography : a lookup from postcode (full, sector or district) or team to locality
        (a DataFrame, see :func:`earlyhelp.data.ssd.read_geography`), or None.
    council_code, region_code : ONS codes of the council and its region, for series and
        for a localities table derived from ``geography``.
    """

    profile: Profile = PROFILES["spec"]
    outcome_flags: Mapping[str, str] = field(default_factory=dict)
    outcome_comments: Mapping[str, str] = field(default_factory=dict)
    outcome_keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    geography: Optional[pd.DataFrame] = None
    council_code: Optional[str] = None
    region_code: Optional[str] = None

    def describe(self) -> Dict[str, Any]:
        """Plain data for run records."""
        return {"profile": self.profile.name, "outcome_flags": dict(self.outcome_flags),
                "outcome_comments": dict(self.outcome_comments),
                "outcome_keys": {k: dict(v) for k, v in self.outcome_keys.items()},
                "geography_rows": None if self.geography is None else int(len(self.geography)),
                "council_code": self.council_code, "region_code": self.region_code}


@dataclass(frozen=True)
class LocalCodes:
    """A council's code-map file: code lists (``code_map``) and how to read its SSD (``ssd``)."""

    code_map: CodeMap
    ssd: Optional[SSDSettings] = None
    path: Optional[str] = None


def profile(name: Union[str, Profile, None]) -> Profile:
    """The :class:`Profile` called ``name`` (``spec``, ``systemc``/``liquidlogic``, ``eclipse``, ``mosaic``)."""
    if isinstance(name, Profile):
        return name
    key = str(name or "spec").strip().lower()
    key = PROFILE_ALIASES.get(key, key)
    if key not in PROFILES:
        raise ConfigError([Problem("ssd", "profile", f"unknown case-system profile; use one of "
                                   f"{', '.join(sorted(PROFILES) + sorted(PROFILE_ALIASES))}", value=name)])
    return PROFILES[key]


def ssd_settings(value: Union[None, str, Profile, Mapping[str, Any], SSDSettings]) -> Optional[SSDSettings]:
    """An :class:`SSDSettings` from a profile name, a mapping (as in the ``[ssd]`` table) or settings."""
    if value is None or isinstance(value, SSDSettings):
        return value
    if isinstance(value, (str, Profile)):
        return SSDSettings(profile=profile(value))
    if isinstance(value, Mapping):
        return _parse_ssd(dict(value), Path.cwd(), "ssd")
    raise ConfigError([Problem("ssd", None, "give a profile name, a mapping or SSDSettings",
                               value=type(value).__name__)])


def merge_code_maps(*maps: Optional[Mapping[str, Any]]) -> CodeMap:
    """Code maps merged left to right (later ones win, per local code)."""
    out: Dict[str, Any] = {}
    for m in maps:
        for key, value in (m or {}).items():
            if isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()) and value:
                table = out.setdefault(key, {})
                for column, mapping in value.items():
                    table.setdefault(column, {}).update(mapping)
            elif isinstance(value, Mapping):
                out.setdefault(key, {}).update(value)
    return out


# -- the code-map file ------------------------------------------------------------------------

def load_code_map(path: Union[str, os.PathLike]) -> LocalCodes:
    """Read a council's code-map file (TOML); raise :class:`ConfigError` listing every problem.

    The file maps local codes to earlyhelp codes, one TOML table per column
    (``[<table>.<column>]``, SSD or earlyhelp names; ``[<column>]`` for every table with that
    column), and may say how to read the SSD extract in an ``[ssd]`` table::

        [episodes.end_reason]
        "CLOSED - OUTCOMES MET" = "outcomes_met"

        [ssd]
        profile = "systemc"                 # spec | systemc (liquidlogic) | eclipse | mosaic
        council_code = "E08000026"
        region_code = "E12000005"
        geography = "localities.csv"        # postcode / sector / district / team -> locality_id

        [ssd.contact_outcomes.flags]
        OTHER_OUTCOMES_EXIST_FLAG = "early_help"

        [ssd.contact_outcomes.comments]
        "early help" = "early_help"

        [ssd.contact_outcomes.keys.TEAM]     # a local key of the outcome JSON: value -> decision
        EHHUB = "early_help"

    Relative paths are taken relative to the file's folder.
    """
    if isinstance(path, bytes):   # Path() cannot take bytes: say so rather than crash
        raise ConfigError([Problem("code_map", None, "give the code-map file's path as text (str or "
                                   "pathlib.Path), not bytes", value=path)])
    file = Path(path)
    data = read_toml(file, missing="code-map file not found: give the path to a .toml file")
    return parse_code_map(data, base=file.parent, name=str(file))


def _shape_problems(key: Any, value: Any, name: str) -> List[Problem]:
    """Why one top-level entry of a code map is not a table's ``{column: {local: ours}}`` or a
    column's ``{local: ours}``; empty when it is."""
    from .readers import resolve_table_name

    if not isinstance(value, Mapping):
        return [Problem(name, str(key), "must be a table: [<table>.<column>] or [<column>] of local = ours",
                        value=value)]
    if resolve_table_name(str(key)) is None:   # a column of every table
        return []
    # a table name always names a table (as when the map is applied): each column needs its codes
    return [Problem(name, f"{key}.{column}", "must map local codes to earlyhelp codes (a table of "
                    "local = ours), not one value", value=codes)
            for column, codes in value.items() if not isinstance(codes, Mapping)]


def parse_code_map(data: Mapping[str, Any], *, base: Optional[Path] = None, name: str = "code_map") -> LocalCodes:
    """Check a code map already parsed into a dict (the body of :func:`load_code_map`)."""
    base = Path(base) if base is not None else Path.cwd()
    problems = []
    data = dict(data)
    ssd_part = data.pop("ssd", None)
    code_map: CodeMap = {}
    for key, value in data.items():
        if not isinstance(value, Mapping) or not value:
            problems.append(Problem(name, key, "must be a table: [<table>.<column>] or [<column>] of local = ours"))
            continue
        shape = _shape_problems(key, value, name)
        if shape:
            problems += shape
            continue
        if all(isinstance(v, str) for v in value.values()):   # [<column>]: every table
            code_map[key] = {str(k): v for k, v in value.items()}
            continue
        for column, mapping in value.items():
            if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for v in mapping.values()):
                problems.append(Problem(name, f"{key}.{column}", "must map local codes to earlyhelp codes (strings)"))
                continue
            code_map.setdefault(key, {})[str(column)] = {str(k): v for k, v in mapping.items()}
    ssd = None
    if ssd_part is not None:
        if not isinstance(ssd_part, Mapping):
            problems.append(Problem(name, "ssd", "must be a table: [ssd]"))
        else:
            try:
                ssd = _parse_ssd(dict(ssd_part), base, name)
            except ConfigError as exc:
                problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return LocalCodes(code_map=code_map, ssd=ssd, path=name)


def _decisions(given: Mapping[str, Any], where: str, name: str, problems: List[Problem]) -> Dict[str, str]:
    """The local value -> decision entries of ``given`` that name a decision; a problem for each other."""
    out: Dict[str, str] = {}
    for local, decision in given.items():
        if decision in DECISIONS:
            out[str(local)] = decision
        else:
            problems.append(Problem(name, f"{where}.{local}", f"not a decision; use one of {', '.join(DECISIONS)}",
                                    value=decision))
    return out


def _parse_ssd(part: Dict[str, Any], base: Path, name: str) -> SSDSettings:
    from . import ssd

    problems = []
    known = ("profile", "council_code", "region_code", "geography", "contact_outcomes")
    for key in part:
        if key not in known:
            problems.append(Problem(name, f"ssd.{key}", f"unknown key; use {', '.join(known)}"))
    try:
        prof = profile(part.get("profile", "spec"))
    except ConfigError as exc:
        problems += [replace(p, table=name, column="ssd.profile") for p in exc.problems]
        prof = PROFILES["spec"]
    outcomes = part.get("contact_outcomes", {}) or {}
    flags: Dict[str, str] = {}
    comments: Dict[str, str] = {}
    if not isinstance(outcomes, Mapping):
        problems.append(Problem(name, "ssd.contact_outcomes", "must be a table with flags and/or comments"))
        outcomes = {}
    for key, target in (("flags", flags), ("comments", comments)):
        given = outcomes.get(key, {}) or {}
        if not isinstance(given, Mapping):
            problems.append(Problem(name, f"ssd.contact_outcomes.{key}", "must map to decisions"))
            continue
        for local, decision in _decisions(given, f"ssd.contact_outcomes.{key}", name, problems).items():
            target[local.upper() if key == "flags" else local] = decision
    keys: Dict[str, Dict[str, str]] = {}
    given_keys = outcomes.get("keys", {}) or {}
    if not isinstance(given_keys, Mapping):
        problems.append(Problem(name, "ssd.contact_outcomes.keys", "must be tables: [ssd.contact_outcomes.keys.<KEY>]"))
        given_keys = {}
    for key, table in given_keys.items():
        if not isinstance(table, Mapping):
            problems.append(Problem(name, f"ssd.contact_outcomes.keys.{key}", "must map values to decisions"))
            continue
        keys.setdefault(str(key).upper(), {}).update(
            _decisions(table, f"ssd.contact_outcomes.keys.{key}", name, problems))
    for key in outcomes:
        if key not in ("flags", "comments", "keys"):
            problems.append(Problem(name, f"ssd.contact_outcomes.{key}", "unknown key; use flags, comments, keys"))
    geography = None
    geo = part.get("geography")
    if geo is not None:
        if isinstance(geo, pd.DataFrame):
            try:
                geography = geo if {"level", "key", "locality_id"} <= set(geo.columns) else ssd.read_geography(geo)
            except (ConfigError, ValueError) as exc:
                problems += getattr(exc, "problems", [Problem(name, "ssd.geography", str(exc))])
        elif isinstance(geo, (str, os.PathLike)):
            file = Path(geo)
            file = file if file.is_absolute() else base / file
            try:
                geography = ssd.read_geography(file)
            except (ConfigError, ValueError) as exc:
                problems += getattr(exc, "problems", [Problem(name, "ssd.geography", str(exc))])
        else:
            problems.append(Problem(name, "ssd.geography", "must be the path of a CSV file"))
    for key in ("council_code", "region_code"):
        if part.get(key) is not None and not isinstance(part.get(key), str):
            problems.append(Problem(name, f"ssd.{key}", "must be a string (an ONS code)", value=part.get(key)))
    if problems:
        raise ConfigError(problems)
    return SSDSettings(profile=prof, outcome_flags=flags, outcome_comments=comments, outcome_keys=keys,
                       geography=geography,
                       council_code=part.get("council_code"), region_code=part.get("region_code"))


def resolve_code_map(code_map: Union[None, str, os.PathLike, Mapping[str, Any], LocalCodes],
                     ssd: Union[None, str, Profile, Mapping[str, Any], SSDSettings] = None
                     ) -> Tuple[Optional[CodeMap], Optional[SSDSettings]]:
    """(code map, SSD settings) from what a user passed: a mapping, a file path or :class:`LocalCodes`.

    ``ssd`` given explicitly wins over the file's ``[ssd]`` table; the profile's own code
    lists come first and the council's map overrides them.
    """
    file_ssd = None
    if isinstance(code_map, (str, bytes, os.PathLike)):
        code_map = load_code_map(code_map)
    if isinstance(code_map, LocalCodes):
        file_ssd = code_map.ssd
        code_map = code_map.code_map
    else:
        _check_shape(code_map)
    settings = ssd_settings(ssd) if ssd is not None else file_ssd
    if settings is not None and settings.profile.code_map:
        code_map = merge_code_maps(settings.profile.code_map, code_map)
    return (dict(code_map) if code_map else None), settings


def _check_shape(code_map: Any) -> None:
    """A ``code_map=`` argument is None or ``{table: {column: {local: ours}}}`` / ``{column: {local: ours}}``;
    else :class:`ConfigError` naming each wrong key (before merging, which would drop or crash on it)."""
    if code_map is None:
        return
    if not isinstance(code_map, Mapping):
        raise ConfigError([Problem("code_map", None, "give a mapping {table: {column: {local: ours}}}, the "
                                   "path of a code-map file or LocalCodes", value=type(code_map).__name__)])
    problems = [p for key, value in code_map.items() for p in _shape_problems(key, value, "code_map")]
    if problems:
        raise ConfigError(problems)
