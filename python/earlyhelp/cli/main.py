"""The ``earlyhelp`` command line.

Commands: ``demo``, ``validate``, ``synth``, ``forecast``, ``score``, ``network``, ``flow``, ``report``. Exit
codes, for schedulers:

* 0  success (also when Ctrl-C or SIGTERM comes after the run folder was published: the run finished)
* 1  failure (a bug, a crash, a run interrupted before its run folder was published, an output
  folder another run held for longer than ``$EARLYHELP_LOCK_TIMEOUT`` seconds)
* 2  bad input or config: the message says what to fix

Logs go to stderr (``-v`` for more, ``-q`` for errors only), Python warnings among them
(``earlyhelp: WARNING: ...``); results and paths to stdout. Progress bars show on a terminal
only (and never with ``EARLYHELP_NO_PROGRESS`` set).
"""
from __future__ import annotations

import dataclasses
import functools
import io
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import click
import pandas as pd

from .._errors import ValidationError
from .._redact import RedactingFilter, redact_text

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger("earlyhelp")

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
#: where ``earlyhelp demo`` writes its synthetic pack: a folder of its own, not a council's ``runs``
DEMO_OUTPUT = "earlyhelp-demo"


def _setup_logging(verbose: int, quiet: bool) -> Callable[[], None]:
    """Send the package's log to stderr for one command; return what puts the caller's set-up back.

    A notebook or a scheduler that calls ``main`` in-process keeps its own logging afterwards.
    """
    import warnings

    root = logging.getLogger("earlyhelp")
    before = (list(root.handlers), root.level, root.propagate)
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("earlyhelp: %(levelname)s: %(message)s"))
    handler.addFilter(RedactingFilter())     # no log line shows a password
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # Python warnings (the package's and its libraries') are log lines too: -q keeps them off stderr
    shown_before = warnings.showwarning
    warnings.showwarning = functools.partial(_logged_warning, shown_before, verbose)

    def restore() -> None:
        root.handlers[:] = before[0]
        root.setLevel(before[1])       # setLevel, not .level: it clears the loggers' cached levels
        root.propagate = before[2]
        warnings.showwarning = shown_before
        handler.close()

    return restore


def _logged_warning(shown_before: Callable, verbose: int, message, category, filename, lineno, file=None,
                    line=None) -> None:
    """A Python warning as a line of the package's log (``earlyhelp: WARNING: ...``): without the
    source path and code line Python prints, which name this machine's install (with ``-v``, the
    file's name and line). A warning written to a given file is written there as before."""
    if file is not None:
        shown_before(message, category, filename, lineno, file, line)
        return
    text = str(message)
    if not issubclass(category, UserWarning) or category.__module__.split(".")[0] not in ("earlyhelp", "builtins"):
        text = f"{category.__name__}: {text}"      # a library's warning says what kind it is
    if verbose:
        text += f" ({Path(str(filename)).name}:{lineno})"
    log.warning("%s", text)


class _Command:
    """What the running command has done that its exit must say: the run folders it published,
    the paths printed, and a stop signal that came after it had published (the run finished)."""

    def __init__(self) -> None:
        self.published: list = []
        self.printed: set = set()
        self.stopped_by: Optional[int] = None


#: the command running in this process (main() and _exits set it)
_command = _Command()


