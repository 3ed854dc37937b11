"""The calibration table says what it does not model (assessment growth 2020-2023) and compares
Wolverhampton's looked-after children from cla_episodes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from earlyhelp import synthetic


def test_assessment_growth_2020_2023_is_marked_not_modelled():
    table = synthetic.calibration_table(synthetic.council("coventry", years=6, scale=0.1, seed=1))
    row = table.set_index("figure").loc["Early Help Assessments grew each year 2020-2023"]
    assert row["note"].startswith("not modelled")
    assert np.isnan(row["target"])


def test_wolverhampton_looked_after_children_compared_from_cla_episodes():
    ds = synthetic.council("wolverhampton", years=3, scale=0.2, seed=1)
    row = synthetic.calibration_table(ds).set_index("figure").loc["looked-after children"]
    assert "stops at the social-care referral" not in row["note"]
    cla = ds.tables["cla_episodes"]
    day = pd.Timestamp("2025-03-31")  # the window ends on 31 March 2025
    stock = cla.loc[(cla["start_date"] <= day) & (cla["end_date"].isna() | (cla["end_date"] > day)),
                    "person_id"].nunique()
    assert row["generated"] == round(stock / 0.2, 2)
    assert row["target"] == 637.5
