#!/usr/bin/env node
// Development tool: runs a TypeScript file of this project (benchmarks, test child processes)
// through tsx's loader. tsx is a devDependency; the `terminal` command (bin/terminal.js) runs the build.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [script, ...rest] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: run-ts.js FILE.ts [args...]\n');
  process.exit(2);
}
register();
process.argv = [process.argv[0], resolve(script), ...rest];
await import(pathToFileURL(resolve(script)).href);
