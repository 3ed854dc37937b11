"""The earlyhelp tables: columns, types, keys, references and SSD aliases.

This module is the single definition of the data model (``docs/data-model.md`` is generated from it).
Readers, validation, the synthetic generator and every analysis read column names
and types from here.

Column kinds
------------
``id``     pseudonymous identifier, string up to 48 characters (``string[pyarrow]``)
``str``    free text (``string[pyarrow]``)
``date``   day precision (``datetime64[ns]``, normalised to midnight)
``int``    whole number (nullable ``Int64``)
``float``  real number (``float64``)
``bool``   Y/N, true/false, 1/0 (nullable ``boolean``)
``code``   one of a code list plus ``unknown`` (``category`` with fixed categories)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

from . import codes

ID_MAX_LENGTH = 48


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind and what values it accepts.

    Parameters
    ----------
    name : str
        our column name.
    kind : str
        ``id``, ``str``, ``date``, ``int``, ``float``, ``bool`` or ``code`` (see the data model).
    required : bool, default True
        the column must be present.
    nullable : bool, default False
        the column may hold missing values.
    codes : tuple of str, optional
        the code list of a ``code`` column.
    references : str, optional
        ``"table.column"`` every value must match.
    aliases : tuple of str, default ()
        SSD and common local names accepted for the column.
    minimum, maximum : float, optional
        the range of a numeric column.
    description : str, default ""
        what the column means.
    default : str, optional
        filled in when the column is absent (reported in the load report).
    open_end : bool, default False
        the date that ends the period the row opens: missing means still open (or in
        progress), and a date in the year 9999 (how warehouses write "open") loads as missing.
    """

    name: str
    kind: str
    required: bool = True          # must be present as a column
    nullable: bool = False         # may hold missing values
    codes: Optional[Tuple[str, ...]] = None
    references: Optional[str] = None   # "table.column" this column must match
    aliases: Tuple[str, ...] = ()      # SSD and common local names
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    description: str = ""
    default: Optional[str] = None      # filled in when the column is absent (reported in load_report)
    open_end: bool = False             # ends the row's period: missing = still open


@dataclass(frozen=True)
class Table:
    """One table of the data model.

    Parameters
    ----------
    name : str
        our table name.
    key : tuple of str
        the columns that identify a row.
    columns : tuple of Column
        the table's columns.
    aliases : tuple of str, default ()
        SSD table names accepted for the table.
    description : str, default ""
        what one row is.
    """

    name: str
    key: Tuple[str, ...]
    columns: Tuple[Column, ...]
    aliases: Tuple[str, ...] = ()      # SSD table names
    description: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _codes(values: Sequence) -> Tuple[str, ...]:
    listed = tuple(str(v) for v in values)
    return listed if codes.UNKNOWN in listed else listed + (codes.UNKNOWN,)


C = Column

