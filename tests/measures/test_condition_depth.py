"""A condition too long or nested too deeply is refused with a ValidationError naming the measure
and field when it is loaded, and anything accepted can be evaluated."""
from __future__ import annotations

import pytest

from earlyhelp import measures
from earlyhelp._errors import ValidationError
from earlyhelp.measures._expr import MAX_DEPTH
from measures_council import tiny_council


def spec(condition: str) -> dict:
    return dict(id="deep", title="t", source="episodes", date="start_date", numerator=condition)


@pytest.mark.parametrize("condition", [
    "+".join(["duration_days"] * 1000) + " > 0",
    "+".join(["duration_days"] * 5000) + " > 0",
    "not " * 1000 + "closed",
    "-" * 1000 + "duration_days > 0",
    "+".join(["duration_days"] * MAX_DEPTH) + " > 0",    # the comparison is one level more
])
def test_a_too_deep_condition_is_a_validation_error_naming_the_measure(condition):
    with pytest.raises(ValidationError, match="deep.numerator: .*too long or nested too deeply"):
        measures.measure_from_spec(spec(condition))


def test_a_too_deep_condition_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "m.toml"
    cond = "+".join(["duration_days"] * 1000) + " > 0"
    path.write_text(f'[[measures]]\nid = "deep"\ntitle = "t"\nsource = "episodes"\ndate = "start_date"\n'
                    f'numerator = "{cond}"\n')
    with pytest.raises(ValidationError, match=r"m\.toml: measures\[0\].*too long or nested too deeply"):
        measures.load_measures_toml(path, add=False)


def _deep_call(depth: int, fn):
    """Call fn from ``depth`` frames down (as from a notebook, a CLI or a test runner)."""
    return fn() if depth == 0 else _deep_call(depth - 1, fn)


def test_the_deepest_condition_accepted_is_computed():
    ds = tiny_council()
    m = measures.measure_from_spec(spec("+".join(["duration_days"] * (MAX_DEPTH - 1)) + " > 0"))
    nots = measures.measure_from_spec(dict(spec("not " * (MAX_DEPTH - 3) + "(duration_days > 0)"), id="nots"))
    r = _deep_call(150, lambda: measures.compute(ds, ["requests", m, nots], period="financial_year",
                                                 start="2024-01-01", end="2024-06-30"))
    assert r.attrs["blocked"] == {}
    assert r.loc[r["measure"] == "deep", "numerator"].sum() == 3    # the closed episodes
    assert r.loc[r["measure"] == "nots", "numerator"].sum() == (3 if (MAX_DEPTH - 3) % 2 == 0 else 0)
