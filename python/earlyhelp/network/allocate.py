"""Lead practitioner allocation by minimum-cost flow.

Families with an open episode and no lead practitioner are assigned to
current practitioners with spare caseload capacity. The assignment is a
min-cost maximum flow solved in C++ (source -> family, capacity 1 -> practitioner,
candidate arcs with a cost -> sink, capacity = spare caseload): as many families
as capacity allows get a lead, and among those assignments the total cost is
least. Capacity is never exceeded.

Default cost (``DEFAULT_COSTS``; lower is a better match)
--------------------------------------------------------
==============================  =====================================================
part                            cost
==============================  =====================================================
tier                            frequent_modelling 0, regular_promoting 2,
                                sometimes_active 4; occasional_aware: not eligible
locality                        0 same locality as the family, 3 another locality,
                                1 practitioner with no locality (council-wide)
needs vs agency type            0 when the agency type is a generalist lead
                                (la_early_help) or specialises in one of the
                                family's open needs (``NEED_AGENCY_TYPES``), else 2
statutory level (4)             +5 unless the agency is la_social_care
==============================  =====================================================

A practitioner whose spare capacity is 0 (``caseload_capacity`` 0, or already
full) takes no family; they stay in the ``practitioners`` table with
``spare_before = 0``. Practitioners over capacity have spare 0, not negative. A practitioner
with no ``caseload_capacity`` recorded is taken to have no room; a family whose eligible
practitioners all lack one is unassigned with the reason ``no capacity recorded``.

Families and practitioners go to the solver in order of id, so the same data in another
row order gives the same allocation (equally cheap answers are chosen the same way).

The solver counts costs in steps of a billionth of the largest cost: costs whose step is more
than a millionth of a typical (median positive) cost, as with a large "never" penalty beside
small costs, raise :class:`earlyhelp.ValidationError`, as the least-cost answer could not be
told apart; give pairs that must not be used NaN or inf.

Two methods solve the flow, and the solver picks one from the costs. When many pairs share a
cost, as the default costs (small whole numbers) do, it uses the primal-dual method: each of
its phases assigns every family whose cheapest route costs the same. When a sample of the
costs holds more than 1,000 distinct values (distances to the metre, say), which would leave
that method one family a phase, it uses cost scaling (Goldberg's push-relabel), whose work
does not grow with the number of distinct costs: on 5,000 families x 250 practitioners with
real-valued costs it took about 0.13 s (0.5 s starting from all pairs) where the primal-dual
method took 14 s (see benchmarks/README.md). Both give a least-cost maximum assignment. With cost scaling, for
more than about 33,000 families and practitioners together, costs are counted in coarser
steps than a billionth of the largest (the largest over 9e18 / (8 n^2), n the number of
nodes), so that its prices fit 64-bit integers.

Candidate pruning (exact)
-------------------------
With ``candidates=k`` the solver starts from each family's ``k`` cheapest
eligible practitioners (all of them with ``candidates=None``). It then prices every
left-out pair against the solution: pairs with a negative reduced cost (they
would lower the total) or on an augmenting path (they would let one more
family through) are added and the flow is solved again, until none is left.
An augmenting path may run through several left-out pairs: every left-out pair
between the families and practitioners the search from the unassigned families
reaches is added, so one more solve is maximal. The result is therefore the same
min-cost maximum flow as over all pairs.

Whether pruning is faster depends on the method. Cost scaling scans every arc it
holds in each of its phases, so starting small pays when a family's few cheapest
practitioners hold its answer, as with distances (on 1.25 million real-valued
pairs it took a quarter of the all-pairs time). The primal-dual method is fastest on
all pairs (pruning took twice as long on the same problem with whole-number costs).
The default (``candidates=-1``) therefore lets the solver choose once it knows the
method: with cost scaling, each family's 16 cheapest (when families have more than 32
pairs on average), and every pair once two rounds of pricing have still added pairs,
as when every family ranks the practitioners alike (there it took about 1.15 times the
all-pairs time); with the primal-dual method, all pairs up to 5,000,000, beyond that
each family's 40 cheapest, to bound the solver's memory. Pricing past 5,000,000 pairs
goes on without the switch to all pairs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .._native import naming
from .._native import network as core
from .family import FamilyNetwork
from .graph import _whole

__all__ = ["allocate_leads", "default_cost", "DEFAULT_COSTS", "NEED_AGENCY_TYPES", "Allocation"]

DEFAULT_COSTS: Dict[str, Any] = {
    "tier": {"frequent_modelling": 0.0, "regular_promoting": 2.0, "sometimes_active": 4.0,
             "occasional_aware": np.inf, "unknown": 4.0},
    "other_locality": 3.0,
    "no_locality": 1.0,
    "needs_unmatched": 2.0,
    "statutory_not_social_care": 5.0,
    "generalist_types": ("la_early_help",),
}

# Agency types that specialise in each Supporting Families need.
NEED_AGENCY_TYPES: Dict[str, Tuple[str, ...]] = {
    "education": ("school",),
    "early_years": ("early_years", "health_visitor"),
    "health": ("health_visitor", "school_nurse", "gp", "camhs", "health_other", "midwifery"),
    "substance_use": ("substance_misuse",),
    "child_safety": ("la_social_care", "police"),
    "family_relationships": ("vcs", "school"),
    "crime": ("police", "youth_justice"),
    "domestic_abuse": ("domestic_abuse_service", "police"),
    "housing": ("housing",),
    "financial_stability": ("vcs", "housing"),
}

#: ``candidates`` value that lets the solver choose its start by method (see the module docstring)
AUTOMATIC = -1
_CHUNK_PAIRS = 2_000_000

#: unassigned reason when every eligible practitioner has no caseload_capacity recorded
NOT_RECORDED = "no capacity recorded"

CostFunction = Callable[[pd.DataFrame, pd.DataFrame], Any]


def default_cost(families: pd.DataFrame, practitioners: pd.DataFrame) -> np.ndarray:
    """The default cost of each (family, practitioner) pair, row by row (see the module docstring).

    ``families`` rows have locality_id, level, needs (tuple of open needs);
    ``practitioners`` rows have locality_id, tier, agency_type. ``inf`` = not eligible.

    Parameters
    ----------
    families : DataFrame
        one row per family.
    practitioners : DataFrame
        one row per practitioner, aligned with ``families``.

    Returns
    -------
    ndarray of float
        one cost per row.
    """
    c = DEFAULT_COSTS
    tier = practitioners["tier"].astype(str).map(c["tier"]).fillna(c["tier"]["unknown"]).to_numpy(float)
    # None, not pd.NA, for a missing locality: comparing pd.NA has no truth value
    p_loc = practitioners["locality_id"].astype("string").to_numpy(dtype=object, na_value=None)
    f_loc = families["locality_id"].astype("string").to_numpy(dtype=object, na_value=None)
    p_missing = pd.isna(p_loc)
    same = (p_loc == f_loc) & ~pd.isna(f_loc)
    locality = np.where(p_missing, c["no_locality"], np.where(same, 0.0, c["other_locality"]))
    agency_type = practitioners["agency_type"].astype(str).to_numpy()
    matched = np.isin(agency_type, c["generalist_types"])
    needs = families["needs"].to_numpy()
    for need, types in NEED_AGENCY_TYPES.items():
        has_need = np.fromiter((need in n for n in needs), bool, len(needs))
        matched |= has_need & np.isin(agency_type, types)
    need_cost = np.where(matched, 0.0, c["needs_unmatched"])
    level = pd.to_numeric(families["level"], errors="coerce").to_numpy(float)
    statutory = np.where((level == 4) & (agency_type != "la_social_care"), c["statutory_not_social_care"], 0.0)
    return tier + locality + need_cost + statutory


@dataclass
class Allocation:
    """Result of :func:`allocate_leads`.

    Parameters
    ----------
    assignments : DataFrame
        family_id, practitioner_id, cost, family and practitioner locality, agency, tier.
    unassigned : DataFrame
        family_id, locality_id, reason: ``no eligible practitioner`` (no practitioner
        with a finite cost), ``no capacity`` (eligible practitioners are all full) or
        ``no capacity recorded`` (no eligible practitioner has a ``caseload_capacity``).
    practitioners : DataFrame
        practitioner_id, spare_before, assigned, spare_after (never negative).
    total_cost : float
    """

    assignments: pd.DataFrame
    unassigned: pd.DataFrame
    practitioners: pd.DataFrame
    total_cost: float


def _family_table(net: FamilyNetwork) -> pd.DataFrame:
    """Families with an open episode and no lead, with their open needs."""
    taf = net.team_around_family()
    fams = taf[taf["episode_id"].notna() & ~taf["has_lead"]][["family_id", "locality_id", "episode_id", "level",
                                                             "n_agencies"]].copy()
    needs = net.ds.family_needs
    if "resolved" in needs.columns:
        needs = needs[~needs["resolved"].fillna(False).astype(bool)]
    by_episode = needs.groupby(needs["episode_id"].astype(str))["need"].agg(lambda s: tuple(sorted(set(map(str, s)))))
    fams["needs"] = fams["episode_id"].astype(str).map(by_episode)
    fams["needs"] = fams["needs"].apply(lambda v: v if isinstance(v, tuple) else ())
    return fams.reset_index(drop=True)


def _as_costs(values: Any, n: int) -> np.ndarray:
    """A cost function's answer for ``n`` pairs as float64, or a ValidationError (not numpy's bare ValueError).

    A Series is read by its index (the pairs' row numbers ``0..n-1``), not by position: one
    whose rows were reordered (sorted, merged) would otherwise give each pair another's cost.
    """
    if isinstance(values, pd.Series) and not values.index.equals(pd.RangeIndex(n)):
        index = values.index
        if len(index) != n or not index.is_unique or not index.sort_values().equals(pd.RangeIndex(n)):
            raise ValidationError(Problem("allocate_leads", "cost", "cost function returned a Series whose index "
                                          f"is not the pairs' row numbers 0..{n - 1}"))
        values = values.sort_index()
    try:
        costs = np.asarray(values)
        if costs.dtype.kind == "c":
            raise TypeError("complex numbers")
        return np.asarray(costs, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValidationError(Problem("allocate_leads", "cost", f"cost function must return numbers ({err})")) \
            from None


def _pair_costs(fams: pd.DataFrame, pracs: pd.DataFrame, cost: CostFunction) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (family, practitioner) pairs with a finite cost, computed in chunks."""
    nf, npr = len(fams), len(pracs)
    fi_all, pi_all, c_all = [], [], []
    rows = max(1, _CHUNK_PAIRS // max(npr, 1))
    for lo in range(0, nf, rows):
        hi = min(nf, lo + rows)
        fi = np.repeat(np.arange(lo, hi), npr)
        pi = np.tile(np.arange(npr), hi - lo)
        c = _as_costs(cost(fams.iloc[fi].reset_index(drop=True), pracs.iloc[pi].reset_index(drop=True)), len(fi))
        if c.shape != fi.shape:
            raise ValidationError(Problem("allocate_leads", "cost",
                                          f"cost function returned shape {c.shape}, expected ({len(fi)},)"))
        if (c < 0).any():
            bad = np.flatnonzero(c < 0)
            raise ValidationError(Problem("allocate_leads", "cost", "costs must be >= 0 (NaN or inf = not eligible)",
                                          [f"{fams['family_id'].iat[fi[b]]}/{pracs['practitioner_id'].iat[pi[b]]}"
                                           for b in bad[:10]], len(bad), float(c[bad[0]])))
        ok = np.isfinite(c)
        fi_all.append(fi[ok]), pi_all.append(pi[ok]), c_all.append(c[ok])
    if not fi_all:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return np.concatenate(fi_all), np.concatenate(pi_all), np.concatenate(c_all)


def solve_assignment(n_families: int, spare: np.ndarray, fi: np.ndarray, pi: np.ndarray, c: np.ndarray,
                     candidates: Optional[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Min-cost max-flow assignment over all (family, practitioner) pairs, starting from
    ``candidates`` cheapest per family (``None``: all; ``AUTOMATIC``: the solver's choice;
    exact either way; see the module docstring)."""
    spare = np.ascontiguousarray(spare, dtype=np.int64)
    fi, pi = np.asarray(fi, dtype=np.int64), np.asarray(pi, dtype=np.int64)
    c = np.asarray(c, dtype=np.float64)
    _check_cost_resolution(c)
    # a practitioner with no room takes nobody: their pairs would only fill the candidate lists
    # (a pair naming no practitioner stays, for the core to report)
    known = (pi >= 0) & (pi < len(spare))
    room = ~known
    room[known] = spare[pi[known]] > 0
    fi, pi, c = fi[room], pi[room], c[room]
    with naming("allocate_leads"):
        who, cost, _, _, _ = core.assign_min_cost(int(n_families), spare, np.ascontiguousarray(fi),
                                                  np.ascontiguousarray(pi), np.ascontiguousarray(c),
                                                  int(candidates or 0))
    return who, cost


# The core solves on whole numbers: the largest cost becomes 1e9 and the others are rounded to scale.
_COST_STEPS = 1e9


def _check_cost_resolution(c: np.ndarray) -> None:
    """A ValidationError when the solver's step (the largest cost over 1e9) is more than a
    millionth of a typical positive cost: a large 'never' penalty beside small costs, which
    the rounding to steps would make count as equal, so the answer would not be the least
    cost. Finer differences (two costs a billionth of the largest apart) change a total by
    less than a step a family and are not refused."""
    top = float(c.max()) if len(c) else 0.0
    if top <= 0:
        return
    step = top / _COST_STEPS
    # the median of at most ~10,000 evenly spaced pairs (this runs on every pair of a large problem)
    sample = c[::max(1, len(c) // 10_000)]
    positive = sample[sample > 0]
    if not len(positive):
        positive = c[c > 0]
    # as shares of the largest: the median averages two costs, whose sum near 1e308 overflows
    typical = float(np.median(positive / top)) * top
    if step > 1e-6 * typical:
        raise ValidationError(Problem(
            "allocate_leads", "cost", f"costs from {positive.min():g} to {top:g} span too wide a "
            f"range: the solver counts costs in steps of {step:.3g}, more than a millionth of a typical cost "
            f"({typical:g}), so costs that differ would count as equal. Give a pair that must not be used NaN "
            "or inf (not eligible) rather than a large cost"))


def allocate_leads(ds: Any, at: Any = None, cost: Optional[CostFunction] = None, candidates: Optional[int] = -1,
                   network: Optional[FamilyNetwork] = None) -> Allocation:
    """Assign lead practitioners to families that have none, by minimum-cost flow.

    Parameters
    ----------
    ds : Dataset
    at : date, optional
        Allocate as the data stood at this date (``ds.snapshot(at)``).
    cost : callable, optional
        ``cost(families, practitioners) -> array``: a vectorised function of two
        aligned DataFrames (row i of each is one pair) returning one cost per pair;
        NaN or inf = not eligible, negative costs are an error, and so are costs whose
        total over the assigned families would pass the largest float. Family columns:
        family_id, locality_id, episode_id, level, n_agencies, needs (tuple).
        Practitioner columns: practitioner_id, agency_id, agency_type, locality_id,
        tier, fte, caseload_capacity, open_families, spare. Default :func:`default_cost`.
    candidates : int or None
        Start the solver from each family's ``candidates`` cheapest practitioners
        and add the others by pricing (see the module docstring; the answer is the
        same); ``None`` uses all pairs from the start; the default (-1) lets the
        solver choose by method.
    network : FamilyNetwork, optional
        Reuse an already built network (then ``ds`` and ``at`` are ignored).

    Returns
    -------
    Allocation
    """
    if network is not None and not isinstance(network, FamilyNetwork):
        raise ValidationError(Problem("allocate_leads", "network", "must be a FamilyNetwork "
                                      f"(FamilyNetwork.from_dataset(ds, at)), got {type(network).__name__}"))
    if cost is not None and not callable(cost):
        raise ValidationError(Problem("allocate_leads", "cost", "must be a function cost(families, practitioners) "
                                      f"returning one cost per pair, got {type(cost).__name__}"))
    if candidates is not None:
        candidates = _whole(candidates, "allocate_leads", "candidates")
    net = network if network is not None else FamilyNetwork.from_dataset(ds, at)
    fams = _family_table(net)
    loads = net.caseloads()
    # by id, so that equally good answers are chosen the same way whatever the rows' order
    pracs = loads.sort_values("practitioner_id", kind="stable").reset_index(drop=True)
    pracs["spare"] = pracs["spare"].fillna(0).astype(np.int64).clip(lower=0)
    if candidates is not None and candidates < 1 and candidates != AUTOMATIC:
        raise ValidationError(Problem("allocate_leads", None, f"candidates must be >= 1 or None, got {candidates}"))
    if candidates is not None and candidates > len(pracs):
        candidates = max(1, len(pracs))  # more than there are practitioners: every one, as the solver takes it
    fi, pi, c = _pair_costs(fams, pracs, cost or default_cost)
    spare = pracs["spare"].to_numpy(np.int64)
    who, fam_cost = solve_assignment(len(fams), spare, fi, pi, c, candidates)

    got = who >= 0
    with np.errstate(over="ignore"):
        total = float(fam_cost[got].sum())
    if not np.isfinite(total):
        # each cost is finite, their sum is not: the total would be inf (only the costs' ratios matter)
        raise ValidationError(Problem("allocate_leads", "cost", "the assigned families' costs add up to more than "
                                      f"{np.finfo(np.float64).max:.3g}, so the total would overflow: rescale the "
                                      "costs (the allocation depends only on their ratios)",
                                      value=float(fam_cost[got].max())))
    assignments = pd.DataFrame({
        "family_id": fams["family_id"].to_numpy()[got],
        "episode_id": fams["episode_id"].to_numpy()[got],
        "practitioner_id": pracs["practitioner_id"].to_numpy()[who[got]],
        "cost": fam_cost[got],
        "family_locality_id": fams["locality_id"].to_numpy()[got],
        "practitioner_locality_id": pracs["locality_id"].to_numpy()[who[got]],
        "agency_id": pracs["agency_id"].to_numpy()[who[got]],
        "agency_type": pracs["agency_type"].to_numpy()[who[got]],
        "tier": pracs["tier"].to_numpy()[who[got]],
    })
    for col in ("family_id", "episode_id", "practitioner_id", "family_locality_id", "practitioner_locality_id",
                "agency_id"):
        assignments[col] = assignments[col].astype("string[pyarrow]")
    eligible = np.zeros(len(fams), bool)
    eligible[fi] = True
    # eligible only with practitioners whose capacity is not recorded (taken as 0)
    recorded = pracs["caseload_capacity"].notna().to_numpy()
    with_recorded = np.zeros(len(fams), bool)
    with_recorded[fi[recorded[pi]]] = True
    unassigned = fams.loc[~got, ["family_id", "locality_id", "episode_id"]].copy()
    unassigned["reason"] = np.where(~eligible[~got], "no eligible practitioner",
                                    np.where(with_recorded[~got], "no capacity", NOT_RECORDED))
    used = np.bincount(who[got], minlength=len(pracs))
    table = pd.DataFrame({"practitioner_id": pracs["practitioner_id"], "spare_before": spare, "assigned": used,
                          "spare_after": spare - used})
    return Allocation(assignments, unassigned.reset_index(drop=True), table, total)
