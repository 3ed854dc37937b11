"""Read a council's SSDA903 return (the children looked after return) from its yearly files.

A council keeps one header file (CHILD, SEX, DOB, ...) and one episodes file (CHILD, DECOM,
RNE, LS, PLACE, DEC, REC, ...) per year. Files are found anywhere under the folder: by name
(``header`` or ``episodes`` in it) or, for other names, by their columns; the year comes from a
four-digit folder or file name (``2019/episodes.csv``, ``2019-episodes.csv``) or, failing that,
from the latest DECOM in the file.

The same episode appears in several years' files (an open episode in one year is closed in the
next). Duplicates are merged the way ``cs-demand-model`` merges them, and every change is
counted with its reason in ``ds.meta['ssda903_report']``; values that disagree between years
are problems named by table, column and row.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pandas as pd

from .._errors import Problem, ValidationError
from .coerce import PARTIAL_DATE, TZ_SUFFIX

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
SEX = {"1": "M", "2": "F", "1.0": "M", "2.0": "F", "M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
# The return's other tables: their files are skipped by name (a UASC file has CHILD, SEX and DOB too).
OTHER_TABLES = ("uasc", "oc2", "oc3", "ad1", "placed_for_adoption", "placedadoption", "previous_permanence",
                "prev_perm", "missing", "reviews", "sw_episodes", "social_worker")
# read_ssda903(overlaps=...): what is done with an episode that runs past the next one's start
OVERLAPS = ("truncate", "raise")
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


def _dates(values: pd.Series, table: str, column: str, frame: pd.DataFrame, problems: List[Problem],
           path: str, nullable: bool) -> pd.Series:
    text = values.astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    # a year alone or a year and month is not a day: ISO 8601 would read it as the 1st
    partial = text.str.fullmatch(PARTIAL_DATE).fillna(False).astype(bool)
    iso = parsed.isna() & text.notna() & ~partial
    if iso.any():  # the day as written: a time zone is dropped, not converted (nor compared with naive dates)
        written = text.where(iso).str.replace(TZ_SUFFIX, "", regex=True)
        parsed = parsed.where(~iso, pd.to_datetime(written, format="ISO8601", errors="coerce").dt.normalize())
    bad = parsed.isna() & text.notna() & (text != "")
    if not nullable:
        bad = bad | text.isna() | (text == "")
    if bad.any():
        problems.append(Problem(f"{table} ({path})", column, "unreadable or missing date (dd/mm/yyyy expected)",
                                _labels(frame, bad), int(bad.sum()), None if text[bad].isna().all() else
                                str(text[bad].dropna().iloc[0])))
    return parsed


def _long_lines(text: str, width: int) -> List[int]:
    """Line numbers of rows with more fields than the column names (only called when pandas refused)."""
    reader = csv.reader(io.StringIO(text))
    return [reader.line_num for row in reader if len(row) > width]


def _first_lines(text: str, n_rows: int) -> Optional[List[int]]:
    """The file line on which each of the ``n_rows`` records after the column names begins.

    A quoted value may hold a line break (an address, a note), so a record can span lines and
    row i is no longer line i + 2. None when the records do not match the rows read.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    starts, end = [], reader.line_num
    for _ in reader:
        starts.append(end + 1)
        end = reader.line_num
    return starts if len(starts) == n_rows else None


def _parse(path: Path, rel: str, named: Optional[str], problems: List[Problem], skipped: Dict[str, str],
           encodings: Dict[str, str]) -> Optional[Tuple[str, pd.DataFrame]]:
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
    names = next(csv.reader(io.StringIO(text)), [])
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
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                            skip_blank_lines=False)
    except pd.errors.ParserError as err:
        frame, error = None, err
    # pandas takes a first field that every row has too many of as the index: extra fields either way.
    if frame is None or not isinstance(frame.index, pd.RangeIndex):
        lines = _long_lines(text, len(names))
        if lines:
            fail(None, f"row has more fields than the {len(names)} column names", [f"line {n}" for n in lines[:10]],
                 len(lines))
        else:
            fail(None, f"is not a readable CSV file: {error}")
        return None
    encodings[rel] = encoding
    frame.columns = [c or f"_unnamed{i}" for i, c in enumerate(columns)]
    # Only the columns the Dataset takes are kept (one block: later steps are faster on it).
    used = [c for c in REQUIRED[kind] + KEPT[kind] if c in frame]
    rows = frame.notna().any(axis=1).to_numpy()
    frame = pd.DataFrame({c: frame[c].to_numpy()[rows] for c in used}, index=frame.index[rows])
    # the file's line, for messages: row i is line i + 2 unless a quoted value spans lines
    starts = _first_lines(text, len(rows)) if '"' in text else None
    frame["_line"] = frame.index + 2 if starts is None else [starts[i] for i in frame.index]
    return kind, frame


