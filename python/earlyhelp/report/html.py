"""A self-contained HTML report (one file, images inlined) for managers and boards.

The report is built from sections of prose, tables and PNG images. Tables are
published frames (suppressed counts already replaced by ``"c"``); nothing here
sees a hidden value.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import List, Optional

import pandas as pd

_CSS = """
body { font-family: -apple-system, "Segoe UI", Arial, sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #1d2731; line-height: 1.45; padding: 0 1rem; }
h1 { color: #1f4e79; margin-bottom: 0.2rem; } h2 { color: #1f4e79; border-bottom: 2px solid #d9e2ec;
     padding-bottom: 0.2rem; margin-top: 2rem; }
.meta { color: #52606d; font-size: 0.9rem; }
.keypoints { background: #f0f4f8; border-left: 4px solid #1f4e79; padding: 0.6rem 1rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.85rem; }
th, td { border: 1px solid #d9e2ec; padding: 0.25rem 0.55rem; text-align: right; }
th { background: #f0f4f8; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; display: block; margin: 0.6rem 0; }
.note { color: #52606d; font-size: 0.85rem; }
"""


@dataclass
class Section:
    """One part of the report: a heading, paragraphs, tables and images.

    Parameters
    ----------
    title : str
        the heading.
    paragraphs : list of str
        paragraphs of text.
    tables : list of (str, DataFrame)
        captions and tables.
    images : list of (str, bytes)
        alt texts and PNG bytes.
    notes : list of str
        small print under the section.
    """

    title: str
    paragraphs: List[str] = field(default_factory=list)
    tables: List[tuple] = field(default_factory=list)        # (caption, DataFrame)
    images: List[tuple] = field(default_factory=list)        # (alt text, png bytes)
    notes: List[str] = field(default_factory=list)

    def add_table(self, caption: str, frame: pd.DataFrame) -> "Section":
        self.tables.append((caption, frame))
        return self

    def add_image(self, alt: str, png: bytes) -> "Section":
        self.images.append((alt, png))
        return self


def render_html(title: str, sections: List[Section], *, subtitle: str = "", key_points: Optional[List[str]] = None,
                footer: str = "") -> str:
    """The report as one HTML string (UTF-8, no external resources).

    Parameters
    ----------
    title : str
        the page title.
    sections : list of Section
        the parts, in order.
    subtitle : str, default ""
        a line under the title.
    key_points : list of str, optional
        bullet points before the sections.
    footer : str, default ""
        the closing line.

    Returns
    -------
    str
    """
    esc = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1>"]
    if subtitle:
        out.append(f'<p class="meta">{esc(subtitle)}</p>')
    if key_points:
        out.append('<div class="keypoints"><ul>' + "".join(f"<li>{esc(p)}</li>" for p in key_points) + "</ul></div>")
    for section in sections:
        out.append(f"<h2>{esc(section.title)}</h2>")
        out.extend(f"<p>{esc(p)}</p>" for p in section.paragraphs)
        for alt, png in section.images:
            data = base64.b64encode(png).decode("ascii")
            out.append(f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">')
        for caption, frame in section.tables:
            out.append(_table(caption, frame))
        out.extend(f'<p class="note">{esc(n)}</p>' for n in section.notes)
    if footer:
        out.append(f'<p class="note">{esc(footer)}</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _table(caption: str, frame: pd.DataFrame) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False, name=None):
        rows.append("<tr>" + "".join(f"<td>{esc(_fmt(v))}</td>" for v in row) + "</tr>")
    return (f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _fmt(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%b %Y") if value.day == 1 else value.strftime("%d %b %Y")
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        # two decimals at most, no trailing zeros: a count of 36 reads "36", a rate of 11.3 "11.3"
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)
