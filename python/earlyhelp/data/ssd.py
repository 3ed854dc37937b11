"""Standard Safeguarding Dataset (SSD) specifics that are more than a column rename.

The SSD (data-to-insight/ssd-data-model) stores some facts in JSON text and side tables:
contact outcomes as flags, assessment factors as a JSON list, disabilities one row per
code, early help episodes per child without a family. These helpers read them into
our columns, on distinct values only (vectorised).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

import numpy as np
import pandas as pd

from .._errors import Problem
from . import codes as code_lists
from .schema import FOLDED_COLUMNS

# Contact outcome flags (cont_contact_outcome_json) in order of precedence -> our decision.
CONTACT_OUTCOME_FLAGS = (
    ("NEW_REFERRAL_FLAG", "social_care_referral"), ("CP_ENQUIRY_FLAG", "social_care_referral"),
    ("EXISTING_REFERRAL_FLAG", "existing_case"), ("OLA_CP_FLAG", "existing_case"),
    ("EARLY_HELP_FLAG", "early_help"), ("ADVICE_FLAG", "advice_signpost"), ("NFA_FLAG", "nfa"),
)
_YES = r'"?\s*:\s*"?(?:Y|YES|TRUE|1)\b'


def contact_outcome_to_decision(values: pd.Series) -> pd.Series:
    """SSD contact-outcome JSON (``{"NFA_FLAG": "Y", ...}``) -> decision text; other text unchanged."""
    text = values.astype("string[pyarrow]")
    uniques = pd.Series(text.dropna().unique(), dtype=object)
    if uniques.empty or not uniques.str.lstrip().str.startswith("{").any():
        return values
    decided = pd.Series([None] * len(uniques), dtype=object)
    for flag, decision in CONTACT_OUTCOME_FLAGS:
        hit = uniques.str.contains(flag + _YES, flags=re.IGNORECASE, regex=True) & decided.isna()
        decided[hit] = decision
    is_json = uniques.str.lstrip().str.startswith("{")
    # JSON with no flag set says nothing: missing decision, not a guess
    result = pd.Series(np.where(is_json, decided, uniques), index=uniques)
    return text.map(result).astype("string[pyarrow]")


def factors_to_text(values: pd.Series) -> pd.Series:
    """SSD assessment-factor JSON (``["1A","3B"]`` or ``{"1A": "Yes", ...}``) -> ``"1A,3B"``."""
    text = values.astype("string[pyarrow]")
    uniques = pd.Series(text.dropna().unique(), dtype=object)
    if uniques.empty:
        return text

    def read(u: str) -> str:
        u = u.strip()
        if u.startswith("{"):
            found = re.findall(r'"([0-9]{1,2}[A-F]?)"\s*:\s*"?(?:Y|Yes|True|1)\b', u, flags=re.IGNORECASE)
        elif u.startswith("["):
            found = re.findall(r'"?([0-9]{1,2}[A-F]?)"?', u)
        else:
            found = [f.strip() for f in re.split(r"[,;|\s]+", u) if f.strip()]
        return ",".join(f.upper() for f in found)

    mapping = pd.Series([read(u) for u in uniques], index=uniques)
    return text.map(mapping).astype("string[pyarrow]")


def _pick(frame: pd.DataFrame, names) -> Optional[str]:
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    for n in names:
        if n.lower() in lowered:
            return lowered[n.lower()]
    return None


def fold_disability(persons: pd.DataFrame, disability: pd.DataFrame, problems: List[Problem],
                    report: Dict[str, Any]) -> pd.DataFrame:
    """Put an SSD disability table (one row per person and code) onto persons.

    ``disability`` becomes the first code in the national list order other than NONE
    (NONE when that is all), ``disability_codes`` lists every code, comma-separated.
    """
    cols = FOLDED_COLUMNS["disability"]
    pid, code = _pick(disability, cols["person_id"]), _pick(disability, cols["code"])
    if pid is None or code is None:
        problems.append(Problem("disability", None, "needs disa_person_id and disa_disability_code columns"))
        return persons
    d = pd.DataFrame({"person_id": disability[pid].astype("string[pyarrow]").str.strip(),
                      "code": disability[code].astype("string[pyarrow]").str.strip().str.upper()}).dropna()
    order = {c: i for i, c in enumerate(code_lists.DISABILITY[1:])}
    d["rank"] = d["code"].astype(object).map(order).astype(float).fillna(len(order))
    d.loc[d["code"] == "NONE", "rank"] = len(order) + 1  # NONE only when there is nothing else
    d = d.sort_values(["person_id", "rank"], kind="stable")
    main = d.drop_duplicates("person_id").set_index("person_id")["code"]
    every = d.groupby("person_id", sort=False)["code"].agg(",".join)
    if "person_id" not in persons.columns:
        problems.append(Problem("persons", "person_id", "needed to attach the disability table"))
        return persons
    out = persons.copy()
    keys = out["person_id"].astype("string[pyarrow]")
    if "disability" not in out.columns:
        out["disability"] = keys.map(main).astype(object)
    out["disability_codes"] = keys.map(every).astype("string[pyarrow]")
    orphan = ~d["person_id"].isin(keys)
    if orphan.any():
        problems.append(Problem("disability", "person_id", "refers to a persons row that does not exist",
                                list(d.loc[orphan, "person_id"].head(10)), int(orphan.sum()),
                                d.loc[orphan, "person_id"].iloc[0]))
    report["derived"].append("persons.disability from the SSD disability table")
    return out


def fold_factors(assessments: pd.DataFrame, factors: pd.DataFrame, problems: List[Problem],
                 report: Dict[str, Any]) -> pd.DataFrame:
    """Put an SSD assessment-factors table onto csc_assessments.factors."""
    cols = FOLDED_COLUMNS["assessment_factors"]
    aid, fac = _pick(factors, cols["assessment_id"]), _pick(factors, cols["factors"])
    if aid is None or fac is None:
        problems.append(Problem("assessment_factors", None,
                                "needs cinf_assessment_id and cinf_assessment_factors_json columns"))
        return assessments
    f = pd.DataFrame({"assessment_id": factors[aid].astype("string[pyarrow]").str.strip(),
                      "factors": factors_to_text(factors[fac])}).dropna(subset=["assessment_id"])
    joined = f.groupby("assessment_id", sort=False)["factors"].agg(lambda s: ",".join(x for x in s.dropna() if x))
    out = assessments.copy()
    key = _pick(out, ("assessment_id", "cina_assessment_id"))
    if key is None:
        problems.append(Problem("csc_assessments", "assessment_id", "needed to attach assessment factors"))
        return out
    out["factors"] = out[key].astype("string[pyarrow]").str.strip().map(joined)
    report["derived"].append("csc_assessments.factors from the SSD assessment factors table")
    return out


def expected_birth(persons: pd.DataFrame) -> pd.DataFrame:
    """Unborn children: birth_date <- expected_birth_date where missing, flagged expected_birth."""
    if "expected_birth_date" not in persons.columns or not persons["expected_birth_date"].notna().any():
        return persons
    fill = persons["birth_date"].isna() & persons["expected_birth_date"].notna()
    if not fill.any():
        return persons
    out = persons.copy()
    out["birth_date"] = out["birth_date"].where(~fill, out["expected_birth_date"])
    flag = out["expected_birth"].astype("boolean")
    out["expected_birth"] = flag.mask(fill, True)
    return out


def family_of_persons(members: pd.DataFrame, person_ids: pd.Series, dates: pd.Series) -> pd.Series:
    """The family each (person, date) belongs to, from family_members (vectorised).

    A child in several families gets the membership valid on the date (valid_from <= date
    <= valid_to); if none is, the most recent membership starting on or before the date,
    else the first listed.
    """
    out = pd.Series(pd.NA, index=person_ids.index, dtype="string[pyarrow]")
    if members.empty or person_ids.isna().all():
        return out
    m = members[["family_id", "person_id", "valid_from", "valid_to"]].reset_index(drop=True)
    m = m.assign(order=np.arange(len(m)))
    q = pd.DataFrame({"person_id": person_ids.astype("string[pyarrow]").to_numpy(),
                      "date": pd.to_datetime(dates).to_numpy(), "row": np.arange(len(person_ids))})
    j = q.merge(m, on="person_id", how="inner")
    valid = ((j["valid_from"].isna() | (j["valid_from"] <= j["date"]))
             & (j["valid_to"].isna() | (j["valid_to"] >= j["date"])))
    started = j["valid_from"].isna() | (j["valid_from"] <= j["date"])
    j["score"] = valid.astype(int) * 2 + started.astype(int)
    j = j.sort_values(["row", "score", "valid_from", "order"], ascending=[True, False, False, True],
                      na_position="last", kind="stable").drop_duplicates("row")
    values = out.to_numpy(dtype=object)
    values[j["row"].to_numpy()] = j["family_id"].astype(object).to_numpy()
    return pd.Series(values, index=person_ids.index).astype("string[pyarrow]")
