"""A proportion published as 7 of 8 shows that 1 family was not counted: the numerator is hidden
where the denominator less it is 1..threshold (and the denominator is shown)."""
from __future__ import annotations

import warnings

import pandas as pd

import earlyhelp
from earlyhelp.report.pack import PackOptions, build_pack


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
