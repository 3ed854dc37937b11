"""More bad input to the data layer: each is a ValidationError naming where, never a crash, a
silent drop or a wrong date (see the probe report of the data input and the command line)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.data import readers


@pytest.fixture(scope="module")
def council():
    return earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=0)


# -- data_end counts recorded events, not due dates -------------------------------------------
def test_an_unborn_childs_due_date_does_not_move_the_data_end(small_ds):
    before = small_ds.data_end()
    persons = small_ds.persons.copy()
    persons.loc[0, ["birth_date", "expected_birth_date"]] = before + pd.Timedelta(days=200)
    persons.loc[0, "expected_birth"] = True
    assert small_ds.replace(persons=persons).data_end() == before


def test_a_review_due_after_the_extract_does_not_move_the_data_end(small_ds):
    before = small_ds.data_end()
    reviews = pd.DataFrame({"review_id": ["R1"], "episode_id": ["E5"], "plan_id": [pd.NA],
                            "due_date": [before + pd.Timedelta(days=40)], "held_date": [pd.NaT]})
    reviews = reviews.astype({"review_id": "string[pyarrow]", "episode_id": "string[pyarrow]",
                              "plan_id": "string[pyarrow]", "held_date": "datetime64[ns]"})
    assert small_ds.replace(taf_reviews=reviews).data_end() == before


# -- the extract's dates survive a write and a read --------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_written_folder_reads_back_with_the_same_data_end_and_forecast_input(council, tmp_path, fmt):
    from earlyhelp.forecast.demand import demand_series

    earlyhelp.write_dataset(council, tmp_path / "c", format=fmt)
    back = earlyhelp.read_dataset(tmp_path / "c")
    assert back.data_end() == council.data_end() == pd.Timestamp(council.meta["end_date"])
    assert back.meta["window_start"] == pd.Timestamp(council.meta["window_start"])
    assert readers.META_FILE not in back.meta["load_report"]["ignored"]
    a = demand_series(council, measures=["requests", "episodes_opened"])
    b = demand_series(back, measures=["requests", "episodes_opened"])
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    assert a.dropped_periods == b.dropped_periods and a.as_of == b.as_of


def test_a_meta_file_with_a_bad_date_is_a_problem_naming_it(small_ds, tmp_path):
    earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    (tmp_path / readers.META_FILE).write_text('{"end_date": "2024"}')
    with pytest.raises(ValidationError, match=r"earlyhelp_meta.json.end_date"):
        earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")
    (tmp_path / readers.META_FILE).write_text("not json")
    with pytest.raises(ValidationError, match=r"earlyhelp_meta.json: cannot read"):
        earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")


# -- date arguments read day first, and a year alone is no date --------------------------------
def test_date_arguments_are_read_day_first(small_ds):
    assert small_ds.snapshot("03/04/2024").meta["snapshot_date"] == pd.Timestamp("2024-04-03")
    assert small_ds.snapshot(pd.Timestamp("2024-04-03")).meta["snapshot_date"] == pd.Timestamp("2024-04-03")


@pytest.mark.parametrize("text", ["2024", "2024-03", "45474", "13/13/2024"])
def test_a_partial_date_argument_is_refused(small_ds, text):
    with pytest.raises(ValidationError, match="snapshot.date"):
        small_ds.snapshot(text)
    with pytest.raises(ValidationError, match="validate.as_of"):
        small_ds.validate(as_of=text)


def test_validate_as_of_is_day_first(small_ds):
    # the data run to 2024: as of 3 April 2023 (not 4 March) later dates are in the future
    with pytest.raises(ValidationError, match=r"after 2023-04-03"):
        small_ds.validate(as_of="03/04/2023")


# -- the council's own end-reason text is kept ---------------------------------------------------
def test_local_end_reason_is_kept_when_the_file_has_an_empty_column(frames):
    episodes = frames["episodes"].copy()
    episodes["end_reason"] = ["ESC", "CLOSED-OK", "CLOSED-OK", "CLOSED-OK", None]
    episodes["end_reason_local"] = [None, "", "their text", None, None]
    frames["episodes"] = episodes
    ds = earlyhelp.Dataset.from_frames(as_of="2025-01-01", code_map={"episodes": {"end_reason": {
        "ESC": "step_up", "CLOSED-OK": "outcomes_met"}}}, **frames)
    assert list(ds.episodes["end_reason_local"].fillna("-")) == ["ESC", "CLOSED-OK", "their text", "CLOSED-OK", "-"]
    assert list(ds.episodes["end_reason"].astype(object).fillna("-")) == ["step_up"] + ["outcomes_met"] * 3 + ["-"]


# -- a file named as a table that cannot be read is a problem ------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symlinks and named pipes")
@pytest.mark.parametrize("kind, words", [("link", "broken link"), ("fifo", "named pipe")])
def test_an_unreadable_table_file_is_a_problem_not_ignored(small_ds, tmp_path, kind, words):
    earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    (tmp_path / "episodes.csv").unlink()
    if kind == "link":
        (tmp_path / "episodes.csv").symlink_to(tmp_path / "gone.csv")
    else:
        os.mkfifo(tmp_path / "episodes.csv")
    with pytest.raises(ValidationError, match=rf"episodes: episodes.csv: .*{words}"):
        earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")


# -- write_dataset -------------------------------------------------------------------------------
def test_a_folder_written_meanwhile_is_not_written_over(small_ds, frames, tmp_path, monkeypatch):
    """Another writer finishes between this one's start and its end: its tables stay, whole."""
    other = earlyhelp.Dataset.from_frames(as_of="2025-01-01", **{**frames, "requests": frames["requests"][:1]})
    target = tmp_path / "council"
    real = readers._write_table
    calls = {"n": 0}

    def write_table(frame, file, format, name):
        calls["n"] += 1
        if calls["n"] == 1:   # the other run writes the folder while this one is staging
            earlyhelp.write_dataset(other, target, format=format)
        return real(frame, file, format, name)

    monkeypatch.setattr(readers, "_write_table", write_table)
    with pytest.raises(readers.FolderHoldsTablesError, match="already holds tables"):
        earlyhelp.write_dataset(small_ds, target, format="csv", overwrite=False)
    monkeypatch.setattr(readers, "_write_table", real)
    assert len(earlyhelp.read_dataset(target, as_of="2025-01-01").requests) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["council"]   # no staging folder left


