#!/usr/bin/env bash
# Seeded bugs: build the stress program with each `named_shm_mutant` switch
# (crates/named-shm/src/sys/linux/object.rs) in a scratch target directory and
# check that a matching scenario FAILS with a violation or leak (a watchdog
# timeout does not count). Exit 0 only if every mutant is caught, except
# `close_without_fresh`, which the protocol model shows to be equivalent.
#
#   scripts/mutants.sh [mutant...]
set -uo pipefail
cd "$(dirname "$0")/.."
TARGET=${MUTANT_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/mutants}
# mutant -> stress runs ("<scenario> <options>; ...", see `stress --help`):
# caught if any run reports a violation or leak.
declare -A RUNS=(
  [no_nlink_recheck]="creators -p 8 -n 3000 -k 0; close-race -p 8 -n 100000 -k 0"
  [no_getlk]="creators -p 8 -n 300 -k 0.5"
  [lock_after_link]="creators -p 8 -n 1000 -k 0; close-race -p 8 -n 30000 -k 0"
  [close_always_unlinks]="close-race -p 8 -n 20000 -k 0"
  [close_no_retry]="creators -p 8 -n 3000 -k 0"
  [close_without_fresh]="close-race -p 8 -n 100000 -k 0.05; close-race -p 16 -n 100000 -k 0"
  [fail_after_lock]="failed-open -p 3 -n 20000 -k 0; failed-open -p 4 -n 50000 -k 0.2"
  # No stress scenario makes hard links: the regression test is the run.
  [unlink_without_identity]="test shm_trust the_last_close_of_a_removed_object_never_unlinks_its_successor"
)
EQUIVALENT=" close_without_fresh "
MUTANTS=("$@")
[ ${#MUTANTS[@]} -eq 0 ] && MUTANTS=(no_nlink_recheck no_getlk lock_after_link close_always_unlinks close_no_retry close_without_fresh fail_after_lock unlink_without_identity)
caught=0; missed=0; summary=""
for m in "${MUTANTS[@]}"; do
  args=${RUNS[$m]:?unknown mutant $m}
  echo "== mutant $m: building"
  if ! RUSTFLAGS="--cfg named_shm_mutant=\"$m\"" CARGO_TARGET_DIR="$TARGET/$m" \
      cargo build --quiet --release -p named-shm --example stress; then
    echo "build failed for $m"; missed=$((missed + 1)); summary+="MUTANT $m build-failed"$'\n'; continue
  fi
  bin="$TARGET/$m/release/examples/stress"
  result=missed; by=""
  IFS=';' read -ra sets <<<"$args"
  for set in "${sets[@]}"; do
    if [[ ${set# } == test\ * ]]; then
      # "test <file> <filter>": a regression test of the library, built with the mutant.
      read -r _ tfile tfilter <<<"${set# }"
      out=$(RUSTFLAGS="--cfg named_shm_mutant=\"$m\"" CARGO_TARGET_DIR="$TARGET/$m" \
        timeout 900 cargo test --quiet --release -p named-shm --test "$tfile" -- --exact "$tfilter" 2>&1); rc=$?
      echo "   test [$tfile $tfilter]: rc=$rc"
      if [ $rc -ne 0 ] && grep -q 'panicked' <<<"$out"; then result=caught; by="test $tfilter"; break; fi
      continue
    fi
    out=$(timeout 900 "$bin" $set --timeout 800 2>&1); rc=$?
    verdict=$(grep '^VERDICT' <<<"$out" | head -1)
    echo "   run [${set# }]: rc=$rc $verdict"
    grep -m3 'VIOLATION\|LEAK' <<<"$out" | cut -c1-200 | sed 's/^/      /'
    if grep -q WATCHDOG <<<"$out"; then echo "      (watchdog: inconclusive)"; continue; fi
    if [ $rc -ne 0 ] && grep -q 'VIOLATION\|LEAK' <<<"$out"; then result=caught; by=${set# }; break; fi
  done
  if [ $result = caught ]; then
    caught=$((caught + 1)); summary+="MUTANT $m caught by [$by]"$'\n'
  elif [[ $EQUIVALENT == *" $m "* ]]; then
    summary+="MUTANT $m not caught (equivalent: see tests/protocol_model.rs)"$'\n'
  else
    missed=$((missed + 1)); summary+="MUTANT $m MISSED"$'\n'
  fi
done
printf '%s' "$summary"
echo "MUTANTS caught=$caught missed=$missed"
[ $missed -eq 0 ]
