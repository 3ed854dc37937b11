"""Dates written as digits alone are read only as the eight digits of yyyymmdd: ``2024111`` (1
November or 11 January?) and ``202411`` are refused naming the table, column and rows, never read
one way silently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, read_dataset
from earlyhelp.data.coerce import parse_dates


@pytest.mark.parametrize("text", ["2024111", "2024112", "2024011", "202411"])
def test_digits_that_are_not_eight_read_as_no_date(text):
    assert np.isnat(parse_dates(np.array([text], dtype=object))[0])


def test_eight_digits_still_read_as_yyyymmdd():
    assert parse_dates(np.array(["20241101"], dtype=object))[0] == np.datetime64("2024-11-01")


def test_seven_digit_dates_are_refused_naming_table_column_and_rows():
    episodes = pd.DataFrame({"episode_id": ["E1", "E2", "E3"], "family_id": ["F1"] * 3,
                             "start_date": ["2024111", "2024112", "20240105"]})
    with pytest.raises(ValidationError) as caught:
        Dataset.from_frames(families=pd.DataFrame({"family_id": ["F1"]}), episodes=episodes, as_of="2025-06-01")
    found = [p for p in caught.value.problems if (p.table, p.column) == ("episodes", "start_date")]
    assert len(found) == 1, caught.value
    assert "eight of yyyymmdd" in found[0].message
    assert list(found[0].rows) == ["E1", "E2"]


def test_a_csv_seven_digit_date_names_its_row(tmp_path):
    (tmp_path / "families.csv").write_text("family_id\nF1\n")
    (tmp_path / "episodes.csv").write_text("episode_id,family_id,start_date\nE1,F1,20240105\nE2,F1,2024111\n")
    with pytest.raises(ValidationError, match=r"episodes.start_date: a date written as digits alone.*E2.*2024111"):
        read_dataset(tmp_path, as_of="2025-06-01")
