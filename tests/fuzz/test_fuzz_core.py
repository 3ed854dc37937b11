"""Property tests over every public entry point into the C++ core.

Each probe runs in a child process (``fuzz_runner``): whatever the input, the call
returns or raises a ValueError (earlyhelp.ValidationError included); a crash, a
hang or any other exception fails the test with the input that caused it.
Examples are derandomised, so a run is reproducible and the budget is fixed.
"""
from __future__ import annotations

import pytest

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz_runner import ProbeRunner, describe

# No shrinking: a failure reports the generated input as is, and the budget stays fixed.
PHASES = (Phase.explicit, Phase.generate)
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=PHASES,
                suppress_health_check=list(HealthCheck))

# Ids at the edges of int64 and of the vertex range: what overflowed before.
EXTREME_IDS = st.sampled_from([0, 1, 2, -1, -2, 2**31 - 1, 2**31, 2**32, 2**62, 2**63 - 1, -(2**63)])
IDS = st.one_of(st.integers(0, 6), EXTREME_IDS)
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, 3.0, 5.5]))
COUNTS = st.one_of(st.integers(0, 40).map(float), FLOATS)
SIZES = st.one_of(st.none(), st.integers(-3, 10), st.sampled_from([2**31, 2**40, 2**63 - 1]))


@pytest.fixture(scope="module")
def runner():
    probes = ProbeRunner()
    yield probes
    probes.close()


def check(runner: ProbeRunner, probe: str, **kwargs) -> None:
    outcome = runner.run(probe, **kwargs)
    assert outcome.acceptable(), (f"{probe}({describe(kwargs)}): {outcome.status} "
                                  f"{outcome.error or ''} {outcome.message}")


@FUZZ
@given(data=st.data())
def test_graph(runner, data):
    m = data.draw(st.integers(0, 8))
    src = data.draw(st.lists(IDS, min_size=m, max_size=m))
    dst = data.draw(st.lists(IDS, min_size=m, max_size=m + data.draw(st.sampled_from([0, 0, 1]))))
    weight = data.draw(st.one_of(st.none(), st.lists(FLOATS, min_size=m, max_size=m)))
    check(runner, "graph", src=src, dst=dst, weight=weight, directed=data.draw(st.booleans()),
          n=data.draw(SIZES), sources=data.draw(st.lists(IDS, max_size=3)),
          damping=data.draw(st.one_of(st.just(0.85), FLOATS)),
          samples=data.draw(st.one_of(st.none(), st.integers(-2, 5), st.just(2**40))))


@FUZZ
@given(data=st.data())
def test_projection(runner, data):
    m = data.draw(st.integers(0, 8))
    check(runner, "projection", left=data.draw(st.lists(IDS, min_size=m, max_size=m)),
          right=data.draw(st.lists(IDS, min_size=m, max_size=m)),
          weight=data.draw(st.sampled_from(["count", "jaccard", "other"])), n_right=data.draw(SIZES))


def test_projection_extreme_ids_regression(runner):
    """Ids at the top of int64 once overflowed ``left + 1`` and wrote out of bounds."""
    check(runner, "projection", left=[2**63 - 1, 2**63 - 1], right=[0, 1], weight="count", n_right=None)


@FUZZ
@given(data=st.data())
def test_forecaster(runner, data):
    values = data.draw(st.lists(COUNTS, min_size=0, max_size=40))
    check(runner, "forecaster", values=values, n_series=data.draw(st.integers(1, 2)),
          model=data.draw(st.sampled_from(["AutoETS", "Theta", "SeasonalNaive", "Naive", "CrostonOptimized",
                                           "TSB", "CountRegression"])),
          season_length=data.draw(st.sampled_from([1, 4, 12])),
          h=data.draw(st.one_of(st.integers(-2, 24), st.sampled_from([2**31, 2.5, 10**12]))),
          level=data.draw(st.one_of(st.none(), st.lists(st.sampled_from([80.0, 95.0, 0.0, 100.0, -5.0, 150.0,
                                                                          float("nan")]), max_size=2))))


@FUZZ
@given(data=st.data())
def test_reconcile(runner, data):
    check(runner, "reconcile", values=data.draw(st.lists(COUNTS, min_size=1, max_size=24)),
          method=data.draw(st.sampled_from(["bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink"])),
          noise=data.draw(st.one_of(st.just(0.5), FLOATS)),
          level=data.draw(st.one_of(st.none(), st.just([80.0]), st.just([95.0, 80.0]))),
          nonnegative=data.draw(st.booleans()))


def _matrix(data, rows: int, cols: int):
    return data.draw(st.lists(st.lists(st.one_of(st.floats(-5, 5), FLOATS), min_size=cols, max_size=cols),
                              min_size=rows, max_size=rows))


@FUZZ
@given(data=st.data())
def test_logistic(runner, data):
    rows, cols = data.draw(st.integers(0, 12)), data.draw(st.integers(0, 3))
    check(runner, "logistic", X=_matrix(data, rows, cols),
          y=data.draw(st.lists(st.sampled_from([0, 1, 2, -1]), min_size=rows, max_size=rows)),
          C=data.draw(st.one_of(st.just(1.0), FLOATS)), l1_ratio=data.draw(st.one_of(st.just(0.0), FLOATS)))


@FUZZ
@given(data=st.data())
def test_poisson(runner, data):
    rows, cols = data.draw(st.integers(0, 12)), data.draw(st.integers(0, 3))
    check(runner, "poisson", X=_matrix(data, rows, cols),
          y=data.draw(st.lists(COUNTS, min_size=rows, max_size=rows)),
          alpha=data.draw(st.one_of(st.just(1.0), FLOATS)))


@FUZZ
@given(data=st.data())
def test_calibrators(runner, data):
    n = data.draw(st.integers(0, 12))
    check(runner, "calibrators", p=data.draw(st.lists(st.one_of(st.floats(0, 1), FLOATS), min_size=n, max_size=n)),
          y=data.draw(st.lists(st.sampled_from([0, 1, 3]), min_size=n, max_size=n)))


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_synthetic(runner, data):
    check(runner, "synthetic", preset=data.draw(st.sampled_from(["coventry", "wolverhampton", "england", "nowhere"])),
          years=data.draw(st.one_of(st.sampled_from([0.5, 1]), FLOATS, st.just(10**6))),
          scale=data.draw(st.one_of(st.sampled_from([0.01, 0.02]), FLOATS, st.just(10**9))),
          seed=data.draw(st.one_of(st.integers(0, 3), st.sampled_from([-1, 2**64, 2.5]))))


@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_allocation(runner, data):
    check(runner, "allocation", costs=data.draw(st.lists(FLOATS, min_size=1, max_size=5)),
          candidates=data.draw(st.one_of(st.none(), st.sampled_from([-1, 0, 1, 3, 2**40]))))


@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_flow(runner, data):
    check(runner, "flow", months=data.draw(st.one_of(st.integers(-2, 4), st.sampled_from([2**31, 10**9, 2.5]))),
          runs=data.draw(st.one_of(st.integers(-1, 5), st.sampled_from([2**31, 2**40, 3.5]))),
          seed=data.draw(st.one_of(st.integers(0, 3), st.sampled_from([-1, 2**64, 2.5]))),
          quantiles=data.draw(st.one_of(st.none(), st.lists(st.one_of(st.floats(0, 1), FLOATS), min_size=1,
                                                             max_size=3))),
          until_days=data.draw(st.one_of(st.integers(-40, 90), st.sampled_from([10**6, "not a date"]))))
