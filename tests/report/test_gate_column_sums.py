"""Count columns that add up within a row are suppressed together.

A table of ``children_girls``, ``children_boys`` and ``children`` (their sum) by locality hid
North's 3 girls and showed its 11 boys and 14 children: 14 - 11 = 3. Each count column was
suppressed on its own, also with ``totals=`` declared. Now a column that is the sum of others in
every row (declared ``column_sums=``, or found by its values: equal to another column, to the sum
of two to four others, to all the others, or to the month columns) is one relation per row, and
the table is suppressed as one, rows and columns together."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.publish import PublishPolicy, publish
from earlyhelp.report.suppression import SUPPRESSED


def _table():
    return pd.DataFrame({"locality": ["North", "South", "East"],
                         "children_girls": [3, 20, 14], "children_boys": [11, 22, 15], "children": [14, 42, 29]})


def _no_lone_hidden(text, total, parts):
    for _, row in text.iterrows():
        cells = [row[c] for c in (total, *parts)]
        assert sum(v == SUPPRESSED for v in cells) != 1, dict(row)


def test_a_column_sum_found_by_its_values_hides_a_second_cell_in_the_row():
    out = publish(_table(), PublishPolicy(threshold=5))
    assert out.text.loc[0, "children_girls"] == SUPPRESSED
    _no_lone_hidden(out.text, "children", ["children_girls", "children_boys"])
    assert out.record["column_sums"] == {"children": ["children_girls", "children_boys"]}


def test_a_declared_column_sum_with_declared_total_rows_is_suppressed_both_ways():
    t = pd.concat([_table(), pd.DataFrame({"locality": ["Total"], "children_girls": [37], "children_boys": [48],
                                           "children": [85]})], ignore_index=True)
    out = publish(t, PublishPolicy(threshold=5), totals={"locality": "Total"}, dims=["locality"],
                  column_sums={"children": ["children_girls", "children_boys"]})
    text = out.text
    _no_lone_hidden(text, "children", ["children_girls", "children_boys"])
    for col in ("children_girls", "children_boys", "children"):
        assert (text[col] == SUPPRESSED).sum() != 1, col     # the total row less the others


def test_equal_columns_are_one_count():
    frame = pd.DataFrame({"locality": ["North", "South", "East"], "requests": [4, 20, 30],
                          "families_asking": [4, 20, 30], "episodes": [3, 9, 12]})
    out = publish(frame, PublishPolicy(threshold=5))
    assert out.text.loc[0, "requests"] == SUPPRESSED and out.text.loc[0, "families_asking"] == SUPPRESSED


def test_a_sum_of_many_columns_is_found():
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    rows = [[3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], [20] * 12, [30, 0, 2, 40, 41, 42, 43, 44, 45, 46, 47, 48]]
    frame = pd.DataFrame(rows, columns=months)
    frame.insert(0, "locality", ["North", "South", "East"])
    frame["year"] = frame[months].sum(axis=1)
    frame = frame.rename(columns={"year": "Total"})
    out = publish(frame, PublishPolicy(threshold=5))
    _no_lone_hidden(out.text, "Total", months)
    assert out.record["column_sums"] == {"Total": months}


def test_a_declared_column_sum_must_hold_and_name_columns_of_the_table():
    with pytest.raises(ValidationError, match="children_boy"):
        publish(_table(), PublishPolicy(), column_sums={"children": ["children_girls", "children_boy"]})
    with pytest.raises(ValidationError, match="not the sum"):
        publish(_table(), PublishPolicy(), column_sums={"children_boys": ["children_girls", "children"]})
