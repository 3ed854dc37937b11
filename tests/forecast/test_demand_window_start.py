"""The extract's recorded start (``meta["window_start"]``) sets where complete periods begin, as
the monthly pack takes it: a first request a few days into the first month does not make that
month partial when the extract started on or before its first day."""
from __future__ import annotations

import pandas as pd

from earlyhelp.data.dataset import Dataset
from earlyhelp.forecast import demand_series
from earlyhelp.measures import compute


def extract(meta) -> Dataset:
    localities = pd.DataFrame({"locality_id": ["L1"], "name": ["North"], "kind": "family_hub_area",
                               "council_code": "E08000026", "region_code": "E12000005",
                               "child_population": [1000], "deprivation": [0.2]})
    families = pd.DataFrame({"family_id": ["F1", "F2"], "locality_id": ["L1", "L1"]})
    dates = pd.to_datetime(["2022-04-04", "2022-04-20", "2022-05-10", "2022-06-01", "2022-06-30"])
    requests = pd.DataFrame({"request_id": [f"R{i}" for i in range(len(dates))],
                             "family_id": ["F1", "F2", "F1", "F2", "F1"], "person_id": None,
                             "received_date": dates, "source": "2A", "route": "direct", "decision": "early_help",
                             "decision_date": None})
    episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "start_date": pd.to_datetime(["2022-04-05"]),
                             "end_date": pd.NaT, "level": 3, "episode_type": "early_help",
                             "lead_practitioner_id": None, "lead_agency_id": None, "locality_id": None,
                             "origin": "request", "end_reason": None})
    return Dataset.from_frames(localities=localities, families=families, requests=requests, episodes=episodes,
                               validate=False, meta=meta)


def months(series) -> list:
    return [str(d.date()) for d in sorted(pd.to_datetime(series["ds"].unique()))]


def test_recorded_start_keeps_the_first_month_as_the_pack_does():
    ds = extract({"window_start": "2022-04-01", "end_date": "2022-06-30"})
    s = demand_series(ds, measures="requests")
    assert months(s) == ["2022-04-01", "2022-05-01", "2022-06-01"]
    assert s.dropped_periods == ()
    assert s.set_index("ds")["y"].tolist() == [2.0, 1.0, 2.0]
    pack = compute(ds, ["requests"], period="month")
    assert pack["numerator"].astype(float).tolist() == [2.0, 1.0, 2.0]


def test_recorded_start_inside_the_month_leaves_it_partial():
    s = demand_series(extract({"window_start": "2022-04-02", "end_date": "2022-06-30"}), measures="requests")
    assert months(s) == ["2022-05-01", "2022-06-01"]
    assert [(str(d.date()), why) for d, why in s.dropped_periods] == [("2022-04-01", "partial: data start 2022-04-02")]


def test_without_a_recorded_start_the_data_set_it():
    s = demand_series(extract({"end_date": "2022-06-30"}), measures="requests")
    assert months(s) == ["2022-05-01", "2022-06-01"]
    assert [str(d.date()) for d, _ in s.dropped_periods] == ["2022-04-01"]


def test_an_unreadable_recorded_start_is_not_used():
    s = demand_series(extract({"window_start": "not a date", "end_date": "2022-06-30"}), measures="requests")
    assert months(s) == ["2022-05-01", "2022-06-01"]
