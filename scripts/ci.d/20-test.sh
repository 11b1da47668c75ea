#!/usr/bin/env bash
# The README's test command: the whole workspace, natively on Linux.
set -euo pipefail
cargo test --workspace
