"""What a council has published already: the runs in an output folder that a new run reads.

A council publishes a pack every month (``earlyhelp report``) and a demand forecast now and then
(``earlyhelp forecast``), and they show the same counts: a month's requests by locality are in
both. Cells one run hid beside small counts, another may show, and read together they give the
hidden counts back. So a run reads the council's runs already in its output folder: what they
showed is known, what they hid stays hidden (:mod:`earlyhelp.report.pack`, and the
observed counts of ``earlyhelp forecast``). A forecast's demand measures count a pack's
measures' cells, some under other names (its ``open_caseload`` is a pack's ``episodes_open``):
:data:`PACK_MEASURE_OF_DEMAND` pairs them, and the runs read each other's cells under both.
Weeks are other cells than months: a weekly forecast reads the weekly forecasts before it (the
same week: periods starting the same day), and no pack or monthly forecast reads them.

Runs are read as they were written: a table is taken from the file whose SHA-256 the run's
``run.json`` records (its CSV, else its Parquet), and a run folder that cannot be read so, or
whose ``run.json`` cannot say whose run it is, is an error naming the file. Read without it, the
new run could show what that one hid. Only published run folders are runs: the hidden
``.<run>.partial`` folder of a run being written, or of one killed while it wrote, is not read.
Runs into one folder take turns (:func:`earlyhelp.report.outputlock.output_lock`): each reads
the folder and publishes its run folder before the next reads it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..data.names import SEP
from .suppression import SUPPRESSED

#: the council total's label in the published tables
ALL = "All localities"
#: the count columns of a pack's tables
COUNT_COLUMNS = ("numerator", "denominator")

#: the tables of a pack that the next runs read (:func:`earlier_runs`), and the columns they need
PACK_LEDGER_TABLES = ("measures_monthly", "measures_localities_12m")
_LEDGER_COLUMNS = ("measure", "period", "locality", *COUNT_COLUMNS)
#: how each table's ``period`` is written: a month, or the 12 months to one
_LEDGER_PERIODS = {"measures_monthly": r"\d{4}-\d{2}", "measures_localities_12m": r"12 months to \d{4}-\d{2}"}


#: Each demand measure of ``earlyhelp forecast`` (:data:`earlyhelp.forecast.MEASURES` and
#: ``CHILD_MEASURES``) and the pack measure (its id in the catalogue) that counts the same events
#: in the same cells, or None for one no pack measure counts. A forecast's series are named by
#: their demand measure, a pack's by the catalogue: without this, a forecast of ``assessments``
#: and a pack of ``assessments_started`` in one folder did not know each other, and read together
#: gave the pack's hidden counts back. A new demand measure needs its entry here (a test fails
#: without one). Some pairs count the same cells by the same rule; others by rules that differ in
#: a few cells (see :func:`published_cells`: the runs are linked by which cells they showed and
#: hid, never by their values):
#:
#: * the same rule, in every locality's cells: ``assessments`` (assessments by the day they
#:   started, in their episode's locality), ``children_referred``, and the per-row measures
#:   ``child_requests``, ``child_episodes_opened`` and ``child_open_caseload`` (the pack's
#:   measures count recorded rows). A council's cell is the same too: in a one-council extract
#:   the forecast counts events of no known locality in a bottom series of their own,
#:   ``(no known locality)``, as the pack counts them in its council.
#: * the family measures: ``requests`` (a family's requests of one day are one), ``episodes_opened``
#:   and ``open_caseload`` (a family's overlapping or adjoining episodes are one family episode)
#:   count families where the pack counts rows: the same in most cells, fewer where a family had
#:   two rows (siblings' contacts, one episode starting the day after another ended).
#: * ``step_ups`` and ``child_step_ups`` count the episodes stepped up to social care by an end
#:   reason or a social-care referral within 28 days (:func:`earlyhelp.data.events.step_ups`),
#:   dated by the earlier of the two; the pack's ``step_ups`` counts episodes closed with the end
#:   reason ``step_up``, by the day they closed.
PACK_MEASURE_OF_DEMAND: Dict[str, Optional[str]] = {
    "requests": "requests", "children_referred": "children_referred", "episodes_opened": "episodes_opened",
    "assessments": "assessments_started", "step_ups": "step_ups", "open_caseload": "episodes_open",
    "child_requests": "requests", "child_episodes_opened": "episodes_opened", "child_step_ups": "step_ups",
    "child_open_caseload": "episodes_open",
}


def same_cells(measure: str) -> Tuple[str, ...]:
    """The measure names, of packs and forecasts, that count the cells ``measure`` counts
    (:data:`PACK_MEASURE_OF_DEMAND`), ``measure`` first.

    Parameters
    ----------
    measure : str
        a pack's measure id or a forecast's demand measure.

    Returns
    -------
    tuple of str
        ``measure`` and the others counting its cells: the pack measure and every demand
        measure of it; ``(measure,)`` alone for a measure no other counts.
    """
    pack = PACK_MEASURE_OF_DEMAND.get(measure, measure)
    if pack is None:
        return (measure,)
    names = [pack, *(d for d, p in PACK_MEASURE_OF_DEMAND.items() if p == pack)]
    return tuple(dict.fromkeys([measure, *names]))


#: the ``span`` of a weekly forecast's cells (``period`` the week's first day, ``YYYY-MM-DD``) and their table
#: in :func:`published_cells`
WEEKS = "w"


class OtherCouncilRunsWarning(UserWarning):
    """The output folder holds packs or forecasts that are not this council's: they are not read
    (keep each council's runs in a folder of its own; a council that changed its name keeps its
    council code, which matches its runs whatever their names)."""


class SyntheticRunsWarning(OtherCouncilRunsWarning):
    """The output folder holds runs on synthetic data (``earlyhelp demo``, a config whose source is
    ``synthetic``) beside runs on a council's data, or the other way round: they are not read. A
    synthetic council bears a real council's name and code, but its cells are not the council's:
    read as its earlier publication, they would hide the council's cells for nothing (keep the
    demo's packs in a folder of their own)."""


