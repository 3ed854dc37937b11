"""``earlyhelp report --config examples/report.toml``: the pack is written, opens in a headless
browser without errors (screenshots of every page), the workbook opens, nothing small is published,
and bad configs exit 2 with the valid choices."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run_cli
from test_forecast_run import _launch, example_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def pack_run(tmp_path_factory) -> Path:
    return example_run("report", "report.toml", tmp_path_factory.mktemp("report_runs"))


def test_pack_files_and_run_json(pack_run):
    for name in ("measures_monthly", "measures_localities_12m", "summary", "catalogue"):
        assert len(pd.read_parquet(pack_run / f"{name}.parquet")) > 0, name
        assert (pack_run / f"{name}.csv").stat().st_size > 0
    record = json.loads((pack_run / "run.json").read_text())
    assert record["command"] == "report"
    assert set(record["files"]) == {p.name for p in pack_run.iterdir() if p.name != "run.json"}
    assert len(record["measures"]) >= 25 and record["blocked"] == {} and record["assumed"] == {}
    assert record["suppression"]["threshold"] == 5


def test_what_the_measures_assumed_is_said_in_run_json_and_on_the_dashboard(tmp_path):
    import earlyhelp
    from earlyhelp.report.pack import PackOptions, write_pack

    council = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=1)
    prac = council.practitioners.copy()
    prac.loc[prac.index[:3], "fte"] = float("nan")
    folder = write_pack(council.replace(practitioners=prac), tmp_path,
                        options=PackOptions(measures=["caseload_per_practitioner", "requests"], months=6))
    record = json.loads((folder / "run.json").read_text())
    assert record["assumed"]["practitioners.fte"].startswith("3 practitioners with no FTE recorded count as 0 FTE")
    assert "3 practitioners with no FTE recorded" in (folder / "dashboard.html").read_text()


def test_no_small_numbers_published(pack_run):
    monthly = pd.read_csv(pack_run / "measures_monthly.csv", dtype=str)
    kinds = pd.read_csv(pack_run / "catalogue.csv").set_index("id")["kind"]
    counts_of_families = monthly[monthly["measure"].map(kinds) != "ratio"]   # ratio denominators are FTE, teams
    for col in ("numerator", "denominator"):
        values = counts_of_families[col]
        shown = pd.to_numeric(values.where(values != "c"), errors="coerce").dropna()
        whole = shown[(shown % 1 == 0)]
        assert not ((whole >= 1) & (whole <= 5)).any(), col
    assert (monthly["numerator"] == "c").any()          # a council of 8 localities has small monthly cells
    hidden = monthly["numerator"] == "c"
    assert (monthly.loc[hidden, "value"] == "c").all() and (monthly.loc[hidden, "hi"] == "c").all()
    # names, not codes
    assert "South hub 1" in set(monthly["locality"]) and not monthly["locality"].str.match(r"^L\d+$").any()


def test_workbook_carries_no_clock_time(pack_run):
    """The same pack twice is the same bytes: the document's created time is pinned (it was the
    wall clock, so measures.xlsx and its digest in run.json changed on every run)."""
    import zipfile

    core = zipfile.ZipFile(pack_run / "measures.xlsx").read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core and core.count("1980-01-01") >= 2  # created and modified


def test_workbook_opens_with_one_sheet_per_measure(pack_run):
    from openpyxl import load_workbook

    wb = load_workbook(pack_run / "measures.xlsx", read_only=True)
    record = json.loads((pack_run / "run.json").read_text())
    assert wb.sheetnames[:2] == ["Contents", "Summary"]
    assert set(record["measures"]) <= set(wb.sheetnames)
    ws = wb["closed_within_16_weeks"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("period", "locality", "numerator", "denominator", "value")
    assert len(rows) > 24
    assert all(isinstance(r[4], (float, int)) or r[4] in ("c", None) for r in rows[1:])
    wb.close()


def test_dashboard_in_a_headless_browser(pack_run, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    page_file = pack_run / "dashboard.html"
    text = page_file.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text           # works offline
    shots = []
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors, failed = [], []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            buttons = page.eval_on_selector_all("nav button", "els => els.map(e => e.textContent)")
            for i, label in enumerate(buttons):
                page.click(f"nav button >> nth={i}")
                visible = page.eval_on_selector_all("section.page.on", "els => els.map(e => e.id)")
                assert len(visible) == 1
                charts = page.eval_on_selector_all("section.page.on svg", "els => els.length")
                tiles = page.eval_on_selector_all("section.page.on .tile", "els => els.length")
                legend = page.eval_on_selector_all("section.page.on .legend", "els => els.map(e => e.textContent)")
                shot = tmp_path / f"page_{i}.png"
                page.screenshot(path=str(shot), full_page=True)
                shots.append((label, charts, tiles, legend, shot.stat().st_size))
        finally:
            browser.close()
    assert not errors and not failed
    assert [b for b, *_ in shots][:5] == ["Front door", "Episodes and timeliness", "Outcomes", "Partnership",
                                          "Localities"]
    for label, charts, tiles, legend, size in shots:
        assert legend and "c = a small number" in legend[0], label
        assert size > 10_000, label                                     # something was drawn
    front = shots[0]
    assert front[2] >= 4 and front[1] >= 8                              # tiles with icons, charts


def test_bad_configs_exit_2_with_the_valid_choices(tmp_path):
    base = (EXAMPLES / "report.toml").read_text()
    cases = {
        "measures = [\"requests\", \"no_such_measure\"]": "valid measures: requests",
        "period = \"week\"": "valid periods: month",
        "by = [\"colour\"]": "valid dimensions: locality",
    }
    for line, expected in cases.items():
        cfg = tmp_path / "bad.toml"
        cfg.write_text(base.replace("[report]\n", f"[report]\n{line}\n"))
        result = run_cli("report", "--config", str(cfg), "--output", str(tmp_path / "out"))
        assert result.returncode == 2, (line, result.stderr)
        assert expected in result.stderr, (line, result.stderr)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
