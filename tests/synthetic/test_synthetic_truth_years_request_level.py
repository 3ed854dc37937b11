"""ds.truth["years"].request_level is the request level the generator simulated in each year:
the intensity moves linearly between 1 July of the listed years, so a year's level is the mean
of that day by day, and the truth's own noise-free expected arrivals follow it."""
from __future__ import annotations

import numpy as np
import pytest

from earlyhelp import synthetic

# Coventry's listed request levels (the preset): 2019-2025, 1 July of each year
COVENTRY_LEVELS = {2019: 0.80, 2020: 0.74, 2021: 0.76, 2022: 0.74, 2023: 0.70, 2024: 1.06}
# years with the 2020-21 lockdowns (school-sourced requests dip and rebound: not the level alone)
LOCKDOWN_YEARS = (2020, 2021)


@pytest.fixture(scope="module")
def coventry_to_2024():
    return synthetic.council("coventry", years=6, scale=0.2, seed=1, end_date="2024-12-31")


def test_expected_arrivals_follow_the_recorded_level(coventry_to_2024):
    truth = coventry_to_2024.truth
    lm = truth["locality_months"]
    # Remove the locality-month gamma effects: what is left moves with the level and the season only.
    smooth = (lm["expected_arrivals"] / lm["month_effect"]).groupby(lm["month_start"].dt.year).sum()
    level = truth["years"].set_index("year")["request_level"]
    years = [y for y in smooth.index if y not in LOCKDOWN_YEARS]
    assert years == [2018, 2019, 2022, 2023, 2024]
    per_level = smooth[years] / level[years]
    # The same expected arrivals per unit of level in every year (the seasons of whole years
    # differ by a weekday or two); with the listed 1 July levels 2023 and 2024 were 6% apart.
    assert per_level.max() / per_level.min() < 1.015, per_level
    assert smooth[2024] / smooth[2023] == pytest.approx(level[2024] / level[2023], rel=0.01)


def test_mid_year_level_is_the_listed_one(coventry_to_2024):
    years = coventry_to_2024.truth["years"].set_index("year")
    for year, listed in COVENTRY_LEVELS.items():
        assert years.loc[year, "request_level_mid_year"] == pytest.approx(listed)
    # a year either side of a step is not its listed level: 2023 climbs towards 2024's from July
    assert years.loc[2023, "request_level"] > COVENTRY_LEVELS[2023] + 0.03
    assert years.loc[2024, "request_level"] < COVENTRY_LEVELS[2024] - 0.03
    # before the first listed year the level is flat
    assert years.loc[2018, "request_level"] == pytest.approx(0.80)
    assert np.isfinite(years["outcomes_met_level"]).all()
