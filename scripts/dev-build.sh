#!/usr/bin/env bash
# Incremental development build: compiles the core, the _core module (placed
# next to the Python sources, so PYTHONPATH=python works) and the C++ tests.
# Usage: scripts/dev-build.sh [build-dir]   (default build/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/dev}"
python="${PYTHON:-python3}"
prefix=$("$python" -c "import sys, os; print(';'.join(p for p in sys.path if os.path.isdir(os.path.join(p, 'cmeel.prefix'))))")
pybind=$("$python" -m pybind11 --cmakedir)
gtest=OFF
if [ -f /usr/lib/x86_64-linux-gnu/cmake/GTest/GTestConfig.cmake ] || [ -f /usr/lib/cmake/GTest/GTestConfig.cmake ] || ls /usr/lib/*/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1; then gtest=ON; fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -Dpybind11_DIR="$pybind" \
  -DPython_EXECUTABLE="$(command -v "$python")" \
  -DEARLYHELP_BUILD_PYTHON=ON -DEARLYHELP_BUILD_TESTS="$gtest" \
  -DEARLYHELP_DEV_OUTPUT="$PWD/python/earlyhelp" >/dev/null
cmake --build "$build" -j "${JOBS:-2}"
