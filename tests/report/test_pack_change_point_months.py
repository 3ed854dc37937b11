"""A pack's change points are months written as the chart's are: any other text was dropped
without a word (the chart then had no change point), so it is refused when the options are made."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError
from earlyhelp.report.pack import PackOptions


@pytest.mark.parametrize("point", ["2024-1", "2024-01-15", "Jan 2024", "2024/01", 202401, None])
def test_a_change_point_not_written_as_a_month_is_refused(point):
    with pytest.raises(ValidationError) as err:
        PackOptions(change_points={"requests": [point]})
    message = str(err.value)
    assert "change_points.requests" in message and "2024-01" in message


def test_a_single_month_and_months_outside_the_chart_are_accepted():
    PackOptions(change_points={"requests": ["2024-01"], "episodes_opened": "2019-04"})
