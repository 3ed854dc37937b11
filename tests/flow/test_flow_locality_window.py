"""By locality, every locality is fitted on the council's window: a locality whose first spell
starts inside the window (a new Family Hub area) existed on the window's days before it, with no
entrant and no child. Its window was clipped to its first spell, so its entrants were divided by
fewer days and its entry rate overstated (twice its rate here)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow


@pytest.fixture(scope="module")
def model():
    rows, persons, members, families = [], [], [], []

    def child(pid, fam, loc, start, days):
        persons.append((pid, pd.Timestamp("2012-01-01")))
        families.append((fam, loc))
        members.append((fam, pid))
        rows.append((f"c{len(rows)}", pid, pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=days)))

    # locality A: a child starting a CIN plan each fortnight from 2022; B: the same from 2024-10-01
    for k in range(80):
        child(f"a{k}", f"FA{k}", "A", pd.Timestamp("2022-01-03") + pd.Timedelta(days=14 * k), 120)
    for k in range(7):
        child(f"b{k}", f"FB{k}", "B", pd.Timestamp("2024-10-01") + pd.Timedelta(days=14 * k), 120)
    ds = earlyhelp.Dataset.from_frames(
        persons=pd.DataFrame(persons, columns=["person_id", "birth_date"]).assign(sex="M"),
        families=pd.DataFrame(families, columns=["family_id", "locality_id"]),
        family_members=pd.DataFrame(members, columns=["family_id", "person_id"]).assign(role="child"),
        localities=pd.DataFrame({"locality_id": ["A", "B"], "name": ["A", "B"], "kind": "family_hub_area",
                                 "council_code": "E08000026", "region_code": "E12000005",
                                 "child_population": 5000, "deprivation": 0.2}),
        cin_plans=pd.DataFrame(rows, columns=["cin_plan_id", "person_id", "start_date", "end_date"]),
        meta={"end_date": "2024-12-31"})
    return StockFlow("statutory").fit(ds, start="2024-07-01", end="2024-12-31", by="locality")


def test_every_locality_divides_by_the_councils_window(model):
    days = {name: part._fit.entry_days for name, part in model.localities.items()}
    assert days == {"A": 184.0, "B": 184.0}
    assert {name: part._window[1] - part._window[0] + 1 for name, part in model.localities.items()} == \
        {"A": 184, "B": 184}


def test_a_late_localitys_entry_rate_is_its_entrants_over_the_whole_window(model):
    e = model.entry_rates().query("state == 'cin'").groupby("locality")[["entrants", "per_day"]].sum()
    assert e.loc["A", "entrants"] == 14 and e.loc["B", "entrants"] == 7
    np.testing.assert_allclose(e["per_day"], e["entrants"] / 184)


def test_the_localities_add_up_to_the_council(model):
    # the council fitted whole: its entrants a day are the localities' sum
    council = model.localities["A"]._fit.entrants.sum() + model.localities["B"]._fit.entrants.sum()
    assert council == pytest.approx(21 / 184)
