"""``earlyhelp report`` names what its pack was computed from: the custom measures' definitions
(not only their file's name) in its digest, and ``--code-map`` read in place of the config's whole
code map, as ``forecast``, ``score`` and ``network`` read it."""
from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.main import _load, cli
from earlyhelp.data import write_dataset
from earlyhelp.sources import content_hash

SYNTHETIC = '[source]\nkind = "synthetic"\npreset = "coventry"\nyears = 2\nscale = 0.05\nseed = 1\n'
MEASURE = ('[[measures]]\nid = "short_episodes_report_test"\ntitle = "Short episodes"\nsource = "episodes"\n'
           'date = "end_date"\nkind = "proportion"\nnumerator = "closed and duration_days <= {days}"\n'
           'denominator = "closed"\n')


def _report(config: Path, output: Path, *extra: str) -> dict:
    result = CliRunner().invoke(cli, ["-q", "report", "--config", str(config), "--output", str(output), *extra])
    assert result.exit_code == 0, result.output
    return json.loads((Path(result.stdout.strip().splitlines()[-1]) / "run.json").read_text())


def test_the_digest_covers_the_custom_measures_definitions(tmp_path):
    config = tmp_path / "r.toml"
    config.write_text(f'[run]\nname = "r"\noutput = "runs"\n{SYNTHETIC}[report]\nmonths = 6\n'
                      'measures = ["requests", "short_episodes_report_test"]\ncustom_measures = "m.toml"\n')
    records = []
    for days in (84, 120):        # one file name, two definitions
        (tmp_path / "m.toml").write_text(MEASURE.format(days=days))
        records.append(_report(config, tmp_path / f"runs{days}"))
    assert records[0]["run_digest"] != records[1]["run_digest"]
    assert records[0]["config"]["report"]["custom_measures_sha256"] != \
        records[1]["config"]["report"]["custom_measures_sha256"]


def test_the_code_map_option_replaces_the_configs_map(tmp_path):
    write_dataset(Dataset.from_frames(**make_frames(seed=4, months=24, base=6.0)), tmp_path / "data", format="csv")
    config = tmp_path / "r.toml"
    config.write_text('[run]\nname = "r"\noutput = "runs"\n[source]\nkind = "folder"\npath = "data"\n'
                      '[code_map.episodes.end_reason]\noutcomes_met = "disengaged"\n[report]\nmonths = 6\n'
                      'measures = ["requests", "episodes_closed"]\n')
    (tmp_path / "codes.toml").write_text('[episodes.end_reason]\noutcomes_met = "step_down_universal"\n')
    record = _report(config, tmp_path / "runs", "--code-map", str(tmp_path / "codes.toml"))
    # the data as validate, forecast, score and network read them with the option
    expected = content_hash(_load(str(config), None, None, None, str(tmp_path / "codes.toml"))[0])
    configured = content_hash(_load(str(config), None, None, None)[0])
    assert expected["sha256"] != configured["sha256"]
    assert record["inputs"]["sha256"] == expected["sha256"]
