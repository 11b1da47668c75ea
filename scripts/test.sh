#!/usr/bin/env bash
# Every test: the Rust workspace, then the Python binding's suite (which
# skips, saying so, where no python3 is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
scripts/test-python.sh
