"""``earlyhelp flow`` on an SSDA903 return: run.json says what the read left out or changed as
counts through the gate, and never names a child."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from earlyhelp.cli.main import cli
from earlyhelp.report.suppression import SUPPRESSED

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flow"))
from _ssda903 import random_return, write_years  # noqa: E402

ORPHAN = "977001"    # an episode whose child has no header row
ETHNIC = "100003"    # a child whose ethnicity differs between the years


def _return(folder: Path) -> Path:
    ret = random_return(np.random.default_rng(4), children=300, start="2018-04-01", end="2021-03-31")
    hd, ep = ret["header"], ret["episodes"]
    first = ep.groupby("CHILD")["DECOM"].min()
    hd["DOB"] = np.minimum(hd["DOB"], hd["CHILD"].map(first) - pd.Timedelta(days=1))  # born before care
    write_years(folder, ret, [2020, 2021])
    for year, ethnic in ((2020, "WBRI"), (2021, "ABAN")):
        path = folder / str(year) / "header.csv"
        h = pd.read_csv(path, dtype=str, keep_default_na=False)
        h.loc[h["CHILD"] == ETHNIC, "ETHNIC"] = ethnic
        h.to_csv(path, index=False)
    episodes = folder / "2021" / "episodes.csv"
    e = pd.read_csv(episodes, dtype=str, keep_default_na=False)
    orphan = e.iloc[[0]].assign(CHILD=ORPHAN)
    pd.concat([e, orphan]).to_csv(episodes, index=False)
    return folder


def test_run_json_counts_the_read_without_naming_children(tmp_path):
    data = _return(tmp_path / "return")
    config = tmp_path / "flow.toml"
    config.write_text(f'[run]\nname = "ssda"\noutput = "{tmp_path / "runs"}"\n'
                      f'[source]\nkind = "ssda903"\npath = "{data}"\n'
                      '[model]\ncategories = "cs-demand-model"\nmonths = 6\nruns = 20\n'
                      '[publish]\nsuppression_threshold = 5\n')
    result = CliRunner().invoke(cli, ["flow", "--config", str(config)])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    text = (folder / "run.json").read_text()
    read = json.loads(text)["ssda903"]
    for child in (ORPHAN, ETHNIC):
        assert child not in text
    # one orphan episode and one child whose ethnicity changed: counts of 1, suppressed
    assert read["episodes_without_header_dropped"] == read["ethnic_differs_between_years"] == SUPPRESSED
    assert read["years"] == [2020, 2021]


def test_a_code_map_maps_the_councils_placement_codes(tmp_path):
    data = _return(tmp_path / "return")
    for year in (2020, 2021):
        episodes = data / str(year) / "episodes.csv"
        e = pd.read_csv(episodes, dtype=str, keep_default_na=False)
        e.loc[e["PLACE"] == "U4", "PLACE"] = "Z4"   # the council's own code for a foster placement
        e.to_csv(episodes, index=False)
    config = tmp_path / "flow.toml"
    base = (f'[run]\nname = "ssda"\noutput = "{tmp_path / "runs"}"\n'
            f'[source]\nkind = "ssda903"\npath = "{data}"\n'
            '[model]\ncategories = "cs-demand-model"\nmonths = 6\nruns = 20\n')
    config.write_text(base)
    refused = CliRunner().invoke(cli, ["flow", "--config", str(config)])
    assert refused.exit_code == 2 and "Z4" in refused.output and "unknown" in refused.output
    config.write_text(base + '[code_map.cla_episodes.placement]\nZ4 = "U4"\n')
    result = CliRunner().invoke(cli, ["flow", "--config", str(config)])
    assert result.exit_code == 0, result.output
