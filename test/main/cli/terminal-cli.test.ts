import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeadlessTerminal, type HeadlessTerminal } from '../../support/headless-terminal.js';
import { terminalBin } from '../../support/run-terminal-cli.js';

function terminal(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [terminalBin, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const running: HeadlessTerminal[] = [];
afterAll(async () => {
  for (const instance of running) await instance.stop();
});

describe('terminal CLI', () => {
  it('lists its subcommands', () => {
    const help = terminal(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['start', 'config', 'pin']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(terminal(['start', '--help']).stdout).toContain('--shell <shell>');
  });

  it('checks a config file: 0 when valid, 1 naming the bad key when not', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cli-config-'));
    writeFileSync(join(folder, 'good.yaml'), 'terminal:\n  mode: kiosk\n');
    writeFileSync(join(folder, 'bad.yaml'), 'terminal:\n  mode: kiosk\n  colour: red\n');
    const good = terminal(['config', 'check', join(folder, 'good.yaml')]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^ok: .*good\.yaml is valid \(mode kiosk/);
    const bad = terminal(['config', 'check', join(folder, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: invalid configuration: .*bad\.yaml: terminal\.colour: unknown key/);
  });

  it('refuses to start with a bad config, writing nothing to the data directory', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cli-start-'));
    writeFileSync(join(folder, 'bad.json'), '{"devices": {"receiptPrinter": "lpt1"}}');
    const dataDir = join(folder, 'data');
    const result = terminal(['start', '--shell', 'headless', '--config', join(folder, 'bad.json'), '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/devices\.receiptPrinter: "lpt1": unknown scheme/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a corrupt journal, naming the file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-corrupt-'));
    writeFileSync(join(dataDir, 'journal.sqlite'), 'garbage'.repeat(1000));
    const result = terminal(['start', '--shell', 'headless', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dataDir, 'journal.sqlite'));
    expect(result.stderr).toMatch(/not a readable SQLite journal/);
  });

  it('refuses a second terminal on the same data directory', async () => {
    const first = await startHeadlessTerminal();
    running.push(first);
    const second = terminal(['start', '--shell', 'headless', '--data-dir', first.dataDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another terminal \(pid \d+\) is already running/);
  });

  it('refuses a wrong --shell or --mode with exit code 2', () => {
    expect(terminal(['start', '--shell', 'tv']).code).toBe(2);
    expect(terminal(['start', '--mode', 'shop']).code).toBe(2);
  });

  it('hashes a PIN read from standard input and refuses malformed ones', () => {
    const hashed = terminal(['pin', 'hash'], '4821\n');
    expect(hashed.code).toBe(0);
    expect(hashed.stdout.trim()).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const refused = terminal(['pin', 'hash'], 'abcd\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('error: a PIN is 4 to 8 digits\n');
  });

  it('never writes PINs or tokens to its log', async () => {
    const instance = await startHeadlessTerminal();
    running.push(instance);
    const response = await fetch(`${instance.origin}/api/call/auth.login`, {
      method: 'POST',
      headers: { authorization: `Bearer ${instance.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'cashier', pin: '1111' }),
    });
    expect(response.status).toBe(200);
    expect(await instance.stop()).toBe(0);
    const logs = join(instance.dataDir, 'logs');
    const text = readdirSync(logs).map((file) => spawnSync('cat', [join(logs, file)], { encoding: 'utf8' }).stdout).join('');
    expect(text).toContain('operator logged in');
    expect(text).not.toContain(instance.token);
    expect(text).not.toMatch(/"pin"\s*:\s*"1111"/);
    expect(text).not.toContain('scrypt$');
  });
});
