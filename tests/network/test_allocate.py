"""allocate_leads: capacities, reasons, and optimality against an exact solver."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from earlyhelp import ValidationError
from earlyhelp.network import FamilyNetwork, allocate_leads
from earlyhelp.network.allocate import AUTOMATIC, solve_assignment

from _council import small_council


def exact_optimum(nf, spare, fi, pi, c):
    """(families assigned, least cost) by linear_sum_assignment over capacity slots plus 'unassigned' columns."""
    slots = np.repeat(np.arange(len(spare)), spare)
    big, unassigned = 1e9, 1e6
    m = np.full((nf, len(slots) + nf), big)
    cost = np.full((nf, len(spare)), np.inf)
    cost[fi, pi] = np.minimum(cost[fi, pi], c)
    if len(slots):
        m[:, : len(slots)] = np.where(np.isfinite(cost[:, slots]), cost[:, slots], big)
    m[:, len(slots):] = unassigned
    rows, cols = linear_sum_assignment(m)
    total = m[rows, cols].sum()
    n_un = int((cols >= len(slots)).sum())
    return nf - n_un, total - n_un * unassigned


@pytest.mark.parametrize("seed", range(40))
def test_flow_matches_exact_solver(seed):
    rng = np.random.default_rng(seed)
    nf, npr = int(rng.integers(1, 25)), int(rng.integers(1, 7))
    spare = rng.integers(0, 5, npr)
    mask = rng.random((nf, npr)) < 0.7
    fi, pi = np.nonzero(mask)
    c = rng.integers(0, 12, len(fi)).astype(float) + (rng.random(len(fi)) if seed % 2 else 0)
    who, cost = solve_assignment(nf, spare, fi, pi, c, candidates=None)
    n_opt, cost_opt = exact_optimum(nf, spare, fi, pi, c)
    assert (who >= 0).sum() == n_opt
    assert np.nansum(cost) == pytest.approx(cost_opt, abs=1e-6)
    assert (np.bincount(who[who >= 0], minlength=npr) <= spare).all()
    # Pruned candidates with pricing reach the same optimum (count and cost).
    for k in (1, 2):
        who_k, cost_k = solve_assignment(nf, spare, fi, pi, c, candidates=k)
        assert (who_k >= 0).sum() == n_opt
        assert np.nansum(cost_k) == pytest.approx(cost_opt, abs=1e-6)
        assert (np.bincount(who_k[who_k >= 0], minlength=npr) <= spare).all()


@pytest.fixture(scope="module")
def council():
    return small_council(n_families=400, n_practitioners=30, seed=2)


def test_capacity_never_exceeded(council):
    at = "2024-06-30"
    result = allocate_leads(council, at=at)
    loads = FamilyNetwork.from_dataset(council, at=at).caseloads().set_index("practitioner_id")
    assigned = result.assignments["practitioner_id"].value_counts()
    for pid, k in assigned.items():
        spare = max(int(loads.loc[pid, "caseload_capacity"]) - int(loads.loc[pid, "open_families"]), 0)
        assert k <= spare
    assert (result.practitioners["spare_after"] >= 0).all()
    zero = loads.index[loads["caseload_capacity"] == 0]
    assert not result.assignments["practitioner_id"].isin(zero).any()
    # Every family without a lead is either assigned or listed with a reason.
    taf = FamilyNetwork.from_dataset(council, at=at).team_around_family()
    need = set(taf.loc[taf["episode_id"].notna() & ~taf["has_lead"], "family_id"])
    got = set(result.assignments["family_id"]) | set(result.unassigned["family_id"])
    assert got == need and not set(result.assignments["family_id"]) & set(result.unassigned["family_id"])
    assert result.total_cost == pytest.approx(result.assignments["cost"].sum())


def test_default_cost_prefers_local_lead_practitioners(council):
    result = allocate_leads(council, at="2024-06-30")
    a = result.assignments
    assert (a["tier"] != "occasional_aware").all()
    local = (a["family_locality_id"] == a["practitioner_locality_id"]).mean()
    assert local > 0.5


def test_user_cost_function_and_reasons(council):
    # Only practitioners in the family's locality are eligible, cost = practitioner number.
    def cost(fam, prac):
        same = fam["locality_id"].to_numpy() == prac["locality_id"].to_numpy()
        return np.where(same, prac["practitioner_id"].str[1:].astype(int).to_numpy(), np.nan)

    result = allocate_leads(council, at="2024-06-30", cost=cost)
    a = result.assignments
    assert (a["family_locality_id"] == a["practitioner_locality_id"]).all()
    assert set(result.unassigned["reason"]) <= {"no capacity", "no eligible practitioner"}
    none = allocate_leads(council, at="2024-06-30", cost=lambda f, p: np.full(len(f), np.inf))
    assert none.assignments.empty and (none.unassigned["reason"] == "no eligible practitioner").all()


def test_zero_capacity_everyone_gives_no_capacity(council):
    prac = council.practitioners.copy()
    prac["caseload_capacity"] = pd.array([0] * len(prac), dtype="Int64")
    result = allocate_leads(council.replace(practitioners=prac), at="2024-06-30")
    assert result.assignments.empty
    assert (result.unassigned["reason"] == "no capacity").all()
    assert (result.practitioners["spare_before"] == 0).all()


def test_bad_cost_raises(council):
    with pytest.raises(ValidationError):
        allocate_leads(council, at="2024-06-30", cost=lambda f, p: -np.ones(len(f)))
    with pytest.raises(ValidationError):
        allocate_leads(council, at="2024-06-30", cost=lambda f, p: np.ones(3))
    with pytest.raises(ValidationError):
        allocate_leads(council, at="2024-06-30", candidates=0)
    with pytest.raises(ValidationError):
        allocate_leads(council, at="2024-06-30", candidates=-2)


def test_more_candidates_than_practitioners_is_every_practitioner(council):
    every = allocate_leads(council, at="2024-06-30", candidates=None)
    huge = allocate_leads(council, at="2024-06-30", candidates=2 ** 63)  # past any int the core takes
    assert huge.assignments.equals(every.assignments)


def test_core_flow_bad_input():
    from earlyhelp._core import CoreInputError, network as core

    with pytest.raises(CoreInputError):
        core.assign_min_cost(2, np.array([1]), np.array([0]), np.array([0]), np.array([np.nan]))
    with pytest.raises(CoreInputError):
        core.assign_min_cost(2, np.array([-1]), np.array([0]), np.array([0]), np.array([1.0]))
    with pytest.raises(CoreInputError):
        core.assign_min_cost(2, np.array([1]), np.array([5]), np.array([0]), np.array([1.0]))


def test_pricing_matches_full_solve_on_a_larger_case():
    """5,000 pairs, 20 candidates per family to start: pricing must recover the full optimum."""
    rng = np.random.default_rng(42)
    nf, npr = 250, 20
    spare = rng.integers(0, 12, npr)
    f_loc, p_loc = rng.integers(0, 4, nf), rng.integers(0, 4, npr)
    cost = rng.choice([0.0, 2.0, 4.0], npr)[None, :] + np.where(f_loc[:, None] == p_loc[None, :], 0.0, 3.0) \
        + rng.random((nf, npr))
    fi, pi = np.divmod(np.arange(nf * npr), npr)
    c = cost.ravel()
    full_who, full_cost = solve_assignment(nf, spare, fi, pi, c, candidates=None)
    n_opt, cost_opt = exact_optimum(nf, spare, fi, pi, c)
    assert (full_who >= 0).sum() == n_opt and np.nansum(full_cost) == pytest.approx(cost_opt, abs=1e-6)
    for k in (1, 3, 20):
        who, fam_cost = solve_assignment(nf, spare, fi, pi, c, candidates=k)
        assert (who >= 0).sum() == n_opt
        assert np.nansum(fam_cost) == pytest.approx(cost_opt, abs=1e-6)


@pytest.mark.parametrize("candidates", [None, 10, AUTOMATIC])
def test_real_valued_costs_are_solved_by_cost_scaling(candidates):
    """Distances-like costs with no ties (1,500 families x 60 practitioners): the solver takes
    cost scaling (a few dozen phases, not one a family) and still reaches scipy's exact optimum,
    from all pairs, from 10 per family and from its own choice (16 per family, then pricing)."""
    from earlyhelp._native import network as core

    rng = np.random.default_rng(8)
    nf, npr = 1_500, 60
    spare = rng.integers(0, 20, npr)
    fam_xy, prac_xy = rng.random((nf, 2)) * 20, rng.random((npr, 2)) * 20
    dist = np.hypot(*(fam_xy[:, None, :] - prac_xy[None, :, :]).transpose(2, 0, 1))
    fi, pi = np.divmod(np.arange(nf * npr), npr)
    c = dist.ravel()
    who, fam_cost = solve_assignment(nf, spare, fi, pi, c, candidates=candidates)
    n_opt, cost_opt = exact_optimum(nf, spare, fi, pi, c)
    assert (who >= 0).sum() == n_opt
    assert np.nansum(fam_cost) == pytest.approx(cost_opt, rel=1e-8)  # steps of the largest cost / 1e9
    assert (np.bincount(who[who >= 0], minlength=npr) <= spare).all()
    *_, phases, rounds = core.assign_min_cost(nf, spare.astype(np.int64), fi.astype(np.int64), pi.astype(np.int64),
                                              c, candidates or 0)
    assert phases < 40 * rounds
    *_, slow_phases, _ = core.assign_min_cost(nf, spare.astype(np.int64), fi.astype(np.int64), pi.astype(np.int64),
                                              c, 0, core.FlowMethod.primal_dual)
    assert slow_phases > 300
