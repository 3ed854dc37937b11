"""The same pack written twice into one folder: the second shows nothing the first hid.

A re-run of one extract and config into the folder of the first run showed 14 ``previous`` and
``change`` figures the first had left blank (the same month a year before hidden there), among
them a council's ``episodes_closed`` of 17 and two localities' ``episodes_open`` of 6: the first
pack hid those months in its lead-in year, and the second, reading the first, took its blank
``previous`` for "no figure". What an earlier pack hid, as a ``previous`` too, stays hidden."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.report.pack import PackOptions, write_pack

COLUMNS = ["numerator", "denominator", "value", "lo", "hi", "previous", "change", "change_p", "change_significant",
           "rate_per_10k"]
KEY = ["measure", "period", "locality"]


@pytest.fixture(scope="module")
def two_packs(tmp_path_factory):
    ds = synthetic.council("coventry", years=3, scale=0.1, seed=1)
    out = tmp_path_factory.mktemp("rerun")
    options = PackOptions(months=12, end="2025-03-31")
    first = write_pack(ds, out, options=options)
    second = write_pack(ds, out, options=options)
    read = [pd.read_csv(p / "measures_monthly.csv", dtype=str, keep_default_na=False) for p in (first, second)]
    return read[0].merge(read[1], on=KEY, suffixes=("_1", "_2"), validate="one_to_one")


def test_the_second_pack_has_the_first_pack_cells(two_packs):
    assert len(two_packs) > 1000


@pytest.mark.parametrize("column", COLUMNS)
def test_a_cell_hidden_or_blank_in_the_first_pack_is_hidden_or_blank_in_the_second(two_packs, column):
    hid = two_packs[f"{column}_1"].isin(["c", ""])
    shown_now = ~two_packs[f"{column}_2"].isin(["c", ""])
    back = two_packs.loc[hid & shown_now, [*KEY, f"{column}_1", f"{column}_2"]]
    assert back.empty, back.to_string()
