#!/usr/bin/env bash
# The main command: installs what the build needs, builds the npm package into pkg/, and
# serves the demo at http://127.0.0.1:8080 (PORT to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER=1 source scripts/setup.sh
node scripts/build-pkg.mjs
exec node scripts/serve.mjs
