"""A report config's ``[publish] pseudonymise = true`` reaches the pack's run folder.

``write_pack`` made its publication policy from the threshold alone: the config's pseudonymise
was dropped without a word, and run.json recorded ``pseudonymised: false`` for a run whose
config asked for it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from earlyhelp import ConfigError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "0123456789abcdefghijklmnopqrstuvwxyz"


def _config(tmp_path, pseudonymise: bool) -> Path:
    text = (EXAMPLES / "report.toml").read_text()
    text = text.replace("scale = 1.0", "scale = 0.05").replace("years = 3", "years = 2")
    text = text.replace("months = 24 ", "months = 3 ")
    text = text.replace('# measures = ["requests", "episodes_opened", "closed_within_16_weeks", "rereferrals_12m"]',
                        'measures = ["requests", "episodes_opened"]')
    text = text.replace('output = "runs"', f'output = "{(tmp_path / "runs").as_posix()}"')
    text += f"pseudonymise = {'true' if pseudonymise else 'false'}\n"
    cfg = tmp_path / "report.toml"
    cfg.write_text(text)
    return cfg


@pytest.mark.parametrize("pseudonymise", [True, False])
def test_run_json_records_the_config_s_pseudonymisation(tmp_path, monkeypatch, pseudonymise):
    from earlyhelp.cli.reportrun import run_report

    monkeypatch.setenv("EARLYHELP_PSEUDO_KEY", KEY)
    folder = run_report(str(_config(tmp_path, pseudonymise)))
    record = json.loads((folder / "run.json").read_text())
    assert record["pseudonymised"] is pseudonymise
    assert record["publication"]["policy"]["pseudonymise"] is pseudonymise
    assert record["config"]["publish"]["pseudonymise"] is pseudonymise


def test_pseudonymisation_without_a_key_fails_before_the_pack_is_computed(tmp_path, monkeypatch):
    from earlyhelp.report.pack import write_pack

    monkeypatch.delenv("EARLYHELP_PSEUDO_KEY", raising=False)
    with pytest.raises(ConfigError, match="EARLYHELP_PSEUDO_KEY"):
        write_pack(object(), tmp_path, pseudonymise=True)     # no Dataset is read before the policy
    assert not list(tmp_path.iterdir())
