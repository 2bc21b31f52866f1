/**
 * Acceptance, end to end with real processes: the reference backend (in this process, port 0), a
 * headless terminal (child) enrolled with `terminal enroll`, and `terminal sale` (child) driving
 * it through the local API: a QR sale paid by the sandbox wallet, a customer-code sale, a declined
 * code; with the backend stopped, QR fails at once while cash sells, and after the backend comes
 * back the cash sale reaches it exactly once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../../../backend/start-backend.js';
import { startHeadlessTerminal, type HeadlessTerminal } from '../../support/headless-terminal.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function terminalCli(args: readonly string[], onStdout: (text: string) => void = () => undefined): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/terminal.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let backend: RunningBackend;
let terminal: HeadlessTerminal;
let dataDir: string;

const startOurBackend = (port = 0) => startBackend({ dbFile: join(dir, 'backend.sqlite'), port, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') }, logError: () => undefined });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sale-cli-'));
  backend = await startOurBackend();
  dataDir = join(dir, 'terminal');
  const { code } = backend.registry.issueEnrollmentCode('Counter 1');
  const enrolled = await terminalCli(['enroll', '--backend', backend.url, '--code', code, '--data-dir', dataDir]);
  expect(enrolled.stderr).toBe('');
  expect(enrolled.stdout).toMatch(/^enrolled: terminal T-/m);
  terminal = await startHeadlessTerminal([], dataDir);
}, 120_000);

afterAll(async () => {
  await terminal?.stop();
  await backend?.close();
});

describe('terminal sale against a running terminal and the reference backend', () => {
  it('sells by merchant-presented QR: prints `qr: <content>`, waits for the wallet, exits 0', async () => {
    let paid = false;
    const run = await terminalCli(['sale', '--amount', '12.50', '--method', 'qr', '--data-dir', dataDir], (stdout) => {
      const match = /^qr: (.+)$/m.exec(stdout);
      if (match?.[1] && !paid) {
        paid = true;
        const answer = backend.sandbox?.walletPays({ qrContent: match[1] });
        expect(answer, JSON.stringify(answer)).toMatchObject({ outcome: 'paid' });
      }
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^qr: 000201010212/m);
    expect(run.stdout).toMatch(/[█▀▄]/);
    expect(run.stdout).toMatch(/^state: paid$/m);
  }, 120_000);

  it('sells by customer code, and exits 1 naming the state when the code is declined', async () => {
    const good = backend.sandbox?.issueCustomerCode({ balanceMinor: 10_000 }).code ?? '';
    const ok = await terminalCli(['sale', '--amount', '8.00', '--method', 'code', '--code', good, '--data-dir', dataDir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^state: paid$/m);
    const declining = backend.sandbox?.issueCustomerCode({ balanceMinor: 10_000, behaviour: 'decline' }).code ?? '';
    const declined = await terminalCli(['sale', '--amount', '8.00', '--method', 'code', '--code', declining, '--data-dir', dataDir]);
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/^error: payment failed/m);
  }, 120_000);

  it('with the backend down: QR says unavailable at once, cash sells; the cash sale reaches the backend once after it returns', async () => {
    const port = backend.port;
    await backend.close();
    const qr = await terminalCli(['sale', '--amount', '3.00', '--method', 'qr', '--data-dir', dataDir]);
    expect(qr.code).toBe(1);
    expect(qr.stderr).toMatch(/unavailable/);
    // Cash needs an operator session, from the CLI as from the counter.
    const anonymous = await terminalCli(['sale', '--amount', '4.00', '--method', 'cash', '--data-dir', dataDir]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/unauthenticated/);
    const cash = await terminalCli(['sale', '--amount', '4.00', '--method', 'cash', '--user', 'cashier', '--pin', '1111', '--data-dir', dataDir]);
    expect(cash.code).toBe(0);
    const paymentId = /payment (\S+)$/m.exec(cash.stdout)?.[1] ?? '';
    backend = await startOurBackend(port);
    const deadline = Date.now() + 60_000;
    let rows: unknown[] = [];
    while (Date.now() < deadline) {
      rows = backend.db.prepare('SELECT intent_id, state FROM journal_intents WHERE intent_id = ?').all(paymentId);
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(rows).toEqual([{ intent_id: paymentId, state: 'paid' }]);
  }, 180_000);

  it('tells the user how to start a terminal when none runs in the data directory', async () => {
    const run = await terminalCli(['sale', '--amount', '1.00', '--method', 'cash', '--data-dir', join(dir, 'nobody')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no running terminal found/);
  }, 60_000);
});