def is_synthetic(ds) -> bool:
    """Whether ``ds`` was generated by :mod:`earlyhelp.synthetic` (its ``meta["source"]``), not read
    from a council's data.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    bool
    """
    meta = getattr(ds, "meta", None)
    return isinstance(meta, dict) and meta.get("source") == "earlyhelp.synthetic"


def synthetic_source(record: Dict[str, Any]) -> Optional[str]:
    """Why a run's ``run.json`` (or a run's config, under ``"config"``) says its data were
    synthetic, in words: ``config.synthetic`` true (``earlyhelp demo``) or a config whose source
    kind is ``synthetic``; ``""`` where its config names a source of another kind (a council's
    data: a folder, a database); None where it says neither (a run written from Python without
    a config).

    Parameters
    ----------
    record : dict
        the run's ``run.json``.

    Returns
    -------
    str or None
    """
    config = record.get("config")
    if not isinstance(config, dict):
        return None
    if config.get("synthetic") is True:
        return "config.synthetic is true"
    if config.get("command") == "earlyhelp demo":
        return "written by earlyhelp demo"
    source = config.get("source")
    kind = str(source.get("kind", "")).strip().lower() if isinstance(source, dict) else ""
    if kind == "synthetic":
        return "config.source.kind is \"synthetic\""
    return "" if kind else None


