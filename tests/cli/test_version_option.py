"""``earlyhelp --version`` prints the package's version from a source checkout too (PYTHONPATH,
the developer build), where no installed distribution names it: never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from earlyhelp import __version__
from earlyhelp.cli.main import cli


def test_version_from_the_package_itself(monkeypatch):
    from importlib import metadata

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)      # as in a source checkout
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"earlyhelp, version {__version__}"


def test_version_in_a_child_process_from_the_source_folder():
    python = Path(__import__("earlyhelp").__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "earlyhelp.cli.main", "--version"], capture_output=True,
                            text=True, env={"PYTHONPATH": str(python), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout and "Traceback" not in result.stderr
