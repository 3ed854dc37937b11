"""Overdispersion, drift and season of the entry rates: the estimators recover known values on
simulated monthly counts, and the model passes them to the Monte Carlo."""
from __future__ import annotations

import numpy as np
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow
from earlyhelp.flow.model import _drift_variance, _entry_glm

N = 36
LENGTH = np.full(N, 30.4)
X = (np.arange(N) + 0.5 - N) * 30.4 / 365.25
MOY = np.arange(N) % 12 + 1


def _estimates(omega: float, q: float, august: float, sims: int = 300, seed: int = 1):
    """Mean estimates of (omega, q, August factor) over ``sims`` series of 36 months with 100
    entrants a month, a gamma month effect of variance ``omega``, a random walk of the log rate
    with step variance ``q`` and August at ``august`` times the other months."""
    rng = np.random.default_rng(seed)
    season = np.where(MOY == 8, august, 1.0)
    season = season / season.mean()
    out = []
    for _ in range(sims):
        level = np.log(100 / 30.4) + np.cumsum(rng.normal(0, np.sqrt(q), N))
        g = rng.gamma(1 / omega, omega, N) if omega else np.ones(N)
        y = rng.poisson(LENGTH * np.exp(level) * season * g).astype(float)
        fit = _entry_glm(y, LENGTH, X, MOY if august != 1.0 else None)
        out.append((fit.month_variance, _drift_variance(y, LENGTH, fit, False), fit.season[7]))
    return np.mean(out, axis=0), season[7]


def test_overdispersion_estimate_is_unbiased():
    (omega, _, _), _ = _estimates(0.05, 0.0, 1.0)
    assert omega == pytest.approx(0.05, abs=0.006)
    (omega0, _, _), _ = _estimates(0.0, 0.0, 1.0)
    assert omega0 < 0.003  # the positive part's small bias only


def test_drift_estimate_recovers_the_walk():
    (_, q, _), _ = _estimates(0.0, 0.003, 1.0)
    assert q == pytest.approx(0.003, rel=0.25)
    (_, q0, _), _ = _estimates(0.03, 0.0, 1.0)
    assert q0 < 0.0008  # overdispersed months are not mistaken for drift


def test_season_is_found_and_shrunk_towards_none():
    (_, _, aug), truth = _estimates(0.0, 0.0, 0.6)
    assert truth < aug < truth + 0.08  # shrunk a little towards 1
    rng = np.random.default_rng(3)
    flat = [_entry_glm(rng.poisson(LENGTH * 100 / 30.4).astype(float), LENGTH, X, MOY).season for _ in range(100)]
    assert np.abs(np.log(flat)).mean() < 0.02  # no season: almost no effect left


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("wolverhampton", years=5, scale=0.5, seed=5)


def test_defaults_estimate_overdispersion_and_drift(council):
    m = StockFlow().fit(council, start="2023-04-01", end="2024-03-31")
    eh = m.categories.states.index("early_help")
    assert m._dispersion[eh] > 0 and m._drift is not None
    off = StockFlow(entry_overdispersion=False, entry_drift=False).fit(council, start="2023-04-01", end="2024-03-31")
    assert off._dispersion is None and off._drift is None
    # the deterministic projection does not change: the noise has mean 1
    a = m.project(until="2025-03-31", freq="M")["stock"].to_numpy()
    b = off.project(until="2025-03-31", freq="M")["stock"].to_numpy()
    np.testing.assert_allclose(a, b)
    # the bands widen
    wa = m.simulate(months=12, runs=300, seed=2).query("state == 'early_help' and age == 'all'")
    wb = off.simulate(months=12, runs=300, seed=2).query("state == 'early_help' and age == 'all'")
    assert (wa["q95"] - wa["q05"]).mean() > 1.2 * (wb["q95"] - wb["q05"]).mean()


def test_season_moves_the_projection_not_its_year(council):
    m = StockFlow(entry_season=True).fit(council, start="2023-04-01", end="2024-03-31")
    eh = m.categories.states.index("early_help")
    factor = m._season_factor(np.arange(1, 13))[:, eh]
    assert factor[7] < 0.9  # the school holidays' August
    assert factor.mean() == pytest.approx(1.0, abs=0.05)  # the window was a whole year
    flat = StockFlow().fit(council, start="2023-04-01", end="2024-03-31")
    rates, entrants, regime = m._regimes(None, 365)
    _, flat_entrants, _ = flat._regimes(None, 365)
    yearly = entrants[regime].sum(axis=0)
    np.testing.assert_allclose(yearly.sum(), flat_entrants[0].sum() * 365, rtol=0.03)


def test_history_starts_where_entries_are_recorded():
    # An extract holds the spells active in its period: before it, only the spells still open at
    # its start appear. Counting their starts as entries would read a quiet past, a rise and
    # drift into the history; the months start at the first day any spell ended instead.
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=2)
    m = StockFlow(entry_trend=True).fit(ds)
    assert m.report["entries_recorded_from"] == str(ds.meta["window_start"].date())
    assert m._spells["start"].min() < ds.meta["window_start"] - np.timedelta64(365, "D")
    assert m._drift.max() < 0.01
    eh = m.categories.states.index("early_help")
    assert abs(m._trend[eh, 1] * 365.25) < 0.3  # no spurious rise of the log rate a year


def test_sparse_states_keep_a_finite_season_and_trend():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.02, seed=2)
    m = StockFlow(entry_trend=True, entry_season=True).fit(ds)
    trended = np.isfinite(m._trend[:, 0])
    assert (m._trend[trended, 2] < 1.0).all()  # the level's standard deviation stays small
    assert np.isfinite(m._season).all() and (m._season > 0).all()
    sim = m.simulate(months=12, runs=50, seed=1)
    assert np.isfinite(sim["mean"]).all()


def test_an_exploding_entry_rate_is_refused_not_run_out_of_memory():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.1, seed=2)
    m = StockFlow(entry_trend=True).fit(ds)
    eh = m.categories.states.index("early_help")
    m._trend[eh, 1] = 0.1  # the rate multiplies by e every 10 days
    with pytest.raises(ValueError, match="grows without bound"):
        m.simulate(months=24, runs=10, seed=1)
