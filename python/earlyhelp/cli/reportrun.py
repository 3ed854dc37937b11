"""``earlyhelp report --config report.toml``: the monthly performance pack.

The config has the forecast config's ``[run]``, ``[source]`` and ``[publish]`` sections and a
``[report]`` section::

    [report]
    measures = ["requests", "closed_within_16_weeks"]   # default: the whole catalogue
    months = 24                                          # months shown
    title = "Early Help performance pack"
    end = "2025-03-31"                                   # last month (default: end of the data)
    extract_date = 2025-04-01                            # the day the extract is complete to (default: its
                                                         # data's end_date, else its latest event)
    custom_measures = "my_measures.toml"                 # [[measures]] specs, relative to this file
    audit_budget = 20000                                 # linear/integer programmes of the suppression audit

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
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from .._errors import ConfigError, Problem
from .._tomlfile import located

if TYPE_CHECKING:  # pandas is imported where it is used: the command line starts faster
    import pandas as pd

REPORT_KEYS = ("measures", "months", "title", "end", "extract_date", "targets", "change_points", "custom_measures",
               "period", "by", "audit_budget")


@dataclass
class ReportConfig:
    base: Any                      # the forecast-style Config for run/source/publish
    options: Any                   # earlyhelp.report.pack.PackOptions
    custom: List[str]
    record: Dict[str, Any]


def load_report_config(path: str) -> ReportConfig:
    """Read and check a report config; raise :class:`ConfigError` listing every problem."""
    from .config import missing_config, parse_config, read_config_toml

    file = Path(path)
    data = read_config_toml(file, missing=missing_config("report"))
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
    options, custom, custom_sha256 = _parse_report(report, file, problems)
    if problems:
        raise ConfigError(located(problems, file))
    options.threshold = base.suppression_threshold
    record = {"run": {"name": base.name}, "source": {"kind": base.source.kind, "preset": base.source.preset,
                                                     "years": base.source.years, "scale": base.source.scale,
                                                     "seed": base.source.seed} if base.source.kind == "synthetic"
              else {"kind": base.source.kind},
              # the custom measures' definitions, not only their file's name, make the pack (and its digest)
              "report": {**report, **({"custom_measures_sha256": custom_sha256} if custom_sha256 else {})},
              "publish": {"suppression_threshold": options.threshold, "pseudonymise": bool(base.pseudonymise)}}
    return ReportConfig(base=base, options=options, custom=custom, record=record)


def _parse_report(report: Mapping[str, Any], file: Path, problems: List[Problem]):
    from .. import measures as M
    from ..report.pack import PackOptions

    name = str(file)
    if not isinstance(report, Mapping):
        problems.append(Problem(name, "report", "must be a table ([report])"))
        report = {}
    for key in report:
        if key == "audit_seconds":
            problems.append(Problem(name, "report.audit_seconds", "a time limit made the tables published depend on "
                                    "the machine's load; report.audit_budget (a number of linear and integer "
                                    "programmes) replaced it", value=report[key]))
        elif key not in REPORT_KEYS:
            problems.append(Problem(name, f"report.{key}", f"unknown key; expected one of {', '.join(REPORT_KEYS)}"))
    from ..report.runfolder import sha256_file

    custom: List[str] = []
    custom_sha256: Optional[str] = None
    if "custom_measures" in report:
        raw = report["custom_measures"]
        p = Path(raw) if isinstance(raw, str) else None
        if p is None:
            problems.append(Problem(name, "report.custom_measures", "must be the path of a TOML file", value=raw))
        else:
            p = p if p.is_absolute() else file.parent / p
            try:
                custom = [m.id for m in M.load_measures_toml(p)]
                custom_sha256 = sha256_file(p)
            except (OSError, ValueError) as exc:
                problems.append(Problem(name, "report.custom_measures", str(exc)))
    valid = M.ids()
    measures = report.get("measures")
    if measures is not None:
        if isinstance(measures, str):
            measures = [measures]
        if not isinstance(measures, list) or not measures or not all(isinstance(m, str) for m in measures):
            problems.append(Problem(name, "report.measures", "must be a non-empty list of measure ids (leave it "
                                    "out for the whole catalogue)", value=measures))
            measures = None
        else:
            for m in sorted({m for m in measures if measures.count(m) > 1}):
                problems.append(Problem(name, "report.measures", f"lists {m!r} twice", value=m))
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
    end = _iso_date(report, "end", name, problems)
    extract_date = _iso_date(report, "extract_date", name, problems)
    if extract_date is not None:
        from ..report.pack import _extract_date_problem

        problem = _extract_date_problem(extract_date)
        if problem is not None:
            problems.append(Problem(name, "report.extract_date", problem.message, value=report["extract_date"]))
            extract_date = None
    from ..report.suppression import DEFAULT_AUDIT_BUDGET

    audit_budget = report.get("audit_budget", DEFAULT_AUDIT_BUDGET)
    if isinstance(audit_budget, bool) or not isinstance(audit_budget, int) or audit_budget < 0:
        problems.append(Problem(name, "report.audit_budget", "must be a whole number of linear and integer "
                                "programmes >= 0 (the suppression's bounds audit; counted, not timed)",
                                value=audit_budget))
        audit_budget = DEFAULT_AUDIT_BUDGET
    targets = _table(report, "targets", name, problems)
    checked_targets: Dict[str, float] = {}
    for mid, t in targets.items():
        if mid not in valid:
            problems.append(Problem(name, f"report.targets.{mid}", f"unknown measure; valid measures: "
                                    f"{', '.join(valid)}"))
            continue
        problem = _target_problem(M.get(mid).kind, t)
        if problem:
            problems.append(Problem(name, f"report.targets.{mid}", problem, value=t))
        else:
            checked_targets[mid] = float(t)
    cps = _table(report, "change_points", name, problems)
    checked_cps: Dict[str, List[str]] = {}
    for mid, months_ in cps.items():
        if mid not in valid:
            problems.append(Problem(name, f"report.change_points.{mid}", f"unknown measure; valid measures: "
                                    f"{', '.join(valid)}"))
            continue
        items = [months_] if isinstance(months_, str) else months_
        if not isinstance(items, list) or not all(_is_month(x) for x in items):
            problems.append(Problem(name, f"report.change_points.{mid}", "must be a list of months like \"2024-01\"",
                                    value=months_))
            continue
        checked_cps[mid] = items
    return PackOptions(measures=measures, months=months, title=title, targets=checked_targets,
                       change_points=checked_cps, end=end, extract_date=extract_date,
                       audit_budget=audit_budget), custom, custom_sha256


def _iso_date(report: Mapping[str, Any], key: str, name: str, problems: List[Problem]) -> Optional[str]:
    """``report.<key>`` as an ISO day (None when absent or wrong, the problem noted)."""
    import datetime as _dt

    value = report.get(key)
    if value is None:
        return None
    # a TOML date, or ISO text: pandas would read 03/04/2024 as 4 March (an English council
    # means 3 April) and 2024 as 1 January; a time zone would fail the run after its work
    iso = value.isoformat()[:10] if isinstance(value, _dt.date) else str(value) if isinstance(value, str) else ""
    try:
        return _dt.date.fromisoformat(iso).isoformat()
    except ValueError:
        problems.append(Problem(name, f"report.{key}", "must be a date like 2025-03-31 (YYYY-MM-DD)", value=value))
        return None


def _table(report: Mapping[str, Any], key: str, name: str, problems: List[Problem]) -> Mapping[str, Any]:
    """``report.<key>`` as a table (empty when absent); anything else is a problem, not ignored."""
    value = report.get(key, {})
    if isinstance(value, Mapping):
        return value
    problems.append(Problem(name, f"report.{key}", f"must be a table ([report.{key}]) of measure id = value",
                            value=value))
    return {}


def _target_problem(kind: str, target: Any) -> Optional[str]:
    """What is wrong with a measure's target (None when it is usable): a proportion's target is a
    share, so 87 (meant as 87%) would fail every month."""
    import math

    if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
        return "must be a finite number (a share from 0 to 1 for a proportion)"
    if kind == "proportion" and not 0 <= target <= 1:
        return "this measure is a proportion: give its target as a share from 0 to 1 (87% is 0.87)"
    return None


def _is_month(text: Any) -> bool:
    """A month written ``YYYY-MM`` (e.g. ``"2024-01"``)."""
    import re

    return isinstance(text, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) is not None


def check_report_window(ds, options, config_name: str) -> None:
    """Raise :class:`ConfigError` when the pack's months reach outside the data (``report.end``
    after the extract's end or before the data begin, ``report.months`` back past their first
    month): those months would be published as zeros, and the SPC limits and verdicts computed
    with them. The extract's end is the pack's own (:func:`earlyhelp.report.pack.pack_window`:
    ``report.extract_date``, else the data's end date, else their latest event less stray dates),
    so the command line and the pack agree."""
    from .._errors import ValidationError
    from ..report.pack import pack_window

    begin = data_begin(ds)
    if begin is None:
        return      # nothing to report on: the pack says so
    if options.end:
        end = _day(options.end)
        if end < begin:
            _window_problem(config_name, "report.end", options.end, f"is before the data begin ({begin.date()}): "
                            "every month of the pack would show as zeros")
    try:
        month_end, _ = pack_window(ds, options)
    except ValidationError as err:
        raise ConfigError(located([Problem(config_name, f"report.{p.column}", p.message, value=p.value)
                                   if p.table == "report" else p for p in err.problems], config_name)) from None
    covered = months_covered(begin, month_end)
    if options.months > covered:
        _window_problem(config_name, "report.months", options.months, f"reaches back before the data begin "
                        f"({begin.date()}): the data cover {covered} months to {month_end:%Y-%m}, and the months "
                        f"before would show as zeros; give report.months = {covered} or fewer")


def _day(value: Any) -> "pd.Timestamp":
    import pandas as pd

    return pd.Timestamp(value).normalize()


def months_covered(begin: pd.Timestamp, month_end: pd.Timestamp) -> int:
    """Calendar months from the one holding ``begin`` to the one holding ``month_end``, both counted."""
    return (month_end.year - begin.year) * 12 + month_end.month - begin.month + 1


def data_begin(ds) -> Optional[pd.Timestamp]:
    """The first date the data describe: ``meta['window_start']`` (synthetic data, extracts), else the
    first request, else the first episode start (episodes open when an extract starts began earlier,
    so they come last)."""
    import pandas as pd

    candidates = [ds.meta.get("window_start"), ds.requests["received_date"].min(), ds.episodes["start_date"].min()]
    first = next((c for c in candidates if c is not None and pd.notna(c)), None)
    return None if first is None else pd.Timestamp(first).normalize()


def _window_problem(config_name: str, key: str, value: Any, message: str) -> None:
    raise ConfigError(located([Problem(config_name, key, message, value=value)], config_name))


def run_report(path: str, output: Optional[str] = None, *, code_map: Optional[str] = None) -> Path:
    """Load the config's data, build the pack and write it; return the run folder.

    ``code_map``: a council code-map file, instead of the config's ``[code_map]``."""
    from ..report.pack import write_pack
    from ..sources import load_source

    from .config import require_output_folder, with_code_map_option

    cfg = load_report_config(path)
    out = output or cfg.base.output
    require_output_folder(out, key="--output" if output else "run.output", source="option" if output else str(path))
    # the option's code map in place of the config's whole one, as forecast, score and network read it
    ds = load_source(with_code_map_option(cfg.base.source, code_map))
    check_report_window(ds, cfg.options, str(path))
    return write_pack(ds, out, options=cfg.options, config=cfg.record, pseudonymise=cfg.base.pseudonymise)
