"""A long simulation whose inflated costs outgrow the cost histogram names inflation and the
horizon (it blamed an entry trend or a scenario the model did not have)."""
from __future__ import annotations

import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import StockFlow

COSTS = {"RESIDENTIAL": 800, "FOSTERING": 120, "SUPPORTED": 300, "OTHER": 200}


def test_inflated_costs_too_wide_for_the_histogram_name_inflation():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.05, seed=1)
    m = StockFlow("cs-demand-model", unit_costs=COSTS, inflation=0.3, entry_drift=False).fit(ds)
    with pytest.raises(ValidationError) as info:
        m.simulate(months=480, runs=20, seed=1)
    message = str(info.value)
    assert "inflation of 30 % a year" in message and "480 months" in message
    assert "fewer months or with lower inflation" in message
    assert "entry trend" not in message and "cost quanta" not in message
