#!/usr/bin/env bash
# Installs what building and testing need, where it is missing: the wasm32 target, the pinned
# nightly that builds the shipped wasm (scripts/shipped-toolchain), wasm-bindgen-cli at the
# version Cargo.lock pins, the crate's rust-version (checked by the tests), the Leptos crates'
# rust-version with clippy, Debian's chromium (driven by playwright-core) and chromedriver
# (wasm-bindgen-test-runner), Debian's redis-server (the Redis session store's tests; required
# unless FEISHU_SKIP_REDIS=1), and the npm devDependencies (binaryen's wasm-opt, playwright-core).
# Idempotent: a prepared machine skips every step. Sourced or run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The shipped wasm is built with a pinned nightly and core/alloc rebuilt from rust-src
# (immediate-abort panics; see scripts/build-pkg.mjs). rustup fetches it like the target above;
# if that fails, the build falls back to stable (FEISHU_LOGIN_TOOLCHAIN=stable forces it).
shipped_toolchain=$(cat scripts/shipped-toolchain)
if ! rustup run "$shipped_toolchain" rustc --print sysroot >/dev/null 2>&1 \
  || ! rustup component list --toolchain "$shipped_toolchain" --installed | grep -q '^rust-src' \
  || ! rustup target list --toolchain "$shipped_toolchain" --installed | grep -qx wasm32-unknown-unknown; then
  say "installing $shipped_toolchain with rust-src and wasm32 (builds the shipped wasm)"
  # Not fatal: without it scripts/build-pkg.mjs falls back to stable (a bigger wasm, no size budget).
  if ! rustup toolchain install "$shipped_toolchain" --profile minimal --component rust-src --target wasm32-unknown-unknown; then
    say "WARNING: could not install $shipped_toolchain (see rustup's error above: offline, or that nightly"
    say "  lacks a component). scripts/build-pkg.mjs will build the wasm with stable instead: it works the"
    say "  same but is several KB bigger, and size-budget.json is not checked."
  fi
fi

# The crate's declared rust-version is built by the test command (cargo +<version> check).
msrv=$(awk -F'"' '/^rust-version/ { print $2; exit }' Cargo.toml)
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1 \
  || ! rustup target list --toolchain "$msrv" --installed | grep -qx wasm32-unknown-unknown; then
  say "installing Rust $msrv (the crate's rust-version, checked by the tests)"
  rustup toolchain install "$msrv" --profile minimal --target wasm32-unknown-unknown
fi

# feishu-login-leptos and examples/leptos declare their own rust-version (Leptos 0.8 needs 1.88):
# the test command builds and lints them with it (scripts/build-leptos-example.sh: clippy-driver as
# the compiler wrapper), so clippy and wasm32 come along.
leptos_msrv=$(awk -F'"' '/^rust-version/ { print $2; exit }' leptos/Cargo.toml)
if ! rustup run "$leptos_msrv" cargo clippy --version >/dev/null 2>&1 \
  || ! rustup target list --toolchain "$leptos_msrv" --installed | grep -qx wasm32-unknown-unknown; then
  say "installing Rust $leptos_msrv with clippy (feishu-login-leptos's rust-version, checked by the tests)"
  rustup toolchain install "$leptos_msrv" --profile minimal --component clippy --target wasm32-unknown-unknown
fi

[ -f Cargo.lock ] || cargo generate-lockfile
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (matches Cargo.lock)"
  cargo install --force wasm-bindgen-cli --version "$bindgen_version"
fi

if [ -z "${SKIP_BROWSER:-}" ] && ! command -v chromium >/dev/null; then
  say "installing chromium from Debian"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# Debian's chromedriver (the version of Debian's chromium): wasm-bindgen-test-runner drives the
# Rust API's browser tests (tests/web.rs) with it.
if [ -z "${SKIP_BROWSER:-}" ] && ! command -v chromedriver >/dev/null; then
  say "installing chromium-driver from Debian (the Rust API's browser tests)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium-driver >/dev/null
fi

# Debian's redis-server: the server tests and the load smoke run the Redis session store against
# instances of their own. Required: without it those tests fail (FEISHU_SKIP_REDIS=1 skips them
# explicitly, for a machine that cannot have it; the CI command never sets it).
if [ "${FEISHU_SKIP_REDIS:-}" != 1 ] && ! command -v redis-server >/dev/null; then
  say "installing redis-server from Debian (the Redis session store's tests)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  if ! command -v apt-get >/dev/null \
    || ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null; }; then
    say "ERROR: redis-server could not be installed (see above). The Redis store's tests need it:"
    say "  install it (Debian: apt-get install redis-server), or set FEISHU_SKIP_REDIS=1 to skip them."
    exit 1
  fi
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
  say "installing npm devDependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
