#!/usr/bin/env bash
# Builds examples/leptos into examples/leptos/dist: one cargo invocation and one wasm-bindgen run
# (--target web, the version Cargo.lock pins, installed by scripts/setup.sh) beside its static
# index.html. No trunk, nothing downloaded. With --test, then runs the example crate's browser
# tests (tests/require_login.rs: feishu-login-leptos's RequireLogin in Chromium, with
# wasm-bindgen-test-runner and Debian's chromedriver).
#
# The one cargo invocation is `cargo test --no-run`: it compiles the app (an integration test
# needs its binary) and the browser tests together, so the Leptos stack is compiled once for
# both. It is also the Leptos crates' lint and rust-version check: it uses the toolchain
# feishu-login-leptos declares (leptos/Cargo.toml), with clippy as the workspace's compiler
# wrapper (what `cargo clippy` does) and warnings denied, so feishu-login-leptos, the example,
# its tests, the READMEs' Rust snippets (examples/leptos/build.rs) and feishu-login's `web`
# feature are linted while they are compiled. Dev profile: the tests need the app working, not
# small (the README's sizes come from release builds).
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(awk -F'"' '/^rust-version/ { print $2; exit }' leptos/Cargo.toml)
export RUSTFLAGS="-D warnings"
RUSTC_WORKSPACE_WRAPPER="$(rustup which --toolchain "$msrv" clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER
build() { cargo "+$msrv" test --target wasm32-unknown-unknown -p feishu-login-example-leptos "$@"; }
build --quiet --no-run
dist=examples/leptos/dist
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --out-dir "$dist" --out-name feishu_login_example_leptos \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/debug/feishu-login-example-leptos.wasm"
cp examples/leptos/index.html "$dist/"
if [ "${1:-}" = --test ]; then
  # The same invocation as above: nothing is compiled again.
  CHROMEDRIVER=$(command -v chromedriver) CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner build
fi
