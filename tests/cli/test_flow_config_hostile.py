"""``earlyhelp flow --config``: hostile configs are refused up front with exit 2 and a message
naming the key; nothing is silently ignored and no internal exception leaks (exit 1).

Every bad config here is refused by the config check, before any data is read, so these
tests are quick; one small run checks that a config using every scenario feature still runs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from earlyhelp import ConfigError, ValidationError
from earlyhelp.cli.main import cli

SOURCE = """
[source]
kind = "synthetic"
preset = "coventry"
years = 3
scale = 0.05
seed = 0
"""

MODEL = """
[model]
categories = "continuum"
months = 3
runs = 20
seed = 0
quantiles = [0.05, 0.5, 0.95]
"""

COSTS = """
[costs]
unit = "week"
inflation = 0.03
[costs.unit_costs]
early_help = 60
cin = 110
"""

SCENARIO = """
[[scenarios]]
name = "fewer step-ups"
changes = [{ target = ["early_help", "cin"], kind = "multiply", value = 0.8, start = "2024-01-01" }]
"""


def _write(tmp_path: Path, *, run: str = None, source: str = SOURCE, model: str = MODEL, costs: str = COSTS,
           scenarios: str = SCENARIO, extra: str = "") -> Path:
    if run is None:
        run = f'[run]\nname = "hostile"\noutput = "{tmp_path / "runs"}"\n'
    path = tmp_path / "flow.toml"
    if scenarios.strip() and not scenarios.lstrip().startswith("[["):    # a top-level key: before any table
        parts = [scenarios, run, source, model, costs, extra]
    else:
        parts = [run, source, model, costs, scenarios, extra]
    path.write_text("\n".join(parts) + "\n")
    return path


def _refused(tmp_path: Path, *keys_and_words: str, **parts: str) -> str:
    """Run ``earlyhelp flow`` on the config; assert exit 2 with a bad-config message holding every
    one of ``keys_and_words``, no traceback, no run folder. Returns the message."""
    path = _write(tmp_path, **parts)
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    out = result.output
    assert result.exit_code == 2, out
    assert "bad config" in out, out
    assert "failed:" not in out and "Traceback" not in out, out
    for word in keys_and_words:
        assert word in out, (word, out)
    runs = tmp_path / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.startswith(".")]
    return out


# -- 1. unknown keys -----------------------------------------------------------------------
def test_unknown_key_in_a_scenario_is_named_with_a_suggestion(tmp_path):
    out = _refused(tmp_path, "scenarios[0].chnages", "unknown key", "did you mean 'changes'",
                   scenarios='[[scenarios]]\nname = "typo"\n'
                             'chnages = [{ target = "entry:cin", kind = "multiply", value = 0.5 }]\n')
    assert "would repeat the baseline" in out      # and the scenario left with nothing is refused too


def test_unknown_key_in_a_change_is_named(tmp_path):
    _refused(tmp_path, "scenarios[0].changes[0].strat", "did you mean 'start'",
             scenarios='[[scenarios]]\nname = "late"\n'
                       'changes = [{ target = "entry:cin", kind = "multiply", value = 0.5, strat = 2026-01-01 }]\n')


def test_unknown_keys_in_an_ssda903_source_are_named(tmp_path):
    (tmp_path / "return").mkdir()
    _refused(tmp_path, "source.overlap", "did you mean 'overlaps'", "source.unknown_code",
             source=f'[source]\nkind = "ssda903"\npath = "{tmp_path / "return"}"\noverlap = "raise"\n'
                    'unknown_code = "keep"\n',
             model=MODEL.replace('"continuum"', '"cs-demand-model"'), costs="", scenarios="")


def test_ssda903_reader_settings_are_checked_and_used(tmp_path, monkeypatch):
    import earlyhelp
    from earlyhelp.cli import flowrun

    (tmp_path / "return").mkdir()
    _refused(tmp_path, "source.overlaps", "truncate, raise",
             source=f'[source]\nkind = "ssda903"\npath = "{tmp_path / "return"}"\noverlaps = "rise"\n',
             model=MODEL.replace('"continuum"', '"cs-demand-model"'), costs="", scenarios="")
    path = _write(tmp_path, source=f'[source]\nkind = "ssda903"\npath = "{tmp_path / "return"}"\n'
                                   'overlaps = "raise"\nunknown_codes = "keep"\n',
                  model=MODEL.replace('"continuum"', '"cs-demand-model"'), costs="", scenarios="")
    cfg = flowrun.load_flow_config(str(path))
    seen = {}
    monkeypatch.setattr(earlyhelp, "read_ssda903", lambda folder, **kw: seen.update(kw, folder=folder))
    flowrun.load_source_data(cfg)
    assert seen == {"folder": str(tmp_path / "return"), "overlaps": "raise", "unknown_codes": "keep",
                    "code_map": None}


def test_ssda903_with_a_missing_code_map_file_or_folder_is_refused(tmp_path):
    _refused(tmp_path, "code_map.file", "file not found", "source.path", "folder not found",
             source=f'[source]\nkind = "ssda903"\npath = "{tmp_path / "nowhere"}"\n',
             model=MODEL.replace('"continuum"', '"cs-demand-model"'), costs="", scenarios="",
             extra='[code_map]\nfile = "codes.toml"\n')


def test_unknown_run_key_is_named(tmp_path):
    _refused(tmp_path, "run.outptu", "did you mean 'output'",
             run=f'[run]\nname = "x"\noutptu = "{tmp_path / "elsewhere"}"\noutput = "{tmp_path / "runs"}"\n')


# -- 2. dates, duplicate and reserved names ----------------------------------------------------
@pytest.mark.parametrize("start,end", [("2026-01-01", "2025-01-01"), ("2025-06-01", "2025-06-01")])
def test_change_ending_before_it_starts_is_refused(tmp_path, start, end):
    _refused(tmp_path, "scenarios[0].changes[0].end", "never apply",
             scenarios='[[scenarios]]\nname = "never"\n'
                       f'changes = [{{ target = "entry:cin", kind = "add", value = 0.1, start = {start}, '
                       f'end = "{end}" }}]\n')


def test_duplicate_scenario_names_are_refused(tmp_path):
    _refused(tmp_path, "scenarios[1].name", "same name as scenarios[0]", scenarios=SCENARIO + SCENARIO)


@pytest.mark.parametrize("name", ["baseline", " Baseline "])
def test_baseline_is_a_reserved_scenario_name(tmp_path, name):
    _refused(tmp_path, "scenarios[0].name", "reserved", scenarios=SCENARIO.replace("fewer step-ups", name))


# -- 3. a change's kind ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["__init__", "save", "divide", "cap", "to_dict"])
def test_change_kind_must_be_multiply_or_add(tmp_path, kind):
    _refused(tmp_path, "scenarios[0].changes[0].kind", "multiply, add",
             scenarios=SCENARIO.replace('kind = "multiply"', f'kind = "{kind}"'))


@pytest.mark.parametrize("target,words", [('"cin"', "entry:<state>"), ('"entry:nowhere"', "not a state"),
                                          ('["early_help", "mars"]', "not a state"), ('["cin", "cin"]', "another"),
                                          ('["cin"]', "entry:<state>"), ("3", "entry:<state>")])
def test_change_target_is_checked_against_the_states(tmp_path, target, words):
    _refused(tmp_path, "scenarios[0].changes[0].target", words,
             scenarios=SCENARIO.replace('["early_help", "cin"]', target))


# -- 4. wrong types ----------------------------------------------------------------------------
@pytest.mark.parametrize("costs,key", [
    ('[costs]\nunit_costs = "cin"\n', "costs.unit_costs"),
    ("[costs]\nunit_costs = [1, 2]\n", "costs.unit_costs"),
    ('[costs.unit_costs]\ncin = "100"\n', "costs.unit_costs.cin"),
    ("[costs.unit_costs]\ncin = true\n", "costs.unit_costs.cin"),
    ("[costs.unit_costs]\ncin = -5\n", "costs.unit_costs.cin"),
    ("[costs.unit_costs]\nmars = 5\n", "costs.unit_costs.mars"),
    ("[costs.unit_costs]\ncin = 0\n", "costs.unit_costs"),  # all zero: a table of zeros would read as free
    ("[costs.unit_costs]\ncin = 1e308\n", "costs.unit_costs.cin"),  # finite, but its sums published inf
])
def test_unit_costs_of_the_wrong_type_are_refused(tmp_path, costs, key):
    _refused(tmp_path, key, costs=costs)


@pytest.mark.parametrize("scenarios,key", [
    ("scenarios = [1, 2]\n", "scenarios[0]"),
    ('scenarios = "more"\n', "scenarios"),
    ('[[scenarios]]\nname = "c"\ncaps = [1]\n', "scenarios[0].caps"),
    ('[[scenarios]]\nname = "c"\ncaps = { cin = inf }\n', "scenarios[0].caps.cin"),
    ('[[scenarios]]\nname = "c"\ncaps = { cin = 0 }\n', "scenarios[0].caps.cin"),
    ('[[scenarios]]\nname = "c"\ncaps = { cin = "a year" }\n', "scenarios[0].caps.cin"),
    ('[[scenarios]]\nname = "c"\ncaps = { mars = 30 }\n', "scenarios[0].caps.mars"),
    ('[[scenarios]]\nname = "c"\nchanges = { target = "entry:cin" }\n', "scenarios[0].changes"),
    ('[[scenarios]]\nname = "c"\nchanges = [1]\n', "scenarios[0].changes[0]"),
    ('[[scenarios]]\nname = 5\ncaps = { cin = 30 }\n', "scenarios[0].name"),
    ('[[scenarios]]\nname = "c"\nchanges = [{ target = "entry:cin", kind = "add", value = "1" }]\n',
     "scenarios[0].changes[0].value"),
    ('[[scenarios]]\nname = "c"\nchanges = [{ target = "entry:cin", kind = "multiply", value = -1 }]\n',
     "scenarios[0].changes[0].value"),
    ('[[scenarios]]\nname = "c"\nchanges = [{ target = "entry:cin", kind = "add" }]\n',
     "scenarios[0].changes[0].value"),
])
def test_scenarios_of_the_wrong_shape_are_refused(tmp_path, scenarios, key):
    _refused(tmp_path, key, scenarios=scenarios)


@pytest.mark.parametrize("setting,key", [
    ('start = "last april"', "model.start"), ("start = [1]", "model.start"), ("start = 2024", "model.start"),
    ("end = 2025", "model.end"), ('start = "2025-03-31"\nend = "2024-04-01"', "model.end"),
])
def test_model_dates_are_checked(tmp_path, setting, key):
    _refused(tmp_path, key, "date" if "2024-04-01" not in setting else "after", model=MODEL + setting + "\n")


@pytest.mark.parametrize("value", ['"last april"', "2024", "[1]"])
def test_change_dates_are_checked(tmp_path, value):
    _refused(tmp_path, "scenarios[0].changes[0].start", "date",
             scenarios=SCENARIO.replace('start = "2024-01-01"', f"start = {value}"))


def test_dask_address_must_be_a_string(tmp_path):
    _refused(tmp_path, "dask.address", extra="[dask]\naddress = false\n")


def test_an_unreachable_dask_scheduler_is_a_config_error_found_before_the_work(tmp_path, monkeypatch):
    import dask

    import earlyhelp.cli.flowrun as flowrun

    def no_loading(cfg):  # the scheduler is reached before the data are read
        raise AssertionError("data loaded before the scheduler was reached")

    monkeypatch.setattr(flowrun, "load_source_data", no_loading)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        out = _refused(tmp_path, "dask.address", "cannot reach the Dask scheduler", "tcp://127.0.0.1:9",
                       extra='[dask]\naddress = "tcp://127.0.0.1:9"\n')
    assert "data loaded" not in out


def test_good_dates_are_read_as_iso_dates(tmp_path):
    from earlyhelp.cli.flowrun import load_flow_config

    path = _write(tmp_path, model=MODEL + 'start = 2024-04-01\nend = "2025-03-31"\n',
                  scenarios=SCENARIO.replace('start = "2024-01-01"', "start = 2024-01-01, end = 2024-06-01"))
    cfg = load_flow_config(str(path))
    assert (cfg.start, cfg.end) == ("2024-04-01", "2025-03-31")
    assert cfg.scenarios[0]["changes"][0]["start"] == "2024-01-01"
    assert cfg.scenarios[0]["changes"][0]["end"] == "2024-06-01"


# -- 5. numbers must be finite -------------------------------------------------------------------
@pytest.mark.parametrize("parts,key", [
    ({"costs": COSTS.replace("inflation = 0.03", "inflation = nan")}, "costs.inflation"),
    ({"costs": COSTS.replace("inflation = 0.03", "inflation = inf")}, "costs.inflation"),
    ({"costs": COSTS.replace("cin = 110", "cin = nan")}, "costs.unit_costs.cin"),
    ({"costs": COSTS.replace("cin = 110", "cin = inf")}, "costs.unit_costs.cin"),
    ({"source": SOURCE.replace("scale = 0.05", "scale = nan")}, "source.scale"),
    ({"scenarios": SCENARIO.replace("value = 0.8", "value = nan")}, "scenarios[0].changes[0].value"),
    ({"scenarios": SCENARIO.replace("value = 0.8", "value = inf")}, "scenarios[0].changes[0].value"),
    ({"scenarios": '[[scenarios]]\nname = "c"\ncaps = { cin = nan }\n'}, "scenarios[0].caps.cin"),
    ({"model": MODEL.replace("[0.05, 0.5, 0.95]", "[0.05, nan]")}, "model.quantiles"),
    # whole numbers beyond a float's range: refused, not an OverflowError
    ({"costs": COSTS.replace("cin = 110", f"cin = {10 ** 400}")}, "costs.unit_costs.cin"),
    ({"scenarios": SCENARIO.replace("value = 0.8", f"value = {10 ** 400}")}, "scenarios[0].changes[0].value"),
    ({"scenarios": f'[[scenarios]]\nname = "c"\ncaps = {{ cin = {10 ** 400} }}\n'}, "scenarios[0].caps.cin"),
])
def test_nan_and_inf_are_refused(tmp_path, parts, key):
    _refused(tmp_path, key, **parts)


def test_number_check_refuses_nan_for_every_command():
    from earlyhelp.cli.config import _Checker

    check = _Checker("c.toml")
    for value in (float("nan"), float("inf"), float("-inf")):
        assert check.number({"x": value}, "t.x", default=1.0, minimum=0.0, maximum=2.0) == 1.0
    assert len(check.problems) == 3 and all("finite" in p.message for p in check.problems)


def test_a_nan_inflation_past_the_config_check_fails_the_run(tmp_path):
    """A non-finite parameter that got past the config check fails the run (StockFlow refuses
    it): no run folder, no costs from it."""
    from earlyhelp.cli import flowrun

    cfg = flowrun.load_flow_config(str(_write(tmp_path, scenarios="")))
    cfg.inflation = float("nan")
    with pytest.raises(ValidationError, match="inflation"):
        flowrun.run_flow(cfg)
    runs = tmp_path / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.startswith(".")]


# -- 6. quantiles -------------------------------------------------------------------------------
@pytest.mark.parametrize("quantiles,words", [
    ("[]", "non-empty"), ("0.5", "non-empty"), ("[true, 0.5]", "True"), ("[0.0, 0.5]", "0.0"),
    ("[0.5, 1.0]", "1.0"), ('["0.5"]', "'0.5'"), ("[0.5, 0.5]", "q50"),
])
def test_quantiles_are_checked_up_front(tmp_path, quantiles, words):
    _refused(tmp_path, "model.quantiles", words, model=MODEL.replace("[0.05, 0.5, 0.95]", quantiles))


# -- 7. the output folder -------------------------------------------------------------------------
def test_output_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x")
    _refused(tmp_path, "run.output", "is a file", run=f'[run]\noutput = "{tmp_path / "afile"}"\n')
    _refused(tmp_path, "run.output", "is a file", run=f'[run]\noutput = "{tmp_path / "afile" / "runs"}"\n')


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_output_that_cannot_be_made_is_refused(tmp_path):
    # /proc refuses new folders even to root (for whom os.access says yes)
    _refused(tmp_path, "run.output", run='[run]\noutput = "/proc/earlyhelp-no-such/runs"\n')


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc (Linux)")
def test_an_existing_folder_no_folder_can_be_made_in_is_refused(tmp_path):
    # /proc exists and, to root, os.access calls it writable: the run would fail after its work
    _refused(tmp_path, "run.output", "not writable", run='[run]\noutput = "/proc"\n')


def test_an_output_path_too_long_for_its_run_folder_is_refused(tmp_path):
    # each name fits, the whole path fits, but not with the run folder and its files below it
    deep = tmp_path.joinpath(*["d" * 200] * (3800 // 201))
    _refused(tmp_path, "run.output", "shorter path", run=f'[run]\noutput = "{deep}"\n')
    _refused(tmp_path, "run.output", run=f'[run]\noutput = "{tmp_path / ("n" * 300)}"\n')


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_output_in_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        _refused(tmp_path, "run.output", "not writable", run=f'[run]\noutput = "{locked / "runs"}"\n')
    finally:
        locked.chmod(0o700)


# -- 8. the run name -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["/abs/path", "../up", "a/b", "a\\\\b", "..", "C:evil", "tab\\there"])
def test_run_name_must_be_a_plain_folder_name(tmp_path, name):
    _refused(tmp_path, "run.name", run=f'[run]\nname = "{name}"\noutput = "{tmp_path / "runs"}"\n')
    assert not Path("/abs").exists() and not (tmp_path / "up").exists()


def test_forecast_config_shares_the_run_name_check(tmp_path):
    from earlyhelp.cli.config import parse_config

    data = {"run": {"name": "..", "output": str(tmp_path)}, "source": {"kind": "synthetic"}}
    with pytest.raises(ConfigError, match="run.name"):
        parse_config(data, base=tmp_path)
    data["run"]["name"] = "coventry-monthly"
    assert parse_config(data, base=tmp_path).name == "coventry-monthly"


# -- everything at once, and a good config still runs ----------------------------------------------
def test_every_problem_is_listed_at_once(tmp_path):
    out = _refused(tmp_path, "costs.inflation", "model.quantiles", "scenarios[0].changes[0].kind", "run.name",
                   run=f'[run]\nname = "/x"\noutput = "{tmp_path / "runs"}"\n',
                   model=MODEL.replace("[0.05, 0.5, 0.95]", "[]"),
                   costs=COSTS.replace("inflation = 0.03", "inflation = nan"),
                   scenarios=SCENARIO.replace('kind = "multiply"', 'kind = "divide"'))
    assert "4 problems found" in out


def test_a_config_using_every_scenario_feature_runs(tmp_path):
    scenarios = SCENARIO + (
        '\n[[scenarios]]\nname = "capped and more"\n'
        'changes = [{ target = "entry:early_help", kind = "add", value = 0.2, start = 2024-01-01, end = 2030-01-01 },\n'
        '           { target = ["cin", "out"], kind = "multiply", value = 1.1 }]\n'
        'caps = { cin = 365 }\n')
    path = _write(tmp_path, scenarios=scenarios)
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-1])
    record = json.loads((folder / "run.json").read_text())     # valid JSON
    assert [s["name"] for s in record["parameters"]["scenarios"]] == ["fewer step-ups", "capped and more"]
    assert record["parameters"]["scenarios"][1]["caps"] == {"cin": 365.0}


def test_state_names_are_not_checked_against_categories_that_are_wrong(tmp_path):
    out = _refused(tmp_path, "model.categories", model=MODEL.replace('"continuum"', '"cs-demand"'),
                   costs="[costs.unit_costs]\nFOSTERING = 900\n")
    assert "costs.unit_costs.FOSTERING" not in out
    _refused(tmp_path, "costs.unit_costs.FOSTERING", "not a state", costs="[costs.unit_costs]\nFOSTERING = 900\n")


def test_a_database_url_is_read_from_url_env(tmp_path, monkeypatch):
    """url_env keeps the password out of the file: flow reads it as every other command does."""
    from earlyhelp.cli.flowrun import load_flow_config

    (tmp_path / "council.db").write_bytes(b"")
    monkeypatch.setenv("EH_FLOW_DB", "sqlite:///council.db")
    path = tmp_path / "flow.toml"
    path.write_text('[run]\nname = "sql"\noutput = "runs"\n[source]\nkind = "sql"\nurl_env = "EH_FLOW_DB"\n')
    cfg = load_flow_config(str(path))
    assert cfg.source.url.endswith("council.db") and cfg.source.url_env == "EH_FLOW_DB"


@pytest.mark.parametrize("name", ["what?", "a*b", ".hidden", " x", 'say \\"hi\\"', "<b>", "a|b", "x" * 300])
def test_run_names_the_run_folder_cannot_take_are_refused_before_any_work(tmp_path, name):
    """Each passed the check and failed the run after the fit and the simulation."""
    _refused(tmp_path, "run.name", run=f'[run]\nname = "{name}"\noutput = "{tmp_path / "runs"}"\n')


def test_a_failed_run_leaves_no_output_folder_it_made(tmp_path):
    """The output folder is made to check it can be written, then taken away again: a run that
    fails on its data leaves nothing behind."""
    out = tmp_path / "new" / "runs"
    source = f'[source]\nkind = "folder"\npath = "{tmp_path}"\n'   # a folder of no tables: the load fails
    path = _write(tmp_path, run=f'[run]\nname = "x"\noutput = "{out}"\n', source=source)
    result = CliRunner().invoke(cli, ["flow", "--config", str(path)])
    assert result.exit_code != 0
    assert not (tmp_path / "new").exists(), result.output


def test_a_nul_in_the_output_folder_is_a_config_problem(tmp_path):
    _refused(tmp_path, "run.output", run='[run]\nname = "x"\noutput = "runs\\u0000x"\n')
