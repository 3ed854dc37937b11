"""season_length beyond MAX_SEASON_LENGTH is a ValidationError when the model or the Forecaster is
made, naming the argument and its largest value (before: pybind11's TypeError at predict)."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, CountRegression, Forecaster, Naive, SeasonalNaive, Theta
from earlyhelp.forecast.models import MAX_SEASON_LENGTH


@pytest.mark.parametrize("value", [2 ** 31, 2 ** 31 - 1, MAX_SEASON_LENGTH + 1, 10 ** 20])
def test_too_long_a_season_is_refused_when_made(value):
    for make in (AutoETS, Theta, SeasonalNaive, CountRegression):
        with pytest.raises(ValidationError, match=rf"season_length must be a whole number from 1 to 10,000"):
            make(season_length=value)
    with pytest.raises(ValidationError, match=r"season_length must be a whole number from 1 to 10,000 "
                                              r"\(MAX_SEASON_LENGTH\)"):
        Forecaster([Naive()], freq="MS", season_length=value)


def test_the_largest_season_is_accepted():
    assert AutoETS(season_length=MAX_SEASON_LENGTH).season_length == MAX_SEASON_LENGTH
    assert Forecaster([Naive()], freq="D", season_length=MAX_SEASON_LENGTH).season_length == MAX_SEASON_LENGTH
