"""Event sources for the measures: one row per request, episode, assessment, ... with flags and dimensions.

Each source is built once per :func:`earlyhelp.measures.compute` call from the Dataset's tables,
vectorised with numpy (ids are factorised to integers, joins are index look-ups, the
re-referral rule is a sorted search), so every measure is a ``bincount`` over
(group, month) afterwards.

Dimensions are labelled with names a manager reads (locality names, agency types in words),
never internal codes.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..data import codes
from ..data.age import completed_years
# the one rule for the day an extract without its date was taken (the pack takes it too)
from ..data.dates import StrayDatesWarning, happened_end, today_day
from ._expr import columns_used
from ._ids import arrow_strings, int_ids, positions
from ._catalogue import (ASSESSMENT_DAYS, PLAN_DAYS, REPEAT_CP_PLAN_DAYS, SIXTEEN_WEEKS_DAYS, TWENTY_WEEKS_DAYS,
                         Measure)

if TYPE_CHECKING:
    from ..data.dataset import Dataset

NOT_RECORDED = "not recorded"
DIMENSIONS = ("locality", "lead_agency_type", "age_band", "sex", "ethnicity", "level", "request_source",
              "route", "service", "question")
AGE_BANDS = ("under 1", "1-4", "5-9", "10-15", "16-17", "18 and over")
AGE_EDGES = np.array([0, 1, 5, 10, 16, 18])
NO_DAY = np.iinfo(np.int64).min // 4   # missing date as days since 1970-01-01
FAR_DAY = np.iinfo(np.int64).max // 4

AGENCY_TYPE_NAMES: Dict[str, str] = {
    "la_early_help": "Council early help", "la_social_care": "Council social care", "school": "School",
    "early_years": "Early years setting", "health_visitor": "Health visiting", "school_nurse": "School nursing",
    "gp": "GP", "camhs": "CAMHS", "midwifery": "Midwifery", "health_other": "Other health", "police": "Police",
    "housing": "Housing", "youth_justice": "Youth justice", "substance_misuse": "Substance misuse service",
    "domestic_abuse_service": "Domestic abuse service", "adult_services": "Adult services",
    "vcs": "Voluntary and community sector", "other": "Other agency", "unknown": NOT_RECORDED,
}
LEVEL_LABELS = {2: "Level 2 earliest help", 3: "Level 3 early help", 4: "Level 4 statutory"}
ROUTE_NAMES = {"direct": "Direct request", "mash_diversion": "MASH diversion", "step_down": "Step-down",
               "unknown": NOT_RECORDED}
SEX_NAMES = {"M": "Male", "F": "Female", "U": "Unknown or indeterminate", "unknown": NOT_RECORDED}
ETHNIC_GROUPS = {"W": "White", "M": "Mixed", "A": "Asian or Asian British", "B": "Black or Black British",
                 "C": "Chinese", "O": "Any other ethnic group", "R": "Refused", "N": "Not obtained"}
#: what a source takes for a value the data do not record: ``table.column -> (what the rows are,
#: what they are taken as, whether they are cases)``, said with how many rows (:func:`assumed_note`);
#: a published note hides a small count of cases (requests), as the tables do, not one of staff
ASSUMED: Dict[str, Tuple[str, str, bool]] = {
    "requests.children": ("requests", "with no number of children recorded count as 1 child (children referred "
                                      "is then a lower bound)", True),
    "practitioners.fte": ("practitioners", "with no FTE recorded count as 0 FTE (measures per FTE are then too "
                                           "high)", False),
    "plans.agreed_date": ("plans", "agreed before their episode started (a recording error in the plan's or the "
                                   "episode's date) count as not agreed within 4 weeks", True),
    "taf_reviews.due_date": ("reviews", "due after the latest date a request, episode or held review records (the "
                                        "extract's date is not known) are taken as not yet due", True),
}


def assumed_note(key: str, count: object) -> str:
    """The note of what a source assumed (:data:`ASSUMED`), with ``count`` rows as given (a number or ``"c"``).

    Parameters
    ----------
    key : str
        ``table.column``, a key of :data:`ASSUMED`.
    count : object
        how many rows, as shown (``"1,204"``, or ``"c"`` where the number is hidden).

    Returns
    -------
    str
    """
    unit, taken, _ = ASSUMED[key]
    return f"{count} {unit} {taken}"


PARTNER_SOURCES = ("2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "6", "7", "8")

# The tables behind each source (for the catalogue and for naming what blocks a measure).
SOURCE_TABLES: Dict[str, Tuple[str, ...]] = {
    "requests": ("requests", "families", "localities", "episodes"),
    "episodes": ("episodes", "agencies", "localities", "assessments", "family_needs"),
    "assessments": ("assessments", "episodes"),
    "family_needs": ("family_needs", "episodes"),
    "plans": ("plans", "episodes"),
    "taf_reviews": ("taf_reviews", "episodes"),
    "service_referrals": ("service_referrals", "families", "localities"),
    "family_voice": ("family_voice", "localities"),
    "practitioners": ("practitioners", "localities"),
    "teams": ("agencies",),
    "cin_plans": ("cin_plans", "persons", "family_members", "families", "localities"),
    "cp_plans": ("cp_plans", "persons", "family_members", "families", "localities"),
    "cla_episodes": ("cla_episodes", "persons", "family_members", "families", "localities"),
}
# Tables and columns without which a source cannot be built at all.
REQUIRED: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "requests": (("requests", "received_date"),),
    "episodes": (("episodes", "start_date"), ("episodes", "end_date")),
    "assessments": (("assessments", "started"), ("episodes", "episode_id")),
    "family_needs": (("family_needs", "identified_date"), ("episodes", "end_date")),
    "plans": (("plans", "agreed_date"), ("episodes", "start_date")),
    "taf_reviews": (("taf_reviews", "due_date"),),
    "service_referrals": (("service_referrals", "referral_date"),),
    "family_voice": (("family_voice", "response_date"), ("family_voice", "answer")),
    "practitioners": (("practitioners", "fte"), ("agencies", "agency_type")),
    "teams": (("agencies", "agency_type"),),
    "cin_plans": (("cin_plans", "start_date"), ("cin_plans", "person_id")),
    "cp_plans": (("cp_plans", "start_date"), ("cp_plans", "person_id")),
    "cla_episodes": (("cla_episodes", "start_date"), ("cla_episodes", "person_id")),
}
# Columns a flag needs: a measure using the flag is blocked when the column holds no values.
FLAG_COLUMNS: Dict[Tuple[str, str], Tuple[str, str]] = {
    ("requests", "converted"): ("requests", "decision"), ("requests", "decided"): ("requests", "decision"),
    ("requests", "from_partner"): ("requests", "source"),
    ("requests", "mash_diversion"): ("requests", "route"), ("requests", "step_down_route"): ("requests", "route"),
    # without closed episodes no request can be a re-referral: 0% would be a figure the data cannot give
    ("requests", "rereferral_12m"): ("episodes", "end_date"),
    ("episodes", "outcomes_met"): ("episodes", "end_reason"), ("episodes", "step_up"): ("episodes", "end_reason"),
    ("episodes", "level_2"): ("episodes", "level"), ("episodes", "level_3"): ("episodes", "level"),
    ("episodes", "level_4"): ("episodes", "level"), ("episodes", "level_recorded"): ("episodes", "level"),
    ("episodes", "partner_led"): ("episodes", "lead_agency_id"),
    ("episodes", "lead_recorded"): ("episodes", "lead_agency_id"),
    ("episodes", "school_led"): ("episodes", "lead_agency_id"),
    ("episodes", "council_led"): ("episodes", "lead_agency_id"),
    ("episodes", "early_help_led"): ("episodes", "lead_agency_id"),
    ("episodes", "has_lead_practitioner"): ("episodes", "lead_practitioner_id"),
    ("episodes", "early_help_practitioner_led"): ("episodes", "lead_practitioner_id"),
    ("episodes", "from_step_down"): ("episodes", "origin"),
    ("episodes", "has_assessment"): ("assessments", "episode_id"),
    ("episodes", "three_plus_needs"): ("family_needs", "episode_id"),
    ("assessments", "within_standard"): ("assessments", "completed"),
    ("assessments", "completed_flag"): ("assessments", "completed"),
    ("family_needs", "resolved_flag"): ("family_needs", "resolved"),
    ("family_needs", "sustained_flag"): ("family_needs", "sustained"),
    ("taf_reviews", "on_time"): ("taf_reviews", "held_date"),
    ("cla_episodes", "started_care"): ("cla_episodes", "reason_new_episode"),
}


def _all_unknown(values: pd.Series) -> bool:
    """Whether every value of a code column is ``unknown`` or missing (none was recorded)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        used = values.cat.categories[np.unique(values.cat.codes[values.cat.codes >= 0])]
        return len(used) > 0 and bool((used == codes.UNKNOWN).all())
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
        return False
    known = values.dropna()
    return len(known) > 0 and bool((known == codes.UNKNOWN).all())


