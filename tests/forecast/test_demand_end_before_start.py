"""demand_series on a Dataset that was not validated: an episode whose end_date is before its
start_date (a year typed wrong) was never open. Counted, it closed before it opened: the
locality's open caseload fell by one from the wrong end date until the start, below 0 in
quiet months, and nothing said so. The open caseloads leave it out and count it, as
episode_duration_curve does."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.forecast import demand_series, episode_duration_curve

REASON = "end_date before start_date"


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=3, scale=0.05, seed=0)


def _typed_early(ds, n=3):
    """The Dataset with the end_date of ``n`` closed episodes of one locality typed two years
    early (each ends before it starts), and those episodes' ids."""
    ep = ds["episodes"].copy()
    loc = ep["locality_id"].dropna().iloc[0]
    late = ep.index[ep["end_date"].notna() & (ep["locality_id"] == loc)
                    & (ep["start_date"] > ep["start_date"].min() + pd.DateOffset(years=2))][:n]
    assert len(late) == n
    ep.loc[late, "end_date"] = ep.loc[late, "end_date"] - pd.DateOffset(years=2)
    assert (ep.loc[late, "end_date"] < ep.loc[late, "start_date"]).all()
    return ds.replace(episodes=ep), ep.loc[late, "episode_id"]


@pytest.mark.parametrize("measure", ["open_caseload", "child_open_caseload"])
def test_an_episode_ending_before_it_starts_is_left_out_and_counted(council, measure):
    typo, ids = _typed_early(council)
    got = demand_series(typo, measures=[measure])
    assert (got["y"] >= 0).all()
    assert got.excluded.by_reason().get(REASON) == len(ids)
    assert [x.measure for x in got.excluded if x.reason == REASON] == [measure]
    # the same as the caseload of the data without those episodes
    ep = council["episodes"]
    without = demand_series(council.replace(episodes=ep[~ep["episode_id"].isin(ids)]), measures=[measure])
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(without))
    # counted as episode_duration_curve counts them
    assert episode_duration_curve(typo).excluded.by_reason()[REASON] == len(ids)


def test_other_measures_still_count_them_and_a_clean_dataset_excludes_none(council):
    typo, ids = _typed_early(council)
    opened = demand_series(typo, measures=["episodes_opened", "child_episodes_opened"])
    pd.testing.assert_frame_equal(pd.DataFrame(opened),
                                  pd.DataFrame(demand_series(council, measures=["episodes_opened",
                                                                                "child_episodes_opened"])))
    assert REASON not in opened.excluded.by_reason()
    clean = demand_series(council, measures=["open_caseload"])
    assert clean.excluded.by_reason().get(REASON, 0) == 0
