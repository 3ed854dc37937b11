"""A proportion published as 7 of 8 shows that 1 family was not counted: the numerator is hidden
where the denominator less it is 1..threshold (and the denominator is shown), in the pack and in
any table the gate publishes with numerator and denominator columns. As 5 of 5, the
numerator is at its bound: the denominator less it, 0 or more, is an unknown of the audit."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.report.pack import PackOptions, build_pack
from earlyhelp.report.publish import PublishPolicy, publish
from earlyhelp.report.suppression import hidden_ranges, suppress_cells


def test_no_published_proportion_leaves_a_small_complement():
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pack = build_pack(ds, PackOptions(months=24))
    kinds = pack.catalogue.set_index("id")["kind"]
    hidden_for_it = 0
    for table in (pack.monthly, pack.localities):
        rows = table[table["measure"].map(kinds) == "proportion"]
        num = pd.to_numeric(rows["numerator"], errors="coerce")
        den = pd.to_numeric(rows["denominator"], errors="coerce")
        rest = den - num
        assert not rest.between(1, 5).any(), rows[rest.between(1, 5)].head()
        # the rule is at work: numerators hidden though above 5, their denominator shown
        hidden_for_it += int((num.isna() & (den > 5)).sum())
    assert hidden_for_it > 0


# two localities, each 5 of 5: numerators 0 (council) 1 2, denominators 3 4 5, what each locality's
# denominator leaves over its numerator 6 7 (the council's follows)
SHARES = [10, 5, 5, 10, 5, 5, 0, 0]
SUMS = [(0, (1, 2)), (3, (4, 5))]
BOUNDS = [(4, (1, 6)), (5, (2, 7))]
FREE = np.array([False] * 6 + [True] * 2)


def test_a_share_of_100_percent_is_protected_by_its_bound():
    # hidden numerators 5 and 5 of a published 10, beside published denominators 5 and 5: each
    # numerator is at most its denominator, so both are 5; one denominator more must go
    seed = np.array([False, True, True, False, False, False, False, False])
    alone = suppress_cells(SHARES, SUMS, threshold=3, hidden=seed)
    assert alone.hidden.tolist() == seed.tolist()
    assert (np.diff(hidden_ranges(SHARES, SUMS + BOUNDS, seed | FREE)[:2], axis=1) == 0).all()
    result = suppress_cells(SHARES, SUMS + BOUNDS, threshold=3, hidden=seed, free=FREE)
    assert not result.hidden[FREE].any() and result.hidden[3:6].any()
    ranges = hidden_ranges(SHARES, SUMS + BOUNDS, result.hidden | FREE)
    free_rows = FREE[np.flatnonzero(result.hidden | FREE)]
    assert (ranges[~free_rows, 1] - ranges[~free_rows, 0] >= 1).all()


def test_free_cells_are_never_published_or_hidden_themselves():
    with pytest.raises(ValueError, match="free and published or hidden"):
        suppress_cells(SHARES, SUMS + BOUNDS, threshold=3, published=FREE, free=FREE)
    with pytest.raises(ValueError, match="free has 3 cells"):
        suppress_cells(SHARES, SUMS + BOUNDS, threshold=3, free=[True] * 3)


def test_the_gate_hides_a_numerator_that_gives_a_small_complement_away():
    table = pd.DataFrame({"group": ["A", "B", "C", "D", "E"], "numerator": [7, 8, 3, 30, 0],
                          "denominator": [8, 8, 4, 40, 5]})
    shown = publish(table, PublishPolicy()).text
    assert shown["numerator"].tolist() == ["c", "8", "c", "30", "0"]
    assert shown["denominator"].tolist() == ["8", "8", "c", "40", "c"]
    # with a council total: A's numerator hidden for its complement, a second one beside it
    table = pd.DataFrame({"locality": ["All", "A", "B", "C"], "numerator": [65, 7, 28, 30],
                          "denominator": [80, 8, 32, 40]})
    out = publish(table, PublishPolicy(), totals={"locality": "All"}, dims=["locality"])
    assert out.text["numerator"].tolist().count("c") == 2 and out.text.loc[1, "numerator"] == "c"
    assert (out.text["denominator"] != "c").all()
