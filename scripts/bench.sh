#!/usr/bin/env bash
# The benchmark: installs what it needs, builds pkg/, installs the anchor SDKs (bench/package.json)
# and runs bench/run.mjs in headless Chromium (loopback and a throttled network, with and without
# preload hints; BENCH_* variables in bench/run.mjs). Prints the tables; writes bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
node scripts/build-pkg.mjs
(cd bench && npm ci --no-audit --no-fund --loglevel=error)
node bench/run.mjs
