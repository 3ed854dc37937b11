"""Months that are whole but hidden are said to be hidden, not incomplete.

``episodes_opened``'s council series was complete in 6 of 6 months and hidden in 6 of 6; its
variation read ``no_complete_period`` and the tile's icon "No complete month to read", telling the
board the data were not whole when the figures were suppressed."""
from __future__ import annotations

import warnings

import pytest

import earlyhelp
from earlyhelp.report.dashboard import VARIATION_TEXT, render_dashboard
from earlyhelp.report.pack import ALL, PackOptions, build_pack


@pytest.fixture(scope="module")
def pack_and_options():
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    options = PackOptions(months=6, measures=["requests", "episodes_opened", "episodes_open",
                                              "closed_within_16_weeks", "request_conversion",
                                              "caseload_per_practitioner"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_pack(ds, options), options


def test_a_series_complete_but_hidden_reads_every_month_hidden(pack_and_options):
    pack, options = pack_and_options
    council = pack.monthly[pack.monthly["locality"] == ALL]
    summary = pack.summary.set_index("measure")
    hidden_whole = [m for m, rows in council.groupby("measure") if rows["complete"].all()
                    and (rows["value_status"] == "c").all()]
    assert hidden_whole, "the check needs a series hidden in every month"
    for mid in hidden_whole:
        assert summary.loc[mid, "variation"] == "every_month_hidden", mid
        assert summary.loc[mid, "incomplete"] == 0
    html = render_dashboard(pack, options)
    text = VARIATION_TEXT["every_month_hidden"][0]
    assert f"<title>{text}</title>" in html and "hidden" in text.lower()
    # each icon once in the About page's key, and on the tiles it reads
    assert html.count("<title>No complete month to read</title>") == 1 + sum(
        summary["variation"] == "no_complete_period")
    assert html.count(f"<title>{text}</title>") == 1 + sum(summary["variation"] == "every_month_hidden")
