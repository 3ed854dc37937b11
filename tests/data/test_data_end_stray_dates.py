"""``Dataset.data_end`` without ``meta["end_date"]``: the latest event less the dates that cannot be
taken at their word, by the rule the pack and the measures take (``earlyhelp.data.dates``): dates
after today, and the latest dates lying more than 92 days after every other event when they are at
most 1% of the events. One episode end typed 2052 in an extract without its date moved the data's
last day 27 years on, and every step that defaults to it (a risk score, a network, a continuum fit)
with it."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.data.dataset import Dataset
from earlyhelp.measures import StrayDatesWarning

END = pd.Timestamp("2025-03-31")


@pytest.fixture(scope="module")
def council() -> Dataset:
    return synthetic.council("coventry", years=3, scale=0.2, seed=1)


def _undated(ds: Dataset, **tables) -> Dataset:
    """``ds`` as a council's own extract: no ``meta["end_date"]``, the tables given replaced."""
    return Dataset(dict(ds.tables, **tables), meta={k: v for k, v in ds.meta.items() if k != "end_date"})


def _one_end(ds: Dataset, when: str) -> pd.DataFrame:
    ep = ds.episodes.copy()
    ep.loc[ep.index[ep["end_date"].notna()][0], "end_date"] = pd.Timestamp(when)
    return ep


def _data_end(ds: Dataset):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        end = ds.data_end()
    return end, [w for w in caught if issubclass(w.category, StrayDatesWarning)]


def test_the_undated_extract_ends_on_its_latest_event_without_a_warning(council):
    end, warned = _data_end(_undated(council))
    assert end == END and not warned


def test_an_end_date_typed_2052_does_not_move_the_data_end(council):
    end, warned = _data_end(_undated(council, episodes=_one_end(council, "2052-03-01")))
    assert end == END
    assert len(warned) == 1   # once per call, naming what was left out
    message = str(warned[0].message)
    assert "episodes.end_date: 1 row(s) dated after today, the latest 2052-03-01" in message
    assert "2025-03-31" in message


def test_a_stray_date_before_today_does_not_move_it_either(council):
    # 2026-05-10 has passed, so it is no date in the future: it lies 405 days after every other event
    end, warned = _data_end(_undated(council, episodes=_one_end(council, "2026-05-10")))
    assert end == END
    assert len(warned) == 1
    assert "episodes.end_date: 1 row(s) more than 92 days after every other event, the latest 2026-05-10" in \
        str(warned[0].message)


def test_a_date_after_today_in_any_table_is_left_out(council):
    ahead = pd.Timestamp.today().normalize() + pd.Timedelta(days=400)
    rq = council.requests.copy()
    rq.loc[rq.index[0], "received_date"] = ahead
    plans = council.plans.copy()
    plans.loc[plans.index[0], "end_date"] = ahead + pd.Timedelta(days=3)
    end, warned = _data_end(_undated(council, requests=rq, plans=plans))
    assert end == END
    assert len(warned) == 1
    message = str(warned[0].message)
    assert "requests.received_date: 1 row(s) dated after today" in message
    assert f"plans.end_date: 1 row(s) dated after today, the latest {(ahead + pd.Timedelta(days=3)).date()}" \
        in message


def test_meta_end_date_still_wins(council):
    typo = _one_end(council, "2052-03-01")
    stated = Dataset(dict(council.tables, episodes=typo), meta=dict(council.meta, end_date="2024-12-31"))
    end, warned = _data_end(stated)
    assert end == pd.Timestamp("2024-12-31") and not warned
    # the same rows without the stated date: the events, less the typo
    assert _data_end(_undated(council, episodes=typo))[0] == END


def _dates(ds: Dataset) -> int:
    """Every date a table holds (birth and due dates too): at least the events."""
    return sum(int(frame[c].notna().sum()) for frame in ds.tables.values() for c in frame.columns
               if pd.api.types.is_datetime64_any_dtype(frame[c].dtype))


def test_more_than_one_percent_of_later_dates_is_a_later_extract_not_a_typo(council):
    later = pd.date_range("2025-08-01", periods=60, freq="D")
    # one request in 100 and a few more, all after a quiet spell of 122 days: a real later extract
    n = math.ceil(0.011 * _dates(council))
    rq = council.requests.copy()
    rows = rq.index[:n]   # the earliest: the rest still end on the data's last day
    rq.loc[rows, "received_date"] = np.resize(later.to_numpy(), n)
    end, warned = _data_end(_undated(council, requests=rq))
    assert end == later[-1] and not warned
    # a few of them (at most 1% of the events) are taken as typos
    few = council.requests.copy()
    few.loc[few.index[:5], "received_date"] = later[:5].to_numpy()
    end, warned = _data_end(_undated(council, requests=few))
    assert end == END and len(warned) == 1
    assert "requests.received_date: 5 row(s) more than 92 days" in str(warned[0].message)


def test_a_snapshot_after_the_data_ends_where_the_data_end(council):
    # the snapshot records the end of the data it keeps, not the snapshot day the typo stretched them to
    typo = _undated(council, episodes=_one_end(council, "2052-03-01"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrayDatesWarning)
        snap = typo.snapshot("2026-01-01")
    assert _data_end(snap)[0] == END
    assert snap.meta.get("end_date") is None
