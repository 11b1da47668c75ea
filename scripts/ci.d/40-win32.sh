#!/usr/bin/env bash
# named-shm-win32: unchanged Windows programs on Linux.
#  1. The two programs of Microsoft's "Creating Named Shared Memory" sample,
#     shipped unchanged as crates/named-shm-win32/examples/seed_{first,second}.cpp,
#     built with scripts/wincc
#     (narrow and UNICODE) and run as a user would: the first in a terminal
#     (tmux) waiting for a key, the second showing the message, the name
#     gone once both have exited.
#  2. crates/named-shm-win32/examples built and run (event-signalled variant;
#     the producer/consumer ring natively and under Wine).
#  3. The differential suite crates/named-shm-win32/tests/win32-diff: each probe built with mingw
#     and run under Wine (the oracle), and built with wincc and run natively;
#     outputs must match line for line.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export WINEDEBUG=-all
# No Mono/Gecko installers on the first Wine start (nothing here needs them).
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree=;mshtml=}"

# --- dependencies (idempotent) -------------------------------------------
need=()
command -v wine >/dev/null 2>&1 || need+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++ >/dev/null 2>&1 || need+=(g++-mingw-w64-x86-64)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v g++ >/dev/null 2>&1 || need+=(g++)
if [[ ${#need[@]} -gt 0 ]]; then
  echo "40-win32: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/ci-win32.XXXXXX)
tmux_session="nshm-seed-$$"
cleanup() {
  tmux kill-session -t "$tmux_session" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet --release -p named-shm-win32
wincc="$root/scripts/wincc"

shm_clean() { # <pattern>: no object whose file name contains it is left in /dev/shm
  if ls -R /dev/shm 2>/dev/null | grep -q -- "$1"; then
    echo "40-win32: FAIL: objects matching '$1' left in /dev/shm:"; ls -R /dev/shm; return 1
  fi
}

# --- 1. the seed's programs, unchanged -------------------------------------
examples=crates/named-shm-win32/examples
for f in seed_first seed_second; do
  [[ -f $examples/$f.cpp ]] || { echo "40-win32: FAIL: $examples/$f.cpp is missing"; exit 1; }
done
cp "$examples/seed_first.cpp" "$work/seed1.cpp"
cp "$examples/seed_second.cpp" "$work/seed2.cpp"
for variant in narrow unicode; do
  flags=()
  [[ $variant == unicode ]] && flags=(-DUNICODE -D_UNICODE)
  "$wincc" "${flags[@]}" "$work/seed1.cpp" -o "$work/first-$variant"
  "$wincc" "${flags[@]}" "$work/seed2.cpp" -o "$work/second-$variant"
  rm -f "$work/first.rc"
  # The first process in a real terminal, blocked in _getch().
  tmux new-session -d -s "$tmux_session" -x 80 -y 24 \
    "$work/first-$variant; echo \$? > $work/first.rc"
  msg=""
  for _ in $(seq 1 100); do
    if msg=$("$work/second-$variant" 2>&1); then break; fi
    msg=""
    sleep 0.1
  done
  echo "40-win32: seed ($variant): second process printed: $msg"
  [[ $msg == "Process2: Message from first process." ]] || { echo "40-win32: FAIL: unexpected message"; exit 1; }
  [[ ! -f $work/first.rc ]] || { echo "40-win32: FAIL: the first process did not wait for a key"; exit 1; }
  tmux send-keys -t "$tmux_session" x
  for _ in $(seq 1 100); do [[ -f $work/first.rc ]] && break; sleep 0.1; done
  [[ -f $work/first.rc && $(cat "$work/first.rc") == 0 ]] || { echo "40-win32: FAIL: first process did not exit 0 after a key"; exit 1; }
  tmux kill-session -t "$tmux_session" 2>/dev/null || true
  rc=0
  after=$("$work/second-$variant" 2>&1) || rc=$?
  echo "40-win32: seed ($variant): after both exited: $after (exit $rc)"
  [[ $rc == 1 && $after == "Could not open file mapping object (2)." ]] || { echo "40-win32: FAIL: the name outlived its handles"; exit 1; }
  shm_clean MyFileMappingObject
done

# --- 2. examples ----------------------------------------------------------
for f in first second event_first event_second; do
  "$wincc" -Wall -Wno-format "crates/named-shm-win32/examples/$f.c" -o "$work/$f"
  "$wincc" -Wall -Wno-format -DUNICODE -D_UNICODE "crates/named-shm-win32/examples/$f.c" -o "$work/$f-w"
done
for suffix in "" -w; do
  "$work/event_first$suffix" >"$work/ev1.out" &
  pid=$!
  "$work/event_second$suffix" >"$work/ev2.out"
  wait "$pid"
  grep -q "Process2: Message from first process, signalled by an event." "$work/ev2.out"
  grep -q "replied: Thanks, got it." "$work/ev1.out"
done
echo "40-win32: crates/named-shm-win32/examples event variant OK (narrow and UNICODE)"
shm_clean NamedShm

# The producer/consumer ring (threads, semaphores, a ring in a named mapping,
# Interlocked*, sprintf_s): natively, narrow and UNICODE, and under Wine.
for suffix in "" -w; do
  flags=()
  [[ $suffix == -w ]] && flags=(-DUNICODE -D_UNICODE)
  "$wincc" -Wall -Wextra "${flags[@]}" crates/named-shm-win32/examples/ring.c -o "$work/ring$suffix"
  "$work/ring$suffix" producer 4 5000 "ci$$$suffix" >"$work/ring-p.out" &
  pid=$!
  "$work/ring$suffix" consumer 4 5000 "ci$$$suffix" >"$work/ring-c.out"
  wait "$pid"
  grep -qx "producer: 20000 messages from 4 threads" "$work/ring-p.out"
  grep -qx "consumer: 20000 messages, sum 3049990000, every message exactly once: OK" "$work/ring-c.out"
done
echo "40-win32: examples/ring.c OK natively (narrow and UNICODE)"
shm_clean NamedShmRing

# --- 3. differential suite against Wine ------------------------------------
if [[ ! -d ${WINEPREFIX:-$HOME/.wine} ]]; then
  echo "40-win32: initialising the Wine prefix"
  wineboot -i >/dev/null 2>&1 || true
fi
WINCC_NO_BUILD=1 crates/named-shm-win32/tests/win32-diff/run.sh
x86_64-w64-mingw32-gcc -O1 -Wall crates/named-shm-win32/examples/ring.c -o "$work/ring.exe"
wine "$work/ring.exe" producer 3 1000 "ciw$$" | tr -d '\r' >"$work/ringw-p.out" &
pid=$!
wine "$work/ring.exe" consumer 3 1000 "ciw$$" | tr -d '\r' >"$work/ringw-c.out"
wait "$pid"
grep -qx "producer: 3000 messages from 3 threads" "$work/ringw-p.out"
grep -qx "consumer: 3000 messages, sum 301498500, every message exactly once: OK" "$work/ringw-c.out"
echo "40-win32: examples/ring.c OK under Wine"
shm_clean nshm-probe
wineserver -k 2>/dev/null || true
echo "40-win32: passed"
