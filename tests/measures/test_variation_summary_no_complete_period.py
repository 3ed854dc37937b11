"""variation_summary gives no icon to a measure with no complete period charted (one year of
data and a 12-month look-back): variation and assurance are missing and a note says why, never
'common_cause', the icon of "nothing unusual", from no data."""
from __future__ import annotations

import numpy as np
import pandas as pd

from earlyhelp.measures import spc


def _results(complete):
    n = len(complete)
    return pd.DataFrame({"measure": ["rereferrals_12m"] * n, "period": [f"2023-{m:02d}" for m in range(1, n + 1)],
                         "value": np.resize([0.15, 0.16, 0.14], n), "complete": complete})


def test_no_complete_period_gives_no_icon_and_says_why():
    s = spc.variation_summary(_results([False] * 12)).iloc[0]
    assert s["points"] == 0 and s["incomplete"] == 12
    assert s["variation"] is None and s["assurance"] is None
    assert s["note"] == "no complete period to read"


def test_no_value_at_all_gives_no_icon():
    r = _results([True] * 6).assign(value=np.nan)
    s = spc.variation_summary(r).iloc[0]
    assert s["variation"] is None and s["assurance"] is None and s["note"] == "no period with a value"


def test_a_complete_period_still_gets_its_icon_and_no_note():
    s = spc.variation_summary(_results([True] * 11 + [False])).iloc[0]
    assert s["variation"] == "common_cause" and s["assurance"] == "no_target" and s["note"] == ""


def test_variation_of_a_chart_with_no_value_is_none():
    chart = spc.xmr(pd.Series([np.nan] * 6))
    assert spc.variation(chart) is None
