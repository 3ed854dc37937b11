"""Forecasting models: small objects naming a C++ model and its settings.

The built-in models are estimated in C++ (``earlyhelp._core.forecast``), many
series at a time over threads; pass them to :class:`earlyhelp.forecast.Forecaster`.
Their names, parameters and output columns follow statsforecast, so code can
switch between the two libraries. A bad argument raises :class:`earlyhelp.ValidationError`
naming the model and the argument (``AutoETS.season_length: ...``).

Python models
-------------
Any object following this small protocol can be passed to ``Forecaster``
alongside the built-in models; it is fitted once per series (on a deep copy),
backtested and reconciled the same way:

``alias`` : str
    Column name of its forecasts (must be unique among the models).
``fit(y, X=None) -> self``
    ``y`` is one series as a float64 numpy array (gaps already filled, see
    ``Forecaster``); ``X`` is an (n, k) array of the exogenous columns the
    model names in an optional ``exog`` attribute (list of column names),
    otherwise ``None``.
``predict(h, X=None, level=None) -> dict``
    ``"mean"``: array of ``h`` forecasts; for every level ``lv`` in ``level``
    (percentages, e.g. ``[80, 95]``), ``"lo-{lv}"`` and ``"hi-{lv}"`` arrays.
    ``X`` is the (h, k) future exogenous array when ``exog`` is set.
``fitted_`` : optional array of ``n`` in-sample one-step fitted values, read
    after ``fit``; NaN is used when absent.

Example::

    class Drift:
        alias = "Drift"
        def fit(self, y, X=None):
            self.y_ = y
            return self
        def predict(self, h, X=None, level=None):
            slope = (self.y_[-1] - self.y_[0]) / max(len(self.y_) - 1, 1)
            return {"mean": self.y_[-1] + slope * np.arange(1, h + 1)}
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .._errors import ValidationError
from .._native import forecast as core
from .._numbers import is_finite_real, is_whole

__all__ = ["AutoETS", "Theta", "SeasonalNaive", "Naive", "CrostonOptimized", "TSB",
           "CountRegression", "CoreModel", "theta_bounds"]


class CoreModel:
    """Base of the models estimated in C++: holds the alias and the settings
    passed to ``earlyhelp._core.forecast.forecast_series`` as a ``ModelSpec``."""

    kind: str = ""
    exog: Optional[List[str]] = None

    def __init__(self, alias: Optional[str] = None) -> None:
        if alias is not None and (not isinstance(alias, str) or not alias.strip()):
            raise _bad(self, "alias", f"alias must be a non-empty string (a column name), got {alias!r}")
        self.alias = alias if alias is not None else type(self).__name__

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": self.kind}

    def _core_spec(self) -> Any:
        """The settings as the core's ``ModelSpec`` (ETS letters and ``damped`` as an ``EtsSpec``)."""
        params = dict(self._core_params())
        kind = core.model_kind(params.pop("kind"))
        letters, damped = params.pop("ets_model", "ZZZ"), params.pop("damped", -1)
        ets = core.EtsSpec.from_letters(letters, None if damped < 0 else bool(damped))
        return core.ModelSpec(kind, ets=ets, **params)

    def _with_season(self, season_length: int) -> Dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._core_params().items() if k != "kind")
        return f"{type(self).__name__}({params}{', ' if params else ''}alias={self.alias!r})"


# Simulated paths per series: beyond this the intervals gain nothing and memory runs out.
MAX_N_SIM = 100_000
#: longest season accepted (periods): a year of days is 366, of hours 8,784; a longer season is a slip
#: (the core counts periods in 32-bit integers, and one season's states are held per series)
MAX_SEASON_LENGTH = 10_000


def _bad(model: Any, argument: str, message: str) -> ValidationError:
    """The error for a bad constructor argument, naming the model (its class) and the argument,
    as the rest of the package names a table and column."""
    return ValidationError(message, table=type(model).__name__, column=argument)


