/**
 * Hole #8.3: browser mode put the API token on Chromium's command line (`--app=<url>#token=…`),
 * readable by any local user in /proc/<pid>/cmdline. Now the window gets a one-time launch code
 * that only our own user can exchange, once, for the token.
 *
 * Real parts: a terminal core, the loopback host, a stand-in "Chromium" (a shell script that
 * records the command line it was given), HTTP on loopback, and a second local user (uid 65534)
 * who read the code and tries it first.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ensureRendererBuilt } from '../support/headless-terminal.js';
import { runBrowserShell } from '../../main/app/run-browser-shell.js';
import { startTerminalCore, type RunningTerminal } from '../../main/app/start-terminal.js';
import { demoUsers } from '../../main/config/demo-data.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function withEnv(values: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  cleanups.push(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

async function waitForFile(file: string): Promise<string> {
  for (let tries = 0; tries < 400 && !existsSync(file); tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  return readFileSync(file, 'utf8');
}

async function exchange(origin: string, code: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${origin}/api/launch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  return { status: response.status, body: await response.json() };
}

/** What another local user gets when it tries CODE first: the HTTP status, from a process running as uid 65534. */
function exchangeAsOtherUser(origin: string, code: string): Promise<string> {
  const script = `fetch(${JSON.stringify(`${origin}/api/launch`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: ${JSON.stringify(code)} }) }).then((r) => process.stdout.write(String(r.status)), (e) => process.stdout.write('error ' + e.message))`;
  const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', () => resolve(output)));
}

async function startWithFakeChromium(): Promise<{ terminal: RunningTerminal; argv: string[]; printed: string[]; token: string; origin: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'launch-'));
  const argsFile = join(dir, 'chromium-argv');
  const fakeChromium = join(dir, 'chromium');
  writeFileSync(fakeChromium, `#!/bin/sh\necho $$ > "${argsFile}.pid"\nprintf '%s\\n' "$0" "$@" > "${argsFile}.tmp" && mv "${argsFile}.tmp" "${argsFile}"\nexec sleep 600\n`);
  chmodSync(fakeChromium, 0o755);
  withEnv({ CHROMIUM_PATH: fakeChromium, DISPLAY: ':99' });
  const dataDir = join(dir, 'data');
  execFileSync('mkdir', ['-p', dataDir]);
  writeFileSync(join(dataDir, 'config.yaml'), JSON.stringify({ backend: { url: 'http://127.0.0.1:9' }, users: demoUsers }));
  const terminal = await startTerminalCore({ dataDir });
  cleanups.push(() => terminal.stop());
  const printed: string[] = [];
  const shell = await runBrowserShell(terminal, { openWindow: true, print: (line) => printed.push(line) });
  cleanups.push(() => shell.stop());
  const argv = (await waitForFile(argsFile)).split('\n');
  cleanups.push(() => {
    const pid = Number(readFileSync(`${argsFile}.pid`, 'utf8'));
    if (pid > 0) process.kill(pid, 'SIGKILL');
  });
  const endpoint = JSON.parse(readFileSync(terminal.layout.apiEndpoint, 'utf8')) as { url: string; token: string };
  return { terminal, argv, printed, token: endpoint.token, origin: endpoint.url };
}

function launchCodeIn(argv: readonly string[]): string {
  const app = argv.find((argument) => argument.startsWith('--app='));
  return /#launch=([A-Za-z0-9_-]+)$/.exec(app ?? '')?.[1] ?? '';
}

describe.runIf(process.platform === 'linux')('the Chromium window and the API token', () => {
  it('the token is on no command line and in nothing printed; the window gets a one-time code instead', async () => {
    const { argv, printed, token, origin } = await startWithFakeChromium();
    expect(token.length).toBeGreaterThan(20);
    expect(argv.join(' ')).not.toContain(token);
    expect(printed.join('\n')).not.toContain(token);
    const code = launchCodeIn(argv);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(argv.find((argument) => argument.startsWith('--app='))).toBe(`--app=${origin}/#launch=${code}`);
  }, 60_000);

  it('the code gives the token once; a second exchange and a made-up code get nothing', async () => {
    const { argv, token, origin } = await startWithFakeChromium();
    const code = launchCodeIn(argv);
    expect(await exchange(origin, code)).toEqual({ status: 200, body: { ok: true, value: { token } } });
    expect(await exchange(origin, code)).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthenticated' } } });
    expect(await exchange(origin, 'A'.repeat(43))).toMatchObject({ status: 401 });
    expect(await exchange(origin, 'not a code')).toMatchObject({ status: 400 });
  }, 60_000);

  it.runIf(process.getuid?.() === 0)('another local user who read the code from /proc is refused, and the window still gets in', async () => {
    const { argv, token, origin } = await startWithFakeChromium();
    const code = launchCodeIn(argv);
    expect(await exchangeAsOtherUser(origin, code)).toBe('403');
    expect(await exchange(origin, code)).toEqual({ status: 200, body: { ok: true, value: { token } } });
  }, 60_000);
});

describe.runIf(process.platform === 'linux')('the page opened with a launch code (real Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('exchanges the code, clears it from the address bar, survives a reload; the same link in another tab gets nothing', async () => {
    const { argv } = await startWithFakeChromium();
    const appUrl = (argv.find((argument) => argument.startsWith('--app=')) ?? '').slice('--app='.length);
    const page = await browser.newPage();
    await page.goto(appUrl);
    await expect.poll(() => page.getByTestId('mode').textContent()).toBe('收银台');
    expect(page.url()).not.toContain('launch=');
    await page.reload();
    await expect.poll(() => page.getByTestId('mode').textContent()).toBe('收银台');
    const replay = await browser.newPage();
    await replay.goto(appUrl);
    await expect.poll(() => replay.getByTestId('no-token').isVisible()).toBe(true);
  }, 60_000);
});
