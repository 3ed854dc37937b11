"""Standard Safeguarding Dataset (SSD) specifics that are more than a column rename.

The SSD (data-to-insight/ssd-data-model) stores some facts in JSON text and side tables:
contact outcomes as flags, assessment factors as a JSON list, disabilities one row per
code, early help episodes per child without a family. These helpers read them into
our columns, on distinct values only (vectorised).
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem
from . import codes as code_lists
from .age import completed_years
from .schema import FOLDED_COLUMNS

# The specification's contact-outcome flags (ssd_contacts.cont_contact_outcome_json) -> decision.
# Statutory outcomes come first and cannot be overridden; a council's own mapping (flags or
# words in COMMENTS) comes next; advice and NFA last. The specification has no Early Help
# flag: Early Help outcomes are recorded locally (OTHER_OUTCOMES_EXIST_FLAG, comments, a
# local key), so without a council mapping they cannot be derived and are counted as such.
STATUTORY_OUTCOME_FLAGS = (
    ("CP_ENQUIRY_FLAG", "social_care_referral"), ("NEW_REFERRAL_FLAG", "social_care_referral"),
    ("EXISTING_REFERRAL_FLAG", "existing_case"), ("OLA_CP_FLAG", "existing_case"),
)
OTHER_OUTCOME_FLAGS = (("ADVICE_FLAG", "advice_signpost"), ("NFA_FLAG", "nfa"))
# Flags that say something happened that is not one of our decisions.
UNDECIDED_FLAGS = ("NON_AGENCY_ADOPTION_FLAG", "PRIVATE_FOSTERING_FLAG", "MISSING_FLAG",
                   "OTHER_OUTCOMES_EXIST_FLAG")
_TRUE = frozenset({"Y", "YES", "TRUE", "T", "1"})
_COMMENTS_LAST = re.compile(r'"?COMMENTS"?\s*:\s*"(.*)"\s*}\s*$', re.DOTALL | re.IGNORECASE)
_PAIR = re.compile(r'"?([A-Za-z_][A-Za-z0-9_]*)"?\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([^,}\s]+))')


def read_outcome_json(text: str) -> Dict[str, str]:
    """The keys and values of one outcome JSON, also when the deployment's hand-built JSON is
    not strict (unquoted keys, a quote inside COMMENTS)."""
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return {str(k).upper(): "" if v is None else str(v) for k, v in parsed.items()}
    except ValueError:
        pass
    pairs = {m.group(1).upper(): (m.group(2) if m.group(2) is not None else m.group(3) or "")
             for m in _PAIR.finditer(text)}
    tail = _COMMENTS_LAST.search(text)   # the deployment writes COMMENTS last, quotes unescaped
    if tail:
        pairs["COMMENTS"] = tail.group(1)
    return pairs


def _decide(pairs: Dict[str, str], flags: Mapping[str, str], comments: Mapping[str, str],
            values: Optional[Mapping[str, Mapping[str, str]]] = None) -> Tuple[Optional[str], str]:
    """(decision or None, how it was decided or why not) for one contact outcome."""
    on = {k for k, v in pairs.items() if str(v).strip().upper() in _TRUE}
    for flag, decision in STATUTORY_OUTCOME_FLAGS:
        if flag in on:
            return decision, flag
    text = str(pairs.get("COMMENTS", "")).lower()
    for words, decision in comments.items():
        if words.lower() in text:
            return decision, f"COMMENTS ~ {words!r} (code map)"
    for key, table in (values or {}).items():   # a local key's value, e.g. the deciding team's code
        value = str(pairs.get(key.upper(), "")).strip().upper()
        for local, decision in table.items():
            if value and value == str(local).strip().upper():
                return decision, f"{key.upper()} = {local!r} (code map)"
    for flag, decision in flags.items():
        if flag in on:
            return decision, f"{flag} (code map)"
    for flag, decision in OTHER_OUTCOME_FLAGS:
        if flag in on:
            return decision, flag
    if on:
        return None, "only " + ", ".join(sorted(on)) + " set (map it in [ssd.contact_outcomes])"
    return None, "no outcome flag set"


def contact_outcome_to_decision(values: pd.Series, flags: Optional[Mapping[str, str]] = None,
                                comments: Optional[Mapping[str, str]] = None,
                                report: Optional[Dict[str, Any]] = None,
                                keys: Optional[Mapping[str, Mapping[str, str]]] = None) -> pd.Series:
    """SSD contact-outcome JSON (``{"NFA_FLAG": "Y", ...}``) -> decision text; other text unchanged.

    ``flags`` (flag -> decision) and ``comments`` (words -> decision) are the council's own
    practice, e.g. ``{"OTHER_OUTCOMES_EXIST_FLAG": "early_help"}``; ``keys`` maps the value of
    a (local) key to a decision, e.g. ``{"TEAM": {"EHHUB": "early_help"}}``. Contacts whose decision
    cannot be derived are missing and counted in ``report["not_derived"]``; how the others
    were decided is counted in ``report["mapped"]``. Distinct values only are parsed.
    """
    text = values.astype("string[pyarrow]")
    uniques = pd.Series(text.dropna().unique(), dtype=object)
    is_json = uniques.str.lstrip().str.startswith("{") if len(uniques) else pd.Series([], dtype=bool)
    if not is_json.any():
        if report is not None and text.isna().any():   # nothing recorded: counted, never silently missing
            report.setdefault("not_derived", []).append(
                {"table": "requests", "column": "decision", "rows": int(text.isna().sum()),
                 "reason": "no outcome recorded (empty or NULL)"})
        return values
    decided: Dict[str, Any] = {}
    how: Dict[str, str] = {}
    for u, j in zip(uniques, is_json):
        if j:
            decided[u], how[u] = _decide(read_outcome_json(u), {k.upper(): v for k, v in (flags or {}).items()},
                                         comments or {}, keys)
        else:
            decided[u], how[u] = u, "decision text"
    result = text.map(pd.Series(decided, dtype=object)).astype("string[pyarrow]")
    if report is not None:
        reasons = text.map(pd.Series(how, dtype=object)).fillna("no outcome recorded (empty or NULL)")
        counts = reasons[result.isna()].value_counts()
        for reason, n in counts.items():
            report.setdefault("not_derived", []).append(
                {"table": "requests", "column": "decision", "rows": int(n), "reason": str(reason)})
        used = reasons[result.notna() & (reasons != "decision text")].value_counts()
        for reason, n in used.items():
            report.setdefault("mapped", []).append(
                {"table": "requests", "column": "decision", "rows": int(n),
                 "how": f"cont_contact_outcome_json: {reason}"})
    return result


def factors_to_text(values: pd.Series) -> pd.Series:
    """SSD assessment-factor JSON (``["1A","3B"]`` or ``{"1A": "Yes", ...}``) or text (``1A, 3B``) -> ``"1A,3B"``.

    The codes are read the same way, in any case, from each form.
    """
    text = values.astype("string[pyarrow]")
    uniques = pd.Series(text.dropna().unique(), dtype=object)
    if uniques.empty:
        return text

    def read(u: str) -> str:
        u = u.strip()
        if u.startswith("{"):
            found = re.findall(r'"([0-9]{1,2}[A-F]?)"\s*:\s*"?(?:Y|Yes|True|1)\b', u, flags=re.IGNORECASE)
        else:   # a JSON list reads as plain text does: every item whole, in any case
            found = [f for f in re.split(r'[\[\]",;|\s]+', u) if f]
        return ",".join(f.upper() for f in found)

    # an object index, as given: pandas 2 with future.infer_string warns when it would infer one
    mapping = pd.Series([read(u) for u in uniques], index=pd.Index(uniques.to_numpy(), dtype=object))
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
    person_ids = disability[pid].astype("string[pyarrow]").str.strip()
    codes = disability[code].astype("string[pyarrow]").str.strip().str.upper()
    d = pd.DataFrame({"person_id": person_ids.mask(person_ids.eq("").fillna(False)),
                      "code": codes.mask(codes.eq("").fillna(False))})
    empty = d.isna().any(axis=1).to_numpy(dtype=bool)
    if empty.any():   # nothing to attach, but counted: no row leaves without a word
        report.setdefault("not_derived", []).append(
            {"table": "disability", "column": str(code), "rows": int(empty.sum()),
             "reason": "disability row without a person or a code: not attached to anyone"})
        d = d[~empty]
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
    ids = factors[aid].astype("string[pyarrow]").str.strip()
    f = pd.DataFrame({"assessment_id": ids.mask(ids.eq("").fillna(False)), "factors": factors_to_text(factors[fac])})
    blank = f["assessment_id"].isna().to_numpy(dtype=bool)
    if blank.any():   # nothing to attach, but counted: no row leaves without a word
        report.setdefault("not_derived", []).append(
            {"table": "assessment_factors", "column": str(aid), "rows": int(blank.sum()),
             "reason": "assessment factors row without an assessment id: not attached to any assessment"})
        f = f[~blank]
    joined = f.groupby("assessment_id", sort=False)["factors"].agg(lambda s: ",".join(x for x in s.dropna() if x))
    out = assessments.copy()
    key = _pick(out, ("assessment_id", "cina_assessment_id"))
    if key is None:
        problems.append(Problem("csc_assessments", "assessment_id", "needed to attach assessment factors"))
        return out
    keys = out[key].astype("string[pyarrow]").str.strip()
    out["factors"] = keys.map(joined)
    orphan = ~f["assessment_id"].isin(keys).to_numpy(dtype=bool)
    if orphan.any():   # a dangling reference, as for the disability table's persons
        problems.append(Problem("assessment_factors", str(aid), "refers to a csc_assessments row that does not exist",
                                list(f.loc[orphan, "assessment_id"].head(10)), int(orphan.sum()),
                                f.loc[orphan, "assessment_id"].iloc[0]))
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
    else the latest starting after it. Among equally valid memberships, the family with more of
    the asked rows on that date (siblings' episodes opened together) wins, then the latest
    begun, then the lowest family id: never the order the rows are listed in, which a SQL
    extract without ORDER BY does not keep. :func:`family_choices` also says which rows were
    so decided.
    """
    return family_choices(members, person_ids, dates)["family_id"]


