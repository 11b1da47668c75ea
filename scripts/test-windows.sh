#!/usr/bin/env bash
# Runs the named-shm test suite for x86_64-pc-windows-gnu under Wine: unit
# tests, integration tests (their child processes are Windows processes under
# the same wineserver) and doctests. Installs what it needs first
# (scripts/setup-wine.sh). Extra arguments go to `cargo test`, e.g.
#   scripts/test-windows.sh --test shm_lifetime -- --nocapture
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-wine.sh

export WINEDEBUG=-all
# The runner is set here, not in .cargo/config.toml, so native builds never see it.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
# Keep the Windows build apart from the native one unless the caller chose a directory.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/windows}"

# One wineserver for the whole run: started here, kept alive between the test
# binaries (a new one costs about a second each), stopped at the end.
wineserver -p
trap 'wineserver -k 2>/dev/null || true' EXIT

cargo test -p named-shm --target x86_64-pc-windows-gnu "$@"
