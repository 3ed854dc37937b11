"""The ETS model chosen for each series is visible, as R prints it and statsforecast stores it."""
from __future__ import annotations

import numpy as np
import pytest

from _series import long_frame, synthetic_series
from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, Forecaster, Naive


def test_model_summary_names_ets_model_and_parameters():
    df = long_frame(synthetic_series(6, seed=3))
    fc = Forecaster([AutoETS(), Naive()], freq="MS")
    with pytest.raises(ValidationError, match="predict"):
        fc.model_summary()
    fc.forecast(df=df, h=6)
    summary = fc.model_summary()
    assert list(summary.columns) == ["unique_id", "model", "method", "aicc", "alpha", "beta", "gamma", "phi"]
    ets = summary[summary.model == "AutoETS"]
    assert len(ets) == 6 and ets["method"].str.match(r"ETS\([AM],(N|A|Ad),[NAM]\)").all()
    assert ets["aicc"].notna().all() and ets["alpha"].between(1e-4, 0.9999).all()
    for _, row in ets.iterrows():
        trend, season = row["method"][6:-1].split(",")
        assert np.isnan(row["beta"]) == (trend == "N")
        assert np.isnan(row["phi"]) == (trend != "Ad")
        assert np.isnan(row["gamma"]) == (season == "N")
        if trend != "N":
            assert row["beta"] <= row["alpha"]
        if trend == "Ad":
            assert 0.8 <= row["phi"] <= 0.98
    assert summary[summary.model == "Naive"]["alpha"].isna().all()
