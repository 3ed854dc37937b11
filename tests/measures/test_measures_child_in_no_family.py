"""A request or episode naming a child in no family (an SSD contact for a child without a family
row) is keyed by the child: the measures are computed, not refused by Arrow's string types."""
from __future__ import annotations

import warnings

import pandas as pd

import earlyhelp
from earlyhelp import measures


def test_requests_of_children_in_no_family_are_counted_per_child():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = earlyhelp.Dataset.from_frames(
            persons=pd.DataFrame({"person_id": ["A", "B"]}),
            families=pd.DataFrame({"family_id": ["F1"], "locality_id": [None]}),
            family_members=pd.DataFrame({"family_id": ["F1"], "person_id": ["A"]}),
            requests=pd.DataFrame({"request_id": ["R1", "R2", "R3"], "family_id": [None, None, None],
                                   "person_id": ["A", "B", "B"],
                                   "received_date": ["2024-01-05", "2024-02-05", "2024-03-05"]}),
            episodes=pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "start_date": ["2024-01-06"],
                                   "end_date": [None]}),
            as_of="2025-01-01")
        out = measures.compute(ds, ["families_two_plus_requests_12m"], start="2024-01-01", end="2024-03-31")
    # each month one request; B's in March repeats B's February one (keyed "person:B"), A's and B's first do not
    assert out["denominator"].tolist() == [1, 1, 1]
    assert out["numerator"].tolist() == [0, 0, 1]
