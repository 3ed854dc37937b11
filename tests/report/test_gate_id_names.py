"""The publication gate finds columns of ids however their names are spelt, and only those.

Names were put in snake case by a case change (``familyId`` -> ``family_id``): a name in one case
with no separator (``FAMILYID``, ``personid``, as SQL exports write them) stayed ``familyid`` and
matched nothing, so its raw ids were published even with pseudonymisation on; ``case_number``
matched no ending either. Words that merely end in ``id`` (``paid``, ``valid``) or ``number``
(``week_number``) are not ids.
"""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp.report.publish import PublishPolicy, identifier_columns, publish

KEY = b"0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize("name, domain", [
    ("FAMILYID", "family"), ("familyid", "family"), ("PERSONID", "person"), ("personid", "person"),
    ("case_number", "case"), ("CaseNumber", "case"), ("CASE_NO", "case"), ("personref", "person"),
    ("HOUSEHOLDNO", "household"), ("EPISODEID", "episode"), ("REQUESTIDS", "request"),
    ("LEADPRACTITIONERID", "practitioner"), ("CHILDUPN", "person"), ("NHSNUMBER", "person"),
    ("child_case_number", "case"), ("Family_ID", "family"), ("familyId", "family"),
])
def test_id_columns_in_one_case_without_separators_are_pseudonymised(name, domain):
    frame = pd.DataFrame({name: ["F001", "F002"], "locality": ["A", "B"], "families": [30, 40]})
    assert identifier_columns(frame) == {name: domain}
    out = publish(frame, PublishPolicy(pseudonymise=True, key=KEY))
    assert not set(out.text[name]) & {"F001", "F002"}
    assert not set(out.typed[name]) & {"F001", "F002"}
    assert out.record["pseudonymised"] == [name]


@pytest.mark.parametrize("name", [
    "paid", "valid", "void", "fluid", "grid", "rapid", "hybrid", "covid", "squid", "mid", "identity", "ideal",
    "week_number", "row_no", "question_no", "review_number", "number", "no",
    "LOCALITYID", "AGENCYID", "LEADAGENCYID", "UNIQUEID", "unique_id", "LocalityID", "n_families",
])
def test_columns_that_only_end_like_an_id_are_not_ids(name):
    assert identifier_columns(pd.DataFrame(columns=[name])) == {}


def test_a_list_column_spelt_in_capitals_is_read_as_a_list():
    frame = pd.DataFrame({"PERSONIDS": ["P1, P2", "P3"], "families": [20, 20]})
    out = publish(frame, PublishPolicy(pseudonymise=True, key=KEY))
    first = out.text["PERSONIDS"].iloc[0].split(",")
    assert len(first) == 2 and not set(first) & {"P1", "P2", " P2"}