def test_an_existing_folder_with_tables_is_refused_without_overwrite(small_ds, tmp_path):
    (tmp_path / "requests.csv").write_text("earlier")
    with pytest.raises(readers.FolderHoldsTablesError, match="requests.csv"):
        earlyhelp.write_dataset(small_ds, tmp_path, format="csv", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["requests.csv"]


def test_a_second_format_beside_the_first_is_refused(small_ds, tmp_path):
    earlyhelp.write_dataset(small_ds, tmp_path, format="parquet")
    with pytest.raises(ValidationError, match=r"holds agencies.parquet.*given twice"):
        earlyhelp.write_dataset(small_ds, tmp_path, format="csv")
    assert not list(tmp_path.glob("*.csv"))
    earlyhelp.read_dataset(tmp_path, as_of="2025-01-01")   # still readable


def test_a_column_parquet_cannot_hold_names_the_table_and_column(small_ds, tmp_path):
    agencies = small_ds.agencies.assign(extra_col=pd.Series([1, "x"], dtype=object))
    ds = small_ds.replace(agencies=agencies)
    with pytest.raises(ValidationError, match=r"agencies.extra_col: cannot be written as Parquet"):
        earlyhelp.write_dataset(ds, tmp_path / "c", format="parquet")
    assert not (tmp_path / "c").exists()


# -- read_published: impossible periods, dimension columns as measures, infinities ---------------
def _published(periods, values=None) -> pd.DataFrame:
    n = len(periods)
    return pd.DataFrame({"time_period": periods, "time_identifier": ["Financial year"] * n,
                         "geographic_level": ["Local authority"] * n,
                         "new_la_code": [f"E0800{i:04d}" for i in range(n)], "la_name": list("abcdefgh"[:n]),
                         "region_code": ["E12000005"] * n, "n": values or ["5"] * n})


@pytest.mark.parametrize("period, words", [("999999", "second year must follow"), ("0000", "not a DfE time period"),
                                           ("000001", "not a DfE time period"), ("202325", "second year must follow"),
                                           ("202399", "second year must follow")])
def test_an_impossible_time_period_names_the_column_and_row(period, words):
    with pytest.raises(ValidationError, match=words) as err:
        earlyhelp.read_published(_published(["202324", period]))
    problem = err.value.problems[0]
    assert (problem.column, list(problem.rows), problem.value) == ("time_period", [1], period)


def test_a_dimension_column_is_no_measure():
    with pytest.raises(ValidationError, match=r"time_period: describes a row"):
        earlyhelp.read_published(_published(["202324"]), measures=["time_period"])


def test_infinite_measures_are_unreadable_not_ok():
    out = earlyhelp.read_published(_published(["202324"] * 3, ["5", "inf", "-inf"]), measures=["n"])
    assert list(out["n_status"].astype(str)) == ["ok", "unreadable", "unreadable"]
    assert np.isnan(out["n"].iloc[1:]).all()
    assert int((out["n_status"] != "ok").sum()) == 2


# -- days arguments of the event functions ------------------------------------------------------
@pytest.mark.parametrize("call", [lambda ds, v: ds.step_ups(within_days=v), lambda ds, v: ds.step_downs(within_days=v),
                                  lambda ds, v: ds.stitch_episodes(gap_days=v),
                                  lambda ds, v: ds.rereferrals(window_days=v)])
@pytest.mark.parametrize("value", ["28", True, float("nan"), 28.5, -1, 10 ** 12, None])
def test_a_days_argument_that_is_no_whole_number_of_days_is_named(small_ds, call, value):
    with pytest.raises(ValidationError, match=r"_days: must be a whole number of days from 0 to \d+"):
        call(small_ds, value)


def test_a_whole_float_days_argument_is_read(small_ds):
    assert small_ds.step_ups(within_days=28.0).equals(small_ds.step_ups(within_days=28))


# -- a placeholder for an unknown date is no date ----------------------------------------------
@pytest.mark.parametrize("table,column,value", [("episodes", "start_date", "1753-01-01"),
                                                ("episodes", "end_date", "1899-12-30"),
                                                ("requests", "received_date", "1800-01-01"),
                                                ("persons", "birth_date", "1850-01-01")])
def test_a_placeholder_date_before_1900_is_named(frames, table, column, value):
    # before: SQL Server's first datetime (1753-01-01), Excel's day 0 (1899-12-30) and other
    # systems' "unknown" loaded as real dates: an episode open since 1753 counted in every period
    frame = frames[table].copy()
    frame[column] = frame[column].astype(object)
    frame.loc[frame.index[0], column] = value
    with pytest.raises(ValidationError, match="on or before 1900-01-01") as err:
        earlyhelp.Dataset.from_frames(**{**frames, table: frame})
    problem = next(p for p in err.value.problems if "1900-01-01" in p.message)
    assert (problem.table, problem.column, problem.n_rows) == (table, column, 1)


# -- a code map that sends a value to a non-code ------------------------------------------------
def test_a_code_map_target_that_is_not_a_code_names_the_code_map(frames):
    # before: the rows were reported as holding an unknown local code, with a fix telling the user
    # to map that code, which the code map already did
    local = str(frames["episodes"]["end_reason"].dropna().iloc[0])
    with pytest.raises(ValidationError) as err:
        earlyhelp.Dataset.from_frames(code_map={"episodes": {"end_reason": {local: "closed_happy"}}}, **frames)
    (problem,) = [p for p in err.value.problems if p.column == "end_reason"]
    assert problem.table == "episodes" and problem.value == "closed_happy"
    assert "code map" in problem.message and f"{local!r} -> 'closed_happy'" in problem.message
    assert problem.fix is None and problem.n_rows == int((frames["episodes"]["end_reason"] == local).sum())
    # a code map target that is a code in another case still reads
    ok = earlyhelp.Dataset.from_frames(code_map={"episodes": {"end_reason": {local: "OTHER"}}}, **frames)
    assert (ok.episodes["end_reason"] == "other").sum() >= problem.n_rows
