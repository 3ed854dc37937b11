"""Exceptions raised by earlyhelp."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

FIX_FORMS = ("python", "toml")


@dataclass(frozen=True)
class CodeMapFix:
    """How to map local codes to earlyhelp's, given in the form the user writes it.

    ``python()`` is the ``code_map=`` argument of :func:`earlyhelp.read_dataset` and
    :meth:`earlyhelp.Dataset.from_frames`; ``toml()`` is the ``[source.code_map]`` table of a
    run config. Each local value maps to ``"?"``: the user puts one of ``allowed`` there.
    """

    table: str
    column: str
    values: Sequence[str]
    allowed: Sequence[str] = ()

    def python(self) -> str:
        mapping: Dict[str, str] = {v: "?" for v in self.values}
        return (f"replace each '?' with an earlyhelp code: code_map={{{self.table!r}: {{{self.column!r}: "
                f"{mapping!r}}}}} (or unknown_codes='keep' to load them as 'unknown')")

    def toml(self) -> str:
        lines = ["add to the config file, replacing each \"?\" with an earlyhelp code:",
                 f"[source.code_map.{self.table}.{self.column}]"]
        lines += [f"{json.dumps(str(v), ensure_ascii=False)} = \"?\"" for v in self.values]
        return "\n".join(lines)

    def render(self, form: str) -> Optional[str]:
        return self.toml() if form == "toml" else self.python()


@dataclass(frozen=True)
class PythonOnlyFix:
    """A fix that only exists as a Python argument (no config key): shown to Python users only."""

    text: str

    def render(self, form: str) -> Optional[str]:
        return self.text if form == "python" else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was wrong.

    Parameters
    ----------
    table, column : str
        Where the problem is (column may be None for table-level problems).
    rows : sequence
        Ids (or 0-based row numbers when there is no key) of the offending rows; at most
        the first 10 are kept.
    n_rows : int, default 0
        How many offending rows there were.
    message : str
        What was wrong, in words a user can act on.
    value : object, optional
        An example offending value.
    fix : object, optional
        How to fix it (a code-map or Python fix), rendered per audience by :meth:`format`.
    """

    table: str
    column: Optional[str]
    message: str
    rows: Sequence[Any] = field(default_factory=tuple)
    n_rows: int = 0
    value: Any = None
    fix: Any = None  # a CodeMapFix / PythonOnlyFix: how to fix it, rendered per audience

    def __str__(self) -> str:
        return self.format("python")

    def _where(self) -> str:
        """Where the problem is: ``table.column`` (the table alone when no column)."""
        return self.table if self.column is None else f"{self.table}.{self.column}"

    def format(self, fixes: str = "python") -> str:
        """The problem as text, with its fix in the user's form: ``"python"`` or ``"toml"`` (a config file).

        Parameters
        ----------
        fixes : str, default "python"
            The form of the fix: ``"python"`` or ``"toml"``.

        Returns
        -------
        str
        """
        text = f"{self._where()}: {self.message}"
        if self.n_rows:
            shown = ", ".join(str(r) for r in list(self.rows)[:10])
            more = f" and {self.n_rows - 10} more" if self.n_rows > 10 else ""
            text += f" (rows {shown}{more})"
        if self.value is not None:
            text += f" [value: {self.value!r}]"
        fix = self.fix.render(fixes) if self.fix is not None else None
        if fix:
            text += "\n    fix: " + fix.replace("\n", "\n      ")
        return text


class ValidationError(ValueError):
    """Bad input data or configuration.

    ``problems`` lists every problem found, not just the first.

    Parameters
    ----------
    problems : Problem, str or sequence of Problem
        every problem found; a string is one problem in ``table``/``column``.
    table : str, optional
        the table a string problem is in (default ``"input"``).
    column : str, optional
        the column a string problem is in.
    """

    def __init__(self, problems: "Problem | str | Sequence[Problem]", *, table: Optional[str] = None,
                 column: Optional[str] = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(table or "input", column, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: List[Problem] = list(problems)
        super().__init__(self.format("python"))

    def format(self, fixes: str = "python") -> str:
        """Every problem, one per line, with fixes as Python arguments or as config-file TOML."""
        if fixes not in FIX_FORMS:
            raise ValueError(f"fixes must be one of {FIX_FORMS}, not {fixes!r}")
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found:"] + [f"  - {p.format(fixes)}" for p in self.problems]
        return "\n".join(lines)


class ConfigError(ValidationError):
    """A bad configuration (TOML file, parameters).

    Parameters
    ----------
    problems : Problem, str or sequence of Problem
        every problem found; a string is one problem in ``table``/``column``.
    table : str, optional
        where a string problem is (the config section).
    column : str, optional
        the key a string problem is about.
    """


class CoreInputError(ValidationError):
    """Bad input found by the compiled core (``earlyhelp._core``).

    The core checks its own inputs and raises this with a message saying what was
    wrong; :func:`earlyhelp._native.naming` relabels it with the table and column
    the caller knows it came from. Being a :class:`ValidationError`, it is handled
    like every other input error (the CLI exits 2).

    Parameters
    ----------
    message : str
        what was wrong.
    table : str, default "input"
        the table the input came from.
    column : str, optional
        the column it came from.
    """

    def __init__(self, message: str, *, table: str = "input", column: Optional[str] = None) -> None:
        self.message = message
        super().__init__(Problem(table, column, message))
