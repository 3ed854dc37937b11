"""Messy council exports: partial and far dates, continental decimals, huge numbers, rows without ids.

Each is a named problem (table, column, rows, value), never a crash or a silently changed value.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError


def load(frames, **kw):
    kw.setdefault("as_of", "2025-01-01")
    return earlyhelp.Dataset.from_frames(**kw, **frames)


def problem(err: ValidationError, table: str, column: str, words: str = ""):
    found = [p for p in err.problems if p.table == table and p.column == column and words in p.message]
    assert found, f"no problem for {table}.{column} ({words}): {err}"
    return found[0]


@pytest.mark.parametrize("partial", ["2015", "2015-03"])
def test_a_year_or_year_and_month_is_not_read_as_the_first_of_the_month(frames, partial):
    frames["persons"].loc[0, "birth_date"] = partial
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "birth_date", "not a date")
    assert p.rows == ["c1"] and p.value == partial


@pytest.mark.parametrize("far", ["9999-12-31", "31/12/9999", dt.datetime(9999, 12, 31), "1066-10-14"])
def test_a_date_beyond_the_ns_range_is_named_not_wrapped_round(frames, far):
    persons = frames["persons"].astype({"birth_date": object})
    persons.loc[0, "birth_date"] = far
    frames["persons"] = persons
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "birth_date", "outside the years")
    assert p.rows == ["c1"] and "9999-12-31" in p.message


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_a_datetime_column_in_seconds_holding_9999_is_a_problem_not_a_crash(frames, unit):
    births = pd.to_datetime(frames["persons"]["birth_date"]).to_numpy(dtype=f"datetime64[{unit}]").copy()
    births[1] = np.datetime64("9999-12-31", unit)
    frames["persons"]["birth_date"] = pd.Series(births)
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "persons", "birth_date", "outside the years")
    assert p.rows == ["c2"] and p.n_rows == 1


def test_a_continental_decimal_comma_is_a_problem_not_a_number_a_hundred_times_larger(frames):
    frames["localities"]["deprivation"] = ["0,25", "1,234.5"]
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "localities", "deprivation", "not a number")
    assert p.rows == ["L1"] and p.value == "0,25"


def test_thousands_separators_still_read(frames):
    frames["localities"]["child_population"] = ["30,000", "1,025,000"]
    ds = load(frames)
    assert ds.localities["child_population"].tolist() == [30000, 1025000]


@pytest.mark.parametrize("huge", ["99999999999999999999", 1e20, np.inf])
def test_a_whole_number_too_large_for_int64_is_named_not_a_crash(frames, huge):
    population = frames["localities"]["child_population"].astype(object)
    population[1] = huge
    frames["localities"]["child_population"] = population if isinstance(huge, str) else population.astype(float)
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "localities", "child_population", "too large")
    assert p.rows == ["L2"]


@pytest.mark.parametrize("infinite", ["inf", "-Infinity", np.inf])
def test_an_infinite_real_number_is_named(frames, infinite):
    deprivation = frames["localities"]["deprivation"].astype(object)
    deprivation[0] = infinite
    frames["localities"]["deprivation"] = deprivation if isinstance(infinite, str) else deprivation.astype(float)
    with pytest.raises(ValidationError) as exc:
        load(frames)
    p = problem(exc.value, "localities", "deprivation", "not a finite number")
    assert p.rows == ["L1"]


def test_a_row_without_its_id_is_named_by_position(tmp_path: Path):
    (tmp_path / "agencies.csv").write_text("agency_id,name,agency_type\nA1,Early Help,la_early_help\n,,\n",
                                           encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_dataset(tmp_path)
    p = problem(exc.value, "agencies", "agency_id", "missing value")
    assert p.rows == ["row 1 (no agency_id, line 3 of agencies.csv)"]  # row from 0, and the file's line


def test_ssda903_dates_given_as_a_year_or_a_month_are_named(tmp_path: Path):
    (tmp_path / "2022").mkdir()
    (tmp_path / "2022" / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC\n1001,1,2010,WBRI\n1002,2,03/06/2012,WBRI\n", encoding="utf-8")
    (tmp_path / "2022" / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
        "1001,01/05/2021,S,C2,N1,U4,PR1,2021-09,E4A\n1002,03/06/2021,S,C2,N1,K2,PR1,,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        earlyhelp.read_ssda903(tmp_path)
    found = {(p.column, p.value) for p in exc.value.problems}
    assert ("DOB", "2010") in found and ("DEC", "2021-09") in found
