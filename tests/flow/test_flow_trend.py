"""Trended entry rates: the Poisson regression's intervals and the bands it gives on held-back years."""
from __future__ import annotations

import numpy as np
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow, backtest
from earlyhelp.flow.model import _poisson_trend


def test_trend_interval_covers_the_true_slope_at_its_nominal_rate():
    # 36 monthly counts from a known log-linear rate; the 90 % interval of the slope from the
    # estimated covariance should hold the true slope about 90 % of the time.
    rng = np.random.default_rng(7)
    length = np.full(36, 30.4)
    x = (np.arange(36) - 35.5) / 12
    a, b, z = np.log(1.5), 0.15, 1.6449
    hits = []
    for _ in range(1000):
        counts = rng.poisson(length * np.exp(a + b * x)).astype(float)
        theta, cov = _poisson_trend(counts, length, x)
        hits.append(abs(theta[1] - b) <= z * np.sqrt(cov[1, 1]))
    assert np.mean(hits) == pytest.approx(0.90, abs=0.03)


def test_trended_entry_projects_the_fitted_curve():
    ds = earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)
    flat = StockFlow().fit(ds, start="2024-04-01", end="2025-03-31")
    trended = StockFlow(entry_trend=True).fit(ds, start="2024-04-01", end="2025-03-31")
    assert np.isfinite(trended._trend[:, :2]).any()
    # Same rates otherwise: with every slope and level forced to the window's mean the
    # projection equals the untrended one.
    base = flat._fit.entrants.reshape(len(flat.categories.states), -1).sum(axis=1)
    trended._trend[:, 0] = np.where(base > 0, np.log(np.where(base > 0, base, 1.0)), np.nan)
    trended._trend[:, 1:] = 0.0
    a = flat.project(until=400)["stock"].to_numpy()
    b = trended.project(until=400)["stock"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def backtests():
    ds = earlyhelp.synthetic.council("coventry", years=5, scale=0.5, seed=4)
    # Poisson entrants and fixed exit rates, so the trend's own effect shows: with the
    # defaults' overdispersion and drift the bands already hold most of the trend's moves.
    kw = dict(cutoffs=["2023-03-31", "2024-03-31"], months=12, runs=200, seed=1, rate_uncertainty=False,
              entry_overdispersion=False, entry_drift=False)
    return backtest(ds, **kw), backtest(ds, entry_trend=True, **kw)


def test_trended_bands_cover_held_back_years_better(backtests):
    # The synthetic Early Help series trend: a trended entry rate brings the 90 % bands'
    # coverage of held-back months closer to nominal (79 % -> 86.5 % on this council).
    flat, trended = backtests
    assert trended["covered"].mean() >= flat["covered"].mean() + 0.03
    assert trended["covered"].mean() >= 0.82
    eh = trended["state"] == "early_help"
    assert trended.loc[eh, "covered"].mean() > flat.loc[eh, "covered"].mean()


def test_goal_seek_draws_the_trend_as_the_monte_carlo_does(monkeypatch):
    # before: a trended state's entries follow the trend alone, whose level and slope were not
    # drawn, so goal_seek's interval held none of the trend's uncertainty
    from earlyhelp.flow import goal_seek
    from earlyhelp.flow import analysis

    council = earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)
    model = StockFlow(entry_trend=True).fit(council, start="2024-04-01", end="2025-03-31")
    assert model._trended()[list(model.categories.states).index("cin")]
    p = model.project(until="2027-03-31")
    cin = float(p[(p["date"] == p["date"].max()) & (p["state"] == "cin")]["stock"].sum())

    def seek():
        return goal_seek(model, "entry:cin", "2027-03-31", target_stock=0.9 * cin, state="cin", start="2025-06-01",
                         draws=30, seed=1)

    drawn = seek()
    monkeypatch.setattr(analysis, "_drawn_trend", lambda trend, rng: None)
    fixed = seek()
    assert drawn["multiplier"] == fixed["multiplier"]
    assert drawn["upper"] - drawn["lower"] > 1.5 * (fixed["upper"] - fixed["lower"])
