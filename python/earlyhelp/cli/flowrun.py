"""The ``earlyhelp flow`` run: the continuum stock-flow model from a TOML config, one run folder.

The same public calls a user makes in a notebook (:class:`earlyhelp.flow.StockFlow`,
:func:`earlyhelp.flow.compare`), written through :class:`earlyhelp.report.runfolder.RunFolder`
(complete or absent) with a ``run.json``. Every table passes the publication gate
(:func:`earlyhelp.report.publish.publish`, through the run folder, with the run's
``suppression_threshold``); small numbers are protected there and here:

* Fitted for the council (``[model] by = "council"``, the default), tables are by state (no age
  split); a state whose starting stock is 1 to ``suppression_threshold`` children is left out of
  every table and chart (its projections would reveal it), and so are the all-states total and
  the costs (which would give it away by subtraction); see :func:`publish`.
* Fitted by locality (``by = "locality"``), every table has a ``locality`` column and the council
  total (locality ``"all"``). The starting stock by locality and state is published as
  ``start_stock`` with its totals declared to the gate, which hides small counts within each
  locality and, secondarily, enough other cells that none can be worked out as the council total
  minus the other localities or a locality's total minus its other states. Every projection,
  band and scenario of a hidden cell is withheld (``"c"``), and a locality's costs whenever one of
  its cells is hidden (:mod:`earlyhelp.cli.flowlocal`). Fan charts: the council's
  (``fan_chart.png``), one panel per locality (``fan_localities.png``) and one chart per locality
  in ``fan_charts/``. ``run.json`` records ``by``, the hidden cells, the localities whose costs
  were withheld and the children left out for having no locality, with the reason.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pandas as pd

from .._errors import ConfigError, Problem, ValidationError
from .._numbers import is_finite_real, is_whole
from ..data.coerce import UNKNOWN_CODES
from ..data.ssda903 import OVERLAPS
from ..flow import checks
from ..flow.categories import PRESETS as CATEGORY_PRESETS
from ..flow.localities import TOTAL
from ..flow.model import INFLATION_RANGE, MAX_UNIT_COST, QUIET_STATES, month_ends_after
from ..flow.scenario import CHANGE_KINDS, MAX_CAP_DAYS
from ..flow.spells import SHORT_BREAKS
from ..report.suppression import SUPPRESSED
from .._tomlfile import located
from .config import SOURCE_KINDS, missing_config, read_config_toml


#: ``[model] by``: one model for the council, or one per locality (``StockFlow.fit(by=...)``)
BY_CHOICES = ("council", "locality")


def model_switches() -> Dict[str, bool]:
    """StockFlow's on/off settings and their defaults: the ``[model]`` keys of the same names."""
    import inspect

    from ..flow import StockFlow

    return {p.name: p.default for p in inspect.signature(StockFlow).parameters.values() if isinstance(p.default, bool)}


#: ``[source] kind``: the run config's sources and an SSDA903 return
FLOW_SOURCE_KINDS = SOURCE_KINDS + ("ssda903",)
#: the compare() table's own row: no scenario may take its name
BASELINE = "baseline"


@dataclass
class FlowConfig:
    name: str
    output: str
    source: Any
    categories: str = "continuum"
    by: Optional[str] = None
    start: Optional[str] = None
    end: Optional[str] = None
    months: int = 60
    runs: int = 1000
    seed: int = 0
    quantiles: List[float] = field(default_factory=lambda: [0.05, 0.5, 0.95])
    unit_costs: Dict[str, float] = field(default_factory=dict)
    unit: str = "week"
    inflation: float = 0.0
    switches: Dict[str, bool] = field(default_factory=dict)  # model_switches() as given
    short_breaks: str = "exclude"            # StockFlow(short_breaks=...)
    scenarios: List[Dict[str, Any]] = field(default_factory=list)
    goals: List[Dict[str, Any]] = field(default_factory=list)     # [[goal_seek]], as goal_seek's keywords
    dask: Optional[str] = None
    suppression_threshold: int = 5
    ssda903: Optional[str] = None
    path: str = "config"
    ssda903_overlaps: str = "truncate"        # read_ssda903(overlaps=...)
    ssda903_unknown_codes: str = "raise"      # read_ssda903(unknown_codes=...)