def _exits(func: Callable) -> Callable:
    """Map errors to exit codes: bad input/config -> 2 with the message, anything else -> 1. A
    run stopped (Ctrl-C, SIGTERM) after its run folder was published has finished: exit 0."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..report.outputlock import OutputFolderBusy
        from ..report.runfolder import when_published

        global _command
        _command = command = _Command()
        with when_published(command.published.append):
            try:
                result = func(*args, **kwargs)
            except ValidationError as exc:
                kind = "config" if type(exc).__name__ == "ConfigError" else "input"
                # fixes as config keys
                click.echo(redact_text(f"earlyhelp: bad {kind}: {exc.format(fixes='toml')}"), err=True)
                sys.exit(EXIT_BAD_INPUT)
            except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
                raise
            except KeyboardInterrupt:
                if command.published:
                    # stopped after the folder was published (in-process, where main() sets no handler)
                    _finished_though_stopped(command, signal.SIGINT)
                    return None
                click.echo("earlyhelp: interrupted", err=True)
                sys.exit(EXIT_FAILURE)
            except OutputFolderBusy as exc:
                click.echo(redact_text(f"earlyhelp: output folder busy: {exc}"), err=True)
                sys.exit(EXIT_FAILURE)
            except Exception as exc:  # noqa: BLE001 - the scheduler needs an exit code, the log the details
                log.debug("traceback", exc_info=True)
                click.echo(redact_text(f"earlyhelp: failed: {type(exc).__name__}: {exc} (run with -vv for the "
                                       "traceback)"), err=True)
                sys.exit(EXIT_FAILURE)
        if command.stopped_by is not None:
            _finished_though_stopped(command, command.stopped_by)
        return result

    return wrapper


def _finished_though_stopped(command: _Command, signum: int) -> None:
    """Say that the run finished although it was stopped after publishing: where its folder is."""
    folders = [str(p) for p in command.published]
    for folder in folders:
        if folder not in command.printed:     # stdout's last line names the run folder, as on success
            _print(folder)
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    shown = ", ".join(folders)
    click.echo(f"earlyhelp: {name} came after the run folder was published: the run finished ({shown})", err=True)


def _show_version(ctx: click.Context, _param, value: bool) -> None:
    """``--version``: the package's own version (``earlyhelp.__version__``, the compiled core's), so
    that it works from a source checkout too, where no installed distribution names it."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"earlyhelp, version {__version__}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """earlyhelp: Early Help analytics for English children's services.

    Exit codes: 0 ok, 1 failure, 2 bad input or config.
    """
    _printable_streams()
    click.get_current_context().call_on_close(_setup_logging(verbose, quiet))


