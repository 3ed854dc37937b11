"""The engine around the models: exogenous columns, Python models in backtests,
threads, seeds, progress and cancel, the GIL, and more bad input."""
from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError, _core

_fc = _core.forecast


def _spec(kind: str):
    return _fc.ModelSpec(_fc.model_kind(kind))
from earlyhelp.forecast import (AutoETS, CountRegression, Forecaster, Naive, SeasonalNaive, Theta)

from _series import long_frame, synthetic_series


def _population_panel(n=60, h=6, seed=1):
    """Two localities whose requests follow their child population."""
    rng = np.random.default_rng(seed)
    frames = []
    for uid, size in (("north", 15000), ("south", 30000)):
        ds = pd.date_range("2019-01-01", periods=n + h, freq="MS")
        # population moves independently of the trend (housing, boundary changes)
        pop = size * np.exp(np.cumsum(rng.normal(0, 0.03, n + h)))
        mu = 0.002 * pop * (1 + 0.2 * np.sin(2 * np.pi * ds.month.to_numpy() / 12))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(mu).astype(float),
                                    "child_population": pop}))
    full = pd.concat(frames, ignore_index=True)
    hist = full.groupby("unique_id").head(n)
    future = full.drop(hist.index)[["unique_id", "ds", "child_population"]]
    return hist, future, full


def test_count_regression_uses_future_exogenous_values():
    hist, future, _ = _population_panel()
    fc = Forecaster([CountRegression(12, exog=["child_population"]), Naive()], freq="MS").fit(hist)
    base = fc.predict(6, level=[80], X_df=future)
    bigger = future.assign(child_population=future["child_population"] * 1.5)
    more = fc.predict(6, level=[80], X_df=bigger)
    # more children, more requests; the model without exog is unaffected
    assert (more["CountRegression"].to_numpy() > base["CountRegression"].to_numpy()).all()
    np.testing.assert_array_equal(more["Naive"], base["Naive"])
    assert list(base.columns) == ["unique_id", "ds", "CountRegression", "CountRegression-lo-80",
                                  "CountRegression-hi-80", "Naive", "Naive-lo-80", "Naive-hi-80"]


def test_count_regression_future_values_required():
    hist, future, _ = _population_panel()
    fc = Forecaster([CountRegression(12, exog=["child_population"])], freq="MS").fit(hist)
    with pytest.raises(ValidationError, match="X_df with future values"):
        fc.predict(6)
    with pytest.raises(ValidationError, match="future exogenous values missing"):
        fc.predict(6, X_df=future.iloc[1:])
    with pytest.raises(ValidationError, match="exogenous column named by a model is missing"):
        Forecaster([CountRegression(12, exog=["child_population"])]).fit(hist.drop(columns="child_population"))


def test_count_regression_cross_validation_takes_exog_from_df():
    _, _, full = _population_panel()
    fc = Forecaster([CountRegression(12, exog=["child_population"])], freq="MS")
    cv = fc.cross_validation(full, h=3, n_windows=2, step_size=3)
    assert len(cv) == 2 * 2 * 3
    assert cv["CountRegression"].notna().all()
    # the same as fitting by hand on the data before the first cutoff
    cut = cv["cutoff"].min()
    train = full[full.ds <= cut]
    fut = full[(full.ds > cut)].groupby("unique_id").head(3)
    by_hand = fc.fit(train).predict(3, X_df=fut)
    first = cv[cv.cutoff == cut].reset_index(drop=True)
    np.testing.assert_allclose(first["CountRegression"], by_hand["CountRegression"])


class Drift:
    """A Python model following the documented protocol."""

    alias = "Drift"

    def fit(self, y, X=None):
        self.y_ = y
        return self

    def predict(self, h, X=None, level=None):
        slope = (self.y_[-1] - self.y_[0]) / max(len(self.y_) - 1, 1)
        return {"mean": self.y_[-1] + slope * np.arange(1, h + 1)}


