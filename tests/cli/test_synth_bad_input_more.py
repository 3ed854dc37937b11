"""`earlyhelp synth` never writes over an earlier dataset unasked: not a database's tables, not
a folder another run wrote meanwhile. Each refusal exits 2 naming the option and the tables."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import earlyhelp
from earlyhelp.cli.main import cli
from earlyhelp.data import readers

SMALL = ["--years", "1", "--scale", "0.01"]


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _rows(db: Path, table: str) -> list:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"select * from {table}").fetchall()


# -- a database's tables ------------------------------------------------------------------------
def test_synth_sql_refuses_a_database_holding_a_table_it_would_write(tmp_path):
    db = tmp_path / "warehouse.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table ssd_person(pers_person_id text, pers_dob text, note text)")
        conn.execute("insert into ssd_person values ('REAL1', '2015-01-01', 'council data')")
    result = _invoke("synth", *SMALL, "--sql", f"sqlite:///{db}", "--ssd-names")
    assert result.exit_code == 2, result.output
    assert "--sql" in result.output and "ssd_person" in result.output and "--replace" in result.output
    assert "Traceback" not in result.output
    assert _rows(db, "ssd_person") == [("REAL1", "2015-01-01", "council data")]


def test_synth_sql_replace_leaves_no_rows_of_the_earlier_dataset(tmp_path):
    db = tmp_path / "mix.db"
    url = f"sqlite:///{db}"
    first = _invoke("synth", "--years", "1", "--scale", "0.05", "--seed", "1", "--sql", url)
    assert first.exit_code == 0, first.output
    again = _invoke("synth", "--years", "1", "--scale", "0.001", "--seed", "2", "--sql", url)
    assert again.exit_code == 2 and "already holds tables" in again.output, again.output
    replaced = _invoke("synth", "--years", "1", "--scale", "0.001", "--seed", "2", "--sql", url, "--replace")
    assert replaced.exit_code == 0, replaced.output
    expected = earlyhelp.synthetic.council(years=1, scale=0.001, seed=2)
    for name, frame in expected.tables.items():   # the empty tables too: none keeps the first run's rows
        assert len(_rows(db, name)) == len(frame), name
    assert _invoke("validate", "--sql", url).exit_code == 0


def test_synth_replace_needs_sql(tmp_path):
    result = _invoke("synth", *SMALL, "--out", str(tmp_path / "x"), "--replace")
    assert result.exit_code == 2 and "--replace" in result.output
    assert not (tmp_path / "x").exists()


def test_synth_sql_with_a_bad_url_exits_2_before_generating(tmp_path, monkeypatch):
    monkeypatch.setattr("earlyhelp.synthetic.council", lambda **_: pytest.fail("generated first"))
    result = _invoke("synth", *SMALL, "--sql", "nosuchdb://x")
    assert result.exit_code == 2 and "--sql" in result.output, result.output


# -- a folder written meanwhile -------------------------------------------------------------------
def test_synth_out_refuses_a_folder_another_run_wrote_meanwhile(tmp_path, monkeypatch):
    """Two runs to one new folder: the one that finishes second exits 2 and the first run's
    tables stay whole (before, it replaced them file by file, or failed with a raw OSError)."""
    folder = tmp_path / "council"
    other = earlyhelp.synthetic.council(years=1, scale=0.01, seed=7)
    real = readers._write_table
    calls = {"n": 0}

    def write_table(frame, file, format, *name):
        calls["n"] += 1
        if calls["n"] == 1:   # the other run finishes while this one is writing
            readers.write_dataset(other, folder, format=format)
        return real(frame, file, format, *name)

    monkeypatch.setattr(readers, "_write_table", write_table)
    result = _invoke("synth", *SMALL, "--seed", "1", "--out", str(folder), "--format", "csv")
    monkeypatch.setattr(readers, "_write_table", real)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "already holds tables" in result.output
    assert "Traceback" not in result.output and "OSError" not in result.output
    back = earlyhelp.read_dataset(folder)
    assert back.row_counts() == other.row_counts()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["council"]


def test_synth_out_writes_the_extract_dates_beside_the_tables(tmp_path):
    folder = tmp_path / "council"
    result = _invoke("synth", *SMALL, "--out", str(folder))
    assert result.exit_code == 0, result.output
    assert "wrote 20 tables" in result.output
    expected = earlyhelp.synthetic.council(years=1, scale=0.01)
    back = earlyhelp.read_dataset(folder)
    assert back.meta["end_date"] == expected.meta["end_date"] and back.data_end() == expected.data_end()


# -- a config's code map with a typo is a config problem at its key -------------------------------
def test_validate_names_the_config_key_of_a_code_map_typo(tmp_path, monkeypatch):
    monkeypatch.setattr("earlyhelp.sources.load_source", lambda *a, **k: pytest.fail("data read first"))
    config = tmp_path / "c.toml"
    config.write_text(f'[source]\nkind = "folder"\npath = "{tmp_path}"\n'
                      '[source.code_map.episode.end_reason]\nX = "outcomes_met"\n'
                      '[code_map.episodes.end_reasn]\nY = "outcomes_met"\n')
    result = _invoke("validate", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "bad config" in result.output
    assert "c.toml, line 4: source.code_map.episode:" in result.output and "'episodes'" in result.output
    assert "c.toml, line 6: code_map.episodes.end_reasn:" in result.output
    assert "did you mean 'end_reason'" in result.output
