"""Our C++ models against statsforecast on the same series: real series shipped
inside PyPI packages (statsmodels datasets, AirPassengers) and synthetic
count series with known seasonal structure (tests/forecast/_series.py).
AutoETS is compared with R's forecast::ets, which it follows, in test_ets_vs_r.py."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import _core
from earlyhelp.forecast import AutoETS, Forecaster, Theta

from _series import long_frame, real_series, synthetic_series

H = 12
SERIES = real_series() + synthetic_series()
IDS = [name for name, _, _ in SERIES]


def _ours(kind: str, y: np.ndarray, m: int, levels=(80, 95), ets_model: str = "ZZZ", damped=None):
    core = _core.forecast
    spec = core.ModelSpec(core.model_kind(kind), season_length=m, ets=core.EtsSpec.from_letters(ets_model, damped))
    return core.forecast_series(spec, y=y, indptr=np.array([0, len(y)]), h=H, levels=list(levels), n_threads=1)


@pytest.fixture(scope="module")
def ets_pairs():
    """(name, ours, statsforecast model) for every series, fitted once."""
    from statsforecast.models import AutoETS as SfETS

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, y, m in SERIES:
            out.append((name, y, _ours("AutoETS", y, m), SfETS(season_length=m).fit(y)))
    return out


# AutoETS follows R's forecast::ets step by step (tests/forecast/test_ets_vs_r.py compares the
# optimum, forecasts and intervals with R's). statsforecast ports the same model family and
# likelihood but searches differently (its own Nelder-Mead, start and stopping rule, no
# admissibility test), so per series either search can end at the better optimum; R's stops
# after 2,000 evaluations, often short of the optimum. What holds against statsforecast: the
# likelihoods are comparable, ours is no worse on average, and never far off.

def test_auto_ets_aicc_no_worse_on_average(ets_pairs):
    gaps = np.array([(ours["aicc"][0] - sf.model_["aicc"]) / abs(sf.model_["aicc"])
                     for _, _, ours, sf in ets_pairs])
    assert gaps.mean() <= 0.0, gaps
    assert gaps.max() < 0.02, gaps  # within 2% of statsforecast's AICc on every series
    same = sum(ours["method"][0] == sf.model_["method"] for _, _, ours, sf in ets_pairs)
    assert same >= 0.4 * len(ets_pairs)  # the same family and candidate set, not a different model everywhere


def test_auto_ets_likelihood_scale_matches(ets_pairs):
    # loglik and AICc are on statsforecast's scale, so they can be compared
    for name, _, ours, sf in ets_pairs:
        if ours["method"][0] == sf.model_["method"]:
            # same number of parameters, so AICc differences are likelihood differences
            d_aicc = ours["aicc"][0] - sf.model_["aicc"]
            d_loglik = ours["loglik"][0] - sf.model_["loglik"]
            assert d_aicc == pytest.approx(-2 * d_loglik, abs=1e-6), name


@pytest.mark.parametrize("spec", ["AAN", "ANA", "MAM", "MNM", "AAA"])
def test_auto_ets_fixed_structures_close(spec):
    """A fixed model structure: the same model, an optimum within 2% of statsforecast's AICc."""
    from statsforecast.models import AutoETS as SfETS

    for name, y, m in synthetic_series(6, seed=11):
        ours = _ours("AutoETS", y, m, ets_model=spec, damped=False)
        sf = SfETS(season_length=m, model=spec, damped=False).fit(y)
        assert ours["method"][0] == sf.model_["method"], name
        assert ours["aicc"][0] <= sf.model_["aicc"] + 0.02 * abs(sf.model_["aicc"]), (name, spec)


@pytest.mark.parametrize("name,y,m", SERIES[:11:2], ids=IDS[:11:2])
def test_theta_matches(name, y, m):
    from statsforecast.models import OptimizedTheta as SfOpt, Theta as SfTheta

    for kind, sf_model in (("Theta", SfTheta(season_length=m)), ("OptimizedTheta", SfOpt(season_length=m))):
        ours = _ours(kind, y, m, levels=(80,))
        theirs = sf_model.forecast(y=y, h=H, level=[80])
        np.testing.assert_allclose(ours["mean"][0], theirs["mean"], rtol=1e-5, err_msg=f"{name} {kind}")
        # both simulate the intervals: compare widths loosely
        width = theirs["hi-80"] - theirs["lo-80"]
        ours_width = ours["hi"][0, 0] - ours["lo"][0, 0]
        assert np.median(ours_width / width) == pytest.approx(1.0, abs=0.15), (name, kind)


