"""Bad arguments to the generator raise earlyhelp.ValidationError (a ValueError) naming the
parameter; nothing crashes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from earlyhelp import synthetic


@pytest.mark.parametrize("preset", ["birmingham", "", "Coventry", None, 3])
def test_unknown_preset(preset):
    with pytest.raises(ValueError, match="preset must be one of 'coventry', 'wolverhampton', 'england'"):
        synthetic.council(preset=preset)


@pytest.mark.parametrize("years", [0, -1, -0.5, 0.001, math.nan, math.inf, 101, pytest.param(10 ** 400, id="10**400"),
                                   "5", None, True])
def test_bad_years(years):
    with pytest.raises(ValueError, match="years must be"):
        synthetic.council("coventry", years=years)


@pytest.mark.parametrize("scale", [0, -1, 0.0, math.nan, math.inf, -math.inf, 1000,
                                   pytest.param(10 ** 400, id="10**400"), "1", None, True])
def test_bad_scale(scale):
    with pytest.raises(ValueError, match="scale must be"):
        synthetic.council("coventry", years=1, scale=scale)


@pytest.mark.parametrize("seed", [-1, 2 ** 64, 1.5, "0", None, False])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be"):
        synthetic.council("coventry", years=1, seed=seed)


@pytest.mark.parametrize("end_date", ["not a date", "2025-13-45", None, "1800-01-01", "2300-01-01", object()])
def test_bad_end_date(end_date):
    with pytest.raises(ValueError, match="end_date must be"):
        synthetic.council("coventry", years=1, end_date=end_date)


@pytest.mark.parametrize("threads", [0, -2, 1.5, "2", True])
def test_bad_threads(threads):
    with pytest.raises(ValueError, match="threads must be"):
        synthetic.england(scale=0.001, threads=threads)


def test_england_checks_its_arguments_too():
    with pytest.raises(ValueError, match="scale must be"):
        synthetic.england(scale=-1)
    with pytest.raises(ValueError, match="years must be"):
        synthetic.england(years=0)


def test_numpy_numbers_are_accepted():
    ds = synthetic.council("coventry", years=np.float64(0.5), scale=np.float32(0.05), seed=np.int64(4))
    assert ds.meta["seed"] == 4
    ds.validate()


def test_core_rejects_unknown_preset_with_value_error():
    from earlyhelp._core import synthetic as core

    with pytest.raises(ValueError, match="preset must be one of"):
        core.generate("nowhere", 0, 10)
    with pytest.raises(ValueError, match="window_end"):
        core.generate("coventry", 10, 0)
    with pytest.raises(ValueError, match="scale"):
        core.generate("coventry", 0, 10, scale=-1.0)


def test_tiny_scale_gives_valid_small_council():
    ds = synthetic.council("coventry", years=1, scale=1e-4, seed=0)
    ds.validate()
    assert len(ds.localities) == 8
