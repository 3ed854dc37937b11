"""Small hand-made datasets for the risk evaluation tests."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from risk_frames import needs_frames


@pytest.fixture(scope="session")
def needs_ds():
    import earlyhelp

    return earlyhelp.Dataset.from_frames(as_of="2025-01-01", **needs_frames())


@pytest.fixture()
def data():
    """200 families, three features, an outcome driven by ``needs``: X (indexed by family_id), y."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["prior_requests", "needs", "age"],
                     index=pd.Index([f"F{i}" for i in range(200)], name="family_id"))
    y = (X["needs"] + rng.normal(size=200) > 0).astype(int).to_numpy()
    return X, y
