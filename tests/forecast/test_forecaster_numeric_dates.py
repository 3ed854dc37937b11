"""The Forecaster refuses ``ds`` given as numbers, naming the table, column and rows.

Before, pandas read 20240101 as nanoseconds since 1970: three such months were reported as dates
off the 'MS' grid "by a time of day", with a time-zone diagnosis, and a single one was accepted as
a date in 1970."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import Forecaster, Naive

EXPECTED = "must be dates (e.g. 2024-04-01), not numbers"


def _problem(err):
    assert len(err.value.problems) == 1
    return err.value.problems[0]


@pytest.mark.parametrize("ds", [[20240101, 20240201, 20240301], [1, 2, 3], [20240101.0, 20240201.0, 20240301.0]])
@pytest.mark.parametrize("freq", ["MS", "D"])
def test_numbers_as_dates_are_refused(ds, freq):
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq=freq).fit(df)
    p = _problem(err)
    assert (p.table, p.column) == ("forecast input", "ds")
    assert EXPECTED in p.message and "nanoseconds since 1970" in p.message
    assert "time zone" not in p.message and "grid" not in p.message
    assert list(p.rows) == [0, 1, 2] and p.value == ds[0]


def test_one_number_is_not_a_date_in_1970():
    df = pd.DataFrame({"unique_id": "a", "ds": [20240101], "y": [1.0]})
    with pytest.raises(ValidationError, match=re.escape(EXPECTED)):
        Forecaster([Naive()], freq="MS").fit(df)


def test_numbers_among_dates_are_named_by_row():
    ds = pd.Series([pd.Timestamp("2024-01-01"), "2024-02-01", 20240301, np.nan, True], dtype=object,
                   index=[10, 11, 12, 13, 14])
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=[10, 11, 12, 13, 14])
    with pytest.raises(ValidationError) as err:
        Forecaster([Naive()], freq="MS").fit(df)
    p = _problem(err)
    assert EXPECTED in p.message and list(p.rows) == [12, 14] and p.n_rows == 2


def test_numbers_as_future_dates_are_refused():
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2021-01-01", periods=24, freq="MS"),
                       "y": np.arange(24.0), "x": 1.0 + np.arange(24.0)})
    from earlyhelp.forecast import CountRegression

    fc = Forecaster([CountRegression(exog=["x"])], freq="MS").fit(df)
    X_df = pd.DataFrame({"unique_id": "a", "ds": [20230101, 20230201], "x": [25.0, 26.0]})
    with pytest.raises(ValidationError) as err:
        fc.predict(2, X_df=X_df)
    p = _problem(err)
    assert (p.table, p.column) == ("X_df", "ds") and EXPECTED in p.message


def test_dates_and_date_text_still_read():
    y = [1.0, 2.0, 3.0]
    for ds in (pd.date_range("2024-01-01", periods=3, freq="MS"), ["2024-01-01", "2024-02-01", "2024-03-01"],
               ["01/01/2024", "01/02/2024", "01/03/2024"]):
        out = Forecaster([Naive()], freq="MS").fit(pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})).predict(1)
        assert out["ds"].iloc[0] == pd.Timestamp("2024-04-01")
