"""National and earlyhelp code lists: the one place each list is written down.

See ``docs/data-model.md``. Every code column also accepts ``unknown``.
"""
from __future__ import annotations

from typing import Dict, Tuple

UNKNOWN = "unknown"

SEX: Tuple[str, ...] = ("M", "F", "U")

# DfE ethnicity codes (20).
ETHNICITY: Tuple[str, ...] = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)

# DfE CIN census disability codes; NONE = no disability recorded.
DISABILITY: Tuple[str, ...] = (
    "NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA",
)

MEMBER_ROLE: Tuple[str, ...] = ("child", "parent_carer", "other_adult", "expectant_parent")

LOCALITY_KIND: Tuple[str, ...] = ("family_hub_area", "neighbourhood", "district")

AGENCY_TYPE: Tuple[str, ...] = (
    "la_early_help", "la_social_care", "school", "early_years", "health_visitor", "school_nurse",
    "gp", "camhs", "midwifery", "health_other", "police", "housing", "youth_justice",
    "substance_misuse", "domestic_abuse_service", "adult_services", "vcs", "other",
)

# Agency types run by the council; everything else is a partner.
COUNCIL_AGENCY_TYPES: Tuple[str, ...] = ("la_early_help", "la_social_care")

TIER: Tuple[str, ...] = ("frequent_modelling", "regular_promoting", "sometimes_active", "occasional_aware")

# Referral source codes (CIN census), shared by requests and social-care referrals.
REFERRAL_SOURCE: Dict[str, str] = {
    "1A": "family, relative or carer", "1B": "acquaintance", "1C": "self", "1D": "other individual",
    "2A": "school", "2B": "education services", "3A": "GP", "3B": "health visitor",
    "3C": "school nurse", "3D": "other primary health", "3E": "A&E", "3F": "other health",
    "4": "housing", "5A": "council social care", "5B": "other council service",
    "5C": "another council", "5D": "council early help", "6": "police", "7": "other legal agency",
    "8": "other (voluntary, children's centres)", "9": "anonymous", "10": "unknown",
}

REQUEST_ROUTE: Tuple[str, ...] = ("direct", "mash_diversion", "step_down")

REQUEST_DECISION: Tuple[str, ...] = (
    "nfa", "advice_signpost", "early_help", "social_care_referral", "existing_case",
)

# Levels of need 1-4 (the continuum of need); episodes are at level 2, 3 or 4.
LEVEL_NAMES: Dict[int, str] = {
    1: "universal", 2: "earliest_help", 3: "early_help_multi_agency", 4: "statutory",
}
EPISODE_LEVEL: Tuple[int, ...] = (2, 3, 4)

EPISODE_TYPE: Tuple[str, ...] = ("early_help", "family_help", "cin")

EPISODE_ORIGIN: Tuple[str, ...] = ("request", "step_down", "other")

END_REASON: Tuple[str, ...] = (
    "outcomes_met", "step_up", "step_down_universal", "disengaged", "moved_away",
    "transferred", "other", "unknown",
)

# The ten Supporting Families headline outcomes, in the framework's order.
NEEDS: Tuple[str, ...] = (
    "education", "early_years", "health", "substance_use", "child_safety",
    "family_relationships", "crime", "domestic_abuse", "housing", "financial_stability",
)
NEED_TITLES: Dict[str, str] = {
    "education": "Getting a good education",
    "early_years": "Good early years development",
    "health": "Improved mental and physical health",
    "substance_use": "Promoting recovery and reducing harm from substance use",
    "child_safety": "Children safe from abuse and exploitation",
    "family_relationships": "Improved family relationships",
    "crime": "Crime prevention and tackling crime",
    "domestic_abuse": "Safe from domestic abuse",
    "housing": "Secure housing",
    "financial_stability": "Financial stability",
}

INVOLVEMENT_ROLE: Tuple[str, ...] = ("lead_practitioner", "taf_member", "allocated_worker", "other")

PRIMARY_NEED: Dict[str, str] = {
    "N0": "not stated", "N1": "abuse or neglect", "N2": "child's disability",
    "N3": "parental disability or illness", "N4": "family in acute stress",
    "N5": "family dysfunction", "N6": "socially unacceptable behaviour", "N7": "low income",
    "N8": "absent parenting", "N9": "cases other than children in need",
}

CIN_CLOSE_REASON: Dict[str, str] = {
    "RC1": "adopted", "RC2": "died", "RC3": "child arrangements order",
    "RC4": "special guardianship order", "RC5": "transferred to services of another council",
    "RC6": "transferred to adult social care services",
    "RC7": "services ceased for any other reason, including child no longer in need",
    "RC8": "case closed after assessment, no further action",
    "RC9": "case closed after assessment, referred to early help",
}
STEP_DOWN_CLOSE_REASON = "RC9"

