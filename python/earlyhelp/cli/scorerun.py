"""The ``earlyhelp score`` run: each family's risk of stepping up to social care, as one run folder.

The same public calls a user makes in a notebook (:func:`earlyhelp.risk.build_features`,
:class:`earlyhelp.risk.LogisticRiskModel`, :func:`earlyhelp.risk.evaluate`,
:func:`earlyhelp.risk.expected_step_ups`):

1. **honest accuracy**: a model trained on cut-offs whose outcome year ended before the
   *test date* (``at`` minus the horizon) is scored on the families open at the test date,
   whose outcomes are known by ``at``;
2. **scores**: the same model refitted on the latest cut-offs with known outcomes scores the
   families open at ``at`` (their outcomes are the future: not known, not used).

Outputs: ``scores`` (family, episode, locality name, p, rank), ``coefficients``, ``evaluation``,
``expected`` (expected step-ups per locality, by id and name; the count of families scored is an
observed count and is suppressed), ``run.json``. Scores name families (pseudonymous ids): an operational list for
the service, not a publication.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..results import Excluded, Exclusions
from .asof import as_of

HORIZON_DAYS = 365
TOTAL_LABEL = "Total"
CUTOFFS_PER_YEAR = 4


@dataclass
class ScoreResult:
    run_id: str
    folder: Path
    summary: List[str] = field(default_factory=list)


def risk_missing() -> Optional[str]:
    """Why ``earlyhelp.risk`` cannot be used here (None when it can)."""
    try:
        from .. import risk  # noqa: F401
        from ..risk import LogisticRiskModel, build_features  # noqa: F401
    except ImportError as exc:
        name = getattr(exc, "name", "") or ""
        if name.startswith("sklearn"):
            return "it needs scikit-learn: pip install scikit-learn"
        return f"earlyhelp.risk cannot be imported ({exc})"
    return None


def cutoffs(last: pd.Timestamp, years: int) -> List[pd.Timestamp]:
    """``years * 4`` quarterly cut-off dates ending at ``last`` (oldest first)."""
    step = pd.Timedelta(days=round(365.25 / CUTOFFS_PER_YEAR))
    return [(last - k * step).normalize() for k in range(years * CUTOFFS_PER_YEAR - 1, -1, -1)]


def _in_data(ds, dates: List[pd.Timestamp]) -> List[pd.Timestamp]:
    """The training cut-offs on or after the first episode's start: an earlier one holds no family
    (build_features refuses it), so a --train-years reaching before the data trains on fewer dates,
    and the run records how many it left out."""
    from ..risk.features import first_episode_start

    first = first_episode_start(ds)
    return list(dates) if first is None else [d for d in dates if d >= first]


def earliest_at(ds) -> Optional[pd.Timestamp]:
    """The earliest ``--at`` that leaves the evaluation model a training date on or after the first
    episode's start: two horizons after it (the model tested at ``--at`` less a horizon learns from
    outcomes a horizon before that). None when the data hold no episode."""
    from ..risk.features import first_episode_start

    first = first_episode_start(ds)
    return None if first is None else (pd.Timestamp(first) + 2 * pd.Timedelta(days=HORIZON_DAYS)).normalize()


def _training_features(ds, dates, *, data_end):
    kept = _in_data(ds, dates)
    if not kept:
        earliest = earliest_at(ds)
        raise ValidationError([Problem("history", None, "not enough history to train on: every training date "
                                       f"({dates[0].date()} to {dates[-1].date()}) is before the first episode "
                                       "starts; the model is tested on families open a year before --at and "
                                       "learns from outcomes a year before that, so give "
                                       f"--at {earliest.date()} or later (more or fewer --train-years cannot help: "
                                       "they only add or drop earlier dates)")])
    return _features(ds, kept, data_end=data_end), len(dates) - len(kept)


def _features(ds, dates, *, data_end=None):
    from ..risk import build_features

    try:
        return build_features(ds, dates, target="step_up_12m", horizon_days=HORIZON_DAYS, data_end=data_end)
    except ValueError as exc:
        raise ValidationError([Problem("features", None, str(exc))]) from None


def _fit(fs):
    from ..risk import LogisticRiskModel

    if len(fs) == 0 or fs.y.nunique() < 2:
        raise ValidationError([Problem("history", None, "not enough history to train on: the training dates hold "
                                       f"{len(fs)} families and {int(fs.y.sum()) if len(fs) else 0} step-ups, and "
                                       "the model needs families that stepped up and families that did not; "
                                       "give a later --at, or more --train-years where the data go back further")])
    return LogisticRiskModel().fit(fs.X, fs.y)


def _excluded(fs, step: str, *, leave_out: Tuple[str, ...] = ()) -> Exclusions:
    """The feature set's exclusions summed over its cut-off dates, per reason."""
    return Exclusions(Excluded("families", reason, n, step=step) for reason, n in fs.excluded.by_reason().items()
                      if reason not in leave_out)