def _printable_streams() -> None:
    """Write what a stream's encoding cannot hold as escapes: a run folder's path with characters
    outside a Windows code page (cp1252) made the last line, printed after the folder was
    published, fail the command with exit 1, and a scheduler ran it again."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, io.UnsupportedOperation):  # replaced or closed streams keep theirs
            pass


# ---------------------------------------------------------------------------------
@cli.command()
@click.option("--preset", default="coventry", show_default=True, type=click.Choice(["coventry", "wolverhampton"]),
              help="Synthetic council preset.")
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 30), help="Years of history to generate.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.001, 100),
              help="Population scale factor.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the tables as Parquet here.")
@click.option("--output", "output", default=None, type=click.Path(file_okay=False),
              help=f"Folder for the synthetic pack's run folder [default: {DEMO_OUTPUT}]. It may hold earlier "
                   "demo packs only: never a council's own runs.")
@click.option("--runs", "runs", default=None, type=click.Path(file_okay=False), hidden=True,
              help="The same as --output (its earlier name).")
@click.option("--pack/--no-pack", default=True, show_default=True,
              help="Build the council's monthly performance pack from the generated data.")
@_exits
def demo(preset: str, years: int, scale: float, seed: int, out: Optional[str], output: Optional[str],
         runs: Optional[str], pack: bool) -> None:
    """Generate a synthetic council, validate it, compare it with published figures and build
    its monthly performance pack (as `earlyhelp report` does for a council's own data) in
    ./earlyhelp-demo, a folder of its own: a synthetic pack is never put beside a council's runs."""
    from .. import synthetic
    from .config import require_output_folder

    if output and runs:
        raise click.UsageError("give --output or --runs (the same option), not both")
    key = "--runs" if runs else "--output"
    folder = output or runs or DEMO_OUTPUT
    if out:
        _require_new_tables_folder(out)
    if pack:
        require_output_folder(folder, key=key, source="option")
        problem = _demo_folder_problem(folder, key)
        if problem is not None:
            from .._errors import ConfigError

            raise ConfigError([problem])
    ds = synthetic.council(preset=preset, years=years, scale=scale, seed=seed)
    ds.validate()
    _print(f"Synthetic council '{preset}' ({years} years, scale {scale}, seed {seed}): valid.")
    _print(repr(ds))
    table = synthetic.calibration_table(ds)
    shown = [c for c in ("figure", "generated", "target", "unit", "within_10pct", "note") if c in table.columns]
    _print("Generated figures against the published ones they are calibrated to:")
    with pd.option_context("display.max_colwidth", 70, "display.width", 250):
        _print(table[shown].round(1).to_string(index=False))
    if out:
        files = _write_new_tables_folder(ds, out, "parquet")
        _say(f"Wrote {len(files)} tables to {out}")
    if pack:
        # "synthetic": the pack's run.json says its data are generated, not a council's
        _demo_pack(ds, folder, {"command": "earlyhelp demo", "synthetic": True, "preset": preset, "years": years,
                                "scale": scale, "seed": seed})


#: measures whose latest month the demo prints from its pack
DEMO_HEADLINES = ("requests", "episodes_opened", "closed_within_16_weeks", "outcomes_met", "step_up_rate",
                  "rereferrals_12m")


def _demo_folder_problem(folder: str, key: str):
    """The problem with putting the demo's pack in ``folder`` (None when there is none): a run
    folder there that is not an earlier demo pack. The synthetic council bears a real council's
    name and code, so a council's next pack or forecast in that folder would read the demo's
    pack as its own earlier publication (and hide other cells because of it)."""
    import json

    from .._errors import Problem
    from ..report.ledger import synthetic_source

    where = Path(folder)
    if not where.is_dir():
        return None
    others = []
    for run in sorted(p for p in where.iterdir() if p.is_dir() and not p.name.startswith(".")):
        record_file = run / "run.json"
        if not record_file.is_file():
            continue       # not a run folder
        try:
            record = json.loads(record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        # the ledger's rule: a run of synthetic data is never read by a council's runs
        if not (isinstance(record, dict) and synthetic_source(record)):
            others.append(run.name)
    if not others:
        return None
    shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    return Problem("option", key, f"{folder} holds runs that are not demo packs ({shown}): the demo's synthetic "
                   f"council would be read as that council's own earlier pack. Give a folder of its own (the "
                   f"default, {DEMO_OUTPUT}, or another --output)", value=folder)


def _demo_pack(ds, runs: str, record: dict) -> None:
    """The monthly pack of the demo council (the whole catalogue, 24 months or as many as the data
    hold), and a few headline figures of its last month as the pack publishes them."""
    from ..report.dashboard import VARIATION_TEXT
    from ..report.pack import PackOptions, last_month_end, write_pack
    from .reportrun import data_begin, months_covered

    months = min(24, months_covered(data_begin(ds), last_month_end(ds, None)))
    folder = write_pack(ds, runs, options=PackOptions(months=months), config=record)
    _print(f"\nMonthly performance pack ({months} months): {folder}")
    for name in ("dashboard.html", "measures.xlsx", "run.json"):
        _print(f"  {folder / name}")
    summary = pd.read_csv(folder / "summary.csv", dtype={"latest": str}).set_index("measure")
    shown = [m for m in DEMO_HEADLINES if m in summary.index]
    if shown:
        _print("Latest month, as published (its variation by the SPC rules):")
    for m in shown:
        row = summary.loc[m]
        value = pd.to_numeric(row["latest"], errors="coerce")
        text = row["latest"] if pd.isna(value) else f"{value:.1%}" if row["kind"] == "proportion" else f"{value:,.0f}"
        variation = VARIATION_TEXT.get(str(row["variation"]), (str(row["variation"]),))[0]
        _print(f"  {row['title']}, {row['latest_period']}: {text} ({variation.lower()})")


@cli.command()
@click.option("--preset", default="coventry", show_default=True, help="Synthetic council preset.")
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 30), help="Years of history.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.001, 100), help="Population scale.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2 ** 64 - 1), help="Random seed.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the tables.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
@click.option("--sql", "sql_url", default=None,
              help="Also (or instead) write the tables to this database, e.g. sqlite:///earlyhelp.db.")
@click.option("--schema", "db_schema", default=None, help="Database schema for --sql (made if missing).")
@click.option("--ssd-names", is_flag=True, help="With --sql: name the database's tables as the SSD does "
              "(ssd_person, ...); not for --out.")
@click.option("--replace", "replace_sql", is_flag=True,
              help="With --sql: replace the database's tables of the same names (an earlier dataset); every "
                   "table is written, empty ones too, so none of the earlier rows remain. Without it, a "
                   "database that holds any of them is refused.")