def load_flow_config(path: str) -> FlowConfig:
    """Read and check ``earlyhelp flow``'s TOML file; raise :class:`ConfigError` listing every problem.

    Everything is checked here, before any data is read: unknown keys (at every level, in
    every scenario and change), types, finite numbers, dates, state names against the
    categories, scenario names, quantiles and the output folder.
    """
    from .config import SourceConfig, _Checker, _parse_source, _with_code_map, check_output_folder, check_run_name

    file = Path(path)
    data = read_config_toml(file, missing=missing_config("flow"))
    check = _Checker(str(file))
    base = file.parent
    check.known(data, "", ("run", "source", "code_map", "model", "costs", "scenarios", "goal_seek", "dask",
                           "publish"))

    run = check.table(data, "run")
    check.known(run, "run", ("name", "output"))
    name = check.string(run, "run.name", default="earlyhelp-flow")
    check_run_name(check, "run.name", name)
    output = check.string(run, "run.output", default="runs")
    out = Path(output)
    out = out if out.is_absolute() else base / out
    check_output_folder(check, "run.output", out, output)

    src = check.table(data, "source", required=True)
    kind = src.get("kind")
    ssda903 = None
    reader = {"overlaps": "truncate", "unknown_codes": "raise"}
    source = None
    if kind == "ssda903":
        check.known(src, "source", ("kind", "path", "overlaps", "unknown_codes"))
        raw = check.string(src, "source.path", required=True)
        if raw:
            folder = Path(raw) if Path(raw).is_absolute() else base / raw
            if not folder.is_dir():
                check.bad("source.path", f"folder not found ({folder}): give the folder of the SSDA903 return's "
                          "yearly header and episodes files", raw)
            ssda903 = str(folder)
        reader["overlaps"] = check.choice(src, "source.overlaps", OVERLAPS, default="truncate")
        reader["unknown_codes"] = check.choice(src, "source.unknown_codes", UNKNOWN_CODES, default="raise")
        # [code_map] (a file and/or inline tables) maps the council's codes, as for the other sources
        source = _with_code_map(check, check.table(data, "code_map"), SourceConfig(kind="ssda903", path=ssda903),
                                base)
    elif src and kind is not None and kind not in FLOW_SOURCE_KINDS:
        check.bad("source.kind", f"must be one of {', '.join(FLOW_SOURCE_KINDS)}", kind)
    elif isinstance(data.get("source"), dict):       # (a missing or non-table [source] is reported above)
        source = _with_code_map(check, check.table(data, "code_map"), _parse_source(check, src, base, os.environ), base)

    model = check.table(data, "model")
    check.known(model, "model", ("categories", "by", "start", "end", "months", "runs", "seed", "quantiles",
                                 "short_breaks", *model_switches()))
    categories = check.choice(model, "model.categories", tuple(CATEGORY_PRESETS), default="continuum")
    # state names are checked against the categories asked for (not against the default when that was wrong)
    states = _states(categories) if categories and model.get("categories", categories) == categories else None
    by = check.choice(model, "model.by", BY_CHOICES, default="council")
    if by == "locality" and kind == "ssda903":
        check.bad("model.by", "an SSDA903 return has no families, so no localities: use by = \"council\"", by)
    start = check.date(model, "model.start")
    end = check.date(model, "model.end")
    if start and end and not start < end:
        check.bad("model.end", f"must be after model.start ({start})", end)
    months = check.integer(model, "model.months", default=60, minimum=1, maximum=600)
    runs = check.integer(model, "model.runs", default=1000, minimum=1, maximum=1_000_000)
    seed = check.integer(model, "model.seed", default=0, minimum=0)
    switches = {key: check.boolean(model, f"model.{key}", default=default)
                for key, default in model_switches().items()}
    quantiles = _quantiles(check, model.get("quantiles", [0.05, 0.5, 0.95]))
    short_breaks = check.choice(model, "model.short_breaks", SHORT_BREAKS, default="exclude")

    costs = check.table(data, "costs")
    check.known(costs, "costs", ("unit", "inflation", "unit_costs"))
    unit = check.choice(costs, "costs.unit", ("day", "week"), default="week")
    inflation = check.number(costs, "costs.inflation", default=0.0, minimum=INFLATION_RANGE[0],
                             maximum=INFLATION_RANGE[1])
    unit_costs = _unit_costs(check, costs, states)

    scenarios = _check_scenarios(check, data.get("scenarios", []), states)
    goals = _check_goals(check, data.get("goal_seek", []), states, bool(unit_costs))

    dask = check.table(data, "dask")
    check.known(dask, "dask", ("address",))
    address = dask.get("address")
    if address is not None and not isinstance(address, str):
        check.bad("dask.address", "must be a string: \"\" (run here), \"local\" or a scheduler address", address)
        address = None
    publish = check.table(data, "publish")
    check.known(publish, "publish", ("suppression_threshold",))
    threshold = check.integer(publish, "publish.suppression_threshold", default=5, minimum=0, maximum=100)
    check.raise_if_any()
    return FlowConfig(name=name, output=str(out), source=source, categories=categories,
                      by=None if by == "council" else by, start=start, end=end, months=months,
                      runs=runs, seed=seed, quantiles=quantiles, unit_costs=unit_costs,
                      unit=unit, inflation=inflation, switches=switches, short_breaks=short_breaks or "exclude",
                      scenarios=scenarios, goals=goals,
                      dask=address or None,
                      suppression_threshold=threshold, ssda903=ssda903, path=str(file),
                      ssda903_overlaps=reader["overlaps"], ssda903_unknown_codes=reader["unknown_codes"])


