#!/usr/bin/env bash
# Formatting and lints on the host target.
set -euo pipefail
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The library builds for a target without a backend (the unsupported
# backend: every call fails with Error::Unsupported), warning-free.
rustup target add x86_64-apple-darwin >/dev/null 2>&1
cargo clippy -p named-shm --lib --target x86_64-apple-darwin -- -D warnings
# The library's docs build without a broken link.
RUSTDOCFLAGS="-D warnings" cargo doc -p named-shm --no-deps
