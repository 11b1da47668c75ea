#!/usr/bin/env bash
# The Rust suites of the README's test command, natively on Linux. CI runs
# as root, so the tests marked `#[ignore = "needs root…"]` run too.
set -euo pipefail
cargo test --workspace -- --include-ignored
