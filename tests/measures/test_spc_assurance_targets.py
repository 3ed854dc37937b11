"""spc.assurance with a missing target of any kind, and with a target that is not a number.

A missing target was recognised only as a Python float NaN: ``pd.NA`` (a target read from a
nullable column) raised "boolean value of NA is ambiguous", ``np.float32('nan')`` was compared
with the limits and gave ``hit_and_miss``, and a text target ``"0.8"`` raised a bare TypeError.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.measures import spc


@pytest.fixture(scope="module")
def chart():
    return spc.xmr(pd.Series([0.80, 0.82, 0.79, 0.85, 0.81, 0.83]))


@pytest.mark.parametrize("target", [None, float("nan"), np.nan, np.float32("nan"), np.float16("nan"),
                                    np.float64("nan"), pd.NA, pd.NaT])
@pytest.mark.parametrize("direction", ["higher_is_better", "lower_is_better", "neither"])
def test_a_missing_target_of_any_kind_gives_no_target(chart, target, direction):
    assert spc.assurance(chart, target, direction) == "no_target"


@pytest.mark.parametrize("target", ["0.8", "", True, np.bool_(False), [0.8], np.inf, -np.inf, object()])
def test_a_target_that_is_not_a_number_is_refused_naming_it(chart, target):
    with pytest.raises(ValidationError, match="assurance.target"):
        spc.assurance(chart, target)


@pytest.mark.parametrize("target", [0.5, np.float32(0.5), np.int64(0), 0])
def test_a_target_of_any_number_type_is_read(chart, target):
    assert spc.assurance(chart, target, "higher_is_better") == "consistently_pass"
    assert spc.assurance(chart, np.float32(0.95), "higher_is_better") == "consistently_fail"


def test_variation_summary_with_a_missing_target_from_a_nullable_column():
    res = pd.DataFrame({"measure": ["closed_within_16_weeks"] * 6, "period": [f"2024-0{i}" for i in range(1, 7)],
                        "value": [0.80, 0.82, 0.79, 0.85, 0.81, 0.83]})
    targets = pd.Series([pd.NA], index=["closed_within_16_weeks"], dtype="Float64").to_dict()
    assert spc.variation_summary(res, targets=targets)["assurance"].tolist() == ["no_target"]
    targets32 = pd.Series([np.nan], index=["closed_within_16_weeks"], dtype="float32").to_dict()
    assert spc.variation_summary(res, targets=targets32)["assurance"].tolist() == ["no_target"]
