#!/usr/bin/env bash
# Checks the hand-kept stubs of the compiled module (python/earlyhelp/_core/*.pyi)
# against the module itself: names with mypy's stubtest, parameters with
# check_stub_signatures.py (stubtest cannot read pybind11 signatures); then
# type-checks the stubs and earlyhelp/_native.py, the one module that imports the core.
# The module is imported from wherever Python finds earlyhelp (the installed
# package, or PYTHONPATH=python after scripts/dev-build.sh); the stubs always
# come from this source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
export MYPYPATH="$PWD/python"
"$python" -m mypy.stubtest earlyhelp._core --mypy-config-file scripts/mypy-stubs.ini \
  --allowlist scripts/stubtest-allowlist.txt
"$python" -m mypy --config-file scripts/mypy-stubs.ini -p earlyhelp._core -m earlyhelp._native
"$python" scripts/check_stub_signatures.py
