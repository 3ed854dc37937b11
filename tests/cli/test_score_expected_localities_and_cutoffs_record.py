"""`earlyhelp score`: expected.csv counts every family under the locality scores.csv gives it (the row's
episode, build_features' rule), and run.json records the training cut-offs before the data that each
of the two models (the evaluation model and the final one) left out."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from earlyhelp import Dataset, risk, synthetic
from earlyhelp.cli.scorerun import cutoffs, run_score
from earlyhelp.risk.features import data_end_of


@pytest.fixture(scope="module")
def council():
    return synthetic.council(preset="coventry", years=3, scale=0.15, seed=5)


def test_scores_and_expected_place_every_family_in_the_same_locality(council, tmp_path):
    end = data_end_of(council)
    now = risk.build_features(council, [end], data_end=end + pd.Timedelta(days=365))
    per_family = council.episodes.groupby("family_id").size()
    chosen = [f for f in now.ids["family_id"].astype(str) if per_family.get(f, 0) >= 2][:6]
    assert len(chosen) == 6
    tables = {k: v.copy() for k, v in council.tables.items()}
    # no locality for the family nor its current episode; its earlier episodes have one
    tables["families"].loc[tables["families"]["family_id"].isin(chosen), "locality_id"] = None
    current = now.ids.loc[now.ids["family_id"].isin(chosen), "episode_id"].astype(str)
    tables["episodes"].loc[tables["episodes"]["episode_id"].isin(current), "locality_id"] = None
    ds = Dataset(tables, meta=council.meta)
    result = run_score(ds, str(tmp_path), suppression_threshold=0)
    scores = pd.read_csv(result.folder / "scores.csv", dtype=str)
    expected = pd.read_csv(result.folder / "expected.csv", dtype=str)
    assert set(scores.loc[scores["family_id"].isin(chosen), "locality"]) == {"(missing)"}
    listed = scores["locality"].value_counts().sort_index()
    counted = expected[expected["locality_id"] != "Total"].set_index("locality")["families"].astype(int).sort_index()
    counted = counted[counted > 0]
    assert listed.to_dict() == counted.to_dict()
    assert counted["(missing)"] == 6


def test_run_records_the_cutoffs_left_out_for_both_models(council, tmp_path):
    first = pd.Timestamp(council.episodes["start_date"].min()).normalize()
    result = run_score(council, str(tmp_path), train_years=4)
    params = json.loads((result.folder / "run.json").read_text())["parameters"]
    test_at = pd.Timestamp(params["test_at"])
    horizon = pd.Timedelta(days=365)
    evaluation = sum(d < first for d in cutoffs(test_at - horizon, 4))
    final = sum(d < first for d in cutoffs(test_at, 4))
    assert evaluation > final > 0
    assert params["evaluation_training_cutoffs_before_data"] == evaluation
    assert params["final_training_cutoffs_before_data"] == final
