#!/usr/bin/env bash
# `nshm wine`, measured: a spin ping-pong on one cache line and an event
# ping-pong, each between a Windows program and a native program through the
# bridge, against the same ping-pong between two Windows programs under Wine
# (scripts/bench.sh --wine-bridge). The programs are
# crates/named-shm-cli/wine/tests/{pingpong,evpingpong}.c, built with mingw
# for Wine and with scripts/wincc for the native side; in every pair the
# Windows program pings and times (the same clock on both rows), the other
# answers. Each figure is the median of REPEATS runs.
#
#   benchmarks/wine-bridge.sh [SPIN_ROUNDS [EVENT_ROUNDS [REPEATS]]]
#       defaults 200000, 2000, 3
#
# Needs wine and x86_64-w64-mingw32-gcc (scripts/setup-wine.sh). Uses
# WINEPREFIX as given (default ~/.wine) and a private NAMED_SHM_DIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spin_rounds=${1:-200000}
event_rounds=${2:-2000}
repeats=${3:-3}
export WINEDEBUG=-all
work=$(mktemp -d /tmp/nshm-bench-wine-bridge.XXXXXX)
NAMED_SHM_DIR=$(mktemp -d /dev/shm/nshm-bench-wine-bridge.XXXXXX)
export NAMED_SHM_DIR
trap 'rm -rf "$work" "$NAMED_SHM_DIR"' EXIT
tests=$root/crates/named-shm-cli/wine/tests
(cd "$root" && cargo build --quiet --release -p named-shm-cli -p named-shm-win32)
nshm=${CARGO_TARGET_DIR:-$root/target}/release/nshm
for p in pingpong evpingpong; do
  x86_64-w64-mingw32-gcc -O2 -o "$work/$p.exe" "$tests/$p.c"
  WINCC_NO_BUILD=1 "$root/scripts/wincc" -O2 "$tests/$p.c" -o "$work/$p"
done
wine cmd /c exit 0 >/dev/null 2>&1 || true # start the wineserver

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
figure() { sed -n 's/.*round trip: \([0-9.]*\) .*/\1/p' | tr -d '\r'; }
n=0
spin_wine() {
  n=$((n + 1)); local name="Local\\nshm-bench-wb-$$-$n"
  wine "$work/pingpong.exe" "$name" pong "$spin_rounds" >/dev/null & local p=$!
  wine "$work/pingpong.exe" "$name" ping "$spin_rounds" | figure
  wait "$p"
}
spin_bridge() {
  n=$((n + 1)); local name="Local\\nshm-bench-wb-$$-$n"
  "$nshm" wine --map "$name=4K" -- "$work/pingpong.exe" "$name" ping "$spin_rounds" | figure & local p=$!
  "$work/pingpong" "$name" pong "$spin_rounds" >/dev/null
  wait "$p"
}
event_wine() {
  n=$((n + 1)); local a="Local\\nshm-bench-wb-$$-$n-a" b="Local\\nshm-bench-wb-$$-$n-b"
  wine "$work/evpingpong.exe" "$a" "$b" pong "$event_rounds" >/dev/null & local p=$!
  wine "$work/evpingpong.exe" "$a" "$b" ping "$event_rounds" | figure
  wait "$p"
}
event_bridge() {
  n=$((n + 1)); local a="Local\\nshm-bench-wb-$$-$n-a" b="Local\\nshm-bench-wb-$$-$n-b"
  "$nshm" wine --event "$a" --event "$b" -- "$work/evpingpong.exe" "$a" "$b" ping "$event_rounds" | figure & local p=$!
  "$work/evpingpong" "$a" "$b" pong "$event_rounds" >/dev/null
  wait "$p"
}
measure() { for _ in $(seq 1 "$repeats"); do "$1"; done | median; }
sw=$(measure spin_wine); sb=$(measure spin_bridge)
ew=$(measure event_wine); eb=$(measure event_bridge)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo
echo "wine $(wine --version 2>/dev/null), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), median of $repeats runs"
printf '%-44s %14s %14s %8s\n' "round trip" "Windows<->Win" "native<->Win" "ratio"
printf '%-44s %11s ns %11s ns %8s\n' "spin on one cache line ($spin_rounds rounds)" "$sw" "$sb" "$(ratio "$sb" "$sw")"
printf '%-44s %11s us %11s us %8s\n' "auto-reset events ($event_rounds rounds)" "$ew" "$eb" "$(ratio "$eb" "$ew")"
left=$(find "$NAMED_SHM_DIR" -mindepth 2 | head -5)
[ -z "$left" ] || { echo "objects left behind: $left"; exit 1; }
