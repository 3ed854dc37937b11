"""The forecasts' data date (``demand._data_date``) without a date in ``meta``: the latest request
received, episode started or assessment started (end dates never set it), less the dates
``Dataset.data_end`` leaves out by the same rule (``earlyhelp.data.dates``): a date after today, and
the latest dates lying more than 92 days after every other such date, at most 1% of them. One
episode start typed a year on moved the series and the duration curve's censoring date there."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.data.dataset import Dataset
from earlyhelp.forecast import demand_series, episode_duration_curve
from earlyhelp.measures import StrayDatesWarning


@pytest.fixture(scope="module")
def council() -> Dataset:
    return synthetic.council("coventry", years=2, scale=0.05, seed=2)


def _undated(ds: Dataset, **tables) -> Dataset:
    return Dataset(dict(ds.tables, **tables), meta={})


def _one_open_start(ds: Dataset, when: str) -> pd.DataFrame:
    ep = ds.episodes.copy()
    ep.loc[ep.index[ep["end_date"].isna()][0], "start_date"] = pd.Timestamp(when)
    return ep


def test_a_stray_start_date_does_not_move_the_data_date(council):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StrayDatesWarning)   # the clean extract has none
        base = demand_series(_undated(council), measures=["episodes_opened"]).as_of
    stray = _undated(council, episodes=_one_open_start(council, "2026-05-10"))
    with pytest.warns(StrayDatesWarning, match=r"episodes\.start_date: 1 row\(s\) more than 92 days after every "
                                               r"other event, the latest 2026-05-10"):
        series = demand_series(stray, measures=["episodes_opened"])
    assert series.as_of == base
    with pytest.warns(StrayDatesWarning, match=r"episodes\.start_date"):
        assert episode_duration_curve(stray).as_of == base


def test_a_date_in_meta_still_wins(council):
    stray = Dataset(dict(council.tables, episodes=_one_open_start(council, "2026-05-10")),
                    meta={"end_date": pd.Timestamp("2024-12-31")})
    with warnings.catch_warnings():
        warnings.simplefilter("error", StrayDatesWarning)
        assert episode_duration_curve(stray).as_of == pd.Timestamp("2024-12-31")
    # without it, the stray start is left out, not taken as the data date
    with pytest.warns(StrayDatesWarning):
        assert episode_duration_curve(_undated(council, episodes=stray.episodes)).as_of < pd.Timestamp("2026-01-01")
