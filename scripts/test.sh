#!/usr/bin/env bash
# The whole test suite. Sections, in order:
#   1. system packages the tests need (apt-get: GoogleTest, PostgreSQL, Chromium)
#   2. build tools (the same ones pip install . uses)
#   3. C++: the core and GoogleTest (no Python), warnings as errors, run by ctest
#   4. Python, source build: pip install into this environment with the newest pandas 2,
#      peers in their own environments, pytest (every test but the slow statistical ones)
#   5. Python, Linux wheel: built, repaired by auditwheel, installed into a fresh venv with
#      pandas 3 and no compiler on the PATH, pytest again: every test and notebook
#      (scripts/test-wheel.sh)
# Extra arguments go to both pytest runs. CI (.ci/run) runs exactly this script.
# JOBS (default 2) is both the compiler's jobs and pytest's workers (pytest-xdist, a test
# file per worker so that a file's fixtures are built once).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
jobs="${JOBS:-2}"
start=$(date +%s)
elapsed() { echo "   ($(( $(date +%s) - start )) s since the start)"; }
trap elapsed EXIT
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
build=build/ci  # one build directory for every step: the core is compiled once

# -- 1. system packages -----------------------------------------------------------------
need_apt=()
ls /usr/lib/*/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 || ls /usr/lib/cmake/GTest/GTestConfig.cmake >/dev/null 2>&1 || need_apt+=(libgtest-dev)
command -v pg_ctlcluster >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# R's forecast package: the reference for AutoETS (comparisons only, never a runtime dependency)
Rscript -e 'library(forecast)' >/dev/null 2>&1 || need_apt+=(r-base-core r-cran-forecast)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# -- 2. build tools ---------------------------------------------------------------------
echo "== build tools (the same ones pip install . uses)"
"$python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$python" -m pip install -q "scikit-build-core>=0.10" "pybind11>=3.0" cmeel-eigen cmeel-boost ninja "cmake>=3.18"
prefix=$("$python" -c "import sys, os; print(';'.join(p for p in sys.path if os.path.isdir(os.path.join(p, 'cmeel.prefix'))))")

# -- 3. C++ -----------------------------------------------------------------------------
# First the core and GoogleTest alone (no Python); pip later adds the _core module to the
# same tree (no build isolation, same compiler flags).
echo "== C++ core and GoogleTest (no Python, warnings are errors)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DEARLYHELP_BUILD_PYTHON=OFF -DEARLYHELP_BUILD_TESTS=ON -DEARLYHELP_WERROR=ON >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
elapsed

# -- sanitizers: the C++ tests under ASan + UBSan ----------------------------------------
echo "== C++ core and GoogleTest under AddressSanitizer and UndefinedBehaviorSanitizer"
PYTHON="$python" JOBS="$jobs" scripts/test-sanitizers.sh build/sanitize
elapsed

# -- 4. Python: source build, newest pandas 2 -------------------------------------------
echo "== pip install .[test] with the newest pandas 2"
"$python" -m pip install -q --no-build-isolation -C build-dir="$build" \
  -C cmake.define.EARLYHELP_BUILD_TESTS=ON -C cmake.define.EARLYHELP_WERROR=ON \
  -C cmake.define.CMAKE_PREFIX_PATH="$prefix" ".[test]" "pandas>=2,<3"

# -- fuzz: every public entry point into the C++ core ------------------------------------
echo "== fuzz: every public entry point into the C++ core (hypothesis, each probe in a child process)"
# Derandomised with a fixed budget per entry point: a crash, a hang or an exception other
# than ValueError fails the run with the input that caused it.
(cd tests && ../scripts/run-pytest.sh "$python" -q -p no:cacheprovider fuzz)

# Peers that cannot share an environment with us get their own (both pytest runs use them).
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
elapsed
# --- end documentation site -----------------------------------------------------

echo "== pytest: source build, pandas $("$python" -c 'import pandas; print(pandas.__version__)')"
# PostgreSQL and Chromium were installed above: a missing one fails the run, never skips.
export EARLYHELP_REQUIRE_SERVICES=1
# The installed package; fuzz ran above, and so did every notebook (the docs build, against
# this same install): the wheel's run below runs them again, under pandas 3, and runs the slow
# statistical checks (marked simulation) and the exhaustive attacks on packs (marked exhaustive),
# whose outcomes do not depend on the pandas version.
(cd tests && ../scripts/run-pytest.sh "$python" -q -p no:cacheprovider -n "$jobs" --dist loadfile --ignore=fuzz \
  --deselect tests/test_notebooks.py::test_notebook_runs -m "not simulation and not exhaustive" "$@")
PYTHON="$python" scripts/check-stubs.sh  # stubs of earlyhelp._core against the installed module
elapsed

# -- 5. Python: the Linux wheel, pandas 3, no compiler ----------------------------------
PYTHON="$python" JOBS="$jobs" CMAKE_PREFIX="$prefix" scripts/test-wheel.sh "$build" "$@"
