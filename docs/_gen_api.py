"""Write the API reference pages (``docs/api/``) from the packages' public names.

Every public package of earlyhelp (``earlyhelp`` itself and each ``earlyhelp.<name>``
whose name does not start with ``_``, found on disk) gets one page listing its public
names: the package's ``__all__`` when it has one, otherwise the classes and functions
it defines; a package that defines none (its names live in submodules) lists each
public submodule in turn. A new package joins the reference when it exists; nothing
here names it. Each object is documented once, under the first package that lists it.

Usage: ``conf.py`` calls :func:`write_pages` before Sphinx reads the sources;
``python docs/_gen_api.py`` prints what would be listed.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Optional, Tuple

ROOT_PACKAGE = "earlyhelp"
# The command line has its own page (cli.md), generated from the click commands.
NOT_API = {"earlyhelp.cli"}


@dataclass
class Section:
    """One module's public names, split by what they are."""

    module: str
    classes: List[str] = field(default_factory=list)
    functions: List[str] = field(default_factory=list)
    data: List[str] = field(default_factory=list)
    modules: List[str] = field(default_factory=list)

    def names(self) -> List[str]:
        return self.classes + self.functions + self.data + self.modules


def public_packages() -> List[str]:
    """``earlyhelp`` and its public subpackages and modules, as found on disk."""
    root = importlib.import_module(ROOT_PACKAGE)
    found = [ROOT_PACKAGE]
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        name = f"{ROOT_PACKAGE}.{info.name}"
        if not info.name.startswith("_") and name not in NOT_API:
            found.append(name)
    return found


def _declared(module: ModuleType) -> Optional[List[str]]:
    names = getattr(module, "__all__", None)
    return None if names is None else [str(n) for n in names]


def _defined(module: ModuleType) -> List[str]:
    """Public classes and functions defined in ``module`` (or its submodules) and its UPPER_CASE constants."""
    out = []
    own = _own_constants(module)
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            home = getattr(value, "__module__", "") or ""
            own_name = getattr(value, "__name__", name) == name  # not an alias such as C = Column
            if own_name and (home == module.__name__ or home.startswith(module.__name__ + ".")):
                out.append(name)
        elif name in own:
            out.append(name)
    return sorted(out)


def _own_constants(module: ModuleType) -> set:
    """UPPER_CASE names assigned in the module's source, or (for a package) imported from its submodules."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and node.level == 1 and hasattr(module, "__path__"):
            names |= {alias.asname or alias.name for alias in node.names}
    return {n for n in names if n.isupper()}


def _submodules(module: ModuleType) -> List[str]:
    if not hasattr(module, "__path__"):
        return []
    return [f"{module.__name__}.{i.name}" for i in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name)
            if not i.name.startswith("_")]


def sections(package: str, seen: Dict[int, str]) -> List[Section]:
    """The sections of one package's page; ``seen`` maps id(object) to where it is documented."""
    module = importlib.import_module(package)
    names = _declared(module)
    if names is None:
        names = _defined(module)
    if not names:
        out: List[Section] = []
        for sub in _submodules(module):
            out += sections(sub, seen)
        return out
    section = Section(package)
    for name in names:
        value = getattr(module, name)
        if inspect.ismodule(value):
            section.modules.append(value.__name__)
            continue
        if (inspect.isclass(value) or inspect.isfunction(value)) and id(value) in seen:
            continue  # documented under the package that lists it first
        seen[id(value)] = f"{package}.{name}"
        if inspect.isclass(value):
            section.classes.append(name)
        elif callable(value):
            section.functions.append(name)
        else:
            section.data.append(name)
    out = [section] if section.classes or section.functions or section.data else []
    for sub in section.modules:  # modules a package lists get their own sections
        out += sections(sub, seen)
    return out


def _title(text: str, char: str) -> List[str]:
    return [text, char * len(text), ""]


def _autosummary(module: str, names: List[str]) -> List[str]:
    return [f".. currentmodule:: {module}", "", ".. autosummary::", "   :toctree: generated/", "   :nosignatures:",
            ""] + [f"   {n}" for n in names] + [""]


def page(package: str, parts: List[Section]) -> str:
    """The reST source of one package's reference page."""
    lines = _title(f"``{package}``", "=")
    lines += [f".. automodule:: {package}", "   :no-members:", ""]
    for part in parts:
        if part.module != package:
            lines += _title(f"``{part.module}``", "-")
            lines += [f".. automodule:: {part.module}", "   :no-members:", ""]
        for heading, names in (("Classes", part.classes), ("Functions", part.functions), ("Constants", part.data)):
            if names:
                lines += [f".. rubric:: {heading}", ""] + _autosummary(part.module, names)
    return "\n".join(lines)


def listing() -> List[Tuple[str, List[Section]]]:
    seen: Dict[int, str] = {}
    return [(package, sections(package, seen)) for package in public_packages()]


def write_pages(folder: Path) -> List[str]:
    """Write one page per public package and an index; return the page names.

    Pages and autosummary stubs of names that no longer exist are removed, so a rename
    never leaves an orphan page behind (an orphan is a warning, and warnings fail the build).
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "generated", ignore_errors=True)
    pages = []
    for package, parts in listing():
        text = page(package, parts)
        target = folder / f"{package}.rst"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")  # unchanged pages keep their time: faster rebuilds
        pages.append(package)
    index = _title("API reference", "=") + [
        "Every public name of each package, generated from the docstrings. Types and defaults",
        "are those of the signatures; the numpydoc sections say what each parameter means.", "",
        ".. toctree::", "   :maxdepth: 1", ""] + [f"   {p}" for p in pages] + [""]
    for old in folder.glob("*.rst"):
        if old.stem not in pages and old.name != "index.rst":
            old.unlink()
    text = "\n".join(index)
    target = folder / "index.rst"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return pages


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
    for package, parts in listing():
        print(package)
        for part in parts:
            print(f"  {part.module}: {', '.join(part.names())}")
