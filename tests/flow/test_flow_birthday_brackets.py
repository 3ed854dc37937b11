"""A spell's age bracket is the child's age in whole years by the calendar when it began: a
spell starting on the 1st, 5th or 10th birthday is in the older bracket (days / 365.24 put it in
the younger one whenever the years held fewer leap days than that assumes). The categories of
cs-demand-model keep that model's days / 365.24, so that its projections stay equal to the
peer's."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow

BIRTHS = {"a": "2022-06-01", "b": "2018-06-01", "c": "2013-06-01", "d": "2008-06-01", "e": "2022-06-02",
          "f": "2016-02-29"}
STARTS = {"a": "2023-06-01", "b": "2023-06-01", "c": "2023-06-01", "d": "2024-06-01", "e": "2023-06-01",
          "f": "2021-03-01"}


@pytest.fixture(scope="module")
def ds():
    persons = pd.DataFrame({"person_id": list(BIRTHS), "birth_date": pd.to_datetime(list(BIRTHS.values())),
                            "sex": ["M"] * len(BIRTHS)})
    cin = pd.DataFrame({"cin_plan_id": [f"p{i}" for i in range(len(BIRTHS))], "person_id": list(BIRTHS),
                        "start_date": pd.to_datetime([STARTS[k] for k in BIRTHS]),
                        "end_date": pd.to_datetime(["2024-09-01"] * len(BIRTHS))})
    return earlyhelp.Dataset.from_frames(persons=persons, cin_plans=cin,
                                         meta={"window_start": "2023-01-01", "end_date": "2024-12-31"})


def test_a_spell_on_a_birthday_is_in_the_older_bracket(ds):
    m = StockFlow("statutory").fit(ds, start="2024-07-01", end="2024-12-31")
    labels = m.categories.age_labels
    got = {p: labels[a] for p, a in zip(m._spells.person_id, m._spells.age)}
    # "e" starts the day before their first birthday; "f", born on 29 February, turns five on
    # 1 March in a year with no 29th (as data.age.completed_years counts it)
    assert got == {"a": "1 to 4", "b": "5 to 9", "c": "10 to 15", "d": "16 to 17", "e": "0 to 1",
                   "f": "5 to 9"}


def test_cs_demand_model_keeps_its_own_years(ds):
    cla = ds.cin_plans.rename(columns={"cin_plan_id": "cla_episode_id"}).assign(placement="U1", legal_status="C2")
    care = earlyhelp.Dataset.from_frames(persons=ds.persons, cla_episodes=cla,
                                         meta={"window_start": "2023-01-01", "end_date": "2024-12-31"})
    m = StockFlow("cs-demand-model").fit(care, start="2024-07-01", end="2024-12-31")
    labels = m.categories.age_labels
    got = {p: labels[a] for p, a in zip(m._spells.person_id, m._spells.age)}
    # as cs-demand-model: 1826 days / 365.24 = 4.9995 years, a day short of five
    assert got["b"] == "1 to 5" and got["c"] == "5 to 10"
    assert m.categories.ages_by == "days" and StockFlow().categories.ages_by == "birthdays"
