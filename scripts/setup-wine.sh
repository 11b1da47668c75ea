#!/usr/bin/env bash
# Prepares this machine to build for x86_64-pc-windows-gnu and run the result
# under Wine. Idempotent: every step is skipped when already done, so a second
# run costs about a second.
#
#   1. Debian packages: wine, wine64, mingw-w64 gcc/g++ (apt-get only if missing);
#   2. the rustup target x86_64-pc-windows-gnu;
#   3. a Wine prefix (wineboot --init, WINEDEBUG=-all);
#   4. the ProcessPrng shim (scripts/wine/processprng.c) as
#      $WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll: Wine 8 lacks
#      it and every Rust .exe imports it (see docs/windows.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export WINEDEBUG=-all
export WINEPREFIX="${WINEPREFIX:-$HOME/.wine}"
log() { printf 'setup-wine: %s\n' "$*" >&2; }

sudo_if_needed() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# 1. Packages.
packages=(wine wine64 gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's `wine` wrapper wants wine32 for 32-bit programs; ours are 64-bit.
command -v wine >/dev/null || { log "wine is not on PATH after install"; exit 1; }

# 2. Rust target.
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
    log "adding rustup target x86_64-pc-windows-gnu"
    rustup target add x86_64-pc-windows-gnu >/dev/null
fi

# 3. Wine prefix.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    log "creating the Wine prefix $WINEPREFIX"
    # No Mono or Gecko: their installers would ask through a dialog, and
    # nothing here needs .NET or HTML.
    WINEDLLOVERRIDES="mscoree,mshtml=" wineboot --init >/dev/null 2>&1
    wineserver -w
fi

# 4. The ProcessPrng shim, rebuilt when its source changes.
sys32="$WINEPREFIX/drive_c/windows/system32"
dll="$sys32/bcryptprimitives.dll"
src="$here/wine/processprng.c"
if [ ! -f "$dll" ] || [ "$src" -nt "$dll" ] || ! cmp -s "$src" "$sys32/.named-shm-processprng.c"; then
    log "building the ProcessPrng shim into $dll"
    mkdir -p "$sys32"
    x86_64-w64-mingw32-gcc -O2 -shared -static-libgcc -o "$dll.tmp" "$src" -ladvapi32
    mv -f "$dll.tmp" "$dll"
    cp -f "$src" "$sys32/.named-shm-processprng.c"
fi
log "ready (wine $(wine --version 2>/dev/null), prefix $WINEPREFIX)"
