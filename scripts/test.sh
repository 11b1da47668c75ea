#!/usr/bin/env bash
# Every test that needs no Wine: the Rust workspace, then the Python
# binding's suite (which skips, saying so, where no python3 is installed).
# Tests that need root are `#[ignore = "needs root…"]`: run as root, they run
# too; run as another user, the summary lists them as ignored with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
# Objects under a private root (removed at exit), unless the caller gave one.
. scripts/lib/private-root.sh test
if [ "$(id -u)" = 0 ]; then
  cargo test --workspace -- --include-ignored
else
  cargo test --workspace
fi
scripts/test-python.sh
