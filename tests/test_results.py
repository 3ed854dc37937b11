"""earlyhelp.results: exclusions as first-class values, tables with named facts."""
from __future__ import annotations

import pickle

import pandas as pd
import pytest

from earlyhelp.results import Excluded, Exclusions, FrameResult


class Counted(FrameResult):
    _metadata = ["excluded", "model"]
    excluded: Exclusions = Exclusions()
    model = None


def test_exclusions_drop_empty_counts_and_join():
    a = Exclusions([Excluded("requests", "no date", 3, measure="requests"), Excluded("requests", "none", 0)])
    b = Exclusions([Excluded("episodes", "no date", 2, step="series")])
    both = a + b
    assert isinstance(both, Exclusions) and len(a) == 1 and len(both) == 2
    assert both.total() == 5 and both.by_reason() == {"no date": 5}
    assert both.at_step("load")[0].step == "load" and both.at_step("load")[1].step == "series"
    assert both.records() == [
        {"step": "requests", "table": "requests", "measure": "requests", "reason": "no date", "rows": 3},
        {"step": "series", "table": "episodes", "reason": "no date", "rows": 2}]
    frame = both.to_frame()
    assert list(frame["rows"]) == [3, 2] and list(frame["table"]) == ["requests", "episodes"]
    assert "3 rows - no date" in repr(both) and repr(Exclusions()) == "Exclusions(none)"


def test_excluded_checks_its_unit_and_items():
    assert Excluded("series", "fell back", 2, unit="series").record()["series"] == 2
    with pytest.raises(ValueError, match="unit"):
        Excluded("series", "x", 1, unit="litres")
    with pytest.raises(TypeError, match="Excluded items"):
        Exclusions([{"reason": "x", "rows": 1}])


def test_frame_result_fields_describe_the_returned_table_only():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    result = Counted.of(frame, excluded=Exclusions([Excluded("t", "why", 2)]), model="AutoETS")
    assert isinstance(result, pd.DataFrame) and result.model == "AutoETS" and result.excluded.total() == 2
    assert result.attrs == {} and result.facts()["model"] == "AutoETS"
    for derived in (result.copy(), result[result["y"] > 1], result.assign(z=1), pd.concat([result, result])):
        assert type(derived) is pd.DataFrame               # a derived table does not claim the facts
    assert Counted.of(frame).model is None                 # defaults
    back = pickle.loads(pickle.dumps(result))
    assert back.model == "AutoETS" and back.excluded == result.excluded
    with pytest.raises(TypeError, match="no fields"):
        Counted.of(frame, modle="typo")
