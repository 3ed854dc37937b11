"""Code maps and SSD side tables given in shapes that used to crash or lose data silently."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ConfigError, Dataset, ValidationError
from earlyhelp.data.ssd import factors_to_text

PERSONS = pd.DataFrame({"person_id": ["1"], "sex": ["F"]})


def test_code_map_file_with_one_value_where_codes_belong_names_the_file_and_key(tmp_path):
    codes = tmp_path / "codes.toml"
    codes.write_text("[persons]\nsex = 'M'\n")
    with pytest.raises(ConfigError) as err:
        Dataset.from_frames(persons=PERSONS, code_map=codes, as_of="2025-01-01")
    (problem,) = err.value.problems
    assert problem.table == str(codes) and problem.column == "persons.sex" and problem.value == "M"
    assert "local codes" in problem.message


@pytest.mark.parametrize("ssd", [None, "eclipse"])   # eclipse: merged with the profile's own codes first
def test_python_code_map_with_one_value_where_codes_belong_names_the_key(ssd):
    with pytest.raises(ConfigError) as err:
        Dataset.from_frames(persons=PERSONS, code_map={"persons": {"sex": "M"}}, ssd=ssd, as_of="2025-01-01")
    assert [(p.table, p.column) for p in err.value.problems] == [("code_map", "persons.sex")]
    with pytest.raises(ConfigError, match="code_map.sex"):   # a column's codes as one value: not dropped
        Dataset.from_frames(persons=PERSONS, code_map={"sex": "M"}, ssd=ssd, as_of="2025-01-01")


def test_code_map_file_not_in_utf8_names_the_file_and_line(tmp_path):
    codes = tmp_path / "codes.toml"
    codes.write_bytes("[persons.sex]\n'Zo\xeb' = 'F'\n".encode("cp1252"))
    with pytest.raises(ConfigError) as err:
        Dataset.from_frames(persons=PERSONS, code_map=codes, as_of="2025-01-01")
    (problem,) = err.value.problems
    assert problem.table == str(codes) and "UTF-8" in problem.message and "line 2" in problem.message


@pytest.mark.parametrize("code_map, words", [([("persons", "sex")], "give a mapping"), (b"codes.toml", "not bytes")])
def test_code_map_of_the_wrong_type_says_what_to_give(code_map, words):
    with pytest.raises(ConfigError, match=words):
        Dataset.from_frames(persons=PERSONS, code_map=code_map, as_of="2025-01-01")


def test_cli_validate_with_a_bad_code_map_exits_2(tmp_path):
    from click.testing import CliRunner

    from earlyhelp.cli.main import cli

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "persons.csv").write_text("person_id,sex\n1,F\n")
    codes = tmp_path / "codes.toml"
    codes.write_text("[persons]\nsex = 'M'\n")
    result = CliRunner().invoke(cli, ["validate", "--data", str(tmp_path / "data"), "--code-map", str(codes)])
    assert result.exit_code == 2, result.output
    assert "persons.sex" in result.output


def _contacts(outcomes):
    return dict(
        ssd_person=pd.DataFrame({"pers_person_id": ["P1", "P2"]}),
        ssd_contacts=pd.DataFrame({
            "cont_contact_id": ["C1", "C1"], "cont_person_id": ["P1", "P2"],
            "cont_contact_date": ["2024-01-05"] * 2, "cont_contact_source_code": ["6", "6"],
            "cont_contact_outcome_json": outcomes}))


@pytest.mark.parametrize("profile, outcomes", [
    ("eclipse", ['{"NFA_FLAG": "Y"}', '{"NEW_REFERRAL_FLAG": "Y"}']),
    ("mosaic", [None, "CIN Referral"]),   # the referral second: merging kept the first row's nothing
])
def test_contact_rows_with_different_outcomes_are_a_problem_not_merged(profile, outcomes):
    with pytest.raises(ValidationError) as err:
        Dataset.from_frames(ssd=profile, as_of="2025-01-01", **_contacts(outcomes))
    found = [p for p in err.value.problems if p.column == "request_id"]
    assert len(found) == 1 and list(found[0].rows) == ["C1"] and found[0].n_rows == 2
    assert "different outcomes" in found[0].message


def test_contact_rows_with_one_decision_worded_differently_are_merged():
    outcomes = ['{"NFA_FLAG": "Y", "COMMENTS": "school"}', '{"NFA_FLAG": "Y", "COMMENTS": "sibling"}']
    ds = Dataset.from_frames(ssd="eclipse", as_of="2025-01-01", **_contacts(outcomes))
    assert len(ds.requests) == 1 and ds.requests["decision"].iloc[0] == "nfa"
    assert ds.requests["children"].astype(int).iloc[0] == 2


def _assessments(ids):
    return dict(
        persons=pd.DataFrame({"person_id": ["P1"]}),
        csc_referrals=pd.DataFrame({"referral_id": ["R1"], "person_id": ["P1"], "referral_date": ["2024-01-01"],
                                    "close_date": [None]}),
        csc_assessments=pd.DataFrame({"assessment_id": ["A1"], "referral_id": ["R1"], "person_id": ["P1"],
                                      "start_date": ["2024-01-02"], "authorised_date": [None]}),
        ssd_assessment_factors=pd.DataFrame({"cinf_assessment_id": ids,
                                             "cinf_assessment_factors_json": ['["2A"]', '["3A"]', '["21"]'][:len(ids)]}))


def test_assessment_factors_of_no_assessment_are_a_dangling_reference():
    with pytest.raises(ValidationError) as err:
        Dataset.from_frames(as_of="2025-01-01", **_assessments(["A1", "A9"]))
    (problem,) = err.value.problems
    assert (problem.table, problem.column, list(problem.rows), problem.n_rows) == \
        ("assessment_factors", "cinf_assessment_id", ["A9"], 1)


def test_assessment_factors_without_an_assessment_id_are_counted():
    ds = Dataset.from_frames(as_of="2025-01-01", **_assessments(["A1", " ", None]))
    assert ds.csc_assessments["factors"].tolist() == ["2A"]
    (entry,) = [e for e in ds.meta["load_report"]["not_derived"] if e["table"] == "assessment_factors"]
    assert entry["rows"] == 2 and entry["column"] == "cinf_assessment_id" and "without an assessment id" in entry["reason"]


def test_assessment_factors_read_alike_in_every_form_and_case():
    given = pd.Series(['["1a","3b"]', '["1A", "3B"]', "1a, 3b", '{"1a": "Yes", "3b": "Yes"}', '[21, "22a"]'])
    assert factors_to_text(given).tolist() == ["1A,3B"] * 4 + ["21,22A"]
