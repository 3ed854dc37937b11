"""A locality with no activity changes nothing in the other localities' figures.

One more row in the localities table that nothing refers to (a new hub, or one retired) raised
the hidden numerators elsewhere from 210 to 276 of 324, and the audit's programmes from 48 to
1,148: a share of 0 of 0 was taken as a full share (each empty month one more unknown), and each
zero of the empty locality hidden as a cover was pinned by the zeros beside it, which asked for
another. A share binds only with a denominator above 0, and a zero in a relation of zeros only is
no cover."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.report.pack import PackOptions, _full_shares, _Links, build_pack
from earlyhelp.report.suppression import suppress_cells

MEASURES = ["requests", "episodes_opened", "episodes_open", "episodes_closed", "closed_within_16_weeks",
            "step_up_rate"]


@pytest.fixture(scope="module")
def packs():
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    loc = ds.localities
    empty = ds.replace(localities=pd.concat([loc, loc.iloc[:1].assign(locality_id="LNEW", name="New hub")],
                                            ignore_index=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [build_pack(d, PackOptions(months=6, measures=MEASURES)) for d in (ds, empty)]


def _hidden(pack):
    m = pack.monthly[pack.monthly["locality"] != "New hub"]
    y = pack.localities[pack.localities["locality"] != "New hub"]
    return (set(zip(m["measure"], m["period"], m["locality"], m["numerator_status"], m["denominator_status"])),
            set(zip(y["measure"], y["locality"], y["numerator_status"], y["denominator_status"])))


def test_an_empty_locality_hides_nothing_more_elsewhere(packs):
    before, after = packs
    assert _hidden(after) == _hidden(before)
    assert after.audit["used"] == before.audit["used"]


def test_the_empty_locality_shows_its_zeros(packs):
    _, after = packs
    mine = after.monthly[after.monthly["locality"] == "New hub"]
    assert (mine["numerator_status"] != "c").all()
    assert (pd.to_numeric(mine["numerator"], errors="coerce").fillna(0) == 0).all()


def test_a_share_of_0_of_0_is_not_full():
    links = _Links(classes=[[("a", "numerator")], [("a", "denominator")]], sums=[], bounds=[(0, 1)])
    at = np.array([[0, 1, 2], [3, 4, 5]])
    values = np.array([0.0, 4.0, 3.0, 0.0, 4.0, 5.0])
    assert _full_shares(at, values, links) == [(1, 4)]


def test_a_zero_an_earlier_release_hid_keeps_the_zeros_beside_it_as_cover():
    # a zero hidden before, in a relation of zeros: shown, the zeros beside it would pin it
    out = suppress_cells([0, 0, 0, 9, 9], [(0, (1, 2)), (3, (4,))], threshold=5, zeros_last=True,
                         hidden=[True, False, False, False, False])
    assert out.hidden[:3].sum() == 2 and not out.hidden[3:].any()
