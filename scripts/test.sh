#!/usr/bin/env bash
# The whole test suite: C++ (GoogleTest via ctest, no Python) then Python
# (pytest, including every notebook). Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
jobs="${JOBS:-2}"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"

need_apt=()
ls /usr/lib/*/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 || ls /usr/lib/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 || need_apt+=(libgtest-dev)
command -v pg_ctlcluster >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== build tools (the same ones pip install . uses)"
"$python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$python" -m pip install -q "scikit-build-core>=0.10" "pybind11>=3.0" cmeel-eigen cmeel-boost ninja "cmake>=3.18"

# One build directory serves both steps, so the core is compiled once:
# first the core and GoogleTest alone (no Python), then pip adds the _core
# module to the same tree (no build isolation, same compiler flags).
build=build/ci
echo "== C++ core and GoogleTest (no Python)"
prefix=$("$python" -c "import sys, os; print(';'.join(p for p in sys.path if os.path.isdir(os.path.join(p, 'cmeel.prefix'))))")
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DEARLYHELP_BUILD_PYTHON=OFF -DEARLYHELP_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

echo "== pip install .[test]"
"$python" -m pip install -q --no-build-isolation -C build-dir="$build" \
  -C cmake.define.EARLYHELP_BUILD_TESTS=ON -C cmake.define.CMAKE_PREFIX_PATH="$prefix" ".[test]"

echo "== cs-demand-model in its own environment (the flow module's peer: pandas<2, numpy<2)"
if peer=$(PEER_PYTHON="$python" scripts/peer-venv.sh build/peer-venv); then
  export EARLYHELP_PEER_PYTHON="$peer"
else
  echo "could not build it: the comparison with cs-demand-model will be skipped"
fi

# --- documentation site -------------------------------------------------------
# Builds docs/ with Sphinx, warnings as errors; runs every guide and notebook
# against the earlyhelp installed above.
PYTHON="$python" scripts/build-docs.sh
# --- end documentation site -----------------------------------------------------

echo "== pytest (Python tests and notebooks)"
# PostgreSQL and Chromium were installed above: a missing one fails the run, never skips.
export EARLYHELP_REQUIRE_SERVICES=1
cd tests  # import the installed package, not the source tree
"$python" -m pytest -q -p no:cacheprovider "$@"
