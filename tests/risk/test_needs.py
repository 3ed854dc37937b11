"""need_profile: needs known at a date, need score and level of need from a thresholds table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.data import codes
from earlyhelp.risk import DEFAULT_THRESHOLDS, NeedThresholds, need_profile


def test_profile_by_hand(needs_ds):
    p = need_profile(needs_ds, "2023-07-01").set_index("family_id")
    assert list(p.index) == ["F1", "F2", "F3", "F4", "F5"]
    assert list(p.columns[1:11]) == list(codes.NEEDS)
    # F2: housing was resolved at closure; health is still unresolved; education on the open episode
    assert set(n for n in codes.NEEDS if p.loc["F2", n]) == {"health", "education"}
    assert p["n_needs"].tolist() == [2, 2, 3, 0, 0]
    # default weights: child safety 3 + domestic abuse 2; health 1.5 + education 1
    assert p["need_score"].tolist() == [5.0, 2.5, 3.0, 0.0, 0.0]
    assert p["severe_signal"].tolist() == [True, False, False, False, False]
    assert p["statutory_open"].tolist() == [False, False, False, True, False]
    assert p["level"].tolist() == [4, 2, 3, 4, 1]
    assert p.loc["F5", "level_name"] == "universal"


def test_only_needs_known_at_the_date(needs_ds):
    p = need_profile(needs_ds, "2023-03-01").set_index("family_id")
    # E2 still open on 2023-03-01: housing not yet resolved; E3 (education) not started
    assert set(n for n in codes.NEEDS if p.loc["F2", n]) == {"health", "housing"}
    # R1 (F4's child) only on 2023-06-15
    assert not p.loc["F4", "statutory_open"] and p.loc["F4", "level"] == 1


def test_lookback_drops_old_needs(needs_ds):
    p = need_profile(needs_ds, "2024-01-15", {"lookback_days": 180}).set_index("family_id")
    assert p["n_needs"].sum() == 0
    p = need_profile(needs_ds, "2024-01-15").set_index("family_id")
    assert p.loc["F3", "n_needs"] == 3


def test_configured_thresholds(needs_ds):
    t = NeedThresholds(levels=pd.DataFrame({"minimum": [0, 2, 4], "level": [1, 2, 3]}), basis="score",
                       weights={"education": 2.0}, severe=[["education", "health"]], statutory_open=False)
    p = need_profile(needs_ds, "2023-07-01", t).set_index("family_id")
    assert p.loc["F2", "need_score"] == 3.5  # health 1.5 + education 2
    assert p.loc["F2", "severe_signal"] and p.loc["F2", "level"] == 4
    assert p.loc["F1", "level"] == 3  # score 5 >= 4, no configured severe combination
    assert p.loc["F4", "level"] == 1  # statutory_open switched off
    assert list(DEFAULT_THRESHOLDS.table()["level"]) == [1, 2, 3]


@pytest.mark.parametrize("bad", [
    {"levels": {1: 2}},                      # no 0 minimum
    {"levels": {0: 1, 2: 5}},                # level 5
    {"levels": {0: 3, 2: 2}},                # falling
    {"basis": "median"},
    {"weights": {"poverty": 1.0}},
    {"weights": {"health": -1.0}},
    {"weights": {"health": float("nan")}},
    {"severe": [["child_safety", "aliens"]]},
    {"severe": ["child_safety"]},            # a string, not a list of needs
    {"lookback_days": -3},
    {"colour": "red"},
])
def test_bad_thresholds(needs_ds, bad):
    with pytest.raises(earlyhelp.ValidationError):
        need_profile(needs_ds, "2023-07-01", bad)


def test_bad_thresholds_type(needs_ds):
    with pytest.raises(TypeError):
        need_profile(needs_ds, "2023-07-01", 3)


def test_empty_dataset():
    ds = earlyhelp.Dataset({})
    p = need_profile(ds, "2023-01-01")
    assert len(p) == 0 and "level" in p.columns and np.issubdtype(p["level"].dtype, np.integer)
