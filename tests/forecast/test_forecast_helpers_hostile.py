"""Hostile input to reconcile, accuracy and capacity: never a crash, a hang or a silent change.

Each test fails without the fix it names: a ValidationError naming table, column and rows, or
a result that says what it changed.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, Forecaster, Naive, accuracy, aggregate, capacity, reconcile
from earlyhelp.forecast.capacity import MAX_KERNEL_PERIODS, period_survival

METHODS = ["bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink"]


# -- reconcile -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def poisson_hierarchy():
    """6 bottom series of Poisson(1) counts under 2 regions; base forecasts with count intervals."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2019-01-01", periods=48, freq="MS")
    df = pd.concat([pd.DataFrame({"country": "E", "region": f"R{k // 3}", "loc": f"L{k}", "ds": dates,
                                  "y": rng.poisson(1, 48).astype(float)}) for k in range(6)], ignore_index=True)
    Y, S, _ = aggregate(df, [["country"], ["country", "region"], ["country", "region", "loc"]])
    f = Forecaster([AutoETS(), Naive()])
    fc = f.fit(Y).predict(6, level=[80, 95], fitted=True)
    ins = f.forecast_fitted_values()
    assert (fc.filter(regex="-lo-") >= 0).all().all()
    return fc, S, ins


@pytest.mark.parametrize("method", METHODS)
def test_reconciled_count_bounds_are_whole_and_never_negative(poisson_hierarchy, method):
    fc, S, ins = poisson_hierarchy
    rec = reconcile(fc, S, method, insample=ins)
    bounds = rec.filter(regex="-(lo|hi)-")
    assert (bounds >= 0).all().all(), bounds.min()
    assert (bounds == bounds.round()).all().all()
    assert sorted(rec.whole_number_bounds) == ["AutoETS", "Naive"]
    assert set(rec.bounds_clipped_to_0) == {"AutoETS", "Naive"}
    if method == "bottom_up":
        assert rec.bounds_clipped_to_0["Naive"] > 0       # Gaussian propagation went below 0 here
    for m in ("AutoETS", "Naive"):
        for lv in (80, 95):
            assert (rec[f"{m}-lo-{lv}"] <= rec[f"{m}-hi-{lv}"]).all()
    # the point forecasts are those reconciled without intervals
    points = reconcile(fc[["unique_id", "ds", "AutoETS", "Naive"]], S, method, insample=ins)
    np.testing.assert_allclose(rec[["AutoETS", "Naive"]], points[["AutoETS", "Naive"]], rtol=0, atol=0)


def test_bottom_up_keeps_the_bottom_series_own_intervals(poisson_hierarchy):
    fc, S, ins = poisson_hierarchy
    rec = reconcile(fc, S, "bottom_up", insample=ins)
    bottom = fc["unique_id"].isin(S.columns[1:]).to_numpy()
    cols = [c for c in fc.columns if "-lo-" in c or "-hi-" in c]
    pd.testing.assert_frame_equal(rec.loc[bottom, cols].reset_index(drop=True),
                                  fc.loc[bottom, cols].reset_index(drop=True).astype(float))


def test_intervals_with_negative_base_bounds_are_not_clipped(poisson_hierarchy):
    fc, S, ins = poisson_hierarchy
    shifted = fc.copy()
    for c in [c for c in fc.columns if "-lo-" in c or "-hi-" in c]:
        shifted[c] = shifted[c] - 0.5                  # not counts any more (negative, not whole)
    rec = reconcile(shifted, S, "mint_ols", insample=ins)
    assert rec.bounds_clipped_to_0 == {} and rec.whole_number_bounds == []
    assert (rec.filter(regex="-lo-") < 0).any().any()


