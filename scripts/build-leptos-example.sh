#!/usr/bin/env bash
# Builds examples/leptos into examples/leptos/dist: one cargo build of the app's wasm (dev profile:
# the tests need it to work, not to be small; the README's sizes come from release builds), one
# wasm-bindgen run (--target web, the version Cargo.lock pins, installed by scripts/setup.sh),
# and its static index.html. No trunk, nothing downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --target wasm32-unknown-unknown -p feishu-login-example-leptos
dist=examples/leptos/dist
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --out-dir "$dist" --out-name feishu_login_example_leptos \
  target/wasm32-unknown-unknown/debug/feishu-login-example-leptos.wasm
cp examples/leptos/index.html "$dist/"