@pytest.mark.parametrize("name,y,m", SERIES, ids=IDS)
def test_naive_seasonal_naive_croston_match(name, y, m):
    from statsforecast.models import CrostonOptimized as SfCroston, Naive as SfNaive, SeasonalNaive as SfSN

    for kind, sf_model, levels in (("Naive", SfNaive(), [80, 95]),
                                   ("SeasonalNaive", SfSN(season_length=m), [80, 95]),
                                   ("CrostonOptimized", SfCroston(), None)):
        ours = _ours(kind, y, m, levels=levels or ())
        theirs = sf_model.forecast(y=y, h=H, level=levels)
        np.testing.assert_allclose(ours["mean"][0], theirs["mean"], rtol=1e-6, err_msg=f"{name} {kind}")
        for k, lv in enumerate(levels or []):
            np.testing.assert_allclose(ours["lo"][0, k], theirs[f"lo-{lv}"], rtol=1e-6)
            np.testing.assert_allclose(ours["hi"][0, k], theirs[f"hi-{lv}"], rtol=1e-6)


def test_forecaster_panel_matches_statsforecast_panel():
    """The whole engine on a panel of different lengths: same layout and values."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS as SfETS, Theta as SfTheta

    series = synthetic_series(6, seed=3)
    df = long_frame(series)
    ours = Forecaster([AutoETS(12), Theta(12)], freq="MS", origin="series").fit(df).predict(H)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = StatsForecast([SfETS(season_length=12), SfTheta(season_length=12)], freq="MS") \
            .forecast(df=df, h=H)
    theirs = theirs.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert list(ours.columns) == list(theirs.columns)
    assert (ours["ds"].values == theirs["ds"].values).all()
    np.testing.assert_allclose(ours["Theta"], theirs["Theta"], rtol=1e-5)
    # AutoETS: the same where the optimum is the same; ours follows R's search, which
    # can end elsewhere than statsforecast's, so compare per series loosely
    rel = ((ours["AutoETS"] - theirs["AutoETS"]).abs() / theirs["AutoETS"].abs()).groupby(ours["unique_id"]).max()
    assert (rel < 0.02).mean() >= 0.5 and rel.max() < 0.15, rel


def test_count_regression_matches_statsmodels_negative_binomial():
    """NB regression with trend, month effects and log child population as an
    exogenous column: the posterior mode under CountRegression's prior (normal, sd 1, on
    the month effects; a 1e-4 * n ridge on the trend and the standardised exogenous column)
    found by a general optimiser on the negative binomial likelihood, and close to
    statsmodels' NegativeBinomial MLE (the prior pulls month effects estimated from 7 years
    of counts by less than 1%)."""
    import statsmodels.api as sm
    from scipy import optimize, special

    rng = np.random.default_rng(5)
    n, h = 84, 6
    ds = pd.date_range("2018-01-01", periods=n + h, freq="MS")
    pop = 20000 * np.exp(0.004 * np.arange(n + h)) * rng.uniform(0.98, 1.02, n + h)
    month = ds.month.to_numpy() - 1
    mu = 0.002 * pop * (1 + 0.3 * np.cos(2 * np.pi * month / 12))
    y = rng.negative_binomial(8, 8 / (8 + mu)).astype(float)
    df = pd.DataFrame({"unique_id": "north", "ds": ds, "y": y, "log_pop": np.log(pop)})
    from earlyhelp.forecast import CountRegression

    fc = Forecaster([CountRegression(12, exog=["log_pop"])], freq="MS")
    out = fc.fit(df.iloc[:n]).predict(h, level=[80], X_df=df.iloc[n:][["unique_id", "ds", "log_pop"]])

    t = np.arange(n + h) / n
    X = np.column_stack([np.ones(n + h), t, np.eye(12)[month][:, 1:], np.log(pop)])
    res = sm.NegativeBinomial(y[:n], X[:n]).fit(disp=False, maxiter=500)
    mle = np.exp(X[n:] @ res.params[:-1])
    np.testing.assert_allclose(out["CountRegression"], mle, rtol=2e-2)

    z = (np.log(pop) - np.log(pop[:n]).mean()) / np.log(pop[:n]).std()
    Xp = np.column_stack([np.ones(n + h), t, np.eye(12)[month], z])
    precision = np.r_[0.0, 1e-4 * n, np.ones(12), 1e-4 * n]

    def minus_log_posterior(par):
        b, size = par[:-1], np.exp(par[-1])
        m = np.exp(Xp[:n] @ b)
        ll = (special.gammaln(y[:n] + size) - special.gammaln(size) + size * np.log(size / (size + m))
              + y[:n] * np.log(m / (size + m)))
        return -ll.sum() + 0.5 * (precision * b ** 2).sum()

    start = np.r_[np.log(y[:n].mean()), np.zeros(Xp.shape[1] - 1), np.log(10.0)]
    mode = optimize.minimize(minus_log_posterior, start, method="BFGS", options={"gtol": 1e-8}).x
    np.testing.assert_allclose(out["CountRegression"], np.exp(Xp[n:] @ mode[:-1]), rtol=2e-4)
    assert (out["CountRegression-lo-80"] <= out["CountRegression"]).all()
    assert (out["CountRegression-hi-80"] >= out["CountRegression"]).all()
