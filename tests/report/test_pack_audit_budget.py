"""The pack's suppression audit works to a budget of linear and integer programmes, not seconds:
the same data and options publish the same tables however loaded the machine, the budget is part
of the run digest, and run.json says how much of it was used and what was left."""
from __future__ import annotations

import itertools
import json
import time

import pandas as pd
import pytest

from earlyhelp import ConfigError, synthetic
from earlyhelp.report.pack import PackOptions, build_pack, tidy_tables, write_pack
from earlyhelp.report.suppression import DEFAULT_AUDIT_BUDGET

MEASURES = ["requests", "episodes_opened", "episodes_open", "episodes_closed", "closed_within_16_weeks"]


@pytest.fixture(scope="module")
def council():
    """The council of the review that found the pack's tables changing with the machine's load
    (``earlyhelp synth --years 3 --scale 0.05 --seed 1``): its linked hidden cells hold long
    stretches of zeros."""
    return synthetic.council("coventry", years=3, scale=0.05, seed=1)


def _slow_clock(monkeypatch) -> None:
    """A machine so loaded that every look at the clock finds 1,000 s more gone."""
    ticks = itertools.count(1)
    real_monotonic, real_perf = time.monotonic, time.perf_counter
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 1000.0 * next(ticks))
    monkeypatch.setattr(time, "perf_counter", lambda: real_perf() + 1000.0 * next(ticks))


@pytest.mark.exhaustive
def test_a_slow_machine_publishes_the_same_pack(council, monkeypatch):
    """Timed (300 s per table), the audit of this council ran out on a loaded machine and not on an
    idle one, and the two published different tables under one digest. It also took 300 s: each
    round covered one pinned hidden 0 and audited the whole linked table again (9,750 programmes);
    now a round proves only what is still in doubt."""
    idle = build_pack(council, PackOptions(months=12))
    with monkeypatch.context() as m:
        _slow_clock(m)
        slow = build_pack(council, PackOptions(months=12))
    slow_tables = tidy_tables(slow)
    for name, frame in tidy_tables(idle).items():
        pd.testing.assert_frame_equal(frame, slow_tables[name], obj=name)
    assert idle.not_audited == slow.not_audited == []
    assert idle.audit == slow.audit
    assert not idle.audit["exhausted"] and 0 < idle.audit["used"] < 2000, idle.audit


def test_the_budget_is_in_the_digest_and_run_json_says_what_was_used(council, tmp_path):
    full = write_pack(council, tmp_path / "a", options=PackOptions(months=12, measures=MEASURES))
    with pytest.warns(UserWarning, match=r"report.audit_budget = 0 .*used up"):
        none = write_pack(council, tmp_path / "b", options=PackOptions(months=12, measures=MEASURES, audit_budget=0))
    record = json.loads((full / "run.json").read_text())
    audit = record["suppression"]["audit"]
    assert audit["budget"] == DEFAULT_AUDIT_BUDGET and 0 < audit["used"] and not audit["exhausted"]
    assert audit["left"] == DEFAULT_AUDIT_BUDGET - audit["used"] and audit["fallback_hidden"] == 0
    cut = json.loads((none / "run.json").read_text())
    assert cut["suppression"]["audit"] == {"budget": 0, "used": 0, "left": 0, "exhausted": True,
                                           "fallback_hidden": cut["suppression"]["audit"]["fallback_hidden"],
                                           "largest_group": 0}
    assert cut["suppression"]["audit"]["fallback_hidden"] > 0
    # nothing was published before: every cell the audit could not reach is hidden, none left unproven
    assert cut["suppression"]["not_audited"] == []
    assert record["run_digest"] != cut["run_digest"]
    shown = pd.read_csv(full / "measures_monthly.csv", dtype=str)
    hidden_more = pd.read_csv(none / "measures_monthly.csv", dtype=str)
    assert (hidden_more["numerator"] == "c").sum() > (shown["numerator"] == "c").sum()
    assert ((shown["numerator"] == "c") <= (hidden_more["numerator"] == "c")).all()


def _report_config(tmp_path, report: str):
    config = tmp_path / "report.toml"
    config.write_text('[run]\nname = "r"\noutput = "runs"\n[source]\nkind = "synthetic"\nyears = 2\n'
                      f'scale = 0.1\n{report}')
    return str(config)


def test_the_report_config_sets_the_budget(tmp_path):
    from earlyhelp.cli.reportrun import load_report_config

    assert load_report_config(_report_config(tmp_path, "")).options.audit_budget == DEFAULT_AUDIT_BUDGET
    assert load_report_config(_report_config(tmp_path, "[report]\naudit_budget = 500\n")).options.audit_budget == 500


@pytest.mark.parametrize("report, key, words", [
    ("[report]\naudit_seconds = 300\n", "report.audit_seconds", "report.audit_budget"),
    ("[report]\naudit_budget = -1\n", "report.audit_budget", "whole number"),
    ("[report]\naudit_budget = 2.5\n", "report.audit_budget", "whole number"),
    ('[report]\naudit_budget = "many"\n', "report.audit_budget", "whole number"),
])
def test_the_report_config_refuses_a_time_limit_and_bad_budgets(tmp_path, report, key, words):
    from earlyhelp.cli.reportrun import load_report_config

    with pytest.raises(ConfigError) as err:
        load_report_config(_report_config(tmp_path, report))
    problem = next(p for p in err.value.problems if p.column == key)
    assert words in problem.message


@pytest.mark.parametrize("budget", [-1, 2.5, True])
def test_pack_options_refuse_a_bad_budget(budget):
    from earlyhelp import ValidationError

    with pytest.raises(ValidationError, match="audit_budget"):
        PackOptions(audit_budget=budget)
