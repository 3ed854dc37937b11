"""One folder per run, written in full or not at all, with one record of what was run.

A scheduled job that dies half way must not leave a folder that looks like a
finished run. Files are written into ``<output>/.<run_id>.partial`` and the folder
is renamed to ``<output>/<run_id>`` only when everything has been written; on an
error the partial folder is deleted. A rename within one file system is atomic.

Every command writes its folder the same way::

    digest = run_digest(parameters, inputs)
    with RunFolder(output, new_run_id(digest, prefix="network-")) as folder:
        folder.write_table("caseloads", table)            # name.csv + name.parquet, through the gate
        folder.record("network", digest=digest, inputs=inputs, excluded=excluded,
                      timings=timings, parameters=parameters, rows_written={...})

:meth:`RunFolder.record` writes ``run.json`` last (it lists the hash of every file
written before it).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import threading
from pathlib import Path
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from .._docstrings import with_sections
from .._redact import MASK, redact_text
from ..results import UNITS, Excluded, Exclusions
from .._errors import ValidationError
from .across import CountTable, count_table, disclosures
from .publish import PublishPolicy, Published, excel_bytes, publish
from .suppression import SUPPRESSED

log = logging.getLogger("earlyhelp")

#: decimals kept in published tables (stable text across platforms)
DECIMALS = 4
# Units of ``Excluded`` counts that count no people or cases (calendar periods, series): shown in
# run.json as they are. Every other unit (rows, families, any added later) is hidden when small.
_UNITS_NOT_OF_PEOPLE = ("periods", "series")


def run_digest(parameters: Mapping[str, Any], inputs: Mapping[str, Any]) -> str:
    """SHA-256 of what was asked for and of the data it ran on (``inputs["sha256"]``).

    The same parameters on the same data give the same digest, whenever and wherever they run.

    Parameters
    ----------
    parameters : mapping
        what was asked for.
    inputs : mapping
        :func:`earlyhelp.sources.content_hash` of the data.

    Returns
    -------
    str
    """
    text = json.dumps({"parameters": parameters, "data": inputs["sha256"]}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def new_run_id(digest: str, prefix: str = "") -> str:
    """``<prefix><UTC date>-<time>-<first 10 digits of digest>``: sorts by time, names the content.

    Parameters
    ----------
    digest : str
        :func:`run_digest` of the run.
    prefix : str, default ""
        put before the id.

    Returns
    -------
    str
    """
    return f"{prefix}{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{digest[:10]}"


def rounded(frame: pd.DataFrame, decimals: int = DECIMALS) -> pd.DataFrame:
    """A copy for publication: floats rounded to ``decimals``, float columns that hold only whole
    numbers (counts) as integers (nullable ``Int64`` where values are missing).

    Parameters
    ----------
    frame : DataFrame
        the table.
    decimals : int
        decimals kept in floats.

    Returns
    -------
    DataFrame
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_object_dtype(values):
            # a column holding "c" beside its numbers (a table's CSV form): its numbers rounded too
            out[col] = _rounded_cells(values, decimals, _is_count(col))
            continue
        if not pd.api.types.is_float_dtype(values):
            continue
        finite = values.dropna().to_numpy(dtype=float)
        if len(finite) and np.isfinite(finite).all() and (finite == np.round(finite)).all() \
                and _is_count(col):
            out[col] = values.round().astype("Int64" if values.isna().any() else "int64")
        else:
            out[col] = values.round(decimals)
    return out


def _rounded_cells(values: pd.Series, decimals: int, count: bool) -> pd.Series:
    """An object column's float cells rounded to ``decimals`` (whole ones as integers in a count
    column); text, integers and missing cells as they are."""
    floats = values.map(lambda v: isinstance(v, (float, np.floating)) and np.isfinite(v)).to_numpy(dtype=bool)
    if not floats.any():
        return values
    cells = values.to_numpy(dtype=object, copy=True)
    numbers = np.array([float(v) for v in cells[floats]])
    whole = count and bool((numbers == np.round(numbers)).all())
    cells[floats] = [int(v) for v in np.round(numbers)] if whole else [float(v) for v in np.round(numbers, decimals)]
    return pd.Series(cells, index=values.index, name=values.name, dtype=object)


