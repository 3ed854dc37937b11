"""Where a run's data comes from: a folder, the synthetic council, or a SQL database.

``read_sql`` reads a council's warehouse through SQLAlchemy (PostgreSQL, SQLite,
SQL Server with the user's driver). Tables keep their own names, SSD names such
as ``ssd_person`` included: the config maps each earlyhelp table to a database
table, or, without a mapping, tables named like ours or like the SSD are found.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

import pandas as pd

from ._errors import Problem, ValidationError
from ._redact import redact_text, redact_url
from .data.schema import TABLE_NAMES, TABLES

log = logging.getLogger("earlyhelp")


def read_sql(url: str, *, tables: Optional[Mapping[str, str]] = None, schema: Optional[str] = None,
             code_map=None, validate: bool = True, unknown_codes: str = "raise", as_of: Optional[Any] = None,
             ssd: Optional[Any] = None, engine: Any = None):
    """Load a Dataset from a SQL database.

    Parameters
    ----------
    url : str
        SQLAlchemy URL, e.g. ``postgresql://user@host:5432/warehouse`` or ``sqlite:///eh.db``.
    tables : mapping of str to str, optional
        ``{earlyhelp table: database table}``; tables not mapped are looked up by
        our name or an SSD alias (``ssd_person`` for ``persons``), case-insensitively.
        A table not mapped that the database holds under two of those names (``persons``
        and ``ssd_person``) is a problem: map the one to read.
    schema : str, optional
        Database schema holding the tables (default: the connection's default).
    code_map, validate, unknown_codes, as_of, ssd : as for :meth:`earlyhelp.Dataset.from_frames`
        (``as_of``: validate a warehouse snapshot as of its own date; ``ssd``: the case system,
        e.g. ``"systemc"``).
    engine : an existing SQLAlchemy engine to use instead of ``url``.

    Returns
    -------
    Dataset

    Raises
    ------
    ValidationError
        a URL that cannot be used or a database that cannot be reached; a mapped table that is
        not there; a table found under two names; no tables found; and every problem of the
        data, as :meth:`earlyhelp.Dataset.from_frames` raises them.
    """
    import sqlalchemy as sa

    from .data.dataset import Dataset

    own_engine = engine is None
    if engine is None:
        try:
            _check_sqlite_file(url)
            engine = sa.create_engine(with_driver(url))
        except ValidationError:
            raise
        except Exception as exc:  # noqa: BLE001 - bad URL or missing driver
            raise ValidationError([Problem("source", "url", "cannot use this database URL: "
                                           f"{redact_text(exc)}")]) from None
    try:
        try:
            inspector = sa.inspect(engine)
            present = {name.lower(): name for name in inspector.get_table_names(schema=schema)}
            present.update({name.lower(): name for name in inspector.get_view_names(schema=schema)})
        except Exception as exc:  # noqa: BLE001 - connection refused, bad credentials, unknown schema
            raise ValidationError([Problem("source", "url", f"cannot connect to the database: {redact_text(_first_line(exc))}")]) from None
        chosen, problems = _choose_tables(present, tables or {})
        if problems:
            raise ValidationError(problems)
        if not chosen:
            raise ValidationError([Problem("source", "tables", "no earlyhelp or SSD tables found in the database; map "
                                           "them in [source.tables], e.g. persons = \"ssd_person\"")])
        frames = {}
        with engine.connect() as conn:
            for ours, theirs in chosen.items():
                table = sa.Table(theirs, sa.MetaData(), schema=schema, autoload_with=conn)
                frames[ours] = pd.read_sql(sa.select(table), conn)
                log.info("read %s rows from %s into %s", f"{len(frames[ours]):,}", theirs, ours)
    finally:
        if own_engine:
            engine.dispose()
    ds = Dataset.from_frames(code_map=code_map, validate=validate, unknown_codes=unknown_codes, as_of=as_of,
                             ssd=ssd, **frames)
    ds.meta.setdefault("source", {"kind": "sql", "tables": dict(chosen)})
    return ds


def _check_sqlite_file(url: str) -> None:
    """Reading a SQLite file that does not exist would create an empty one: refuse instead."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    db = parsed.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        return
    if not os.path.isfile(db):
        raise ValidationError([Problem("source", "url", f"SQLite file not found: {db} (nothing was created)",
                                       value=redact_url(url))])


def with_driver(url: str) -> str:
    """``url`` with an installed PostgreSQL driver named when it names none.

    SQLAlchemy 2.1 picks psycopg (3) for ``postgresql://``; many machines have psycopg2.

    Parameters
    ----------
    url : str
        a SQLAlchemy URL.

    Returns
    -------
    str
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        import importlib.util

        for module, driver in (("psycopg", "psycopg"), ("psycopg2", "psycopg2"), ("pg8000", "pg8000")):
            if importlib.util.find_spec(module) is not None:
                return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)
    return url


def _choose_tables(present: Dict[str, str], mapping: Mapping[str, str]):
    chosen: Dict[str, str] = {}
    problems = []
    for ours, theirs in mapping.items():
        if ours not in TABLES:
            problems.append(Problem("source", f"tables.{ours}", f"not an earlyhelp table ({', '.join(TABLE_NAMES)})"))
        elif theirs.lower() not in present:
            problems.append(Problem("source", f"tables.{ours}", f"table {theirs!r} not found in the database "
                                    f"(found: {', '.join(sorted(present.values())) or 'none'})"))
        else:
            chosen[ours] = present[theirs.lower()]
    from .data.schema import FOLDED_TABLES

    names = {name: (name, *table.aliases) for name, table in TABLES.items()}
    names.update(FOLDED_TABLES)   # SSD side tables: ssd_disability, ssd_address, ...
    for name, candidates in names.items():
        if name in chosen or name in mapping:
            continue
        found = list(dict.fromkeys(present[c.lower()] for c in candidates if c.lower() in present))
        if len(found) > 1:   # persons and ssd_person: which one is meant cannot be told
            problems.append(Problem(name, None, f"given twice: the database holds {' and '.join(found)} "
                                    "(map the one to read)", fix=_TableChoiceFix(name, tuple(found))))
        elif found:
            chosen[name] = found[0]
    return chosen, problems


@dataclass(frozen=True)
class _TableChoiceFix:
    """How to say which database table to read for ``table`` when several are named like it:
    the ``tables=`` argument of :func:`read_sql`, or ``[source.tables]`` of a run config.

    Parameters
    ----------
    table : str
        our table name.
    found : tuple of str
        the database tables named like it.
    """

    table: str
    found: Tuple[str, ...]

    def render(self, form: str) -> str:
        """The fix as a Python argument (``"python"``) or config-file TOML (``"toml"``).

        Parameters
        ----------
        form : str
            ``"python"`` or ``"toml"``.

        Returns
        -------
        str
        """
        if form == "toml":
            return f"add to the config file:\n[source.tables]\n{self.table} = {json.dumps(self.found[0])}"
        others = " or ".join(repr(f) for f in self.found[1:])
        return f"pass tables={{{self.table!r}: {self.found[0]!r}}} (or {others}) to read_sql"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def source_code_map(source, code_map_file: Optional[str] = None):
    """The code map a source reads with.

    Its code-map file (``code_map_file`` overrides the config's), the config's inline codes
    over it and the inline ``[code_map.ssd]`` over the file's ``[ssd]``.

    Parameters
    ----------
    source : earlyhelp.cli.config.SourceConfig
        where the data is.
    code_map_file : str, optional
        a council code-map file that overrides the config's.

    Returns
    -------
    LocalCodes or None
        one :class:`~earlyhelp.data.ssd_profiles.LocalCodes`, or None when nothing is mapped.
    """
    from .data.ssd_profiles import LocalCodes, load_code_map, merge_code_maps, ssd_settings

    file = code_map_file or getattr(source, "code_map_file", None)
    inline = getattr(source, "code_map", None) or {}
    ssd_raw = getattr(source, "ssd", None) or {}
    if not file and not inline and not ssd_raw:
        return None
    base = load_code_map(file) if file else LocalCodes(code_map={})
    ssd = ssd_settings(ssd_raw) if ssd_raw else base.ssd
    return LocalCodes(code_map=merge_code_maps(base.code_map, inline), ssd=ssd, path=base.path)


def load_source(source, *, validate: bool = True, code_map_file: Optional[str] = None):
    """The Dataset described by the `[source]` of a run config (``earlyhelp.cli.config.SourceConfig``).

    Parameters
    ----------
    source : earlyhelp.cli.config.SourceConfig
        where the data is.
    validate : bool, default True
        validate the Dataset.
    code_map_file : str, optional
        a council code-map file that overrides the config's.

    Returns
    -------
    Dataset
    """
    if source.kind == "synthetic":
        from . import synthetic

        ds = synthetic.council(preset=source.preset, years=source.years, scale=source.scale, seed=source.seed)
        if validate:
            ds.validate()
        return ds
    codes = source_code_map(source, code_map_file)
    if source.kind == "folder":
        from .data import read_dataset

        return read_dataset(source.path, code_map=codes, validate=validate)
    if source.kind == "sql":
        return read_sql(source.url, tables=source.tables, schema=source.db_schema,
                        code_map=codes, validate=validate)
    raise ValidationError([Problem("source", "kind", f"unknown source kind {source.kind!r}")])


def content_hash(ds) -> Dict[str, Any]:
    """Row counts and a SHA-256 of each table's content, and one over all tables.

    The same data gives the same hashes whichever source it came from (row order counts).

    Parameters
    ----------
    ds : Dataset
        the data.

    Returns
    -------
    dict
        ``rows`` and ``tables`` (per table) and ``sha256`` (over all).
    """
    per_table: Dict[str, str] = {}
    whole = hashlib.sha256()
    for name in TABLE_NAMES:
        frame = ds[name]
        digest = hashlib.sha256()
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(",".join(str(t) for t in frame.dtypes).encode())
        if len(frame):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        per_table[name] = digest.hexdigest()
        whole.update(name.encode() + digest.digest())
    from .data.load_report import as_record

    return {"rows": ds.row_counts(), "tables": per_table, "sha256": whole.hexdigest(),
            "load_report": as_record((getattr(ds, "meta", {}) or {}).get("load_report"))}


def write_sql(ds, url: str, *, schema: Optional[str] = None, ssd_names: bool = False,
              if_exists: str = "replace") -> Dict[str, str]:
    """Write every table of ``ds`` to a database; returns ``{our table: database table}``.

    Empty tables are written too, as tables with their columns and no rows: with
    ``if_exists="replace"`` no table of an earlier dataset keeps its rows beside the new data
    (``read_sql`` would read them as part of it).

    ``ssd_names`` names tables and columns as the SSD does where it has a name
    (``ssd_person.pers_person_id``), as a council's warehouse would hold them.

    Parameters
    ----------
    ds : Dataset
        the data.
    url : str
        a SQLAlchemy URL.
    schema : str, optional
        the database schema (default the connection's).
    ssd_names : bool, default False
        use the SSD's table and column names.
    if_exists : str, default "replace"
        as :meth:`pandas.DataFrame.to_sql`.

    Returns
    -------
    dict of str to str
        ``{our table: database table}``.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(with_driver(url))
    if engine.dialect.name == "sqlite":
        _transactional_ddl(engine)
    written: Dict[str, str] = {}
    try:
        with engine.begin() as conn:
            if schema and engine.dialect.name != "sqlite":
                conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
            for name, frame in ds.tables.items():
                target, out = to_ssd_names(name, frame) if ssd_names else (name, frame.copy())
                for col in out.columns:
                    if isinstance(out[col].dtype, pd.CategoricalDtype):
                        out[col] = out[col].astype("string")
                out.to_sql(target, conn, schema=schema, index=False, if_exists=if_exists, chunksize=5000)
                written[name] = target
    finally:
        engine.dispose()
    return written


def _transactional_ddl(engine) -> None:
    """Make SQLite's DROP and CREATE TABLE part of the write's one transaction. Python's sqlite3
    driver begins a transaction only at the first INSERT, so without this an error or Ctrl-C
    part way through a write left the first table dropped and re-created empty, committed, while
    the others kept their old rows (SQLAlchemy's recipe for pysqlite)."""
    import sqlalchemy as sa

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


def to_ssd_names(name: str, frame: pd.DataFrame):
    """``(SSD table name, frame with SSD column names)`` for one of our tables.

    The names are the first SSD alias declared in :mod:`earlyhelp.data.schema` (the one
    place they are kept); tables and columns without an SSD name keep ours.

    Parameters
    ----------
    name : str
        our table name.
    frame : DataFrame
        the table.

    Returns
    -------
    tuple of (str, DataFrame)
    """
    table = TABLES[name]
    target = table.aliases[0] if table.aliases else name
    return target, frame.rename(columns={c.name: c.aliases[0] for c in table.columns if c.aliases})