@_exits
def synth(preset: str, years: int, scale: float, seed: int, out: Optional[str], fmt: str,
          sql_url: Optional[str], db_schema: Optional[str], ssd_names: bool, replace_sql: bool) -> None:
    """Generate a synthetic council and write its tables (a folder and/or a database).

    Earlier data are never replaced unasked: a folder holding tables is refused, and so is a
    database holding a table of the same name unless --replace is given.
    """
    from .. import synthetic

    if not out and not sql_url:
        raise click.UsageError("give --out FOLDER and/or --sql URL")
    if replace_sql and not sql_url:
        raise click.UsageError("--replace applies to --sql only (a folder's tables are never written over)")
    if ssd_names and not sql_url:
        raise click.UsageError("--ssd-names names the tables of --sql only: a folder's files are written with "
                               "earlyhelp's table names (every command reads a folder of either)")
    if preset not in synthetic.PRESETS:
        raise click.BadParameter(f"{preset!r} is not a preset; choose one of {', '.join(synthetic.PRESETS)}",
                                 param_hint="--preset")
    if out:
        _require_new_tables_folder(out)
    if sql_url:
        _require_new_sql_tables(sql_url, db_schema, ssd_names, replace_sql)
    ds = synthetic.council(preset=preset, years=years, scale=scale, seed=seed)
    if out:
        files = _write_new_tables_folder(ds, out, fmt)
        _print(f"wrote {len(files)} tables to {out}")
    if sql_url:
        from .config import redact_url

        from ..sources import write_sql

        names = write_sql(ds, sql_url, schema=db_schema, ssd_names=ssd_names)
        _print(f"wrote {len(names)} tables to {redact_url(sql_url)}")


def _require_new_tables_folder(out: str) -> None:
    """Stop before generating when ``--out`` already holds earlyhelp tables: writing over them would
    silently replace earlier data, and a second format beside the first makes the folder unreadable."""
    from ..data.readers import table_files

    from .config import require_output_folder

    require_output_folder(out, key="--out", source="option")
    held = table_files(out)
    if held:
        raise _held_tables_error(out, held)


def _held_tables_error(out: str, held: list):
    """The --out problem of a folder that holds tables (``held``: their file names)."""
    from .._errors import ConfigError, Problem
    from ..data.readers import held_tables_message

    return ConfigError([Problem("option", "--out", held_tables_message(Path(out), held), value=out)])


def _write_new_tables_folder(ds, out: str, fmt: str) -> list:
    """Write ``ds`` to ``--out`` only if it still holds no tables: another run may have written
    there since the check before generating (the tables of at most one run appear)."""
    from ..data import write_dataset
    from ..data.readers import FolderHoldsTablesError

    try:
        return write_dataset(ds, out, format=fmt, overwrite=False)
    except FolderHoldsTablesError as exc:
        raise _held_tables_error(out, exc.held) from None


def _sql_table_names(ssd_names: bool) -> dict:
    """``{our table: database table}`` as ``synth --sql`` names them."""
    from ..data.schema import TABLE_NAMES
    from ..sources import to_ssd_names

    return {name: to_ssd_names(name, pd.DataFrame())[0] if ssd_names else name for name in TABLE_NAMES}


def _sql_tables_present(url: str, schema: Optional[str]) -> list:
    """The tables and views in the database (``schema``), or a ConfigError naming --sql when it
    cannot be reached. A SQLite file that does not exist holds none (and is not created here)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from .._errors import ConfigError, Problem
    from .._redact import redact_text
    from ..sources import with_driver

    from .config import redact_url

    try:
        parsed = make_url(url)
        db = parsed.database or ""
        if parsed.get_backend_name() == "sqlite" and db not in ("", ":memory:") and not db.startswith("file:") \
                and not os.path.exists(db):
            return []
        engine = sa.create_engine(with_driver(url))
    except Exception as exc:  # noqa: BLE001 - a bad URL or a missing driver
        raise ConfigError([Problem("option", "--sql", f"cannot use this database URL: {redact_text(exc)}",
                                   value=redact_url(url))]) from None
    try:
        inspector = sa.inspect(engine)
        return list(inspector.get_table_names(schema=schema)) + list(inspector.get_view_names(schema=schema))
    except Exception as exc:  # noqa: BLE001 - connection refused, bad credentials
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError([Problem("option", "--sql", f"cannot connect to the database: {redact_text(first)}",
                                   value=redact_url(url))]) from None
    finally:
        engine.dispose()


def _require_sqlite_folder(url: str) -> None:
    """An SQLite file in a folder that does not exist cannot be made: said before the council is
    generated, not after."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .._errors import ConfigError, Problem
    from .config import redact_url

    try:
        parsed = make_url(url)
    except ArgumentError:
        return   # named by the connection check that follows
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    folder = Path(parsed.database).expanduser().resolve().parent
    if not folder.is_dir():
        raise ConfigError([Problem("option", "--sql", f"the SQLite file's folder does not exist ({folder}): make "
                                   "it first, or give another path", value=redact_url(url))])


