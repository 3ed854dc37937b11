"""The bounds audit on large linked tables, and hidden cells the algebra works out with every
neighbour hidden: the audit covers every linked group (or says which cells it did not), and no
hidden cell is left pinned."""
from __future__ import annotations

import numpy as np
import pytest

from earlyhelp.report import suppression
from earlyhelp.report.suppression import hidden_ranges, suppress, suppress_cells


def _table_with_margins(body: np.ndarray):
    """Cells of a two-way table with row and column totals (row-major, totals last) and its relations."""
    r, k = body.shape
    full = np.zeros((r + 1, k + 1))
    full[:r, :k] = body
    full[:r, k] = body.sum(axis=1)
    full[r, :] = full[:r, :].sum(axis=0)
    at = np.arange(full.size).reshape(full.shape)
    rels = [(int(at[i, k]), tuple(int(c) for c in at[i, :k])) for i in range(r + 1)]
    rels += [(int(at[r, j]), tuple(int(c) for c in at[:r, j])) for j in range(k + 1)]
    return full.ravel(), rels, at


def _planted():
    """A 24 x 24 table with more than 400 small counts, and in row 0 two zeros hidden beside a
    published total and published parts: the algebra leaves them open (their columns hide other
    cells), but counts >= 0 pin both to 0."""
    rng = np.random.default_rng(3)
    body = rng.integers(1, 6, size=(24, 24)).astype(float)       # every cell small: primary
    body[0] = rng.integers(30, 60, size=24)                        # row 0: large, published
    body[0, :2] = 0.0
    values, rels, at = _table_with_margins(body)
    seed = np.zeros(len(values), dtype=bool)
    seed[[at[0, 0], at[0, 1]]] = True
    return values, rels, seed, [int(at[0, 0]), int(at[0, 1])]


def test_the_bounds_audit_runs_on_more_than_400_hidden_cells_and_catches_a_planted_disclosure():
    values, rels, seed, planted = _planted()
    algebra_only = suppress_cells(values, rels, hidden=seed, lp_audit=False)
    assert algebra_only.hidden.sum() > 400
    idx = np.flatnonzero(algebra_only.hidden)
    ranges = hidden_ranges(values, rels, algebra_only.hidden)
    pinned = idx[ranges[:, 1] - ranges[:, 0] < 0.5]
    assert set(planted) <= set(pinned.tolist())            # the disclosure the algebra does not see
    audited = suppress_cells(values, rels, hidden=seed)
    assert audited.hidden.sum() > 400 and audited.not_audited == {}
    ranges = hidden_ranges(values, rels, audited.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 0.5).all()


def test_cells_of_a_linked_group_too_large_to_audit_are_covered_by_hiding_their_table(monkeypatch):
    """A linked group too large to audit is not published unaudited: every cell linked to it is
    hidden (a count of 1 or more in a table hidden whole can be any multiple of itself), and the
    result says which and why."""
    values, rels, seed, planted = _planted()
    monkeypatch.setattr(suppression, "_LP_AUDIT_MAX_BLOCK", 50)
    with pytest.warns(UserWarning, match="could not cover every hidden cell"):
        result = suppress_cells(values, rels, hidden=seed)
    assert result.hidden.all() and result.not_audited == {}
    assert result.fallback_hidden and all("more than the 50" in why for why in result.fallback_hidden.values())
    ranges = hidden_ranges(values, rels, result.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 1).all()
    # the tidy-table entry point says it too, per value column and row
    import pandas as pd

    r = 24
    frame = pd.DataFrame({"row": [f"r{i}" if i < r else "Total" for i in range(r + 1) for _ in range(r + 1)],
                          "col": [f"k{j}" if j < r else "Total" for _ in range(r + 1) for j in range(r + 1)],
                          "count": values.astype(int)})
    with pytest.warns(UserWarning, match="could not cover every hidden cell"):
        out = suppress(frame, "count", dims=["row", "col"], totals={"row": "Total", "col": "Total"})
    assert out.fallback_hidden["count"] and (out["count_status"] == "c").all() and not out.not_audited


def test_a_cell_worked_out_with_every_neighbour_hidden_gets_a_cell_it_is_read_from_hidden():
    """A stock and its flows: open at a month's end = open a month before + opened - closed, and
    the 12-month opened and closed are the sums of the months. The last month's stock is
    s0 + opened(12 months) - closed(12 months) although every cell beside it is hidden; it was
    published worked out (the monthly pack of a small council did this)."""
    # cells: s0 s1 s2 in1 in2 out1 out2 Yin Yout
    values = np.array([20, 19, 18, 3, 4, 4, 5, 7, 9], dtype=float)
    rels = [((1, 5), (0, 3)), ((2, 6), (1, 4)), (7, (3, 4)), (8, (5, 6))]
    seed = np.zeros(len(values), dtype=bool)
    seed[[1, 2]] = True                    # the stock hidden elsewhere; the flows are small
    for lp_audit in (False, None):
        result = suppress_cells(values, rels, hidden=seed, lp_audit=lp_audit)
        ranges = hidden_ranges(values, rels, result.hidden)
        assert (ranges[:, 1] - ranges[:, 0] >= 0.5).all(), (lp_audit, ranges.tolist())
        assert result.hidden[7] and result.reason[7] == "secondary"     # the 12-month opened, the smallest read


