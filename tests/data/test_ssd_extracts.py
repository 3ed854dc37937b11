"""SSD extracts as case systems write them, read at the family level.

A synthetic council is written as the SSD specification and each case system's deployment
lay it out (tests/data/ssd_fixture.py: one row per child, every quirk on), read back with
the council's code map, and its family-level monthly requests, episodes and step-ups
compared with those of the council it came from.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from ssd_fixture import write_ssd

from earlyhelp import ValidationError, synthetic
from earlyhelp.data import read_dataset, ssd
from earlyhelp.data.load_report import summary_lines
from earlyhelp.data.ssd_profiles import load_code_map, parse_code_map
from earlyhelp.forecast import demand_series

WINDOW = dict(start="2022-05-01", end="2025-02-28")
FAMILY = ["requests", "episodes_opened", "step_ups"]


@pytest.fixture(scope="module")
def council():
    return synthetic.council(preset="coventry", years=3, scale=0.2, seed=1)


@pytest.fixture(scope="module", params=["systemc", "eclipse"])
def extract(request, council, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    files = write_ssd(council, folder, request.param)
    return request.param, folder, files


@pytest.fixture(scope="module")
def loaded(extract):
    system, folder, files = extract
    return system, read_dataset(folder, code_map=files["codes"])


def _monthly(ds, measures, by="council"):
    s = demand_series(ds, freq="MS", measures=measures, by=by, **WINDOW)
    return s.groupby(["measure", "ds"])["y"].sum()


def test_family_level_monthly_measures_match_the_council(council, loaded):
    system, ds = loaded
    want, got = _monthly(council, FAMILY), _monthly(ds, FAMILY)
    print(f"\n{system}: " + "; ".join(f"{m} {int(got[m].sum()):,} against {int(want[m].sum()):,}"
                                      for m in FAMILY))   # docs/guides/ssd.md
    assert want.index.equals(got.index)
    for measure in FAMILY:
        w, g = want[measure].to_numpy(), got[measure].to_numpy()
        assert w.sum() > 100 if measure != "step_ups" else w.sum() > 50
        # totals and month by month: the months' differences add up to at most 3% of the total
        assert abs(g.sum() - w.sum()) <= 0.03 * w.sum(), (system, measure, w.sum(), g.sum())
        assert np.abs(g - w).sum() <= 0.03 * w.sum(), (system, measure, np.abs(g - w).sum(), w.sum())


def test_localities_come_from_postcodes(council, loaded):
    system, ds = loaded
    want = demand_series(council, measures=["requests"], by="locality", **WINDOW).groupby("locality_id")["y"].sum()
    got = demand_series(ds, measures=["requests"], by="locality", **WINDOW).groupby("locality_id")["y"].sum()
    assert set(got.index) == set(want.index)
    assert (abs(got - want) <= 0.03 * want + 2).all(), pd.concat([want, got], axis=1)


def test_per_child_counts_only_by_name(council, loaded):
    system, ds = loaded
    s = demand_series(ds, measures=["requests", "child_requests", "episodes_opened", "child_episodes_opened"],
                      by="council", **WINDOW).groupby("measure")["y"].sum()
    print(f"\n{system}, per child row: {int(s['child_requests']):,} requests, "
          f"{int(s['child_episodes_opened']):,} episodes opened, {len(ds.step_ups()):,} step-ups")   # docs/guides/ssd.md
    # SystemC writes a contact per child; Eclipse one contact form (id) per child, read as one request
    if system == "systemc":
        assert s["child_requests"] > 1.2 * s["requests"]
    assert s["child_episodes_opened"] > 1.5 * s["episodes_opened"]
    ups = ds.step_ups(level="family")
    assert len(ds.step_ups()) > 1.3 * len(ups)
    assert ups["family_episode_id"].is_unique


def test_quirks_are_read_and_reported(loaded):
    system, ds = loaded
    report = ds.meta["load_report"]
    assert report["profile"] == system
    lines = "\n".join(summary_lines(report))
    for section in ("defaulted", "ignored", "mapped", "derived"):
        assert section in lines
    members = ds.family_members
    assert not members.duplicated(["family_id", "person_id", "valid_from"]).any()
    assert (members["role"] == "child").sum() > 0 and members["role"].isin(["parent_carer", "other_adult"]).sum() > 0
    assert ds.episodes["family_id"].notna().all() and ds.requests["family_id"].notna().all()
    if system == "systemc":
        ignored = {(e["column"], e["value"]): e["rows"] for e in report["ignored_values"]}
        assert ignored[("lead_practitioner_id", "SSD_PH")] == len(ds.episodes)
        assert ("reason", "NULL") in ignored                         # 'NULL' text is not a reason
        assert ds.episodes["lead_practitioner_id"].isna().all()
        assert any("dated by their contacts" in d for d in report["derived"])
        assert any("estimated birth dates" in d for d in report["derived"])
        assert not ds.persons["expected_birth"].fillna(False).any()   # estimated DOBs are not unborn children
        assert ds.persons["ehc_plan"].any()                             # pers_send_flag "Y    " = an EHC plan
        assert ds.persons["send"].isna().all()
    else:
        assert any("one row per child" in d for d in report["derived"])
        assert ds.requests["request_id"].is_unique
        nd = {e["reason"]: e["rows"] for e in report["not_derived"] if e["column"] == "decision"}
        assert nd == {"no outcome recorded (empty or NULL)": len(ds.requests)}   # Eclipse writes no outcome
        assert ds.persons["expected_birth"].fillna(False).sum() == (ds.persons["birth_date"]
                                                                    == ds.persons["expected_birth_date"]).sum()


def test_systemc_contact_outcomes_use_the_specification_flags(council, loaded):
    system, ds = loaded
    if system != "systemc":
        pytest.skip("Eclipse writes no contact outcome")
    fr = ds.requests.drop_duplicates("request_id")
    # every Early Help outcome is derived, via the council's comment mapping; none is lost silently
    derived = fr["decision"].value_counts()
    assert derived["early_help"] > 0.7 * len(fr)
    nd = sum(e["rows"] for e in ds.meta["load_report"].get("not_derived", []) if e["column"] == "decision")
    assert nd + fr["decision"].notna().sum() == len(fr)


def test_outcome_flags_and_user_mapping():
    values = pd.Series(['{"NEW_REFERRAL_FLAG": "", "NFA_FLAG": "Y", "COMMENTS": ""}',
                        '{"OTHER_OUTCOMES_EXIST_FLAG": "Y", "COMMENTS": "stepped to EH - \\"Family Hub\\""}',
                        '{"NFA_FLAG": "Y", "CP_ENQUIRY_FLAG": "Y  "}',
                        '{"PRIVATE_FOSTERING_FLAG": "Y"}', None, "early_help"])
    report: dict = {}
    got = ssd.contact_outcome_to_decision(values, report=report)
    assert [None if pd.isna(x) else x for x in got.tolist()] == ["nfa", None, "social_care_referral", None, None,
                                                                "early_help"]
    reasons = {e["reason"]: e["rows"] for e in report["not_derived"]}
    assert reasons["no outcome recorded (empty or NULL)"] == 1
    assert any("OTHER_OUTCOMES_EXIST_FLAG" in r for r in reasons)
    assert any("PRIVATE_FOSTERING_FLAG" in r for r in reasons)
    got = ssd.contact_outcome_to_decision(values, flags={"other_outcomes_exist_flag": "early_help"})
    assert got.iloc[1] == "early_help"
    got = ssd.contact_outcome_to_decision(values, comments={"family hub": "early_help"}, flags={"NFA_FLAG": "advice_signpost"})
    assert got.iloc[1] == "early_help" and got.iloc[0] == "advice_signpost"
    assert got.iloc[2] == "social_care_referral"          # statutory outcomes cannot be remapped
    team = pd.Series(['{"OTHER_OUTCOMES_EXIST_FLAG": "Y", "TEAM": "ehhub"}', '{"OTHER_OUTCOMES_EXIST_FLAG": "Y"}'])
    settings = parse_code_map({"ssd": {"contact_outcomes": {"keys": {"team": {"EHHUB": "early_help"}}}}}).ssd
    report = {}
    got = ssd.contact_outcome_to_decision(team, keys=settings.outcome_keys, report=report)
    assert got.iloc[0] == "early_help" and pd.isna(got.iloc[1]) and report["not_derived"][0]["rows"] == 1


def test_without_the_code_map_it_says_what_to_map(extract):
    system, folder, files = extract
    with pytest.raises(ValidationError) as err:
        read_dataset(folder)
    text = str(err.value)
    assert "--code-map" in text and ("end_reason" in text or "source" in text)
    assert "family_members.family_id+person_id+valid_from: duplicate key" not in text   # memberships, not duplicates
    if system == "eclipse":     # without the profile a contact form written per child is a repeated id
        assert "requests.request_id: duplicate key" in text


def test_council_series_without_localities(extract, council, tmp_path):
    system, folder, files = extract
    codes = files["codes"].read_text().replace('geography = "geography.csv"\n', "")
    (tmp_path / "codes.toml").write_text(codes)
    ds = read_dataset(folder, code_map=tmp_path / "codes.toml")
    assert ds.localities.empty
    want, got = _monthly(council, ["requests"]), _monthly(ds, ["requests"])
    assert abs(got.sum() - want.sum()) <= 0.03 * want.sum()
    with pytest.raises(ValidationError, match="by='council'"):
        demand_series(ds, measures=["requests"], by="locality")


def test_geography_lookup_most_specific_first():
    lookup = ssd.read_geography(pd.DataFrame({
        "postcode": ["CV1 2AB", None, None], "sector": [None, "CV1 2", None], "district": [None, None, "cv1"],
        "locality_id": ["A", "B", "C"]}))
    got = ssd.postcode_locality(pd.Series(["cv12ab", "CV1 2XY", "CV1 9ZZ", "B1 1AA", None]), lookup)
    assert [None if pd.isna(x) else x for x in got] == ["A", "B", "C", None, None]
    with pytest.raises(ValidationError, match="two localities"):
        ssd.read_geography(pd.DataFrame({"district": ["CV1", "CV1"], "locality_id": ["A", "B"]}))


def _moving_child(family: pd.DataFrame, **more) -> dict:
    """SystemC tables where child c1 moves from family F1 to F2 (contacts k1, then k2; c2's k3)."""
    return dict(
        ssd_person=pd.DataFrame({"pers_person_id": ["c1", "c2"], "pers_sex": ["M", "F"],
                                 "pers_ethnicity": ["WBRI", "WBRI"], "pers_dob": ["2015-01-01", "2016-01-01"]}),
        ssd_contacts=pd.DataFrame({"cont_contact_id": ["k1", "k2", "k3"], "cont_person_id": ["c1", "c1", "c2"],
                                   "cont_contact_date": ["2023-01-10", "2024-02-01", "2024-02-01"],
                                   "cont_contact_source_code": ["2A", "2A", "2A"],
                                   "cont_contact_outcome_json": ['{"NFA_FLAG": "Y"}'] * 3}),
        ssd_family=family, **more)


MOVING_FAMILY_ROWS = {"fami_family_id": ["F1", "F2", "F2"], "fami_person_id": ["c1", "c1", "c2"]}


def test_children_who_move_are_dated_by_their_contacts():
    from earlyhelp import Dataset

    frames = _moving_child(
        pd.DataFrame({"fami_table_id": ["k1", "k2", "k3"], **MOVING_FAMILY_ROWS}),
        ssd_early_help_episodes=pd.DataFrame({
            "earl_episode_id": ["e1", "e2", "e3"], "earl_person_id": ["c1", "c1", "c2"],
            "earl_episode_start_date": ["2023-02-01", "2024-03-01", "2024-03-01"],
            "earl_episode_end_date": ["2023-06-01", None, None], "earl_episode_end_reason": ["outcomes_met", None, None]}))
    ds = Dataset.from_frames(ssd="systemc", as_of="2025-01-01", **frames)
    m = ds.family_members.set_index(["person_id", "family_id"])
    assert pd.isna(m.loc[("c1", "F1"), "valid_from"]) and m.loc[("c1", "F1"), "valid_to"] == pd.Timestamp("2024-01-31")
    assert m.loc[("c1", "F2"), "valid_from"] == pd.Timestamp("2024-02-01")
    assert ds.episodes.set_index("episode_id")["family_id"].to_dict() == {"e1": "F1", "e2": "F2", "e3": "F2"}
    assert len(ds.stitch_episodes()) == 2 and len(ds.family_requests()) == 2


def test_family_rows_that_cannot_be_dated_are_reported():
    """Without fami_table_id (or with contact ids the contacts lack) a child who moved family is in
    both families for the whole period: the load report says so, rather than nothing."""
    from earlyhelp import Dataset

    def load(family):
        ds = Dataset.from_frames(ssd="systemc", as_of="2025-01-01", **_moving_child(family))
        return " | ".join(ds.meta["load_report"]["derived"])

    people = MOVING_FAMILY_ROWS
    said = load(pd.DataFrame(people))
    assert "1 children are in more than one family with no dates" in said and "no fami_table_id" in said
    said = load(pd.DataFrame({"fami_table_id": ["k1", "k9", "k3"], **people}))
    assert "1 family rows name a contact (fami_table_id) that is not in the contacts" in said
    assert "more than one family" not in load(pd.DataFrame({"fami_table_id": ["k1", "k2", "k3"], **people}))


def test_code_map_file_problems_are_listed(tmp_path):
    bad = tmp_path / "codes.toml"
    bad.write_text('[ssd]\nprofile = "caresys"\n[ssd.contact_outcomes.flags]\nX = "maybe"\n'
                   '[episodes]\nend_reason = 3\n')
    with pytest.raises(ValidationError) as err:
        load_code_map(bad)
    text = str(err.value)
    assert "profile" in text and "maybe" in text and "end_reason" in text
    ok = parse_code_map({"ssd": {"profile": "liquidlogic"}, "end_reason": {"X": "other"},
                         "ssd_early_help_episodes": {"earl_episode_end_reason": {"Y": "step_up"}}})
    assert ok.ssd.profile.name == "systemc" and ok.code_map["end_reason"] == {"X": "other"}


def test_cli_validate_with_code_map_prints_the_load_report(extract):
    from click.testing import CliRunner

    from earlyhelp.cli.main import cli

    system, folder, files = extract
    result = CliRunner().invoke(cli, ["validate", "--data", str(folder), "--code-map", str(files["codes"])])
    assert result.exit_code == 0, result.output
    for words in ("data: valid", "defaulted", "ignored", "mapped", "derived"):
        assert words in result.output
    if system == "eclipse":
        assert "could not derive" in result.output and "requests.decision" in result.output
    bad = CliRunner().invoke(cli, ["validate", "--data", str(folder)])
    assert bad.exit_code == 2


def test_config_code_map_key_and_run_record(extract, tmp_path):
    from earlyhelp.cli.config import parse_config
    from earlyhelp.sources import content_hash, load_source

    system, folder, files = extract
    cfg = parse_config({"source": {"kind": "folder", "path": str(folder)},
                        "code_map": {"file": str(files["codes"]), "persons": {"sex": {"X": "U"}}}}, base=tmp_path)
    assert cfg.source.code_map_file == str(files["codes"]) and cfg.source.code_map["persons"]["sex"] == {"X": "U"}
    ds = load_source(cfg.source)
    record = content_hash(ds)
    assert json.loads(json.dumps(record["load_report"]))["profile"] == system
    with pytest.raises(ValidationError, match="code_map.file"):
        parse_config({"source": {"kind": "folder", "path": str(folder)}, "code_map": {"file": "nope.toml"}},
                     base=tmp_path)


def test_mosaic_workflow_steps_per_child():
    from earlyhelp import Dataset

    frames = dict(
        ssd_person=pd.DataFrame({"pers_person_id": ["101", "102", "103"], "pers_sex": ["M", "F", "F"],
                                 "pers_ethnicity": ["WBRI"] * 3, "pers_dob": ["2015-01-01", "2016-01-01", "2012-05-05"]}),
        ssd_family=pd.DataFrame({"fami_table_id": ["1", "2", "3"], "fami_family_id": ["900", "900", "901"],
                                 "fami_person_id": ["101", "102", "103"]}),
        # one workflow step about two children: the same contact and episode id on two rows
        ssd_contacts=pd.DataFrame({"cont_contact_id": ["5001", "5001", "5002"], "cont_person_id": ["101", "102", "103"],
                                   "cont_contact_date": ["2024-01-10"] * 2 + ["2024-02-01"],
                                   "cont_contact_source": ["2A", "2A", "6"],
                                   "cont_contact_outcome_json": ["EH Referral", "EH Referral", None]}),
        ssd_early_help_episodes=pd.DataFrame({
            "earl_episode_id": ["7001", "7001"], "earl_person_id": ["101", "102"],
            "earl_episode_start_date": ["2024-01-20"] * 2, "earl_episode_end_date": ["2024-05-01"] * 2,
            "earl_episode_end_reason": ["outcomes_met"] * 2, "earl_episode_worker_id": ["SSD_PH", "-1"]}))
    ds = Dataset.from_frames(ssd="mosaic", as_of="2025-01-01", **frames)
    assert len(ds.requests) == 2 and ds.requests.set_index("request_id").loc["5001", "children"] == 2
    decision = ds.requests.set_index("request_id")["decision"].astype(object)
    assert decision["5001"] == "early_help" and pd.isna(decision["5002"])
    assert sorted(ds.episodes["episode_id"]) == ["7001-101", "7001-102"]
    assert len(ds.stitch_episodes()) == 1
    report = ds.meta["load_report"]
    assert {e["reason"]: e["rows"] for e in report["not_derived"]} == {"no outcome recorded (empty or NULL)": 1}
    workers = ds.episodes["lead_practitioner_id"]
    assert pd.isna(workers.iloc[0]) and workers.iloc[1] == "-1"        # SSD_PH everywhere; '-1' is SystemC's "no one"
    systemc = Dataset.from_frames(ssd="systemc", as_of="2025-01-01", validate=False,
                                  **{k: v for k, v in frames.items() if k != "ssd_contacts"})
    assert systemc.episodes["lead_practitioner_id"].isna().all()


def test_every_command_takes_a_code_map(extract, tmp_path):
    from click.testing import CliRunner

    from earlyhelp.cli.main import cli

    for command in ("validate", "forecast", "network", "score", "flow", "report"):
        assert "--code-map" in CliRunner().invoke(cli, [command, "--help"]).output
    system, folder, files = extract
    if system != "eclipse":
        return
    config = tmp_path / "run.toml"
    config.write_text(f'[source]\nkind = "folder"\npath = "{folder.as_posix()}"\n'
                      '[forecast]\nmeasures = ["requests", "episodes_opened", "step_ups"]\nmodels = ["Naive"]\n')
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config), "--code-map", str(files["codes"]),
                                      "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: config and data valid" in result.output and "could not derive" in result.output


