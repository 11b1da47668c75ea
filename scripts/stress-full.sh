#!/usr/bin/env bash
# The full reliability run behind docs/reliability.md: every stress scenario
# at full size, the attack tests, the fuzz properties with many cases, the
# exhaustive protocol model, and the seeded bugs. Prints every VERDICT line,
# timings and a summary; exits non-zero on any violation, leak or missed
# seeded bug. Takes about 10-15 minutes on 2 cores (SKIP_MUTANTS=1 skips the
# seeded bugs, FUZZ_CASES sets the cases per fuzz property, default 100000).
#
#   scripts/stress-full.sh [log file]     (default: $CARGO_TARGET_DIR/stress-full.log)
set -uo pipefail
cd "$(dirname "$0")/.."
# The attack tests, fuzz properties and seeded bugs' tests under a private
# root (removed at exit), unless the caller gave one.
. scripts/lib/private-root.sh stress-full
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
mkdir -p "$CARGO_TARGET_DIR"
LOG=${1:-$CARGO_TARGET_DIR/stress-full.log}
FUZZ_CASES=${FUZZ_CASES:-100000}
fail=0
exec > >(tee "$LOG") 2>&1
step() { echo; echo "=== $* ($(date +%T))"; }

step build
cargo build --quiet --release -p named-shm --example stress || exit 2
bin=$CARGO_TARGET_DIR/release/examples/stress
stress() {
  echo "+ stress $*"
  local t=$SECONDS
  timeout 900 "$bin" "$@" --timeout 800 2> >(grep -E 'VIOLATION|LEAK|WATCHDOG' | head -20 >&2) || fail=1
  echo "  ($((SECONDS - t)) s)"
}

step "stress scenarios"
stress creators   --processes 8  --iterations 20000  --kill-rate 0.2
stress creators   --processes 16 --iterations 2000   --kill-rate 0
stress close-race --processes 8  --iterations 100000 --kill-rate 0.05
stress close-race --processes 16 --iterations 100000 --kill-rate 0
stress failed-open --processes 4 --iterations 100000 --kill-rate 0.2
stress failed-open --processes 8 --iterations 50000  --kill-rate 0
stress mutex      --processes 8  --iterations 100000 --kill-rate 0.1
stress events     --processes 8  --iterations 50000  --kill-rate 0.1
stress events     --processes 8  --iterations 20000  --kill-rate 0
stress semaphore  --processes 8  --iterations 50000  --kill-rate 0.1
stress semaphore  --processes 4  --iterations 20000  --kill-rate 0
stress leaks      --iterations 100000
stress hostile-sync --processes 8 --iterations 50000 --kill-rate 0.05

step "attack tests (second user, planted names, squatting, umask, truncation, full tmpfs)"
cargo test --quiet --release -p named-shm --test attack -- --nocapture --test-threads 1 2>&1 \
  | grep -E '^attack:|SKIPPED|test result|panicked' || fail=1

step "fuzz properties ($FUZZ_CASES cases each)"
t=$SECONDS
PROPTEST_CASES=$FUZZ_CASES cargo test --quiet --release -p named-shm --lib -- name::tests header::tests shm::tests 2>&1 \
  | grep -E 'test result|panicked|FAILED' || fail=1
PROPTEST_CASES=$FUZZ_CASES cargo test --quiet --release -p named-shm --test fuzz_views -- --nocapture 2>&1 \
  | grep -E '^fuzz|test result|panicked' || fail=1
echo "  fuzzing took $((SECONDS - t)) s"

step "exhaustive protocol model"
cargo test --quiet --release -p named-shm --test protocol_model -- --nocapture 2>&1 \
  | grep -E '^model: [^ ]+ (caught|is equivalent)|^model: total|^model: .*states|test result|panicked' || fail=1

if [ -z "${SKIP_MUTANTS:-}" ]; then
  step "seeded bugs"
  scripts/mutants.sh || fail=1
fi

step summary
grep -E '^VERDICT|^MUTANT' "$LOG"
echo "full run: $([ $fail = 0 ] && echo PASS || echo FAIL) in $SECONDS s"
exit $fail