def earlier_runs(output, council: str, *, weeks: bool = False, code: Any = None,
                 found: Optional[List[Dict[str, Any]]] = None,
                 synthetic: Optional[bool] = None) -> List[Tuple[pd.DataFrame, pd.DataFrame]]:
    """What the council's packs and demand forecasts already in a folder published.

    Only published run folders are read: a run still being written, or one killed while it wrote
    (a hidden ``.<run>.partial`` folder), is not a run. A caller that publishes into ``output``
    holds its lock (:func:`earlyhelp.report.outputlock.output_lock`) from this read until its
    run folder is published, so that no run publishes there in between.

    A run is the council's when its council code (``council_code`` in a pack's run.json; a
    forecast's series ids hold it) is ``code``, whatever name it was written under: a council
    renamed between packs ("Coventry", then "Coventry City Council") is one council. Where either
    has no code (packs written before run.json recorded it, data without one), the names are
    compared, without case or surrounding spaces. Runs in the folder that are not the council's
    by this rule are not read, and an :class:`OtherCouncilRunsWarning` names them: a council
    whose name changed and that has no code cannot be told from another council.

    A run folder holding a pack's tables or a forecast's observed counts whose ``run.json``
    cannot say whose run it is (unreadable, edited, without the command or the council), or
    whose tables cannot be read back as they were written, is an error naming the file.
    Restore the file, or move the run folder out of ``output``. A forecast's series are named
    by their demand measure, which counts a pack measure's cells, under the pack's name or
    another (``assessments`` are ``assessments_started``, ``open_caseload`` is
    ``episodes_open``: :data:`PACK_MEASURE_OF_DEMAND`); :func:`published_cells` gives each cell
    under both names. Forecasts at weekly
    frequency count other cells than months: they are passed over unless ``weeks`` (a weekly
    forecast reading the weekly ones before it).

    Parameters
    ----------
    output : str or Path
        the folder holding the run folders (``run.output``).
    council : str
        the council's name.
    weeks : bool, default False
        also the weekly forecasts' observed counts: their cells' ``span`` is ``WEEKS`` and their
        ``period`` the week's first day (``YYYY-MM-DD``), as :func:`published_cells` reads them.
    code : str or sequence of str, optional
        the council's code (the ``council_code`` of its localities; several for a dataset of
        several councils).
    found : list, optional
        filled with one dict per run read: ``run_id``, ``command``, ``council``, ``council_code``
        (None where the run recorded none), ``matched_by`` (``"council_code"`` or ``"name"``) and
        ``run_json_sha256`` (which names every file of the run: a run reading it is computed from it).
    synthetic : bool, optional
        whether this run's data are synthetic (the commands and
        :func:`earlyhelp.report.pack.write_pack` give it). Runs whose ``run.json`` says
        otherwise (:func:`synthetic_source`: synthetic where this run's are not, a council's
        data where this run's are synthetic) are not read, and a :class:`SyntheticRunsWarning`
        names them: a synthetic council bears a real council's name and code, and a council's
        pack written beside ``earlyhelp demo``'s pack would otherwise hide its cells to agree
        with a made-up council's. Runs whose ``run.json`` says neither (written from Python
        without a config) are read. None (the default): every run is read, whatever its data.

    Returns
    -------
    list of (DataFrame, DataFrame)
        per run, its monthly cells and its 12-month cells (``measure``, ``period``,
        ``locality`` and the count columns, as text: ``"c"`` where hidden; a forecast has no
        12-month cells), as :func:`earlyhelp.report.pack.build_pack`'s ``earlier`` takes them.
    """
    mine = council_key(code)
    runs = []
    others = []
    unlike = []
    for run, command, record in _council_runs(output):
        why = synthetic_source(record)
        if synthetic is not None and why is not None and bool(why) != bool(synthetic):
            unlike.append(f"{run.name} ({why})" if why else f"{run.name} (its config names a council's data, "
                                                            f"source kind {_source_kind(record)!r})")
            continue
        if command == "report":
            matched = _same_council(record, run, council, mine)
            if matched:
                runs.append(tuple(_ledger_table(run, table, record.get("files")) for table in PACK_LEDGER_TABLES))
                _found(found, run, command, record.get("council"), council_key(record.get("council_code")), matched)
            else:
                others.append(_other(run, record.get("council"), council_key(record.get("council_code")), mine))
        else:
            cells, matched, names = _forecast_cells(run, record, council, weeks, mine)
            if cells is not None:
                runs.append((cells, pd.DataFrame(columns=list(_LEDGER_COLUMNS))))
                _found(found, run, command, names, mine if matched == "council_code" else None, matched)
            elif matched is None and names:
                others.append(_other(run, names, None, mine, forecast=True))
    if others:
        import warnings

        how = "by council code" if mine else "by name (the data give no council code)"
        warnings.warn(f"the output folder holds runs that are not {council!r}'s, matched {how}, and are not read: "
                      f"{'; '.join(others[:10])}{' ...' if len(others) > 10 else ''}. Keep each council's runs in a "
                      "folder of its own; if one is this council under another name, give both its council_code "
                      "(packs written before run.json recorded the code are matched by name)",
                      OtherCouncilRunsWarning, stacklevel=2)
    if unlike:
        import warnings

        what = ("this run's data are synthetic, these runs' are not" if synthetic else
                "these runs are on synthetic data, this run's data are not synthetic")
        warnings.warn(f"the output folder holds runs that are not read: {what}: "
                      f"{'; '.join(unlike[:10])}{' ...' if len(unlike) > 10 else ''}. A synthetic council bears a "
                      "real council's name and code; keep synthetic runs (earlyhelp demo) in a folder of their own",
                      SyntheticRunsWarning, stacklevel=2)
    return runs