def test_council_codes_override_the_profile_code_by_code():
    from earlyhelp.data.dataset import _normalise_code_map
    from earlyhelp.data.ssd_profiles import resolve_code_map

    code_map, settings = resolve_code_map({"ssd_contacts": {"cont_contact_source_code": {"OTHER": "5D"}}}, "eclipse")
    merged = _normalise_code_map(code_map)["requests"]["source"]
    assert merged["OTHER"] == "5D" and merged["SCHOOLS"] == "2A" and settings.profile.name == "eclipse"


def test_lead_costs_with_practitioners_of_unknown_locality():
    # SSD practitioners outside a mapped team have no locality (pd.NA in Arrow strings)
    from earlyhelp.network.allocate import DEFAULT_COSTS, default_cost

    fams = pd.DataFrame({"locality_id": pd.array(["L1", "L1", None], dtype="string[pyarrow]"),
                         "level": [3, 3, 3], "needs": [(), (), ()]})
    pracs = pd.DataFrame({"locality_id": pd.array(["L1", None, "L1"], dtype="string[pyarrow]"),
                          "tier": ["frequent_modelling"] * 3, "agency_type": ["la_early_help"] * 3})
    cost = np.asarray(default_cost(fams, pracs), float)
    assert cost[1] - cost[0] == pytest.approx(DEFAULT_COSTS["no_locality"])
    assert cost[2] - cost[0] == pytest.approx(DEFAULT_COSTS["other_locality"])


