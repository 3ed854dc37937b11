"""Data sources: a folder, SQLite and PostgreSQL (SSD-named tables read as they are)."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from earlyhelp import Dataset, ValidationError, write_dataset
from earlyhelp.cli.config import SourceConfig
from earlyhelp.sources import content_hash, load_source, read_sql, with_driver

from cli_helpers import make_frames, ssd_frames


@pytest.fixture(scope="module")
def frames():
    return make_frames(seed=1, months=24, base=6.0)


@pytest.fixture(scope="module")
def reference(frames):
    return Dataset.from_frames(**frames)


def sorted_tables(ds):
    from earlyhelp.data.schema import TABLES

    return {name: ds[name].sort_values(list(TABLES[name].key)).reset_index(drop=True) for name in TABLES}


def assert_same(a, b):
    ta, tb = sorted_tables(a), sorted_tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_dtype=True, obj=name)


def write_sql(engine, frames, schema=None):
    with engine.begin() as conn:
        for name, frame in ssd_frames(frames).items():
            frame.to_sql(name, conn, schema=schema, index=False, if_exists="replace")


def test_folder_source(tmp_path, reference):
    write_dataset(reference, tmp_path, format="csv")
    ds = load_source(SourceConfig(kind="folder", path=str(tmp_path)))
    assert_same(ds, reference)
    assert content_hash(ds)["rows"] == content_hash(reference)["rows"]


def test_sqlite_ssd_names(tmp_path, frames, reference):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = sa.create_engine(url)
    write_sql(engine, frames)
    # the warehouse holds the SSD's own names (data-to-insight/ssd-data-model)
    inspector = sa.inspect(engine)
    assert {"ssd_person", "ssd_contacts", "ssd_early_help_episodes", "ssd_family"} <= set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("ssd_early_help_episodes")}
    assert {"earl_episode_id", "earl_person_id", "earl_episode_start_date", "earl_episode_end_reason"} <= columns
    assert "pers_person_id" in {c["name"] for c in inspector.get_columns("ssd_person")}
    engine.dispose()
    ds = read_sql(url)                      # SSD names found without a mapping
    assert_same(ds, reference)
    assert content_hash(ds)["sha256"] == content_hash(reference)["sha256"]
    assert ds.meta["source"]["tables"]["persons"] == "ssd_person"


def test_sqlite_mapped_table_names(tmp_path, frames, reference):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for name, frame in frames.items():
            frame.to_sql(f"eh_{name}_v2", conn, index=False)
    tables = {name: f"eh_{name}_v2" for name in frames}
    ds = load_source(SourceConfig(kind="sql", url=url, tables=tables))
    assert_same(ds, reference)


def test_sql_bad_inputs(tmp_path, frames):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    write_sql(sa.create_engine(url), frames)
    with pytest.raises(ValidationError, match="not found in the database"):
        read_sql(url, tables={"persons": "no_such_table"})
    with pytest.raises(ValidationError, match="not an earlyhelp table"):
        read_sql(url, tables={"people": "ssd_person"})
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    sa.create_engine(empty).connect().close()
    with pytest.raises(ValidationError, match="no earlyhelp or SSD tables"):
        read_sql(empty)
    with pytest.raises(ValidationError, match="cannot connect"):
        read_sql("postgresql://nobody@127.0.0.1:1/none")
    # bad data in the database: an episode that ends before it starts
    bad = dict(frames)
    ep = bad["episodes"].copy()
    ep.loc[0, "end_date"] = ep.loc[0, "start_date"] - pd.Timedelta(days=3)
    bad["episodes"] = ep
    url2 = f"sqlite:///{tmp_path / 'bad.db'}"
    write_sql(sa.create_engine(url2), bad)
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        read_sql(url2)


def test_postgres_ssd_names(postgres_url, frames, reference):
    engine = sa.create_engine(with_driver(postgres_url))
    schema = "ssd_sources_test"            # its own schema: the server is shared by the session
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    write_sql(engine, frames, schema=schema)
    engine.dispose()
    ds = read_sql(postgres_url, schema=schema)
    assert_same(ds, reference)
    assert content_hash(ds)["sha256"] == content_hash(reference)["sha256"]


def test_write_sql_replaces_a_table_that_became_empty(tmp_path, reference):
    # before: write_sql skipped empty tables, so a table emptied since the last write kept its old
    # rows in the database and read_sql gave them back as part of the new data
    from earlyhelp.sources import write_sql as write_dataset_sql

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    assert len(reference.assessments) > 0
    write_dataset_sql(reference, url)
    written = write_dataset_sql(reference.replace(assessments=reference.assessments.iloc[0:0]), url)
    assert "assessments" in written
    back = read_sql(url)
    assert len(back.assessments) == 0
    assert len(back.families) == len(reference.families)


def test_an_interrupted_sqlite_write_leaves_the_earlier_tables(tmp_path, reference, monkeypatch):
    # before: Python's sqlite3 driver began the transaction at the first INSERT, so the first
    # table's DROP and CREATE were committed on their own: Ctrl-C on a later table left it empty
    # beside the other tables' old rows
    import sqlite3

    from earlyhelp.sources import write_sql as write_dataset_sql

    db = tmp_path / "warehouse.db"
    url = f"sqlite:///{db}"
    write_dataset_sql(reference, url)

    def rows():
        with sqlite3.connect(db) as c:
            names = [n for (n,) in c.execute("select name from sqlite_master where type='table'")]
            return {n: c.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}

    before = rows()
    real, calls = pd.DataFrame.to_sql, {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_sql", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_dataset_sql(reference.replace(persons=reference.persons.iloc[:10]), url)
    monkeypatch.undo()
    assert rows() == before and before["persons"] == len(reference.persons)
