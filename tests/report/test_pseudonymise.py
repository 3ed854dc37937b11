"""Pseudonymisation of person and family ids."""
from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from earlyhelp import ConfigError, Dataset
from earlyhelp.report.pseudonymise import ID_COLUMNS, KEY_VARIABLE, pseudonymise, pseudonymise_ids

KEY = "k3y-0123456789-abcdefghij-klmnopqrstu"


def small_dataset() -> Dataset:
    localities = pd.DataFrame({"locality_id": ["L1"], "name": ["North"], "kind": ["family_hub_area"],
                               "council_code": ["E08000026"], "region_code": ["E12000005"],
                               "child_population": [1000], "deprivation": [0.2]})
    persons = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"],
                            "birth_date": ["2015-01-01", "1985-05-05", "2018-02-02", "2019-03-03"],
                            "sex": ["F", "M", "M", "F"], "ethnicity": ["WBRI", "WBRI", "WBRI", "WBRI"]})
    families = pd.DataFrame({"family_id": ["F1", "P1"], "locality_id": ["L1", "L1"]})
    members = pd.DataFrame({"family_id": ["F1", "F1", "P1"], "person_id": ["P1", "P2", "P3"],
                            "role": ["child", "parent_carer", "child"]})
    requests = pd.DataFrame({"request_id": ["R1", "R2"], "family_id": ["F1", None], "person_id": ["P1", "P4"],
                             "received_date": ["2023-01-05", "2023-02-05"], "source": ["2A", "3A"],
                             "route": ["direct", "direct"], "decision": ["early_help", "nfa"],
                             "decision_date": ["2023-01-10", "2023-02-10"]})
    return Dataset.from_frames(localities=localities, persons=persons, families=families,
                               family_members=members, requests=requests)


def test_columns_come_from_the_schema():
    assert ID_COLUMNS[("persons", "person_id")] == "person"
    assert ID_COLUMNS[("families", "family_id")] == "family"
    assert ID_COLUMNS[("episodes", "family_id")] == "family"
    assert ID_COLUMNS[("csc_assessments", "person_id")] == "person"
    # every id of a case too: an episode or request id would link a family back to the case system
    assert ID_COLUMNS[("episodes", "episode_id")] == "episode"
    assert ID_COLUMNS[("involvements", "referral_id")] == "referral"
    assert ("localities", "locality_id") not in ID_COLUMNS        # places keep their ids


def test_consistent_across_tables_and_stable(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    ds = small_dataset()
    out = pseudonymise(ds)
    again = pseudonymise(ds)
    for name in ("persons", "families", "family_members", "requests"):
        pd.testing.assert_frame_equal(out[name], again[name])
    # no raw id survives; joins still work
    assert not set(out.persons.person_id) & {"P1", "P2", "P3", "P4"}
    assert set(out.family_members.person_id) == set(out.persons.person_id) - {out.requests.person_id.iloc[1]}
    assert set(out.family_members.family_id) == set(out.families.family_id)
    assert out.requests.family_id.isna().sum() == 1          # P4 belongs to no family: missing stays missing
    assert not set(out.requests.request_id) & {"R1", "R2"}     # case ids too
    assert out.persons.person_id.str.len().max() <= 48
    # the expected value is HMAC-SHA256 of "person:P1"
    expected = hmac.new(KEY.encode(), b"person:P1", hashlib.sha256).hexdigest()[:40]
    assert out.persons.person_id.iloc[0] == expected
    # person P1 and family P1 share a raw id but not a pseudonym
    assert out.families.family_id.iloc[1] != out.persons.person_id.iloc[0]
    out.validate()
    assert "persons.person_id" in out.meta["pseudonymised"]


def test_different_key_different_pseudonyms():
    ids = pd.Series(["A", "B"])
    assert (pseudonymise_ids(ids, domain="person", key=KEY) != pseudonymise_ids(ids, domain="person", key="z3y-0123456789-abcdefghij-klmnopqrstu")).all()


def test_missing_or_short_key(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(ConfigError, match=KEY_VARIABLE):
        pseudonymise(small_dataset())
    monkeypatch.setenv(KEY_VARIABLE, "short")
    with pytest.raises(ConfigError, match="too short"):
        pseudonymise(small_dataset())
    with pytest.raises(ConfigError, match="length"):
        pseudonymise_ids(pd.Series(["A"]), domain="person", key=KEY, length=60)


def test_two_ids_with_one_pseudonym_are_refused_not_merged():
    # under this key, families F0028262 and F0047865 share their first 8 hex characters
    key = "0123456789abcdef0123456789ABCDEF-key"
    ids = pd.Series(["F0028262", "F0047865"])
    with pytest.raises(ConfigError, match="'F0028262' and 'F0047865' get the same pseudonym at 8"):
        pseudonymise_ids(ids, domain="family", key=key, length=8)
    assert pseudonymise_ids(ids, domain="family", key=key, length=9).nunique() == 2
    # across tables too: one family in families, the other only in requests
    ds = small_dataset()
    ds = ds.replace(families=ds.families.assign(family_id=["F0028262", "P1"]),
                    family_members=ds.family_members.assign(family_id=["F0028262", "F0028262", "P1"]),
                    requests=ds.requests.assign(family_id=["F0047865", None]))
    with pytest.raises(ConfigError, match="same pseudonym"):
        pseudonymise(ds, key=key, length=8)
