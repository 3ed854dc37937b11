"""Shared fixtures for the Python tests."""
from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")


@pytest.fixture(scope="module")
def client():
    """A dask.distributed LocalCluster of 2 workers for the tests of one module that run on Dask."""
    pytest.importorskip("dask.distributed")
    from earlyhelp.flow import local_client

    with local_client(workers=2) as c:  # closing the client stops its cluster
        yield c
