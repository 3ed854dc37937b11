"""The publication gate fails closed: what it cannot classify is refused or withheld, never
published as it is (count columns that are not whole numbers, numbers of any name beside a
hidden count, id columns spelt another way, carriage returns inside cells, an index)."""
import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.report.publish import PublishPolicy, identifier_columns, publish
from earlyhelp.report.runfolder import RunFolder
from earlyhelp.report.suppression import SUPPRESSED, shown_count
from earlyhelp.results import Excluded

KEY = b"a test key that is long enough to be a key, 32+ bytes"


@pytest.mark.parametrize("values", [[3.0001, 2.00004, 12.0], ["3", "n/a", "12"], [3, "-", 12], [3, "<5", 12],
                                    [2.0001, 10.0, 30.0]])
def test_a_count_column_that_is_not_whole_numbers_is_refused_not_published_raw(values):
    frame = pd.DataFrame({"locality": ["A", "B", "C"], "families": values})
    with pytest.raises(ValidationError, match=r"publish\.families: a column named like a count.*rows"):
        publish(frame, PublishPolicy())


def test_a_count_named_column_declared_not_a_count_or_all_text_is_published():
    frame = pd.DataFrame({"locality": ["A", "B"], "families": [3.5, 2.25], "denominator": ["all", "requests"]})
    out = publish(frame, PublishPolicy(), not_counts=["families"])
    assert out.text["families"].tolist() == [3.5, 2.25]
    assert out.text["denominator"].tolist() == ["all", "requests"]   # a definition, no number in it


def test_the_run_folder_refuses_a_count_with_a_stray_decimal(tmp_path):
    with pytest.raises(ValidationError, match="families"):
        with RunFolder(tmp_path, "r") as folder:
            folder.write_table("t", pd.DataFrame({"locality": ["A", "B", "C"], "families": [3.0001, 2.00004, 12.0]}))
    assert not list(tmp_path.iterdir())     # nothing published


def test_columns_with_more_than_one_level_or_given_twice_are_refused():
    two_levels = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("=a", "x"), ("b", "=c")]))
    with pytest.raises(ValidationError, match="more than one level"):
        publish(two_levels, PublishPolicy())
    twice = pd.DataFrame([[1, 2]], columns=["families", "families"])
    with pytest.raises(ValidationError, match="given twice"):
        publish(twice, PublishPolicy())


def test_a_named_index_is_published_as_a_column_not_dropped():
    frame = pd.DataFrame({"families": [3, 40]}, index=pd.Index(["North", "South"], name="locality"))
    out = publish(frame, PublishPolicy())
    assert out.text["locality"].tolist() == ["North", "South"]
    assert out.text["families"].tolist() == [SUPPRESSED, "40"]
    unnamed = publish(pd.DataFrame({"families": [30, 40]}, index=["North", "South"]), PublishPolicy())
    assert unnamed.text["index"].tolist() == ["North", "South"]


