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

echo "== C++ core and GoogleTest under AddressSanitizer and UndefinedBehaviorSanitizer"
PYTHON="$python" JOBS="$jobs" scripts/test-sanitizers.sh build/sanitize

echo "== pip install .[test]"
"$python" -m pip install -q --no-build-isolation -C build-dir="$build" \
  -C cmake.define.EARLYHELP_BUILD_TESTS=ON -C cmake.define.CMAKE_PREFIX_PATH="$prefix" ".[test]"

echo "== fuzz: every public entry point into the C++ core (hypothesis, each probe in a child process)"
# Derandomised with a fixed budget per entry point: a crash, a hang or an exception other
# than ValueError fails the run with the input that caused it.
(cd tests && "$python" -m pytest -q -p no:cacheprovider fuzz)

echo "== pytest (Python tests and notebooks)"
# PostgreSQL and Chromium were installed above: a missing one fails the run, never skips.
export EARLYHELP_REQUIRE_SERVICES=1
cd tests  # import the installed package, not the source tree
"$python" -m pytest -q -p no:cacheprovider --ignore=fuzz "$@"   # fuzz ran in its own section above
