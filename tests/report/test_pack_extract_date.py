"""The extract's date decides which months are whole, and a council can state it.

A council's own extract (a folder of CSVs: no end date recorded) taken after August 2024, with
nothing recorded at the weekend, ends on Friday 30 August. The pack took August as not whole and
ended at July, and asking for August (``end = "2024-08-31"``) was refused as "after the data's last
date", by the pack and by the command line alike: the council could not publish August at all.
Now the extract's date can be stated (``PackOptions.extract_date``, ``[report] extract_date``),
an ``end`` that only a weekend separates from the last event is taken as the extract's, and a month
left out so is said, with how to include it."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.report.pack import MonthLeftOutWarning, PackOptions, build_pack, extract_end, write_pack

MEASURES = ["requests"]


@pytest.fixture(scope="module")
def extract():
    """The data as they stood at Friday 30 August 2024, as a folder of CSVs reads (no meta)."""
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    cut = ds.snapshot(pd.Timestamp("2024-08-30"))
    out = earlyhelp.Dataset(dict(cut.tables), meta={})
    assert out.data_end() == pd.Timestamp("2024-08-30")
    return out


def test_a_month_left_out_by_a_weekend_is_said_with_how_to_include_it(extract):
    with pytest.warns(MonthLeftOutWarning, match=r"2024-08.*extract_date"):
        pack = build_pack(extract, PackOptions(months=3, measures=MEASURES))
    assert pack.window["last_month"] == "2024-07"


def test_a_stated_extract_date_makes_the_month_whole(extract):
    with warnings.catch_warnings():
        warnings.simplefilter("error", MonthLeftOutWarning)
        pack = build_pack(extract, PackOptions(months=3, measures=MEASURES, extract_date="2024-08-31"))
    assert pack.window["last_month"] == "2024-08"
    assert pack.extract["extract_end"] == "2024-08-31"
    aug = pack.monthly[(pack.monthly["period"] == "2024-08") & (pack.monthly["locality"] == "All localities")]
    assert bool(aug["complete"].iloc[0])


@pytest.mark.parametrize("extract_date", [None, "2024-09-02"])
def test_an_end_at_a_month_end_the_extract_covers_is_accepted(extract, extract_date):
    pack = build_pack(extract, PackOptions(months=3, measures=MEASURES, end="2024-08-31",
                                           extract_date=extract_date))
    assert pack.window["last_month"] == "2024-08"


def test_the_command_lines_check_agrees_with_the_pack(extract):
    from earlyhelp.cli.reportrun import check_report_window

    check_report_window(extract, PackOptions(months=3, measures=MEASURES, end="2024-08-31"), "report.toml")
    check_report_window(extract, PackOptions(months=3, measures=MEASURES, extract_date="2024-08-31"),
                        "report.toml")


def test_an_end_after_weekdays_without_events_is_refused_naming_the_extract_date(extract):
    cut = extract.snapshot(pd.Timestamp("2024-08-14"))
    mid = earlyhelp.Dataset(dict(cut.tables), meta={})
    with pytest.raises(ValidationError, match="extract_date"):
        build_pack(mid, PackOptions(months=3, measures=MEASURES, end="2024-08-31"))
    with warnings.catch_warnings():
        # an extract taken mid-month leaves its month out as it always did: nothing to say
        warnings.simplefilter("error", MonthLeftOutWarning)
        assert build_pack(mid, PackOptions(months=3, measures=MEASURES)).window["last_month"] == "2024-07"


def test_an_end_after_the_stated_extract_date_is_refused(extract):
    with pytest.raises(ValidationError, match="extract"):
        build_pack(extract, PackOptions(months=3, measures=MEASURES, end="2024-09-30", extract_date="2024-08-31"))


@pytest.mark.parametrize("bad", ["soon", "2024", 20240831, "tomorrow"])
def test_an_extract_date_that_cannot_be_is_refused(bad):
    if bad == "tomorrow":          # an extract cannot be complete to a day still to come
        bad = (pd.Timestamp.today().normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    with pytest.raises(ValidationError, match="extract_date"):
        PackOptions(extract_date=bad)


def test_an_extract_date_after_the_recorded_end_of_the_data_is_refused(extract):
    dated = extract.replace()
    dated.meta["end_date"] = pd.Timestamp("2024-08-30")
    with pytest.raises(ValidationError, match="end_date"):
        build_pack(dated, PackOptions(months=3, measures=MEASURES, extract_date="2024-09-30"))


def test_an_extract_date_far_after_every_event_is_refused(extract):
    with pytest.raises(ValidationError, match="no event"):
        build_pack(extract, PackOptions(months=3, measures=MEASURES, extract_date="2025-03-31"))


def test_extract_end_says_how_it_was_found(extract):
    assert extract_end(extract, None).how == "latest event"
    assert extract_end(extract, "2024-08-31").how == "stated"
    assert extract_end(extract, "2024-08-31").day == pd.Timestamp("2024-08-31")


def test_run_json_records_the_extract_end(extract, tmp_path):
    run = write_pack(extract, tmp_path, options=PackOptions(months=3, measures=MEASURES, extract_date="2024-08-31"))
    record = json.loads((run / "run.json").read_text())
    assert record["window"]["extract_end"] == "2024-08-31" and record["window"]["extract_end_from"] == "stated"
