#!/usr/bin/env bash
# The run command (`npm start`): sets the machine up, builds, then starts the terminal with the
# embedded defaults (sandbox backend, simulated devices). Arguments go to `terminal start`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh run
npm run --silent build >/dev/null
exec node bin/terminal.js start "$@"
