"""Small-number suppression: primary, secondary, and attacks on the published table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.suppression import (SUPPRESSED, hidden_ranges, published, suppress, suppress_cells,
                                          suppress_table)


def with_margins(body) -> pd.DataFrame:
    body = pd.DataFrame(body, index=[f"r{i}" for i in range(len(body))],
                        columns=[f"k{j}" for j in range(len(body[0]))])
    table = body.copy()
    table["Total"] = body.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


def attack(table: pd.DataFrame, shown: pd.DataFrame) -> np.ndarray:
    """Linear-programming attack: each hidden cell's feasible range given the published table."""
    long = table.stack().reset_index()
    long.columns = ["r", "k", "v"]
    pos = {(r, k): i for i, (r, k) in enumerate(zip(long.r, long.k))}
    rels = []
    for r in table.index:
        rels.append((pos[(r, "Total")], tuple(pos[(r, k)] for k in table.columns if k != "Total")))
    for k in table.columns:
        rels.append((pos[("Total", k)], tuple(pos[(r, k)] for r in table.index if r != "Total")))
    hidden = np.array([shown.loc[r, k] == SUPPRESSED for r, k in zip(long.r, long.k)])
    return hidden_ranges(long.v.to_numpy(), rels, hidden), hidden, long


def assert_safe(table: pd.DataFrame, shown: pd.DataFrame, threshold: int = 5) -> None:
    # every small count is hidden, every other published value is the true value
    for r in table.index:
        for k in table.columns:
            true, pub = table.loc[r, k], shown.loc[r, k]
            if 1 <= true <= threshold:
                assert pub == SUPPRESSED, (r, k, true)
            if pub != SUPPRESSED:
                assert pub == true
    ranges, hidden, _ = attack(table, shown)
    if hidden.any():
        width = ranges[:, 1] - ranges[:, 0]
        assert (width > 0.5).all(), f"hidden cell recoverable: ranges {ranges.tolist()}"
    # a hidden cell must share every row/column with at least one other hidden cell
    mask = shown == SUPPRESSED
    for axis in (0, 1):
        counts = mask.sum(axis=axis)
        assert not (counts == 1).any(), counts


def test_single_small_cell_in_row_with_total():
    table = with_margins([[3, 10, 12], [8, 9, 20], [11, 14, 7]])
    shown = suppress_table(table, margins=True)
    assert shown.loc["r0", "k0"] == SUPPRESSED
    assert (shown == SUPPRESSED).sum().sum() >= 4     # a rectangle at least
    assert_safe(table, shown)


def test_two_small_cells_in_a_row():
    table = with_margins([[3, 2, 12], [8, 9, 20], [11, 14, 7]])
    shown = suppress_table(table, margins=True)
    assert_safe(table, shown)


def test_row_with_one_nonzero_cell():
    # the row total equals the only cell: the total itself must be hidden
    table = with_margins([[0, 4, 0], [8, 9, 20], [11, 14, 7]])
    shown = suppress_table(table, margins=True)
    assert shown.loc["r0", "Total"] == SUPPRESSED
    assert shown.loc["r0", "k0"] == 0 and shown.loc["r0", "k2"] == 0   # zeros are shown
    assert_safe(table, shown)


def test_totals_reveal_by_difference_in_both_dimensions():
    table = with_margins([[2, 30, 40, 50], [30, 3, 40, 50], [30, 40, 50, 60]])
    shown = suppress_table(table, margins=True)
    assert_safe(table, shown)


def test_all_cells_small():
    table = with_margins([[1, 2], [3, 4]])
    shown = suppress_table(table, margins=True)
    assert_safe(table, shown)


def test_chain_of_totals_is_broken():
    # a pattern where row and column equations chain: hidden cells in a 'staircase'
    table = with_margins([[2, 9, 30, 40], [40, 3, 9, 30], [30, 40, 4, 9], [9, 30, 40, 1]])
    shown = suppress_table(table, margins=True)
    assert_safe(table, shown)


@pytest.mark.parametrize("seed", range(25))
def test_random_small_tables_survive_the_attack(seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(2, 5), rng.integers(2, 5)
    body = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 35], size=(rows, cols),
                      p=[.12, .1, .08, .08, .06, .06, .1, .1, .1, .1, .1])
    table = with_margins(body.tolist())
    shown = suppress_table(table, margins=True)
    assert_safe(table, shown)


def test_zero_is_shown_and_threshold_configurable():
    table = pd.DataFrame({"a": [0, 7], "b": [9, 10]}, index=["x", "y"])
    assert (suppress_table(table) != SUPPRESSED).all().all()
    shown = suppress_table(table, threshold=7)
    assert shown.loc["y", "a"] == SUPPRESSED and shown.loc["x", "a"] == 0
    shown = suppress_table(table, threshold=0)
    assert (shown != SUPPRESSED).all().all()


