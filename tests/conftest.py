"""Shared fixtures for the Python tests."""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("EARLYHELP_NO_PROGRESS", "1")
