"""Read a council's SSDA903 return (the children looked after return) from its yearly files.

A council keeps one header file (CHILD, SEX, DOB, ...) and one episodes file (CHILD, DECOM,
RNE, LS, PLACE, DEC, REC, ...) per year. Files are found anywhere under the folder: by name
(``header`` or ``episodes`` in it) or, for other names, by their columns; the year comes from a
four-digit folder or file name (``2019/episodes.csv``, ``2019-episodes.csv``) or, failing that,
from the latest DECOM in the file. A year named so must have both files. Dates are read in any one
unambiguous layout per column (``dd/mm/yyyy``, ``yyyy-mm-dd``, ... with the year in four digits);
see :func:`read_ssda903`.

The same episode appears in several years' files (an open episode in one year is closed in the
next). Duplicates are merged the way ``cs-demand-model`` merges them, and every change is
counted with its reason in ``ds.meta['ssda903_report']``; values that disagree between years
are problems named by table, column and row.
"""
from __future__ import annotations

import calendar
import codecs
import csv
import io
import os
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from .coerce import FIRST_DATE, LAST_DATE, MONTH_FIRST_MESSAGE, TWO_DIGIT_YEAR, TWO_DIGIT_YEAR_MESSAGE

HEADER_COLUMNS = ("CHILD", "SEX", "DOB")
EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC")
REQUIRED = {"header": HEADER_COLUMNS, "episodes": EPISODE_COLUMNS}
# Values every row must have (dates are checked where they are parsed).
REQUIRED_VALUES = {"header": ("CHILD",), "episodes": ("CHILD", "RNE", "LS", "PLACE")}
# Optional columns the Dataset takes (the rest are not read into it).
KEPT = {"header": ("ETHNIC",), "episodes": ("PLACE_PROVIDER",)}
# Code columns are read with surrounding spaces removed, as ids are.
CODES = ("SEX", "ETHNIC", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC")
# Episode columns compared across years when the same (CHILD, DECOM) appears twice.
COMPARED = ("RNE", "LS", "PLACE", "REC")
# The Dataset table and columns the code columns load into: a code map names these, and years'
# values are compared as they load (after the code map), not as written.
LOADED_AS = {"header": ("persons", {"ETHNIC": "ethnicity"}),
             "episodes": ("cla_episodes", {"RNE": "reason_new_episode", "LS": "legal_status", "PLACE": "placement",
                                           "REC": "reason_for_leaving"})}
SEX = {"1": "M", "2": "F", "1.0": "M", "2.0": "F", "M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
# The return's other tables: their files are skipped by name (a UASC file has CHILD, SEX and DOB too).
OTHER_TABLES = ("uasc", "oc2", "oc3", "ad1", "placed_for_adoption", "placedadoption", "previous_permanence",
                "prev_perm", "missing", "reviews", "sw_episodes", "social_worker")
# Legal statuses of short breaks (an agreed series of short-term placements), which DfE's figures of
# children looked after leave out.
SHORT_BREAK_STATUSES = ("V3", "V4")
# read_ssda903(overlaps=...): what is done with an episode that runs past the next one's start
OVERLAPS = ("truncate", "raise")
# Field delimiters other than the comma (Excel's in continental locales, "Unicode text", pipes).
DELIMITERS = (";", "\t", "|")
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _year_of(path: Path, root: Path) -> Optional[int]:
    for part in reversed(path.relative_to(root).parts):
        m = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", part)
        if m:
            return int(m.group(0))
    return None


def _word(name: str, word: str) -> bool:
    return re.search(rf"(?<![a-z]){word}(?![a-z])", name) is not None


def _named(path: Path) -> Optional[str]:
    """What the file name says the file is: "header", "episodes", "other:<table>" or None (ambiguous)."""
    stem = path.stem.lower()
    kinds = {f"other:{t}" for t in OTHER_TABLES if _word(stem, t)}
    if _word(stem, "headers?"):
        kinds.add("header")
    if _word(stem, "episodes?"):
        kinds.add("episodes")
    if "other:sw_episodes" in kinds:  # the social workers table, not the episodes
        kinds.discard("episodes")
    return kinds.pop() if len(kinds) == 1 else None


def _kind(columns) -> Optional[str]:
    cols = {str(c).strip().upper() for c in columns}
    if set(EPISODE_COLUMNS) <= cols:
        return "episodes"
    if set(HEADER_COLUMNS) <= cols and "DECOM" not in cols and "DUC" not in cols:
        return "header"
    return None


def _encoding(data: bytes) -> Tuple[Optional[str], Optional[str]]:
    """The file's encoding, or why it has none we can read.

    Excel writes UTF-8 with a byte-order mark, UTF-16 with one, or the Windows code page
    (cp1252), so 8-bit text that is not UTF-8 is read as cp1252 (latin-1 where cp1252 has
    no character) rather than refused; the report names the encoding used.
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            try:
                data.decode(name)
            except UnicodeDecodeError as err:
                return None, f"starts with a {name} byte-order mark but is not {name} text ({err.reason} at byte " \
                              f"{err.start}); save it as CSV UTF-8"
            return name, None
    if b"\x00" in data:  # UTF-16 without a byte-order mark decodes as UTF-8 with NULs in it
        return None, "holds NUL bytes: UTF-16 without a byte-order mark, or not a text file; save it as CSV UTF-8"
    for name in ("utf-8", "cp1252"):
        try:
            data.decode(name)
            return name, None
        except UnicodeDecodeError:
            continue
    return "latin-1", None


def _labels(frame: pd.DataFrame, mask: pd.Series, with_file: bool = False) -> List[str]:
    """The first ten offending rows as 'line N (CHILD id)' (the file's line, its header being line 1)."""
    sub = frame.loc[mask].head(10)
    out = []
    for line, child, file in zip(sub["_line"], sub["CHILD"], sub["_file"]):
        where = f"{file} line {line}" if with_file else f"line {line}"
        out.append(where if pd.isna(child) else f"{where} (CHILD {child})")
    return out


# How SSDA903 dates are written. The return's own layout is dd/mm/yyyy; councils' exports also
# come as ISO dates (yyyy-mm-dd, from SQL), with a time of day (yyyy-mm-dd hh:mm:ss), or saved by
# Excel without leading zeros (d/m/yyyy) or with the time it shows (01/05/2021 14:30). With the
# year in four digits each of these reads one way only. A time of day (and a time zone) is
# dropped: the day as written is kept.
_TIME = r"(?:[ T]\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d\d:?\d\d)?)?"
DATE_LAYOUTS = (
    ("dd/mm/yyyy", r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"),
    ("yyyy-mm-dd", r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    ("yyyy/mm/dd", r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
    ("dd-mm-yyyy", r"(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})"),
    ("dd.mm.yyyy", r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"),
    ("dd Mon yyyy", r"(?P<d>\d{1,2})[- ](?P<m>[A-Za-z]{3,9})\.?[- ](?P<y>\d{4})"),
)
_LAYOUTS = [(name, re.compile(pattern + _TIME)) for name, pattern in DATE_LAYOUTS]
_MONTHS = {name.lower(): i for names in (calendar.month_name, calendar.month_abbr)
           for i, name in enumerate(names) if name}
_MONTHS["sept"] = 9
# Why a written date was not read, by kind (the messages say what to do).
DATE_FAULTS = {
    "missing": "missing date (every {table} row needs {column})",
    "two_digit_year": TWO_DIGIT_YEAR_MESSAGE,
    "month_first": MONTH_FIRST_MESSAGE,
    "far": f"date outside the years {FIRST_DATE.year}-{LAST_DATE.year}{{open}}",
    "unreadable": "unreadable date (dd/mm/yyyy or yyyy-mm-dd expected, the year in four digits)",
}


def _read_date(text: str) -> Tuple[Optional[str], Optional[pd.Timestamp], Optional[str]]:
    """(layout, day, fault) for one written date: the layout and day when it reads, else why not."""
    for name, pattern in _LAYOUTS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        d, m, y = found.group("d", "m", "y")
        month = int(m) if m.isdigit() else _MONTHS.get(m.lower())
        if month is None:
            return None, None, "unreadable"
        if month > 12 and m.isdigit() and name.startswith("dd") and int(d) <= 12:
            return None, None, "month_first"
        try:
            day = pd.Timestamp(int(y), month, int(d))
        except (ValueError, OverflowError):  # 31/02, month 13, or a year a Timestamp cannot hold
            return None, None, "unreadable"
        if not FIRST_DATE <= day <= LAST_DATE:  # 31/12/9999: beyond what a datetime64[ns] holds
            return None, None, "far"
        return name, day, None
    return None, None, "two_digit_year" if TWO_DIGIT_YEAR.fullmatch(text) else "unreadable"


def _dates(values: pd.Series, table: str, column: str, frame: pd.DataFrame, problems: List[Problem],
           path: str, nullable: bool) -> pd.Series:
    """One date column of one file read in any one of DATE_LAYOUTS; every date that does not read is
    a problem by why (two-digit year, month first, missing, not a date) and so is a column written
    in more than one layout (only the time of day may come and go, as Excel writes midnight)."""
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    codes, uniques = pd.factorize(text)  # each distinct date is read once
    read = [_read_date(u) for u in uniques]
    layouts = np.array([r[0] for r in read] + [None], dtype=object)[codes]  # code -1 (blank) takes the last
    faults = np.array([r[2] for r in read] + ["missing" if not nullable else None], dtype=object)[codes]
    days = pd.Series(pd.to_datetime(pd.Series([r[1] for r in read] + [pd.NaT], dtype=object)).to_numpy()[codes],
                     index=values.index).astype("datetime64[ns]")
    where = f"{table} ({path})"
    open_end = " (an open episode's DEC is left blank)" if nullable else ""
    for fault, message in DATE_FAULTS.items():
        bad = pd.Series(faults == fault, index=values.index)
        if bad.any():
            problems.append(Problem(where, column, message.format(table=table, column=column, open=open_end),
                                    _labels(frame, bad), int(bad.sum()),
                                    None if fault == "missing" else str(text[bad].iloc[0])))
    layout = pd.Series(layouts, index=values.index)
    counts = layout.value_counts()  # blanks and unread dates aside
    if len(counts) > 1:  # the rows named are those not in the column's most common layout
        other = layout.notna() & (layout != counts.index[0])
        problems.append(Problem(
            where, column, "dates written in more than one way in one column ("
            + ", ".join(f"{n} as {name}" for name, n in counts.items()) + "): save the column with one date "
            f"format (the rows named are not written {counts.index[0]})", _labels(frame, other), int(other.sum()),
            str(text[other].iloc[0])))
    return days


def _long_lines(text: str, width: int, delimiter: str = ",") -> List[int]:
    """Line numbers of rows with more fields than the column names (only called when pandas refused)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [reader.line_num for row in reader if len(row) > width]


def _first_lines(text: str, n_rows: int, delimiter: str = ",") -> Optional[List[int]]:
    """The file line on which each of the ``n_rows`` records after the column names begins.

    A quoted value may hold a line break (an address, a note), so a record can span lines and
    row i is no longer line i + 2. None when the records do not match the rows read.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    starts, end = [], reader.line_num
    for _ in reader:
        starts.append(end + 1)
        end = reader.line_num
    return starts if len(starts) == n_rows else None


def _delimiter(text: str) -> Tuple[str, List[str]]:
    """The file's field delimiter and its column names (read with any line ending: CRLF, LF or CR).

    Excel in a continental locale saves CSV with ';', and "Unicode text" is tab-separated: a
    first line that is one field holding one of these is split on it.
    """
    names = next(csv.reader(io.StringIO(text, newline="")), [])
    if len(names) == 1:
        found = {d: names[0].count(d) for d in DELIMITERS}
        best = max(found, key=found.get)
        if found[best]:
            return best, next(csv.reader(io.StringIO(text, newline=""), delimiter=best), [])
    return ",", names


def _parse(path: Path, rel: str, named: Optional[str], problems: List[Problem], skipped: Dict[str, str],
           report: Dict[str, Any]) -> Optional[Tuple[str, pd.DataFrame]]:
    """One file as (kind, raw text frame), or None when it is skipped (with the reason) or has problems."""
    def fail(column: Optional[str], message: str, rows=(), n: int = 0, value: Any = None) -> None:
        problems.append(Problem(f"{named} ({rel})", column, message, list(rows), n, value))

    try:
        data = path.read_bytes()
    except OSError as err:
        if named:
            fail(None, f"cannot be read: {err.strerror or err}")
        else:
            skipped[rel] = f"cannot be read: {err.strerror or err}"
        return None
    encoding, why = _encoding(data)
    if encoding is None:
        if named:
            fail(None, why)
        else:
            skipped[rel] = why
        return None
    text = data.decode(encoding)
    delimiter, names = _delimiter(text)
    columns = [c.strip().upper() for c in names]
    kind = named or _kind(columns)
    if kind is None:
        skipped[rel] = "not an SSDA903 header (CHILD, SEX, DOB) or episodes (CHILD, DECOM, RNE, LS, PLACE, DEC, " \
                       "REC) file by name or columns"
        return None
    named = kind
    if not any(columns):
        fail(None, "is empty (no column names)")
        return None
    seen = pd.Series([c for c in columns if c])
    twice = sorted(set(seen[seen.duplicated()]))
    if twice:
        fail(", ".join(twice), "column appears more than once (names are compared ignoring case and spaces): "
             + ", ".join(repr(n) for n in names if n.strip().upper() in twice))
        return None
    missing = [c for c in REQUIRED[kind] if c not in columns]
    if missing:
        fail(", ".join(missing), f"required column{'s' if len(missing) > 1 else ''} missing; the file has "
             + ", ".join(c for c in columns if c))
        return None
    error: Optional[Exception] = None
    try:  # blank lines are kept (and dropped below) so that row i is line i + 2 of the file
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""],
                            skip_blank_lines=False)
    except pd.errors.ParserError as err:
        frame, error = None, err
    # pandas takes a first field that every row has too many of as the index: extra fields either way.
    if frame is None or not isinstance(frame.index, pd.RangeIndex):
        lines = _long_lines(text, len(names), delimiter)
        if lines:
            fail(None, f"row has more fields than the {len(names)} column names", [f"line {n}" for n in lines[:10]],
                 len(lines))
        else:
            fail(None, f"is not a readable CSV file: {error}")
        return None
    report["encodings"][rel] = encoding
    if delimiter != ",":
        report["delimiters"][rel] = "tab" if delimiter == "\t" else delimiter
    frame.columns = [c or f"_unnamed{i}" for i, c in enumerate(columns)]
    # Only the columns the Dataset takes are kept (one block: later steps are faster on it).
    used = [c for c in REQUIRED[kind] + KEPT[kind] if c in frame]
    rows = frame.notna().any(axis=1).to_numpy()
    frame = pd.DataFrame({c: frame[c].to_numpy()[rows] for c in used}, index=frame.index[rows])
    # the file's line, for messages: row i is line i + 2 unless a quoted value spans lines
    starts = _first_lines(text, len(rows), delimiter) if '"' in text else None
    frame["_line"] = frame.index + 2 if starts is None else [starts[i] for i in frame.index]
    return kind, frame


def _clean(kind: str, frame: pd.DataFrame, rel: str, problems: List[Problem], report: Dict[str, Any]
           ) -> pd.DataFrame:
    """``frame`` with ids and codes stripped; rows without the values every row must have named."""
    for col in ("CHILD",) + CODES:
        if col in frame:
            # Strip each distinct value once: codes repeat, and even ids repeat across episodes.
            codes, uniques = pd.factorize(frame[col])
            stripped = pd.Series(uniques, dtype=object).str.strip()
            spaced = stripped.to_numpy() != uniques
            decimal = np.zeros(len(uniques), dtype=bool)
            if col == "CHILD":
                # a spreadsheet that took the ids for numbers writes 1001 as 1001.0: one child, not two
                decimal = stripped.str.fullmatch(r"\d+\.0+").fillna(False).to_numpy(dtype=bool)
                stripped = stripped.mask(decimal, stripped.str.replace(r"\.0+$", "", regex=True))
            changed = spaced | decimal
            if changed.any():
                stripped = stripped.mask(stripped == "")
                if col == "CHILD":  # " 1001 " in one file is 1001 in another
                    counted = spaced & stripped.notna().to_numpy()
                    report["child_ids_stripped_of_spaces"] += int((counted[codes] & (codes >= 0)).sum())
                    report["child_ids_written_as_decimals"] += int((decimal[codes] & (codes >= 0)).sum())
                frame[col] = stripped.to_numpy()[codes]
                frame.loc[codes < 0, col] = None
    # files pasted together repeat the column names as a row: named once, not as a bad date and codes
    again = frame["CHILD"].str.upper().eq("CHILD").fillna(False).astype(bool)
    if again.any():
        problems.append(Problem(f"{kind} ({rel})", "CHILD", "the column names again as a row (files pasted "
                                "together?): remove the line", _labels(frame, again), int(again.sum())))
        frame = frame[~again.to_numpy()].copy()
    for col in REQUIRED_VALUES[kind]:
        bad = frame[col].isna()
        if bad.any():
            message = "missing id" if col == "CHILD" else f"missing value (every {kind} row needs {col})"
            problems.append(Problem(f"{kind} ({rel})", col, message, _labels(frame, bad), int(bad.sum())))
    return frame


def _read_files(root: Path, report: Dict[str, Any]) -> Tuple[List[Tuple[int, str, pd.DataFrame]], List[Problem]]:
    found, problems = [], []
    skipped: Dict[str, str] = report["skipped_files"]
    by_year: Dict[int, Dict[str, List[str]]] = {}  # the files of each year named by folder or file
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = str(path.relative_to(root))
        named = _named(path)
        if path.suffix.lower() != ".csv":
            if named in ("header", "episodes"):
                skipped[rel] = "not a .csv file (save it as CSV to include it)"
            continue
        if named is not None and named.startswith("other:"):
            skipped[rel] = f"the return's {named[6:]} table, not used"
            continue
        year = _year_of(path, root)
        if year is not None and named is not None:  # there, even if it has problems
            by_year.setdefault(year, {}).setdefault(named, []).append(rel)
        parsed = _parse(path, rel, named, problems, skipped, report)
        if parsed is None:
            continue
        kind, frame = parsed
        frame["_file"] = rel
        frame = _clean(kind, frame, rel, problems, report)
        if year is not None and named is None:  # known by its columns
            by_year.setdefault(year, {}).setdefault(kind, []).append(rel)
        if kind == "episodes":
            frame["DECOM"] = _dates(frame["DECOM"], "episodes", "DECOM", frame, problems, rel, False)
            frame["DEC"] = _dates(frame["DEC"], "episodes", "DEC", frame, problems, rel, True)
            if year is None and frame["DECOM"].notna().any():
                year = int(frame["DECOM"].max().year)
            else:
                problems += _after_the_return(frame, rel, year)
        else:
            frame["DOB"] = _dates(frame["DOB"], "header", "DOB", frame, problems, rel, False)
        frame["_year"] = year if year is not None else -1
        report["files"].append(rel)
        found.append((year if year is not None else -1, kind, frame))
    return found, problems + _unpaired_years(by_year)


def _after_the_return(frame: pd.DataFrame, rel: str, year: Optional[int]) -> List[Problem]:
    """Dates after April of the year after the one the file is labelled with: beyond its return
    whichever way the label reads (the 2024-25 return may be filed as 2024 or 2025, and is taken
    in the weeks after 31 March, so it may hold an end in early April), so a slip of the year
    (06/2026 for 06/2025) that, taken as written, would move the data's end and the default fit
    window past every event."""
    if year is None:
        return []
    end = pd.Timestamp(year + 1, 4, 30)
    problems = []
    for col in ("DECOM", "DEC"):
        late = (frame[col] > end).fillna(False)
        if late.any():
            problems.append(Problem(f"episodes ({rel})", col, f"dates after {end:%d/%m/%Y}: beyond the return of "
                                    f"the year {year} the file is labelled with (a mistyped year?)",
                                    _labels(frame, late), int(late.sum()), f"{frame.loc[late, col].iloc[0]:%d/%m/%Y}"))
    return problems


def _unpaired_years(by_year: Dict[int, Dict[str, List[str]]]) -> List[Problem]:
    """A year with a header file but no episodes file, or the reverse, as problems.

    A year's return is both files. Without its episodes the year's care is missing (and the
    episodes open when it began look open to the end of the data); without its header the
    children first looked after that year are dropped. Only years named by folder or file are
    compared, and only when both kinds of file are named so (a year read from DECOM has no
    header file to pair with).
    """
    if {kind for files in by_year.values() for kind in files} != {"header", "episodes"}:
        return []
    out = []
    for year, files in sorted(by_year.items()):
        for kind, other in (("header", "episodes"), ("episodes", "header")):
            if kind in files and other not in files:
                article = "an" if kind == "episodes" else "a"
                out.append(Problem(f"{kind} ({', '.join(files[kind])})", None,
                                   f"the year {year} has {article} {kind} file but no {other} file: add the "
                                   f"year's {other} file (a year's return is both), or leave the year out"))
    return out


def _code_readers(code_map: Optional[Any]) -> Dict[str, Dict[str, Callable[[str], str]]]:
    """For each kind of file and code column, what a written code loads as in the Dataset.

    The code map (as :meth:`earlyhelp.Dataset.from_frames` takes it) is applied, then the code
    list's case and synonyms, as loading does: years written ``R9`` (a local code mapped to ``R1``)
    and ``R1`` agree. A value read as no code is kept as written (and, if the map sends it to
    text that is not a code, as that text), so two different unknown codes still differ.
    A code map that cannot be read is an error here, as it would be on loading.
    """
    from .coerce import _code_resolver
    from .dataset import _normalise_code_map
    from .schema import TABLES
    from .ssd_profiles import resolve_code_map

    maps = _normalise_code_map(resolve_code_map(code_map)[0])
    out: Dict[str, Dict[str, Callable[[str], str]]] = {}
    for kind, (table_name, columns) in LOADED_AS.items():
        table = TABLES[table_name]
        table_map = {**maps.get("*", {}), **maps.get(table_name, {})}
        out[kind] = {}
        for col, name in columns.items():
            column = table.column(name)
            resolve, mapped = _code_resolver(table, column, table_map.get(name))
            out[kind][col] = lambda v, resolve=resolve, mapped=mapped: resolve(v) or mapped(v) or v
    return out


def _unknown_codes(kind: str, frame: pd.DataFrame, rel: str, code_map: Optional[Any], problems: List[Problem]) -> None:
    """Problems for the codes of one file that load as no code (after the code map, the code
    list's case and synonyms, as loading reads them): one per SSDA903 column, naming the file,
    its lines and the values, with the code map that would fix them. A code map sending a value
    to text that is no code is left to loading, which names the code map's entry."""
    from .._errors import CodeMapFix
    from .coerce import _code_resolver, counted_values
    from .dataset import _normalise_code_map
    from .schema import TABLES
    from .ssd_profiles import resolve_code_map

    table_name, columns = LOADED_AS[kind]
    table = TABLES[table_name]
    maps = _normalise_code_map(resolve_code_map(code_map)[0])
    table_map = {**maps.get("*", {}), **maps.get(table_name, {})}
    for col, name in columns.items():
        if col not in frame:
            continue
        column = table.column(name)
        resolve, mapped = _code_resolver(table, column, table_map.get(name))
        codes, uniques = pd.factorize(frame[col])
        unknown = np.array([resolve(str(u)) is None and mapped(str(u)) is None for u in uniques] + [False])[codes]
        if not unknown.any():
            continue
        bad = pd.Series(unknown, index=frame.index)
        values = frame.loc[bad, col].astype(str).value_counts()
        allowed = list(column.codes or ())
        problems.append(Problem(
            f"{kind} ({rel})", col, f"code not in the list of {col} codes ({counted_values(values)}); map local "
            f"codes to the return's with a code_map (or in a code-map file, [{table_name}.{name}], given with "
            f"--code-map) (allowed: {', '.join(allowed)})", _labels(frame, bad), int(bad.sum()),
            str(frame.loc[bad, col].iloc[0]), fix=CodeMapFix(table_name, name, [str(v) for v in values.index[:8]],
                                                              allowed)))


def _as_loaded(frame: pd.DataFrame, col: str, read: Optional[Callable[[str], str]]) -> pd.Series:
    """``frame[col]`` as it loads (each distinct value read once); as written without ``read``."""
    values = frame[col]
    if read is None:
        return values
    codes, uniques = pd.factorize(values)
    loaded = np.array([read(str(u)) for u in uniques] + [None], dtype=object)[codes]  # -1 (blank) takes None
    return pd.Series(loaded, index=values.index)


def _differ(frame: pd.DataFrame, keys: List[str], col: str) -> pd.Series:
    """Keys whose rows hold more than one value of ``col`` (blanks aside)."""
    n_values = frame.groupby(keys, sort=False)[col].nunique(dropna=True)
    return n_values[n_values > 1]


def _disagreements(frame: pd.DataFrame, keys: List[str], col: str, table: str, what: str,
                   read: Optional[Callable[[str], str]] = None) -> List[Problem]:
    """Problems for the ``keys`` (a child, or an episode) whose rows hold different values of ``col``.

    A child or episode listed twice in one file with different values is an error in that
    return, named apart from one whose years' files disagree. With ``read`` (a code column) the
    values are compared as they load, after the code map; the value shown is as written, with
    what it loads as where that differs.
    """
    written = frame[col]
    loaded = _as_loaded(frame, col, read)
    frame = frame.assign(**{col: loaded})
    differ = _differ(frame, keys, col).index
    if not len(differ):
        return []
    within = _differ(frame, keys + ["_file"], col).index.droplevel("_file")
    out = []
    for found, where in ((differ[differ.isin(within)], "rows of one file"),
                         (differ[~differ.isin(within)], "years' files")):
        if not len(found):
            continue
        first = found[0] if isinstance(found[0], tuple) else (found[0],)
        rows = (frame[keys] == pd.Series(first, index=keys)).all(axis=1)
        shown = zip(frame.loc[rows, "_file"], written[rows], loaded[rows])
        out.append(Problem(table, col, f"differs between {where} for the same {what}",
                           [" ".join(str(v.date()) if isinstance(v, pd.Timestamp) else str(v)
                                     for v in (k if isinstance(k, tuple) else (k,))) for k in found[:10]],
                           int(len(found)), ", ".join(
                               f"{f}: {v.date() if isinstance(v, pd.Timestamp) else v}"
                               + (f" (read as {c})" if isinstance(v, str) and c != v else "")
                               for f, v, c in shown)))
    return out


def _blank_and_filled_in_one_return(frame: pd.DataFrame, keys: List[str], col: str) -> List[Problem]:
    """Problems for episodes one return lists twice (in one file, or in two files of one year),
    ``col`` blank in one row and filled in the other (closed and open at once): which is right
    cannot be told, and taking the later line would make the answer depend on the order of the
    lines or on the files' names. Files whose year is not known are each a return."""
    known = frame["_year"] >= 0
    unit = frame["_file"].astype(str).where(~known, "year " + frame["_year"].astype(str))
    rows = frame.assign(_return=unit.to_numpy()).groupby(keys + ["_return"], sort=False)[col]
    both = (rows.count() > 0) & (rows.size() > rows.count())
    found = both[both].index
    if not len(found):
        return []
    child, decom, _ = found[0]
    where = frame.loc[(frame["CHILD"] == child) & (frame["DECOM"] == decom), "_file"].astype(str).unique()
    return [Problem("episodes", col, "blank in one row and filled in another of one return (one file, or the files "
                    "of one year) for the same episode (CHILD, DECOM)", [f"{c} {d.date()}" for c, d, _ in found[:10]],
                    int(len(found)), f"{', '.join(where)}: CHILD {child}, DECOM {decom:%d/%m/%Y}")]


def _repeated_within_a_year(frame: pd.DataFrame, keys: List[str], kind: str, report: Dict[str, Any]) -> int:
    """How many rows repeat a row of the same file, or of another file of the same year (the same
    child, or the same CHILD and DECOM).

    They are merged as repeats across years are, but counted apart, with the first ten rows, in
    ``report['<kind>_rows_repeated_within_a_file']`` and
    ``report['<kind>_rows_repeated_between_files_of_one_year']``: one return listing an episode
    twice is an error in that return, not an episode carried over to the next year. Files whose
    year is not known (neither folder nor name says it) are not compared by year.
    """
    again = frame.duplicated(keys + ["_file"], keep="first")
    same_year = frame.duplicated(keys + ["_year"], keep="first") & ~again & (frame["_year"] >= 0)
    for what, mask in (("within_a_file", again), ("between_files_of_one_year", same_year)):
        n = int(mask.sum())
        report[f"{kind}_rows_repeated_{what}"] = n
        if n:
            report[f"{kind}_rows_repeated_{what}_rows"] = _labels(frame, mask, with_file=True)
    return int((again | same_year).sum())


def _ids_written_two_ways(headers: List[pd.DataFrame], episodes: List[pd.DataFrame]) -> List[Problem]:
    """CHILD ids, in the header and episodes files of every year alike, that are one once their
    leading zeros go and their case is folded (``001`` in the header, ``1`` in an episodes file a
    spreadsheet saved; ``AB12`` and ``ab12``): likely one child written two ways. Checked before
    episodes are matched to header rows, which would otherwise drop such an episode as one
    'without a header' and leave the episode it closes open."""
    rows = pd.concat([f.assign(_kind=kind)[["CHILD", "_file", "_line", "_kind"]]
                      for kind, frames in (("header", headers), ("episodes", episodes)) for f in frames],
                     ignore_index=True)
    rows = rows[rows["CHILD"].notna()]
    child = rows["CHILD"].astype(str)
    folded = child.str.lstrip("0").str.upper()
    spellings = child.groupby(folded).nunique()
    clash = spellings[(spellings > 1) & (spellings.index != "")].index
    if not len(clash):
        return []
    problems = []
    rows = rows.assign(_folded=folded, _child=child)[folded.isin(clash)]
    # each spelling shown at its first header row, else its first episodes row
    firsts = rows.sort_values("_kind", key=lambda k: k.ne("header"), kind="stable").drop_duplicates("_child")
    in_header = rows.loc[rows["_kind"] == "header"].groupby("_folded")["_child"].nunique()
    # named as header ids where every spelling is in a header file, else as the episodes ids that
    # no header spells so
    all_in_header = in_header.reindex(clash).fillna(0).eq(spellings[clash])
    for kind, keys in (("header", clash[all_in_header.to_numpy()]), ("episodes", clash[~all_in_header.to_numpy()])):
        if not len(keys):
            continue
        shown = firsts[firsts["_folded"].isin(keys[:10])].groupby("_folded", sort=False)
        found = [" / ".join(g["_child"]) for _, g in shown]
        values = [" and ".join(f"{c} ({k} {f} line {line})" for c, k, f, line in
                               zip(g["_child"], g["_kind"], g["_file"], g["_line"])) for _, g in shown]
        problems.append(Problem(kind, "CHILD", "ids that differ only by leading zeros or case (a spreadsheet "
                                "drops the zeros of a number): likely one child read as two; write every "
                                "file's ids alike", found, int(len(keys)), "; ".join(values)))
    return problems


def _header(frames: List[pd.DataFrame], problems: List[Problem], report: Dict[str, Any],
            reads: Optional[Dict[str, Callable[[str], str]]] = None) -> pd.DataFrame:
    header = pd.concat(frames, ignore_index=True).sort_values(["_year", "_file", "_line"], kind="stable")
    if "SEX" in header:  # 1 in one year and M in the next say the same: compared as read
        raw = header["SEX"].astype("string")
        header["SEX"] = raw.str.upper().map(SEX).fillna(raw)
    for col in ("DOB", "SEX"):
        problems += _disagreements(header, ["CHILD"], col, "header", "child")
    if "ETHNIC" in header:
        # compared as loaded: two local codes the code map makes one are one ethnicity
        loaded = header[["CHILD"]].assign(ETHNIC=_as_loaded(header, "ETHNIC", (reads or {}).get("ETHNIC")))
        differ = _differ(loaded, ["CHILD"], "ETHNIC").index
        report["ethnic_differs_between_years"] = int(len(differ))
        if len(differ):
            report["ethnic_differs_children"] = list(differ[:10])
    n = len(header)
    # A child twice in one year's files is a repeated row of that return, not a later year's word.
    within = _repeated_within_a_year(header, ["CHILD"], "header", report)
    # Each column's latest non-blank value: the latest return is the most recent word on a child.
    header = header.groupby("CHILD", sort=False).last().reset_index()
    report["header_rows_repeated_across_years"] = n - len(header) - within
    return header


def _overlapping(ep: pd.DataFrame) -> Tuple[pd.Series, pd.Series]:
    """The next episode's DECOM, and the episodes still running (or open) when it begins."""
    decom_next = ep.groupby("CHILD")["DECOM"].shift(-1)
    return decom_next, (ep["DEC"].isna() & decom_next.notna()) | ep["DEC"].gt(decom_next)


def _episodes(frames: List[pd.DataFrame], header: pd.DataFrame, problems: List[Problem],
              report: Dict[str, Any], overlaps: str,
              reads: Optional[Dict[str, Callable[[str], str]]] = None) -> pd.DataFrame:
    # Oldest year first, so that "last" below is the latest return.
    ep = pd.concat(frames, ignore_index=True).sort_values(["CHILD", "DECOM", "_year", "_file", "_line"],
                                                          kind="stable")
    known = ep["CHILD"].isin(header["CHILD"])
    report["episodes_without_header_dropped"] = int((~known).sum())
    if (~known).any():
        report["episodes_without_header_children"] = ep.loc[~known, "CHILD"].unique()[:10].tolist()
    ep = ep[known].copy()
    # One episode in several years' files: the values must agree (a DEC filled in later is an update);
    # codes agree when they load as one code (``reads``: the code map applied).
    dup = ep[ep.duplicated(["CHILD", "DECOM"], keep=False)]
    if len(dup):
        for col in COMPARED + ("DEC",):
            if col not in dup.columns:
                continue
            problems += _disagreements(dup, ["CHILD", "DECOM"], col, "episodes", "episode (CHILD, DECOM)",
                                       (reads or {}).get(col))
            problems += _blank_and_filled_in_one_return(dup, ["CHILD", "DECOM"], col)
        if "PLACE_PROVIDER" in dup:
            report["placement_provider_differs_between_years"] = int(len(_differ(dup, ["CHILD", "DECOM"],
                                                                                 "PLACE_PROVIDER")))
    g = ep.groupby(["CHILD", "DECOM"], sort=False)
    latest = ~ep.duplicated(["CHILD", "DECOM"], keep="last")
    # A later return that leaves open an episode an earlier one closed re-opens it (the later is the
    # correction); counted so that the change is not silent.
    reopened = latest & ep["DEC"].isna() & (g["DEC"].transform("count") > 0)
    report["episodes_reopened_by_later_file"] = int(reopened.sum())
    if reopened.any():
        report["episodes_reopened_by_later_file_rows"] = _labels(ep, reopened, with_file=True)
    if "PLACE_PROVIDER" in ep:  # the latest non-blank provider
        ep["PLACE_PROVIDER"] = g["PLACE_PROVIDER"].transform("last")
    if "REC" in ep:  # a closed episode's reason for leaving, from an earlier year when the latest left it blank
        rec = g["REC"].transform("last")
        filled = latest & ep["DEC"].notna() & ep["REC"].isna() & rec.notna()
        report["reason_for_leaving_from_an_earlier_year"] = int(filled.sum())
        if filled.any():
            report["reason_for_leaving_from_an_earlier_year_rows"] = _labels(ep, filled, with_file=True)
        ep.loc[filled, "REC"] = rec[filled]
    n0 = len(ep)
    within = _repeated_within_a_year(ep, ["CHILD", "DECOM"], "episodes", report)
    ep = ep[latest]
    report["episodes_repeated_across_years"] = n0 - len(ep) - within
    # A return lists every episode open during its year: one open at the end of a year and absent
    # from the later years' returns stays open here to the end of the data, which is kept (it is
    # what the files say) but counted, as it may be an episode that closed unrecorded.
    missing = ep["DEC"].isna() & (ep["_year"] < ep["_year"].max())
    report["open_episodes_missing_from_later_years"] = int(missing.sum())
    if missing.any():
        report["open_episodes_missing_from_later_years_rows"] = _labels(ep, missing, with_file=True)
    dob = ep["CHILD"].map(header.set_index("CHILD")["DOB"])
    for wrong, why in ((ep["DECOM"] < dob, "episode starts before the child's date of birth (DOB in the header)"),
                       (ep["DECOM"] >= dob + pd.DateOffset(years=18), "episode starts when the child is 18 or over "
                        "(DOB in the header): no one starts to be looked after at 18")):
        if wrong.any():
            problems.append(Problem("episodes", "DECOM", why, _labels(ep, wrong, with_file=True), int(wrong.sum()),
                                    f"DECOM {ep.loc[wrong, 'DECOM'].iloc[0]:%d/%m/%Y}, "
                                    f"DOB {dob[wrong].iloc[0]:%d/%m/%Y}"))
    # before the overlap rules, which would otherwise set such a DEC to the next DECOM or drop it
    backwards = ep["DEC"].notna() & (ep["DEC"] < ep["DECOM"])
    if backwards.any():
        problems.append(Problem("episodes", "DEC", "episode ceases (DEC) before it starts (DECOM)",
                                _labels(ep, backwards, with_file=True), int(backwards.sum()),
                                f"DECOM {ep.loc[backwards, 'DECOM'].iloc[0]:%d/%m/%Y}, "
                                f"DEC {ep.loc[backwards, 'DEC'].iloc[0]:%d/%m/%Y}"))
    _count_half_closed(ep, report)
    if overlaps == "raise":  # before the shared-end rule, which would hide some overlaps
        decom_next, change = _overlapping(ep)
        if change.any():
            report["overlapping_episodes"] = int(change.sum())
            first = change.idxmax()
            problems.append(Problem("episodes", "DEC", "episode ends after the next episode of the same child "
                                    "begins (or is open while a later one exists); pass overlaps='truncate' to "
                                    "end it when the next begins", _labels(ep, change, with_file=True),
                                    int(change.sum()), f"DEC {ep.at[first, 'DEC']:%d/%m/%Y}, next DECOM "
                                    f"{decom_next[first]:%d/%m/%Y}" if pd.notna(ep.at[first, "DEC"]) else
                                    f"open, next DECOM {decom_next[first]:%d/%m/%Y}"))
            return ep
    # Two episodes ending the same day: keep the longer (as cs-demand-model does). Open episodes
    # share no end date: two of them are an overlap, handled below.
    shared = ep["DEC"].notna() & ep.duplicated(["CHILD", "DEC"], keep="first")
    ep = ep[~shared]
    report["episodes_sharing_an_end_date_dropped"] = int(shared.sum())
    decom_next, change = _overlapping(ep)
    report["overlapping_episodes"] = int(change.sum())
    if change.any():
        ep = ep.copy()
        ep.loc[change, "DEC"] = decom_next[change]
        report["overlapping_episodes_truncated"] = int(change.sum())
    return ep


def _count_half_closed(ep: pd.DataFrame, report: Dict[str, Any]) -> None:
    """Count (and name the first of) episodes the files close by half: a reason for leaving (REC)
    without the date it ceased (DEC), kept open as the files date it; and a DEC without a REC,
    kept closed, its exit of unknown kind. Before overlaps are truncated, which sets DECs."""
    for key, mask in (("episodes_with_a_reason_for_leaving_but_no_end", ep["REC"].notna() & ep["DEC"].isna()),
                      ("episodes_ended_without_a_reason_for_leaving", ep["DEC"].notna() & ep["REC"].isna())):
        report[key] = int(mask.sum())
        if mask.any():
            report[f"{key}_rows"] = _labels(ep, mask, with_file=True)


def _sex(header: pd.DataFrame, report: Dict[str, Any]) -> pd.Series:
    """SEX as M/F/U; values read as U are counted by reason (SSDA903 records 1 or 2)."""
    sex = header["SEX"].astype("string")
    mapped = sex.str.upper().map(SEX)
    unknown = sex[mapped.isna()]
    counts: Dict[str, int] = {}
    if unknown.isna().any():
        counts["blank"] = int(unknown.isna().sum())
    for value, n in unknown.dropna().value_counts().items():
        counts[f"not 1 or 2: {value!r}"] = int(n)
    report["sex_read_as_unknown"] = counts
    return mapped.fillna("U")


def read_ssda903(folder: Union[str, Path], *, overlaps: str = "truncate", unknown_codes: str = "raise",
                 code_map: Optional[Any] = None, validate: bool = True, as_of: Optional[Any] = None):
    """Read the yearly SSDA903 header and episodes files under ``folder`` into a Dataset.

    Parameters
    ----------
    folder : a folder holding the yearly files (any layout). A ``.csv`` file whose name says
        ``header`` or ``episodes`` is read as one (and must be, or it is a problem); the return's
        other tables (UASC, OC2, reviews, ...) are skipped by name; other files are recognised by
        their columns. Files may be UTF-8 (with or without a byte-order mark), UTF-16 with a
        byte-order mark, or Windows cp1252 as Excel writes them; with any line ending (CRLF, LF,
        CR); fields separated by commas, or by ``;``, tabs or ``|`` (Excel in a continental locale,
        "Unicode text"). Dates may be written ``dd/mm/yyyy`` (the return's own, also ``d/m/yyyy``),
        ``yyyy-mm-dd``, ``yyyy/mm/dd``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` or ``dd Mon yyyy``, each
        with or without a time of day (dropped, with any time zone: the day as written is kept).
        Each file's date column keeps to one of these; the files of different years need not.
    overlaps : ``"truncate"`` (default, as ``cs-demand-model`` does): an episode that runs past the
        start of the same child's next episode (or is open when it begins) ends when the next
        begins; the count is in the report. ``"raise"``: such episodes are problems.
    unknown_codes : ``"raise"`` (default) or ``"keep"`` (load as ``unknown`` and count them).
    code_map, validate, as_of : as for :meth:`earlyhelp.Dataset.from_frames`: a council's own
        placement codes, say, mapped to the return's (``{"cla_episodes": {"placement": {"R9": "R1"}}}``).
        Years' files are compared after it: ``R9`` one year and ``R1`` the next agree.

    Returns
    -------
    Dataset with ``persons`` and ``cla_episodes``; ``ds.meta['ssda903_report']`` lists the files
    read (with their encodings, and the delimiters other than commas) and skipped (with the
    reason) and counts every merged, dropped,
    shortened or re-opened row and every value changed, with its reason, and the episodes open at
    the end of a year that no later year's file lists (kept open; they may have closed
    unrecorded). Rows repeated within one file (``*_rows_repeated_within_a_file``, with the
    first rows) or between two files of one year (``*_rows_repeated_between_files_of_one_year``)
    are counted apart from those repeated across years. Where years' files
    differ about an ETHNIC or PLACE_PROVIDER value, the latest year's non-blank value is kept
    and the rows are counted; a DEC a later year leaves blank re-opens the episode (counted); a
    REC a later year leaves blank on the same closed episode is kept from the earlier year
    (``reason_for_leaving_from_an_earlier_year``, with the rows). One file listing an episode
    twice (or two files of one year listing it), DEC or REC blank in one row and filled in the
    other, is a problem (which is right cannot be told).
    Episodes closed by half are kept as written and counted, with their first rows: a REC
    without a DEC (``episodes_with_a_reason_for_leaving_but_no_end``: open) and a DEC without a
    REC (``episodes_ended_without_a_reason_for_leaving``: closed, the kind of exit unknown).
    Episodes of short breaks (LS ``V3`` or ``V4``: an agreed series of short-term placements)
    are kept, as the return holds them, and counted (``short_break_episodes``): DfE's figures
    of children looked after leave them out, and so does :class:`earlyhelp.flow.StockFlow`
    unless given ``short_breaks="keep"``.

    Raises
    ------
    ValidationError : a header or episodes file that cannot be read (encoding, extra fields,
        repeated or missing columns, the column names repeated as a row); a year (named by folder
        or file) with a header file but no episodes file, or the reverse; rows without CHILD,
        RNE, LS or PLACE; missing DECOM or DOB; dates that do not read, by why: a two-digit year
        (``01/04/23``: the century is not guessed), month first (``04/13/2023``), no such day, or
        not a date; a date column written in more than one layout (the rows not in its most
        common one are named); a DECOM or DEC after April of the year after the one a file is
        labelled with (a mistyped year); episodes starting before the child's DOB or when the child is 18
        or over; an episode whose DEC is before its DECOM; a child or an episode
        given different values in one file or in years' files (codes compared as they load, after
        ``code_map``; the value shows each as written and what it reads as); CHILD ids that differ only by
        leading zeros or case (``001`` and ``1``, ``AB12`` and ``ab12``), compared across the header
        and episodes files of every year (each named with its file and line, never dropped as an
        episode without a header); unknown codes (with ``unknown_codes="raise"``: each
        RNE, LS, PLACE, REC or ETHNIC value that is no code after ``code_map``, by file and
        SSDA903 column, with the code map that would fix them); overlapping
        episodes (with ``overlaps="raise"``). Each names the file, column, lines and a value.
    """
    from .dataset import Dataset

    if overlaps not in OVERLAPS:
        raise ValidationError(f"overlaps must be one of {', '.join(OVERLAPS)}, not {overlaps!r}", table="read_ssda903",
                              column="overlaps")
    if not isinstance(folder, (str, os.PathLike)):
        raise ValidationError(f"folder must be a path to a folder, not {type(folder).__name__}",
                              table="read_ssda903", column="folder")
    root = Path(folder)
    if not root.is_dir():
        raise ValidationError(f"{folder} is not a folder", table="read_ssda903")
    report: Dict[str, Any] = {"files": [], "encodings": {}, "delimiters": {}, "skipped_files": {},
                              "child_ids_stripped_of_spaces": 0, "child_ids_written_as_decimals": 0}
    found, problems = _read_files(root, report)
    if problems:  # later checks would only repeat these rows' faults
        raise ValidationError(problems)
    headers = [f for _, k, f in found if k == "header"]
    episodes = [f for _, k, f in found if k == "episodes"]
    if not headers or not episodes:
        skipped = report["skipped_files"]
        raise ValidationError(Problem("read_ssda903", None, f"found {len(headers)} header and {len(episodes)} "
                                      "episodes files (need at least one of each)",
                                      [f"{f}: {why}" for f, why in list(skipped.items())[:10]], len(skipped)))
    report["years"] = sorted({int(f["_year"].iloc[0]) for f in episodes if len(f)})
    reads = _code_readers(code_map)  # years' codes are compared as they load, after the code map
    if unknown_codes == "raise":  # named here, by file and line: loading knows neither
        for _, kind, frame in found:
            if len(frame):
                _unknown_codes(kind, frame, str(frame["_file"].iloc[0]), code_map, problems)
        if problems:
            raise ValidationError(problems)
    # before the header's rows are merged and episodes matched to them, which would hide such ids
    problems += _ids_written_two_ways(headers, episodes)
    if problems:
        raise ValidationError(problems)
    header = _header(headers, problems, report, reads["header"])
    ep = _episodes(episodes, header, problems, report, overlaps, reads["episodes"])
    if problems:
        raise ValidationError(problems)
    # kept as the return has them; the flow models leave them out of care (StockFlow(short_breaks=))
    short = _as_loaded(ep, "LS", reads["episodes"].get("LS")).isin(SHORT_BREAK_STATUSES)
    report["short_break_episodes"] = int(short.sum())
    persons = pd.DataFrame({
        "person_id": header["CHILD"].astype(str).to_numpy(), "birth_date": header["DOB"].to_numpy(),
        "sex": _sex(header, report).to_numpy(),
        "ethnicity": header["ETHNIC"].to_numpy() if "ETHNIC" in header else None,
    })
    cla = pd.DataFrame({
        "cla_episode_id": [f"{c}-{d:%Y%m%d}" for c, d in zip(ep["CHILD"], ep["DECOM"])],
        "person_id": ep["CHILD"].astype(str).to_numpy(), "start_date": ep["DECOM"].to_numpy(),
        "end_date": ep["DEC"].to_numpy(), "reason_new_episode": ep["RNE"].to_numpy(),
        "legal_status": ep["LS"].to_numpy(), "placement": ep["PLACE"].to_numpy(),
        "reason_for_leaving": ep["REC"].to_numpy(),
        "placement_provider": ep["PLACE_PROVIDER"].to_numpy() if "PLACE_PROVIDER" in ep else None,
    })
    return Dataset.from_frames(persons=persons, cla_episodes=cla, validate=validate, unknown_codes=unknown_codes,
                               code_map=code_map, as_of=as_of, meta={"ssda903_report": report, "source": str(root)})