# SSD names below follow the Standard Safeguarding Dataset (data-to-insight/ssd-data-model,
# data/objects/ssd_*.yml). The SSD has no family episode, level, origin, route or tier: those
# columns are optional and take their ``default`` (reported in ``ds.meta['load_report']``).
TABLES: Dict[str, Table] = {t.name: t for t in (
    Table("persons", ("person_id",), (
        C("person_id", "id", aliases=("pers_person_id",)),
        C("birth_date", "date", required=False, nullable=True, aliases=("pers_dob",),
          description="birth date, or expected birth date for the unborn"),
        C("sex", "code", required=False, codes=_codes(codes.SEX), aliases=("pers_sex",), default=codes.UNKNOWN),
        C("ethnicity", "code", required=False, nullable=True, codes=_codes(codes.ETHNICITY), aliases=("pers_ethnicity",)),
        C("disability", "code", required=False, nullable=True, codes=_codes(codes.DISABILITY),
          aliases=("disa_disability_code",),
          description="main disability code; all codes of an SSD disability table are in disability_codes"),
        C("send", "bool", required=False, nullable=True,
          description="special educational needs or disability (SEN support or an EHC plan)"),
        C("ehc_plan", "bool", required=False, nullable=True, aliases=("pers_send_flag",),
          description="has an Education, Health and Care plan (the SSD's pers_send_flag means this)"),
        C("expected_birth", "bool", required=False, nullable=True,
          description="True when birth_date is an expected date (unborn child)"),
        C("expected_birth_date", "date", required=False, nullable=True, aliases=("pers_expected_dob",),
          description="SSD expected date of birth; copied into birth_date when that is missing"),
    ), aliases=("ssd_person", "person")),
    Table("families", ("family_id",), (
        C("family_id", "id"),
        C("locality_id", "id", nullable=True, references="localities.locality_id"),
    ), description="derived from family_members when not supplied (the SSD has no family table)"),
    Table("family_members", ("family_id", "person_id", "valid_from"), (
        C("family_id", "id", references="families.family_id", aliases=("fami_family_id",)),
        C("person_id", "id", references="persons.person_id", aliases=("fami_person_id",)),
        C("role", "code", required=False, codes=_codes(codes.MEMBER_ROLE), default=codes.UNKNOWN),
        C("valid_from", "date", required=False, nullable=True),
        C("valid_to", "date", required=False, nullable=True, open_end=True),
    ), aliases=("ssd_family", "family")),
    Table("localities", ("locality_id",), (
        C("locality_id", "id"),
        C("name", "str"),
        C("kind", "code", codes=_codes(codes.LOCALITY_KIND)),
        C("council_code", "str", description="ONS code of the council (E08...)"),
        C("council_name", "str", required=False, nullable=True),
        C("region_code", "str", nullable=True),
        C("child_population", "int", nullable=True, minimum=0),
        C("deprivation", "float", nullable=True, minimum=0.0,
          description="deprivation score (IDACI-like, 0 = least deprived)"),
    )),
    Table("agencies", ("agency_id",), (
        C("agency_id", "id"),
        C("name", "str"),
        C("agency_type", "code", codes=_codes(codes.AGENCY_TYPE)),
        C("locality_id", "id", required=False, nullable=True, references="localities.locality_id"),
    )),
    Table("practitioners", ("practitioner_id",), (
        C("practitioner_id", "id", aliases=("prof_professional_id",)),
        C("agency_id", "id", required=False, nullable=True, references="agencies.agency_id"),
        C("locality_id", "id", required=False, nullable=True, references="localities.locality_id"),
        C("tier", "code", required=False, nullable=True, codes=_codes(codes.TIER)),
        C("fte", "float", required=False, nullable=True, minimum=0.0, maximum=1.5,
          aliases=("prof_full_time_equivalency",)),
        C("caseload_capacity", "int", required=False, nullable=True, minimum=0,
          description="families this practitioner can hold at once"),
        C("start_date", "date", required=False, nullable=True),
        C("end_date", "date", required=False, nullable=True, open_end=True),
    ), aliases=("ssd_professionals", "professionals")),
    Table("requests", ("request_id",), (
        C("request_id", "id", aliases=("cont_contact_id",)),
        C("family_id", "id", required=False, nullable=True, references="families.family_id"),
        C("person_id", "id", nullable=True, references="persons.person_id", aliases=("cont_person_id",)),
        C("children", "int", required=False, nullable=True, minimum=1),
        C("received_date", "date", aliases=("cont_contact_date",)),
        C("source", "code", required=False, codes=_codes(codes.REFERRAL_SOURCE),
          aliases=("cont_contact_source_code", "cont_contact_source"), default=codes.UNKNOWN),
        C("route", "code", required=False, codes=_codes(codes.REQUEST_ROUTE), default=codes.UNKNOWN),
        C("decision", "code", required=False, nullable=True, codes=_codes(codes.REQUEST_DECISION),
          aliases=("cont_contact_outcome_json",),
          description="SSD contact outcome JSON flags are read as a decision"),
        C("decision_date", "date", required=False, nullable=True),
    ), aliases=("ssd_contacts", "contacts")),
    Table("episodes", ("episode_id",), (
        C("episode_id", "id", aliases=("earl_episode_id",)),
        C("family_id", "id", required=False, nullable=True, references="families.family_id",
          description="missing for SSD per-child episodes: filled from family_members"),
        C("person_id", "id", required=False, nullable=True, references="persons.person_id",
          aliases=("earl_person_id",)),
        C("start_date", "date", aliases=("earl_episode_start_date",)),
        C("end_date", "date", nullable=True, aliases=("earl_episode_end_date",), open_end=True),
        C("level", "int", required=False, nullable=True, codes=tuple(str(v) for v in codes.EPISODE_LEVEL),
          minimum=2, maximum=4),
        C("episode_type", "code", required=False, codes=_codes(codes.EPISODE_TYPE), default="early_help"),
        C("lead_practitioner_id", "id", nullable=True, required=False,
          references="practitioners.practitioner_id", aliases=("earl_episode_worker_id",)),
        C("lead_agency_id", "id", nullable=True, required=False, references="agencies.agency_id",
          aliases=("earl_episode_organisation",)),
        C("locality_id", "id", nullable=True, required=False, references="localities.locality_id"),
        C("origin", "code", required=False, codes=_codes(codes.EPISODE_ORIGIN), default=codes.UNKNOWN),
        C("end_reason", "code", required=False, nullable=True, codes=_codes(codes.END_REASON),
          aliases=("earl_episode_end_reason",)),
        C("end_reason_local", "str", required=False, nullable=True,
          description="the council's own end-reason text, before code_map"),
        C("reason", "str", required=False, nullable=True, aliases=("earl_episode_reason",),
          description="SSD reason for involvement (free local categories)"),
    ), aliases=("ssd_early_help_episodes", "early_help_episodes")),
    Table("assessments", ("assessment_id",), (
        C("assessment_id", "id"),
        C("episode_id", "id", references="episodes.episode_id"),
        C("started", "date"),
        C("completed", "date", nullable=True, open_end=True),
        C("agency_id", "id", nullable=True, required=False, references="agencies.agency_id"),
    )),
    Table("family_needs", ("episode_id", "need"), (
        C("episode_id", "id", references="episodes.episode_id"),
        C("need", "code", codes=_codes(codes.NEEDS)),
        C("identified_date", "date"),
        C("resolved", "bool", nullable=True),
        C("sustained", "bool", required=False, nullable=True),
    )),
    Table("involvements", ("involvement_id",), (
        C("involvement_id", "id", aliases=("invo_involvements_id",)),
        C("practitioner_id", "id", references="practitioners.practitioner_id",
          aliases=("invo_professional_id",)),
        C("family_id", "id", required=False, nullable=True, references="families.family_id"),
        C("episode_id", "id", required=False, nullable=True, references="episodes.episode_id"),
        C("person_id", "id", required=False, nullable=True, references="persons.person_id",
          aliases=("invo_person_id",)),
        C("referral_id", "id", required=False, nullable=True, references="csc_referrals.referral_id",
          aliases=("invo_referral_id",)),
        C("role", "code", required=False, codes=_codes(codes.INVOLVEMENT_ROLE), aliases=("invo_professional_role_id",),
          default=codes.UNKNOWN),
        C("start_date", "date", aliases=("invo_involvement_start_date",)),
        C("end_date", "date", nullable=True, aliases=("invo_involvement_end_date",), open_end=True),
    ), aliases=("ssd_involvements",)),
    Table("csc_referrals", ("referral_id",), (
        C("referral_id", "id", aliases=("cine_referral_id",)),
        C("person_id", "id", references="persons.person_id", aliases=("cine_person_id",)),
        C("referral_date", "date", aliases=("cine_referral_date",)),
        C("source", "code", required=False, codes=_codes(codes.REFERRAL_SOURCE), aliases=("cine_referral_source_code",),
          default=codes.UNKNOWN),
        C("primary_need", "code", required=False, nullable=True, codes=_codes(codes.PRIMARY_NEED),
          aliases=("cine_cin_primary_need_code", "cine_cin_primary_need")),
        C("nfa", "bool", nullable=True, required=False, aliases=("cine_referral_nfa",)),
        C("close_date", "date", nullable=True, aliases=("cine_close_date",), open_end=True),
        C("close_reason", "code", required=False, nullable=True, codes=_codes(codes.CIN_CLOSE_REASON),
          aliases=("cine_close_reason",)),
    ), aliases=("ssd_cin_episodes", "cin_episodes")),
    Table("csc_assessments", ("assessment_id",), (
        C("assessment_id", "id", aliases=("cina_assessment_id",)),
        C("referral_id", "id", references="csc_referrals.referral_id", aliases=("cina_referral_id",)),
        C("person_id", "id", references="persons.person_id", aliases=("cina_person_id",)),
        C("start_date", "date", aliases=("cina_assessment_start_date",)),
        C("authorised_date", "date", nullable=True, aliases=("cina_assessment_auth_date",), open_end=True),
        C("factors", "str", nullable=True, required=False,
          description="comma-separated assessment factor codes (1A-24A); read from the SSD "
                      "ssd_assessment_factors JSON when that table is supplied",
          aliases=("cinf_assessment_factors_json",)),
    ), aliases=("ssd_cin_assessments", "cin_assessments")),
    # -- statutory care: CIN plans, CP plans and looked-after episodes (SSDA903) ----------
    Table("cin_plans", ("cin_plan_id",), (
        C("cin_plan_id", "id", aliases=("cinp_cin_plan_id",)),
        C("person_id", "id", references="persons.person_id", aliases=("cinp_person_id",)),
        C("referral_id", "id", required=False, nullable=True, references="csc_referrals.referral_id",
          aliases=("cinp_referral_id",)),
        C("start_date", "date", aliases=("cinp_cin_plan_start_date", "cinp_cin_plan_start")),
        C("end_date", "date", nullable=True, aliases=("cinp_cin_plan_end_date", "cinp_cin_plan_end"), open_end=True),
    ), aliases=("ssd_cin_plans",)),
    Table("cp_plans", ("cp_plan_id",), (
        C("cp_plan_id", "id", aliases=("cppl_cp_plan_id",)),
        C("person_id", "id", references="persons.person_id", aliases=("cppl_person_id",)),
        C("referral_id", "id", required=False, nullable=True, references="csc_referrals.referral_id",
          aliases=("cppl_referral_id",)),
        C("start_date", "date", aliases=("cppl_cp_plan_start_date",)),
        C("end_date", "date", nullable=True, aliases=("cppl_cp_plan_end_date",), open_end=True),
        C("category", "code", required=False, nullable=True, codes=_codes(codes.CP_CATEGORY),
          aliases=("cppl_cp_plan_initial_category",)),
    ), aliases=("ssd_cp_plans",)),
    Table("cla_episodes", ("cla_episode_id",), (
        C("cla_episode_id", "id", aliases=("clae_cla_episode_id",),
          description="one SSDA903 episode: a period with one legal status and one placement"),
        C("person_id", "id", references="persons.person_id", aliases=("clae_person_id", "child")),
        C("start_date", "date", aliases=("clae_cla_episode_start_date", "decom")),
        C("end_date", "date", nullable=True, aliases=("clae_cla_episode_ceased_date", "clae_cla_episode_ceased",
                                                      "dec"), open_end=True),
        C("reason_new_episode", "code", required=False, nullable=True, codes=_codes(codes.REASON_NEW_EPISODE),
          aliases=("clae_cla_episode_start_reason", "rne")),
        C("legal_status", "code", required=False, nullable=True, codes=_codes(codes.LEGAL_STATUS),
          aliases=("lega_legal_status", "ls")),
        C("placement", "code", required=False, nullable=True, codes=_codes(codes.PLACEMENT),
          aliases=("clap_cla_placement_type", "place")),
        C("reason_for_leaving", "code", required=False, nullable=True, codes=_codes(codes.REASON_FOR_LEAVING),
          aliases=("clae_cla_episode_ceased_reason", "rec")),
        C("placement_provider", "str", required=False, nullable=True,
          aliases=("clap_cla_placement_provider", "place_provider")),
    ), aliases=("ssd_cla_episodes",)),
    Table("plans", ("plan_id",), (
        C("plan_id", "id"),
        C("episode_id", "id", references="episodes.episode_id"),
        C("agreed_date", "date", description="date the Early Help plan was agreed with the family"),
        C("end_date", "date", required=False, nullable=True, open_end=True,
          description="plan ended (missing = current)"),
    ), description="Early Help plans (Early Support Plan, family plan) that follow the assessment. Not in the "
                   "SSD (its nearest table, ssd_cin_plans, holds statutory child in need plans): export it from "
                   "the Early Help system with episode_id = the SSD's earl_episode_id"),
    Table("taf_reviews", ("review_id",), (
        C("review_id", "id"),
        C("episode_id", "id", references="episodes.episode_id"),
        C("plan_id", "id", required=False, nullable=True, references="plans.plan_id"),
        C("due_date", "date", description="date the review was due (local standard, e.g. every 6 weeks)"),
        C("held_date", "date", nullable=True, description="date the meeting was held (missing = not held)"),
    ), aliases=("team_around_the_family_reviews",),
       description="Team Around the Family meetings that review the plan. Not in the SSD (its nearest tables, "
                   "ssd_cp_reviews and ssd_cla_reviews, hold statutory reviews): export it from the Early Help "
                   "system with episode_id = the SSD's earl_episode_id"),
    Table("service_referrals", ("service_referral_id",), (
        C("service_referral_id", "id"),
        C("family_id", "id", references="families.family_id"),
        C("episode_id", "id", required=False, nullable=True, references="episodes.episode_id"),
        C("person_id", "id", required=False, nullable=True, references="persons.person_id"),
        C("service", "code", codes=_codes(codes.SERVICE)),
        C("referral_date", "date"),
        C("outcome", "code", required=False, nullable=True, codes=_codes(codes.SERVICE_REFERRAL_OUTCOME),
          default=codes.UNKNOWN),
    ), description="referrals to named services and interventions (young carers, children's centre, ...). Not "
                   "in the SSD (its nearest table, ssd_involvements, lists professionals involved, not services "
                   "referred to): export it from the Early Help system"),
    Table("family_voice", ("response_id",), (
        C("response_id", "id"),
        C("family_id", "id", required=False, nullable=True, references="families.family_id"),
        C("episode_id", "id", required=False, nullable=True, references="episodes.episode_id"),
        C("locality_id", "id", required=False, nullable=True, references="localities.locality_id"),
        C("response_date", "date"),
        C("question", "code", codes=_codes(codes.VOICE_QUESTION)),
        C("answer", "int", minimum=1, maximum=codes.VOICE_SCALE_MAX,
          description="1-5 (strongly disagree .. strongly agree; 4 and 5 are positive)"),
    ), description="family-voice survey answers, one row per family and question. Not in the SSD: its nearest "
                   "table, ssd_voice_of_child, holds a child's yes/no answers to five fixed questions without a "
                   "date (a placeholder in the SSD deployment), so it is not read"),
)}

