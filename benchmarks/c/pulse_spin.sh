#!/usr/bin/env bash
# Reader spin with and without PulseEvent (benchmarks/c/pulse_spin.c):
# 1 producer at 60 Hz, 4 readers, 2 s, natively (scripts/wincc) and under
# Wine (mingw, if installed). Prints one line per platform and mode: the
# readers' total wake-ups, empty wake-ups (no new data) and updates seen.
#
#   benchmarks/c/pulse_spin.sh [readers] [seconds]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readers=${1:-4}
secs=${2:-2}
out=$(mktemp -d /tmp/pulse-spin.XXXXXX)
trap 'rm -rf "$out"' EXIT
src=$root/benchmarks/c/pulse_spin.c
"$root/scripts/wincc" -O2 "$src" -o "$out/native"
plats=(native)
if command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  x86_64-w64-mingw32-gcc -O2 "$src" -o "$out/spin.exe"
  plats+=(wine)
fi
export WINEDEBUG=-all
for plat in "${plats[@]}"; do
  for mode in setreset pulse; do
    tag="$plat-$mode-$$"
    if [[ $plat == wine ]]; then run=(wine "$out/spin.exe"); else run=("$out/native"); fi
    "${run[@]}" producer "$mode" "$tag" "$secs" &
    prod=$!
    pids=()
    for i in $(seq 1 "$readers"); do
      "${run[@]}" reader "$tag" "$secs" >"$out/r$i" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    wait "$prod"
    cat "$out"/r* | awk -v p="$plat" -v m="$mode" -v n="$readers" -v s="$secs" \
      '{w+=$2; e+=$4; u+=$6} END {printf "%-6s %-8s readers %d, %d s: wake-ups %d, empty %d, updates seen %d\n", p, m, n, s, w, e, u}'
    rm -f "$out"/r*
  done
done
