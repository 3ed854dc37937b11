"""Write a synthetic council as a Standard Safeguarding Dataset extract, as case systems write it.

``write_ssd(council, folder, system=...)`` writes the SSD tables the way the specification
(data-to-insight/ssd-data-model, data/objects/ssd_*.yml) lays them out: one row per child
(contacts, early help episodes, involvements), persons, CIN episodes (referrals), addresses,
professionals and departments; plus ``codes.toml`` (the council's code map, with its
``[ssd]`` table) and ``localities.csv`` (postcode / team -> locality).

Each case system's quirks are options, on by default for that system:

``systemc`` (deployment v1.4.5)
    ``earl_episode_worker_id`` = ``'SSD_PH'``; ``ssd_family`` one row per contact
    (``fami_table_id`` = contact id, family of residence at the contact); empty cells
    written ``NULL`` (SSMS); estimated birth dates in ``pers_expected_dob`` with
    ``pers_dob`` NULL; ``pers_send_flag`` NCHAR(5) (``"Y    "``); ``pers_sex`` ``I``;
    SQL Server datetimes (``2024-04-05 00:00:00.000``); local lookup codes for contact
    sources, end reasons and involvement types (``KATAF``); a UTF-8 BOM and CRLF lines.
``eclipse``
    one contact form (one ``cont_contact_id``) written per child it is about; Eclipse's own
    contact-source codes (``SCHOOLS``, ...); ``cont_contact_outcome_json`` NULL; ``ssd_family``
    = family group memberships (every member, no dates, ``fami_table_id`` = group id +
    person id); an unborn child's due date in both ``pers_dob`` and ``pers_expected_dob``;
    ethnicity ``ORAB`` and ``??``; ISO dates (contacts as dates, others as timestamps).

Nothing here reads the reader's code: the mapping back to earlyhelp codes is the council's
code map a person would write.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np
import pandas as pd

# SystemC local lookup codes (as a council's warehouse might hold them) and the code map back.
SYSTEMC_SOURCE = {"1A": "FAMREL", "1B": "ACQ", "1C": "SELF", "1D": "INDOTH", "2A": "SCHOOL", "2B": "EDSERV",
                  "3A": "GP", "3B": "HV", "3C": "SCHNURSE", "3D": "PRIMHLTH", "3E": "AANDE", "3F": "HLTHOTH",
                  "4": "HOUSING", "5A": "LASC", "5B": "LAOTH", "5C": "OTHERLA", "5D": "LAEH", "6": "POLICE",
                  "7": "LEGAL", "8": "OTHER", "9": "ANON", "10": "UNK"}
SYSTEMC_END_REASON = {"outcomes_met": "CAFEND1", "step_up": "CAFEND2", "step_down_universal": "CAFEND3",
                      "disengaged": "CAFEND4", "moved_away": "CAFEND5", "transferred": "CAFEND6",
                      "other": "CAFEND9"}
SYSTEMC_ROLE = {"lead_practitioner": "KALEAD", "taf_member": "KATAF", "allocated_worker": "ALLCW",
                "other": "KAOTH"}
ECLIPSE_SOURCE = {"1A": "INDFRC", "1B": "INDACQ", "1C": "INDSELF", "1D": "OTHER", "2A": "SCHOOLS",
                  "2B": "EDUSERV", "3A": "HSERVGP", "3B": "HSERVHVSTR", "3C": "HSERVSNRSE", "3D": "HSERVPHSERV",
                  "3E": "HSERVAE", "3F": "HSERVOTHR", "4": "HOUSLA", "5A": "LASERVSCR", "5B": "LASERVOINT",
                  "5C": "LASERVEXT", "5D": "LASERVOINT", "6": "POLICE", "7": "OTHERLEG", "8": "OTHER",
                  "9": "ANON", "10": "UNKNOWN"}
ECLIPSE_END_REASON = {"outcomes_met": "Outcomes met", "step_up": "Step up to social care",
                      "step_down_universal": "Step down to universal services", "disengaged": "Family disengaged",
                      "moved_away": "Moved out of area", "transferred": "Transferred to another LA",
                      "other": "Other"}
FLAG_OF = {"social_care_referral": "NEW_REFERRAL_FLAG", "existing_case": "EXISTING_REFERRAL_FLAG",
           "nfa": "NFA_FLAG", "advice_signpost": "ADVICE_FLAG", "early_help": "OTHER_OUTCOMES_EXIST_FLAG"}
SPEC_FLAGS = ("NEW_REFERRAL_FLAG", "EXISTING_REFERRAL_FLAG", "CP_ENQUIRY_FLAG", "NFA_FLAG",
              "NON_AGENCY_ADOPTION_FLAG", "PRIVATE_FOSTERING_FLAG", "ADVICE_FLAG", "MISSING_FLAG",
              "OLA_CP_FLAG", "OTHER_OUTCOMES_EXIST_FLAG")


def _sqlserver(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return d.dt.strftime("%Y-%m-%d %H:%M:%S.000").where(d.notna())


def _iso(dates: pd.Series, time: bool = True) -> pd.Series:
    d = pd.to_datetime(dates)
    return d.dt.strftime("%Y-%m-%d %H:%M:%S" if time else "%Y-%m-%d").where(d.notna())


def _members_at(members: pd.DataFrame, family_ids: pd.Series, dates: pd.Series, roles=("child",)) -> pd.DataFrame:
    """(row, person_id) of the family's members with a role in ``roles`` on each date."""
    q = pd.DataFrame({"row": np.arange(len(family_ids)), "family_id": family_ids.astype(str).to_numpy(),
                      "date": pd.to_datetime(dates).to_numpy()})
    m = members[members["role"].isin(roles)][["family_id", "person_id", "valid_from", "valid_to"]]
    j = q.merge(m.astype({"family_id": str}), on="family_id", how="left")
    ok = ((j["valid_from"].isna() | (j["valid_from"] <= j["date"])) & (j["valid_to"].isna() | (j["valid_to"] >= j["date"])))
    return j[ok & j["person_id"].notna()].sort_values(["row", "person_id"], kind="stable")[["row", "person_id"]]


