"""Stock-flow models fitted per locality: one :class:`~earlyhelp.flow.StockFlow` per locality on
the spells of the children who live there, their outputs stacked with a ``locality`` column.

A child's locality is that of their family on the day their latest spell ended (or the fit's
end, while it runs on: see :func:`child_localities`); every spell of the child belongs to it, so a
child's path stays in one model. Children
with no family, or whose family has no locality, are excluded and counted in the report.

The council total (locality ``"all"``) of a Monte Carlo band is built run by run: run ``r`` of
the council is the sum of run ``r`` of every locality (each locality drawing from its own
stream), and the band is the quantiles of those sums. Quantiles do not add, so the total band
is never the sum of the localities' bands.
"""
from __future__ import annotations

import zlib
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import ValidationError

BY = ("locality",)
#: the ``locality`` of the council total rows
TOTAL = "all"
#: most memory (bytes) the runs of a council total may hold: each run's outcome of every series
MAX_TOTAL_BYTES = 2 ** 31


def check_by(by) -> None:
    if by is not None and by not in BY:
        raise ValidationError(f"by must be None or one of {', '.join(map(repr, BY))}, not {by!r}",
                              table="StockFlow", column="by")


def child_localities(ds, spells: pd.DataFrame, on: pd.Timestamp) -> pd.Series:
    """person_id (str) -> locality name of each child of ``spells`` (``person_id``, ``start``,
    ``end``); missing when unknown.

    A child's locality is their family's on one day: the end of their latest spell, or ``on``
    (the fit's end) when it is still open or ends later; the family chosen by the package's
    rule for a membership on a date (``earlyhelp.data.ssd.family_of_persons``: the membership
    valid that day, else the latest begun by then, else the latest), never by the order of the
    rows of ``family_members``. Then ``families.locality_id``."""
    from ..data.names import locality_names, name_of
    from ..data.ssd import family_of_persons

    members, families = ds.family_members, ds.families
    if not len(members) or not len(families) or not len(spells):
        return pd.Series(dtype=object)
    ends = spells["end"].where(spells["end"].notna() & (spells["end"] <= on), on)
    day = ends.groupby(spells["person_id"].astype(str).to_numpy()).max()
    family = family_of_persons(members, pd.Series(day.index, dtype="string"), pd.Series(day.to_numpy()))
    fam_loc = families.set_index(families["family_id"].astype(str))["locality_id"]
    loc_id = family.astype(object).map(lambda f: None if pd.isna(f) else str(f)).map(fam_loc)
    names = name_of(loc_id.to_numpy(), locality_names(ds.localities))
    return pd.Series(names.to_numpy(dtype=object), index=day.index.to_numpy())


def split_spells(sp: pd.DataFrame, ds, report: Dict, on: pd.Timestamp) -> List[Tuple[str, pd.DataFrame]]:
    """The spells of each locality (localities in the order of ``ds.localities``, then any other
    name; a child's locality by :func:`child_localities`, on the fit's end ``on``), recording in
    ``report`` the children and spells with no locality."""
    loc = sp["person_id"].map(child_localities(ds, sp, on))
    unknown = loc.isna().to_numpy()
    report["children_without_a_locality_excluded"] = int(sp.loc[unknown, "person_id"].nunique())
    report["spells_without_a_locality_excluded"] = int(unknown.sum())
    from ..data.names import locality_names

    order = [n for n in locality_names(ds.localities).tolist() if n is not None]
    seen = list(dict.fromkeys(order + sorted(set(loc.dropna()) - set(order))))
    parts = []
    for name in seen:
        rows = (loc == name).to_numpy()
        if rows.any():
            parts.append((name, sp[rows].reset_index(drop=True)))
    report["localities_without_spells"] = [n for n in seen if n not in {p[0] for p in parts}]
    if TOTAL in {p[0] for p in parts}:
        raise ValidationError(f"a locality is named {TOTAL!r}, the name of the council total rows of a model "
                              "fitted by locality; rename it", table="localities", column="name")
    if not parts:
        raise ValidationError("no child in the spells has a family with a locality (family_members -> "
                              "families.locality_id); fit without by=", table="family_members", column="family_id")
    return parts


def locality_seed(seed: int, locality: str) -> int:
    """The seed of one locality's simulation: stable across processes and machines."""
    return (int(seed) + zlib.crc32(str(locality).encode())) % (2 ** 63)