def _require_new_sql_tables(url: str, schema: Optional[str], ssd_names: bool, replace: bool) -> None:
    """Stop before generating when the database holds a table ``synth --sql`` would write, unless
    ``--replace`` asks to replace them: the same rule as ``--out`` for a folder holding tables."""
    from .._errors import ConfigError, Problem

    from .config import redact_url

    _require_sqlite_folder(url)
    ours = {name.lower() for name in _sql_table_names(ssd_names).values()}
    held = sorted(name for name in _sql_tables_present(url, schema) if name.lower() in ours)   # reached: checked
    if held and not replace:
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        where = f"schema {schema} of " if schema else ""
        raise ConfigError([Problem("option", "--sql", f"{where}database {redact_url(url)} already holds tables "
                                   f"({shown}): pass --replace to replace them (every table is written, empty "
                                   "ones too, so none of their rows remain), or give another database or "
                                   "--schema (earlier tables are not replaced unasked)", value=redact_url(url))])


def _code_map_option(func: Callable) -> Callable:
    """--code-map FILE: the council's code map (TOML; see docs/guides/ssd.md), for every command."""
    return click.option("--code-map", "code_map", type=click.Path(dir_okay=False, exists=True), default=None,
                        help="The council's code map (TOML): local codes -> earlyhelp codes and, in [ssd], how "
                             "to read an SSD extract (case system, contact outcomes, geography). Replaces the "
                             "config's whole [code_map] (its file, inline tables and [code_map.ssd]) and "
                             "[source.code_map]: nothing of the config's codes is merged in.")(func)


def _print(line: str) -> None:
    """A line of a command's output on stdout. A reader that stops reading (``| head``) does not
    fail the command: the rest of its output goes nowhere and its work goes on, as a run folder
    already published, or about to be, is not undone by a closed pipe."""
    _command.printed.add(line)
    try:
        click.echo(line)
    except BrokenPipeError:
        # later writes, and the interpreter's last flush, go to the null device
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        log.debug("stdout closed by its reader; the rest of the output is dropped")


def _say(line: str) -> None:
    """A line of a command's summary on stderr, unless ``-q`` (only errors there: a scheduler that
    mails whatever a job writes to stderr stays quiet on success)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not ctx.find_root().params.get("quiet"):
        click.echo(line, err=True)


def _print_load_report(ds_or_report, err: bool = True) -> None:
    """What loading did (defaulted, ignored, mapped, derived, could not derive), with counts."""
    from ..data.load_report import summary_lines

    report = ds_or_report if isinstance(ds_or_report, dict) else (ds_or_report.meta or {}).get("load_report")
    for line in summary_lines(report):
        if err:
            _say(line)
        else:
            _print(line)


def _data_options(func: Callable) -> Callable:
    """--config / --data / --sql / --schema / --code-map: where a command's Dataset comes from."""
    func = _code_map_option(func)
    func = click.option("--schema", "db_schema", default=None, help="Database schema for --sql.")(func)
    func = click.option("--sql", "sql_url", help="A database URL (postgresql://..., sqlite:///...).")(func)
    func = click.option("--data", type=click.Path(file_okay=False),
                        help="A folder of <table>.csv / .parquet files.")(func)
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="A run config (TOML): its [source] is read.")(func)
    return func


def _publish_policy(cfg, threshold: Optional[int], pseudonymise: bool):
    """The publication gate's policy: the config's [publish] section, else the options."""
    from ..report.publish import PublishPolicy

    if cfg is not None:
        return PublishPolicy(threshold=cfg.suppression_threshold if threshold is None else threshold,
                             pseudonymise=cfg.pseudonymise or pseudonymise)
    return PublishPolicy(threshold=5 if threshold is None else threshold, pseudonymise=pseudonymise)


