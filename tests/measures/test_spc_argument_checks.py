"""SPC arguments are checked: a misspelt measure id in variation_summary's targets or
change_points, a change point that is not one point of the series, and dates charted as numbers
are ValidationErrors naming the argument and value; a month names its point of a monthly chart."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import measures
from earlyhelp._errors import ValidationError
from earlyhelp.measures import spc
from measures_council import tiny_council


@pytest.fixture(scope="module")
def results():
    return measures.compute(tiny_council(), ["requests", "episodes_open"], start="2024-01-01", end="2024-06-30")


@pytest.mark.parametrize("argument", ["targets", "change_points"])
def test_a_misspelt_measure_id_is_refused(results, argument):
    with pytest.raises(ValidationError, match=f"variation_summary.{argument}.request: is not a measure of the "
                                              "results"):
        spc.variation_summary(results, **{argument: {"request": "2024-03" if argument == "change_points" else 5}})


def test_a_target_of_a_measure_in_the_results_is_used(results):
    s = spc.variation_summary(results, targets={"requests": 5.0}).set_index("measure")
    assert s.loc["requests", "target"] == 5.0


MONTHLY = pd.Series(np.r_[np.full(12, 5.0), np.full(12, 9.0)] + np.tile([0.0, 1.0], 12),
                    index=pd.date_range("2023-01-01", periods=24, freq="MS"))


@pytest.mark.parametrize("cp", ["2024-01", "2024-01-01", pd.Timestamp("2024-01-01"), pd.Period("2024-01", "M")])
def test_a_month_names_its_point_of_a_monthly_chart(cp):
    chart = spc.xmr(MONTHLY, change_points=cp)
    assert chart.index[chart["phase"].diff() == 1].tolist() == [pd.Timestamp("2024-01-01")]


@pytest.mark.parametrize("cp", ["2024-01-15", "2025-01", pd.Period("2025-01", "M"), "soon"])
def test_a_change_point_that_is_not_a_point_is_a_validation_error(cp):
    with pytest.raises(ValidationError, match="xmr.change_points: change point .* is not in the series index"):
        spc.xmr(MONTHLY, change_points=cp)


def test_a_change_point_of_a_label_twice_is_a_validation_error():
    s = pd.Series([1.0, 2, 3, 4], index=["a", "b", "b", "c"])
    with pytest.raises(ValidationError, match="xmr.change_points: change point 'b' is more than one point"):
        spc.xmr(s, change_points="b")


@pytest.mark.parametrize("values", [pd.Series(pd.date_range("2024-01-01", periods=4)),
                                    pd.Series(pd.to_timedelta([1, 2, 3, 4], unit="D")),
                                    pd.Series([pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")], dtype=object)])
def test_dates_are_not_charted_as_numbers(values):
    with pytest.raises(ValidationError, match="xmr.value: holds dates or durations"):
        spc.xmr(values)


def test_compute_names_the_change_test_it_uses():
    assert "Fisher's exact test of two proportions" in measures.compute.__doc__
    assert "two-proportion z test" not in measures.compute.__doc__
