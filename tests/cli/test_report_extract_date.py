"""``[report] extract_date``: the day a council's extract is complete to, read from the config,
checked before the data are read further, and used by the pack and by the command line's check
of ``report.end`` alike (a month that ends at a weekend, with nothing recorded after Friday, is
published when the extract date says it is whole)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import earlyhelp
from earlyhelp import ConfigError
from earlyhelp.cli.main import cli
from earlyhelp.cli.reportrun import load_report_config

SOURCE = '[source]\nkind = "synthetic"\nyears = 2\nscale = 0.05\n'


def _config(tmp_path: Path, report: str, source: str = SOURCE) -> Path:
    config = tmp_path / "report.toml"
    config.write_text(f'[run]\nname = "r"\noutput = "runs"\n{source}[report]\nmeasures = ["requests"]\n'
                      f'months = 3\n{report}')
    return config


@pytest.mark.parametrize("written", ["2024-08-31", '"2024-08-31"'])
def test_the_config_takes_an_extract_date(tmp_path, written):
    cfg = load_report_config(str(_config(tmp_path, f"extract_date = {written}\n")))
    assert cfg.options.extract_date == "2024-08-31"
    assert cfg.record["report"]["extract_date"] is not None


@pytest.mark.parametrize("written", ['"31/08/2024"', '"soon"', "20240831", '"2999-12-31"'])
def test_an_extract_date_that_is_no_past_day_is_a_config_error(tmp_path, written):
    with pytest.raises(ConfigError, match="report.extract_date"):
        load_report_config(str(_config(tmp_path, f"extract_date = {written}\n")))


def test_an_extract_date_after_the_data_is_refused_with_exit_2(tmp_path):
    # the synthetic council's data end on 2025-03-31 (meta end_date)
    result = CliRunner().invoke(cli, ["report", "--config", str(_config(tmp_path, "extract_date = 2025-04-30\n"))])
    assert result.exit_code == 2, result.output
    assert "report.extract_date" in result.output and "end_date" in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_folder_extract_ending_on_a_friday_publishes_the_month_it_states(tmp_path):
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    cut = ds.snapshot(pd.Timestamp("2024-08-30"))
    folder = tmp_path / "extract"
    earlyhelp.write_dataset(earlyhelp.Dataset(dict(cut.tables), meta={}), folder, format="csv")
    (folder / "earlyhelp_meta.json").unlink()          # a council's own folder: no dates beside the tables
    source = f'[source]\nkind = "folder"\npath = "{folder.as_posix()}"\n'
    result = CliRunner().invoke(cli, ["report", "--config", str(_config(tmp_path, 'end = "2024-08-31"\n', source))])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["report", "--config", str(_config(tmp_path, "extract_date = 2024-08-31\n",
                                                                         source))])
    assert result.exit_code == 0, result.output
    runs = sorted((tmp_path / "runs").iterdir())
    windows = [json.loads((r / "run.json").read_text())["window"] for r in runs]
    assert [w["last_month"] for w in windows] == ["2024-08", "2024-08"]
    assert sorted(w["extract_end_from"] for w in windows) == ["report.end", "stated"]
