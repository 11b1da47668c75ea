#!/usr/bin/env bash
# The Windows backend (crates/named-shm/src/sys/windows): cross-compiled for
# x86_64-pc-windows-gnu, linted with clippy, and the library's full test
# suite run under Wine (scripts/test-windows.sh). Installs Wine, mingw-w64,
# the rustup target and the ProcessPrng shim first (scripts/setup-wine.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
stamp() { echo "30-windows: $1 ($(( $(date +%s) - start ))s)"; }

bash scripts/setup-wine.sh
stamp "toolchain and Wine ready"

cargo clippy --quiet -p named-shm --target x86_64-pc-windows-gnu --all-targets -- -D warnings
stamp "clippy clean for x86_64-pc-windows-gnu"

bash scripts/test-windows.sh
stamp "test suite passed under Wine"