def stacked(parts: Dict[str, object], call: Callable[[str, object], pd.DataFrame]) -> pd.DataFrame:
    """``call(name, model)`` for each locality's model, stacked with ``locality`` as the first column."""
    frames = []
    for name, model in parts.items():
        frame = call(name, model)
        frame.insert(0, "locality", np.full(len(frame), name, dtype=object))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def locality_scenarios(parts: Dict[str, object], scenario):
    """``scenario`` as each locality of a council fitted by locality applies it, by locality name:
    an amount added to an entry rate (``Scenario.add("entry:<state>", n)``: children a day) is
    the council's, split across the localities in proportion to their entrants a day into that
    state in the fit window (evenly when none had any), so that the council adds ``n`` a day as
    a whole-council model does; every other change (a multiplier, an amount added to a flow's
    daily rate, a cap) applies in each locality as it is. ``None`` for every locality without a
    scenario."""
    from dataclasses import replace

    def added_entry(c) -> Optional[str]:
        """The state whose entry rate ``c`` adds to (string targets are ``"entry:<state>"``)."""
        return c.target[len("entry:"):] if c.kind == "add" and isinstance(c.target, str) else None

    if scenario is None or not any(added_entry(c) for c in scenario.changes):
        return {name: scenario for name in parts}
    first = next(iter(parts.values()))
    states, n_a = list(first.categories.states), len(first.categories.brackets)
    shares: Dict[str, np.ndarray] = {}
    for c in scenario.changes:
        state = added_entry(c)
        if state is None or state not in states or state in shares:
            continue  # (a state that does not exist is named where the rates are built)
        s = states.index(state)
        base = np.array([p._need_fit().entrants[s * n_a:(s + 1) * n_a].sum() for p in parts.values()])
        shares[state] = base / base.sum() if base.sum() > 0 else np.full(len(parts), 1.0 / len(parts))
    out = {}
    for k, name in enumerate(parts):
        changes = [replace(c, value=c.value * float(shares[added_entry(c)][k])) if added_entry(c) in shares else c
                   for c in scenario.changes]
        out[name] = type(scenario)(scenario.name, changes, dict(scenario.caps))
    return out


def locality_model(model, locality: str, table: str):
    """The model of ``locality`` in ``model`` (fitted by locality), or a ValidationError naming the
    localities there are."""
    if model._parts is None:
        raise ValidationError(f"locality={locality!r} needs a model fitted with fit(ds, by='locality')",
                              table=table, column="locality")
    if locality not in model._parts:
        raise ValidationError(f"no locality named {locality!r}; the model's localities are: "
                              f"{', '.join(map(repr, model._parts))}", table=table, column="locality")
    return model._parts[locality]


def run_quantiles(values: np.ndarray, quantiles) -> np.ndarray:
    """Quantiles over runs (axis 0) as the bands define them: the smallest value v with
    P(X <= v) >= q. ``values`` (runs, ...) -> (..., len(quantiles))."""
    q = np.asarray(quantiles, dtype=float)
    return np.moveaxis(np.quantile(values, q, axis=0, method="inverted_cdf"), 0, -1)


def check_total_size(runs: int, periods: int, series: int, table: str = "StockFlow") -> None:
    """The council total keeps every run's outcome of every series: refuse what would not fit."""
    need = int(runs) * int(periods) * (int(series) * 4 + 8)
    if need > MAX_TOTAL_BYTES:
        raise ValidationError(f"the council total of {runs:,} runs over {periods} months needs "
                              f"{need / 2 ** 30:.1f} GiB (every run's outcome is kept to add the localities "
                              f"run by run; at most {MAX_TOTAL_BYTES / 2 ** 30:.0f} GiB): use fewer runs or "
                              "total=False", table=table, column="runs")


def simulate_localities(model, months: int, runs: int, seed: int, client, scenario, quantiles, threads: int,
                        chunks, progress: Optional[bool], total: bool) -> pd.DataFrame:
    """:meth:`StockFlow.simulate` of a model fitted by locality: each locality's bands from its
    own seed (:func:`locality_seed`) under its share of ``scenario`` (:func:`locality_scenarios`),
    then, with ``total``, the council's from the run-by-run sums."""
    parts = model._parts
    frames: Dict[str, pd.DataFrame] = {}
    summed = None
    shared = locality_scenarios(parts, scenario)
    for name, part in parts.items():
        result = part._simulate_bands(months, runs, locality_seed(seed, name), client, shared[name], threads, chunks,
                                      progress, paired=total)
        part._last_sim = result
        frames[name] = part._tidy_bands(result, quantiles)
        summed = add_runs(summed, result) if total else None
    model._last_total = summed
    if summed is not None:
        frames[TOTAL] = next(iter(parts.values()))._tidy_runs(summed, quantiles)
    return stacked(frames, lambda _, frame: frame)


