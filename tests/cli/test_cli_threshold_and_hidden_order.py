"""Reviewed cases of the commands: a flow config's publish threshold holds for network and score,
and rows sorted by a figure with hidden cells are published in the order of their labels."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from earlyhelp.cli.main import cli
from earlyhelp.report.publish import PublishPolicy, publish
from earlyhelp.report.suppression import SUPPRESSED


def test_network_from_a_flow_config_publishes_with_its_threshold(tmp_path):
    config = tmp_path / "flow.toml"
    config.write_text('[source]\nkind = "synthetic"\nyears = 2\nscale = 0.05\nseed = 3\n'
                      '[model]\ncategories = "continuum"\n[publish]\nsuppression_threshold = 10\n')
    result = CliRunner().invoke(cli, ["network", "--config", str(config), "--out", str(tmp_path / "net"),
                                      "--no-allocate"])
    assert result.exit_code == 0, result.output
    run = json.loads(next((tmp_path / "net").glob("*/run.json")).read_text())
    assert run["publication"]["policy"]["suppression_threshold"] == 10
    caseloads = pd.read_csv(next((tmp_path / "net").glob("*/caseloads.csv")), dtype=str)
    shown = pd.to_numeric(caseloads["open_families"], errors="coerce").dropna()
    assert not shown.between(1, 10).any()


def test_rows_sorted_by_a_figure_with_hidden_cells_are_published_by_their_labels():
    # practitioners by utilisation: a hidden caseload's place bounds its utilisation, and with the
    # capacity (published elsewhere) gives the caseload away
    rng = np.random.default_rng(0)
    capacity = rng.integers(6, 15, 40)
    families = rng.integers(1, 20, 40)
    frame = pd.DataFrame({"practitioner_id": [f"W{i:03d}" for i in range(40)], "open_families": families,
                          "utilisation": families / capacity}).sort_values("utilisation", ascending=False)
    out = publish(frame, PublishPolicy(threshold=5), derived={"utilisation": ["open_families"]})
    assert (out.text["open_families"] == SUPPRESSED).any()
    assert out.text["practitioner_id"].tolist() == sorted(frame["practitioner_id"])
    assert "practitioner_id" in out.record["rows_reordered"]
    # a table in the order of its labels, or with nothing hidden inside a sorted run, keeps its order
    kept = publish(frame.sort_values("practitioner_id"), PublishPolicy(threshold=5),
                   derived={"utilisation": ["open_families"]})
    assert "rows_reordered" not in kept.record
    big = frame.assign(open_families=frame["open_families"] + 10)
    assert publish(big, PublishPolicy(threshold=5)).text["practitioner_id"].tolist() == \
        big["practitioner_id"].tolist()


def test_synth_refuses_a_seed_out_of_range_and_a_missing_sqlite_folder_before_generating(tmp_path):
    for seed in ("-5", str(2 ** 64)):
        result = CliRunner().invoke(cli, ["synth", "--seed", seed, "--scale", "0.01", "--years", "1",
                                          "--out", str(tmp_path / "out")])
        assert result.exit_code == 2 and "--seed" in result.output
    result = CliRunner().invoke(cli, ["synth", "--scale", "0.01", "--years", "1",
                                      "--sql", f"sqlite:///{tmp_path / 'missing' / 'x.db'}"])
    assert result.exit_code == 2 and "--sql" in result.output and "folder does not exist" in result.output


def test_a_config_saved_in_windows_1252_is_named_not_a_crash(tmp_path):
    config = tmp_path / "forecast.toml"
    config.write_bytes('[run]\nname = "Zoë"\n'.encode("cp1252"))
    result = CliRunner().invoke(cli, ["forecast", "--config", str(config)])
    assert result.exit_code == 2 and "not UTF-8 text (line 2)" in result.output
