"""The pack's Excel workbook: a contents sheet, then one tidy sheet per measure.

Each measure sheet has one row per month and locality (the council as "All localities"):
period, locality, numerator, denominator, value, interval, the same month a year before and
whether the change is more than noise. Hidden numbers are the text ``c``. Written with
openpyxl in write-only mode; text that starts like a formula was neutralised before it got here.
"""
from __future__ import annotations

import io
import re
from typing import Dict

import pandas as pd

from .suppression import SUPPRESSED

SHEET_COLUMNS = ["period", "locality", "numerator", "denominator", "value", "lo", "hi", "previous", "change",
                 "change_significant", "rate_per_10k", "complete"]


def sheet_name(text: str, used: set) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", text)[:31] or "sheet"
    name, k = base, 1
    while name.lower() in used:
        k += 1
        name = f"{base[:31 - len(str(k)) - 1]}_{k}"
    used.add(name.lower())
    return name


def _cell(value):
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def workbook_bytes(pack, tables: Dict[str, pd.DataFrame]) -> bytes:
    """The workbook as bytes (written through the pack's publish_file)."""
    from openpyxl import Workbook

    from .pack import csv_view

    wb = Workbook(write_only=True)
    used: set = set()
    contents = wb.create_sheet(sheet_name("Contents", used))
    contents.append([f"Early Help performance pack: {pack.council}"])
    contents.append([f"Months {pack.window['first_month']} to {pack.window['last_month']}"])
    contents.append([f"{SUPPRESSED} = a small number hidden (or hidden so a small number cannot be worked out); "
                     "figures built on it are hidden too"])
    contents.append([])
    contents.append(["sheet", "measure", "title", "definition", "direction", "source tables"])
    monthly = csv_view(tables["measures_monthly"])
    plan = []
    for _, row in pack.catalogue.iterrows():
        if row["id"] in pack.blocked:
            continue
        name = sheet_name(row["id"], used)
        plan.append((name, row))
        contents.append([name, row["id"], row["title"], row["definition"], row["direction"], row["source_tables"]])
    for mid, why in pack.blocked.items():
        contents.append(["", mid, "not computed", f"missing: {why}"])
    summary = wb.create_sheet(sheet_name("Summary", used))
    shown = csv_view(tables["summary"])
    summary.append(list(shown.columns))
    for r in shown.itertuples(index=False, name=None):
        summary.append([_cell(v) for v in r])
    for name, row in plan:
        ws = wb.create_sheet(name)
        part = monthly[monthly["measure"] == row["id"]]
        ws.append(SHEET_COLUMNS)
        for r in part[SHEET_COLUMNS].itertuples(index=False, name=None):
            ws.append([_cell(v) for v in r])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
