"""The oracle on a tampered truth: each bad truth value raises a ValidationError naming
truth.episodes / truth.families, the column and the rows, instead of NaN or impossible probabilities."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.risk import build_features, observable_oracle, oracle_probabilities

synthetic = pytest.importorskip("earlyhelp.synthetic")


@pytest.fixture(scope="module")
def small():
    ds = synthetic.council("coventry", years=3, scale=0.2, seed=1)
    features = build_features(ds, list(pd.date_range("2022-04-01", "2023-10-01", freq="QS")))
    return ds, features


@pytest.fixture
def tampered(small):
    ds, features = small
    episodes, families = ds.truth["episodes"].copy(), ds.truth["families"].copy()
    yield ds, features
    ds.truth["episodes"], ds.truth["families"] = episodes, families


def _set(ds, table, column, value, key, ids):
    t = ds.truth[table].copy()
    t.loc[t[key].astype(str).isin(ids), column] = value
    ds.truth[table] = t


@pytest.mark.parametrize("column, value, what", [
    ("p_end_step_up", np.nan, "must be a probability in \\[0, 1\\]"),
    ("p_end_step_up", -1.0, "must be a probability in \\[0, 1\\]"),
    ("p_end_outcomes_met", 1.5, "must be a probability in \\[0, 1\\]"),
    ("p_rereferral", np.inf, "must be a probability in \\[0, 1\\]"),
    ("duration_scale", np.inf, "must be a positive finite number"),
    ("duration_scale", 0.0, "must be a positive finite number"),
])
def test_bad_episode_truth_is_named(tampered, column, value, what):
    ds, features = tampered
    assert np.isfinite(oracle_probabilities(ds, features)).all()
    ep_id = str(features.ids["episode_id"].iloc[0])
    _set(ds, "episodes", column, value, "episode_id", [ep_id])
    with pytest.raises(ValidationError, match=rf"truth\.episodes\.{column}: {what}.*rows {ep_id}") as err:
        oracle_probabilities(ds, features)
    problem = err.value.problems[0]
    assert (problem.table, problem.column, list(problem.rows)) == ("truth.episodes", column, [ep_id])


def test_rereferral_target_checks_its_probability(small):
    ds, _ = small
    saved = ds.truth["episodes"].copy()
    try:
        features = build_features(ds, list(pd.date_range("2022-04-01", "2023-10-01", freq="QS")),
                                  target="rereferral_12m")
        assert np.isfinite(oracle_probabilities(ds, features)).all()
        ep_id = str(features.ids["episode_id"].iloc[0])
        _set(ds, "episodes", "p_rereferral", np.nan, "episode_id", [ep_id])
        with pytest.raises(ValidationError, match=r"truth\.episodes\.p_rereferral"):
            oracle_probabilities(ds, features)
    finally:
        ds.truth["episodes"] = saved


def test_bad_family_truth_is_named(tampered):
    ds, features = tampered
    fam_id = str(features.ids["family_id"].iloc[0])
    _set(ds, "families", "deprivation_effect", np.nan, "family_id", [fam_id])
    with pytest.raises(ValidationError, match=rf"truth\.families\.deprivation_effect: must be a finite number"
                                              rf".*rows {fam_id}"):
        observable_oracle(ds, features, features)
