"""The pack's offline HTML dashboard: one page per theme, tiles with SPC icons, inline SVG charts.

Everything is in one file (CSS, a few lines of script for the page tabs, SVG charts): it opens
without a network. It is drawn only from the published (suppressed) pack; names of localities
and agencies are shown, never internal codes.
"""
from __future__ import annotations

import html
import math
from typing import Dict, List

import numpy as np
import pandas as pd

from ..measures.spc import MIN_POINTS
from .suppression import SUPPRESSED

THEME_TITLES = {"front_door": "Front door", "episodes_timeliness": "Episodes and timeliness",
                "outcomes": "Outcomes", "partnership": "Partnership", "localities": "Localities"}
VARIATION_TEXT = {
    "common_cause": ("Common cause variation", "#7b8794", "~"),
    # one charted month: no limits to read variation against
    "too_few_points": ("Too few months charted to judge variation", "#cbd2d9", "-"),
    "special_cause_improvement_high": ("Special cause: improvement (higher)", "#1f6fb2", "H"),
    "special_cause_improvement_low": ("Special cause: improvement (lower)", "#1f6fb2", "L"),
    "special_cause_concern_high": ("Special cause: concern (higher)", "#e07b00", "H"),
    "special_cause_concern_low": ("Special cause: concern (lower)", "#e07b00", "L"),
    "special_cause_neither_high": ("Special cause: higher (no preferred direction)", "#6b4fa0", "H"),
    "special_cause_neither_low": ("Special cause: lower (no preferred direction)", "#6b4fa0", "L"),
    # every month of the chart is incomplete (e.g. a 12-month look-back on a first year of data)
    "no_complete_period": ("No complete month to read", "#cbd2d9", "-"),
    # the months are whole, but every one is hidden (c): suppressed, not missing
    "every_month_hidden": ("Every month hidden (c): too few to show", "#cbd2d9", "c"),
}
ASSURANCE_TEXT = {
    "consistently_pass": ("Will consistently meet the target", "#1f6fb2", "P"),
    "consistently_fail": ("Will consistently miss the target", "#e07b00", "F"),
    "hit_and_miss": ("Will sometimes meet and sometimes miss the target", "#7b8794", "?"),
    "no_target": ("No target set", "#cbd2d9", "-"),
    "not_assessable": ("Target set; too few months charted to judge it", "#cbd2d9", "?"),
}
LEGEND = ("c = a small number (1 to {t}) is not shown, or a number is hidden so that a small number cannot be "
          "worked out from totals; rates, intervals and changes built on a hidden number are hidden too.")

_CSS = """
body{font-family:-apple-system,"Segoe UI",Arial,sans-serif;margin:0;color:#1d2731;background:#f7f9fb}
header{background:#1f4e79;color:#fff;padding:1rem 2rem} header h1{margin:0;font-size:1.5rem}
header p{margin:.2rem 0 0;color:#d9e2ec} nav{background:#fff;border-bottom:1px solid #d9e2ec;padding:0 2rem}
nav button{background:none;border:0;border-bottom:3px solid transparent;padding:.8rem 1rem;font-size:1rem;
cursor:pointer;color:#1f4e79} nav button.on{border-bottom-color:#1f4e79;font-weight:600}
main{padding:1rem 2rem;max-width:80rem} section.page{display:none} section.page.on{display:block}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.tile{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:.7rem .9rem;width:15.5rem}
.tile h3{font-size:.9rem;margin:0 0 .3rem;color:#334e68;min-height:2.2rem} .tile .v{font-size:1.6rem;font-weight:600}
.tile .s{font-size:.8rem;color:#52606d} .icons{float:right} figure{background:#fff;border:1px solid #d9e2ec;
border-radius:6px;padding:.6rem;margin:0 0 1rem;display:inline-block;vertical-align:top}
figcaption{font-size:.85rem;color:#334e68;margin-bottom:.3rem;font-weight:600}
table{border-collapse:collapse;font-size:.82rem;background:#fff;margin:.6rem 0 1rem}
th,td{border:1px solid #d9e2ec;padding:.25rem .5rem;text-align:right} th{background:#f0f4f8}
td:first-child,th:first-child{text-align:left} .legend{font-size:.82rem;color:#52606d;margin-top:1.5rem;
border-top:1px solid #d9e2ec;padding-top:.5rem} .blocked{color:#8d2b0b;font-size:.85rem}
"""

