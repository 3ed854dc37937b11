"""A family's Early Help episode is each child's for the days the child was a member of the family
(``family_members.valid_from`` to ``valid_to``, a missing date open, as the rest of the package
reads memberships): a child who left before it, or joined after it ended, does not get it; one
who joined (or left) while it ran gets it from the day they joined (to the day they left). A
child's locality is their family's on a date, by the package's rule (``family_of_persons``), not
their first row in ``family_members``."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow
from earlyhelp.flow.localities import child_localities


def _family(members, episodes, **extra):
    persons = pd.DataFrame({"person_id": ["mum", "old", "baby", "gone", "late"],
                            "birth_date": pd.to_datetime(["1990-01-01", "2015-01-01", "2023-03-01", "2012-01-01",
                                                          "2014-01-01"]),
                            "sex": ["F", "M", "F", "M", "F"]})
    return earlyhelp.Dataset.from_frames(persons=persons, family_members=members, episodes=episodes,
                                         meta={"window_start": "2022-01-01", "end_date": "2024-12-31"}, **extra)


@pytest.fixture(scope="module")
def ds():
    # "old" a member throughout; "gone" left on 2022-12-31, before the episode; "baby" joined at
    # birth on 2023-03-01 and "late" moved in on 2023-04-01, both while it ran; the family's
    # Early Help episode ran from 2023-01-10 to 2023-05-01
    members = pd.DataFrame({"family_id": ["F1"] * 5, "person_id": ["mum", "old", "baby", "gone", "late"],
                            "role": ["parent_carer", "child", "child", "child", "child"],
                            "valid_from": pd.to_datetime([None, None, "2023-03-01", None, "2023-04-01"]),
                            "valid_to": pd.to_datetime([None, None, None, "2022-12-31", None])})
    episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "person_id": [None],
                             "start_date": pd.to_datetime(["2023-01-10"]), "end_date": pd.to_datetime(["2023-05-01"]),
                             "level": [3]})
    return _family(members, episodes, families=pd.DataFrame({"family_id": ["F1"], "locality_id": ["L1"]}))


def test_the_episode_is_each_childs_for_the_days_they_were_a_member(ds):
    m = StockFlow().fit(ds, start="2023-01-01", end="2023-12-31")
    sp = m._spells.set_index("person_id")
    assert set(sp.index) == {"old", "baby", "late"}     # not "gone", who had left
    assert sp.loc["old", "start"] == pd.Timestamp("2023-01-10")
    assert sp.loc["baby", "start"] == pd.Timestamp("2023-03-01")
    assert sp.loc["late", "start"] == pd.Timestamp("2023-04-01")
    assert (sp["end"] == pd.Timestamp("2023-05-01")).all()
    stock = m._actual_stocks(["2023-02-01", "2023-03-15", "2023-04-15"])
    eh = stock[stock.state == "early_help"].set_index("date")["actual"]
    assert eh.tolist() == [1.0, 2.0, 3.0]
    assert m.report["family_episodes_outside_a_childs_membership_excluded"] == 1
    assert m.report["family_episodes_shortened_to_a_childs_membership"] == 2


def test_a_child_who_left_while_it_ran_has_it_to_the_day_they_left():
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["old", "gone"], "role": ["child", "child"],
                            "valid_from": pd.to_datetime([None, None]),
                            "valid_to": pd.to_datetime([None, "2023-02-28"])})
    episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "person_id": [None],
                             "start_date": pd.to_datetime(["2023-01-10"]), "end_date": pd.to_datetime([None]),
                             "level": [3]})
    m = StockFlow().fit(_family(members, episodes), start="2023-06-01", end="2024-12-31")
    sp = m._spells.set_index("person_id")
    # a member to the end of 28 February: the first day not in the family is 1 March
    assert sp.loc["gone", "end"] == pd.Timestamp("2023-03-01")
    assert pd.isna(sp.loc["old", "end"])


def test_two_rows_of_one_membership_give_one_spell():
    # a child recorded twice in the family, the rows overlapping: one spell, not two overlapping
    members = pd.DataFrame({"family_id": ["F1", "F1"], "person_id": ["old", "old"], "role": ["child", "child"],
                            "valid_from": pd.to_datetime(["2022-01-01", "2023-02-01"]),
                            "valid_to": pd.to_datetime(["2023-03-31", None])})
    episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "person_id": [None],
                             "start_date": pd.to_datetime(["2023-01-10"]), "end_date": pd.to_datetime(["2023-05-01"]),
                             "level": [3]})
    m = StockFlow().fit(_family(members, episodes), start="2023-06-01", end="2024-12-31")
    sp = m._spells
    assert len(sp) == 1 and sp["start"].iloc[0] == pd.Timestamp("2023-01-10") \
        and sp["end"].iloc[0] == pd.Timestamp("2023-05-01")
    assert m.report["spells_shortened_by_a_later_spell"] == 0


def test_a_childs_locality_is_their_familys_on_the_date_not_their_first_row():
    # the child lived in F1 (locality A) to 2022 and in F2 (locality B) from 2023; F2's row
    # comes first in the table, F1's second: the locality is the family's when the spell ran
    members = pd.DataFrame({"family_id": ["F2", "F1"], "person_id": ["old", "old"], "role": ["child", "child"],
                            "valid_from": pd.to_datetime(["2023-01-01", None]),
                            "valid_to": pd.to_datetime([None, "2022-12-31"])})
    for order in (members, members.iloc[::-1]):
        episodes = pd.DataFrame({"episode_id": ["E1"], "family_id": ["F1"], "person_id": ["old"],
                                 "start_date": pd.to_datetime(["2022-03-01"]),
                                 "end_date": pd.to_datetime(["2022-06-01"]), "level": [3]})
        ds = _family(order.reset_index(drop=True), episodes,
                     families=pd.DataFrame({"family_id": ["F1", "F2"], "locality_id": ["A", "B"]}))
        spells = pd.DataFrame({"person_id": ["old"], "start": [pd.Timestamp("2022-03-01")],
                               "end": [pd.Timestamp("2022-06-01")]})
        assert child_localities(ds, spells, pd.Timestamp("2024-12-31")).to_dict() == {"old": "A"}
        open_spell = spells.assign(end=pd.NaT)
        assert child_localities(ds, open_spell, pd.Timestamp("2024-12-31")).to_dict() == {"old": "B"}
