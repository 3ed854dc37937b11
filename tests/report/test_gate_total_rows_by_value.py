"""A row that totals the others is never suppressed as one more row, whatever its label.

The gate refused a row labelled "Total" or "All localities" that the caller had not declared, and
passed "Council total", "Total (all hubs)", "TOTAL:", "Sum", "Whole council", "Total for
Coventry", "Totals - all areas" and the council's own name: North's 3 was hidden, and the total 25
less the shown 10 and 12 gave it back. Now those labels are refused as well (without case,
spacing or punctuation; the council's name from the policy), and a row equal to the sum of the
others, in every count column (of the table, or of each group of rows sharing their other
labels), is found by its values and suppressed as the total it is."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.publish import PublishPolicy, publish
from earlyhelp.report.suppression import SUPPRESSED

LABELS = ["Council total", "Total (all hubs)", "TOTAL:", "Sum", "Whole council", "Total for Coventry",
          "Totals - all areas", "sub-total", "Coventry", "COVENTRY CITY COUNCIL", " all  localities "]


@pytest.mark.parametrize("label", LABELS)
def test_total_labels_are_refused_unless_declared(label):
    frame = pd.DataFrame({"locality": ["North", "South", "East", label], "families": [3, 10, 12, 30]})
    policy = PublishPolicy(threshold=5, council="Coventry City Council")
    with pytest.raises(ValidationError, match="looks like the total"):
        publish(frame, policy)
    out = publish(frame, policy, totals={"locality": label})
    assert (out.text["families"] == SUPPRESSED).sum() >= 2


def test_place_names_holding_total_like_words_inside_are_not_totals():
    frame = pd.DataFrame({"locality": ["Allesley", "Sumner Park", "Totley", "All Saints ward north side"],
                          "families": [30, 20, 30, 40]})
    out = publish(frame, PublishPolicy(threshold=5, council="Coventry"))
    assert out.text["families"].astype(int).tolist() == [30, 20, 30, 40]


@pytest.mark.parametrize("label", ["Everywhere", "Coventry and district", "Everyone"])
def test_a_total_row_under_any_label_is_found_by_its_values(label):
    frame = pd.DataFrame({"locality": ["North", "South", "East", label], "families": [3, 10, 12, 25],
                          "children": [6, 20, 25, 51]})
    out = publish(frame, PublishPolicy(threshold=5))
    text = out.text.set_index("locality")
    assert text.loc["North", "families"] == SUPPRESSED
    # the total less the parts shown must not give North back
    hidden = (text["families"] == SUPPRESSED).sum()
    assert hidden >= 2
    assert out.record["total_rows"] == [{"row": 3, "of_rows": [0, 1, 2]}]


def test_a_total_row_within_each_group_of_a_long_table_is_found():
    frame = pd.DataFrame({"month": ["2024-01"] * 4 + ["2024-02"] * 4,
                          "locality": ["North", "South", "East", "Everywhere"] * 2,
                          "requests": [3, 10, 12, 25, 20, 11, 14, 45]})
    out = publish(frame, PublishPolicy(threshold=5))
    jan = out.text[out.text["month"] == "2024-01"].set_index("locality")["requests"]
    assert (jan == SUPPRESSED).sum() >= 2
    assert {r["row"] for r in out.record["total_rows"]} == {3, 7}


def test_rows_that_add_up_by_chance_in_a_two_row_table_are_no_total():
    # a table of two rows has no row that totals 'the others' (one other row: the same numbers)
    frame = pd.DataFrame({"locality": ["North", "South"], "families": [30, 30]})
    out = publish(frame, PublishPolicy(threshold=5))
    assert "total_rows" not in out.record