def _source_kind(record: Dict[str, Any]) -> str:
    """The source kind a run's config names (``""`` where none)."""
    config = record.get("config")
    source = config.get("source") if isinstance(config, dict) else None
    return str(source.get("kind", "")) if isinstance(source, dict) else ""


def _council_runs(output):
    """``(run folder, command, run.json)`` of every pack and forecast in ``output``; other runs
    are passed over, and a folder holding a pack's or a forecast's tables that its run.json does
    not account for is an error. Folders whose name starts with ``.`` are not published runs
    (a run being written, ``.<run>.partial``, or one killed while it wrote): they are not read."""
    folder = Path(output)
    runs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")] if folder.is_dir() else []
    for run in sorted(runs):
        tables = {"report": any((run / f"{t}.{x}").exists() for t in PACK_LEDGER_TABLES for x in ("csv", "parquet")),
                  "forecast": any((run / f"observed.{x}").exists() for x in ("csv", "parquet"))}
        record = _pack_record(run)
        command = record.get("command") if record is not None else None
        if command in tables:
            yield run, command, record
        elif any(tables.values()):
            what = "a pack's tables" if tables["report"] else "a forecast's observed counts"
            _unreadable_pack(run / "run.json", "is missing or not a run record (JSON object)" if record is None else
                             f"says the command was {command!r}, beside {what}")


