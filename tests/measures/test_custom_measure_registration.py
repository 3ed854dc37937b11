"""What a custom measure may say is checked when it is registered or loaded: fields its kind does
not use are refused (a proportion's weight was silently ignored), a ratio's denominator_source
must have the dates of being in post, a measures file cannot silently replace a built-in measure,
and a file that is not TOML is a ValidationError naming it."""
from __future__ import annotations

import pytest

from earlyhelp import measures
from earlyhelp._errors import ValidationError


def test_a_proportion_with_a_weight_is_refused():
    spec = dict(id="children_via_mash_share", title="t", source="requests", date="received_date",
                kind="proportion", numerator="mash_diversion", denominator="all", weight="children")
    with pytest.raises(ValidationError, match="children_via_mash_share.weight: is not used by a proportion"):
        measures.measure_from_spec(spec)


@pytest.mark.parametrize("extra, field", [
    (dict(denominator="all"), "denominator"),
    (dict(end="received_date"), "end"),
    (dict(denominator_source="practitioners"), "denominator_source"),
    (dict(denominator_weight="fte"), "denominator_weight"),
])
def test_a_count_with_a_field_it_does_not_use_is_refused(extra, field):
    spec = dict(id="c", title="t", source="requests", date="received_date", **extra)
    with pytest.raises(ValidationError, match=f"c.{field}: is not used by a count"):
        measures.measure_from_spec(spec)


@pytest.mark.parametrize("source", ["assessments", "requests", "family_voice"])
def test_a_ratio_over_a_source_without_start_and_end_dates_is_refused_when_registered(source):
    spec = dict(id="eps_per_x", title="t", source="episodes", date="start_date", end="end_date", kind="ratio",
                denominator_source=source)
    with pytest.raises(ValidationError, match=f"eps_per_x.denominator_source: source {source} has no start_date"):
        measures.register(spec)
    assert "eps_per_x" not in measures.ids()


BUILTIN_AGAIN = '''
[[measures]]
id = "closed_within_16_weeks"
title = "Closed within 12 weeks (our local standard)"
source = "episodes"
date = "end_date"
kind = "proportion"
numerator = "closed and duration_days <= 84"
denominator = "closed"
'''


def test_a_measures_file_cannot_silently_replace_a_built_in_measure(tmp_path):
    path = tmp_path / "my_measures.toml"
    path.write_text(BUILTIN_AGAIN)
    before = measures.get("closed_within_16_weeks")
    with pytest.raises(ValidationError, match=r"my_measures\.toml: measures\[0\]\.id: 'closed_within_16_weeks' is "
                                              "the id of a built-in measure"):
        measures.load_measures_toml(path)
    assert measures.get("closed_within_16_weeks") is before
    try:
        (m,) = measures.load_measures_toml(path, replace_builtin=True)   # said explicitly: allowed
        assert measures.get("closed_within_16_weeks") is m
    finally:
        measures.unregister("closed_within_16_weeks")   # brings the built-in back
    assert measures.get("closed_within_16_weeks") is before
    with pytest.raises(ValueError, match="is a built-in measure"):
        measures.unregister("closed_within_16_weeks")


def test_a_measures_file_can_be_loaded_twice(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(BUILTIN_AGAIN.replace('"closed_within_16_weeks"', '"closed_within_12_weeks_local"'))
    try:
        measures.load_measures_toml(path)
        (m,) = measures.load_measures_toml(path)
        assert measures.get("closed_within_12_weeks_local") is m
    finally:
        measures.unregister("closed_within_12_weeks_local")
    assert "closed_within_12_weeks_local" not in measures.ids()


def test_a_file_that_is_not_toml_is_a_validation_error_naming_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[measures]]\nid = "x\n')
    with pytest.raises(ValidationError, match=r"bad\.toml: is not a valid TOML file"):
        measures.load_measures_toml(path)