def _states(categories: str) -> Optional[List[str]]:
    """The states of the categories (to check state names in the config), None if they cannot be had."""
    from ..flow.categories import categories as resolve

    try:
        return list(resolve(categories).states)
    except Exception:  # noqa: BLE001 - model.categories is reported by its own check
        return None


def _quantiles(check, value: Any) -> List[float]:
    key = "model.quantiles"
    default = [0.05, 0.5, 0.95]
    if not isinstance(value, list) or not value:
        check.bad(key, "must be a non-empty list of numbers between 0 and 1, e.g. [0.05, 0.5, 0.95]", value)
        return default
    bad = [q for q in value if not is_finite_real(q) or not 0 < q < 1]
    if bad:
        check.bad(key, "every quantile must be a number strictly between 0 and 1 (not true/false, 0, 1, nan or "
                  f"inf): {', '.join(repr(q) for q in bad)}", value)
        return default
    try:  # distinct columns: the library's own check
        checks.quantiles(value, "model")
    except ValidationError as err:
        check.bad(key, err.problems[0].message, value)
    return [float(q) for q in value]


def _unit_costs(check, costs: Mapping[str, Any], states: Optional[List[str]]) -> Dict[str, float]:
    raw = costs.get("unit_costs", {})
    if not isinstance(raw, dict):
        check.bad("costs.unit_costs", "must be a table of cost per child by state, e.g. [costs.unit_costs] "
                  "cin = 110", raw)
        return {}
    out: Dict[str, float] = {}
    for state, cost in raw.items():
        key = f"costs.unit_costs.{state}"
        if states is not None and state not in states:
            check.bad(key, f"not a state of the model's categories; use one of {', '.join(states)}")
        elif not is_finite_real(cost) or not 0 <= cost <= MAX_UNIT_COST:
            check.bad(key, f"must be a number from 0 to {MAX_UNIT_COST:g} (the cost per child per [costs] unit)", cost)
        else:
            out[state] = float(cost)
    if out and not any(out.values()):
        # a cost table of zeros would read as a free service (StockFlow.simulate_costs refuses it too)
        check.bad("costs.unit_costs", "every cost is 0: give at least one state's cost, or leave [costs.unit_costs] "
                  "out to run without costs", raw)
    return out


def _check_scenarios(check, raw: Any, states: Optional[List[str]]) -> List[Dict[str, Any]]:
    """The ``[[scenarios]]`` as plain dicts for :meth:`Scenario.from_dict`, every key checked."""
    if not isinstance(raw, list):
        check.bad("scenarios", "must be an array of tables ([[scenarios]])", raw)
        return []
    out: List[Dict[str, Any]] = []
    names: Dict[str, int] = {}
    for i, scen in enumerate(raw):
        where = f"scenarios[{i}]"
        if not isinstance(scen, dict):
            check.bad(where, "must be a table ([[scenarios]] with name, changes and caps)", scen)
            continue
        check.known(scen, where, ("name", "changes", "caps"))
        name = scen.get("name", f"scenario {i + 1}")
        if not isinstance(name, str) or not name.strip():
            check.bad(f"{where}.name", "must be a non-empty string", name)
            name = None
        elif name.strip().casefold() == BASELINE:
            check.bad(f"{where}.name", f"{BASELINE!r} is reserved for the projection without changes: "
                      "give the scenario another name", name)
        elif name in names:
            check.bad(f"{where}.name", f"the same name as scenarios[{names[name]}]: every scenario needs its own "
                      "name (they label the rows of the tables)", name)
        else:
            names[name] = i
        changes = _check_changes(check, where, scen.get("changes", []), states)
        caps = _check_caps(check, where, scen.get("caps", {}), states)
        if not scen.get("changes") and not scen.get("caps") and isinstance(scen.get("changes", []), list) \
                and isinstance(scen.get("caps", {}), dict):
            check.bad(where, "has no changes and no caps, so it would repeat the baseline: add changes = "
                      "[{ target = ..., kind = \"multiply\", value = ... }] or caps = { <state> = <days> }")
        if name is None or changes is None or caps is None:
            continue
        scenario = {"name": name, "changes": changes, "caps": caps}
        problem = _scenario_problem(scenario)
        if problem:
            check.bad(where, f"not a scenario: {problem}")
        out.append(scenario)
    return out