# SSD tables that are folded into one of ours rather than kept as a table:
# ssd_disability (disa_person_id, disa_disability_code) -> persons.disability / disability_codes;
# ssd_assessment_factors (cinf_assessment_id, cinf_assessment_factors_json) -> csc_assessments.factors.
# ssd_address (addr_person_id, addr_address_postcode, addr_address_json) -> households and families'
# localities (with a geography lookup); ssd_department (dept_team_id, dept_team_name) -> teams.
FOLDED_TABLES: Dict[str, Tuple[str, ...]] = {
    "disability": ("ssd_disability", "disability"),
    "assessment_factors": ("ssd_assessment_factors", "assessment_factors"),
    "address": ("ssd_address", "address"),
    "department": ("ssd_department", "department"),
}
FOLDED_COLUMNS: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "disability": {"person_id": ("disa_person_id", "person_id"),
                   "code": ("disa_disability_code", "disability", "code")},
    "assessment_factors": {"assessment_id": ("cinf_assessment_id", "assessment_id"),
                           "factors": ("cinf_assessment_factors_json", "factors")},
    "address": {"person_id": ("addr_person_id", "person_id"), "postcode": ("addr_address_postcode", "postcode"),
                "address": ("addr_address_json", "address"),
                "start_date": ("addr_address_start_date", "start_date")},
    "department": {"team_id": ("dept_team_id", "team_id"), "team_name": ("dept_team_name", "team_name")},
}

