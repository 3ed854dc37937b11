"""max_age is where the projection ages children out of the last bracket (its min plus its
length): cs-demand-model's "16 to 18+" runs 14 years from 16, so its Monte Carlo keeps children
past 18 as its projection does (it ended every stay at 18, and fell 11 % below the projection in
three years with every noise source off)."""
from __future__ import annotations

import dataclasses

import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import StockFlow, categories
from earlyhelp.flow.categories import AgeBracket


def test_each_presets_max_age_is_where_its_last_bracket_ages_out():
    for name, age in (("continuum", 18.0), ("statutory", 18.0), ("cs-demand-model", 30.0)):
        cats = categories(name)
        last = cats.brackets[-1]
        assert cats.max_age == pytest.approx(last.min + last.length_in_days / 365) == age, name


def test_a_max_age_the_projection_does_not_age_out_at_is_refused():
    cs = categories("cs-demand-model")
    with pytest.raises(ValidationError, match="max_age") as info:
        dataclasses.replace(cs, max_age=18.0)
    assert "16 + 5110 days = 30 years" in str(info.value)
    cont = categories("continuum")
    short = cont.brackets[:4] + (AgeBracket("x", "16 to 17", 16, 18, 365),)  # ages out at 17
    with pytest.raises(ValidationError, match="max_age"):
        dataclasses.replace(cont, brackets=short)
    assert dataclasses.replace(cont, brackets=short, max_age=17.0).max_age == 17.0


def test_the_cs_demand_model_simulation_tracks_its_projection():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    m = StockFlow("cs-demand-model", entry_drift=False, entry_overdispersion=False,
                  rate_uncertainty=False).fit(ds)
    assert m._sim_inputs()["max_age"] == pytest.approx(30 * 365.25)
    sim = m.simulate(months=12, runs=300, seed=1)
    p = m.project(until=sim["date"].iloc[-1], freq="M")
    simulated = sim[sim["state"] == "all"].set_index("date")["mean"]
    projected = p.groupby("date")["stock"].sum()
    # 0.966 with every stay ended at 18
    assert simulated.iloc[-1] / projected.iloc[-1] > 0.978
