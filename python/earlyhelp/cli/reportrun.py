"""``earlyhelp report --config report.toml``: the monthly performance pack.

The config has the forecast config's ``[run]``, ``[source]`` and ``[publish]`` sections and a
``[report]`` section::

    [report]
    measures = ["requests", "closed_within_16_weeks"]   # default: the whole catalogue
    months = 24                                          # months shown
    title = "Early Help performance pack"
    end = "2025-03-31"                                   # last month (default: end of the data)
    custom_measures = "my_measures.toml"                 # [[measures]] specs, relative to this file

    [report.targets]
    closed_within_16_weeks = 0.87

    [report.change_points]
    closed_within_16_weeks = ["2024-01"]

Unknown measure ids, dimensions and periods are config errors (exit 2) that list the valid
choices.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from .._errors import ConfigError, Problem

REPORT_KEYS = ("measures", "months", "title", "end", "targets", "change_points", "custom_measures", "period", "by")


@dataclass
class ReportConfig:
    base: Any                      # the forecast-style Config for run/source/publish
    options: Any                   # earlyhelp.report.pack.PackOptions
    custom: List[str]
    record: Dict[str, Any]


def load_report_config(path: str) -> ReportConfig:
    """Read and check a report config; raise :class:`ConfigError` listing every problem."""
    from .._tomlfile import read_toml
    from .config import parse_config

    file = Path(path)
    data = read_toml(file, missing="config file not found: give the path to a .toml file (see examples/report.toml)")
    report = data.get("report", {})
    problems: List[Problem] = []
    base_data = {k: v for k, v in data.items() if k in ("run", "source", "code_map", "publish")}
    for key in data:
        if key not in ("run", "source", "code_map", "publish", "report"):
            problems.append(Problem(str(file), key, "unknown section; expected run, source, code_map, publish, "
                                                    "report"))
    try:
        base = parse_config(base_data, base=file.parent, name=str(file))
    except ConfigError as exc:
        problems.extend(exc.problems)
        base = None
    options, custom = _parse_report(report, file, problems)
    if problems:
        raise ConfigError(problems)
    options.threshold = base.suppression_threshold
    record = {"run": {"name": base.name}, "source": {"kind": base.source.kind, "preset": base.source.preset,
                                                     "years": base.source.years, "scale": base.source.scale,
                                                     "seed": base.source.seed} if base.source.kind == "synthetic"
              else {"kind": base.source.kind},
              "report": {k: v for k, v in report.items()}, "publish": {"suppression_threshold": options.threshold}}
    return ReportConfig(base=base, options=options, custom=custom, record=record)


def _parse_report(report: Mapping[str, Any], file: Path, problems: List[Problem]):
    from .. import measures as M
    from ..report.pack import PackOptions

    name = str(file)
    if not isinstance(report, Mapping):
        problems.append(Problem(name, "report", "must be a table ([report])"))
        report = {}
    for key in report:
        if key not in REPORT_KEYS:
            problems.append(Problem(name, f"report.{key}", f"unknown key; expected one of {', '.join(REPORT_KEYS)}"))
    custom: List[str] = []
    if "custom_measures" in report:
        raw = report["custom_measures"]
        p = Path(raw) if isinstance(raw, str) else None
        if p is None:
            problems.append(Problem(name, "report.custom_measures", "must be the path of a TOML file", value=raw))
        else:
            p = p if p.is_absolute() else file.parent / p
            try:
                custom = [m.id for m in M.load_measures_toml(p)]
            except (OSError, ValueError) as exc:
                problems.append(Problem(name, "report.custom_measures", str(exc)))
    valid = M.ids()
    measures = report.get("measures")
    if measures is not None:
        if isinstance(measures, str):
            measures = [measures]
        if not isinstance(measures, list) or not all(isinstance(m, str) for m in measures):
            problems.append(Problem(name, "report.measures", "must be a list of measure ids", value=measures))
            measures = None
        else:
            for m in measures:
                if m not in valid:
                    problems.append(Problem(name, "report.measures", f"unknown measure {m!r}; valid measures: "
                                            f"{', '.join(valid)}", value=m))
    period = report.get("period", "month")
    if period != "month":
        problems.append(Problem(name, "report.period", f"unknown period {period!r} for the monthly pack; valid "
                                f"periods: month (the pack's charts are monthly; {', '.join(M.PERIODS)} are "
                                "available from earlyhelp.measures.compute)", value=period))
    by = report.get("by", ["locality"])
    for d in [by] if isinstance(by, str) else (by if isinstance(by, list) else [by]):
        if d not in M.DIMENSIONS:
            problems.append(Problem(name, "report.by", f"unknown dimension {d!r}; valid dimensions: "
                                    f"{', '.join(M.DIMENSIONS)}", value=d))
        elif d != "locality":
            problems.append(Problem(name, "report.by", f"the pack splits by locality only; {d!r} is available from "
                                    "earlyhelp.measures.compute", value=d))
    months = report.get("months", 24)
    if isinstance(months, bool) or not isinstance(months, int) or not 3 <= months <= 120:
        problems.append(Problem(name, "report.months", "must be a whole number from 3 to 120", value=months))
        months = 24
    title = report.get("title", "Early Help performance pack")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(name, "report.title", "must be a non-empty string", value=title))
        title = "Early Help performance pack"
    end = report.get("end")
    if end is not None:
        end = str(end)
        try:
            import pandas as pd

            pd.Timestamp(end)
        except ValueError:
            problems.append(Problem(name, "report.end", "must be a date like 2025-03-31", value=end))
            end = None
    targets = report.get("targets", {})
    checked_targets: Dict[str, float] = {}
    for mid, t in (targets.items() if isinstance(targets, Mapping) else []):
        if mid not in valid:
            problems.append(Problem(name, f"report.targets.{mid}", f"unknown measure; valid measures: "
                                    f"{', '.join(valid)}"))
        elif isinstance(t, bool) or not isinstance(t, (int, float)):
            problems.append(Problem(name, f"report.targets.{mid}", "must be a number (a share as 0-1)", value=t))
        else:
            checked_targets[mid] = float(t)
    cps = report.get("change_points", {})
    checked_cps: Dict[str, List[str]] = {}
    for mid, months_ in (cps.items() if isinstance(cps, Mapping) else []):
        if mid not in valid:
            problems.append(Problem(name, f"report.change_points.{mid}", f"unknown measure; valid measures: "
                                    f"{', '.join(valid)}"))
            continue
        items = [months_] if isinstance(months_, str) else months_
        if not isinstance(items, list) or not all(isinstance(x, str) and len(x) == 7 for x in items):
            problems.append(Problem(name, f"report.change_points.{mid}", "must be a list of months like \"2024-01\"",
                                    value=months_))
            continue
        checked_cps[mid] = items
    return PackOptions(measures=measures, months=months, title=title, targets=checked_targets,
                       change_points=checked_cps, end=end), custom


def run_report(path: str, output: Optional[str] = None, *, code_map: Optional[str] = None) -> Path:
    """Load the config's data, build the pack and write it; return the run folder.

    ``code_map``: a council code-map file, instead of the config's ``[code_map]``."""
    from ..report.pack import write_pack
    from ..sources import load_source

    cfg = load_report_config(path)
    ds = load_source(cfg.base.source, code_map_file=code_map)
    out = output or cfg.base.output
    return write_pack(ds, out, options=cfg.options, config=cfg.record)