def add_runs(summed, result):
    """The council's runs so far plus one locality's (``result`` of a paired simulation): stocks
    child by child, costs in currency (each locality's histogram unit times its values)."""
    stocks, costs = result["run_stocks"], result["run_costs"] * result["quantum"]
    if summed is None:
        return {"stocks": stocks.astype(np.int32), "costs": costs, "dates": result["dates"]}
    summed["stocks"] += stocks
    summed["costs"] += costs
    return summed


def between_locality_variance(observed: np.ndarray, expected: np.ndarray) -> float:
    """The variance between localities of their rate relative to the council's, beyond what
    Poisson counts alone would give (a moment estimator, as Buhlmann-Straub's and
    DerSimonian-Laird's): ``observed`` exits of each locality, ``expected`` at the council's
    rates. 0 when the localities differ no more than chance."""
    keep = expected > 0
    o, x = observed[keep], expected[keep]
    if len(x) < 2:
        return 0.0
    total = x.sum()
    spread = float(np.sum(x * (o / x - o.sum() / total) ** 2))
    return max(0.0, (spread - (len(x) - 1)) / (total - np.sum(x ** 2) / total))


def pool_rates(parts: Dict[str, object], council) -> Dict[str, float]:
    """Shrink each locality's exit and transition rates towards its council's (``council``:
    fitted on the same spells), by empirical Bayes: as little as the localities' rates truly
    differ, as much as a small locality's few exits leave to chance. Left alone, the chance
    highs and lows of small localities do not cancel in their sum: a locality whose exits
    came out low piles up children for years, and the localities' total drifts above the
    council's (the stock is entries over exits). Entry rates are the localities' own.

    Per state, the relative variance ``tau2`` of the localities' exit rates (age mix allowed
    for) gives a prior of ``1 / tau2`` pseudo-exits at the council's rates, never more than the
    council's own exits plus one; a locality's rate in a cell with ``e`` exits expected is then
    ``e / (e + prior)`` its own and the rest the council's. The Monte Carlo's duration
    hazards and destinations take the same prior (see StockFlow._duration_posteriors).
    Returns each state's mean weight of the localities' own rates (1: not pooled)."""
    cats = council.categories
    n_s, n_a = len(cats.states), len(cats.brackets)
    cf = council._fit
    ageing = council._ageing_rates()
    exits_c = cf.counts.sum(axis=1)
    council_rate = exits_c / np.maximum(cf.exposure, 1e-12)
    alpha = np.full(n_s, np.inf)
    for s in range(n_s):
        cells = slice(s * n_a, (s + 1) * n_a)
        observed = np.array([p._fit.counts[cells].sum() for p in parts.values()])
        expected = np.array([np.sum(p._fit.exposure[cells] * council_rate[cells]) for p in parts.values()])
        tau2 = between_locality_variance(observed, expected)
        if tau2 > 0:
            alpha[s] = 1.0 / tau2
    prior_exits = np.minimum(np.repeat(alpha, n_a), exits_c + 1.0)
    counts = council._duration_counts()
    events, _, dest = counts
    shape, rate, weights = council._duration_posteriors(counts)
    exits_cell = dest.sum(axis=2)
    share = weights / np.maximum(weights.sum(axis=2, keepdims=True), 1e-300)
    state_events = events.sum(axis=(1, 2))
    quiet = (state_events == 0) & (rate.min(axis=(1, 2)) > 0) & (shape.min(axis=(1, 2)) > 0)
    prior = {"alpha": alpha, "hazard": shape / rate, "events": events, "exits": exits_cell, "dest_share": share,
             "quiet": quiet, "shape": shape, "rate": rate}
    own_share = np.zeros((len(parts), n_s))
    for k, part in enumerate(parts.values()):
        f = part._fit
        expected = f.exposure * council_rate
        weight = np.where(expected > 0, expected / (expected + prior_exits), 1.0)
        f.rates = weight[:, None] * (f.rates - ageing) + (1 - weight[:, None]) * (cf.rates - ageing) + ageing
        part._prior = prior
        exposure = f.exposure.reshape(n_s, n_a)
        own_share[k] = np.sum(weight.reshape(n_s, n_a) * exposure, axis=1) / np.maximum(exposure.sum(axis=1), 1e-12)
    days = np.array([p._fit.exposure.reshape(n_s, n_a).sum(axis=1) for p in parts.values()])
    mean = np.sum(own_share * days, axis=0) / np.maximum(days.sum(axis=0), 1e-12)
    return {state: round(float(m), 3) for state, m in zip(cats.states, mean)}
