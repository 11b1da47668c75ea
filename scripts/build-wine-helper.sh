#!/usr/bin/env bash
# Builds crates/named-shm-cli/wine/nshm-wine-helper.exe, the helper `nshm wine`
# runs inside the Wine prefix (embedded in nshm), from its C source.
# Reproducible: no timestamp, no symbols, so the committed .exe must be
# byte for byte what this script builds (checked by scripts/ci.d/45-wine-bridge.sh).
#
#   scripts/build-wine-helper.sh [OUT]   (default: next to the source)
set -euo pipefail
cd "$(dirname "$0")/.."
src=crates/named-shm-cli/wine/nshm-wine-helper.c
out=${1:-crates/named-shm-cli/wine/nshm-wine-helper.exe}
# -ffile-prefix-map: no path of this checkout ends up in the binary.
x86_64-w64-mingw32-gcc -O2 -s -Wall -Wextra -municode \
  -ffile-prefix-map="$PWD"=. -Wl,--no-insert-timestamp \
  -o "$out" "$src" -lws2_32 -lpsapi
