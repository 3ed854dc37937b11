"""A request whose expected peak memory exceeds the memory available is refused with a
ValidationError naming the function, scale and years, before anything is generated (rather than
the kernel killing the process part way)."""
from __future__ import annotations

import pytest

import earlyhelp.synthetic as synthetic_module
from earlyhelp import ValidationError, synthetic

GB = 1e9


@pytest.fixture
def no_generation(monkeypatch):
    """Fail the test if the generator runs at all."""
    def refuse_to_generate(*args, **kwargs):
        raise AssertionError("the generator ran: the request should have been refused first")
    monkeypatch.setattr(synthetic_module.core, "generate", refuse_to_generate)


def _refused(call, func):
    with pytest.raises(ValidationError) as info:
        call()
    message = str(info.value)
    assert func in message and "scale" in message and "years" in message, message
    assert "GB" in message and "available" in message, message
    return message


def test_request_beyond_the_memory_of_this_machine_is_refused(no_generation):
    # England at scale 10 for a year is within MAX_CHILD_YEARS (120M child-years) but needs about
    # 25 GB at its peak: refused wherever less than that is available.
    need = synthetic_module._expected_peak_memory("england", 1, 10)
    assert 12e6 * 10 <= synthetic_module.MAX_CHILD_YEARS and need > 20 * GB
    available = synthetic_module._available_memory()
    if available is None or available >= need:
        pytest.skip(f"this machine has {available} bytes available, enough for {need:.3g}")
    _refused(lambda: synthetic.england(scale=10, years=1, threads=1), "england")
    _refused(lambda: synthetic.council("england", scale=10, years=1), "council")


def test_refusal_uses_the_memory_available(no_generation, monkeypatch):
    monkeypatch.setattr(synthetic_module, "_available_memory", lambda: 1 * GB)
    message = _refused(lambda: synthetic.council("coventry", scale=50, years=10), "council")
    assert "1.0 GB available" in message
    _refused(lambda: synthetic.england(scale=1, years=1), "england")
    # bad arguments are still reported as such, before memory
    with pytest.raises(ValidationError, match="seed"):
        synthetic.council("coventry", scale=50, years=10, seed=-1)


def test_request_that_fits_is_generated(monkeypatch):
    monkeypatch.setattr(synthetic_module, "_available_memory", lambda: 1 * GB)
    assert synthetic_module._expected_peak_memory("coventry", 1, 0.05) < 0.01 * GB
    ds = synthetic.council("coventry", scale=0.05, years=1, seed=1)
    assert len(ds.requests) > 0


def test_unknown_memory_does_not_refuse(monkeypatch):
    monkeypatch.setattr(synthetic_module, "_available_memory", lambda: None)
    assert len(synthetic.council("coventry", scale=0.05, years=1, seed=1).requests) > 0


def test_estimate_covers_what_a_call_generates():
    # the estimate is of rows generated: at least the rows a call makes, at 1 and 5 years (at sizes
    # where memory matters: the councils' fixed rows, teams and agencies, weigh more below these)
    for preset, scale in (("coventry", 0.5), ("wolverhampton", 0.5), ("england", 0.05)):
        for years in (1, 5):
            ds = synthetic.council(preset, scale=scale, years=years, seed=3)
            rows = sum(len(t) for t in ds.tables.values())
            expected = synthetic_module._expected_peak_memory(preset, years, scale) / synthetic_module.PEAK_BYTES_PER_ROW
            assert rows <= expected <= 1.25 * rows, (preset, years, rows, expected)