_SCRIPT = """
document.querySelectorAll('nav button').forEach(function (b) {
  b.addEventListener('click', function () {
    document.querySelectorAll('nav button').forEach(function (x) { x.classList.remove('on'); });
    document.querySelectorAll('section.page').forEach(function (x) { x.classList.remove('on'); });
    b.classList.add('on');
    document.getElementById(b.dataset.page).classList.add('on');
  });
});
"""


def _esc(text) -> str:
    return html.escape(str(text))


def fmt(value, kind: str, unit: str = "") -> str:
    """A value as the dashboard shows it (a hidden count as the suppression marker).

    Parameters
    ----------
    value : object
        The value.
    kind : str
        The measure's kind.
    unit : str, default ""
        The measure's unit.

    Returns
    -------
    str
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return SUPPRESSED if value is None else ""
    if isinstance(value, str):
        return value
    v = float(value)
    if kind == "proportion":
        return f"{100 * v:.1f}%"
    if kind == "ratio":
        return f"{v:,.1f}"
    return f"{v:,.0f}"


def icon(code: str, table: Dict[str, tuple]) -> str:
    """An SVG icon for a variation or assurance code.

    Parameters
    ----------
    code : str
        The code.
    table : dict of str to tuple
        ``code -> (text, colour, letter)``.

    Returns
    -------
    str
    """
    text, colour, letter = table.get(code, (code, "#7b8794", "?"))
    return (f'<svg role="img" width="26" height="26" viewBox="0 0 26 26"><title>{_esc(text)}</title>'
            f'<circle cx="13" cy="13" r="12" fill="{colour}"/><text x="13" y="18" font-size="13" fill="#fff" '
            f'text-anchor="middle" font-family="Arial" font-weight="bold">{_esc(letter)}</text></svg>')


def xmr_svg(chart: pd.DataFrame, title: str, kind: str, direction: str, width: int = 600, height: int = 230) -> str:
    """An XmR chart: values, centre line, process limits; special-cause points coloured.

    Parameters
    ----------
    chart : DataFrame
        the XmR chart of one measure.
    title : str
        the chart title.
    kind : str
        the measure's kind.
    direction : str
        which way is better.
    width, height : int
        the size in pixels.

    Returns
    -------
    str
        the SVG.
    """
    v = chart["value"].to_numpy(dtype=float)
    n = len(v)
    if n == 0 or np.all(np.isnan(v)):
        return f"<figure><figcaption>{_esc(title)}</figcaption><p>No published values.</p></figure>"
    lines = [chart[c].to_numpy(dtype=float) for c in ("centre", "lower", "upper")]
    every = np.concatenate([v[~np.isnan(v)]] + [x[~np.isnan(x)] for x in lines])
    lo, hi = float(every.min()), float(every.max())
    if kind == "proportion":
        lo, hi = max(0.0, lo), min(1.0, hi)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad
    left, right, top, bottom = 58, 10, 10, 38

    def x(i):
        return left + (width - left - right) * (i / max(n - 1, 1))

    def y(val):
        return top + (height - top - bottom) * (1 - (val - lo) / (hi - lo))

    parts = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{_esc(title)}: XmR chart</title>"]
    for frac in (0, 0.5, 1):
        val = lo + (hi - lo) * frac
        parts.append(f'<text x="{left - 6}" y="{y(val) + 4:.1f}" font-size="11" text-anchor="end" fill="#52606d">'
                     f'{_esc(fmt(val, kind))}</text>')
    for arr, dash, colour in ((lines[0], "", "#334e68"), (lines[1], "5,4", "#9aa5b1"), (lines[2], "5,4", "#9aa5b1")):
        seg = [f"{x(i):.1f},{y(a):.1f}" for i, a in enumerate(arr) if not np.isnan(a)]
        dash_attr = f'stroke-dasharray="{dash}" ' if dash else ""
        if seg:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.2" {dash_attr}'
                         f'points="{" ".join(seg)}"/>')
    pts = [f"{x(i):.1f},{y(a):.1f}" for i, a in enumerate(v) if not np.isnan(a)]
    parts.append(f'<polyline fill="none" stroke="#1d2731" stroke-width="1.5" points="{" ".join(pts)}"/>')
    special = chart["special_cause"].to_numpy(dtype=bool)
    centre = lines[0]
    for i, a in enumerate(v):
        if np.isnan(a):
            continue
        colour = "#7b8794"
        if special[i]:
            high = a > centre[i]
            good = direction != "neither" and ((direction == "higher_is_better") == high)
            colour = "#6b4fa0" if direction == "neither" else ("#1f6fb2" if good else "#e07b00")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(a):.1f}" r="3.2" fill="{colour}"/>')
    labels = list(chart.index.astype(str))
    for i in sorted({0, n // 2, n - 1}):
        # the first label starts at its point and the last ends at its own, inside the chart
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - 18}" font-size="11" text-anchor="{anchor}" fill="#52606d">'
                     f'{_esc(labels[i])}</text>')
    parts.append(f'<text x="{width / 2:.0f}" y="{height - 3}" font-size="10" text-anchor="middle" fill="#52606d">'
                 "month (dashed: process limits; grey points: common cause)</text>")
    parts.append("</svg>")
    return f"<figure><figcaption>{_esc(title)}</figcaption>{''.join(parts)}</figure>"


def funnel_svg(f: dict, title: str, width: int = 600, height: int = 300) -> str:
    """A funnel plot: each locality's rate against its denominator, 95% and 99.8% limits.

    Parameters
    ----------
    f : dict
        :func:`earlyhelp.measures.funnel` output.
    title : str
        the caption above the plot.
    width, height : int
        the drawing's size in pixels (default 600 by 300).

    Returns
    -------
    str
        an inline ``<figure>`` with the SVG plot.
    """
    units, curve = f["units"], f["curve"]
    xs = np.log10(curve["denominator"].to_numpy(dtype=float))
    cols = [c for c in curve.columns if c.startswith(("lower_", "upper_"))]
    vals = np.concatenate([curve[c].to_numpy(dtype=float) for c in cols] + [units["value"].to_numpy(dtype=float)])
    lo, hi = max(0.0, float(np.nanmin(vals))), min(1.0, float(np.nanmax(vals)))
    pad = (hi - lo) * 0.05 or 0.01
    lo, hi = max(0.0, lo - pad), min(1.0, hi + pad)
    left, right, top, bottom = 58, 120, 10, 36
    x0, x1 = xs.min(), xs.max()

    def x(d):
        return left + (width - left - right) * ((math.log10(d) - x0) / ((x1 - x0) or 1))

    def y(val):
        return top + (height - top - bottom) * (1 - (val - lo) / ((hi - lo) or 1))

    parts = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{_esc(title)}: funnel plot</title>"]
    for c in cols:
        dash = "2,3" if "99" in c else "6,4"
        seg = [f"{x(d):.1f},{y(v):.1f}" for d, v in zip(curve["denominator"], curve[c]) if not np.isnan(v)]
        parts.append(f'<polyline fill="none" stroke="#9aa5b1" stroke-dasharray="{dash}" points="{" ".join(seg)}"/>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(f["overall"]):.1f}" y2="{y(f["overall"]):.1f}" '
                 'stroke="#334e68"/>')
    for _, u in units.iterrows():
        out = bool(u.get("outside_99_8", False))
        colour = "#e07b00" if out else ("#1f6fb2" if bool(u.get("outside_95", False)) else "#1d2731")
        cx, cy = x(float(u["denominator"])), y(float(u["value"]))
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>')
        parts.append(f'<text x="{cx + 6:.1f}" y="{cy + 4:.1f}" font-size="10" fill="#1d2731">{_esc(u["label"])}</text>')
    for frac in (0, 0.5, 1):
        val = lo + (hi - lo) * frac
        parts.append(f'<text x="{left - 6}" y="{y(val) + 4:.1f}" font-size="11" text-anchor="end" fill="#52606d">'
                     f"{100 * val:.0f}%</text>")
    parts.append(f'<text x="{(width - right + left) / 2:.0f}" y="{height - 6}" font-size="10" text-anchor="middle" '
                 'fill="#52606d">denominator (log scale); dashed 95%, dotted 99.8% limits</text></svg>')
    note = f"<p class='s'>{f['left_out']} localities with hidden numbers are not drawn.</p>" if f.get("left_out") else ""
    return f"<figure><figcaption>{_esc(title)}</figcaption>{''.join(parts)}{note}</figure>"


def _tile(row: pd.Series) -> str:
    kind = row["kind"]
    value = SUPPRESSED if row["latest_status"] == SUPPRESSED else fmt(row["latest"], kind)
    prev = row["previous"]
    change = ""
    if prev is not None and not (isinstance(prev, float) and math.isnan(prev)) and value != SUPPRESSED:
        sig = row["change_significant"]
        noise = " (more than noise)" if sig is True or (sig is not pd.NA and bool(sig) is True) else ""
        change = f"a year before: {_esc(fmt(prev, kind))}{noise}"
    target = "" if pd.isna(row["target"]) else f" &middot; target {_esc(fmt(row['target'], kind))}"
    # Making Data Count: limits on fewer points will move, so the variation icon is tentative
    provisional = (f'<div class="s">provisional limits: fewer than {MIN_POINTS} months charted</div>'
                   if bool(row.get("provisional", False)) else "")
    if not bool(row.get("latest_complete", True)):
        provisional += '<div class="s">provisional: later records can still change it</div>'
    read = str(row.get("variation_period", "") or "")
    if read and read != str(row["latest_period"]):   # the latest month is hidden or not yet whole
        provisional += f'<div class="s">icons: {_esc(read)}, the latest month shown</div>'

    return (f'<div class="tile"><span class="icons">{icon(row["variation"], VARIATION_TEXT)} '
            f'{icon(row["assurance"], ASSURANCE_TEXT)}</span><h3>{_esc(row["title"])}</h3>'
            f'<div class="v">{_esc(value)}</div><div class="s">{_esc(row["latest_period"])}{target}</div>'
            f'<div class="s">{change}</div>{provisional}</div>')


def _tiles_and_charts(pack, rows: pd.DataFrame) -> str:
    """The tiles of the measures in ``rows`` (summary rows), then their XmR charts."""
    body = ['<div class="tiles">' + "".join(_tile(r) for _, r in rows.iterrows()) + "</div>"]
    for _, r in rows.iterrows():
        body.append(xmr_svg(pack.charts[r["measure"]], f"{r['title']}, {pack.council}", r["kind"], r["direction"]))
    return "".join(body)


def _table(frame: pd.DataFrame, caption: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_dashboard(pack, options) -> str:
    """The dashboard as one HTML string.

    Parameters
    ----------
    pack : Pack
        :func:`earlyhelp.report.pack.build_pack` output.
    options : PackOptions
        what the pack holds.

    Returns
    -------
    str
    """
    s = pack.summary
    pages: List[tuple] = []
    for theme in ("front_door", "episodes_timeliness", "outcomes", "partnership"):
        rows = s[s["theme"] == theme] if len(s) else s
        body = _tiles_and_charts(pack, rows) if len(rows) else \
            "<p>No measures of this theme could be computed from the data supplied.</p>"
        pages.append((theme, THEME_TITLES[theme], body))
    # a measure of the localities theme (a council's own, say) gets its tile and chart there, above
    # the comparison of localities
    rows = s[s["theme"] == "localities"] if len(s) else s
    pages.append(("localities", THEME_TITLES["localities"],
                  (_tiles_and_charts(pack, rows) if len(rows) else "") + _localities_page(pack)))
    pages.append(("about", "About these figures", _about_page(pack, options)))
    nav = "".join(f'<button data-page="p-{key}" class="{"on" if i == 0 else ""}">{_esc(title)}</button>'
                  for i, (key, title, _) in enumerate(pages))
    legend = f'<p class="legend">{_esc(LEGEND.format(t=options.threshold))}</p>'
    sections = "".join(f'<section class="page{" on" if i == 0 else ""}" id="p-{key}"><h2>{_esc(title)}</h2>'
                       f"{body}{legend}</section>" for i, (key, title, body) in enumerate(pages))
    window = f"{pack.window['first_month']} to {pack.window['last_month']}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_esc(options.title)}: {_esc(pack.council)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{_esc(options.title)}: {_esc(pack.council)}</h1><p>Monthly figures, {_esc(window)}</p>"
            f"</header><nav>{nav}</nav><main>{sections}</main><script>{_SCRIPT}</script></body></html>\n")


def _localities_page(pack) -> str:
    loc = pack.localities
    if loc.empty:
        return "<p>No locality figures.</p>"
    kinds = dict(zip(pack.summary["measure"], pack.summary["kind"])) if len(pack.summary) else {}
    titles = dict(zip(pack.catalogue["id"], pack.catalogue["title"]))
    cell = loc.assign(shown=[SUPPRESSED if st == SUPPRESSED else fmt(v, kinds.get(m, "count"))
                             for m, v, st in zip(loc["measure"], loc["value"], loc["value_status"])])
    wide = cell.pivot_table(index="measure", columns="locality", values="shown", aggfunc="first")
    order = [m for m in pack.catalogue["id"] if m in wide.index]
    wide = wide.loc[order]
    wide.index = [titles.get(m, m) for m in wide.index]
    cols = [c for c in wide.columns if c != "All localities"] + (["All localities"] if "All localities" in wide.columns
                                                                 else [])
    wide = wide[cols].reset_index().rename(columns={"index": "Measure (12 months)"}).fillna("")
    parts = [f"<p>The 12 months to {_esc(pack.window['last_month'])}, by locality.</p>",
             _table(wide, "Measures by locality")]
    for mid, f in pack.funnels.items():
        parts.append(funnel_svg(f, f"{titles.get(mid, mid)}: localities compared"))
    return "".join(parts)


def _incomplete_months(pack) -> str:
    """'<measure title> (n months), ...' for the measures with months left out of their charts."""
    summary = pack.summary
    if summary.empty or "incomplete" not in summary:
        return ""
    rows = summary[summary["incomplete"] > 0]
    return ", ".join(f"{t} ({n} month{'s' if n != 1 else ''})" for t, n in zip(rows["title"], rows["incomplete"]))


def _about_page(pack, options) -> str:
    cat = pack.catalogue[["title", "definition", "numerator", "denominator", "period_rule", "direction",
                          "source_tables", "reference"]]
    parts = ["<p>Each measure's definition. Variation icons follow NHS England's Making Data Count: an XmR chart "
             "of the monthly values (limits at the mean plus and minus 2.66 mean moving ranges) and four rules "
             "(a point beyond the limits, 7 points on one side of the mean, 6 points rising or falling, two of "
             "three points near a limit). Assurance compares the target with the limits.</p>",
             _table(cat.rename(columns=lambda c: c.replace("_", " ")), "Definitions")]
    left_out = _incomplete_months(pack)
    if left_out:
        parts.append("<p>Months whose data are not whole (the data begin within the month, or a measure's "
                     "look-back, such as the 12 months before a re-referral, reaches before the data) are shown "
                     "in the tables but left out of the charts and their limits: " + _esc(left_out) + ".</p>")
    if pack.blocked:
        rows = pd.DataFrame({"measure": list(pack.blocked), "missing from the data": list(pack.blocked.values())})
        parts.append('<p class="blocked">Some measures could not be computed from the data supplied:</p>')
        parts.append(_table(rows))
    if pack.assumed:
        rows = pd.DataFrame({"data": list(pack.assumed), "taken as": list(pack.assumed.values())})
        parts.append("<p>Where the data do not record a value, the measures took:</p>")
        parts.append(_table(rows))
    icons = "".join(f"<tr><td>{icon(k, VARIATION_TEXT)}</td><td>{_esc(v[0])}</td></tr>" for k, v in
                    VARIATION_TEXT.items())
    icons += "".join(f"<tr><td>{icon(k, ASSURANCE_TEXT)}</td><td>{_esc(v[0])}</td></tr>" for k, v in
                     ASSURANCE_TEXT.items())
    parts.append(f"<table><caption>Icons</caption><tbody>{icons}</tbody></table>")
    return "".join(parts)
