"""Write the generated parts of docs/data-model.md from the schema and code lists.

The reference tables (columns, kinds, SSD aliases, code lists, snapshot rules) are
generated from ``earlyhelp.data.schema``, ``earlyhelp.data.codes`` and
``earlyhelp.data.events`` so they cannot drift from the code; the prose around them is
written by hand. Generated blocks sit between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->`` lines.

Usage::

    PYTHONPATH=python python docs/_gen_data_model.py          # rewrite the blocks
    PYTHONPATH=python python docs/_gen_data_model.py --check  # exit 1 if out of date
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable, Dict, Iterable, List

DOC = Path(__file__).with_name("data-model.md")
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                   re.DOTALL)
KIND_DTYPES = {"id": "string[pyarrow]", "str": "string[pyarrow]", "date": "datetime64[ns]", "int": "Int64",
               "float": "float64", "bool": "boolean", "code": "category"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: List[str], rows: Iterable[List[str]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _allowed(column) -> str:
    """What values a column takes: its code list, a range, or the table it refers to."""
    parts = []
    if column.kind == "code":
        parts.append(_code_list_name(column) + " or `unknown`")
    elif column.codes:
        parts.append("one of " + ", ".join(column.codes))
    else:
        if column.minimum is not None:
            parts.append(f">= {column.minimum:g}")
        if column.maximum is not None:
            parts.append(f"<= {column.maximum:g}")
    if column.references:
        parts.append(f"refers to `{column.references}`")
    return "; ".join(parts)


def _code_list_name(column) -> str:
    """A link to the code list the column uses (found by its values)."""
    mine = tuple(v for v in column.codes if v != "unknown")
    for name, values in _code_lists().items():
        if mine == tuple(v for v in values if v != "unknown"):
            return f"[{name}](#{name.lower()})"
    return ", ".join(f"`{c}`" for c in mine)


def _code_lists() -> Dict[str, tuple]:
    from earlyhelp.data import codes

    out = {}
    for name in dir(codes):
        value = getattr(codes, name)
        if name.isupper() and isinstance(value, (tuple, dict)) and name not in (
                "CODE_SYNONYMS", "PUBLISHED_MARKERS", "NEED_TITLES", "LEVEL_NAMES", "ASSESSMENT_FACTOR_TO_NEED"):
            out[name] = tuple(str(v) for v in value)
    return out


def block_tables() -> List[str]:
    from earlyhelp.data.schema import TABLES

    lines: List[str] = []
    for table in TABLES.values():
        lines.append(f"### {table.name}")
        lines.append("")
        key = " + ".join(f"`{k}`" for k in table.key)
        ssd = ", ".join(f"`{a}`" for a in table.aliases) or "none"
        lines.append(f"Key: {key}. SSD / other table names accepted: {ssd}.")
        if table.description:
            lines.append(f"{table.description[0].upper()}{table.description[1:]}.")
        lines.append("")
        rows = []
        for c in table.columns:
            need = "required" if c.required else (f"optional (default `{c.default}`)" if c.default else "optional")
            notes = c.description
            if c.open_end:
                notes = "; ".join(filter(None, [notes, "a date in the year 9999 (a warehouse's open end) loads "
                                                        "as missing"]))
            rows.append([f"`{c.name}`", c.kind, need, "yes" if c.nullable else "no", _allowed(c),
                         ", ".join(f"`{a}`" for a in c.aliases), notes])
        lines += _table(["column", "kind", "column is", "may be missing", "values", "SSD / other names",
                         "notes"], rows)
        lines.append("")
    return lines


def block_codes() -> List[str]:
    from earlyhelp.data import codes

    lines: List[str] = []
    titles = {"NEEDS": codes.NEED_TITLES, "EPISODE_LEVEL": {str(k): v for k, v in codes.LEVEL_NAMES.items()},
              "ASSESSMENT_FACTORS": {k: f"counts towards the need `{v}`"
                                     for k, v in codes.ASSESSMENT_FACTOR_TO_NEED.items()}}
    for name, values in _code_lists().items():
        labels = getattr(codes, name)
        lines.append(f"### {name}")
        lines.append("")
        if isinstance(labels, dict):
            lines += _table(["code", "meaning"], [[f"`{k}`", v] for k, v in labels.items()])
        elif name in titles:
            lines += _table(["code", "meaning"], [[f"`{v}`", titles[name].get(v, "(not mapped to a need)")] for v in values])
        else:
            lines.append(", ".join(f"`{v}`" for v in values))
        lines.append("")
    lines.append("### Built-in synonyms (applied before `code_map` fails)")
    lines.append("")
    rows = [[f"`{where}`", f"`{local}`", f"`{ours}`"] for where, mapping in codes.CODE_SYNONYMS.items()
            for local, ours in mapping.items()]
    lines += _table(["column", "local wording (normalised)", "our code"], rows)
    lines.append("")
    return lines


def block_markers() -> List[str]:
    from earlyhelp.data import codes

    return _table(["marker", "status"], [[f"`{m}`", f"`{s}`"] for m, s in codes.PUBLISHED_MARKERS.items()]) + [""]


def block_folded() -> List[str]:
    from earlyhelp.data.schema import FOLDED_COLUMNS, FOLDED_TABLES

    where = {"disability": "`persons.disability` (main code) and `persons.disability_codes` (all, comma-separated)",
             "assessment_factors": "`csc_assessments.factors` (comma-separated codes)",
             "address": "households (people in no family join the family at their address) and, with a "
                        "geography lookup, `families.locality_id`",
             "department": "`practitioners.locality_id` (team -> locality, with a geography lookup)"}
    rows = [[", ".join(f"`{n}`" for n in names),
             "; ".join(f"`{ours}` <- " + " / ".join(f"`{a}`" for a in aka) for ours, aka in FOLDED_COLUMNS[fold].items()),
             where[fold]] for fold, names in FOLDED_TABLES.items()]
    return _table(["SSD table", "columns read", "folded into"], rows) + [""]


def block_snapshot() -> List[str]:
    from earlyhelp.data.events import SNAPSHOT_RULES

    rows = []
    for table, (known_from, later) in SNAPSHOT_RULES.items():
        hidden = "; ".join(f"`{d}`" + (" with " + ", ".join(f"`{c}`" for c in deps) if deps else "")
                           for d, deps in later.items()) or "nothing"
        rows.append([f"`{table}`", f"`{known_from}` after the date", hidden])
    return _table(["table", "row removed when", "set missing when after the date"], rows) + [""]


def block_dtypes() -> List[str]:
    return _table(["kind", "pandas dtype"], [[k, f"`{v}`"] for k, v in KIND_DTYPES.items()]) + [""]


BLOCKS: Dict[str, Callable[[], List[str]]] = {
    "dtypes": block_dtypes, "tables": block_tables, "codes": block_codes, "folded": block_folded,
    "markers": block_markers, "snapshot": block_snapshot,
}


def render(text: str) -> str:
    """The document with every generated block rewritten."""
    seen = set()

    def fill(m: re.Match) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            raise KeyError(f"unknown generated block {name!r}")
        seen.add(name)
        return m.group(1) + "\n".join(BLOCKS[name]()) + "\n" + m.group(4)

    out = BLOCK.sub(fill, text)
    missing = set(BLOCKS) - seen
    if missing:
        raise KeyError(f"docs/data-model.md lacks generated blocks: {', '.join(sorted(missing))}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is out of date")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print("docs/data-model.md is out of date: run PYTHONPATH=python python docs/_gen_data_model.py")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
