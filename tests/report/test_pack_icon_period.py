"""A tile whose latest month is hidden says which month its variation icon reads, and a
provisional latest month says so."""
from __future__ import annotations

import warnings

import earlyhelp
from earlyhelp.report.dashboard import _tile
from earlyhelp.report.pack import PackOptions, build_pack
from earlyhelp.report.suppression import SUPPRESSED


def _pack(measures):
    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_pack(ds, PackOptions(months=24, measures=measures))


def test_the_icons_of_a_hidden_latest_month_name_the_month_they_read():
    pack = _pack(["step_ups", "referrals_young_carers"])
    summary = pack.summary.set_index("measure")
    hidden = summary[summary["latest_status"] == SUPPRESSED]
    assert len(hidden), "a measure whose latest month is hidden"
    for measure, row in hidden.iterrows():
        read = pack.charts[measure].dropna(subset=["value"]).index[-1]
        assert row["variation_period"] == str(read) != row["latest_period"]
        assert f"icons: {read}, the latest month shown" in _tile(row)
    shown = summary[summary["latest_status"] != SUPPRESSED]
    for _, row in shown.iterrows():
        assert "icons:" not in _tile(row)


def test_a_provisional_latest_month_says_so_on_its_tile():
    pack = _pack(["episodes_with_assessment", "requests"])
    summary = pack.summary.set_index("measure")
    assert not summary.loc["episodes_with_assessment", "latest_complete"]   # within its 21-day window
    assert "provisional: later records" in _tile(summary.loc["episodes_with_assessment"])
    assert summary.loc["requests", "latest_complete"]
    assert "provisional: later records" not in _tile(summary.loc["requests"])
