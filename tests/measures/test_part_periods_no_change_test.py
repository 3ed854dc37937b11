"""A period that is not complete - a part month cut by ``end`` or by the end of the data - has no
year-on-year change test, and ``variation_summary`` reads the icons of the latest complete period."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import earlyhelp
from earlyhelp import measures

MEASURES = ["requests", "episodes_opened", "children_referred", "episodes_with_assessment"]


@pytest.fixture(scope="module")
def council():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=3)   # 2023-04 .. 2025-03


def _part_month_rows(res, month: str):
    rows = res[res["period"] == month]
    assert len(rows) == len(MEASURES) and not rows["complete"].any()
    assert rows["previous"].notna().all()   # a whole month a year before to compare with
    return rows


def test_a_month_cut_by_end_has_no_change_test(council):
    res = measures.compute(council, MEASURES, end="2024-09-10")
    rows = _part_month_rows(res, "2024-09")
    assert rows["change_p"].isna().all()
    assert rows["change_significant"].isna().all()
    whole = res[(res["period"] == "2024-08")]
    assert whole["complete"].all() and whole["change_p"].notna().all()


def test_a_month_the_extract_ends_within_has_no_change_test(council):
    cut = council.snapshot("2024-09-10")
    for key in ("end_date", "window_start"):   # a council's own extract: no dates beyond its rows
        cut.meta.pop(key, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = measures.compute(cut, MEASURES)
    rows = _part_month_rows(res, "2024-09")
    assert rows["change_p"].isna().all() and rows["change_significant"].isna().all()


def test_variation_summary_reads_the_latest_complete_period(council):
    res = measures.compute(council, MEASURES, end="2024-09-10")
    summary = measures.variation_summary(res).set_index("measure")
    assert (summary["latest_period"].astype(str) == "2024-08").all()
    assert (summary["incomplete"] == 1).all()   # September, left out
    whole = res[res["complete"]]
    again = measures.variation_summary(whole).set_index("measure")
    for col in ("latest", "centre", "lower", "upper", "variation"):
        got, expected = summary[col], again.loc[summary.index, col]
        if col == "variation":
            assert (got == expected).all()
        else:
            np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float))
    assert (again["incomplete"] == 0).all()