def _check_goals(check, raw: Any, states: Optional[List[str]], costed: bool) -> List[Dict[str, Any]]:
    """The ``[[goal_seek]]`` tables as :func:`earlyhelp.flow.goal_seek`'s keywords (and ``name``)."""
    if not isinstance(raw, list):
        check.bad("goal_seek", "must be an array of tables ([[goal_seek]])", raw)
        return []
    out, names = [], set()
    for i, goal in enumerate(raw):
        where = f"goal_seek[{i}]"
        if not isinstance(goal, dict):
            check.bad(where, "must be a table ([[goal_seek]] with name, rate, until and target_stock or budget)",
                      goal)
            continue
        n = len(check.problems)
        check.known(goal, where, ("name", "rate", "until", "target_stock", "state", "budget", "start", "chance",
                                  "draws"))
        name = check.string(goal, f"{where}.name", default=f"goal {i + 1}")
        if name in names:
            check.bad(f"{where}.name", "the same name as another goal: every goal needs its own (they label the "
                      "rows)", name)
        names.add(name)
        rate = _check_target(check, f"{where}.rate", goal.get("rate"), states)
        until = check.date(goal, f"{where}.until")
        if until is None and "until" not in goal:
            check.bad(f"{where}.until", "missing: the month end the target is for, e.g. \"2026-03-31\"")
        stock = check.number(goal, f"{where}.target_stock", minimum=0)
        budget = check.number(goal, f"{where}.budget", minimum=0)
        if ("target_stock" in goal) == ("budget" in goal):
            check.bad(where, "give exactly one of target_stock (children) and budget (cost to until)")
        if "budget" in goal and not costed:
            check.bad(f"{where}.budget", "a budget needs [costs.unit_costs]")
        state = check.choice(goal, f"{where}.state", tuple(states), default=None) if states is not None else \
            check.string(goal, f"{where}.state")
        if state is not None and "budget" in goal:
            check.bad(f"{where}.state", "chooses the stock of target_stock; a budget is the cost of all states", state)
        start = check.date(goal, f"{where}.start")
        chance = check.number(goal, f"{where}.chance", minimum=0, maximum=1)
        if chance is not None and not 0 < chance < 1:
            check.bad(f"{where}.chance", "must be a share of runs between 0 and 1 (0.8: met in 80% of them)",
                      chance)
        if chance is not None and until and not pd.Timestamp(until).is_month_end:
            check.bad(f"{where}.until", "must be a month end with chance: the Monte Carlo counts at month ends",
                      until)
        draws = check.integer(goal, f"{where}.draws", default=100, minimum=0, maximum=100_000)
        if len(check.problems) == n:
            out.append({"name": name, "rate": rate, "until": until, "target_stock": stock, "budget": budget,
                        "state": state, "start": start, "chance": chance, "draws": draws})
    return out


def _check_changes(check, where: str, raw: Any, states: Optional[List[str]]) -> Optional[List[Dict[str, Any]]]:
    if not isinstance(raw, list):
        check.bad(f"{where}.changes", "must be an array of tables, e.g. changes = [{ target = [\"cin\", \"cp\"], "
                  "kind = \"multiply\", value = 0.9 }]", raw)
        return None
    out: Optional[List[Dict[str, Any]]] = []
    for j, change in enumerate(raw):
        at = f"{where}.changes[{j}]"
        if not isinstance(change, dict):
            check.bad(at, "must be a table { target = ..., kind = ..., value = ..., start = ..., end = ... }", change)
            out = None
            continue
        n = len(check.problems)
        check.known(change, at, ("target", "kind", "value", "start", "end"))
        target = _check_target(check, f"{at}.target", change.get("target"), states)
        kind = change.get("kind")
        if kind is None:
            check.bad(f"{at}.kind", f"missing: one of {', '.join(CHANGE_KINDS)}")
        elif kind not in CHANGE_KINDS:
            hint = " (a longest stay goes in the scenario's caps = { <state> = <days> })" if kind == "cap" else ""
            check.bad(f"{at}.kind", f"must be one of {', '.join(CHANGE_KINDS)}{hint}", kind)
        value = change.get("value")
        if value is None:
            check.bad(f"{at}.value", "missing: the factor (multiply) or the amount per day (add)")
        elif not is_finite_real(value):
            check.bad(f"{at}.value", "must be a finite number", value)
        elif kind == "multiply" and value < 0:
            check.bad(f"{at}.value", "a factor must be 0 or more (0.9: ten per cent fewer)", value)
        start = check.date(change, f"{at}.start")
        end = check.date(change, f"{at}.end")
        if start and end and not start < end:
            check.bad(f"{at}.end", f"must be after start ({start}): the change would never apply", end)
        if len(check.problems) > n or out is None:
            out = None
            continue
        out.append({"target": target, "kind": kind, "value": float(value), "start": start, "end": end})
    return out


