"""Exceptions raised by earlyhelp."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence


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
    """

    table: str
    column: Optional[str]
    message: str
    rows: Sequence[Any] = field(default_factory=tuple)
    n_rows: int = 0
    value: Any = None

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        text = f"{where}: {self.message}"
        if self.n_rows:
            shown = ", ".join(str(r) for r in list(self.rows)[:10])
            more = f" and {self.n_rows - 10} more" if self.n_rows > 10 else ""
            text += f" (rows {shown}{more})"
        if self.value is not None:
            text += f" [value: {self.value!r}]"
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
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found:"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


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
