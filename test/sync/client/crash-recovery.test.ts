/**
 * Crash test: a terminal (child process) selling and syncing against the real backend is killed
 * with SIGKILL at random moments, then restarted, CRASH_TEST_KILLS times (default 20 in
 * `npm test`; run 200 with `CRASH_TEST_KILLS=200 npx vitest run test/sync/client/crash-recovery.test.ts`).
 * Afterwards a final run resolves what is open and drains the outbox, and the terminal's and the
 * backend's databases must agree exactly.
 *
 * The kill moments and the children's sale amounts come from one seed, printed as
 * `crash seed: N`; `CRASH_SEED=N` (with the same CRASH_TEST_KILLS) replays that schedule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../main/app/project-files.js';
import { startBackend, type RunningBackend } from '../../../backend/start-backend.js';
import { enrollTerminal } from '../../../sync/client/enroll-terminal.js';
import { TerminalCredentialStore, type StoredIdentity } from '../../../sync/client/terminal-credential-store.js';
import { crashSchedule, crashSeedFromEnvironment, crashSeedLine } from '../../support/crash-schedule.js';
import { compareTerminalAndBackend } from '../../support/terminal-backend-comparison.js';
import { startTerminalUnderTest } from '../../support/terminal-under-test.js';

const kills = Number(process.env.CRASH_TEST_KILLS ?? 20);
const seed = crashSeedFromEnvironment();
const replay = crashSeedLine(seed);

let dir: string;
let backend: RunningBackend;
let identity: StoredIdentity;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crash-'));
  backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), port: 0, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') }, logError: () => undefined });
  const { code } = backend.registry.issueEnrollmentCode('Crash test');
  mkdirSync(join(dir, 'terminal'));
  identity = await enrollTerminal({ backendUrl: backend.url, code, store: new TerminalCredentialStore(join(dir, 'terminal')), nowMs: Date.now() });
}, 60_000);

afterAll(async () => {
  await backend?.close();
});

function startChild(journalFile: string, childSeed: number): { child: ChildProcess; ready: Promise<void>; sold: () => number } {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run-ts.js'), join(projectRoot, 'test', 'support', 'crashing-terminal-child.ts'), journalFile, backend.url, String(childSeed)], {
    env: { ...process.env, CRASH_CREDENTIALS: JSON.stringify({ terminalId: identity.terminalId, terminalSecret: identity.terminalSecret }), CRASH_SANDBOX_KEY: readFileSync(backend.sandboxAccessKeyFile ?? '', 'utf8').trim() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before it was ready: ${errors.slice(-2000)}`)));
  });
  return { child, ready, sold: () => output.split('\n').filter((line) => line.startsWith('sold ')).length };
}

describe(`terminal killed with SIGKILL ${kills} times during sales and sync`, () => {
  it('afterwards agrees exactly with the backend', async () => {
    console.log(replay);
    const journalFile = join(dir, 'terminal', 'journal.sqlite');
    let sold = 0;
    for (const round of crashSchedule(seed, { rounds: kills, minKillAfterMs: 0, maxKillAfterMs: 699 })) {
      const { child, ready, sold: soldSoFar } = startChild(journalFile, round.childSeed);
      await ready;
      await new Promise((resolve) => setTimeout(resolve, round.killAfterMs));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      sold += soldSoFar();
    }
    const terminal = startTerminalUnderTest({ journalFile, baseUrl: backend.url, credentials: identity });
    try {
      await terminal.payments.resolveOpenIntents();
      const deadline = Date.now() + 60_000;
      while (terminal.journal.outboxStats().depth > 0 && Date.now() < deadline) await terminal.sync.syncNow();
      const comparison = compareTerminalAndBackend(terminal.journal, backend.db, identity.terminalId);
      expect(comparison.problems, replay).toEqual([]);
      expect(terminal.journal.openIntents(), replay).toEqual([]);
      expect(comparison.terminalOrders, replay).toBeGreaterThanOrEqual(sold);
      expect(comparison.terminalOrders, replay).toBeGreaterThan(0);
    } finally {
      await terminal.stop();
    }
  }, 600_000);
});
