"""pseudonymise() replaces every id of a list cell, spaces around the list or not.

A list cell was split keeping its outer spaces (``" P100"``, ``"P400 "``), the pseudonyms were
found for those, and each part was then looked up stripped, falling back to the raw id when the
look-up missed: ``" P100,P200"`` came out as ``"P100,<pseudonym>"``. The cells are now read as
the publication gate reads them (one reading of a list of ids), and no id is ever kept raw.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from earlyhelp.report.publish import _pseudonymise_column
from earlyhelp.report.pseudonymise import pseudo_key, pseudonym, pseudonymise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "measures"))
from measures_council import tiny_council  # noqa: E402

KEY = "0123456789abcdefghijklmnopqrstuvwxyz"
CELLS = [" P1", "P2, P6 ", "P3", " P1 ;P4", "P4", "P5", "P2"]


def _dataset():
    ds = tiny_council()
    rq = ds.requests.copy()
    rq["person_ids"] = CELLS
    return ds.replace(requests=rq)


def test_every_id_of_a_list_cell_is_replaced_whatever_the_spaces_around_it():
    out = pseudonymise(_dataset(), key=KEY)
    raw = pseudo_key(KEY)
    alias = {f"P{i}": pseudonym(f"P{i}", domain="person", key=raw) for i in range(1, 7)}
    got = out.requests["person_ids"].tolist()
    assert got[0] == alias["P1"]
    assert got[1] == f"{alias['P2']},{alias['P6']}"
    assert got[3] == f"{alias['P1']};{alias['P4']}"
    parts = {p for cell in got for p in cell.replace(";", ",").split(",")}
    assert not parts & set(alias)                     # no raw id left
    assert parts <= set(alias.values())
    # the same pseudonym as in the person id columns: joins still work
    assert set(out.requests["person_id"]) <= set(alias.values())


def test_a_list_cell_reads_the_same_in_pseudonymise_and_in_the_gate():
    out = pseudonymise(_dataset(), key=KEY)
    gate = _pseudonymise_column(pd.Series(CELLS, name="person_ids"), "person", pseudo_key(KEY))
    assert out.requests["person_ids"].tolist() == gate.tolist()
