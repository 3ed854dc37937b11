"""Bad input to pick/ensemble/best_model, aggregate, demand_series, capacity, Forecaster."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import (Forecaster, ModelError, Naive, Theta, aggregate, best_model, capacity,
                                demand_series, ensemble, reconcile)
from earlyhelp.forecast.accuracy import pick


def _forecasts():
    ds = pd.date_range("2025-01-01", periods=3, freq="MS")
    out = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 3), "ds": np.tile(ds, 2),
                        "AutoETS": 1.0, "Naive": 2.0})
    for m in ("AutoETS", "Naive"):
        out[f"{m}-lo-80"], out[f"{m}-hi-80"] = out[m] - 1, out[m] + 1
    return out


def test_pick_names_a_selected_model_that_was_not_forecast():
    sel = pd.DataFrame({"unique_id": ["a", "b"], "model": ["AutoETS", "Theta"]})
    with pytest.raises(ValidationError, match="'Theta' selected for series 'b'") as err:
        pick(_forecasts(), sel)
    assert err.value.problems[0].rows == ["b"]


def test_pick_refuses_several_rows_per_series():
    # the accuracy() table itself has one row per (series, model): the last row used to win
    sel = pd.DataFrame({"unique_id": ["a", "a", "b"], "model": ["AutoETS", "Naive", "Naive"]})
    with pytest.raises(ValidationError, match="repeated series") as err:
        pick(_forecasts(), sel)
    assert list(err.value.problems[0].rows) == ["a"]


def test_pick_still_picks_one_model_per_series():
    sel = pd.DataFrame({"unique_id": ["a", "b"], "model": ["AutoETS", "Naive"]})
    out = pick(_forecasts(), sel)
    assert out["Selected"].tolist() == [1.0] * 3 + [2.0] * 3
    assert out["Selected-hi-80"].tolist() == [2.0] * 3 + [3.0] * 3


@pytest.mark.parametrize("alias", ["AutoETS", "Naive"])
def test_an_alias_that_is_already_a_model_is_refused(alias):
    F = _forecasts()
    with pytest.raises(ValidationError, match=f"alias '{alias}' is already a column"):
        ensemble(F, ["AutoETS", "Naive"], alias=alias)
    with pytest.raises(ValidationError, match=f"alias '{alias}' is already a column"):
        pick(F, pd.DataFrame({"unique_id": ["a", "b"], "model": ["Naive", "Naive"]}), alias=alias)
    pd.testing.assert_frame_equal(F, _forecasts())  # untouched


def test_best_model_chooses_only_among_models():
    table = pd.DataFrame({"unique_id": "a", "model": ["AutoETS", "Theta", "Naive"], "mase": [0.9, 0.7, 1.2]})
    assert best_model(table, ["AutoETS", "Naive"]) == "AutoETS"
    assert best_model(table, ["Theta", "Naive"]) == "Theta"
    assert best_model(table, ["Other"]) == "Other"  # none scored: the first, as without a table


# -- aggregate ------------------------------------------------------------------------------
def _two_columns():
    ds = pd.date_range("2022-01-01", periods=3, freq="MS")
    return pd.DataFrame({"ds": np.tile(ds, 4), "a": np.repeat(["k", "k", "m", "m"], 3),
                         "b": np.repeat(["k", "z", "k", "z"], 3), "y": np.repeat([1.0, 2, 4, 8], 3)})


def test_aggregate_refuses_one_id_for_two_series():
    # "k" is a value of a and of b: both totals would be the series "k"
    with pytest.raises(ValidationError, match="id 'k' is a series of level 'a' and of level 'b'"):
        aggregate(_two_columns(), [["a"], ["b"], ["a", "b"]])


@pytest.mark.parametrize("spec", [[["a"], ["a"], ["a", "b"]], [["a"], ["a", "b"], ["b", "a"]]])
def test_aggregate_refuses_a_level_given_twice(spec):
    with pytest.raises(ValidationError, match="given twice in spec"):
        aggregate(_two_columns(), spec)


def test_aggregate_with_distinct_values_is_unchanged():
    df = _two_columns().assign(b=lambda d: "b_" + d["b"])
    Y, S, tags = aggregate(df, [["a"], ["b"], ["a", "b"]])
    assert not Y.duplicated(["unique_id", "ds"]).any()
    assert S.set_index("unique_id").loc["k"].tolist() == [1.0, 1.0, 0.0, 0.0]


# -- demand_series --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def council():
    from earlyhelp import synthetic
    return synthetic.council("coventry", years=3, scale=0.3, seed=1)


def test_demand_series_refuses_a_repeated_measure(council):
    with pytest.raises(ValidationError, match=r"measures given more than once: \['requests'\]"):
        demand_series(council, measures=["requests", "requests"])


def test_demand_series_reads_a_string_as_one_measure(council):
    one = demand_series(council, measures="requests")
    pd.testing.assert_frame_equal(one, demand_series(council, measures=["requests"]))
    assert set(one["measure"]) == {"requests"}


# -- capacity -------------------------------------------------------------------------------
def test_capacity_refuses_inflow_and_requests_together():
    F = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2025-04-01", periods=3, freq="MS"), "M": 10.0})
    with pytest.raises(ValidationError, match="'inflow' and 'requests' are the same setting"):
        capacity(F, scenarios={"s": {"inflow": 1.1, "requests": 2.0}})
    plan = capacity(F, scenarios={"s": {"requests": 2.0}})
    assert plan.loc[plan["scenario"] == "s", "episodes_opened"].tolist() == [20.0] * 3


# -- Forecaster: dates on every k-th period of freq -------------------------------------------
def _counts(dates, uid="a"):
    return pd.DataFrame({"unique_id": uid, "ds": dates,
                         "y": np.random.default_rng(0).poisson(10, len(dates)).astype(float)})


@pytest.mark.parametrize("dates, freq, suggested", [
    (pd.date_range("2022-01-03", periods=40, freq="2W-MON"), "W-MON", "2W-MON"),
    (pd.date_range("2020-01-01", periods=40, freq="2MS"), "MS", "2MS"),
    (pd.date_range("2020-01-01", periods=12, freq="3MS"), "MS", "3MS"),
    (pd.date_range("2022-01-03", periods=6, freq="2W-MON"), "W-MON", "2W-MON"),
])
def test_data_on_every_kth_period_are_not_zero_filled(dates, freq, suggested):
    # fortnightly counts on a weekly grid: every other week was filled with 0, the level halved
    with pytest.raises(ValidationError, match="series 'a' has .* look like frequency") as err:
        Forecaster([Naive()], freq=freq).fit(_counts(dates))
    # every third month is also quarterly, which the check of mostly-empty grids names first (its
    # anchor month as this pandas names it: QS-JAN or QS-OCT)
    assert f"freq='{suggested}'" in str(err.value) or "freq='QS-" in str(err.value)


def test_a_series_with_a_few_missing_periods_is_still_filled():
    weekly = _counts(pd.date_range("2022-01-03", periods=40, freq="W-MON"))
    fc = Forecaster([Naive()], freq="W-MON").fit(weekly.drop(index=[3, 17, 30]))
    assert fc.report_["n_missing_filled"].tolist() == [3]
    # every other week missing but not evenly (one pair of adjacent weeks): filled, as before
    rows = list(range(0, 40, 2)) + [1]
    fc = Forecaster([Naive()], freq="W-MON").fit(weekly.iloc[sorted(rows)])
    assert fc.report_["n_missing_filled"].tolist() == [18]  # weeks 0..38, 21 given


# -- Forecaster on Dask: what each partition learnt, and rows named by the frame's labels ---------
def _long_and_short():
    rng = np.random.default_rng(0)
    return pd.concat([
        pd.DataFrame({"unique_id": "long", "ds": pd.date_range("2021-01-01", periods=36, freq="MS"),
                      "y": rng.poisson(8, 36).astype(float)}),
        pd.DataFrame({"unique_id": "short", "ds": pd.date_range("2023-08-01", periods=5, freq="MS"),
                      "y": [1.0, 2, 3, 4, 5]})], ignore_index=True)


def test_dask_fit_keeps_fallbacks_and_fitted_models(client):
    dd = pytest.importorskip("dask.dataframe")
    df = _long_and_short()
    here = Forecaster([Naive(), Theta()], freq="MS")
    here.fit(df).predict(3, level=[80])
    there = Forecaster([Naive(), Theta()], freq="MS")
    there.fit(dd.from_pandas(df, npartitions=2).shuffle("unique_id")).predict(3, level=[80])
    assert len(here.fallbacks_)  # Theta gives the short series no intervals
    pd.testing.assert_frame_equal(there.fallbacks_, here.fallbacks_)
    pd.testing.assert_frame_equal(there.model_summary(), here.model_summary())


def test_dask_problem_names_the_index_label_of_a_shuffled_frame(client):
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(0)
    df = pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2022-01-01", periods=24, freq="MS"),
                                  "y": rng.poisson(5, 24).astype(float)}) for i in range(6)], ignore_index=True)
    df.loc[100, "y"] = -3.0  # series s4
    ddf = dd.from_pandas(df, npartitions=3).shuffle("unique_id")  # rows of s4 no longer follow row 0
    for frame in (df, ddf):
        with pytest.raises(ValidationError, match="'s4' has negative counts") as err:
            Forecaster([Naive()], freq="MS").fit(frame).predict(2)
        assert list(err.value.problems[0].rows) == [100]


# -- a Python model's output --------------------------------------------------------------------
class _Fixed:
    """A Python model returning fixed values."""

    alias = "Fixed"

    def __init__(self, mean, lo, hi):
        self.values = (mean, lo, hi)

    def fit(self, y, X=None):
        return self

    def predict(self, h, X=None, level=None):
        mean, lo, hi = self.values
        return {"mean": np.full(h, mean), "lo-80": np.full(h, lo), "hi-80": np.full(h, hi)}


@pytest.mark.parametrize("values, what", [((np.nan, 0, 1), "'mean' is missing or infinite"),
                                          ((np.inf, 0, 1), "'mean' is missing or infinite"),
                                          ((5, -np.inf, 6), "the 80% bounds are infinite"),
                                          ((5, 8, 2), r"'lo-80' \(8.0\) is above 'hi-80' \(2.0\)")])
def test_a_python_model_giving_no_forecast_is_named(values, what):
    df = _counts(pd.date_range("2022-01-01", periods=12, freq="MS"))
    with pytest.raises(ModelError, match=f"Python model 'Fixed' failed on series 'a': ValueError: {what}"):
        Forecaster([_Fixed(*values)], freq="MS").forecast(df=df, h=2, level=[80])


def test_a_python_model_without_intervals_still_forecasts():
    df = _counts(pd.date_range("2022-01-01", periods=12, freq="MS"))
    out = Forecaster([_Fixed(5.0, np.nan, np.nan)], freq="MS").forecast(df=df, h=2, level=[80])
    assert out["Fixed"].tolist() == [5.0, 5.0] and out["Fixed-lo-80"].isna().all()


# -- reconcile --------------------------------------------------------------------------------
def test_reconcile_names_crossed_bounds_by_series_and_period():
    ds = pd.date_range("2025-01-01", periods=6, freq="MS")
    df = pd.DataFrame({"ds": np.tile(ds, 2), "c": "C", "l": np.repeat(["l1", "l2"], 6), "y": 1.0})
    Y, S, _ = aggregate(df, [["c"], ["c", "l"]])
    F = Y.rename(columns={"y": "M"}).assign(**{"M-lo-80": 0.0, "M-hi-80": 3.0}).reset_index(drop=True)
    F.loc[10, "M-lo-80"] = 9.0  # C/l1, 2025-05-01 (the core said "series row 1, step 5")
    with pytest.raises(ValidationError, match="upper bounds below the lower bounds") as err:
        reconcile(F, S, method="bottom_up")
    assert list(err.value.problems[0].rows) == ["C/l1 on 2025-05-01"]


# -- dates off the grid by their time of day ---------------------------------------------------
def test_month_starts_off_the_grid_by_an_hour_say_why():
    # month starts stored in UTC, shown in Europe/London: 01:00 in summer, 00:00 in winter
    ds = pd.date_range("2022-04-01", periods=24, freq="MS", tz="UTC").tz_convert("Europe/London")
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(24.0)})
    with pytest.raises(ValidationError, match=r"not on the 'MS' grid: 2022-11-01.*times of day differ: "
                                              r"00:00:00, 01:00:00.*dt.normalize\(\)"):
        Forecaster([Naive()], freq="MS").fit(df)
    normalised = df.assign(ds=df["ds"].dt.tz_localize(None).dt.normalize())
    assert Forecaster([Naive()], freq="MS").fit(normalised).report_["n_obs"].tolist() == [24]


def test_days_off_the_grid_get_no_time_of_day_note():
    df = _counts(pd.date_range("2022-01-01", periods=12, freq="MS"))
    df.loc[5, "ds"] = pd.Timestamp("2022-06-15")
    with pytest.raises(ValidationError, match="not on the 'MS' grid: 2022-06-15") as err:
        Forecaster([Naive()], freq="MS").fit(df)
    assert "times of day" not in str(err.value)
