#!/usr/bin/env bash
# The Python suite: builds the named_shm wheel with maturin (release
# profile: the same build the benchmarks use), installs it into a fresh
# venv, and runs pytest on crates/named-shm-python/tests.
#
#   scripts/test-python.sh [pytest args]
#
# Tools (maturin, pytest) live in target/python-venv; the wheel is tested
# in target/python-test-venv, made anew each run, so what is tested is the
# wheel (and pytest). The cross-language tests use nshm (built here) and
# scripts/wincc (skipped, with the reason, where gcc is missing). Without a
# python3 the suite is skipped with a printed reason and the script exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=${PYTHON:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
  echo "test-python: SKIPPED: no python3 on this machine, so the Python suite cannot run"
  exit 0
fi
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
tools=$target/python-venv
venv=$target/python-test-venv

# venv needs ensurepip (Debian: python3-venv).
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test-python: installing python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  else
    echo "test-python: $py has no venv/ensurepip module (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
fi

if [[ ! -x $tools/bin/maturin || ! -x $tools/bin/pytest ]]; then
  echo "test-python: making $tools (maturin, pytest from PyPI)"
  rm -rf "$tools"
  "$py" -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check 'maturin>=1.5,<2' 'pytest>=7'
fi

echo "test-python: building the wheel (maturin build --release)"
wheels=$target/wheels-python
rm -rf "$wheels"
"$tools/bin/maturin" build --release --quiet -m crates/named-shm-python/Cargo.toml -o "$wheels"
wheel=$(ls "$wheels"/named_shm-*.whl)

echo "test-python: installing $(basename "$wheel") into a fresh venv"
rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "$wheel" 'pytest>=7'

# The other layers, for the cross-language tests.
cargo build -q -p named-shm-cli
export NAMED_SHM_NSHM=$target/debug/nshm
export NAMED_SHM_WINCC=$root/scripts/wincc
export NAMED_SHM_TEST_PYTHON=$venv/bin/python

# A private root for the objects, unless the caller (CI) gave one.
. scripts/lib/private-root.sh pytest

set +e
"$venv/bin/python" -c 'import named_shm' &&
  "$venv/bin/python" -m pytest -p no:cacheprovider -q crates/named-shm-python/tests "$@"
rc=$?
set -e
# pytest's 5 (no test collected) is a failure here.
if [[ $rc == 5 ]]; then
  echo "test-python: pytest collected no test" >&2
  exit 1
fi
exit $rc