def family_choices(members: pd.DataFrame, person_ids: pd.Series, dates: pd.Series) -> pd.DataFrame:
    """:func:`family_of_persons` with how each family was chosen.

    Parameters
    ----------
    members : DataFrame
        family_members rows (``family_id``, ``person_id``, ``valid_from``, ``valid_to``).
    person_ids, dates : Series
        each row's person and the date its family is asked for.

    Returns
    -------
    DataFrame on ``person_ids``' index: ``family_id`` (missing for a person in no family);
    ``not_valid_on_the_date`` (no membership of the person is valid on the date: the latest
    begun by then, else the latest, was used); ``tie`` (two or more families equally valid,
    with as many rows that day and begun the same day, or undated: the lowest family id was
    used).
    """
    out = pd.DataFrame({"family_id": pd.Series(pd.NA, index=person_ids.index, dtype="string[pyarrow]"),
                        "not_valid_on_the_date": False, "tie": False}, index=person_ids.index)
    if members.empty or person_ids.isna().all():
        return out
    m = members[["family_id", "person_id", "valid_from", "valid_to"]].reset_index(drop=True)
    q = pd.DataFrame({"person_id": person_ids.astype("string[pyarrow]").to_numpy(),
                      "date": pd.to_datetime(dates).to_numpy(), "row": np.arange(len(person_ids))})
    j = q.merge(m, on="person_id", how="inner")
    valid = ((j["valid_from"].isna() | (j["valid_from"] <= j["date"]))
             & (j["valid_to"].isna() | (j["valid_to"] >= j["date"])))
    started = j["valid_from"].isna() | (j["valid_from"] <= j["date"])
    j["score"] = valid.astype(int) * 2 + started.astype(int)
    # a child in two families with no dates to tell them apart: the family whose other members
    # have a row on the same day (siblings' episodes start together)
    j["support"] = j.groupby(["family_id", "date"], sort=False)["row"].transform("nunique")
    j = j.sort_values(["row", "score", "support", "valid_from", "family_id"],
                      ascending=[True, False, False, False, True], na_position="last", kind="stable")
    # the same family listed twice for a person is no choice between families
    j = j.drop_duplicates(["row", "family_id"])
    first = ~j.duplicated("row")
    rank = ["score", "support", "valid_from"]
    best = j[first].set_index("row")[rank]
    second = j[~first].drop_duplicates("row").set_index("row")[rank]
    common = second.index
    same = pd.Series(True, index=common)
    for col in rank:
        a, b = best.loc[common, col], second[col]
        same &= (a == b).fillna(False) | (a.isna() & b.isna())
    chosen = j[first]
    rows = chosen["row"].to_numpy()
    family = out["family_id"].to_numpy(dtype=object)
    family[rows] = chosen["family_id"].astype(object).to_numpy()
    out["family_id"] = pd.Series(family, index=person_ids.index).astype("string[pyarrow]")
    stale = np.zeros(len(out), bool)
    stale[rows] = chosen["score"].to_numpy() < 2
    out["not_valid_on_the_date"] = stale
    tie = np.zeros(len(out), bool)
    tie[same[same].index.to_numpy(dtype=np.int64)] = True
    out["tie"] = tie
    return out


# -- reading an extract as its case system wrote it --------------------------------------------
# Two stages, called by Dataset.from_frames: ``prepare_frames`` on the frames as given (after
# column renaming, before types), ``derive_family_level`` on the typed tables. Every change is
# counted in the load report: ``ignored_values`` (placeholders, NULL text), ``mapped``,
# ``derived`` and ``not_derived``.

def _text_columns(frame: pd.DataFrame) -> List[str]:
    return [c for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c].dtype) or pd.api.types.is_string_dtype(frame[c].dtype)]


def _as_text_or_named(table: str, column: str, values: pd.Series) -> pd.Series:
    """A column as text; bytes that are not UTF-8 (a Parquet column stored as plain binary) are named."""
    from .._errors import Problem, ValidationError

    try:
        return values.astype("string[pyarrow]")
    except UnicodeDecodeError as exc:
        raise ValidationError(Problem(table, column, f"holds bytes that are not UTF-8 text ({exc.reason} at byte "
                                      f"{exc.start}): write the column as text (UTF-8)", value=exc.object[:40]))


def _blank_missing(name: str, frame: pd.DataFrame, profile, report: Dict[str, Any]) -> pd.DataFrame:
    """NULL text and placeholders -> missing, counted per column and value."""
    from .schema import TABLES
    from .ssd_profiles import NULL_TEXTS, PLACEHOLDERS

    kinds = {c.name: c.kind for c in TABLES[name].columns} if name in TABLES else {}
    out = None
    for col in _text_columns(frame):
        is_id = kinds.get(col) == "id" or str(col).endswith("_id")
        texts = set(NULL_TEXTS)
        if is_id:
            texts |= set(PLACEHOLDERS) | set(profile.missing.get("*", ()))
        texts |= set(profile.missing.get(f"{name}.{col}", ()))
        values = _as_text_or_named(name, col, frame[col]).str.strip().str.upper()
        hit = values.isin([t.upper() for t in texts]).fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        if out is None:
            out = frame.copy()
        for value, n in values[hit].value_counts().items():
            report.setdefault("ignored_values", []).append(
                {"table": name, "column": str(col), "value": str(value), "rows": int(n),
                 "reason": "NULL text: loaded as missing" if value in NULL_TEXTS
                 else "placeholder, not a real value: loaded as missing"})
        out[col] = frame[col].astype("string[pyarrow]").mask(hit)
    return frame if out is None else out


