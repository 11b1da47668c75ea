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
# The default target directory is shared with native builds on purpose: the
# Windows artifacts go to target/x86_64-pc-windows-gnu/, and host-side ones
# (proc macros) are reused.
# No wineserver management: the first test binary starts one, and it lingers
# for 3 s after its last client, long enough for cargo to start the next
# binary. Killing it here would also kill other Wine programs of the prefix.

# Through a pipe: Wine writes to a regular file at its own offset (pwrite),
# so when stdout is a log file shared with cargo, the test binaries' lines and
# cargo's overwrite each other. A pipe keeps them whole and in order.
cargo test -p named-shm --target x86_64-pc-windows-gnu "$@" 2>&1 | cat
