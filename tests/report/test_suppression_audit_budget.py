"""The bounds audit's budget is counted in linear and integer programmes, not in seconds: the same
table gives the same cells hidden however slow the machine, and when the budget runs out the
cells it could not audit are covered by hiding every cell linked to them, never published
unaudited."""
from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.suppression import AuditBudget, hidden_ranges, suppress, suppress_cells, suppress_table


def _odd_cycle():
    """Counts whose linear ranges are wider than their whole ones (see test_suppression_audit):
    the audit needs integer programmes here, so a time limit could cut it short."""
    # cells: x1 x2 x3 x1b x2b x3b s12 s23 s13 P12 P23 P13 T Q K
    values = np.array([3, 4, 3, 3, 4, 3, 0, 0, 1, 7, 7, 7, 20, 0, 20], dtype=float)
    rels = [(0, (3,)), (1, (4,)), (2, (5,)), (9, (0, 1, 6)), (10, (1, 2, 7)), (11, (0, 2, 8)),
            (12, (0, 3, 1, 4, 2, 5)), (12, (13, 14))]
    hidden = np.zeros(len(values), dtype=bool)
    hidden[[0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13]] = True
    return values, rels, hidden


def _slow_clock(monkeypatch) -> None:
    """A machine so loaded that every look at the clock finds 1,000 s more gone."""
    ticks = itertools.count(1)
    real_monotonic, real_perf, real_time = time.monotonic, time.perf_counter, time.time
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 1000.0 * next(ticks))
    monkeypatch.setattr(time, "perf_counter", lambda: real_perf() + 1000.0 * next(ticks))
    monkeypatch.setattr(time, "time", lambda: real_time() + 1000.0 * next(ticks))


def _outcome(result):
    return (result.hidden.tolist(), result.reason.tolist(), dict(result.not_audited),
            dict(getattr(result, "fallback_hidden", {})))


def test_a_slow_machine_hides_the_same_cells(monkeypatch):
    """With the audit timed, a loaded machine left T unaudited where an idle one covered it: the
    same table published different cells. Counted in programmes, the machine makes no difference."""
    values, rels, hidden = _odd_cycle()
    idle = suppress_cells(values, rels, hidden=hidden)
    with monkeypatch.context() as m:
        _slow_clock(m)
        slow = suppress_cells(values, rels, hidden=hidden)
    assert _outcome(slow) == _outcome(idle)
    assert slow.not_audited == {} and slow.hidden.sum() > hidden.sum()
    ranges = hidden_ranges(values, rels, slow.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 1).all(), ranges.tolist()


@pytest.mark.parametrize("budget", [0, 1, 3])
def test_a_budget_used_up_gives_the_same_result_on_every_run_and_hides_instead(budget, monkeypatch):
    """The budget runs out before T's range is found: every cell linked to it is hidden (none is
    published unaudited), the result says so and how much was used, and two runs, one on a slowed
    clock, agree cell for cell."""
    values, rels, hidden = _odd_cycle()
    with pytest.warns(UserWarning, match="could not cover every hidden cell"):
        first = suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    _slow_clock(monkeypatch)
    with pytest.warns(UserWarning, match="could not cover every hidden cell"):
        second = suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    assert _outcome(first) == _outcome(second)
    assert first.budget_exhausted and first.audit_solves == budget
    assert first.hidden.all()                      # one linked table: hidden whole
    assert set(first.fallback_hidden) == set(np.flatnonzero(first.hidden & ~hidden).tolist())
    assert all("budget of" in why for why in first.fallback_hidden.values())
    assert first.not_audited == {}                 # nothing published before: no cell left unproven
    ranges = hidden_ranges(values, rels, first.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 1).all(), ranges.tolist()


def test_the_budget_counts_every_programme(monkeypatch):
    import scipy.optimize

    solved = []
    linprog, milp = scipy.optimize.linprog, scipy.optimize.milp
    monkeypatch.setattr(scipy.optimize, "linprog", lambda *a, **k: solved.append("lp") or linprog(*a, **k))
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: solved.append("ip") or milp(*a, **k))
    values, rels, hidden = _odd_cycle()
    budget = AuditBudget(1000)
    result = suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    assert "ip" in solved and result.audit_solves == len(solved) == budget.used
    assert not result.budget_exhausted and budget.record() == {"budget": 1000, "used": len(solved),
                                                               "left": 1000 - len(solved), "exhausted": False,
                                                               "fallback_hidden": 0,
                                                               "largest_group": budget.largest_group}
    assert 0 < budget.largest_group <= len(values)


def test_a_budget_shared_by_calls_is_drawn_down_in_order():
    """A pack's tables share one budget: the first call uses part, the next what is left; once it
    is used up, the later calls hide what they cannot audit."""
    values, rels, hidden = _odd_cycle()
    alone = suppress_cells(values, rels, hidden=hidden)
    budget = AuditBudget(alone.audit_solves + 1)
    first = suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    assert _outcome(first) == _outcome(alone) and budget.left == 1
    with pytest.warns(UserWarning, match="could not cover"):
        second = suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    assert second.budget_exhausted and second.audit_solves == 1 and second.hidden.all()
    assert budget.exhausted and budget.left == 0 and budget.fallback_hidden == len(second.fallback_hidden)


