#!/usr/bin/env bash
# Build the documentation site into docs/_build/html with warnings as errors.
# It runs every guide and notebook, so earlyhelp must be importable: installed
# (pip install .), or built in place (scripts/dev-build.sh) and used with --source.
#
#   scripts/build-docs.sh            # the installed earlyhelp
#   scripts/build-docs.sh --source   # the source tree (python/), after scripts/dev-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ "${1:-}" = "--source" ]; then
  export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}"
  shift
fi

echo "== docs requirements (the [docs] extra of pyproject.toml)"
mapfile -t reqs < <("$python" - <<'PY'
try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["docs"]))
PY
)
"$python" -m pip install -q "${reqs[@]}"

if ! (cd docs && "$python" -c "import earlyhelp._core" 2>/dev/null); then
  echo "build-docs: earlyhelp is not importable: run 'pip install .', or scripts/dev-build.sh and then $0 --source" >&2
  exit 1
fi

echo "== sphinx-build (warnings are errors; runs the guides and notebooks)"
start=$(date +%s)
# -E: read every page afresh, so warnings of unchanged pages are never hidden by a cache.
"$python" -m sphinx -W --keep-going -n -E -q -b html docs docs/_build/html "$@"
echo "docs built in $(( $(date +%s) - start )) s: docs/_build/html/index.html"
