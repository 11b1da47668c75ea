#!/usr/bin/env bash
# Differential suite: every probe p*.c is built twice, with mingw (run under
# Wine: the oracle) and with scripts/wincc (run natively on named-shm), and
# the two outputs must match line for line.
#
# Where Wine is known to differ from Windows, overrides/<probe>.txt
# replaces Wine's line by the one Microsoft documents, with the reason:
#   # why
#   - <line as Wine prints it>
#   + <line as Windows prints it>
#
# Usage: crates/named-shm-win32/tests/win32-diff/run.sh [probe-name ...]   (needs wine, mingw-w64)
# Environment: WIN32_DIFF_OUT (build/output directory, default a temp dir),
# WIN32_DIFF_KEEP=1 keeps it; WIN32_DIFF_TIMEOUT (s, default 120) bounds each process.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=${WIN32_DIFF_OUT:-$(mktemp -d /tmp/win32-diff.XXXXXX)}
mkdir -p "$out"
export WINEDEBUG=-all
MINGW=${MINGW_CC:-x86_64-w64-mingw32-gcc}

probes=()
if [[ $# -gt 0 ]]; then
  for p in "$@"; do probes+=("$here/${p%.c}.c"); done
else
  probes=("$here"/p*.c)
fi

# Build everything first (the library once, via wincc).
for src in "${probes[@]}"; do
  name=$(basename "$src" .c)
  flags=$(sed -n 's|^/\* probe-flags: \(.*\) \*/$|\1|p' "$src")
  mflags=$(sed -n 's|^/\* probe-mingw-flags: \(.*\) \*/$|\1|p' "$src")
  # mingw's linker takes libraries after the source (wincc needs none).
  mlibs=$(sed -n 's|^/\* probe-mingw-libs: \(.*\) \*/$|\1|p' "$src")
  # shellcheck disable=SC2086
  "$MINGW" -O1 -Wall -Wno-unused-function $flags $mflags -I"$here" "$src" $mlibs -o "$out/$name.exe"
  # shellcheck disable=SC2086
  "$root/scripts/wincc" -O1 -Wall -Wno-unused-function -Wno-format $flags -I"$here" "$src" -o "$out/$name"
done

run_role() { # <cmd-prefix> <binary> <role> <tag> <outfile>
  local rc=0
  # shellcheck disable=SC2086
  timeout "${WIN32_DIFF_TIMEOUT:-120}" $1 "$2" "$3" "$4" >"$5.$3" 2>"$5.$3.err" || rc=$?
  echo "[$3] exit=$rc" >>"$5.$3"
}

# run_probe <cmd-prefix> <binary> <tag> <outfile>: runs the role plan.
run_probe() {
  local prefix=$1 bin=$2 tag=$3 file=$4
  local plan
  plan=$("$out/$(basename "$bin" .exe)" roles)
  local pids=() roles=() i=0
  : >"$file"
  for r in $plan; do
    local role=${r%&}
    roles+=("$role")
    if [[ $r == *"&" ]]; then
      run_role "$prefix" "$bin" "$role" "$tag" "$file" &
      pids+=($!)
      sleep 0.2
    else
      run_role "$prefix" "$bin" "$role" "$tag" "$file"
    fi
    i=$((i + 1))
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for role in "${roles[@]}"; do tr -d '\r' <"$file.$role" >>"$file"; done
}

apply_overrides() { # <wine-output> <override-file> -> stdout
  local in=$1 ov=$2
  if [[ ! -f $ov ]]; then cat "$in"; return; fi
  awk -v ov="$ov" '
    BEGIN {
      n = 0
      while ((getline l < ov) > 0) {
        if (l ~ /^- /) { from[++n] = substr(l, 3) }
        else if (l ~ /^\+ /) { to[n] = substr(l, 3) }
      }
    }
    { line = $0; for (i = 1; i <= n; i++) if (line == from[i]) { line = to[i]; break } print line }
  ' "$in"
}

total=0
failed=0
run_id="$$-$(date +%s)"
for src in "${probes[@]}"; do
  name=$(basename "$src" .c)
  run_probe wine "$out/$name.exe" "w$run_id" "$out/$name.wine"
  run_probe "" "$out/$name" "n$run_id" "$out/$name.native"
  apply_overrides "$out/$name.wine" "$here/overrides/$name.txt" >"$out/$name.expected"
  lines=$(wc -l <"$out/$name.expected")
  if diff -u "$out/$name.expected" "$out/$name.native" >"$out/$name.diff"; then
    echo "win32-diff: $name: $lines lines match"
  else
    echo "win32-diff: $name: MISMATCH (expected = Wine + overrides, actual = native)"
    cat "$out/$name.diff"
    failed=$((failed + 1))
  fi
  total=$((total + lines))
done
echo "win32-diff: ${#probes[@]} probes, $total lines compared, $failed probe(s) differ"
if [[ "${WIN32_DIFF_KEEP:-0}" != 1 && -z "${WIN32_DIFF_OUT:-}" ]]; then rm -rf "$out"; fi
[[ $failed == 0 ]]
