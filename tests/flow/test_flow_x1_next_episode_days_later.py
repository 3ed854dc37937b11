"""SSDA903: an episode ceased "X1" (a new episode begins the same day: the child stays looked
after) whose next episode starts a day or a few later (a slip common in returns) is one stay in
care, not a child leaving care and another entering it. The flow joins the two (the episode ends
where the next begins) and counts the joins; with the categories of cs-demand-model it keeps
that model's reading (a DEC that is not the next DECOM is an exit), so that the projections stay
equal to the peer's, and counts the episodes it left apart."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow

JOINED = "care_episodes_ceased_x1_joined_to_the_next_episode"
APART = "care_episodes_ceased_x1_not_joined_to_the_next_episode"


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    rows_h, rows_e = [], []
    for c in range(40):
        child = str(1000 + c)
        rows_h.append({"CHILD": child, "SEX": "1", "DOB": "01/01/2010"})
        start = pd.Timestamp("2021-06-01") + pd.Timedelta(days=7 * c)
        mid = start + pd.Timedelta(days=200)
        # half the children: the next DECOM one to three days after the DEC; the rest the same day
        slip = pd.Timedelta(days=1 + c % 3 if c % 2 == 0 else 0)
        rows_e.append({"CHILD": child, "DECOM": f"{start:%d/%m/%Y}", "RNE": "S", "LS": "C2", "PLACE": "U4",
                       "DEC": f"{mid:%d/%m/%Y}", "REC": "X1"})
        rows_e.append({"CHILD": child, "DECOM": f"{mid + slip:%d/%m/%Y}", "RNE": "P", "LS": "C2", "PLACE": "U6",
                       "DEC": "", "REC": ""})
    # one child whose X1 episode is followed by the next two months later: the data say they left
    rows_h.append({"CHILD": "2000", "SEX": "2", "DOB": "01/01/2010"})
    rows_e.append({"CHILD": "2000", "DECOM": "01/05/2021", "RNE": "S", "LS": "C2", "PLACE": "U4",
                   "DEC": "01/04/2022", "REC": "X1"})
    rows_e.append({"CHILD": "2000", "DECOM": "01/06/2022", "RNE": "S", "LS": "C2", "PLACE": "U4",
                   "DEC": "", "REC": ""})
    folder = Path(tmp_path_factory.mktemp("x1")) / "2023"
    folder.mkdir()
    pd.DataFrame(rows_h).to_csv(folder / "header.csv", index=False)
    pd.DataFrame(rows_e).to_csv(folder / "episodes.csv", index=False)
    return earlyhelp.read_ssda903(folder.parent)


def _flows(model):
    rates = model.transition_rates()
    return int(rates[rates.to_state == "out"].transitions.sum()), int(model.entry_rates().entrants.sum())


@pytest.mark.parametrize("categories", ["statutory", "continuum"])
def test_a_few_days_after_an_x1_is_one_stay_in_care(ds, categories):
    m = StockFlow(categories, gap_days=0).fit(ds, start="2022-03-01", end="2022-09-17")
    exits, entrants = _flows(m)
    # the child whose next episode began two months later left and came back, and child 1039
    # entered on the window's first day: that is all
    assert (exits, entrants) == (1, 2)
    assert m.report[JOINED] == 20 and m.report[APART] == 1
    # no day out of care between the two episodes
    sp = m._spells.sort_values(["person_id", "start"])
    child = sp[sp.person_id == "1000"]
    assert child["start"].iloc[1] == child["end"].iloc[0]


def test_the_default_gap_days_of_the_continuum_keep_the_child_in_care_on_the_days_between(ds):
    m = StockFlow("statutory").fit(ds, start="2022-03-01", end="2022-09-17")
    assert m.report[JOINED] == 20
    gap_day = pd.Timestamp("2021-06-01") + pd.Timedelta(days=200)     # child 1000's day between
    stock = m._actual_stocks([gap_day])
    in_care = sum(7 * c <= 200 for c in range(40)) + 1         # begun by then, and child 2000
    assert stock[stock.state == "fostering"]["actual"].sum() == in_care


def test_cs_demand_model_categories_read_it_as_that_model_does(ds):
    m = StockFlow("cs-demand-model").fit(ds, start="2022-03-01", end="2022-09-17")
    exits, entrants = _flows(m)
    assert exits > 10 and entrants > 10       # the peer's reading: each slip an exit and an entry
    assert m.report[JOINED] == 0 and m.report[APART] == 21
