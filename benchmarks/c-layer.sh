#!/usr/bin/env bash
# The Win32 C program benchmarks/c/bench.c, built with scripts/wincc and run
# natively on named-shm ("c-win32"), and built with mingw and run under Wine
# ("wine"). Two modes, both started by scripts/bench.sh:
#
#   benchmarks/c-layer.sh RESULTS [--quick]
#       rows (1), (2) and (5) of the project benchmark: appends JSON lines to
#       RESULTS (scripts/bench.sh, every run).
#   benchmarks/c-layer.sh table [N_NATIVE [N_WINE]]
#       one table: Wine, the C layer and the same work through the Rust API
#       (bench-rust-cycles), with the ratios Wine / C layer (issue 5 target:
#       >= 10x) and C layer / Rust API (target: <= 1.3x) (scripts/bench.sh
#       --win32). Defaults: 2000 iterations natively, 300 under Wine.
#
# bench.c prints the median of 5 batches per run; in RESULTS mode this script
# runs it several times and reports the median and spread of those per-run
# figures. Needs wine and x86_64-w64-mingw32-gcc for the Wine figures
# (scripts/setup-wine.sh); without them those rows are skipped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$root/benchmarks/c/bench.c

if [ "${1:-}" = table ]; then
  n_native=${2:-2000}
  n_wine=${3:-300}
  out=$(mktemp -d /tmp/nshm-bench-c.XXXXXX)
  trap 'rm -rf "$out"' EXIT
  export WINEDEBUG=-all
  x86_64-w64-mingw32-gcc -O2 "$src" -o "$out/bench.exe"
  "$root/scripts/wincc" -O2 "$src" -o "$out/bench"
  (cd "$root" && cargo build --quiet --release -p named-shm-bench --bin bench-rust-cycles)
  rust="${CARGO_TARGET_DIR:-$root/target}/release/bench-rust-cycles"
  wine "$out/bench.exe" cycles warmup 10 >/dev/null # start the wineserver

  table_run() { # <prefix> <bin> <n> <tag> -> figures on stdout
    local prefix=$1 bin=$2 n=$3 tag=$4
    # shellcheck disable=SC2086
    $prefix "$bin" cycles "$tag" "$n"
    # shellcheck disable=SC2086
    $prefix "$bin" pong "$tag" &
    local pong=$!
    # shellcheck disable=SC2086
    $prefix "$bin" ping "$tag" "$n"
    wait "$pong"
  }

  tag="$$"
  table_run "" "$out/bench" "$n_native" "n$tag" >"$out/native.txt"
  table_run wine "$out/bench.exe" "$n_wine" "w$tag" | tr -d '\r' >"$out/wine.txt"
  { "$rust" cycles "r$tag" "$n_native"; "$rust" ping "r$tag" "$n_native"; } >"$out/rust.txt"

  printf '%-34s %10s %10s %10s %12s %12s\n' "operation (µs, median of 5)" "Wine 8" "wincc" "Rust API" "Wine/wincc" "wincc/Rust"
  while read -r key native; do
    wine_v=$(awk -v k="$key" '$1 == k { print $2 }' "$out/wine.txt")
    rust_v=$(awk -v k="$key" '$1 == k { print $2 }' "$out/rust.txt")
    ratio=$(awk -v a="$wine_v" -v b="$native" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }')
    overhead=$(awk -v a="$native" -v b="$rust_v" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
    printf '%-34s %10s %10s %10s %12s %12s\n' "$key" "$wine_v" "$native" "$rust_v" "$ratio" "$overhead"
  done <"$out/native.txt"
  exit 0
fi

results=$1
quick=0
[ "${2:-}" = --quick ] && quick=1

if [ "$quick" = 1 ]; then
  runs=1 n_native=20 n_wine=10 rtt_native=50 rtt_wine=20
else
  runs=${C_RUNS:-5} n_native=1000 n_wine=200 rtt_native=2000 rtt_wine=300
fi

skip() { # row imp reason
  printf '{"row":"%s","case":"","imp":"%s","unit":"","median":null,"p10":null,"p90":null,"min":null,"max":null,"repeats":0,"iters":0,"errors":0,"note":"skipped: %s"}\n' \
    "$1" "$2" "$3" >>"$results"
  printf '  row %-8s %-46s %-26s skipped: %s\n' "$1" "" "$2" "$3" >&2
}

# emit ROW CASE IMP N NOTE FILE KEY: one record from the KEY lines of FILE (µs).
emit() {
  local row=$1 case=$2 imp=$3 n=$4 note=$5 file=$6 key=$7
  awk -v key="$key" '$1 == key { print $2 * 1000 }' "$file" | sort -g | awk \
    -v row="$row" -v case_="$case" -v imp="$imp" -v n="$n" -v note="$note" '
    { v[NR] = $1 }
    function pct(p,   pos, lo, hi) {
      pos = p * (NR - 1); lo = int(pos); hi = (lo + 1 <= NR - 1) ? lo + 1 : lo
      return v[lo + 1] + (v[hi + 1] - v[lo + 1]) * (pos - lo)
    }
    END {
      if (NR == 0) exit 1
      printf "{\"row\":\"%s\",\"case\":\"%s\",\"imp\":\"%s\",\"unit\":\"%s\",\"median\":%f,\"p10\":%f,\"p90\":%f,\"min\":%f,\"max\":%f,\"repeats\":%d,\"iters\":%d,\"errors\":0,\"note\":\"%s\"}\n",
        row, case_, imp, (row == "5" ? "ns/rtt" : "ns/op"), pct(0.5), pct(0.1), pct(0.9), v[1], v[NR], NR, n, note
      printf "  row %-8s %-46s %-26s %10.2f µs\n", row, case_, imp, pct(0.5) / 1000 > "/dev/stderr"
    }' >>"$results" || skip "$row" "$imp" "bench.c printed no $key figure"
}

if [ ! -f "$src" ]; then
  for r in 1 2; do
    skip "$r" c-win32 "benchmarks/c/bench.c does not exist"
    skip "$r" wine "benchmarks/c/bench.c does not exist"
  done
  exit 0
fi

out=$(mktemp -d /tmp/nshm-bench-c.XXXXXX)
trap 'rm -rf "$out"' EXIT
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

# run KIND PREFIX BIN N RTT_N: runs bench cycles and ping/pong $runs times.
run() {
  local kind=$1 prefix=$2 bin=$3 n=$4 rtt=$5 i
  for i in $(seq "$runs"); do
    # shellcheck disable=SC2086
    $prefix "$bin" cycles "$kind$$-$i" "$n" | tr -d '\r' >>"$out/$kind.txt"
    # shellcheck disable=SC2086
    pin 1 $prefix "$bin" pong "$kind$$-p$i" >/dev/null &
    local pong=$!
    # shellcheck disable=SC2086
    pin 0 $prefix "$bin" ping "$kind$$-p$i" "$rtt" | tr -d '\r' >>"$out/$kind.txt"
    wait "$pong"
  done
}

note_c="benchmarks/c/bench.c: writes all 4 KiB (memset), reads 64 strided bytes; median of 5 batches per run, spread over runs"
records() { # kind imp n rtt
  emit 1 "create+map+write+unmap+close, fresh 4 KiB" "$2" "$3" "$note_c" "$out/$1.txt" create_map_write_unmap_close_us
  emit 2 "open+map+read+unmap+close, existing 4 KiB" "$2" "$3" "$note_c" "$out/$1.txt" open_map_read_unmap_close_us
  emit 5 "ping-pong round trip, 2 processes, blocking" "$2 Event (SetEvent / WaitForSingleObject)" "$4" \
    "responder waits with WaitForMultipleObjects(ping, stop)" "$out/$1.txt" event_pingpong_rtt_us
  emit 5 "ping-pong round trip, 2 processes, blocking" "$2 Semaphore (ReleaseSemaphore / WaitForSingleObject)" "$4" \
    "maximum 1; responder waits with WaitForMultipleObjects(ping, stop)" "$out/$1.txt" semaphore_pingpong_rtt_us
}

# Natively, through named-shm-win32.
if "$root/scripts/wincc" -O2 "$src" -o "$out/bench" 2>"$out/wincc.log"; then
  if run native "" "$out/bench" "$n_native" "$rtt_native"; then
    records native c-win32 "$n_native" "$rtt_native"
  else
    for r in 1 2; do skip "$r" c-win32 "bench.c failed when run through named-shm-win32 (see the log)"; done
  fi
else
  why=$(tail -1 "$out/wincc.log" | tr -d '"\\' | cut -c1-120)
  for r in 1 2; do skip "$r" c-win32 "scripts/wincc could not build bench.c ($why)"; done
fi

# The same source under Wine.
if ! command -v wine >/dev/null; then
  for r in 1 2; do skip "$r" wine "wine is not installed (scripts/setup-wine.sh)"; done
elif ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  for r in 1 2; do skip "$r" wine "x86_64-w64-mingw32-gcc is not installed (scripts/setup-wine.sh)"; done
else
  export WINEDEBUG=-all
  if ! x86_64-w64-mingw32-gcc -O2 "$src" -o "$out/bench.exe" 2>"$out/mingw.log"; then
    for r in 1 2; do skip "$r" wine "mingw could not build bench.c"; done
  else
    wine "$out/bench.exe" cycles "warm$$" 10 >/dev/null 2>&1 || true # starts the wineserver
    if run wine wine "$out/bench.exe" "$n_wine" "$rtt_wine"; then
      records wine wine "$n_wine" "$rtt_wine"
    else
      for r in 1 2; do skip "$r" wine "bench.exe failed under Wine (scripts/setup-wine.sh prepares the prefix)"; done
    fi
  fi
fi