def _postcodes(ds) -> pd.Series:
    """A postcode per family from its locality: district CV<k> (two localities split CV9 by sector)."""
    loc_ids = list(ds.localities["locality_id"].astype(str))
    fam = ds.families.reset_index(drop=True)
    k = fam["locality_id"].astype(str).map({l: i for i, l in enumerate(loc_ids)}).fillna(0).astype(int).to_numpy()
    n = np.arange(len(fam))
    district = np.where(k >= len(loc_ids) - 2, "CV9", np.char.add("CV", (k + 1).astype(str)))
    sector = np.where(k == len(loc_ids) - 2, 1 + n % 2, np.where(k == len(loc_ids) - 1, 3 + n % 2, 1 + n % 9))
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    unit = np.char.add(letters[n % 20], letters[(n // 20) % 20])
    codes = np.char.add(np.char.add(np.char.add(district, " "), sector.astype(str)), unit)
    return pd.Series(codes, index=fam["family_id"].astype(str))


def geography_csv(ds) -> pd.DataFrame:
    """The lookup a council would keep: districts, two split by sector, and teams."""
    loc = ds.localities.reset_index(drop=True)
    rows = []
    for i, r in loc.iterrows():
        if i >= len(loc) - 2:
            rows += [{"sector": f"CV9 {s}", "locality_id": r["locality_id"], "locality_name": r["name"],
                      "deprivation": r["deprivation"], "child_population": r["child_population"]}
                     for s in ((1, 2) if i == len(loc) - 2 else (3, 4))]
        else:
            rows.append({"district": f"CV{i + 1}", "locality_id": r["locality_id"], "locality_name": r["name"],
                         "deprivation": r["deprivation"], "child_population": r["child_population"]})
        rows.append({"team": f"Early Help Team {r['name']}", "locality_id": r["locality_id"],
                     "locality_name": r["name"]})
    return pd.DataFrame(rows)


def write_ssd(ds, folder, system: str = "systemc", *, quirks: bool = True) -> Dict[str, Path]:
    """Write ``ds`` (a synthetic council) as an SSD extract of ``system`` into ``folder``."""
    if system not in ("systemc", "eclipse"):
        raise ValueError("system must be 'systemc' or 'eclipse'")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sc = system == "systemc"
    stamp = _sqlserver if sc else _iso
    rng = np.random.default_rng(7)
    members = ds.family_members
    tables: Dict[str, pd.DataFrame] = {}

    # persons
    p = ds.persons.reset_index(drop=True)
    dob = p["birth_date"].copy()
    exp = p["expected_birth_date"].copy()
    unborn = p["expected_birth"].fillna(False).astype(bool)
    send = p["send"].map({True: "Y", False: "N"})
    sex = p["sex"].astype(str)
    eth = p["ethnicity"].astype(object).where(p["ethnicity"].notna())
    if sc:
        estimated = (rng.random(len(p)) < 0.03) & ~unborn.to_numpy()
        exp = exp.where(~(estimated | unborn), p["birth_date"].where(~unborn, exp))
        dob = dob.where(~(estimated | unborn))
        if quirks:
            send = send.map({"Y": "Y    ", "N": "N    "})
            sex = sex.where(sex != "U", "I")
    else:
        dob = dob.where(~unborn, exp)
        eth = eth.where(~((eth == "OOTH") & (rng.random(len(p)) < 0.5)), "ORAB")
        eth = eth.where(eth.notna(), "??")
        send = pd.Series(None, index=p.index, dtype=object)
    tables["ssd_person"] = pd.DataFrame({
        "pers_legacy_id": "L" + p["person_id"].astype(str), "pers_person_id": p["person_id"].astype(str),
        "pers_sex": sex, "pers_gender": None, "pers_ethnicity": eth, "pers_dob": stamp(dob),
        "pers_upn_unknown": None, "pers_send_flag": send, "pers_expected_dob": stamp(exp),
        "pers_death_date": None, "pers_is_mother": None, "pers_nationality": None})

    # contacts: one row per child the request covers
    rq = ds.requests.reset_index(drop=True)
    kids = _members_at(members, rq["family_id"], rq["received_date"])
    main = pd.DataFrame({"row": np.arange(len(rq)), "person_id": rq["person_id"].astype(str), "first": 0})
    kids = pd.concat([main, kids.assign(first=1)]).drop_duplicates(["row", "person_id"]).sort_values(
        ["row", "first", "person_id"], kind="stable")
    kids["k"] = kids.groupby("row").cumcount()
    want = rq["children"].astype("Float64").fillna(1).astype(int).to_numpy()
    kids = kids[kids["k"].to_numpy() < want[kids["row"].to_numpy()]]
    r = rq.iloc[kids["row"].to_numpy()].reset_index(drop=True)
    person = kids["person_id"].to_numpy()
    if sc:
        flags = {f: np.where(r["decision"].astype(object).map(FLAG_OF) == f, "Y", "") for f in SPEC_FLAGS}
        comments = np.where(r["decision"].astype(object) == "early_help", "Refer to Early Help Hub", "")
        outcome = ["{" + ", ".join(f'"{f}": "{flags[f][i]}"' for f in SPEC_FLAGS) +
                   f', "NUMBER_OF_OUTCOMES": {1 if r["decision"].notna().iloc[i] else "null"}'
                   f', "COMMENTS": "{comments[i]}"' + "}" for i in range(len(r))]
        contact_id = (r["request_id"].astype(str) + "-" + kids["k"].astype(str).to_numpy()).to_numpy()
        source = r["source"].astype(str).map(SYSTEMC_SOURCE)
        date = _sqlserver(r["received_date"])
    else:
        outcome = [None] * len(r)
        contact_id = r["request_id"].astype(str).to_numpy()
        source = r["source"].astype(str).map(ECLIPSE_SOURCE)
        date = _iso(r["received_date"], time=False)
    tables["ssd_contacts"] = pd.DataFrame({
        "cont_contact_id": contact_id, "cont_person_id": person, "cont_contact_date": date.to_numpy(),
        "cont_contact_source_code": source.to_numpy(), "cont_contact_source_desc": None,
        "cont_contact_outcome_json": outcome})

    # family
    if sc:   # per contact: the family of residence at the contact
        tables["ssd_family"] = pd.DataFrame({"fami_table_id": contact_id,
                                             "fami_family_id": r["family_id"].astype(str).to_numpy(),
                                             "fami_person_id": person})
    else:    # group memberships, every member, no dates
        fm = members.drop_duplicates(["family_id", "person_id"])
        tables["ssd_family"] = pd.DataFrame({
            "fami_table_id": fm["family_id"].astype(str) + fm["person_id"].astype(str),
            "fami_family_id": fm["family_id"].astype(str), "fami_person_id": fm["person_id"].astype(str)})

    # early help episodes: one row per child of the family at the start
    ep = ds.episodes.reset_index(drop=True)
    kids = _members_at(members, ep["family_id"], ep["start_date"])
    alone = np.setdiff1d(np.arange(len(ep)), kids["row"].unique())
    if len(alone):   # no child on record: the episode is about an unborn child or an adult
        anyone = _members_at(members, ep["family_id"].iloc[alone], ep["start_date"].iloc[alone],
                             roles=("child", "expectant_parent", "parent_carer", "other_adult"))
        anyone["row"] = alone[anyone["row"].to_numpy()]
        kids = pd.concat([kids, anyone.drop_duplicates("row")])
    kids = kids.sort_values(["row", "person_id"], kind="stable")
    kids["k"] = kids.groupby("row").cumcount()
    e = ep.iloc[kids["row"].to_numpy()].reset_index(drop=True)
    end_reason = e["end_reason"].astype(object).where(e["end_date"].notna())
    tables["ssd_early_help_episodes"] = pd.DataFrame({
        "earl_episode_id": (e["episode_id"].astype(str) + "-" + kids["k"].astype(str).to_numpy()).to_numpy(),
        "earl_person_id": kids["person_id"].to_numpy(),
        "earl_episode_start_date": stamp(e["start_date"]).to_numpy(),
        "earl_episode_end_date": stamp(e["end_date"]).to_numpy(),
        "earl_episode_reason": None,
        "earl_episode_end_reason": end_reason.map(SYSTEMC_END_REASON if sc else ECLIPSE_END_REASON).to_numpy(),
        "earl_episode_organisation": e["lead_agency_id"].astype(object).to_numpy(),
        "earl_episode_worker_id": "SSD_PH" if sc else e["lead_practitioner_id"].astype(object).to_numpy()})

    # involvements: one row per child of the family at the start
    inv = ds.involvements.reset_index(drop=True)
    kids = _members_at(members, inv["family_id"], inv["start_date"]).sort_values(["row", "person_id"])
    kids["k"] = kids.groupby("row").cumcount()
    v = inv.iloc[kids["row"].to_numpy()].reset_index(drop=True)
    prac = ds.practitioners.set_index(ds.practitioners["practitioner_id"].astype(str))
    loc_name = ds.localities.set_index(ds.localities["locality_id"].astype(str))["name"]
    team = prac["locality_id"].astype(str).map(loc_name).radd("Early Help Team ")
    team = team.where(prac["agency_id"].astype(str).isin(
        ds.agencies.loc[ds.agencies["agency_type"] == "la_early_help", "agency_id"].astype(str)),
        prac["agency_id"].astype(str))
    tables["ssd_involvements"] = pd.DataFrame({
        "invo_involvements_id": (v["involvement_id"].astype(str) + "-" + kids["k"].astype(str).to_numpy()).to_numpy(),
        "invo_professional_id": v["practitioner_id"].astype(str).to_numpy(),
        "invo_professional_role_id": v["role"].astype(str).map(SYSTEMC_ROLE if sc else {
            "lead_practitioner": "Lead Professional", "taf_member": "Team Around the Family",
            "allocated_worker": "Key Worker", "other": "Other"}).to_numpy(),
        "invo_professional_team": v["practitioner_id"].astype(str).map(team).to_numpy(),
        "invo_involvement_start_date": stamp(v["start_date"]).to_numpy(),
        "invo_involvement_end_date": stamp(v["end_date"]).to_numpy(),
        "invo_worker_change_reason": None, "invo_person_id": kids["person_id"].to_numpy(),
        "invo_referral_id": None})

    tables["ssd_professionals"] = pd.DataFrame({
        "prof_professional_id": prac.index.to_numpy(), "prof_staff_id": None,
        "prof_professional_job_title": None, "prof_professional_department": team.to_numpy(),
        "prof_full_time_equivalency": prac["fte"].to_numpy()})
    teams = pd.Series(team.unique())
    tables["ssd_department"] = pd.DataFrame({"dept_team_id": "T" + teams.index.astype(str),
                                             "dept_team_name": teams.to_numpy()})

    ref = ds.csc_referrals.reset_index(drop=True)
    nfa = ref["nfa"].map({True: "Y", False: "N"})
    tables["ssd_cin_episodes"] = pd.DataFrame({
        "cine_referral_id": ref["referral_id"].astype(str), "cine_person_id": ref["person_id"].astype(str),
        "cine_referral_date": stamp(ref["referral_date"]),
        "cine_cin_primary_need_code": ref["primary_need"].astype(object),
        "cine_referral_source_code": ref["source"].astype(str).map(SYSTEMC_SOURCE if sc else ECLIPSE_SOURCE),
        "cine_referral_nfa": nfa.map({"Y": "Y    ", "N": "N    "}) if sc and quirks else nfa,
        "cine_close_reason": ref["close_reason"].astype(object), "cine_close_date": stamp(ref["close_date"])})

    # statutory tables, where this build has them (CIN plans, CP plans, looked-after episodes)
    from earlyhelp.data.schema import TABLES

    for ours, ssd_name in (("cin_plans", "ssd_cin_plans"), ("cp_plans", "ssd_cp_plans"),
                           ("cla_episodes", "ssd_cla_episodes")):
        if ours not in TABLES or ours not in ds.tables or ds[ours].empty:
            continue
        frame = ds[ours]
        out = {}
        for column in TABLES[ours].columns:
            if column.name not in frame.columns or not column.aliases:
                continue
            values = frame[column.name]
            if column.kind == "date":
                values = stamp(values)
            out[column.aliases[0]] = values.astype(object).where(values.notna()).to_numpy()
        tables[ssd_name] = pd.DataFrame(out)

    # addresses: every member at the family's address (the latest family for someone in two)
    post = _postcodes(ds)
    fam_index = {f: i for i, f in enumerate(ds.families["family_id"].astype(str))}
    home = members.sort_values(["person_id", "valid_from"], na_position="first").drop_duplicates(
        "person_id", keep="last")
    fid = home["family_id"].astype(str)
    uprn = (100000000 + fid.map(fam_index)).astype(str)
    tables["ssd_address"] = pd.DataFrame({
        "addr_table_id": "A" + home["person_id"].astype(str), "addr_person_id": home["person_id"].astype(str),
        "addr_address_type": "Home",
        "addr_address_start_date": stamp(home["valid_from"]),
        "addr_address_end_date": None,
        "addr_address_json": ('{"ROOM": "", "FLOOR": "", "FLAT": "", "BUILDING": "", "HOUSE": "' +
                              fid.map(fam_index).astype(str) + '", "STREET": "", "TOWN": "Coventry", "UPRN": "' +
                              uprn + '", "EASTING": "", "NORTHING": ""}'),
        "addr_address_postcode": fid.map(post).str.replace(" ", "", regex=False)})

    written = {}
    for name, frame in tables.items():
        file = folder / f"{name}.csv"
        if sc and quirks:   # SSMS: NULL for empty cells, a BOM and CRLF
            text = frame.astype(object).where(frame.notna(), "NULL").to_csv(index=False, lineterminator="\r\n")
            file.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        else:
            frame.to_csv(file, index=False)
        written[name] = file
    geography_csv(ds).to_csv(folder / "geography.csv", index=False)
    (folder / "codes.toml").write_text(code_map_toml(system, ds))
    written["codes"] = folder / "codes.toml"
    written["geography"] = folder / "geography.csv"
    return written


def code_map_toml(system: str, ds) -> str:
    """The council's code map for the extract: what a person would write."""
    sc = system == "systemc"
    lines = ["# local codes -> earlyhelp codes", "[ssd]", f'profile = "{system}"',
             f'council_code = "{ds.localities["council_code"].iloc[0]}"',
             f'region_code = "{ds.localities["region_code"].iloc[0]}"', 'geography = "geography.csv"', ""]
    if sc:
        lines += ["[ssd.contact_outcomes.comments]", '"early help" = "early_help"', "",
                  "[ssd_contacts.cont_contact_source_code]"]
        lines += [f'{local} = "{ours}"' for ours, local in SYSTEMC_SOURCE.items()]
        lines += ["", "[ssd_cin_episodes.cine_referral_source_code]"]
        lines += [f'{local} = "{ours}"' for ours, local in SYSTEMC_SOURCE.items()]
        lines += ["", "[ssd_early_help_episodes.earl_episode_end_reason]"]
        lines += [f'{local} = "{ours}"' for ours, local in SYSTEMC_END_REASON.items()]
        lines += ["", "[ssd_involvements.invo_professional_role_id]"]
        lines += [f'{local} = "{ours}"' for ours, local in SYSTEMC_ROLE.items()]
    else:
        # Eclipse's contact sources are built into its profile; its CIN referral sources are not
        lines += ["[ssd_cin_episodes.cine_referral_source_code]"]
        lines += [f'{local} = "{ours}"' for local, ours in {v: k for k, v in ECLIPSE_SOURCE.items()}.items()]
        lines += ["", "[episodes.end_reason]"]
        lines += [f'"{local}" = "{ours}"' for ours, local in ECLIPSE_END_REASON.items()]
        lines += ["", "[involvements.role]", '"Lead Professional" = "lead_practitioner"',
                  '"Team Around the Family" = "taf_member"', '"Key Worker" = "allocated_worker"', 'Other = "other"']
    return "\n".join(lines) + "\n"