def _check_target(check, key: str, target: Any, states: Optional[List[str]]) -> Any:
    usage = "a flow [\"<from state>\", \"<to state>\" or \"out\"] or \"entry:<state>\""
    if target is None:
        check.bad(key, f"missing: {usage}")
        return None
    if isinstance(target, str):
        if not target.startswith("entry:"):
            check.bad(key, f"must be {usage}", target)
        elif states is not None and target[len("entry:"):] not in states:
            check.bad(key, f"{target[len('entry:'):]!r} is not a state; use one of {', '.join(states)}", target)
        return target
    if not isinstance(target, list) or len(target) != 2 or not all(isinstance(t, str) for t in target):
        check.bad(key, f"must be {usage}", target)
        return None
    src, dst = target
    if states is not None:
        if src not in states:
            check.bad(key, f"from state {src!r} is not a state; use one of {', '.join(states)}", target)
        if dst != "out" and dst not in states:
            check.bad(key, f"to state {dst!r} is not a state; use one of {', '.join(states)} or \"out\"", target)
    if src == dst:
        check.bad(key, "a flow goes from one state to another", target)
    return list(target)


def _check_caps(check, where: str, raw: Any, states: Optional[List[str]]) -> Optional[Dict[str, float]]:
    if not isinstance(raw, dict):
        check.bad(f"{where}.caps", "must be a table of the longest stay in days by state, e.g. caps = { cp = 365 }",
                  raw)
        return None
    out: Optional[Dict[str, float]] = {}
    for state, days in raw.items():
        key = f"{where}.caps.{state}"
        if states is not None and state not in states:
            check.bad(key, f"not a state; use one of {', '.join(states)}")
            out = None
        elif not is_finite_real(days) or not 0 < days <= MAX_CAP_DAYS:
            check.bad(key, f"must be a finite positive number of days, at most {MAX_CAP_DAYS} (18 years)", days)
            out = None
        elif out is not None:
            out[state] = float(days)
    return out


def _scenario_problem(scenario: Dict[str, Any]) -> Optional[str]:
    """What :meth:`Scenario.from_dict` refuses in an already checked scenario (None: nothing)."""
    from ..flow import Scenario

    try:
        Scenario.from_dict(scenario)
    except Exception as exc:  # noqa: BLE001 - the library's own checks, reported as config problems
        return str(exc)
    return None


def load_source_data(cfg: FlowConfig):
    """The Dataset the config's [source] names: an SSDA903 return or any forecast source."""
    import earlyhelp

    from ..sources import load_source, source_code_map

    if cfg.ssda903 is not None:
        return earlyhelp.read_ssda903(cfg.ssda903, overlaps=cfg.ssda903_overlaps,
                                      unknown_codes=cfg.ssda903_unknown_codes,
                                      code_map=source_code_map(cfg.source) if cfg.source is not None else None)

    return load_source(cfg.source)


def _scenarios(cfg: FlowConfig):
    from ..flow import Scenario

    out = []
    for i, raw in enumerate(cfg.scenarios):
        try:
            out.append(Scenario.from_dict({"name": raw.get("name", f"scenario {i + 1}"),
                                           "changes": raw.get("changes", []), "caps": raw.get("caps", {})}))
        except Exception as exc:  # noqa: BLE001 - load_flow_config checked them: a bad one is still a config problem
            problem = Problem(cfg.path, f"scenarios[{i}]", f"not a scenario: {exc}")
            raise ConfigError(located([problem], cfg.path)) from None
    return out


def _prepare_output(cfg: FlowConfig) -> None:
    """Make sure a run folder can be written in ``run.output`` before any work is done: a test
    folder is made there and removed, with the folders made for it (the run makes them again
    when it writes, so a failed run leaves none behind)."""
    import tempfile

    out = Path(cfg.output)
    made: List[Path] = []
    try:
        made = [p for p in [out, *out.parents] if not p.exists()]
        out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryDirectory(dir=out, prefix=".earlyhelp-write-test-").cleanup()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ConfigError(located([Problem(cfg.path, "run.output", f"cannot write run folders in {out}: "
                                           f"{getattr(exc, 'strerror', None) or exc}", value=str(out))],
                                  cfg.path)) from None
    finally:
        for folder in made:  # innermost first
            try:
                folder.rmdir()
            except (OSError, ValueError):  # not empty, not made after all, or a name it refuses
                break


def publish(folder, name: str, frame: Optional[pd.DataFrame] = None, *, hidden: Mapping[str, Any] = (),
            png: Optional[bytes] = None) -> None:
    """The one way a run fitted for the council writes a file: drops the hidden states' rows (and
    the total) first, then writes through the gate."""
    if png is not None:
        folder.write_bytes(name, png, sources=["fan"])      # drawn from the published fan table
        return
    if hidden and "state" in frame.columns:  # a long table: one row per state, its own stock
        frame = frame[~frame["state"].isin(list(hidden) + ["all"])]
    elif hidden:  # a wide table: a column per state, then totals and costs over all states
        # with a state hidden, those totals would give it away
        frame = frame.drop(columns=[c for c in frame.columns
                                    if c in list(hidden) + ["stock", "cost", "cost_avoided", "cost_per_day"]])
    folder.write_table(name, frame.reset_index(drop=True))