def test_summing_matrix_ids_must_match_its_structure(poisson_hierarchy):
    fc, S, ins = poisson_hierarchy
    shuffled = S.copy()
    shuffled["unique_id"] = shuffled["unique_id"].iloc[::-1].to_numpy()
    with pytest.raises(ValidationError, match=r"S\.unique_id: the row of a bottom series.*E/R0/L0") as err:
        reconcile(fc, shuffled, "bottom_up", insample=ins)
    assert "selects ['E/R0/L2']" in str(err.value)
    no_bottom_row = S[S["unique_id"] != "E/R1/L4"]
    with pytest.raises(ValidationError, match=r"no row of their own \(rows E/R1/L4\)"):
        reconcile(fc[fc["unique_id"] != "E/R1/L4"], no_bottom_row, "bottom_up")


# -- accuracy ------------------------------------------------------------------------------
def _backtest():
    dates = pd.date_range("2018-01-01", periods=36, freq="MS")
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"unique_id": "A", "ds": dates, "y": 20 + 5 * np.sin(np.arange(36)) +
                          rng.normal(0, 2, 36)})
    fut = dates[-12:]
    cv = pd.DataFrame({"unique_id": "A", "ds": fut, "cutoff": fut[0] - pd.offsets.MonthBegin(),
                       "y": train["y"].to_numpy()[-12:], "M": 20.0, "M-lo-80": 15.0, "M-hi-80": 25.0})
    cv["cutoff"] = [fut[0] - pd.offsets.MonthBegin()] * 6 + [fut[6] - pd.offsets.MonthBegin()] * 6
    return cv, train


def test_accuracy_baseline_is_clean():
    cv, train = _backtest()
    table = accuracy(cv, train_df=train)
    assert table.loc[0, "n"] == 12 and np.isfinite(table.loc[0, "mase"])


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_accuracy_missing_or_infinite_forecasts_are_errors(value):
    cv, train = _backtest()
    cv.loc[[2, 3], "M"] = value
    with pytest.raises(ValidationError, match=r"cv_df\.M: forecasts are missing or infinite.*"
                                              r"rows A at 2020-03-01 \(cutoff 2019-12-01\)"):
        accuracy(cv, train_df=train)


def test_accuracy_bad_interval_bounds_and_actuals_are_errors():
    cv, train = _backtest()
    cv.loc[0, "M-hi-80"] = np.nan
    with pytest.raises(ValidationError, match=r"cv_df\.M-hi-80: forecasts are missing"):
        accuracy(cv, train_df=train)
    cv, train = _backtest()
    cv.loc[0, "y"] = np.inf
    with pytest.raises(ValidationError, match=r"cv_df\.y: actuals are infinite"):
        accuracy(cv, train_df=train)


def test_accuracy_duplicate_rows_are_errors():
    cv, train = _backtest()
    with pytest.raises(ValidationError, match=r"cv_df\.ds: repeated \(unique_id, cutoff, ds\) rows"):
        accuracy(pd.concat([cv, cv.iloc[[0]]], ignore_index=True), train_df=train)


def test_accuracy_history_gaps_and_types_are_errors():
    cv, train = _backtest()
    with pytest.raises(ValidationError, match=r"train_df\.ds: missing periods inside a series.*"
                                              r"A: 2018-02-01 -> 2018-05-01"):
        accuracy(cv, train_df=train.drop(index=[2, 3]))
    with pytest.raises(ValidationError, match=r"train_df\.ds: periods must be of the same type"):
        accuracy(cv, train_df=train.assign(ds=train["ds"].dt.strftime("%Y-%m-%d")))
    with pytest.raises(ValidationError, match=r"train_df\.ds: repeated"):
        accuracy(cv, train_df=pd.concat([train, train.iloc[[5]]]))
    nan = train.copy()
    nan.loc[4, "y"] = np.nan
    with pytest.raises(ValidationError, match=r"train_df\.y: values are missing or infinite"):
        accuracy(cv, train_df=nan)
    with pytest.raises(ValidationError, match=r"cv_df\.y: actuals must be numbers"):
        accuracy(cv.assign(y=cv["y"].astype(str)), train_df=train)


# -- capacity ------------------------------------------------------------------------------
def _forecast(ids=("L1", "L2"), n=6, lo=30.0, hi=50.0):
    dates = pd.date_range("2024-01-01", periods=n, freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": u, "ds": dates, "M": 40.0, "M-lo-80": lo, "M-hi-80": hi})
                      for u in ids], ignore_index=True)