def _check_seed(model: Any, seed: int) -> int:
    """A whole number in [0, 2**64): the core's seed (a float, a bool or None is refused, not cut)."""
    if not is_whole(seed) or not 0 <= seed < 2 ** 64:
        raise _bad(model, "seed", f"seed must be a whole number from 0 to 2**64 - 1, got {seed!r}")
    return int(seed)


def _check_n_sim(model: Any, n_sim: int) -> int:
    if not is_whole(n_sim) or not 100 <= n_sim <= MAX_N_SIM:
        raise _bad(model, "n_sim", f"n_sim must be a whole number from 100 to {MAX_N_SIM:,}, got {n_sim!r}")
    return int(n_sim)


def _check_flag(model: Any, name: str, value: Any, none: bool = False) -> Optional[bool]:
    """True or False (numpy's too); ``None`` when ``none``. A string such as "no" is refused:
    ``bool("no")`` is True."""
    if value is None and none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        choices = "True, False or None" if none else "True or False"
        raise _bad(model, name, f"{name} must be {choices}, got {value!r}")
    return bool(value)


def _check_exog(model: Any, exog: Any) -> Optional[List[str]]:
    """Column names: a list of distinct non-empty strings (one string is one column)."""
    if exog is None:
        return None
    names = [exog] if isinstance(exog, str) else exog
    if not isinstance(names, (list, tuple)) or not names \
            or not all(isinstance(n, str) and n.strip() for n in names):
        raise _bad(model, "exog", f"exog must be a list of column names (non-empty strings), got {exog!r}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise _bad(model, "exog", f"exog names {', '.join(map(repr, repeated))} more than once")
    return list(names)


def _check_season(model: Any, season_length: Optional[int]) -> Optional[int]:
    """A whole number from 1 to ``MAX_SEASON_LENGTH``, or None: the :class:`Forecaster`'s season_length is used."""
    if season_length is None:
        return None
    if not is_whole(season_length) or not 1 <= season_length <= MAX_SEASON_LENGTH:
        raise _bad(model, "season_length", f"season_length must be a whole number from 1 to "
                                           f"{MAX_SEASON_LENGTH:,} (MAX_SEASON_LENGTH), got {season_length!r}")
    return int(season_length)


class AutoETS(CoreModel):
    """Exponential smoothing state space model (Hyndman et al. 2008) chosen by AICc, as R's ``forecast::ets``.

    The fit is R's ``ets`` with its defaults, with the differences listed in the Notes. Candidates: error A/M, trend
    N/A/Ad, season N/A/M, without the unstable combinations (additive error with a
    multiplicative season); multiplicative errors only on strictly positive series;
    only non-seasonal models when the series is not longer than one season. Initial states as
    R's ``initstate``: seasonal states from a classical decomposition (a line plus one harmonic
    for series shorter than three seasons), level and growth from a least squares line through
    the first ``max(10, 2 * season_length)`` seasonally adjusted points. Smoothing parameters
    and initial states are estimated jointly by maximum likelihood with R's Nelder-Mead
    (``optim``: at most 2,000 evaluations, relative tolerance 1.5e-8) inside R's
    ``bounds="both"``: alpha, beta, gamma in [1e-4, 0.9999] with beta <= alpha and
    gamma <= 1 - alpha, phi in [0.8, 0.98], and the admissible (forecastable) region. The
    model with the lowest AICc is chosen. From the same data the search takes R's path: on the
    40 series of ``benchmarks/bench_ets_r.py`` and 40 low-count seasonal series
    (``tests/forecast/test_ets_no_trend_at_the_bounds.py``) the model chosen and its AICc are
    R's (forecast 8.20) to 1e-9.

    Parameters
    ----------
    season_length : int, optional
        Periods per season (12 for monthly data); default: the Forecaster's.
    model : str
        Three letters, error/trend/season, each A, M, N or Z (choose), e.g. "ZZZ", "AAN".
    damped : bool or None
        Force a damped (True) or undamped (False) trend; None chooses.
    alias : str, optional
        Column name for the forecasts (default "AutoETS").
    seed : int
        Seed of simulated intervals (used only where the analytic ones fail numerically).
    n_sim : int, default 2000
        Number of simulated paths for those intervals, 100 to 100,000.

    Notes
    -----
    The method string, AICc and smoothing parameters of each fitted model are in
    ``Forecaster.model_summary()``, as R prints them (e.g. ``ETS(M,Ad,M)``).

    Where it can differ from R's ``ets``:

    * where R's search stops because its simplex collapsed, a fresh simplex continues from the
      best point, and is kept only if it reaches a higher likelihood (so the likelihood can be
      higher than R's, not lower);
    * the admissible region is tested without finding roots (the Schur-Cohn test of the
      characteristic polynomial, whose root 1 in models without trend or damping is divided
      out first), where R finds the roots numerically: for parameters with a root within
      rounding of the boundary (modulus 1 + 1e-10) the two tests can decide differently, and
      the searches then part;
    * the forecast mean of a damped trend with a multiplicative season (below);
    * a constant series: R's ``ets`` returns ``ses(y, alpha = 0.99999, initial = "simple")``, a fit
      with no likelihood and so no AICc, when no ``model`` is given (and fits the model asked for
      otherwise). Here, whatever ``model`` says, it is ETS(A,N,N) with alpha fixed at 0.9999 and no
      AICc (NaN), its method ``"ETS(A,N,N) [constant series: alpha fixed at 0.9999, no AICc]"``,
      listed in ``Forecaster.fallbacks_``: a likelihood from a residual variance of 0 would rank
      nothing;
    * very short series: where ``n <= npars + 4`` (``npars`` is 2, plus 2 for a trend asked as A or
      M and ``season_length`` for a season asked as A or M: 6 points for ``"ZZZ"``), R does not
      search by likelihood but fits Holt or simple exponential smoothing by least squares
      (``HoltWintersZZ``, no AICc). Here each candidate is fitted by maximum likelihood once the
      series has at least 3 more points than the candidate has parameters (smoothing parameters
      and free initial states): ETS(A,N,N) and ETS(M,N,N) from 5 points, a trend from 7 (damped
      8), a season of ``m`` from ``m + 5`` points (and more than one season). So 5 and 6 points
      give an ETS model with an AICc where R gives a least-squares fit without one, and 1 to 4
      points give Naive (method ``"Naive (series too short for any ETS model)"``) where R gives
      a least-squares fit.

    Forecasts and prediction
    intervals are R's analytic ones (Hyndman et al. 2008, classes 1 to 3): with a
    multiplicative season the forecast is the mean of the model, which after one season departs
    slightly from the point forecast. Unlike R, a damped trend enters that mean with phi.
    Intervals are simulated (``seed``, ``n_sim``) only if those formulas fail numerically.

    Series shorter than one season plus one period use non-seasonal models;
    series too short for any ETS model (fewer than 5 points) fall back to
    Naive. Both are reported in ``Forecaster.fallbacks_``. Unlike R, seasons longer than 24
    periods are modelled rather than dropped.
    """

    kind = "AutoETS"

    def __init__(self, season_length: Optional[int] = None, model: str = "ZZZ", damped: Optional[bool] = None,
                 alias: Optional[str] = None, seed: int = 0, n_sim: int = 2000) -> None:
        super().__init__(alias)
        self.season_length = _check_season(self, season_length)
        model = str(model).upper()
        if (len(model) != 3 or model[0] not in "AMZ" or model[1] not in "ANZ"
                or model[2] not in "AMNZ"):
            raise _bad(self, "model", f"model must be 3 letters: error in A/M/Z, trend in A/N/Z, season in "
                                      f"A/M/N/Z; got {model!r}")
        self.model = model
        self.damped = _check_flag(self, "damped", damped, none=True)
        self.seed = _check_seed(self, seed)
        self.n_sim = _check_n_sim(self, n_sim)

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": self.kind, "season_length": self.season_length, "ets_model": self.model,
                "damped": -1 if self.damped is None else int(bool(self.damped)),
                "seed": self.seed, "n_sim": self.n_sim}


