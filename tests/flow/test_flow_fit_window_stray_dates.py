"""``StockFlow().fit(ds)`` on an extract without its date: the fit window ends on the data's last day
(``Dataset.data_end``), which one end date typed 2052 no longer moves, and the spell that carries it
is taken as open on that day (the data show nothing after it), counted in the report."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.data.dataset import Dataset
from earlyhelp.flow import StockFlow
from earlyhelp.measures import StrayDatesWarning


@pytest.fixture(scope="module")
def council() -> Dataset:
    return synthetic.council("coventry", years=3, scale=0.1, seed=1)


def _undated(ds: Dataset, **tables) -> Dataset:
    return Dataset(dict(ds.tables, **tables), meta={k: v for k, v in ds.meta.items() if k != "end_date"})


def _fit(ds: Dataset) -> StockFlow:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrayDatesWarning)
        return StockFlow().fit(ds)


def test_an_end_typed_2052_does_not_move_the_fit_window(council):
    clean = _undated(council)
    ep = council.episodes.copy()
    ep.loc[ep.index[ep["end_date"].notna()][0], "end_date"] = pd.Timestamp("2052-03-01")
    typo = _undated(council, episodes=ep)
    a, b = _fit(clean), _fit(typo)
    assert (b._fit.start, b._fit.end) == (a._fit.start, a._fit.end)
    assert a._fit.end == clean.data_end() == pd.Timestamp("2025-03-31")
    assert b.report["spell_ends_after_the_data_end_taken_as_open"] >= 1
    assert a.report["spell_ends_after_the_data_end_taken_as_open"] == 0
    assert a.report["spells_starting_after_the_data_end_excluded"] == 0
    # exactly the fit of the same data with that episode still open: its end has not happened
    ep.loc[ep["end_date"] == pd.Timestamp("2052-03-01"), ["end_date", "end_reason"]] = [pd.NaT, pd.NA]
    still_open = _fit(_undated(council, episodes=ep))
    for part in ("rates", "entrants", "initial", "exposure"):
        np.testing.assert_allclose(getattr(b._fit, part), getattr(still_open._fit, part), err_msg=part)


def test_the_synthetic_data_have_no_spell_after_their_end(council):
    # their meta end_date is the data's end: nothing of theirs is set aside, so no figure moves
    report = _fit(council).report
    assert report["spell_ends_after_the_data_end_taken_as_open"] == 0
    assert report["spells_starting_after_the_data_end_excluded"] == 0