def _history(ids=("L1", "L2"), n=12):
    dates = pd.date_range("2023-01-01", periods=n, freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": u, "ds": dates, "y": 40.0}) for u in ids], ignore_index=True)


@pytest.mark.parametrize("kwargs", [{"episode_weeks": 1e6}, {"period_weeks": 1e-4}, {"period_weeks": 1e-9}])
def test_capacity_kernel_length_is_bounded(kwargs):
    start = time.perf_counter()
    with pytest.raises(ValidationError, match=f"at most {MAX_KERNEL_PERIODS:,} periods"):
        capacity(_forecast(), **kwargs)
    assert time.perf_counter() - start < 5
    with pytest.raises(ValidationError, match="capacity.period_weeks"):
        period_survival(np.array([16.0]), np.array([0.0]), 1e-9)


def test_capacity_long_kernel_within_the_limit_is_fast():
    start = time.perf_counter()
    out = capacity(_forecast(ids=[f"L{i}" for i in range(20)]), episode_weeks=(MAX_KERNEL_PERIODS - 2),
                   period_weeks=1.0, scenarios={"a": {"requests": 1.1}})
    assert time.perf_counter() - start < 10
    assert out["caseload"].iloc[0] == pytest.approx(40.0 * (MAX_KERNEL_PERIODS - 2))


def test_capacity_missing_or_repeated_periods_are_errors():
    fc = _forecast()
    with pytest.raises(ValidationError,
                       match=r"forecast\.ds: missing periods inside a series.*\(rows L1\).*2024-02-01 -> 2024-04-01"):
        capacity(fc.drop(index=[2]), model="M")
    with pytest.raises(ValidationError, match=r"forecast\.ds: repeated \(unique_id, ds\) rows \(rows L2\)"):
        capacity(pd.concat([fc, fc.iloc[[7]]]), model="M")
    hist = _history()
    with pytest.raises(ValidationError, match=r"history\.ds: missing periods inside a series.*\(rows L2\)"):
        capacity(fc, history=hist.drop(index=[15]))
    with pytest.raises(ValidationError, match=r"history\.ds: missing periods between the history and the "
                                              r"forecast.*\(rows L1, L2\)"):
        capacity(fc, history=hist[hist["ds"] < "2023-11-01"])
    with pytest.raises(ValidationError, match=r"history\.ds: repeated"):
        capacity(fc, history=pd.concat([hist, hist.iloc[[0]]]))


def test_capacity_dates_must_be_dates():
    fc = _forecast()
    hist = _history()
    with pytest.raises(ValidationError, match=r"history\.ds: periods must be dates"):
        capacity(fc, history=hist.assign(ds=hist["ds"].dt.strftime("%Y-%m-%d")))
    with pytest.raises(ValidationError, match=r"forecast\.ds: periods must be dates"):
        capacity(fc.assign(ds=fc["ds"].dt.strftime("%Y-%m-%d")))


def test_capacity_bad_interval_bounds_are_errors():
    fc = _forecast()
    fc.loc[3, "M-hi-80"] = -12.0
    with pytest.raises(ValidationError, match=r"forecast\.M-hi-80: upper bounds must be finite and not negative"):
        capacity(fc)
    fc = _forecast()
    fc.loc[3, "M-lo-80"] = np.nan
    with pytest.raises(ValidationError, match=r"forecast\.M-lo-80: lower bounds must be finite numbers \(rows L1\)"):
        capacity(fc)
    with pytest.raises(ValidationError, match="upper bounds below the lower bounds"):
        capacity(_forecast(lo=45.0, hi=35.0))
    # a negative lower bound is still set to 0 and counted
    assert capacity(_forecast(lo=-3.0)).lower_bounds_clipped_to_0 == 12


def test_capacity_empty_or_missing_duration_curve_is_an_error():
    with pytest.raises(ValidationError, match=r"duration_curve: the curve has no rows"):
        capacity(_forecast(), duration_curve=pd.DataFrame({"weeks": [], "survival": []}))
    with pytest.raises(ValidationError, match=r"duration_curve\.survival: survival is missing.*\(rows 1\)"):
        capacity(_forecast(), duration_curve=pd.DataFrame({"weeks": [4.0, 8.0], "survival": [0.5, np.nan]}))


def test_capacity_scenarios_must_be_mappings_with_new_names():
    with pytest.raises(ValidationError, match=r"scenarios\.baseline: the name is taken"):
        capacity(_forecast(), scenarios={"baseline": {"requests": 2.0}})
    with pytest.raises(ValidationError, match=r"scenarios\.s: a scenario must map settings"):
        capacity(_forecast(), scenarios={"s": 1.1})
    with pytest.raises(ValidationError, match=r"scenarios: scenarios must map a name"):
        capacity(_forecast(), scenarios=[("s", {"requests": 1.1})])
    with pytest.raises(ValidationError, match="step-up rates"):
        capacity(_forecast(), scenarios={"s": {"step_up_rate": "lots"}})


def test_capacity_warm_start_is_reported_per_series():
    fc = _forecast()
    out = capacity(fc, history=_history(ids=("L1",), n=12).assign(y=0.0), episode_weeks=16)
    assert out.steady_state_series == ["L2"]
    assert out.warm_start.startswith("history for 1 series; first forecast value (steady state) for 1 series")
    first = out[out["ds"] == out["ds"].min()].set_index("unique_id")["caseload"]
    assert first["L1"] < first["L2"] == pytest.approx(40.0 * 16 / (365.25 / 12 / 7))
    # history only on or after the forecast's start overlaps the forecast: refused (it was
    # ignored), not taken as an empty start
    late = _history(n=24)
    late = late[late["ds"] >= "2024-01-01"]
    with pytest.raises(ValidationError, match=r"history\.ds: 24 rows on or after the series' first forecast period"
                                              r".*\(rows L1 from 2024-01-01 \(12 rows; forecast starts 2024-01-01\)"):
        capacity(fc, history=late, episode_weeks=16)
    full = capacity(fc, history=_history(), episode_weeks=16)
    assert full.warm_start == "history" and full.steady_state_series == []


def test_capacity_history_shorter_than_an_episode_is_extended_and_reported():
    # 2 months of history, episodes lasting up to a year: episodes opened before the history
    # still count in the opening caseload (they did not before: it started low)
    fc = _forecast()
    short = _history(n=12)
    short = short[short["ds"] >= "2023-11-01"]
    out = capacity(fc, history=short, episode_weeks=52)
    full = capacity(fc, history=_history(n=24).assign(ds=lambda d: d["ds"] - pd.DateOffset(years=1)),
                    episode_weeks=52)
    assert set(out.history_extended) == {"L1", "L2"} and all(v > 0 for v in out.history_extended.values())
    assert full.history_extended == {}
    np.testing.assert_allclose(out["caseload"], full["caseload"])


def test_reconcile_reads_bounds_named_by_a_float_level():
    # statsforecast names level=[80.0] 'M-lo-80.0': reconcile found the level, then looked up 'M-lo-80'
    Y = pd.DataFrame({"unique_id": ["T", "T/a", "T/b"], "ds": pd.Timestamp("2024-01-01"), "M": [3.0, 1, 1],
                      "M-lo-80.0": [1.0, 0, 0], "M-hi-80.0": [5.0, 2, 2]})
    S = pd.DataFrame({"unique_id": ["T", "T/a", "T/b"], "T/a": [1.0, 1, 0], "T/b": [1.0, 0, 1]})
    out = reconcile(Y, S, method="bottom_up")
    assert {"M-lo-80", "M-hi-80"} <= set(out.columns) and out["M"].tolist() == [2.0, 1.0, 1.0]
    with pytest.raises(ValidationError, match="given twice"):
        reconcile(Y.assign(**{"M-lo-80": Y["M-lo-80.0"]}), S, method="bottom_up")


def test_capacity_takes_a_level_given_twice_once():
    fc = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2024-01-01", periods=3, freq="MS"), "M": 10.0,
                       "M-lo-80": 8.0, "M-hi-80": 12.0})
    cols = capacity(fc, level=[80, 80.0]).columns.tolist()
    assert len(cols) == len(set(cols)) and "fte-hi-80" in cols