def _clean(kind: str, frame: pd.DataFrame, rel: str, problems: List[Problem], report: Dict[str, Any]) -> None:
    """Strip ids and codes, and name rows without the values every row must have."""
    for col in ("CHILD",) + CODES:
        if col in frame:
            # Strip each distinct value once: codes repeat, and even ids repeat across episodes.
            codes, uniques = pd.factorize(frame[col])
            stripped = pd.Series(uniques, dtype=object).str.strip()
            changed = stripped.to_numpy() != uniques
            if changed.any():
                stripped = stripped.mask(stripped == "")
                if col == "CHILD":  # " 1001 " in one file is 1001 in another
                    counted = changed & stripped.notna().to_numpy()
                    report["child_ids_stripped_of_spaces"] += int((counted[codes] & (codes >= 0)).sum())
                frame[col] = stripped.to_numpy()[codes]
                frame.loc[codes < 0, col] = None
    for col in REQUIRED_VALUES[kind]:
        bad = frame[col].isna()
        if bad.any():
            message = "missing id" if col == "CHILD" else f"missing value (every {kind} row needs {col})"
            problems.append(Problem(f"{kind} ({rel})", col, message, _labels(frame, bad), int(bad.sum())))


def _read_files(root: Path, report: Dict[str, Any]) -> Tuple[List[Tuple[int, str, pd.DataFrame]], List[Problem]]:
    found, problems = [], []
    skipped: Dict[str, str] = report["skipped_files"]
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
        parsed = _parse(path, rel, named, problems, skipped, report["encodings"])
        if parsed is None:
            continue
        kind, frame = parsed
        frame["_file"] = rel
        _clean(kind, frame, rel, problems, report)
        year = _year_of(path, root)
        if kind == "episodes":
            frame["DECOM"] = _dates(frame["DECOM"], "episodes", "DECOM", frame, problems, rel, False)
            frame["DEC"] = _dates(frame["DEC"], "episodes", "DEC", frame, problems, rel, True)
            if year is None and frame["DECOM"].notna().any():
                year = int(frame["DECOM"].max().year)
        else:
            frame["DOB"] = _dates(frame["DOB"], "header", "DOB", frame, problems, rel, False)
        frame["_year"] = year if year is not None else -1
        report["files"].append(rel)
        found.append((year if year is not None else -1, kind, frame))
    return found, problems


def _differ(frame: pd.DataFrame, keys: List[str], col: str) -> pd.Series:
    """Keys whose rows hold more than one value of ``col`` (blanks aside)."""
    n_values = frame.groupby(keys, sort=False)[col].nunique(dropna=True)
    return n_values[n_values > 1]


def _repeated_within_a_file(frame: pd.DataFrame, keys: List[str], kind: str, report: Dict[str, Any]) -> int:
    """How many rows repeat a row of the same file (the same child, or the same CHILD and DECOM).

    They are merged as repeats across years are, but counted apart, with the first ten rows, in
    ``report['<kind>_rows_repeated_within_a_file']``: one return listing an episode twice is an
    error in that return, not an episode carried over to the next year.
    """
    again = frame.duplicated(keys + ["_file"], keep="first")
    n = int(again.sum())
    report[f"{kind}_rows_repeated_within_a_file"] = n
    if n:
        report[f"{kind}_rows_repeated_within_a_file_rows"] = _labels(frame, again, with_file=True)
    return n


def _header(frames: List[pd.DataFrame], problems: List[Problem], report: Dict[str, Any]) -> pd.DataFrame:
    header = pd.concat(frames, ignore_index=True).sort_values(["_year", "_file", "_line"], kind="stable")
    for col in ("DOB", "SEX"):
        differ = _differ(header, ["CHILD"], col).index
        if len(differ):
            problems.append(Problem("header", col, "differs between years' files for the same child",
                                    list(differ[:10]), int(len(differ)),
                                    ", ".join(f"{f}: {v}" for f, v in
                                              header.loc[header["CHILD"] == differ[0], ["_file", col]].to_numpy())))
    if "ETHNIC" in header:
        differ = _differ(header, ["CHILD"], "ETHNIC").index
        report["ethnic_differs_between_years"] = int(len(differ))
        if len(differ):
            report["ethnic_differs_children"] = list(differ[:10])
    n = len(header)
    # A child twice in one year's file is a repeated row of that return, not a later year's word.
    within = _repeated_within_a_file(header, ["CHILD"], "header", report)
    # Each column's latest non-blank value: the latest return is the most recent word on a child.
    header = header.groupby("CHILD", sort=False).last().reset_index()
    report["header_rows_repeated_across_years"] = n - len(header) - within
    return header


