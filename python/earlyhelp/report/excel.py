"""The pack's Excel workbook: a contents sheet, then one tidy sheet per measure.

Each measure sheet has one row per month and locality (the council as "All localities"):
period, locality, numerator, denominator, value, interval, the same month a year before and
whether the change is more than noise. Hidden numbers are the text ``c``. Written with
XlsxWriter (strings are never read as formulas; text that starts like a formula was also
neutralised before it got here).
"""
from __future__ import annotations

import datetime
import io
import re
from typing import Dict

import pandas as pd

from .publish import neutralise_text
from .suppression import SUPPRESSED

SHEET_COLUMNS = ["period", "locality", "numerator", "denominator", "value", "lo", "hi", "previous", "change",
                 "change_significant", "rate_per_10k", "complete"]


def sheet_name(text: str, used: set) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of ``[]:*?/\\``).

    Parameters
    ----------
    text : str
        the wanted name.
    used : set
        names already taken (the new one is added).

    Returns
    -------
    str
    """
    base = re.sub(r"[\[\]:*?/\\]", "_", text)[:31] or "sheet"
    name, k = base, 1
    # Excel reserves the name "History" (a custom measure may be called so) and repairs a workbook that uses it
    while name.lower() in used or name.lower() == "history":
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
        value = value.item()     # a numpy string is text too: neutralised below like any other
    # names joined in after the gate (localities, agencies) are data too: never a formula
    return neutralise_text(value)


def workbook_bytes(pack, tables: Dict[str, pd.DataFrame]) -> bytes:
    """The workbook as bytes (written through the pack's publish_file).

    Parameters
    ----------
    pack : Pack
        the pack.
    tables : dict of str to DataFrame
        the published tables by name.

    Returns
    -------
    bytes
    """
    import xlsxwriter

    from .pack import csv_view

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False})
    # the document's created/modified time would differ on every run (and so the file's digest
    # in run.json): pinned, as xlsxwriter pins the ZIP entries' times
    wb.set_properties({"created": datetime.datetime(1980, 1, 1)})
    used: set = set()

    def sheet(name, rows):
        ws = wb.add_worksheet(name)
        for r, values in enumerate(rows):
            ws.write_row(r, 0, [_cell(v) for v in values])

    monthly = csv_view(tables["measures_monthly"])
    plan, contents = [], [
        [f"Early Help performance pack: {pack.council}"],
        [f"Months {pack.window['first_month']} to {pack.window['last_month']}"],
        [f"{SUPPRESSED} = a small number hidden (or hidden so a small number cannot be worked out); "
         "figures built on it are hidden too; a blank previous or change: the same period a year before "
         "was hidden or not whole"],
        [],
        ["sheet", "measure", "title", "definition", "direction", "source tables"],
    ]
    contents_name = sheet_name("Contents", used)
    summary_name = sheet_name("Summary", used)
    for _, row in pack.catalogue.iterrows():
        if row["id"] in pack.blocked:
            continue
        name = sheet_name(row["id"], used)
        plan.append((name, row))
        contents.append([name, row["id"], row["title"], row["definition"], row["direction"], row["source_tables"]])
    for mid, why in pack.blocked.items():
        contents.append(["", mid, "not computed", f"missing: {why}"])
    sheet(contents_name, contents)
    shown = csv_view(tables["summary"])
    sheet(summary_name, [list(shown.columns), *shown.itertuples(index=False, name=None)])
    by_measure = {mid: part for mid, part in monthly.groupby("measure", sort=False, observed=True)}
    for name, row in plan:
        part = by_measure.get(row["id"], monthly.iloc[:0])
        sheet(name, [SHEET_COLUMNS, *part[SHEET_COLUMNS].itertuples(index=False, name=None)])
    wb.close()
    return buffer.getvalue()