def test_reconcile_takes_a_repeated_row_index_and_checks_ridge():
    Y = pd.DataFrame({"unique_id": ["T", "T/a", "T/b"], "ds": pd.Timestamp("2024-01-01"), "M": [3.0, 1, 1],
                      "M-lo-80": [1.0, 0, 0], "M-hi-80": [5.0, 2, 2]})
    S = pd.DataFrame({"unique_id": ["T", "T/a", "T/b"], "T/a": [1.0, 1, 0], "T/b": [1.0, 0, 1]})
    joined = pd.concat([Y.iloc[:1], Y.iloc[1:].reset_index(drop=True)])  # index 0, 0, 1
    assert reconcile(joined, S, method="bottom_up")["M"].tolist() == [2.0, 1.0, 1.0]
    with pytest.raises(ValidationError, match="reconcile.ridge"):
        reconcile(Y, S, method="mint_ols", ridge="x")


def test_capacity_names_a_step_up_rate_of_three_values():
    fc = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2024-01-01", periods=3, freq="MS"), "M": 10.0})
    curve = pd.DataFrame({"weeks": [4.0, 16], "survival": [0.5, 0], "survival_step_up": [0.6, 0],
                          "survival_other": [0.4, 0]})
    with pytest.raises(ValidationError, match="step_up_rate is a new rate or a pair"):
        capacity(fc, duration_curve=curve, scenarios={"x": {"step_up_rate": (0.1, 0.2, 0.3)}})