def _load(config_path: Optional[str], data: Optional[str], sql_url: Optional[str], db_schema: Optional[str],
          code_map: Optional[str] = None):
    """(Dataset, config or None) from exactly one of --config, --data, --sql."""
    given = [x for x in (config_path, data, sql_url) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --config, --data or --sql")
    if config_path:
        from ..sources import load_source

        if _is_flow_config(config_path):
            # its [publish] threshold holds for what network and score publish from its data too
            from .flowrun import load_source_data

            flow_cfg = _flow_config(config_path, code_map)
            log.info("config %s: valid", config_path)
            return load_source_data(flow_cfg), _FlowPublish(flow_cfg.suppression_threshold)
        from .config import with_code_map_option

        cfg = _run_config(config_path)
        log.info("config %s: valid", config_path)
        return load_source(with_code_map_option(cfg.source, code_map)), cfg
    if data:
        from ..data import read_dataset

        return read_dataset(data, code_map=code_map), None
    from ..sources import read_sql

    return read_sql(sql_url, schema=db_schema, code_map=code_map), None


@dataclasses.dataclass(frozen=True)
class _FlowPublish:
    """A flow config's publish settings, as :func:`_publish_policy` reads a run config's."""
    suppression_threshold: int
    pseudonymise: bool = False


#: sections only ``earlyhelp flow``'s config has (and a source only it reads)
_FLOW_SECTIONS = ("model", "costs", "scenarios", "dask")


def _is_flow_config(config_path: str) -> bool:
    """Whether the TOML file is ``earlyhelp flow``'s config (so ``validate`` checks it as one)."""
    from .config import missing_config, read_config_toml

    data = read_config_toml(Path(config_path), missing=missing_config("forecast"))
    source = data.get("source")
    return (any(key in data for key in _FLOW_SECTIONS)
            or (isinstance(source, dict) and source.get("kind") == "ssda903"))


def _flow_config(config_path: str, code_map: Optional[str]):
    """``earlyhelp flow``'s config, checked whole, with --code-map in place of its [code_map]."""
    import dataclasses

    from .config import with_code_map_option
    from .flowrun import load_flow_config

    cfg = load_flow_config(config_path)
    if code_map and cfg.source is not None:
        cfg = dataclasses.replace(cfg, source=with_code_map_option(cfg.source, code_map))
    return cfg


def _run_config(config_path: str) -> "Config":
    """The config's run, source and publish settings, from a forecast config or a report config
    (its [report] section checked too), so ``validate --config report.toml`` checks a report config."""
    from .config import missing_config, parse_config, read_config_toml

    file = Path(config_path)
    data = read_config_toml(file, missing=missing_config("forecast"))
    if "report" in data:
        from .reportrun import load_report_config

        return load_report_config(config_path).base
    return parse_config(data, base=file.parent, name=str(file))


_PSEUDO_HELP = ("Replace every family, person, episode, request, practitioner and referral id in the outputs by "
                "its keyed pseudonym ($EARLYHELP_PSEUDO_KEY); on when the config's publish.pseudonymise is.")


@cli.command()
@_data_options
@_exits
def validate(config_path: Optional[str], data: Optional[str], sql_url: Optional[str], db_schema: Optional[str],
             code_map: Optional[str]) -> None:
    """Check a config (forecast, report or flow) and its data, or a dataset; list every problem found (exit 2 if any).

    A config is checked against its data as its run checks them before any work (a report's
    months, a forecast's window and backtest, the council's earlier runs in run.output), with
    the run's messages.
    """
    from ..sources import content_hash

    ds, cfg = _load(config_path, data, sql_url, db_schema, code_map)
    if config_path:
        _check_against_data(config_path, ds, cfg)
        _print(f"config {config_path}: valid")
    summary = content_hash(ds)
    _print("data: valid")
    for name, n in summary["rows"].items():
        if n:
            _print(f"  {name:<16}{n:>10,} rows")
    _print(f"  sha256 {summary['sha256']}")
    _print_load_report(ds, err=False)


def _check_against_data(config_path: str, ds, cfg) -> None:
    """What the run of the config at ``config_path`` checks against its data before any work,
    raising the run's own errors: the pseudonymisation key the config's publish.pseudonymise
    needs, its run.output, a report config's months against the data's
    (``check_report_window``), a forecast config's window, backtest and output folder's earlier
    runs (``forecast_data``, as ``forecast --dry-run``)."""
    from .config import missing_config, read_config_toml

    if isinstance(cfg, _FlowPublish):
        return          # earlyhelp flow checks its config whole when it is loaded
    _publish_policy(cfg, None, False)     # publish.pseudonymise without $EARLYHELP_PSEUDO_KEY
    sections = read_config_toml(Path(config_path), missing=missing_config("forecast"))
    if "report" in sections or "forecast" in sections:
        from .config import require_output_folder

        require_output_folder(cfg.output, key="run.output", source=config_path)
    if "report" in sections:
        from .reportrun import check_report_window, load_report_config

        check_report_window(ds, load_report_config(config_path).options, str(config_path))
    elif "forecast" in sections:
        from .forecastrun import forecast_data

        forecast_data(ds, cfg)


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="The run config (TOML), e.g. examples/forecast.toml.")
@click.option("--dry-run", is_flag=True, help="Only validate the config and the data; write nothing.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Output folder (overrides run.output in the config).")
@_code_map_option
@_exits
def forecast(config_path: str, dry_run: bool, output: Optional[str], code_map: Optional[str]) -> None:
    """Forecast demand and capacity as the config says; write a new run folder.

    The run folder (<output>/<date>-<time>-<digest>) holds forecasts, accuracy,
    capacity, plots, report.html and run.json. It appears only when complete.
    """
    import dataclasses

    from .config import load_config, require_output_folder, with_code_map_option
    from .forecastrun import run_forecast

    cfg = load_config(config_path)
    if output:
        cfg = dataclasses.replace(cfg, output=str(Path(output).resolve()))
    if code_map:
        cfg = dataclasses.replace(cfg, source=with_code_map_option(cfg.source, code_map))
    require_output_folder(cfg.output, key="--output" if output else "run.output",
                          source="option" if output else config_path)
    result = run_forecast(cfg, dry_run=dry_run)
    _print_load_report(result.inputs.get("load_report"))
    if dry_run:
        _print(f"dry run: config and data valid ({sum(result.inputs['rows'].values()):,} rows); nothing written")
        return
    for line in forecast_summary(result):
        _say(line)
    _print(str(result.folder))


