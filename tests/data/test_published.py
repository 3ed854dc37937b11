"""read_published: DfE tidy format, markers, thousands separators, hierarchy, merges and splits."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError

SAMPLE = Path(__file__).parent / "published_sample.csv"


@pytest.fixture(scope="module")
def pub():
    return earlyhelp.read_published(SAMPLE)


def test_measures_found_and_numbers_parsed(pub):
    assert pub.attrs["measures"] == ["episodes_started", "children_referred", "rate_per_10000"]
    national = pub[(pub["geographic_level"] == "National") & (pub["time_period"] == "202021")].iloc[0]
    assert national["episodes_started"] == 1_234_567  # "1,234,567"
    assert pub["episodes_started"].dtype == np.float64


def test_markers_are_missing_with_a_status_never_zero(pub):
    s = pub.set_index(["time_period", "geography_code"])
    cases = {
        ("202021", "E12000004", "children_referred"): "suppressed",          # c
        ("202021", "E12000004", "rate_per_10000"): "not_available",          # x
        ("202021", "E10000021", "rate_per_10000"): "low_reliability",        # u alone: no value
        ("202122", "E10000021", "children_referred"): "rounds_to_zero",      # k
        ("202223", "E06000061", "children_referred"): "not_applicable",      # z
        ("202223", "E06000061", "rate_per_10000"): "not_available",          # :
        ("202223", "E06000062", "children_referred"): "rounds_to_zero",      # low
        ("202223", "E92000001", "rate_per_10000"): "missing",                # blank
    }
    for (period, code, measure), status in cases.items():
        row = s.loc[(period, code)]
        assert row[f"{measure}_status"] == status, (period, code, measure)
        assert np.isnan(row[measure]), (period, code, measure)
    flagged = s.loc[("202223", "E06000062")]
    assert flagged["rate_per_10000"] == 12.5 and flagged["rate_per_10000_status"] == "low_reliability"
    assert (pub["children_referred"].fillna(-1) != 0).all()
    assert set(pub.loc[pub["episodes_started"].notna(), "episodes_started_status"]) == {"ok"}


def test_hierarchy_columns(pub):
    assert list(pub["geographic_level"].cat.categories) == ["National", "Regional", "Local authority"]
    assert pub["geographic_level"].cat.ordered
    la = pub[pub["geography_code"] == "E06000061"].iloc[0]
    assert la["parent_code"] == "E12000004" and la["geography_name"] == "North Northamptonshire"
    region = pub[pub["geographic_level"] == "Regional"].iloc[0]
    assert region["parent_code"] == "E92000001"
    assert pd.isna(pub[pub["geographic_level"] == "National"]["parent_code"]).all()
    assert pub["period_end"].iloc[0] == pd.Timestamp("2021-03-31")


def test_council_split_series_start_and_stop(pub):
    spans = pub.groupby("geography_code")["period_end"].agg(["min", "max"])
    assert spans.loc["E10000021", "max"] == pd.Timestamp("2022-03-31")     # Northamptonshire stops
    assert spans.loc["E06000061", "min"] == pd.Timestamp("2023-03-31")     # North starts
    assert spans.loc["E06000062", "min"] == pd.Timestamp("2023-03-31")     # West starts


def test_from_a_frame_and_errors():
    frame = pd.DataFrame({"time_period": ["2024"], "time_identifier": ["Calendar year"],
                          "geographic_level": ["National"], "country_code": ["E92000001"],
                          "country_name": ["England"], "count": ["c"]})
    out = earlyhelp.read_published(frame, measures=["count"])
    assert np.isnan(out["count"].iloc[0]) and out["count_status"].iloc[0] == "suppressed"
    assert out["period_end"].iloc[0] == pd.Timestamp("2024-12-31")
    with pytest.raises(ValidationError, match="geographic_level"):
        earlyhelp.read_published(frame.drop(columns="geographic_level"))
    with pytest.raises(ValidationError, match="unknown geographic level"):
        earlyhelp.read_published(frame.assign(geographic_level="Ward"))


def test_a_measure_with_a_typo_is_not_quietly_read_as_text():
    """One cell of 31 mistyped ('12O'): the column cannot be a measure by default (it is not
    all numbers), but the reader says so, naming the cell, instead of leaving it as text unsaid."""
    frame = pd.DataFrame({"time_period": [str(2000 + i) for i in range(31)], "time_identifier": "Calendar year",
                          "geographic_level": "National", "country_code": "E92000001", "country_name": "England",
                          "episodes": [str(10 + i) for i in range(30)] + ["12O"],
                          "breakdown": ["Total", "Male", "Female"] * 10 + ["Total"]})
    with pytest.warns(UserWarning, match=r"episodes \(1 of 31 cells: '12O' on row 31\)"):
        out = earlyhelp.read_published(frame)
    assert out.attrs["measures"] == [] and list(out.attrs["text_columns_mostly_numbers"]) == ["episodes"]
    assert out["episodes"].iloc[-1] == "12O"            # kept, as text
    again = earlyhelp.read_published(frame, measures=["episodes"])
    assert again["episodes_status"].iloc[-1] == "unreadable" and again["episodes"].iloc[0] == 10


def test_periods_not_in_the_dfe_form_and_repeated_rows_are_named():
    frame = pd.DataFrame({"time_period": ["2023/24", "202324", "202324", "202425"],
                          "time_identifier": "Financial year", "geographic_level": "National",
                          "country_code": "E92000001", "country_name": "England", "count": ["1", "2", "3", "4"]})
    with pytest.raises(ValidationError) as info:
        earlyhelp.read_published(frame)
    period, repeated = info.value.problems
    assert period.column == "time_period" and period.rows == [0] and period.value == "2023/24"
    assert repeated.rows == [1, 2]
    # a breakdown column tells rows of one period and place apart
    split = frame.iloc[1:].assign(sex=["Male", "Female", "Total"])
    assert len(earlyhelp.read_published(split)) == 3
