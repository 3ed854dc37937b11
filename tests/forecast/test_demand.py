"""demand_series: hand-counted measures, zero filling, complete periods, hierarchy, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.data.dataset import Dataset
from earlyhelp.forecast import MEASURES, demand_series
from earlyhelp.forecast.demand import demand_hierarchy


def small_dataset(as_of="2023-04-10") -> Dataset:
    localities = pd.DataFrame({
        "locality_id": ["L1", "L2", "L3"], "name": ["North", "South", "East"],
        "kind": "family_hub_area", "council_code": ["E08000001", "E08000001", "E08000002"],
        "region_code": ["E12000001", "E12000001", "E12000002"], "child_population": [1000, 1200, 900],
        "deprivation": [0.2, 0.3, 0.1]})
    families = pd.DataFrame({"family_id": ["F1", "F2", "F3", "F4"], "locality_id": ["L1", "L2", "L3", "L1"]})
    requests = pd.DataFrame({
        "request_id": [f"R{i}" for i in range(7)],
        "family_id": ["F1", "F1", "F2", "F3", "F4", "F2", "F3"],
        "person_id": None,
        "children": [2, 1, None, 3, 1, 1, 1],
        "received_date": pd.to_datetime(["2023-01-03", "2023-01-20", "2023-02-14", "2023-02-28",
                                          "2023-03-31", "2023-04-05", "2022-12-30"]),
        "source": "2A", "route": "direct", "decision": "early_help", "decision_date": None})
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3", "E4"], "family_id": ["F1", "F2", "F3", "F4"],
        "start_date": pd.to_datetime(["2023-01-10", "2023-02-20", "2022-12-01", "2023-03-05"]),
        "end_date": pd.to_datetime(["2023-02-28", None, "2023-03-15", "2023-04-20"]),
        "level": 3, "episode_type": "early_help", "lead_practitioner_id": None, "lead_agency_id": None,
        "locality_id": [None, "L2", "L3", None], "origin": "request",
        "end_reason": ["outcomes_met", None, "step_up", None]})
    assessments = pd.DataFrame({"assessment_id": ["A1", "A2", "A3"], "episode_id": ["E1", "E2", "E4"],
                                "started": pd.to_datetime(["2023-01-15", "2023-03-01", "2023-03-10"]),
                                "completed": None, "agency_id": None})
    return Dataset.from_frames(localities=localities, families=families, requests=requests, episodes=episodes,
                               assessments=assessments, validate=False, meta={"as_of": pd.Timestamp(as_of)})


def value(series, measure, locality, month):
    row = series[(series["measure"] == measure) & (series["locality_id"] == locality)
                 & (series["ds"] == pd.Timestamp(month))]
    assert len(row) == 1
    return float(row["y"].iloc[0])


def test_hand_counted_measures():
    s = demand_series(small_dataset(), start="2023-01-01")
    assert sorted(s["ds"].unique()) == list(pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]))
    # April is partial (data date 10 April)
    assert [str(d.date()) for d, _ in s.dropped_periods] == ["2023-04-01"]
    assert len(s) == len(MEASURES) * 3 * 3                       # every measure x locality x month
    assert value(s, "requests", "L1", "2023-01-01") == 2
    assert value(s, "requests", "L1", "2023-03-01") == 1         # F4 lives in L1
    assert value(s, "children_referred", "L1", "2023-01-01") == 3
    assert value(s, "children_referred", "L2", "2023-02-01") == 1  # children not recorded -> 1
    assert value(s, "episodes_opened", "L1", "2023-01-01") == 1   # locality from the family
    assert value(s, "assessments", "L1", "2023-03-01") == 1
    assert value(s, "step_ups", "L3", "2023-03-01") == 1
    assert value(s, "open_caseload", "L3", "2023-01-01") == 1     # opened before the window
    assert value(s, "open_caseload", "L3", "2023-03-01") == 0
    assert value(s, "open_caseload", "L1", "2023-02-01") == 0     # closed on 28 Feb
    assert value(s, "open_caseload", "L1", "2023-03-01") == 1     # E4 still open
    assert value(s, "requests", "L3", "2023-01-01") == 0          # zero-filled
    excluded = s.excluded.to_frame().set_index(["measure", "reason"])["rows"]
    assert excluded[("requests", "outside the complete periods")] == 2   # Dec 2022 and April 2023


def test_default_window_drops_partial_first_month_and_ids_match_hierarchy():
    s = demand_series(small_dataset(), measures=["requests"])
    assert [str(d.date()) for d, _ in s.dropped_periods][0] == "2022-12-01"
    Y, S, tags = demand_hierarchy(s)
    bottom = set(S.columns[1:])
    assert set(s["unique_id"]) == bottom
    assert "requests/England" in set(Y["unique_id"])
    council = Y[(Y["unique_id"] == "requests/England/E12000001/E08000001") & (Y["ds"] == "2023-01-01")]
    assert float(council["y"].iloc[0]) == 2.0


def test_by_council_and_quarters():
    s = demand_series(small_dataset(), freq="QS", measures=["requests"], by="council",
                      start="2023-01-01", end="2023-03-31")
    assert set(s["council_code"]) == {"E08000001", "E08000002"}
    q = s.set_index("council_code")["y"]
    assert q["E08000001"] == 4 and q["E08000002"] == 1
    Y, S, tags = demand_series(small_dataset(), freq="QS", measures=["requests"], by="council",
                               start="2023-01-01", end="2023-03-31", hierarchy=True)
    assert list(S.columns[1:]) == ["requests/England/E12000001/E08000001", "requests/England/E12000002/E08000002"]
    assert float(Y.loc[Y["unique_id"] == "requests/England", "y"].iloc[0]) == 5


def test_bad_input():
    ds = small_dataset()
    with pytest.raises(ValidationError, match="unknown measures"):
        demand_series(ds, measures=["referrals"])
    with pytest.raises(ValidationError, match="by must be"):
        demand_series(ds, by="region")
    with pytest.raises(ValidationError, match="unsupported frequency"):
        demand_series(ds, freq="H")
    with pytest.raises(ValidationError, match="no complete"):
        demand_series(ds, start="2023-01-10", end="2023-01-20")
    with pytest.raises(ValidationError, match="localities"):
        demand_series(ds.replace(localities=ds.localities.iloc[0:0]))


# -- a synthetic council, counted directly with pandas ---------------------------------------
@pytest.fixture(scope="module")
def council():
    from earlyhelp.synthetic import council as make_council

    return make_council("coventry", years=2, scale=0.08, seed=3)


def direct_counts(ds, measure: str, months: pd.DatetimeIndex) -> pd.Series:
    """(locality_id, month) -> count, by plain pandas on the council tables."""
    fam = ds.families.assign(family_id=ds.families["family_id"].astype(str))
    fam_loc = fam.set_index("family_id")["locality_id"].astype(str)
    ep = ds.episodes
    ep_loc = ep["locality_id"].astype("string").fillna(ep["family_id"].astype("string").map(fam_loc))
    ep_loc = pd.Series(ep_loc.to_numpy(), index=ep["episode_id"].astype(str))
    if measure == "open_caseload":
        as_of = pd.Timestamp(ds.meta["end_date"])
        rows = {}
        for m in months:
            month_end = m + pd.offsets.MonthEnd(0)
            open_ = (ep["start_date"] <= month_end) & (ep["end_date"].isna() | (ep["end_date"] > month_end)
                                                      | (ep["end_date"] > as_of))
            for loc, n in ep_loc[open_.to_numpy()].value_counts().items():
                rows[(loc, m)] = float(n)
        return pd.Series(rows, dtype=float)
    if measure in ("requests", "children_referred"):
        req = ds.requests
        frame = pd.DataFrame({"loc": req["family_id"].astype(str).map(fam_loc).to_numpy(),
                              "date": req["received_date"].to_numpy(),
                              "w": req["children"].astype(float).fillna(1.0).to_numpy()
                              if measure == "children_referred" else 1.0})
    elif measure == "episodes_opened":
        frame = pd.DataFrame({"loc": ep_loc.to_numpy(), "date": ep["start_date"].to_numpy(), "w": 1.0})
    elif measure == "assessments":
        a = ds.assessments
        frame = pd.DataFrame({"loc": a["episode_id"].astype(str).map(ep_loc).to_numpy(),
                              "date": a["started"].to_numpy(), "w": 1.0})
    else:
        su = ds.step_ups()
        frame = pd.DataFrame({"loc": su["episode_id"].astype(str).map(ep_loc).to_numpy(),
                              "date": su["date"].to_numpy(), "w": 1.0})
    frame["month"] = frame["date"].dt.to_period("M").dt.start_time
    frame = frame[frame["month"].isin(months)]
    return frame.groupby(["loc", "month"])["w"].sum()


def test_synthetic_council_counts_equal_direct_pandas_counts(council):
    s = demand_series(council)
    months = pd.DatetimeIndex(sorted(s["ds"].unique()))
    localities = sorted(council.localities["locality_id"].astype(str))
    # two years ending 31 March: from the extract's recorded start (meta window_start), where the
    # requests begin (not the episodes kept from before the window), though the first request
    # comes a few days later; every locality x month x measure present
    first_request = council.requests["received_date"].min()
    assert first_request >= pd.Timestamp("2023-04-01") > council.episodes["start_date"].min()
    assert months[0] == pd.Timestamp(council.meta["window_start"]) == pd.Timestamp("2023-04-01")
    assert months[-1] == pd.Timestamp("2025-03-01") and len(months) >= 23
    assert (np.diff(months.to_numpy()) > np.timedelta64(0)).all()
    assert len(s) == len(MEASURES) * len(localities) * len(months)
    assert not s["y"].isna().any()
    for measure in MEASURES:
        got = s[s["measure"] == measure].set_index(["locality_id", "ds"])["y"]
        want = direct_counts(council, measure, months)
        want = want.reindex(got.index, fill_value=0.0)
        pd.testing.assert_series_equal(got.astype(float), want.astype(float), check_names=False)
        assert got.sum() > 0, measure
    # zero months are rows with 0, not missing (small localities have empty months)
    assert (s["y"] == 0).any()


def test_hierarchy_matches_aggregate_and_hierarchicalforecast(council):
    from hierarchicalforecast.utils import aggregate as hf_aggregate

    from earlyhelp.forecast import aggregate
    from earlyhelp.forecast.demand import SPEC

    s = demand_series(council, measures=["requests", "open_caseload"])
    Y, S, tags = demand_series(council, measures=["requests", "open_caseload"], hierarchy=True)
    Y2, S2, tags2 = aggregate(s, SPEC)
    pd.testing.assert_frame_equal(S, S2)
    pd.testing.assert_frame_equal(Y, Y2)
    assert list(tags) == ["measure/country", "measure/country/region_code",
                          "measure/country/region_code/council_code",
                          "measure/country/region_code/council_code/locality_id"]
    # summing matrix times the bottom series gives every series, every month
    wide = Y.pivot(index="unique_id", columns="ds", values="y")
    bottom = wide.loc[S.columns[1:]].to_numpy()
    np.testing.assert_allclose(S.drop(columns="unique_id").to_numpy() @ bottom,
                               wide.loc[S["unique_id"]].to_numpy())
    # England total of requests = all requests counted in the window
    total = Y[Y["unique_id"] == "requests/England"]["y"].sum()
    assert total == s[s["measure"] == "requests"]["y"].sum() > 0
    # the same summing matrix as hierarchicalforecast
    hf_in = s[["measure", "country", "region_code", "council_code", "locality_id", "ds", "y"]]
    _, S_hf, tags_hf = hf_aggregate(hf_in, SPEC)
    S_hf = S_hf.set_index("unique_id") if "unique_id" in S_hf.columns else S_hf
    ours = S.set_index("unique_id")
    pd.testing.assert_frame_equal(ours.loc[S_hf.index, S_hf.columns].astype(float), S_hf.astype(float),
                                  check_names=False)


def test_weekly_dates_lie_on_the_pandas_grid(council):
    for freq, weekday in (("W-MON", 0), ("W", 6)):
        s = demand_series(council, freq=freq, measures=["requests"])
        d = pd.DatetimeIndex(sorted(s["ds"].unique()))
        assert (d.day_of_week == weekday).all()
        assert (d == pd.date_range(d[0], periods=len(d), freq=freq)).all()


def test_demand_series_is_a_typed_result():
    """The facts are named fields of the result (not DataFrame.attrs) and do not follow derived frames."""
    from earlyhelp.forecast import DemandSeries
    from earlyhelp.results import Excluded, Exclusions

    s = demand_series(small_dataset(), start="2023-01-01")
    assert isinstance(s, DemandSeries) and isinstance(s.excluded, Exclusions)
    assert s.attrs == {}
    assert s.as_of == pd.Timestamp("2023-04-10") and s.freq == "MS"
    assert all(isinstance(e, Excluded) and e.rows > 0 and e.step == "series" for e in s.excluded)
    assert {e.table for e in s.excluded if e.measure == "episodes_opened"} <= {"episodes"}
    derived = s[s["measure"] == "requests"]
    assert type(derived) is pd.DataFrame                 # a filtered frame no longer claims the facts
    Y, _, _ = demand_hierarchy(s)
    assert isinstance(Y, DemandSeries) and Y.excluded == s.excluded
