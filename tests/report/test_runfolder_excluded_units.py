"""run.json's exclusions: counts of records of people or cases (``rows``, ``families``) of
1..threshold are hidden; counts of calendar periods or of series are no statistic about people
and are shown as they are."""
from __future__ import annotations

import json

import pandas as pd

from earlyhelp.report.runfolder import RunFolder
from earlyhelp.results import Excluded


def test_periods_and_series_are_shown_rows_and_families_hidden(tmp_path):
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("t", pd.DataFrame({"locality": ["A", "B"], "families": [30, 40]}))
        folder.record("forecast", inputs={"sha256": "x"}, digest="d",
                      excluded=[Excluded("series", "period 2022-04-01 dropped (partial)", 1, unit="periods",
                                         step="series"),
                                Excluded("series", "too short", 2, unit="series", step="forecast"),
                                Excluded("requests", "no date", 3, step="series"),
                                Excluded("episodes", "no family", 4, unit="families")])
    record = json.loads((tmp_path / "r" / "run.json").read_text())
    shown = [{k: v for k, v in r.items() if k in ("rows", "families", "periods", "series")}
             for r in record["excluded"]]
    assert shown == [{"periods": 1}, {"series": 2}, {"rows": "c"}, {"families": "c"}]
