"""Scenario comparison, goal-seek and backtests for a fitted :class:`StockFlow`."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Optional, Sequence

import numpy as np
import pandas as pd

from .._errors import ValidationError
from .scenario import Scenario


def compare(model, scenarios: Sequence[Scenario], until: Any) -> pd.DataFrame:
    """Deterministic projections of the baseline and each scenario side by side.

    Returns one row per (scenario, date) at month ends: ``stock`` (all states) and per-state
    columns, ``cost`` in the month (when unit costs were given) and ``cost_avoided``: the
    baseline's cost minus the scenario's, cumulated from the start (the invest-to-save case).

    Parameters
    ----------
    model : StockFlow
        a fitted model.
    scenarios : sequence of Scenario
        the scenarios.
    until : date-like
        the last day projected.

    Returns
    -------
    DataFrame
    """
    frames = []
    for s in [None, *scenarios]:
        p = model.project(until=until, scenario=s)
        p["month"] = p["date"].dt.to_period("M")
        wide = p.pivot_table(index="month", columns="state", values="stock", aggfunc="sum", sort=False)
        month_end = p.groupby("month")["date"].max()
        last = p[p["date"].isin(month_end)].groupby(["month", "state"])["stock"].sum().unstack()
        out = pd.DataFrame({"date": month_end, "stock": last.sum(axis=1)})
        for state in model.categories.states:
            out[state] = last[state] if state in last else 0.0
        if "cost_per_day" in p:
            out["cost"] = p.groupby("month")["cost_per_day"].sum()
        out["scenario"] = "baseline" if s is None else s.name
        frames.append(out.reset_index(drop=True))
        del wide
    res = pd.concat(frames, ignore_index=True)
    if "cost" in res:
        base = res[res["scenario"] == "baseline"].set_index("date")["cost"]
        res["cost_avoided"] = (res["date"].map(base) - res["cost"])
        res["cost_avoided"] = res.groupby("scenario")["cost_avoided"].cumsum()
    cols = ["scenario", "date", "stock", *model.categories.states] + [c for c in ("cost", "cost_avoided") if c in res]
    return res[cols]


def _outcome(model, scenario: Scenario, until, target_state: Optional[str], measure: str) -> float:
    p = model.project(until=until, scenario=scenario)
    if measure == "cost":
        if "cost_per_day" not in p:
            raise ValidationError("a budget target needs unit_costs", table="goal_seek", column="budget")
        return float(p["cost_per_day"].sum())
    last = p[p["date"] == p["date"].max()]
    if target_state is not None:
        last = last[last["state"] == target_state]
    return float(last["stock"].sum())


def _bisect(f, target: float, lo: float, hi: float, tol: float = 1e-4, steps: int = 60) -> float:
    f_lo, f_hi = f(lo) - target, f(hi) - target
    if f_lo * f_hi > 0:
        return np.nan
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        f_mid = f(mid) - target
        if f_lo * f_mid <= 0:
            hi, f_hi = mid, f_mid
        else:
            lo, f_lo = mid, f_mid
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)


def goal_seek(model, rate, until: Any, *, target_stock: Optional[float] = None, state: Optional[str] = None,
              budget: Optional[float] = None, start: Any = None, bounds=(0.0, 3.0), draws: int = 200,
              seed: int = 0, level: float = 0.9) -> Dict[str, Any]:
    """The multiplier on ``rate`` (a scenario target: ``("early_help", "cin")`` or ``"entry:cp"``)
    from ``start`` that brings the stock of ``state`` (all states when None) at ``until`` to
    ``target_stock``, or the total cost to ``until`` to ``budget``.

    Uncertainty: the same search on ``draws`` sets of rates drawn from their posteriors
    (transitions and entrants ~ Gamma(count + 0.5) over child-days / days at risk); the result
    gives the point multiplier and the ``level`` interval of the drawn ones. ``nan`` where the
    target cannot be reached within ``bounds``.

    Parameters
    ----------
    model : StockFlow
        a fitted model.
    rate : tuple of (str, str) or str
        the rate changed.
    until : date-like
        the date of the target.
    target_stock : float, optional
        the stock wanted at ``until``.
    state : str, optional
        the state whose stock is the target (default all).
    budget : float, optional
        the total cost wanted to ``until``.
    start : date-like, optional
        when the change starts.
    bounds : tuple of float, default (0.0, 3.0)
        the multipliers searched.
    draws : int, default 200
        posterior draws.
    seed : int, default 0
        the random seed.
    level : float, default 0.9
        the interval level.

    Returns
    -------
    dict
        the point multiplier and its interval.
    """
    if (target_stock is None) == (budget is None):
        raise ValidationError("give exactly one of target_stock and budget", table="goal_seek", column="target")
    measure, target = ("cost", budget) if budget is not None else ("stock", target_stock)

    def solve(m) -> float:
        return _bisect(lambda x: _outcome(m, Scenario("goal").multiply(rate, x, start=start), until, state, measure),
                       float(target), *bounds)

    point = solve(model)
    rng = np.random.default_rng(seed)
    f = model._need_fit()
    window = max((f.end - f.start).days, 1)
    found = []
    for _ in range(draws):
        drawn = replace(f)
        k = f.counts
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(k > 0, rng.gamma(k + 0.5) / (k + 0.5), 1.0)
        drawn.rates = f.rates * scale
        k_e = np.rint(f.entrants * window)
        drawn.entrants = rng.gamma(k_e + 0.5) / window * (k_e > 0)
        clone = _with_fit(model, drawn)
        found.append(solve(clone))
    found = np.array(found)
    ok = np.isfinite(found)
    alpha = (1 - level) / 2
    return {"rate": rate, "multiplier": point,
            "lower": float(np.quantile(found[ok], alpha)) if ok.any() else np.nan,
            "upper": float(np.quantile(found[ok], 1 - alpha)) if ok.any() else np.nan,
            "draws": int(draws), "unreachable_draws": int((~ok).sum()), "level": level}


def _with_fit(model, fit):
    import copy

    clone = copy.copy(model)
    clone._fit = fit
    return clone


def backtest(ds, categories="continuum", *, cutoffs: Sequence[Any], months: int = 12, window_months: int = 12,
             runs: int = 200, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Fit on the ``window_months`` before each cutoff, project ``months`` ahead, and compare with
    the stocks the data show. One row per (cutoff, state, date) at month ends: actual,
    deterministic forecast, Monte Carlo q05/q50/q95 and whether the 90 % band covered the actual.

    Parameters
    ----------
    ds : Dataset
        the council's data.
    categories : str or Categories, default "continuum"
        as :class:`StockFlow`.
    cutoffs : sequence of date-like
        the forecast origins.
    months : int, default 12
        months projected.
    window_months : int, default 12
        months fitted before each cutoff.
    runs : int, default 200
        Monte Carlo runs.
    seed : int, default 0
        the random seed.
    **kwargs : object
        more arguments of :class:`StockFlow`.

    Returns
    -------
    DataFrame
    """
    from .model import StockFlow

    rows = []
    for cutoff in cutoffs:
        cut = pd.Timestamp(cutoff)
        m = StockFlow(categories, **kwargs).fit(ds, start=cut - pd.DateOffset(months=window_months), end=cut)
        full = StockFlow(categories, **kwargs).fit(ds)
        det = m.project(until=cut + pd.DateOffset(months=months), freq="M")
        det = det[det["date"] > cut].groupby(["date", "state"], as_index=False)["stock"].sum()
        sim = m.simulate(months=months, runs=runs, seed=seed, quantiles=(0.05, 0.5, 0.95))
        sim = sim[(sim["age"] == "all") & (sim["state"] != "all")]
        actual = full._actual_stocks(det["date"].unique())
        merged = det.merge(sim[["date", "state", "q05", "q50", "q95"]], on=["date", "state"], how="left")
        merged = merged.merge(actual, on=["date", "state"], how="left").assign(cutoff=cut)
        rows.append(merged)
    out = pd.concat(rows, ignore_index=True).rename(columns={"stock": "forecast"})
    out["covered"] = (out["actual"] >= out["q05"]) & (out["actual"] <= out["q95"])
    out["abs_pct_error"] = (out["forecast"] - out["actual"]).abs() / out["actual"].where(out["actual"] > 0)
    return out[["cutoff", "date", "state", "actual", "forecast", "q05", "q50", "q95", "covered", "abs_pct_error"]]