# Factors at the end of a statutory assessment (number part; A/B/C say who).
ASSESSMENT_FACTOR_TO_NEED: Dict[str, str] = {
    "1": "substance_use", "2": "substance_use", "3": "domestic_abuse", "4": "health",
    "5": "health", "6": "health", "15A": "health", "7A": "family_relationships",
    "10A": "child_safety", "11A": "child_safety", "12A": "child_safety", "13A": "child_safety",
    "16A": "child_safety", "17A": "child_safety", "18": "child_safety", "19": "child_safety",
    "22A": "child_safety", "23A": "child_safety", "24A": "child_safety", "14A": "crime",
}
ASSESSMENT_FACTORS: Tuple[str, ...] = (
    "1", "2", "3", "4", "5", "6", "7A", "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A",
    "17A", "18", "19", "20", "21", "22A", "23A", "24A",
)

# Markers published statistics put in numeric cells (DfE/GSS conventions). read_published turns
# them into missing values with a status; in record-level count columns they are an error.
PUBLISHED_MARKERS: Dict[str, str] = {
    "c": "suppressed", "x": "not_available", "u": "low_reliability", "z": "not_applicable",
    "k": "rounds_to_zero", "low": "rounds_to_zero", ":": "not_available", "..": "not_available",
    "*": "suppressed", "-": "not_available", "[c]": "suppressed", "[x]": "not_available",
    "[z]": "not_applicable", "[low]": "rounds_to_zero", "[u]": "low_reliability",
}

# Common local wordings of our codes, keyed by "table.column" (or "column" for every table).
# Keys are normalised: lower case, runs of other characters replaced by "_". Councils' own
# codes beyond these go in a user code_map.
CODE_SYNONYMS: Dict[str, Dict[str, str]] = {
    "sex": {"male": "M", "female": "F", "not_known": "U", "unknown": "U", "indeterminate": "U"},
    "ethnicity": {"cnhe": "CHNE"},  # the SSD guidance spells Chinese CNHE
    "episodes.end_reason": {
        "outcomes_achieved": "outcomes_met", "needs_met": "outcomes_met",
        "closed_outcomes_met": "outcomes_met", "plan_completed": "outcomes_met",
        "stepped_up": "step_up", "step_up_to_social_care": "step_up", "step_up_to_csc": "step_up",
        "escalated_to_social_care": "step_up", "step_down": "step_down_universal",
        "stepped_down": "step_down_universal", "step_down_to_universal": "step_down_universal",
        "universal_services": "step_down_universal", "consent_withdrawn": "disengaged",
        "family_disengaged": "disengaged", "disengagement": "disengaged",
        "moved": "moved_away", "moved_out_of_area": "moved_away", "family_moved": "moved_away",
        "transfer": "transferred", "transferred_to_another_la": "transferred",
        "nfa": "other", "no_further_action": "other",
    },
    "involvements.role": {
        "allocated_case_worker": "allocated_worker", "allocated_social_worker": "allocated_worker",
        "case_worker": "allocated_worker", "social_worker": "allocated_worker",
        "key_worker": "allocated_worker", "lead_professional": "lead_practitioner",
        "lead_worker": "lead_practitioner", "team_around_the_family": "taf_member", "taf": "taf_member",
    },
    "requests.route": {"mash": "mash_diversion", "step_down_from_social_care": "step_down"},
}

# -- statutory care (SSDA903 return, CIN census) -----------------------------------------
# SSDA903 placement types (PLACE), as in the DfE guidance for the children looked after return.
PLACEMENT: Dict[str, str] = {
    "A3": "placed for adoption with consent with current foster carer",
    "A4": "placed for adoption with consent not with current foster carer",
    "A5": "placed for adoption with placement order with current foster carer",
    "A6": "placed for adoption with placement order not with current foster carer",
    "H5": "semi-independent living accommodation not subject to children's homes regulations",
    "K1": "secure children's home",
    "K2": "children's home subject to children's homes regulations",
    "P1": "placed with own parent(s) or other person(s) with parental responsibility",
    "P2": "independent living, e.g. flat, lodgings, bedsit, B&B or with friends",
    "P3": "residential employment",
    "R1": "residential care home",
    "R2": "NHS/health trust or other establishment providing medical or nursing care",
    "R3": "family centre or mother and baby unit",
    "R5": "young offender institution or prison",
    "S1": "all residential schools, except where dual-registered as a school and children's home",
    "T0": "temporary placement (all types) lasting no more than seven days",
    "T1": "temporary periods in hospital",
    "T2": "temporary absences of the child on holiday",
    "T3": "temporary accommodation whilst normal foster carer is on holiday",
    "T4": "temporary accommodation of seven days or less, for any reason not covered by codes T1-T3",
    "U1": "foster placement with relative or friend, long term fostering",
    "U2": "foster placement with relative or friend who is also an approved adopter (FFA/concurrent planning)",
    "U3": "foster placement with relative or friend, not long term or FFA/concurrent planning",
    "U4": "foster placement with other foster carer, long term fostering",
    "U5": "foster placement with other foster carer who is also an approved adopter (FFA/concurrent planning)",
    "U6": "foster placement with other foster carer, not long term or FFA/concurrent planning",
    "Z1": "other placements (must be listed on a schedule sent to DfE with annual submission)",
}

