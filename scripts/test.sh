#!/usr/bin/env bash
# All the tests, from a fresh clone: installs what is missing, then lint, native unit tests,
# browser tests in headless Chromium, the npm package build with its size budget, and the
# packed-package tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check
step "clippy (native and wasm32, -D warnings)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings

step "native unit tests (cargo test)"
cargo test

step "browser tests (wasm-bindgen-test, headless Chromium)"
port=${FEISHU_TEST_BACKEND_PORT:-8787}
PORT=$port node tests/support/backend.mjs &
backend_pid=$!
trap 'kill $backend_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/calls" >/dev/null && break; sleep 0.1; done
FEISHU_TEST_BACKEND="http://127.0.0.1:$port" wasm-pack test --mode no-install --headless --chrome --test browser --test hosts

step "npm package (pkg/) and its size"
node scripts/build-pkg.mjs

step "packed package in Chromium (node --test)"
node --test tests/
