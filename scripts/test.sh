#!/usr/bin/env bash
# All the tests, from a fresh clone: installs what is missing, then lint, native unit tests,
# browser tests in headless Chromium, the npm package build (with the pinned nightly: a build that
# falls back to stable fails here; FEISHU_LOGIN_TOOLCHAIN=stable builds with stable and skips the
# size ceilings, for local hacking only), the packed-package tests with each entry's ceiling, the
# browser tests of the package and the end-to-end tests of the demo (screenshots in
# tests/artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check
step "clippy (native and wasm32, -D warnings; the demo server)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
# The shipped no_std builds: each npm entry's flows (scripts/build-pkg.mjs), and none.
for flows in hosts,redirect,popup,qr hosts redirect ""; do
  cargo clippy --no-default-features ${flows:+--features "$flows"} --target wasm32-unknown-unknown -- -D warnings
done
cargo clippy -p feishu-login-server --all-targets -- -D warnings

step "the declared rust-version builds (cargo +$msrv check, native, the shipped wasm32 build, the Rust API)"
cargo "+$msrv" check --lib --quiet
cargo "+$msrv" check --lib --quiet --no-default-features --target wasm32-unknown-unknown
cargo "+$msrv" check --lib --quiet --features web --target wasm32-unknown-unknown

step "examples/leptos and RequireLogin's browser tests: built with the Leptos crates' rust-version ($leptos_msrv) and clippy, -D warnings"
# One pass is their build, their lint and the check of their declared rust-version, the READMEs'
# Rust snippets compiled with it; then tests/require_login.rs in Chromium. The Leptos test
# (node --test below) serves what it built.
./scripts/build-leptos-example.sh --test

step "rustdoc (native and wasm32, -D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet --target wasm32-unknown-unknown --features web

step "the crates as crates.io would take them (cargo publish --dry-run --no-verify: metadata, files, dependencies)"
# Without --no-verify (about 3 minutes more) it also builds the packaged crates:
#   cargo publish --dry-run -p feishu-login -p feishu-login-leptos
cargo publish --dry-run --no-verify --allow-dirty --quiet -p feishu-login -p feishu-login-leptos

step "native tests (cargo test: the engine through a scripted driver, the core, the emulator and reference backend)"
cargo test
cargo test -p feishu-login-server

step "the Rust API in Chromium (tests/web.rs: wasm-bindgen-test-runner, Debian's chromedriver)"
CHROMEDRIVER=$(command -v chromedriver) CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --features web --test web

step "npm package (pkg/): an entry per kind of app, with the pinned nightly"
FEISHU_LOGIN_TOOLCHAIN="${FEISHU_LOGIN_TOOLCHAIN:-nightly}" node scripts/build-pkg.mjs

step "packed package, its browser tests and the end-to-end demo in Chromium (node --test)"
cargo build -p feishu-login-server
# Every browser test runs the built package through its public JS API, as users do:
# browser/hosts (the v0 contract), defects (regressions of v0 behaviours), package (with each
# entry's size ceiling), entries (feishu-login/host and /browser with their flows, and what each
# lacks), e2e, bindings (<entry>/react and /vue) and examples (examples/*, built from the packed package; their
# npm dependencies are installed on the first run and kept), readme (README.zh-CN.md in step),
# readme-snippets (every JS/TS snippet of both READMEs under tsc --strict), leptos (examples/leptos,
# built by scripts/build-leptos-example.sh: cargo + wasm-bindgen).
node --test tests/*.test.mjs
