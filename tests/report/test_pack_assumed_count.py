"""The pack's note of what the measures assumed hides a small count of requests, as the tables do.

run.json's ``assumed`` and the dashboard's About page said "2 requests with no number of children
recorded count as 1 child": a count of cases from 1 to the threshold, in words, in the same
run.json that shows a table of 3 rows as ``c``.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from earlyhelp.report.pack import PackOptions, write_pack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "measures"))
from measures_council import tiny_council  # noqa: E402

NOTE = "requests with no number of children recorded count as 1 child"


def _pack(tmp_path, missing):
    ds = tiny_council()
    rq = ds.requests.copy()
    rq["children"] = rq["children"].astype("Int64")
    rq.loc[rq.index[:missing], "children"] = pd.NA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folder = write_pack(ds.replace(requests=rq), tmp_path, options=PackOptions(
            months=3, end="2024-06-30", measures=["requests", "children_referred"]))
    return json.loads((folder / "run.json").read_text()), (folder / "dashboard.html").read_text()


@pytest.mark.parametrize("missing", [1, 2, 5])
def test_a_small_count_of_requests_assumed_is_hidden(tmp_path, missing):
    record, dashboard = _pack(tmp_path, missing)
    assert record["assumed"]["requests.children"].startswith(f"c {NOTE}")
    assert f"c {NOTE}" in dashboard
    assert f"{missing} {NOTE}" not in json.dumps(record) and f"{missing} {NOTE}" not in dashboard


def test_a_count_above_the_threshold_is_said(tmp_path):
    record, dashboard = _pack(tmp_path, 7)
    assert record["assumed"]["requests.children"].startswith(f"7 {NOTE}")
    assert f"7 {NOTE}" in dashboard