# An id a spreadsheet or a float column wrote as a number: 123.0 (Excel, pandas with a blank cell).
_WHOLE_NUMBER = r"[+-]?[0-9]+(?:\.0*)?"


def _whole_number_ids(name: str, frame: pd.DataFrame, id_columns: List[str], report: Dict[str, Any]) -> pd.DataFrame:
    """Id columns written as numbers with a decimal point (``123.0``) -> ``123``, counted.

    Only a column whose every value is a whole number is read so: there the ``.0`` is how a
    tool wrote the number, and left in it would not match ``123`` in the table it refers to.
    """
    out = None
    for col in id_columns:
        if col not in frame.columns or not (pd.api.types.is_object_dtype(frame[col].dtype)
                                            or pd.api.types.is_string_dtype(frame[col].dtype)):
            continue
        text = frame[col].astype("string[pyarrow]").str.strip()
        pointed = text.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
        if not pointed.any():
            continue
        present = pd.Series(text.dropna().unique(), dtype="string[pyarrow]")   # distinct values only
        present = present[present != ""]
        if not present.str.fullmatch(_WHOLE_NUMBER).all():
            continue
        if out is None:
            out = frame.copy()
        out[col] = text.str.replace(r"\.0*$", "", regex=True)
        report.setdefault("mapped", []).append(
            {"table": name, "column": str(col), "rows": int(pointed.sum()),
             "how": "id written as a number with a decimal point (such as 123.0): read without it"})
    return frame if out is None else out


# SQL Server's datetime for an empty string or 0 (CAST('' AS datetime)): no date was recorded.
SQL_SERVER_EMPTY_DATE = pd.Timestamp("1900-01-01")
_EMPTY_DATE_TEXT = r"1900-01-01(?:[ T]00:00(?::00(?:\.0*)?)?)?"
# Excel's day numbers (1899-12-30 + n days) of five digits: 1927-05-18 to 2173-10-14; and
# 2958465, Excel's last day (9999-12-31), which a warehouse writes for "still open".
_EXCEL_SERIAL = r"[0-9]{5}(?:\.[0-9]*)?|2958465(?:\.0*)?"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_LAST_DAY = 2958465


