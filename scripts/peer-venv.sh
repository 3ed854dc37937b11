#!/usr/bin/env bash
# Builds the separate virtual environment that runs cs-demand-model, the peer the flow
# module is compared with (it pins pandas<2 and numpy<2, so it cannot share ours).
# Usage: scripts/peer-venv.sh [venv-dir]   (default build/peer-venv); prints the venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-build/peer-venv}"
python="${PEER_PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import cs_demand_model" >/dev/null 2>&1; then
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q "cs-demand-model==0.5.1" "pandas<2" "numpy<2" >&2
fi
echo "$PWD/$venv/bin/python"
