/**
 * Runs `node bin/terminal.js ARGS` in a child process without blocking this one (a blocked event
 * loop would break pooled keep-alive sockets of servers the test runs in-process). bin/terminal.js
 * runs the compiled CLI in dist/node, which the vitest global setup compiles when it is stale.
 * `code` is the exit code, or -1 when the child was killed (timeout) without exiting.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const terminalBin = fileURLToPath(new URL('../../bin/terminal.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTerminalCli(args: readonly string[], options: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [terminalBin, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
