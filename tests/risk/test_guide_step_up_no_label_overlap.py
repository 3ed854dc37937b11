"""docs/guides/step-up-model.md: the training and calibration labels are known by the first test date
(no step-up is both a training label and a test label), and calibration uses families the model was
not fitted on."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "step-up-model.md"


def _cells():
    return re.findall(r"```\{code-cell\} ipython3\n(.*?)```", GUIDE.read_text(), re.S)


def _run(cells, names):
    """Run the guide's cells, keeping only the statements that bind ``names`` (and imports)."""
    env: dict = {}
    for cell in cells:
        for node in ast.parse(cell).body:
            targets = {t.id for n in ast.walk(node) if isinstance(n, ast.Assign) for t in n.targets
                       if isinstance(t, ast.Name)}
            if isinstance(node, (ast.Import, ast.ImportFrom)) or targets & names:
                exec(compile(ast.Module([node], []), str(GUIDE), "exec"), env)
    return env


@pytest.mark.simulation
def test_guide_training_and_calibration_labels_end_by_the_first_test_date():
    env = _run(_cells(), {"ds", "train_at", "test_at", "train", "test", "families", "held_out"})
    train, test, held_out = env["train"], env["test"], env["held_out"]
    first_test = test.ids["at"].min()
    window = pd.Timedelta(days=train.horizon_days)
    assert (train.ids["at"] + window <= first_test).all()
    assert train.data_end <= first_test
    fitted = set(train.ids.loc[~held_out, "family_id"])
    assert not fitted & set(train.ids.loc[held_out, "family_id"]) and held_out.any()


def test_guide_builds_training_labels_known_by_the_first_test_date():
    text = "".join(_cells())
    call = re.search(r"train = risk\.build_features\((.*?)\)\n", text).group(1)
    assert "data_end=test_at[0]" in call
