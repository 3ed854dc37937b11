"""The run configuration: a TOML file read, checked and turned into typed settings.

A scheduled run is described by one TOML file (see ``examples/forecast.toml``)::

    [run]
    name = "coventry-monthly"        # titles the report (and starts a flow run's folder name)
    output = "runs"                  # a new folder per run is made inside

    [source]
    kind = "synthetic"               # "synthetic" | "folder" | "sql"
    preset = "coventry"

    [forecast]
    measures = ["requests", "episodes_opened"]
    horizon = 12
    models = ["AutoETS", "SeasonalNaive"]

    [capacity]
    caseload_per_fte = 12

    [publish]
    suppression_threshold = 5

Every problem found is reported at once as a :class:`earlyhelp.ConfigError` naming
the file, the key's line and the key (``monthly.toml, line 12: forecast.horizon: ...``) and
what to put there instead.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .._redact import redact_url  # noqa: F401 - re-exported: config messages use it
from .._errors import ConfigError, Problem
from .._tomlfile import located, read_toml


SOURCE_KINDS = ("synthetic", "folder", "sql")
MODEL_NAMES = ("AutoETS", "Theta", "SeasonalNaive", "Naive", "CrostonOptimized", "TSB", "CountRegression")
FREQS = {"MS": 12, "QS": 4, "W": 52, "W-MON": 52}
HIERARCHY_LEVELS = ("locality", "council", "region")
RECONCILE_METHODS = ("none", "bottom_up", "top_down", "mint_ols", "mint_wls_struct", "mint_shrink")


@dataclass(frozen=True)
class SourceConfig:
    kind: str
    # synthetic
    preset: str = "coventry"
    years: int = 5
    scale: float = 1.0
    seed: int = 0
    # folder
    path: Optional[str] = None
    # sql
    url: Optional[str] = None          # resolved (url_env read) - never written to run.json
    url_env: Optional[str] = None
    db_schema: Optional[str] = None
    tables: Dict[str, str] = field(default_factory=dict)
    code_map: Dict[str, Dict[str, Dict[str, str]]] = field(default_factory=dict)
    # the council's code-map file ([code_map] file = ..., or --code-map) and an inline [code_map.ssd]
    code_map_file: Optional[str] = None
    ssd: Dict[str, Any] = field(default_factory=dict)

    def describe(self) -> Dict[str, Any]:
        """The settings of this kind of source, safe to publish in run.json (no passwords).

        Returns
        -------
        dict
            ``kind``, the keys of that kind (a folder source has no synthetic ``preset`` or
            ``seed``) and the code maps. Paths are absolute (read relative to the config file),
            so the same config describes the same source from any working directory.
        """
        whole = asdict(self)
        out = {key: whole[key] for key in ("kind", *_SOURCE_FIELDS.get(self.kind, ()), *_CODE_MAP_FIELDS)}
        if out.get("url"):
            out["url"] = redact_url(self.url)
        return out

    def settings(self) -> Dict[str, Any]:
        """:meth:`describe` without where the data are on this machine (paths, database URL),
        for the run digest: the data's content hash names the data, wherever they were read from.

        Returns
        -------
        dict
        """
        out = {k: v for k, v in self.describe().items() if k not in _LOCATION_FIELDS}
        if isinstance(out.get("ssd"), Mapping) and "geography" in out["ssd"]:
            out["ssd"] = {k: v for k, v in out["ssd"].items() if k != "geography"}   # a file: read into the data
        return out


#: the fields each kind of source is described by (beside ``kind`` and the code maps)
_SOURCE_FIELDS = {"synthetic": ("preset", "years", "scale", "seed"), "folder": ("path",),
                  "sql": ("url", "url_env", "db_schema", "tables"), "ssda903": ("path",)}
_CODE_MAP_FIELDS = ("code_map", "code_map_file", "ssd")
#: where the data are read from: in run.json, not in the run digest
_LOCATION_FIELDS = ("path", "url", "url_env", "code_map_file")


@dataclass(frozen=True)
class ForecastConfig:
    measures: Tuple[str, ...] = ("requests", "episodes_opened")
    freq: str = "MS"
    horizon: int = 12
    season_length: int = 12
    models: Tuple[str, ...] = ("AutoETS", "SeasonalNaive")
    levels: Tuple[int, ...] = (80, 95)
    hierarchy: Tuple[str, ...] = ("locality", "council")
    reconcile: str = "mint_shrink"
    nonnegative: bool = True        # MinTrace bounded at 0: demand counts cannot be negative
    start: Optional[str] = None     # first period used (ISO date)
    end: Optional[str] = None       # last period used (default: last complete period)
    backtest_windows: int = 3
    backtest_step: int = 1


@dataclass(frozen=True)
class CapacityConfig:
    measure: str = "episodes_opened"
    caseload_per_fte: float = 12.0
    episode_weeks: float = 16.0
    scenarios: Dict[str, Dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    name: str
    output: str
    source: SourceConfig
    forecast: ForecastConfig
    capacity: Optional[CapacityConfig]
    suppression_threshold: int = 5
    pseudonymise: bool = False
    path: Optional[str] = None      # the file read (for messages)

    def describe(self) -> Dict[str, Any]:
        """The config as plain data for run.json (no secrets; paths absolute, which run.json
        cuts to their last name).

        Returns
        -------
        dict
        """
        return {
            "name": self.name,
            "output": self.output,
            "source": self.source.describe(),
            "forecast": asdict(self.forecast),
            "capacity": asdict(self.capacity) if self.capacity else None,
            "publish": {"suppression_threshold": self.suppression_threshold, "pseudonymise": self.pseudonymise},
        }

    def settings(self) -> Dict[str, Any]:
        """What the run computes from, for the run digest: :meth:`describe` without where the run
        is written or where the data are read from. The same config on the same data gives the
        same settings from any working directory, and with the data or the config moved.

        Returns
        -------
        dict
        """
        out = {k: v for k, v in self.describe().items() if k != "output"}
        out["source"] = self.source.settings()
        return out


# ---------------------------------------------------------------------------------
def load_config(path: str | os.PathLike, *, environ: Optional[Mapping[str, str]] = None) -> Config:
    """Read and check a TOML config file; raise :class:`ConfigError` listing every problem.

    Relative paths in the file (``source.path``, ``run.output``, ``code_map.file``,
    ``sqlite:///`` URLs) are taken relative to the folder holding the config file, and held as
    absolute paths: the config means the same from any working directory.
    """
    file = Path(path)
    data = read_config_toml(file, missing=missing_config("forecast"))
    return parse_config(data, base=file.parent, name=str(file), environ=environ)


def config_path(base: Path, written: str | os.PathLike) -> Path:
    """A path written in a config file, relative to the file's folder ``base``, as an absolute
    path (``~`` expanded, ``..`` and links resolved): the same whatever the working directory.

    Parameters
    ----------
    base : Path
        The folder holding the config file.
    written : str or path-like
        The path as the config writes it.

    Returns
    -------
    Path
    """
    path = Path(written).expanduser()      # "~/runs": the user's home folder, as a shell reads it
    path = path if path.is_absolute() else Path(base) / path
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):   # a name no file system takes: its checks say why
        return Path(os.path.abspath(path))


def missing_config(example: str) -> str:
    """The message for a config path that names no file, pointing at ``examples/<example>.toml``."""
    return f"config file not found: give the path to a .toml file (see examples/{example}.toml)"


def read_config_toml(file: Path, *, missing: str) -> Dict[str, Any]:
    """The config file's tables, with the encodings editors save in named as config problems.

    Parameters
    ----------
    file : Path
        The config file.
    missing : str
        What to tell the user when there is no such file.

    Returns
    -------
    dict
    """
    try:
        return read_toml(file, missing=missing)
    except ConfigError as exc:
        if any(_is_escape_error(p.message) for p in exc.problems):
            raise ConfigError([dataclasses.replace(p, message=p.message + ": " + WINDOWS_PATH_HINT)
                               if _is_escape_error(p.message) else p for p in exc.problems]) from None
        if file.is_file() and file.read_bytes()[:3] == b"\xef\xbb\xbf":
            raise ConfigError([Problem(str(file), None, "starts with a byte-order mark ('UTF-8 with BOM'), which "
                                       "TOML does not allow: save the file as UTF-8 without BOM")]) from None
        raise
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(file), None, f"not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#x}, "
                                   "e.g. a Windows-1252 'é' or '£'): save the file as UTF-8")]) from None


#: how to write a Windows path in TOML, where a backslash in a "double-quoted" string starts an escape
WINDOWS_PATH_HINT = ("a backslash in a \"double-quoted\" TOML string starts an escape (\\n a new line, \\t a tab, "
                     "\\U... a character): write Windows paths in 'single quotes' or with forward slashes, e.g. "
                     "path = 'C:\\Users\\analyst\\data' or \"C:/Users/analyst/data\"")


def _is_escape_error(message: str) -> bool:
    """Whether a TOML parse error is one a Windows path in double quotes gives."""
    return any(text in message for text in ("Invalid hex value", "Unescaped '\\'", "Invalid escape"))


def check_path_text(check: "_Checker", key: str, raw: Any) -> bool:
    """Whether the path ``raw`` written at ``key`` holds no control characters (a new line, a
    tab); a problem naming the key, with the Windows-path hint, where it does: ``"C:\\new\\test"``
    in double quotes reads as ``C:`` + new line + ``ew`` + tab + ``est``."""
    if not isinstance(raw, str) or not any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return True
    check.bad(key, f"holds a control character (a new line, a tab, ...), so it names no folder: {WINDOWS_PATH_HINT}",
              raw)
    return False


def parse_config(data: Mapping[str, Any], *, base: Optional[Path] = None, name: str = "config",
                 environ: Optional[Mapping[str, str]] = None) -> Config:
    """Check a config already parsed into a dict (the body of :func:`load_config`).

    Parameters
    ----------
    data : mapping
        The config's tables.
    base : Path, optional
        The folder relative paths are read from (the config file's; default the working directory).
    name : str, default "config"
        The config file (for messages; problems give the line of their key in it).
    environ : mapping, optional
        Environment variables (``source.url_env``); default ``os.environ``.

    Returns
    -------
    Config
    """
    check = _Checker(name)
    # absolute, so that the paths held (and recorded) do not depend on the working directory
    base = Path(base).resolve() if base is not None else Path.cwd()
    env = os.environ if environ is None else environ
    check.known(data, "", ("run", "source", "code_map", "forecast", "capacity", "publish"))

    run = check.table(data, "run")
    check.known(run, "run", ("name", "output"))
    run_name = check.string(run, "run.name", default="earlyhelp-forecast")
    output = check.string(run, "run.output", default="runs")
    if not check_path_text(check, "run.output", output):
        output = "runs"
    check_run_name(check, "run.name", run_name)

    source = _parse_source(check, check.table(data, "source", required=True), base, env)
    source = _with_code_map(check, check.table(data, "code_map"), source, base)
    forecast = _parse_forecast(check, check.table(data, "forecast"))
    capacity = _parse_capacity(check, data, forecast)

    publish = check.table(data, "publish")
    check.known(publish, "publish", ("suppression_threshold", "pseudonymise"))
    threshold = check.integer(publish, "publish.suppression_threshold", default=5, minimum=0, maximum=100)
    pseudo = check.boolean(publish, "publish.pseudonymise", default=False)

    check.raise_if_any()
    return Config(name=run_name, output=str(config_path(base, output)), source=source, forecast=forecast,
                  capacity=capacity, suppression_threshold=threshold, pseudonymise=pseudo, path=name)


def _parse_source(check: "_Checker", src: Mapping[str, Any], base: Path, env: Mapping[str, str]) -> SourceConfig:
    kind = check.choice(src, "source.kind", SOURCE_KINDS, required=True)
    common = ("kind", "code_map")
    if kind == "synthetic":
        check.known(src, "source", common + ("preset", "years", "scale", "seed"))
        from ..synthetic import PRESETS

        return SourceConfig(kind=kind, preset=check.choice(src, "source.preset", PRESETS, default="coventry"),
                            years=check.integer(src, "source.years", default=5, minimum=2, maximum=30),
                            scale=check.number(src, "source.scale", default=1.0, minimum=0.001, maximum=100.0),
                            seed=check.integer(src, "source.seed", default=0, minimum=0),
                            code_map=_code_map(check, src))
    if kind == "folder":
        check.known(src, "source", common + ("path",))
        raw = check.string(src, "source.path", required=True)
        path = None
        if raw and check_path_text(check, "source.path", raw):
            p = config_path(base, raw)
            if not p.is_dir():
                check.bad("source.path", f"folder not found ({p}): give a folder of <table>.csv or .parquet files", raw)
            path = str(p)
        return SourceConfig(kind=kind, path=path, code_map=_code_map(check, src))
    if kind == "sql":
        check.known(src, "source", common + ("url", "url_env", "schema", "tables"))
        url = check.string(src, "source.url")
        url_env = check.string(src, "source.url_env")
        if url and url_env:
            check.bad("source.url", "give either url or url_env, not both")
        elif url_env:
            url = env.get(url_env)
            if not url:
                check.bad("source.url_env", f"environment variable {url_env} is not set: set it to the database URL")
        elif not url:
            check.bad("source.url", "missing: give url = \"postgresql://user@host/db\" (or url_env = \"VAR\" "
                      "naming an environment variable that holds it)")
        if url:
            url = _check_url(check, url, base)
        tables = check.table(src, "source.tables")
        from ..data.schema import TABLE_NAMES

        mapped: Dict[str, str] = {}
        for key, value in tables.items():
            if key not in TABLE_NAMES:
                check.bad(f"source.tables.{key}", f"not an earlyhelp table; use one of {', '.join(TABLE_NAMES)}")
            elif not isinstance(value, str) or not value:
                check.bad(f"source.tables.{key}", "must be the database table name (a string)", value)
            else:
                mapped[key] = value
        return SourceConfig(kind=kind, url=url, url_env=url_env, db_schema=check.string(src, "source.schema"),
                            tables=mapped, code_map=_code_map(check, src))
    return SourceConfig(kind=kind or "synthetic")


def _check_url(check: "_Checker", url: str, base: Path) -> str:
    authority = url.split("://", 1)[1].split("/", 1)[0] if "://" in url else ""
    if authority.count("@") > 1:
        # the driver would take the text after the first '@' (part of the password) for the host
        # and print it in its error
        check.bad("source.url", "holds '@' more than once before the host: write an '@' in the user name or "
                  "password as %40", redact_url(url))
        return url
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # noqa: BLE001
        check.bad("source.url", "not a database URL: use e.g. postgresql://user@host:5432/db or sqlite:///file.db",
                  redact_url(url))
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        db = Path(parsed.database)
        if not db.is_absolute():
            db = config_path(base, db)
            url = parsed.set(database=str(db)).render_as_string(hide_password=False)
        if not db.is_file():
            check.bad("source.url", f"SQLite file not found: {db}", redact_url(url))
    return url


def _code_map(check: "_Checker", src: Mapping[str, Any]) -> Dict[str, Dict[str, Dict[str, str]]]:
    raw = check.table(src, "source.code_map")
    out: Dict[str, Dict[str, Dict[str, str]]] = {}
    for table, columns in raw.items():
        if not isinstance(columns, dict):
            check.bad(f"source.code_map.{table}", "must be a table of columns: [source.code_map.<table>.<column>]")
            continue
        for column, mapping in columns.items():
            if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
                check.bad(f"source.code_map.{table}.{column}", "must map local codes to earlyhelp codes (strings)")
                continue
            out.setdefault(table, {})[column] = {str(k): v for k, v in mapping.items()}
    _check_code_map_keys(check, "source.code_map", out)
    return out


def _check_code_map_keys(check: "_Checker", prefix: str, code_map: Mapping[str, Any]) -> None:
    """Each table and column of a config's code map names a coded column: a typo is a config
    problem at its full key (``source.code_map.episodes.end_reasn``), found before any data are read."""
    from ..data.dataset import no_coded_column
    from ..data.readers import resolve_table_name

    for key, value in code_map.items():
        if key == "ssd" or not isinstance(value, Mapping):
            continue   # [code_map.ssd] is how to read an SSD extract; other shapes are checked where parsed
        table = resolve_table_name(str(key))
        if table is None:   # a column key at the top applies to every table with that column
            message = no_coded_column(None, str(key))
            if message:
                check.bad(f"{prefix}.{key}", message)
            continue
        for column in value:
            message = no_coded_column(table, str(column))
            if message:
                check.bad(f"{prefix}.{key}.{column}", message)


def _with_code_map(check: "_Checker", raw: Mapping[str, Any], source: SourceConfig, base: Path) -> SourceConfig:
    """The run config's [code_map]: ``file = "codes.toml"`` (a code-map file, see
    :func:`earlyhelp.data.ssd_profiles.load_code_map`) and/or inline ``[code_map.<table>.<column>]``
    tables and ``[code_map.ssd]``; inline codes win over the file's, [source.code_map] over both."""
    import dataclasses

    from .._errors import ConfigError
    from ..data.ssd_profiles import parse_code_map

    if not raw:
        return source
    raw = dict(raw)
    file = raw.pop("file", None)
    path = None
    if file is not None:
        if not isinstance(file, str) or not file:
            check.bad("code_map.file", "must be the path of a code-map file (TOML)", file)
        elif check_path_text(check, "code_map.file", file):
            p = config_path(base, file)
            if not p.is_file():
                check.bad("code_map.file", f"file not found ({p}): give a code-map file (TOML)", file)
            path = str(p)
    ssd = raw.get("ssd", {})
    try:
        inline = parse_code_map(raw, base=base, name="code_map")
    except ConfigError as exc:
        for problem in exc.problems:
            check.bad(f"code_map.{problem.column}" if problem.column else "code_map", problem.message, problem.value)
        return source
    _check_code_map_keys(check, "code_map", inline.code_map)
    from ..data.ssd_profiles import merge_code_maps

    merged = merge_code_maps(inline.code_map, source.code_map)
    if isinstance(ssd, Mapping) and isinstance(ssd.get("geography"), str):   # relative to the config's folder
        ssd = {**ssd, "geography": str(config_path(base, ssd["geography"]))}
    return dataclasses.replace(source, code_map=merged, code_map_file=path or source.code_map_file,
                               ssd=dict(ssd) if isinstance(ssd, Mapping) else {})


def with_code_map_option(source: SourceConfig, code_map: Optional[str | os.PathLike]) -> SourceConfig:
    """``source`` read with the code-map file ``code_map`` (the ``--code-map`` option) in place of
    the config's whole code map: its ``[code_map]`` file, its inline ``[code_map.<table>.<column>]``
    tables, ``[code_map.ssd]`` and ``[source.code_map]``. An analyst who corrects a mapping with
    the option gets the option's mapping, never the config's old one merged over it.

    Parameters
    ----------
    source : SourceConfig
        The config's source.
    code_map : str or path-like, optional
        The option's file; None leaves ``source`` as it is.

    Returns
    -------
    SourceConfig
    """
    import dataclasses

    if not code_map:
        return source
    return dataclasses.replace(source, code_map={}, ssd={}, code_map_file=str(Path(code_map).resolve()))


def _parse_forecast(check: "_Checker", fc: Mapping[str, Any]) -> ForecastConfig:
    check.known(fc, "forecast", ("measures", "freq", "horizon", "season_length", "models", "levels", "hierarchy",
                                 "reconcile", "nonnegative", "start", "end", "backtest_windows", "backtest_step"))
    d = ForecastConfig()
    known_measures = available_measures()
    measures = check.string_list(fc, "forecast.measures", default=d.measures, choices=known_measures)
    freq = check.choice(fc, "forecast.freq", tuple(FREQS), default=d.freq)
    horizon = check.integer(fc, "forecast.horizon", default=d.horizon, minimum=1, maximum=60)
    season = check.integer(fc, "forecast.season_length", default=FREQS.get(freq or "MS", 12), minimum=1, maximum=53)
    models = check.string_list(fc, "forecast.models", default=d.models, choices=MODEL_NAMES)
    levels = check.int_list(fc, "forecast.levels", default=d.levels, minimum=1, maximum=99)
    hierarchy = check.string_list(fc, "forecast.hierarchy", default=d.hierarchy, choices=HIERARCHY_LEVELS)
    if hierarchy and hierarchy[0] != "locality":
        check.bad("forecast.hierarchy", "must start at \"locality\" (the bottom level), e.g. [\"locality\", \"council\"]",
                  list(hierarchy))
    if hierarchy and list(hierarchy) != [h for h in HIERARCHY_LEVELS if h in hierarchy]:
        check.bad("forecast.hierarchy", "levels go from the bottom up: locality, council, region", list(hierarchy))
    reconcile = check.choice(fc, "forecast.reconcile", RECONCILE_METHODS, default=d.reconcile)
    nonnegative = check.boolean(fc, "forecast.nonnegative", default=d.nonnegative)
    start = check.date(fc, "forecast.start")
    end = check.date(fc, "forecast.end")
    if start and end and start >= end:
        check.bad("forecast.end", f"must be after forecast.start ({start})", end)
    windows = check.integer(fc, "forecast.backtest_windows", default=d.backtest_windows, minimum=0, maximum=24)
    step = check.integer(fc, "forecast.backtest_step", default=d.backtest_step, minimum=1, maximum=60)
    return ForecastConfig(measures=tuple(measures or ()), freq=freq or d.freq, horizon=horizon or d.horizon,
                          season_length=season or d.season_length, models=tuple(models or ()),
                          levels=tuple(sorted(set(levels or ()))), hierarchy=tuple(hierarchy or ("locality",)),
                          reconcile=reconcile or d.reconcile, nonnegative=nonnegative, start=start, end=end,
                          backtest_windows=windows if windows is not None else d.backtest_windows,
                          backtest_step=step or d.backtest_step)


def _parse_capacity(check: "_Checker", data: Mapping[str, Any], forecast: ForecastConfig) -> Optional[CapacityConfig]:
    if "capacity" not in data:
        return None
    cap = check.table(data, "capacity")
    check.known(cap, "capacity", ("measure", "caseload_per_fte", "episode_weeks", "scenarios"))
    measure = check.string(cap, "capacity.measure", default="episodes_opened")
    if measure and measure not in forecast.measures:
        check.bad("capacity.measure", f"must be one of the forecast measures ({', '.join(forecast.measures)}): "
                  "add it to forecast.measures", measure)
    per_fte = check.number(cap, "capacity.caseload_per_fte", default=12.0, minimum=0.1, maximum=200.0)
    weeks = check.number(cap, "capacity.episode_weeks", default=16.0, minimum=1.0, maximum=260.0)
    scenarios: Dict[str, Dict[str, float]] = {}
    for sname, params in check.table(cap, "capacity.scenarios").items():
        if not isinstance(params, dict):
            check.bad(f"capacity.scenarios.{sname}", "must be a table, e.g. {demand_multiplier = 1.1}")
            continue
        for key, value in params.items():
            if key not in ("demand_multiplier", "caseload_per_fte", "duration_multiplier"):
                check.bad(f"capacity.scenarios.{sname}.{key}",
                          "unknown: use demand_multiplier, duration_multiplier or caseload_per_fte")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0:
                check.bad(f"capacity.scenarios.{sname}.{key}", "must be a positive number", value)
        scenarios[sname] = {k: float(v) for k, v in params.items() if isinstance(v, (int, float))}
    return CapacityConfig(measure=measure or "episodes_opened", caseload_per_fte=per_fte or 12.0,
                          episode_weeks=weeks or 16.0, scenarios=scenarios)


def available_measures() -> Tuple[str, ...]:
    """Measure names the forecast module knows (its ``MEASURES``)."""
    from ..forecast.demand import MEASURES

    from ..forecast.demand import CHILD_MEASURES

    return tuple(MEASURES) + tuple(CHILD_MEASURES)


# ---------------------------------------------------------------------------------
def check_run_name(check: "_Checker", key: str, name: Optional[str]) -> None:
    """``run.name`` titles a run's report and starts a flow run's folder name inside ``run.output``
    (forecast and report folders are named by date and digest): one plain folder name, never a
    path (no ``/``, ``\\``, ``:``, ``..``, absolute paths or control characters)."""
    if not name:
        return
    if any(ch in name for ch in "/\\:") or ".." in name or Path(name).is_absolute():
        check.bad(key, "must not contain '/', '\\', ':' or '..' (it names the run folder inside run.output, "
                  "so it must be a plain name, not a path)", name)
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        check.bad(key, "must not contain control characters (it names the run folder)", name)
    elif len(name) > MAX_RUN_NAME:
        check.bad(key, f"is {len(name)} characters long: at most {MAX_RUN_NAME} (the run id adds a date and a "
                  "digest, and a folder name has at most 255 bytes)", name)
    else:
        from ..report.runfolder import _checked_run_id

        try:  # the run folder's own rule, here before any work rather than after it
            _checked_run_id(name)
        except ValueError as exc:
            check.bad(key, str(exc).replace(f"run id {name!r} ", ""), name)


#: longest run.name: the run id adds "-YYYYMMDD-HHMMSS-<10 hex>" and perhaps "-<pid>-<n>"
MAX_RUN_NAME = 150


def check_output_folder(check: "_Checker", key: str, out: Path, raw: Any = None) -> None:
    """The run-folder parent ``out`` (``run.output``) must be a folder that exists or can be made
    and written to: not a file, not inside a file, not in a folder where no folder can be made
    (read-only, ``/proc``, permissions), and short enough for the run folder and its files to fit
    the file system's limits. Nothing is left behind: the check makes a folder and removes it."""
    raw = str(out) if raw is None else raw
    try:
        if out.exists() and not out.is_dir():
            check.bad(key, f"{out} is a file, not a folder: give a folder for the run folders", raw)
            return
        existing = out
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            check.bad(key, f"cannot make folder {out}: {existing} is a file", raw)
            return
        too_long = _too_long(out, existing)
        if too_long:
            check.bad(key, too_long, raw)
            return
        refused = _cannot_make_folder_in(existing)
        if refused:
            where = f"folder {out}" if existing == out else f"cannot make folder {out}: {existing}"
            check.bad(key, f"{where} is not writable ({refused}): give a folder you can write to", raw)
    except (OSError, ValueError) as exc:      # a name the file system refuses (too long, NUL byte)
        check.bad(key, f"not a usable folder: {exc}", raw)


#: bytes a run adds below run.output: its run folder's name, a subfolder and a file name
RUN_FOLDER_ROOM = 2 * 255 + 64


def _too_long(out: Path, existing: Path) -> Optional[str]:
    """Why ``out`` cannot hold run folders for the length of its path or names, or None."""
    def limit(name: str, default: int) -> int:
        try:
            return int(os.pathconf(existing, name))
        except (OSError, ValueError, AttributeError):  # not every system reports its limits
            return default

    name_max, path_max = limit("PC_NAME_MAX", 255), limit("PC_PATH_MAX", 4096)
    for part in out.relative_to(existing).parts:
        if len(os.fsencode(part)) > name_max:
            return f"the folder name {part[:40]}... has {len(os.fsencode(part))} bytes: at most {name_max}"
    length = len(os.fsencode(str(out.absolute())))
    if length + RUN_FOLDER_ROOM > path_max:
        return (f"the path has {length} bytes, and a run adds up to {RUN_FOLDER_ROOM} below it: paths have at most "
                f"{path_max} bytes here, so give a shorter path")
    return None


def _cannot_make_folder_in(folder: Path) -> Optional[str]:
    """Why no folder can be made in ``folder`` (tried, then removed), or None. Permission bits
    are not enough: root may write anywhere they say, yet not in ``/proc`` or on a read-only disk."""
    import tempfile

    try:
        probe = tempfile.mkdtemp(prefix=".earlyhelp-check-", dir=folder)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.rmdir(probe)
    return None


def require_output_folder(out: str | os.PathLike, *, key: str, source: str) -> None:
    """Raise :class:`ConfigError` unless ``out`` can hold run folders (see :func:`check_output_folder`).

    Checked before any data are read, so a run does not compute for minutes and then fail to write.

    Parameters
    ----------
    out : str or path-like
        The folder the run folder goes in.
    key : str
        Where it was given: ``"run.output"`` or an option such as ``"--out"``.
    source : str
        The config file that gave it, or ``"option"``.
    """
    check = _Checker(source)
    check_output_folder(check, key, Path(out), str(out))
    check.raise_if_any()


class _Checker:
    """Collects config problems so the user sees all of them in one go."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: List[Problem] = []

    def bad(self, key: str, message: str, value: Any = None) -> None:
        self.problems.append(Problem(self.name, key, message, value=value))

    def raise_if_any(self) -> None:
        if self.problems:   # named by file, key and the key's line in the file
            raise ConfigError(located(self.problems, self.name))

    def known(self, table: Mapping[str, Any], prefix: str, keys: Tuple[str, ...]) -> None:
        if not isinstance(table, Mapping):
            return
        for key in table:
            if key not in keys:
                where = f"{prefix}.{key}" if prefix else key
                guess = difflib.get_close_matches(str(key), [str(k) for k in keys], n=1, cutoff=0.6)
                hint = f" (did you mean {guess[0]!r}?)" if guess else ""
                self.bad(where, f"unknown key; expected one of {', '.join(keys)}{hint}")

    def table(self, data: Mapping[str, Any], key: str, required: bool = False) -> Mapping[str, Any]:
        value = _get(data, key, flat=True)
        if value is None:
            if required:
                self.bad(key, f"missing section [{key}]")
            return {}
        if not isinstance(value, dict):
            self.bad(key, f"must be a table ([{key}])", value)
            return {}
        return value

    def string(self, data, key, default=None, required=False) -> Optional[str]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            if required:
                self.bad(key, "missing")
            return default
        if not isinstance(value, str) or not value.strip():
            self.bad(key, "must be a non-empty string", value)
            return default
        return value

    def choice(self, data, key, choices, default=None, required=False) -> Optional[str]:
        value = self.string(data, key, default=None, required=required)
        if value is None:
            return default
        if value not in choices:
            self.bad(key, f"must be one of {', '.join(choices)}", value)
            return default
        return value

    def integer(self, data, key, default=None, minimum=None, maximum=None) -> Optional[int]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(key, "must be a whole number", value)
            return default
        return self._range(key, value, minimum, maximum, default)

    def number(self, data, key, default=None, minimum=None, maximum=None) -> Optional[float]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad(key, "must be a number", value)
            return default
        if not math.isfinite(value):
            self.bad(key, "must be a finite number (not nan or inf)", value)
            return default
        return self._range(key, float(value), minimum, maximum, default)

    def boolean(self, data, key, default=False) -> bool:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.bad(key, "must be true or false", value)
            return default
        return value

    def date(self, data, key) -> Optional[str]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return None
        if isinstance(value, _dt.date):
            return value.isoformat()[:10]
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.bad(key, "must be a date like 2020-04-01", value)
        return None

    def string_list(self, data, key, default, choices=None) -> Optional[Tuple[str, ...]]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return tuple(default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.bad(key, "must be a non-empty list of strings", value)
            return tuple(default)
        if choices is not None:
            for v in value:
                if v not in choices:
                    self.bad(key, f"unknown value {v!r}; choose from {', '.join(choices)}", v)
        if len(set(value)) != len(value):
            self.bad(key, "lists a value twice", value)
        return tuple(value)

    def int_list(self, data, key, default, minimum=None, maximum=None) -> Optional[Tuple[int, ...]]:
        value = _get(data, key.split(".", 1)[1] if "." in key else key, flat=True)
        if value is None:
            return tuple(default)
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.bad(key, "must be a list of whole numbers, e.g. [80, 95]", value)
            return tuple(default)
        out = []
        for v in value:
            checked = self._range(key, v, minimum, maximum, None)
            if checked is not None:
                out.append(checked)
        return tuple(out)

    def _range(self, key, value, minimum, maximum, default):
        if minimum is not None and value < minimum:
            self.bad(key, f"must be at least {minimum}", value)
            return default
        if maximum is not None and value > maximum:
            self.bad(key, f"must be at most {maximum}", value)
            return default
        return value


def _get(data: Mapping[str, Any], key: str, flat: bool = False) -> Any:
    """``data[key]`` for a top-level key, or the last part of a dotted key when ``flat``."""
    if flat:
        key = key.rsplit(".", 1)[-1]
    return data.get(key) if isinstance(data, Mapping) else None