def earlier_run_records(found: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The earlier runs read (``found`` of :func:`earlier_runs`) as run.json and a run digest name
    them: ``run_id``, ``command`` and the SHA-256 of the run's ``run.json`` (which holds the
    SHA-256 of each of its files), once each, in the order of their run ids.

    Parameters
    ----------
    found : list of dict
        filled by :func:`earlier_runs`.

    Returns
    -------
    list of dict
    """
    runs = sorted({str(r.get("run_id")): r for r in found}.values(), key=lambda r: str(r.get("run_id")))
    return [{"run_id": r.get("run_id"), "command": r.get("command"), "run_json_sha256": r.get("run_json_sha256")}
            for r in runs]


def earlier_runs_digested(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """What of the earlier runs read a run digest covers: each run's id and the SHA-256 of its
    ``run.json``.

    Parameters
    ----------
    records : list of dict
        :func:`earlier_run_records`.

    Returns
    -------
    list of dict
    """
    return [{"run_id": r["run_id"], "run_json_sha256": r["run_json_sha256"]} for r in records]


def council_key(code: Any) -> Optional[Tuple[str, ...]]:
    """A council code (or several) as the ledger compares them: sorted, stripped, without case;
    None where there is none.

    Parameters
    ----------
    code : str, sequence of str or None
        a ``council_code``, or the codes of a dataset of several councils.

    Returns
    -------
    tuple of str or None
    """
    if code is None:
        return None
    items = [code] if isinstance(code, str) else list(code) if isinstance(code, (list, tuple, set)) else [code]
    keys = sorted({str(c).strip().upper() for c in items if c is not None and str(c).strip()
                   and str(c).strip().lower() != "nan"})
    return tuple(keys) or None


def _found(found: Optional[List[Dict[str, Any]]], run: Path, command: str, council: Any,
           code: Optional[Tuple[str, ...]], matched: str) -> None:
    if found is not None:
        from .runfolder import sha256_file

        record = run / "run.json"
        found.append({"run_id": run.name, "command": command, "council": council,
                      "council_code": None if code is None else (code[0] if len(code) == 1 else list(code)),
                      "matched_by": matched, "run_json_sha256": sha256_file(record) if record.is_file() else None})


def _other(run: Path, council: Any, code: Optional[Tuple[str, ...]], mine: Optional[Tuple[str, ...]],
           forecast: bool = False) -> str:
    """A run not read, in words: its folder, council and code, or that it was matched by name."""
    if forecast:
        by = "its series hold no code of this council, nor its name" if mine else "matched by name"
        return f"{run.name} (a forecast of {council}, {by})"
    by = f"council code {', '.join(code)}" if code and mine else "no council code on one side: matched by name"
    return f"{run.name} ({council!r}, {by})"


def _same_council(record: Dict[str, Any], run: Path, council: str,
                  code: Optional[Tuple[str, ...]] = None) -> Optional[str]:
    """How an earlier pack is this council's (``"council_code"``, ``"name"``), or None when it is not."""
    name = record.get("council")
    if not isinstance(name, str):
        # written before run.json named its council, or edited: taken for this council's, another
        # council's localities would be added into this one's totals
        _unreadable_pack(run / "run.json", f"names no council ({name!r}; add \"council\": \"<its name>\")")
    theirs = council_key(record.get("council_code"))
    if code is not None and theirs is not None:
        return "council_code" if theirs == code else None
    return "name" if name.strip().casefold() == council.strip().casefold() else None