def _overlapping(ep: pd.DataFrame) -> Tuple[pd.Series, pd.Series]:
    """The next episode's DECOM, and the episodes still running (or open) when it begins."""
    decom_next = ep.groupby("CHILD")["DECOM"].shift(-1)
    return decom_next, (ep["DEC"].isna() & decom_next.notna()) | ep["DEC"].gt(decom_next)


def _episodes(frames: List[pd.DataFrame], header: pd.DataFrame, problems: List[Problem],
              report: Dict[str, Any], overlaps: str) -> pd.DataFrame:
    # Oldest year first, so that "last" below is the latest return.
    ep = pd.concat(frames, ignore_index=True).sort_values(["CHILD", "DECOM", "_year", "_file", "_line"],
                                                          kind="stable")
    known = ep["CHILD"].isin(header["CHILD"])
    report["episodes_without_header_dropped"] = int((~known).sum())
    if (~known).any():
        report["episodes_without_header_children"] = ep.loc[~known, "CHILD"].unique()[:10].tolist()
    ep = ep[known].copy()
    # One episode in several years' files: the values must agree (a DEC filled in later is an update).
    dup = ep[ep.duplicated(["CHILD", "DECOM"], keep=False)]
    if len(dup):
        for col in COMPARED + ("DEC",):
            if col not in dup.columns:
                continue
            differ = _differ(dup, ["CHILD", "DECOM"], col)
            if len(differ):
                child, decom = differ.index[0]
                shown = dup[(dup["CHILD"] == child) & (dup["DECOM"] == decom)]
                problems.append(Problem(
                    "episodes", col, "differs between years' files for the same episode (CHILD, DECOM)",
                    [f"{c} {d.date()}" for c, d in differ.index[:10]], int(len(differ)),
                    ", ".join(f"{f}: {v}" for f, v in zip(shown["_file"], shown[col]))))
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
    n0 = len(ep)
    within = _repeated_within_a_file(ep, ["CHILD", "DECOM"], "episodes", report)
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
    early = ep["DECOM"] < dob
    if early.any():
        problems.append(Problem("episodes", "DECOM", "episode starts before the child's date of birth (DOB in "
                                "the header)", _labels(ep, early, with_file=True), int(early.sum()),
                                f"DECOM {ep.loc[early, 'DECOM'].iloc[0]:%d/%m/%Y}, DOB {dob[early].iloc[0]:%d/%m/%Y}"))
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
                 validate: bool = True, as_of: Optional[Any] = None):
    """Read the yearly SSDA903 header and episodes files under ``folder`` into a Dataset.

    Parameters
    ----------
    folder : a folder holding the yearly files (any layout). A ``.csv`` file whose name says
        ``header`` or ``episodes`` is read as one (and must be, or it is a problem); the return's
        other tables (UASC, OC2, reviews, ...) are skipped by name; other files are recognised by
        their columns. Files may be UTF-8 (with or without a byte-order mark), UTF-16 with a
        byte-order mark, or Windows cp1252 as Excel writes them.
    overlaps : ``"truncate"`` (default, as ``cs-demand-model`` does): an episode that runs past the
        start of the same child's next episode (or is open when it begins) ends when the next
        begins; the count is in the report. ``"raise"``: such episodes are problems.
    unknown_codes : ``"raise"`` (default) or ``"keep"`` (load as ``unknown`` and count them).
    validate, as_of : as for :meth:`earlyhelp.Dataset.from_frames`.

    Returns
    -------
    Dataset with ``persons`` and ``cla_episodes``; ``ds.meta['ssda903_report']`` lists the files
    read (with their encodings) and skipped (with the reason) and counts every merged, dropped,
    shortened or re-opened row and every value changed, with its reason, and the episodes open at
    the end of a year that no later year's file lists (kept open; they may have closed
    unrecorded). Rows repeated within one file (``*_rows_repeated_within_a_file``, with the
    first rows) are counted apart from those repeated across years. Where years' files
    differ about an ETHNIC or PLACE_PROVIDER value, or an episode's DEC, the latest year's
    non-blank value is kept and the rows are counted.

    Raises
    ------
    ValidationError : a header or episodes file that cannot be read (encoding, extra fields,
        repeated or missing columns); rows without CHILD, RNE, LS or PLACE; unreadable dates;
        episodes starting before the child's DOB; years' files that disagree about a child or
        an episode; unknown codes; overlapping episodes (with ``overlaps="raise"``).
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
    report: Dict[str, Any] = {"files": [], "encodings": {}, "skipped_files": {}, "child_ids_stripped_of_spaces": 0}
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
    header = _header(headers, problems, report)
    ep = _episodes(episodes, header, problems, report, overlaps)
    if problems:
        raise ValidationError(problems)
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
                               as_of=as_of, meta={"ssda903_report": report, "source": str(root)})
