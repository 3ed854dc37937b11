"""Lazy exports: a package names what it offers, and each name is imported from its
submodule on first use, so that importing earlyhelp (or one of its packages) stays fast."""
from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Tuple


def lazy_exports(package: str, exports: Dict[str, str]) -> Tuple[List[str], Callable[[str], Any], Callable[[], List[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a public name to the submodule defining it; a name mapped to
    ``""`` is the submodule of that name itself.
    """
    names = sorted(exports)

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f".{exports[name] or name}", package)
        value = module if not exports[name] else getattr(module, name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> List[str]:
        return names

    return names, __getattr__, __dir__