class Theta(CoreModel):
    """Theta method (Assimakopoulos and Nikolopoulos 2000) in its state space form.

    ``optimized=False`` is statsforecast's ``Theta`` (standard theta method,
    theta = 2, alpha and initial level estimated); ``optimized=True`` is
    ``OptimizedTheta`` (theta estimated too). Seasonality is tested at lag
    ``season_length`` (90% ACF test) and removed by classical multiplicative
    decomposition (additive when the series has zeros), as statsforecast.

    Intervals are centred on the point forecast. Their spread is that of paths simulated
    (seeded) with the normal errors of statsforecast's simulation, whose sigma comes from the
    one-step residuals after the first three; the bounds are then widened for the uncertainty
    of that sigma: it is re-estimated on ``n - 3 - k`` degrees of freedom (``k`` = 2 fitted
    parameters, initial level and alpha; 3 with theta) and the normal quantile of each level
    is replaced by Student's t on those degrees of freedom. So a series needs at least
    ``4 + k`` observations (6; 7 when optimized) for intervals: shorter ones get NaN bounds,
    listed in ``Forecaster.fallbacks_``. On series of 8 to 14 points of a level plus normal
    noise the 80% and 95% intervals cover at least as claimed, by up to 6 points more (t on
    few degrees of freedom is conservative), where the simulated ones alone covered 68-74%
    and 84-90% (tests/forecast/test_edge_series_review.py). statsforecast's simulation moves
    the trend as it goes, so its centre drifts from the point forecast, which could fall
    outside its own interval; and on 5 points its sigma comes from two residuals that the two
    fitted parameters were chosen to shrink.

    Parameters
    ----------
    season_length : int, default 12
        periods per season (12 for monthly data).
    optimized : bool, default False
        estimate theta too (statsforecast's ``OptimizedTheta``).
    alias : str, optional
        column name for the forecasts (default the class name).
    seed : int, default 0
        seed of the simulated intervals.
    """

    kind = "Theta"

    def __init__(self, season_length: Optional[int] = None, optimized: bool = False,
                 alias: Optional[str] = None, seed: int = 0) -> None:
        super().__init__(alias)
        self.season_length = _check_season(self, season_length)
        self.optimized = _check_flag(self, "optimized", optimized)
        self.seed = _check_seed(self, seed)

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": "OptimizedTheta" if self.optimized else "Theta",
                "season_length": self.season_length, "seed": self.seed}


