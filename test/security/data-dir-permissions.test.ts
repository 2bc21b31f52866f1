/**
 * Hole #8.7, modes: the data directory 0700 and every secret, journal and database in it 0600,
 * for a fresh directory and for one that already existed with looser modes (fixed and logged).
 * Starts real terminals (real journal, logger, embedded sandbox) with the usual umask 022.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTerminalCore, type RunningTerminal } from '../../main/app/start-terminal.js';
import { Journal } from '../../sync/store/journal.js';
import { TerminalCredentialStore } from '../../sync/client/terminal-credential-store.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Every file and folder under DIR except inside the Chromium profile, with its mode. */
function modesUnder(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        found[`${relative(dir, path)}/`] = modeOf(path);
        walk(path);
      } else if (entry.isFile()) {
        found[relative(dir, path)] = modeOf(path);
      }
    }
  };
  walk(dir);
  return found;
}

let savedUmask = 0;
const running: RunningTerminal[] = [];
beforeEach(() => {
  savedUmask = process.umask(0o022);
});
afterEach(async () => {
  for (const terminal of running.splice(0)) await terminal.stop();
  process.umask(savedUmask);
});

async function startAndStop(dataDir: string): Promise<Record<string, string>> {
  const terminal = await startTerminalCore({ dataDir });
  running.push(terminal);
  terminal.publishApiEndpoint({ url: 'http://127.0.0.1:1', token: 'not-a-real-token' });
  const modes = { '.': modeOf(dataDir), ...modesUnder(dataDir) };
  await running.pop()?.stop();
  return modes;
}

describe('data directory permissions', () => {
  it('a fresh data directory: folders 0700, journal, database, keys, runtime files and logs 0600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'modes-')), 'data');
    const modes = await startAndStop(dataDir);
    expect(Object.keys(modes)).toEqual(expect.arrayContaining(['journal.sqlite', 'journal.sqlite-wal', 'runtime/local-api.json', 'runtime/terminal.lock', 'credentials/terminal.json', 'credentials/secret.key', 'logs/terminal.log', 'sandbox/backend.sqlite']));
    const loose = Object.entries(modes).filter(([path, mode]) => (path === '.' || path.endsWith('/') ? mode !== '700' : mode !== '600'));
    expect(loose).toEqual([]);
  }, 60_000);

  it('an existing data directory with loose modes is fixed at start and the fixes are logged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'modes-'));
    const journal = Journal.open(join(dataDir, 'journal.sqlite'));
    journal.close();
    new TerminalCredentialStore(dataDir).save({ backendUrl: 'http://127.0.0.1:9', terminalId: 'T-OLD', terminalName: 'Old', enrolledAtMs: 1, terminalSecret: 'not-a-real-secret' });
    mkdirSync(join(dataDir, 'runtime'));
    writeFileSync(join(dataDir, 'config.yaml'), 'logging:\n  level: info\n');
    for (const [path, mode] of [['.', 0o755], ['journal.sqlite', 0o644], ['credentials', 0o755], ['credentials/terminal.json', 0o644], ['credentials/secret.key', 0o664], ['runtime', 0o777], ['config.yaml', 0o644]] as const) {
      chmodSync(join(dataDir, path), mode);
    }
    const modes = await startAndStop(dataDir);
    const loose = Object.entries(modes).filter(([path, mode]) => (path === '.' || path.endsWith('/') ? mode !== '700' : mode !== '600'));
    expect(loose).toEqual([]);
    const log = readFileSync(join(dataDir, 'logs', 'terminal.log'), 'utf8');
    const entry = log
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { msg: string; fixes?: { path: string; from: string; to: string }[] })
      .find((line) => line.fixes !== undefined);
    expect(entry?.msg).toMatch(/permissions/);
    expect(entry?.fixes).toEqual(
      expect.arrayContaining([
        { path: dataDir, from: '755', to: '700' },
        { path: join(dataDir, 'journal.sqlite'), from: '644', to: '600' },
        { path: join(dataDir, 'credentials'), from: '755', to: '700' },
        { path: join(dataDir, 'credentials', 'terminal.json'), from: '644', to: '600' },
        { path: join(dataDir, 'credentials', 'secret.key'), from: '664', to: '600' },
        { path: join(dataDir, 'runtime'), from: '777', to: '700' },
      ]),
    );
    expect(log).not.toContain('not-a-real-secret');
  }, 60_000);
});