def test_cells_published_before_leave_what_the_fallback_cannot_prove_listed():
    """Where the linked table holds a cell published before, hiding all the rest proves nothing:
    the cells still unproven are listed with why, never passed as safe."""
    values, rels, hidden = _odd_cycle()
    public = np.zeros(len(values), dtype=bool)
    public[14] = True                               # K, published by an earlier release
    with pytest.warns(UserWarning, match="could not cover"):
        result = suppress_cells(values, rels, hidden=hidden, published=public, audit_budget=0)
    assert result.hidden[:14].all() and not result.hidden[14]
    assert result.not_audited and set(result.not_audited) <= set(np.flatnonzero(result.hidden).tolist())
    assert all("budget of 0" in why and "not public already is hidden" in why
               for why in result.not_audited.values())


def test_a_table_needing_no_integer_programme_is_not_cut_short():
    """A two-way table's audit needs a few linear programmes: well within the default budget."""
    body = np.array([[3, 20, 30], [25, 2, 40], [50, 60, 4]], dtype=float)
    full = np.zeros((4, 4))
    full[:3, :3] = body
    full[:3, 3] = body.sum(axis=1)
    full[3] = full[:3].sum(axis=0)
    at = np.arange(16).reshape(4, 4)
    rels = [(int(at[i, 3]), tuple(int(c) for c in at[i, :3])) for i in range(4)]
    rels += [(int(at[3, j]), tuple(int(c) for c in at[:3, j])) for j in range(4)]
    result = suppress_cells(full.ravel(), rels)
    assert not result.budget_exhausted and 0 < result.audit_solves < 20 and not result.fallback_hidden


def test_a_stretch_of_pinned_zeros_costs_programmes_in_proportion_to_its_cells(monkeypatch):
    """A hidden 0 beside a published total of 0 is pinned by ``x >= 0``, and so is the 0 hidden
    beside it; covering them takes a round each. Each round audited every hidden cell again, so
    the programmes grew with the square of the cells: a small council's pack (scale 0.05, seed 1)
    ran 150 rounds, 9,750 programmes and 300 s. A cell proven free stays free as more cells are
    hidden, and a round needs only the lowest pinned cell, so the programmes grow with the cells;
    the same cells are hidden."""
    import scipy.optimize

    solved = []
    linprog = scipy.optimize.linprog
    monkeypatch.setattr(scipy.optimize, "linprog", lambda *a, **k: solved.append(1) or linprog(*a, **k))
    m = 30
    values = np.zeros(3 * m)                       # per i: T_i = a_i + b_i, all 0
    rels = [(3 * i, (3 * i + 1, 3 * i + 2)) for i in range(m)]
    seed = np.zeros(3 * m, dtype=bool)
    seed[1::3] = True                              # a_i hidden elsewhere
    result = suppress_cells(values, rels, hidden=seed)
    assert len(solved) <= 10 * m, len(solved)      # 5,115 when every round audited every cell
    assert result.hidden.all() and result.not_audited == {}
    ranges = hidden_ranges(values, rels, result.hidden)
    assert (ranges[:, 1] - ranges[:, 0] >= 1).all()


def test_suppress_and_suppress_table_pass_the_budget_on():
    import pandas as pd

    df = pd.DataFrame({"area": ["a", "b", "c", "Total"], "count": [3, 20, 4, 27], "other": [30, 40, 2, 72]})
    budget = AuditBudget(0)
    with pytest.warns(UserWarning, match="could not cover"):
        out = suppress(df, ["count", "other"], dims=["area"], totals={"area": "Total"}, audit_budget=budget)
    assert out.budget_exhausted == ["count", "other"] and out.audit_solves == {"count": 0, "other": 0}
    assert (out["count_status"] == "c").all() and (out["other_status"] == "c").all()
    assert set(out.fallback_hidden["count"]) == {1, 3}
    table = pd.DataFrame([[3, 20, 23], [25, 2, 27], [28, 22, 50]], index=["x", "y", "Total"],
                         columns=["p", "q", "Total"])
    wide = suppress_table(table, margins=True)
    assert not wide.budget_exhausted and wide.audit_solves["_value"] > 0


@pytest.mark.parametrize("budget", [-1, 2.5, "100", True, float("nan")])
def test_the_budget_must_be_a_whole_number_of_programmes(budget):
    values, rels, hidden = _odd_cycle()
    with pytest.raises(ValidationError, match="audit_budget"):
        suppress_cells(values, rels, hidden=hidden, audit_budget=budget)
    with pytest.raises(ValidationError, match="audit_budget"):
        AuditBudget(budget)


@pytest.mark.parametrize("call", ["cells", "long", "table"])
def test_audit_seconds_is_refused_with_what_replaced_it(call):
    import pandas as pd

    with pytest.raises(ValidationError, match=r"audit_seconds.*audit_budget"):
        if call == "cells":
            suppress_cells([13, 3, 10], [(0, (1, 2))], audit_seconds=300)
        elif call == "long":
            suppress(pd.DataFrame({"a": ["x", "Total"], "count": [3, 3]}), dims=["a"], totals={"a": "Total"},
                     audit_seconds=300)
        else:
            suppress_table(pd.DataFrame([[3, 20]], index=["r"], columns=["p", "q"]), audit_seconds=300)
