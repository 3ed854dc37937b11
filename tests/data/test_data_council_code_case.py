"""One council code is one council: ``localities.council_code`` typed in another case or with
spaces is read as the code (upper case), the repair is listed in the load report, and a Dataset
built without reading (``Dataset(...)``) whose codes differ only so is refused by validate."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.data.dataset import Dataset
from earlyhelp.data.load_report import summary_lines
from earlyhelp.forecast import demand_series
from earlyhelp.forecast.demand import demand_hierarchy



@pytest.fixture
def lower_case(frames) -> dict:
    """The small frames (the ``frames`` fixture) with one locality's council code in lower case."""
    loc = frames["localities"].copy()
    loc["council_code"] = loc["council_code"].astype(object)
    loc.loc[1, "council_code"] = " e08000026 "
    frames["localities"] = loc
    return frames


def test_from_frames_reads_one_council_and_says_what_it_repaired(lower_case):
    ds = Dataset.from_frames(as_of="2025-01-01", **lower_case)
    assert list(ds.localities["council_code"]) == ["E08000026", "E08000026"]
    mapped = [m for m in ds.meta["load_report"].get("mapped", []) if m["column"] == "council_code"]
    assert len(mapped) == 1 and mapped[0]["table"] == "localities" and mapped[0]["rows"] == 1
    assert "upper case" in mapped[0]["how"]
    assert any("localities.council_code: 1 rows" in line for line in summary_lines(ds.meta["load_report"]))


def test_forecast_series_have_one_council(lower_case):
    ds = Dataset.from_frames(as_of="2025-01-01", **lower_case)
    series = demand_series(ds, measures="requests", start=pd.Timestamp("2023-01-01"))
    assert set(series["council_code"]) == {"E08000026"}
    Y, S, tags = demand_hierarchy(series)
    councils = [t for t in tags["measure/country/region_code/council_code"]]
    assert councils == ["requests/England/E12000005/E08000026"]


def test_folder_reader_reads_one_council(tmp_path, lower_case):
    for name, frame in lower_case.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    ds = earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")
    assert set(ds.localities["council_code"]) == {"E08000026"}
    assert any(m["column"] == "council_code" for m in ds.meta["load_report"].get("mapped", []))


def test_codes_in_upper_case_are_not_listed(small_ds):
    ds = small_ds
    assert not [m for m in ds.meta["load_report"].get("mapped", []) if m["column"] == "council_code"]


def test_validate_refuses_codes_differing_only_in_case_in_a_dataset_built_directly(small_ds, frames):
    loc = small_ds.localities.copy()
    loc.loc[1, "council_code"] = "e08000026"
    ds = Dataset({**small_ds.tables, "localities": loc}, meta={"supplied_tables": list(frames)})
    with pytest.raises(ValidationError) as err:
        ds.validate(as_of="2025-01-01")
    text = str(err.value)
    assert "council_code" in text and "differ only in case or spaces" in text and "L2" in text
