"""The pack says when a measure's SPC limits are provisional (Making Data Count: fewer than 15
points), in its summary and on the dashboard's tile."""
from __future__ import annotations

import pytest

import earlyhelp
from earlyhelp.measures.spc import MIN_POINTS
from earlyhelp.report.dashboard import render_dashboard
from earlyhelp.report.pack import PackOptions, build_pack


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=3, scale=0.2, seed=0)


@pytest.mark.parametrize("months", [6, 24])
def test_provisional_follows_the_points_charted(council, months):
    options = PackOptions(months=months, measures=["requests"])
    pack = build_pack(council, options)
    row = pack.summary.set_index("measure").loc["requests"]
    assert bool(row["provisional"]) == (row["points"] < MIN_POINTS)
    assert bool(row["provisional"]) == (months < MIN_POINTS)
    html = render_dashboard(pack, options)
    assert ("provisional limits" in html) == (months < MIN_POINTS)