class MissingData(LookupError):
    """A source table or column a measure needs is missing; ``what`` names it."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


@dataclass
class Source:
    """One row per event: ``frame`` holds dates (int64 days), flags and codes; ``dims`` the labels."""

    name: str
    frame: pd.DataFrame
    dims: Dict[str, pd.Categorical] = field(default_factory=dict)
    population: Optional[pd.Series] = None  # child population by locality name
    # staff and teams: a row with no start_date recorded is in post since before the data (a
    # condition still sees the date as missing: 'start_date == None' is true there)
    in_post_without_start: bool = False


def days(values: pd.Series) -> np.ndarray:
    """Dates -> int64 days since 1970-01-01 (missing -> NO_DAY)."""
    if not pd.api.types.is_datetime64_any_dtype(getattr(values, "dtype", None)):
        values = pd.to_datetime(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):   # the day on the council's clock, not in UTC
        values = values.dt.tz_localize(None)
    v = np.asarray(values.to_numpy()).astype("datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = NO_DAY
    return out


def _ids(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=object, na_value=None)


def _lookup(keys: pd.Series, table_keys: pd.Series, cache: Optional[Dict[tuple, object]] = None) -> np.ndarray:
    """Row positions of ``keys`` in ``table_keys`` (-1 where absent or missing; first of duplicates)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return positions([keys], table_keys, cache)[0]


def _take(values: np.ndarray, pos: np.ndarray, fill) -> np.ndarray:
    out = values[np.maximum(pos, 0)] if len(values) else np.full(len(pos), fill, dtype=object)
    if len(values):
        out = out.copy()
        out[pos < 0] = fill
    return out


