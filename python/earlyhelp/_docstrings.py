"""Docstring sections shared by many public calls, written once (as pandas' ``@doc``).

A line holding only ``{name}`` in a docstring is replaced by the section ``name``, indented as
the marker is.
"""
from __future__ import annotations

import re
from typing import Callable, TypeVar

T = TypeVar("T")

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>\w+)\}[ \t]*$", re.MULTILINE)


def with_sections(**sections: str) -> Callable[[T], T]:
    """Decorator filling the ``{name}`` lines of a docstring with ``sections[name]``.

    Parameters
    ----------
    **sections : str
        Section text by marker name; continuation lines are indented relative to the first.

    Returns
    -------
    callable
        The decorator; it returns the object it decorates, docstring filled.
    """
    def fill(match: "re.Match[str]") -> str:
        indent = match.group("indent")
        text = sections[match.group("name")]
        return "\n".join(indent + line if line else line for line in text.splitlines())

    def apply(obj: T) -> T:
        if obj.__doc__:
            obj.__doc__ = _MARKER.sub(fill, obj.__doc__)
        return obj

    return apply
