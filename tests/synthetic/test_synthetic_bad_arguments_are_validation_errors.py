"""Bad arguments to earlyhelp.synthetic raise earlyhelp.ValidationError (the package's contract), naming
the function and the parameter, with the messages they always had."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError, synthetic

CASES = [
    (lambda: synthetic.council(preset="Coventry"), "council", "preset", "preset must be one of 'coventry'"),
    (lambda: synthetic.council("coventry", years=0), "council", "years", "years must be a number from one day"),
    (lambda: synthetic.council("coventry", scale=-1), "council", "scale",
     "scale must be a positive number up to 100, not -1"),
    (lambda: synthetic.council("england", scale=50, years=0.1), "council", "scale", "child-years"),
    (lambda: synthetic.council("coventry", years=1, seed=-1), "council", "seed",
     "seed must be a whole number from 0 to 2**64 - 1, not -1"),
    (lambda: synthetic.council("coventry", years=1, end_date="yesterday"), "council", "end_date",
     "end_date must be a date, not 'yesterday'"),
    (lambda: synthetic.council("coventry", years=1, end_date=20250331), "council", "end_date",
     "end_date must be a date, not the number"),
    (lambda: synthetic.council("coventry", years=1, end_date="2300-01-01"), "council", "end_date",
     "end_date must be between"),
    (lambda: synthetic.council("coventry", years=100, end_date="1990-03-31"), "council", "end_date",
     "end the window later"),
    (lambda: synthetic.england(scale=-1), "england", "scale", "scale must be a positive number"),
    (lambda: synthetic.england(scale=0.001, threads=0), "england", "threads",
     "threads must be a positive whole number, not 0"),
    (lambda: synthetic.calibration_table(None), "calibration_table", "ds",
     "calibration_table needs a Dataset from earlyhelp.synthetic, not NoneType"),
]


@pytest.mark.parametrize("call, function, parameter, message", CASES,
                         ids=[f"{c[1]}.{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_argument_is_a_validation_error_naming_function_and_parameter(call, function, parameter, message):
    with pytest.raises(ValidationError) as err:
        call()
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == (function, parameter)
    assert message in problem.message
    assert isinstance(err.value, ValueError)     # "Raises ValueError" stays true


def test_calibration_table_of_data_not_generated_is_a_validation_error():
    ds = synthetic.council("coventry", years=1, scale=0.01, seed=0)
    plain = ds.replace()
    plain.meta = {}
    with pytest.raises(ValidationError) as err:
        synthetic.calibration_table(plain)
    assert (err.value.problems[0].table, err.value.problems[0].column) == ("calibration_table", "ds")
    assert "ds.meta['source']" in str(err.value)
    assert isinstance(synthetic.calibration_table(ds), pd.DataFrame)
