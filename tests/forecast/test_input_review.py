"""Input that used to give a wrong answer silently or crash with a TypeError.

Each test fails without its fix: ``aggregate`` refusing repeated bottom rows, ``reconcile``
checking that ``S`` is a hierarchy for every method, ``capacity`` refusing history that
overlaps the forecast and counting history it does not use, and one number accepted as
``level`` by every function that takes it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import Forecaster, Naive, accuracy, aggregate, capacity, reconcile

METHODS = ["bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink"]
SPEC = [["council"], ["council", "locality"]]
DATES = pd.date_range("2020-01-01", periods=24, freq="MS")


# -- aggregate: one row per bottom series and period -------------------------------------------
def _bottom(places=(("A", "L1"), ("A", "L2"), ("B", "L3")), dates=DATES) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"council": c, "locality": loc, "ds": dates, "y": float(k + 1) * 10})
                      for k, (c, loc) in enumerate(places)], ignore_index=True)


def test_aggregate_refuses_a_repeated_bottom_row_instead_of_doubling_the_period():
    d = pd.DataFrame({"council": "A", "locality": "L1", "ds": pd.date_range("2020-01-01", periods=3, freq="MS"),
                      "y": 10.0})
    with pytest.raises(ValidationError, match=r"series\.ds: more than one row for a bottom series and period "
                                              r"\(2 rows.*\(rows A/L1 2020-01-01 at positions 0, 3\)") as err:
        aggregate(pd.concat([d, d.head(1)]), SPEC)     # the index repeats: positions, not labels
    assert err.value.problems[0].n_rows == 1


def test_aggregate_names_the_first_repeated_series_and_periods():
    d = _bottom()
    repeated = pd.concat([d, d.iloc[[0, 1, 30]], d.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValidationError) as err:
        aggregate(repeated, SPEC)
    problem = err.value.problems[0]
    assert problem.n_rows == 3
    assert list(problem.rows) == ["A/L1 2020-01-01 at positions 0, 72, 75", "A/L1 2020-02-01 at positions 1, 73",
                                  "A/L2 2020-07-01 at positions 30, 74"]


def test_aggregate_same_locality_name_in_two_councils_is_two_series():
    # the bottom key is every column of the bottom level, not the last one alone
    Y, S, _ = aggregate(_bottom(places=(("A", "L1"), ("B", "L1"))), SPEC)
    assert Y[Y["unique_id"] == "A/L1"]["y"].eq(10.0).all() and Y[Y["unique_id"] == "B/L1"]["y"].eq(20.0).all()


# -- reconcile: S must be a hierarchy for every method --------------------------------------------
@pytest.fixture(scope="module")
def hierarchy():
    Y, S, _ = aggregate(_bottom(), SPEC)
    f = Forecaster([Naive()], freq="MS", n_jobs=1)
    fc = f.fit(Y).predict(3, level=[80], fitted=True)
    return fc, S, f.forecast_fitted_values()


@pytest.mark.parametrize("method", METHODS)
def test_reconcile_refuses_a_series_under_two_parents(hierarchy, method):
    fc, S, ins = hierarchy
    S2 = S.copy()
    S2.loc[S2["unique_id"] == "B", "A/L2"] = 1.0      # L2 under both councils: counted twice
    with pytest.raises(ValidationError, match=r"S\.unique_id: bottom series summed into more aggregate rows than "
                                              r"the others \(1\).*\(rows A, B\).*'A/L2' is in 2 aggregate rows "
                                              r"\('A', 'B'\); most bottom series are in 1"):
        reconcile(fc, S2, method, insample=ins)


@pytest.mark.parametrize("method", METHODS)
def test_reconcile_refuses_entries_other_than_0_and_1(hierarchy, method):
    fc, S, ins = hierarchy
    S3 = S.copy()
    S3.loc[S3["unique_id"] == "A", "A/L2"] = 2.0
    with pytest.raises(ValidationError, match=r"S\.unique_id: entries of S must be 0 or 1.*\(rows A\) "
                                              r"\[value: \"row 'A', column 'A/L2': 2\"\]"):
        reconcile(fc, S3, method, insample=ins)


def _grouped(sparse_s=False):
    """council x source with both margins and a total: levels cross, but each splits the bottom."""
    rng = np.random.default_rng(1)
    cells = [(c, s) for c in ("A", "B") for s in ("police", "school", "health")]
    df = pd.concat([pd.DataFrame({"england": "E", "council": c, "source": s, "ds": DATES,
                                  "y": rng.poisson(10 + 5 * k, len(DATES)).astype(float)})
                    for k, (c, s) in enumerate(cells)], ignore_index=True)
    return aggregate(df, [["england"], ["england", "council"], ["england", "source"],
                          ["england", "council", "source"]], sparse_s=sparse_s)


@pytest.mark.parametrize("method", ["bottom_up", "mint_ols", "mint_wls_struct", "mint_shrink"])
def test_reconcile_refuses_a_level_that_leaves_a_series_out(method):
    """In a grouped structure, the source margin 'police' left without council A's police: its
    total would miss them (a tree of uneven depth, where a series may stand alone, is valid)."""
    Y, S, _ = _grouped()
    f = Forecaster([Naive()], freq="MS", n_jobs=1)
    fc = f.fit(Y).predict(3, fitted=True)
    S4 = S.copy()
    S4.loc[S4["unique_id"] == "E/police", "E/A/police"] = 0.0
    with pytest.raises(ValidationError, match=r"S\.unique_id: bottom series summed into fewer aggregate rows than "
                                              r"the others \(1\).*\(rows E/A/police\)"):
        reconcile(fc, S4, method, insample=f.forecast_fitted_values())


def test_reconcile_refuses_an_aggregate_row_of_zeros(hierarchy):
    fc, S, ins = hierarchy
    S5 = S.copy()
    S5.loc[S5["unique_id"] == "B", "B/L3"] = 0.0
    with pytest.raises(ValidationError, match=r"aggregate rows that sum no bottom series \(all zeros\).*\(rows B\)"):
        reconcile(fc, S5, "bottom_up", insample=ins)


@pytest.mark.parametrize("sparse_s", [False, True])
@pytest.mark.parametrize("method", ["bottom_up", "mint_ols", "mint_wls_struct", "mint_shrink"])
def test_reconcile_accepts_a_grouped_structure(method, sparse_s):
    Y, S, tags = _grouped(sparse_s)
    f = Forecaster([Naive()], freq="MS", n_jobs=1)
    fc = f.fit(Y).predict(3, fitted=True)
    rec = reconcile(fc, S, method, insample=f.forecast_fitted_values()).set_index(["unique_id", "ds"])["Naive"]
    bottom = [c for c in S.columns if c != "unique_id"]
    for total, parts in (("E", bottom), ("E/A", [b for b in bottom if b.startswith("E/A/")]),
                         ("E/police", [b for b in bottom if b.endswith("/police")])):
        np.testing.assert_allclose(rec.loc[total].to_numpy(),
                                   sum(rec.loc[b].to_numpy() for b in parts), rtol=1e-9)


def test_reconcile_accepts_a_hierarchy_without_a_single_total():
    Y, S, _ = aggregate(_bottom(), [["council"], ["council", "locality"]])
    assert "A" in set(S["unique_id"]) and "B" in set(S["unique_id"])
    fc = Forecaster([Naive()], freq="MS", n_jobs=1).fit(Y).predict(2)
    rec = reconcile(fc, S.set_index("unique_id"), "mint_ols")     # ids in the index too
    assert len(rec) == len(fc)


# -- capacity: history overlapping the forecast, history of other series -------------------------
def _history(ids=("L1",), n=24) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": u, "ds": pd.date_range("2020-01-01", periods=n, freq="MS"),
                                    "y": 10.0}) for u in ids], ignore_index=True)


@pytest.fixture(scope="module")
def forecast():
    return Forecaster([Naive()], freq="MS", n_jobs=1).fit(_history()).predict(6, level=[80])


def test_capacity_refuses_history_rows_in_the_forecast_periods(forecast):
    hist = _history()
    overlapping = pd.concat([hist, forecast[["unique_id", "ds"]].assign(y=1000.0)], ignore_index=True)
    with pytest.raises(ValidationError, match=r"history\.ds: 6 rows on or after the series' first forecast period"
                                              r".*\(rows L1 from 2022-01-01 \(6 rows; forecast starts "
                                              r"2022-01-01\)\)"):
        capacity(forecast, history=overlapping)
    # one row in the forecast window is enough (it used to be ignored)
    with pytest.raises(ValidationError, match=r"history\.ds: 1 rows on or after"):
        capacity(forecast, history=pd.concat([hist, forecast[["unique_id", "ds"]].head(1).assign(y=10.0)]))


def test_capacity_counts_history_of_series_not_in_the_forecast(forecast):
    plain = capacity(forecast, history=_history())
    assert len(plain.excluded_history) == 0
    out = capacity(forecast, history=_history(ids=("L1", "L9", "L8"), n=24))
    assert out.excluded_history.by_reason() == {"series not in the forecast": 48}
    assert "48 rows - series not in the forecast" in repr(out.excluded_history)
    np.testing.assert_allclose(out["fte"], plain["fte"])


# -- one number as level ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def series():
    return _history(ids=("L1", "L2"), n=36).assign(y=lambda d: np.arange(len(d)) % 7 + 3.0)


@pytest.mark.parametrize("one", [80, 80.0, np.int64(80), np.float64(80.0), np.array(80)])
def test_one_number_is_one_level_everywhere(series, one):
    f = Forecaster([Naive()], freq="MS", n_jobs=1).fit(series)
    # columns are named as statsforecast names them (80.0 -> "-lo-80.0"), so compare with [one]
    listed = f.predict(6, level=[one.item() if isinstance(one, np.ndarray) else one])
    pd.testing.assert_frame_equal(f.predict(6, level=one), listed)
    pd.testing.assert_frame_equal(Forecaster([Naive()], freq="MS", n_jobs=1).forecast(6, df=series, level=one),
                                  listed)
    cv = Forecaster([Naive()], freq="MS", n_jobs=1).cross_validation(series, 3, n_windows=2, level=one)
    pd.testing.assert_frame_equal(cv, Forecaster([Naive()], freq="MS", n_jobs=1).cross_validation(
        series, 3, n_windows=2, level=[one.item() if isinstance(one, np.ndarray) else one]))
    # the functions reading intervals take one number too (on columns named "-lo-80")
    as_list = f.predict(6, level=[80])
    cv = Forecaster([Naive()], freq="MS", n_jobs=1).cross_validation(series, 3, n_windows=2, level=[80])
    pd.testing.assert_frame_equal(accuracy(cv, series, level=one), accuracy(cv, series, level=[80]))
    plan = capacity(as_list, level=one)
    pd.testing.assert_frame_equal(pd.DataFrame(plan), pd.DataFrame(capacity(as_list, level=[80])))
    Y, S, _ = aggregate(_bottom(), SPEC)
    fc = Forecaster([Naive()], freq="MS", n_jobs=1).fit(Y).predict(3, level=[80, 95])
    rec = reconcile(fc, S, "bottom_up", level=one)
    pd.testing.assert_frame_equal(pd.DataFrame(rec), pd.DataFrame(reconcile(fc, S, "bottom_up", level=[80])))


@pytest.mark.parametrize("bad", ["80", True, {"a": 80}, [80, "95"], [150], object()])
def test_a_level_that_is_not_numbers_is_a_validation_error(series, bad):
    f = Forecaster([Naive()], freq="MS", n_jobs=1).fit(series)
    with pytest.raises(ValidationError, match=r"Forecaster\.level: level"):
        f.predict(6, level=bad)
    fc = f.predict(6, level=[80])
    with pytest.raises(ValidationError, match=r"capacity\.level: level"):
        capacity(fc, level=bad)
    cv = f.cross_validation(series, 3, level=[80])
    with pytest.raises(ValidationError, match=r"accuracy\.level: level"):
        accuracy(cv, level=bad)


def test_a_whole_level_written_as_a_float_names_the_same_columns():
    """level=[80.0] and level=[80] are one interval: the forecast's columns are -lo-80 either
    way, so accuracy, capacity and reconcile (which look for -lo-80) find them."""
    from earlyhelp.forecast import Forecaster, Naive

    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=24, freq="MS"),
                       "y": np.arange(24, dtype=float)})
    fc = Forecaster([Naive()], freq="MS").forecast(df=df, h=3, level=[80.0])
    assert "Naive-lo-80" in fc.columns and "Naive-hi-80" in fc.columns


@pytest.mark.parametrize("method", ["bottom_up", "mint_ols"])
def test_reconcile_accepts_an_unbalanced_tree(method):
    """Council A has no localities (it is a bottom series itself), council B has two: a valid
    hierarchy of uneven depth, which must not be mistaken for a series under two parents."""
    ds = pd.date_range("2023-01-01", periods=3, freq="MS")
    bottom = {"A": 5.0, "B/L1": 2.0, "B/L2": 3.0}
    rows = []
    for uid, v in {**bottom, "B": 5.0, "Total": 10.0}.items():
        rows += [{"unique_id": uid, "ds": d, "Naive": v} for d in ds]
    fc = pd.DataFrame(rows)
    S = pd.DataFrame([[1, 1, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], columns=list(bottom),
                     index=pd.Index(["Total", "B", "A", "B/L1", "B/L2"], name="unique_id")).reset_index()
    out = reconcile(fc, S, method)
    total = out[out["unique_id"] == "Total"]
    assert np.allclose(total["Naive"], 10.0)
