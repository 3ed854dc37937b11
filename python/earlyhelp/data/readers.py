"""Reading Datasets from folders of CSV or Parquet, and published aggregates.

CSV files are read robustly and loudly:

- encoding: UTF-16 when the file starts with its byte-order mark (Excel's "Unicode text"),
  else UTF-8 (with or without a byte-order mark), then Windows-1252, then Latin-1 (which
  reads any bytes); the one used is in ``ds.meta['load_report']['encodings']``. A file
  holding NUL bytes is not text (a spreadsheet saved as .csv, UTF-16 without its mark)
  and is reported, not read.
- ragged rows (more or fewer fields than the header) raise a :class:`ValidationError`
  naming the file and line numbers (counted as below); no row is ever dropped silently. A
  file that cannot be read is one problem in the list: the other files are still read and
  checked.
- an empty file (no bytes, or a header only) loads as an empty table and is noted in
  ``ds.meta['load_report']['files']``.
- the lines SQL Server Management Studio writes after a result saved as text (``(1234 rows
  affected)``, ``Completion time: ...``) are left out when they end the file, and counted in
  ``ds.meta['load_report']['ignored_values']``; anywhere else they are ragged rows.
- columns with no name in the header (``a,b,,``: trailing delimiters) are left out when they
  hold no values, counted in ``ds.meta['load_report']['ignored_values']``; one holding values
  is a problem naming its position and rows.
- every cell is read as text and converted by the schema (so ``007`` stays an id).
- problems name rows by their id; a row without one (or in a table without ids) by its row,
  counted from 0 as in a DataFrame, and its line in the file, the header being line 1 (as an
  editor or Excel shows it): ``row 2 (no agency_id, line 6 of agencies.csv)``. Blank lines,
  refused rows and quoted line breaks are counted as the file has them.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import uuid
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from . import codes as code_lists
from .coerce import CsvLines, carry_csv_lines, forget_csv_lines, mark_csv_lines, row_labels
from .schema import TABLES

ENCODINGS = ("utf-8", "cp1252", "latin-1")
# What SQL Server Management Studio writes after a result it saves or copies as text: the row
# count ("(1 row affected)", "(1234 rows affected)") and, since SSMS 18, the completion time.
SSMS_FOOTER = re.compile(r"\(\d[\d,]* rows? affected\)"
                         r"|Completion time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")
SSMS_FOOTER_REASON = ("SSMS footer lines ignored (the row count and completion time SSMS writes after a result): "
                      "not rows of the table")


def resolve_table_name(name: str) -> Optional[str]:
    """Our table name for ``name`` (ours or an SSD table name, any case), or None."""
    lowered = name.strip().lower()
    for table in TABLES.values():
        if lowered == table.name or lowered in (a.lower() for a in table.aliases):
            return table.name
    return None


def detect_encoding(data: bytes) -> Tuple[str, bytes]:
    """(encoding name, bytes without a UTF-8 byte-order mark) for CSV bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
            return "utf-16", data
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            data.decode("utf-8")
            return "utf-8-sig", data
        except UnicodeDecodeError:
            pass
    for enc in ENCODINGS:
        try:
            data.decode(enc)
            return enc, data
        except UnicodeDecodeError:
            continue
    return "latin-1", data  # unreachable: latin-1 decodes any bytes


