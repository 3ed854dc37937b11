"""The load report: what reading the data did to it, for a person to read and for run.json.

``ds.meta["load_report"]`` is filled while a Dataset is read: files and encodings, files
ignored, columns that took a default, values loaded as missing (NULL text, placeholders),
codes mapped, what was derived (families, dates, roles, localities), what could not be
derived (contact decisions, localities) and codes loaded as unknown. :func:`summary_lines`
says it in lines with counts; :func:`as_record` gives plain JSON-safe data.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional


def as_record(report: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The report as plain data (strings, numbers, lists, dicts) for ``run.json``."""
    if not report:
        return {}
    return json.loads(json.dumps(dict(report), default=str))


def _sum(entries) -> int:
    return int(sum(int(e.get("rows", 0) or 0) for e in entries))


def summary_lines(report: Optional[Mapping[str, Any]], *, limit: int = 12) -> List[str]:
    """What loading did, in lines a person reads: defaulted, ignored, mapped, derived, not derived.

    Each section lists at most ``limit`` entries (the rest are counted).
    """
    if not report:
        return []
    lines: List[str] = []

    def section(title: str, items: List[str]) -> None:
        if not items:
            return
        lines.append(title)
        lines.extend(f"  {item}" for item in items[:limit])
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more (all in run.json / ds.meta['load_report'])")

    if report.get("profile"):
        lines.append(f"read as: {report['profile']} SSD extract")
    defaults = report.get("defaults", []) or []
    section(f"defaulted ({_sum(defaults):,} values):",
            [f"{d['table']}.{d['column']} = {'not recorded' if d['value'] is None else repr(d['value'])} for "
             f"{int(d.get('rows', 0)):,} rows" + (f" ({d['reason']})" if d.get("reason") else "") for d in defaults])
    ignored_values = report.get("ignored_values", []) or []
    ignored = [f"{e['table']}.{e['column']}: {e['value']!r} x{int(e['rows']):,} ({e['reason']})"
               for e in ignored_values]
    files = report.get("files", {}) or {}
    why = {name: str(note)[len("not read: "):] for name, note in files.items()
           if str(note).startswith("not read: ")}
    ignored += [f"file {name}" + (f" ({why[name]})" if name in why else "") for name in report.get("ignored", []) or []]
    section(f"ignored ({_sum(ignored_values):,} values loaded as missing; "
            f"{len(report.get('ignored', []) or [])} files not read):", ignored)
    mapped = report.get("mapped", []) or []
    section(f"mapped ({_sum(mapped):,} values):",
            [f"{m['table']}.{m['column']}: {int(m['rows']):,} rows by {m['how']}" for m in mapped])
    unknown = report.get("unknown_codes", []) or []
    section(f"loaded as unknown ({_sum(unknown):,} values):",
            [f"{u['table']}.{u['column']}: {int(u['rows']):,} rows "
             f"({', '.join(f'{k!r} x{v}' for k, v in list((u.get('values') or {}).items())[:5])})" for u in unknown])
    section("derived:", [str(d) for d in report.get("derived", []) or []])
    not_derived = report.get("not_derived", []) or []
    section(f"could not derive ({_sum(not_derived):,} values):",
            [f"{n['table']}.{n['column']}: {int(n['rows']):,} rows ({n['reason']})" for n in not_derived])
    unchecked = report.get("unchecked_references", []) or []
    section("references not checked (table not supplied):", [str(u) for u in unchecked])
    return lines
