"""The pack's CSV tables are rounded as its Parquet tables are.

``csv_view`` turned every column holding a ``c`` into text before the run folder's rounding, which
passes text by: ``measures_monthly.csv`` wrote counts as ``14.0`` and intervals and p-values with
16 or 17 digits (``7.653930276300595``) beside a Parquet rounded to 4 decimals, so the two files
disagreed and the CSV's bytes (and their SHA-256 in run.json) hung on the platform's last bits."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.report.pack import PackOptions, write_pack
from earlyhelp.report.runfolder import DECIMALS, rounded


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_pack(ds, tmp_path_factory.mktemp("pack"),
                          options=PackOptions(months=6, measures=["requests", "closed_within_16_weeks"]))


@pytest.mark.parametrize("table", ["measures_monthly", "measures_localities_12m", "summary"])
def test_no_csv_number_has_more_decimals_than_the_parquet(run, table):
    csv = pd.read_csv(run / f"{table}.csv", dtype=str, keep_default_na=False)
    for col in csv.columns:
        long = [v for v in csv[col] if re.fullmatch(r"-?\d+\.\d{%d,}" % (DECIMALS + 1), v)]
        assert not long, (table, col, long[:3])


def test_counts_are_whole_numbers_in_the_csv_and_agree_with_the_parquet(run):
    csv = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
    pq = pd.read_parquet(run / "measures_monthly.parquet")
    shown = csv["numerator"][~csv["numerator"].isin(["c", ""])]
    assert shown.str.fullmatch(r"\d+").all(), shown[~shown.str.fullmatch(r"\d+")].head()
    for col in ("numerator", "lo", "hi", "change_p", "rate_per_10k"):
        text = pd.to_numeric(csv[col].where(~csv[col].isin(["c", ""])), errors="coerce")
        both = text.notna() & pq[col].notna()
        assert np.array_equal(text[both].to_numpy(), pq.loc[both, col].to_numpy(dtype=float)), col


def test_rounded_rounds_the_numbers_of_a_column_holding_c():
    frame = pd.DataFrame({"lo": [7.653930276300595, "c", None], "families": [14.0, "c", 3.0]}, dtype=object)
    out = rounded(frame)
    assert out["lo"].tolist()[:2] == [7.6539, "c"]
    assert out["families"].tolist()[:2] == [14, "c"] and isinstance(out["families"].iloc[0], int)