def mixed_encoding_lines(data: bytes, limit: int = 5) -> Tuple[List[int], List[int]]:
    """Line numbers (from 1, up to ``limit`` each) of the lines holding UTF-8 accents and of
    those that are not UTF-8, for a file that as a whole is not UTF-8. Both non-empty: two
    exports pasted together, which no one encoding reads (Windows-1252 would turn every UTF-8
    accent into two characters such as 'Ã©'). Legacy text with bytes that happen to form a
    UTF-8 accent ('Ã' then '©') is far rarer than such files."""
    utf8: List[int] = []
    other: List[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            found = utf8
        except UnicodeDecodeError:
            found = other
        if len(found) < limit:
            found.append(number)
        if len(utf8) >= limit and len(other) >= limit:
            break
    return (utf8, other) if utf8 and other else ([], [])


def without_ssms_footer(text: str) -> Tuple[str, List[str]]:
    """``text`` without the SSMS footer lines that end it, and those lines (last first).

    Only whole trailing lines that are exactly a footer (and blank lines among them) go; the
    header line always stays. The file's end is read backwards, line by line: no copy of a
    large file unless it has a footer.
    """
    footer: List[str] = []
    end = cut = len(text)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if start == 0 or (line and not SSMS_FOOTER.fullmatch(line)):
            break   # the header, or the last line of data
        if line:
            footer.append(line)
            cut = start
        end = start - 1
    return (text[:cut] if footer else text), footer


def _note_footer(path: Path, label: str, footer: List[str], report: Dict[str, Any]) -> None:
    """The SSMS footer lines left out of ``path``, counted in the load report."""
    report.setdefault("ignored_values", []).append(
        {"table": label, "column": path.name, "value": " | ".join(reversed(footer)), "rows": len(footer),
         "reason": SSMS_FOOTER_REASON})


def read_csv_text(path: Union[str, Path], problems: List[Problem], report: Dict[str, Any],
                  table: Optional[str] = None) -> pd.DataFrame:
    """Read a CSV file with every cell as text (missing = empty cell); see the module notes."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    label = table or path.stem
    data = path.read_bytes()
    encoding, data = detect_encoding(data)
    report.setdefault("encodings", {})[path.name] = encoding
    if not data.strip():
        report.setdefault("files", {})[path.name] = "empty file: loaded as an empty table"
        return pd.DataFrame()
    if encoding in ("cp1252", "latin-1"):
        utf8, other = mixed_encoding_lines(data)
        if other:
            def lines(numbers: List[int]) -> str:
                return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))

            problems.append(Problem(label, None, f"{path.name}: mixes encodings: UTF-8 text on {lines(utf8)}, other "
                                    f"text (Windows-1252?) on {lines(other)}, so no one encoding reads every name "
                                    "right: save the file again as 'CSV UTF-8'"))
            report.setdefault("files", {})[path.name] = "not read: mixed encodings"
            return pd.DataFrame()
    text = data.decode(encoding)
    if "\x00" in text:
        problems.append(Problem(label, None, f"{path.name}: not a text CSV file (it holds NUL bytes): save it "
                                "as 'CSV UTF-8 (comma delimited)'", value=text[:20]))
        report.setdefault("files", {})[path.name] = "not read: not a text file"
        return pd.DataFrame()
    header = next(csv.reader(io.StringIO(text, newline="")))  # any line ending, quoted names
    delimiter = ","
    if len(header) == 1:   # Excel in a continental locale saves ';', "Unicode text" is tab-separated
        found = {d: header[0].count(d) for d in (";", "\t", "|")}
        best = max(found, key=found.get)
        if found[best]:
            delimiter = best
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    from .coerce import MAX_COLUMNS

    if len(header) > MAX_COLUMNS:
        problems.append(Problem(label, None, f"{path.name}: {len(header):,} columns in the header; a table may have "
                                f"at most {MAX_COLUMNS:,} (is this the right file?)"))
        return pd.DataFrame()
    named = [h for h in header if h.strip()]   # unnamed columns (Excel's trailing commas) are looked at below
    if len(set(named)) != len(named):
        seen: set = set()
        dup = next(h for h in named if h in seen or seen.add(h))   # linear, not header.count per column
        problems.append(Problem(label, dup, f"{path.name}: column named twice in the header"))
        return pd.DataFrame(columns=list(dict.fromkeys(header)))
    bad_rows: List[Tuple[Optional[int], int, str]] = []

    def on_bad_row(row) -> str:
        bad_rows.append((row.number, row.actual_columns, row.text))
        return "skip"  # collected and raised below: never silently dropped

    text, footer = without_ssms_footer(text)
    if footer:
        _note_footer(path, label, footer, report)
    utf8 = text.encode("utf-8") if footer or encoding not in ("utf-8", "utf-8-sig") else data
    if not utf8.endswith((b"\n", b"\r")):
        utf8 += b"\n"  # a header without a line end is still a header
    try:
        table_ = pacsv.read_csv(
            pa.BufferReader(utf8),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad_row,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True, null_values=[""],
                                                 quoted_strings_can_be_null=True))
    except (pa.ArrowException, ValueError) as exc:  # one unreadable file is one problem, not the end
        problems.append(Problem(label, None, f"{path.name}: cannot read as CSV ({exc})"))
        report.setdefault("files", {})[path.name] = "not read: not a CSV file"
        return pd.DataFrame(columns=header)
    # where each row is in the file, for messages (worked out again from the file if a message needs it)
    where = CsvLines(path.name, lambda: _text_as_read(path), delimiter, len(header), pd.RangeIndex(table_.num_rows))
    if bad_rows:
        # Arrow numbers records, not lines: a quoted line break or a blank line before a
        # ragged row would shift it, so the lines are read from the file as CsvLines reads them
        found = where.ragged_lines(len(bad_rows))
        lines = [f"line {n}" for n in found] if found is not None else \
            [f"record {n} (the header being record 1)" for n, _, _ in bad_rows]
        first = bad_rows[0]
        problems.append(Problem(
            label, None,
            f"{path.name}: {len(bad_rows)} row(s) with a different number of fields than the header "
            f"({len(header)}); e.g. {lines[0].split(' (')[0]} has {first[1]} (check delimiters and quotes)",
            rows=lines[:10], n_rows=len(bad_rows), value=first[2][:80]))
    unnamed = 0
    if len(named) != len(header):
        table_, unnamed = _without_unnamed_columns(table_, header, path, label, problems, report, where)
    frame = mark_csv_lines(table_.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get), where)
    if frame.empty:
        report.setdefault("files", {})[path.name] = "header only: loaded as an empty table"
    else:
        report.setdefault("files", {})[path.name] = f"{len(frame)} rows, encoding {encoding}" + (
            "" if delimiter == "," else f", fields separated by {'tab' if delimiter == chr(9) else repr(delimiter)}")
    if footer:
        report["files"][path.name] += f"; {len(footer)} SSMS footer line(s) ignored"
    if unnamed:
        report["files"][path.name] += f"; {unnamed} empty column(s) with no name ignored"
    return frame


def _text_as_read(path: Path) -> str:
    """The text of a CSV file as :func:`read_csv_text` reads it: decoded, any SSMS footer cut."""
    encoding, data = detect_encoding(path.read_bytes())
    return without_ssms_footer(data.decode(encoding))[0]


def _without_unnamed_columns(table_, header: List[str], path: Path, label: str, problems: List[Problem],
                             report: Dict[str, Any], where):
    """The Arrow table without its columns that have no name in the header, and how many were empty.

    Excel and SQL exports end lines with empty columns (``a,b,,``): with no name and no value
    they are no part of the table, so they are left out and counted in the load report. An
    unnamed column holding values is a problem naming its position and rows: what the values
    are cannot be told (a header cell left blank, or rows shifted by a stray delimiter).
    """
    import pyarrow.compute as pc

    empty: List[int] = []
    for i in reversed([i for i, h in enumerate(header) if not h.strip()]):
        column = table_.column(i)
        filled = pc.invert(pc.is_null(column)).to_numpy(zero_copy_only=False)
        if filled.any():
            rows = np.flatnonzero(filled)
            first = column[int(rows[0])].as_py()
            problems.append(Problem(label, f"column {i + 1} (no name)", f"{path.name}: column {i + 1} has no name in "
                                    "the header but holds values: name it, or check the delimiters on these rows",
                                    [where.label(int(r)) for r in rows[:10]], len(rows), first))
        else:
            empty.append(i + 1)
        table_ = table_.remove_column(i)
    if empty:
        report.setdefault("ignored_values", []).append(
            {"table": label, "column": f"{path.name} column{'s' if len(empty) > 1 else ''} "
             + ", ".join(map(str, reversed(empty))), "value": "", "rows": table_.num_rows,
             "reason": "columns with no name in the header and no values (trailing delimiters): not columns "
                       "of the table"})
    return table_, len(empty)


def read_parquet_table(path: Union[str, Path]) -> pd.DataFrame:
    """A Parquet file as a DataFrame whose text columns stay Arrow strings (no Python objects).

    ``pd.read_parquet`` restores text as ``string[python]``, one Python object per cell.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_text = pd.StringDtype("pyarrow")
    return pq.read_table(path).to_pandas(
        types_mapper={pa.string(): arrow_text, pa.large_string(): arrow_text}.get)


def read_dataset(path: Union[str, Path], *, code_map: Optional[Any] = None,
                 validate: bool = True, unknown_codes: str = "raise", as_of: Optional[Any] = None,
                 ssd: Optional[Any] = None):
    """Load a Dataset from a folder of ``<table>.csv`` or ``<table>.parquet`` files.

    Parameters
    ----------
    path : str or Path
        Folder holding one file per table, named by our table names (``episodes.csv``)
        or SSD names (``ssd_early_help_episodes.csv``, ``ssd_person.parquet``). Files that
        match no table are listed in ``meta['load_report']['ignored']`` (so is a folder named
        ``<table>.csv``); a folder named ``<table>.parquet`` is read as one Parquet dataset (the
        layout Spark, Dask and pyarrow write). A file named as a table up to its first dot but
        in a format not read (``episodes.xlsx``, ``episodes.txt``, ``episodes.csv.gz``) is a
        problem saying how to read it, unless the table is read from another file there (then
        it is ignored, and noted in ``meta['load_report']['files']``). Files whose names begin
        with a table's name followed by a space, ``_``, ``-`` or ``(`` (``episodes_2023.csv``
        and ``episodes_2024.csv``, ``episodes (1).csv``, ``ssd_person - Copy.csv``) are not
        read: with no file for that table they are a problem naming them (join the years into
        one file, removing repeated rows); beside that table's file they are ignored and noted
        in ``meta['load_report']['files']``.
    code_map, unknown_codes, as_of, ssd : as for :meth:`Dataset.from_frames`
        ``code_map`` may be the path of a code-map file; ``ssd`` names the case system, e.g. ``"systemc"``.
    validate : bool, default True
        Run :meth:`Dataset.validate`.

    Returns
    -------
    Dataset, with ``meta['load_report']`` saying which encoding each file used, which
    columns took defaults, what was derived and which codes loaded as unknown.

    Raises
    ------
    ValidationError listing every problem (file, table, column, rows, value).
    """
    from .coerce import new_report
    from .dataset import Dataset, problems_beyond_reading, resolve_folded_name

    folder = Path(path)
    if not folder.is_dir():
        raise ValidationError([Problem(str(folder), None, "not a folder")])
    report = new_report()
    report["ignored"] = []
    problems: List[Problem] = []
    frames: Dict[str, pd.DataFrame] = {}
    sources: Dict[str, str] = {}
    unread: List[Path] = []   # files in a format not read: a problem where the name is a table's
    for file in sorted(folder.iterdir()):
        suffix = file.suffix.lower()
        if file.name == META_FILE:
            continue   # read below: the extract's dates, not a table
        # a folder x.parquet is a Parquet dataset (as Spark, Dask and pyarrow write a table): read it
        dataset_folder = suffix == ".parquet" and file.is_dir()
        unusable = _unusable_table_file(file) if suffix in (".csv", ".parquet") else None
        if unusable:
            name = resolve_table_name(file.stem) or resolve_folded_name(file.stem)
            if name is not None:   # named as a table but no data can be read from it: never "ignored"
                problems.append(Problem(name, None, f"{file.name}: {unusable}"))
                report["files"][file.name] = f"not read: {unusable}"
                continue
        if suffix not in (".csv", ".parquet") or not (file.is_file() or dataset_folder):
            if file.is_file() or suffix in (".csv", ".parquet"):  # a folder x.csv is no table either: said
                report["ignored"].append(file.name + ("/" if file.is_dir() else ""))
                if file.is_file() and suffix not in (".csv", ".parquet"):
                    unread.append(file)
            continue
        name = resolve_table_name(file.stem) or resolve_folded_name(file.stem)
        if name is None:
            report["ignored"].append(file.name)
            continue
        if name in frames:
            problems.append(Problem(name, None, f"given twice: {sources[name]} and {file.name}"))
            continue
        sources[name] = file.name
        if suffix == ".parquet":
            try:
                frames[name] = read_parquet_table(file)
            except Exception as exc:  # a corrupt file is a user problem, not a crash
                problems.append(Problem(name, None, f"{file.name}: cannot read Parquet ({exc})"))
                continue
            report["files"][file.name] = f"{len(frames[name])} rows"
        else:
            try:
                frames[name] = read_csv_text(file, problems, report, name)
            except OSError as exc:   # no permission, a file removed meanwhile: one problem, not a crash
                problems.append(Problem(name, None, f"{file.name}: cannot read the file ({exc.strerror or exc})"))
                report["files"][file.name] = "not read: cannot open"
    for file in unread:
        _table_in_another_format(file, sources, problems, report)
    _pieces_of_a_table(folder, sources, problems, report)
    meta = read_meta_file(folder, problems, report)
    if problems:  # also list what is wrong inside the files that did read: every problem in one pass
        problems += problems_beyond_reading(frames, problems, code_map=code_map, unknown_codes=unknown_codes,
                                            as_of=as_of, validate=validate, ssd=ssd)
        raise ValidationError(problems)
    if not frames:
        raise ValidationError([Problem(str(folder), None, "no table files found (expected e.g. episodes.csv, "
                                       "ssd_early_help_episodes.csv or .parquet)")])
    return Dataset.from_frames(code_map=code_map, validate=validate, unknown_codes=unknown_codes, as_of=as_of,
                               meta={**meta, "load_report": report, "source": str(folder)}, ssd=ssd, **frames)


# What to do with a table saved in a format read_dataset does not read, by the file's last suffix.
_WORKBOOK = ("an Excel workbook is not read: save it as 'CSV UTF-8 (comma delimited)', or read it with "
             "pd.read_excel and pass the frame to Dataset.from_frames")
_TEXT = ("a text export is read only when named .csv: rename it to {stem}.csv (tab-, semicolon- and "
         "comma-separated text are all read)")
_PACKED = "a compressed file is not read: unpack it to {stem}.csv (or .parquet)"
_OTHER_FORMATS = {
    **dict.fromkeys((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"), _WORKBOOK),
    **dict.fromkeys((".txt", ".tsv", ".tab", ".dat", ".psv"), _TEXT),
    **dict.fromkeys((".gz", ".zip", ".bz2", ".xz", ".zst", ".7z"), _PACKED),
}


def _table_in_another_format(file: Path, sources: Dict[str, str], problems: List[Problem],
                             report: Dict[str, Any]) -> None:
    """A file not read whose name, up to its first dot, is a table's (``episodes.xlsx``,
    ``episodes.csv.gz``): a problem saying how to read it, as the table would otherwise be
    missing unseen; where the folder gives that table in a file that is read (``episodes.csv``
    beside the workbook it was saved from), a note in the load report. Other files stay ignored."""
    from .dataset import resolve_folded_name

    stem = file.name.split(".", 1)[0]
    name = resolve_table_name(stem) or resolve_folded_name(stem)
    if name is None:
        return
    if name in sources:
        report["files"][file.name] = f"not read: {name} is read from {sources[name]}"
        return
    how = _OTHER_FORMATS.get(file.suffix.lower(), "this format is not read: save it as 'CSV UTF-8 (comma "
                            "delimited)' or Parquet, or read it with pandas and pass the frame to "
                            "Dataset.from_frames").format(stem=stem)
    problems.append(Problem(name, None, f"{file.name}: {how}"))
    report["files"][file.name] = "not read: a format not read"


# What may follow a table's name in the name of a file holding part of it: ``episodes_2023``,
# ``episodes (1)``, ``episodes - Copy``, ``ssd_person-2024``.
_PIECE_SEPARATOR = re.compile(r"[ _\-(]")


def table_named_at_start(stem: str) -> Optional[str]:
    """The table whose name (ours, or an SSD name) begins ``stem`` before a space, ``_``, ``-`` or
    ``(`` (``episodes_2023`` -> ``episodes``; the longest such name: ``family_members_2024`` ->
    ``family_members``), or None.

    Parameters
    ----------
    stem : str
        a file's name up to its first dot.

    Returns
    -------
    str or None
        our table name.
    """
    from .dataset import resolve_folded_name

    found = None
    for cut in _PIECE_SEPARATOR.finditer(stem):
        head = stem[:cut.start()].strip()
        if head:
            found = resolve_table_name(head) or resolve_folded_name(head) or found
    return found


def _pieces_of_a_table(folder: Path, sources: Dict[str, str], problems: List[Problem],
                       report: Dict[str, Any]) -> None:
    """Files whose names begin with a table's name but are not it (``episodes_2023.csv`` and
    ``episodes_2024.csv``, ``episodes (1).csv``): one file per table is read, so a table split by
    year would otherwise load empty, the files only listed as ignored. Where the folder gives no
    file for that table, a problem naming the files (join them, removing repeated rows); where it
    does, each is noted in ``report['files']`` beside its listing as ignored."""
    pieces: Dict[str, List[str]] = {}
    for entry in report["ignored"]:
        if entry.endswith("/"):
            continue
        stem = entry.split(".", 1)[0]
        if resolve_table_name(stem) is not None:
            continue   # a table's whole name in another format: said by _table_in_another_format
        name = table_named_at_start(stem)
        if name is None:
            continue
        if name in sources:
            report["files"][entry] = f"not read: {name} is read from {sources[name]}"
        else:
            pieces.setdefault(name, []).append(entry)
    for name, files in pieces.items():
        problems.append(Problem(name, None, f"{', '.join(files)}: named as pieces of {name} (by year, or copies), "
                                f"but one file per table is read and the folder has no other file for {name}: "
                                f"join them into one {name}.csv (or .parquet), removing repeated rows; or "
                                f"rename a file that is not part of {name} so that its name does not begin "
                                "with the table's"))
        for entry in files:
            report["files"][entry] = f"not read: one of {len(files)} files named as pieces of {name}"


def _unusable_table_file(file: Path) -> Optional[str]:
    """Why a ``.csv``/``.parquet`` entry holds no readable data (a broken link, a named pipe, a
    socket, a device), or None for a regular file or a folder (a folder is said elsewhere).

    A pipe is never opened: reading it would wait for a writer that may never come.
    """
    if file.is_symlink() and not file.exists():
        return f"a broken link (to {os.readlink(file)}): the file it points to does not exist"
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror or exc})"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind}): give the table as a file"


# -- the extract's dates, written beside the tables -------------------------------------------

#: the file :func:`write_dataset` writes beside the tables: the dates the data run from and to,
#: which no table holds (``meta['window_start']`` and ``meta['end_date']``)
META_FILE = "earlyhelp_meta.json"
META_DATES = ("window_start", "end_date")


def _meta_record(ds) -> Dict[str, Any]:
    """What ``earlyhelp_meta.json`` holds for ``ds``: its known extract dates as ISO days."""
    meta = getattr(ds, "meta", None) or {}
    record: Dict[str, Any] = {"written_by": "earlyhelp.write_dataset"}
    for key in META_DATES:
        value = meta.get(key)
        record[key] = None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
    return record


def read_meta_file(folder: Path, problems: List[Problem], report: Dict[str, Any]) -> Dict[str, Any]:
    """The extract dates of ``earlyhelp_meta.json`` in ``folder`` as meta (``{}`` without the file).

    A file that is not JSON, or whose dates are not ISO days, is a problem naming the file and key.
    """
    from .events import date_argument

    file = folder / META_FILE
    if not file.exists() and not file.is_symlink():
        return {}
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem(META_FILE, None, f"cannot read the extract dates ({exc})"))
        return {}
    if not isinstance(record, dict):
        problems.append(Problem(META_FILE, None, "must hold a JSON object such as "
                                '{"window_start": "2023-04-01", "end_date": "2025-03-31"}'))
        return {}
    meta: Dict[str, Any] = {}
    for key in META_DATES:
        if record.get(key) is None:
            continue
        try:
            meta[key] = date_argument(record[key], META_FILE, key)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if meta:
        report["files"][file.name] = "extract dates: " + ", ".join(f"{k} {v.date()}" for k, v in meta.items())
    return meta


