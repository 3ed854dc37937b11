"""demand_series / demand_hierarchy on hostile input: windows outside the data, clashing or
repeated ids, series concatenated twice or over different windows, time-zone-aware windows."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import demand_series
from earlyhelp.forecast.demand import demand_hierarchy

from test_demand import small_dataset


def test_window_past_the_data_date_gives_no_invented_zero_months():
    s = demand_series(small_dataset(), measures=["requests"], start="2023-01-01", end="2023-12-31")
    # data date 10 April: April is partial, May..December unknown (not zero demand)
    assert sorted(s["ds"].unique()) == list(pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]))
    reasons = dict((str(d.date()), why) for d, why in s.dropped_periods)
    assert reasons["2023-04-01"].startswith("partial")
    assert reasons["2023-12-01"] == "after the data date 2023-04-10"


def test_window_before_the_data_start_gives_no_invented_zero_months():
    s = demand_series(small_dataset(), measures=["requests"], start="2021-01-01", end="2023-03-31")
    assert s["ds"].min() == pd.Timestamp("2023-01-01")
    reasons = dict((str(d.date()), why) for d, why in s.dropped_periods)
    assert reasons["2021-01-01"] == "before the data start 2022-12-30"
    assert reasons["2022-12-01"].startswith("partial")


def test_window_wholly_after_the_data_names_the_data_dates():
    with pytest.raises(ValidationError, match="within the data"):
        demand_series(small_dataset(), measures=["requests"], start="2024-01-01", end="2024-12-31")


def test_time_zone_aware_window_counts_as_the_naive_one():
    ds = small_dataset()
    naive = demand_series(ds, measures=["requests"], start="2023-01-01", end="2023-03-31")
    aware = demand_series(ds, measures=["requests"], start=pd.Timestamp("2023-01-01", tz="Europe/London"),
                          end=pd.Timestamp("2023-03-31", tz="Europe/London"))
    pd.testing.assert_frame_equal(pd.DataFrame(naive), pd.DataFrame(aware))


def test_locality_id_used_by_two_councils_is_an_error_not_a_lost_council():
    ds = small_dataset()
    loc = ds.localities
    clash = pd.concat([loc, loc.iloc[[0]].assign(council_code="E08000009", region_code="E12000009")],
                      ignore_index=True)
    with pytest.raises(ValidationError, match=r"localities\.locality_id.*more than one council.*L1"):
        demand_series(ds.replace(localities=clash), measures=["requests"])


def test_family_in_two_localities_is_an_error_and_repeated_rows_are_harmless():
    ds = small_dataset()
    moved = pd.concat([ds.families, pd.DataFrame({"family_id": ["F1"], "locality_id": ["L3"]})],
                      ignore_index=True)
    with pytest.raises(ValidationError, match=r"families\.family_id.*different localities.*F1"):
        demand_series(ds.replace(families=moved), measures=["requests"])
    repeated = pd.concat([ds.families, ds.families.iloc[[0]]], ignore_index=True)
    a = demand_series(ds, measures=["requests"], start="2023-01-01")
    b = demand_series(ds.replace(families=repeated), measures=["requests"], start="2023-01-01")
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))


def test_repeated_episode_rows_are_an_error():
    ds = small_dataset()
    episodes = pd.concat([ds.episodes, ds.episodes.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValidationError, match=r"episodes\.episode_id.*duplicate.*E1"):
        demand_series(ds.replace(episodes=episodes))


def test_hierarchy_of_a_council_given_twice_is_an_error_not_a_doubled_total():
    s = demand_series(small_dataset(), measures=["requests"], start="2023-01-01")
    twice = pd.concat([pd.DataFrame(s), pd.DataFrame(s[s["council_code"] == "E08000002"])], ignore_index=True)
    with pytest.raises(ValidationError, match=r"series\.ds.*more than one row"):
        demand_hierarchy(twice)


def test_hierarchy_of_councils_over_different_windows_is_an_error():
    ds = small_dataset()
    a = demand_series(ds, measures=["requests"], start="2023-01-01")
    b = demand_series(ds, measures=["requests"], start="2023-02-01")
    mixed = pd.concat([pd.DataFrame(a[a["council_code"] == "E08000001"]),
                       pd.DataFrame(b[b["council_code"] == "E08000002"])], ignore_index=True)
    with pytest.raises(ValidationError, match="do not cover all 3 periods"):
        demand_hierarchy(mixed)
