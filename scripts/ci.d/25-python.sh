#!/usr/bin/env bash
# The Python binding: the named_shm wheel built with maturin, installed into
# a fresh venv, and its pytest suite (skipped, with the reason, where no
# python3 is installed).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/test-python.sh