def test_python_model_backtested_like_builtin():
    df = long_frame(synthetic_series(3, seed=4))
    cv = Forecaster([Naive(), Drift()], freq="MS", origin="series").cross_validation(df, h=4, n_windows=3,
                                                                                     step_size=2)
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "Naive", "Drift"]
    for (uid, cutoff), grp in cv.groupby(["unique_id", "cutoff"]):
        hist = df[(df.unique_id == uid) & (df.ds <= cutoff)]["y"].to_numpy()
        slope = (hist[-1] - hist[0]) / (len(hist) - 1)
        np.testing.assert_allclose(grp["Drift"], hist[-1] + slope * np.arange(1, 5))
        np.testing.assert_allclose(grp["Naive"], hist[-1])
    # no intervals from the Python model: NaN columns, not an error
    out = Forecaster([Drift()], freq="MS").fit(df).predict(2, level=[90])
    assert out["Drift-lo-90"].isna().all() and out["Drift"].notna().all()


def test_object_without_protocol_rejected():
    class NotAModel:
        alias = "x"

    with pytest.raises(ValidationError, match="neither a built-in model"):
        Forecaster([NotAModel()])


def test_threads_and_seeds_do_not_change_results():
    df = long_frame(synthetic_series(8, seed=9))
    models = [AutoETS(12), Theta(12, seed=3), CountRegression(12, seed=3)]
    one = Forecaster(models, freq="MS", n_jobs=1, origin="series").fit(df).predict(6, level=[80, 95])
    two = Forecaster(models, freq="MS", n_jobs=2, origin="series").fit(df).predict(6, level=[80, 95])
    pd.testing.assert_frame_equal(one, two)
    other = Forecaster([Theta(12, seed=4)], freq="MS", origin="series").fit(df).predict(6, level=[80])
    assert not np.allclose(other["Theta-lo-80"], one["Theta-lo-80"])
    np.testing.assert_allclose(other["Theta"], one["Theta"])


def test_unsorted_input_gives_the_same_forecast():
    df = long_frame(synthetic_series(4, seed=2))
    a = Forecaster([AutoETS(12)], freq="MS").fit(df).predict(3)
    b = Forecaster([AutoETS(12)], freq="MS").fit(df.sample(frac=1.0, random_state=0)).predict(3)
    pd.testing.assert_frame_equal(a, b)


def test_shorter_than_a_season_is_reported():
    ds = pd.date_range("2023-01-01", periods=9, freq="MS")
    df = pd.DataFrame({"unique_id": "new_hub", "ds": ds, "y": [4.0, 6, 5, 7, 6, 8, 7, 9, 8]})
    tiny = pd.DataFrame({"unique_id": "tiny", "ds": ds[:3], "y": [1.0, 2, 3]})
    fc = Forecaster([AutoETS(12), SeasonalNaive(12)], freq="MS", origin="series").fit(pd.concat([df, tiny]))
    out = fc.predict(4, level=[80])
    assert np.isfinite(out[["AutoETS", "SeasonalNaive"]].to_numpy()).all()
    fb = fc.fallbacks_.set_index(["unique_id", "model"])["method"]
    assert "non-seasonal" in fb[("new_hub", "AutoETS")]
    assert fb[("tiny", "AutoETS")].startswith("Naive")
    assert fb[("new_hub", "SeasonalNaive")].startswith("Naive")


def test_more_bad_input():
    df = long_frame(synthetic_series(2, seed=1))
    with pytest.raises(ValidationError, match="missing dates"):
        Forecaster([Naive()]).fit(df.assign(ds=df["ds"].where(df.index != 3)))
    with pytest.raises(ValidationError, match="y must be numeric"):
        Forecaster([Naive()]).fit(df.assign(y="many"))
    with pytest.raises(ValidationError, match="has no rows"):
        Forecaster([Naive()]).fit(df.iloc[:0])
    with pytest.raises(ValidationError, match="dates not on the 'MS' grid"):
        Forecaster([Naive()]).fit(df.assign(ds=df["ds"] + pd.Timedelta(days=14)))
    with pytest.raises(ValidationError, match="call fit"):
        Forecaster([Naive()]).predict(3)
    with pytest.raises(ValidationError, match="n_windows"):
        Forecaster([Naive()]).cross_validation(df, h=2, n_windows=0)
    with pytest.raises(ValueError, match="season_length"):
        AutoETS(season_length=0)
    with pytest.raises(ValueError, match="model must be 3 letters"):
        AutoETS(model="XYZ")
    # a window longer than every series: clear error, counts per window
    with pytest.raises(ValidationError, match="no series is long enough"):
        Forecaster([Naive()]).cross_validation(df, h=200)