#: column names of counts (float only when computed as a sum or a mean of counts)
_COUNT_WORDS = ("families", "episodes", "requests", "rows", "count", "n", "members", "partners", "open_families",
                "lead_families", "shared_families", "spare", "group_size", "shared_members", "caseload_capacity")


def _is_count(column: Any) -> bool:
    name = str(column)
    return name in _COUNT_WORDS or name.startswith("n_") or name.endswith("_count")


_table_doc = with_sections(frame_parameters="frame : DataFrame\n    the typed table.\n"
                                            "csv_frame : DataFrame, optional\n    the table as published in CSV.\n"
                                            "decimals : int\n    decimals kept in floats.")


class RunFolder:
    """Collects a run's files in a temporary folder and publishes them at the end.

    Use as a context manager::

        with RunFolder(output, run_id, policy=PublishPolicy(threshold=5)) as run:
            run.write_table("forecasts", df)
        # here the folder exists as output/run_id, or not at all if the block raised

    Every file passes the publication gate (:func:`earlyhelp.report.publish.publish`):
    tables are suppressed, pseudonymised and formula-neutralised according to ``policy``;
    HTML and PNG files name the published tables they were built from. There is no
    writer that goes around the gate; ``run.json`` lists what the gate did to each file.

    Parameters
    ----------
    output : str or path-like
        the folder the run folder is published in.
    run_id : str
        the run folder's name.
    policy : PublishPolicy, optional
        what the gate does (default: :class:`~earlyhelp.report.publish.PublishPolicy()`).

    Attributes
    ----------
    published : bool
        True once the run folder is in place (``final``): the run has finished.
    """

    def __init__(self, output: str | os.PathLike, run_id: str, policy: Optional[PublishPolicy] = None) -> None:
        self.output = Path(output)
        self.run_id = _checked_run_id(run_id)
        self.policy = policy if policy is not None else PublishPolicy()
        self.final = self.output / run_id
        self.tmp = self.output / f".{run_id}.partial"
        self.files: List[str] = []
        self.publication: Dict[str, Dict[str, Any]] = {}
        self._tables: set = set()
        self._count_tables: List[CountTable] = []  # tables written with dims, for the audit across them
        self._record: Optional[Dict[str, Any]] = None
        self._created_output: List[Path] = []
        #: whether the run folder has been published (renamed into place)
        self.published = False

    def __enter__(self) -> "RunFolder":
        # the folders made here, innermost first: a failed run takes them away again if empty
        missing = [p for p in [self.output, *self.output.parents] if not p.exists()]
        self.output.mkdir(parents=True, exist_ok=True)
        self._created_output = missing
        _clean_stale_partials(self.output)
        base = self.run_id
        for alternative in _alternative_ids(base):
            # a run of the same id that finished (the same inputs in the same second) or is being
            # written: this one gets its own folder, never an error after all its work
            if not self.final.exists():
                try:
                    self.tmp.mkdir()  # exclusive
                    break
                except FileExistsError:
                    pass
            self._rename_to(alternative)
        (self.tmp / _OWNER).write_text(f"{socket.gethostname()}\n{os.getpid()}")
        return self

    def _rename_to(self, run_id: str) -> None:
        self.run_id = run_id
        self.final = self.output / run_id
        self.tmp = self.output / f".{run_id}.partial"

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self._discard()
            return False
        (self.tmp / _OWNER).unlink(missing_ok=True)
        # a Ctrl-C or SIGTERM during the rename is handled once the folder is published and said to
        # be (published, when_published): a run stopped after that point has finished
        with _signals_held():
            try:
                self._publish_folder()
            except BaseException:
                self._discard()
                raise
            self.published = True
            for listener in list(_listeners):
                listener(self.final)
        return False

    def _discard(self) -> None:
        """Remove the partial folder, and the output folders this run made if they are left empty."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        for folder in self._created_output:
            try:
                folder.rmdir()  # only an empty folder: another run's files stay
            except OSError:
                break
        log.error("run failed: no output folder written (partial files removed)")

    def _publish_folder(self) -> None:
        """Rename the partial folder to its run id, or to the next free one if that was taken meanwhile."""
        tmp = self.tmp
        for alternative in _alternative_ids(self.run_id):
            # os.rename replaces an empty folder: only a free name is taken
            if not self.final.exists():
                try:
                    os.rename(tmp, self.final)
                    return
                except OSError:
                    if not self.final.exists():
                        raise       # not a name taken meanwhile: disk, permissions
            # the same run id finished meanwhile (two identical runs at once): keep both
            self.run_id, self.final = alternative, self.output / alternative
            if self._record is not None:
                # run.json names the folder it is in
                self._record["run_id"] = alternative
                self._write_json_file(tmp / "run.json", self._record)

    # -- writers: each goes through the publication gate ------------------------------
    def _path(self, name: str) -> Path:
        if self._record is not None:
            raise ValueError(f"{name}: written after run.json, which lists every file of the run; "
                             "call record() last")
        file = self.tmp / name
        if not file.resolve().is_relative_to(self.tmp.resolve()):
            raise ValueError(f"file name {name!r} leaves the run folder")
        file.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(name)
        return file

    @_table_doc
    def write_table(self, name: str, frame: pd.DataFrame, *, csv_frame: Optional[pd.DataFrame] = None,
                    decimals: int = DECIMALS, counts: Optional[Sequence[Any]] = None,
                    totals: Optional[Mapping[str, Any]] = None, dims: Optional[Sequence[str]] = None,
                    not_counts: Sequence[Any] = (), derived: Optional[Mapping[Any, Sequence[Any]]] = None,
                    independent: Sequence[Any] = (),
                    column_sums: Optional[Mapping[Any, Sequence[Any]]] = None) -> Published:
        """``name.parquet`` (typed) and ``name.csv`` (``csv_frame`` if given, e.g. with ``"c"`` markers).

        Both pass the gate (:func:`~earlyhelp.report.publish.publish` with ``counts``,
        ``totals``, ``dims``, ``not_counts``, ``derived``, ``independent``, ``column_sums``) after
        :func:`rounded`: floats to ``decimals`` decimals, whole counts as integers.

        Parameters
        ----------
        name : str
            the file stem.
        {frame_parameters}
        counts, totals, dims, not_counts, derived, independent, column_sums : optional
            passed to the gate (see :func:`~earlyhelp.report.publish.publish`).

        Returns
        -------
        Published
            the table as written (``typed``, ``text``) and what the gate did (``record``).
        """
        out = self.published_table(name, frame, csv_frame=csv_frame, decimals=decimals, counts=counts,
                                   totals=totals, dims=dims, not_counts=not_counts, derived=derived,
                                   independent=independent, column_sums=column_sums)
        self._audit_across_tables(name, frame, out, dims, totals)
        write_parquet(out.typed, self._path(f"{name}.parquet"))
        out.text.to_csv(self._path(f"{name}.csv"), index=False, lineterminator="\n")
        self.publication[f"{name}.parquet"] = self.publication[f"{name}.csv"] = gate_record_shown(out.record)
        return out

    def _audit_across_tables(self, name: str, frame: pd.DataFrame, out: Published, dims: Optional[Sequence[str]],
                             totals: Optional[Mapping[str, Any]]) -> None:
        """Refuse a table whose hidden counts another table of the run gives away (or the reverse):
        each was suppressed alone (:mod:`earlyhelp.report.across`)."""
        counts = [*out.record.get("suppressed", {}), *out.record.get("suppressed_before", [])]
        table = count_table(name, frame.reset_index(drop=True), out.text, dims or (), totals, counts)
        if table is None:
            return
        problems = [p for other in self._count_tables for p in disclosures(table, other, self.policy.threshold)]
        if problems:
            raise ValidationError(problems)
        self._count_tables.append(table)

    @_table_doc
    def published_table(self, name: str, frame: pd.DataFrame, *, csv_frame: Optional[pd.DataFrame] = None,
                        decimals: int = DECIMALS, **gate: Any) -> Published:
        """The table as the gate lets it out (for a report built from it); registers it as a source.

        Parameters
        ----------
        name : str
            the table's name.
        {frame_parameters}
        **gate
            passed to :func:`~earlyhelp.report.publish.publish`.

        Returns
        -------
        Published
            the table as the gate lets it out.
        """
        frame = rounded(frame, decimals)
        if csv_frame is not None:
            csv_frame = rounded(csv_frame, decimals)
        out = publish(frame, self.policy, text_frame=csv_frame, **gate)
        self._tables.add(name)
        return out

    def write_excel(self, name: str, sheets: Mapping[str, pd.DataFrame], **gate: Any) -> None:
        """``name.xlsx``: one sheet per table, each through the gate; text never becomes a formula.

        Parameters
        ----------
        name : str
            the file stem.
        sheets : mapping of str to DataFrame
            the tables by sheet name.
        **gate
            passed to :func:`~earlyhelp.report.publish.publish`.
        """
        shown = {}
        records = {}
        for sheet, frame in sheets.items():
            out = self.published_table(f"{name}:{sheet}", frame, **gate)
            shown[sheet] = out.text
            records[str(sheet)] = gate_record_shown(out.record)
        self._path(f"{name}.xlsx").write_bytes(excel_bytes(shown))
        self.publication[f"{name}.xlsx"] = {"sheets": records}

    def _derived(self, name: str, sources: Iterable[str], kind: str) -> None:
        sources = sorted(set(sources))
        unknown = [s for s in sources if s not in self._tables]
        if unknown:
            raise ValueError(f"{name}: a {kind} file is built from tables published in this run "
                             f"(write_table first); not published: {unknown}")
        if not sources:
            # recorded as such: the publication test requires every command to name its sources
            log.warning("%s: written without naming the published tables it shows", name)
        self.publication[name] = {"built_from": sources or "not stated", "threshold": int(self.policy.threshold)}

    def write_text(self, name: str, text: str, *, sources: Iterable[str] = ()) -> None:
        """A page (``.html``, ``.md``, ``.txt``) built from tables already published through the gate
        (``sources``); tables themselves go through :meth:`write_table`.

        Parameters
        ----------
        name : str
            the file name.
        text : str
            the content.
        sources : iterable of str
            the published tables it shows.
        """
        if not name.endswith((".html", ".htm", ".md", ".txt")):
            raise TypeError(f"{name}: write tables with write_table or write_excel, pages with write_text")
        self._derived(name, sources, "page")
        self._path(name).write_text(text, encoding="utf-8")

    def write_bytes(self, name: str, data: bytes, *, sources: Iterable[str] = ()) -> None:
        """A figure (``.png``) or an ``.xlsx`` workbook built from tables already published through the
        gate (``sources``); a workbook's text cells must not hold formulas.

        Parameters
        ----------
        name : str
            the file name.
        data : bytes
            the content.
        sources : iterable of str
            the published tables it shows.
        """
        if name.endswith((".png", ".xlsx")):
            if name.endswith(".xlsx"):
                _check_workbook(name, data)
            self._derived(name, sources, name.rsplit(".", 1)[1])
            self._path(name).write_bytes(data)
            return
        raise TypeError(f"{name}: only figures (PNG) and workbooks are written as bytes; tables go through "
                        "write_table or write_excel")

    def write_json(self, name: str, data: Any) -> None:
        """A JSON file of the run's settings (not a table: tables go through :meth:`write_table`).

        Parameters
        ----------
        name : str
            the file name.
        data : object
            plain data.
        """
        if name == "run.json":
            raise ValueError("run.json is written by record()")
        self.publication[name] = {"kind": "json", "threshold": int(self.policy.threshold)}
        self._write_json(name, data)

    def _write_json(self, name: str, data: Any) -> None:
        self._write_json_file(self._path(name), data)

    def _write_json_file(self, file: Path, data: Any) -> None:
        # NaN and infinity are not JSON: a missing figure is written as null; JSON files are
        # published, so no credential, pseudonymisation key or path of this machine is written
        shown = _publishable(_finite(data), _secrets(self.policy))
        text = json.dumps(shown, indent=2, sort_keys=True, default=_json_default, allow_nan=False)
        file.write_text(text + "\n", encoding="utf-8")

    def _counts_shown(self, records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Exclusions for run.json: a count of 1..threshold records of people or cases (unit
        ``rows`` or ``families``) is ``"c"`` (run.json is published too). Counts of calendar
        periods or of series say nothing about people and are shown as they are."""
        t = int(self.policy.threshold)

        def shown(n: Any) -> Any:
            small = isinstance(n, (int, np.integer)) and not isinstance(n, bool) and 1 <= n <= t
            return "c" if small else n

        return [{k: shown(v) if k in UNITS and k not in _UNITS_NOT_OF_PEOPLE else v for k, v in r.items()}
                for r in records]

    def hashes(self) -> Dict[str, str]:
        """SHA-256 of every file written so far (for run.json).

        Returns
        -------
        dict of str to str
            hex digest by file name.
        """
        return {name: sha256_file(self.tmp / name) for name in sorted(set(self.files))}

    def record(self, command: str, *, inputs: Mapping[str, Any], digest: str,
               excluded: Iterable[Excluded] = (), timings: Optional[Mapping[str, float]] = None,
               **sections: Any) -> Dict[str, Any]:
        """Write ``run.json``, the record of the run; call it last, after every other file.

        Parameters
        ----------
        command : str
            The command that ran (``"forecast"``, ``"score"``, ``"network"``).
        inputs : mapping
            :func:`earlyhelp.sources.content_hash` of the data (rows per table, SHA-256). run.json
            names the data by their SHA-256: the rows of a table of people or cases are written
            ``"c"`` whatever their number (:func:`rows_shown`), and so is every count of them in the
            load report (:func:`load_report_shown`).
        digest : str
            :func:`run_digest` of the parameters and the data.
        excluded : iterable of Excluded, default ()
            What the run left out (:class:`~earlyhelp.results.Excluded` items).
        timings : mapping of str to float, optional
            Seconds per step.
        **sections : object
            The command's own sections (``parameters=...``, ``config=...``, ``rows=...``),
            written as given (plain data; dates, numpy numbers and paths are converted).
            ``environment`` defaults to :func:`run_environment`.

        Returns
        -------
        dict
            The record as written, with ``files`` (the SHA-256 of every file written before it),
            ``pseudonymised`` (whether ids were pseudonymised) and ``publication`` (the gate's
            policy and what it did to each file: per count column the cells hidden, never how
            many of them were small, :func:`gate_record_shown`).
        """
        from .. import __version__

        reserved = {"earlyhelp_version", "command", "run_id", "run_digest", "inputs", "excluded", "files",
                    "timings_seconds", "publication"} & set(sections)
        if reserved:
            raise TypeError(f"record() sections may not be named {sorted(reserved)}")
        record: Dict[str, Any] = {"earlyhelp_version": __version__, "command": command, "run_id": self.run_id,
                                  "run_digest": digest, "inputs": self._inputs_shown(inputs),
                                  "excluded": self._counts_shown(Exclusions(excluded).records())}
        record.update(sections)
        # what explains a change of figures after an upgrade; not in the digest
        record.setdefault("environment", run_environment())
        if "load_report" in sections:
            record["load_report"] = load_report_shown(sections["load_report"], self.policy.threshold)
        record["pseudonymised"] = bool(self.policy.pseudonymise) or bool(sections.get("pseudonymised"))
        record["publication"] = {"policy": self.policy.describe(), "files": dict(sorted(self.publication.items()))}
        record["files"] = self.hashes()
        record["timings_seconds"] = dict(timings or {})
        self._write_json("run.json", record)
        self._record = record
        return record

    def _inputs_shown(self, inputs: Mapping[str, Any]) -> Dict[str, Any]:
        """Inputs for run.json: the rows of a table of people or cases are ``"c"`` whatever their number.

        A table's rows are the sum of every cell a run publishes from it (where the extract covers
        the months shown): beside the cells shown they give the hidden ones back. The SHA-256 of
        each table (``tables``, ``sha256``) names the data the run read; the rows of the tables of
        organisations (localities, agencies), and a table's 0, count no people and stay.
        """
        out = dict(inputs)
        rows = out.get("rows")
        if isinstance(rows, Mapping):
            out["rows"] = rows_shown(rows)
        if "load_report" in out:
            out["load_report"] = load_report_shown(out["load_report"], self.policy.threshold)
        return out


