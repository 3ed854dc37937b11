"""Check the parameters in the stubs of earlyhelp._core against the compiled module.

stubtest checks that every name exists on both sides, but cannot read the
signature of a pybind11 function (it has none that ``inspect`` understands).
pybind11 writes it as the first line of the docstring instead,
``name(arg: type, other: type = default) -> result``; this compares the
parameter names, their order and which have defaults with the stubs.

Usage: python scripts/check_stub_signatures.py [stub folder]   (default python/earlyhelp/_core)
"""
from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

Params = List[Tuple[str, bool]]  # (name, has a default)


def split_top_level(text: str) -> List[str]:
    """Split at commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:])
    return [p.strip() for p in parts]


def runtime_params(obj: Any, name: str) -> Optional[List[Params]]:
    """The parameters of each overload, from pybind11's docstring; None when it has none."""
    doc = getattr(obj, "__doc__", None) or ""
    signatures = re.findall(rf"^(?:\d+\. )?{re.escape(name)}\((.*)\) -> .*$", doc, flags=re.MULTILINE)
    if not signatures:
        return None
    overloads = []
    for inside in signatures:
        params = []
        for part in split_top_level(inside):
            if part in ("*", "/"):
                continue
            head, _, _ = part.partition(":")
            params.append((head.strip().lstrip("*"), re.search(r"\s=\s", part) is not None))
        overloads.append([p for p in params if p[0] != "self"])
    return overloads


def stub_params(fn: ast.FunctionDef) -> Params:
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    params = [(a.arg, d) for a, d in zip(positional, defaults)]
    params += [(a.arg, d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return [p for p in params if p[0] != "self"]


def stub_functions(tree: ast.Module) -> Iterator[Tuple[List[str], ast.FunctionDef]]:
    """(path of names, function) for module functions and class methods, properties left out."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield [node.name], node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                decorators = {getattr(d, "id", getattr(d, "attr", "")) for d in item.decorator_list} \
                    if isinstance(item, ast.FunctionDef) else set()
                if isinstance(item, ast.FunctionDef) and "property" not in decorators:
                    yield [node.name, item.name], item


def check(stub_dir: Path) -> List[str]:
    problems = []
    for stub in sorted(stub_dir.glob("*.pyi")):
        module_name = "earlyhelp._core" + ("" if stub.stem == "__init__" else f".{stub.stem}")
        module = importlib.import_module(module_name)
        for path, fn in stub_functions(ast.parse(stub.read_text())):
            obj: Any = module
            for part in path:
                obj = getattr(obj, part, None)
            where = f"{module_name}.{'.'.join(path)}"
            if obj is None and path[0].startswith("_") and not hasattr(module, path[0]):
                continue  # a stub-only private base (the enums' shared methods), as stubtest allows
            if obj is None:
                problems.append(f"{where}: in the stub but not in the module")
                continue
            overloads = runtime_params(obj, path[-1])
            if overloads is None:
                continue  # not a pybind11 function (e.g. a Python class's method)
            ours = stub_params(fn)
            if ours not in overloads:
                problems.append(f"{where}: stub has {ours}, module has {' or '.join(map(str, overloads))}")
    return problems


def main(argv: List[str]) -> int:
    stub_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "python/earlyhelp/_core"
    problems = check(stub_dir)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} signature mismatches between the stubs and earlyhelp._core")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
