"""Scenario comparison, goal-seek and backtests for a fitted :class:`StockFlow`."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._numbers import is_finite_real
from . import checks
from .localities import TOTAL, check_by, locality_model, locality_scenarios, locality_seed
from .model import MAX_RUNS, MAX_THREADS, month_ends_after
from .scenario import Scenario, check_changes_something, check_scenario, unseen_rate


#: most posterior draws goal_seek makes (each is a bisection of projections)
MAX_DRAWS = 100_000


def compare(model, scenarios: Sequence[Scenario], until: Any) -> pd.DataFrame:
    """Deterministic projections of the baseline and each scenario side by side.

    Returns one row per (scenario, date) at month ends: ``stock`` (all states) and per-state
    columns, ``cost`` in the month (when unit costs were given; the projected days only, so the
    starting date's row has none) and ``cost_avoided``: the baseline's cost minus the
    scenario's, cumulated from the start (the invest-to-save case).

    A model fitted by locality (``fit(ds, by="locality")``) gives one row per (scenario,
    locality, date), with a ``locality`` column after ``scenario``: each locality's projection
    under the scenario, then the council total as locality ``"all"`` (the sum of the
    localities' rows; stocks, costs and ``cost_avoided`` all add).

    Parameters
    ----------
    model : StockFlow
        a fitted model, whole-council or by locality.
    scenarios : sequence of Scenario
        the scenarios.
    until : date-like
        the last day projected.

    Returns
    -------
    DataFrame
    """
    check_model(model, "compare")
    scenarios = _check_scenarios(scenarios)
    if model._parts is None:
        return _compare_one(model, scenarios, until)
    # each scenario as each locality applies it (an entry amount added is the council's, split)
    shared = [locality_scenarios(model._parts, s) for s in scenarios]
    frames = [_compare_one(part, [split[name] for split in shared], until).assign(locality=name)
              for name, part in model._parts.items()]
    parts = pd.concat(frames, ignore_index=True)
    values = [c for c in parts.columns if c not in ("scenario", "date", "locality")]
    total = parts.groupby(["scenario", "date"], sort=False, as_index=False)[values].sum(min_count=1).assign(locality=TOTAL)
    out = pd.concat([parts, total], ignore_index=True)
    order = {name: k for k, name in enumerate([*model._parts, TOTAL])}
    scen = {name: k for k, name in enumerate(dict.fromkeys(out["scenario"]))}
    out = out.sort_values(["scenario", "locality", "date"], key=lambda c: c.map(scen) if c.name == "scenario"
                          else c.map(order) if c.name == "locality" else c, kind="stable")
    return out[["scenario", "locality", "date", *values]].reset_index(drop=True)


def cost_avoided_bands(model, scenario: Scenario, months: int = 60, runs: int = 1000, seed: int = 0,
                       quantiles: Sequence[float] = (0.05, 0.5, 0.95), client: Any = None,
                       threads: int = 2, progress: Optional[bool] = None) -> pd.DataFrame:
    """The cost a scenario avoids, with its band: the baseline and the scenario simulated with the
    same seed, and the difference taken run by run.

    The band of a difference is not the difference of two bands: run ``r`` of both draws the same
    rates, so what its rates make dear in one run they make dear in its pair, and that part
    cancels (the two cost bands side by side give a far wider range). Children's own paths are
    not matched draw for draw between the two runs, so the noise of both runs' children stays in
    the difference: its band can be as wide as a cost's own, and a small saving shows as a
    ``p_saving`` near 0.5 (the saving lies within that noise), not as a narrow band.

    Parameters
    ----------
    model : StockFlow
        a whole-council model fitted with ``unit_costs``.
    scenario : Scenario
        the scenario against the baseline.
    months, runs, seed, client, threads, progress
        as :meth:`StockFlow.simulate`.
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        the quantiles of the cost avoided reported.

    Returns
    -------
    DataFrame
        per month end: ``date``, ``mean`` and the quantiles (``q05``, ...) of the cost avoided
        from the start to that month (the baseline's cost minus the scenario's, positive when the
        scenario is cheaper), and ``p_saving``: the share of runs in which it is above 0.
    """
    check_model(model, "cost_avoided_bands")
    if scenario is None:   # the baseline against itself: a band of zeros, which answers nothing
        raise ValidationError("give the Scenario whose cost avoided you want, not None (the baseline against "
                              "itself avoids nothing)", table="cost_avoided_bands", column="scenario")
    check_scenario(scenario, "cost_avoided_bands")
    if scenario is not None:
        check_changes_something(scenario)
    q = np.asarray(checks.quantiles(quantiles, "cost_avoided_bands"), dtype=float)
    if model._parts is not None:
        raise ValidationError("a model fitted by locality: fit the council without by= for the cost avoided "
                              "run by run", table="cost_avoided_bands", column="model")
    model._need_costs("cost_avoided_bands")
    base, alt = (model._simulate_bands(months, runs, seed, client, s, threads, None, progress, paired=True)
                 for s in (None, scenario))
    # run_costs: (runs, periods) in cost quanta, the same quantum for both (one model)
    avoided = np.cumsum(base["run_costs"] - alt["run_costs"], axis=1) * base["quantum"]
    out = pd.DataFrame({"date": base["dates"], "mean": avoided.mean(axis=0)})
    for qq, values in zip(q, np.quantile(avoided, q, axis=0)):
        out[checks.quantile_label(qq)] = values
    out["p_saving"] = (avoided > 0).mean(axis=0)
    return out


def _check_scenarios(scenarios: Any) -> list:
    """The scenarios of :func:`compare`: a sequence of Scenario with distinct names, none named
    ``"baseline"`` (the rows are told apart by name alone)."""
    if isinstance(scenarios, (str, bytes, Scenario, Mapping)) or not isinstance(scenarios, Iterable):
        raise ValidationError(f"scenarios must be a list of Scenario, not {scenarios!r}", table="compare",
                              column="scenarios")
    scenarios, names = list(scenarios), ["baseline"]
    for s in scenarios:
        check_scenario(s, "compare")
        check_changes_something(s)
        if s.name in names:
            raise ValidationError(f"two scenarios would share the rows of {s.name!r}: give each scenario its own "
                                  "name (and none 'baseline', the name of the unchanged projection)",
                                  table="compare", column="scenarios")
        names.append(s.name)
    return scenarios


def _compare_one(model, scenarios: Sequence[Scenario], until: Any) -> pd.DataFrame:
    frames = []
    for s in [None, *scenarios]:
        p = model.project(until=until, scenario=s)
        p["month"] = p["date"].dt.to_period("M")
        month_end = p.groupby("month")["date"].max()
        last = p[p["date"].isin(month_end)].groupby(["month", "state"])["stock"].sum().unstack()
        out = pd.DataFrame({"date": month_end, "stock": last.sum(axis=1)})
        for state in model.categories.states:
            out[state] = last[state] if state in last else 0.0
        if "cost_per_day" in p:
            # the days projected: the first day is the starting stock, whose cost is not the projection's
            # (summed with the others, the start's row showed one day's cost beside whole months')
            projected = p[p["date"] > p["date"].min()]
            out["cost"] = projected.groupby("month")["cost_per_day"].sum().reindex(month_end.index)
        out["scenario"] = "baseline" if s is None else s.name
        frames.append(out.reset_index(drop=True))
    res = pd.concat(frames, ignore_index=True)
    if "cost" in res:
        base = res[res["scenario"] == "baseline"].set_index("date")["cost"]
        res["cost_avoided"] = (res["date"].map(base) - res["cost"]).fillna(0.0)
        res["cost_avoided"] = res.groupby("scenario")["cost_avoided"].cumsum()
    cols = ["scenario", "date", "stock", *model.categories.states] + [c for c in ("cost", "cost_avoided") if c in res]
    return res[cols]


def _outcome(model, scenario: Scenario, until, state: Optional[str], measure: str) -> float:
    """The stock of ``state`` (all when None) on ``until``, or the total cost of the days projected
    (after the start, as :func:`compare` counts them)."""
    x = model._project_array(until, scenario)
    if measure == "cost":
        return float(model._daily_cost(x)[1:].sum())
    last = x[-1]
    if state is not None:
        last = last[model._bin_frame()["state"].to_numpy() == state]
    return float(last.sum())


def _bisect(f, target: float, lo: float, hi: float, tol: float = 1e-4, beyond: bool = False) -> float:
    """The ``x`` in [lo, hi] where ``f(x)`` reaches ``target``; where it does not, NaN, or with
    ``beyond`` -inf or +inf for the side the target lies beyond (the end whose outcome is nearer
    the target: the outcome moves one way with the multiplier)."""
    f_lo, f_hi = f(lo) - target, f(hi) - target
    if f_lo * f_hi > 0:
        if not beyond:
            return np.nan
        return -np.inf if abs(f_lo) < abs(f_hi) else np.inf
    # as many halvings as the bounds need to narrow to tol (a fixed 60 left wide bounds, such as
    # (0, 1e20), far from the root)
    steps = int(np.ceil(np.log2(max((hi - lo) / tol, 1.0)))) + 1
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
              seed: int = 0, level: float = 0.9, locality: Optional[str] = None, chance: Optional[float] = None,
              runs: int = 1000, client: Any = None, threads: int = 2) -> Dict[str, Any]:
    """The multiplier on ``rate`` (a scenario target: ``("early_help", "cin")`` or ``"entry:cp"``)
    from ``start`` that brings the stock of ``state`` (all states when None) at ``until`` to
    ``target_stock``, or the total cost to ``until`` to ``budget``.

    Uncertainty: the same search on ``draws`` sets of rates drawn from their posteriors (each
    transition and entry rate times Gamma(count + 0.5) / (count + 0.5), count the transitions
    or entrants seen in the fit window: draws centred on the estimate; a state with children but
    no exit in the window, its rate of leaving from Gamma(1/2) / its child-days, as the Monte
    Carlo draws it; with ``entry_trend``, the trend's level and slope from their estimated
    distribution); the result gives the point
    multiplier and the ``level`` interval of the drawn ones. That interval is the uncertainty of
    the estimated rates in the deterministic projection: not a range within which the children's
    numbers will meet the target. The Monte Carlo's other sources (rates changing from year to
    year, busier and quieter months, each child's path) move the outcome much more, so under the
    point multiplier the simulated stock or cost can land on either side of the target in a large
    share of runs. With ``chance``, the Monte Carlo answers that too: how often the point
    multiplier meets the target, and the multiplier that meets it in ``chance`` of the runs.
    ``nan`` where the
    target cannot be reached within ``bounds``. A draw whose target cannot be reached within
    ``bounds`` counts as lying beyond the bound its outcome comes nearer the target at (below
    ``bounds[0]`` or above ``bounds[1]``): it stays in the interval's quantiles, and a bound of
    the interval that falls among such draws is ``nan`` (beyond the multipliers searched; widen
    ``bounds``), never the quantile of the reachable draws alone, which would be too narrow.

    A model fitted by locality (``fit(ds, by="locality")``): the multiplier is one policy lever
    applied in every locality, and the target is the council's (the sum over localities of the
    stock, or of the cost). Each draw draws every locality's rates, independently, locality
    ``L`` from a generator seeded with ``earlyhelp.flow.localities.locality_seed(seed, L)``;
    so ``locality="L"``, which seeks the target within ``L`` alone, uses the draws ``L`` has in
    the council-wide search.

    Parameters
    ----------
    model : StockFlow
        a fitted model, whole-council or by locality.
    rate : tuple of (str, str) or str
        the rate changed.
    until : date-like
        the date of the target.
    target_stock : float, optional
        the stock wanted at ``until``.
    state : str, optional
        the state whose stock is the target (default all).
    budget : float, optional
        the total cost wanted over the days projected (after the start) to ``until``: the sum of
        :func:`compare`'s monthly ``cost``.
    start : date-like, optional
        when the change starts.
    bounds : tuple of float, default (0.0, 3.0)
        the multipliers searched.
    draws : int, default 200
        posterior draws (each a search of projections: by locality, minutes for the default).
        A progress bar counts them on a terminal or in a notebook once they have lasted a
        second (none with ``EARLYHELP_NO_PROGRESS`` set); Ctrl-C stops them.
    seed : int, default 0
        the random seed.
    level : float, default 0.9
        the interval level.
    locality : str, optional
        a model fitted by locality: seek the target within this locality only (its stock or
        cost, the multiplier applied there).
    chance : float, optional
        a share of Monte Carlo runs (between 0 and 1, e.g. 0.8): also find the multiplier
        that meets the target in that share of ``runs`` runs of :meth:`StockFlow.simulate`.
        A run meets a target below the stock (or cost) of the projection without the change
        when its outcome is at or below it, and a target above it when its outcome is at or
        above it. Every multiplier tried simulates the same runs (the same ``seed``), so the
        share moves with the multiplier, not with fresh noise. ``until`` must then be a month
        end after the fit's end (the simulation counts stocks and costs at month ends).
    runs : int, default 1000
        Monte Carlo runs per multiplier tried (with ``chance``).
    client : dask.distributed.Client, optional
        where the runs go (with ``chance``; default here).
    threads : int, default 2
        threads here (with ``chance``).

    Returns
    -------
    dict
        ``rate``, ``locality`` (the locality sought in, ``"all"`` for a council fitted by
        locality, None for a whole-council model), ``multiplier``, ``lower`` and ``upper`` (the
        ``level`` interval), ``draws``, ``unreachable_draws`` (of which ``below_bounds_draws``
        would need a multiplier below ``bounds[0]`` and ``above_bounds_draws`` one above
        ``bounds[1]``) and ``level``. With ``chance``, also: ``chance``, ``runs``,
        ``met_share`` (the share of runs meeting the target at ``multiplier``; ``nan`` when
        that is), ``met_share_error`` (its Monte Carlo standard error),
        ``multiplier_for_chance`` (``nan`` when the share of runs meeting the target does
        not cross ``chance`` within ``bounds``: see ``met_share_at_bounds``) and
        ``met_share_at_bounds`` (the shares at ``bounds[0]`` and ``bounds[1]``).
    """
    check_model(model, "goal_seek")
    if (target_stock is None) == (budget is None):
        raise ValidationError("give exactly one of target_stock and budget", table="goal_seek", column="target")
    if budget is not None and state is not None:
        # a budget is the cost of every state: a state given with it would be silently ignored
        raise ValidationError("state chooses the stock of target_stock; a budget is the cost of all states",
                              table="goal_seek", column="state")
    measure, target = ("cost", budget) if budget is not None else ("stock", target_stock)
    target = checks.real(target, "budget" if budget is not None else "target_stock", "goal_seek", 0.0)
    seed = checks.seed(seed, "goal_seek")
    draws = checks.whole(draws, "draws", "goal_seek", 0, MAX_DRAWS)
    level = checks.real(level, "level", "goal_seek", 0.0, 1.0, lo_open=True)
    if level >= 1.0:
        raise ValidationError(f"level must be below 1, not {level!r}", table="goal_seek", column="level")
    bounds = _check_bounds(bounds)
    if chance is not None:
        if not (is_finite_real(chance) and 0 < float(chance) < 1):
            raise ValidationError(f"chance must be a share of runs between 0 and 1 (0.8: met in 80% of them), not "
                                  f"{chance!r}", table="goal_seek", column="chance")
        chance = float(chance)
        runs = checks.whole(runs, "runs", "goal_seek", 1, MAX_RUNS)
        threads = checks.whole(threads, "threads", "goal_seek", 1, MAX_THREADS)
        from .distributed import check_client

        check_client(client, "goal_seek")
    models = _seek_models(model, locality)
    first = next(iter(models.values()))
    if chance is not None:
        _month_end_period(first, until)       # refused now, not after the posterior draws
    _check_rate_acts(rate, models)
    if state is not None and state not in first.categories.states:
        raise ValidationError(f"no state named {state!r}; states: {', '.join(first.categories.states)}",
                              table="goal_seek", column="state")
    if measure == "cost" and not any(first.unit_costs.values()):
        raise ValidationError("a budget target needs unit_costs", table="goal_seek", column="budget")
    if start is not None:
        # the stock on ``until`` (and the cost to it) follows the rates of the days up to it (its
        # own day's entrants and moves included): a change starting later never acts, and every
        # multiplier would look unreachable
        f = first._need_fit()
        last = f.end + pd.Timedelta(days=first._days_until(until))
        if checks.date(start, "start", "goal_seek") > last:
            raise ValidationError(f"start ({start}) must be on or before until ({last.date()}): a change from after "
                                  "it cannot move the target", table="goal_seek", column="start")

    def solve(ms, beyond: bool = False) -> float:
        return _bisect(lambda x: sum(_outcome(m, Scenario("goal").multiply(rate, x, start=start), until, state,
                                              measure) for m in ms), float(target), *bounds, beyond=beyond)

    point = solve(list(models.values()))
    by_locality = model._parts is not None
    rngs = [np.random.default_rng(locality_seed(seed, name) if by_locality else seed) for name in models]
    from .._native import progress

    found = []
    # a bisection of projections each, minutes by locality: a bar once it has lasted a second
    # (none with EARLYHELP_NO_PROGRESS); Ctrl-C stops it between projections
    no_exit_days = [m._no_exit_days() for m in models.values()]
    with progress("goal_seek: draws", unit="draw", show=None) as bar:
        for k in range(draws):
            drawn = [_with_fit(m, _drawn_fit(m._need_fit(), rng, m._ageing_rates(), days), _drawn_trend(m._trend, rng))
                     for m, rng, days in zip(models.values(), rngs, no_exit_days)]
            found.append(solve(drawn, beyond=True))
            if bar is not None:
                bar(k + 1, draws)
    found = np.array(found, dtype=float)
    alpha = (1 - level) / 2
    where = (locality or TOTAL) if by_locality else None
    out = {"rate": rate, "locality": where, "multiplier": point,
           "lower": _censored_quantile(found, alpha), "upper": _censored_quantile(found, 1 - alpha),
           "draws": int(draws), "unreachable_draws": int((~np.isfinite(found)).sum()),
           "below_bounds_draws": int((found == -np.inf).sum()), "above_bounds_draws": int((found == np.inf).sum()),
           "level": level}
    if chance is not None:
        runner = _ChanceRuns(models, by_locality, rate, start, until, state, measure, float(target), runs, seed,
                             client, threads)
        out.update(runner.search(point, chance, bounds))
    return out


class _ChanceRuns:
    """The share of Monte Carlo runs meeting goal_seek's target at a multiplier: every multiplier
    tried simulates runs ``0 .. runs - 1`` of the same seed (per locality, its own), so two
    multipliers differ by the change, not by fresh noise."""

    def __init__(self, models: Mapping[str, Any], by_locality: bool, rate, start, until, state: Optional[str],
                 measure: str, target: float, runs: int, seed: int, client, threads: int) -> None:
        self.models, self.rate, self.start, self.measure, self.target = models, rate, start, measure, target
        self.runs, self.client, self.threads = runs, client, threads
        self.seeds = {name: locality_seed(seed, name) if by_locality else seed for name in models}
        first = next(iter(models.values()))
        self.months, self.period = _month_end_period(first, until)
        cats = first.categories
        n_bins = len(cats.states) * len(cats.brackets)
        self.series = n_bins + len(cats.states) if state is None else n_bins + cats.states.index(state)
        unchanged = sum(_outcome(m, Scenario("goal").multiply(rate, 1.0, start=start), until, state, measure)
                        for m in models.values())
        self.below = target <= unchanged   # the target lies below the outcome without the change

    def share(self, x: float) -> float:
        scenario = Scenario("goal").multiply(self.rate, x, start=self.start)
        total = np.zeros(self.runs)
        for name, m in self.models.items():
            r = m._simulate_bands(self.months, self.runs, self.seeds[name], self.client, scenario, self.threads,
                                  None, False, paired=True)
            if self.measure == "cost":
                total += r["run_costs"][:, :self.period + 1].sum(axis=1) * r["quantum"]
            else:
                total += r["run_stocks"][:, self.period, self.series]
        met = total <= self.target if self.below else total >= self.target
        return float(met.mean())

    def search(self, point: float, chance: float, bounds: Tuple[float, float], tol: float = 1e-3) -> Dict[str, Any]:
        """The share at the point multiplier and the multiplier where the share crosses ``chance``
        (bisection: the share moves one way with the multiplier, as the projection does)."""
        from .._native import Steps

        lo, hi = bounds
        steps = int(np.ceil(np.log2(max((hi - lo) / tol, 1.0)))) + 1
        bar = Steps("goal_seek: Monte Carlo", [str(k) for k in range(steps + 3)])
        try:
            with bar.step("point"):
                at_point = self.share(point) if np.isfinite(point) else np.nan
            with bar.step("bounds"):
                s_lo, s_hi = self.share(lo), self.share(hi)
            found = np.nan
            if (s_lo - chance) * (s_hi - chance) <= 0 and s_lo != s_hi:
                rising = s_hi > s_lo
                for k in range(steps):
                    with bar.step(str(k)):
                        mid = 0.5 * (lo + hi)
                        if (self.share(mid) >= chance) == rising:
                            hi = mid
                        else:
                            lo = mid
                    if hi - lo < tol:
                        break
                found = hi if rising else lo   # the end of the last interval that meets the chance
        finally:
            bar.close()
        err = float(np.sqrt(at_point * (1 - at_point) / self.runs)) if np.isfinite(at_point) else np.nan
        return {"chance": chance, "runs": self.runs, "met_share": at_point, "met_share_error": err,
                "multiplier_for_chance": float(found), "met_share_at_bounds": (s_lo, s_hi)}


def check_model(model: Any, table: str) -> None:
    """A ValidationError unless ``model`` is a StockFlow (fitted or not: fitting is checked later)."""
    from .model import StockFlow

    if not isinstance(model, StockFlow):
        raise ValidationError(f"must be a StockFlow (earlyhelp.flow.StockFlow().fit(ds)), not {type(model).__name__}",
                              table=table, column="model")


def _month_end_period(model, until) -> Tuple[int, int]:
    """The months :meth:`StockFlow.simulate` needs to reach ``until`` and ``until``'s period among
    its month ends; a ValidationError unless ``until`` is a month end after the fit's end."""
    end = model._need_fit().end
    day = checks.date(until, "until", "goal_seek")
    if not (day.is_month_end and day > end):
        raise ValidationError(f"with chance, until must be a month end after the fit's end ({end.date()}), not "
                              f"{day.date()}: the Monte Carlo counts stocks and costs at month ends",
                              table="goal_seek", column="until")
    # the month ends after the end up to until (the end's own month's counts when it is not one)
    months = (day.year - end.year) * 12 + day.month - end.month + (0 if end.is_month_end else 1)
    return months, months - 1


def _check_rate_acts(rate: Any, models: Mapping[str, Any]) -> None:
    """A rate no child took is 0 in every draw, and no multiplier moves it: refused as
    :meth:`StockFlow.project` refuses multiplying it, rather than every draw reported beyond
    ``bounds`` (which reads as bounds to widen)."""
    first = next(iter(models.values()))
    target = Scenario("goal_seek").multiply(rate, 1.0).changes[0].target  # the scenario's own checks
    what = unseen_rate(target, [m._need_fit() for m in models.values()], first.categories.states,
                       len(first.categories.brackets))
    if what is not None:
        raise ValidationError(f"no multiplier of {target!r} changes anything: no child in the data {what}, so the "
                              "rate is 0 (a scenario can add to it instead)", table="goal_seek", column="rate")


def _censored_quantile(values: np.ndarray, q: float) -> float:
    """The ``q`` quantile (linear, as numpy's default) of draws some of which lie beyond the bounds
    searched (-inf below, +inf above); NaN where the quantile falls among those, as it cannot be
    told. Leaving them out instead would narrow the interval towards the middle of the reachable
    draws: a target already met (point multiplier 1) got an interval that left 1 out."""
    if not len(values):
        return np.nan
    v = np.sort(values)
    pos = q * (len(v) - 1)
    i, j = int(np.floor(pos)), int(np.ceil(pos))
    if not (np.isfinite(v[i]) and np.isfinite(v[j])):
        return np.nan
    return float(v[i] + (v[j] - v[i]) * (pos - i))


def _check_bounds(bounds) -> Tuple[float, float]:
    """The multipliers searched: two non-negative numbers, the lower first."""
    if isinstance(bounds, (str, bytes)) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        raise ValidationError(f"bounds must be two multipliers (lowest, highest), not {bounds!r}", table="goal_seek",
                              column="bounds")
    lo, hi = (checks.real(b, "bounds", "goal_seek", 0.0) for b in bounds)
    if not lo < hi:
        raise ValidationError(f"bounds must be (lowest, highest) with lowest < highest, not {bounds!r}",
                              table="goal_seek", column="bounds")
    return lo, hi


def _seek_models(model, locality: Optional[str]) -> Dict[str, Any]:
    """The models whose outcomes add up to the target, by name."""
    if locality is not None:
        return {locality: locality_model(model, locality, "goal_seek")}
    if model._parts is not None:
        return dict(model._parts)
    model._need_fit()
    return {"": model}


def _drawn_fit(f, rng: np.random.Generator, ageing: np.ndarray, no_exit_days: np.ndarray):
    """The fit with its transition and entry rates drawn from their posteriors; ``ageing``
    (the model's ageing rates, within ``f.rates``) is fixed by the brackets and not drawn.

    A state with children in the window but no exit (``no_exit_days``: per state, the
    child-days its rate of leaving is estimated over, 0 for the others; see
    ``StockFlow._no_exit_days``) draws that rate from the Jeffreys posterior of no exit,
    Gamma(1/2) / child-days, one draw for its age brackets, as the Monte Carlo does: scaling its
    rate of 0 held it at 0 in every draw."""
    drawn = replace(f)
    k = f.counts
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(k > 0, rng.gamma(k + 0.5) / (k + 0.5), 1.0)
    drawn.rates = (f.rates - ageing) * scale + ageing
    # scaled like the rates, so the draws centre on the estimate: a Gamma(k + 0.5) count would add
    # half an entrant per bin, which in a locality's sparse bins shifts the whole interval
    k_e = np.rint(f.entrants * f.entry_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawn.entrants = np.where(k_e > 0, f.entrants * rng.gamma(k_e + 0.5) / (k_e + 0.5), 0.0)
    n = len(f.initial)
    n_age = n // len(no_exit_days)
    for s in np.flatnonzero(no_exit_days > 0):
        drawn.rates[s * n_age:(s + 1) * n_age, n] += rng.gamma(0.5) / no_exit_days[s]
    return drawn


def _drawn_trend(trend: Optional[np.ndarray], rng: np.random.Generator) -> Optional[np.ndarray]:
    """The entry trend's level and slope drawn from their estimated distribution (rows ``a, b,
    L00, L10, L11``: the estimates and the Cholesky factor of their covariance), as each Monte
    Carlo run draws them. A trended state's entries follow the trend alone, so without this draw
    their rate held still in every draw. ``None`` (no trend) draws nothing."""
    if trend is None:
        return None
    out = trend.copy()
    ok = np.isfinite(trend[:, 0])
    z = rng.standard_normal((len(trend), 2))
    out[ok, 0] = trend[ok, 0] + trend[ok, 2] * z[ok, 0]
    out[ok, 1] = trend[ok, 1] + trend[ok, 3] * z[ok, 0] + trend[ok, 4] * z[ok, 1]
    return out


def _with_fit(model, fit, trend: Optional[np.ndarray] = None):
    import copy

    clone = copy.copy(model)
    clone._fit = fit
    if trend is not None:
        clone._trend = trend
    return clone


def _cutoffs(cutoffs: Any) -> list:
    """backtest's forecast origins as Timestamps: a non-empty sequence of dates."""
    if isinstance(cutoffs, (str, pd.Timestamp)) or not isinstance(cutoffs, Iterable):
        raise ValidationError(f"must be a list of dates, e.g. ['2024-03-31'], not {cutoffs!r}", table="backtest",
                              column="cutoffs")
    cuts = [checks.date(c, "cutoffs", "backtest") for c in cutoffs]
    if not cuts:
        raise ValidationError("is empty: give at least one forecast origin", table="backtest", column="cutoffs")
    repeated = sorted({c for c in cuts if cuts.count(c) > 1})
    if repeated:
        # each would add its rows again, weighing that origin twice in every error and coverage summary
        rows = tuple(i for i, c in enumerate(cuts) if c in repeated)
        raise ValidationError(Problem("backtest", "cutoffs", f"{', '.join(str(c.date()) for c in repeated)} given more "
                                      "than once: give each forecast origin once", rows=rows[:10], n_rows=len(rows)))
    return cuts


def _check_model_keywords(kwargs: Mapping[str, Any], model_class) -> None:
    """The keywords passed on to ``model_class`` are its own: a typo is named, not a TypeError."""
    import difflib
    import inspect

    known = [p for p in inspect.signature(model_class.__init__).parameters if p not in ("self", "categories")]
    for key in kwargs:
        if key not in known:
            guess = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else f" (StockFlow takes {', '.join(known)})"
            raise ValidationError(f"unknown keyword {key!r}{hint}", table="backtest", column=key)


def backtest(ds, categories="continuum", *, cutoffs: Sequence[Any], months: int = 12, window_months: int = 12,
             runs: int = 200, seed: int = 0, by: Optional[str] = None, **kwargs) -> pd.DataFrame:
    """Fit on the ``window_months`` before each cutoff, project ``months`` ahead, and compare with
    the stocks the data show. One row per (cutoff, state, date) at month ends: actual,
    deterministic forecast, Monte Carlo q05/q50/q95 and whether the 90 % band covered the actual.
    Months after the data end (``ds.data_end()``) have no actual: their ``actual``,
    ``covered`` and ``abs_pct_error`` are missing, and ``attrs["rows_after_the_data"]``
    counts them.

    Each cutoff is fitted on the data as they were known at it (``ds.snapshot(cutoff)``), as
    an analyst fitting on that day had them: a spell closed in the weeks before it whose next
    spell began after it is an exit whose destination was not known yet (see
    :attr:`StockFlow.report`), not the step-up the later data show. A window reaching back
    before the day the data record entries and exits (see :meth:`StockFlow.fit`) starts on
    that day instead, and ``attrs["windows_shortened_to_the_recorded_data"]`` gives each such
    cutoff's start; a cutoff on or before that day is refused.

    With ``by="locality"`` the models are fitted by locality at each cutoff
    (:meth:`StockFlow.fit`), and the rows are per (cutoff, locality, state, date), with a
    ``locality`` column after ``cutoff``, then the council total as locality ``"all"``: actual
    and forecast are the localities' sums, and the band is the council total of
    :meth:`StockFlow.simulate` (each run's localities added, then the quantiles taken), not a
    sum of the localities' quantiles. Children with no locality are left out of every row (the
    total too) and counted in ``attrs["children_without_a_locality_excluded"]``.

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
    by : {None, "locality"}, optional
        ``"locality"``: fit, forecast and compare per locality, plus the council total.
    **kwargs : object
        more arguments of :class:`StockFlow`.

    Returns
    -------
    DataFrame
    """
    from .model import StockFlow

    check_by(by)
    cuts = _cutoffs(cutoffs)
    months = checks.whole(months, "months", "backtest", 1, 1200)
    window_months = checks.whole(window_months, "window_months", "backtest", 1, 1200)
    keys = ["date", "state"] if by is None else ["locality", "date", "state"]
    _check_model_keywords(kwargs, StockFlow)
    recorded = StockFlow(categories, **kwargs)._recorded_from_day(ds)
    early = [c for c in cuts if recorded is not None and c <= recorded]
    if early:
        rows = tuple(i for i, c in enumerate(cuts) if c in early)
        raise ValidationError(Problem("backtest", "cutoffs", f"{', '.join(str(c.date()) for c in early)} on or before "
                                      f"the day the data record entries and exits from ({recorded.date()}): a "
                                      "cutoff needs recorded days before it to fit on", rows=rows[:10],
                                      n_rows=len(rows)))
    full = StockFlow(categories, **kwargs).fit(ds, start=recorded, by=by)
    shortened: Dict[str, str] = {}
    rows = []
    for cut in cuts:
        start = cut - pd.DateOffset(months=window_months)
        if recorded is not None and start < recorded:
            start = recorded
            shortened[str(cut.date())] = str(start.date())
        # what was known at the cutoff: later closures, and the spells they led to, hidden
        m = StockFlow(categories, **kwargs).fit(ds.snapshot(cut), start=start, end=cut, by=by)
        det = m.project(until=month_ends_after(cut, months)[-1], freq="M")
        det = det[det["date"] > cut].groupby(keys, as_index=False, sort=False)["stock"].sum()
        sim = m.simulate(months=months, runs=runs, seed=seed, quantiles=(0.05, 0.5, 0.95))
        sim = sim[(sim["age"] == "all") & (sim["state"] != "all")]
        dates = det["date"].unique()
        if by is None:
            actual = full._actual_stocks(dates)
        else:
            det = pd.concat([det, det.groupby(["date", "state"], as_index=False, sort=False)["stock"].sum()
                             .assign(locality=TOTAL)], ignore_index=True)
            actual = _locality_actuals(full, dates)
        merged = det.merge(sim[[*keys, "q05", "q50", "q95"]], on=keys, how="left")
        merged = merged.merge(actual, on=keys, how="left").assign(cutoff=cut)
        rows.append(merged)
    out = pd.concat(rows, ignore_index=True).rename(columns={"stock": "forecast"})
    # the data show nothing after their end: a stock carried past it would score the forecast
    # against children merely still open on the extract date
    data_end = ds.data_end()
    after = (out["date"] > data_end).to_numpy() if data_end is not None else np.zeros(len(out), bool)
    out.loc[after, "actual"] = np.nan
    covered = (out["actual"] >= out["q05"]) & (out["actual"] <= out["q95"])
    out["covered"] = covered.astype("boolean").mask(after)
    out["abs_pct_error"] = (out["forecast"] - out["actual"]).abs() / out["actual"].where(out["actual"] > 0)
    out = out[["cutoff", *keys, "actual", "forecast", "q05", "q50", "q95", "covered", "abs_pct_error"]]
    out.attrs["rows_after_the_data"] = int(after.sum())
    out.attrs["windows_shortened_to_the_recorded_data"] = shortened
    if by is not None:
        out.attrs["children_without_a_locality_excluded"] = full.report["children_without_a_locality_excluded"]
    return out


def _locality_actuals(full, dates) -> pd.DataFrame:
    """The stocks each locality's data show on ``dates``, then their sum as locality ``"all"``."""
    parts = pd.concat([m._actual_stocks(dates).assign(locality=name) for name, m in full._parts.items()],
                      ignore_index=True)
    total = parts.groupby(["date", "state"], as_index=False, sort=False)["actual"].sum().assign(locality=TOTAL)
    return pd.concat([parts, total], ignore_index=True)
