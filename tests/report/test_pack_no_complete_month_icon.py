"""A measure none of whose charted months is complete (a 12-month look-back on the first year of
data) has no variation to read: the pack says so ('no_complete_period', a grey '-' icon titled
'No complete month to read'), never 'common cause' and never an icon named 'None'."""
from __future__ import annotations

import warnings

from earlyhelp import synthetic
from earlyhelp.report.dashboard import VARIATION_TEXT, render_dashboard
from earlyhelp.report.pack import PackOptions, build_pack


def test_a_measure_with_no_complete_month_reads_no_complete_period():
    ds = synthetic.council("coventry", years=1, scale=0.05, seed=2)
    options = PackOptions(months=12, measures=["requests", "rereferrals_12m"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pack = build_pack(ds, options)
    row = pack.summary.set_index("measure").loc["rereferrals_12m"]
    assert row["points"] == 0 and row["variation"] == "no_complete_period"
    assert pack.summary.set_index("measure").loc["requests", "variation"] in VARIATION_TEXT
    html = render_dashboard(pack, options)
    assert "No complete month to read" in html and "<title>None</title>" not in html
