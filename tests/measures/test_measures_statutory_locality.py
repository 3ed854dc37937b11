"""Statutory stocks by locality on a synthetic council: every statutory child has a family with a
locality (front-door children have a household of their own), so at least 99% of the children
counted in each month fall in a named locality, and the localities add up to the council."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

from earlyhelp import measures as M  # noqa: E402
from earlyhelp import synthetic  # noqa: E402

STOCKS = ["children_in_need_plans", "children_on_cp_plans", "children_looked_after"]


@pytest.fixture(scope="module")
def ds():
    return synthetic.council("coventry", years=2, scale=0.3, seed=5)


def test_statutory_children_fall_in_named_localities(ds):
    by = M.compute(ds, measures=STOCKS, period="month", by="locality")
    whole = M.compute(ds, measures=STOCKS, period="month")
    for measure in STOCKS:
        part = by[by["measure"] == measure]
        named = part[part["locality"] != "not recorded"].groupby("period", observed=True)["numerator"].sum()
        total = whole[whole["measure"] == measure].set_index("period")["numerator"]
        assert total.sum() > 1000, measure
        # the localities add up to the council, and (almost) nobody is left unrecorded
        summed = part.groupby("period", observed=True)["numerator"].sum().reindex(total.index)
        assert summed.tolist() == total.tolist(), measure
        assert (named.reindex(total.index).fillna(0) >= 0.99 * total).all(), measure
        assert part[part["locality"] != "not recorded"]["rate_per_10k"].notna().all(), measure
