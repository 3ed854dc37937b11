import earlyhelp
import pytest
from earlyhelp import _core


def test_core_version_matches_package():
    assert _core.__version__ == earlyhelp.__version__


def test_core_input_error_is_a_value_error():
    assert issubclass(_core.CoreInputError, ValueError)


def test_validation_error_lists_every_problem():
    err = earlyhelp.ValidationError([
        earlyhelp.Problem("episodes", "end_date", "end_date is before start_date", ["E1"], 1, "2020-01-01"),
        earlyhelp.Problem("persons", "sex", "not in the code list", ["P9"], 1, "Q"),
    ])
    text = str(err)
    assert "2 problems" in text and "episodes.end_date" in text and "persons.sex" in text
    assert isinstance(err, ValueError)
