"""demand_series' ids are the hierarchy's bottom ids, as its docstring says, also for a locality
whose id holds "/" or "%": the flat ids were joined without escaping ("L/North" read as one
level more, "L 100%" was not "L 100%25"), so a flat series given as capacity(history=...) beside
forecasts of the hierarchy matched no series and that locality silently got the steady-state
warm start."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.forecast import capacity, demand_series

RENAMED = {"L0000000": "L/North", "L0000001": "L 100%"}


@pytest.fixture(scope="module")
def council():
    ds = synthetic.council("coventry", years=3, scale=0.05, seed=0)
    tables = {}
    for name in ("localities", "families", "episodes"):
        frame = ds[name].copy()
        frame["locality_id"] = frame["locality_id"].replace(RENAMED)
        tables[name] = frame
    return ds.replace(**tables)


def test_flat_ids_are_the_bottom_ids_of_the_hierarchy(council):
    flat = demand_series(council, measures=["episodes_opened", "open_caseload"])
    Y, S, tags = demand_series(council, measures=["episodes_opened", "open_caseload"], hierarchy=True)
    bottom = list(S.columns[1:])
    assert sorted(flat["unique_id"].unique()) == sorted(bottom)
    assert set(flat["unique_id"]) <= set(Y["unique_id"])
    # one level per "/", for the renamed localities too
    assert flat["unique_id"].str.count("/").eq(4).all()
    renamed = flat.loc[flat["locality_id"].isin(list(RENAMED.values())), "unique_id"].unique()
    assert sorted(u.rsplit("/", 1)[1] for u in renamed) == ["L 100%25", "L 100%25", "L%2FNorth", "L%2FNorth"]
    # the bottom series' counts are the flat ones
    merged = flat.merge(Y, on=["unique_id", "ds"], suffixes=("", "_h"))
    assert len(merged) == len(flat) and (merged["y"] == merged["y_h"]).all()


def test_flat_history_is_used_by_capacity_beside_forecasts_of_the_hierarchy(council):
    flat = demand_series(council, measures=["episodes_opened"])
    _, S, _ = demand_series(council, measures=["episodes_opened"], hierarchy=True)
    last = flat["ds"].max()
    future = pd.date_range(last + pd.offsets.MonthBegin(1), periods=3, freq="MS")
    forecast = pd.DataFrame([(u, d, 2.0) for u in S.columns[1:] for d in future], columns=["unique_id", "ds", "Naive"])
    history = flat[["unique_id", "ds", "y"]]
    plan = capacity(forecast, history=history, model="Naive")
    assert plan.excluded_history.by_reason().get("series not in the forecast", 0) == 0
    assert not len(plan.steady_state_series)
    # a history series the forecast does not have is counted, not dropped unseen
    stray = history[history["unique_id"] == history["unique_id"].iloc[0]].assign(unique_id="episodes_opened/nowhere")
    plan = capacity(forecast, history=pd.concat([history, stray]), model="Naive")
    assert plan.excluded_history.by_reason()["series not in the forecast"] == len(stray)