def run_score(ds, output: str, *, at: Optional[str] = None, train_years: int = 2,
              suppression_threshold: int = 5, run_id: Optional[str] = None, policy=None) -> ScoreResult:
    """Train, evaluate and score as the module docstring says; write a new run folder in ``output``.

    Every table passes the publication gate with ``policy``
    (:class:`~earlyhelp.report.publish.PublishPolicy`; default: ``suppression_threshold``, raw ids).
    """
    from ..data.names import Names
    from ..report.publish import PublishPolicy
    from ..report.suppression import shown_count

    policy = policy if policy is not None else PublishPolicy(threshold=suppression_threshold)
    from ..report.runfolder import RunFolder, new_run_id, run_digest
    from ..report.suppression import published, suppress
    from ..risk import evaluate, expected_step_ups
    from ..risk.features import data_end_of
    from ..sources import content_hash
    from .netrun import publication_settings

    if len(ds.episodes) == 0:
        # build_features would fail on the empty table with a message from pandas
        raise ValidationError([Problem("episodes", None, "has no rows: the families scored are those with an open "
                                       "Early Help episode, and the model learns from earlier episodes and their "
                                       "step-ups, so there is nothing to score or learn from; check that the "
                                       "extract exported the episodes")])
    timings: Dict[str, float] = {}
    clock = time.perf_counter()
    end = data_end_of(ds)
    asked = as_of(at, end, after_end=f"families are scored at {end.date()}, the last date the data describe")
    when = end if asked is None else min(asked.normalize(), end)
    horizon = pd.Timedelta(days=HORIZON_DAYS)
    test_at = when - horizon                        # outcomes of families open then are known by `when`
    inputs = content_hash(ds)

    # 1. accuracy on the test date, from a model that saw only outcomes known by then
    past, past_before_data = _training_features(ds, cutoffs(test_at - horizon, train_years), data_end=test_at)
    held_out = _features(ds, [test_at], data_end=when)
    checked = _fit(past)
    if len(held_out) == 0:
        raise ValidationError([Problem("history", None, f"no families open on {test_at.date()} to test the model on: "
                                       "give a later --at")])
    metrics = evaluate(checked, held_out.X, held_out.y, name="logistic")
    timings["evaluate"] = round(time.perf_counter() - clock, 3)

    # 2. the model on the latest outcomes known at `when`, scoring the families open at `when`
    clock = time.perf_counter()
    train, before_data = _training_features(ds, cutoffs(test_at, train_years), data_end=when)
    model = _fit(train)
    # the scoring rows' outcomes lie after the data: a data_end past their window keeps them
    # (their labels are not used)
    now = _features(ds, [when], data_end=when + horizon)
    if len(now) == 0:
        raise ValidationError([Problem("dataset", None, f"no families with an open episode on {when.date()} to score")])
    p = model.predict_proba(now.X[train.X.columns])[:, 1]
    timings["train and score"] = round(time.perf_counter() - clock, 3)

    scores = now.ids.copy()
    scores["at"] = scores["at"].dt.date.astype(str)
    names = Names.of(ds)
    if "locality_id" in getattr(now, "groups", pd.DataFrame()).columns and len(now.groups) == len(scores):
        scores["locality"] = names.locality(now.groups["locality_id"]).to_numpy()   # a name, for the reader
        scores["_locality_id"] = now.groups["locality_id"].to_numpy()
    scores["p_step_up_12m"] = np.round(p, 6)
    scores = scores.sort_values(["p_step_up_12m", "family_id"], ascending=[False, True], kind="mergesort")
    scores["rank"] = np.arange(1, len(scores) + 1)
    scores = scores.reset_index(drop=True)
    coefficients = pd.DataFrame({"feature": list(train.X.columns), "coefficient": np.round(model.coef_[0], 6),
                                 "standard_error": np.round(getattr(model, "standard_errors_",
                                                                    np.full(train.X.shape[1], np.nan)), 6)})
    coefficients = pd.concat([pd.DataFrame({"feature": ["(intercept)"],
                                            "coefficient": [round(float(model.intercept_[0]), 6)],
                                            "standard_error": [round(float(getattr(
                                                model, "intercept_standard_error_", np.nan)), 6)]}),
                              coefficients], ignore_index=True)
    evaluation = metrics.rename("value").rename_axis("metric").reset_index()
    evaluation["value"] = pd.to_numeric(evaluation["value"], errors="coerce").round(6)
    evaluation.insert(0, "test_at", str(test_at.date()))
    evaluation, evaluation_csv, metrics = protect_evaluation(evaluation, metrics, policy.threshold)
    # the row's episode gives the locality, as in scores (build_features' rule)
    family_p = scores[["family_id", "episode_id", "p_step_up_12m"]].rename(columns={"p_step_up_12m": "p"})
    expected = expected_with_total(expected_step_ups(family_p, ds), expected_step_ups(family_p, ds, by="council"))
    # the total of families scored is published (the Total row, run.json, the summary): the
    # localities are suppressed against it, secondarily too
    families = suppress(expected[["locality_id", "families"]].astype({"families": "int64"}), "families",
                        dims=["locality_id"], totals={"locality_id": TOTAL_LABEL}, threshold=policy.threshold)
    hidden = (families["families_status"] == "c").to_numpy()
    expected["families"] = published(families)["families"].to_numpy()
    for col in ("expected", "sd", "lower", "upper"):
        if col in expected:
            # expected step-ups of a hidden locality are withheld: with few families they
            # (and their interval) narrow down how many families there are
            expected[col] = expected[col].astype(float).round(4).where(~hidden)
    expected = pd.DataFrame(expected).rename(columns={"name": "locality"})     # the locality's name by its id
    scores = _localities_shown(scores, set(expected.loc[hidden, "locality_id"]))

    # the scored families' outcome windows run past the data by design: not a row left out
    excluded = _excluded(past, "evaluate: training") + _excluded(held_out, "evaluate: test") + \
        _excluded(train, "training") + _excluded(now, "scoring", leave_out=("window_incomplete",))
    params = {"at": str(when.date()), "test_at": str(test_at.date()), "train_years": train_years,
              "target": "step_up_12m", "horizon_days": HORIZON_DAYS, "model": "LogisticRiskModel()",
              "suppression_threshold": suppression_threshold,
              # what is hidden and whether ids are pseudonyms change every file (the key is never recorded)
              "publication": publication_settings(policy)}
    # fewer training dates than --train-years asks, for each of the two models
    if past_before_data:
        params["evaluation_training_cutoffs_before_data"] = past_before_data
    if before_data:
        params["final_training_cutoffs_before_data"] = before_data
    if asked is not None and asked.normalize() > end:
        params["at_requested"] = str(asked.date())       # the run says what it was asked and what it did
    digest = run_digest(params, inputs)
    with RunFolder(output, run_id or new_run_id(digest, prefix="score-"), policy=policy) as folder:
        folder.write_table("scores", scores, decimals=6)
        folder.write_table("coefficients", coefficients, decimals=6)
        folder.write_table("evaluation", evaluation, csv_frame=evaluation_csv, decimals=6)
        folder.write_table("expected", expected, not_counts=("expected",), dims=["locality_id"],
                           totals={"locality_id": TOTAL_LABEL})
        folder.record("score", digest=digest, inputs=inputs, excluded=excluded, timings=timings, parameters=params,
                      rows={name: _count_or_c(len(frame), policy.threshold) for name, frame in
                            (("training", train), ("scored", now), ("evaluation_training", past),
                             ("evaluation_test", held_out))},
                      evaluation={k: (None if pd.isna(v) else float(v)) for k, v in metrics.items()
                                  if isinstance(v, (int, float, np.number))})
    auc = metrics.get("auc")
    accuracy = f"AUC {auc:.3f}" if auc is not None else \
        f"withheld (1-{policy.threshold} families stepped up, or all but 1-{policy.threshold})"
    summary = [f"scored {shown_count(len(now), policy.threshold)} families open on {when.date()}; "
               "expected step-ups in the next year: "
               f"{float(p.sum()):,.1f}",
               f"accuracy on families open on {test_at.date()} (model trained on earlier outcomes): {accuracy}"]
    return ScoreResult(run_id=folder.run_id, folder=folder.final, summary=summary)


