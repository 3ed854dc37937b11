"""Lazy exports stay what they are whatever order submodules and names are first used in.

Importing a submodule binds its name on the package; a public function named like a
submodule would then turn into that module. Each check runs in a fresh interpreter.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PACKAGES = ("earlyhelp", "earlyhelp.forecast", "earlyhelp.network")

# For ordered pairs (a, b) of steps (import a submodule, use a public name), forget the
# package, take a then b, and check every public name already loaded is still the object
# its defining submodule holds. One subprocess per package; the package is dropped from
# sys.modules between orders so each order starts clean (third-party modules stay loaded).
SCRIPT = textwrap.dedent("""
    import importlib, itertools, pkgutil, sys

    package = sys.argv[1]

    def forget():
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
        if "." in package:
            parent, _, child = package.rpartition(".")
            if parent in sys.modules:
                sys.modules[parent].__dict__.pop(child, None)

    pkg = importlib.import_module(package)
    exports = dict(pkg._EXPORTS) if hasattr(pkg, "_EXPORTS") else {n: "" for n in pkg.__dict__.get("__all__", [])}
    if package == "earlyhelp":
        exports = {n: "" for n in ("synthetic", "network", "risk", "forecast", "report")}
    submodules = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))
    # a public function must never share its name with a submodule
    clash = sorted(n for n, m in exports.items() if m and n != m and n in submodules)
    assert not clash, f"{package}: public names shadowed by submodules: {clash}"

    def expected(name):
        mod = importlib.import_module(f"{package}.{exports[name] or name}")
        return mod if not exports[name] else getattr(mod, name)

    # every submodule against one public name of each defining submodule (and every name
    # spelt like a submodule): both orders of each pair
    seen, names = set(), []
    for n, m in exports.items():
        if (m or n) not in seen or n in submodules or m.lstrip("_") == n:
            seen.add(m or n)
            names.append(n)
    imports = [("import", m) for m in submodules] if package != "earlyhelp" else []
    uses = [("use", n) for n in names]
    orders = [(a, b) for a in imports for b in uses] + [(b, a) for a in imports for b in uses]
    orders += list(itertools.permutations(uses, 2)) if not imports else []
    failures = []
    for a, b in orders:
        forget()
        p = importlib.import_module(package)
        for kind, name in (a, b):
            if kind == "import":
                importlib.import_module(f"{package}.{name}")
            else:
                getattr(p, name)
        for name in exports:
            if f"{package}.{exports[name] or name}" not in sys.modules:
                continue  # not loaded by this order: nothing could shadow it yet
            got = getattr(p, name)
            if got is not expected(name):
                failures.append(f"after {a} then {b}: {package}.{name} is {got!r}")
    assert not failures, "\\n".join(failures[:20]) + f"\\n({len(failures)} failures)"
    print("orders checked:", len(orders))
""")


@pytest.mark.parametrize("package", PACKAGES)
def test_exports_survive_every_import_order(package: str) -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT, package], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "orders checked:" in run.stdout


def test_capacity_stays_callable_after_episode_duration_curve() -> None:
    # the reported case, in a fresh interpreter
    code = ("import earlyhelp.forecast as ef\n"
            "ef.episode_duration_curve\n"
            "assert callable(ef.capacity), type(ef.capacity)\n"
            "ef.select_models\n"
            "assert callable(ef.accuracy), type(ef.accuracy)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