def forecast_summary(result) -> list:
    """The lines ``earlyhelp forecast`` ends with on stderr: series, best model, the report."""
    if result.best_mase is not None:
        best = f"best model by MASE: {result.best_model} (mean MASE {result.best_mase:.2f} in backtests)"
    else:
        best = f"no backtest: the report uses {result.best_model}"
    return [f"forecast {result.n_series:,} series; {best}", f"report: {Path(result.folder) / 'report.html'}"]


@cli.command()
@_data_options
@click.option("--at", "at", default=None,
              help="Date the network is taken at, YYYY-MM-DD (default: the end of the data; a later date warns, "
                   "and leaving and end dates recorded up to it apply).")
@click.option("--allocate/--no-allocate", default=True, show_default=True,
              help="Also propose lead practitioners for families without one (minimum-cost flow).")
@click.option("--min-agencies", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Agencies involved from which a family without a lead or assessment is a coordination gap.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder in which a new run folder network-<date>-<digest> is written.")
@click.option("--pseudonymise", is_flag=True, default=False, help=_PSEUDO_HELP)
@_exits
def network(config_path: Optional[str], data: Optional[str], sql_url: Optional[str], db_schema: Optional[str],
            code_map: Optional[str], at: Optional[str], allocate: bool, min_agencies: int, out: str,
            pseudonymise: bool) -> None:
    """Multi-agency network at a date: caseloads, coordination gaps, agency collaboration, lead allocation.

    Writes caseloads, coordination_gaps, agencies, agency_links, linked_households and (with
    --allocate) lead_allocation and lead_unallocated as CSV and Parquet, and run.json. These
    are operational lists for the Early Help service, not publications; every file still
    passes the publication gate (counts from 1 to the config's publish.suppression_threshold,
    else 5, shown as 'c'; ids pseudonymous with --pseudonymise or the config's
    publish.pseudonymise). The folder appears only when complete.

    Refused (exit 2) when the data hold no episodes or no involvements: every list would be
    empty or nearly so, which reads as an all-clear.
    """
    from .config import require_output_folder
    from .netrun import run_network

    _publish_policy(None, None, pseudonymise)    # a missing key fails before any work
    require_output_folder(out, key="--out", source="option")
    ds, cfg = _load(config_path, data, sql_url, db_schema, code_map)
    _print_load_report(ds)
    policy = _publish_policy(cfg, None, pseudonymise)
    result = run_network(ds, out, at=at, allocate=allocate, min_agencies=min_agencies, policy=policy)
    for line in result.summary:
        _say(line)
    _print(str(result.folder))


@cli.command()
@_data_options
@click.option("--at", "at", default=None,
              help="Date the families are scored at, YYYY-MM-DD (default, and at most: the end of the data; a later "
                   "date warns). At least two years after the first episode starts: the model is tested on "
                   "families open a year before it, and learns from outcomes a year before that.")
@click.option("--train-years", default=2, show_default=True, type=click.IntRange(1, 10),
              help="Years of quarterly cut-offs the model learns from (cut-offs before the data start are left "
                   "out and counted in run.json's parameters).")
@click.option("--suppression-threshold", default=None, type=click.IntRange(0, 100),
              help="Observed counts 1..threshold are shown as 'c' (default: the config's, else 5).")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder in which a new run folder score-<date>-<digest> is written.")
@click.option("--pseudonymise", is_flag=True, default=False, help=_PSEUDO_HELP)
@_exits
def score(config_path: Optional[str], data: Optional[str], sql_url: Optional[str], db_schema: Optional[str],
          code_map: Optional[str], at: Optional[str], train_years: int, suppression_threshold: Optional[int],
          out: str, pseudonymise: bool) -> None:
    """Score families with an open episode for the risk of stepping up to social care within a year.

    Trains earlyhelp's logistic model on outcomes known at --at, reports its accuracy on
    families open a year earlier (trained only on what was known then), and writes scores,
    coefficients, evaluation, expected step-ups per locality and run.json. The scores are an
    operational list to support practitioners' judgement, not a publication; every file still
    passes the publication gate (ids pseudonymous with --pseudonymise or the config's
    publish.pseudonymise). The folder appears only when complete.
    """
    from .config import require_output_folder
    from .scorerun import risk_missing, run_score

    missing = risk_missing()
    if missing:
        click.echo(f"earlyhelp: score is not available here: {missing}. Nothing was read or written.", err=True)
        sys.exit(EXIT_FAILURE)
    _publish_policy(None, suppression_threshold, pseudonymise)    # a missing key fails before any work
    require_output_folder(out, key="--out", source="option")
    ds, cfg = _load(config_path, data, sql_url, db_schema, code_map)
    _print_load_report(ds)
    policy = _publish_policy(cfg, suppression_threshold, pseudonymise)
    result = run_score(ds, out, at=at, train_years=train_years, suppression_threshold=policy.threshold,
                       policy=policy)
    for line in result.summary:
        _say(line)
    _print(str(result.folder))


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="TOML file (see examples/flow.toml).")
@_code_map_option
@_exits
def flow(config_path: str, code_map: Optional[str]) -> None:
    """Continuum stock-flow model: projections, Monte Carlo fan charts, costs and scenarios.

    Writes stocks, fan, scenarios and costs (CSV and Parquet), fan_chart.png and run.json into a
    new run folder; the folder appears only when complete. With [model] by = "locality": one
    model per locality, every table by locality with the council total, plus start_stock,
    fan_localities.png and fan_charts/<locality>.png.
    """
    from .flowrun import run_flow

    _print(str(run_flow(_flow_config(config_path, code_map))))


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="A report config (TOML), e.g. examples/report.toml.")
@click.option("--output", default=None, type=click.Path(file_okay=False),
              help="Folder for the run folder (default: the config's run.output).")