def _many(n_series=40):
    series = synthetic_series(n_series, seed=12)
    y = np.concatenate([s for _, s, _ in series])
    indptr = np.concatenate([[0], np.cumsum([len(s) for _, s, _ in series])]).astype(np.int64)
    return y, indptr


def test_progress_reports_and_ctrl_c_cancels():
    y, indptr = _many(20)
    seen = []
    _fc.forecast_series(_spec("AutoETS"), y=y, indptr=indptr, h=3, levels=[],
                                   n_threads=2, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (20, 20)

    def interrupt(done, total):  # what tqdm sees when the user presses Ctrl-C
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fc.forecast_series(_spec("AutoETS"), y=y, indptr=indptr, h=3, levels=[],
                                       n_threads=2, progress=interrupt)


def test_gil_released_during_fit():
    y, indptr = _many(25)
    worker = threading.Thread(target=lambda: _fc.forecast_series(
        _spec("AutoETS"), y=y, indptr=indptr, h=3, levels=[], n_threads=1))
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.002)
    worker.join()
    assert ticks >= 10  # the main thread kept running while C++ worked


def test_core_rejects_bad_arrays():
    with pytest.raises(ValueError, match="indptr"):
        _fc.forecast_series(_spec("Naive"), y=np.ones(5), indptr=np.array([0, 4]), h=2,
                                       levels=[])
    with pytest.raises(ValueError, match="horizon"):
        _fc.forecast_series(_spec("Naive"), y=np.ones(5), indptr=np.array([0, 5]), h=0,
                                       levels=[])
    with pytest.raises(ValueError, match="unknown model kind"):
        _fc.forecast_series(_spec("Prophet"), y=np.ones(5), indptr=np.array([0, 5]), h=2,
                                       levels=[])


def test_python_model_reconciled_like_builtin():
    from earlyhelp.forecast import aggregate, reconcile

    rng = np.random.default_rng(8)
    ds = pd.date_range("2020-01-01", periods=36, freq="MS")
    bottom = pd.concat([pd.DataFrame({"council": "C", "locality": loc, "ds": ds,
                                      "y": rng.poisson(20 + 5 * k, 36).astype(float)})
                        for k, loc in enumerate(["east", "west", "centre"])])
    Y, S, tags = aggregate(bottom, [["council"], ["council", "locality"]])
    fc = Forecaster([Naive(), Drift()], freq="MS").fit(Y)
    rec = reconcile(fc.predict(3), S, method="bottom_up")
    for alias in ("Naive", "Drift"):
        wide = rec.pivot(index="ds", columns="unique_id", values=alias)
        bottoms = [c for c in wide.columns if "/" in c]
        np.testing.assert_allclose(wide["C"], wide[bottoms].sum(axis=1))


def test_auto_ets_multiplicative_season_intervals_are_analytic():
    # R's class 3 formulas, as R's forecast.ets: no simulation, so the seed does not matter
    y = np.concatenate([s for _, s, _ in synthetic_series(1, seed=21)])
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2015-01-01", periods=len(y), freq="MS"), "y": y})
    runs = [Forecaster([AutoETS(12, model="MNM", seed=s)], freq="MS").fit(df).predict(6, level=[80])
            for s in (1, 2)]
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert (runs[0]["AutoETS-lo-80"] < runs[0]["AutoETS"]).all()
    assert (runs[0]["AutoETS"] < runs[0]["AutoETS-hi-80"]).all()