def theta_fitted(methods: Sequence[Any]) -> np.ndarray:
    """Per series, whether Theta was fitted (not the Naive fallback of a series too short for it)."""
    return np.array([str(m).startswith(("Theta", "OptimizedTheta")) for m in methods], dtype=bool)


def theta_bounds(res: Dict[str, Any], n_obs: np.ndarray, optimized: bool, levels: Sequence[float]) -> None:
    """Theta's simulated intervals, centred on the point forecast and widened for few residuals
    (in place; see :class:`Theta`).

    The simulated paths are normal and affine in the errors, so each interval's half-width is
    ``z * sd``: the new bounds are ``mean -/+ half-width * sqrt((n - 4) / df) * t(df) / z``, with
    ``df = n - 3 - k`` (the core's sigma divides by ``n - 4``). NaN where ``df < 1``.

    Parameters
    ----------
    res : dict
        the core's result for the Theta model: ``mean`` (S, h), ``lo``/``hi`` (S, L, h), ``method``.
    n_obs : array of int
        observations per series.
    optimized : bool
        whether theta was estimated too (one more parameter).
    levels : sequence of float
        the levels of ``lo``/``hi``, in percent.
    """
    from scipy import stats

    n = np.asarray(n_obs, dtype=float)
    df = n - 3.0 - (3.0 if optimized else 2.0)
    # series too short for Theta were forecast by Naive, whose intervals are its own
    theta = theta_fitted(res["method"])
    p = 0.5 + np.asarray(levels, dtype=float) / 200.0                         # (L,)
    usable = theta & (df >= 1)
    safe_df = np.where(usable, df, 1.0)
    widen = np.sqrt(np.where(usable, n - 4.0, 1.0) / safe_df)[:, None] \
        * stats.t.ppf(p[None, :], safe_df[:, None]) / stats.norm.ppf(p)[None, :]  # (S, L)
    mean = res["mean"][:, None, :]
    half = (res["hi"] - res["lo"]) / 2.0 * widen[:, :, None]
    lo = np.where(usable[:, None, None], mean - half, res["lo"])
    hi = np.where(usable[:, None, None], mean + half, res["hi"])
    short = theta & ~usable  # no degrees of freedom left for the spread: no interval, reported
    lo[short], hi[short] = np.nan, np.nan
    res["lo"], res["hi"] = lo, hi


