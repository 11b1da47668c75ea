#!/usr/bin/env bash
# Short run of every stress scenario (about 40 s on an idle 2-core machine,
# 2-3 minutes on a loaded one); any violation or leak fails the stage. The
# attack, fuzz and model tests run with `cargo test` (20-test.sh). The full
# run is scripts/stress-full.sh. Each run is `stress <scenario> [options]`
# (`stress --help` describes the scenarios).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet --release -p named-shm --example stress
bin=${CARGO_TARGET_DIR:-target}/release/examples/stress
run() {
  echo "+ stress $*"
  timeout 400 "$bin" "$@" --timeout 300
}
run creators   --processes 8  --iterations 5000   --kill-rate 0.2
run creators   --processes 16 --iterations 500    --kill-rate 0
run close-race --processes 8  --iterations 100000 --kill-rate 0.05
run close-race --processes 16 --iterations 50000  --kill-rate 0
run failed-open --processes 4 --iterations 20000  --kill-rate 0.2
run mutex      --processes 8  --iterations 50000  --kill-rate 0.1
run events     --processes 8  --iterations 20000  --kill-rate 0.1
run events     --processes 8  --iterations 5000   --kill-rate 0
run semaphore  --processes 8  --iterations 20000  --kill-rate 0.1
run leaks      --iterations 50000
run hostile-sync --processes 8 --iterations 5000 --kill-rate 0.05
if [ -d /dev/shm ] && ls -d /dev/shm/named-shm-stress.* >/dev/null 2>&1; then
  echo "leftover stress roots in /dev/shm:"; ls -d /dev/shm/named-shm-stress.*; exit 1
fi
