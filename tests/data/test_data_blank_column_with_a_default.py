"""A column with a default (persons.sex, loaded as 'unknown' when left out) given with blank cells
is refused with a message that says so (fill the cells, or leave the column out), not as
"missing value where one is required" of a column the data model calls optional."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError


def test_a_blank_sex_column_says_how_to_give_it():
    persons = pd.DataFrame({"person_id": ["C1", "C2"], "birth_date": ["2015-01-01", "2016-01-01"],
                            "sex": [None, "F"]})
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(persons=persons, as_of="2025-01-01")
    found = [p for p in caught.value.problems if (p.table, p.column) == ("persons", "sex")]
    assert len(found) == 1, caught.value
    assert "required" not in found[0].message
    assert "absence loads as 'unknown'" in found[0].message and "leave the whole column out" in found[0].message
    assert list(found[0].rows) == ["C1"]


def test_the_column_left_out_still_loads_as_unknown():
    persons = pd.DataFrame({"person_id": ["C1"], "birth_date": ["2015-01-01"]})
    ds = Dataset.from_frames(persons=persons, as_of="2025-01-01")
    assert ds.persons["sex"].iloc[0] == "unknown"
