"""allocate_leads answers that were silently wrong: a pruned solve short of the maximum, costs the
solver cannot tell apart, an answer that changed with the rows' order, a cost Series read by
position, and families unassigned for want of a recorded capacity reported as 'no capacity'."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError
from earlyhelp.network import allocate_leads
from earlyhelp.network.allocate import solve_assignment

T0 = pd.Timestamp("2024-01-01")


def _council(capacity, n_families=6, practitioner_order=None) -> Dataset:
    """``n_families`` families in L1 with an open episode and no lead; one practitioner per capacity."""
    n = len(capacity)
    practitioners = pd.DataFrame({"practitioner_id": [f"P{i + 1}" for i in range(n)], "agency_id": "EH",
                                  "locality_id": "L1", "tier": "frequent_modelling", "fte": 1.0,
                                  "caseload_capacity": capacity})
    if practitioner_order is not None:
        practitioners = practitioners.iloc[practitioner_order].reset_index(drop=True)
    families = pd.DataFrame({"family_id": [f"F{i}" for i in range(n_families)], "locality_id": "L1"})
    episodes = pd.DataFrame({"episode_id": [f"E{i}" for i in range(n_families)], "family_id": families["family_id"],
                             "start_date": T0, "end_date": pd.NaT, "level": 3, "lead_practitioner_id": None,
                             "locality_id": "L1", "end_reason": None})
    return Dataset.from_frames(
        localities=pd.DataFrame({"locality_id": ["L1"], "name": ["North"], "kind": "family_hub_area",
                                 "council_code": "E08000026", "region_code": None, "child_population": 100,
                                 "deprivation": 0.5}),
        agencies=pd.DataFrame({"agency_id": ["EH"], "name": ["Early Help"], "agency_type": ["la_early_help"]}),
        practitioners=practitioners, families=families,
        persons=pd.DataFrame({"person_id": ["C1"], "birth_date": T0, "sex": "U", "ethnicity": "WBRI"}),
        family_members=pd.DataFrame({"family_id": ["F0"], "person_id": ["C1"], "role": "child"}),
        episodes=episodes)


@pytest.mark.parametrize("case", [
    # f2 can only be let in by moving f1 from P2 to P0, a pair left out of f1's one candidate
    dict(nf=3, spare=[1, 1, 1], fi=[0, 1, 1, 2, 2], pi=[1, 0, 2, 1, 2], c=[2.0, 2.0, 1.0, 3.0, 3.0], n=3, cost=7.0),
    # f0's cheapest candidate is a practitioner with no room
    dict(nf=2, spare=[2, 1, 0], fi=[0, 0, 1, 1], pi=[1, 2, 0, 1], c=[2.0, 0.0, 2.0, 0.0], n=2, cost=4.0),
])
def test_pruned_solve_assigns_as_many_as_the_full_one(case):
    args = (case["nf"], np.array(case["spare"]), np.array(case["fi"]), np.array(case["pi"]), np.array(case["c"]))
    for candidates in (None, 1):
        who, cost = solve_assignment(*args, candidates=candidates)
        assert (who >= 0).sum() == case["n"]
        assert np.nansum(cost) == pytest.approx(case["cost"])


def test_random_pruned_solves_match_the_full_one():
    rng = np.random.default_rng(3)
    for _ in range(300):
        nf, npr = int(rng.integers(1, 8)), int(rng.integers(1, 6))
        spare = rng.integers(0, 3, npr)
        fi, pi = np.nonzero(rng.random((nf, npr)) < 0.6)
        c = rng.integers(0, 5, len(fi)).astype(float)
        who, cost = solve_assignment(nf, spare, fi, pi, c, candidates=None)
        who_k, cost_k = solve_assignment(nf, spare, fi, pi, c, candidates=1)
        assert (who_k >= 0).sum() == (who >= 0).sum()
        assert np.nansum(cost_k) == pytest.approx(np.nansum(cost))


def test_a_large_penalty_beside_small_costs_is_refused():
    # with 1e12 as the largest cost the solver's step is 1,000: 0 and 5 look equal, and it chose total 10 over 0
    fi, pi = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 0, 1, 2])
    c = np.array([5.0, 0.0, 0.0, 5.0, 1e12])
    with pytest.raises(ValidationError, match="wide a range"):
        solve_assignment(3, np.array([1, 1, 1]), fi, pi, c, candidates=None)
    who, cost = solve_assignment(3, np.array([1, 1, 1]), fi[:4], pi[:4], c[:4], candidates=None)
    assert who.tolist() == [1, 0, -1] and np.nansum(cost) == 0.0


def test_allocation_does_not_depend_on_the_practitioners_row_order():
    first = allocate_leads(_council([2, 2, 2])).assignments
    again = allocate_leads(_council([2, 2, 2], practitioner_order=[2, 1, 0])).assignments
    pd.testing.assert_frame_equal(first, again)


def test_a_cost_series_is_read_by_its_index():
    def cost(families, practitioners):
        # P1 is dear, the others free; the Series comes back in reverse order (as after a sort)
        values = pd.Series(np.where(practitioners["practitioner_id"] == "P1", 10.0, 0.0))
        return values.iloc[::-1]

    result = allocate_leads(_council([6, 6, 6]), cost=cost)
    assert "P1" not in set(result.assignments["practitioner_id"])
    assert result.total_cost == 0.0
    with pytest.raises(ValidationError, match="index"):
        allocate_leads(_council([6, 6, 6]), cost=lambda f, p: pd.Series(0.0, index=np.arange(len(f)) + 1))


def test_complex_costs_are_refused():
    with pytest.raises(ValidationError, match="numbers"):
        allocate_leads(_council([2, 2, 2]), cost=lambda f, p: np.ones(len(f)) * 1j)


def test_families_unassigned_for_want_of_a_recorded_capacity_say_so():
    result = allocate_leads(_council([np.nan, np.nan]))
    assert result.assignments.empty
    assert (result.unassigned["reason"] == "no capacity recorded").all()
    mixed = allocate_leads(_council([np.nan, 0.0]))
    assert (mixed.unassigned["reason"] == "no capacity").all()


def test_costs_a_billionth_apart_are_not_refused():
    """Many real-valued costs always have some two within a solver step of each other; that
    changes a total by less than a step a family, so it is solved, not refused."""
    rng = np.random.default_rng(0)
    nf, npr = 2000, 100        # 200,000 pairs: some two are a billionth of the largest apart
    fi, pi = np.repeat(np.arange(nf), npr), np.tile(np.arange(npr), nf)
    c = rng.uniform(0, 10, len(fi))
    who, cost = solve_assignment(nf, np.full(npr, 30), fi, pi, c, candidates=None)
    assert (who >= 0).sum() == 2000
