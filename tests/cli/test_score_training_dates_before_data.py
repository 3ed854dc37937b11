"""`earlyhelp score` with --train-years reaching before the data: the cut-offs before the first
episode hold no family, so they are left out and run.json says how many; when every training date
is before the data, the run stops with 'not enough history' (exit 2), never trains on nothing."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from earlyhelp import ValidationError, synthetic
from earlyhelp.cli.scorerun import cutoffs, run_score


@pytest.fixture(scope="module")
def council():
    return synthetic.council(preset="coventry", years=3, scale=0.15, seed=5)


def test_cutoffs_before_the_data_are_counted_in_the_run(council, tmp_path):
    first = pd.Timestamp(council.episodes["start_date"].min()).normalize()
    result = run_score(council, str(tmp_path), train_years=4)
    run = json.loads((result.folder / "run.json").read_text())
    when = pd.Timestamp(run["parameters"]["at"])
    test_at = when - pd.Timedelta(days=365)
    expected = sum(d < first for d in cutoffs(test_at, 4))
    assert expected > 0
    assert run["parameters"]["final_training_cutoffs_before_data"] == expected


def test_every_training_date_before_the_data_is_refused(council, tmp_path):
    with pytest.raises(ValidationError, match="not enough history"):
        run_score(council, str(tmp_path), at="2022-06-01", train_years=3)
