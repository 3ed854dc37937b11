"""Lazy exports: a package names what it offers, and each name is imported from its
submodule on first use, so that importing earlyhelp (or one of its packages) stays fast."""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any, Callable, Dict, List, Tuple


class _LazyPackage(types.ModuleType):
    """A package whose exported names win over its submodules of the same name.

    Importing a submodule binds it to the package attribute of its name (``forecast.accuracy``
    the module); where the package exports a function of that name (``forecast.accuracy`` the
    function), the function is bound instead, whatever was imported first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        exports = self.__dict__.get("_lazy_exports", {})
        sub = exports.get(name)
        if sub and isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{sub}":
            value = getattr(value, name, value)
        super().__setattr__(name, value)


def lazy_exports(package: str, exports: Dict[str, str]) -> Tuple[List[str], Callable[[str], Any], Callable[[], List[str]]]:
    """``__all__``, ``__getattr__`` and ``__dir__`` for ``package``.

    ``exports`` maps a public name to the submodule defining it; a name mapped to
    ``""`` is the submodule of that name itself.
    """
    names = sorted(exports)
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    module._lazy_exports = dict(exports)

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
