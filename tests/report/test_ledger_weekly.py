"""A weekly demand forecast reads the weekly forecasts already in its output folder, as a monthly
one reads the packs and monthly forecasts: a week an earlier run hid stays hidden, one it showed is
known. Before, weekly runs were passed over: a second weekly run with a threshold of 3 showed 154
counts of 4 and 5 that the first (threshold 5) had hidden. Weeks still meet no month."""
from __future__ import annotations

import json

import pandas as pd

from earlyhelp.cli.forecastrun import earlier_cells, suppressed_history
from earlyhelp.report.ledger import WEEKS, earlier_runs, published_cells, weekly

COUNCIL = "Coventry"
WEEKS_DS = pd.date_range("2024-06-03", periods=4, freq="W-MON")
#: locality id -> name; the council's series is ``requests/E08000026``
PLACES = {"L1": "North", "L2": "South"}


class _Names:
    """The series' council and locality names, as earlyhelp.data.names gives them."""

    def series_columns(self, uids):
        uids = [str(u) for u in uids]
        return pd.DataFrame({"council": [COUNCIL] * len(uids),
                             "locality": [PLACES.get(u.split("/")[-1], "") for u in uids]}, dtype=object)


def _history(weeks=WEEKS_DS):
    """Weekly counts: two localities and the council, their sum."""
    north, south = [4, 12, 3, 20], [15, 5, 18, 2]
    rows = []
    for k, ds in enumerate(weeks):
        rows += [("requests/E08000026/L1", ds, north[k % 4]), ("requests/E08000026/L2", ds, south[k % 4]),
                 ("requests/E08000026", ds, north[k % 4] + south[k % 4])]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).astype({"y": float})


def _write_run(output, name, history, threshold):
    """A forecast's run folder as the forecast run writes it: observed.csv (hidden counts "c") and run.json."""
    shown = suppressed_history(history, threshold)
    places = _Names().series_columns(shown["unique_id"])
    table = pd.DataFrame({"unique_id": shown["unique_id"], "council": places["council"],
                          "locality": places["locality"], "ds": pd.to_datetime(shown["ds"]).dt.strftime("%Y-%m-%d"),
                          "y": [("c" if h else str(int(v))) for v, h in zip(shown["y"], shown["y_status"] == "c")]})
    run = output / name
    run.mkdir(parents=True)
    table.to_csv(run / "observed.csv", index=False)
    (run / "run.json").write_text(json.dumps({"command": "forecast", "run_id": name}), encoding="utf-8")
    return table


def test_a_weekly_forecast_is_read_back_by_the_next_weekly_one(tmp_path):
    output = tmp_path / "runs"
    first = _write_run(output, "run1", _history(), threshold=5)
    assert (first["y"] == "c").sum() >= 3          # 4 and 3 hidden, and another beside each
    # a pack (months) passes over weekly runs as before; a weekly run reads them, week by week
    assert earlier_runs(output, COUNCIL) == []
    (cells, years), = earlier_runs(output, COUNCIL, weeks=True)
    assert set(cells["span"]) == {WEEKS} and years.empty
    assert set(cells["period"]) == {d.strftime("%Y-%m-%d") for d in WEEKS_DS}
    tables = set(published_cells([(cells, years)])["table"])
    assert tables == {WEEKS}

    # the next weekly run: two more weeks, and a threshold of 3 (4 would be shown)
    history = _history(pd.date_range(WEEKS_DS[0], periods=6, freq="W-MON"))
    known = earlier_cells(output, history, _Names())
    assert known is not None and len(known) == len(history)
    key = first.assign(ds=pd.to_datetime(first["ds"]))
    merged = known.merge(key, on=["unique_id", "ds"], how="left")
    assert (merged["hidden"] == merged["y"].eq("c")).all()
    assert (merged["shown"] == (merged["y"].notna() & merged["y"].ne("c"))).all()
    second = suppressed_history(history, 3, known)
    again = second.merge(key, on=["unique_id", "ds"])
    hid_before = again["y_y"].eq("c")
    assert hid_before.any() and (again.loc[hid_before, "y_status"] == "c").all()
    # before: earlier_cells gave nothing for weeks, and the 4 the first run hid was shown
    alone = suppressed_history(history, 3).merge(key, on=["unique_id", "ds"])
    assert (alone.loc[alone["y_y"].eq("c"), "y_status"] != "c").any()


def test_weeks_meet_no_month():
    months = pd.DataFrame({"unique_id": "requests/E08000026", "y": 3.0,
                           "ds": pd.date_range("2024-01-01", periods=6, freq="MS")})
    assert not weekly(months["unique_id"], months["ds"])
    assert weekly(_history()["unique_id"], _history()["ds"])
    # a week missing from one series is still weekly; days 3 apart, or a time of day, are not weeks
    gappy = _history().drop(index=[3])
    assert weekly(gappy["unique_id"], gappy["ds"])
    days = pd.DataFrame({"unique_id": "x", "ds": pd.date_range("2024-06-03", periods=5, freq="3D")})
    assert not weekly(days["unique_id"], days["ds"])
    noon = pd.DataFrame({"unique_id": "x", "ds": WEEKS_DS + pd.Timedelta(hours=12)})
    assert not weekly(noon["unique_id"], noon["ds"])


def test_a_monthly_run_reads_no_week(tmp_path):
    output = tmp_path / "runs"
    _write_run(output, "run1", _history(), threshold=5)
    months = pd.DataFrame({"unique_id": ["requests/E08000026/L1"] * 3, "y": 4.0,
                           "ds": pd.date_range("2024-06-01", periods=3, freq="MS")})
    assert earlier_cells(output, months, _Names()) is None