def test_hierarchy_locality_council_region():
    # two councils in a region, localities in each; months as a second dimension
    rows = []
    locs = {"L1": "C1", "L2": "C1", "L3": "C1", "L4": "C2", "L5": "C2"}
    rng = np.random.default_rng(3)
    for month in ["2024-01", "2024-02", "2024-03"]:
        vals = {loc: int(rng.choice([2, 9, 14, 25])) for loc in locs}
        vals["L1"] = 3 if month == "2024-01" else vals["L1"]
        for loc, v in vals.items():
            rows.append((loc, month, v))
        for council in ("C1", "C2"):
            rows.append((council, month, sum(v for l, v in vals.items() if locs[l] == council)))
        rows.append(("R", month, sum(vals.values())))
    df = pd.DataFrame(rows, columns=["area", "month", "count"])
    parents = dict(locs, C1="R", C2="R")
    out = suppress(df, "count", dims=["area", "month"], hierarchies={"area": parents})
    hidden = (out["count_status"] == SUPPRESSED).to_numpy()
    assert hidden[df["count"].between(1, 5).to_numpy()].all()
    # the attacker knows every council and region total equals the sum of its children
    pos = {(a, m): i for i, (a, m) in enumerate(zip(df.area, df.month))}
    children = {}
    for c, p in parents.items():
        children.setdefault(p, []).append(c)
    rels = [(pos[(p, m)], tuple(pos[(c, m)] for c in kids)) for p, kids in children.items() for m in df.month.unique()]
    ranges = hidden_ranges(df["count"].to_numpy(), rels, hidden)
    assert ((ranges[:, 1] - ranges[:, 0]) > 0.5).all()
    assert out["count"][hidden].isna().all()       # hidden values are gone, not just flagged


def test_hidden_value_never_written(tmp_path):
    df = pd.DataFrame({"area": ["A", "B", "C", "Total"], "count": [3, 41, 57, 101]})
    out = suppress(df, "count", dims=["area"], totals={"area": "Total"})
    assert out.loc[0, "count_status"] == SUPPRESSED and pd.isna(out.loc[0, "count"])
    pub = published(out)
    assert list(pub["count"]) [0] == SUPPRESSED
    pub.to_csv(tmp_path / "t.csv", index=False)
    out.to_parquet(tmp_path / "t.parquet")
    text = (tmp_path / "t.csv").read_text()
    assert ",3\n" not in text and "41" not in text       # 41 is the secondary (smallest other) cell
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert back["count"].isna().sum() == 3 - 1 or back["count"].isna().sum() >= 2
    assert 3 not in set(back["count"].dropna()) and 41 not in set(back["count"].dropna())


def test_no_relations_only_primary():
    r = suppress_cells([0, 1, 5, 6, 100], [], threshold=5)
    assert r.hidden.tolist() == [False, True, True, False, False]
    assert r.n_primary == 2 and r.n_secondary == 0


def test_bad_input():
    with pytest.raises(ValidationError, match="whole numbers"):
        suppress(pd.DataFrame({"a": ["x", "y"], "count": [1.5, 3]}), "count")
    with pytest.raises(ValidationError, match="whole numbers"):
        suppress(pd.DataFrame({"a": ["x", "y"], "count": [-1, 3]}), "count")
    with pytest.raises(ValidationError, match="whole numbers"):
        suppress(pd.DataFrame({"a": ["x", "y"], "count": [None, 3]}), "count")
    with pytest.raises(ValidationError, match="not unique"):
        suppress(pd.DataFrame({"a": ["x", "x"], "count": [1, 3]}), "count")
    with pytest.raises(ValidationError, match="threshold"):
        suppress(pd.DataFrame({"a": ["x"], "count": [1]}), "count", threshold=-1)
    with pytest.raises(ValidationError, match="no such column"):
        suppress(pd.DataFrame({"a": ["x"], "count": [1]}), "n")
    with pytest.raises(ValidationError, match="margins"):
        suppress_table(pd.DataFrame({"a": [1]}), margins=True)


def test_attack_catches_primary_only_suppression():
    # the check itself must be able to fail: with primary suppression alone the total gives it away
    table = with_margins([[3, 10, 12], [8, 9, 20], [11, 14, 7]])
    shown = table.astype(object).where(~table.isin([1, 2, 3, 4, 5]), SUPPRESSED)
    with pytest.raises(AssertionError):
        assert_safe(table, shown)


def test_shown_count_hides_standalone_small_counts():
    from earlyhelp.report.suppression import shown_count

    assert [shown_count(n) for n in (0, 1, 5, 6, 1234)] == ["0", "c", "c", "6", "1,234"]
    assert shown_count(3, threshold=0) == "3" and shown_count(10, threshold=10) == "c"
    assert shown_count(None) == "" and shown_count(float("nan")) == ""
    with pytest.raises(ValidationError, match="threshold"):
        shown_count(3, threshold=-1)
