"""The CLI shows the fix for bad data in the config file's words (TOML), not as Python."""
from __future__ import annotations

import sys

import pandas as pd
from click.testing import CliRunner

from earlyhelp import Dataset, write_dataset
from earlyhelp.cli.main import cli

from cli_helpers import make_frames

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_unknown_codes_show_a_code_map_table_to_paste(tmp_path):
    folder = tmp_path / "data"
    write_dataset(Dataset.from_frames(**make_frames(seed=3, months=30, base=6.0)), folder, format="csv")
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str)
    closed = episodes["end_reason"].notna()
    episodes.loc[closed[closed].index[:3], "end_reason"] = "CLOSED - ACHIEVED"
    episodes.to_csv(folder / "episodes.csv", index=False)
    (folder / "agencies.csv").write_text("agency_id,name\nA1,x,y\n")           # ragged: still one pass
    config = tmp_path / "c.toml"
    config.write_text(f'[run]\noutput = "{(tmp_path / "runs").as_posix()}"\n'
                      f'[source]\nkind = "folder"\npath = "{folder.as_posix()}"\n')

    for args in (["validate", "--data", str(folder)], ["forecast", "--config", str(config), "--dry-run"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        err = result.output  # stderr is part of it with every click version
        assert "agencies.csv" in err and "episodes.end_reason" in err
        assert "code_map={" not in err and "unknown_codes=" not in err and "as_of=" not in err
        lines = err.splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip() == "[source.code_map.episodes.end_reason]")
        snippet = "\n".join(line.strip() for line in lines[start:start + 2])
        assert tomllib.loads(snippet) == {"source": {"code_map": {"episodes": {"end_reason": {
            "CLOSED - ACHIEVED": "?"}}}}}
