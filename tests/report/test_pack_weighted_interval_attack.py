"""The interval and change test of children referred (a sum of children per request) give no
hidden count of requests away.

The Fay-Feuer interval of a cell was built from the cell's own sum of squared children: its
``lo`` is a function of the children ``y`` and their sum of squares ``v`` only, so ``v`` could be
solved for, and the few ways of splitting ``y`` children into requests whose squares add up to
``v`` often had one number of requests, which the pack hid as ``c`` (synthetic Coventry, seed 1:
6 children with squares adding to 8 are 5 requests; 7 with 15 are 4). ``change_p``, a z test on
the same sums, gave ``v`` away as well. The attack reads only the published tables.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import earlyhelp
from earlyhelp.report.pack import ALL, PackOptions, write_pack
from earlyhelp.report.suppression import SUPPRESSED

MEASURE = "children_referred"
ALPHA = 0.05


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The pack's two published tables, as text (hidden cells ``c``)."""
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = write_pack(ds, tmp_path_factory.mktemp("pack"), options=PackOptions(months=12))
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in ("measures_monthly", "measures_localities_12m")}


def _number(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column.where(column != SUPPRESSED), errors="coerce").to_numpy(dtype=float)


def _squares_from_lo(y: float, lo: float) -> float:
    """The sum of squared weights ``v`` that gives the published lower end (``gamma.ppf(a/2, y²/v, scale=v/y)``)."""
    return optimize.brentq(lambda v: stats.gamma.ppf(ALPHA / 2, y * y / v, scale=v / y) - lo, y * 0.999,
                           y * y * 1.001, xtol=1e-12)


def _parts(total: int, squares: int, most: int = 15) -> set:
    """The numbers of parts of every split of ``total`` into whole parts whose squares add to ``squares``."""
    out: set = set()

    def split(rest: int, sq: int, k: int, cap: int) -> None:
        if rest == 0:
            if sq == 0:
                out.add(k)
            return
        if k >= most:
            return
        for p in range(min(rest, cap), 0, -1):
            if p * p <= sq:
                split(rest - p, sq - p * p, k + 1, p)

    split(total, squares, 0, total)
    return out


def _implied_dispersion(table: pd.DataFrame) -> np.ndarray:
    """``v / y`` per shown cell of children referred with a lower end: what the interval says beyond ``y``."""
    rows = table[table["measure"] == MEASURE]
    y, lo = _number(rows["numerator"]), _number(rows["lo"])
    ok = (y > 0) & np.isfinite(lo)
    return np.array([_squares_from_lo(a, b) / a for a, b in zip(y[ok], lo[ok])])


def test_a_hidden_count_of_requests_cannot_be_read_off_the_children_s_interval(published):
    """Where requests are hidden and children referred shown, solving ``lo`` for the sum of squared
    children and splitting the children into requests pinned the hidden count (2 of 4 such cells)."""
    pinned, tried = [], 0
    for name, table in published.items():
        keys = ["period", "locality"]
        req = table[table["measure"] == "requests"].set_index(keys)
        ch = table[table["measure"] == MEASURE].set_index(keys)
        both = req.merge(ch, left_index=True, right_index=True, suffixes=("_req", "_ch"), how="inner")
        target = both[(both["numerator_req"] == SUPPRESSED) & (both["numerator_ch"] != SUPPRESSED)
                      & (both["lo_ch"] != SUPPRESSED) & (both["lo_ch"] != "")]
        for key, row in target.iterrows():
            y, lo = float(row["numerator_ch"]), float(row["lo_ch"])
            if y <= 0:
                continue
            tried += 1
            v = _squares_from_lo(y, lo)
            if abs(v - round(v)) > 1e-4:
                continue
            counts = _parts(int(y), int(round(v)))
            if len(counts) == 1:
                pinned.append((name, key, int(y), int(round(v)), counts.pop()))
    assert tried >= 2            # the pack has such cells: the attack had something to try
    assert pinned == []


def test_the_interval_says_one_figure_of_the_council_beyond_each_cell_s_own_count(published):
    """Solved for its spread, every published interval of children referred gives the same ratio
    ``v / y`` (the council's children per request, squared over plain), in the monthly and the
    12-month tables alike: nothing of a cell beyond its own published count."""
    ratios = np.concatenate([_implied_dispersion(t) for t in published.values()])
    assert len(ratios) > 50
    assert ratios.min() > 1.0                        # requests about several children: wider than Poisson
    # the same to the published 4 decimals of ``lo`` (cells' own ratios differ by whole percents)
    assert np.ptp(ratios) <= 1e-3 * ratios.mean()


def test_the_change_test_says_nothing_beyond_the_two_published_counts(published):
    """``change_p`` is a z test of this year's and last year's sums: its variance over the two sums
    is the same council figure in every cell (the cells' own sums of squares gave ``v`` away)."""
    table = published["measures_monthly"]
    rows = table[table["measure"] == MEASURE]
    y1, y0, p = _number(rows["numerator"]), _number(rows["previous"]), _number(rows["change_p"])
    # p is published to 4 decimals: between 0.05 and 0.5 that moves the solved variance by < 0.05%
    ok = np.isfinite(y1) & np.isfinite(y0) & np.isfinite(p) & (y1 != y0) & (p >= 0.05) & (p <= 0.5)
    assert ok.sum() > 20
    variance = ((y1[ok] - y0[ok]) / stats.norm.isf(p[ok] / 2)) ** 2
    ratio = variance / (y1[ok] + y0[ok])
    assert np.ptp(ratio) <= 2e-3 * ratio.mean()
    assert ratio.mean() == pytest.approx(_implied_dispersion(table).mean(), rel=1e-3)
    # the council total is published too, and follows the same rule
    assert (rows["locality"] == ALL).any()