def _labels(values, names: Optional[Dict] = None, order: Optional[List[str]] = None) -> pd.Categorical:
    """Labels from codes/names: missing -> 'not recorded'; categories in a stable order.

    Vectorised: the distinct values are named once and the rows take their codes.
    """
    codes_, uniq = pd.factorize(pd.Series(values), use_na_sentinel=True)
    named = [names.get(u, str(u)) if names is not None else str(u) for u in uniq]
    cats = [c for c in (order if order is not None else sorted(set(named))) if c != NOT_RECORDED]
    cats += sorted(set(named) - set(cats) - {NOT_RECORDED}) + [NOT_RECORDED]
    where = {c: i for i, c in enumerate(cats)}
    lookup = np.array([where[n] for n in named] + [len(cats) - 1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[np.where(codes_ < 0, len(named), codes_)], categories=cats)


def _eq(values: pd.Series, code: str) -> np.ndarray:
    """values == code as a plain bool array (missing is False); categoricals compare codes."""
    return np.asarray((values == code).to_numpy(dtype=bool, na_value=False), dtype=bool)


def _bool(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=bool, na_value=False) if len(values) else np.zeros(0, dtype=bool)


class Builder:
    """Builds sources from one Dataset on demand and keeps them for the call."""

    def __init__(self, ds: "Dataset", as_of: Optional[pd.Timestamp] = None) -> None:
        self.ds = ds
        self._cache: Dict[str, Source] = {}
        self._shared: Dict[str, object] = {}
        self.id_cache: Dict[tuple, object] = {}     # ids read as integers, for this call's look-ups
        self.assumed: Dict[str, str] = {}            # what a source took for missing values, said in the result
        self.unrecorded: Dict[str, int] = {}         # how many rows of each assumed (ASSUMED), for a published note
        self.no_rate: Dict[str, str] = {}            # why a measure's council rate per 10,000 has no value
        supplied = ds.meta.get("supplied_tables")
        self.supplied = set(supplied) if supplied is not None else None
        end = ds.meta.get("end_date")
        self.as_of = pd.Timestamp(as_of if as_of is not None else end) if (as_of is not None or end is not None) \
            else None

    def assume(self, key: str, rows: int) -> None:
        """Say that ``rows`` rows were taken as :data:`ASSUMED` says for ``key``.

        Parameters
        ----------
        key : str
            ``table.column``, a key of :data:`ASSUMED`.
        rows : int
            how many rows.
        """
        self.unrecorded[key] = int(rows)
        self.assumed[key] = assumed_note(key, f"{int(rows):,}")

    def release(self) -> None:
        """Forget the sources and look-ups built so far (their memory can go)."""
        self._cache.clear()
        self._shared.clear()
        self.id_cache.clear()

    def first_day(self, source: str, date: str) -> Optional[int]:
        """First day of the data, days since 1970: the window start, else the later of the first
        request received and the first episode started (episodes still open when the extract was
        taken started before it, so the earliest episode is not where the data begin), or the first
        date of the measure's own column where that is earlier (the statutory tables reach further
        back). A measure whose first event comes late, such as the first closure, still has data,
        and true zeros, before it."""
        start = self.ds.meta.get("window_start")
        if start is not None:
            return int(days(pd.Series([pd.Timestamp(start)]))[0])
        firsts = [d.min() for key, d in self._event_days().items() if key != ("episodes", "end_date") and len(d)]
        own = self._source_days(source, date)
        found = ([max(firsts)] if firsts else []) + ([own.min()] if len(own) else [])
        return int(min(found)) if found else None

    def last_day(self, source: str, date: str) -> Optional[int]:
        """Last day of the data, days since 1970: the window end, else the latest request or episode
        date (the measure's own column only without them: a review due next month is not data)."""
        end = self.ds.meta.get("end_date")
        if end is not None:
            return int(days(pd.Series([pd.Timestamp(end)]))[0])
        found = [d.max() for d in self._event_days().values() if len(d)]
        if not found:
            own = self._source_days(source, date)
            found = [own.max()] if len(own) else []
        return int(max(found)) if found else None

    def _source_days(self, source: str, date: str) -> np.ndarray:
        col = self.source(source).frame[date].to_numpy()
        return col[(col != NO_DAY) & (np.abs(col) < FAR_DAY // 2)]

    def _event_days(self) -> Dict[Tuple[str, str], np.ndarray]:
        """The known dates of requests received and episodes started and ended, by (table, column)."""
        def make():
            out = {}
            for table, columns in (("requests", ("received_date",)), ("episodes", ("start_date", "end_date"))):
                if table not in self.ds.tables or (self.supplied is not None and table not in self.supplied):
                    continue
                frame = self.ds[table]
                for column in columns:
                    if column in frame.columns and len(frame):
                        d = days(frame[column])
                        out[(table, column)] = d[d != NO_DAY]
            return out
        return self._memo("event_days", make)

    # -- availability ---------------------------------------------------------------
    def require(self, table: str, column: Optional[str] = None) -> None:
        if self.supplied is not None and table not in self.supplied:
            raise MissingData(table, "table not supplied")
        frame = self.ds[table]
        if len(frame) == 0:
            raise MissingData(table, "table has no rows")
        if column is not None and (column not in frame.columns or frame[column].isna().all()):
            raise MissingData(f"{table}.{column}", "column has no values")
        if column is not None and _all_unknown(frame[column]):
            # a code column left out of the extract loads as "unknown": a count by it would be 0, not a figure
            raise MissingData(f"{table}.{column}", f"column has no recorded values (all {codes.UNKNOWN!r})")

    def check(self, m: Measure, by: Tuple[str, ...]) -> None:
        """Raise MissingData when a table, column or flag the measure needs is missing."""
        for src in (m.source, m.denominator_source):
            if src is None:
                continue
            for table, column in REQUIRED[src]:
                self.require(table, column)
        for expr in (m.numerator, m.denominator):
            if expr and (m.source, expr) in FLAG_COLUMNS:
                self.require(*FLAG_COLUMNS[(m.source, expr)])

    def source(self, name: str) -> Source:
        if name not in self._cache:
            for table, column in REQUIRED[name]:
                self.require(table, column)
            self._cache[name] = BUILDERS[name](self)
        return self._cache[name]

    # -- shared pieces ------------------------------------------------------------------
    def _memo(self, key: str, make: Callable[[], object]):
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def locality_names(self) -> Tuple[pd.Series, np.ndarray]:
        """(locality ids, names) with duplicate names told apart by council, then by id: two
        localities of one name would otherwise be added into one row, and one named like the
        label of no locality into that row."""
        def make():
            from ..data.names import locality_names, name_of

            loc = self.ds.localities
            names = name_of(loc["locality_id"], locality_names(loc))
            ids = loc["locality_id"].astype(str)
            clash = (names.notna() & names.duplicated(keep=False) & ~ids.duplicated(keep=False)) | names.eq(NOT_RECORDED)
            names = names.where(~clash, names + " (" + ids + ")")
            return loc["locality_id"], names.to_numpy(dtype=object)
        return self._memo("locality_names", make)

    def locality_label(self, locality_ids: pd.Series) -> pd.Categorical:
        return self.locality_cat(self.locality_pos(locality_ids))

    def locality_pos(self, locality_ids: pd.Series) -> np.ndarray:
        return _lookup(locality_ids, self.ds.localities["locality_id"], self.id_cache)

    def family_locality_pos(self, table: str) -> np.ndarray:
        """Row of the locality of each row's family (rows of ``table``), -1 unknown."""
        per_family = self._memo("family_loc_pos", lambda: self.locality_pos(self.ds.families["locality_id"]))
        pos = self.ref_pos("families", table)
        return np.where(pos >= 0, per_family[np.maximum(pos, 0)] if len(per_family) else -1, -1)

    def own_or_family_locality(self, table: str) -> pd.Categorical:
        """Each row's own ``locality_id``, else its family's (episodes, family-voice answers)."""
        pos = self.locality_pos(self.ds[table]["locality_id"])
        if (pos < 0).any():
            pos = np.where(pos < 0, self.family_locality_pos(table), pos)
        return self.locality_cat(pos)

    def person_locality_pos(self, table: str) -> np.ndarray:
        """Row of the locality of each row's child's family (their first in family_members), -1 unknown."""
        def make():
            fm = self.ds.family_members
            fam_pos = _lookup(fm["family_id"], self.ds.families["family_id"], self.id_cache)
            per_family = self._memo("family_loc_pos", lambda: self.locality_pos(self.ds.families["locality_id"]))
            return np.where(fam_pos >= 0, per_family[np.maximum(fam_pos, 0)] if len(per_family) else -1, -1)
        loc = self._memo("member_loc_pos", make)
        pos = self._memo("statutory_member_pos", self._statutory_member_pos).get(table)
        if pos is None:
            pos = np.full(len(self.ds[table]), -1, dtype=np.int64)
        return np.where(pos >= 0, loc[np.maximum(pos, 0)] if len(loc) else -1, -1)

    def _statutory_member_pos(self) -> Dict[str, np.ndarray]:
        """Row in family_members of each statutory row's child (first row wins), -1 if none."""
        names = [t for t in ("cin_plans", "cp_plans", "cla_episodes")
                 if t in self.ds.tables and len(self.ds[t]) and "person_id" in self.ds[t].columns]
        found = positions([self.ds[t]["person_id"] for t in names], self.ds.family_members["person_id"],
                          self.id_cache)
        return dict(zip(names, found))

    def locality_cat(self, pos: np.ndarray) -> pd.Categorical:
        ids, names = self.locality_names()
        cats = list(dict.fromkeys(names.tolist())) + [NOT_RECORDED]
        where = {c: i for i, c in enumerate(cats)}
        code_of_row = np.array([where[n] for n in names] + [len(cats) - 1], dtype=np.int64)
        return pd.Categorical.from_codes(code_of_row[np.where(pos < 0, len(names), pos)], categories=cats)

    def family_locality(self, family_ids: pd.Series) -> pd.Series:
        fam = self.ds.families
        pos = _lookup(family_ids, fam["family_id"], self.id_cache)
        vals = _take(_ids(fam["locality_id"]), pos, None)
        return pd.Series(vals, dtype=object)

    def based_in(self, table: str, key: str, ids: pd.Series) -> pd.Series:
        """The ``locality_id`` of the ``table`` row (agency or practitioner) each id names; missing
        where the id, its row or the table's locality_id is (the first row of a repeated id)."""
        frame = self.ds[table]
        if "locality_id" not in frame.columns or not len(frame):
            return pd.Series([pd.NA] * len(ids), dtype="string")
        pos = _lookup(ids, frame[key], self.id_cache)
        return pd.Series(_take(_ids(frame["locality_id"].astype("string")), pos, None), dtype="string")

    def population(self) -> pd.Series:
        ids, names = self.locality_names()
        pop = pd.to_numeric(self.ds.localities["child_population"], errors="coerce")
        return pd.Series(pop.to_numpy(dtype=float, na_value=np.nan), index=names).groupby(level=0).sum(min_count=1)

    def episode_lead_types(self) -> pd.Categorical:
        """The lead agency type of every episode (looked up once per call of compute)."""
        return self._memo("episode_lead_types", lambda: self.agency_types(self.ds.episodes["lead_agency_id"]))

    def agency_types(self, agency_ids: pd.Series) -> pd.Categorical:
        """Agency type of each id (a Categorical; missing where the id is missing or unknown)."""
        ag = self.ds.agencies
        types = pd.Categorical(ag["agency_type"])
        pos = _lookup(agency_ids, ag["agency_id"])
        taken = np.where(pos >= 0, np.asarray(types.codes)[np.maximum(pos, 0)] if len(types) else -1, -1)
        return pd.Categorical.from_codes(taken, dtype=types.dtype)

    def episode_index(self, episode_ids: pd.Series) -> np.ndarray:
        return _lookup(episode_ids, self.ds.episodes["episode_id"], self.id_cache)

    _REFS = {"episodes": ("episode_id", ("assessments", "family_needs", "plans", "taf_reviews", "service_referrals")),
             "families": ("family_id", ("requests", "episodes", "service_referrals", "family_voice"))}

    def ref_pos(self, domain: str, table: str) -> np.ndarray:
        """Row in ``domain`` (episodes or families) of each row of ``table``, -1 if none.

        All tables that refer to the domain are looked up in one pass (``_ids.positions``).
        """
        def make():
            key, refs = self._REFS[domain]
            names = [t for t in refs if key in self.ds[t].columns and len(self.ds[t])]
            found = positions([self.ds[t][key] for t in names], self.ds[domain][key], self.id_cache)
            return dict(zip(names, found))
        got = self._memo(f"ref_pos:{domain}", make)
        return got.get(table, np.full(len(self.ds[table]), -1, dtype=np.int64))

    def index_child(self) -> Tuple[pd.Series, pd.Series]:
        """(family ids, person id of the family's first child member): stands for the family in age/sex."""
        def make():
            fm = self.ds.family_members
            kids = fm[(fm["role"] == "child").to_numpy(dtype=bool, na_value=False)]
            first = kids.drop_duplicates("family_id")
            return first["family_id"], first["person_id"]
        return self._memo("index_child", make)

    def person_dims(self, person_ids: np.ndarray, on_day: np.ndarray) -> Dict[str, pd.Categorical]:
        per = self.ds.persons
        pos = _lookup(pd.Series(person_ids, dtype="string"), per["person_id"], self.id_cache)
        birth = _take(days(per["birth_date"]), pos, NO_DAY).astype(np.int64)
        ok = (birth != NO_DAY) & (on_day != NO_DAY) & (pos >= 0)
        age = np.where(ok, completed_years(np.where(ok, birth, 0), np.where(ok, on_day, 0)), np.nan)
        band = np.full(len(age), None, dtype=object)
        valid = ok & (age >= 0)
        idx = np.searchsorted(AGE_EDGES, np.where(valid, age, 0), side="right") - 1
        band[valid] = np.array(AGE_BANDS, dtype=object)[idx[valid]]
        sex = _take(_ids(per["sex"].astype(object)), pos, None)
        eth = _take(_ids(per["ethnicity"].astype(object)), pos, None)
        eth_names = {c: ETHNIC_GROUPS.get(c[0], c) for c in codes.ETHNICITY}
        return {"age_band": _labels(band, order=list(AGE_BANDS)),
                "sex": _labels(sex, SEX_NAMES, order=["Female", "Male", "Unknown or indeterminate"]),
                "ethnicity": _labels(eth, eth_names, order=list(dict.fromkeys(ETHNIC_GROUPS.values())))}

    def child_of(self, person_ids: pd.Series, family_ids: pd.Series) -> np.ndarray:
        """The row's child, or the family's index child when the row names none."""
        person = _ids(person_ids) if person_ids is not None else np.full(len(family_ids), None, dtype=object)
        if pd.isna(pd.Series(person, dtype=object)).any():
            fams, kids = self.index_child()
            pos = _lookup(family_ids, fams, self.id_cache)
            fill = _take(_ids(kids), pos, None)
            person = np.where(pd.isna(pd.Series(person, dtype=object)).to_numpy(), fill, person)
        return person

    def episode_dims(self, ep_pos: np.ndarray) -> Dict[str, object]:
        """Lazy dimensions of rows that belong to an episode (by row position in episodes)."""
        base = self.source("episodes")
        out: Dict[str, object] = {}
        for dim, cat in base.dims.items():
            if callable(cat):
                out[dim] = (lambda c=cat: _sub(c(), ep_pos))
            else:
                out[dim] = _sub(cat, ep_pos)
        return out


def _sub(cat: pd.Categorical, pos: np.ndarray) -> pd.Categorical:
    codes_ = np.asarray(cat.codes)
    nr = list(cat.categories).index(NOT_RECORDED)
    taken = np.where(pos >= 0, codes_[np.maximum(pos, 0)] if len(codes_) else nr, nr)
    return pd.Categorical.from_codes(taken, dtype=cat.dtype)


def _family_keys(frame: pd.DataFrame):
    """The family of each row as Arrow strings; a row with no family is its person ("person:<id>")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "family_id" in frame.columns:
        fam = arrow_strings(frame["family_id"])
    else:
        fam = pa.nulls(len(frame), pa.large_string())
    if isinstance(fam, pa.ChunkedArray):
        fam = fam.combine_chunks()
    fam = fam.cast(pa.large_string())
    if fam.null_count and "person_id" in frame.columns:
        person = arrow_strings(frame["person_id"])
        person = (person.combine_chunks() if isinstance(person, pa.ChunkedArray) else person).cast(pa.large_string())
        text = pa.large_string()  # the separator too: Arrow joins only strings of one type
        fam = pc.coalesce(fam, pc.binary_join_element_wise(pa.scalar("person:", text), person, pa.scalar("", text)))
    return fam


def _family_codes(*frames: pd.DataFrame):
    """One integer per family shared across frames (-1 for none), by Arrow dictionary encoding."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.concat_arrays([_family_keys(f) for f in frames])     # one dictionary for all frames
    enc = pc.dictionary_encode(keys)
    whole = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    out, at = [], 0
    for f in frames:
        out.append(whole[at:at + len(f)])
        at += len(f)
    return out


def _requests(b: Builder) -> Source:
    rq = b.ds.requests
    n = len(rq)
    d = days(rq["received_date"])
    # codes stay categorical (compared by code, not as Python strings)
    source, route, decision = rq["source"], rq["route"], rq["decision"]
    children = pd.to_numeric(rq["children"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    unrecorded = int(np.isnan(children).sum())
    if unrecorded:
        b.assume("requests.children", unrecorded)
    children = np.where(np.isnan(children), 1.0, children)
    # family integer codes shared by requests and episodes
    ep = b.ds.episodes
    fr, fe = b.ref_pos("families", "requests"), b.ref_pos("families", "episodes")
    if (fr < 0).any() or (fe < 0).any():   # rows without a known family: key them by family or person
        fr, fe = _family_codes(rq, ep)
    # DfE rule: another request of the family in the 365 days before. A family's requests on one
    # day (siblings' contacts, one row per child) are one family request: the earlier request
    # must be on an earlier day, so each of them is a repeat only when the family had one before
    order = np.lexsort((d, fr))
    fs, ds_ = fr[order], d[order]
    new_day = np.r_[True, (fs[1:] != fs[:-1]) | (ds_[1:] != ds_[:-1])]
    day_start = np.maximum.accumulate(np.where(new_day, np.arange(n), 0)) if n else np.zeros(0, dtype=np.int64)
    before = np.maximum(day_start - 1, 0)    # the last row of the family's previous day
    prev_same = (day_start > 0) & (fs[before] == fs) & (fs >= 0)
    gap = np.where(prev_same, ds_ - ds_[before], FAR_DAY)
    repeat = np.zeros(n, dtype=bool)
    repeat[order] = prev_same & (gap <= 365) & (ds_ != NO_DAY) & (ds_[before] != NO_DAY)
    # re-referral: within 365 days after the family's last closed episode, none open on the day
    s_e, e_e = days(ep["start_date"]), days(ep["end_date"])
    shift = np.int64(1) << 21
    closed = (e_e != NO_DAY) & (fe >= 0)
    end_key = fe[closed] * (shift * 2) + (e_e[closed] + shift)
    ord_e = np.argsort(end_key, kind="stable")
    end_key_s = end_key[ord_e]
    ep_closed_idx = np.flatnonzero(closed)[ord_e]
    req_key = fr * (shift * 2) + (d + shift)
    k = np.searchsorted(end_key_s, req_key, side="left") - 1
    has_prev = (k >= 0) & (fr >= 0) & (d != NO_DAY)
    prev_ep = np.full(n, -1, dtype=np.int64)
    since = np.full(n, FAR_DAY, dtype=np.int64)
    if len(ep_closed_idx):   # no episode closed yet (or no episodes supplied): no request follows one
        prev_ep = np.where(has_prev, ep_closed_idx[np.maximum(k, 0)], -1)
        has_prev &= (prev_ep >= 0) & (fe[np.maximum(prev_ep, 0)] == fr)
        prev_ep = np.where(has_prev, prev_ep, -1)
        since = np.where(has_prev, d - e_e[np.maximum(prev_ep, 0)], FAR_DAY)
    started = (s_e != NO_DAY) & (fe >= 0)
    start_key = np.sort(fe[started] * (shift * 2) + (s_e[started] + shift))
    family_floor = fr * (shift * 2)
    n_started = np.searchsorted(start_key, req_key, "left") - np.searchsorted(start_key, family_floor, "left")
    n_ended = np.searchsorted(end_key_s, req_key, "left") - np.searchsorted(end_key_s, family_floor, "left")
    open_now = (n_started - n_ended) > 0
    rereferral = has_prev & (since <= 365) & ~open_now
    frame = pd.DataFrame({
        "received_date": d, "children": children, "source": source.array, "route": route.array,
        "decision": decision.array,
        "converted": _eq(decision, "early_help"), "decided": decision.notna().to_numpy(),
        "from_partner": source.isin(PARTNER_SOURCES).to_numpy(dtype=bool),
        "mash_diversion": _eq(route, "mash_diversion"), "step_down_route": _eq(route, "step_down"),
        "repeat_request_12m": repeat, "rereferral_12m": rereferral,
        "days_since_episode": np.where(has_prev, since, np.nan),
    }, copy=False)
    prev_type = b.episode_lead_types()
    none = len(prev_type.categories)
    prev_codes = np.asarray(prev_type.codes)
    lead = pd.Categorical.from_codes(
        np.where(prev_ep >= 0, prev_codes[np.maximum(prev_ep, 0)] if len(prev_codes) else -1, none),
        categories=list(prev_type.categories) + ["none"])
    names = dict(AGENCY_TYPE_NAMES, none="No previous episode")
    src_names = {k: f"{v} ({k})" for k, v in codes.REFERRAL_SOURCE.items()}
    dims: Dict[str, object] = {
        "locality": lambda: b.locality_cat(b.family_locality_pos("requests")),
        "lead_agency_type": lambda: _labels(lead, names),
        "request_source": lambda: _labels(source, src_names,
                                          order=[src_names[k] for k in codes.REFERRAL_SOURCE]),
        "route": lambda: _labels(route, ROUTE_NAMES, order=list(ROUTE_NAMES.values())),
    }
    _person_dims(b, dims, rq.get("person_id"), rq["family_id"], d)
    return Source("requests", frame, dims)


def _person_dims(b: Builder, dims: Dict[str, object], person_ids, family_ids, on_day: np.ndarray) -> None:
    cache: Dict[str, Dict[str, pd.Categorical]] = {}

    def get(dim: str) -> pd.Categorical:
        if "all" not in cache:
            cache["all"] = b.person_dims(b.child_of(person_ids, family_ids), on_day)
        return cache["all"][dim]

    for dim in ("age_band", "sex", "ethnicity"):
        dims[dim] = (lambda d_=dim: get(d_))


def _episodes(b: Builder) -> Source:
    ep = b.ds.episodes
    n = len(ep)
    s, e = days(ep["start_date"]), days(ep["end_date"])
    closed = e != NO_DAY
    dur = np.where(closed & (s != NO_DAY), e - s, -1)
    reason = ep["end_reason"]
    level = pd.to_numeric(ep["level"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lead_type = b.episode_lead_types()
    lead_known = np.asarray(lead_type.codes) >= 0
    council = pd.Series(lead_type).isin(codes.COUNCIL_AGENCY_TYPES).to_numpy() & lead_known
    ass = b.ds.assessments
    has_ass = np.zeros(n, dtype=bool)
    if len(ass):
        pos = b.ref_pos("episodes", "assessments")
        has_ass[pos[pos >= 0]] = True
    needs = b.ds.family_needs
    n_needs = np.zeros(n, dtype=np.int64)
    if len(needs):
        pos = b.ref_pos("episodes", "family_needs")
        n_needs = np.bincount(pos[pos >= 0], minlength=n)
    frame = pd.DataFrame({
        "start_date": s, "end_date": e, "duration_days": np.where(dur >= 0, dur, np.nan).astype(float),
        "closed": closed,
        "within_16_weeks": closed & (dur >= 0) & (dur <= SIXTEEN_WEEKS_DAYS),
        "over_20_weeks": closed & (dur > TWENTY_WEEKS_DAYS),
        "end_reason": reason.array,
        "outcomes_met": closed & _eq(reason, "outcomes_met"),
        "step_up": closed & _eq(reason, "step_up"),
        "from_step_down": _eq(ep["origin"], "step_down"),
        "level": level, "level_recorded": ~np.isnan(level),
        "level_2": level == 2, "level_3": level == 3, "level_4": level == 4,
        "lead_recorded": lead_known, "partner_led": lead_known & ~council, "council_led": council,
        "school_led": np.asarray(lead_type == "school"),
        "early_help_led": np.asarray(lead_type == "la_early_help"),
        "has_lead_practitioner": ep["lead_practitioner_id"].notna().to_numpy(),
        "early_help_practitioner_led": np.asarray(lead_type == "la_early_help")
        & ep["lead_practitioner_id"].notna().to_numpy(),
        "has_assessment": has_ass, "n_needs": n_needs, "three_plus_needs": n_needs >= 3,
    }, copy=False)
    dims: Dict[str, object] = {
        "locality": lambda: b.own_or_family_locality("episodes"),
        "lead_agency_type": lambda: _labels(lead_type, AGENCY_TYPE_NAMES,
                                            order=[AGENCY_TYPE_NAMES[t] for t in codes.AGENCY_TYPE]),
        "level": lambda: _labels(np.where(np.isnan(level), None, level).astype(object), LEVEL_LABELS,
                                 order=list(LEVEL_LABELS.values())),
        # a caseload's episodes counted where its teams or staff are (Measure.locality_of)
        "locality@lead_team": lambda: b.locality_label(b.based_in("agencies", "agency_id", ep["lead_agency_id"])),
        "locality@lead_practitioner": lambda: b.locality_label(
            b.based_in("practitioners", "practitioner_id", ep["lead_practitioner_id"])),
    }
    _person_dims(b, dims, ep["person_id"], ep["family_id"], s)
    return Source("episodes", frame, dims)


def _child_rows(b: Builder, name: str, frame: pd.DataFrame) -> Source:
    pos = b.ref_pos("episodes", name)
    return Source(name, frame, b.episode_dims(pos))


def _assessments(b: Builder) -> Source:
    a = b.ds.assessments
    st, co = days(a["started"]), days(a["completed"])
    done = co != NO_DAY
    frame = pd.DataFrame({"started": st, "completed": co, "completed_flag": done,
                          "days_to_complete": np.where(done, co - st, np.nan).astype(float),
                          "within_standard": done & (co - st <= ASSESSMENT_DAYS) & (co >= st)}, copy=False)
    return _child_rows(b, "assessments", frame)


def _family_needs(b: Builder) -> Source:
    fn = b.ds.family_needs
    pos = b.ref_pos("episodes", "family_needs")
    ep_end = _take(days(b.ds.episodes["end_date"]), pos, NO_DAY).astype(np.int64)
    resolved = _bool(fn["resolved"])
    sustained = _bool(fn["sustained"]) & resolved
    frame = pd.DataFrame({"identified_date": days(fn["identified_date"]), "episode_end": ep_end,
                          "episode_closed": ep_end != NO_DAY, "need": fn["need"].array,
                          "resolved_flag": resolved, "sustained_flag": sustained}, copy=False)
    return Source("family_needs", frame, b.episode_dims(pos))


def _plans(b: Builder) -> Source:
    p = b.ds.plans
    pos = b.ref_pos("episodes", "plans")
    ep_start = _take(days(b.ds.episodes["start_date"]), pos, NO_DAY).astype(np.int64)
    agreed = days(p["agreed_date"])
    lag = np.where((ep_start != NO_DAY) & (agreed != NO_DAY), agreed - ep_start, np.nan).astype(float)
    early = lag < 0
    if early.any():   # a recording error (the plan's or the episode's date): not a timely plan, and said
        b.assume("plans.agreed_date", int(early.sum()))
    frame = pd.DataFrame({"agreed_date": agreed, "end_date": days(p["end_date"]), "days_from_start": lag,
                          "within_standard": (lag >= 0) & (lag <= PLAN_DAYS)}, copy=False)
    return Source("plans", frame, b.episode_dims(pos))


_EVENT_WORDS = {("requests", "received_date"): "requests received", ("episodes", "start_date"): "episodes started",
                ("episodes", "end_date"): "episodes ended"}


def _taf_reviews(b: Builder) -> Source:
    r = b.ds.taf_reviews
    due, held = days(r["due_date"]), days(r["held_date"])
    if b.as_of is not None:
        as_of = int(days(pd.Series([b.as_of]))[0])
    else:
        # no extract date: the day the extract was taken, from the events the measure's tables
        # record as happened (requests received, episodes started and ended, reviews held; never a
        # review's due date, which is scheduled, nor another table's dates), said in the result
        events = {_EVENT_WORDS[key]: d for key, d in b._event_days().items()}
        events["reviews held"] = held[held != NO_DAY]
        end, left_out = happened_end(events, today_day())
        as_of = end if end is not None else NO_DAY
        later = int(((due != NO_DAY) & (due > as_of)).sum())
        if left_out:
            warnings.warn(f"taf_reviews: the extract's date is not known and the latest events were left out in "
                          f"taking it ({'; '.join(left_out)}), as recording errors; pass ds.meta['end_date'] "
                          "(or correct the dates)", StrayDatesWarning, stacklevel=6)
        if later or left_out:
            when = (f"after {np.datetime64(end, 'D')}, the latest date a request, episode or held review records "
                    "(the extract's date is not known),") if end is not None else \
                "while the data record no event (the extract's date is not known),"
            also = f"; left out in taking that date as recording errors: {'; '.join(left_out)}" if left_out else ""
            # the detail for the caller; a published pack shows the ASSUMED note with the count
            # passed through the small-count rule (report.pack._assumed_shown)
            b.assume("taf_reviews.due_date", later)
            b.assumed["taf_reviews.due_date"] = f"{later:,} reviews due {when} are taken as not yet due{also}"
    is_due = (due != NO_DAY) & (due <= as_of)
    frame = pd.DataFrame({"due_date": due, "held_date": held, "due": is_due, "held": held != NO_DAY,
                          "on_time": is_due & (held != NO_DAY) & (held <= due)}, copy=False)
    return _child_rows(b, "taf_reviews", frame)


def _service_referrals(b: Builder) -> Source:
    sr = b.ds.service_referrals
    d = days(sr["referral_date"])
    service = sr["service"]
    pos = b.ref_pos("episodes", "service_referrals")
    frame = pd.DataFrame({"referral_date": d, "service": service.array, "outcome": sr["outcome"].array,
                          "accepted": _eq(sr["outcome"], "accepted")}, copy=False)
    dims: Dict[str, object] = {
        "locality": lambda: b.locality_cat(b.family_locality_pos("service_referrals")),
        "service": lambda: _labels(service, codes.SERVICE, order=list(codes.SERVICE.values())),
    }
    ep_dims = b.episode_dims(pos)
    for dim in ("lead_agency_type", "level"):
        dims[dim] = ep_dims[dim]
    _person_dims(b, dims, sr["person_id"], sr["family_id"], d)
    return Source("service_referrals", frame, dims)


def _family_voice(b: Builder) -> Source:
    fv = b.ds.family_voice
    answer = pd.to_numeric(fv["answer"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    question = fv["question"]
    frame = pd.DataFrame({"response_date": days(fv["response_date"]), "question": question.array,
                          "answer": answer, "positive": answer >= codes.VOICE_POSITIVE_FROM}, copy=False)
    dims: Dict[str, object] = {
        "locality": lambda: b.own_or_family_locality("family_voice"),
        "question": lambda: _labels(question, codes.VOICE_QUESTION,
                                    order=list(codes.VOICE_QUESTION.values())),
    }
    return Source("family_voice", frame, dims)


def _practitioners(b: Builder) -> Source:
    p = b.ds.practitioners
    start = days(p["start_date"])
    fte = pd.to_numeric(p["fte"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    unrecorded = int(np.isnan(fte).sum())
    if unrecorded:
        b.assume("practitioners.fte", unrecorded)
    fte = np.nan_to_num(fte, nan=0.0)
    # the council's Early Help staff: partner agencies' practitioners (a school's teachers) are in
    # post in the table but give Early Help a small part of their time
    early_help = np.asarray(b.agency_types(p["agency_id"]) == "la_early_help")
    if len(p) and not early_help.any():
        raise MissingData("agencies.agency_type", "no practitioner of an agency of type la_early_help "
                                                  "(the council's Early Help service)")
    frame = pd.DataFrame({"start_date": start, "end_date": days(p["end_date"]),
                          "fte": fte, "early_help_fte": np.where(early_help, fte, 0.0),
                          "all": np.ones(len(p), dtype=bool)}, copy=False)
    loc = p["locality_id"].astype("string")
    return Source("practitioners", frame, {"locality": lambda: b.locality_label(loc)}, in_post_without_start=True)


def _teams(b: Builder) -> Source:
    ag = b.ds.agencies
    teams = ag[(ag["agency_type"] == "la_early_help").to_numpy(dtype=bool, na_value=False)]
    if teams.empty:
        raise MissingData("agencies.agency_type", "no agency of type la_early_help (council team)")
    n = len(teams)
    # the agencies table records no dates: every team is in post from before the data, with its
    # start and end dates missing to a condition
    frame = pd.DataFrame({"start_date": np.full(n, NO_DAY), "end_date": np.full(n, NO_DAY),
                          "one": np.ones(n)}, copy=False)
    loc = teams["locality_id"].astype("string") if "locality_id" in teams.columns else pd.Series([pd.NA] * n)
    return Source("teams", frame, {"locality": lambda: b.locality_label(loc)}, in_post_without_start=True)


def _id_codes(ids: pd.Series) -> np.ndarray:
    """One small integer per distinct id (-1 where missing): fixed-width ids' digits, else factorized."""
    got = int_ids([arrow_strings(ids)]) if len(ids) else None
    if got is None:
        return np.asarray(pd.factorize(ids, use_na_sentinel=True)[0], dtype=np.int64)
    codes_ = got[0]
    if len(codes_) and codes_.max() >= 2 ** 31:     # keep keys built from them (code x 2^22) in int64
        known = codes_ >= 0
        codes_ = np.where(known, np.unique(codes_, return_inverse=True)[1].reshape(-1), -1)
    return codes_


def _spells(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per row: (first row of a child's spell, the spell's end) for overlapping or back-to-back spans.

    Rows of one person whose spans overlap or touch (one ends the day the next starts) form one
    spell; its first row carries the spell's end (NO_DAY while open), so a stock of first rows
    counts children, not plans or episodes.
    """
    n = len(person)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    open_end = np.where(end == NO_DAY, FAR_DAY, end)
    order = np.lexsort((start, person))
    p, s_, e = person[order], start[order], open_end[order]
    new_person = np.r_[True, p[1:] != p[:-1]]
    # running latest end within the person, up to the row before
    run = pd.Series(e).groupby(np.cumsum(new_person)).cummax().to_numpy()
    prev_end = np.r_[NO_DAY, run[:-1]]
    first = new_person | (s_ > prev_end) | (p < 0)
    spell = np.cumsum(first) - 1
    spell_end = np.maximum.reduceat(e, np.flatnonzero(first)) if first.any() else e
    out_first = np.zeros(n, dtype=bool)
    out_first[order] = first
    out_end = np.full(n, NO_DAY, dtype=np.int64)
    ends = spell_end[spell]
    out_end[order] = np.where(first, np.where(ends >= FAR_DAY, NO_DAY, ends), NO_DAY)
    return out_first, out_end


def _statutory(b: Builder, name: str, extra: Callable[[pd.DataFrame, np.ndarray, Dict[str, np.ndarray]], None]
               ) -> Source:
    """A statutory table (one row per plan or episode of a child): dates, spells, the child's dimensions."""
    t = b.ds[name]
    s, e = days(t["start_date"]), days(t["end_date"]) if "end_date" in t.columns else np.full(len(t), NO_DAY)
    person = _id_codes(t["person_id"])
    first, spell_end = _spells(person, s, e)
    cols: Dict[str, np.ndarray] = {"start_date": s, "end_date": e, "spell_start": first & (s != NO_DAY),
                                   "spell_end": spell_end, "all": np.ones(len(t), dtype=bool)}
    extra(t, person, cols)
    dims: Dict[str, object] = {"locality": lambda: b.locality_cat(b.person_locality_pos(name))}
    _person_dims(b, dims, t["person_id"], pd.Series([None] * len(t), dtype=object), s)
    return Source(name, pd.DataFrame(cols, copy=False), dims)


def _cin_plans(b: Builder) -> Source:
    return _statutory(b, "cin_plans", lambda t, person, cols: None)


def _cp_plans(b: Builder) -> Source:
    def repeat(t: pd.DataFrame, person: np.ndarray, cols: Dict[str, np.ndarray]) -> None:
        # the child's latest plan that ended on or before this one started (DfE: within two years)
        s, e = cols["start_date"], cols["end_date"]
        shift = np.int64(1) << 21
        ended = (e != NO_DAY) & (person >= 0)
        raw = person[ended] * (shift * 2) + (e[ended] + shift)
        order = np.argsort(raw, kind="stable")
        end_key, end_row = raw[order], np.flatnonzero(ended)[order]
        key = person * (shift * 2) + (s + shift)
        k = np.searchsorted(end_key, key, side="right") - 1
        # a plan that ends the day it starts is not its own previous plan
        self_hit = (k >= 0) & (end_row[np.maximum(k, 0)] == np.arange(len(s))) if len(end_row) else k < -1
        k = np.where(self_hit, k - 1, k)
        prev = end_key[np.maximum(k, 0)] if len(end_key) else np.zeros(len(s), dtype=np.int64)
        has = (k >= 0) & (person >= 0) & (s != NO_DAY) & (prev // (shift * 2) == person)
        since = np.where(has, s - (prev % (shift * 2) - shift), FAR_DAY)
        cols["days_since_previous"] = np.where(has, since, np.nan).astype(float)
        cols["repeat_within_2y"] = has & (since <= REPEAT_CP_PLAN_DAYS)
    return _statutory(b, "cp_plans", repeat)


def _cla_episodes(b: Builder) -> Source:
    def started(t: pd.DataFrame, person: np.ndarray, cols: Dict[str, np.ndarray]) -> None:
        rne = t["reason_new_episode"] if "reason_new_episode" in t.columns else pd.Series([None] * len(t))
        cols["started_care"] = _eq(rne, "S")
    return _statutory(b, "cla_episodes", started)


BUILDERS: Dict[str, Callable[[Builder], Source]] = {
    "requests": _requests, "episodes": _episodes, "assessments": _assessments, "family_needs": _family_needs,
    "plans": _plans, "taf_reviews": _taf_reviews, "service_referrals": _service_referrals,
    "family_voice": _family_voice, "practitioners": _practitioners, "teams": _teams,
    "cin_plans": _cin_plans, "cp_plans": _cp_plans, "cla_episodes": _cla_episodes,
}
SOURCE_DIMENSIONS: Dict[str, Tuple[str, ...]] = {
    "requests": ("locality", "lead_agency_type", "age_band", "sex", "ethnicity", "request_source", "route"),
    "episodes": ("locality", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "assessments": ("locality", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "family_needs": ("locality", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "plans": ("locality", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "taf_reviews": ("locality", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "service_referrals": ("locality", "service", "lead_agency_type", "level", "age_band", "sex", "ethnicity"),
    "family_voice": ("locality", "question"),
    "practitioners": ("locality",),
    "teams": ("locality",),
    "cin_plans": ("locality", "age_band", "sex", "ethnicity"),
    "cp_plans": ("locality", "age_band", "sex", "ethnicity"),
    "cla_episodes": ("locality", "age_band", "sex", "ethnicity"),
}


# The columns of each source (as built below), which a measure's spec may name.
SOURCE_COLUMNS: Dict[str, Tuple[str, ...]] = {s: tuple(c.split()) for s, c in {
    "requests": "received_date children source route decision converted decided from_partner mash_diversion "
                "step_down_route repeat_request_12m rereferral_12m days_since_episode",
    "episodes": "start_date end_date duration_days closed within_16_weeks over_20_weeks end_reason outcomes_met "
                "step_up from_step_down level level_recorded level_2 level_3 level_4 lead_recorded partner_led "
                "council_led school_led early_help_led has_lead_practitioner early_help_practitioner_led has_assessment "
                "n_needs three_plus_needs",
    "assessments": "started completed completed_flag days_to_complete within_standard",
    "family_needs": "identified_date episode_end episode_closed need resolved_flag sustained_flag",
    "plans": "agreed_date end_date days_from_start within_standard",
    "taf_reviews": "due_date held_date due held on_time",
    "service_referrals": "referral_date service outcome accepted",
    "family_voice": "response_date question answer positive",
    "practitioners": "start_date end_date fte early_help_fte all", "teams": "start_date end_date one",
    "cin_plans": "start_date end_date spell_start spell_end all",
    "cp_plans": "start_date end_date spell_start spell_end all days_since_previous repeat_within_2y",
    "cla_episodes": "start_date end_date spell_start spell_end all started_care",
}.items()}
# The date columns of each source (days since 1970): what a measure's ``date`` and ``end`` may name.
DATE_COLUMNS: Dict[str, Tuple[str, ...]] = {
    "requests": ("received_date",), "episodes": ("start_date", "end_date"), "assessments": ("started", "completed"),
    "family_needs": ("identified_date", "episode_end"), "plans": ("agreed_date", "end_date"),
    "taf_reviews": ("due_date", "held_date"), "service_referrals": ("referral_date",),
    "family_voice": ("response_date",), "practitioners": ("start_date", "end_date"),
    "teams": ("start_date", "end_date"), "cin_plans": ("start_date", "end_date", "spell_end"),
    "cp_plans": ("start_date", "end_date", "spell_end"), "cla_episodes": ("start_date", "end_date", "spell_end"),
}


def check_measure(m: Measure) -> None:
    """Raise ValidationError when a measure names a source, or a column of its source, that does not exist.

    The columns of a source are fixed (:data:`SOURCE_COLUMNS`), so a misspelt ``date``, ``end``,
    ``weight``, ``denominator_weight`` or a column in a condition is refused when the measure is
    registered or computed, not found later as a failure of every measure.

    Parameters
    ----------
    m : Measure
        the measure to check.

    Raises
    ------
    ValidationError
        naming the measure, the field, the source and the column.
    """
    problems = []
    where = f"measure {m.id}"
    for name, src in (("source", m.source), ("denominator_source", m.denominator_source)):
        if src is not None and src not in BUILDERS:
            problems.append(Problem(where, name, f"unknown source {src!r}; sources: {', '.join(BUILDERS)}"))
    in_post = [s for s, d in DATE_COLUMNS.items() if "start_date" in d and "end_date" in d]
    if m.denominator_source in BUILDERS and m.denominator_source not in in_post:
        # a ratio's denominator is what is in post at the period end: from start_date to end_date
        problems.append(Problem(where, "denominator_source", f"source {m.denominator_source} has no start_date and "
                                "end_date, so what is in post at a period end cannot be counted; sources with them: "
                                f"{', '.join(in_post)}", value=m.denominator_source))
    if m.locality_of != "family" and m.source != "episodes":
        problems.append(Problem(where, "locality_of", f"{m.locality_of!r} needs source episodes (its lead agency "
                                f"and practitioner), not {m.source}", value=m.locality_of))
    if problems:
        raise ValidationError(problems)
    fields = [("date", m.date, m.source, DATE_COLUMNS), ("end", m.end, m.source, DATE_COLUMNS),
              ("weight", m.weight, m.source, SOURCE_COLUMNS),
              ("denominator_weight", m.denominator_weight, m.denominator_source, SOURCE_COLUMNS)]
    fields += [(name, col, m.source, SOURCE_COLUMNS) for name in ("numerator", "denominator")
               for col in columns_used(getattr(m, name))]
    for name, column, src, allowed in fields:
        if column is None or src is None or column in allowed[src]:
            continue
        said = f"{getattr(m, name)!r} names {column!r}, which" if name in ("numerator", "denominator") \
            else f"{column!r}"
        if column in SOURCE_COLUMNS[src]:   # a column, but not a date
            message = f"{said} is not a date of source {src}; its dates: {', '.join(DATE_COLUMNS[src])}"
        else:
            what = "dates" if allowed is DATE_COLUMNS else "columns"
            message = f"{said} is not a column of source {src}; its {what}: {', '.join(allowed[src])}"
        problems.append(Problem(where, name, message))
    if problems:
        raise ValidationError(problems)


def describe() -> pd.DataFrame:
    """The sources a measure can use: their tables, dimensions and columns (for custom measures).

    Returns
    -------
    DataFrame
    """
    return pd.DataFrame([dict(source=s, tables=", ".join(SOURCE_TABLES[s]), dimensions=", ".join(SOURCE_DIMENSIONS[s]),
                              columns=", ".join(SOURCE_COLUMNS[s])) for s in BUILDERS])