# -- published aggregates ---------------------------------------------------------------------

# Columns of the DfE tidy format that describe a row rather than measure something.
GEOGRAPHY_LEVELS = ("National", "Regional", "Local authority")
DIMENSIONS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
              "region_code", "region_name", "old_la_code", "new_la_code", "la_code", "la_name",
              "lad_code", "lad_name")
_LEVEL_WORDS = {"national": "National", "country": "National", "regional": "Regional", "region": "Regional",
                "local authority": "Local authority", "local_authority": "Local authority", "la": "Local authority"}
# "12 [u]" or "12u": a value with a low-reliability flag (kept, status low_reliability)
_FLAGGED_VALUE = re.compile(r"^\s*(-?[\d,]*\.?\d+)\s*\[?\s*u\s*\]?\s*$", re.IGNORECASE)


def _period_years(period: pd.Series) -> Tuple[pd.Series, pd.Series, pd.Series]:
    """(year each time_period ends in, or NaN; six-digit periods; six-digit periods whose second
    year does not follow the first, such as 202325) for DfE time_period text.

    Years outside those a date can hold (FIRST_DATE..LAST_DATE: ``0000``, ``999999``) are NaN.
    """
    from .coerce import FIRST_DATE, LAST_DATE

    p = period.astype("string").str.strip()
    six = p.str.fullmatch(r"\d{6}").fillna(False).astype(bool)
    four = p.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    year = pd.Series(np.nan, index=period.index)
    first = p[six].str[:4].astype(float)
    year[six] = first + 1
    year[four] = p[four].astype(float)
    unpaired = pd.Series(False, index=period.index)
    unpaired[six] = (p[six].str[4:].astype(float) != (first + 1) % 100).to_numpy(dtype=bool)
    year[unpaired | (year < FIRST_DATE.year) | (year > LAST_DATE.year)] = np.nan
    return year, six, unpaired