#: run.json's ``costs_withheld`` of a council run with a state hidden: exactly what is left out
COSTS_WITHHELD = ("the costs over all states (costs.csv; scenarios.csv's cost and cost_avoided): a state's "
                  "children are hidden, and the total less the states shown would give its cost away; "
                  "stocks.csv keeps the cost_per_day of each state shown, its own stock's")


def run_flow(cfg: FlowConfig, run_id: Optional[str] = None):
    """Fit, project, simulate and compare scenarios; write one run folder. Returns its path.

    The Dask scheduler (``[dask] address``) is reached first: one that cannot be reached is a
    configuration error, found before the data are loaded and fitted, not after."""
    client = _dask_client(cfg.dask, cfg.path)
    try:
        return _run_flow(cfg, run_id, client)
    finally:
        if client is not None:
            client.close()


def _dask_client(address: Optional[str], path: Any):
    """The client of ``[dask] address`` (a new LocalCluster for ``"local"``), or None; ``path``: the
    configuration file, named in the error."""
    from ..flow import local_client

    if not address:
        return None
    try:
        return local_client() if address == "local" else local_client(address)
    except (OSError, TimeoutError, ValueError) as err:
        raise ConfigError(located([Problem(str(path), "dask.address", f"cannot reach the Dask scheduler at "
                                           f"{address!r} ({type(err).__name__}: {err}); give the address of a "
                                           "running scheduler, \"local\" or \"\"")], str(path))) from None


