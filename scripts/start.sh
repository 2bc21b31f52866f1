#!/usr/bin/env bash
# The run command (`npm start`): sets the machine up, builds (renderer bundle + dist/node), then
# starts the built terminal (bin/terminal.js runs dist/node) with the embedded defaults (sandbox
# backend, simulated devices). Arguments go to `terminal start`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh run
mkdir -p test-output
npm run --silent build > test-output/build.log 2>&1 || { cat test-output/build.log; echo "error: the build failed (above)" >&2; exit 1; }
exec node bin/terminal.js start "$@"
