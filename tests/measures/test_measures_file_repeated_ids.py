"""A measures file may not give one id twice (the later spec silently replaced the earlier), nor an
id differing only in case from another in the file, a built-in or a measure loaded before: a
spreadsheet's look-up ignores case."""
from __future__ import annotations

import textwrap

import pytest

from earlyhelp import ValidationError, measures

SPEC = """
[[measures]]
id = "{id}"
title = "{title}"
source = "episodes"
date = "end_date"
kind = "proportion"
numerator = "closed and duration_days <= {days}"
denominator = "closed"
"""


def _file(tmp_path, *specs, name="my_measures.toml"):
    path = tmp_path / name
    path.write_text("".join(textwrap.dedent(SPEC.format(id=i, title=t, days=d)) for i, t, d in specs))
    return path


@pytest.fixture(autouse=True)
def _clean_catalogue():
    before = set(measures.ids())
    yield
    for mid in set(measures.ids()) - before:
        measures.unregister(mid)


def test_an_id_twice_in_a_file_is_refused_naming_both_places(tmp_path):
    path = _file(tmp_path, ("closed_within_12_weeks", "Within 12 weeks", 84),
                 ("closed_within_12_weeks", "Within 8 weeks", 56))
    with pytest.raises(ValidationError) as err:
        measures.load_measures_toml(path)
    message = str(err.value)
    assert str(path) in message and "measures[1]" in message and "measures[0]" in message
    assert "'closed_within_12_weeks'" in message
    assert "closed_within_12_weeks" not in measures.ids()   # nothing registered


def test_an_id_differing_only_in_case_within_the_file_is_refused(tmp_path):
    path = _file(tmp_path, ("closed_12w", "Within 12 weeks", 84), ("Closed_12W", "Within 8 weeks", 56))
    with pytest.raises(ValidationError, match=r"measures\[1\].*'Closed_12W'.*'closed_12w'.*measures\[0\]"):
        measures.load_measures_toml(path)


@pytest.mark.parametrize("mid", ["Requests", "REQUESTS"])
def test_an_id_differing_only_in_case_from_a_built_in_is_refused(tmp_path, mid):
    path = _file(tmp_path, (mid, "Requests (local)", 84))
    with pytest.raises(ValidationError) as err:
        measures.load_measures_toml(path)
    message = str(err.value)
    assert str(path) in message and "measures[0]" in message and "'requests'" in message and "built-in" in message
    assert mid not in measures.ids()


def test_an_id_differing_only_in_case_from_one_loaded_before_is_refused(tmp_path):
    measures.load_measures_toml(_file(tmp_path, ("closed_12w", "Within 12 weeks", 84), name="first.toml"))
    later = _file(tmp_path, ("CLOSED_12W", "Within 8 weeks", 56), name="second.toml")
    with pytest.raises(ValidationError, match="differs only in case from 'closed_12w'"):
        measures.load_measures_toml(later)
    with pytest.raises(ValidationError, match="differs only in case"):
        measures.register(dict(id="Closed_12w", title="t", source="episodes", date="end_date", numerator="closed"))


def test_the_same_file_loaded_again_still_replaces(tmp_path):
    path = _file(tmp_path, ("closed_12w", "Within 12 weeks", 84), ("closed_8w", "Within 8 weeks", 56))
    measures.load_measures_toml(path)
    assert [m.id for m in measures.load_measures_toml(path)] == ["closed_12w", "closed_8w"]
