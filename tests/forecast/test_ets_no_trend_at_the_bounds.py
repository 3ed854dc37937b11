"""AutoETS reaches R's optimum on a low-count seasonal series whose smoothing parameters sit at
their lower bound (1e-4).

A seasonal model without trend or damping has the characteristic root z = 1, on the unit
circle. The admissibility test (roots within 1 + 1e-10) decided such points by rounding and
refused 289 of the Nelder-Mead's points that R's test accepts, so the search took another path
and stopped at a lower likelihood (AICc 313.274 against R's 313.185; forecasts up to 2% apart).
The root is now divided out before the test. R's figures below are those of forecast 8.20's
``ets(ts(y, frequency = 12))``: ETS(A,N,A), AICc 313.184683859971, alpha 1.00103811152e-4,
gamma 2.4808744781e-4, forecasts 2.695499325730, 3.751518795901, 2.605622537321.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import AutoETS, Forecaster

Y = [2, 1, 2, 6, 7, 4, 3, 0, 2, 1, 2, 1, 4, 4, 3, 2, 2, 2, 1, 1, 1, 0, 0, 2, 3, 6, 2, 8, 5, 3, 2, 2, 1, 1, 0, 1, 3, 2,
     2, 7, 3, 5, 3, 2, 2, 2, 2, 1, 2, 6, 4, 7, 6, 3, 3, 3, 0, 2, 0, 0]
R_AICC = 313.184683859971
R_MEAN = [2.695499325730, 3.751518795901, 2.605622537321]


@pytest.mark.parametrize("model", ["ZZZ", "ANA"])
def test_reaches_rs_likelihood_and_forecasts(model):
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2000-01-01", periods=len(Y), freq="MS"),
                       "y": np.array(Y, float)})
    fc = Forecaster([AutoETS(model=model)], freq="MS", season_length=12, interval="model")
    out = fc.forecast(df=df, h=3)
    summary = fc.model_summary().iloc[0]
    assert summary["method"] == "ETS(A,N,A)"
    assert summary["aicc"] == pytest.approx(R_AICC, abs=1e-6)
    assert summary["alpha"] == pytest.approx(1.00103811152e-4, rel=1e-6)
    assert summary["gamma"] == pytest.approx(2.4808744781e-4, rel=1e-6)
    np.testing.assert_allclose(out["AutoETS"], R_MEAN, rtol=1e-8)


def _low_count_series():
    """40 Poisson locality-like monthly series of 60 months: 1 to 20 a month, a season, some growth."""
    rng = np.random.default_rng(2024)
    t = np.arange(60)
    out = []
    for k in range(40):
        lam = rng.choice([1, 3, 8, 20])
        y = rng.poisson(lam * (1 + 0.4 * np.sin(2 * np.pi * t / 12 + k)) * (1 + 0.005 * k * t / 12)).astype(float)
        out.append((f"s{k:02d}", y))
    return out


@pytest.mark.simulation
def test_same_model_and_likelihood_as_r_on_low_count_series():
    """Before, 4 of these 40 (seasonal, alpha and gamma at 1e-4) ended at a lower likelihood than R's
    (AICc 0.015 to 0.088 higher) with forecasts up to 8% apart."""
    from _series import r_ets_available, run_r_ets

    why = r_ets_available()
    if why is not None:
        pytest.skip(why)
    series = _low_count_series()
    train = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2000-01-01", periods=len(y), freq="MS"),
                                     "y": y}) for uid, y in series], ignore_index=True)
    fc = Forecaster([AutoETS()], freq="MS", season_length=12, n_jobs=1, interval="model", origin="series")
    ours = fc.forecast(df=train, h=12)
    summary = fc.model_summary().set_index("unique_id")
    r, _ = run_r_ets(train, 12, processes=2)
    for uid, _ in series:
        got = r[r["unique_id"] == uid].sort_values("step")
        assert summary.loc[uid, "method"] == got["method"].iloc[0], uid
        assert summary.loc[uid, "aicc"] == pytest.approx(got["aicc"].iloc[0], rel=1e-9, abs=1e-9), uid
        np.testing.assert_allclose(ours.loc[ours["unique_id"] == uid, "AutoETS"], got["mean"], rtol=1e-7, err_msg=uid)