def test_an_ssd_warehouse_reads_like_the_folder(extract, tmp_path):
    import sqlalchemy as sa

    from earlyhelp.data.readers import read_csv_text
    from earlyhelp.sources import read_sql

    system, folder, files = extract
    if system != "systemc":
        return
    url = f"sqlite:///{tmp_path / 'ssd.db'}"
    engine = sa.create_engine(url)
    for file in folder.glob("ssd_*.csv"):     # the extract as the warehouse holds it (text columns)
        read_csv_text(file, [], {}).to_sql(file.stem, engine, index=False)
    engine.dispose()
    from_sql = read_sql(url, code_map=files["codes"])
    from_folder = read_dataset(folder, code_map=files["codes"])
    assert "address" in from_sql.meta["source"]["tables"]
    assert from_sql.row_counts() == from_folder.row_counts()
    assert _monthly(from_sql, FAMILY).equals(_monthly(from_folder, FAMILY))


def test_statutory_tables_read_through_their_ssd_names(council, loaded):
    from earlyhelp.data.schema import TABLES

    names = [t for t in ("cin_plans", "cp_plans", "cla_episodes") if t in TABLES]
    if not names:
        pytest.skip("this build has no CIN plan, CP plan or care episode tables")
    system, ds = loaded
    for name in names:
        assert len(ds[name]) == len(council[name]), name
        assert set(ds[name]["person_id"].dropna()) <= set(ds.persons["person_id"])


