"""Age in completed years: a birthday is the day a child turns a year older, never a day off."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.data.age import completed_years


@pytest.mark.parametrize("birth, on, age", [
    ("2010-06-15", "2020-06-14", 9), ("2010-06-15", "2020-06-15", 10),  # the day before and the birthday
    ("2007-03-01", "2025-02-28", 17), ("2007-03-01", "2025-03-01", 18),  # 18 on the day (365.25 said 17)
    ("2008-02-29", "2026-02-28", 17), ("2008-02-29", "2026-03-01", 18),  # born on 29 February
    ("2008-02-29", "2024-02-29", 16), ("2020-01-01", "2019-12-31", -1),
])
def test_completed_years(birth, on, age):
    assert completed_years(pd.Series([pd.Timestamp(birth)]), pd.Series([pd.Timestamp(on)]))[0] == age


def test_missing_dates_give_nan_and_day_numbers_work():
    got = completed_years(pd.Series([pd.NaT, pd.Timestamp("2000-01-01")]), pd.Series([pd.Timestamp("2020-01-01"), pd.NaT]))
    assert np.isnan(got).all()
    assert completed_years(np.array([0]), np.array([365, 364]))[1] == 0  # days since 1970


def test_every_day_of_two_leap_cycles_agrees_with_the_calendar():
    births = pd.date_range("2000-01-01", "2007-12-31")
    on = births + pd.DateOffset(years=18)  # the 18th birthday (29 Feb -> 28 Feb by pandas; the law says 1 Mar)
    got = completed_years(births, on)
    leapday = (births.month == 2) & (births.day == 29)
    assert (got[~leapday] == 18).all() and (got[leapday] == 17).all()
    assert (completed_years(births, on - pd.Timedelta(days=1))[~leapday] == 17).all()
