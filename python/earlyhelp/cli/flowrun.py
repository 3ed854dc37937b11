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

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pandas as pd

from .._errors import ConfigError, Problem
from .._tomlfile import read_toml
from ..report.suppression import SUPPRESSED


#: ``[model] by``: one model for the council, or one per locality (``StockFlow.fit(by=...)``)
BY_CHOICES = ("council", "locality")


def model_switches() -> Dict[str, bool]:
    """StockFlow's on/off settings and their defaults: the ``[model]`` keys of the same names."""
    import inspect

    from ..flow import StockFlow

    return {p.name: p.default for p in inspect.signature(StockFlow).parameters.values() if isinstance(p.default, bool)}


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
    scenarios: List[Dict[str, Any]] = field(default_factory=list)
    dask: Optional[str] = None
    suppression_threshold: int = 5
    ssda903: Optional[str] = None
    path: str = "config"


def load_flow_config(path: str) -> FlowConfig:
    """Read and check ``earlyhelp flow``'s TOML file; raise :class:`ConfigError` listing every problem."""
    from .config import _Checker, _parse_source, _with_code_map

    file = Path(path)
    data = read_toml(file, missing="config file not found: give the path to a .toml file (see examples/flow.toml)")
    check = _Checker(str(file))
    base = file.parent
    check.known(data, "", ("run", "source", "code_map", "model", "costs", "scenarios", "dask", "publish"))
    run = check.table(data, "run")
    name = check.string(run, "run.name", default="earlyhelp-flow")
    output = check.string(run, "run.output", default="runs")
    src = dict(check.table(data, "source", required=True))
    ssda903 = None
    if src.get("kind") == "ssda903":
        raw = check.string(src, "source.path", required=True)
        ssda903 = str(Path(raw) if Path(raw).is_absolute() else base / raw) if raw else None
        source = None
    else:
        source = _with_code_map(check, check.table(data, "code_map"), _parse_source(check, src, base, {}), base)
    model = check.table(data, "model")
    check.known(model, "model", ("categories", "by", "start", "end", "months", "runs", "seed", "quantiles",
                                   *model_switches()))
    categories = check.choice(model, "model.categories", ("continuum", "cs-demand-model"), default="continuum")
    by = check.choice(model, "model.by", BY_CHOICES, default="council")
    if by == "locality" and src.get("kind") == "ssda903":
        check.bad("model.by", "an SSDA903 return has no families, so no localities: use by = \"council\"", by)
    months = check.integer(model, "model.months", default=60, minimum=1, maximum=600)
    runs = check.integer(model, "model.runs", default=1000, minimum=1, maximum=1_000_000)
    seed = check.integer(model, "model.seed", default=0, minimum=0)
    switches = {name: check.boolean(model, f"model.{name}", default=default)
                for name, default in model_switches().items()}
    quantiles = model.get("quantiles", [0.05, 0.5, 0.95])
    if not isinstance(quantiles, list) or not all(isinstance(q, (int, float)) and 0 <= q <= 1 for q in quantiles):
        check.bad("model.quantiles", "must be a list of numbers between 0 and 1", quantiles)
    costs = check.table(data, "costs")
    check.known(costs, "costs", ("unit", "inflation", "unit_costs"))
    unit = check.choice(costs, "costs.unit", ("day", "week"), default="week")
    inflation = check.number(costs, "costs.inflation", default=0.0, minimum=-0.5, maximum=1.0)
    unit_costs = dict(costs.get("unit_costs", {}))
    scenarios = data.get("scenarios", [])
    if not isinstance(scenarios, list):
        check.bad("scenarios", "must be an array of tables ([[scenarios]])", scenarios)
        scenarios = []
    dask = check.table(data, "dask")
    check.known(dask, "dask", ("address",))
    address = dask.get("address") or None
    if address is not None and not isinstance(address, str):
        check.bad("dask.address", "must be a string: \"local\" or a scheduler address", address)
    publish = check.table(data, "publish")
    check.known(publish, "publish", ("suppression_threshold",))
    threshold = check.integer(publish, "publish.suppression_threshold", default=5, minimum=0, maximum=100)
    check.raise_if_any()
    out = Path(output)
    return FlowConfig(name=name, output=str(out if out.is_absolute() else base / out), source=source,
                      categories=categories, by=None if by == "council" else by, start=model.get("start"), end=model.get("end"), months=months,
                      runs=runs, seed=seed, quantiles=[float(q) for q in quantiles], unit_costs=unit_costs,
                      unit=unit, inflation=inflation, switches=switches, scenarios=scenarios, dask=address,
                      suppression_threshold=threshold, ssda903=ssda903, path=str(file))


def _load(cfg: FlowConfig):
    import earlyhelp

    if cfg.ssda903 is not None:
        return earlyhelp.read_ssda903(cfg.ssda903)
    from ..sources import load_source

    return load_source(cfg.source)


