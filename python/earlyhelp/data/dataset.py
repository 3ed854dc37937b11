"""The Dataset: a set of typed pandas tables, one per entity of the data model."""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import pandas as pd

from .._errors import Problem, ValidationError
from .coerce import carry_csv_lines, coerce_table, empty_table, forget_csv_lines, row_labels
from .schema import ONS_CODE_COLUMNS, TABLE_NAMES, TABLES


class Dataset:
    """A council's Early Help data as typed pandas tables.

    Tables are attributes (``ds.episodes``) and items (``ds["episodes"]``). Tables not
    supplied are empty with the right columns. ``truth`` holds a synthetic generator's
    ground truth (never present for real data); ``meta`` holds provenance.

    Build one with :meth:`from_frames`, :func:`earlyhelp.read_dataset` or
    :func:`earlyhelp.synthetic.council`.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        tables by our table name, already typed (use :meth:`from_frames` to convert and check raw
        frames).
    truth : mapping, optional
        a synthetic generator's ground truth.
    meta : mapping, optional
        provenance (source, dates, the load report).
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], *, truth: Optional[Mapping[str, Any]] = None,
                 meta: Optional[Mapping[str, Any]] = None) -> None:
        unknown = set(tables) - set(TABLE_NAMES)
        if unknown:
            raise ValidationError([Problem(name, None, f"not an earlyhelp table (known: {', '.join(TABLE_NAMES)})")
                                   for name in sorted(unknown)])
        self._tables: Dict[str, pd.DataFrame] = {
            name: tables[name] if name in tables else empty_table(TABLES[name]) for name in TABLE_NAMES
        }
        self.truth: Dict[str, Any] = dict(truth or {})
        self.meta: Dict[str, Any] = dict(meta or {})
        # tables validate() (or check_tables) found sound; a step that counts rows checks the
        # tables it uses unless they are here
        self._checked: FrozenSet[str] = frozenset()

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_frames(cls, *, code_map: Optional[Any] = None, validate: bool = True,
                    unknown_codes: str = "raise", as_of: Optional[Any] = None,
                    truth: Optional[Mapping[str, Any]] = None, meta: Optional[Mapping[str, Any]] = None,
                    ssd: Optional[Any] = None, **frames: pd.DataFrame) -> "Dataset":
        """Build a Dataset from DataFrames named by table (SSD table and column names accepted).

        Parameters
        ----------
        code_map : local codes -> ours, ``{table: {column: {local: ours}}}``, e.g.
            ``{"episodes": {"end_reason": {"CLOSED-ACHIEVED": "outcomes_met"}}}``; a column
            key at the top level (``{"end_reason": {...}}``) applies to every table with that
            column. Matching is exact, then case-insensitive. The original local value of
            ``episodes.end_reason`` is kept in ``end_reason_local``.
            ``code_map`` may also be the path of a code-map file (TOML, see
            :func:`earlyhelp.data.ssd_profiles.load_code_map`), whose ``[ssd]`` table says how
            to read an SSD extract.
        ssd : how to read an SSD extract: a case-system profile name (``"spec"``,
            ``"systemc"``/``"liquidlogic"``, ``"eclipse"``, ``"mosaic"``), a mapping as the
            code-map file's ``[ssd]`` table, or :class:`~earlyhelp.data.ssd_profiles.SSDSettings`.
            Wins over the code-map file's ``[ssd]``. See ``docs/guides/ssd.md``.
        validate : run :meth:`validate` and raise :class:`ValidationError` on problems.
        unknown_codes : ``"raise"`` (default): a code not in its list (after code_map and the
            built-in synonyms in ``codes.CODE_SYNONYMS``) is a problem naming the column with
            counts and examples. ``"keep"``: such values load as ``unknown`` and their counts
            are listed in ``ds.meta['load_report']['unknown_codes']``. Never silent.
        as_of : the date after which dates count as "in the future" for validation
            (default today).
        **frames : one DataFrame per table, e.g. ``persons=df``; SSD names such as
            ``ssd_early_help_episodes`` work too. ``ssd_disability`` and
            ``ssd_assessment_factors`` are folded into persons and csc_assessments. A table
            given under two of its names (``persons=`` and ``ssd_person=``) is a problem.
        truth : mapping, optional
            stored as ``ds.truth``.
        meta : mapping, optional
            stored as ``ds.meta`` (the load report is added to it).

        Notes
        -----
        SSD extracts have no family episodes: when episodes (or requests, involvements) carry a
        person_id but no family_id, the family is looked up in family_members (the membership
        valid on the start date) and the families table is derived from family_members if not
        supplied. Every such step is listed in ``ds.meta['load_report']``.
        """
        from . import ssd as ssd_read
        from .coerce import new_report

        from .ssd_profiles import resolve_code_map

        report = (dict(meta or {}).get("load_report")) or new_report()
        code_map, settings = resolve_code_map(code_map, ssd)
        tables, problems, folded = _typed_tables(frames, code_map, unknown_codes, report, settings)
        supplied = sorted(tables)
        if problems:
            if validate:  # list the key and date problems too, not only what failed to read
                problems += _later_problems(tables, supplied, problems, as_of, folded, settings)
            raise ValidationError(problems)
        ssd_read.derive_family_level(tables, folded, settings, report)
        _derive_ssd_links(tables, report)
        if isinstance(tables.get("localities"), pd.DataFrame):   # derived localities included
            tables["localities"] = ons_codes_upper_case("localities", tables["localities"], report)
        meta = dict(meta or {})
        meta["load_report"] = report
        if settings is not None:
            meta["ssd"] = settings.describe()
            for key in ("council_code", "region_code"):
                if getattr(settings, key):
                    meta.setdefault(key, str(getattr(settings, key)).strip().upper())
        meta["supplied_tables"] = supplied
        ds = cls(tables, truth=truth, meta=meta)
        try:
            if validate:
                ds.validate(as_of=as_of)
        finally:  # the CSV lines rows were read from name rows in loading's messages only
            forget_csv_lines(list(ds._tables.values()) + list(frames.values()))
        return ds

    # -- access -----------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLE_NAMES)}") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("_tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE_NAMES)

    @property
    def tables(self) -> Dict[str, pd.DataFrame]:
        """All tables by name (the same objects, not copies)."""
        return dict(self._tables)

    def row_counts(self) -> Dict[str, int]:
        return {name: len(frame) for name, frame in self._tables.items()}

    def replace(self, **tables: pd.DataFrame) -> "Dataset":
        """A new Dataset with some tables replaced (truth and meta carried over).

        Parameters
        ----------
        **tables : DataFrame
            the tables to replace, by our table name.

        Returns
        -------
        Dataset

        Raises
        ------
        ValidationError
            a name that is not a table, a value that is not a DataFrame, or a frame without
            one of its table's required columns (every later step would fail on it; use
            :meth:`from_frames` to convert and validate raw frames).
        """
        problems: List[Problem] = []
        for name, frame in tables.items():
            if name not in TABLES:
                continue  # the constructor names every unknown table
            if not isinstance(frame, pd.DataFrame):
                problems.append(Problem(name, None, f"must be a DataFrame, not {type(frame).__name__}"))
                continue
            missing = [c.name for c in TABLES[name].columns if c.required and c.name not in frame.columns]
            if missing:
                problems.append(Problem(name, None, f"required columns missing: {', '.join(missing)}"))
        if problems:
            raise ValidationError(problems)
        merged = dict(self._tables)
        merged.update(tables)
        out = Dataset(merged, truth=self.truth, meta=self.meta)
        # a table stays checked unless it, or a table it refers to, was replaced
        out._checked = frozenset(name for name in self._checked
                                 if name not in tables and not _refers_to(name, set(tables)))
        return out

    def data_end(self) -> Optional[pd.Timestamp]:
        """The last date the data covers.

        ``meta['end_date']`` when known (synthetic data, a snapshot, a folder written by
        :func:`~earlyhelp.write_dataset`), else the latest date of a recorded event: every date
        column of :data:`~earlyhelp.data.schema.TABLES` except those in
        :data:`~earlyhelp.data.schema.NOT_EVENT_DATES` (birth dates, which for an unborn child
        are due dates, and TAF review due dates: both may lie after the extract by nature), less
        the dates that cannot be taken at their word: dates after today, and the latest dates
        lying more than 92 days after every other event when they are at most 1% of the events (a
        year typed wrong; a real later extract has many). Those are left out, and a
        :class:`~earlyhelp.measures.StrayDatesWarning` names them (``table.column``, how many
        rows, the latest). The rule is the one the forecasts' data date, the pack's extract end
        and the measures' review cut-off take (``earlyhelp.data.dates.latest_happened``).

        Returns
        -------
        Timestamp or None
            None when no table holds an event date (or every one was left out).
        """
        from .dates import event_days, latest_happened

        end = self.meta.get("end_date")
        if end is not None:
            return pd.Timestamp(end).normalize()
        happened = latest_happened(event_days(self._tables))
        happened.warn("Dataset.data_end", "state the extract's date (meta['end_date'])")
        return None if happened.day is None else pd.Timestamp(happened.day, unit="D")

    def __repr__(self) -> str:
        counts = {k: v for k, v in self.row_counts().items() if v}
        if not counts:
            return "<earlyhelp.Dataset: empty>"
        meta = self.meta
        about = []
        if meta.get("source") == "earlyhelp.synthetic":
            about.append(f"synthetic {meta.get('preset', '')}, seed {meta.get('seed', '')}".strip())
        elif meta.get("source"):
            about.append(str(meta["source"]))
        end = meta.get("end_date")
        if end is not None:
            about.append(f"data to {pd.Timestamp(end).date()}")
        width = max(len(k) for k in counts)
        digits = max(len(f"{v:,}") for v in counts.values())
        lines = [f"<earlyhelp.Dataset{': ' + '; '.join(about) if about else ''}"]
        lines += [f"  {k:<{width}}  {v:>{digits},} rows" for k, v in counts.items()]
        empty = [k for k, v in self.row_counts().items() if not v]
        if empty:
            lines.append(f"  ({len(empty)} empty: {', '.join(empty)})")
        return "\n".join(lines) + ">"

    # -- derived events (definitions live in data/events.py) -----------------------
    def step_ups(self, within_days: int = 28, level: str = "episode") -> pd.DataFrame:
        """Stepped-up episodes, one row each (``events.step_ups``).

        Parameters
        ----------
        within_days : int, default 28
            days after an episode's end in which a social-care referral for its family still counts.
        level : {"episode", "family"}, default "episode"
            ``"family"``: family episodes (stitched per-child rows).

        Returns
        -------
        DataFrame
            one row per stepped-up episode.
        """
        from .events import step_ups

        return step_ups(self, within_days=within_days, level=level)

    def family_requests(self) -> pd.DataFrame:
        """Requests as family events (siblings' same-day contacts are one); see
        :func:`earlyhelp.data.events.family_requests`.

        Returns
        -------
        DataFrame
            one row per family request.
        """
        from .events import family_requests

        return family_requests(self)

    def step_downs(self, within_days: int = 28) -> pd.DataFrame:
        """Step-downs from social care (RC9 closures, step_down origins) (``events.step_downs``).

        Parameters
        ----------
        within_days : int, default 28
            an RC9 referral is linked to the family's first episode starting within this many days of
            its close date.

        Returns
        -------
        DataFrame
            one row per step-down.
        """
        from .events import step_downs

        return step_downs(self, within_days=within_days)

    def rereferrals(self, basis: str = "request", window_days: int = 365) -> pd.DataFrame:
        """Re-referrals within ``window_days`` (DfE: of the previous request) (``events.rereferrals``).

        Parameters
        ----------
        basis : str, default ``"request"``
            ``"request"`` (the DfE definition: within ``window_days`` of the family's previous
            request) or ``"episode"`` (after its most recent closed episode ended).
        window_days : int, default 365
            the re-referral window.

        Returns
        -------
        DataFrame
            one row per re-referral.
        """
        from .events import rereferrals

        return rereferrals(self, basis=basis, window_days=window_days)

    def stitch_episodes(self, gap_days: int = 1, return_map: bool = False):
        """Family episodes from overlapping/adjoining episodes (``events.stitch_episodes``).

        Parameters
        ----------
        gap_days : int, default 1
            episodes of a family that overlap or start within this many days of the previous end are
            one family episode.
        return_map : bool, default False
            also return the map from episode to family episode.

        Returns
        -------
        DataFrame, or (DataFrame, DataFrame) with ``return_map``
        """
        from .events import stitch_episodes

        return stitch_episodes(self, gap_days=gap_days, return_map=return_map)

    def snapshot(self, date: Any) -> "Dataset":
        """The data as known at the end of ``date`` (later facts hidden) (``events.snapshot``).

        Parameters
        ----------
        date : date-like
            the date the data is known at.

        Returns
        -------
        Dataset
            rows recorded after ``date`` removed, later facts set missing.
        """
        from .events import snapshot

        return snapshot(self, date)

    # -- checks -------------------------------------------------------------------
    def validate(self, *, as_of: Optional[Any] = None) -> "Dataset":
        """Check types, codes, dates and keys; raise :class:`ValidationError` listing every problem.

        Checks: column types, codes, required values, value ranges, dates after ``as_of``
        (default today, or a synthetic council's end date when that is later; expected births and
        the due dates of Team Around the Family reviews not yet held may be in the future), end
        before start, an end reason without its end date (episodes, social-care referrals),
        duplicate keys, references to rows that do not exist. References into tables that were not
        supplied are listed in ``meta['load_report']['unchecked_references']``.

        Returns the Dataset itself so calls can be chained.

        Parameters
        ----------
        as_of : date-like, optional
            dates after it are problems (default today, or a synthetic council's later end date).

        Returns
        -------
        Dataset
            the Dataset itself.
        """
        from .validate import find_problems

        notes: Dict[str, Any] = {}
        problems = find_problems(self, as_of=as_of, notes=notes)
        report = self.meta.setdefault("load_report", {})
        report["unchecked_references"] = notes.get("unchecked_references", [])
        if problems:
            raise ValidationError(problems)
        self._checked = frozenset(TABLE_NAMES)
        return self

    def check_tables(self, tables: Iterable[str]) -> "Dataset":
        """Check ``tables`` as :meth:`validate` does (types, codes, required values, ranges,
        dates in order, duplicate keys, references), once: a step that counts rows calls it, so
        a Dataset built with :meth:`replace` or ``from_frames(validate=False)`` cannot count a
        repeated row twice or drop a row without a date unseen. A missing column is left to the
        step (it names what it blocks).

        Parameters
        ----------
        tables : iterable of str
            the tables the step uses.

        Returns
        -------
        Dataset
            the Dataset itself.
        """
        from .validate import MISSING_COLUMN, find_problems

        todo = [name for name in tables if name in TABLES and name not in self._checked]
        if not todo:
            return self
        problems = [p for p in find_problems(self, tables=todo) if p.message != MISSING_COLUMN]
        if problems:
            raise ValidationError(problems)
        self._checked = self._checked | frozenset(todo)
        return self


def _refers_to(name: str, tables: Set[str]) -> bool:
    """Whether table ``name`` has a column referring to one of ``tables``."""
    return any(c.references is not None and c.references.split(".")[0] in tables for c in TABLES[name].columns)


def check_dataset(ds: Any, table: str) -> None:
    """Raise a ValidationError naming ``<table>.ds`` unless ``ds`` is an earlyhelp Dataset.

    Parameters
    ----------
    ds : Any
        The argument to check.
    table : str
        The function (or part) it was given to, for the message.
    """
    if not isinstance(ds, Dataset):
        raise ValidationError(Problem(table, "ds", "must be an earlyhelp Dataset (earlyhelp.read_dataset or "
                                      f"Dataset.from_frames), got {type(ds).__name__}"))


def check_unique_ids(ds: "Dataset", keyed: Sequence[Tuple[str, str]], purpose: str) -> None:
    """Raise a ValidationError naming each ``(table, column)`` of ``keyed`` whose id repeats.

    ``Dataset.replace`` and ``from_frames(validate=False)`` do not check keys (a table may be
    given as the case system holds it, with repeated rows); a step that looks rows up by id
    checks the tables it uses, so a repeated id is refused by name instead of failing inside
    pandas or counting a row twice.

    Parameters
    ----------
    ds : Dataset
        The data.
    keyed : sequence of (table, column)
        The tables the step looks up by id, and their id column.
    purpose : str
        What the step does with them, for the message (e.g. "the network looks rows up by it").
    """
    problems = []
    for table, column in keyed:
        frame = ds[table]
        if column not in frame.columns:
            continue  # a missing required column is refused where the table is given
        ids = frame[column].astype("string")
        missing = ids.isna().to_numpy(dtype=bool)
        repeated = ids.duplicated(keep="first").to_numpy(dtype=bool) & ~missing
        if repeated.any():
            problems.append(Problem(table, column, f"duplicate key (each row must be unique): {purpose}",
                                    row_labels(frame, column, repeated), int(repeated.sum()),
                                    ids[repeated].iloc[0]))
        if missing.sum() > 1:  # one row without an id matches nothing; several would be one ambiguous id
            problems.append(Problem(table, column, f"missing on more than one row: {purpose} (give each row "
                                    "its id)", row_labels(frame, column, missing), int(missing.sum())))
    if problems:
        raise ValidationError(problems)


def _typed_tables(frames: Mapping[str, Any], code_map: Optional[Mapping[str, Any]], unknown_codes: str,
                  report: Dict[str, Any], settings: Optional[Any] = None
                  ) -> "tuple[Dict[str, pd.DataFrame], list, Dict[str, pd.DataFrame]]":
    """Frames renamed, read as their case system wrote them (``settings``: SSD profile), folded
    and cast to the schema, with every problem found on the way; and the SSD side tables."""
    from . import ssd
    from .coerce import rename_aliases
    from .readers import resolve_table_name

    problems = []
    tables: Dict[str, pd.DataFrame] = {}
    folded: Dict[str, pd.DataFrame] = {}
    aliased = set()   # tables that came under another system's column names (an SSD extract)
    maps = _normalise_code_map(code_map)
    given_as: Dict[str, str] = {}   # our table (or side table) -> the name it was given under
    for given, frame in frames.items():
        name = resolve_table_name(given)
        one = name or resolve_folded_name(given)
        if one is not None:
            if one in given_as:   # persons= and ssd_person=: which one is meant cannot be told
                problems.append(Problem(one, None, f"given twice: {given_as[one]} and {given} "
                                        "(pass the one you mean)"))
                continue
            given_as[one] = given
        if name is None:
            fold = resolve_folded_name(given)
            if fold is not None and isinstance(frame, pd.DataFrame):
                from .schema import FOLDED_COLUMNS

                folded[fold] = _tidy_column_names(frame, [n for names in FOLDED_COLUMNS[fold].values() for n in names],
                                                  fold, problems)
                continue
            problems.append(Problem(given, None, f"not an earlyhelp table (known: {', '.join(TABLE_NAMES)})"))
            continue
        if isinstance(frame, pd.DataFrame):
            frame = _one_name_per_column(name, frame, problems)
            frame = _tidy_column_names(frame, [n for c in TABLES[name].columns for n in (c.name,) + c.aliases],
                                       name, problems)
            renamed = rename_aliases(TABLES[name], frame)
            if list(renamed.columns) != list(frame.columns):
                aliased.add(name)
            frame = renamed
            if name == "episodes":
                frame = _keep_local_end_reason(frame)
            if name == "csc_assessments" and "factors" in frame.columns:
                frame = frame.assign(factors=ssd.factors_to_text(frame["factors"]))
        tables[name] = frame
    tables = ssd.prepare_frames(tables, settings, maps, report, problems)
    folded = ssd.prepare_folded(folded, settings, report, problems)
    if "disability" in folded:
        if "persons" in tables and isinstance(tables["persons"], pd.DataFrame):
            tables["persons"] = ssd.fold_disability(tables["persons"], folded["disability"], problems, report)
        else:
            problems.append(Problem("disability", None, "a disability table needs a persons table"))
    if "assessment_factors" in folded:
        if "csc_assessments" in tables and isinstance(tables["csc_assessments"], pd.DataFrame):
            tables["csc_assessments"] = ssd.fold_factors(tables["csc_assessments"], folded["assessment_factors"],
                                                         problems, report)
        else:
            problems.append(Problem("assessment_factors", None,
                                    "an assessment factors table needs a csc_assessments table"))
    for name in list(tables):
        table_map = {**maps.get("*", {}), **maps.get(name, {})}
        tables[name] = coerce_table(TABLES[name], tables[name], problems, table_map,
                                    unknown_codes=unknown_codes, report=report, aliased=name in aliased)
    if "family_members" in tables:   # before its repeated rows are merged into one membership
        unread = tuple(p.column for p in problems if p.table == "family_members" and p.column)
        problems += ssd.disagreeing_memberships(tables["family_members"], skip=unread)
    return tables, problems, folded


def _one_name_per_column(table: str, frame: pd.DataFrame, problems: list) -> pd.DataFrame:
    """``frame`` with one column per name, as the later steps need; names given twice are problems.

    One of our column names (or an alias) repeated in another case or with spaces around it
    (``birth_date``, ``Birth_Date ``) reads as the same column, so it is the same name given
    twice: which of the two is meant cannot be told. Other columns are kept as given, so only
    their exact repeats are problems. Each such name is a problem naming the headers; the first column is kept so
    that the rest of the table is still checked. Column names on two or more levels (a
    MultiIndex, as ``pivot_table`` makes) are one problem and the table is read as empty.

    Parameters
    ----------
    table : str
        our table name, for the problems.
    frame : DataFrame
        the table as given.
    problems : list of Problem
        where the problems are added.

    Returns
    -------
    DataFrame
        ``frame`` itself when every name is given once.
    """
    if isinstance(frame.columns, pd.MultiIndex):
        problems.append(Problem(table, None, f"column names on {frame.columns.nlevels} levels (a MultiIndex): "
                                "give one row of column names (e.g. join the levels with '_')",
                                value=", ".join(map(str, frame.columns[:3]))))
        return pd.DataFrame()
    known = {n.lower() for c in TABLES[table].columns for n in (c.name,) + c.aliases}
    names = pd.Index([str(c).strip().lower() if str(c).strip().lower() in known else c for c in frame.columns])
    twice = names.duplicated(keep=False)
    if not twice.any():
        return frame
    for name in dict.fromkeys(names[twice]):
        headers = [str(c) for c, n in zip(frame.columns, names) if n == name]
        problems.append(Problem(table, headers[0], "column given more than once (names are compared ignoring "
                                "case and spaces): " + ", ".join(map(repr, headers)) + "; keep the one you mean",
                                value=", ".join(map(repr, headers))))
    return frame.iloc[:, ~names.duplicated()]


def _tidy_column_names(frame: pd.DataFrame, known: "list[str]", table: Optional[str] = None,
                       problems: Optional[list] = None) -> pd.DataFrame:
    """Headers written for people (``Pers Person ID``, ``earl-episode-id``) renamed to the known
    name they spell; a header that already is a known name (any case) is left alone.

    Two headers that spell one known name (``start_date`` and ``Start Date``, ``Start Date`` and
    ``start-date``) are a problem naming both (which one is meant cannot be told, and taking the
    first in column order would depend on the export's column order); the first is kept so that
    the rest of the table is still checked.
    """
    from .coerce import normalise_word

    exact = {k.lower(): k for k in known}
    spelled = {normalise_word(k): k for k in known}
    claimed: Dict[str, list] = {}   # known name -> positions of the headers that spell it
    for i, col in enumerate(frame.columns):
        text = str(col).strip().lower()
        target = exact.get(text) or spelled.get(normalise_word(str(col)))
        if target is not None:
            claimed.setdefault(target.lower(), []).append(i)
    names = list(frame.columns)
    keep = [True] * len(names)
    for target, where in claimed.items():
        headers = [str(names[i]) for i in where]
        if len(where) > 1 and problems is not None and len({h.strip().lower() for h in headers}) > 1:
            shown = ", ".join(map(repr, headers))
            problems.append(Problem(table, headers[0], "column given more than once (names are compared "
                                    f"ignoring case, spaces and punctuation): {shown} all spell "
                                    f"{exact[target]!r}; keep the one you mean", value=shown))
        if len({h.strip().lower() for h in headers}) > 1:
            for i in where[1:]:
                keep[i] = False
        if headers[0].strip().lower() != target:
            names[where[0]] = exact[target]
    if all(keep) and names == list(frame.columns):
        return frame
    frame = frame.set_axis(names, axis=1)
    return frame.iloc[:, keep] if not all(keep) else frame


def problems_beyond_reading(frames: Mapping[str, Any], found: list, *, code_map: Optional[Any] = None,
                            unknown_codes: str = "raise", as_of: Optional[Any] = None,
                            validate: bool = True, ssd: Optional[Any] = None) -> list:
    """What else is wrong once some files failed to read (``found``): types, codes, and with
    ``validate`` keys, dates and references, so one pass lists every problem."""
    from .coerce import new_report
    from .ssd_profiles import resolve_code_map

    code_map, settings = resolve_code_map(code_map, ssd)
    tables, problems, folded = _typed_tables(frames, code_map, unknown_codes, new_report(), settings)
    if validate:
        problems += _later_problems(tables, sorted(tables), found + problems, as_of, folded, settings)
    return problems


def _later_problems(tables: Dict[str, pd.DataFrame], supplied, found, as_of, folded=None, settings=None) -> list:
    """Validation problems of tables that failed to read, minus columns already reported.

    Values that could not be read are missing after coercion; a second report about the
    same column ("missing value", a duplicate key) would only repeat the first, so it is left
    out, except where other values of the column are out of range: an unreadable ``inf`` does
    not hide a ``-1e308`` below the minimum. A table
    with a problem of its own (a ragged or unreadable file) is checked for the rows that
    did read, but references into it are not checked: its missing rows would show as
    dangling references elsewhere.
    """
    from .validate import VALUE_RANGE_PROBLEMS, find_problems

    seen = {(p.table, p.column) for p in found}
    partial = {p.table for p in found if p.column is None}
    typed = {name: frame for name, frame in tables.items()
             if not (name in partial and (not isinstance(frame, pd.DataFrame) or frame.empty))}
    try:
        from . import ssd as ssd_read

        ssd_read.derive_family_level(typed, folded or {}, settings, {"derived": []})
        _derive_ssd_links(typed, {"derived": []})
        if isinstance(typed.get("localities"), pd.DataFrame):   # as reading repairs them
            typed["localities"] = ons_codes_upper_case("localities", typed["localities"], {})
        later = find_problems(Dataset(typed, meta={"supplied_tables": [n for n in supplied if n in typed]}),
                              as_of=as_of, partial=partial)
    except Exception:  # the reading problems are the error; checks on half-read tables are a bonus
        return []
    return [p for p in later if (p.table, p.column) not in seen or p.message.startswith(VALUE_RANGE_PROBLEMS)]


ONS_CODE_HOW = ("ONS code written in lower case (such as {example!r}): read in upper case, as ONS writes it, "
                "so that one code is one council or region")


def ons_codes_upper_case(table: str, frame: pd.DataFrame, report: Dict[str, Any]) -> pd.DataFrame:
    """``frame`` with its ONS code columns in upper case; each repair counted in ``report["mapped"]``.

    A council code typed ``e08000026`` on one locality's row would otherwise make a second
    council of that locality in every count by council (the forecast's hierarchy), while
    commands that read the council as one would count it in the first: their difference
    would give back what each hides. Spaces around a code are already stripped on reading.
    """
    out = frame
    for column in ONS_CODE_COLUMNS.get(table, ()):
        if column not in frame.columns:
            continue
        text = frame[column].astype("string")
        upper = text.str.strip().str.upper()
        changed = (text.notna() & (text != upper)).to_numpy(dtype=bool, na_value=False)
        if not changed.any():
            continue
        if out is frame:
            out = carry_csv_lines(frame, frame.copy())
        out[column] = frame[column].where(~changed, upper)
        report.setdefault("mapped", []).append(
            {"table": table, "column": column, "rows": int(changed.sum()),
             "how": ONS_CODE_HOW.format(example=str(text[changed].iloc[0]))})
    return out


def _keep_local_end_reason(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the council's own end-reason text before it is mapped to our codes.

    ``end_reason_local`` takes ``end_reason`` wherever it is blank, not only when the column
    is absent: files written by :func:`~earlyhelp.write_dataset` carry the column, empty
    where nothing was mapped, and a council filling ``end_reason`` with its own codes in that
    layout must not lose them to the code map.
    """
    if "end_reason" not in frame.columns:
        return frame
    if "end_reason_local" not in frame.columns:
        return frame.assign(end_reason_local=frame["end_reason"])
    local = frame["end_reason_local"].astype("string")
    blank = (local.isna() | (local.str.strip() == "")).to_numpy(dtype=bool, na_value=True)
    if not blank.any():
        return frame
    return frame.assign(end_reason_local=local.mask(blank, frame["end_reason"].astype("string")))


def resolve_folded_name(name: str) -> Optional[str]:
    """'disability' or 'assessment_factors' for an SSD side table folded into ours, else None."""
    from .schema import FOLDED_TABLES

    lowered = name.strip().lower()
    for fold, names in FOLDED_TABLES.items():
        if lowered in names:
            return fold
    return None


def _normalise_code_map(code_map: Optional[Mapping[str, Any]]) -> Dict[str, Dict[str, Mapping[str, str]]]:
    """``{table: {column: map}}`` with SSD table names resolved; top-level columns under '*'."""
    from .readers import resolve_table_name

    out: Dict[str, Dict[str, Mapping[str, str]]] = {}
    for key, value in (code_map or {}).items():
        if not isinstance(value, Mapping):
            raise ValidationError([Problem("code_map", str(key), "must map a table or column to a mapping")])
        table = resolve_table_name(str(key))
        # the same column named twice (SSD and our names, a profile's list and the council's): merged,
        # the later local codes winning
        if table is not None:
            columns = out.setdefault(table, {})
            for c, m in value.items():
                name = _column_name(table, str(c))
                columns[name] = {**columns.get(name, {}), **m}
        else:
            name = _column_name(None, str(key))
            out.setdefault("*", {})[name] = {**out.get("*", {}).get(name, {}), **value}
    _check_code_map(out)
    return out


def _check_code_map(maps: Dict[str, Dict[str, Mapping[str, str]]]) -> None:
    """Every table and column a code map names exists and holds codes: a typo is an error, not ignored."""
    problems = []
    for table, columns in maps.items():
        for column in columns:
            message = no_coded_column(None if table == "*" else table, column)
            if message:
                problems.append(Problem("code_map", f"{table}.{column}" if table != "*" else column, message))
    if problems:
        raise ValidationError(problems)


def no_coded_column(table: Optional[str], column: str) -> Optional[str]:
    """Why a code map's ``column`` (of our ``table``, or of any table for None) holds no codes to
    map, with the nearest name; None when it does. The one rule for code maps from Python and configs.

    Parameters
    ----------
    table : str or None
        our table name, or None for a column key at the top of the map.
    column : str
        the column as named in the map (ours or an SSD name).

    Returns
    -------
    str or None
    """
    import difflib

    coded = {name: {c.name for c in t.columns if c.kind == "code"} for name, t in TABLES.items()}
    known = set().union(*coded.values()) if table is None else coded.get(table, set())
    if _column_name(table, column) in known:
        return None
    where = "any table" if table is None else f"table {table!r}"
    choices = sorted(known) + (list(TABLE_NAMES) if table is None else [])
    guess = difflib.get_close_matches(column.strip().lower(), choices, n=1, cutoff=0.6)
    hint = "" if not guess else (f" (did you mean the table {guess[0]!r}?)" if guess[0] in TABLE_NAMES
                                 else f" (did you mean {guess[0]!r}?)")
    return (f"no coded column {column!r} in {where}{hint} (coded columns: "
            f"{', '.join(sorted(known)) or 'none'})")


def _column_name(table: Optional[str], column: str) -> str:
    """Our name for a column named by its SSD alias (``earl_episode_end_reason`` -> ``end_reason``)."""
    lowered = column.strip().lower()
    for t in ([TABLES[table]] if table else TABLES.values()):
        for c in t.columns:
            if lowered == c.name or lowered in (a.lower() for a in c.aliases):
                return c.name
    return column


def _derive_ssd_links(tables: Dict[str, pd.DataFrame], report: Dict[str, Any]) -> None:
    """Fill what the SSD lacks: expected births, family ids from family_members, the families table."""
    from . import ssd

    if "persons" in tables:
        tables["persons"] = ssd.expected_birth(tables["persons"])
    members = tables.get("family_members")
    if members is None or members.empty:
        # per-child rows stay per child (events key them by person), and the report says so
        for name in ("episodes", "requests", "involvements"):
            frame = tables.get(name)
            if frame is None or frame.empty or "person_id" not in frame.columns or "family_id" not in frame.columns:
                continue
            alone = int((frame["family_id"].isna() & frame["person_id"].notna()).sum())
            if alone:
                report.setdefault("not_derived", []).append(
                    {"table": name, "column": "family_id", "rows": alone,
                     "reason": "no family table (ssd_family) or it has no rows: each child counts as its own "
                               "family"})
        return
    if "families" not in tables:
        fam = pd.DataFrame({"family_id": pd.unique(members["family_id"].dropna())})
        tables["families"] = coerce_table(TABLES["families"], fam, [], None)
        report["derived"].append(f"families: {len(fam)} families from family_members (no locality)")
    for name, date_col in (("episodes", "start_date"), ("requests", "received_date"),
                           ("involvements", "start_date")):
        frame = tables.get(name)
        if frame is None or frame.empty or "person_id" not in frame.columns:
            continue
        todo = frame["family_id"].isna() & frame["person_id"].notna()
        if not todo.any():
            continue
        choices = ssd.family_choices(members, frame.loc[todo, "person_id"], frame.loc[todo, date_col])
        found = choices["family_id"]
        frame = frame.copy()
        frame.loc[todo, "family_id"] = found
        tables[name] = frame
        n_found, n_todo = int(found.notna().sum()), int(todo.sum())
        report["derived"].append(f"{name}.family_id from family_members for {n_found} of {n_todo} rows "
                                 f"recorded per person" + ("" if n_found == n_todo else
                                                           f" ({n_todo - n_found} persons in no family)"))
        if n_found < n_todo:
            report.setdefault("not_derived", []).append(
                {"table": name, "column": "family_id", "rows": n_todo - n_found,
                 "reason": "the child is in no family (ssd_family): counted as its own family"})
        # families chosen on weaker grounds than a membership valid on the date: counted, with why
        for flag, why in (("not_valid_on_the_date", "no membership of the child is valid on the row's date: the "
                           "latest begun by then (else the latest) is used"),
                          ("tie", "the child is in two or more families equally valid on the row's date (or "
                           "undated), none with more of the rows that day: the lowest family id is used")):
            n = int(choices[flag].sum())
            if n:
                report["derived"].append(f"{name}.family_id for {n} of those rows: {why}")
