"""read_sql refuses a table the database holds under two names (``persons`` and ``ssd_person``)
unless ``tables=`` says which to read, as read_dataset and Dataset.from_frames refuse it; and it
takes the ``as_of``, ``unknown_codes`` and ``ssd`` options the other loaders take."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from earlyhelp import ValidationError
from earlyhelp.sources import read_sql


def warehouse(tmp_path, tables):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for name, frame in tables.items():
            frame.to_sql(name, conn, index=False)
    engine.dispose()
    return url


def tables(**more):
    out = {"families": pd.DataFrame({"family_id": ["F1"], "locality_id": [None]}),
           "episodes": pd.DataFrame({"episode_id": ["E1", "E2"], "family_id": ["F1", "F1"],
                                     "start_date": ["2023-01-01", "2023-06-01"], "end_date": ["2023-03-01", None],
                                     "end_reason": ["outcomes_met", None]})}
    out.update(more)
    return out


def test_a_table_under_two_names_is_given_twice(tmp_path):
    # before: persons (2 rows) was read and ssd_person (3 rows) left out, said only in meta["source"]
    url = warehouse(tmp_path, tables(persons=pd.DataFrame({"person_id": ["A", "B"]}),
                                     ssd_person=pd.DataFrame({"pers_person_id": ["Z1", "Z2", "Z3"]})))
    with pytest.raises(ValidationError) as caught:
        read_sql(url)
    found = [p for p in caught.value.problems if p.message.startswith("given twice")]
    assert [p.table for p in found] == ["persons"]
    assert "persons and ssd_person" in found[0].message
    assert "tables={'persons': 'persons'}" in found[0].format("python")
    assert '[source.tables]\n      persons = "persons"' in found[0].format("toml")


def test_mapped_it_reads_the_table_named(tmp_path):
    url = warehouse(tmp_path, tables(persons=pd.DataFrame({"person_id": ["A", "B"]}),
                                     ssd_person=pd.DataFrame({"pers_person_id": ["Z1", "Z2", "Z3"]})))
    ds = read_sql(url, tables={"persons": "ssd_person"})
    assert sorted(ds.persons["person_id"]) == ["Z1", "Z2", "Z3"]


def test_as_of_validates_a_snapshot_as_of_its_own_date(tmp_path):
    url = warehouse(tmp_path, tables())
    with pytest.raises(ValidationError, match="date in the future"):
        read_sql(url, as_of="2023-04-30")
    assert len(read_sql(url, as_of="2023-06-30").episodes) == 2


def test_unknown_codes_can_be_kept(tmp_path):
    episodes = tables()["episodes"].assign(end_reason=["CLOSED - ACHIEVED", None])
    url = warehouse(tmp_path, tables(episodes=episodes))
    with pytest.raises(ValidationError, match="end_reason"):
        read_sql(url)
    ds = read_sql(url, unknown_codes="keep")
    assert ds.episodes["end_reason"].astype(str).tolist()[0] == "unknown"
    assert [e["column"] for e in ds.meta["load_report"]["unknown_codes"]] == ["end_reason"]


def test_ssd_names_the_case_system(tmp_path):
    url = warehouse(tmp_path, tables())
    assert read_sql(url, ssd="systemc").meta["ssd"]["profile"] == "systemc"
    assert "ssd" not in read_sql(url).meta
