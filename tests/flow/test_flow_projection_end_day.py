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


def test_runaway_entrants_with_a_drifting_rate_name_entry_drift(monkeypatch):
    """The core blamed "an entry trend or multiplier" for a plain model's drifting entry rate."""
    import numpy as np

    from earlyhelp._errors import CoreInputError
    from earlyhelp._native import flow as core
    from earlyhelp.flow import distributed

    def runaway(**_):
        raise CoreInputError("run 3987 draws more than 50000000 entrants: an entry trend or multiplier grows "
                             "without bound", table="simulate")

    monkeypatch.setattr(core, "simulate", runaway)
    with pytest.raises(CoreInputError, match="entry_drift=False"):
        distributed._run({"entry_drift": np.array([0.01, 0.0])}, seed=0, first=0, runs=1)
    with pytest.raises(CoreInputError) as plain:
        distributed._run({}, seed=0, first=0, runs=1)
    assert "entry_drift" not in str(plain.value)