@_code_map_option
@_exits
def report(config_path: str, output: Optional[str], code_map: Optional[str]) -> None:
    """The monthly performance pack: HTML dashboard, Excel workbook, CSV/Parquet, run.json."""
    from .reportrun import run_report

    _print(str(run_report(config_path, output, code_map=code_map)))


def _stopped(signum, frame) -> None:
    """Ctrl-C, and SIGTERM (how a scheduler stops a job) taken as Ctrl-C: the run stops the same
    way, and its partial run folder is removed. Once its run folder is published the run has
    finished: the signal is noted (and said at the end), and the command ends as it would."""
    if _command.published:
        _command.stopped_by = signum
        return
    raise KeyboardInterrupt


#: the signals that stop a command
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


def main(argv: Optional[list] = None) -> int:
    """Run the command line; return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        the arguments (default: the process's, ``sys.argv[1:]``: then ``main`` is the process's
        entry point, and a stop signal after a run folder was published is ignored until the
        process has exited).

    Returns
    -------
    int
        0 success, 1 failure, 2 bad input or config.
    """
    # The commands only write figures to files: no window, no display needed.
    os.environ.setdefault("MPLBACKEND", "Agg")
    global _command
    _command = _Command()
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, _stopped) for sig in _STOP_SIGNALS} if main_thread else {}
    code = 0
    try:
        cli.main(args=argv, standalone_mode=True)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        published = bool(_command.published)
        for sig, handler in previous.items():
            if argv is None and published and code == 0:
                # the process ends now, its run finished: a late signal must not make the exit a failure
                signal.signal(sig, signal.SIG_IGN)
            else:
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return code


if __name__ == "__main__":
    sys.exit(main())