def _period_end(period: pd.Series, identifier: Optional[pd.Series]) -> pd.Series:
    """The date a DfE time_period ends (financial year -> 31 March, academic -> 31 August);
    NaT for text that is no DfE period (see :func:`_period_years`)."""
    ident = (identifier.astype("string").str.lower() if identifier is not None
             else pd.Series("", index=period.index, dtype="string"))
    year, six, _ = _period_years(period)
    four = ~six
    academic = ident.str.contains("academic").fillna(False)
    calendar = ident.str.contains("calendar").fillna(False) | (four & ~ident.str.contains("financial").fillna(False))
    month = np.where(academic, 8, np.where(calendar & ~six, 12, 3))
    day = np.full(len(month), 31)  # 31 March, 31 August, 31 December
    ok = year.notna()
    out = pd.Series(pd.NaT, index=period.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(pd.DataFrame({"year": year[ok].astype(int), "month": month[ok.to_numpy()],
                                               "day": day[ok.to_numpy()]}))
    return out


def _check_periods_and_rows(out: pd.DataFrame, measures: List[str], source: str) -> None:
    """A time_period the DfE form does not give (``2023/24``: the form is ``202324``; ``202325``,
    whose years do not follow; a year no date holds) would load with no period end, and two rows
    for one period, place and breakdown would both count: either is a ValidationError naming the
    rows (numbered from 0; with the file's line, for a CSV file: see ``coerce.row_labels``)."""
    problems: List[Problem] = []
    unread = out["period_end"].isna().to_numpy()
    unpaired = _period_years(out["time_period"])[2].to_numpy() & unread
    for bad, message in ((unpaired, "a six-digit year's second year must follow the first (202324 is 2023-24)"),
                         (unread & ~unpaired, "not a DfE time period: a year (2024) or a financial or academic "
                                              "year as six digits (202324)")):
        if bad.any():
            rows = np.flatnonzero(bad)
            problems.append(Problem(source, "time_period", message, row_labels(out, None, bad), len(rows),
                                    out["time_period"].iloc[rows[0]]))
    keys = [c for c in out.columns if c not in measures and c not in ("geography_name", "parent_code")]
    repeated = out.duplicated(subset=keys, keep=False).to_numpy() & ~unread
    if repeated.any():
        rows = np.flatnonzero(repeated)
        problems.append(Problem(source, None, "the same period, place and breakdown more than once: keep one row "
                                "each", row_labels(out, None, repeated), len(rows)))
    if problems:
        raise ValidationError(problems)


def _parse_measure(text: pd.Series) -> Tuple[pd.Series, pd.Series]:
    """(values, status) for one published measure column; markers -> NaN, never zero."""
    t = text.astype("string").str.strip()
    low = t.str.lower()
    status = pd.Series("ok", index=t.index, dtype=object)
    status[t.isna() | (t == "")] = "missing"
    marker = low.isin(list(code_lists.PUBLISHED_MARKERS)).fillna(False)
    status[marker] = low[marker].map(code_lists.PUBLISHED_MARKERS)
    flagged = t.str.extract(_FLAGGED_VALUE, expand=False)
    has_flag = flagged.notna() & ~marker
    number_text = t.where(~has_flag, flagged).str.replace(r"[,\s%£]", "", regex=True)
    values = pd.to_numeric(number_text.where(~marker & t.notna()).astype(object), errors="coerce").astype(float)
    values[np.isinf(values)] = np.nan   # 'inf' is no count or rate: unreadable, as the record readers say
    status[has_flag] = "low_reliability"
    unreadable = values.isna() & (status == "ok")
    status[unreadable] = "unreadable"
    return values, status


def _mostly_numbers(status: pd.Series) -> bool:
    """Nine in ten of a column's filled cells or more are numbers or markers, but not all:
    most likely a measure with a typo, not a filter column."""
    filled = status[status != "missing"]
    readable = int((filled != "unreadable").sum())
    return len(filled) > 0 and readable < len(filled) and readable >= 0.9 * len(filled)


def _unreadable_cells(text: pd.Series, status: pd.Series) -> str:
    """How many of a column's cells are not numbers, with the first few (row, text)."""
    bad = np.flatnonzero((status == "unreadable").to_numpy())
    shown = ", ".join(f"{text.iloc[i]!r} on row {i + 1}" for i in bad[:3])
    return f"{len(bad)} of {int((status != 'missing').sum())} cells: {shown}"


def read_published(path_or_frame: Union[str, Path, pd.DataFrame], *, measures: Optional[List[str]] = None
                   ) -> pd.DataFrame:
    """Load published aggregates in the DfE tidy format.

    One row per period and geography (and any filter columns), one column per measure.

    Parameters
    ----------
    path_or_frame : str or Path or DataFrame
        A CSV file (any of the encodings :func:`read_dataset` accepts) or a DataFrame.
    measures : list of str, optional
        The measure columns; by default every column that is not a known dimension
        (``time_period``, ``geographic_level``, codes and names) and whose cells are all
        numbers, markers or blank. A column whose cells are nine in ten numbers or more, but
        not all, stays text with a warning naming it and its other cells (and is listed in
        ``df.attrs['text_columns_mostly_numbers']``): a typo may be all that keeps it from
        being a measure.

    Returns
    -------
    DataFrame with the dimension columns as text, each measure as ``float64`` and a
    ``<measure>_status`` column: ``ok``, ``missing`` (blank), ``suppressed`` (c),
    ``not_available`` (x, ``:``), ``low_reliability`` (u), ``not_applicable`` (z),
    ``rounds_to_zero`` (k, low) or ``unreadable``. Every marker loads as NaN, never 0.
    A bare ``u`` has no value (NaN); a value flagged ``12 [u]`` keeps 12 with status
    ``low_reliability``. Thousands separators (``1,234``) parse.

    Added columns: ``geographic_level`` normalised to National / Regional / Local authority
    (an ordered categorical, so sorting puts the hierarchy top-down), ``geography_code`` and
    ``geography_name`` (the row's own geography), ``parent_code`` (region for a council,
    country for a region) and ``period_end`` (31 March for financial years). Councils that
    merge or split simply have rows for the periods they existed: series start and stop.
    ``df.attrs['measures']`` lists the measures.
    """
    problems: List[Problem] = []
    if isinstance(path_or_frame, pd.DataFrame):
        raw = path_or_frame.copy()
        source = "published"
    else:
        file = Path(path_or_frame)
        if not file.is_file():
            raise ValidationError([Problem(str(file), None, "no such file")])
        raw = read_csv_text(file, problems, {}, "published")
        source = file.name
        if problems:
            raise ValidationError(problems)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if raw.empty:
        raise ValidationError([Problem(source, None, "no rows")])
    for need in ("time_period", "geographic_level"):
        if need not in raw.columns:
            problems.append(Problem(source, need, "required column of the DfE tidy format is missing"))
    if problems:
        raise ValidationError(problems)
    text = raw.astype("string")
    almost: Dict[str, str] = {}
    if measures is None:
        measures = []
        for col in text.columns:
            if col in DIMENSIONS or col.endswith("_status"):
                continue
            values, status = _parse_measure(text[col])
            if (status != "unreadable").all() and (status != "missing").any():
                measures.append(col)
            elif _mostly_numbers(status):
                almost[col] = _unreadable_cells(text[col], status)
    if almost:
        # read as text, as a filter column would be: said aloud, as a typo may be all it takes
        warnings.warn("read as text, not as measures, for a few cells that are not numbers: "
                      + "; ".join(f"{c} ({why})" for c, why in almost.items())
                      + ". Pass measures=[...] to read them as measures, those cells 'unreadable'",
                      UserWarning, stacklevel=2)
    missing = [m for m in measures if m not in text.columns]
    dimension = [m for m in measures if m in DIMENSIONS and m not in missing]
    if missing or dimension:
        raise ValidationError([Problem(source, m, "measure column not found") for m in missing]
                              + [Problem(source, m, "describes a row (a DfE dimension column), not a measure")
                                 for m in dimension])
    out = carry_csv_lines(raw, pd.DataFrame(index=text.index))  # rows named with their lines (CSV)
    for col in text.columns:
        if col not in measures:
            out[col] = text[col].str.strip()
    level = out["geographic_level"].str.lower().map(_LEVEL_WORDS)
    bad = level.isna()
    if bad.any():
        problems.append(Problem(source, "geographic_level",
                                f"unknown geographic level (expected {', '.join(GEOGRAPHY_LEVELS)})",
                                row_labels(out, None, bad.to_numpy()), int(bad.sum()),
                                out.loc[bad, "geographic_level"].iloc[0]))
    out["geographic_level"] = pd.Categorical(level, categories=list(GEOGRAPHY_LEVELS), ordered=True)
    la_code = next((c for c in ("new_la_code", "la_code", "old_la_code") if c in out.columns), None)
    la_name = "la_name" if "la_name" in out.columns else None

    def col_or_na(name: Optional[str]) -> pd.Series:
        return out[name] if name else pd.Series(pd.NA, index=out.index, dtype="string")

    is_la = (out["geographic_level"] == "Local authority").to_numpy()
    is_reg = (out["geographic_level"] == "Regional").to_numpy()
    country_code, region_code = col_or_na("country_code" if "country_code" in out.columns else None), \
        col_or_na("region_code" if "region_code" in out.columns else None)
    country_name, region_name = col_or_na("country_name" if "country_name" in out.columns else None), \
        col_or_na("region_name" if "region_name" in out.columns else None)
    out["geography_code"] = np.where(is_la, col_or_na(la_code), np.where(is_reg, region_code, country_code))
    out["geography_name"] = np.where(is_la, col_or_na(la_name), np.where(is_reg, region_name, country_name))
    out["parent_code"] = np.where(is_la, region_code, np.where(is_reg, country_code, None))
    for c in ("geography_code", "geography_name", "parent_code"):
        out[c] = pd.Series(out[c], index=out.index).astype("string")
    need_code = out["geography_code"].isna().to_numpy() & ~bad.to_numpy()
    if need_code.any():
        problems.append(Problem(source, "geography_code", "row without a code for its geographic level",
                                row_labels(out, None, need_code), int(need_code.sum())))
    if problems:
        raise ValidationError(problems)
    out["period_end"] = _period_end(out["time_period"], out.get("time_identifier"))
    _check_periods_and_rows(out, measures, source)
    forget_csv_lines([out])  # the rows are sorted below: their lines would be wrong
    for m in measures:
        values, status = _parse_measure(text[m])
        out[m] = values
        out[f"{m}_status"] = pd.Categorical(status)
    out.attrs["measures"] = list(measures)
    out.attrs["text_columns_mostly_numbers"] = almost
    out.attrs["source"] = source
    return out.sort_values(["period_end", "geographic_level", "geography_code"], kind="stable") \
        .reset_index(drop=True)


def write_dataset(ds, path, *, format: str = "parquet", overwrite: bool = True) -> list:
    """Write every table of ``ds`` to ``path/<table>.parquet`` (or ``.csv``); returns the files.

    Parameters
    ----------
    ds : Dataset
        the tables to write.
    path : str or Path
        the folder (created if missing).
    format : {"parquet", "csv"}, default "parquet"
        the file format.
    overwrite : bool, default True
        replace the tables the folder already holds. With False, a folder holding tables is
        refused (``FolderHoldsTablesError``, a ValidationError) and nothing is written, even when another
        process writes them there while this one works: the tables of at most one writer appear.

    Returns
    -------
    list of Path
        the table files written.

    Raises
    ------
    FolderHoldsTablesError
        ``overwrite=False`` and the folder holds tables.
    ValidationError
        the folder holds the same tables under other names (``episodes.csv`` when writing
        Parquet, ``ssd_person.parquet``): both would be read, so the folder could not be read
        back; or a column cannot be written as Parquet (the table and column named).

    Notes
    -----
    All or nothing: every table is first written into a sibling folder and only then moved
    into place (a new or empty folder by renaming that folder, so its tables appear at once;
    into a folder holding files, table by table, the tables they replace kept aside and put
    back if the move is stopped), so an error or Ctrl-C part way leaves the folder as it was
    (a new folder is not created at all), never a mix of whole and half-written tables or of
    two datasets.

    The dates the data run from and to (``meta['window_start']``, ``meta['end_date']``), which
    no table holds, are written beside the tables in ``earlyhelp_meta.json`` (JSON, ISO days);
    :func:`read_dataset` reads them back, so the folder has the same :meth:`Dataset.data_end`.
    """
    if format not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', not {format!r}")
    folder = Path(path)
    targets = [f"{name}.{format}" for name in ds.tables]
    _check_target_folder(folder, targets, overwrite)   # before any work
    folder.parent.mkdir(parents=True, exist_ok=True)
    # os.mkdir, not mkdtemp: the folder keeps the usual permissions once renamed into place
    stage = folder.parent / f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial"
    stage.mkdir()
    try:
        staged = [_write_table(frame, stage / f"{name}.{format}", format, name) for name, frame in ds.tables.items()]
        (stage / META_FILE).write_text(json.dumps(_meta_record(ds), indent=2) + "\n", encoding="utf-8")
        if _rename_new(stage, folder):
            return [folder / f.name for f in staged]
        _check_target_folder(folder, targets, overwrite)   # again: the folder may have changed meanwhile
        if overwrite:
            _replace_all([*staged, stage / META_FILE], folder, stage)
        else:
            _place_new(staged, folder)
            os.replace(stage / META_FILE, folder / META_FILE)   # the dates of the tables now there
        return [folder / f.name for f in staged]
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class FolderHoldsTablesError(ValidationError):
    """:func:`write_dataset` with ``overwrite=False`` found tables in the folder; nothing was written.

    Parameters
    ----------
    folder : Path
        the folder.
    held : list of str
        the names of the table files it holds.
    """

    def __init__(self, folder: Path, held: List[str]) -> None:
        self.folder, self.held = Path(folder), list(held)
        super().__init__([Problem(str(folder), None, held_tables_message(folder, held))])


def held_tables_message(folder: Path, held: List[str]) -> str:
    """What to say of a folder that holds tables a new dataset must not be written over."""
    shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
    return (f"folder {folder} already holds tables ({shown}): give a new or empty folder (earlier tables are "
            "not overwritten)")


def table_files(folder: Union[str, Path]) -> List[str]:
    """The names of the entries of ``folder`` that :func:`read_dataset` reads as a table (ours or SSD
    names, any case; files, Parquet dataset folders and links alike), sorted; [] if no folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(f.name for f in folder.iterdir() if f.suffix.lower() in (".csv", ".parquet")
                  and resolve_table_name(f.stem) is not None)


def _check_target_folder(folder: Path, targets: List[str], overwrite: bool) -> None:
    """Refuse a folder holding tables (``overwrite=False``), or holding the same tables under other
    names: read_dataset would read both, so the written folder could not be read back."""
    if folder.exists() and not folder.is_dir():
        raise ValidationError([Problem(str(folder), None, "is a file, not a folder")])
    held = table_files(folder)
    if held and not overwrite:
        raise FolderHoldsTablesError(folder, held)
    other = [name for name in held if name not in targets]
    if other:
        raise ValidationError([Problem(str(folder), None, f"holds {', '.join(other[:3])}"
                                       + (f" and {len(other) - 3} more" if len(other) > 3 else "")
                                       + f": the tables written as {targets[0].split('.')[-1]} beside them would "
                                       "be given twice; remove them or write to another folder")])


def _rename_new(stage: Path, folder: Path) -> bool:
    """Rename the staged folder to ``folder`` if that does not exist or is an empty folder (True,
    in one step: the tables appear at once); False otherwise, also when it filled meanwhile (a
    concurrent write)."""
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        return False
    try:
        os.rename(stage, folder)   # replaces at most an empty folder made meanwhile: nothing is lost
        return True
    except OSError:
        if folder.exists():
            return False           # made meanwhile, with files in it: placed file by file, or refused
        raise


def _place_new(staged: List[Path], folder: Path) -> None:
    """Move the staged files into ``folder`` without replacing any file: a table that appeared
    meanwhile (a concurrent write) refuses the whole write, the files placed so far taken back."""
    placed: List[Path] = []
    try:
        for file in staged:
            target = folder / file.name
            _create_new(file, target)
            placed.append(target)
    except BaseException as exc:   # Ctrl-C or an error part way: the folder as it was
        for target in placed:
            target.unlink(missing_ok=True)
        if isinstance(exc, FileExistsError):
            raise FolderHoldsTablesError(folder, table_files(folder)) from None
        raise


def _replace_all(staged: List[Path], folder: Path, stage: Path) -> None:
    """Move the staged files into ``folder``, replacing files of the same names; on Ctrl-C or an
    error part way the replaced files are put back, so the folder never mixes two datasets."""
    kept = stage / ".replaced"
    kept.mkdir()
    moved: List[Tuple[Path, Optional[Path]]] = []   # (target, the file it replaced, kept aside)
    try:
        for file in staged:
            target = folder / file.name
            old = None
            if target.exists():
                old = kept / file.name
                os.replace(target, old)
            moved.append((target, old))
            os.replace(file, target)
    except BaseException:
        for target, old in reversed(moved):
            if old is None:
                target.unlink(missing_ok=True)
            elif old.exists():
                os.replace(old, target)
        raise


def _create_new(file: Path, target: Path) -> None:
    """``file`` at ``target``, which must not exist (FileExistsError): a hard link, in one step;
    where links are not supported, a copy into a file created exclusively."""
    try:
        os.link(file, target)
    except FileExistsError:
        raise
    except OSError:   # FAT, some network shares: no hard links
        with open(target, "xb") as out, open(file, "rb") as src:
            shutil.copyfileobj(src, out)


def _write_table(frame: pd.DataFrame, file: Path, format: str, name: str) -> Path:
    """Write one table; a column Parquet cannot hold is a ValidationError naming the table and column."""
    if format == "csv":
        frame.to_csv(file, index=False)
        return file
    import pyarrow as pa

    try:
        frame.to_parquet(file, index=False)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        bad = [c for c in frame.columns if not _arrow_can_hold(frame[c])] or [None]
        raise ValidationError([Problem(name, None if c is None else str(c), "cannot be written as Parquet "
                                       f"(values of mixed types?): {exc}") for c in bad]) from None
    return file


def _arrow_can_hold(column: pd.Series) -> bool:
    import pyarrow as pa

    try:
        pa.Array.from_pandas(column)
        return True
    except (pa.ArrowException, ValueError, TypeError):
        return False
