"""A quiet series whose few rows fall evenly (three events a quarter apart) beside monthly series is
intermittent counts on the monthly grid, not a quarterly series: the fit is not refused."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import Forecaster, Naive

MONTHS = pd.date_range("2021-01-01", periods=36, freq="MS")


def _frame(quiet_dates) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    busy = pd.DataFrame({"unique_id": "North", "ds": MONTHS, "y": rng.poisson(30, 36).astype(float)})
    quiet = pd.DataFrame({"unique_id": "Quiet", "ds": pd.to_datetime(quiet_dates), "y": 1.0})
    return pd.concat([busy, quiet], ignore_index=True)


@pytest.mark.parametrize("dates", [["2022-01-01", "2022-04-01", "2022-07-01"],
                                   ["2021-03-01", "2022-03-01", "2023-03-01"],
                                   ["2022-01-01", "2022-04-01", "2022-07-01", "2022-08-01"]])
def test_a_sparse_series_on_the_frames_monthly_grid_is_accepted(dates):
    fc = Forecaster([Naive()], freq="MS", season_length=12)
    out = fc.forecast(df=_frame(dates), h=3)
    rep = fc.report_.set_index("unique_id")
    first = pd.Timestamp(dates[0])
    n = len(pd.date_range(first, MONTHS[-1], freq="MS"))
    assert rep.loc["Quiet", "n_obs"] == n and rep.loc["Quiet", "n_missing_filled"] == n - len(dates)
    assert set(out["unique_id"]) == {"North", "Quiet"}


def test_a_wrong_freq_is_still_named_when_the_frames_dates_follow_another():
    # every series monthly, freq daily: the frame's dates follow "MS", the series are refused
    df = _frame(["2022-01-01", "2022-04-01", "2022-07-01"])
    with pytest.raises(ValidationError, match=r"series 'North' .*look like frequency 'MS'"):
        Forecaster([Naive()], freq="D").fit(df)


def test_a_lone_sparse_series_still_gets_its_own_frequency_suggested():
    # nothing else in the frame: its quarterly dates are all there is to tell the frequency by
    quiet = pd.DataFrame({"unique_id": "Quiet", "ds": pd.date_range("2021-01-01", periods=5, freq="QS"), "y": 1.0})
    with pytest.raises(ValidationError, match=r"series 'Quiet' .*look like frequency 'QS"):
        Forecaster([Naive()], freq="MS").fit(quiet)
