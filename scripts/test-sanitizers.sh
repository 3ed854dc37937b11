#!/usr/bin/env bash
# The C++ core and its GoogleTests built with AddressSanitizer and
# UndefinedBehaviorSanitizer, then run: any invalid access, leak or undefined
# behaviour fails the run. Called by scripts/test.sh; needs GoogleTest and the
# build tools that scripts/test.sh installs first.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
jobs="${JOBS:-2}"
build="${1:-build/sanitize}"
prefix=$("$python" -c "import sys, os; print(';'.join(p for p in sys.path if os.path.isdir(os.path.join(p, 'cmeel.prefix'))))")
# -O1 keeps the instrumented build and its run short; the checks do not depend on it. -g1
# (line tables only) gives reports their files and lines at two thirds of -g's compile time.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DCMAKE_PREFIX_PATH="$prefix" -DEARLYHELP_BUILD_PYTHON=OFF -DEARLYHELP_BUILD_TESTS=ON \
  -DEARLYHELP_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
