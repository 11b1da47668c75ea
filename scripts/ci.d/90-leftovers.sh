#!/usr/bin/env bash
# After every other stage: no test, example or tool may leave a named object
# behind. Namespace directories themselves persist by design (like /tmp);
# empty ones are removed here so the machine is left as it was found.
set -euo pipefail
root=${NAMED_SHM_DIR:-/dev/shm}
left=$(find "$root" -mindepth 2 -path "$root/named-shm.*/*" 2>/dev/null || true)
if [ -n "$left" ]; then
  echo "named objects left behind:"
  echo "$left"
  exit 1
fi
find "$root" -maxdepth 1 -name 'named-shm*' -type d -empty -delete 2>/dev/null || true
echo "no named objects left behind"