def test_a_carriage_return_inside_a_cell_cannot_start_a_row_in_the_csv(tmp_path):
    frame = pd.DataFrame({"locality": ["North\r=1+1", "\r=2+2", "South"], "families": [30, 40, 50]})
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("t", frame)
        folder.record("t", inputs={"sha256": "x"}, digest="d")
    rows = list(csv.reader(io.StringIO((tmp_path / "r" / "t.csv").read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 4 and all(len(r) == 2 for r in rows)          # header and three rows, two cells each
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for r in rows for cell in r[:1])


@pytest.mark.parametrize("name", ["Family_ID", "PersonID", "family_id ", "familyId", "family id", "child_ref", "upn",
                                  "nhs_number", "id", "household_id", "child_upn"])
def test_id_columns_spelt_any_way_are_pseudonymised(name):
    frame = pd.DataFrame({name: ["F1", "F2"], "locality": ["A", "B"], "families": [30, 40]})
    assert name in identifier_columns(frame)
    out = publish(frame, PublishPolicy(pseudonymise=True, key=KEY))
    assert not set(out.text[name]) & {"F1", "F2"} and out.record["pseudonymised"] == [name]


def test_organisation_codes_are_not_ids_of_people():
    frame = pd.DataFrame(columns=["locality_id", "LocalityID", "agency_id", "unique_id", "n_families"])
    assert identifier_columns(frame) == {}


def test_spaces_in_a_list_of_ids_do_not_give_one_id_two_pseudonyms():
    frame = pd.DataFrame({"family_ids": ["F1; F2", "F1 ;F2"], "families": [20, 20]})
    out = publish(frame, PublishPolicy(pseudonymise=True, key=KEY))
    assert out.text["family_ids"].iloc[0] == out.text["family_ids"].iloc[1]


def test_small_exclusion_counts_in_run_json_are_hidden_whatever_their_unit(tmp_path):
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("t", pd.DataFrame({"locality": ["A", "B"], "families": [30, 40]}))
        folder.record("t", inputs={"sha256": "x"}, digest="d",
                      excluded=[Excluded("episodes", "no family", 3, unit="families"),
                                Excluded("episodes", "late", 4), Excluded("episodes", "old", 40, unit="families")])
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    shown = [{k: v for k, v in r.items() if k in ("rows", "families")} for r in record["excluded"]]
    assert shown == [{"families": "c"}, {"rows": "c"}, {"families": 40}]


def test_the_row_count_of_a_small_list_is_hidden_in_the_record():
    out = publish(pd.DataFrame({"family_id": ["F1", "F2", "F3"], "score": [0.1, 0.2, 0.3]}), PublishPolicy())
    assert out.record["rows"] == SUPPRESSED
    assert publish(pd.DataFrame({"score": np.arange(10.0)}), PublishPolicy()).record["rows"] == 10


@pytest.mark.parametrize("value", [np.inf, "inf", 0.5, True, np.nan])
def test_a_summary_count_that_is_no_whole_number_is_refused(value):
    if isinstance(value, float) and np.isnan(value):
        assert shown_count(value) == "" and shown_count("nan") == ""
        return
    with pytest.raises(ValueError, match="whole number"):
        shown_count(value)


@pytest.mark.parametrize("prefix", ["\u200e", "\u200f", "\u202a", "\u180e", "\x00", "\u2066"])
def test_invisible_characters_before_a_formula_do_not_hide_it(prefix):
    out = publish(pd.DataFrame({"locality": [prefix + "=2+2"], "n_agencies": [3]}), PublishPolicy())
    assert out.text["locality"].iloc[0].startswith("'")


@pytest.mark.parametrize("label", ["Total", "TOTAL ", "Grand total", "All", "All localities", "Overall"])
def test_a_total_row_the_caller_did_not_declare_is_refused(label):
    # A = 53 - 20 - 30 = 3 if the total row were suppressed as one more row
    frame = pd.DataFrame({"locality": ["A", "B", "C", label], "families": [3, 20, 30, 53]})
    with pytest.raises(ValidationError, match="looks like the total"):
        publish(frame, PublishPolicy())
    out = publish(frame, PublishPolicy(), totals={"locality": label})
    assert (out.text["families"] == SUPPRESSED).sum() >= 2          # a second cell hidden against the total


def test_place_names_that_begin_like_a_total_are_not_totals():
    frame = pd.DataFrame({"locality": ["Allesley", "All Saints ward north side", "C"], "families": [30, 20, 30]})
    assert publish(frame, PublishPolicy()).text["families"].astype(int).tolist() == [30, 20, 30]


def test_a_bad_cell_of_a_two_way_table_is_named_by_its_row_and_column():
    from earlyhelp.report.suppression import suppress_table

    table = pd.DataFrame({"level_2": [1, np.nan], "level_3": [10, 10]}, index=["North", "South"])
    with pytest.raises(ValidationError) as err:
        suppress_table(table)
    problem = err.value.problems[0]
    assert problem.column == "level_2" and list(problem.rows) == ["South"] and "_value" not in str(err.value)
    doubled = pd.DataFrame({"x": [1, 2, 3, 3], "y": [10, 10, 20, 20]}, index=["A", "B", "Total", "Total"])
    with pytest.raises(ValidationError, match="not unique") as err:
        suppress_table(doubled, margins=True)
    assert "_row" not in str(err.value) and list(err.value.problems[0].rows) == ["Total"]


def _two_tables(tmp_path, fine_families):
    coarse = pd.DataFrame({"locality": ["North", "South", "Total"], "families": [12, 30, 42]})
    fine = pd.DataFrame({"locality": ["North", "South", "Total"] * 2, "sex": ["M"] * 3 + ["F"] * 3,
                         "families": fine_families})
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("by_locality", coarse, totals={"locality": "Total"}, dims=["locality"])
        folder.write_table("by_locality_and_sex", fine, totals={"locality": "Total"}, dims=["locality", "sex"])
        folder.record("t", inputs={"sha256": "x"}, digest="d")


def test_a_hidden_count_another_table_of_the_run_gives_away_is_refused(tmp_path):
    # North/M = c beside North/F = 9, and North = 12 in the other table: North/M = 3
    with pytest.raises(ValidationError, match="by_locality_and_sex and by_locality") as err:
        _two_tables(tmp_path, [3, 15, 18, 9, 15, 24])
    assert "North" in err.value.problems[0].rows
    assert not list(tmp_path.iterdir())                       # nothing of the run published


def test_tables_of_one_run_that_give_nothing_away_are_written(tmp_path):
    _two_tables(tmp_path, [6, 15, 21, 6, 15, 21])             # nothing hidden
    assert (tmp_path / "r" / "by_locality_and_sex.csv").exists()
    # unrelated counts (not the margin of the other) are not compared
    with RunFolder(tmp_path, "s") as folder:
        folder.write_table("a", pd.DataFrame({"locality": ["North", "South"], "families": [12, 30]}),
                           dims=["locality"], totals={})
        folder.write_table("b", pd.DataFrame({"locality": ["North", "North"], "sex": ["M", "F"],
                                              "families": [3, 40]}), dims=["locality", "sex"], totals={})
        folder.record("t", inputs={"sha256": "x"}, digest="d")
