"""model_summary on a constant series: no AICc (R's ets gives none: ses with alpha 0.99999), said in
the method; the differences from R are in the docstrings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.forecast import AutoETS, Forecaster

MONTHS = pd.date_range("2021-01-01", periods=36, freq="MS")


@pytest.mark.parametrize("model", ["ZZZ", "MAM"])
def test_a_constant_series_has_no_aicc_and_says_why(model):
    df = pd.concat([pd.DataFrame({"unique_id": "zeros", "ds": MONTHS, "y": 0.0}),
                    pd.DataFrame({"unique_id": "fives", "ds": MONTHS, "y": 5.0}),
                    pd.DataFrame({"unique_id": "varied", "ds": MONTHS,
                                  "y": np.random.default_rng(3).poisson(20, 36).astype(float)})])
    fc = Forecaster([AutoETS(model=model)], freq="MS", season_length=12, interval="model")
    out = fc.forecast(df=df, h=2, level=[80]).set_index("unique_id")
    summary = fc.model_summary().set_index("unique_id")
    for uid, level in (("zeros", 0.0), ("fives", 5.0)):
        assert summary.loc[uid, "method"] == "ETS(A,N,N) [constant series: alpha fixed at 0.9999, no AICc]"
        assert np.isnan(summary.loc[uid, "aicc"]) and summary.loc[uid, "alpha"] == pytest.approx(0.9999)
        np.testing.assert_allclose(out.loc[uid, "AutoETS"], level)
    assert set(fc.fallbacks_["unique_id"]) >= {"zeros", "fives"}
    assert np.isfinite(summary.loc["varied", "aicc"]) and "constant" not in summary.loc["varied", "method"]


def test_the_docstrings_list_the_differences_from_r():
    doc = Forecaster.model_summary.__doc__
    assert "constant series" in doc and "n <= npars + 4" in doc
    notes = AutoETS.__doc__
    assert "HoltWintersZZ" in notes and "from 5 points" in notes and "no AICc" in notes
