"""Reading the TOML files users write (run configs, code maps), with the problems named."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Union

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