def _run_flow(cfg: FlowConfig, run_id: Optional[str], client):
    from ..flow import StockFlow, compare
    from ..report.publish import PublishPolicy
    from ..report.runfolder import RunFolder, figure_png, new_run_id, run_digest
    from ..sources import content_hash

    _prepare_output(cfg)
    scenarios = _scenarios(cfg)
    timings: Dict[str, float] = {}
    t = time.perf_counter()
    ds = load_source_data(cfg)
    inputs = content_hash(ds)
    timings["load"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    model = StockFlow(cfg.categories, unit_costs=cfg.unit_costs or None, unit=cfg.unit, inflation=cfg.inflation,
                      short_breaks=cfg.short_breaks, **cfg.switches).fit(ds, start=cfg.start, end=cfg.end, by=cfg.by)
    timings["fit"] = round(time.perf_counter() - t, 3)
    f = model._fit if cfg.by is None else next(iter(model.localities.values()))._fit
    # every table ends on one day: the Monte Carlo's last month end (simulate's months), not
    # end + N calendar months (28 May after 28 February, where the fan ends on 31 May)
    until = month_ends_after(f.end, cfg.months)[-1]
    t = time.perf_counter()
    det = model.project(until=until, freq="M")
    table = compare(model, scenarios, until=until)
    timings["project"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    fan = model.simulate(months=cfg.months, runs=cfg.runs, seed=cfg.seed, client=client, quantiles=cfg.quantiles)
    costs = model.simulate_costs(cfg.quantiles) if cfg.unit_costs else None
    timings["simulate"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    goals = _goal_seeks(model, cfg, client) if cfg.goals else None
    timings["goal_seek"] = round(time.perf_counter() - t, 3)
    params = {"categories": cfg.categories, "by": cfg.by or "council", "start": str(f.start.date()),
              "end": str(f.end.date()), "months": cfg.months, "runs": cfg.runs, "seed": cfg.seed,
              "quantiles": cfg.quantiles, "unit": cfg.unit, "unit_costs": cfg.unit_costs, "inflation": cfg.inflation,
              **cfg.switches, "short_breaks": cfg.short_breaks,
              "scenarios": [s.to_dict() for s in scenarios], "goal_seek": cfg.goals,
              "suppression_threshold": cfg.suppression_threshold}
    digest = run_digest(params, inputs)
    excluded, sections = _excluded(model, ds, cfg.suppression_threshold)
    policy = PublishPolicy(threshold=cfg.suppression_threshold)
    with RunFolder(cfg.output, run_id or new_run_id(digest, prefix=f"{cfg.name}-"), policy=policy) as folder:
        if cfg.by is None:
            hidden = _hidden_states(model, f, cfg.suppression_threshold)
            det = det.groupby(["date", "state"], sort=False, as_index=False).sum(numeric_only=True)
            fan = fan[fan["age"] == "all"].drop(columns="age")
            publish(folder, "stocks", det, hidden=hidden)
            publish(folder, "fan", fan, hidden=hidden)
            publish(folder, "scenarios", table, hidden=hidden)
            if costs is not None and not hidden:
                publish(folder, "costs", costs)
            elif costs is not None:
                # the costs over all states, less those shown by state, would give the hidden ones away
                sections["costs_withheld"] = COSTS_WITHHELD
            publish(folder, "fan_chart.png", png=figure_png(_fan_chart(fan, hidden)))
            sections["suppressed_states"] = sorted(hidden)
            _publish_goals(folder, goals, set(hidden), sections)
        else:
            sections.update(_publish_by_locality(folder, model, det, fan, table, costs))
            # goals are the council's: withheld with the council total's hidden states
            at_total = {c["state"] for c in sections["suppressed_cells"] if c["locality"] == TOTAL}
            _publish_goals(folder, goals, at_total | ({"all"} if TOTAL in sections["costs_withheld"] else set()),
                           sections)
        folder.record("flow", inputs=inputs, digest=digest, excluded=excluded, timings=timings,
                      parameters=params, config=str(Path(cfg.path).resolve()), by=cfg.by or "council", **sections)
    return folder.final


def _publish_goals(folder, goals: Optional[pd.DataFrame], hidden: set, sections: Dict[str, Any]) -> None:
    """The goal_seek table without the goals on a hidden state's stock, or on every state's stock
    or cost when one is hidden (they would say something of it); run.json names those left out."""
    if goals is None:
        return
    out = goals["state"].isin(hidden | {"all"}) if hidden else np.zeros(len(goals), dtype=bool)
    if out.any():
        sections["goal_seek_withheld"] = sorted(goals.loc[out, "goal"])
    folder.write_table("goal_seek", goals[~out].reset_index(drop=True))


def _goal_seeks(model, cfg: FlowConfig, client) -> pd.DataFrame:
    """One row per ``[[goal_seek]]``: the multiplier, its interval and, with ``chance``, how often
    the Monte Carlo meets the target (``state`` "all" for every state's stock and for a budget)."""
    from ..flow import goal_seek

    rows = []
    for goal in cfg.goals:
        keywords = {k: v for k, v in goal.items() if k not in ("name", "rate", "until") and v is not None}
        rate = tuple(goal["rate"]) if isinstance(goal["rate"], list) else goal["rate"]
        got = goal_seek(model, rate, goal["until"], seed=cfg.seed, runs=cfg.runs, client=client, **keywords)
        rows.append({"goal": goal["name"], "rate": rate if isinstance(rate, str) else " -> ".join(rate),
                     "until": goal["until"], "state": goal["state"] or "all",
                     "target": "budget" if goal["budget"] is not None else "stock",
                     "target_value": goal["budget"] if goal["budget"] is not None else goal["target_stock"],
                     "multiplier": got["multiplier"], "lower": got["lower"], "upper": got["upper"],
                     "level": got["level"], "draws": got["draws"], "unreachable_draws": got["unreachable_draws"],
                     **({"chance": got["chance"], "runs": got["runs"], "met_share": got["met_share"],
                         "met_share_error": got["met_share_error"],
                         "multiplier_for_chance": got["multiplier_for_chance"]} if "chance" in got else {})})
    return pd.DataFrame(rows)


def _hidden_states(model, f, threshold: int) -> Dict[str, str]:
    """States whose council starting stock is 1..threshold children."""
    start_stock = model._bin_frame().assign(stock=f.initial).groupby("state", sort=False)["stock"].sum()
    return {s: SUPPRESSED for s, v in start_stock.items() if 0 < v <= threshold}


def _excluded(model, ds, threshold: int):
    """What the fit and the read left out (for run.json's ``excluded``: the fit report's
    ``*_excluded`` counts and the read's ``*_dropped``), and the sections that say more: the
    rest of the fit report (``fit_report``: spells kept but changed, counts of what the fit set
    aside without leaving out a spell, and the days of the window before exits were recorded),
    the read's report and the localities."""
    from ..results import Excluded

    report = model.report
    excluded = [Excluded(table="spells", reason=reason.replace("_", " "), rows=int(n), step="fit")
                for reason, n in report.items()
                if is_whole(n) and n and reason.endswith("_excluded")
                and reason != "children_without_a_locality_excluded"]
    read = ds.meta.get("ssda903_report") or {}
    excluded += [Excluded(table="episodes", reason=key.replace("_", " "), rows=int(n), step="read_ssda903")
                 for key, n in read.items() if key.endswith("_dropped") and is_whole(n) and n]
    sections: Dict[str, Any] = {"fit_report": _fit_report(report, threshold)}
    if read:
        sections["ssda903"] = _publishable_read_report(read, threshold)
    if "children_without_a_locality_excluded" in report:
        n = int(report["children_without_a_locality_excluded"])
        sections["localities"] = {
            "children_without_a_locality_excluded": SUPPRESSED if 1 <= n <= threshold else n,
            "reason": "no family in family_members, or the family has no locality_id: their spells are left "
                      "out of every locality and of the council total",
            "localities_without_spells": list(report.get("localities_without_spells", [])),
            "fitted": list(model.localities)}
    return excluded, sections


#: fit report counts that are days, not children or spells (published as they are)
_DAY_COUNTS = ("window_days_before_exits_recorded",)


def _fit_report(report: Mapping[str, Any], threshold: int) -> Dict[str, Any]:
    """The fit report for run.json, beside ``excluded``: ``kept_or_changed`` (spells
    shortened, moved or resumed, children still open past the age limit, transitions the rates
    could not use, exits whose destination is not known yet, X1 episodes joined; 1..threshold
    suppressed), ``days`` (day counts, as they are), the first day entries are recorded from
    and the states with children but no exit in the window (their Monte Carlo rates of leaving
    drawn from no exit over their child-days)."""
    def count(n):
        return SUPPRESSED if 1 <= int(n) <= threshold else int(n)

    changed = {k: count(v) for k, v in report.items()
               if is_whole(v) and not k.endswith("_excluded") and k not in _DAY_COUNTS}
    days = {k: int(report[k]) for k in _DAY_COUNTS if k in report}
    out: Dict[str, Any] = {"kept_or_changed": changed, "days": days}
    if "entries_recorded_from" in report:
        out["entries_recorded_from"] = report["entries_recorded_from"]
    if QUIET_STATES in report:   # states' names, no count of children
        out[QUIET_STATES] = list(report[QUIET_STATES])
    return out


#: what run.json may say of the SSDA903 read besides counts: the files, never a child
_READ_REPORT_FILES = ("years", "files", "encodings", "skipped_files")


def _publishable_read_report(read: Mapping[str, Any], threshold: int) -> Dict[str, Any]:
    """The SSDA903 read report for run.json: counts (1..threshold suppressed, also inside a
    count-by-reason table) and the files read; the lists naming children or rows stay out."""
    def count(n):
        return SUPPRESSED if 1 <= int(n) <= threshold else int(n)

    out: Dict[str, Any] = {}
    for key, value in read.items():
        if key in _READ_REPORT_FILES:
            out[key] = value
        elif is_whole(value):
            out[key] = count(value)
        elif isinstance(value, Mapping) and all(is_whole(v) for v in value.values()):
            out[key] = {str(k): count(v) for k, v in value.items()}
    return out


def _publish_by_locality(folder, model, det: pd.DataFrame, fan: pd.DataFrame, table: pd.DataFrame,
                         costs: Optional[pd.DataFrame]) -> Dict[str, Any]:
    """The run's tables by locality through the gate (see :mod:`earlyhelp.cli.flowlocal`); returns
    the run.json sections saying what was withheld."""
    from ..flow.localities import TOTAL
    from . import flowlocal as fl

    start = fl.start_stock(model)
    shown = folder.write_table("start_stock", start, **fl.START_GATE)
    hidden = fl.hidden_cells(start, shown.typed)
    costs_hidden = fl.cost_withheld(hidden, list(model.localities) + [TOTAL])
    typed, text = fl.stocks(det, hidden, costs_hidden)
    folder.write_table("stocks", typed, csv_frame=text)
    typed, text = fl.fan(fan, hidden)
    published_fan = folder.write_table("fan", typed, csv_frame=text).typed
    typed, text = fl.scenarios(table, hidden, costs_hidden, list(model.categories.states))
    folder.write_table("scenarios", typed, csv_frame=text)
    if costs is not None:
        typed, text = fl.costs(costs, costs_hidden)
        folder.write_table("costs", typed, csv_frame=text)
    charts = fl.write_charts(folder, published_fan)
    return {"suppressed_cells": [{"locality": loc, "state": s} for loc, s in sorted(hidden)],
            "costs_withheld": sorted(costs_hidden), "fan_charts": charts}


def _percent(column: str) -> str:
    """``q05`` -> ``5``, ``q2.5`` -> ``2.5``: a quantile column's percentage (named by flow.checks)."""
    return f"{float(column[1:]):g}"


def _fan_chart(fan: pd.DataFrame, hidden):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import matplotlib.dates as mdates

    from ..flow.categories import state_title
    from .flowlocal import quantile_columns

    states = [s for s in fan["state"].unique() if s not in hidden and s != "all"]
    cols = quantile_columns(fan)
    ncols = min(4, max(1, len(states)))          # a grid, readable on a page, not one long row
    nrows = -(-max(1, len(states)) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    band = f"{_percent(cols[0])}-{_percent(cols[-1])}% band" if cols else ""
    for ax, state in zip(axes.flat, states):
        part = fan[fan["state"] == state]
        if cols:
            ax.fill_between(part["date"], part[cols[0]], part[cols[-1]], alpha=0.3, label=band)
        ax.plot(part["date"], part["mean"], label="mean")
        ax.set_title(state_title(state), fontsize=10)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(states):]:
        ax.set_visible(False)
    axes[0][0].set_ylabel("children")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
