"""Blank y cells inside a series read as 0 (the default, as a month without a row is) are never
silent: a BlankValuesFilledWarning names each series and how many, and report_ counts them; a
series that is no count is refused by name instead."""
from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, BlankValuesFilledWarning, Forecaster, Naive

MONTHS = pd.date_range("2021-01-01", periods=36, freq="MS")


def _north(blank=(20, 21, 22), seed: int = 5) -> pd.DataFrame:
    y = np.random.default_rng(seed).poisson(40, 36).astype(float)
    y[list(blank)] = np.nan
    return pd.DataFrame({"unique_id": "North", "ds": MONTHS, "y": y})


def test_blank_cells_filled_with_zero_are_warned_by_series_and_counted(caplog):
    df = pd.concat([_north(), _north((5,), seed=6).assign(unique_id="South"),
                    _north((), seed=7).assign(unique_id="East")], ignore_index=True)
    fc = Forecaster([AutoETS()], freq="MS", season_length=12)
    with caplog.at_level(logging.WARNING, logger="earlyhelp.forecast.forecaster"), \
            pytest.warns(BlankValuesFilledWarning) as record:
        fc.forecast(df=df, h=3, level=[80])
    message = str(record[0].message)
    assert message.startswith("4 blank y values (NaN) inside 2 series were filled with 0")
    assert "'North' (3), 'South' (1)" in message and "'East'" not in message
    assert "fill_missing='interpolate'" in message
    assert fc.report_.set_index("unique_id")["n_nan_filled"].to_dict() == {"East": 0, "North": 3, "South": 1}
    assert "4 blank y values (NaN) inside 2 series were filled with 0" in caplog.text


def test_interpolated_blanks_are_counted_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlankValuesFilledWarning)
        fc = Forecaster([Naive()], freq="MS", fill_missing="interpolate").fit(_north())
    assert fc.report_["n_nan_filled"].iloc[0] == 3


def test_a_series_with_no_blanks_raises_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", BlankValuesFilledWarning)
        Forecaster([Naive()], freq="MS").fit(_north(()))


def test_a_rate_with_a_blank_is_refused_by_name_not_read_as_zero():
    df = _north((4,))
    df["y"] = df["y"] / 100.0   # a rate: a blank month is not a rate of 0
    with pytest.raises(ValidationError, match=r"series 'North' has 1 missing periods \(2021-05-01\), but its "
                                              r"values are not counts"):
        Forecaster([Naive()], freq="MS").fit(df)
    Forecaster([Naive()], freq="MS", fill_missing="interpolate").fit(df)