# -- time zones, and other bad frames ------------------------------------------------------------
def _zoned(values, tz="Europe/London"):
    return values.dt.tz_localize(tz)


@pytest.mark.parametrize("cv_tz,train_tz", [(None, "Europe/London"), ("UTC", None), ("UTC", "Europe/London")])
def test_accuracy_reads_time_zones_as_written(cv_tz, train_tz):
    # before: a zoned cv_df against a naive train_df (or back) raised pandas' TypeError "Invalid
    # comparison"; two zones compared instants, so a London month start fell before the UTC one
    cv, train = _backtest()
    expected = accuracy(cv, train_df=train, by_cutoff=True)
    if cv_tz:
        cv = cv.assign(ds=_zoned(cv["ds"], cv_tz), cutoff=_zoned(cv["cutoff"], cv_tz))
    if train_tz:
        train = train.assign(ds=_zoned(train["ds"], train_tz))
    pd.testing.assert_frame_equal(accuracy(cv, train_df=train, by_cutoff=True), expected)


@pytest.mark.parametrize("fc_tz,hist_tz", [(None, "Europe/London"), ("Europe/London", None)])
def test_capacity_reads_time_zones_as_written(fc_tz, hist_tz):
    # before: TypeError "'>=' not supported between instances of 'Timestamp' and 'int'"
    fc, hist = _forecast(), _history()
    hist.loc[hist["unique_id"] == "L1", "y"] = 10.0  # the history matters
    expected = capacity(fc, history=hist)
    if fc_tz:
        fc = fc.assign(ds=_zoned(fc["ds"], fc_tz))
    if hist_tz:
        hist = hist.assign(ds=_zoned(hist["ds"], hist_tz))
    out = capacity(fc, history=hist)
    pd.testing.assert_frame_equal(pd.DataFrame(out), pd.DataFrame(expected))
    assert out.warm_start == "history"


