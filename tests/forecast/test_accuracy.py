"""accuracy, select_models and ensemble, checked against utilsforecast on statsforecast output."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import accuracy, ensemble, select_models

sf = pytest.importorskip("statsforecast")
from statsforecast.models import HistoricAverage, Naive, SeasonalNaive  # noqa: E402
from utilsforecast import losses  # noqa: E402


@pytest.fixture(scope="module")
def backtest():
    rng = np.random.default_rng(0)
    dates = pd.date_range("2019-01-01", periods=48, freq="MS")
    rows = []
    for k in range(4):
        season = 8 * np.sin(2 * np.pi * np.arange(48) / 12 + k)
        y = 50 + 10 * k + season + rng.normal(0, 2 + k, 48)
        rows.append(pd.DataFrame({"unique_id": f"L{k}", "ds": dates, "y": y}))
    df = pd.concat(rows, ignore_index=True)
    model = sf.StatsForecast(models=[SeasonalNaive(season_length=12), Naive(), HistoricAverage()], freq="MS")
    cv = model.cross_validation(df=df, h=6, n_windows=3, step_size=6, level=[80, 95])
    return df, cv.reset_index(drop=True) if "unique_id" in cv.columns else cv.reset_index()


MODELS = ["SeasonalNaive", "Naive", "HistoricAverage"]


def reference(metric_frame: pd.DataFrame, name: str) -> pd.DataFrame:
    long = metric_frame.melt(id_vars=["unique_id", "cutoff"], var_name="model", value_name=name)
    return long.groupby(["unique_id", "model"], as_index=False)[name].mean()


def test_metrics_equal_utilsforecast(backtest):
    df, cv = backtest
    ours = accuracy(cv, train_df=df, season_length=12)
    checks = {
        "mase": losses.mase(cv, MODELS, seasonality=12, train_df=df),
        "rmsse": losses.rmsse(cv, MODELS, seasonality=12, train_df=df),
        "smape": losses.smape(cv, MODELS),
        "coverage_80": losses.coverage(cv, MODELS, level=80),
        "coverage_95": losses.coverage(cv, MODELS, level=95),
    }
    for name, frame in checks.items():
        ref = reference(frame, name)
        merged = ours.merge(ref, on=["unique_id", "model"], suffixes=("", "_ref"))
        assert len(merged) == len(MODELS) * 4
        factor = 100.0 if name == "smape" else 1.0
        np.testing.assert_allclose(merged[name], factor * merged[f"{name}_ref"], rtol=1e-9, err_msg=name)
    assert (ours["n"] == 18).all()


def test_by_cutoff_and_without_history(backtest):
    df, cv = backtest
    per = accuracy(cv, train_df=df, by_cutoff=True)
    assert len(per) == 4 * 3 * len(MODELS)
    no_scale = accuracy(cv)
    assert no_scale["mase"].isna().all() and no_scale["smape"].notna().all()


def test_select_models_and_ensemble(backtest):
    df, cv = backtest
    table = accuracy(cv, train_df=df)
    best = select_models(table, metric="mase")
    for uid, g in table.groupby("unique_id"):
        assert best.set_index("unique_id").loc[uid, "model"] == g.loc[g["mase"].idxmin(), "model"]
    assert select_models(cv, metric="rmsse", train_df=df)["model"].isin(MODELS).all()
    ens = ensemble(cv)
    np.testing.assert_allclose(ens["Ensemble"], cv[MODELS].mean(axis=1))
    np.testing.assert_allclose(ens["Ensemble-lo-80"], cv[[f"{m}-lo-80" for m in MODELS]].mean(axis=1))
    # the ensemble is scored like any model
    assert "Ensemble" in set(accuracy(ens, train_df=df)["model"])


def test_constant_series_falls_back_to_smape():
    dates = pd.date_range("2020-01-01", periods=6, freq="MS")
    cv = pd.DataFrame({"unique_id": "A", "ds": dates, "cutoff": dates[0], "y": 5.0, "M1": 5.0, "M2": 6.0})
    train = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2018-01-01", periods=24, freq="MS"), "y": 5.0})
    best = select_models(cv, train_df=train)
    assert best.loc[0, "model"] == "M1" and best.loc[0, "criterion"] == "smape"


def test_bad_input():
    with pytest.raises(ValidationError, match="cutoff"):
        accuracy(pd.DataFrame({"unique_id": ["a"], "ds": [1], "y": [1.0], "M": [1.0]}))
    cv = pd.DataFrame({"unique_id": ["a"], "ds": [1], "cutoff": [0], "y": [np.nan], "M": [1.0]})
    with pytest.raises(ValidationError, match="actuals are missing"):
        accuracy(cv)
    with pytest.raises(ValidationError, match="unknown metric"):
        select_models(cv, metric="r2")
    with pytest.raises(ValidationError, match="missing"):
        ensemble(cv, models=["M", "Other"])


@pytest.mark.parametrize("season_length", [True, np.bool_(True), 0, 1.0, "12"])
def test_season_length_must_be_a_whole_number(season_length):
    cv = pd.DataFrame({"unique_id": ["a"], "ds": [1], "cutoff": [0], "y": [1.0], "M": [1.0]})
    with pytest.raises(ValidationError, match="season_length must be a positive whole number"):
        accuracy(cv, season_length=season_length)
