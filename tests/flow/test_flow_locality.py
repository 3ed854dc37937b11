"""StockFlow fitted by locality: rates per locality, projections and simulations with a
``locality`` column that add up to the council, children with no locality counted.

The hand-made councils: children enter a child in need plan (ages 0-16) as a Poisson stream per
locality, stay an exponential time (mean 200 days), then 15% step up to a child protection plan
(mean 250 days), the rest leave. Every locality shares these rates unless its entries are scaled.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.flow import StockFlow

from _localities import WINDOW, hand_made


def _total(p: pd.DataFrame, value: str = "stock") -> pd.Series:
    return p.groupby(["date", "state"])[value].sum()


@pytest.fixture(scope="module")
def homogeneous():
    return hand_made([1.0, 1.0, 1.0], seed=1)


def test_localities_add_up_to_the_council_when_rates_are_homogeneous(homogeneous):
    whole = StockFlow().fit(homogeneous, **WINDOW)
    parts = StockFlow().fit(homogeneous, by="locality", **WINDOW)
    assert set(parts.localities) == {"Area L1", "Area L2", "Area L3"}
    p = parts.project(until="2026-03-31", freq="M")
    assert list(p.columns[:2]) == ["locality", "date"]
    w, s = _total(whole.project(until="2026-03-31", freq="M")), _total(p)
    # the starting stocks are the council's exactly
    first = w.index.get_level_values("date") == w.index.get_level_values("date").min()
    np.testing.assert_allclose(s[first], w[first], rtol=1e-12)
    # a year on, CIN and CP within 5% of the whole-council projection
    last = w.index.get_level_values("date") == w.index.get_level_values("date").max()
    for state in ("cin", "cp"):
        got, want = s[last].xs(state, level="state").iloc[0], w[last].xs(state, level="state").iloc[0]
        assert got == pytest.approx(want, rel=0.05), state
    # the simulated means too (the quantiles of a sum are not sums of quantiles: only means add)
    sw, sl = whole.simulate(months=12, runs=200, seed=2), parts.simulate(months=12, runs=200, seed=2)
    tw = sw[sw["state"] == "all"].set_index("date")["mean"]
    tl = sl[(sl["state"] == "all") & (sl["locality"] != "all")].groupby("date")["mean"].sum()
    np.testing.assert_allclose(tl.to_numpy(), tw.to_numpy(), rtol=0.05)


def test_rates_per_locality_have_intervals(homogeneous):
    parts = StockFlow().fit(homogeneous, by="locality", **WINDOW)
    rates = parts.transition_rates()
    assert set(rates["locality"]) == {"Area L1", "Area L2", "Area L3"}
    assert (rates["lower"] <= rates["upper"]).all()
    up = rates[(rates["from_state"] == "cin") & (rates["to_state"] == "cp")]
    assert (up.groupby("locality")["transitions"].sum() > 0).all()
    entries = parts.entry_rates()
    assert (entries["lower"] <= entries["per_day"]).all() and (entries["per_day"] <= entries["upper"]).all()
    # each locality holds about a third of the council's entries (365 a year each)
    per_locality = entries.groupby("locality")["entrants"].sum()
    assert per_locality.between(300, 430).all(), per_locality


def test_a_doubled_entry_rate_doubles_the_projected_entries_and_stock():
    ds = hand_made([1.0, 2.0], seed=3)
    parts = StockFlow().fit(ds, by="locality", **WINDOW)
    entries = parts.entry_rates().groupby("locality")["per_day"].sum()
    assert entries["Area L2"] / entries["Area L1"] == pytest.approx(2.0, rel=0.15)
    p = parts.project(until="2027-03-31", freq="M")
    end = p[p["date"] == p["date"].max()].groupby("locality")["stock"].sum()
    assert end["Area L2"] / end["Area L1"] == pytest.approx(2.0, rel=0.15)
    s = parts.simulate(months=24, runs=200, seed=4)
    last = s[(s["state"] == "all") & (s["date"] == s["date"].max())].set_index("locality")["mean"]
    assert last["Area L2"] / last["Area L1"] == pytest.approx(2.0, rel=0.15)


def test_simulation_by_locality_is_reproducible(homogeneous):
    parts = StockFlow().fit(homogeneous, by="locality", **WINDOW)
    a = parts.simulate(months=6, runs=50, seed=7)
    pd.testing.assert_frame_equal(a, parts.simulate(months=6, runs=50, seed=7))
    b = parts.simulate(months=6, runs=50, seed=8)
    assert not np.allclose(a["mean"].to_numpy(), b["mean"].to_numpy())
    # the localities draw from different streams
    one = a[(a["state"] == "all") & (a["locality"] != "all")].pivot(index="date", columns="locality", values="mean")
    assert one.nunique(axis=1).eq(3).all()


def test_children_with_no_locality_are_counted_not_dropped_silently():
    ds = hand_made([1.0, 1.0], seed=5, no_locality=300)
    parts = StockFlow().fit(ds, by="locality", **WINDOW)
    report = parts.report
    assert report["children_without_a_locality_excluded"] == pytest.approx(300, abs=60)
    assert report["spells_without_a_locality_excluded"] >= report["children_without_a_locality_excluded"]
    assert "not recorded" not in set(parts.project(until=30)["locality"])


def test_by_is_checked_and_locality_models_refuse_whole_council_methods(homogeneous):
    with pytest.raises(ValidationError, match="by must be None or one of 'locality'"):
        StockFlow().fit(homogeneous, by="team")
    with pytest.raises(ValidationError, match="fit\\(ds, by='locality'\\) first"):
        StockFlow().fit(homogeneous, **WINDOW).localities
    parts = StockFlow().fit(homogeneous, by="locality", **WINDOW)
    with pytest.raises(ValidationError, match="fitted by locality"):
        parts._actual_stocks(["2025-01-31"])
    nobody = hand_made([], seed=6, no_locality=200)
    with pytest.raises(ValidationError, match="no child in the spells has a family with a locality"):
        StockFlow().fit(nobody, by="locality", **WINDOW)


def test_synthetic_council_by_locality_covers_every_child():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=8)
    whole = StockFlow().fit(ds, **WINDOW)
    parts = StockFlow().fit(ds, by="locality", **WINDOW)
    assert parts.report["children_without_a_locality_excluded"] == 0
    assert len(parts.localities) == len(ds.localities)
    p, w = parts.project(until=1), whole.project(until=1)
    first = lambda f: f[f["date"] == f["date"].min()]["stock"].sum()
    assert first(p) == pytest.approx(first(w))


def test_locality_rates_pool_towards_the_council_as_much_as_they_do_not_differ(homogeneous):
    # alike localities: their rates differ by chance alone, and are mostly the council's
    alike = StockFlow().fit(homogeneous, by="locality", **WINDOW)
    assert alike.report["locality_rates_pooled"]["cin"] < 0.5
    # child in need plans of 100, 200 and 400 days: each locality keeps its own
    unlike = StockFlow().fit(hand_made([1.0, 1.0, 1.0], seed=5, cin_days=[100, 200, 400]), by="locality",
                             **WINDOW)
    assert unlike.report["locality_rates_pooled"]["cin"] > 0.9
    leave = unlike.transition_rates().query("from_state == 'cin' and to_state == 'out'")
    per_locality = leave.groupby("locality")["rate"].mean()
    assert per_locality["Area L1"] > 2.5 * per_locality["Area L3"]


def test_a_synthetic_council_by_locality_adds_up_to_its_whole_council_model():
    # sparse localities' chance low exit rates and half-entrants in empty cells piled up in
    # their sum: 5-8% above the council after two years
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    window = dict(start="2024-04-01", end="2025-03-31")
    whole = StockFlow().fit(ds, **window)
    parts = StockFlow().fit(ds, by="locality", **window)
    p_whole, p_parts = whole.project(until="2027-03-31", freq="M"), parts.project(until="2027-03-31", freq="M")
    last = p_whole["date"].max()
    got = p_parts[(p_parts["date"] == last) & (p_parts["locality"] != "all")]["stock"].sum()
    assert got == pytest.approx(p_whole[p_whole["date"] == last]["stock"].sum(), rel=0.02)
    s_whole, s_parts = whole.simulate(months=24, runs=200, seed=3), parts.simulate(months=24, runs=200, seed=3)
    mean = lambda s: s[(s["state"] == "all") & (s["date"] == s["date"].max())]
    want = mean(s_whole)["mean"].iloc[0]
    got = mean(s_parts).query("locality == 'all'")["mean"].iloc[0]
    assert got == pytest.approx(want, rel=0.025)
