"""`earlyhelp score`: step-up risk scores from the library's own model, as a run folder."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from earlyhelp import write_dataset

from cli_helpers import run_cli


# -- score --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scoring_folder(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("council_for_scores")
    write_dataset(synthetic.council(preset="coventry", years=4, scale=0.15, seed=5), folder, format="parquet")
    return folder


def test_score_command(tmp_path, scoring_folder):
    from earlyhelp import read_dataset
    from earlyhelp.cli.scorerun import cutoffs
    from earlyhelp.risk import LogisticRiskModel, build_features
    from earlyhelp.risk.features import data_end_of

    result = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    run = Path(result.stdout.strip())
    assert run.name.startswith("score-") and "AUC" in result.stderr
    record = json.loads((run / "run.json").read_text())
    scores = pd.read_parquet(run / "scores.parquet")
    assert record["rows"]["scored"] == len(scores) > 0
    assert scores["p_step_up_12m"].between(0, 1).all() and scores["p_step_up_12m"].is_monotonic_decreasing
    assert scores["rank"].tolist() == list(range(1, len(scores) + 1))
    # the same scores as the library called directly, on outcomes known at the end of the data
    ds = read_dataset(scoring_folder)
    end = data_end_of(ds)
    train = build_features(ds, cutoffs(end - pd.Timedelta(days=365), 2), data_end=end)
    model = LogisticRiskModel().fit(train.X, train.y)
    now = build_features(ds, [end], data_end=end + pd.Timedelta(days=365))
    direct = pd.Series(model.predict_proba(now.X)[:, 1], index=now.ids["family_id"].astype(str))
    ours = scores.set_index(scores["family_id"].astype(str))["p_step_up_12m"]
    assert (ours - direct.reindex(ours.index)).abs().max() < 1e-6
    evaluation = pd.read_parquet(run / "evaluation.parquet").set_index("metric")["value"]
    assert 0.5 < evaluation["auc"] <= 1.0        # better than chance on held-out families
    expected = pd.read_csv(run / "expected.csv", dtype=str)
    shown = expected.loc[expected["families"] != "c", "families"].astype(int)
    assert not shown.between(1, 5).any()
    # places by name beside their ids, never only a code
    names = ds.localities.set_index("locality_id")["name"].astype(str)
    assert list(expected.columns[:2]) == ["locality_id", "locality"]
    places = expected[expected["locality_id"] != "Total"]
    assert (places["locality"] == places["locality_id"].map(names)).all()
    assert expected.loc[expected["locality_id"] == "Total", "locality"].tolist() == ["Total"]
    assert set(scores["locality"]) <= set(names) | {"c"} and scores["locality"].notna().all()
    assert not scores["locality"].isin(names.index).any()
    # the list's rows by locality give back no count expected.csv hides: a family of a locality
    # whose count is hidden is listed without its locality
    hidden = set(places.loc[places["families"] == "c", "locality"])
    assert hidden and not scores["locality"].isin(hidden).any()
    listed = scores["locality"].value_counts()
    for _, row in places[places["families"] != "c"].iterrows():
        assert listed.get(row["locality"], 0) == int(row["families"])
    again = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "s2"))
    run2 = Path(again.stdout.strip())
    for name in record["files"]:
        assert (run / name).read_bytes() == (run2 / name).read_bytes(), name


def test_score_at_after_the_end_of_the_data_warns_and_scores_at_the_end(tmp_path, scoring_folder):
    from earlyhelp import read_dataset
    from earlyhelp.risk.features import data_end_of

    end = data_end_of(read_dataset(scoring_folder)).date()
    late = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "late"), "--at", "2099-01-01")
    assert late.returncode == 0, late.stderr
    assert f"--at 2099-01-01 is after the end of the data ({end}): families are scored at {end}" in late.stderr
    record = json.loads((Path(late.stdout.strip()) / "run.json").read_text())
    assert record["parameters"]["at"] == str(end) and record["parameters"]["at_requested"] == "2099-01-01"
    at_end = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "end"), "--at", str(end))
    assert at_end.returncode == 0 and "after the end of the data" not in at_end.stderr
    scores = [pd.read_csv(Path(r.stdout.strip()) / "scores.csv") for r in (late, at_end)]
    pd.testing.assert_frame_equal(*scores)


def test_score_bad_inputs_exit_2(tmp_path, scoring_folder):
    bad = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "s"), "--at", "not-a-date")
    assert bad.returncode == 2 and "not a date" in bad.stderr
    early = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "s"), "--at", "2021-06-01",
                    "--train-years", "3")
    assert early.returncode == 2 and "not enough history" in early.stderr, early.stderr
    assert not (tmp_path / "s").exists()


def test_few_step_ups_withhold_every_outcome_metric():
    """With 3 step-ups among 52 families the count is suppressed, and so is every metric worked
    out from the outcomes: the AUC alone (a whole number of pairs over 3 x 49) would give it back."""
    import numpy as np

    from earlyhelp.cli.scorerun import protect_evaluation
    from earlyhelp.risk import score_metrics

    rng = np.random.default_rng(0)
    y = np.zeros(52, int)
    y[:3] = 1
    p = rng.random(52)
    metrics = score_metrics(y, p)
    evaluation = metrics.rename("value").rename_axis("metric").reset_index()
    typed, text, kept = protect_evaluation(evaluation, metrics, threshold=5)
    shown = text.set_index("metric")["value"]
    assert shown["n"] == 52 and shown["auc"] == "c" and shown["positives"] == "c"
    assert (shown.drop(["n", "mean_p"]) == "c").all()
    assert set(kept.index) == {"n", "mean_p"}
    assert typed.set_index("metric")["value"].drop(["n", "mean_p"]).isna().all()
    auc = float(metrics["auc"])
    fits = [k for k in range(1, 6) if abs(auc * k * (52 - k) - round(auc * k * (52 - k))) < 1e-6]
    assert fits == [3]  # what the published AUC would have told


def test_score_with_no_locality_hidden_writes_its_total(tmp_path, scoring_folder):
    # before: with every locality above the threshold the gate refused the expected table's Total
    # row as an undeclared total, and the run failed with exit code 2
    result = run_cli("score", "--data", str(scoring_folder), "--out", str(tmp_path / "s"),
                     "--suppression-threshold", "0")
    assert result.returncode == 0, result.stderr
    expected = pd.read_csv(Path(result.stdout.strip()) / "expected.csv")
    places = expected[expected["locality_id"] != "Total"]
    assert (places["families"] > 0).all()
    assert expected.loc[expected["locality_id"] == "Total", "families"].tolist() == [places["families"].sum()]


def test_few_families_evaluated_withhold_their_number_everywhere():
    import numpy as np

    from earlyhelp.cli.scorerun import _count_or_c, protect_evaluation
    from earlyhelp.risk import score_metrics

    y, p = np.array([1, 0, 0, 1, 0]), np.array([0.9, 0.1, 0.2, 0.6, 0.3])
    metrics = score_metrics(y, p)
    evaluation = metrics.rename("value").rename_axis("metric").reset_index()
    typed, text, kept = protect_evaluation(evaluation, metrics, threshold=5)
    assert (text["value"] == "c").all() and typed["value"].isna().all() and kept.empty
    assert _count_or_c(5, 5) == "c" and _count_or_c(6, 5) == 6 and _count_or_c(0, 5) == 0


def test_precision_and_recall_at_a_top_k_holding_few_step_ups_are_withheld():
    """11 step-ups among 104 families are shown, but recall at the top 5% times 11 gave the 1
    family of the 6 flagged who stepped up."""
    import numpy as np

    from earlyhelp.cli.scorerun import protect_evaluation
    from earlyhelp.risk import score_metrics

    y = np.zeros(200, int)
    y[:40] = 1
    p = np.linspace(0.99, 0.01, 200)     # ranked perfectly: the top 5% (10) are all step-ups
    p[[0, 1, 2]] = p[[40, 41, 42]]       # ... but for 3 families who did not step up
    p[[40, 41, 42]] = 0.995
    metrics = score_metrics(y, p)
    evaluation = metrics.rename("value").rename_axis("metric").reset_index()
    typed, text, kept = protect_evaluation(evaluation, metrics, threshold=5)
    shown = text.set_index("metric")["value"]
    for k in (5, 10, 20):   # in each top k%, 3 flagged families did not step up
        assert shown[f"precision_top_{k}pct"] == "c" and shown[f"recall_top_{k}pct"] == "c"
    assert shown["positives"] != "c" and shown["auc"] != "c"
    assert "precision_top_5pct" not in kept.index and "auc" in kept.index
    ranked = score_metrics(y, np.linspace(0.99, 0.01, 200))   # 10, 20 and 40 flagged: all stepped up
    _, text, _ = protect_evaluation(ranked.rename("value").rename_axis("metric").reset_index(), ranked, 5)
    assert text is None
