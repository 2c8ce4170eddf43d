#!/usr/bin/env bash
# Builds examples/leptos into examples/leptos/dist: one cargo build of the app's wasm and one
# wasm-bindgen run (--target web, the version Cargo.lock pins, installed by scripts/setup.sh)
# beside its static index.html. No trunk, nothing downloaded.
#
# The build is also the Leptos crates' lint and rust-version check, in one pass: it uses the
# toolchain feishu-login-leptos declares (leptos/Cargo.toml), with clippy as the workspace's
# compiler wrapper (what `cargo clippy` does) and warnings denied, so feishu-login-leptos, the
# example and feishu-login's `web` feature are linted while they are compiled. Dev profile: the
# tests need the app working, not small (the README's sizes come from release builds).
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(awk -F'"' '/^rust-version/ { print $2; exit }' leptos/Cargo.toml)
RUSTFLAGS="-D warnings" RUSTC_WORKSPACE_WRAPPER="$(rustup which --toolchain "$msrv" clippy-driver)" \
  cargo "+$msrv" build --quiet --target wasm32-unknown-unknown -p feishu-login-example-leptos
dist=examples/leptos/dist
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --out-dir "$dist" --out-name feishu_login_example_leptos \
  target/wasm32-unknown-unknown/debug/feishu-login-example-leptos.wasm
cp examples/leptos/index.html "$dist/"
