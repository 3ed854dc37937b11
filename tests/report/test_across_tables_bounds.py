"""Tables of one run read together: a hidden count that the other table's margin gives away is
refused, also where only the bounds of a hidden count pin it, where the two tables name the
count differently, and where they have the same dimensions.

The check looked only for a group with one hidden cell under a shown margin (or a hidden margin
over shown cells) in columns of the same name, in a coarser table: two hidden cells beside a
shown 10 under a margin of 12 (each at least 1, since 0 is never hidden as small) are both 1,
and two under a remainder of 10 (each at most 5) both 5, and the run was published.
"""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.publish import PublishPolicy
from earlyhelp.report.runfolder import RunFolder
from earlyhelp.report.suppression import SUPPRESSED


def _run(tmp_path, tables, run_id="r"):
    """Write ``tables`` (name -> (frame, write_table keywords)) into one run; return its folder."""
    with RunFolder(tmp_path, run_id, policy=PublishPolicy(threshold=5)) as folder:
        for name, (frame, kwargs) in tables.items():
            folder.write_table(name, frame, **kwargs)
        folder.record("t", inputs={"sha256": "x"}, digest="d")
    return tmp_path / run_id


def _by_sex(north):
    return pd.DataFrame({"locality": ["North"] * 3 + ["South"] * 3, "sex": ["F", "M", "U"] * 2,
                         "families": [*north, 20, 30, 40]})


def _margin(fine, column="families"):
    return fine.groupby("locality", as_index=False)["families"].sum().rename(columns={"families": column})


@pytest.mark.parametrize("north", [(1, 1, 10), (5, 5, 10), (5, 5, 40)])
def test_hidden_cells_a_remainder_pins_by_their_bounds_are_refused(tmp_path, north):
    """12 - 10 = 2 over two hidden cells each 1 or more; 20 - 10 = 10 over two each 5 or less."""
    fine = _by_sex(north)
    with pytest.raises(ValidationError, match="by_locality_sex and by_locality") as err:
        _run(tmp_path, {"by_locality_sex": (fine, dict(dims=["locality", "sex"])),
                        "by_locality": (_margin(fine), dict(dims=["locality"]))})
    assert "North" in err.value.problems[0].rows
    assert not list(tmp_path.iterdir())                       # nothing of the run published


@pytest.mark.parametrize("north", [(3, 4, 10), (1, 5, 10), (2, 3, 30)])
def test_hidden_cells_the_remainder_leaves_free_are_published(tmp_path, north):
    """17 - 10 = 7 over two hidden cells of 1 to 5: (2, 5), (3, 4), (4, 3), (5, 2) all fit."""
    fine = _by_sex(north)
    run = _run(tmp_path, {"by_locality_sex": (fine, dict(dims=["locality", "sex"])),
                          "by_locality": (_margin(fine), dict(dims=["locality"]))})
    shown = pd.read_csv(run / "by_locality_sex.csv", dtype=str)
    assert (shown.loc[shown["locality"] == "North", "families"] == SUPPRESSED).sum() == 2


def test_a_margin_under_another_name_is_read_as_the_margin(tmp_path):
    """``n_families`` by locality is the sum of ``families`` by locality and sex in every locality:
    with North/M hidden beside North/F = 9 and U = 10, North = 22 gives it away (3)."""
    fine = _by_sex((9, 3, 10))
    with pytest.raises(ValidationError, match="families / n_families"):
        _run(tmp_path, {"by_locality_sex": (fine, dict(dims=["locality", "sex"])),
                        "by_locality": (_margin(fine, "n_families"), dict(dims=["locality"]))})


def test_a_column_of_another_name_that_is_not_the_margin_everywhere_is_not_compared(tmp_path):
    """``episodes`` by locality equals the families of North by chance only: not a margin."""
    fine = _by_sex((9, 3, 10))
    other = pd.DataFrame({"locality": ["North", "South"], "episodes": [22, 95]})
    _run(tmp_path, {"by_locality_sex": (fine, dict(dims=["locality", "sex"])),
                    "episodes_by_locality": (other, dict(dims=["locality"]))})


def test_one_count_in_two_tables_of_the_same_dimensions_is_one_cell(tmp_path):
    """Families by locality with a council total (North hidden, and South beside it) and the same
    families by locality without one (North hidden only): South, shown in the second, gives South
    and then North away through the first's total."""
    with_total = pd.DataFrame({"locality": ["North", "South", "East", "Total"], "families": [3, 40, 50, 93]})
    without = with_total[with_total["locality"] != "Total"].reset_index(drop=True)
    with pytest.raises(ValidationError, match="publish the same counts") as err:
        _run(tmp_path, {"by_locality_with_total": (with_total, dict(dims=["locality"], totals={"locality": "Total"})),
                        "by_locality": (without, dict(dims=["locality"], totals={}))})
    assert {"North", "South"} <= set(err.value.problems[0].rows)


def test_a_hidden_margin_the_shown_cells_add_up_to_is_refused(tmp_path):
    """A margin hidden before the gate (``families_status`` = ``c``) over cells the finer table
    shows (6 + 7) is their sum."""
    fine = pd.DataFrame({"locality": ["North"] * 2 + ["South"] * 2, "sex": ["F", "M"] * 2,
                         "families": [6, 7, 20, 30]})
    coarse = pd.DataFrame({"locality": ["North", "South"], "families": [13, 50], "families_status": ["c", ""]})
    shown = coarse.drop(columns="families_status").astype(object).assign(families=["c", 50])
    with pytest.raises(ValidationError, match="by_locality_sex and by_locality") as err:
        with RunFolder(tmp_path, "s", policy=PublishPolicy(threshold=5)) as folder:
            folder.write_table("by_locality_sex", fine, dims=["locality", "sex"])
            folder.write_table("by_locality", coarse, csv_frame=shown, dims=["locality"])
            folder.record("t", inputs={"sha256": "x"}, digest="d")
    assert err.value.problems[0].rows == ["North"]
