"""A state whose children made no exit in the fit window: not seeing an exit in six months of
three children is no proof that none will ever leave. The Monte Carlo (and goal_seek's draws)
gave every such hazard exactly 0 in every run; the state now takes the Jeffreys posterior of a
rate with no event over its child-days, and the report names it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow
from earlyhelp.flow.analysis import _drawn_fit


def _data():
    # 60 children on CIN plans that end (exits seen); three looked after in an "other" placement
    # since 2023, none leaving before the data end
    rng = np.random.default_rng(0)
    persons, cin, cla = [], [], []
    for k in range(60):
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 800)))
        persons.append((f"c{k}", pd.Timestamp("2012-05-01")))
        cin.append((f"p{k}", f"c{k}", start, start + pd.Timedelta(days=int(rng.integers(30, 300)))))
    for k in range(3):
        persons.append((f"l{k}", pd.Timestamp("2011-03-01")))
        cla.append((f"e{k}", f"l{k}", pd.Timestamp("2023-06-01") + pd.Timedelta(days=30 * k), pd.NaT, "Z1"))
    ids = [p for p, _ in persons]
    return earlyhelp.Dataset.from_frames(
        persons=pd.DataFrame(persons, columns=["person_id", "birth_date"]).assign(sex="F"),
        families=pd.DataFrame({"family_id": [f"F{p}" for p in ids],
                               "locality_id": ["A" if k % 2 else "B" for k in range(len(ids))]}),
        family_members=pd.DataFrame({"family_id": [f"F{p}" for p in ids], "person_id": ids, "role": "child"}),
        localities=pd.DataFrame({"locality_id": ["A", "B"], "name": ["A", "B"], "kind": "family_hub_area",
                                 "council_code": "E08000026", "region_code": "E12000005",
                                 "child_population": 5000, "deprivation": 0.2}),
        cin_plans=pd.DataFrame(cin, columns=["cin_plan_id", "person_id", "start_date", "end_date"]),
        cla_episodes=pd.DataFrame(cla, columns=["cla_episode_id", "person_id", "start_date", "end_date",
                                                "placement"]).assign(legal_status="C2"),
        meta={"end_date": "2025-03-31"})


@pytest.fixture(scope="module")
def quiet():
    return StockFlow("statutory").fit(_data(), start="2024-10-01", end="2025-03-31")


def test_the_report_names_the_states_with_children_but_no_exit(quiet):
    assert quiet.report["states_without_exits_in_the_window"] == ["other_care"]


def test_their_hazards_keep_their_uncertainty(quiet):
    inputs = quiet._sim_inputs()
    s = quiet.categories.states.index("other_care")
    shape, rate = inputs["hazard_shape"][s], inputs["hazard_rate"][s]
    # Jeffreys: Gamma(1/2) over the state's child-days in the window (3 children, 182 days)
    assert np.allclose(shape, 0.5)
    assert np.allclose(rate, 3 * 182)
    assert (inputs["hazard"][s] > 0).all()


def test_the_band_no_longer_holds_the_children_for_certain(quiet):
    sim = quiet.simulate(months=36, runs=400, seed=1)
    band = sim[(sim.state == "other_care") & (sim.age == "all")].set_index("date")
    last = band.iloc[-1]
    # nobody enters other care in the window, so the stock can only fall: some runs see it fall
    assert last["q95"] <= 3 and last["q05"] < 3 and last["mean"] < 3


def test_goal_seeks_draws_give_them_exits_too(quiet):
    f = quiet._fit
    n_a = len(quiet.categories.brackets)
    n = len(f.initial)
    s = quiet.categories.states.index("other_care")
    rng = np.random.default_rng(3)
    days = quiet._no_exit_days()
    assert days[s] == 3 * 182 and (np.delete(days, s) == 0).all()
    drawn = [_drawn_fit(f, rng, quiet._ageing_rates(), days) for _ in range(50)]
    out = np.array([d.rates[s * n_a:(s + 1) * n_a, n] - quiet._ageing_rates()[s * n_a:(s + 1) * n_a, n]
                    for d in drawn])
    assert (out > 0).all()
    # one draw per state, shared by its age brackets; its mean near the posterior's, 0.5 / child-days
    assert np.allclose(out, out[:, :1])
    assert 0.2 < out[:, 0].mean() * (3 * 182) / 0.5 < 2.5
    # the point estimate (the projection) still shows what the window shows
    assert f.rates[s * n_a:(s + 1) * n_a, n].sum() == quiet._ageing_rates()[s * n_a:(s + 1) * n_a, n].sum()


def test_by_locality_each_locality_takes_the_councils_posterior():
    # none of the council's children in other care left: each locality's rate of leaving is
    # drawn from the council's no exit over its child-days, not over the locality's fewer
    local = StockFlow("statutory").fit(_data(), start="2024-10-01", end="2025-03-31", by="locality")
    assert local.report["states_without_exits_in_the_window"] == ["other_care"]
    s = local.categories.states.index("other_care")
    for part in local.localities.values():
        inputs = part._sim_inputs()
        assert np.allclose(inputs["hazard_shape"][s], 0.5) and np.allclose(inputs["hazard_rate"][s], 3 * 182)
        assert part._no_exit_days()[s] == 3 * 182
