"""aggregate and reconcile against hierarchicalforecast, coherence, and bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import aggregate, reconcile

hf_utils = pytest.importorskip("hierarchicalforecast.utils")
hf_core = pytest.importorskip("hierarchicalforecast.core")
hf_methods = pytest.importorskip("hierarchicalforecast.methods")

SPEC = [["country"], ["country", "region"], ["country", "region", "council"],
        ["country", "region", "council", "locality"]]


def bottom_frame(seed: int = 0, periods: int = 36) -> pd.DataFrame:
    """England -> 2 regions -> 3 councils (one with a single locality) -> 7 localities."""
    rng = np.random.default_rng(seed)
    layout = [("R1", "C1", "L1"), ("R1", "C1", "L2"), ("R1", "C1", "L3"), ("R1", "C2", "L4"),
              ("R2", "C3", "L5"), ("R2", "C3", "L6"), ("R2", "C4", "L7")]
    dates = pd.date_range("2021-01-01", periods=periods, freq="MS")
    rows = []
    for k, (region, council, locality) in enumerate(layout):
        level = 20 + 10 * k
        season = 5 * np.sin(2 * np.pi * np.arange(periods) / 12)
        y = np.maximum(0, level + season + rng.normal(0, 3, periods)).round()
        rows.append(pd.DataFrame({"country": "England", "region": region, "council": council,
                                  "locality": locality, "ds": dates, "y": y}))
    return pd.concat(rows, ignore_index=True)


def base_forecasts(Y: pd.DataFrame, h: int = 6, seed: int = 1):
    """Incoherent base forecasts with 80% intervals and noisy in-sample fitted values."""
    rng = np.random.default_rng(seed)
    last = Y["ds"].max()
    future = pd.date_range(last + pd.offsets.MonthBegin(), periods=h, freq="MS")
    means = Y.groupby("unique_id")["y"].mean()
    rows = []
    for uid, mu in means.items():
        f = mu * (1 + rng.normal(0, 0.05, h))
        sd = np.sqrt(mu) * (1 + 0.1 * np.arange(h)) * rng.uniform(0.8, 1.2)
        rows.append(pd.DataFrame({"unique_id": uid, "ds": future, "model": f,
                                  "model-lo-80": f - 1.2815515655446004 * sd,
                                  "model-hi-80": f + 1.2815515655446004 * sd}))
    Y_hat = pd.concat(rows, ignore_index=True)
    fitted = Y.copy()
    fitted["model"] = fitted["y"] + rng.normal(0, 1, len(fitted)) * np.sqrt(fitted["y"] + 1)
    return Y_hat, fitted


def hf_reconcile(reconciler, Y_hat, S_df, tags, fitted, level=(80,)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = hf_core.HierarchicalReconciliation(reconcilers=[reconciler])
        out = rec.reconcile(Y_hat_df=Y_hat, S_df=S_df, tags=tags, Y_df=fitted,
                            level=list(level) if level else None)
    name = [c for c in out.columns if c.startswith("model/") and "-lo-" not in c and "-hi-" not in c][0]
    return out, name


def test_aggregate_equals_hierarchicalforecast():
    df = bottom_frame()
    Y, S, tags = aggregate(df, SPEC)
    Y_ref, S_ref, tags_ref = hf_utils.aggregate(df, SPEC)
    pd.testing.assert_frame_equal(Y.reset_index(drop=True), Y_ref.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(S.reset_index(drop=True), S_ref.reset_index(drop=True), check_dtype=False)
    assert list(tags) == list(tags_ref)
    for key in tags:
        np.testing.assert_array_equal(tags[key], tags_ref[key])


@pytest.mark.parametrize("method,reconciler", [
    ("bottom_up", hf_methods.BottomUp()),
    ("mint_ols", hf_methods.MinTrace(method="ols")),
    ("mint_wls_struct", hf_methods.MinTrace(method="wls_struct")),
    ("mint_shrink", hf_methods.MinTrace(method="mint_shrink")),
])
def test_reconcile_matches_hierarchicalforecast(method, reconciler):
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    ours = reconcile(Y_hat, S, method=method, insample=fitted)
    ref, name = hf_reconcile(reconciler, Y_hat, S, tags, fitted)
    merged = ours.merge(ref, on=["unique_id", "ds"])
    np.testing.assert_allclose(merged["model_x" if "model_x" in merged else "model"], merged[name], rtol=1e-6)
    np.testing.assert_allclose(merged["model-lo-80_x"], merged[f"{name}-lo-80"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(merged["model-hi-80_x"], merged[f"{name}-hi-80"], rtol=1e-6, atol=1e-6)
    if method == "mint_shrink":
        assert 0.0 <= ours.shrinkage["model"] <= 1.0


@pytest.mark.parametrize("td_method", ["forecast_proportions", "average_proportions", "proportion_averages"])
def test_top_down_matches_hierarchicalforecast(td_method):
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    ours = reconcile(Y_hat, S, method="top_down", top_down_method=td_method, insample=Y)
    ref, name = hf_reconcile(hf_methods.TopDown(method=td_method), Y_hat[["unique_id", "ds", "model"]], S, tags,
                             Y, level=None)
    merged = ours.merge(ref, on=["unique_id", "ds"], suffixes=("", "_ref"))
    np.testing.assert_allclose(merged["model"], merged[name], rtol=1e-8)
    # the total is kept and intervals scale with the shares
    top = ours[ours["unique_id"] == "England"]
    base_top = Y_hat[Y_hat["unique_id"] == "England"]
    np.testing.assert_allclose(top["model"], base_top["model"])
    np.testing.assert_allclose(top["model-hi-80"], base_top["model-hi-80"])


def coherence_error(rec: pd.DataFrame, S: pd.DataFrame, col: str) -> float:
    wide = rec.pivot(index="unique_id", columns="ds", values=col)
    ids = S["unique_id"].to_numpy()
    Smat = S.drop(columns="unique_id").to_numpy()
    bottom = wide.loc[list(S.columns[1:])].to_numpy()
    return float(np.abs(Smat @ bottom - wide.loc[ids].to_numpy()).max())


@pytest.mark.parametrize("method", ["bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink"])
def test_reconciled_forecasts_sum_up_the_hierarchy(method):
    Y, S, tags = aggregate(bottom_frame(seed=3), SPEC)
    Y_hat, fitted = base_forecasts(Y, seed=4)
    Y_hat = Y_hat.sample(frac=1.0, random_state=0)  # row order must not matter
    rec = reconcile(Y_hat, S, method=method, insample=fitted)
    assert list(rec.columns) == list(Y_hat.columns)
    assert rec.index.equals(Y_hat.index)
    assert coherence_error(rec, S, "model") < 1e-8
    assert coherence_error(Y_hat, S, "model") > 1.0   # the base forecasts were not coherent
    assert (rec["model-hi-80"] >= rec["model"]).all() and (rec["model-lo-80"] <= rec["model"]).all()


def test_mint_shrink_drops_insample_periods_with_missing_fits():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    first = fitted["ds"] == fitted["ds"].min()
    fitted.loc[first, "model"] = np.nan
    rec = reconcile(Y_hat, S, method="mint_shrink", insample=fitted)
    assert rec.insample_periods_dropped == 1
    assert coherence_error(rec, S, "model") < 1e-8


# -- bad input --------------------------------------------------------------------------
def test_missing_series_is_an_error():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    with pytest.raises(ValidationError, match="series of S with no forecasts"):
        reconcile(Y_hat[Y_hat["unique_id"] != "England/R1/C1/L2"], S, method="bottom_up")
    extra = pd.concat([Y_hat, Y_hat.head(1).assign(unique_id="Nowhere")])
    with pytest.raises(ValidationError, match="series not in S"):
        reconcile(extra, S, method="bottom_up")


def test_nan_forecast_is_an_error():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, _ = base_forecasts(Y)
    Y_hat.loc[3, "model"] = np.nan
    with pytest.raises(ValidationError, match="NaN or infinite forecasts"):
        reconcile(Y_hat, S, method="mint_ols")


def test_singular_covariance_is_an_error():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    fitted["model"] = fitted["y"] + 1.0    # constant residuals: zero variance everywhere
    with pytest.raises(ValueError, match="singular"):
        reconcile(Y_hat, S, method="mint_shrink", insample=fitted, ridge=0.0)


def test_mint_shrink_without_insample_is_an_error():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, _ = base_forecasts(Y)
    with pytest.raises(ValidationError, match="needs in-sample"):
        reconcile(Y_hat, S, method="mint_shrink")


def test_unknown_method_and_missing_interval_level():
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, _ = base_forecasts(Y)
    with pytest.raises(ValidationError, match="unknown method"):
        reconcile(Y_hat, S, method="middle_out")
    with pytest.raises(ValidationError, match="level"):
        reconcile(Y_hat, S, method="bottom_up", level=[95])


def test_aggregate_bad_input():
    df = bottom_frame()
    with pytest.raises(ValidationError, match="missing"):
        aggregate(df.drop(columns="council"), SPEC)
    df.loc[2, "locality"] = None
    with pytest.raises(ValidationError, match="missing values"):
        aggregate(df, SPEC)


# -- intervals stay coherent ----------------------------------------------------------------
def _dense_projection(S: pd.DataFrame, method: str) -> np.ndarray:
    """P (bottom x all) of the method, written out densely from its textbook formula."""
    Smat = S.drop(columns="unique_id").to_numpy(float)
    n, m = Smat.shape
    if method == "bottom_up":
        return np.hstack([np.zeros((m, n - m)), np.eye(m)])
    W_inv = np.eye(n) if method == "mint_ols" else np.diag(1.0 / Smat.sum(axis=1))
    return np.linalg.solve(Smat.T @ W_inv @ Smat, Smat.T @ W_inv)


@pytest.mark.parametrize("method", ["bottom_up", "mint_ols", "mint_wls_struct"])
def test_reconciled_intervals_are_the_coherent_gaussian_ones(method):
    """Each reconciled interval is mean +- z sqrt(diag(S P Sigma P' S')) with Sigma the base
    variances; both levels give the same standard deviation, and the means are coherent."""
    Y, S, tags = aggregate(bottom_frame(seed=5), SPEC)
    Y_hat, _ = base_forecasts(Y, seed=6)
    sd80 = (Y_hat["model-hi-80"] - Y_hat["model"]) / 1.2815515655446004
    Y_hat["model-lo-95"] = Y_hat["model"] - 1.959963984540054 * sd80
    Y_hat["model-hi-95"] = Y_hat["model"] + 1.959963984540054 * sd80
    rec = reconcile(Y_hat, S, method=method)
    Smat = S.drop(columns="unique_id").to_numpy(float)
    SP = Smat @ _dense_projection(S, method)
    ids = S["unique_id"].to_numpy()
    base_mean = Y_hat.pivot(index="unique_id", columns="ds", values="model").loc[ids].to_numpy()
    base_sd = Y_hat.assign(sd=sd80).pivot(index="unique_id", columns="ds", values="sd").loc[ids].to_numpy()
    want_mean = SP @ base_mean
    want_sd = np.sqrt(np.stack([np.diag(SP @ np.diag(base_sd[:, t] ** 2) @ SP.T) for t in range(base_sd.shape[1])],
                               axis=1))
    wide = {c: rec.pivot(index="unique_id", columns="ds", values=c).loc[ids].to_numpy()
            for c in ["model", "model-lo-80", "model-hi-80", "model-lo-95", "model-hi-95"]}
    np.testing.assert_allclose(wide["model"], want_mean, rtol=1e-9)
    for lv, z in ((80, 1.2815515655446004), (95, 1.959963984540054)):
        np.testing.assert_allclose((wide[f"model-hi-{lv}"] - wide["model"]) / z, want_sd, rtol=1e-9)
        np.testing.assert_allclose((wide["model"] - wide[f"model-lo-{lv}"]) / z, want_sd, rtol=1e-9)
    if method == "bottom_up":
        # independent bottom errors: every aggregate's variance is the sum of its bottoms'
        bottom_var = want_sd[-Smat.shape[1]:] ** 2
        np.testing.assert_allclose(want_sd ** 2, Smat @ bottom_var, rtol=1e-12)


def test_forecaster_output_on_demand_series_reconciles_exactly():
    """End to end: synthetic council -> demand_series hierarchy -> Forecaster -> mint_shrink;
    every level sums exactly (to rounding) and intervals are ordered and contain the mean."""
    from earlyhelp.forecast import AutoETS, Forecaster, SeasonalNaive, demand_series
    from earlyhelp.synthetic import council

    ds = council("coventry", years=3, scale=0.08, seed=4)
    Y, S, tags = demand_series(ds, measures=["episodes_opened"], hierarchy=True)
    fc = Forecaster([AutoETS(season_length=12), SeasonalNaive(season_length=12)], freq="MS")
    fc.fit(Y)
    Y_hat = fc.predict(6, level=[80, 95], fitted=True)
    fitted = fc.forecast_fitted_values()
    for method in ("bottom_up", "mint_wls_struct", "mint_shrink"):
        rec = reconcile(Y_hat, S, method=method, insample=fitted, level=[80, 95])
        for model in ("AutoETS", "SeasonalNaive"):
            scale = float(rec[model].abs().max())
            assert coherence_error(rec, S, model) <= 1e-10 * scale, (method, model)
            assert (rec[f"{model}-lo-95"] <= rec[f"{model}-lo-80"] + 1e-9).all()
            assert (rec[f"{model}-lo-80"] <= rec[model] + 1e-9).all()
            assert (rec[model] <= rec[f"{model}-hi-80"] + 1e-9).all()
            assert (rec[f"{model}-hi-80"] <= rec[f"{model}-hi-95"] + 1e-9).all()


def test_summing_matrix_layouts_give_the_same_answer():
    """S with ids in a column, in the index, with sparse or integer columns, or a C-ordered
    block: all read the same (S is read in place, not copied)."""
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    want = reconcile(Y_hat, S, method="mint_shrink", insample=fitted)
    values = S.drop(columns="unique_id")
    layouts = [
        S.set_index("unique_id"),
        pd.concat([S[["unique_id"]], values.astype(pd.SparseDtype(float, 0.0))], axis=1),
        pd.concat([S[["unique_id"]], values.astype(int)], axis=1),
        pd.DataFrame(np.ascontiguousarray(values.to_numpy().T).T, columns=values.columns).assign(
            unique_id=S["unique_id"].to_numpy())[list(S.columns)],
    ]
    for layout in layouts:
        got = reconcile(Y_hat, layout, method="mint_shrink", insample=fitted)
        pd.testing.assert_frame_equal(got, want)
    bad = S.copy()
    bad.iloc[1, 2] = np.nan
    with pytest.raises(ValidationError, match="missing or infinite"):
        reconcile(Y_hat, bad, method="bottom_up")


def test_sparse_summing_matrix_from_aggregate():
    df = bottom_frame()
    Y, S, tags = aggregate(df, SPEC)
    Ys, Ss, tags_s = aggregate(df, SPEC, sparse_s=True)
    pd.testing.assert_frame_equal(Ys, Y)
    assert all(isinstance(Ss[c].dtype, pd.SparseDtype) for c in Ss.columns[1:])
    pd.testing.assert_frame_equal(Ss.sparse.to_dense() if hasattr(Ss, "sparse") else
                                  Ss.astype({c: float for c in Ss.columns[1:]}),
                                  S, check_dtype=False)
    Y_hat, fitted = base_forecasts(Y)
    for method in ("bottom_up", "mint_shrink"):
        pd.testing.assert_frame_equal(reconcile(Y_hat, Ss, method=method, insample=fitted),
                                      reconcile(Y_hat, S, method=method, insample=fitted))


@pytest.mark.parametrize("method", ["mint_shrink", "mint_ols"])
def test_a_tree_that_is_not_the_datas_is_named(method):
    # a locality moved to another council in S is still a valid tree: only the history shows
    # that the councils' totals are not the sums S says
    Y, S, tags = aggregate(bottom_frame(), SPEC)
    Y_hat, fitted = base_forecasts(Y)
    moved = S.set_index("unique_id")
    moved.loc["England/R1/C1", "England/R1/C1/L2"] = 0
    moved.loc["England/R1/C2", "England/R1/C1/L2"] = 1
    with pytest.raises(ValidationError) as err:
        reconcile(Y_hat, moved, method=method, insample=fitted)
    (problem,) = err.value.problems
    assert problem.table == "insample" and problem.column == "y"
    assert set(problem.rows) == {"England/R1/C1", "England/R1/C2"}
    assert reconcile(Y_hat, S, method=method, insample=fitted) is not None
