"""Reviewed cases of the continuum model: a monthly projection to a day that is no month end."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, compare


@pytest.fixture(scope="module")
def model():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.05, seed=3)
    return StockFlow().fit(ds, start="2024-04-01", end="2025-03-31")


@pytest.mark.parametrize("until, dates", [("2025-05-15", ["2025-03-31", "2025-04-30", "2025-05-15"]),
                                          ("2025-04-20", ["2025-03-31", "2025-04-20"]),
                                          ("2025-05-31", ["2025-03-31", "2025-04-30", "2025-05-31"])])
def test_a_monthly_projection_ends_on_the_day_asked_for_as_compare_does(model, until, dates):
    projected = sorted(model.project(until=until, freq="M")["date"].unique())
    compared = sorted(compare(model, [Scenario("s").multiply("entry:cin", 0.8)], until=until)["date"].unique())
    assert [str(pd.Timestamp(d).date()) for d in projected] == dates
    assert projected == compared
