#!/usr/bin/env node
// Entry point of the `terminal` command: runs the compiled CLI in dist/node (`npm run build`).
// Contract: when the build is missing it prints one line `error: …` on standard error and exits 1;
// otherwise the exit code is the CLI's (0 ok, 1 failed operation, 2 wrong usage).
import { existsSync } from 'node:fs';

const builtCli = new URL('../dist/node/main/cli/terminal-cli.js', import.meta.url);
if (!existsSync(builtCli)) {
  process.stderr.write('error: the terminal is not built; run npm run build\n');
  process.exit(1);
}
// The build writes source maps: stack traces in logs then name the TypeScript lines.
process.setSourceMapsEnabled(true);
const { runCli } = await import(builtCli.href);
process.exitCode = await runCli(process.argv.slice(2));
