#!/usr/bin/env bash
# The test command (`npm test`): sets the machine up, then lint, typecheck, build and every test.
# Ends with one line "tests: N passed, N failed". The build comes before vitest: tests run
# bin/terminal.js, which runs dist/node (vitest's global setup then finds it current and compiles nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh test
npm run --silent lint
npm run --silent typecheck
mkdir -p test-output
npm run --silent build > test-output/build.log 2>&1 || { cat test-output/build.log; echo "error: the build failed (above)" >&2; exit 1; }
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
node -e '
  const report = JSON.parse(require("fs").readFileSync("test-output/vitest.json", "utf8"));
  const skipped = report.numPendingTests + report.numTodoTests;
  console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (report.numTotalTests === 0) { console.error("error: no test ran"); process.exit(1); }
' || status=1
exit "$status"
