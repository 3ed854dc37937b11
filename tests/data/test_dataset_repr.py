"""How a Dataset reads when printed, and the date its data run to."""
from __future__ import annotations

import pandas as pd

from earlyhelp import Dataset


def test_repr_lists_tables_one_per_line():
    ds = Dataset.from_frames(localities=pd.DataFrame({
        "locality_id": ["L1"], "name": ["North"], "kind": ["family_hub_area"], "council_code": ["E08000026"],
        "region_code": ["E12000005"], "child_population": [21000], "deprivation": [0.3]}), validate=False)
    ds.meta.update({"source": "earlyhelp.synthetic", "preset": "coventry", "seed": 3, "end_date": "2024-03-31"})
    text = repr(ds)
    lines = text.splitlines()
    assert lines[0] == "<earlyhelp.Dataset: synthetic coventry, seed 3; data to 2024-03-31"
    assert lines[1].split() == ["localities", "1", "rows"]
    assert lines[-1].startswith("  (") and "empty: " in lines[-1] and "episodes" in lines[-1]
    assert text.endswith(">")
    assert repr(Dataset({})) == "<earlyhelp.Dataset: empty>"


def test_data_end_from_meta_or_latest_date():
    ds = Dataset({"requests": pd.DataFrame({"request_id": ["R1", "R2"],
                                            "received_date": pd.to_datetime(["2024-01-05", "2024-02-07"])})})
    assert ds.data_end() == pd.Timestamp("2024-02-07")
    ds.meta["end_date"] = "2024-03-31"
    assert ds.data_end() == pd.Timestamp("2024-03-31")
    assert Dataset({}).data_end() is None
