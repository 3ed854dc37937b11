"""The truth's expected arrivals against the requests made, as ``earlyhelp.synthetic``'s
docstring states them (``pytest -s`` prints the figures)."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=2, scale=0.5, seed=1)


def _quarters(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("Q")


def test_requests_run_below_expected_arrivals_and_ageing_explains_little(council):
    months = council.truth["locality_months"]
    expected = months.groupby(_quarters(months["month_start"]))["expected_arrivals"].sum()
    made = council.requests.groupby(_quarters(council.requests["received_date"])).size()
    ratio = (made / expected).dropna()
    # share of the request rate carried by families with a child aged 0-17 (or due within 180 days)
    children = council.family_members[council.family_members["role"].astype(str) == "child"]
    children = children.merge(council.persons[["person_id", "birth_date"]], on="person_id")
    born = pd.to_datetime(children["birth_date"])
    families = council.truth["families"][["family_id", "request_rate"]]
    eligible = {}
    for quarter in ratio.index:
        day = quarter.start_time + pd.Timedelta(days=45)
        served = children.loc[(born - pd.Timedelta(days=180) <= day) & (day < born + pd.DateOffset(years=18)),
                              "family_id"]
        rate = families["request_rate"]
        eligible[quarter] = float(rate[families["family_id"].isin(served)].sum() / rate.sum())
    inside = ratio.index      # the window's quarters
    by_year = (made[inside].groupby(inside.year).sum() / expected[inside].groupby(inside.year).sum())
    print("\nrequests / expected arrivals by quarter:", ratio.round(3).to_dict())
    print("by calendar year, within the window:", by_year.round(2).to_dict(), "; least share of the rate with a child 0-17:",
          round(min(eligible.values()), 3))
    assert min(eligible.values()) >= 0.98
    assert ratio.iloc[-1] < ratio.iloc[:3].mean()   # more families held back towards the end
