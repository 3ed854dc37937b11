"""The catalogue of named indicators: what each measure counts, over what, and why.

A :class:`Measure` is declarative: a *source* (one row per event, built in
``sources.py`` from the Dataset), the *date* column that puts a row in a period, a
*numerator* and a *denominator* (each the name of a true/false column of the source,
``"all"`` for every row, or a pandas expression over the source's columns), and a
*kind*:

``count``       rows (or the sum of ``weight``) whose date falls in the period
``proportion``  numerator rows / denominator rows dated in the period (0-1, Wilson interval)
``stock``       rows open at the end of the period (``date`` = start, ``end`` = end column)
``ratio``       a stock divided by the stock of ``denominator_source`` (e.g. caseload per FTE)

Users add their own with :func:`measure_from_spec` (a dict or a TOML table).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pandas as pd

KINDS = ("count", "proportion", "stock", "ratio")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neither")
THEMES = ("front_door", "episodes_timeliness", "outcomes", "partnership", "localities")

SIXTEEN_WEEKS_DAYS = 112
TWENTY_WEEKS_DAYS = 140
ASSESSMENT_DAYS = 45   # a common local standard for completing an Early Help Assessment
PLAN_DAYS = 28         # plan agreed within four weeks of the episode starting
REVIEW_GRACE_DAYS = 0  # a review is on time when held on or before its due date

DFE_REREFERRAL = ("DfE Characteristics of children in need: re-referral = a referral within 12 months "
                  "of a previous referral")
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

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"measure {self.id!r}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"measure {self.id!r}: direction must be one of {', '.join(DIRECTIONS)}, "
                             f"not {self.direction!r}")
        if self.theme not in THEMES:
            raise ValueError(f"measure {self.id!r}: theme must be one of {', '.join(THEMES)}, not {self.theme!r}")
        if self.kind == "proportion" and not self.denominator:
            raise ValueError(f"measure {self.id!r}: a proportion needs a denominator")
        if self.kind == "stock" and not self.end:
            raise ValueError(f"measure {self.id!r}: a stock needs an end column")
        if self.kind == "ratio" and not (self.end and self.denominator_source):
            raise ValueError(f"measure {self.id!r}: a ratio needs an end column and a denominator_source")
        if not self.id.isidentifier():
            raise ValueError(f"measure id {self.id!r} must be a word of letters, digits and underscores")

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
            return f"open at the period end: {self.date} on or before it and {self.end} missing or after it"
        return f"{self.source}.{self.date} within the period"


def _m(**kw: Any) -> Measure:
    return Measure(**kw)


# One row per measure; the definitions here are the one place each is written down.
_BUILTIN: Tuple[Measure, ...] = (
    # -- front door ---------------------------------------------------------------
    _m(id="requests", title="Requests for support", source="requests", date="received_date",
       definition="Requests for Early Help support about a family received in the period, from any source "
                  "and route (direct, MASH diversion, step-down).", theme="front_door", unit="requests"),
    _m(id="children_referred", title="Children referred for support", source="requests", date="received_date",
       weight="children", definition="Children covered by the requests received in the period (a request "
       "about a family counts each child it covers; one when not recorded).", theme="front_door",
       unit="children"),
    _m(id="requests_mash_diversions", title="Requests diverted from the MASH", source="requests",
       date="received_date", numerator="mash_diversion",
       definition="Requests received in the period that arrived as a diversion from the Multi-Agency "
                  "Safeguarding Hub (route = mash_diversion).", theme="front_door", unit="requests"),
    _m(id="requests_step_down", title="Requests stepped down from social care", source="requests",
       date="received_date", numerator="step_down_route", direction="neither",
       definition="Requests received in the period that came as step-downs from children's social care "
                  "(route = step_down).", theme="front_door", unit="requests"),
    _m(id="requests_from_partners", title="Share of requests from partner agencies", source="requests",
       date="received_date", kind="proportion", numerator="from_partner", denominator="all",
       direction="higher_is_better", theme="front_door",
       definition="Requests whose referral source is a partner (schools, education, health, housing, police, "
                  "legal, voluntary sector: CIN source codes 2A-4, 6-8) among all requests received."),
    _m(id="request_conversion", title="Requests that became an episode", source="requests",
       date="received_date", kind="proportion", numerator="converted", denominator="decided",
       direction="neither", theme="front_door",
       definition="Requests decided 'early_help' (an episode opened) among requests received in the period "
                  "with a screening decision."),
    _m(id="families_two_plus_requests_12m", title="Repeat requests within 12 months", source="requests",
       date="received_date", kind="proportion", numerator="repeat_request_12m", denominator="all",
       direction="lower_is_better", theme="front_door", reference=DFE_REREFERRAL, lookback_days=365,
       definition="Requests received in the period for a family with another request in the 365 days before "
                  "(the family's second or later request in 12 months; the DfE re-referral rule applied to "
                  "requests) among all requests received."),
    _m(id="rereferrals_12m", title="Re-referrals within 12 months of support ending", source="requests",
       date="received_date", kind="proportion", numerator="rereferral_12m", denominator="all",
       direction="lower_is_better", theme="outcomes", lookback_days=365, reference=DFE_REREFERRAL +
       "; adapted to Early Help: the previous event is the family's last closed episode",
       definition="Requests received in the period within 365 days after the family's previous episode closed "
                  "(not while another episode is open) among all requests received. The lead agency type of "
                  "a re-referral is that of the previous episode ('no previous episode' otherwise)."),
    # -- episodes and timeliness ---------------------------------------------------
    _m(id="episodes_opened", title="Episodes opened", source="episodes", date="start_date",
       definition="Early Help episodes (family support periods) that started in the period.",
       unit="episodes"),
    _m(id="episodes_closed", title="Episodes closed", source="episodes", date="end_date", numerator="closed",
       definition="Early Help episodes that ended in the period.", unit="episodes"),
    _m(id="episodes_open", title="Episodes open at period end", source="episodes", date="start_date",
       kind="stock", end="end_date", unit="episodes",
       definition="Episodes started on or before the last day of the period and not ended by then."),
    _m(id="assessments_started", title="Early Help Assessments started", source="assessments", date="started",
       definition="Early Help Assessments started in the period.", unit="assessments"),
    _m(id="assessments_timely", title="Assessments completed within 45 days", source="assessments",
       date="completed", kind="proportion", numerator="within_standard", denominator="completed_flag",
       direction="higher_is_better",
       definition=f"Assessments completed in the period within {ASSESSMENT_DAYS} days of starting, among all "
                  "assessments completed in the period (a local standard; set your own with a custom measure)."),
    _m(id="episodes_with_assessment", title="Episodes with an Early Help Assessment", source="episodes",
       date="start_date", kind="proportion", numerator="has_assessment", denominator="all",
       direction="higher_is_better",
       definition="Episodes opened in the period that have an Early Help Assessment started, among episodes "
                  "opened."),
    _m(id="closed_within_16_weeks", title="Episodes closed within 16 weeks", source="episodes", date="end_date",
       kind="proportion", numerator="within_16_weeks", denominator="closed", direction="higher_is_better",
       targets={"target": 0.87},
       definition=f"Episodes closed in the period that lasted at most 16 weeks ({SIXTEEN_WEEKS_DAYS} days from "
                  "start to end), among all episodes closed in the period.",
       reference="Coventry 16-week Supporting Families practice model"),
    _m(id="closed_over_20_weeks", title="Episodes lasting over 20 weeks", source="episodes", date="end_date",
       kind="proportion", numerator="over_20_weeks", denominator="closed", direction="lower_is_better",
       definition=f"Episodes closed in the period that lasted more than 20 weeks ({TWENTY_WEEKS_DAYS} days), "
                  "among all episodes closed in the period."),
    _m(id="plans_timely", title="Plans agreed within 4 weeks", source="plans", date="agreed_date",
       kind="proportion", numerator="within_standard", denominator="all", direction="higher_is_better",
       definition=f"Early Help plans agreed in the period within {PLAN_DAYS} days of the episode starting, "
                  "among plans agreed in the period."),
    _m(id="reviews_timely", title="Team Around the Family reviews held on time", source="taf_reviews",
       date="due_date", kind="proportion", numerator="on_time", denominator="due", direction="higher_is_better",
       definition="Team Around the Family reviews due in the period (and due on or before the extract date) "
                  "that were held on or before their due date, among reviews due."),
    _m(id="caseload_per_practitioner", title="Caseload per practitioner (FTE)", source="episodes",
       date="start_date", end="end_date", kind="ratio", numerator="has_lead_practitioner",
       denominator_source="practitioners", denominator_weight="fte", direction="neither",
       theme="partnership", unit="episodes per FTE",
       definition="Episodes with a named lead practitioner open at the period end, divided by the full-time "
                  "equivalent of practitioners in post at the period end."),
    _m(id="caseload_per_team", title="Caseload per council Early Help team", source="episodes",
       date="start_date", end="end_date", kind="ratio", numerator="council_led",
       denominator_source="teams", direction="neither", theme="partnership", unit="episodes per team",
       definition="Council-led episodes open at the period end, divided by the council's Early Help teams "
                  "(agencies of type la_early_help)."),
    # -- outcomes -------------------------------------------------------------------
    _m(id="outcomes_met", title="Episodes closed with outcomes met", source="episodes", date="end_date",
       kind="proportion", numerator="outcomes_met", denominator="closed", direction="higher_is_better",
       theme="outcomes", reference=SF_FRAMEWORK,
       definition="Episodes closed in the period with end reason 'outcomes_met', among all episodes closed."),
    _m(id="step_ups", title="Step-ups to children's social care", source="episodes", date="end_date",
       numerator="step_up", direction="lower_is_better", theme="outcomes", unit="episodes",
       definition="Episodes closed in the period with end reason 'step_up' (escalated to children's social "
                  "care). Derived step-ups (a social-care referral within 28 days) are in Dataset.step_ups()."),
    _m(id="step_up_rate", title="Closures stepped up to social care", source="episodes", date="end_date",
       kind="proportion", numerator="step_up", denominator="closed", direction="lower_is_better",
       theme="outcomes", definition="Episodes closed with end reason 'step_up' among all episodes closed."),
    _m(id="step_downs", title="Step-downs from social care", source="episodes", date="start_date",
       numerator="from_step_down", direction="neither", theme="outcomes", unit="episodes",
       definition="Episodes opened in the period whose origin is a step-down from children's social care."),
    _m(id="sf_outcomes_identified", title="Supporting Families needs identified", source="family_needs",
       date="identified_date", theme="outcomes", reference=SF_FRAMEWORK, unit="needs",
       definition="Needs (one of the ten Supporting Families outcomes) identified for families in the period."),
    _m(id="sf_outcomes_resolved", title="Supporting Families needs resolved at closure", source="family_needs",
       date="episode_end", kind="proportion", numerator="resolved_flag", denominator="episode_closed",
       direction="higher_is_better", theme="outcomes", reference=SF_FRAMEWORK,
       definition="Needs of episodes closed in the period that were resolved (outcome met), among all needs "
                  "of episodes closed in the period."),
    _m(id="sf_outcomes_sustained", title="Resolved needs sustained", source="family_needs", date="episode_end",
       kind="proportion", numerator="sustained_flag", denominator="resolved_flag",
       direction="higher_is_better", theme="outcomes", reference=SF_FRAMEWORK,
       definition="Resolved needs of episodes closed in the period still met at the later check (sustained), "
                  "among resolved needs."),
    _m(id="families_three_plus_needs", title="Families with three or more needs", source="episodes",
       date="start_date", kind="proportion", numerator="three_plus_needs", denominator="all",
       direction="neither", theme="outcomes", reference=SF_FRAMEWORK,
       definition="Episodes opened in the period whose family has three or more Supporting Families needs "
                  "identified, among episodes opened."),
    _m(id="level_2_share", title="Episodes at level 2 (earliest help)", source="episodes", date="start_date",
       kind="proportion", numerator="level_2", denominator="level_recorded", theme="episodes_timeliness",
       definition="Episodes opened in the period at level of need 2, among episodes opened with a level."),
    _m(id="level_3_share", title="Episodes at level 3 (early help)", source="episodes", date="start_date",
       kind="proportion", numerator="level_3", denominator="level_recorded", theme="episodes_timeliness",
       definition="Episodes opened in the period at level of need 3, among episodes opened with a level."),
    _m(id="level_4_share", title="Episodes at level 4 (statutory)", source="episodes", date="start_date",
       kind="proportion", numerator="level_4", denominator="level_recorded", theme="episodes_timeliness",
       definition="Episodes opened in the period at level of need 4, among episodes opened with a level."),
    # -- partnership ------------------------------------------------------------------
    _m(id="episodes_partner_led", title="Episodes led by partners", source="episodes", date="start_date",
       kind="proportion", numerator="partner_led", denominator="lead_recorded", direction="higher_is_better",
       theme="partnership",
       definition="Episodes opened in the period whose lead agency is a partner (not a council team), among "
                  "episodes opened with a lead agency. Split by lead agency type with by='lead_agency_type'."),
    _m(id="episodes_school_led", title="Episodes led by schools", source="episodes", date="start_date",
       numerator="school_led", direction="higher_is_better", theme="partnership", unit="episodes",
       definition="Episodes opened in the period whose lead agency is a school."),
    _m(id="service_referrals", title="Referrals to services", source="service_referrals", date="referral_date",
       theme="partnership", unit="referrals",
       definition="Referrals of families to named services and interventions in the period (split by "
                  "by='service')."),
    _m(id="referrals_young_carers", title="Referred to young carers", source="service_referrals",
       date="referral_date", numerator="service == 'young_carers'", theme="partnership", unit="referrals",
       definition="Referrals to the young carers service made in the period."),
    _m(id="referrals_childrens_centre", title="Referred to a children's centre for targeted support",
       source="service_referrals", date="referral_date", numerator="service == 'childrens_centre'",
       theme="partnership", unit="referrals",
       definition="Referrals to a children's centre for targeted support made in the period."),
    _m(id="referrals_parenting_programme", title="Referred to a parenting programme",
       source="service_referrals", date="referral_date", numerator="service == 'parenting_programme'",
       theme="partnership", unit="referrals",
       definition="Referrals to a parenting programme made in the period."),
    _m(id="family_voice_positive", title="Family-voice answers that are positive", source="family_voice",
       date="response_date", kind="proportion", numerator="positive", denominator="all",
       direction="higher_is_better", theme="outcomes",
       definition="Survey answers given in the period that are positive (4 or 5 on the 1-5 scale), among all "
                  "answers; split by question with by='question'."),
    _m(id="voice_felt_welcomed", title="Families who felt welcomed", source="family_voice",
       date="response_date", kind="proportion", numerator="positive", denominator="question == 'felt_welcomed'",
       direction="higher_is_better", theme="outcomes",
       definition="Families answering 4 or 5 to 'felt welcomed', among families answering it."),
    _m(id="voice_got_help_needed", title="Families who received the help they needed", source="family_voice",
       date="response_date", kind="proportion", numerator="positive",
       denominator="question == 'got_help_needed'", direction="higher_is_better", theme="outcomes",
       definition="Families answering 4 or 5 to 'received the help they needed', among families answering it."),
    _m(id="voice_experience_good", title="Families rating their experience good or better",
       source="family_voice", date="response_date", kind="proportion", numerator="positive",
       denominator="question == 'experience_good'", direction="higher_is_better", theme="outcomes",
       definition="Families rating their experience 4 or 5 (good or better), among families answering."),
)

_REGISTRY: Dict[str, Measure] = {m.id: m for m in _BUILTIN}

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
        raise ValueError(f"measure {m.id!r} is already in the catalogue (pass replace_existing=True)")
    from .sources import check_measure

    check_measure(m)
    _REGISTRY[m.id] = m
    return m


def unregister(measure_id: str) -> None:
    """Remove a registered measure from the catalogue (built-in measures stay).

    Parameters
    ----------
    measure_id : str
        The measure's id.
    """
    if measure_id in {m.id for m in _BUILTIN}:
        raise ValueError(f"{measure_id!r} is a built-in measure")
    _REGISTRY.pop(measure_id, None)


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

    ``numerator``/``denominator`` name a true/false column of the source, ``"all"``, or a pandas
    expression over its columns (see ``earlyhelp.measures.sources.describe()``).

    Parameters
    ----------
    spec : mapping
        the spec.

    Returns
    -------
    Measure
    """
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise ValueError(f"measure spec has unknown keys {sorted(unknown)}; valid keys: {', '.join(sorted(_SPEC_KEYS))}")
    for key in ("id", "title", "source", "date"):
        if key not in spec:
            raise ValueError(f"measure spec {spec.get('id', '?')!r} needs {key!r}")
    kw = dict(spec)
    kw.setdefault("definition", kw["title"])
    kw["targets"] = dict(kw.get("targets", {}))
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


def with_targets(measure: Measure, **targets: float) -> Measure:
    return replace(measure, targets={**measure.targets, **targets})
