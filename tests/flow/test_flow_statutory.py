"""The "statutory" categories: the continuum from child in need on (CIN, CP and care), the part of
it national bodies hold for every council (the CIN census and SSDA903 returns)."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

import earlyhelp  # noqa: E402
from earlyhelp.flow import StockFlow  # noqa: E402
from earlyhelp.flow.categories import categories  # noqa: E402

END = "2025-03-31"


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=5)


@pytest.fixture(scope="module")
def statutory(council):
    return StockFlow("statutory").fit(council, start="2024-04-01", end=END)


def test_statutory_is_the_continuum_from_child_in_need_on():
    stat, cont = categories("statutory"), categories("continuum")
    assert stat.states == ("cin", "cp", "fostering", "residential", "supported", "other_care")
    assert stat.states == cont.states[2:]
    assert stat.brackets == cont.brackets and dict(stat.placements) == dict(cont.placements)
    assert "episodes" not in stat.services and not stat.levels


def _open_at(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    s, e = pd.to_datetime(frame["start_date"]), pd.to_datetime(frame["end_date"])
    return frame.loc[(s <= day) & (e.isna() | (e > day)), "person_id"].astype(str)


def test_starting_stock_is_every_child_open_to_statutory_services_once(council, statutory):
    """The starting stock is every child under 18 open to CIN, CP or care on the last day of the
    window, each once."""
    day = pd.Timestamp(END)
    people = pd.concat([_open_at(t, day) for t in (council.cin_plans, council.cp_plans, council.cla_episodes)]).unique()
    births = council.persons.set_index(council.persons["person_id"].astype(str))["birth_date"]
    age = (day - pd.to_datetime(births.reindex(people))).dt.days / 365.24
    expected = int(((age >= 0) & (age < 18)).sum())
    start = statutory.project(until=1)
    first = start[start["date"] == start["date"].min()]
    assert set(first["state"]) == set(categories("statutory").states)
    assert first["stock"].sum() == expected


def test_step_ups_from_early_help_enter_child_in_need(council, statutory):
    """Without Early Help as a state, children stepping up from it are entrants to CIN: more
    entrants than the continuum model counts, which sees them come from Early Help."""
    cont = StockFlow("continuum").fit(council, start="2024-04-01", end=END)
    stat_cin = statutory.entry_rates().query("state == 'cin'")["entrants"].sum()
    cont_cin = cont.entry_rates().query("state == 'cin'")["entrants"].sum()
    assert stat_cin > cont_cin, (stat_cin, cont_cin)


def test_statutory_simulation_tracks_its_projection(statutory):
    sim = statutory.simulate(months=12, runs=200, seed=4)
    proj = statutory.project(until=365)
    last = sim["date"].max()
    sim_total = sim[(sim["date"] == last) & (sim["age"] == "all")].set_index("state")["mean"]
    proj_total = proj[proj["date"] == proj["date"].max()].groupby("state")["stock"].sum()
    assert set(sim_total.index) == set(categories("statutory").states) | {"all"}
    for state in ("cin", "cp", "fostering"):
        assert sim_total[state] == pytest.approx(proj_total[state], rel=0.1), state
