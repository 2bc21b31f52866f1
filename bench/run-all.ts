/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process, one after the other, so
 * each measures its ratios against a baseline taken in the same run. Timing targets live here,
 * never in tests. Exits non-zero when a benchmark fails to run (not when a target is missed:
 * each benchmark reports its ratio against its target in its own output).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2];
const files = readdirSync('bench')
  .filter((file) => file.endsWith('.bench.ts') && (!only || file.includes(only)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`error: no benchmark matches ${only ?? '*'}\n`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['bin/run-ts.js', join('bench', file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    process.stderr.write(`error: ${file} exited with ${String(result.status)}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