# SSDA903 legal status (LS).
LEGAL_STATUS: Dict[str, str] = {
    "C1": "interim care order", "C2": "full care order", "D1": "freeing order granted",
    "E1": "placement order granted", "J1": "remanded to local authority accommodation or to youth detention",
    "J2": "placed in local authority accommodation under PACE", "J3": "sentenced to a youth rehabilitation order",
    "L1": "under police protection and in local authority accommodation",
    "L2": "emergency protection order", "L3": "under child assessment order and in local authority accommodation",
    "V2": "single period of accommodation under section 20",
    "V3": "accommodated under an agreed series of short-term breaks, individual episodes",
    "V4": "accommodated under an agreed series of short-term breaks, when agreements are recorded",
}

# SSDA903 reason for new episode (RNE).
REASON_NEW_EPISODE: Dict[str, str] = {
    "S": "started to be looked after", "L": "change of legal status only",
    "P": "change of placement and carer(s) only", "T": "change of placement only, same carer(s)",
    "B": "change of legal status and placement and carer(s) at the same time",
    "U": "change of legal status and change of placement at the same time, same carer(s)",
}

# SSDA903 reason episode ceased (REC); X1 = the episode ceased but the child stays looked after.
REASON_FOR_LEAVING: Dict[str, str] = {
    "X1": "episode ceases, and new episode begins on same day, for any reason",
    "E11": "adopted: application unopposed", "E12": "adopted: consent dispensed with by the court",
    "E13": "left care to live with parent(s), relative(s), or other person(s) with no parental responsibility",
    "E14": "accommodation on remand ended", "E15": "age assessment determined child is aged 18 or over",
    "E16": "child moved abroad", "E17": "aged 18 (or over) and remained with current carers (staying put)",
    "E2": "died", "E3": "care taken over by another local authority in the UK",
    "E41": "residence order or child arrangement order granted",
    "E45": "special guardianship order made to former foster carer(s), who was/are a relative(s) or friend(s)",
    "E46": "special guardianship order made to former foster carer(s), other than relative(s) or friend(s)",
    "E47": "special guardianship order made to carer(s), other than former foster carer(s), who was/are a "
           "relative(s) or friend(s)",
    "E48": "special guardianship order made to carer(s), other than former foster carer(s), other than "
           "relative(s) or friend(s)",
    "E4A": "returned home to live with parent(s), relative(s), or other person(s) with parental responsibility "
           "as part of the care planning process",
    "E4B": "returned home to live with parent(s), relative(s), or other person(s) with parental responsibility "
           "which was not part of the current care planning process",
    "E43": "special guardianship order made to former foster carer(s) (before 2014-15)",
    "E44": "special guardianship order made to carer(s), not former foster carer(s) (before 2014-15)",
    "E5": "moved into independent living arrangement and no longer looked-after: supportive accommodation "
          "providing formalised advice/support",
    "E6": "moved into independent living arrangement and no longer looked-after: accommodation providing no "
          "formalised advice/support",
    "E7": "transferred to residential care funded by adult social care services",
    "E8": "period of being looked-after ceased for any other reason",
    "E9": "sentenced to custody",
}
CLA_CONTINUES = "X1"  # reason_for_leaving that ends an episode but not the period of care

# Child protection plan initial category of abuse (CIN census).
CP_CATEGORY: Dict[str, str] = {
    "NEG": "neglect", "PHY": "physical abuse", "SAB": "sexual abuse", "EMO": "emotional abuse",
    "MUL": "multiple",
}

# Services and interventions a family is referred to during Early Help (Wigan's dashboard names
# young carers and children's centres; Coventry's Family Hub offer names the rest).
SERVICE: Dict[str, str] = {
    "young_carers": "young carers service", "childrens_centre": "children's centre targeted support",
    "parenting_programme": "parenting programme", "family_hub_activity": "Family Hub activity",
    "emotional_wellbeing": "emotional wellbeing / CAMHS getting help", "domestic_abuse_support":
    "domestic abuse support", "substance_misuse_service": "substance misuse service",
    "housing_support": "housing support", "money_advice": "money and benefits advice",
    "youth_service": "targeted youth support", "speech_language": "speech, language and communication",
    "other": "other service",
}
SERVICE_REFERRAL_OUTCOME: Tuple[str, ...] = ("accepted", "declined", "waiting", "not_eligible")

# Family-voice survey questions (Coventry's Family Hub survey, Wigan's "families say they ...").
VOICE_QUESTION: Dict[str, str] = {
    "felt_welcomed": "felt welcomed", "got_help_needed": "received the help they needed",
    "experience_good": "rated their experience as good or better",
    "knew_where_to_go": "know how to navigate local services and get help",
    "listened_to": "felt those that helped listened and cared",
    "worked_together": "felt all professionals worked together to support the family",
    "told_story_once": "only had to tell their story once",
}
VOICE_SCALE_MAX = 5  # answers on a 1-5 scale (strongly disagree .. strongly agree; poor .. excellent)
VOICE_POSITIVE_FROM = 4  # 4 and 5 count as positive ("agree", "good or better")