def _sql_and_excel_dates(name: str, frame: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """Date columns: SQL Server's empty date -> missing; Excel day numbers -> dates. Both counted."""
    from .coerce import _numpy_datetimes as numpy_datetimes
    from .schema import TABLES

    if name not in TABLES:
        return frame
    out = None
    for column in TABLES[name].columns:
        col = column.name
        if column.kind != "date" or col not in frame.columns or pd.api.types.is_bool_dtype(frame[col].dtype):
            continue
        values = numpy_datetimes(frame[col])   # Arrow dates have no .dt.tz
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            naive = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
            empty = (naive == SQL_SERVER_EMPTY_DATE).to_numpy(dtype=bool, na_value=False)
            days, serial = None, np.zeros(len(values), bool)
        elif pd.api.types.is_numeric_dtype(values.dtype):   # a spreadsheet's day numbers, read as numbers
            days = values.astype("float64").to_numpy(na_value=np.nan)
            serial = ~np.isnan(days) & (((days >= 10000) & (days < 100000)) | (days == EXCEL_LAST_DAY))
            empty = np.zeros(len(values), bool)
        else:
            codes, uniques = pd.factorize(values.astype("string[pyarrow]"), use_na_sentinel=True)
            text = pd.Series(uniques, dtype="string[pyarrow]").str.strip()   # distinct values only
            is_empty = np.append(text.str.fullmatch(_EMPTY_DATE_TEXT).fillna(False).to_numpy(dtype=bool), False)
            is_serial = np.append(text.str.fullmatch(_EXCEL_SERIAL).fillna(False).to_numpy(dtype=bool), False)
            empty, serial = is_empty[codes], is_serial[codes]   # code -1 (missing) picks the trailing False
            days = np.full(len(values), np.nan)
            if serial.any():
                days[serial] = text[is_serial[:-1]].astype("float64").to_numpy()[
                    np.searchsorted(np.flatnonzero(is_serial[:-1]), codes[serial])]
        if not (empty.any() or serial.any()):
            continue
        if out is None:
            out = frame.copy()
        if serial.any():
            new = values.astype("string[pyarrow]").astype(object).to_numpy().copy()   # writable, also in pandas 3
            # 9999-12-31 is past what a Timestamp holds: written as text, it is read as an open end
            # (in an end date) or reported as a far date (elsewhere), as the same date written out is
            last_day = days[serial] == EXCEL_LAST_DAY
            dates = (EXCEL_EPOCH + pd.to_timedelta(np.floor(np.where(last_day, 0, days[serial])), unit="D")
                     ).strftime("%Y-%m-%d")
            dates = np.where(last_day, "9999-12-31", np.asarray(dates, dtype=object))
            new[serial] = np.asarray(dates, dtype=object)
            out[col] = pd.Series(new, index=values.index, dtype=object).astype("string[pyarrow]")
            first = days[serial][0]
            report.setdefault("mapped", []).append(
                {"table": name, "column": col, "rows": int(serial.sum()),
                 "how": f"Excel day number read as a date ({first:g} = {dates[0]})"})
        if empty.any():
            out[col] = out[col].mask(empty)
            report.setdefault("ignored_values", []).append(
                {"table": name, "column": col, "value": "1900-01-01", "rows": int(empty.sum()),
                 "reason": "SQL Server's date for an empty value (CAST('' AS datetime)): loaded as missing"})
    return frame if out is None else out


def _ssms_footer_rows(name: str, frame: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """Trailing rows that are SSMS footer lines read as data (``pd.read_csv`` of an SSMS text file):
    the footer text in the first column and nothing else. Left out, counted in the load report."""
    from .readers import SSMS_FOOTER, SSMS_FOOTER_REASON

    last = frame.iloc[-1, 0] if frame.shape[1] else None
    if not isinstance(last, str) or not SSMS_FOOTER.fullmatch(last.strip()):
        return frame   # the usual case, told by one cell
    tail = frame.iloc[-3:]   # the row count and the completion time, at most
    first = tail.iloc[:, 0].astype("string[pyarrow]").str.strip()
    rest = tail.iloc[:, 1:].astype("string[pyarrow]").apply(lambda c: c.str.strip())
    empty = (rest.isna() | rest.eq("")).all(axis=1) if rest.shape[1] else pd.Series(True, index=tail.index)
    footer = (first.str.fullmatch(SSMS_FOOTER.pattern).fillna(False) & empty).to_numpy(dtype=bool)
    trailing = int(np.argmin(footer[::-1])) if not footer.all() else len(footer)   # footer rows at the very end
    if not trailing:
        return frame
    lines = first.iloc[len(first) - trailing:]
    report.setdefault("ignored_values", []).append(
        {"table": name, "column": str(frame.columns[0]), "value": " | ".join(lines.astype(str)), "rows": trailing,
         "reason": SSMS_FOOTER_REASON})
    return frame.iloc[:len(frame) - trailing]


def _disagreeing_contacts(requests: pd.DataFrame, ids: pd.Series, dup: np.ndarray,
                          settings=None) -> Dict[str, np.ndarray]:
    """Rows of contact ids written more than once whose rows give different dates, sources or
    outcomes, by what differs (``"contact dates"``, ...)."""
    from .coerce import parse_dates

    rows = pd.DataFrame({"id": ids[dup]})
    if "received_date" in requests.columns:
        text = requests.loc[dup, "received_date"].astype("string[pyarrow]").str.strip()
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        parsed = np.append(parse_dates(np.asarray(uniques, dtype=object)), np.datetime64("NaT"))
        day = pd.Series(parsed[codes], index=text.index)
        rows["contact dates"] = day.where(day.notna(), text.astype(object))   # unreadable text compared as written
    if "source" in requests.columns:
        rows["sources"] = requests.loc[dup, "source"].astype("string[pyarrow]").str.strip().str.upper()
    if "decision" in requests.columns:
        rows["outcomes"] = _row_outcomes(requests.loc[dup, "decision"], settings)
    clash = {}
    for col in rows.columns.drop("id"):
        differs = rows.groupby("id", sort=False)[col].transform("nunique").to_numpy(dtype="int64") > 1
        clash[col] = np.zeros(len(ids), bool)
        clash[col][dup] = differs
    return clash


def _row_outcomes(values: pd.Series, settings) -> pd.Series:
    """Each contact row's outcome as compared between the rows of one contact: the decision its
    outcome flags give (so the wording of COMMENTS does not count), else its text; "" when none
    is recorded, so one child referred and another with nothing recorded still differ."""
    decided = contact_outcome_to_decision(values, getattr(settings, "outcome_flags", None),
                                          getattr(settings, "outcome_comments", None), None,
                                          getattr(settings, "outcome_keys", None))
    return decided.astype("string[pyarrow]").str.strip().str.upper().fillna("")


def _collapse_child_rows(requests: pd.DataFrame, report: Dict[str, Any],
                         problems: Optional[List[Problem]] = None, settings=None) -> pd.DataFrame:
    """One contact written once per child it is about (same id) -> one request covering them.

    Rows that share an id but not the contact date, source or outcome are different contacts
    (or decisions that differ by child), not one written per child: they are a problem (never
    merged, which would lose the later ones' dates or decisions). ``settings`` (SSDSettings)
    says how outcomes are read.
    """
    if "request_id" not in requests.columns:
        return requests
    ids = requests["request_id"].astype("string[pyarrow]").str.strip()
    dup = ids.duplicated(keep=False).fillna(False).to_numpy(dtype=bool)
    if not dup.any():
        return requests
    differing = {what: rows for what, rows in _disagreeing_contacts(requests, ids, dup, settings).items()
                 if rows.any()}
    clash = np.zeros(len(ids), bool)
    for rows in differing.values():
        clash |= rows
    if clash.any():
        if problems is not None:
            what = " or ".join(differing)
            problems.append(Problem(
                "requests", "request_id", f"one contact id on rows with different {what}: they are not one "
                "contact written once per child (give each contact its own id, or one outcome per contact)",
                list(pd.unique(ids[clash]))[:10], int(clash.sum()), ids.iloc[np.flatnonzero(clash)[0]]))
        dup = dup & ~clash   # left as they are: their duplicate ids stay visible to validation
        if not dup.any():
            return requests
    person = requests["person_id"].astype("string[pyarrow]").str.strip() if "person_id" in requests.columns \
        else pd.Series(pd.NA, index=requests.index, dtype="string[pyarrow]")
    work = pd.DataFrame({"id": ids, "person": person})
    n_children = work.groupby("id", sort=False)["person"].nunique()
    everyone = work.dropna().drop_duplicates().groupby("id", sort=False)["person"].agg(",".join)
    first = ~ids.duplicated(keep="first").fillna(False).to_numpy(dtype=bool) | ids.isna().to_numpy() | clash
    out = requests[first].copy()
    key = ids[first]
    if "children" not in out.columns:
        out["children"] = key.map(n_children).clip(lower=1).astype("Int64").astype(str).to_numpy()
    out["person_ids"] = key.map(everyone).astype("string[pyarrow]").to_numpy()
    n_ids = int(ids[dup].nunique())
    report["derived"].append(f"requests: {int(dup.sum())} contact rows sharing {n_ids} contact ids (one row per "
                             f"child) read as {n_ids} requests covering those children (children, person_ids)")
    return out.reset_index(drop=True)


def _unique_child_episodes(episodes: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """One episode id written once per child (a Mosaic workflow step) -> ``<id>-<person>`` ids."""
    if "episode_id" not in episodes.columns or "person_id" not in episodes.columns:
        return episodes
    ids = episodes["episode_id"].astype("string[pyarrow]").str.strip()
    dup = ids.duplicated(keep=False).fillna(False).to_numpy(dtype=bool)
    if not dup.any():
        return episodes
    out = episodes.copy()
    person = out["person_id"].astype("string[pyarrow]").str.strip()
    out["episode_id"] = ids.where(~dup, ids + "-" + person.fillna(""))
    report["derived"].append(f"episodes: {int(dup.sum())} rows share {int(ids[dup].nunique())} episode ids (one "
                             "row per child): ids made <episode id>-<person id>")
    return out


# What a side table cannot be used without: (columns, any one of which will do; why it is needed).
# The disability and assessment-factor tables say so when they are folded (fold_disability, fold_factors).
FOLDED_NEEDS: Dict[str, Tuple[Tuple[Tuple[str, ...], str], ...]] = {
    "address": ((("person_id",), "to say whose address each row is (households and localities come from it)"),
                (("postcode", "address"), "to tell households apart and find their locality")),
    "department": ((("team_id",), "to find the team a professional's department id names"),
                   (("team_name",), "to match teams to the geography lookup's teams")),
}


def _folded_columns(name: str, frame: pd.DataFrame, problems: List[Problem], report: Dict[str, Any]) -> None:
    """A problem for each column a side table cannot be used without, a note for each other one
    it arrived without (both by SSD column name)."""
    cols = FOLDED_COLUMNS.get(name, {})
    absent = [k for k, names in cols.items() if _pick(frame, names) is None]
    for keys, why in FOLDED_NEEDS.get(name, ()):
        if all(k in absent for k in keys):
            names = [cols[k][0] for k in keys]
            other = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
            problems.append(Problem(name, names[0], f"required column is missing{other}; needed {why}"))
    for key in absent:
        report.setdefault("defaults", []).append(
            {"table": name, "column": cols[key][0], "value": None, "rows": len(frame),
             "reason": "column not in the extract: loaded as missing (not recorded)"})


def prepare_folded(folded: Dict[str, pd.DataFrame], settings, report: Dict[str, Any],
                   problems: Optional[List[Problem]] = None) -> Dict[str, pd.DataFrame]:
    """The SSD side tables (address, disability, ...) with NULL text and placeholders missing.

    SSMS writes ``NULL`` into these files as into any other: read as text it would make
    a postcode ``NULL`` (everyone without an address one household) or a disability code
    ``NULL``. Counted in the load report like the tables' own.

    Parameters
    ----------
    folded : dict of str to DataFrame
        the side tables by their folded name (``address``, ``disability``, ...).
    settings : SSDSettings or None
        how the case system writes its extract (its profile's placeholders).
    report : dict
        the load report; ``ignored_values`` gains one entry per column and text.
    problems : list of Problem, optional
        gains one problem per column a side table cannot be used without (FOLDED_NEEDS); the
        other absent columns are noted in ``report['defaults']``.

    Returns
    -------
    dict of str to DataFrame
        the same tables, NULL text and placeholders loaded as missing.
    """
    from .ssd_profiles import PROFILES

    prof = settings.profile if settings is not None else PROFILES["spec"]
    out = {}
    for name, frame in folded.items():
        if isinstance(frame, pd.DataFrame) and problems is not None and len(frame):
            _folded_columns(name, frame, problems, report)
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            frame = _ssms_footer_rows(name, frame, report)
            frame = _blank_missing(name, frame, prof, report)
            frame = _numbered_ids(name, frame, prof, report)
        out[name] = frame
    return out


def _numbered_ids(name: str, frame: pd.DataFrame, profile, report: Dict[str, Any]) -> pd.DataFrame:
    """Ids written as ``123.0`` read as ``123``; a placeholder so written (``-1.0``) then goes missing."""
    out = _whole_number_ids(name, frame, _id_columns(name, frame), report)
    return out if out is frame else _blank_missing(name, out, profile, report)


def _id_columns(name: str, frame: pd.DataFrame) -> List[str]:
    """The id columns of a table as given: the schema's, and any other named ``..._id``."""
    from .schema import TABLES

    kinds = {c.name: c.kind for c in TABLES[name].columns} if name in TABLES else {}
    return [c for c in frame.columns if kinds.get(c) == "id" or str(c).lower().endswith("_id")]


def _count_mapped(name: str, frame: pd.DataFrame, maps: Mapping[str, Mapping[str, str]],
                  report: Dict[str, Any]) -> None:
    """How many rows of each column the code map (council's and profile's) translates."""
    for col, mapping in maps.items():
        if col not in frame.columns or not mapping:
            continue
        keys = {str(k).strip().upper(): v for k, v in mapping.items()}
        values = _as_text_or_named(name, col, frame[col]).str.strip().str.upper()
        hit = values.isin(list(keys)).fillna(False)
        if hit.any():
            counts = values[hit].value_counts()
            report.setdefault("mapped", []).append(
                {"table": name, "column": col, "rows": int(hit.sum()), "how": "code map",
                 "values": {f"{k} -> {keys[k]}": int(n) for k, n in counts.items()}})


def prepare_frames(tables: Dict[str, pd.DataFrame], settings, maps: Mapping[str, Mapping[str, Mapping[str, str]]],
                   report: Dict[str, Any], problems: Optional[List[Problem]] = None) -> Dict[str, pd.DataFrame]:
    """The first stage: frames as given (our column names, not yet typed).

    NULL text, placeholders and SQL Server's empty date (1900-01-01) become missing; ids
    written as ``123.0`` read as ``123`` and Excel day numbers in date columns as dates; a
    contact written once per child becomes one request (profiles that do so); contact-outcome
    flags become decisions (with the council's outcome mapping); code-map translations are
    counted. Problems found on the way (a contact id shared by different contacts) are
    added to ``problems``.
    """
    from .ssd_profiles import PROFILES

    prof = settings.profile if settings is not None else PROFILES["spec"]
    out = {}
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            out[name] = frame
            continue
        frame = _ssms_footer_rows(name, frame, report)
        frame = _blank_missing(name, frame, prof, report)
        frame = _numbered_ids(name, frame, prof, report)
        frame = _sql_and_excel_dates(name, frame, report)
        if name == "episodes" and prof.episode_rows_per_child:
            frame = _unique_child_episodes(frame, report)
        if name == "requests":
            if prof.contact_rows_per_child:
                frame = _collapse_child_rows(frame, report, problems, settings)
            if "decision" in frame.columns:
                frame = frame.assign(decision=contact_outcome_to_decision(
                    frame["decision"], getattr(settings, "outcome_flags", None),
                    getattr(settings, "outcome_comments", None), report, getattr(settings, "outcome_keys", None)))
        _count_mapped(name, frame, {**maps.get("*", {}), **maps.get(name, {})}, report)
        out[name] = frame
    if prof.name != "spec" or settings is not None:
        report["profile"] = prof.name
    return out


# -- the typed stage ---------------------------------------------------------------------------

def _data_end(tables: Dict[str, pd.DataFrame]) -> Optional[pd.Timestamp]:
    """The latest event date in the extract (its date, near enough)."""
    found = []
    for name, cols in (("requests", ("received_date",)), ("episodes", ("start_date", "end_date")),
                       ("csc_referrals", ("referral_date", "close_date")), ("involvements", ("start_date",))):
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        for c in cols:
            if c in frame.columns and frame[c].notna().any():
                found.append(pd.Timestamp(frame[c].max()))
    return max(found).normalize() if found else None


def birth_dates(persons: pd.DataFrame, settings, data_end: Optional[pd.Timestamp],
                report: Dict[str, Any]) -> pd.DataFrame:
    """Birth dates as the case system wrote them.

    SystemC writes an estimated birth date into ``pers_expected_dob``: a date on or before
    the extract's last event is a birth date, a later one an unborn child's due date. Eclipse
    writes an unborn child's due date into both columns: equal dates mean unborn.
    """
    if persons.empty or "expected_birth_date" not in persons.columns:
        return persons
    out = persons
    exp, dob = persons["expected_birth_date"], persons["birth_date"]
    if getattr(getattr(settings, "profile", None), "estimated_birth_in_expected_dob", False) and data_end is not None:
        estimated = (dob.isna() & exp.notna() & (exp <= data_end)).to_numpy(dtype=bool)
        if estimated.any():
            out = out.copy()
            out.loc[estimated, "birth_date"] = exp[estimated]
            out.loc[estimated, "expected_birth_date"] = pd.NaT
            report["derived"].append(f"persons.birth_date: {int(estimated.sum())} estimated birth dates read from "
                                     f"pers_expected_dob (dates up to the extract's last event, "
                                     f"{data_end.date()}; later ones are unborn children)")
    same = (out["birth_date"].notna() & (out["birth_date"] == out["expected_birth_date"])).to_numpy(dtype=bool)
    if same.any():
        out = out.copy() if out is persons else out
        flag = out["expected_birth"].astype("boolean")
        out["expected_birth"] = flag.mask(same, True)
        report["derived"].append(f"persons.expected_birth: {int(same.sum())} children with the due date as "
                                 "birth date (pers_dob = pers_expected_dob) are unborn")
    return out


# family_members columns that may differ between rows of one membership: its dates (rows with
# dates are never merged), and the contact a row of ssd_family was written for.
_MEMBERSHIP_ROW_COLUMNS = ("family_id", "person_id", "valid_from", "valid_to", "fami_table_id")


def disagreeing_memberships(members: pd.DataFrame, skip: Tuple[str, ...] = ()) -> List[Problem]:
    """A problem naming the rows that repeat a family and person with no dates (which
    :func:`date_family_rows` merges into one membership) but differ in another column (a role,
    a council's own column): merging would keep the first row's values and lose the others'
    unseen. Rows repeated whole are merged, and counted in the load report.

    Parameters
    ----------
    members : DataFrame
        ``family_members`` as typed, before it is dated.
    skip : tuple of str, default ()
        columns not compared (already reported as unreadable: their values are not known).

    Returns
    -------
    list of Problem
        none, or one naming the rows, the columns that differ and the first pair's values.
    """
    if members.empty or not {"family_id", "person_id"} <= set(members.columns):
        return []
    undated = members["family_id"].notna() & members["person_id"].notna()
    for c in ("valid_from", "valid_to"):
        if c in members.columns:
            undated &= members[c].isna()
    rows = np.flatnonzero(undated.to_numpy(dtype=bool))
    sub = members.iloc[rows]
    repeated = sub.duplicated(["family_id", "person_id"], keep=False).to_numpy(dtype=bool)
    if not repeated.any():
        return []
    rows, sub = rows[repeated], sub[repeated]
    pair = (sub["family_id"].astype("string") + "\x1f" + sub["person_id"].astype("string")).to_numpy()
    clash = np.zeros(len(sub), bool)
    differ: List[str] = []
    for c in sub.columns:
        if c in _MEMBERSHIP_ROW_COLUMNS or c in skip or isinstance(sub[c], pd.DataFrame):
            continue
        values = sub[c].astype("string").fillna("\x00")   # a blank and a value differ
        bad = (values.groupby(pair, sort=False).transform("nunique") > 1).to_numpy(dtype=bool)
        if bad.any():
            differ.append(str(c))
            clash |= bad
    if not differ:
        return []
    mask = np.zeros(len(members), bool)
    mask[rows[clash]] = True
    first = rows[clash][0]
    same = rows[clash][pair[clash] == pair[clash][0]]
    values = {c: pd.unique(members[c].iloc[same].astype("string").fillna("<blank>")) for c in differ}
    shown = ", ".join(f"{c} {' / '.join(map(repr, v))}" for c, v in values.items())
    from .coerce import row_labels

    return [Problem("family_members", differ[0],
                    f"rows repeating a family and person with no dates differ in {', '.join(differ)}: which row "
                    "holds cannot be told (keep one row per family and person, or date each row with "
                    "valid_from / valid_to)", row_labels(members, None, mask), int(mask.sum()),
                    f"family {members['family_id'].iloc[first]}, person {members['person_id'].iloc[first]}: "
                    + shown)]


def date_family_rows(members: pd.DataFrame, requests: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """Family rows as memberships: one per family and person, dated where the rows say when.

    ``ssd_family`` built from contacts (SystemC: ``fami_table_id`` is the contact id) has a
    row per contact: the contact dates say when the child was in which family. A child's
    consecutive contacts in one family make one membership, valid from its first contact
    (from always, for the child's first family) to the day before the first contact in the
    next family. Rows that repeat a family and person with no date are one membership (rows
    that differ otherwise are refused when the table is read: :func:`disagreeing_memberships`).
    """
    if members.empty:
        return members
    m = members.copy()
    m["_row"] = np.arange(len(m))
    dated = pd.Series(pd.NaT, index=m.index, dtype="datetime64[ns]")
    if "fami_table_id" in m.columns and len(requests) and "request_id" in requests.columns:
        when = requests.drop_duplicates("request_id").set_index(requests.drop_duplicates("request_id")["request_id"]
                                                                 .astype(str))["received_date"]
        dated = m["fami_table_id"].astype("string[pyarrow]").str.strip().map(when).astype("datetime64[ns]")
    has_dates = m["valid_from"].notna() | m["valid_to"].notna()
    use = dated.notna() & ~has_dates
    n_rows = len(m)
    parts = [m[has_dates]]
    if use.any():
        d = m[use].assign(_date=dated[use]).sort_values(["person_id", "_date", "_row"], kind="stable")
        person, family = d["person_id"].astype(object), d["family_id"].astype(object)
        new_run = (person.ne(person.shift()) | family.ne(family.shift())).to_numpy(dtype=bool)
        run = np.cumsum(new_run)
        g = d.groupby(run, sort=False)
        seg = g.first()
        seg["first"] = g["_date"].min()
        seg_person = seg["person_id"].astype(object)
        first_of_person = seg_person.ne(seg_person.shift()).to_numpy(dtype=bool)
        next_start = seg["first"].shift(-1).where(seg_person.eq(seg_person.shift(-1)).to_numpy(dtype=bool))
        seg["valid_from"] = seg["first"].where(~first_of_person)
        seg["valid_to"] = (next_start - pd.Timedelta(days=1)).astype("datetime64[ns]")
        parts.append(seg.drop(columns=["first", "_date"]).reset_index(drop=True))
        moved = int((~first_of_person).sum())
        report["derived"].append(f"family_members: {int(use.sum())} family rows dated by their contacts "
                                 f"(fami_table_id) -> {len(seg)} memberships" +
                                 (f"; {moved} children changed family (dated memberships)" if moved else ""))
    rest = m[~use & ~has_dates]
    _report_undated(m, rest, dated, report)
    if len(rest):
        done = pd.concat(parts, ignore_index=True)[["family_id", "person_id"]].astype(str) if len(parts) > 1 \
            else pd.DataFrame({"family_id": [], "person_id": []})
        pair = rest["family_id"].astype(str) + "\x1f" + rest["person_id"].astype(str)
        seen = set(done["family_id"] + "\x1f" + done["person_id"]) if len(done) else set()
        rest = rest[~pair.isin(seen).to_numpy()].drop_duplicates(["family_id", "person_id"])
        parts.append(rest)
    out = pd.concat(parts, ignore_index=True).sort_values("_row", kind="stable").drop(columns=["_row"])
    out = out.drop(columns=[c for c in ("fami_table_id",) if c in out.columns])
    if len(out) < n_rows:
        report["derived"].append(f"family_members: {n_rows} family rows -> {len(out)} memberships "
                                 f"(rows repeating a family and person merged)")
    return out.reset_index(drop=True)


_UPRN = re.compile(r'"?UPRN"?\s*:\s*"?([0-9A-Za-z]+)', re.IGNORECASE)


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Upper case, no spaces: ``"cv1 2ab"`` -> ``"CV12AB"``."""
    return values.astype("string[pyarrow]").str.upper().str.replace(r"[^0-9A-Z]", "", regex=True).replace("", pd.NA)


def _addresses(address: pd.DataFrame, report: Optional[Dict[str, Any]] = None) -> pd.DataFrame:
    """person_id, household (UPRN, else postcode + address text), postcode, start of each address row."""
    from .schema import FOLDED_COLUMNS

    cols = FOLDED_COLUMNS["address"]
    pid, post = _pick(address, cols["person_id"]), _pick(address, cols["postcode"])
    text, start = _pick(address, cols["address"]), _pick(address, cols["start_date"])
    if pid is None:
        return pd.DataFrame(columns=["person_id", "household", "postcode", "start"])
    person = address[pid].astype("string[pyarrow]").str.strip()
    postcode = normalise_postcode(address[post]) if post else pd.Series(pd.NA, index=address.index, dtype="string")
    raw = address[text].astype("string[pyarrow]") if text else pd.Series(pd.NA, index=address.index, dtype="string")
    uprn = raw.str.extract(_UPRN, expand=False).astype("string[pyarrow]")
    household = ("uprn:" + uprn).fillna("addr:" + postcode.fillna("") + ":" +
                                        raw.str.upper().str.replace(r"[^0-9A-Z]", "", regex=True).fillna(""))
    household = household.where(uprn.notna() | raw.notna())
    from .coerce import coerce_column
    from .schema import Column, Table

    column = Column("start_date", "date", nullable=True)
    unreadable: List[Problem] = []
    when = coerce_column(Table("address", ("addr_table_id",), (column,)), column, address[start], address,
                         unreadable) if start else pd.Series(pd.NaT, index=address.index)
    if unreadable and report is not None and not report.get("_address_dates_noted"):
        report["_address_dates_noted"] = True
        report.setdefault("not_derived", []).append(
            {"table": "address", "column": "addr_address_start_date", "rows": sum(p.n_rows for p in unreadable),
             "reason": "not a date: those addresses count as the oldest when finding where a person lives now"})
    return pd.DataFrame({"person_id": person, "household": household, "postcode": postcode, "start": when})


def link_households(members: pd.DataFrame, address: pd.DataFrame, persons: pd.DataFrame,
                    report: Dict[str, Any]) -> pd.DataFrame:
    """Give people in no family the family of the household they live in (``ssd_address``).

    A household is an address (its UPRN in ``addr_address_json``, else the postcode and
    address text). A person in no family whose latest address is a household where
    members of a family live joins that family (the one most of them belong to); people
    at an address where nobody is in a family make a family of that household.
    """
    a = _addresses(address, report).dropna(subset=["person_id", "household"])
    if a.empty:
        return members
    latest = a.sort_values(["person_id", "start"], na_position="first", kind="stable").drop_duplicates(
        "person_id", keep="last")
    in_family = set(members["person_id"].dropna().astype(str)) if len(members) else set()
    known = latest[latest["person_id"].astype(str).isin(in_family)]
    if len(known):
        fam = known.merge(members[["person_id", "family_id"]].astype({"person_id": str}).assign(
            person_id=lambda f: f["person_id"].astype("string[pyarrow]")), on="person_id")
        home = fam.groupby(["household", "family_id"], sort=False).size().reset_index(name="n") \
            .sort_values(["household", "n"], ascending=[True, False], kind="stable").drop_duplicates("household")
        home = home.set_index("household")["family_id"]
    else:
        home = pd.Series(dtype="string[pyarrow]")
    alone = latest[~latest["person_id"].astype(str).isin(in_family)]
    if persons is not None and len(persons):
        alone = alone[alone["person_id"].isin(persons["person_id"].astype("string[pyarrow]"))]
    if alone.empty:
        return members
    family = alone["household"].map(home).astype("string[pyarrow]")
    joined = int(family.notna().sum())
    new_ids = "H" + pd.util.hash_pandas_object(alone["household"], index=False).astype("uint64").astype(str).str[:15]
    family = family.fillna(new_ids.astype("string[pyarrow]"))
    from .coerce import coerce_table
    from .schema import TABLES

    extra = coerce_table(TABLES["family_members"], pd.DataFrame(
        {"family_id": family.to_numpy(), "person_id": alone["person_id"].to_numpy()}), [], None)
    members = coerce_table(TABLES["family_members"], members, [], None)   # same dtypes to stack
    out = pd.concat([members, extra.reindex(columns=members.columns)], ignore_index=True)
    role = TABLES["family_members"].column("role")
    out["role"] = pd.Categorical(out["role"].astype(object).where(out["role"].notna(), "unknown"),
                                 categories=list(role.codes or ()))
    report["derived"].append(
        f"family_members: {joined} people in no family joined the family living at their address (ssd_address)"
        + (f"; {len(extra) - joined} people at addresses with nobody in a family make "
           f"{int(new_ids[family.str.startswith('H').fillna(False).to_numpy()].nunique())} household families"
           if len(extra) > joined else ""))
    return out


def member_roles(members: pd.DataFrame, persons: pd.DataFrame, data_end: Optional[pd.Timestamp],
                 report: Dict[str, Any]) -> pd.DataFrame:
    """Roles the extract does not record, from age: under 18 (or unborn) a child, else an adult.

    An adult flagged as a mother (``pers_is_mother``) is a parent or carer; other adults are
    ``other_adult``. Age is taken at the membership's end, else at the extract's last event.
    """
    if members.empty or persons.empty or "birth_date" not in persons.columns:
        return members
    unknown = (members["role"].astype(object).isin([None, "unknown"]) | members["role"].isna()).to_numpy()
    if not unknown.any():
        return members
    p = persons.drop_duplicates("person_id").set_index(persons.drop_duplicates("person_id")["person_id"].astype(str))
    pid = members["person_id"].astype(str)
    born = pid.map(p["birth_date"])
    unborn = pid.map(p["expected_birth"].astype("boolean")).fillna(False).astype(bool) \
        if "expected_birth" in p.columns else False
    mother = pid.map(p["pers_is_mother"].astype("string").str.strip().str.upper() == "Y").fillna(False).astype(bool) \
        if "pers_is_mother" in p.columns else pd.Series(False, index=members.index)
    at = members["valid_to"].fillna(data_end if data_end is not None else pd.Timestamp.today().normalize())
    age = pd.Series(completed_years(born, at), index=members.index)
    role = pd.Series(np.where(unborn | (age < 18), "child",
                              np.where(age >= 18, np.where(mother, "parent_carer", "other_adult"), "unknown")),
                     index=members.index)
    out = members.copy()
    new = out["role"].astype(object).where(~unknown, role)
    out["role"] = pd.Categorical(new, categories=members["role"].cat.categories)
    counts = role[unknown].value_counts()
    report["derived"].append("family_members.role from age (under 18 or unborn: child): " +
                             ", ".join(f"{k} {int(v)}" for k, v in counts.items()))
    return out


def _report_undated(m: pd.DataFrame, rest: pd.DataFrame, dated: pd.Series, report: Dict[str, Any]) -> None:
    """Say which family rows could not be dated, where it matters: a contact id that names no
    contact, and children left in several families at once (each membership then counts for
    the whole period)."""
    if "fami_table_id" in m.columns:
        named = m["fami_table_id"].astype("string").str.strip().fillna("").ne("")
        unmatched = int((named & dated.isna() & m.index.isin(rest.index)).sum())
        if unmatched:
            report["derived"].append(f"family_members: {unmatched} family rows name a contact (fami_table_id) "
                                     "that is not in the contacts: left undated")
    if rest.empty:
        return
    pairs = rest.drop_duplicates(["family_id", "person_id"])
    families = pairs.groupby(pairs["person_id"].astype(str), observed=True)["family_id"].nunique()
    several = int((families > 1).sum())
    if several:
        why = "" if "fami_table_id" in m.columns else \
            " (ssd_family has no fami_table_id to date them by their contacts)"
        report["derived"].append(f"family_members: {several} children are in more than one family with no dates"
                                 f"{why}: each membership counts for the whole period")


def read_geography(path_or_frame) -> pd.DataFrame:
    """A lookup from postcode, postcode sector, postcode district or team to locality.

    A CSV (or DataFrame) with a ``locality_id`` column and, per row, one of ``postcode``
    (full: ``CV1 2AB``), ``sector`` (``CV1 2``), ``district`` (``CV1``) or ``team`` (a team
    id or name as in ``ssd_department`` / ``prof_professional_department``); optional
    ``locality_name``, ``kind`` (family_hub_area, neighbourhood, district), ``child_population``
    and ``deprivation`` (an IDACI-like score; the risk model uses it) for the localities table.

    Returns
    -------
    DataFrame ``level, key, locality_id, locality_name, kind, child_population, deprivation``
    (keys normalised).
    """
    from .._errors import ConfigError, Problem
    from .coerce import row_labels
    from .readers import read_csv_text

    if isinstance(path_or_frame, pd.DataFrame):
        raw, label = path_or_frame.copy(), "geography"
    else:
        problems: List[Problem] = []
        from pathlib import Path

        file = Path(path_or_frame)
        if not file.is_file():
            raise ConfigError([Problem(str(file), None, "geography lookup not found: give a CSV file")])
        raw, label = read_csv_text(file, problems, {}, "geography"), file.name
        if problems:
            raise ConfigError(problems)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    aliases = {"postcode_sector": "sector", "postcode_district": "district", "team_id": "team",
               "team_name": "team", "name": "locality_name"}
    raw = raw.rename(columns={k: v for k, v in aliases.items() if k in raw.columns and v not in raw.columns})
    levels = [c for c in ("postcode", "sector", "district", "team") if c in raw.columns]
    if "locality_id" not in raw.columns or not levels:
        raise ConfigError([Problem(label, None, "a geography lookup needs a locality_id column and one of "
                                   "postcode, sector, district or team")])
    parts = []
    keyed = np.zeros(len(raw), dtype=bool)  # rows with a key at some level: each needs its locality
    for level in levels:
        key = raw[level].astype("string[pyarrow]")
        key = key.str.strip().str.lower() if level == "team" else normalise_postcode(key)
        keyed |= key.notna().to_numpy(dtype=bool)
        part = pd.DataFrame({"level": level, "key": key,
                             "locality_id": raw["locality_id"].astype("string[pyarrow]").str.strip(),
                             "locality_name": raw["locality_name"].astype("string[pyarrow]")
                             if "locality_name" in raw.columns else pd.NA,
                             "kind": raw["kind"].astype("string[pyarrow]") if "kind" in raw.columns else pd.NA})
        for extra in ("child_population", "deprivation"):
            part[extra] = raw[extra].astype("string[pyarrow]") if extra in raw.columns else pd.NA
        parts.append(part.dropna(subset=["key"]))
    out = pd.concat(parts, ignore_index=True)
    # named by the lookup's own rows (and, from a CSV file, their lines), not the rows of ``out``
    missing = keyed & raw["locality_id"].astype("string[pyarrow]").str.strip().isna().to_numpy(dtype=bool)
    if missing.any():
        raise ConfigError([Problem(label, "locality_id", "row without a locality", n_rows=int(missing.sum()),
                                   rows=row_labels(raw, None, missing))])
    clash = out.drop_duplicates(["level", "key", "locality_id"]).duplicated(["level", "key"], keep=False)
    if clash.any():
        first = out[clash.to_numpy()].iloc[0]
        raise ConfigError([Problem(label, str(first["level"]), "the same key points to two localities",
                                   n_rows=int(clash.sum()), value=str(first["key"]))])
    return out.drop_duplicates(["level", "key"]).reset_index(drop=True)


def postcode_locality(postcodes: pd.Series, lookup: pd.DataFrame) -> pd.Series:
    """The locality of each postcode: full postcode first, then sector, then district."""
    pc = normalise_postcode(postcodes)
    out = pd.Series(pd.NA, index=postcodes.index, dtype="string[pyarrow]")
    inward = pc.str[-3:]
    outward = pc.str[:-3]
    keys = {"postcode": pc, "sector": outward + inward.str[:1], "district": outward}
    for level in ("postcode", "sector", "district"):
        table = lookup[lookup["level"] == level]
        if table.empty:
            continue
        found = keys[level].map(table.set_index("key")["locality_id"]).astype("string[pyarrow]")
        out = out.fillna(found)
    return out


def apply_geography(tables: Dict[str, pd.DataFrame], folded: Dict[str, pd.DataFrame], settings,
                    report: Dict[str, Any]) -> None:
    """Families' localities from their members' addresses, practitioners' from their team, and
    a localities table from the lookup when none was supplied."""
    from .coerce import coerce_table
    from .schema import TABLES

    lookup = getattr(settings, "geography", None)
    if lookup is None or lookup.empty:
        return
    members = tables.get("family_members")
    if members is not None and len(members) and "address" in folded:
        a = _addresses(folded["address"], report).dropna(subset=["person_id"])
        a = a.sort_values(["person_id", "start"], na_position="first", kind="stable").drop_duplicates(
            "person_id", keep="last")
        a["locality_id"] = postcode_locality(a["postcode"], lookup)
        loc = members[["family_id", "person_id"]].astype(str).merge(
            a[["person_id", "locality_id"]].astype({"person_id": str}), on="person_id", how="left")
        loc = loc.dropna(subset=["locality_id"])
        mode = loc.groupby(["family_id", "locality_id"], sort=False).size().reset_index(name="n") \
            .sort_values(["family_id", "n"], ascending=[True, False], kind="stable").drop_duplicates("family_id")
        fam_loc = mode.set_index("family_id")["locality_id"]
        families = tables.get("families")
        if families is None:
            families = pd.DataFrame({"family_id": pd.unique(members["family_id"].dropna())})
            families = coerce_table(TABLES["families"], families, [], None)
            report["derived"].append(f"families: {len(families)} families from family_members")
        families = families.copy()
        found = families["family_id"].astype(str).map(fam_loc).astype("string[pyarrow]")
        families["locality_id"] = families["locality_id"].astype("string[pyarrow]").fillna(found)
        tables["families"] = families
        n_found = int(families["locality_id"].notna().sum())
        unmatched = a.loc[a["locality_id"].isna() & a["postcode"].notna(), "postcode"].str[:-3]
        note = f"families.locality_id from members' postcodes (ssd_address) for {n_found} of {len(families)} families"
        if n_found < len(families):
            note += f"; {len(families) - n_found} without a postcode in the lookup"
            if len(unmatched):
                note += " (districts not in it: " + ", ".join(unmatched.value_counts().index[:5].astype(str)) + ")"
            report.setdefault("not_derived", []).append(
                {"table": "families", "column": "locality_id", "rows": len(families) - n_found,
                 "reason": "no member with a postcode in the geography lookup"})
        report["derived"].append(note)
    prac = tables.get("practitioners")
    teams = lookup[lookup["level"] == "team"]
    if prac is not None and len(prac) and len(teams):
        dept = _pick(prac, ("prof_professional_department", "team", "department"))
        if dept is not None:
            key = prac[dept].astype("string[pyarrow]").str.strip().str.lower()
            if "department" in folded:   # a team id -> its name too
                d = folded["department"]
                cols = FOLDED_COLUMNS["department"]
                tid, tname = _pick(d, cols["team_id"]), _pick(d, cols["team_name"])
                if tid and tname:
                    names = pd.Series(d[tname].astype("string").str.strip().str.lower().to_numpy(),
                                      index=d[tid].astype("string").str.strip().str.lower())
                    key = key.where(key.isin(teams["key"]), key.map(names).astype("string[pyarrow]"))
            found = key.map(teams.set_index("key")["locality_id"]).astype("string[pyarrow]")
            prac = prac.copy()
            prac["locality_id"] = prac["locality_id"].astype("string[pyarrow]").fillna(found)
            tables["practitioners"] = prac
            report["derived"].append(f"practitioners.locality_id from their team for {int(found.notna().sum())} of "
                                     f"{len(prac)} practitioners")
    if "localities" not in tables:
        # a locality's first row carrying each value (team rows often carry none)
        loc = lookup.groupby("locality_id", sort=False).first().reset_index()
        kind = loc["kind"].astype("string").fillna("family_hub_area")
        frame = pd.DataFrame({"locality_id": loc["locality_id"].to_numpy(),
                              "name": loc["locality_name"].astype("string").fillna(loc["locality_id"]).to_numpy(),
                              "kind": kind.to_numpy(),
                              "council_code": getattr(settings, "council_code", None) or "council",
                              "region_code": getattr(settings, "region_code", None),
                              "child_population": loc["child_population"].to_numpy(),
                              "deprivation": loc["deprivation"].to_numpy()})
        problems: List[Any] = []
        tables["localities"] = coerce_table(TABLES["localities"], frame, problems, None)
        report["derived"].append(f"localities: {len(frame)} localities from the geography lookup")
        if problems:   # a lookup value that is not a number: say so, keep the locality
            report.setdefault("not_derived", []).extend(
                {"table": "localities", "column": p.column, "rows": p.n_rows or 1, "reason": p.message}
                for p in problems)
        for extra in ("deprivation", "child_population"):
            if frame[extra].isna().all():
                report.setdefault("not_derived", []).append(
                    {"table": "localities", "column": extra, "rows": len(frame),
                     "reason": f"not in the geography lookup (add a {extra} column; the risk model needs deprivation)"})
        if loc["kind"].isna().any():
            report.setdefault("defaults", []).append({"table": "localities", "column": "kind",
                                                      "value": "family_hub_area", "rows": int(loc["kind"].isna().sum())})
        if not getattr(settings, "council_code", None):
            report.setdefault("defaults", []).append({"table": "localities", "column": "council_code",
                                                      "value": "council", "rows": len(frame)})


def derive_family_level(tables: Dict[str, pd.DataFrame], folded: Dict[str, pd.DataFrame], settings,
                        report: Dict[str, Any]) -> None:
    """The second stage, on typed tables: birth dates, dated memberships, households from
    addresses, roles from ages, geography. Changes ``tables`` in place."""
    data_end = _data_end(tables)
    if "persons" in tables and len(tables["persons"]):
        tables["persons"] = birth_dates(tables["persons"], settings, data_end, report)
    members = tables.get("family_members")
    if members is not None and len(members):
        members = date_family_rows(members, tables.get("requests", pd.DataFrame()), report)
    if "address" in folded and "persons" in tables:
        base = members if members is not None else _empty_members()
        members = link_households(base, folded["address"], tables["persons"], report)
    if members is not None and len(members):
        if "persons" in tables:
            members = member_roles(members, tables["persons"], data_end, report)
        tables["family_members"] = members
    apply_geography(tables, folded, settings, report)
    report.pop("_address_dates_noted", None)


def _empty_members() -> pd.DataFrame:
    from .coerce import empty_table
    from .schema import TABLES

    return empty_table(TABLES["family_members"])


