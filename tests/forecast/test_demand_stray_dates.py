"""demand_series: a few requests dated far before the rest (a year typed 1901) do not move the
series' start; they are warned of and counted with their reason, also in the forecast run's
exclusions, and episodes opened are never counted for months before the first request."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.cli.config import parse_config
from earlyhelp.cli.forecastrun import demand_history
from earlyhelp.forecast import demand_series
from earlyhelp.measures import StrayDatesWarning

MEASURES = ["requests", "episodes_opened", "children_referred"]
REASON = "dated far before the rest of requests.received_date"


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=3, scale=0.05, seed=0)


def with_requests_dated(ds, *days: str):
    """``ds`` with copies of its first request received (and decided) on each of ``days``."""
    req = ds["requests"]
    extra = pd.concat([req.iloc[[0]]] * len(days), ignore_index=True)
    extra["request_id"] = [f"RSTRAY{k}" for k in range(len(days))]
    extra["received_date"] = pd.to_datetime(list(days))
    extra["decision_date"] = extra["received_date"] + pd.Timedelta(days=1)
    return ds.replace(requests=pd.concat([req, extra], ignore_index=True))


def quietly(ds, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StrayDatesWarning)
        return demand_series(ds, **kwargs)


def reasons(series):
    return {(e.measure, e.reason): e.rows for e in series.excluded}


def test_one_request_in_1901_leaves_the_window_and_counts_as_they_were(council):
    clean = demand_series(council, measures=MEASURES)
    stray = with_requests_dated(council, "1901-06-03")
    with pytest.warns(StrayDatesWarning, match=r"requests\.received_date: 1 row\(s\) dated as far back as 1901-06"):
        got = demand_series(stray, measures=MEASURES)
    assert got["ds"].min() == clean["ds"].min() == pd.Timestamp("2022-04-01")
    assert got.dropped_periods == clean.dropped_periods
    cols = ["unique_id", "ds", "y"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), clean[cols].reset_index(drop=True))


def test_the_stray_rows_are_counted_with_their_reason(council):
    got = quietly(with_requests_dated(council, "1901-06-03", "1901-07-10"), measures=MEASURES)
    found = {k: n for k, n in reasons(got).items() if REASON in k[1]}
    assert {m for m, _ in found} == {"requests", "children_referred"}     # requests-dated measures only
    assert all(n == 2 for n in found.values())
    assert all("as far back as 1901-06" in reason for _, reason in found)
    # not counted a second time as outside the complete periods
    clean = reasons(demand_series(council, measures=MEASURES))
    assert reasons(got).get(("requests", "outside the complete periods"), 0) == \
        clean.get(("requests", "outside the complete periods"), 0)


def test_episodes_opened_never_counted_before_the_first_request_month(council):
    got = quietly(with_requests_dated(council, "1901-06-03"), measures=["episodes_opened"])
    first_request = council["requests"]["received_date"].min().to_period("M").start_time
    assert got["ds"].min() >= first_request
    # the episodes carried in from before the extract stay left out
    assert reasons(got)[("episodes_opened", "outside the complete periods")] > 0


def test_many_early_rows_are_data_not_strays(council):
    """More than 1% of the rows before the gap: the data say so, and the window starts there."""
    n = len(council["requests"]) // 50 + 1                       # about 2%
    got = quietly(with_requests_dated(council, *["2019-01-15"] * n), measures=["requests"])
    assert not any(REASON in reason for _, reason in reasons(got))
    assert got["ds"].min() < pd.Timestamp("2022-04-01")


def test_no_warning_without_strays(council):
    with warnings.catch_warnings():
        warnings.simplefilter("error", StrayDatesWarning)
        demand_series(council, measures=MEASURES)


def test_the_forecast_run_reports_the_stray_rows(council, tmp_path):
    cfg = parse_config({"source": {"kind": "synthetic"}, "forecast": {"measures": ["requests", "episodes_opened"]}},
                       base=tmp_path)
    with pytest.warns(StrayDatesWarning):
        series, excluded = demand_history(with_requests_dated(council, "1901-06-03"), cfg)
    stray = [e for e in excluded if REASON in e.reason]
    assert [(e.measure, e.rows, e.step) for e in stray] == [("requests", 1, "series")]
    # no period before the extract's first month is "dropped" because of it
    assert not any("partial: data start 2021" in e.reason for e in excluded)
    assert series["ds"].min() == pd.Timestamp("2022-04-01")


def with_episode_started(ds, day: str):
    ep = ds["episodes"]
    extra = ep.iloc[[0]].copy()
    extra["episode_id"] = "ESTRAY"
    extra["start_date"] = pd.Timestamp(day)
    extra["end_date"] = pd.Timestamp(day) + pd.Timedelta(days=90)
    return ds.replace(episodes=pd.concat([ep, extra], ignore_index=True))


def test_an_old_episode_beside_requests_is_carried_in_not_a_stray(council):
    """Episodes opened before the extract are kept by it: beside requests they set no start."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", StrayDatesWarning)
        got = demand_series(with_episode_started(council, "2012-05-01"), measures=["episodes_opened"])
    assert got["ds"].min() == pd.Timestamp("2022-04-01")
    assert not any("dated far before" in reason for _, reason in reasons(got))


def test_without_requests_a_stray_episode_start_does_not_move_the_window(council):
    no_requests = with_episode_started(council, "1901-06-03").replace(requests=council["requests"].iloc[0:0])
    clean = demand_series(council.replace(requests=council["requests"].iloc[0:0]), measures=["episodes_opened"])
    with pytest.warns(StrayDatesWarning, match=r"episodes\.start_date: 1 row"):
        got = demand_series(no_requests, measures=["episodes_opened"])
    assert got["ds"].min() == clean["ds"].min() > pd.Timestamp("1902-01-01")
    assert reasons(got)[("episodes_opened", "dated far before the rest of episodes.start_date (as far back as "
                                            "1901-06, 1444 months before every other row)")] == 1
