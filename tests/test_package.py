import earlyhelp
import numpy as np
import pytest
from earlyhelp import _core


def test_core_version_matches_package():
    assert _core.__version__ == earlyhelp.__version__


def test_core_input_error_is_a_value_error():
    assert issubclass(_core.CoreInputError, ValueError)


def test_core_input_error_is_a_validation_error_naming_where():
    from earlyhelp._native import naming

    assert issubclass(_core.CoreInputError, earlyhelp.ValidationError)
    with pytest.raises(earlyhelp.ValidationError, match="preset must be one of") as err:
        _core.synthetic.generate("nowhere", 0, 10)
    assert err.value.message.startswith("preset must be one of")
    with pytest.raises(_core.CoreInputError) as err, naming("edges", "src"):
        _core.network.Graph(np.array([0, 5]), np.array([1, 1]), None, False, 3)
    problem = err.value.problems[0]
    assert (problem.table, problem.column) == ("edges", "src") and "out of range" in problem.message


def test_version_comes_from_the_build_once():
    import re
    from pathlib import Path

    cmake = (Path(__file__).resolve().parents[1] / "CMakeLists.txt").read_text()
    assert re.search(r"project\(earlyhelp VERSION ([0-9.]+)", cmake).group(1) == earlyhelp.__version__
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert "\nversion =" not in pyproject and '"version"' in pyproject  # dynamic, read from CMakeLists.txt


def test_progress_adapter_shows_on_a_terminal_only(monkeypatch):
    from earlyhelp import _native

    monkeypatch.delenv("EARLYHELP_NO_PROGRESS", raising=False)
    monkeypatch.setattr(_native.sys.stderr, "isatty", lambda: True, raising=False)
    with _native.progress("work") as callback:
        assert callback is not None
        callback(3, 10)
        callback(10, 10)
    with _native.progress("work", show=False) as callback:
        assert callback is None
    monkeypatch.setenv("EARLYHELP_NO_PROGRESS", "1")
    with _native.progress("work") as callback:
        assert callback is None


def test_validation_error_lists_every_problem():
    err = earlyhelp.ValidationError([
        earlyhelp.Problem("episodes", "end_date", "end_date is before start_date", ["E1"], 1, "2020-01-01"),
        earlyhelp.Problem("persons", "sex", "not in the code list", ["P9"], 1, "Q"),
    ])
    text = str(err)
    assert "2 problems" in text and "episodes.end_date" in text and "persons.sex" in text
    assert isinstance(err, ValueError)


def test_only_the_bridge_imports_the_compiled_core():
    """Modules reach C++ through earlyhelp._native, never by importing _core themselves."""
    import ast
    from pathlib import Path

    package = Path(earlyhelp.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        if path.name == "_native.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(name == "_core" or name.endswith("._core") or name.startswith("_core.") for name in names):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