@pytest.mark.parametrize("lp_audit", [False, None])
def test_hidden_ranges_and_the_audit_agree_on_small_tables(lp_audit):
    """The audit (points that bound each range from inside, then exact programmes) pins exactly the
    cells the exact ranges find narrow."""
    rng = np.random.default_rng(11)
    for _ in range(10):
        body = rng.poisson(4, size=(4, 5)).astype(float)
        values, rels, _ = _table_with_margins(body)
        result = suppress_cells(values, rels, lp_audit=lp_audit)
        eq = suppression._Equations(suppression._normalised(rels), len(values))
        pinned, skipped = suppression._pinned_by_bounds(eq, values, result.hidden, required=True)
        ranges = hidden_ranges(values, rels, result.hidden)
        exact = np.flatnonzero(result.hidden)[ranges[:, 1] - ranges[:, 0] < 0.5]
        assert pinned.tolist() == exact.tolist() and skipped == {}


def test_a_range_holding_one_whole_number_pins_the_count():
    """2 x0 + x1 = 3 and 2 x0 - x2 = 1 with x >= 0 put x0 in [0.5, 1.5]: wider than a half, but
    a count in it can only be 1, so the audit must call it pinned. Then x1 = 3 - 2 x0 and
    x2 = 2 x0 - 1 are 1 as well, though their linear ranges, [0, 2], hold three whole numbers."""
    a = np.array([[2.0, 1.0, 0.0], [2.0, 0.0, -1.0]])
    narrow = suppression._narrow_cells(a, np.array([3.0, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert narrow.tolist() == [True, True, True]


def _odd_cycle():
    """Three counts x1, x2, x3, each published in two tables (x1 = x1b ...), whose pair sums with
    slacks are published (x1 + x2 + s12 = 7 ...), and T = x1 + x1b + x2 + x2b + x3 + x3b = Q + 20
    with 20 published. A linear programme lets x1 = x2 = x3 = 3.5, so T in [20, 21]; but whole
    x's with pair sums at most 7 add up to 10 at most, and Q >= 0 needs 10: T is 20 and Q is 0."""
    # cells: x1 x2 x3 x1b x2b x3b s12 s23 s13 P12 P23 P13 T Q K
    values = np.array([3, 4, 3, 3, 4, 3, 0, 0, 1, 7, 7, 7, 20, 0, 20], dtype=float)
    rels = [(0, (3,)), (1, (4,)), (2, (5,)), (9, (0, 1, 6)), (10, (1, 2, 7)), (11, (0, 2, 8)),
            (12, (0, 3, 1, 4, 2, 5)), (12, (13, 14))]
    hidden = np.zeros(len(values), dtype=bool)
    hidden[[0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13]] = True
    return values, rels, hidden


def test_a_count_only_whole_numbers_pin_is_found_and_covered():
    """Where the relations' matrix is not totally unimodular (a count in two tables, an odd cycle of
    pair sums), the linear range of T holds 20 and 21, its whole range only 20: the audit must see
    the whole range, and hide more until every hidden cell can take two whole values."""
    from scipy.optimize import linprog

    values, rels, hidden = _odd_cycle()
    ranges = hidden_ranges(values, rels, hidden)
    t = int(np.searchsorted(np.flatnonzero(hidden), 12))
    assert ranges[t].tolist() == [20.0, 20.0]                    # the integer attack pins T
    a, b, idx = suppression._Equations(suppression._normalised(rels), len(values)).system(
        hidden, values=values, sparse=True)
    c = np.zeros(a.shape[1])
    c[t] = -1.0
    assert -linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs").fun == pytest.approx(21.0)
    result = suppress_cells(values, rels, hidden=hidden)
    assert result.not_audited == {}
    ranges = hidden_ranges(values, rels, result.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 1).all(), ranges.tolist()
    assert result.hidden.sum() > hidden.sum()                    # it took more cells hidden


def test_the_audit_solves_with_one_blas_thread(monkeypatch):
    """Its many small solves run faster on one BLAS thread (earlyhelp._blas), and the
    caller's limit returns after."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    seen = []
    solve = suppression._in_row_space

    def watched(a):
        seen.append(blas_threads())
        return solve(a)

    monkeypatch.setattr(suppression, "_in_row_space", watched)
    values, rels, _ = _table_with_margins(np.array([[3, 20, 30], [25, 2, 40], [50, 60, 4]], dtype=float))
    with threadpool_limits(limits=2, user_api="blas"):
        result = suppress_cells(values, rels)
        assert blas_threads() == {2}
    assert seen and all(s == {1} for s in seen)
    assert result.hidden.sum() > 3  # primary and secondary cells


def test_cells_published_earlier_are_never_hidden_and_count_as_known():
    """An earlier release printed the total: the part beside the small one is hidden instead, and
    where every other cell is public already, the small one is said to be worked out, never passed."""
    # 13 = 3 + 10 (total published before): 10 hidden, 13 stays shown
    r = suppress_cells([13, 3, 10], [(0, (1, 2))], published=[True, False, False])
    assert r.hidden.tolist() == [False, True, True]
    # 20 = 3 + 17 (20 public) and 17 = 9 + 8: the 17 joins the 3, and then the 8 joins the 17
    r = suppress_cells([20, 3, 17, 9, 8], [(0, (1, 2)), (2, (3, 4))], published=[True, False, False, False, False])
    assert r.hidden.tolist() == [False, True, True, False, True] and not r.not_audited
    # every other cell public: the 3 is worked out, and the result says so
    r = suppress_cells([13, 3, 10], [(0, (1, 2))], published=[True, False, True])
    assert r.hidden.tolist() == [False, True, False] and 1 in r.not_audited
    with pytest.raises(ValueError, match="both published and hidden"):
        suppress_cells([13, 3, 10], [(0, (1, 2))], hidden=[False, True, False], published=[False, True, False])
    # a small count published before is known, not hidden: 13 = 3 + 10 with the 3 public
    r = suppress_cells([13, 3, 10], [(0, (1, 2))], published=[False, True, False])
    assert not r.hidden.any()
