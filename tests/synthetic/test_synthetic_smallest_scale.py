"""A scale too small to give a single Early Help family is refused with the generator's rule, not
returned as an empty council; and calibration_table shows a share with nothing to take it of (no
closures, no openings) as NaN with a note, not as 0 scored against its target."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import ValidationError, synthetic


@pytest.mark.parametrize("scale", [1 / 78_500, 2 / 78_500, 5e-5])
def test_a_scale_that_gives_coventry_no_family_is_refused(scale):
    # 2/78,500 and 5e-5 passed the old check ("fewer than one child") and gave an empty council
    with pytest.raises(ValidationError) as err:
        synthetic.council("coventry", years=1, scale=scale)
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == ("council", "scale")
    assert "no Early Help family" in problem.message and "round(children x scale / 1.9)" in problem.message


def test_england_is_refused_only_where_the_draw_gives_no_family():
    with pytest.raises(ValidationError, match="no Early Help family") as err:
        synthetic.england(scale=2e-5, years=1, threads=1)
    assert (err.value.problems[0].table, err.value.problems[0].column) == ("england", "scale")
    # a scale at which some of England's drawn localities hold a family is generated, not refused
    ds = synthetic.england(scale=5e-5, years=1, seed=0, threads=1)
    assert len(ds.truth["families"]) > 0 and len(ds.episodes) > 0


SHARES = ["closed with outcomes met", "closed within 16 weeks", "closures stepped up to social care",
          "episodes held by partners", "partner-held episodes held by schools"]


@pytest.fixture(scope="module")
def no_episodes():
    """Coventry at about its smallest scale, seed 2: one request in the three years and no episode."""
    ds = synthetic.council("coventry", years=3, scale=8.483e-5, seed=2)
    assert ds.episodes.empty and len(ds.requests) == 1
    return synthetic.calibration_table(ds).set_index("figure")


def test_a_share_with_no_closures_or_openings_is_not_compared(no_episodes):
    rows = no_episodes.loc[SHARES]
    assert rows["generated"].isna().all() and rows["within_10pct"].isna().all()
    assert rows["note"].str.startswith("not compared: no episode").all()
    assert "no episode closed" in rows.loc["closures stepped up to social care", "note"]
    assert "no episode opened" in rows.loc["episodes held by partners", "note"]


def test_year_on_year_figures_with_no_closures_are_not_compared(no_episodes):
    for figure in ("episodes closed in 2024 / 2023", "closed with outcomes met in 2023",
                   "outcomes-met share 2024 / 2023"):
        row = no_episodes.loc[figure]
        assert pd.isna(row["generated"]) and pd.isna(row["within_10pct"])
        assert row["note"].startswith("not compared: no episode closed in 2023"), row["note"]
    assert pd.isna(no_episodes.loc["episodes opened in 2024 the most of the years generated", "generated"])


def test_counts_stay_counts(no_episodes):
    # a count is a figure (one request, taken to scale 1), compared with its target: only shares lack a base
    generated = no_episodes.loc["requests for support a year", "generated"]
    assert pd.notna(generated) and generated > 0
    assert not no_episodes.loc["requests for support a year", "within_10pct"]
