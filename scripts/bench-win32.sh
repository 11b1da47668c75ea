#!/usr/bin/env bash
# Runs benches/win32/bench.c twice in one go: built with mingw and run under
# Wine, and built with scripts/wincc and run natively on named-shm; prints
# both figures and the ratio Wine / native (target: >= 10x on each line),
# plus the same work through the Rust API (crates/named-shm-win32/examples/
# rust_cycles.rs) and the C layer's overhead over it (target: <= 1.3x).
#
# Usage: scripts/bench-win32.sh [iterations-native] [iterations-wine]
# Needs wine and x86_64-w64-mingw32-gcc (see scripts/ci.d/40-win32.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n_native=${1:-2000}
n_wine=${2:-300}
out=$(mktemp -d /tmp/bench-win32.XXXXXX)
trap 'rm -rf "$out"' EXIT
export WINEDEBUG=-all

x86_64-w64-mingw32-gcc -O2 "$root/benches/win32/bench.c" -o "$out/bench.exe"
"$root/scripts/wincc" -O2 "$root/benches/win32/bench.c" -o "$out/bench"
(cd "$root" && cargo build --quiet --release -p named-shm-win32 --example rust_cycles)
rust="${CARGO_TARGET_DIR:-$root/target}/release/examples/rust_cycles"
wine "$out/bench.exe" cycles warmup 10 >/dev/null # start the wineserver

run() { # <prefix> <bin> <n> <tag> -> figures on stdout
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
run "" "$out/bench" "$n_native" "n$tag" >"$out/native.txt"
run wine "$out/bench.exe" "$n_wine" "w$tag" | tr -d '\r' >"$out/wine.txt"
{ "$rust" cycles "r$tag" "$n_native"; "$rust" ping "r$tag" "$n_native"; } >"$out/rust.txt"

printf '%-34s %10s %10s %10s %12s %12s\n' "operation (µs, median of 5)" "Wine 8" "wincc" "Rust API" "Wine/wincc" "wincc/Rust"
while read -r key native; do
  wine_v=$(awk -v k="$key" '$1 == k { print $2 }' "$out/wine.txt")
  rust_v=$(awk -v k="$key" '$1 == k { print $2 }' "$out/rust.txt")
  ratio=$(awk -v a="$wine_v" -v b="$native" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }')
  overhead=$(awk -v a="$native" -v b="$rust_v" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
  printf '%-34s %10s %10s %10s %12s %12s\n' "$key" "$wine_v" "$native" "$rust_v" "$ratio" "$overhead"
done <"$out/native.txt"
