"""``earlyhelp flow``'s run.json: ``excluded`` lists what the fit and the read left out, and only
that; spells kept but changed (shortened, moved, resumed) and day counts are in ``fit_report``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import earlyhelp
from earlyhelp.cli.flowrun import _excluded
from earlyhelp.cli.main import cli
from earlyhelp.flow import StockFlow
from earlyhelp.report.suppression import SUPPRESSED

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flow.toml"


@pytest.fixture(scope="module")
def fitted():
    ds = earlyhelp.synthetic.council("coventry", years=4, scale=0.3, seed=3)
    return StockFlow().fit(ds, start="2024-04-01", end="2025-03-31"), ds


def test_only_spells_left_out_are_listed_as_excluded(fitted):
    model, ds = fitted
    report = model.report
    excluded, sections = _excluded(model, ds, threshold=5)
    reasons = {e.reason: e.rows for e in excluded}
    left_out = {k.replace("_", " "): v for k, v in report.items() if k.endswith("_excluded") and v}
    assert reasons == left_out and all(r.endswith(" excluded") for r in reasons)
    # kept (shortened, moved, resumed) or not spells at all: in the fit report, not excluded
    assert report["spells_shortened_by_a_later_spell"] > 5
    assert report["early_help_spells_started_at_the_end_of_a_cin_or_cp_plan"] > 5
    fit = sections["fit_report"]
    kept = fit["kept_or_changed"]
    assert kept["spells_shortened_by_a_later_spell"] == report["spells_shortened_by_a_later_spell"]
    assert kept["early_help_spells_started_at_the_end_of_a_care_spell"] == SUPPRESSED  # 1 spell: small
    assert "transitions_from_an_empty_stock_ignored" in kept and "open_at_the_end_past_max_age" in kept
    assert fit["days"] == {"window_days_before_exits_recorded": report["window_days_before_exits_recorded"]}
    assert fit["entries_recorded_from"] == report["entries_recorded_from"]
    assert not any(k.endswith("_excluded") for k in kept)


def test_the_reads_dropped_rows_are_excluded_its_other_counts_not(fitted):
    model, ds = fitted
    read = {"episodes_without_header_dropped": 7, "episodes_sharing_an_end_date_dropped": 0,
            "overlapping_episodes_truncated": 12, "files": ["2024/episodes.csv"]}
    meta = dict(ds.meta, ssda903_report=read)
    ds = type("WithRead", (), {"meta": meta})()
    excluded, sections = _excluded(model, ds, threshold=5)
    read_rows = [(e.reason, e.rows) for e in excluded if e.step == "read_ssda903"]
    assert read_rows == [("episodes without header dropped", 7)]
    assert sections["ssda903"]["overlapping_episodes_truncated"] == 12


def test_run_json_of_a_run(tmp_path):
    text = EXAMPLE.read_text().replace('output = "runs"', f'output = "{tmp_path / "runs"}"')
    text = text.replace("runs = 500", "runs = 20").replace("months = 36", "months = 6")
    text = text[:text.index("[[goal_seek]]")] + text[text.index("[dask]"):]
    path = tmp_path / "flow.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads((Path(result.output.strip().splitlines()[-1]) / "run.json").read_text())
    assert record["excluded"] and all(e["reason"].endswith(" excluded") for e in record["excluded"])
    kept = record["fit_report"]["kept_or_changed"]
    assert kept["spells_shortened_by_a_later_spell"] not in (0, SUPPRESSED)
    assert "window_days_before_exits_recorded" in record["fit_report"]["days"]
    assert record["parameters"]["short_breaks"] == "exclude"
