"""Fixtures for the CLI tests: a throwaway PostgreSQL server, small datasets."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import service_missing

REPO = Path(__file__).resolve().parents[2]
POSTGRES_SCRIPT = REPO / "scripts" / "postgres.sh"


def _postgres_installed() -> bool:
    return bool(shutil.which("pg_config") or list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL URL: $EARLYHELP_TEST_POSTGRES_URL, or a server started for this session.

    Skips when neither is available, unless the run requires it (see cli_helpers.service_missing).
    """
    url = os.environ.get("EARLYHELP_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if not POSTGRES_SCRIPT.exists() or not _postgres_installed():
        service_missing("PostgreSQL binaries not installed and EARLYHELP_TEST_POSTGRES_URL not set")
    started = subprocess.run(["bash", str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        service_missing(f"could not start PostgreSQL: {started.stderr[-2000:]}")
    url = started.stdout.strip().splitlines()[-1]
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    try:
        yield url
    finally:
        subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", port], capture_output=True, timeout=120)
