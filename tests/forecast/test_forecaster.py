"""Forecaster: layout, bad input, gaps, Python models, cross-validation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import (CrostonOptimized, Forecaster, Naive, SeasonalNaive, TSB)


def _panel(n_series=3, base=40, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for u in range(n_series):
        n = base + 10 * u
        ds = pd.date_range("2019-01-01", periods=n, freq="MS")
        y = rng.poisson(10 + 5 * np.sin(np.arange(n) * 2 * np.pi / 12))
        frames.append(pd.DataFrame({"unique_id": f"L{u}", "ds": ds, "y": y.astype(float)}))
    return pd.concat(frames, ignore_index=True)


def test_layout_matches_statsforecast():
    from statsforecast import StatsForecast
    from statsforecast.models import Naive as SNaive, SeasonalNaive as SSeasonal

    df = _panel()
    ours = Forecaster([Naive(), SeasonalNaive(12)], freq="MS", interval="model",
                      allow_negative=True, origin="series").fit(df).predict(5, level=[80, 95])
    theirs = StatsForecast([SNaive(), SSeasonal(12)], freq="MS").forecast(df=df, h=5, level=[80, 95])
    assert list(ours.columns) == list(theirs.columns)
    theirs = theirs.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert (ours["ds"].values == theirs["ds"].values).all()
    cols = [c for c in ours.columns if c not in ("unique_id", "ds")]
    np.testing.assert_allclose(ours[cols].to_numpy(float), theirs[cols].to_numpy(float), rtol=1e-5)


def test_croston_tsb_match_statsforecast():
    from statsforecast import StatsForecast
    from statsforecast.models import CrostonOptimized as SC, TSB as ST

    rng = np.random.default_rng(3)
    frames = []
    for u in range(6):
        y = rng.poisson(0.4 + 0.1 * u, 60) * rng.integers(1, 5, 60)
        frames.append(pd.DataFrame({"unique_id": f"S{u}", "ds": pd.date_range("2020-01-01", periods=60, freq="MS"), "y": y.astype(float)}))
    df = pd.concat(frames, ignore_index=True)
    ours = Forecaster([CrostonOptimized(), TSB(0.2, 0.3)], freq="MS").fit(df).predict(4)
    theirs = StatsForecast([SC(), ST(0.2, 0.3)], freq="MS").forecast(df=df, h=4)
    theirs = theirs.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    np.testing.assert_allclose(ours["TSB"], theirs["TSB"], rtol=1e-6)
    np.testing.assert_allclose(ours["CrostonOptimized"], theirs["CrostonOptimized"], rtol=1e-3)


def test_fitted_values_match_statsforecast():
    from statsforecast import StatsForecast
    from statsforecast.models import Naive as SNaive, TSB as ST

    df = _panel(2)
    fc = Forecaster([Naive(), TSB()], freq="MS", origin="series").fit(df)
    fc.predict(2, fitted=True)
    ours = fc.forecast_fitted_values()
    sf = StatsForecast([SNaive(), ST(0.1, 0.1)], freq="MS")
    sf.forecast(df=df, h=2, fitted=True)
    theirs = sf.forecast_fitted_values().sort_values(["unique_id", "ds"]).reset_index(drop=True)
    np.testing.assert_allclose(ours["Naive"], theirs["Naive"], equal_nan=True)
    np.testing.assert_allclose(ours["TSB"], theirs["TSB"], rtol=1e-6, equal_nan=True)


def test_cross_validation_layout_and_values():
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive as SSeasonal

    df = _panel()
    ours = Forecaster([SeasonalNaive(12)], freq="MS", origin="series").cross_validation(df, h=3, n_windows=3,
                                                                                        step_size=2)
    theirs = StatsForecast([SSeasonal(12)], freq="MS").cross_validation(df=df, h=3, n_windows=3, step_size=2)
    assert list(ours.columns) == list(theirs.columns)
    key = ["unique_id", "cutoff", "ds"]
    ours = ours.sort_values(key).reset_index(drop=True)
    theirs = theirs.sort_values(key).reset_index(drop=True)
    assert (ours["cutoff"].values == theirs["cutoff"].values).all()
    np.testing.assert_allclose(ours["y"], theirs["y"])
    np.testing.assert_allclose(ours["SeasonalNaive"], theirs["SeasonalNaive"])


class Drift:
    """A Python model following the protocol."""

    alias = "Drift"

    def fit(self, y, X=None):
        self.y_ = y
        self.fitted_ = np.r_[np.nan, y[:-1]]
        return self

    def predict(self, h, X=None, level=None):
        slope = (self.y_[-1] - self.y_[0]) / max(len(self.y_) - 1, 1)
        mean = self.y_[-1] + slope * np.arange(1, h + 1)
        out = {"mean": mean}
        for lv in level or []:
            out[f"lo-{lv}"] = mean - 1.0
            out[f"hi-{lv}"] = mean + 1.0
        return out


def test_python_model_alongside_builtin():
    df = _panel(2)
    out = Forecaster([Naive(), Drift()], freq="MS", origin="series").fit(df).predict(3, level=[80])
    last = df.groupby("unique_id")["y"].agg(["first", "last", "size"])
    slope = (last["last"] - last["first"]) / (last["size"] - 1)
    expected = last["last"]["L0"] + slope["L0"] * np.arange(1, 4)
    np.testing.assert_allclose(out.loc[out.unique_id == "L0", "Drift"], expected)
    np.testing.assert_allclose(out["Drift-hi-80"] - out["Drift"], 1.0)
    cv = Forecaster([Drift()], freq="MS", origin="series").cross_validation(df, h=2, n_windows=2)
    assert len(cv) == 2 * 2 * 2


def test_gaps_late_start_and_stop():
    df = _panel(3)
    # a missing month inside L0, L1 starts late, L2 stops early (council merged)
    df = df[~((df.unique_id == "L0") & (df.ds == "2020-03-01"))]
    df = df[~((df.unique_id == "L1") & (df.ds < "2020-01-01"))]
    df = df[~((df.unique_id == "L2") & (df.ds > "2021-06-01"))]
    df.loc[(df.unique_id == "L0") & (df.ds == "2020-06-01"), "y"] = np.nan
    df = df.sample(frac=1.0, random_state=1)  # unsorted input is fine
    fc = Forecaster([Naive()], freq="MS", origin="series").fit(df)
    rep = fc.report_.set_index("unique_id")
    assert rep.loc["L0", "n_missing_filled"] == 1 and rep.loc["L0", "n_nan_filled"] == 1
    assert rep.loc["L1", "first_ds"] == pd.Timestamp("2020-01-01")
    out = fc.predict(2)
    assert out.loc[out.unique_id == "L2", "ds"].min() == pd.Timestamp("2021-07-01")
    # zero fill versus interpolation
    fc2 = Forecaster([Naive()], freq="MS", fill_missing="interpolate", origin="series").fit(df)
    fc2.predict(1, fitted=True)
    fv = fc2.forecast_fitted_values()
    v = fv[(fv.unique_id == "L0") & (fv.ds == "2020-03-01")]["y"].iloc[0]
    assert v > 0


def test_zero_series_and_short_series():
    df = pd.DataFrame({"unique_id": ["Z"] * 30 + ["S"] * 5,
                       "ds": list(pd.date_range("2022-01-01", periods=30, freq="MS")) + list(pd.date_range("2022-01-01", periods=5, freq="MS")),
                       "y": [0.0] * 30 + [3, 4, 5, 6, 7]})
    fc = Forecaster([SeasonalNaive(12), CrostonOptimized(), TSB()], freq="MS", origin="series").fit(df)
    out = fc.predict(3, level=[90])
    assert np.isfinite(out[["SeasonalNaive", "CrostonOptimized", "TSB"]].to_numpy()).all()
    assert (out.loc[out.unique_id == "Z", "TSB"] == 0).all()
    fb = fc.fallbacks_
    assert list(fb["unique_id"]) == ["S"] and fb["method"].iloc[0].startswith("Naive")


def test_duplicates_raise_naming_series_and_dates():
    df = _panel(2)
    df = pd.concat([df, df[(df.unique_id == "L1") & (df.ds == "2019-05-01")]])
    with pytest.raises(ValidationError, match=r"'L1' has duplicate dates 2019-05-01"):
        Forecaster([Naive()], freq="MS").fit(df)


def test_negative_counts():
    df = _panel(1)
    df.loc[3, "y"] = -2
    with pytest.raises(ValidationError, match="negative counts"):
        Forecaster([Naive()], freq="MS").fit(df)
    Forecaster([Naive()], freq="MS", allow_negative=True).fit(df).predict(1)


def test_missing_periods_error_mode():
    df = _panel(1).drop(index=[5, 6])
    with pytest.raises(ValidationError, match="missing periods 2019-06-01, 2019-07-01"):
        Forecaster([Naive()], freq="MS", fill_missing="error").fit(df)


def test_all_nan_series_excluded_and_counted():
    df = _panel(2)
    df.loc[df.unique_id == "L1", "y"] = np.nan
    fc = Forecaster([Naive()], freq="MS").fit(df)
    assert list(fc.excluded_["unique_id"]) == ["L1"]
    assert fc.excluded_["n_rows"].iloc[0] == 50
    assert set(fc.predict(1)["unique_id"]) == {"L0"}


def test_bad_horizon_frequency_and_levels():
    df = _panel(1)
    fc = Forecaster([Naive()], freq="MS").fit(df)
    for h in (0, -1, 1.5):
        with pytest.raises(ValidationError, match="horizon h"):
            fc.predict(h)
    with pytest.raises(ValidationError, match="levels"):
        fc.predict(2, level=[0, 120])
    with pytest.raises(ValidationError, match="unknown frequency"):
        Forecaster([Naive()], freq="fortnightly-ish")
    with pytest.raises(ValidationError, match="not on the 'W-MON' grid"):
        Forecaster([Naive()], freq="W-MON").fit(df)
    with pytest.raises(ValidationError, match="aliases must be unique"):
        Forecaster([Naive(), Naive()])
    with pytest.raises(ValidationError, match="required column"):
        Forecaster([Naive()]).fit(df.drop(columns="y"))


def test_forecast_in_one_call_as_statsforecast_users_type_it():
    """``forecast(df=..., h=...)`` fits and predicts like StatsForecast.forecast, same answer as fit + predict."""
    import inspect

    from statsforecast import StatsForecast

    df = _panel()
    ours = Forecaster([Naive(), SeasonalNaive()], freq="MS").forecast(df=df, h=4, level=[80])
    again = Forecaster([Naive(), SeasonalNaive()], freq="MS").fit(df).predict(4, level=[80])
    pd.testing.assert_frame_equal(ours, again)
    theirs = inspect.signature(StatsForecast.forecast).parameters
    for name in ("h", "df", "X_df", "level", "fitted"):
        assert name in theirs and name in inspect.signature(Forecaster.forecast).parameters
    with pytest.raises(ValidationError, match="forecast"):
        Forecaster([Naive()]).forecast(h=3)


def test_season_length_given_once():
    """Models without their own season_length take the Forecaster's; the caller's model is not changed."""
    df = _panel(n_series=2, base=30)
    model = SeasonalNaive()
    fc = Forecaster([model, SeasonalNaive(season_length=12, alias="Yearly")], freq="MS", season_length=4,
                    origin="series")
    assert model.season_length is None
    assert [m.season_length for m in fc.models] == [4, 12]
    once = fc.forecast(df=df, h=4)
    explicit = Forecaster([SeasonalNaive(season_length=4)], freq="MS", season_length=4,
                          origin="series").forecast(df=df, h=4)
    np.testing.assert_allclose(once["SeasonalNaive"], explicit["SeasonalNaive"])
    last = df.groupby("unique_id")["y"].apply(lambda y: y.to_numpy()[-4:])
    np.testing.assert_allclose(once["SeasonalNaive"], np.concatenate(last.to_list()))


def test_season_length_may_be_a_numpy_integer():
    fc = Forecaster([SeasonalNaive()], freq="MS", season_length=np.int64(4))
    assert type(fc.season_length) is int and fc.models[0].season_length == 4
    for bad in (True, 4.0, "4"):
        with pytest.raises(ValidationError, match="season_length"):
            Forecaster([SeasonalNaive()], freq="MS", season_length=bad)


def test_forecaster_repr_is_readable():
    fc = Forecaster([Naive(), SeasonalNaive()], freq="MS", season_length=12)
    text = repr(fc)
    assert text.startswith("Forecaster(models=[Naive(alias='Naive'), SeasonalNaive(season_length=12")
    assert "freq='MS'" in text and "fitted" not in text
    assert "fitted on 3 series" in repr(fc.fit(_panel()))
