/** Runs `terminal start --shell headless` as a child process and hands back its page URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

export interface HeadlessTerminal {
  readonly pageUrl: string;
  readonly origin: string;
  readonly token: string;
  readonly dataDir: string;
  /** The embedded sandbox backend's address (default config), when the terminal printed one. */
  readonly sandboxUrl: string | undefined;
  readonly child: ChildProcess;
  stop(): Promise<number | null>;
}

function newestSourceMs(folder: string): number {
  return readdirSync(folder, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(folder, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs);
  }, 0);
}

/** Builds the renderer when it was never built, or when a renderer or contract source is newer than the build. */
export async function ensureRendererBuilt(): Promise<void> {
  const built = 'dist/renderer/index.html';
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(newestSourceMs('renderer'), newestSourceMs('main/contract'), newestSourceMs('main/domain'))) return;
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}

export async function startHeadlessTerminal(args: readonly string[] = [], dataDir = mkdtempSync(join(tmpdir(), 'terminal-e2e-'))): Promise<HeadlessTerminal> {
  const child = spawn(process.execPath, ['bin/terminal.js', 'start', '--shell', 'headless', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const pageUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`terminal did not print its URL in time; stderr: ${errors}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^url: (\S+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`terminal exited with ${String(code)}: ${errors}`));
    });
  });
  const url = new URL(pageUrl);
  // The sandbox line follows the url line immediately when there is one.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const sandboxUrl = /^sandbox: (\S+)/m.exec(output)?.[1];
  return {
    sandboxUrl,
    pageUrl,
    origin: url.origin,
    token: url.hash.replace('#token=', ''),
    dataDir,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