def _check_workbook(name: str, data: bytes) -> None:
    """A workbook passes only when no cell holds a formula or formula-leading text."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for member in book.namelist():
            if member.startswith("xl/worksheets/") and member.endswith(".xml") and b"<f>" in book.read(member):
                raise ValueError(f"{name}: a sheet holds a formula ({member})")
        strings = book.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in \
            book.namelist() else ""
    import re

    # leading whitespace (or CR/tab/newline, which the sheet stores as _x000D_ and the like)
    # does not stop a formula: a spreadsheet may trim it
    risky = re.findall(r"<t(?: [^>]*)?>((?:\s|_x000[9AD]_|\u200b|\ufeff)*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20][^<]*)</t>",
                       strings)
    risky = [t for t in risky if not _number(t)]
    # and every text the gate would neutralise (a small or other compatibility form of = + - @)
    from html import unescape

    from .publish import formula_like

    codes = {"_x000D_": "\r", "_x0009_": "\t", "_x000A_": "\n"}
    for raw in re.findall(r"<t(?: [^>]*)?>([^<]*)</t>", strings):
        text = unescape(raw)
        for code, char in codes.items():
            text = text.replace(code, char)
        if formula_like(text) and not _number(text) and raw not in risky:
            risky.append(raw)
    if risky:
        raise ValueError(f"{name}: text cells start like a formula: {risky[:3]}")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


#: marks a partial folder with the machine and the id of the process writing it
_OWNER = ".owner"

#: told the path of each run folder as it is published (:func:`when_published`)
_listeners: List[Callable[[Path], None]] = []


@contextlib.contextmanager
def when_published(listener: Callable[[Path], None]) -> Iterator[None]:
    """Inside the block, ``listener`` is called with each run folder's path the moment it is published.

    The command line uses it to know that a run has finished: a Ctrl-C or SIGTERM after that
    point does not undo it. Signals arriving between the rename and the call are handled after
    the call.

    Parameters
    ----------
    listener : callable
        called with the published run folder's path.

    Yields
    ------
    None
    """
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM arriving inside the block are handled, by the handlers set before it,
    when it ends (in the main thread only: signal handlers are set there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: List[int] = []
    before = {}
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            before[number] = signal.signal(number, lambda signum, frame: caught.append(signum))
        except (ValueError, OSError):     # not settable here
            pass
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)

#: tables of places and organisations: how many there are is not a count of families
_ORGANISATION_TABLES = ("localities", "agencies")
_ROWS_IN_TEXT = re.compile(r"(?<![\d.,])(\d+)(?= (?:rows?|values?|records?|people|persons?|children|child|"
                           r"famil(?:y|ies)|episodes?|cases?)\b)")


def load_report_shown(report: Any, threshold: int) -> Any:
    """The load report for run.json (published): every count of records of people or cases is ``"c"``.

    The report counts rows per file, per value mapped, per value not derived ("556 rows", ``{"GRT ->
    WIRT": 2}``). A file's rows are the sum of every cell a run publishes from its table, and the
    rows of one code or one value not derived are the sum of that category's cells over every
    month: beside the cells shown, either gives a hidden one back, whatever its size. So each is
    ``"c"`` (a count of 0 stays: it is no sum of hidden cells). Counts of organisations
    (localities, agencies) stay. In text, a number followed by what it counts ("556 rows") is
    hidden as well.

    Parameters
    ----------
    report : Any
        the load report (``ds.meta["load_report"]``, or its JSON form).
    threshold : int
        the publication's threshold (a count of people or cases is withheld at any size; the
        parameter is kept for callers that pass it).

    Returns
    -------
    Any
        the same structure with those counts as ``"c"``.
    """

    def counted(n: Any) -> bool:
        return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n != 0

    def text(value: str) -> str:
        return _ROWS_IN_TEXT.sub(lambda m: SUPPRESSED if int(m.group(1)) != 0 else m.group(0), value)

    def walk(value: Any, organisation: bool) -> Any:
        if isinstance(value, Mapping):
            org = organisation or str(value.get("table", "")) in _ORGANISATION_TABLES
            return {k: walk(v, org or Path(str(k)).stem in _ORGANISATION_TABLES) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v, organisation) for v in value]
        if organisation:
            return value
        if counted(value):
            return SUPPRESSED
        return text(value) if isinstance(value, str) else value

    return walk(report, False)


def rows_shown(rows: Mapping[str, Any]) -> Dict[str, Any]:
    """Rows per table as a published file may give them: ``"c"`` for a table of people or cases
    (its rows are the sum of every cell published from it), the number for the tables of
    organisations (localities, agencies) and for an empty table.

    Parameters
    ----------
    rows : mapping of str to int
        rows per table (:func:`earlyhelp.sources.content_hash`'s ``rows``).

    Returns
    -------
    dict
    """
    return {table: n if table in _ORGANISATION_TABLES or _zero(n) else SUPPRESSED for table, n in rows.items()}


def _zero(n: Any) -> bool:
    """A count of 0 (an empty table): the sum of no hidden cell."""
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n == 0


def gate_record_shown(record: Mapping[str, Any]) -> Dict[str, Any]:
    """What the gate did to a table, as run.json publishes it: per count column the cells hidden,
    never how many of them were small.

    "One of the two hidden cells is small", beside their sum of 7, pins them to 1 and 6 (DfE and
    ONS practice marks primary and secondary suppression alike); the number of cells hidden is
    the number of ``c`` in the file.

    Parameters
    ----------
    record : mapping
        ``Published.record`` (:class:`~earlyhelp.report.publish.Published`).

    Returns
    -------
    dict
    """
    out = dict(record)
    suppressed = out.get("suppressed")
    if isinstance(suppressed, Mapping):
        out["suppressed"] = {col: {"hidden": int(sum(int(v) for v in split.values()))}
                             if isinstance(split, Mapping) else split for col, split in suppressed.items()}
    return out


#: characters a run id (one folder name, on every system) may not hold
_NOT_IN_RUN_ID = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')


def _checked_run_id(run_id: Any) -> str:
    """``run_id`` if it names one folder inside the output folder, else a ValueError saying why."""
    if not isinstance(run_id, str) or not run_id.strip():
        raise ValueError(f"run id must be a non-empty folder name, got {run_id!r}")
    if run_id.startswith(".") or run_id != run_id.strip() or _NOT_IN_RUN_ID.search(run_id):
        raise ValueError(f"run id {run_id!r} must be one plain folder name: no leading '.', no surrounding "
                         "spaces, none of / \\ : * ? \" < > | or control characters")
    return run_id


def _alternative_ids(run_id: str):
    """Names for a run whose id is taken: ``<id>-<process id>``, then ``-2``, ``-3``, ..."""
    first = f"{run_id}-{os.getpid()}"
    yield first
    k = 2
    while True:
        yield f"{first}-{k}"
        k += 1


def _secrets(policy: PublishPolicy) -> List[str]:
    """The pseudonymisation keys this run may know (the policy's and the environment's)."""
    from .pseudonymise import KEY_VARIABLE, MIN_KEY_LENGTH

    keys = [policy.key, os.environ.get(KEY_VARIABLE)]
    out = []
    for key in keys:
        if isinstance(key, (bytes, bytearray)):
            key = bytes(key).decode("utf-8", errors="ignore")
        if isinstance(key, str) and len(key) >= MIN_KEY_LENGTH:
            out.append(key)
    return out


#: a string that is a path of this machine (POSIX, Windows drive or share), or a file database URL
_LOCAL_PATH = re.compile(r"^(?P<scheme>(?:sqlite|duckdb|file)[\w+.-]*://)?"
                         r"(?P<path>/.*|[A-Za-z]:[\\/].*|\\\\.+)$", re.IGNORECASE | re.DOTALL)


def _publishable(data: Any, secrets: Sequence[str]) -> Any:
    """``data`` with credentials, keys and local paths in its text masked (keys are kept)."""
    if isinstance(data, dict):
        return {k: _publishable(v, secrets) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_publishable(v, secrets) for v in data]
    if isinstance(data, Path):
        data = str(data)
    if not isinstance(data, str):
        return data
    for secret in secrets:
        data = data.replace(secret, MASK)
    match = _LOCAL_PATH.match(data)
    if match:
        # where the files were on this machine is not published; the file's name is
        name = re.split(r"[\\/]", match["path"].rstrip("\\/"))[-1]
        data = f"{match['scheme'] or ''}.../{name}"
    return redact_text(data)


def _clean_stale_partials(output: Path) -> None:
    """Remove ``.<run>.partial`` folders left by killed runs of this machine (their process is gone).

    An output folder on a shared drive is written by several machines: a process id means
    nothing on another one, so their partial folders are left for their own runs to clear.
    """
    here = socket.gethostname()
    for partial in output.glob(".*.partial"):
        host, pid = _owner(partial)
        if host is not None and host != here:
            continue
        if pid is not None and _alive(pid):
            continue
        if pid is None and time.time() - partial.stat().st_mtime < 3600:
            continue    # no owner file yet: may be starting right now
        shutil.rmtree(partial, ignore_errors=True)
        log.info("removed %s (left by a run that did not finish)", partial.name)


def _owner(partial: Path) -> "tuple[Optional[str], Optional[int]]":
    """The machine and process id written in a partial folder (None for what is not there)."""
    try:
        lines = (partial / _OWNER).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None, None
    try:
        pid = int(lines[-1]) if lines else None
    except ValueError:
        return None, None
    return (lines[0] if len(lines) > 1 else None), pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_parquet(frame: pd.DataFrame, file: Path) -> None:
    """Parquet written the same way every time (byte-identical for identical frames).

    Parameters
    ----------
    frame : DataFrame
        the table.
    file : Path
        where to write it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, file, compression="zstd", write_statistics=False)


def sha256_file(file: Path) -> str:
    """The SHA-256 of a file's bytes, as hex.

    Parameters
    ----------
    file : Path
        the file.

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes without metadata that varies between runs.

    Parameters
    ----------
    fig : matplotlib Figure
        the figure.

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _finite(data: Any) -> Any:
    """``data`` with every NaN or infinite float (Python or numpy) replaced by None."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    if isinstance(data, (float, np.floating)) and not np.isfinite(data):
        return None
    return data


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


#: the libraries whose versions can change a run's figures or files (distribution names)
RECORDED_LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "pyarrow", "SQLAlchemy", "matplotlib",
                      "openpyxl", "networkx")


def run_environment() -> Dict[str, Any]:
    """The software a run ran on, for the ``environment`` section of its run.json.

    Not part of the run digest (the same config on the same data names the same computation on
    any machine), but what explains a change of figures after an upgrade. Nothing of the
    machine's paths, user or host is recorded.

    Returns
    -------
    dict
        ``python`` (version and implementation), ``platform`` (operating system and machine),
        ``libraries`` (distribution name: version, None where not installed) and ``core`` (the
        compiled core's version, file name and SHA-256, which tells two builds of one version
        apart).
    """
    import platform
    from importlib import metadata

    libraries: Dict[str, Any] = {}
    for name in RECORDED_LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    core: Dict[str, Any] = {}
    try:
        from .._native import core_build

        build = core_build()
        core["version"] = build["version"]
        file = Path(build["path"] or "")
        if build["path"] and file.is_file():
            core.update(file=file.name, sha256=sha256_file(file))
    except ImportError:     # a run needs the core; a record written without it says so
        core["version"] = None
    return {"python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
            "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine()},
            "libraries": libraries, "core": core}
