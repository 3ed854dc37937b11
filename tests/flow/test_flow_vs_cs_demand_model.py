"""The deterministic projection against cs-demand-model on its bundled sample SSDA903 data.

cs-demand-model pins pandas<2 and numpy<2, so it runs in its own virtual environment, built by
scripts/peer-venv.sh (scripts/test.sh builds it). The test is skipped only where that
environment cannot be built.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def peer_python():
    given = os.environ.get("EARLYHELP_PEER_PYTHON")
    if given:
        return given
    script = ROOT / "scripts" / "peer-venv.sh"
    if not script.exists():
        pytest.skip("scripts/peer-venv.sh is not here (installed package without the source tree)")
    try:
        out = subprocess.run(["bash", str(script)], cwd=ROOT, capture_output=True, text=True, timeout=900,
                             env=dict(os.environ, PEER_PYTHON=os.environ.get("PEER_PYTHON", sys.executable)))
    except (OSError, subprocess.TimeoutExpired) as err:  # pragma: no cover - depends on the machine
        pytest.skip(f"the cs-demand-model environment could not be built: {err}")
    if out.returncode != 0:
        pytest.skip(f"the cs-demand-model environment could not be built: {out.stderr[-500:]}")
    return out.stdout.strip().splitlines()[-1]


def _peer(peer_python, tmp_path, start, end, days):
    out = tmp_path / f"peer-{start}.csv"
    args = [peer_python, str(ROOT / "scripts" / "peer_csdm.py"), str(out), "--days", str(days)]
    if start:
        args += ["--start", start, "--end", end]
    run = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    info = json.loads(run.stdout.strip().splitlines()[-1])
    return info, pd.read_csv(out, parse_dates=["date"])


@pytest.mark.parametrize("start,end,days", [(None, None, 120), ("2019-04-01", "2020-03-31", 120)])
def test_projected_stocks_agree_within_one_percent(peer_python, tmp_path, start, end, days):
    info, peer = _peer(peer_python, tmp_path, start, end, days)
    ds = earlyhelp.read_ssda903(info["folder"])
    # cs-demand-model models short breaks (LS V3, V4) as care: so does this model when asked
    assert ds.meta["ssda903_report"]["short_break_episodes"] > 0
    model = StockFlow(categories="cs-demand-model", short_breaks="keep").fit(ds, start=info["start"], end=info["end"])
    ours = model.project(until=days)
    ours = ours[ours["date"] > pd.Timestamp(info["end"])]
    labels = {b.name: b.label for b in model.categories.brackets}
    peer = peer[peer["placement_type"] != "NOT_IN_CARE"].assign(age=lambda p: p["age_bin"].map(labels))
    both = peer.merge(ours, left_on=["date", "age", "placement_type"], right_on=["date", "age", "state"],
                      how="outer", suffixes=("_peer", "_ours"))
    assert both[["stock_peer", "stock_ours"]].notna().all().all()
    total = both.groupby("date")[["stock_peer", "stock_ours"]].sum()
    assert (total["stock_peer"] > 0).all()
    rel = (total["stock_ours"] - total["stock_peer"]).abs() / total["stock_peer"]
    assert rel.max() < 0.01
    big = both[both["stock_peer"] >= 1]
    cell = (big["stock_ours"] - big["stock_peer"]).abs() / big["stock_peer"]
    assert cell.max() < 0.01
