"""The earlier packs a pack reads from its output folder: read as they were written, or refused.

A pack hides what the earlier packs in its folder hid, and more, so that no hidden count can be
worked out from all of them. An earlier pack's tables that a spreadsheet saved again (other
period labels, a capital "C"), or a run.json that cannot say whose pack it is, must not make the
next pack read less than was published: the tables are read from the file whose SHA-256 run.json
records (the CSV, else the Parquet), and anything else is an error naming the file."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from earlyhelp import ValidationError, synthetic
from earlyhelp.report.ledger import earlier_runs, published_cells
from earlyhelp.report.pack import PackOptions, write_pack

MEASURES = ["requests", "episodes_opened", "children_referred"]
FIRST, SECOND = "2025-01-31", "2025-02-28"


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=3, scale=0.1, seed=4)


@pytest.fixture(scope="module")
def first(council, tmp_path_factory):
    """A folder holding the January pack."""
    folder = tmp_path_factory.mktemp("first")
    write_pack(council, folder, options=PackOptions(months=12, end=FIRST, measures=MEASURES))
    return folder


@pytest.fixture(scope="module")
def second(council, first, tmp_path_factory):
    """The February pack written beside the untouched January one."""
    folder = tmp_path_factory.mktemp("second")
    shutil.copytree(first, folder, dirs_exist_ok=True)
    return _monthly(write_pack(council, folder, options=PackOptions(months=12, end=SECOND, measures=MEASURES)))


def _monthly(run) -> pd.DataFrame:
    return pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)


def _copy(first, tmp_path):
    folder = tmp_path / "packs"
    shutil.copytree(first, folder)
    return folder, next(p for p in folder.iterdir() if p.is_dir())


def _excel_edit(path):
    """As a spreadsheet saving the table again: months as dates, "c" as "C", Windows line ends."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["period"] = pd.to_datetime(table["period"]).dt.strftime("%b-%y")
    table["numerator"] = table["numerator"].replace("c", "C")
    table.to_csv(path, index=False, lineterminator="\r\n", encoding="cp1252")


def test_an_edited_csv_is_read_from_the_parquet_the_pack_wrote(council, first, second, tmp_path):
    folder, run = _copy(first, tmp_path)
    _excel_edit(run / "measures_monthly.csv")
    got = write_pack(council, folder, options=PackOptions(months=12, end=SECOND, measures=MEASURES))
    pd.testing.assert_frame_equal(_monthly(got), second)


def test_a_pack_whose_tables_were_both_changed_is_refused(council, first, tmp_path):
    folder, run = _copy(first, tmp_path)
    _excel_edit(run / "measures_monthly.csv")
    (run / "measures_monthly.parquet").unlink()
    with pytest.raises(ValidationError, match="changed since the run wrote them") as info:
        write_pack(council, folder, options=PackOptions(months=12, end=SECOND, measures=MEASURES))
    assert str(run / "measures_monthly.csv") in str(info.value)


@pytest.mark.parametrize("record", ["{not json", "[]", "null", json.dumps({"council": "Coventry"}),
                                    json.dumps({"command": "report", "council": None}),
                                    json.dumps({"command": "report"})])
def test_a_run_record_that_cannot_say_whose_pack_it_is_is_refused(council, first, tmp_path, record):
    folder, run = _copy(first, tmp_path)
    (run / "run.json").write_text(record, encoding="utf-8")
    with pytest.raises(ValidationError, match="move the run folder out") as info:
        write_pack(council, folder, options=PackOptions(months=12, end=SECOND, measures=MEASURES))
    assert str(run / "run.json") in str(info.value)
    assert not [p for p in folder.iterdir() if p != run]   # nothing was written


def test_the_council_is_matched_whatever_its_case_and_a_byte_order_mark(council, first, second, tmp_path):
    folder, run = _copy(first, tmp_path)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["council"] = " coventry "
    (run / "run.json").write_text("\ufeff" + json.dumps(record), encoding="utf-8")
    assert len(earlier_runs(folder, "Coventry")) == 1
    assert not earlier_runs(folder, "Wolverhampton")


def test_a_pack_without_file_digests_is_read_with_care(council, first, tmp_path):
    """Without the digests (run.json edited) a CSV is read as it is: any mark that is not a number
    hid a count, and periods a spreadsheet rewrote are an error naming the column."""
    folder, run = _copy(first, tmp_path)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    del record["files"]
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    monthly, _ = earlier_runs(folder, "Coventry")[0]
    hidden = (monthly["numerator"] == "c").sum()
    table = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
    table["numerator"] = table["numerator"].replace("c", "C")
    table.to_csv(run / "measures_monthly.csv", index=False, encoding="cp1252")
    cells = published_cells(earlier_runs(folder, "Coventry"))
    # each cell under the pack's own measure name (it is there under a forecast's name too)
    cells = cells[cells["measure"].isin(set(monthly["measure"]))]
    assert cells.query("table == 'm' and column == 'numerator'")["hidden"].sum() == hidden > 0
    _excel_edit(run / "measures_monthly.csv")
    with pytest.raises(ValidationError, match="not written as the pack wrote it") as info:
        earlier_runs(folder, "Coventry")
    assert [p.column for p in info.value.problems] == ["period"]
