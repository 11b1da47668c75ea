#!/usr/bin/env bash
# named_shm's Python rows for scripts/bench.sh: builds the wheel (maturin,
# release), installs it and posix_ipc (when it builds) into
# target/python-bench-venv, and runs named_shm_bench.py, which appends its
# JSON lines to RESULTS and prints the ratios against multiprocessing and
# against the Rust rows already in RESULTS.
#
#   benchmarks/python/run.sh RESULTS [--quick]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
results=$1
shift
py=${PYTHON:-python3}
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
tools=$target/python-venv
venv=$target/python-bench-venv
if [[ ! -x $tools/bin/maturin ]]; then
  rm -rf "$tools"
  "$py" -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check 'maturin>=1.5,<2' 'pytest>=7'
fi
wheels=$target/wheels-python-bench
rm -rf "$wheels"
"$tools/bin/maturin" build --release --quiet -m crates/named-shm-python/Cargo.toml -o "$wheels" >&2
if [[ ! -x $venv/bin/python ]]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/named_shm-*.whl
if ! "$venv/bin/python" -c 'import posix_ipc' 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check posix_ipc >&2 ||
    echo "benchmarks/python/run.sh: posix_ipc did not install; its row is skipped" >&2
fi
"$venv/bin/python" benchmarks/python/named_shm_bench.py --out "$results" --results "$results" "$@"
