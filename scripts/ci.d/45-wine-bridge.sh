#!/usr/bin/env bash
# `nshm wine`: native programs and Windows programs under Wine share named
# objects by name, without a copy (crates/named-shm-cli/src/cmd/wine.rs and
# the helper crates/named-shm-cli/wine/nshm-wine-helper.c).
#  0. The committed helper .exe is what its source builds (reproducible).
#  1. Stand-in programs (crates/named-shm-cli/wine/tests: a "game" that
#     creates a mapping with INVALID_HANDLE_VALUE and writes a counter, a
#     "reader" that opens one by name), built with mingw and run under Wine
#     through `nshm wine`, against native readers and writers (nshm, and the
#     reader's own source built with scripts/wincc on the library).
#  Each test uses its own names (suffix $$) and leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export WINEDEBUG=-all
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree=;mshtml=}"
# A prefix of its own unless .ci/run chose one; objects under a private root.
export WINEPREFIX="${WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/named-shm-ci/wine-prefix}"
mkdir -p "$(dirname "$WINEPREFIX")"
own_root=
if [[ -z ${NAMED_SHM_DIR:-} ]]; then
  NAMED_SHM_DIR=$(mktemp -d /dev/shm/named-shm-ci.XXXXXX)
  chmod 1777 "$NAMED_SHM_DIR"
  export NAMED_SHM_DIR
  own_root=1
fi
say() { echo "45-wine-bridge: $*"; }
die() { say "FAIL: $*"; exit 1; }