@pytest.mark.parametrize("change,text", [
    (lambda cv, tr: (cv, [1, 2]), r"train_df: expected a DataFrame"),
    (lambda cv, tr: (cv.assign(cutoff=cv["cutoff"].where(cv.index > 0)), tr), r"cv_df\.cutoff: cutoffs are missing"),
    (lambda cv, tr: (cv.assign(unique_id=cv["unique_id"].where(cv.index > 1)), tr),
     r"cv_df\.unique_id: series ids are missing \(rows 0, 1\)"),
    (lambda cv, tr: (cv, tr.assign(ds=tr["ds"].where(tr.index > 0))), r"train_df\.ds: periods are missing"),
    (lambda cv, tr: (cv, tr.assign(unique_id="B")), r"train_df\.unique_id: series of cv_df have no history"),
    (lambda cv, tr: (pd.concat([cv, cv[["M"]]], axis=1), tr), r"cv_df\.M: the column is given twice"),
    (lambda cv, tr: (cv.set_axis(pd.MultiIndex.from_tuples([(c, "") for c in cv.columns]), axis=1), tr),
     r"cv_df: columns must have one level"),
])
def test_accuracy_bad_frames_are_validation_errors(change, text):
    # before: AttributeError, KeyError, or rows without a cutoff or id left out of the means (or
    # scored as series 'None'), and NaN MASE for series train_df did not hold, without a word
    cv, train = _backtest()
    cv, train = change(cv, train)
    with pytest.raises(ValidationError, match=text):
        accuracy(cv, train_df=train)


def test_accuracy_by_cutoff_must_be_a_flag():
    cv, train = _backtest()
    with pytest.raises(ValidationError, match=r"accuracy\.by_cutoff: by_cutoff must be True or False"):
        accuracy(cv, train_df=train, by_cutoff="no")


@pytest.mark.parametrize("call,text", [
    (lambda fc, h: capacity(fc, history=h.to_dict()), r"history: expected a DataFrame"),
    (lambda fc, h: capacity(fc, model=["M"]), r"capacity\.model: model must be the name of a forecast column"),
    (lambda fc, h: capacity(pd.concat([fc, fc[["ds"]]], axis=1)), r"forecast\.ds: the column is given twice"),
    (lambda fc, h: capacity(fc, history=pd.concat([h, h[["y"]]], axis=1)), r"history\.y: the column is given twice"),
    (lambda fc, h: capacity(fc.assign(unique_id=fc["unique_id"].where(fc.index > 0))),
     r"forecast\.unique_id: series ids are missing \(rows 0\)"),
    (lambda fc, h: capacity(fc, history=h.assign(unique_id=None)), r"history\.unique_id: series ids are missing"),
    (lambda fc, h: capacity(fc, history=h.assign(y=True)), r"history\.y: episodes opened must be numbers, not bool"),
    (lambda fc, h: capacity(fc.assign(M=True), model="M"), r"forecast\.M: episodes opened must be numbers, not bool"),
    (lambda fc, h: capacity(fc.drop(columns=["M", "M-lo-80", "M-hi-80"]).assign(M="x")),
     r"forecast: no model column of numbers: pass model="),
])
def test_capacity_bad_frames_are_validation_errors(call, text):
    # before: AttributeError, TypeError (unhashable list), a series named 'None', True read as 1 episode
    with pytest.raises(ValidationError, match=text):
        call(_forecast(), _history())


def test_reconciled_points_below_0_are_counted_not_hidden(poisson_hierarchy, caplog):
    # a council total far below its localities' sum: MinT spreads the shortfall over every
    # locality, and a locality forecast at 0 goes below 0, under its interval's bound of 0
    fc, S, ins = poisson_hierarchy
    low = fc.copy()
    bottom = low["unique_id"].isin(S.columns).to_numpy()
    low.loc[bottom, "Naive"] = np.where(np.arange(bottom.sum()) % 2 == 0, 0.0, 4.0)
    low.loc[low["unique_id"] == "E", "Naive"] = 1.0
    rec = reconcile(low, S, "mint_ols", insample=ins)
    negative = int((rec["Naive"] < 0).sum())
    assert negative > 0
    assert rec.points_below_0["Naive"] == negative
    assert (rec.loc[rec["Naive"] < 0, "Naive-lo-80"] == 0).all()
    assert "below 0" in caplog.text
    assert reconcile(fc, S, "bottom_up", insample=ins).points_below_0 == {"AutoETS": 0, "Naive": 0}