def _scenarios(cfg: FlowConfig):
    from ..flow import Scenario

    out = []
    for i, raw in enumerate(cfg.scenarios):
        try:
            out.append(Scenario.from_dict({"name": raw.get("name", f"scenario {i + 1}"),
                                           "changes": raw.get("changes", []), "caps": raw.get("caps", {})}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError([Problem(cfg.path, f"scenarios[{i}]", f"not a scenario: {exc}")]) from None
    return out


def publish(folder, name: str, frame: Optional[pd.DataFrame] = None, *, hidden: Mapping[str, Any] = (),
            png: Optional[bytes] = None) -> None:
    """The one way a run fitted for the council writes a file: drops the hidden states' rows (and
    the total) first, then writes through the gate."""
    if png is not None:
        folder.write_bytes(name, png, sources=["fan"])      # drawn from the published fan table
        return
    if "state" in frame.columns and hidden:
        frame = frame[~frame["state"].isin(list(hidden) + ["all"])]
    # with a state hidden, totals and costs over all states would give it away
    frame = frame[[c for c in frame.columns
                   if not (hidden and c in list(hidden) + ["stock", "cost", "cost_avoided", "cost_per_day"])]]
    folder.write_table(name, frame.reset_index(drop=True))


def run_flow(cfg: FlowConfig, run_id: Optional[str] = None):
    """Fit, project, simulate and compare scenarios; write one run folder. Returns its path."""
    from ..flow import StockFlow, compare, local_client
    from ..report.publish import PublishPolicy
    from ..report.runfolder import RunFolder, figure_png, new_run_id, run_digest
    from ..sources import content_hash

    timings: Dict[str, float] = {}
    t = time.perf_counter()
    ds = _load(cfg)
    inputs = content_hash(ds)
    timings["load"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    model = StockFlow(cfg.categories, unit_costs=cfg.unit_costs or None, unit=cfg.unit, inflation=cfg.inflation,
                      **cfg.switches).fit(ds, start=cfg.start, end=cfg.end, by=cfg.by)
    timings["fit"] = round(time.perf_counter() - t, 3)
    f = model._fit if cfg.by is None else next(iter(model.localities.values()))._fit
    until = f.end + pd.DateOffset(months=cfg.months)
    scenarios = _scenarios(cfg)
    t = time.perf_counter()
    det = model.project(until=until, freq="M")
    table = compare(model, scenarios, until=until)
    timings["project"] = round(time.perf_counter() - t, 3)
    client = None
    if cfg.dask:
        client = local_client() if cfg.dask == "local" else local_client(cfg.dask)
    t = time.perf_counter()
    try:
        fan = model.simulate(months=cfg.months, runs=cfg.runs, seed=cfg.seed, client=client, quantiles=cfg.quantiles)
        costs = model.simulate_costs(cfg.quantiles) if cfg.unit_costs else None
    finally:
        if client is not None:
            client.close()
    timings["simulate"] = round(time.perf_counter() - t, 3)
    params = {"categories": cfg.categories, "by": cfg.by or "council", "start": str(f.start.date()),
              "end": str(f.end.date()), "months": cfg.months, "runs": cfg.runs, "seed": cfg.seed,
              "quantiles": cfg.quantiles, "unit": cfg.unit, "unit_costs": cfg.unit_costs, "inflation": cfg.inflation,
              **cfg.switches,
              "scenarios": [s.to_dict() for s in scenarios], "suppression_threshold": cfg.suppression_threshold}
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
            publish(folder, "fan_chart.png", png=figure_png(_fan_chart(fan, hidden)))
            sections["suppressed_states"] = sorted(hidden)
        else:
            sections.update(_publish_by_locality(folder, model, det, fan, table, costs))
        folder.record("flow", inputs=inputs, digest=digest, excluded=excluded, timings=timings,
                      parameters=params, config=cfg.path, by=cfg.by or "council", **sections)
    return folder.final


def _hidden_states(model, f, threshold: int) -> Dict[str, str]:
    """States whose council starting stock is 1..threshold children."""
    start_stock = model._bin_frame().assign(stock=f.initial).groupby("state", sort=False)["stock"].sum()
    return {s: SUPPRESSED for s, v in start_stock.items() if 0 < v <= threshold}


def _excluded(model, ds, threshold: int):
    """What the fit and the read left out (for run.json), and the sections that say more."""
    from ..results import Excluded

    report = model.report
    excluded = [Excluded(table="spells", reason=reason.replace("_", " "), rows=int(n), step="fit")
                for reason, n in report.items()
                if isinstance(n, (int, np.integer)) and n and reason != "children_without_a_locality_excluded"]
    read = ds.meta.get("ssda903_report") or {}
    excluded += [Excluded(table="episodes", reason=key.replace("_", " "), rows=int(read[key]), step="read_ssda903")
                 for key in ("episodes_without_header_dropped", "episodes_sharing_an_end_date_dropped")
                 if read.get(key)]
    sections: Dict[str, Any] = {"ssda903": read} if read else {}
    if "children_without_a_locality_excluded" in report:
        n = int(report["children_without_a_locality_excluded"])
        sections["localities"] = {
            "children_without_a_locality_excluded": SUPPRESSED if 1 <= n <= threshold else n,
            "reason": "no family in family_members, or the family has no locality_id: their spells are left "
                      "out of every locality and of the council total",
            "localities_without_spells": list(report.get("localities_without_spells", [])),
            "fitted": list(model.localities)}
    return excluded, sections


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


def _fan_chart(fan: pd.DataFrame, hidden):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    states = [s for s in fan["state"].unique() if s not in hidden and s != "all"]
    cols = [c for c in fan.columns if c.startswith("q")]
    fig, axes = plt.subplots(1, len(states), figsize=(3 * len(states), 3), squeeze=False)
    for ax, state in zip(axes[0], states):
        part = fan[fan["state"] == state]
        ax.fill_between(part["date"], part[cols[0]], part[cols[-1]], alpha=0.3, label=f"{cols[0]}-{cols[-1]}")
        ax.plot(part["date"], part["mean"], label="mean")
        ax.set_title(state)
        ax.tick_params(axis="x", labelrotation=45)
    axes[0][0].legend()
    fig.tight_layout()
    return fig
