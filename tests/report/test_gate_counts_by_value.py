"""The gate takes a whole-number column for a count whatever its name.

``publish(frame, PublishPolicy())`` decided which columns were counts from their names
(``famil``, ``child``, ``request`` ...): a table of ``assessments``, ``step_ups``, ``households``,
``pupils``, ``young_carers``, ``cp_plans``, ``looked_after`` or ``contacts`` by locality was
published with 1 to 5 shown as they were, and so was the usual board layout, localities down and
months across. Now every whole-number column is a count unless it is an id, a code, a key of the
row, a place in time, a count of organisations, a figure named as derived (a rate, a share, a
mean), a difference (it holds a number below 0) or declared ``not_counts``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp.report.publish import PublishPolicy, count_columns, publish
from earlyhelp.report.suppression import SUPPRESSED

NAMES = ["assessments", "step_ups", "households", "pupils", "young_carers", "cp_plans", "looked_after", "contacts"]


def _counts():
    return pd.DataFrame({"locality": ["North", "South", "East"],
                         "assessments": [2, 40, 31], "step_ups": [1, 9, 12], "households": [3, 50, 44],
                         "pupils": [4, 60, 70], "young_carers": [2, 15, 11], "cp_plans": [1, 7, 9],
                         "looked_after": [5, 30, 25], "contacts": [3, 80, 61]})


def test_whole_number_columns_of_any_name_are_counts():
    frame = _counts()
    assert count_columns(frame) == NAMES
    out = publish(frame, PublishPolicy(threshold=5))
    for name in NAMES:
        shown = pd.to_numeric(out.text[name].where(out.text[name] != SUPPRESSED), errors="coerce").dropna()
        assert not ((shown >= 1) & (shown <= 5)).any(), name
        assert out.text[name].iloc[0] == SUPPRESSED, name
    assert out.record["counts_by_value"] == NAMES


def test_months_across_are_counts_and_the_total_column_hides_a_second_cell():
    wide = pd.DataFrame({"locality": ["North", "South", "East"], "2024-01": [2, 14, 9], "2024-02": [0, 11, 3],
                         "Total": [2, 25, 12]})
    out = publish(wide, PublishPolicy(threshold=5))
    text = out.text.set_index("locality")
    assert text.loc["North", "2024-01"] == SUPPRESSED and text.loc["East", "2024-02"] == SUPPRESSED
    # the row total less the months shown would give the hidden month back
    for loc in ("North", "South", "East"):
        row = text.loc[loc]
        hidden = [c for c in ("2024-01", "2024-02", "Total") if row[c] == SUPPRESSED]
        assert len(hidden) != 1, (loc, dict(row))
    assert out.record["column_sums"] == {"Total": ["2024-01", "2024-02"]}


@pytest.mark.parametrize("column, values", [
    ("year", [2023, 2024, 2025]), ("month", [1, 2, 3]), ("level", [2, 3, 4]), ("locality_code", [1, 2, 3]),
    ("n_agencies", [2, 3, 4]), ("rate_per_10k", [2.0, 3.0, 4.0]), ("change", [-2, 3, 4]),
    ("episode_id", [1, 2, 3]), ("share", [0.0, 1.0, 0.0]), ("n_practitioners", [1, 2, 3]), ("cost", [0, 100, 3]),
    ("q05", [1, 2, 3]), ("household_group", [1, 2, 3]), ("jaccard", [0, 1, 1]), ("draws", [1, 2, 3])])
def test_ids_codes_places_organisations_rates_and_differences_are_not_counts(column, values):
    frame = pd.DataFrame({"locality": ["North", "South", "East"], column: values, "families": [30, 40, 50]})
    assert count_columns(frame) == ["families"]
    out = publish(frame, PublishPolicy(threshold=5))
    assert [str(v) for v in out.text[column]] != [SUPPRESSED] * 3


def test_a_column_declared_not_a_count_is_published_as_it_is():
    frame = pd.DataFrame({"locality": ["North", "South"], "points": [3, 24], "families": [30, 40]})
    out = publish(frame, PublishPolicy(threshold=5), not_counts=["points"])
    assert out.text["points"].tolist() == [3, 24]
    assert publish(frame, PublishPolicy(threshold=5)).text["points"].tolist()[0] == SUPPRESSED


def test_counts_of_the_callers_word_are_kept():
    frame = _counts()
    out = publish(frame, PublishPolicy(threshold=5), counts=["assessments"])
    assert out.text["assessments"].iloc[0] == SUPPRESSED
    # the caller named the counts: the others are numbers beside a hidden count, withheld there
    assert out.text["households"].iloc[0] == SUPPRESSED and out.text["households"].iloc[1] != SUPPRESSED


def test_whole_floats_and_numbers_held_as_text_are_counts():
    frame = pd.DataFrame({"locality": ["North", "South", "East"], "plans": [3.0, 20.0, np.nan],
                          "visits": ["4", "12", "30"]})
    assert count_columns(frame) == ["plans", "visits"]
    out = publish(frame, PublishPolicy(threshold=5))
    assert out.text["plans"].iloc[0] == SUPPRESSED and out.text["visits"].iloc[0] == SUPPRESSED
