"""Small and other compatibility forms of ``= + - @`` are neutralised, as the full-width ones are.

A locality named ``﹦SMALL EQUALS`` (U+FE66) reached ``measures_monthly.csv``, the Parquet files
and ``measures.xlsx`` without its ``'``: the gate knew the full-width forms only. Now any first
character whose NFKC form is one of ``= + - @`` is, and the workbook check refuses them too."""
from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from earlyhelp.report.publish import PublishPolicy, excel_bytes, formula_like, publish
from earlyhelp.report.runfolder import RunFolder, _check_workbook

FORMS = ["\ufe66SMALL EQUALS", "\ufe62small plus", "\ufe63small minus", "\ufe6bsmall at", "\u207asuperscript plus",
         "\u208csubscript equals", " \ufe66after a space", "\u200b\ufe6bafter a zero-width space"]


@pytest.mark.parametrize("text", FORMS)
def test_compatibility_forms_are_formula_like(text):
    assert formula_like(text)
    assert unicodedata.normalize("NFKC", text.lstrip(" \u200b")[0]) in "=+-@"


@pytest.mark.parametrize("text", ["Coventry", "\u2212 minus sign", "1st hub", "\u00e9cole", "(north)"])
def test_other_text_is_not(text):
    assert not formula_like(text)


@pytest.mark.parametrize("text", FORMS)
def test_the_gate_and_the_run_folder_neutralise_them(tmp_path, text):
    frame = pd.DataFrame({"locality": [text, "North"], "families": [30, 40]})
    out = publish(frame, PublishPolicy())
    assert out.text["locality"].iloc[0] == "'" + text and out.typed["locality"].iloc[0] == "'" + text
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("t", frame)
    assert pd.read_csv(tmp_path / "r" / "t.csv")["locality"].iloc[0] == "'" + text
    assert pd.read_parquet(tmp_path / "r" / "t.parquet")["locality"].iloc[0] == "'" + text


@pytest.mark.parametrize("text", FORMS[:4])
def test_the_workbook_check_refuses_them(text):
    with pytest.raises(ValueError, match="start like a formula"):
        _check_workbook("measures.xlsx", excel_bytes({"t": pd.DataFrame({"locality": [text]})}))
    _check_workbook("measures.xlsx", excel_bytes({"t": pd.DataFrame({"locality": ["'" + text]})}))
