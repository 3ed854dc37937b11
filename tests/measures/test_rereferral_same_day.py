"""A request received on the day the family's episode closed: the rule, said and held alike by the
measure (``rereferrals_12m``) and by ``Dataset.rereferrals(basis="episode")``.

Dates carry no time: a request received on the day an episode closed may have come before the
closure. The episode is open to the end of that day, so the request is taken as part of it, not
as a re-referral; a request received the next day is one (1 day after). The rule was held by
both but said nowhere (the catalogue said "after the previous episode closed").
"""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from earlyhelp import measures
from measures_council import tiny_council


def _with_closed_episode(end: str):
    """The tiny council with F3 (R3 received 10 Feb 2024, South) supported from 1 January to ``end``."""
    ds = tiny_council()
    ep = ds.episodes.copy()
    extra = ep.iloc[[0]].copy()
    extra["episode_id"], extra["family_id"], extra["locality_id"] = "E9", "F3", "L2"
    extra["start_date"], extra["end_date"] = pd.Timestamp("2024-01-01"), pd.Timestamp(end)
    return ds.replace(episodes=pd.concat([ep, extra], ignore_index=True))


@pytest.mark.parametrize("end, counted", [("2024-02-10", False), ("2024-02-09", True), ("2024-02-11", False)])
def test_a_request_on_the_closing_day_is_not_a_rereferral_in_both(end, counted):
    ds = _with_closed_episode(end)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = measures.compute(ds, ["rereferrals_12m"], start="2024-01-01", end="2024-06-30")
    feb = r[r["period"] == "2024-02"].iloc[0]
    assert feb["numerator"] == int(counted)
    listed = ds.rereferrals(basis="episode")
    r3 = listed[listed["request_id"] == "R3"]
    assert len(r3) == int(counted)
    if counted:
        assert r3["previous_id"].iloc[0] == "E9" and r3["days_since"].iloc[0] == 1


def test_the_catalogue_says_the_rule():
    text = measures.catalogue().set_index("id").loc["rereferrals_12m", "definition"]
    assert "a request received on that day" in text and "not as a re-referral" in text
