#!/usr/bin/env bash
# pytest for the test command: any failure fails, and so does a run that collected no
# tests (pytest's exit code 5), which would otherwise look like a quiet success.
# Usage: scripts/run-pytest.sh <python> [pytest args]
set -uo pipefail
python="${1:?usage: run-pytest.sh <python> [pytest args]}"; shift
"$python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-pytest.sh: pytest collected no tests (exit 5): that is a failure here" >&2
fi
exit "$rc"
