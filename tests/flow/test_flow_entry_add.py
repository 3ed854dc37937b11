"""Scenario.add("entry:<state>", n) adds n children a day: whatever the fitted entry trend and
season (in the projection and the Monte Carlo), and on a model fitted by locality the council's
n a day split across the localities, not n in each."""
from __future__ import annotations

import numpy as np
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, compare

ONE_MORE = Scenario("one more CP child a day").add("entry:cp", 1.0)


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=1)


def _added_per_day(m, scenario, days, state="cp"):
    _, e0, r0 = m._regimes(None, days)
    _, e1, r1 = m._regimes(scenario, days)
    n_a = len(m.categories.brackets)
    s = m.categories.states.index(state)
    cells = slice(s * n_a, (s + 1) * n_a)
    return e1[r1][:, cells].sum(axis=1) - e0[r0][:, cells].sum(axis=1)


@pytest.mark.parametrize("kw", [{}, {"entry_trend": True}, {"entry_season": True},
                                {"entry_trend": True, "entry_season": True}])
def test_the_projection_adds_the_amount_whatever_the_trend_and_season(council, kw):
    m = StockFlow(**kw).fit(council, start="2024-04-01")
    np.testing.assert_allclose(_added_per_day(m, ONE_MORE, 3 * 365), 1.0, atol=1e-9)


def test_a_multiplier_after_an_amount_scales_both(council):
    m = StockFlow(entry_trend=True).fit(council, start="2024-04-01")
    both = Scenario("both").add("entry:cp", 1.0).multiply("entry:cp", 2.0)
    _, e0, r0 = m._regimes(None, 400)
    n_a = len(m.categories.brackets)
    s = m.categories.states.index("cp")
    base = e0[r0][:, s * n_a:(s + 1) * n_a].sum(axis=1)
    np.testing.assert_allclose(_added_per_day(m, both, 400), base + 2.0, rtol=1e-9)


def test_the_monte_carlo_adds_the_amount_whatever_the_trend(council):
    m = StockFlow(entry_trend=True, entry_overdispersion=False, entry_drift=False,
                  rate_uncertainty=False).fit(council, start="2024-04-01")
    cp = m.categories.states.index("cp")
    base = m._simulate_bands(36, 400, 1, None, None, 2, None, False)
    more = m._simulate_bands(36, 400, 1, None, ONE_MORE, 2, None, False)
    extra = (more["entrants"].means() - base["entrants"].means())[:, cp]
    days = np.diff(np.concatenate([[0], (base["dates"] - m._fit.end).days.to_numpy()]))
    per_day = extra / days
    # one a day throughout (it fell to 0.78 a day by month 36, with the trend)
    assert abs(per_day[-12:].mean() - 1.0) < 0.05 and abs(per_day[:12].mean() - 1.0) < 0.05


def test_by_locality_the_council_adds_the_amount_once(council):
    whole = StockFlow().fit(council)
    local = StockFlow().fit(council, by="locality")
    assert len(local.localities) > 1

    def extra(table):
        base = table[table["scenario"] == "baseline"].set_index("date")["cp"]
        return table[table["scenario"] == ONE_MORE.name].set_index("date")["cp"] - base

    w = extra(compare(whole, [ONE_MORE], until="2025-06-30"))
    c = compare(local, [ONE_MORE], until="2025-06-30")
    t = extra(c[c["locality"] == "all"])
    np.testing.assert_allclose(t.to_numpy(), w.to_numpy(), rtol=0.05, atol=0.5)
    # each locality's share follows its entrants into CP in the window
    from earlyhelp.flow.localities import locality_scenarios

    split = locality_scenarios(local.localities, ONE_MORE)
    added = {name: s.changes[0].value for name, s in split.items()}
    assert sum(added.values()) == pytest.approx(1.0)
    rates = local.entry_rates().query("state == 'cp'").groupby("locality", sort=False)["per_day"].sum()
    for name, value in added.items():
        assert value == pytest.approx(rates[name] / rates.sum())


def test_by_locality_the_monte_carlo_adds_the_amount_once(council):
    local = StockFlow(entry_overdispersion=False, entry_drift=False, rate_uncertainty=False).fit(council,
                                                                                                 by="locality")
    base = local.simulate(months=3, runs=200, seed=1)
    more = local.simulate(months=3, runs=200, seed=1, scenario=ONE_MORE)
    key = ["locality", "date", "state", "age"]
    diff = more.set_index(key)["mean"] - base.set_index(key)["mean"]
    council_cp = diff.xs(("all", "cp", "all"), level=("locality", "state", "age"))
    days = (council_cp.index[0] - local.localities[next(iter(local.localities))]._fit.end).days
    # about one a day into CP in the first month (some have already moved on): not one per locality
    assert 0.6 * days < council_cp.iloc[0] < 1.1 * days
