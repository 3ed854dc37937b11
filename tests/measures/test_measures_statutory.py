"""Statutory measures (children in need, child protection, looked after) counted by hand on the tiny council.

The tables are in measures_council.statutory_frames: back-to-back plans and episodes of one child,
repeat plans inside and outside two years, a child in no family (locality not recorded).
"""
from __future__ import annotations


import numpy as np
import pytest

from earlyhelp import measures as M
from measures_council import tiny_council

STATUTORY = ["children_in_need_plans", "children_on_cp_plans", "children_looked_after", "cp_plans_started",
             "cp_plans_repeat_2y", "cla_entries"]
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]


@pytest.fixture(scope="module")
def ds():
    return tiny_council(statutory=True)


def _series(r, measure, col="numerator", locality=None):
    part = r[r["measure"] == measure]
    if locality is not None:
        part = part[part["locality"] == locality]
    return part.set_index(part["period"].astype(str))[col].reindex(MONTHS).fillna(0).tolist()


def test_children_at_month_end_count_each_child_once(ds):
    r = M.compute(ds, STATUTORY, start="2024-01-01", end="2024-06-30")
    # CP: Jan P1 P3; Feb +P2 +P7; Mar P3 moves plan on 31 March (back to back: still one child);
    # Apr +P5 (P1's plans back to back on 20 April count once); May P3's plan ended 10 May
    assert _series(r, "children_on_cp_plans") == [2, 4, 4, 5, 4, 4]
    # CIN: P4's plans back to back on 15 Feb; P5 5 Mar - 30 Jun (ended on the last day: not open)
    assert _series(r, "children_in_need_plans") == [1, 1, 2, 2, 2, 1]
    # CLA: P2 from 20 Jan (placement change 1 Mar is the same period of care), P7 until 10 Feb, P3 from 15 May
    assert _series(r, "children_looked_after") == [2, 1, 1, 1, 2, 2]


def test_plans_started_entries_and_repeats(ds):
    r = M.compute(ds, STATUTORY, start="2024-01-01", end="2024-06-30")
    assert _series(r, "cp_plans_started") == [2, 2, 1, 2, 0, 0]
    # entries to care: reason for new episode S only (C2 is a placement change)
    assert _series(r, "cla_entries") == [1, 0, 0, 0, 1, 0]
    # K2 (527 days after K1 ended), K4 and K8 (the day the child's previous plan ended) are repeats;
    # K6 (1,035 days after K5) is not
    assert _series(r, "cp_plans_repeat_2y") == [0, 1, 1, 1, 0, 0]
    assert _series(r, "cp_plans_repeat_2y", "denominator") == [2, 2, 1, 2, 0, 0]
    feb = r[(r["measure"] == "cp_plans_repeat_2y") & (r["period"] == "2024-02")].iloc[0]
    assert feb["value"] == pytest.approx(0.5)


def test_by_locality_and_rates_per_10000(ds):
    r = M.compute(ds, ["children_on_cp_plans", "children_in_need_plans"], by="locality", start="2024-01-01",
                  end="2024-06-30")
    assert _series(r, "children_on_cp_plans", locality="North") == [1, 2, 2, 2, 2, 2]
    assert _series(r, "children_on_cp_plans", locality="South") == [1, 1, 1, 2, 1, 1]
    assert _series(r, "children_on_cp_plans", locality="not recorded") == [0, 1, 1, 1, 1, 1]
    # South has 3,000 children: one child in need in January is 3.33 per 10,000
    assert _series(r, "children_in_need_plans", "rate_per_10k", locality="South")[0] == pytest.approx(1e4 / 3000)
    nr = r[(r["measure"] == "children_on_cp_plans") & (r["locality"] == "not recorded")]
    assert nr["rate_per_10k"].isna().all()


def test_financial_year_stock_is_the_31_march_figure(ds):
    r = M.compute(ds, ["children_on_cp_plans", "cp_plans_started"], period="financial_year", start="2024-01-01",
                  end="2024-06-30")
    fy = r[r["period"] == "2023-24"].set_index("measure")
    assert fy.loc["children_on_cp_plans", "numerator"] == 4      # at 31 March 2024
    assert fy.loc["cp_plans_started", "numerator"] == 5          # January to March


def test_no_statutory_tables_blocks_only_these():
    ds = tiny_council()
    with pytest.warns(M.MeasuresBlockedWarning, match="cp_plans"):
        r = M.compute(ds, start="2024-01-01", end="2024-06-30")
    for mid in STATUTORY:
        assert mid in r.attrs["blocked"], mid
        assert mid not in set(r["measure"].astype(str))
    assert "cp_plans" in r.attrs["blocked"]["cp_plans_started"]
    assert "requests" in set(r["measure"].astype(str))
    assert set(M.blocked_by(ds, STATUTORY)["measure"]) == set(STATUTORY)


def test_catalogue_rows_for_the_statutory_measures():
    cat = M.catalogue().set_index("id")
    for mid in STATUTORY:
        row = cat.loc[mid]
        assert row["definition"] and row["period_rule"] and row["reference"].startswith("DfE")
    assert "730 days" in cat.loc["cp_plans_repeat_2y", "definition"]
    assert np.all(cat.loc[["children_on_cp_plans", "children_looked_after"], "kind"] == "stock")
