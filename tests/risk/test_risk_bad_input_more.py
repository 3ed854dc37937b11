"""Bad arguments to the risk functions: each a ValidationError naming the argument, never a silent answer."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.isotonic import IsotonicRegression

from earlyhelp import ValidationError
from earlyhelp.risk import (IsotonicCalibrator, LogisticRiskModel, PlattCalibrator, build_features, evaluate,
                            expected_step_ups)

END = "2024-12-31"


def _named(err: pytest.ExceptionInfo, table: str, column: str) -> None:
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == (table, column), str(err.value)


# -- build_features: dates ------------------------------------------------------------------------

@pytest.mark.parametrize("at", [20230701, 2023.5, np.int64(20230701), True, [20230701], ["2023-07-01", 2024]])
def test_a_number_for_at_is_refused_not_read_as_nanoseconds(needs_ds, at):
    # before: pd.Timestamp(20230701) is 1970-01-01 plus 20 ms, and an empty FeatureSet came back
    with pytest.raises(ValidationError, match="must be a date") as err:
        build_features(needs_ds, at, data_end=END)
    _named(err, "build_features", "at")


@pytest.mark.parametrize("data_end", [2025, 20241231, False, pd.NaT, "not a date",
                                      pd.Timestamp("2024-12-31", tz="UTC")])
def test_a_bad_data_end_is_named(needs_ds, data_end):
    # before: numbers excluded every family as window_incomplete; NaT and a time zone crashed
    with pytest.raises(ValidationError) as err:
        build_features(needs_ds, "2023-07-01", data_end=data_end)
    _named(err, "build_features", "data_end")


def test_data_end_as_a_date_still_works(needs_ds):
    given = build_features(needs_ds, "2023-07-01", data_end=pd.Timestamp(END))
    assert len(given) == len(build_features(needs_ds, "2023-07-01", data_end=END)) > 0


@pytest.mark.parametrize("at", [pd.Timestamp("2023-07-01", tz="UTC"), [pd.Timestamp("2023-07-01", tz="UTC")]])
def test_a_time_zone_on_at_is_named(needs_ds, at):
    with pytest.raises(ValidationError, match="time zone") as err:
        build_features(needs_ds, at, data_end=END)
    _named(err, "build_features", "at")


@pytest.mark.parametrize("at", [[], ["2023-07-01", "2023-07-01"]])
def test_empty_or_repeated_dates_are_named(needs_ds, at):
    with pytest.raises(ValidationError) as err:
        build_features(needs_ds, at, data_end=END)
    _named(err, "build_features", "at")


def test_a_date_whose_window_passes_the_last_date_pandas_holds_is_named(needs_ds):
    with pytest.raises(ValidationError, match="room for") as err:
        build_features(needs_ds, "2200-01-01", horizon_days=36_525)
    _named(err, "build_features", "at")


# -- build_features: other arguments --------------------------------------------------------------

@pytest.mark.parametrize("settings, column", [
    ({"horizon_days": 10 ** 6}, "horizon_days"),
    ({"horizon_days": 36_526}, "horizon_days"),
    ({"target": "rereferral_12m", "lookback_days": 10 ** 30}, "lookback_days"),
    ({"horizon_days": 0}, "horizon_days"),
    ({"lookback_days": True}, "lookback_days"),
    ({"target": "step_up"}, "target"),
    ({"target": np.array(["step_up_12m", "rereferral_12m"])}, "target"),
])
def test_bad_settings_are_validation_errors_naming_the_argument(needs_ds, settings, column):
    # before: a bare OutOfBoundsTimedelta for huge windows, plain ValueErrors naming no argument
    with pytest.raises(ValidationError) as err:
        build_features(needs_ds, "2023-07-01", data_end=END, **settings)
    _named(err, "build_features", column)


def test_the_longest_window_is_accepted(needs_ds):
    fs = build_features(needs_ds, "2023-07-01", data_end=END, horizon_days=36_525)
    assert fs.horizon_days == 36_525 and len(fs) == 0 and fs.excluded.total() > 0  # all windows incomplete


@pytest.mark.parametrize("ds", [None, pd.DataFrame({"family_id": ["F1"]})])
def test_a_dataset_that_is_not_one_is_named(ds):
    with pytest.raises(ValidationError, match="must be an earlyhelp Dataset") as err:
        build_features(ds, "2023-07-01")
    _named(err, "build_features", "ds")


def _one(snap, at, rows):
    return pd.DataFrame({"family_id": rows["family_id"], "one": 1.0})


@pytest.mark.parametrize("extra", [5, [5], ["nope"], _one, "abc"])
def test_extra_that_is_not_a_list_of_functions_is_named(needs_ds, extra):
    # a TypeError too, as scikit-learn's parameter checks raise (before: int is not iterable)
    with pytest.raises(ValidationError) as err:
        build_features(needs_ds, "2023-07-01", extra=extra, data_end=END)
    assert isinstance(err.value, TypeError)
    _named(err, "build_features", "extra")


def test_extra_as_an_empty_tuple_or_a_list_works(needs_ds):
    assert build_features(needs_ds, "2023-07-01", extra=(), data_end=END).X.shape[1] > 0
    assert "one" in build_features(needs_ds, "2023-07-01", extra=(_one,), data_end=END).X.columns


def test_an_extra_function_returning_no_frame_is_named(needs_ds):
    def listing(snap, at, rows):
        return [1, 2]

    with pytest.raises(ValidationError, match="must return a DataFrame") as err:
        build_features(needs_ds, "2023-07-01", extra=[listing], data_end=END)
    assert isinstance(err.value, TypeError)
    _named(err, "features", "listing")


# -- evaluate, expected_step_ups ------------------------------------------------------------------

@pytest.fixture()
def fitted(data):
    X, y = data
    return LogisticRiskModel().fit(X, y), X, y


@pytest.mark.parametrize("which", ["X", "y"])
@pytest.mark.parametrize("value", [5, None])
def test_evaluate_names_an_argument_with_no_rows(fitted, which, value):
    model, X, y = fitted
    args = {"X": X, "y": y, which: value}
    with pytest.raises(ValidationError, match="one row per case") as err:   # before: TypeError from len()
        evaluate(model, args["X"], args["y"])
    assert err.value.problems[0].table == which


def test_evaluate_names_lengths_that_differ(fitted):
    model, X, y = fitted
    with pytest.raises(ValidationError, match="different lengths"):
        evaluate(model, X, y[:10])


@pytest.mark.parametrize("ds", [None, "a dataset"])
def test_expected_step_ups_names_a_dataset_that_is_not_one(ds):
    scores = pd.DataFrame({"family_id": ["F1"], "p": [0.1]})
    with pytest.raises(ValidationError, match="must be an earlyhelp Dataset") as err:   # before: AttributeError
        expected_step_ups(scores, ds)
    _named(err, "expected_step_ups", "ds")


# -- calibrators ----------------------------------------------------------------------------------

def test_isotonic_auto_chooses_the_direction_as_scikit_learn_does():
    p, y = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1, 1, 1, 0, 0, 0]
    ours = IsotonicCalibrator(increasing="auto").fit(p, y)
    theirs = IsotonicRegression(increasing="auto", out_of_bounds="clip").fit(p, y)
    assert ours.increasing_ is False and theirs.increasing_ == ours.increasing_
    np.testing.assert_allclose(ours.transform(p), theirs.predict(p))   # before: a flat 0.5
    np.testing.assert_allclose(ours.transform(p), [1, 1, 1, 0, 0, 0])


def test_isotonic_auto_matches_scikit_learn_on_random_data():
    rng = np.random.default_rng(4)
    for i in range(20):
        n = int(rng.integers(5, 80))
        x = np.round(rng.random(n), 1)
        y = (1 if i % 2 else -1) * x + rng.random(n)
        w = rng.random(n) + 0.01
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # scikit-learn's warning of a weak correlation
            ours = IsotonicCalibrator(increasing="auto").fit(x, y, sample_weight=w)
            theirs = IsotonicRegression(increasing="auto", out_of_bounds="clip").fit(x, y, sample_weight=w)
        assert ours.increasing_ == theirs.increasing_
        np.testing.assert_allclose(ours.transform(x), theirs.predict(x))


@pytest.mark.parametrize("increasing, expected", [(True, True), (False, False), (np.bool_(False), False)])
def test_isotonic_direction_given_is_kept(increasing, expected):
    assert IsotonicCalibrator(increasing=increasing).fit([0.1, 0.2, 0.3], [1, 0, 1]).increasing_ is expected


@pytest.mark.parametrize("increasing", ["no", "yes", "AUTO", 1, 0, None])
def test_isotonic_refuses_a_direction_that_is_not_true_false_or_auto(increasing):
    # before: bool("no") is True, so an increasing function was fitted without a word
    with pytest.raises(ValidationError, match="increasing must be True, False or 'auto'"):
        IsotonicCalibrator(increasing=increasing).fit([0.1, 0.2, 0.3, 0.4], [1, 1, 0, 0])


def test_platt_names_the_scores_on_extreme_scales_not_x():
    # before: "X: the penalised fit broke down numerically ... standardise the features"
    scores = pd.Series([5.0, 1e300, -1e300, 6.0], index=["a", "b", "c", "d"])
    with pytest.raises(ValidationError) as err:
        PlattCalibrator(input="score").fit(scores, [0, 1, 1, 0])
    problem = err.value.problems[0]
    assert problem.table == "p" and list(problem.rows) == ["b", "c"] and problem.n_rows == 2
    assert "penalised" not in str(err.value) and "features" not in str(err.value)


def test_platt_refuses_scores_whose_squares_overflow_rather_than_fit_a_zero_slope():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=1000) * 1e153   # each square fits a float; their sum does not
    y = (rng.random(1000) < 0.5).astype(int)
    with pytest.raises(ValidationError, match="extreme scales") as err:   # before: a_ == 0.0, silently
        PlattCalibrator(input="score").fit(scores, y)
    assert err.value.problems[0].table == "p"


def test_platt_ignores_extreme_scores_of_zero_weight():
    cal = PlattCalibrator(input="score").fit([1e300, 0.1, 0.2, 0.8, 0.9], [1, 0, 1, 0, 1],
                                             sample_weight=[0, 1, 1, 1, 1])
    assert np.isfinite(cal.a_) and np.isfinite(cal.b_)


def test_platt_still_fits_large_but_sound_scores():
    rng = np.random.default_rng(1)
    s = rng.normal(size=200)
    y = (rng.random(200) < 1 / (1 + np.exp(-s))).astype(int)
    small = PlattCalibrator(input="score").fit(s, y)
    large = PlattCalibrator(input="score").fit(s * 1e100, y)
    np.testing.assert_allclose(large.a_ * 1e100, small.a_, rtol=1e-6)
    np.testing.assert_allclose(large.b_, small.b_, rtol=1e-6, atol=1e-9)


# -- n_iter_ ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", [{"solver": "lbfgs"}, {"solver": "newton-cd"},
                                      {"solver": "newton-cd", "l1_ratio": 0.5}, {"solver": "newton-cholesky"}])
@pytest.mark.parametrize("max_iter", [1, 5])
def test_n_iter_counts_the_iterations_run_when_the_fit_stops_at_max_iter(data, settings, max_iter):
    # before: lbfgs and newton-cd reported max_iter - 1 (0 after one step that moved the coefficients)
    X, y = data
    with pytest.warns(ConvergenceWarning, match=f"did not converge in {max_iter} iterations"):
        model = LogisticRiskModel(max_iter=max_iter, tol=1e-300, **settings).fit(X, y)
    assert model.n_iter_ == max_iter
    assert np.any(model.coef_ != 0)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cd", "newton-cholesky"])
def test_n_iter_of_a_converged_fit_is_below_max_iter_and_zero_when_nothing_moved(data, solver):
    X, y = data
    model = LogisticRiskModel(solver=solver, max_iter=100).fit(X, y)
    assert 1 <= model.n_iter_ < 100
    started = LogisticRiskModel(solver=solver, tol=1e3).fit(X, y)   # converged where it started
    assert started.n_iter_ == 0


@pytest.mark.parametrize("at", [20230701, 2023.5, True, np.int64(20230701)])
def test_need_profile_refuses_a_number_for_at(needs_ds, at):
    from earlyhelp.risk import need_profile

    # before: the profile at 1970-01-01, every family with no needs, silently
    with pytest.raises(ValidationError, match="must be a date") as err:
        need_profile(needs_ds, at)
    _named(err, "need_profile", "at")


# -- repeated key ids (Dataset.replace does not check keys) ----------------------------------------

@pytest.mark.parametrize("table,column", [("episodes", "episode_id"), ("families", "family_id"),
                                          ("persons", "person_id"), ("localities", "locality_id")])
def test_a_repeated_key_id_is_named_by_build_features(needs_ds, table, column):
    # before: a repeated episode id crashed with pandas' InvalidIndexError; a repeated family or
    # person was looked up twice or not at all, silently
    frame = needs_ds[table]
    repeated = needs_ds.replace(**{table: pd.concat([frame, frame.iloc[[0]]], ignore_index=True)})
    with pytest.raises(ValidationError, match="duplicate key") as err:
        build_features(repeated, "2023-07-01", data_end=END)
    _named(err, table, column)
    assert str(frame[column].iloc[0]) in str(err.value)


def test_a_repeated_family_is_named_by_expected_step_ups(needs_ds):
    fam = needs_ds.families
    repeated = needs_ds.replace(families=pd.concat([fam, fam.iloc[[0]]], ignore_index=True))
    scores = pd.DataFrame({"family_id": fam["family_id"].astype(str), "p": 0.1})
    assert len(expected_step_ups(scores, needs_ds)) >= 1  # the same scores pass on the data as given
    with pytest.raises(ValidationError, match="duplicate key") as err:
        expected_step_ups(scores, repeated)
    _named(err, "families", "family_id")


def test_repeated_rows_are_still_accepted_by_replace(needs_ds):
    # the check belongs to the steps that look rows up by id, not to Dataset.replace, which takes a
    # table as the case system holds it
    fam = needs_ds.families
    assert len(needs_ds.replace(families=pd.concat([fam, fam.iloc[[0]]])).families) == len(fam) + 1


def test_an_open_episode_without_a_start_is_named_not_left_out(needs_ds):
    episodes = needs_ds.episodes.copy()
    episodes.loc[episodes.index[0], "start_date"] = pd.NaT
    with pytest.raises(ValidationError) as err:
        build_features(needs_ds.replace(episodes=episodes), ["2024-03-31"])
    _named(err, "episodes", "start_date")


@pytest.fixture(scope="module")
def small():
    import earlyhelp

    return earlyhelp.synthetic.council("coventry", years=3, scale=0.1, seed=1)


def test_a_locality_without_deprivation_gives_the_localities_mean_not_nan(small):
    localities = small.localities.copy()
    localities.loc[localities.index[0], "deprivation"] = np.nan
    fs = build_features(small.replace(localities=localities), ["2023-06-30"])
    assert fs.X["deprivation"].notna().all()
    known = localities["deprivation"].dropna()
    assert round(float(known.mean()), 9) in set(fs.X["deprivation"].round(9))


def test_extra_features_that_differ_between_dates_are_named(small):
    def by_month(snap, at, rows):
        return pd.DataFrame({"family_id": rows["family_id"], ("a" if at.month == 6 else "b"): 1.0})

    with pytest.raises(ValidationError, match="features at 2023-09-30 differ from those at 2023-06-30: without a; "
                                              "with b"):
        build_features(small, ["2023-06-30", "2023-09-30"], extra=[by_month])


@pytest.mark.parametrize("years", [[pd.NaT], [pd.Timestamp("2024-03-31", tz="UTC")], True, [20240331]])
def test_backtest_test_dates_pass_the_package_date_check(small, years):
    from earlyhelp.risk import backtest

    with pytest.raises(ValidationError):
        backtest(small, LogisticRiskModel(C=0.1), years=years)


def test_backtest_refuses_what_it_sets_itself_and_a_model_without_probabilities(small):
    from earlyhelp.risk import PoissonRiskModel, backtest

    with pytest.raises(ValidationError, match="backtest.features: may not set data_end"):
        backtest(small, LogisticRiskModel(C=0.1), years=1, features={"data_end": "2025-03-31"})
    with pytest.raises(ValidationError, match="backtest.model: must have predict_proba"):
        backtest(small, PoissonRiskModel(), years=1)


def test_score_and_count_arguments_of_the_wrong_kind_are_named(small):
    from earlyhelp.risk import expected_step_ups, score_metrics

    with pytest.raises(ValidationError, match="top_k_percent"):
        score_metrics([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], top_k_percent=None)
    with pytest.raises(ValidationError, match="expected_step_ups.scores"):
        expected_step_ups([0.1], small)
