"""Synthetic councils shared by the tests in this folder (generated once per session)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")

from earlyhelp import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def coventry():
    return synthetic.council("coventry", years=5, seed=0)


@pytest.fixture(scope="session")
def wolverhampton():
    return synthetic.council("wolverhampton", years=5, seed=0)


@pytest.fixture(scope="session")
def small_england():
    return synthetic.england(scale=0.02, seed=0, threads=2)
