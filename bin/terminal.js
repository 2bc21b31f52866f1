#!/usr/bin/env node
// Entry point of the `terminal` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../main/cli/terminal-cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
