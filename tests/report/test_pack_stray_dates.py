"""One stray date must not move the pack into empty months.

A council's own extract (no end date recorded) whose data end on 28 March 2025, with one episode
end date typed 2026-05-10 (before today, so validation passes): the pack's window became 2025-11 to
2026-04 and published six months of zeros, all marked complete, without a word. The extract's end
is now taken as the measures take it (``measures.sources.happened_end``: dates after today, and the
latest dates lying more than 92 days after every other event, at most 1% of them, are recording
errors), the rows left out are counted and named in a warning and in run.json, and a pack whose
last month holds no event at all says so."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import earlyhelp
from earlyhelp.measures import StrayDatesWarning
from earlyhelp.report.pack import EmptyMonthsWarning, PackOptions, build_pack, extract_end, write_pack

MEASURES = ["requests", "episodes_opened", "episodes_closed"]


@pytest.fixture(scope="module")
def strayed():
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    ep = ds.episodes.copy()
    ep.loc[ep.index[ep["end_date"].notna()][0], "end_date"] = pd.Timestamp("2026-05-10")
    out = earlyhelp.Dataset(dict(ds.tables, episodes=ep), meta={})
    out.validate()
    return ds, out


def test_a_stray_date_does_not_move_the_window(strayed):
    ds, folder_like = strayed
    with pytest.warns(StrayDatesWarning, match=r"episodes\.end_date.*2026-05-10"):
        pack = build_pack(folder_like, PackOptions(months=6, measures=MEASURES))
    real_end = earlyhelp.Dataset(dict(ds.tables), meta={}).data_end()      # the latest event of the true data
    whole = real_end if real_end == real_end + pd.offsets.MonthEnd(0) else real_end - pd.offsets.MonthEnd(1)
    assert pack.window["last_month"] == whole.strftime("%Y-%m") and whole.year == 2025
    council = pack.monthly[(pack.monthly["locality"] == "All localities") & (pack.monthly["measure"] == "requests")]
    assert (pd.to_numeric(council["numerator"], errors="coerce").fillna(1) > 0).all()


def test_the_rows_left_out_are_counted(strayed):
    _, folder_like = strayed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        end = extract_end(folder_like, None)
    assert end.after == {"episodes.end_date": 1}
    assert end.day < pd.Timestamp("2025-04-01")


def test_run_json_counts_the_rows_after_the_extract_end(strayed, tmp_path):
    _, folder_like = strayed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = write_pack(folder_like, tmp_path, options=PackOptions(months=6, measures=MEASURES))
    window = json.loads((run / "run.json").read_text())["window"]
    assert window["after_extract_end"] == {"episodes.end_date": "c"}     # a count of 1..5, as the tables show it
    assert window["extract_end_from"] == "latest event, stray dates left out"


def test_the_same_rule_as_the_measures_and_validation(strayed):
    """A date after today is a 'date in the future' to validate() and is left out here too."""
    ds, _ = strayed
    rq = ds.requests.copy()
    rq.loc[rq.index[0], "received_date"] = pd.Timestamp.today().normalize() + pd.Timedelta(days=400)
    future = earlyhelp.Dataset(dict(ds.tables, requests=rq), meta={})
    with pytest.warns(StrayDatesWarning, match="after today"):
        end = extract_end(future, None, warn=True)
    assert end.after == {"requests.received_date": 1}


def test_a_pack_whose_last_months_hold_no_event_says_so(strayed):
    ds, _ = strayed
    last = ds.data_end()
    later = (last + pd.offsets.MonthEnd(2)).strftime("%Y-%m-%d")
    dated = earlyhelp.Dataset(dict(ds.tables), meta={})
    with pytest.warns(EmptyMonthsWarning, match="no event"):
        build_pack(dated, PackOptions(months=6, measures=MEASURES, extract_date=later))