# --- dependencies (idempotent) -------------------------------------------
need=()
command -v wine >/dev/null 2>&1 || need+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
if [[ ${#need[@]} -gt 0 ]]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/ci-wine-bridge.XXXXXX)
prefix2=$WINEPREFIX-second # a second prefix, for two prefixes sharing a name
bg=()
cleanup() {
  local p
  for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wineserver -k 2>/dev/null || true # this prefix's server only (WINEPREFIX is set)
  WINEPREFIX=$prefix2 wineserver -k 2>/dev/null || true
  rm -rf "$work"
  [[ -z $own_root ]] || rm -rf "$NAMED_SHM_DIR"
}
trap cleanup EXIT

# --- 0. the helper is reproducible from its source ------------------------
scripts/build-wine-helper.sh "$work/helper.exe"
cmp -s "$work/helper.exe" crates/named-shm-cli/wine/nshm-wine-helper.exe ||
  die "crates/named-shm-cli/wine/nshm-wine-helper.exe differs from what scripts/build-wine-helper.sh builds from its source: rebuild and commit it"
say "the committed helper is what its source builds"

# --- builds -----------------------------------------------------------------
if [[ -z ${NSHM:-} ]]; then
  cargo build --quiet --release -p named-shm-cli -p named-shm-win32
  NSHM=$root/target/release/nshm
fi
# On PATH rather than a shell function, so that `nshm … &` is nshm's own pid.
mkdir -p "$work/bin"
ln -sf "$NSHM" "$work/bin/nshm"
export PATH=$work/bin:$PATH
tests=crates/named-shm-cli/wine/tests
for p in game reader evctl; do
  x86_64-w64-mingw32-gcc -O2 -Wall -o "$work/$p.exe" "$tests/$p.c"
done
WINCC_NO_BUILD=1 scripts/wincc -O2 "$tests/reader.c" -o "$work/reader-native"
if [[ ! -f $WINEPREFIX/system.reg ]]; then
  say "initialising the Wine prefix $WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
fi
wine cmd /c exit 0 >/dev/null 2>&1 || true # starts this prefix's wineserver once

# --- helpers ----------------------------------------------------------------
holders() { nshm info "$1" --json 2>/dev/null | sed -n 's/.*"holders": *\([0-9]*\).*/\1/p'; }
wait_holders() { # NAME N [PID OUT]: until NAME has N holders (30 s), failing early if PID ends
  for _ in $(seq 1 300); do
    [[ $(holders "$1") == "$2" ]] && return 0
    if [[ -n ${3:-} ]] && ! kill -0 "$3" 2>/dev/null; then
      die "$1: expected $2 holders, but nshm wine ended: $(cr <"$4")"
    fi
    sleep 0.1
  done
  die "$1: expected $2 holders, found '$(holders "$1")'${4:+ (nshm wine said: $(cr <"$4"))}"
}
wait_gone() { # NAME: until no live object has the name (30 s)
  for _ in $(seq 1 300); do nshm info "$1" >/dev/null 2>&1 || return 0; sleep 0.1; done
  die "$1 outlived its holders"
}
tick() { # NAME: the N of the `tick N` the game last wrote, via nshm read
  nshm read "$1" | sed -n 's/^tick \([0-9]*\)$/\1/p'
}
advanced() { # NAME T: a tick after T (polled up to 20 s), or empty
  local t
  for _ in $(seq 1 400); do t=$(tick "$1"); [[ -n $t ]] && (( t > $2 )) && { echo "$t"; return; }; sleep 0.05; done
}
nothing_left() { # PATTERN: no object file whose name contains it
  if find "$NAMED_SHM_DIR" -mindepth 2 -name "*$1*" | grep -q .; then
    find "$NAMED_SHM_DIR" -mindepth 2 -ls; die "objects matching '$1' left in $NAMED_SHM_DIR"
  fi
}
cr() { tr -d '\r'; }
game_pid() { # TAG: the pid of the game.exe whose arguments contain TAG (not the launcher's or helper's)
  pgrep -af game.exe | grep -F -- "$1" | grep -v -e nshm-wine-helper -e 'nshm wine' | awk '{print $1; exit}'
}

# --- 1. a game's live counter, read natively by name ------------------------
for ns in Local Global; do
  name="$ns\\nshm-wb-live-$$"
  nshm wine --map "$name=8K" -- "$work/game.exe" "$name" 8192 6000 >"$work/live.out" 2>&1 &
  launcher=$!; bg+=("$launcher")
  wait_holders "$name" 2 "$launcher" "$work/live.out" # the launcher and the prefix
  t1=""; for _ in $(seq 1 200); do t1=$(tick "$name"); [[ -n $t1 ]] && break; sleep 0.05; done
  [[ -n $t1 ]] || die "$name: no tick from the game through nshm read"
  t2=$(advanced "$name" "$t1")
  [[ -n $t2 ]] || die "$name: the counter did not advance past $t1"
  lib=$("$work/reader-native" "$name")
  [[ $lib =~ ^tick\ ([0-9]+)$ ]] && (( BASH_REMATCH[1] >= t2 )) ||
    die "$name: the library (reader built with wincc) read '$lib' after tick $t2"
  say "$ns\\: a native process reads the game's live counter by name (tick $t1, $t2, then '$lib'), holders 2"
  wait "$launcher" || die "$name: nshm wine exited $? ($(cr <"$work/live.out"))"
  grep -qx bridged <(cr <"$work/live.out") || die "$name: the game did not get the bridge's section"
  wait_gone "$name"
  nothing_left "nshm-wb-live-$$"
  say "$ns\\: the name ended with the game and the launcher"
done

# --- 2. the reverse direction: native writes, the Windows program reads ------
name="Local\\nshm-wb-rev-$$"
nshm create "$name" --size 4K --text "hello from Linux $$" --hold </dev/null >/dev/null &
holder=$!; bg+=("$holder")
wait_holders "$name" 1
out=$(nshm wine --map "$name=4K" -- "$work/reader.exe" "$name" | cr)
[[ $out == "hello from Linux $$" ]] || die "$name: the Windows reader printed '$out'"
[[ $(holders "$name") == 1 ]] || die "$name: holders after the bridge ended: $(holders "$name")"
kill -TERM "$holder"; wait "$holder" || true
wait_gone "$name"
nothing_left "nshm-wb-rev-$$"
say "a Windows program reads by name what a native process wrote; the native holder keeps the name after the bridge ends"

# --- 3. exit codes --------------------------------------------------------------
# A program path and an argument with spaces arrive whole (split, the
# reader would exit 1 with its usage).
mkdir -p "$work/with space"
cp "$work/reader.exe" "$work/with space/reader.exe"
rc=0; nshm wine --map "Local\\nshm-wb-rc-$$=4K" -- "$work/with space/reader.exe" "Local\\nshm wb absent $$" >/dev/null || rc=$?
[[ $rc == 2 ]] || die "the program's exit code 2 came back as $rc"
wait_gone "Local\\nshm-wb-rc-$$"
rc=0; wine "$root/crates/named-shm-cli/wine/nshm-wine-helper.exe" --map X 0 Y -- x >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || die "the helper given a bad size exited $rc, not 2"
rc=0; err=$(nshm wine --map "Local\\nshm-wb-rc-$$=4K" -- 'C:\absent\program.exe' 2>&1) || rc=$?
[[ $rc == 1 && $err == *"cannot start the program"*"absent"* ]] || die "a missing program: exit $rc, '$err'"
wait_gone "Local\\nshm-wb-rc-$$"
say "exit codes: the program's is forwarded; the helper rejects bad arguments with 2" and a missing program with 1

# --- 4. a native holder is counted; an existing smaller object is refused ------
name="Local\\nshm-wb-small-$$"
nshm create "$name" --size 4K --hold </dev/null >/dev/null &
holder=$!; bg+=("$holder")
wait_holders "$name" 1
rc=0; err=$(nshm wine --map "$name=64K" -- "$work/reader.exe" "$name" 2>&1) || rc=$?
[[ $rc == 6 && $err == *"4096 bytes, fewer than the 65536"* ]] || die "a smaller existing object: exit $rc, '$err'"
kill -TERM "$holder"; wait "$holder" || true
wait_gone "$name"
say "an existing object smaller than --map asks for is refused, naming it"

# --- 5. programs the program started keep the name ---------------------------
name="Local\\nshm-wb-spawn-$$"
nshm wine --map "$name=4K" -- "$work/game.exe" --spawn "$name" 4096 4000 >"$work/spawn.out" 2>&1 &
launcher=$!; bg+=("$launcher")
for _ in $(seq 1 200); do grep -q spawned "$work/spawn.out" && break; sleep 0.05; done
grep -q spawned "$work/spawn.out" || die "$name: the stub did not start the game"
t1=""; for _ in $(seq 1 200); do t1=$(tick "$name"); [[ -n $t1 ]] && break; sleep 0.05; done
[[ -n $t1 ]] || die "$name: no tick from the spawned game"
t2=$(advanced "$name" "$t1")
[[ -n $t2 ]] || die "$name: the spawned game's counter did not advance past $t1"
[[ $(holders "$name") == 2 ]] || die "$name: holders while the spawned game runs: $(holders "$name")"
kill -0 "$launcher" || die "$name: the launcher ended while a program of the prefix still held the name"
wait "$launcher" || die "$name: nshm wine exited $?"
wait_gone "$name"
nothing_left "nshm-wb-spawn-$$"
say "the bridge lasts while a program started by the program holds the name, then ends"

# --- 6. program first: refused, clearly ----------------------------------------
name="Local\\nshm-wb-first-$$"
wine "$work/game.exe" "$name" 4096 8000 >"$work/first.out" 2>&1 &
game=$!; bg+=("$game")
for _ in $(seq 1 200); do grep -q "own memory" "$work/first.out" && break; sleep 0.05; done
rc=0; err=$(nshm wine --map "$name=4K" -- "$work/reader.exe" "$name" 2>&1) || rc=$?
[[ $rc == 5 && $err == *"already exists in this Wine prefix"* ]] || die "program first: exit $rc, '$err'"
kill -9 "$game" 2>/dev/null || true; wait "$game" 2>/dev/null || true
wait_gone "$name"
nothing_left "nshm-wb-first-$$"
say "a name a Windows program created before the bridge is reported (exit 5), nothing left"

# --- 6b. program first, --attach: mirrored by copying, ends with the program --
name="Local\\nshm-wb-attach-$$"
wine "$work/game.exe" "$name" 4096 8000 >"$work/attach-game.out" 2>&1 &
game=$!; bg+=("$game")
for _ in $(seq 1 200); do grep -q "own memory" "$work/attach-game.out" && break; sleep 0.05; done
grep -q "own memory" "$work/attach-game.out" || die "attach: the game did not start: $(cr <"$work/attach-game.out")"
nshm wine --attach --map "$name=4K" >"$work/attach.out" 2>&1 &
launcher=$!; bg+=("$launcher")
t1=""; for _ in $(seq 1 200); do t1=$(tick "$name" 2>/dev/null); [[ -n $t1 ]] && break; sleep 0.05; done
[[ -n $t1 ]] || die "attach: no tick mirrored natively: $(cr <"$work/attach.out")"
t2=$(advanced "$name" "$t1")
[[ -n $t2 ]] || die "attach: the mirrored counter did not advance past $t1"
grep -q "mirroring" "$work/attach.out" || die "attach: the mirror is not reported: $(cr <"$work/attach.out")"
# The game ends: its name is gone from the prefix, the mirror stops, nshm exits 0.
wait "$game" 2>/dev/null || true
wait "$launcher" || die "attach: nshm wine --attach exited $?: $(cr <"$work/attach.out")"
grep -q "copies in" "$work/attach.out" || die "attach: no copy count: $(cr <"$work/attach.out")"
wait_gone "$name"
nothing_left "nshm-wb-attach-$$"
say "program first with --attach: mirrored natively ($t1 -> $t2), $(sed -n 's/.*: \([0-9]* copies in [0-9]* ms\)/\1/p' "$work/attach.out" | tr -d '\r'), ends with the program"

# --- 7. kill -9: the launcher, the helper and the game; reap reclaims ----------
name="Local\\nshm-wb-kill-$$"
nshm wine --map "$name=4K" -- "$work/game.exe" "$name" 4096 60000 >/dev/null 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$name" 2
helper=$(pgrep -P "$launcher" | head -1)
[[ -n $helper ]] || die "no helper process under the launcher"
game=$(game_pid "nshm-wb-kill-$$" || true)
kill -9 "$launcher" "$helper"
wait "$launcher" 2>/dev/null || true
[[ -z $game ]] || kill -9 "$game" 2>/dev/null || true
# The prefix's lock goes with the helper (the wineserver drops it).
for _ in $(seq 1 300); do [[ $(holders "$name") == "" ]] && break; sleep 0.1; done
out=$(nshm reap)
[[ $out == *"nshm-wb-kill-$$"* ]] || die "reap did not reclaim $name: $out"
nothing_left "nshm-wb-kill-$$"
say "kill -9 of the launcher, the helper and the game: reap reclaims the name"

# The prefix's lock alone keeps the name: with the launcher killed, a native
# holder's close finds the prefix holding it and leaves the name alive.
name="Local\\nshm-wb-alone-$$"
nshm create "$name" --size 4K --hold </dev/null >/dev/null &
holder=$!; bg+=("$holder")
wait_holders "$name" 1
nshm wine --map "$name=4K" -- "$work/game.exe" "$name" 4096 10000 >/dev/null 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$name" 3
kill -9 "$launcher"
wait "$launcher" 2>/dev/null || true
kill -TERM "$holder"; wait "$holder" || true
[[ $(holders "$name") == 1 ]] || die "$name: with only the prefix holding it, holders is '$(holders "$name")'"
t1=$(tick "$name"); t2=$(advanced "$name" "${t1:-0}")
[[ -n $t2 ]] || die "$name: the game's counter is not live with only the prefix holding the name (tick $t1)"
nshm info "$name" | grep -q wineserver || die "$name: nshm info does not show the wineserver as the holder"
for _ in $(seq 1 300); do [[ -z $(holders "$name") || $(holders "$name") == 0 ]] && break; sleep 0.1; done
out=$(nshm reap)
[[ $out == *"nshm-wb-alone-$$"* ]] || die "reap did not reclaim $name: $out"
nothing_left "nshm-wb-alone-$$"
say "the prefix alone keeps a name alive (holders 1, the wineserver, live counter); reaped once the game ended"

# kill -9 of the game alone: the helper and the launcher end the name.
name="Local\\nshm-wb-killgame-$$"
nshm wine --map "$name=4K" -- "$work/game.exe" "$name" 4096 60000 >/dev/null 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$name" 2
for _ in $(seq 1 100); do game=$(game_pid "nshm-wb-killgame-$$" || true); [[ -n $game ]] && break; sleep 0.05; done
[[ -n $game ]] || die "no game process for $name"
kill -9 "$game"
wait "$launcher" || true
wait_gone "$name"
nothing_left "nshm-wb-killgame-$$"
say "kill -9 of the game: the bridge ends and the name with it"

# --- 8. events, both ways ------------------------------------------------------
# A Windows SetEvent wakes a native waiter (only the relay can set it natively).
map="Local\\nshm-wb-evm-$$"; ev="Local\\nshm-wb-ev-$$"
nshm wine --map "$map=4K" --event "$ev" -- "$work/game.exe" "$map" 4096 5000 "$ev" >"$work/ev.out" 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$ev" 1
nshm event wait "$ev" --timeout 30s >/dev/null || die "$ev: the game's SetEvent did not wake a native waiter"
wait "$launcher" || die "$ev: nshm wine exited $? ($(cr <"$work/ev.out"))"
wait_gone "$ev"
say "a Windows program's SetEvent wakes a native waiter"
# A native set wakes a Windows waiter, auto-reset and manual-reset.
for type in auto manual; do
  ev="Local\\nshm-wb-ev-$type-$$"
  nshm create "$map" --size 4K --text "after the event" --hold </dev/null >/dev/null &
  holder=$!; bg+=("$holder")
  wait_holders "$map" 1
  nshm wine --map "$map=4K" --event "$ev=$type" -- "$work/reader.exe" "$map" "$ev" 30000 >"$work/evr.out" 2>&1 &
  launcher=$!; bg+=("$launcher")
  wait_holders "$map" 3 "$launcher" "$work/evr.out" # the holder, the launcher, the prefix
  nshm event set "$ev" >/dev/null
  wait "$launcher" || die "$ev: nshm wine exited $? ($(cr <"$work/evr.out"))"
  [[ $(cr <"$work/evr.out") == $'event\nafter the event' ]] || die "$ev: the Windows reader printed '$(cr <"$work/evr.out")'"
  kill -TERM "$holder"; wait "$holder" || true
  wait_gone "$map"; wait_gone "$ev"
  say "a native SetEvent wakes a Windows waiter ($type-reset)"
done
# A manual-reset event's set and reset made in the prefix are mirrored.
ev="Local\\nshm-wb-ev-mirror-$$"
nshm wine --event "$ev=manual" -- "$work/evctl.exe" "$ev" sleep:500 set sleep:3000 reset sleep:3000 >/dev/null 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$ev" 1
nshm event wait "$ev" --timeout 30s >/dev/null || die "$ev: the prefix's set did not reach the native event"
for _ in $(seq 1 300); do nshm info "$ev" | grep -q 'state: *not set' && break; sleep 0.02; done
nshm info "$ev" | grep -q 'state: *not set' || die "$ev: the prefix's reset did not reach the native event"
wait "$launcher" || die "$ev: nshm wine exited $?"
wait_gone "$ev"
say "a manual-reset event's set and reset in the prefix are mirrored natively"
nothing_left "nshm-wb-ev"

# --- 9. two prefixes bridging one name share one object ------------------------
if [[ ! -f $prefix2/system.reg ]]; then
  say "initialising the second Wine prefix $prefix2"
  WINEPREFIX=$prefix2 wineboot -i >/dev/null 2>&1 || true
  WINEPREFIX=$prefix2 wineserver -w
fi
name="Local\\nshm-wb-two-$$"
nshm wine --map "$name=4K" -- "$work/game.exe" "$name" 4096 8000 >"$work/two.out" 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$name" 2
t1=""; for _ in $(seq 1 200); do t1=$(tick "$name"); [[ -n $t1 ]] && break; sleep 0.05; done
out=$(WINEPREFIX=$prefix2 nshm wine --map "$name=4K" -- "$work/reader.exe" "$name" | cr)
[[ $out =~ ^tick\ ([0-9]+)$ ]] && (( BASH_REMATCH[1] >= t1 )) ||
  die "$name: a program of the second prefix read '$out' (the first's game was at tick $t1)"
wait "$launcher" || die "$name: nshm wine exited $?"
wait_gone "$name"
nothing_left "nshm-wb-two-$$"
say "a program of a second prefix reads the first prefix's game by name ($out)"

# Two bridges of one prefix naming the same object: the second finds the
# first's section backed by the same file and shares it.
name="Local\\nshm-wb-twice-$$"
nshm wine --map "$name=4K" -- "$work/game.exe" "$name" 4096 8000 >"$work/twice.out" 2>&1 &
launcher=$!; bg+=("$launcher")
wait_holders "$name" 2
t1=""; for _ in $(seq 1 200); do t1=$(tick "$name"); [[ -n $t1 ]] && break; sleep 0.05; done
out=$(nshm wine --map "$name=4K" -- "$work/reader.exe" "$name" | cr)
[[ $out =~ ^tick\ ([0-9]+)$ ]] && (( BASH_REMATCH[1] >= t1 )) ||
  die "$name: a second bridge of the same prefix read '$out' (the game was at tick $t1)"
wait "$launcher" || die "$name: nshm wine exited $? ($(cr <"$work/twice.out"))"
wait_gone "$name"
nothing_left "nshm-wb-twice-$$"
say "a second bridge of the same prefix shares the first's section ($out)"

say "passed"
