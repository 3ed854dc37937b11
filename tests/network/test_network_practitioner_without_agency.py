"""A current practitioner with no agency_id (optional in the schema) stays in the team around their
families, and the links the agency figures cannot place are counted, never silently dropped."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp.network import FamilyNetwork

from _council import small_council

AT = "2024-06-30"


@pytest.fixture(scope="module")
def council():
    return small_council(seed=3)


@pytest.fixture(scope="module")
def without_agency(council):
    """The council with its busiest current practitioner's agency_id blanked, and that practitioner."""
    team = FamilyNetwork.from_dataset(council, at=AT).team
    busiest = team["practitioner_id"].value_counts().index[0]
    pr = council.practitioners.copy()
    pr["agency_id"] = pr["agency_id"].astype(object).where(pr["practitioner_id"] != busiest)
    ds = council.replace(practitioners=pr)
    ds.validate()                       # agency_id is optional: the data are valid
    return FamilyNetwork.from_dataset(ds, at=AT), busiest


def _families_of(net, practitioner):
    return set(net.team.loc[net.team["practitioner_id"] == practitioner, "family_id"].astype(str))


def test_their_links_are_counted_in_excluded(without_agency):
    net, busiest = without_agency
    families = _families_of(net, busiest)
    assert len(families) > 1
    rows = [e for e in net.excluded if "no agency_id" in e.reason]
    assert len(rows) == 1 and rows[0].rows == len(families)
    assert "in no agency's figures" in rows[0].reason


def test_agency_collaboration_says_how_many_links_it_leaves_out(council, without_agency):
    net, busiest = without_agency
    collab = net.agency_collaboration()
    assert collab.links_without_agency == len(_families_of(net, busiest))
    # every family-agency link of the team is in an agency's families, or counted as without agency
    team = net.team.drop_duplicates(["family_id", "practitioner_id"])
    known = team[["family_id", "agency_id"]].dropna().drop_duplicates()
    assert collab.agencies["families"].sum() == len(known)
    assert collab.agencies["families"].sum() + collab.links_without_agency >= \
        FamilyNetwork.from_dataset(council, at=AT).agency_collaboration().agencies["families"].sum()


def test_team_around_family_keeps_them_and_counts_them(without_agency):
    net, busiest = without_agency
    taf = net.team_around_family().set_index("family_id")
    families = sorted(_families_of(net, busiest))
    assert all(busiest in taf.loc[f, "practitioners"] for f in families)
    assert (taf.loc[families, "n_practitioners_without_agency"] == 1).all()
    assert taf["n_practitioners_without_agency"].sum() == len(families)
    # n_agencies counts the known agencies: the practitioner's missing agency is not one of them
    for f in families:
        others = net.team[(net.team["family_id"] == f) & (net.team["practitioner_id"] != busiest)]
        assert taf.loc[f, "n_agencies"] == others["agency_id"].nunique()


def test_coordination_gaps_show_the_count(without_agency):
    net, busiest = without_agency
    gaps = net.coordination_gaps(min_agencies=1)
    assert "n_practitioners_without_agency" in gaps.columns
    listed = gaps.set_index("family_id")["n_practitioners_without_agency"]
    taf = net.team_around_family().set_index("family_id")["n_practitioners_without_agency"]
    pd.testing.assert_series_equal(listed, taf.loc[listed.index], check_names=False)


def test_nothing_to_count_when_every_practitioner_has_an_agency(council):
    net = FamilyNetwork.from_dataset(council, at=AT)
    assert not [e for e in net.excluded if "no agency_id" in e.reason and e.rows]
    assert net.agency_collaboration().links_without_agency == 0
    assert (net.team_around_family()["n_practitioners_without_agency"] == 0).all()
