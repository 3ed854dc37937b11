"""The pack refuses what would publish nothing or merge places: an ``end`` outside the data's dates,
and localities whose names a reader could not tell apart."""
from __future__ import annotations

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.data.names import indistinct_names, name_key
from earlyhelp.report.pack import PackOptions, build_pack


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=1, scale=0.2, seed=0)


def _renamed(ds, names):
    tables = dict(ds.tables)
    loc = tables["localities"].copy()
    for row, name in names.items():
        loc.loc[row, "name"] = name
    tables["localities"] = loc
    return earlyhelp.Dataset(tables, meta=ds.meta)


@pytest.mark.parametrize("end,words", [("2030-01-31", "after the data's last date"),
                                       ("2020-01-31", "no whole month within the data")])
def test_an_end_outside_the_data_is_refused_with_the_data_dates(council, end, words):
    with pytest.raises(ValidationError) as err:
        build_pack(council, PackOptions(end=end, months=3))
    (problem,) = err.value.problems
    assert (problem.table, problem.column, problem.value) == ("report", "end", end)
    assert words in problem.message and "2024-04-01 to 2025-03-31" in problem.message


def test_an_end_within_the_data_still_builds(council):
    pack = build_pack(council, PackOptions(end="2025-02-28", months=3, measures=["requests"]))
    assert pack.window == {"first_month": "2024-12", "last_month": "2025-02"}
    assert pack.monthly["numerator"].notna().any()


@pytest.mark.parametrize("first,second", [("South Hub 1", "south hub-1"), ("North", "North"),
                                          ("East  hub", "East hub."), ("Ｗest", "west")])
def test_localities_a_reader_could_not_tell_apart_are_refused(council, first, second):
    ds = _renamed(council, {0: first, 1: second})
    ids = list(ds.localities["locality_id"].astype(str)[:2])
    with pytest.raises(ValidationError) as err:
        build_pack(ds, PackOptions(months=3, measures=["requests"]))
    (problem,) = err.value.problems
    assert (problem.table, problem.column) == ("localities", "name")
    assert list(problem.rows) == ids and problem.n_rows == 2
    assert "could not be told apart" in problem.message


def test_a_locality_named_like_the_council_total_is_refused(council):
    with pytest.raises(ValidationError, match="named like 'All localities'"):
        build_pack(_renamed(council, {2: "all  localities"}), PackOptions(months=3, measures=["requests"]))


def test_name_keys_ignore_case_spacing_punctuation_and_look_alike_forms():
    assert name_key("North-East ") == name_key("north east") == name_key("ＮｏｒｔｈＥａｓｔ") == "northeast"
    assert name_key("St. John's") == name_key("St Johns")
    assert name_key("Hub 1") != name_key("Hub 11")
    names = pd.Series({"L1": "North", "L2": "south", "L3": "NORTH", "L4": "South "})
    assert indistinct_names(names) == [[("L1", "North"), ("L3", "NORTH")], [("L2", "south"), ("L4", "South ")]]
    assert indistinct_names(pd.Series({"L1": "North", "L2": "South"})) == []
