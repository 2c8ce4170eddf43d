#!/usr/bin/env bash
# The main command: installs what the build needs, builds the npm package into pkg/, builds and
# starts the demo server (www/, a reference backend and a local Feishu emulator) at
# http://127.0.0.1:8080 (PORT to change it; FEISHU_APP_ID/FEISHU_APP_SECRET for real Feishu).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER=1 FEISHU_SKIP_REDIS=1 source scripts/setup.sh  # the demo needs neither
node scripts/build-pkg.mjs
cargo build -p feishu-login-server
exec target/debug/feishu-login-server
