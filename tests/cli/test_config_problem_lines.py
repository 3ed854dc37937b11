"""Config problems name the file, the key's line in it, then the key:
``monthly.toml, line 3: run.outptu: ...`` (never ``monthly.toml.run.outptu``, which reads as a
dotted key)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from earlyhelp import ConfigError
from earlyhelp._tomlfile import ConfigProblem, key_line, located
from earlyhelp._errors import Problem
from earlyhelp.cli.config import load_config
from earlyhelp.cli.main import cli

TYPO = """[run]
name = "x"
outptu = "runs"

[source]
kind = "synthetic"
seed = -3

[forecast]
horizn = 3
models = [
  "SeasonalNaive",
]
levels = [80.5]
backtest_windows = "3"

[capacity]
caseload_per_fte = 12

[publsh]
suppression_threshold = 5
"""


def test_the_forecast_command_names_file_key_and_line(tmp_path):
    config = tmp_path / "monthly.toml"
    config.write_text(TYPO)
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 2, result.output
    out = result.output
    assert "monthly.toml.run" not in out and "monthly.toml.forecast" not in out
    for expected in ("monthly.toml, line 3: run.outptu: unknown key",
                     "monthly.toml, line 7: source.seed: must be at least 0",
                     "monthly.toml, line 10: forecast.horizn: unknown key",
                     "monthly.toml, line 14: forecast.levels: must be a list of whole numbers",
                     "monthly.toml, line 15: forecast.backtest_windows: must be a whole number",
                     "monthly.toml, line 20: publsh: unknown key"):
        assert expected in out, (expected, out)


def test_a_key_not_written_has_no_line(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[source]\nkind = "folder"\n')
    with pytest.raises(ConfigError) as info:
        load_config(config)
    (problem,) = info.value.problems
    assert isinstance(problem, ConfigProblem) and problem.line is None
    assert str(problem).startswith(f"{config}: source.path: missing")


def test_flow_config_keys_inside_arrays_of_tables_and_inline_tables(tmp_path):
    config = tmp_path / "flow.toml"
    config.write_text('[source]\nkind = "synthetic"\n\n[model]\nrunz = 3\n\n'
                      '[[scenarios]]\nname = "a"\n\n[[scenarios]]\nname = "a"\nchanges = [\n'
                      '  { target = ["cin", "out"], kind = "multiplyy", value = 1 },\n]\n')
    result = CliRunner().invoke(cli, ["flow", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "flow.toml, line 5: model.runz: unknown key" in result.output
    assert "flow.toml, line 11: scenarios[1].name:" in result.output          # the second [[scenarios]]
    assert "flow.toml, line 12: scenarios[1].changes[0].kind:" in result.output   # the line holding the array


LINES = """# a comment: [run] outptu = 1
[run]
name = "x"
note = \"\"\"
outptu = "inside a string"
\"\"\"
models = [
  ["not", "a header"],
]
outptu = "runs"

[capacity.scenarios]
busier = { demand_multiplier = -1 }

[source.code_map.episode.end_reason]
"A B" = "c"

[ "quoted" . 'part' ]
k = 1
""".splitlines()


@pytest.mark.parametrize("key, line", [
    ("run.outptu", 10),                                   # not the comment, the string or the array
    ("run", 2),
    ("capacity.scenarios.busier.demand_multiplier", 13),  # inside an inline table: its key's line
    ("capacity.scenarios", 12),
    ("source.code_map.episode", 15),                      # written as part of a header
    ("quoted.part.k", 19),
    ("run.output", None),                                 # not written
    ("source", 15),
])
def test_key_line(key, line):
    assert key_line(LINES, key) == line


def test_located_keeps_other_problems_and_formats_table_problems(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[run]\nname = 3\n")
    data = Problem("requests", "received_date", "no date")
    whole = Problem(str(config), None, "not valid TOML")
    keyed = Problem(str(config), "run.name", "must be a non-empty string", value=3)
    out = located([data, whole, keyed], config)
    assert out[0] is data and str(out[0]) == "requests.received_date: no date"
    assert str(out[1]) == f"{config}: not valid TOML"
    assert str(out[2]) == f"{config}, line 2: run.name: must be a non-empty string [value: 3]"
