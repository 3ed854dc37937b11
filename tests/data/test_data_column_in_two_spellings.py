"""One column given under two spellings of one name (``start_date`` and ``Start Date``, ``Start
Date`` and ``start-date``, ``Pers DOB`` and ``pers-dob``) is a problem naming both headers, as
for ``birth_date`` and ``Birth_Date ``: never the first in column order read and the other kept
as a stray column."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset

FAMILIES = "family_id,locality_id\nF1,\n"


@pytest.mark.parametrize("first, second", [("start_date", "Start Date"), ("Start Date", "start-date"),
                                           ("start-date", "Start Date"), ("START DATE", " start_date")])
def test_two_spellings_of_a_column_in_a_csv_are_refused_naming_both(tmp_path, first, second):
    (tmp_path / "families.csv").write_text(FAMILIES)
    (tmp_path / "episodes.csv").write_text(f"episode_id,family_id,{first},{second}\n"
                                           "E1,F1,2023-04-03,2001-01-01\n")
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, as_of="2025-01-01")
    found = [p for p in caught.value.problems if p.table == "episodes" and "more than once" in p.message]
    assert len(found) == 1, caught.value
    assert repr(first) in found[0].message and repr(second) in found[0].message


@pytest.mark.parametrize("order", [["Pers DOB", "pers-dob"], ["pers-dob", "Pers DOB"]])
def test_two_spellings_of_an_ssd_column_are_refused_whatever_their_order(order):
    values = {"Pers DOB": ["2019-09-09"], "pers-dob": ["2015-01-01"]}
    persons = pd.DataFrame({"pers_person_id": ["C1"], **{c: values[c] for c in order}})
    with pytest.raises(ValidationError, match=r"persons\..*column given more than once.*'Pers DOB'.*'pers-dob'|"
                                              r"persons\..*column given more than once.*'pers-dob'.*'Pers DOB'"):
        Dataset.from_frames(ssd_person=persons)


def test_one_spelled_header_is_still_read():
    persons = pd.DataFrame({"Pers Person ID": ["C1"], "Pers DOB": ["2019-09-09"]})
    ds = Dataset.from_frames(ssd_person=persons, as_of="2025-01-01")
    assert ds.persons["birth_date"].iloc[0] == pd.Timestamp("2019-09-09")
