"""The API reference lists every public name of every public earlyhelp package, found by itself."""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

import earlyhelp

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("_gen_api", ROOT / "docs" / "_gen_api.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _listed(gen):
    return {f"{part.module}.{name}" for _, parts in gen.listing() for part in parts for name in part.names()}


def test_every_name_in_every_public_all_is_listed_once():
    gen = _generator()
    listed = _listed(gen)
    packages = gen.public_packages()
    assert {"earlyhelp", "earlyhelp.synthetic", "earlyhelp.network", "earlyhelp.risk", "earlyhelp.forecast",
            "earlyhelp.report"} <= set(packages)
    assert "earlyhelp.cli" not in packages and not any(p.split(".")[-1].startswith("_") for p in packages)
    for package in packages:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if inspect.ismodule(value):
                continue
            same = [n for n in listed if n.rsplit(".", 1)[-1] == name]
            assert same, f"{package}.{name} is not in the API reference"


def test_a_package_without_all_lists_what_it_defines():
    gen = _generator()
    listed = _listed(gen)
    assert "earlyhelp.risk.LogisticRiskModel" in listed           # risk re-exports from its modules
    assert "earlyhelp.report.suppression.suppress" in listed      # report's names live in its modules
    assert "earlyhelp.data.schema.Column" in listed and "earlyhelp.data.schema.C" not in listed


def test_a_new_package_joins_without_naming_it(tmp_path, monkeypatch):
    package = tmp_path / "newmodule"
    package.mkdir()
    (package / "__init__.py").write_text('__all__ = ["count_things"]\n\n\ndef count_things(x):\n    """Count."""\n')
    monkeypatch.setattr(earlyhelp, "__path__", list(earlyhelp.__path__) + [str(tmp_path)])
    try:
        gen = _generator()
        assert "earlyhelp.newmodule" in gen.public_packages()
        assert "earlyhelp.newmodule.count_things" in _listed(gen)
        pages = gen.write_pages(tmp_path / "api")
        assert "earlyhelp.newmodule" in pages
        assert "count_things" in (tmp_path / "api" / "earlyhelp.newmodule.rst").read_text()
        assert "earlyhelp.newmodule" in (tmp_path / "api" / "index.rst").read_text()
    finally:
        sys.modules.pop("earlyhelp.newmodule", None)
