#!/usr/bin/env bash
# The project benchmark (issue #7), in one go and side by side: raw syscalls
# (the floor), the named-shm Rust API, the shared_memory crate, Python's
# multiprocessing.shared_memory, a C program through named-shm-win32 and the
# same C program under Wine. Writes docs/performance.md.
#
#   scripts/bench.sh            full run (a few minutes), writes docs/performance.md
#   scripts/bench.sh --quick    every row once, in seconds, report under the
#                               target directory (CI: scripts/ci.d/60-bench-quick.sh)
#   scripts/bench.sh --scale 0.3 --repeats 7    shorter full run
#   scripts/bench.sh --win32 [N_NATIVE [N_WINE]]
#                               only the C layer: benchmarks/c/bench.c under
#                               Wine, through named-shm-win32 and through the
#                               Rust API, one table with the ratios
#   scripts/bench.sh --wine-bridge [SPIN_ROUNDS [EVENT_ROUNDS [REPEATS]]]
#                               only `nshm wine`: ping-pongs native <-> Windows
#                               through the bridge against Windows <-> Windows
#                               under Wine (benchmarks/wine-bridge.sh)
#
# Other options are passed to every Rust benchmark binary (see
# `bench-shm --help`). Set BENCH_OUT to write the report elsewhere.
# Every benchmark lives in benchmarks/ (benchmarks/notes.md: the analysis).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${1:-}" = --win32 ]; then
  exec benchmarks/c-layer.sh table "${@:2}"
fi
if [ "${1:-}" = --wine-bridge ]; then
  exec benchmarks/wine-bridge.sh "${@:2}"
fi

quick=0
args=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1; args+=("$a") ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release
run=$target/bench-run
rm -rf "$run"
mkdir -p "$run/strace"
results=$run/results.jsonl
: >"$results"
if [ "$quick" = 1 ]; then
  out=${BENCH_OUT:-$run/performance.md}
else
  out=${BENCH_OUT:-$root/docs/performance.md}
fi
t0=$(date +%s)
log() { printf '\n=== [%ss] %s\n' "$(( $(date +%s) - t0 ))" "$*" >&2; }
# A row that could not run, with its reason, as a JSON line for the report.
skip() { # row case imp reason
  printf '{"row":"%s","case":"%s","imp":"%s","unit":"","median":null,"p10":null,"p90":null,"min":null,"max":null,"repeats":0,"iters":0,"errors":0,"note":"skipped: %s"}\n' \
    "$1" "$2" "$3" "$4" >>"$results"
  printf '  row %-8s %-46s %-26s skipped: %s\n' "$1" "$2" "$3" "$4" >&2
}

# named-shm objects of this run live under a private root on the same tmpfs
# (same code paths; NAMED_SHM_DIR is the library's documented override), so
# row 7 counts exactly the objects it made, and other people's tests running
# on the machine never list the 100,000 filler objects.
shm_root=$(mktemp -d /dev/shm/nshm-benchroot.XXXXXX)
export NAMED_SHM_DIR=$shm_root
cleanup() {
  local objs
  objs=$(find "$shm_root" -mindepth 2 2>/dev/null || true)
  if [ -n "$objs" ]; then
    echo "bench.sh: named objects left behind under $shm_root:" >&2
    echo "$objs" | head >&2
  fi
  rm -rf "$shm_root"
}
trap cleanup EXIT

log "building (release)"
cargo build --release -q -p named-shm-bench -p named-shm-cli

# The machine, for the report.
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs online"
  echo "kernel: $(uname -sr)"
  echo "virtualisation: $(systemd-detect-virt 2>/dev/null || echo unknown)"
  echo "/dev/shm: $(df -h /dev/shm | awk 'NR==2 {print $1", "$2" total, "$4" free"}'); huge pages for shmem: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled 2>/dev/null || echo n/a)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rustc: $(rustc --version)"
  echo "python3: $(python3 --version 2>/dev/null || echo absent)"
  echo "wine: $(wine --version 2>/dev/null || echo absent)"
  echo "mode: $([ "$quick" = 1 ] && echo 'quick (one round, few iterations: figures mean nothing)' || echo full)"
} >"$run/machine.txt"

log "rows 1-4: create, open, first touch, copy"
"$bin/bench-shm" --out "$results" "${args[@]}"
log "rows 5-6: events, semaphores and mutexes"
"$bin/bench-sync" --out "$results" "${args[@]}"
log "row 7: scaling"
"$bin/bench-scale" --out "$results" "${args[@]}"
log "row 8: administration at scale, per-object costs, many waiters"
"$bin/bench-admin-scale" --out "$results" "${args[@]}"
log "row 5-async: async waits (round trips, 10,000 pending waits)"
if [ "$quick" = 1 ]; then
  "$bin/async_wait" all --iters 200 --rounds 1 --wakes 20 --out "$results" >&2
else
  "$bin/async_wait" all --out "$results" >&2
fi

log "Python multiprocessing.shared_memory"
if command -v python3 >/dev/null; then
  pyargs=()
  [ "$quick" = 1 ] && pyargs+=(--quick)
  python3 benchmarks/python/shm_bench.py --out "$results" "${pyargs[@]}" ||
    for r in 1 2; do skip "$r" "" python "benchmarks/python/shm_bench.py failed (see the log)"; done
else
  for r in 1 2; do skip "$r" "" python "python3 is not installed"; done
fi

# --- Python binding (named_shm): rows 1 and 2 beside multiprocessing and the
# Rust API, and a ping-pong between two Python processes (row 5-python);
# benchmarks/python/run.sh builds the wheel and prints the ratios.
log "Python named_shm (the binding)"
if command -v python3 >/dev/null && command -v cargo >/dev/null; then
  nsargs=()
  [ "$quick" = 1 ] && nsargs+=(--quick)
  benchmarks/python/run.sh "$results" "${nsargs[@]}" ||
    for r in 1 2 5-python; do skip "$r" "" "python named_shm" "benchmarks/python/run.sh failed (see the log)"; done
else
  for r in 1 2 5-python; do skip "$r" "" "python named_shm" "python3 is not installed"; done
fi
# --- end of the Python binding block

# The C program benchmarks/c/bench.c through named-shm-win32 and under Wine.
log "C program: named-shm-win32 and Wine"
cargs=()
[ "$quick" = 1 ] && cargs+=(--quick)
benchmarks/c-layer.sh "$results" "${cargs[@]}"

# Syscalls per operation of rows 1 and 2, for the floor and named-shm.
strace_iters=2000
[ "$quick" = 1 ] && strace_iters=20
report_args=()
if command -v strace >/dev/null; then
  log "syscall profile (strace -c -f)"
  for imp in raw named-shm; do
    for r in 1 2; do
      strace -f -c -o "$run/strace/$imp-$r.txt" \
        "$bin/bench-shm" --profile "$imp" --row "$r" --iterations "$strace_iters" >/dev/null
    done
  done
  report_args+=(--strace "$run/strace" --strace-iters "$strace_iters")
fi

log "report"
"$bin/bench-report" --results "$results" --machine "$run/machine.txt" \
  --notes benchmarks/notes.md --command "scripts/bench.sh${*:+ $*}" \
  --out "$out" "${report_args[@]}"

left=$( (find /dev/shm -name 'nshm-bench-*'; find "$shm_root" -mindepth 2) 2>/dev/null || true)
if [ -n "$left" ]; then
  echo "bench.sh: objects left behind:" >&2
  echo "$left" >&2
  exit 1
fi
echo "bench.sh: wrote $out; nothing left in /dev/shm" >&2
