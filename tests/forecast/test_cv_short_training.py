"""cross_validation leaves out, and lists in cv_excluded_, the windows whose training part is too
short for prediction intervals, so that accuracy(level=...) scores the rest of the council."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, Forecaster, Naive, Theta, accuracy

MONTHS = pd.date_range("2020-01-01", periods=48, freq="MS")


def _council_with_a_new_locality(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = [pd.DataFrame({"unique_id": f"locality {i}", "ds": MONTHS, "y": rng.poisson(10 + i, 48).astype(float)})
              for i in range(5)]
    # created 10 months ago: 1 month of history at the 2023-03 cutoff, 4 at 2023-06
    frames.append(pd.DataFrame({"unique_id": "new locality", "ds": MONTHS[-10:],
                                "y": rng.poisson(6, 10).astype(float)}))
    return pd.concat(frames, ignore_index=True)


def test_the_guides_backtest_scores_a_council_with_a_new_locality():
    Y = _council_with_a_new_locality()
    fc = Forecaster([AutoETS(), Theta(), Naive()], freq="MS", season_length=12)
    cv = fc.cross_validation(Y, h=6, n_windows=3, step_size=3, level=[80])
    assert not cv.filter(like="-lo-").isna().any().any()
    scores = accuracy(cv, train_df=Y, season_length=12, level=[80])   # before: refused the whole backtest
    assert set(scores["unique_id"]) == {f"locality {i}" for i in range(5)}
    ex = fc.cv_excluded_
    assert list(ex.columns) == ["window", "cutoff", "unique_id", "n_train", "reason"]
    assert set(ex["unique_id"]) == {"new locality"}
    rows = ex.set_index("window")
    assert list(rows.index) == [0, 1, 2]
    assert rows.loc[0, "n_train"] == 0 and "no period before the cutoff" in rows.loc[0, "reason"]
    assert rows.loc[1, "n_train"] == 1 and rows.loc[1, "reason"] == ("too few periods before the cutoff for AutoETS's "
                                                                     "prediction intervals")
    assert rows.loc[2, "n_train"] == 4 and rows.loc[2, "reason"] == ("too few periods before the cutoff for Theta's "
                                                                     "prediction intervals")
    assert list(rows["cutoff"]) == list(pd.to_datetime(["2022-12-01", "2023-03-01", "2023-06-01"]))


def test_every_model_is_scored_on_the_same_points():
    Y = _council_with_a_new_locality()
    cv = Forecaster([Theta(), Naive()], freq="MS").cross_validation(Y, h=6, n_windows=3, step_size=3, level=[80])
    # Naive gives intervals from 2 points, Theta from 6: the window is left out for both
    assert not ((cv["unique_id"] == "new locality") & (cv["cutoff"] == pd.Timestamp("2023-06-01"))).any()


def test_a_window_long_enough_for_every_model_is_kept():
    Y = _council_with_a_new_locality()
    fc = Forecaster([Naive()], freq="MS")
    cv = fc.cross_validation(Y, h=3, n_windows=2, step_size=3, level=[80])
    # cutoffs 2023-06 (4 months of the new locality) and 2023-09 (7): Naive needs 2
    assert set(cv.loc[cv.unique_id == "new locality", "cutoff"]) == set(pd.to_datetime(["2023-06-01", "2023-09-01"]))
    assert fc.cv_excluded_.empty


def test_without_levels_only_windows_with_no_history_are_left_out():
    Y = _council_with_a_new_locality()
    fc = Forecaster([Theta(), Naive()], freq="MS")
    cv = fc.cross_validation(Y, h=6, n_windows=3, step_size=3)
    assert set(cv.loc[cv.unique_id == "new locality", "cutoff"]) == set(pd.to_datetime(["2023-03-01", "2023-06-01"]))
    assert list(fc.cv_excluded_["window"]) == [0]


def test_no_window_left_is_an_error():
    Y = pd.DataFrame({"unique_id": "tiny", "ds": MONTHS[:3], "y": [3.0, 4.0, 5.0]})   # 1 point to train on
    fc = Forecaster([Theta()], freq="MS")
    with pytest.raises(ValidationError, match="no series is long enough"):
        fc.cross_validation(Y, h=2, n_windows=1, level=[80])
    assert len(fc.cv_excluded_) == 1
