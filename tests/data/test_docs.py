"""docs/data-model.md is up to date with the schema and code lists it documents."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from earlyhelp.data import codes
from earlyhelp.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data-model.md"


def _generator():
    spec = importlib.util.spec_from_file_location("_gen_data_model", ROOT / "docs" / "_gen_data_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_blocks_match_the_schema():
    text = DOC.read_text(encoding="utf-8")
    assert _generator().render(text) == text, \
        "docs/data-model.md is out of date: run PYTHONPATH=python python docs/_gen_data_model.py"


def test_every_table_column_and_code_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"### {table.name}\n" in text
        for column in table.columns:
            assert f"| `{column.name}` | {column.kind} |" in text, f"{table.name}.{column.name}"
            for alias in column.aliases:
                assert f"`{alias}`" in text
    for code in codes.END_REASON + codes.AGENCY_TYPE + tuple(codes.PUBLISHED_MARKERS):
        assert f"`{code}`" in text


def test_a_schema_change_makes_the_check_fail(monkeypatch):
    from dataclasses import replace

    from earlyhelp.data import schema

    gen = _generator()
    text = DOC.read_text(encoding="utf-8")
    episodes = schema.TABLES["episodes"]
    changed = replace(episodes, columns=episodes.columns + (schema.Column("review_date", "date"),))
    monkeypatch.setitem(schema.TABLES, "episodes", changed)
    assert gen.render(text) != text
