"""Simulations on a dask.distributed LocalCluster (2 workers) equal the single-process ones."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import Scenario, StockFlow, simulate_many

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def models():
    out = {}
    for seed, name in ((1, "north"), (2, "south")):
        ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.15, seed=seed)
        out[name] = StockFlow(categories="continuum").fit(ds, start="2024-04-01", end="2025-03-31")
    return out


def test_simulate_on_the_cluster_equals_here(client, models):
    m = models["north"]
    here = m.simulate(months=12, runs=80, seed=11)
    there = m.simulate(months=12, runs=80, seed=11, client=client)
    pd.testing.assert_frame_equal(here, there)
    chunked = m.simulate(months=12, runs=80, seed=11, client=client, chunks=7)
    pd.testing.assert_frame_equal(here, chunked)


def test_councils_and_scenarios_partitioned_on_the_cluster(client, models):
    scenarios = [None, Scenario("fewer step-ups").multiply(("early_help", "cin"), 0.8, start="2025-06-01")]
    here = simulate_many(models, scenarios, months=6, runs=40, seed=3)
    there = simulate_many(models, scenarios, months=6, runs=40, seed=3, client=client)
    pd.testing.assert_frame_equal(here, there)
    assert set(here["council"]) == {"north", "south"} and set(here["scenario"]) == {"baseline", "fewer step-ups"}


def test_a_bar_counts_the_tasks_on_the_cluster_and_results_keep_their_order(client, models, monkeypatch, capsys):
    import earlyhelp._native as native

    monkeypatch.delenv("EARLYHELP_NO_PROGRESS", raising=False)
    monkeypatch.setattr(native, "progress_enabled", lambda: True)  # as on a terminal
    m = models["north"]
    quiet = m.simulate(months=12, runs=80, seed=11, client=client, chunks=7, progress=False)
    shown = m.simulate(months=12, runs=80, seed=11, client=client, chunks=7, progress=True)
    pd.testing.assert_frame_equal(quiet, shown)
    assert "/7 " in capsys.readouterr().err  # the 7 chunks, counted as they finish
    scenarios = [None, Scenario("fewer step-ups").multiply(("early_help", "cin"), 0.8, start="2025-06-01")]
    quiet = simulate_many(models, scenarios, months=6, runs=40, seed=3, client=client, progress=False)
    shown = simulate_many(models, scenarios, months=6, runs=40, seed=3, client=client, progress=True)
    pd.testing.assert_frame_equal(quiet, shown)
    assert "simulate_many" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Port .* is already in use")  # (the module's cluster holds it)
def test_closing_a_local_client_stops_its_cluster_and_workers():
    """A notebook that opens and closes local_client() again and again must not pile up worker
    processes: the client started the cluster, so closing it stops the cluster."""
    import psutil

    from earlyhelp.flow import local_client

    with local_client(workers=1) as c:
        pids = list(c.run(os.getpid).values())
        assert len(pids) == 1 and psutil.pid_exists(pids[0])
    assert c.cluster.status.name == "closed"

    def running(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 10
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(p) for p in pids)
