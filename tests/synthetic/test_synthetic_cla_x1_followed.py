"""SSDA903: reason for leaving X1 ('episode ends, child stays looked after') is always followed by
the child's next episode starting the same day, so every period of care ends with a real reason
for leaving or is open at the extract date, including a period whose last placement lasted under
a day (it has no episode of its own; the episode before carries the period's reason)."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic


@pytest.fixture(scope="module", params=[("coventry", 5, 1.0, 1), ("coventry", 5, 1.0, 2), ("coventry", 10, 0.3, 2)],
                ids=lambda p: f"{p[0]}-{p[1]}y-scale{p[2]}-seed{p[3]}")
def council(request):
    preset, years, scale, seed = request.param
    return synthetic.council(preset, years=years, scale=scale, seed=seed)


def test_every_x1_episode_is_followed_the_same_day(council):
    cla = council.cla_episodes.sort_values(["person_id", "start_date"]).reset_index(drop=True)
    following = cla.groupby("person_id")["start_date"].shift(-1)
    x1 = cla["reason_for_leaving"] == "X1"
    # An open period shows its open episode (no end date, no reason), so an X1 episode of it is
    # followed like any other; an X1 episode always has an end date on or before the extract date.
    assert cla.loc[x1, "end_date"].notna().all()
    assert (cla.loc[x1, "end_date"] <= pd.Timestamp(council.meta["end_date"])).all()
    dangling = cla[x1 & ~(following == cla["end_date"]).fillna(False)]
    assert dangling.empty, f"{len(dangling)} of {int(x1.sum())} X1 episodes have no episode after them:\n{dangling}"


def test_every_period_ends_with_a_reason_or_is_open(council):
    cla = council.cla_episodes.sort_values(["person_id", "start_date"])
    last = cla.groupby("person_id").tail(1)
    closed = last["end_date"].notna()
    assert last.loc[closed, "reason_for_leaving"].notna().all()
    assert (last.loc[closed, "reason_for_leaving"] != "X1").all()
    assert last.loc[~closed, "reason_for_leaving"].isna().all()
