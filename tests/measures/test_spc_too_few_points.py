"""A chart of one month says nothing of its variation, and a target it cannot judge is a target
all the same: neither is "common cause" nor "no target set"."""
from __future__ import annotations

import numpy as np
import pandas as pd

from earlyhelp.measures import spc
from earlyhelp.report.dashboard import ASSURANCE_TEXT, VARIATION_TEXT


def test_one_charted_month_is_too_few_to_judge():
    chart = spc.xmr(pd.Series([np.nan, np.nan, 0.84, np.nan]))
    assert spc.variation(chart, "higher_is_better") == "too_few_points"
    assert spc.assurance(chart, 0.87, "higher_is_better") == "not_assessable"
    assert spc.assurance(chart, None, "higher_is_better") == "no_target"


def test_a_target_of_a_measure_without_direction_is_not_assessable():
    chart = spc.xmr(pd.Series([0.80, 0.82, 0.79, 0.85, 0.81, 0.83]))
    assert spc.assurance(chart, 0.8, "neither") == "not_assessable"
    assert spc.variation(chart, "neither") == "common_cause"          # limits exist: variation is read


def test_the_dashboard_names_every_status():
    assert "too_few_points" in VARIATION_TEXT and "not_assessable" in ASSURANCE_TEXT
    assert "No target" not in ASSURANCE_TEXT["not_assessable"][0]
