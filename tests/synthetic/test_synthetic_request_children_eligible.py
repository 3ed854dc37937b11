"""requests.children counts only the family's children a request can be about on its received
date: those aged 0-17 then, or due within the pre-birth window (180 days before birth). A request
always names at least the child it is about."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic

PRE_BIRTH_DAYS = 180  # the generator's kPreBirthDays
ADULT_DAYS = 6575  # the generator's eighteenth birthday: round(18 x 365.25) days after birth


@pytest.fixture(scope="module", params=[("coventry", 10, 1), ("coventry", 5, 2), ("wolverhampton", 5, 1)],
                ids=lambda p: f"{p[0]}-{p[1]}y-seed{p[2]}")
def council(request):
    preset, years, seed = request.param
    return synthetic.council(preset, years=years, scale=0.3, seed=seed)


def eligible_children(ds) -> pd.DataFrame:
    """Each request's `children` and the family's children aged 0-17 or due within the
    pre-birth window on its received date (every child member of the family, shared ones too)."""
    members = ds.family_members[ds.family_members["role"] == "child"][["family_id", "person_id"]]
    kids = members.merge(ds.persons[["person_id", "birth_date"]], on="person_id", validate="many_to_one")
    req = ds.requests[["request_id", "family_id", "children", "received_date"]]
    both = req.merge(kids, on="family_id", how="left")
    days = (both["received_date"] - both["birth_date"]).dt.days
    both["eligible"] = ((days >= -PRE_BIRTH_DAYS) & (days < ADULT_DAYS)).astype(int)
    out = both.groupby("request_id").agg(children=("children", "first"), eligible=("eligible", "sum"))
    assert len(out) == len(req)
    return out


def test_children_never_exceed_the_children_eligible_on_the_day(council):
    counts = eligible_children(council)
    # A re-referral or step-down goes ahead when no child is of age: it names one child.
    too_many = counts[counts["children"] > counts["eligible"].clip(lower=1)]
    assert too_many.empty, f"{len(too_many)} of {len(counts)} requests name more children than are eligible:\n" \
                           f"{too_many.head()}"


def test_children_at_least_one(council):
    assert (council.requests["children"] >= 1).all()


def test_requests_of_several_eligible_children_still_name_several(council):
    # The cap leaves the count drawn when it fits: families with several eligible children
    # still have requests naming more than one.
    counts = eligible_children(council)
    several = counts[counts["eligible"] >= 2]
    assert (several["children"] >= 2).mean() > 0.2