def test_report_config_takes_the_code_map(extract, tmp_path):
    from earlyhelp.cli.reportrun import load_report_config

    system, folder, files = extract
    config = tmp_path / "report.toml"
    config.write_text(f'[source]\nkind = "folder"\npath = "{folder.as_posix()}"\n'
                      f'[code_map]\nfile = "{files["codes"].as_posix()}"\n[report]\nmonths = 12\n')
    cfg = load_report_config(str(config))
    assert cfg.base.source.code_map_file == str(files["codes"])


def test_early_help_plans_reviews_services_and_voice_beside_an_ssd_extract(council, tmp_path):
    """The SSD has no Early Help plan, review, service-referral or family-voice table: a council
    exports them from its Early Help system beside the SSD extract, keyed on the SSD's own
    ``earl_episode_id`` and family ids, and they read back into the Dataset with the rest."""
    from earlyhelp import measures

    files = write_ssd(council, tmp_path, "eclipse")
    episodes = pd.read_csv(files["ssd_early_help_episodes"], dtype=str)
    # the first child's row of each family episode stands for it (what the EH system would export)
    first_row = episodes[episodes["earl_episode_id"].str.endswith("-0")]
    ssd_id = pd.Series(first_row["earl_episode_id"].to_numpy(),
                       index=first_row["earl_episode_id"].str[:-2].to_numpy())
    local = {}
    for name in ("plans", "taf_reviews", "service_referrals", "family_voice"):
        frame = council[name].copy()
        if "episode_id" in frame.columns:
            frame["episode_id"] = frame["episode_id"].astype(object).map(ssd_id)
            frame = frame[frame["episode_id"].notna() | (name in ("service_referrals", "family_voice"))]
        local[name] = frame
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    ds = read_dataset(tmp_path, code_map=files["codes"])
    for name, frame in local.items():
        assert len(ds[name]) == len(frame), name
    assert set(ds.plans["episode_id"]) <= set(ds.episodes["episode_id"])
    assert set(ds.taf_reviews["episode_id"]) <= set(ds.episodes["episode_id"])
    got = measures.compute(ds, ["plans_timely", "reviews_timely", "service_referrals", "family_voice_positive"],
                           period="financial_year", start="2022-04-01", end="2025-03-31")
    want = measures.compute(council, ["plans_timely", "reviews_timely", "service_referrals", "family_voice_positive"],
                            period="financial_year", start="2022-04-01", end="2025-03-31")
    assert not got.attrs["blocked"]
    for col in ("numerator", "denominator"):
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float))


def test_absent_column_notes_name_only_columns_of_the_specification(loaded):
    """Every SSD extract lacked 'pers_send', a name the specification does not have (its
    ssd_person has pers_send_flag, the EHC plan): the report noted it as left out, every time."""
    system, ds = loaded
    reasons = [d.get("reason", "") for d in ds.meta["load_report"].get("defaults", [])]
    assert not [r for r in reasons if "pers_send)" in r], reasons
