"""Non-negative MinTrace (``reconcile(nonnegative=True)``) against hierarchicalforecast's
``MinTrace(nonnegative=True)``, and what the bound promises: no series below 0, coherent, and the
unbounded answer wherever that one has no series below 0."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import aggregate, reconcile

hf_core = pytest.importorskip("hierarchicalforecast.core")
hf_methods = pytest.importorskip("hierarchicalforecast.methods")
pytest.importorskip("clarabel")  # hierarchicalforecast's QP solver for nonnegative=True

SPEC = [["council"], ["council", "locality"]]
Z80 = 1.2815515655446004


def _hierarchy(seed: int, periods: int = 36, h: int = 4):
    """A council of 8 localities, three of them nearly empty, and base forecasts whose council
    total falls short of its localities' (MinT spreads the shortfall, pushing the small ones
    below 0)."""
    rng = np.random.default_rng(seed)
    levels = np.array([0.3, 0.6, 1.5, 20, 30, 40, 50, 60]) * rng.uniform(0.8, 1.2, 8)
    dates = pd.date_range("2021-01-01", periods=periods, freq="MS")
    rows = [pd.DataFrame({"council": "C1", "locality": f"L{k}", "ds": dates,
                          "y": rng.poisson(mu, periods).astype(float)}) for k, mu in enumerate(levels)]
    Y, S, tags = aggregate(pd.concat(rows, ignore_index=True), SPEC)
    future = pd.date_range(dates[-1] + pd.offsets.MonthBegin(), periods=h, freq="MS")
    base = {f"C1/L{k}": mu * rng.uniform(0.9, 1.1, h) for k, mu in enumerate(levels)}
    base["C1"] = 0.55 * sum(base.values())
    Y_hat = pd.concat([pd.DataFrame({"unique_id": uid, "ds": future, "model": f,
                                     "model-lo-80": np.maximum(f - Z80 * np.sqrt(f + 1), 0).round(),
                                     "model-hi-80": (f + Z80 * np.sqrt(f + 1)).round()})
                       for uid, f in base.items()], ignore_index=True)
    fitted = Y.copy()
    # errors as large for a nearly empty locality as for a busy one: mint_shrink moves them as much
    fitted["model"] = fitted["y"] + rng.normal(0, 3, len(fitted))
    return Y_hat, S, tags, fitted


def _peer(method: str, Y_hat, S, tags, fitted) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = hf_core.HierarchicalReconciliation(
            reconcilers=[hf_methods.MinTrace(method=method, nonnegative=True)])
        out = rec.reconcile(Y_hat_df=Y_hat[["unique_id", "ds", "model"]], S_df=S, tags=tags, Y_df=fitted)
    name = [c for c in out.columns if c.startswith("model/")][0]
    return out.set_index(["unique_id", "ds"])[name]


def _coherence_error(rec: pd.DataFrame, S: pd.DataFrame) -> float:
    wide = rec.pivot(index="unique_id", columns="ds", values="model")
    S_mat = S.set_index("unique_id")
    bottom = wide.loc[S_mat.columns]
    return float(np.abs(S_mat.to_numpy() @ bottom.to_numpy() - wide.loc[S_mat.index].to_numpy()).max())


@pytest.mark.parametrize("method", ["mint_ols", "mint_wls_struct", "mint_shrink"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nonnegative_mint_matches_hierarchicalforecast(method, seed):
    Y_hat, S, tags, fitted = _hierarchy(seed)
    unbounded = reconcile(Y_hat, S, method=method, insample=fitted)
    assert (unbounded["model"] < 0).any()  # the bound has work to do
    ours = reconcile(Y_hat, S, method=method, insample=fitted, nonnegative=True)
    peer = _peer(method.replace("mint_", "") if method != "mint_shrink" else method, Y_hat, S, tags, fitted)
    got = ours.set_index(["unique_id", "ds"])["model"]
    # hierarchicalforecast rounds its bottom series to float32 and solves with clarabel's tolerance
    np.testing.assert_allclose(got.loc[peer.index], peer, rtol=1e-5, atol=5e-4)
    assert ours.nonnegative and ours.points_held_at_0["model"] > 0
    assert (ours["model"] >= 0).all() and ours.points_below_0["model"] == 0
    assert (ours["model-lo-80"] >= 0).all()
    assert _coherence_error(ours, S) < 1e-9


@pytest.mark.parametrize("method", ["mint_ols", "mint_wls_struct"])
@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_nonnegative_mint_is_the_exact_bounded_least_squares(method, seed):
    """With a diagonal W the bounded problem is non-negative least squares on W^-1/2 S:
    scipy's nnls solves it exactly, and ours must agree to rounding (the peer's answer is
    only as close as float32 and a solver tolerance allow)."""
    nnls = pytest.importorskip("scipy.optimize").nnls
    Y_hat, S, tags, fitted = _hierarchy(seed)
    ours = reconcile(Y_hat, S, method=method, nonnegative=True).set_index(["unique_id", "ds"])["model"]
    S_mat = S.set_index("unique_id")
    w = np.ones(len(S_mat)) if method == "mint_ols" else S_mat.sum(axis=1).to_numpy()
    A = S_mat.to_numpy() / np.sqrt(w)[:, None]
    for ds in Y_hat["ds"].unique():
        y = Y_hat[Y_hat["ds"] == ds].set_index("unique_id")["model"].loc[S_mat.index].to_numpy()
        b, _ = nnls(A, y / np.sqrt(w))
        np.testing.assert_allclose(ours.xs(ds, level="ds").loc[S_mat.index], S_mat.to_numpy() @ b,
                                   rtol=1e-10, atol=1e-9)


def test_nonnegative_changes_nothing_when_no_series_falls_below_0():
    Y_hat, S, tags, fitted = _hierarchy(3)
    Y_hat.loc[Y_hat["unique_id"] == "C1", ["model", "model-lo-80", "model-hi-80"]] *= 1 / 0.55  # a total that fits
    unbounded = reconcile(Y_hat, S, method="mint_shrink", insample=fitted)
    assert (unbounded["model"] >= 0).all()
    ours = reconcile(Y_hat, S, method="mint_shrink", insample=fitted, nonnegative=True)
    np.testing.assert_allclose(ours["model"], unbounded["model"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ours["model-hi-80"], unbounded["model-hi-80"])
    assert ours.points_held_at_0 == {"model": 0}


def test_nonnegative_intervals_keep_their_widths_around_the_bounded_forecast():
    Y_hat, S, tags, fitted = _hierarchy(4)
    Y_hat = Y_hat.assign(**{"model-lo-80": Y_hat["model"] - 3.0, "model-hi-80": Y_hat["model"] + 3.0})  # not counts
    unbounded = reconcile(Y_hat, S, method="mint_ols", insample=fitted)
    ours = reconcile(Y_hat, S, method="mint_ols", insample=fitted, nonnegative=True)
    half = (unbounded["model-hi-80"] - unbounded["model"]).to_numpy()
    np.testing.assert_allclose(ours["model-hi-80"], ours["model"] + half, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours["model-lo-80"], np.maximum(ours["model"] - half, 0), rtol=1e-9, atol=1e-9)
    assert ours.bounds_clipped_to_0["model"] > 0
    # the points and their count do not depend on how many interval levels ride along
    two = Y_hat.assign(**{"model-lo-95": Y_hat["model"] - 5.0, "model-hi-95": Y_hat["model"] + 5.0})
    points = reconcile(Y_hat[["unique_id", "ds", "model"]], S, method="mint_ols", nonnegative=True)
    both = reconcile(two, S, method="mint_ols", nonnegative=True)
    assert both.points_held_at_0 == points.points_held_at_0 == ours.points_held_at_0
    np.testing.assert_array_equal(both["model"], points["model"])


@pytest.mark.parametrize("method,extra", [("bottom_up", {}), ("top_down", {})])
def test_nonnegative_needs_a_mint_method(method, extra):
    Y_hat, S, tags, fitted = _hierarchy(5)
    with pytest.raises(ValidationError, match="nonnegative"):
        reconcile(Y_hat, S, method=method, insample=fitted, nonnegative=True, **extra)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_nonnegative_must_be_a_bool(value):
    Y_hat, S, tags, fitted = _hierarchy(6)
    with pytest.raises(ValidationError, match="nonnegative"):
        reconcile(Y_hat, S, method="mint_ols", nonnegative=value)


@pytest.mark.parametrize("scale", [1e-200, 1e-6, 1e6, 1e150])
def test_nonnegative_answer_scales_with_the_data(scale):
    """Units do not change which localities are held at 0 (the rounding tolerance is relative)."""
    Y_hat, S, tags, fitted = _hierarchy(8)
    cols = ["model", "model-lo-80", "model-hi-80"]
    ours = reconcile(Y_hat, S, method="mint_ols", nonnegative=True)
    scaled = reconcile(Y_hat.assign(**{c: Y_hat[c] * scale for c in cols}), S, method="mint_ols", nonnegative=True)
    assert scaled.points_held_at_0 == ours.points_held_at_0 and ours.points_held_at_0["model"] > 0
    np.testing.assert_allclose(scaled["model"] / scale, ours["model"], rtol=1e-9, atol=1e-9)
