"""``--code-map FILE`` replaces the config's whole ``[code_map]`` (its file, its inline tables and
``[code_map.ssd]``), as every command's help says: an analyst who corrects a mapping with the
option gets the option's mapping, not silently the config's old one."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import make_frames
from click.testing import CliRunner

from earlyhelp import Dataset
from earlyhelp.cli.config import SourceConfig, load_config, with_code_map_option
from earlyhelp.cli.main import _load, cli
from earlyhelp.data import write_dataset

CONFIG = """[run]
output = "runs"
[source]
kind = "folder"
path = "data"
[code_map.episodes.end_reason]
outcomes_met = "disengaged"
"""


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("codes")
    write_dataset(Dataset.from_frames(**make_frames(seed=4, months=24, base=6.0)), root / "data", format="csv")
    (root / "c.toml").write_text(CONFIG)
    (root / "codes.toml").write_text('[episodes.end_reason]\noutcomes_met = "step_down_universal"\n')
    return root


def _end_reasons(ds) -> dict:
    counts = ds.episodes["end_reason"].value_counts()
    return counts[counts > 0].to_dict()


def _mapped(ds) -> dict:
    """The load report's mapped values (``"LOCAL -> earlyhelp": rows``)."""
    from earlyhelp.data.load_report import as_record

    return {k: v for m in as_record(ds.meta["load_report"])["mapped"] for k, v in m["values"].items()}


def test_the_option_replaces_the_configs_inline_codes(council):
    as_configured = _end_reasons(_load(str(council / "c.toml"), None, None, None)[0])
    with_option = _end_reasons(_load(str(council / "c.toml"), None, None, None, str(council / "codes.toml"))[0])
    assert "step_down_universal" not in as_configured and as_configured.get("disengaged", 0) > 0
    # every outcomes_met maps as the option's file says; none as the config's inline table did
    assert with_option["step_down_universal"] > 0
    assert with_option.get("disengaged", 0) == as_configured["disengaged"] - with_option["step_down_universal"]


def test_the_load_report_names_the_options_mapping(council):
    ds = _load(str(council / "c.toml"), None, None, None, str(council / "codes.toml"))[0]
    assert set(_mapped(ds)) == {"OUTCOMES_MET -> step_down_universal"}
    result = CliRunner().invoke(cli, ["validate", "--config", str(council / "c.toml"), "--code-map",
                                      str(council / "codes.toml")])
    assert result.exit_code == 0, result.output


def test_with_code_map_option_clears_every_part_of_the_configs_map(council):
    source = load_config(council / "c.toml").source
    assert source.code_map
    replaced = with_code_map_option(source, str(council / "codes.toml"))
    assert replaced.code_map == {} and replaced.ssd == {}
    assert replaced.code_map_file == str((council / "codes.toml").resolve())
    assert with_code_map_option(source, None) is source
    assert with_code_map_option(SourceConfig(kind="synthetic"), None).kind == "synthetic"


def test_every_help_says_the_option_replaces_the_configs_map():
    for command in ("validate", "forecast", "score", "network", "report", "flow"):
        text = " ".join(CliRunner().invoke(cli, [command, "--help"]).output.split())
        assert "Replaces the config's whole [code_map]" in text, command
        assert "Overrides the config's [code_map]" not in text, command
