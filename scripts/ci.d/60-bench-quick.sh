#!/usr/bin/env bash
# The benchmarks must never rot: run every row once, in seconds, in quick mode.
# No timing is asserted; only that each benchmark runs, counts no errors and
# leaves no object behind. The report goes under the target directory.
set -euo pipefail
bash scripts/bench.sh --quick
