"""Small hand-made datasets for the risk evaluation tests."""
from __future__ import annotations

import pytest
from risk_frames import needs_frames


@pytest.fixture(scope="session")
def needs_ds():
    import earlyhelp

    return earlyhelp.Dataset.from_frames(as_of="2025-01-01", **needs_frames())