def _localities_shown(scores: pd.DataFrame, hidden: set) -> pd.DataFrame:
    """The list of scored families with the locality of a family shown only where ``expected``
    shows the locality's count of families: counting the list's rows by locality (or adding their
    scores) would otherwise give the hidden counts, and the withheld expected step-ups, back."""
    if "_locality_id" not in scores:
        return scores
    out = scores.drop(columns="_locality_id")
    if hidden:
        from ..report.suppression import SUPPRESSED

        out["locality"] = out["locality"].astype(object).where(~scores["_locality_id"].isin(hidden), SUPPRESSED)
    return out


def expected_with_total(expected: pd.DataFrame, council: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """The expected step-ups per locality with a ``Total`` row (families and expected summed; the
    council's own sd and interval from ``council``, ``expected_step_ups(..., by="council")``, as
    the localities' intervals do not add)."""
    table = pd.DataFrame(expected).reset_index(drop=True)
    total = {"locality_id": TOTAL_LABEL, "families": int(table["families"].sum())}
    if "name" in table:
        total["name"] = TOTAL_LABEL
    if "expected" in table:
        total["expected"] = float(table["expected"].sum())
    if council is not None and len(council):
        total.update({c: float(council[c].iloc[0]) for c in ("sd", "lower", "upper") if c in council})
    row = pd.DataFrame([total])
    table = table.astype({"locality_id": object})
    return pd.concat([table, row], ignore_index=True)


#: metrics that do not use the outcomes: the families evaluated and their mean score
OUTCOME_FREE_METRICS = ("n", "mean_p")


def protect_evaluation(evaluation: pd.DataFrame, metrics: pd.Series, threshold: int):
    """The evaluation with the step-up count withheld when it is small.

    When 1..threshold families were evaluated, every figure is withheld, their number too. When
    1..threshold families (or all but 1..threshold) stepped up, their number is
    suppressed, and so is every metric computed from the outcomes: each can be worked back to
    it (prevalence = positives / n; the AUC is a whole number of pairs over positives x
    negatives, which only one small count fits; precision and recall at the top k, the Brier
    score, log loss and calibration narrow it down). Returns the typed table, its CSV layout
    (``"c"``) and the metrics for run.json (withheld ones dropped).
    """
    n = float(metrics.get("n", np.nan))
    positives = float(metrics.get("positives", np.nan))
    few_families = not np.isnan(n) and 1 <= n <= threshold   # then n itself, and every figure, is withheld
    small = few_families or any(1 <= k <= threshold for k in (positives, n - positives) if not np.isnan(k))
    small_top = _small_top_k(metrics, positives, threshold)
    if not small and not small_top:
        return evaluation, None, metrics
    names = evaluation["metric"].astype(str)
    if small:
        shown = () if few_families else OUTCOME_FREE_METRICS
        hidden = ~names.isin(shown)
    else:
        hidden = names.isin(small_top)
        shown = [k for k in metrics.index if k not in small_top]
    typed = evaluation.copy()
    typed.loc[hidden, "value"] = np.nan
    text = evaluation.copy()
    text["value"] = text["value"].astype(object)
    text.loc[hidden, "value"] = "c"
    kept = metrics[[k for k in metrics.index if k in shown]]
    return typed, text, kept


def _small_top_k(metrics: pd.Series, positives: float, threshold: int) -> List[str]:
    """The precision and recall at a top k% whose families that stepped up (recall x positives),
    or did not (flagged less those), number 1..threshold: either figure gives that count away."""
    out: List[str] = []
    for name in metrics.index:
        if not str(name).startswith("recall_top_"):
            continue
        precision_name = "precision" + str(name)[len("recall"):]
        recall, precision = float(metrics[name]), float(metrics.get(precision_name, np.nan))
        if np.isnan(recall) or np.isnan(positives):
            continue
        stepped_up = round(recall * positives)
        flagged = round(stepped_up / precision) if precision > 0 else np.nan
        if any(1 <= k <= threshold for k in (stepped_up, flagged - stepped_up) if not np.isnan(k)):
            out += [str(name), precision_name]
    return out


def _count_or_c(n: int, threshold: int):
    """A count for run.json: the number, or ``"c"`` when it is 1..threshold."""
    return "c" if 1 <= n <= threshold else int(n)
