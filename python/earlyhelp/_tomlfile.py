"""Reading the TOML files users write (run configs, code maps), with the problems named."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from ._errors import ConfigError, Problem

try:
    import tomllib as _toml
except ModuleNotFoundError:  # Python < 3.11
    import tomli as _toml  # type: ignore[no-redef]

TOMLDecodeError = _toml.TOMLDecodeError


def read_toml(path: Union[str, "os.PathLike[str]"], *, missing: str) -> Dict[str, Any]:
    """The parsed file, or :class:`~earlyhelp.ConfigError` saying it is ``missing`` or not valid TOML.

    Parameters
    ----------
    path : str or path-like
        The file.
    missing : str
        What to tell the user when there is no such file (which file to give, an example).

    Returns
    -------
    dict
        The file's tables.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError([Problem(str(file), None, missing)])
    try:
        with file.open("rb") as handle:
            return _toml.load(handle)
    except _toml.TOMLDecodeError as exc:
        raise ConfigError([Problem(str(file), None, f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError as exc:   # TOML is UTF-8 only; Excel and Notepad may save Windows-1252
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError([Problem(str(file), None, f"not UTF-8 text (line {line}): save the file as UTF-8",
                                   value=exc.object[exc.start:exc.end])]) from None


@dataclass(frozen=True)
class ConfigProblem(Problem):
    """A problem at a key of a TOML file the user wrote, named by the file and the key's line,
    then the key: ``monthly.toml, line 3: run.outptu: unknown key ...`` (a file name joined to
    the key by a dot would read as part of the key).

    Parameters
    ----------
    line : int, optional
        The key's line in the file (1-based), where it is written there.
    """

    line: Optional[int] = None

    def _where(self) -> str:
        at = f", line {self.line}" if self.line else ""
        key = f": {self.column}" if self.column is not None else ""
        return f"{self.table}{at}{key}"


def located(problems: Sequence[Problem], file: Union[str, "os.PathLike[str]"]) -> List[Problem]:
    """``problems`` with those at a key of ``file`` (their ``table``) as :class:`ConfigProblem`,
    each with the key's line in the file where it is written there.

    Parameters
    ----------
    problems : sequence of Problem
        Problems found in the file (others are kept as they are).
    file : str or path-like
        The TOML file, as the problems name it.

    Returns
    -------
    list of Problem
    """
    name = str(file)
    lines: Optional[List[str]] = None
    out: List[Problem] = []
    for p in problems:
        if p.table != name or isinstance(p, ConfigProblem):
            out.append(p)
            continue
        if lines is None:
            try:
                lines = Path(name).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError, ValueError):
                lines = []
        out.append(ConfigProblem(p.table, p.column, p.message, rows=p.rows, n_rows=p.n_rows, value=p.value,
                                 fix=p.fix, line=key_line(lines, p.column) if p.column else None))
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*(?P<path>[^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>(?:[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
                  r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'))*)\s*=")
_PART = re.compile(r"[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'")
_INDEX = re.compile(r"^(?P<name>.*?)\[(?P<i>\d+)\]$")


def _parts(dotted: str) -> List[str]:
    """The names of a TOML dotted key (``a."b.c".d``), unquoted."""
    return [p[1:-1] if p[:1] in "\"'" else p for p in _PART.findall(dotted)]


def key_line(lines: Sequence[str], key: str) -> Optional[int]:
    """The 1-based line of ``key`` (``run.outptu``, ``scenarios[1].name``) in a TOML file's lines,
    found under its table header: the first line that writes the key (as a key, a dotted key or
    a table header) or, for a key inside an inline table or array, the line of the key that
    holds it. None where the key is not written (a missing key).

    Parameters
    ----------
    lines : sequence of str
        The file's lines.
    key : str
        The dotted key, with ``[i]`` for the i-th item of an array (from 0).

    Returns
    -------
    int or None
    """
    want = key.split(".")
    header: List[str] = []
    arrays: Dict[tuple, int] = {}
    best, best_len = None, 0
    depth, in_string = 0, None
    for number, line in enumerate(lines, start=1):
        if in_string:                       # inside a multi-line string: no keys there
            if line.count(in_string) % 2:
                in_string = None
            continue
        if depth > 0:                       # inside a value written over several lines
            depth += _opened(line)
            continue
        key_match = _KEY.match(line)
        header_match = None if key_match else _HEADER.match(line)
        if header_match:
            header = _parts(header_match["path"])
            if line.lstrip().startswith("[["):   # the i-th table of an array of tables
                i = arrays[tuple(header)] = arrays.get(tuple(header), -1) + 1
                header = header[:-1] + [f"{header[-1]}[{i}]"]
            if _leads_to(header, want):
                return number               # the key is the table, or holds it
            continue
        if not key_match:
            continue
        path = header + _parts(key_match["key"])
        value = line[key_match.end():]
        for quote in ('"""', "'''"):
            if value.count(quote) % 2:
                in_string = quote
        if not in_string:
            depth = _opened(value)
        if _leads_to(path, want):
            return number                   # the key, or a dotted key inside it
        n = _matched(path, want)
        if n > best_len:                    # the key holds the one wanted in its value
            best, best_len = number, n
    return best


def _leads_to(path: Sequence[str], want: Sequence[str]) -> bool:
    """Whether ``path`` is ``want`` or a key inside it (``scenarios[0]`` is inside ``scenarios``)."""
    if len(path) < len(want):
        return False
    for have, wanted in zip(path, want):
        m = _INDEX.match(have)
        if have != wanted and not (m and m["name"] == wanted):
            return False
    return True


def _matched(path: Sequence[str], want: Sequence[str]) -> int:
    """``len(path)`` when ``path`` leads to ``want``, else 0. The last name of ``path``
    without an index stands for any item of its array (``changes`` for ``changes[1]``)."""
    if not path or len(path) > len(want):
        return 0
    for k, (have, wanted) in enumerate(zip(path, want)):
        if have == wanted:
            continue
        m = _INDEX.match(wanted)
        if k == len(path) - 1 and m and m["name"] == have:
            continue
        return 0
    return len(path)


_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")


def _opened(text: str) -> int:
    """Brackets and braces opened less those closed in a line of a value (strings and comments
    left out): above 0, the value goes on to the next lines."""
    text = _STRING.sub("", text).split("#", 1)[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")