# What each column means, for users (docs/data-model.md is generated from these and the
# ``description`` given inline above, which wins).
DESCRIPTIONS: Dict[str, Dict[str, str]] = {
    "persons": {"person_id": "pseudonymous child or adult id", "sex": "M, F or U (SSD pers_sex)",
                "ethnicity": "DfE ethnicity code", "send": "special educational needs or disability flag"},
    "families": {"family_id": "pseudonymous household id", "locality_id": "the locality the family lives in"},
    "family_members": {"family_id": "the family", "person_id": "the member", "role": "the member's role",
                       "valid_from": "membership start (missing = always)",
                       "valid_to": "membership end (missing = still a member)"},
    "localities": {"locality_id": "Family Hub area, neighbourhood or district id", "name": "locality name",
                   "kind": "what kind of area", "region_code": "ONS region code (E12...)",
                   "child_population": "children aged 0-17 living in the locality",
                   "council_name": "council name"},
    "agencies": {"agency_id": "agency id (a school, a health visiting team, ...)", "name": "agency name",
                 "agency_type": "the kind of agency", "locality_id": "the locality it mainly serves"},
    "practitioners": {"practitioner_id": "pseudonymous worker id", "agency_id": "employing agency",
                      "locality_id": "locality team", "tier": "workforce tier (how often they lead)",
                      "fte": "full-time equivalent", "start_date": "in post from", "end_date": "left post on"},
    "requests": {"request_id": "one request for support about a family",
                 "family_id": "the family (filled from family_members for per-child SSD contacts)",
                 "person_id": "the child it is mainly about",
                 "children": "how many children it covers", "received_date": "date received",
                 "source": "who asked (CIN census referral source)", "route": "how it arrived",
                 "decision": "screening decision", "decision_date": "date of the decision"},
    "episodes": {"episode_id": "one period of Early Help support",
                 "person_id": "the child, when episodes are recorded per child (SSD)",
                 "start_date": "episode start", "end_date": "episode end (missing = open)",
                 "level": "level of need: 2 earliest help, 3 early help, 4 statutory",
                 "episode_type": "early help, Family Help or child in need",
                 "lead_practitioner_id": "the named lead practitioner",
                 "lead_agency_id": "the agency holding the episode (council team or partner)",
                 "locality_id": "locality team holding the episode",
                 "origin": "how the episode began", "end_reason": "why it closed (map local codes with code_map)"},
    "assessments": {"assessment_id": "an Early Help Assessment", "episode_id": "the episode it belongs to",
                    "started": "assessment start", "completed": "assessment completed (missing = in progress)",
                    "agency_id": "the agency that completed it"},
    "family_needs": {"episode_id": "the episode", "need": "one of the ten Supporting Families outcomes",
                     "identified_date": "when the need was identified",
                     "resolved": "met at closure", "sustained": "still met at a later check"},
    "involvements": {"involvement_id": "a practitioner's involvement with a family",
                     "practitioner_id": "the practitioner", "family_id": "the family",
                     "episode_id": "the episode", "person_id": "the child (SSD involvements are per child)",
                     "referral_id": "the social-care referral (SSD)", "role": "the practitioner's role",
                     "start_date": "involvement start", "end_date": "involvement end (missing = ongoing)"},
    "csc_referrals": {"referral_id": "a referral to children's social care", "person_id": "the child",
                      "referral_date": "date of referral", "source": "referral source",
                      "primary_need": "CIN primary need code", "nfa": "no further action after referral",
                      "close_date": "date the CIN episode closed",
                      "close_reason": "CIN closure reason (RC9 = referred to early help: a step-down)"},
    "csc_assessments": {"assessment_id": "a statutory (single) assessment", "referral_id": "its referral",
                        "person_id": "the child", "start_date": "assessment start",
                        "authorised_date": "date authorised (missing = in progress)"},
    "cin_plans": {"cin_plan_id": "a child in need plan", "person_id": "the child",
                  "referral_id": "the social-care referral it follows", "start_date": "plan start",
                  "end_date": "plan end (missing = open)"},
    "cp_plans": {"cp_plan_id": "a child protection plan", "person_id": "the child",
                 "referral_id": "the social-care referral it follows", "start_date": "plan start",
                 "end_date": "plan end (missing = open)", "category": "initial category of abuse"},
    "cla_episodes": {"person_id": "the child (SSDA903 CHILD)", "start_date": "episode start (DECOM)",
                     "end_date": "episode end (DEC; missing = open)",
                     "reason_new_episode": "why the episode began (RNE)", "legal_status": "legal status (LS)",
                     "placement": "placement type (PLACE)",
                     "reason_for_leaving": "why the episode ended (REC; X1 = still looked after)",
                     "placement_provider": "placement provider (PLACE_PROVIDER)"},
    "plans": {"plan_id": "an Early Help plan", "episode_id": "the episode it belongs to"},
    "taf_reviews": {"review_id": "a Team Around the Family review", "episode_id": "the episode",
                    "plan_id": "the plan reviewed"},
    "service_referrals": {"service_referral_id": "a referral to a service or intervention",
                          "family_id": "the family", "episode_id": "the episode it was made in",
                          "person_id": "the child (if for one child)", "service": "the service",
                          "referral_date": "date of referral", "outcome": "accepted, declined, waiting"},
    "family_voice": {"response_id": "one answer of one family", "family_id": "the family (if known)",
                     "episode_id": "the episode (if asked at closure)", "locality_id": "the locality",
                     "response_date": "date answered", "question": "the question asked"},
}


def _describe(table: Table) -> Table:
    from dataclasses import replace

    words = DESCRIPTIONS.get(table.name, {})
    unknown = set(words) - set(table.names)
    if unknown:
        raise KeyError(f"DESCRIPTIONS names columns {table.name} does not have: {sorted(unknown)}")
    columns = tuple(c if c.description else replace(c, description=words.get(c.name, "")) for c in table.columns)
    return replace(table, columns=columns)


TABLES = {name: _describe(table) for name, table in TABLES.items()}

TABLE_NAMES: Tuple[str, ...] = tuple(TABLES)

# Columns holding ONS (GSS) codes, which ONS writes in upper case (E08000026, E12000005): read in
# upper case, so that a code typed in lower case on one row is not a second council or region.
ONS_CODE_COLUMNS: Dict[str, Tuple[str, ...]] = {"localities": ("council_code", "region_code")}

# Date columns that are no recorded event, so they do not say how far the data reach
# (``Dataset.data_end``): birth dates (for an unborn child the due date, after the extract by
# nature) and the date a TAF review is due (planned, not held).
NOT_EVENT_DATES = frozenset({("persons", "birth_date"), ("persons", "expected_birth_date"),
                             ("taf_reviews", "due_date")})
