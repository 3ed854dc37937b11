"""Every child in the synthetic statutory tables belongs to a household with a locality.

Children referred by Early Help belong to their Early Help family; children who come
through the front door are given a household of their own, its locality drawn in
proportion to child population x demand x exp(0.35 deprivation z) (the Early Help
request rate's gradient; Coventry's localities all have demand 1). Those households
appear in no Early Help table and have no truth row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

STATUTORY = ("cin_plans", "cp_plans", "cla_episodes")


def _statutory_children(ds) -> pd.Series:
    return pd.concat([ds[t]["person_id"] for t in STATUTORY]).drop_duplicates()


def _locality_of(ds) -> pd.Series:
    """person -> locality of their first family membership (with a locality)."""
    fl = ds.family_members.merge(ds.families, on="family_id")
    fl = fl[fl["locality_id"].notna()]
    return fl.drop_duplicates("person_id").set_index("person_id")["locality_id"]


def test_statutory_children_have_a_locality(coventry, wolverhampton):
    for ds in (coventry, wolverhampton):
        kids = _statutory_children(ds)
        assert len(kids) > 5000
        assert kids.isin(_locality_of(ds).index).mean() >= 0.99


def test_statutory_locality_shares_follow_population_and_deprivation(coventry):
    loc = coventry.localities.set_index("locality_id")
    weight = loc["child_population"].astype(float) * np.exp(0.35 * (loc["deprivation"] - 0.2) / 0.08)
    design = weight / weight.sum()
    share = _statutory_children(coventry).map(_locality_of(coventry)).value_counts(normalize=True)
    share = share.reindex(design.index, fill_value=0.0)
    # ~12,000 children: two percentage points is over four standard errors of any share
    assert (share - design).abs().max() < 0.02, pd.DataFrame({"share": share, "design": design})
    # and the deprived localities carry more than their child population's share
    pop = loc["child_population"] / loc["child_population"].sum()
    top = loc["deprivation"].idxmax()
    assert share[top] > pop[top]


def test_statutory_households_have_no_early_help_rows(coventry):
    truth = set(coventry.truth["families"]["family_id"])
    added = coventry.families.loc[~coventry.families["family_id"].isin(truth), "family_id"]
    assert len(added) > 1000
    for table in ("requests", "episodes", "involvements", "service_referrals", "family_voice"):
        assert not coventry[table]["family_id"].isin(added).any(), table
    members = coventry.family_members[coventry.family_members["family_id"].isin(added)]
    assert len(members) == len(added) and (members["role"] == "child").all()
    assert members["person_id"].isin(_statutory_children(coventry)).all()
