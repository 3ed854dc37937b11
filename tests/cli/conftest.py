"""Fixtures for the CLI tests: a throwaway PostgreSQL server, small datasets."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
POSTGRES_SCRIPT = REPO / "scripts" / "postgres.sh"


def _postgres_installed() -> bool:
    return bool(shutil.which("pg_config") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL URL: $EARLYHELP_TEST_POSTGRES_URL, or a server started for this session.

    Skips when neither is available, except in CI (CI=true), where it fails instead.
    """
    url = os.environ.get("EARLYHELP_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not POSTGRES_SCRIPT.exists() or not (_postgres_installed() or in_ci):
        if in_ci:
            pytest.fail("PostgreSQL is not available in CI: install it or set EARLYHELP_TEST_POSTGRES_URL")
        pytest.skip("PostgreSQL binaries not installed and EARLYHELP_TEST_POSTGRES_URL not set")
    started = subprocess.run(["bash", str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        message = f"could not start PostgreSQL: {started.stderr[-2000:]}"
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)
    url = started.stdout.strip().splitlines()[-1]
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    try:
        yield url
    finally:
        subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", port], capture_output=True, timeout=120)
