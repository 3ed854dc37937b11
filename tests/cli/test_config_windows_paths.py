"""Paths as council analysts write them in a config: a Windows path in a TOML "double-quoted"
string (where a backslash starts an escape) is refused with a hint to write it in 'single
quotes' or with forward slashes, whether TOML fails on it or reads it as other characters; and
``~`` is the user's home folder, not a folder named ``~`` beside the config."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from earlyhelp import ConfigError
from earlyhelp.cli.config import config_path, load_config
from earlyhelp.cli.main import cli

HINT = "write Windows paths in 'single quotes' or with forward slashes"


@pytest.mark.parametrize("path", [r"C:\Users\analyst\data", r"D:\data\early help", r"C:\new\test",
                                  r"C:\data\fresh"])
def test_a_windows_path_in_double_quotes_gets_a_hint(tmp_path, path):
    config = tmp_path / "w.toml"
    config.write_text('[run]\noutput = "runs"\n[source]\nkind = "folder"\npath = "%s"\n' % path)
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert HINT in " ".join(result.output.split()), result.output


def test_a_windows_path_in_single_quotes_is_read_as_written(tmp_path):
    config = tmp_path / "w.toml"
    config.write_text("[run]\noutput = 'C:\\new\\runs'\n[source]\nkind = \"synthetic\"\n")
    assert load_config(config).output.endswith("C:\\new\\runs")      # no newline, no hint


def test_control_characters_in_run_output_are_refused(tmp_path):
    config = tmp_path / "w.toml"
    config.write_text('[run]\noutput = "D:\\\\x\\tab"\n[source]\nkind = "synthetic"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "run.output" in str(caught.value) and HINT in " ".join(str(caught.value).split())


def test_the_home_folder_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_path(tmp_path / "cfg", "~/eh_runs") == (tmp_path / "home" / "eh_runs").resolve()
    config = tmp_path / "t.toml"
    config.write_text('[run]\noutput = "~/eh_runs"\n[source]\nkind = "synthetic"\n')
    assert Path(load_config(config).output) == (tmp_path / "home" / "eh_runs").resolve()
