"""The flow API as a council analyst uses it: costs that agree between the Monte Carlo and the
projection, and bad arguments refused with a ValidationError naming the argument."""
from __future__ import annotations

import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, compare

ValidationError = earlyhelp.ValidationError


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.25, seed=1)


@pytest.fixture(scope="module")
def model(council):
    return StockFlow(unit_costs={"cin": 100, "cp": 200}).fit(council, start="2024-04-01", end="2025-03-31")


def _raises(column, call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert any((p.column or "").startswith(column) for p in info.value.problems), info.value.problems
    return info.value


def test_simulated_first_month_costs_the_days_after_the_start_only(model):
    # compare costs the projected days (1 April to 30 April); the Monte Carlo's first month also
    # counted the starting day (31 March), a 31st day that made April 3 % dearer than May
    model.simulate(months=3, runs=300, seed=3)
    sim = model.simulate_costs().set_index("date")["mean"]
    det = compare(model, [], "2025-06-30").set_index("date")["cost"]
    april, may = (sim[d] / det[d] for d in ("2025-04-30", "2025-05-31"))
    assert abs(april - may) < 0.015, (april, may)