#: the intermittent-demand models, whose own bounds are empirical quantiles of their in-sample errors
INTERMITTENT_KINDS = ("CrostonOptimized", "TSB")


def intermittent_bounds(res: Dict[str, Any]) -> None:
    """Croston's and TSB's own bounds widened to hold their point forecast (in place; see
    :class:`CrostonOptimized`).

    The core adds the empirical quantiles of the in-sample one-step errors to the flat point
    forecast. On an intermittent series most errors are the small negative ones of the periods
    without demand, so both quantiles of a central interval can be below 0: the interval lay
    below its own point forecast (a forecast of 1.12 with a 95% interval of [0, 0] on a series
    with two demands in 48 months). A bound on the wrong side of the point forecast is moved to
    it; NaN bounds (no interval) stay NaN.

    Parameters
    ----------
    res : dict
        the core's result: ``mean`` (S, h), ``lo``/``hi`` (S, L, h).
    """
    mean = res["mean"][:, None, :]
    lo, hi = res["lo"], res["hi"]
    res["lo"] = np.where(np.isfinite(lo) & np.isfinite(mean), np.minimum(lo, mean), lo)
    res["hi"] = np.where(np.isfinite(hi) & np.isfinite(mean), np.maximum(hi, mean), hi)


def intermittent_variance(y: np.ndarray, fitted: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per series, the mean squared in-sample one-step error of Croston or TSB (NaN with fewer than
    two errors, where the core gives no interval): the variance their count intervals start from.

    Their own bounds are error quantiles clipped at 0, not a normal interval, so the width of the
    widest one over twice its normal quantile is no standard deviation: on a series of rare
    demands both bounds were 0 and the variance read from them 0 (a Poisson count interval),
    however large the demands were.

    Parameters
    ----------
    y, fitted : ndarray
        the series concatenated, and the model's in-sample fitted values (NaN where none).
    indptr : ndarray
        where each series starts in ``y`` (and ends: S + 1 offsets).
    """
    err = np.asarray(y, dtype=float) - np.asarray(fitted, dtype=float)
    ok = np.isfinite(err)
    series = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    S = len(indptr) - 1
    n = np.bincount(series[ok], minlength=S)
    sq = np.bincount(series[ok], weights=err[ok] ** 2, minlength=S)
    return np.divide(sq, n, out=np.full(S, np.nan), where=n >= 2)


class SeasonalNaive(CoreModel):
    """The value one season earlier; normal intervals from seasonal differences
    as statsforecast. Series of at most one season fall back to Naive.

    Parameters
    ----------
    season_length : int, default 12
        periods per season (12 for monthly data).
    alias : str, optional
        column name for the forecasts (default the class name).
    """

    kind = "SeasonalNaive"

    def __init__(self, season_length: Optional[int] = None, alias: Optional[str] = None) -> None:
        super().__init__(alias)
        self.season_length = _check_season(self, season_length)

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": self.kind, "season_length": self.season_length}


class Naive(CoreModel):
    """The last value; intervals sigma * sqrt(step) from the first differences.

    Parameters
    ----------
    alias : str, optional
        column name for the forecasts (default the class name).
    """

    kind = "Naive"


class CrostonOptimized(CoreModel):
    """Croston's method for intermittent counts, smoothing constants optimised in
    [0.1, 0.3] for sizes and intervals separately (statsforecast's CrostonOptimized).

    Intervals (which statsforecast offers only by conformal prediction) are the
    empirical quantiles of the in-sample one-step errors around the forecast,
    both bounds clipped at zero for non-negative series, and widened where needed
    to hold the point forecast (on a series of rare demands most errors are small
    and negative, and both quantiles fell below it). The count intervals
    (``interval="count"``/``"backtest"``) start from the mean squared one-step error.
    Negative values are an input error (demand sizes and intervals between demands
    need counts).

    Parameters
    ----------
    alias : str, optional
        column name for the forecasts (default the class name).
    """

    kind = "CrostonOptimized"


class TSB(CoreModel):
    """Teunter-Syntetos-Babai model: demand probability (``alpha_p``) and size
    (``alpha_d``) smoothed separately. Intervals, and negative values, as
    :class:`CrostonOptimized`.

    Parameters
    ----------
    alpha_d : float, default 0.1
        smoothing constant of the demand size, in (0, 1].
    alpha_p : float, default 0.1
        smoothing constant of the demand probability, in (0, 1].
    alias : str, optional
        column name for the forecasts (default the class name).
    """

    kind = "TSB"

    def __init__(self, alpha_d: float = 0.1, alpha_p: float = 0.1,
                 alias: Optional[str] = None) -> None:
        super().__init__(alias)
        for name, value in (("alpha_d", alpha_d), ("alpha_p", alpha_p)):
            if not is_finite_real(value) or not 0.0 < value <= 1.0:
                raise _bad(self, name, f"{name} must be a number in (0, 1], got {value!r}")
        self.alpha_d = float(alpha_d)
        self.alpha_p = float(alpha_p)

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": self.kind, "alpha_d": self.alpha_d, "alpha_p": self.alpha_p}


class CountRegression(CoreModel):
    """Negative binomial regression (log link) with a linear trend, season-of-year
    effects and optional exogenous columns (e.g. child population).

    Coefficients by iteratively reweighted least squares, the dispersion by
    maximum likelihood (alternating, as MASS::glm.nb). Each season position has
    its own effect with a normal prior of standard deviation 1 on the log scale
    (a month busier or quieter than the average by a factor e is one standard
    deviation away), so the coefficients are the posterior mode. Where each month
    holds many counts the prior moves the forecasts little (against the maximum
    likelihood fit: median 0.14%, at most 3%, on 100 simulated 8-year series of
    10-80 a month); where a month holds few it pulls that month towards the
    others, and a month with no events in any year gets a small finite effect, not
    one running to minus infinity (whose uncertainty sent the simulated bounds to
    thousands).
    Season effects are dropped for series shorter than two seasons (reported as a
    fallback).

    Intervals by simulation (``n_sim`` paths, seeded): coefficients drawn from the
    normal approximation of their posterior, counts from the negative binomial.
    Its own bounds (``interval="model"``) are counts: for each level the smallest
    simulated count whose share of paths reaches the tail probability, widened to
    the whole numbers either side of the point forecast where they leave it out,
    as the count intervals are (:mod:`earlyhelp.forecast.intervals`).

    Parameters
    ----------
    season_length : int, optional
        Periods per season (default: the Forecaster's); the season position comes from
        the calendar where it gives one (month of year for monthly data with season_length 12),
        else it is counted from the series' own first period (see ``Forecaster``).
    exog : list of str, optional
        Columns of the training frame used as regressors; their future values
        must be given to ``Forecaster.predict(X_df=...)``. Use ``log`` of a
        population column for a rate-like effect.
    alias : str, optional
        column name for the forecasts (default the class name).
    seed : int, default 0
        seed of the simulated intervals.
    n_sim : int, default 2000
        number of simulated paths for the intervals, 100 to 100,000.
    """

    kind = "CountRegression"

    def __init__(self, season_length: Optional[int] = None, exog: Optional[Sequence[str]] = None,
                 alias: Optional[str] = None, n_sim: int = 2000, seed: int = 0) -> None:
        super().__init__(alias)
        self.season_length = _check_season(self, season_length)
        self.exog = _check_exog(self, exog)
        self.n_sim = _check_n_sim(self, n_sim)
        self.seed = _check_seed(self, seed)

    def _core_params(self) -> Dict[str, Any]:
        return {"kind": self.kind, "season_length": self.season_length, "n_sim": self.n_sim,
                "seed": self.seed}
