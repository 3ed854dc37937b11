"""Events of families with no known locality: counted in the council's total as the pack counts
them, through a bottom series of their own (so the council stays the sum of its bottom series),
and the number of such events is recorded."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp.data.dataset import Dataset
from earlyhelp.data.names import NO_KNOWN_LOCALITY, Names
from earlyhelp.forecast import demand_series
from earlyhelp.forecast.demand import demand_hierarchy
from earlyhelp.measures import compute

COUNCIL = "requests/England/E12000005/E08000026"


def one_council(blank_locality: bool = True, councils=("E08000026", "E08000026")) -> Dataset:
    localities = pd.DataFrame({"locality_id": ["L1", "L2"], "name": ["North", "South"], "kind": "family_hub_area",
                               "council_code": list(councils), "region_code": "E12000005",
                               "child_population": [1000, 1200], "deprivation": [0.2, 0.3]})
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4"],
                             "locality_id": ["L1", "L2", None if blank_locality else "L1", "L2"]})
    # one request a family a day: the pack (rows) and the forecast (family requests) count alike
    dates = ["2023-01-03", "2023-01-09", "2023-01-20", "2023-02-06", "2023-02-14", "2023-02-21", "2023-03-01",
             "2023-03-15", "2023-03-30"]
    fams = ["F1", "F3", "F2", "F3", "F4", "F1", "F3", "F3", "F2"]
    requests = pd.DataFrame({"request_id": [f"R{i}" for i in range(len(dates))], "family_id": fams,
                             "person_id": None, "received_date": pd.to_datetime(dates), "source": "2A",
                             "route": "direct", "decision": "early_help", "decision_date": None})
    episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "start_date": pd.to_datetime(["2023-01-02"]),
                             "end_date": pd.NaT, "level": 3, "episode_type": "early_help",
                             "lead_practitioner_id": None, "lead_agency_id": None, "locality_id": None,
                             "origin": "request", "end_reason": None})
    return Dataset.from_frames(localities=localities, families=families, requests=requests, episodes=episodes,
                               validate=False, meta={"window_start": "2023-01-01", "end_date": "2023-03-31"})


def test_council_total_counts_requests_of_no_known_locality_as_the_pack_does():
    ds = one_council()
    s = demand_series(ds, measures="requests")
    assert NO_KNOWN_LOCALITY in set(s["locality_id"])
    Y, S, tags = demand_hierarchy(s)
    council = Y[Y["unique_id"] == COUNCIL].set_index("ds")["y"]
    pack = compute(ds, ["requests"], period="month")
    pack = pack.set_index(pd.to_datetime(pack["period_start"]))["numerator"]
    assert list(council.index) == list(pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]))
    assert council.tolist() == [3.0, 3.0, 3.0]
    assert council.tolist() == pack.reindex(council.index).astype(float).tolist()
    # coherent: the council is the sum of its bottom series
    bottom = Y[Y["unique_id"].str.startswith(COUNCIL + "/")].groupby("ds")["y"].sum()
    assert bottom.tolist() == council.tolist()
    unknown = s[s["locality_id"] == NO_KNOWN_LOCALITY].set_index("ds")["y"]
    assert unknown.tolist() == [1.0, 1.0, 2.0]


def test_the_events_of_no_known_locality_are_counted_in_excluded():
    s = demand_series(demand_series_ds := one_council(), measures="requests")
    rows = s.excluded.to_frame()
    mine = rows[rows["reason"].str.contains(NO_KNOWN_LOCALITY, regex=False)]
    assert mine["rows"].sum() == 4
    # not left out of the council: no "no known locality" row that counts them as dropped
    assert rows.loc[rows["reason"] == "no known locality", "rows"].sum() == 0
    assert demand_series_ds is not None


def test_no_extra_series_when_every_family_has_a_locality():
    s = demand_series(one_council(blank_locality=False), measures="requests")
    assert NO_KNOWN_LOCALITY not in set(s["locality_id"])
    assert not s.excluded.to_frame()["reason"].str.contains(NO_KNOWN_LOCALITY, regex=False).any()


def test_several_councils_still_leave_them_out_and_count_them():
    s = demand_series(one_council(councils=("E08000026", "E08000027")), measures="requests")
    assert NO_KNOWN_LOCALITY not in set(s["locality_id"])
    rows = s.excluded.to_frame()
    assert rows.loc[rows["reason"] == "no known locality", "rows"].sum() == 4


def test_names_show_the_series_as_a_locality_of_no_known_name():
    ds = one_council()
    s = demand_series(ds, measures="requests")
    uid = s.loc[s["locality_id"] == NO_KNOWN_LOCALITY, "unique_id"].iloc[0]
    cols = Names.of(ds).series_columns([uid])
    assert cols["locality"].iloc[0] == "no known locality"