def _forecast_cells(run: Path, record: Dict[str, Any], council: str, weeks: bool = False,
                    code: Optional[Tuple[str, ...]] = None) -> Tuple[Optional[pd.DataFrame], Optional[str], str]:
    """A forecast's observed counts of ``council`` as pack cells; how they were matched
    (``"council_code"``: a code of ``code`` is a part of the series ids; ``"name"``); and the
    councils the forecast names. The cells are None where there are none of this council, or
    weekly ones unless ``weeks``; periods that are neither months nor weeks are passed over;
    the match is ``""`` when the forecast holds this council's counts but none to read here."""
    table = _run_table(run, "observed", record.get("files"))
    missing = [c for c in ("unique_id", "council", "locality", "ds", "y") if c not in table.columns]
    if missing:
        _unreadable_pack(run / "observed.csv", f"has no column {', '.join(missing)}")
    names = ", ".join(repr(n) for n in sorted({str(n).strip() for n in table["council"]} - {""}))
    matched = None
    mine = table.iloc[:0]
    if code is not None:
        # a forecast's series ids hold its council's code (measure/council/locality, with a region
        # between where asked for): matched by code whatever name the forecast gave the council
        parts = table["unique_id"].astype(str).str.upper().str.split(SEP).str[1:]
        by_code = parts.map(lambda p: bool(set(p) & set(code))).to_numpy(dtype=bool)
        if by_code.any():
            mine, matched = table[by_code], "council_code"
    if matched is None:
        by_name = table["council"].str.strip().str.casefold() == council.strip().casefold()
        if by_name.any():
            mine, matched = table[by_name], "name"
    if mine.empty:
        return None, None, names
    day = pd.to_datetime(mine["ds"].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if day.isna().any():
        rows = list(np.flatnonzero(day.isna().to_numpy()))
        raise ValidationError([Problem(str(run / "observed.csv"), "ds", "is not a date as the forecast wrote it: "
                                       "restore the file, or move the run folder out of the output folder",
                                       rows=rows[:10], n_rows=len(rows), value=mine["ds"].iloc[rows[0]])])
    span: Any = months_spanned(mine["unique_id"], day)
    if span is None:                                  # weekly counts: other cells than months'
        if not (weeks and weekly(mine["unique_id"], day)):
            return None, "", names
        span = WEEKS
    locality = mine["locality"].str.strip()
    return pd.DataFrame({"measure": mine["unique_id"].str.split(SEP).str[0].to_numpy(),
                         "period": day.dt.strftime("%Y-%m-%d" if span == WEEKS else "%Y-%m").to_numpy(),
                         "locality": np.where(locality == "", ALL, locality),
                         "numerator": mine["y"].to_numpy(), "denominator": "", "span": span}), matched, names


def months_spanned(series: pd.Series, start: pd.Series) -> Optional[int]:
    """The months each period of a forecast's series covers.

    Parameters
    ----------
    series : Series
        each observation's series id.
    start : Series
        each observation's period start (``ds``).

    Returns
    -------
    int or None
        1 (monthly), 3 (quarterly) or 12, from the steps between the periods of each series;
        None for periods that are not whole months (weeks).
    """
    start = pd.to_datetime(pd.Series(start.to_numpy()))
    if not (start.dt.day == 1).all():
        return None
    gaps = np.unique(_steps(series, (start.dt.year * 12 + start.dt.month).to_numpy()))
    if not len(gaps):
        return 1
    span = int(gaps.min())
    return span if span in (1, 3, 12) and (gaps % span == 0).all() else None


def weekly(series: pd.Series, start: pd.Series) -> bool:
    """Whether a forecast's periods are weeks: period starts (``ds``) at midnight on one weekday,
    each series' 7 days apart (or a whole number of weeks: a week missing from the table).

    Parameters
    ----------
    series : Series
        each observation's series id.
    start : Series
        each observation's period start (``ds``).

    Returns
    -------
    bool
        True where every period is a week of one grid.
    """
    start = pd.to_datetime(pd.Series(start.to_numpy()))
    if not len(start) or not start.eq(start.dt.normalize()).all():
        return False
    days = (start - start.min()).dt.days.to_numpy()
    if (days % 7).any():                               # one weekday for every series: one grid of weeks
        return False
    gaps = _steps(series, days)
    return not len(gaps) or int(gaps.min()) == 7


def _steps(series: pd.Series, when: np.ndarray) -> np.ndarray:
    """The steps between each series' distinct period numbers ``when`` (months or days), all series together."""
    steps = pd.Series(when).groupby(pd.Series(series).to_numpy()).apply(lambda d: np.diff(np.sort(d.unique())))
    return np.concatenate([np.asarray(g) for g in steps]) if len(steps) else np.array([], dtype=int)


def _pack_record(run: Path) -> Optional[Dict[str, Any]]:
    """A run folder's run.json as a dict; None when it is missing or not a JSON object."""
    import json

    try:
        record = json.loads((run / "run.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _unreadable_pack(path: Path, what: str) -> None:
    raise ValidationError([Problem(str(path), None, f"{what}: an earlier run the next one must read (or it could "
                                   "show what that run hid); restore the file as the run wrote it, or move the "
                                   "run folder out of the output folder")])


def _ledger_table(run: Path, name: str, written: Any) -> pd.DataFrame:
    """A pack's table ``name`` as text, checked for the columns and periods it was written with."""
    return _checked_ledger(run / f"{name}.csv", _run_table(run, name, written))


def _run_table(run: Path, name: str, written: Any) -> pd.DataFrame:
    """A run's table ``name`` as text: its CSV, or its Parquet, as the run wrote it (the SHA-256
    its run.json records: a table saved again by a spreadsheet reads back with other periods,
    marks or localities)."""
    from .runfolder import sha256_file

    csv, parquet = run / f"{name}.csv", run / f"{name}.parquet"
    if isinstance(written, dict) and written:
        for path in (csv, parquet):
            if path.is_file() and written.get(path.name) == sha256_file(path):
                return _ledger_text(path)
        _unreadable_pack(csv, f"and {parquet.name} are missing or changed since the run wrote them (their "
                         "SHA-256 is not the one run.json records)")
    return _ledger_text(csv)


def _ledger_text(path: Path) -> pd.DataFrame:
    """A pack table's file read as text (``""`` where blank)."""
    if not path.is_file():
        _unreadable_pack(path, "is missing")
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            _unreadable_pack(path, f"cannot be read ({type(err).__name__}: {str(err).strip()})")
        text = frame.astype(object).where(frame.notna(), "").astype(str)
        for c in (*COUNT_COLUMNS, "y"):   # a hidden count is null beside its status "c" (the CSV writes "c")
            if c in text.columns and pd.api.types.is_numeric_dtype(frame[c]):
                text[c] = [repr(float(v)) if v == v else "" for v in frame[c].to_numpy(dtype=float)]
            if f"{c}_status" in text.columns:
                text.loc[text[f"{c}_status"] == SUPPRESSED, c] = SUPPRESSED
        return text
    frame = None
    for encoding in ("utf-8-sig", "cp1252"):     # as written, or saved again by a spreadsheet
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            _unreadable_pack(path, f"cannot be read ({type(err).__name__}: {str(err).strip()})")
    if frame is None:
        _unreadable_pack(path, "is neither UTF-8 nor Windows-1252 text")
    return frame


def _checked_ledger(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The ledger's columns of a pack table, checked: present, and periods written as the pack
    writes them."""
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in _LEDGER_COLUMNS if c not in frame.columns]
    if missing:
        _unreadable_pack(path, f"has no column {', '.join(missing)}")
    # a monthly table's ``previous`` is the same month a year before (a count's): published too
    frame = frame[[*_LEDGER_COLUMNS, *(["previous"] if "previous" in frame.columns else [])]]
    frame = frame.apply(lambda c: c.astype(str).str.strip())
    pattern = re.compile(_LEDGER_PERIODS[path.stem] + r"$")
    bad = ~frame["period"].map(lambda v: bool(pattern.match(v)))
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy()))
        raise ValidationError([Problem(str(path), "period", "is not written as the pack wrote it ("
                                       f"{'2024-06' if path.stem == 'measures_monthly' else '12 months to 2024-06'}"
                                       "), so its cells cannot be matched with this pack's: restore the file, or "
                                       "move the run folder out of the output folder", rows=rows[:10],
                                       n_rows=len(rows), value=frame["period"].iloc[rows[0]])])
    return frame


def published_cells(earlier: Sequence[Tuple[pd.DataFrame, pd.DataFrame]],
                    counts: Collection[str] = (), *, lead_in: bool = False) -> pd.DataFrame:
    """The earlier runs' published cells, long.

    Parameters
    ----------
    earlier : sequence of (DataFrame, DataFrame)
        per run, its monthly and 12-month tables as text (:func:`earlier_runs`).
    counts : collection of str, optional
        the measures that count (kinds ``count`` and ``stock``): a monthly table's ``previous`` of these is the
        numerator of the month a year before, published too where it is a number (a previous
        withheld says nothing here: beside a shown count it is left blank, as where the data do
        not reach a year back; beside a hidden one it is withheld whatever it was).
    lead_in : bool, default False
        for a reader that publishes the months before a pack's own as they are (a forecast's
        history): the months of the year before a pack's months (its lead-in year, which it
        audits with its own, published only as ``previous``) are hidden where the pack did not
        show them. The pack hid some of them and protected its other cells with them: the open
        caseloads of a forecast written after a synthetic council's pack, with the stock-flow
        identity (open at a month's end = open the month before + opened - closed) and the
        previous figures the pack showed, gave 14 of the pack's hidden counts back (7 of them 1
        to 5). A pack reads its own lead-in year itself, and shows it only as the previous
        figure of a count it shows: it leaves this False.

    Returns
    -------
    DataFrame
        one row per cell, run and name: ``pack`` (the run's place in ``earlier``), ``table`` (``m``
        monthly, ``y`` 12-month, ``s3`` a forecast's quarter from the month ``period``, ``w`` a
        weekly forecast's week from the day ``period``),
        ``measure``, ``period``, ``locality``, ``column``, ``shown`` (and its ``value``) and
        ``hidden``. A cell is there under each name that counts it (:func:`same_cells`): a
        forecast's ``assessments`` are a pack's ``assessments_started`` too, and the other way
        round, so that a pack and a forecast each find the other's cells under their own
        measure's name. Some of these pairs count a cell by rules that differ in a few cells
        (:data:`PACK_MEASURE_OF_DEMAND`): what a run showed or hid holds for the other's cell
        (shown, it is taken as known, which it nearly is; hidden, it stays hidden), but its value
        does not, so a cell under another measure's name, and a forecast's cell (whose
        ``step_ups`` is a pack's measure under another rule), has no ``value`` (NaN).
    """
    parts = []
    for pack, tables in enumerate(earlier):
        for tag, frame in zip(("m", "y"), tables):
            forecast = "span" in frame.columns
            span = str(frame["span"].iloc[0]) if tag == "m" and forecast and len(frame) else "1"
            if span == WEEKS:
                tag = WEEKS                                # a weekly forecast's weeks: no month's cells
            elif int(span) > 1:
                tag = f"s{int(span)}"                      # a forecast's quarters (or years): sums of months
            for c in (c for c in COUNT_COLUMNS if c in frame.columns):
                cells = _cells(frame, frame[c], frame["period"], pack, tag, c)
                if forecast:
                    cells["value"] = np.nan
                parts.append(cells)
            if tag == "m" and "previous" in frame.columns and len(counts):
                mine = frame[frame["measure"].isin(list(counts))]
                year_before = (pd.PeriodIndex(mine["period"], freq="M") - 12).astype(str)
                # beside a hidden count the previous is withheld whatever it was: then it says nothing
                previous = mine["previous"]
                said = pd.to_numeric(mine["numerator"], errors="coerce").notna() | \
                    pd.to_numeric(previous, errors="coerce").notna()
                if lead_in:
                    # the year before the pack's months: a previous not shown there was hidden,
                    # or had no figure (blank beside a shown count), or may have been hidden
                    # (beside a hidden count)
                    before_months = ~year_before.isin(set(frame["period"]))
                    previous = previous.where(pd.to_numeric(previous, errors="coerce").notna() | ~before_months,
                                              SUPPRESSED)
                    said = said | before_months
                said = said.to_numpy()
                parts.append(_cells(mine[said], previous[said], pd.Series(year_before[said], index=mine.index[said]),
                                    pack, tag, "numerator"))
    if not parts:
        return pd.DataFrame(columns=["pack", "table", "measure", "period", "locality", "column", "shown", "hidden",
                                     "value"])
    return _under_every_name(pd.concat(parts, ignore_index=True))


def _under_every_name(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with each row again under every other name counting its cell (:func:`same_cells`),
    without its value there."""
    names = {m: same_cells(m)[1:] for m in pd.unique(cells["measure"])}
    named = {m: others for m, others in names.items() if others}
    if not named:
        return cells
    others = cells["measure"][cells["measure"].isin(list(named))].map(named).explode()
    again = cells.loc[others.index].assign(measure=others.to_numpy(dtype=object), value=np.nan)
    return pd.concat([cells, again], ignore_index=True)


def _cells(frame: pd.DataFrame, column: pd.Series, period: pd.Series, pack: int, tag: str, name: str) -> pd.DataFrame:
    text = column.astype(str).str.strip()
    # a number is shown; anything else written ("c", or a mark a spreadsheet left) hid one
    value = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    return pd.DataFrame({"pack": pack, "table": tag, "measure": frame["measure"].astype(str).to_numpy(),
                         "period": period.astype(str).to_numpy(), "locality": frame["locality"].astype(str).to_numpy(),
                         "column": name, "shown": value.notna().to_numpy(),
                         "hidden": (value.isna() & (text != "")).to_numpy(),
                         "value": value.to_numpy(dtype=float, na_value=np.nan)})
