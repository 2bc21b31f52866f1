import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerminalCli } from '../../support/run-terminal-cli.js';
import { enrollResponseSchema, journalBatchResponseSchema, paymentResponseSchema } from '../../../sync/protocol/backend-api.js';
import { TerminalClient } from '../../backend/backend-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'backend-cli-'));
const dbFile = join(dir, 'backend.sqlite');
const walletKey = join(dir, 'wallet-key.json');
const env = { ...process.env, TERMINAL_DATA_DIR: dir };
const clock = { nowMs: () => Date.now() };

const terminal = (args: string[]) => runTerminalCli(args, { env });

let backend: ChildProcess;
let url = '';
let output = '';

beforeAll(async () => {
  backend = spawn(process.execPath, ['bin/terminal.js', 'backend', '--sandbox', '--port', '0', '--db', dbFile, '--wallet-key', walletKey], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    backend.stdout?.setEncoding('utf8');
    backend.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const match = /backend: listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    backend.once('exit', (code) => reject(new Error(`the backend exited early (${code}): ${output}`)));
  });
});

afterAll(async () => {
  if (backend.exitCode === null) {
    const exited = new Promise<number | null>((resolve) => backend.once('exit', (code) => resolve(code)));
    backend.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('backend: stopping (SIGTERM)');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function enrolledClient(name: string): Promise<TerminalClient> {
  const enroll = await terminal(['backend', 'enroll', '--name', name, '--db', dbFile]);
  expect(enroll.code).toBe(0);
  const code = /^code: (\S+)$/m.exec(enroll.stdout)?.[1];
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const response = await fetch(`${url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  expect(response.status).toBe(201);
  const enrolled = enrollResponseSchema.parse(await response.json());
  const reused = await fetch(`${url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  expect(reused.status).toBe(400);
  return new TerminalClient(url, enrolled.terminalId, enrolled.terminalSecret, clock);
}

describe('terminal backend and terminal wallet, as child processes', { timeout: 120_000 }, () => {
  it('serves, enrolls a terminal, and `wallet pay` pays its merchant-presented QR', async () => {
    const client = await enrolledClient('Counter CLI');
    const created = await client.request('POST', '/v1/payments/merchant-presented', { paymentId: 'cli-qr-0000001', amountMinor: 1250, currency: 'CNY' });
    const qr = paymentResponseSchema.parse(created.json).payment.qrContent ?? '';
    const pay = await terminal(['wallet', 'pay', qr, '--backend', url]);
    expect(pay.stderr).toBe('');
    expect(pay.code).toBe(0);
    expect(pay.stdout).toBe('paid ￥12.50 to 沙盒测试商户 (payment cli-qr-0000001)\n');
    const again = await terminal(['wallet', 'pay', qr, '--backend', url]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^already-paid /);
    const query = await client.request('GET', '/v1/payments/cli-qr-0000001');
    expect(paymentResponseSchema.parse(query.json).payment.status).toBe('paid');
  });

  it('`wallet code` prints an online code the terminal can charge, and a declining one', async () => {
    const client = await enrolledClient('Counter CLI 2');
    const code = await terminal(['wallet', 'code', '--backend', url, '--balance', '20.00']);
    expect(code.code).toBe(0);
    expect(code.stdout).toMatch(/^28\d{16}\n$/);
    const paid = await client.request('POST', '/v1/payments/customer-presented', { paymentId: 'cli-cp-0000001', amountMinor: 1500, currency: 'CNY', code: code.stdout.trim() });
    expect(paymentResponseSchema.parse(paid.json).payment.status).toBe('paid');
    const declining = (await terminal(['wallet', 'code', '--backend', url, '--behaviour', 'decline'])).stdout.trim();
    const declined = await client.request('POST', '/v1/payments/customer-presented', { paymentId: 'cli-cp-0000002', amountMinor: 100, currency: 'CNY', code: declining });
    expect(paymentResponseSchema.parse(declined.json).payment).toMatchObject({ status: 'failed', failureCode: 'sandbox.declined' });
  });

  it('`wallet code --offline` signs with the key the backend verifies; a second spend is reported', async () => {
    const client = await enrolledClient('Counter CLI 3');
    const offline = await terminal(['wallet', 'code', '--offline', '--wallet-key', walletKey, '--limit', '50.00']);
    expect(offline.code).toBe(0);
    const code = offline.stdout.trim();
    expect(code).toMatch(/^OFL1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const entry = (entryId: string, seq: number, id: string) => ({ entryId, seq, kind: 'intent.created', createdAtMs: Date.now(), payload: { id, kind: 'payment', method: 'offline-code', amountMinor: 1000, state: 'accepted-offline', isFinal: false, detail: { offlineCode: code } } });
    const upload = await client.request('POST', '/v1/journal/batches', { entries: [entry('cli-entry-0001', 1, 'cli-off-0001'), entry('cli-entry-0002', 2, 'cli-off-0002')] });
    const results = journalBatchResponseSchema.parse(upload.json).results;
    expect(results.map((result) => result.offlinePayment?.status)).toEqual(['settled', 'rejected']);
    expect(results[1]?.offlinePayment?.rejection).toBe('double-spend');
  });

  it('publishes distribution documents and refuses bad usage with exit 2', async () => {
    const file = join(dir, 'catalog.json');
    writeFileSync(file, JSON.stringify({ products: [{ id: 'tea' }] }));
    const published = await terminal(['backend', 'publish', 'catalog', file, '--db', dbFile]);
    expect(published).toMatchObject({ code: 0, stdout: 'published catalog version 1\n' });
    const client = await enrolledClient('Counter CLI 4');
    const fetched = await client.request('GET', '/v1/distribution/catalog');
    expect(fetched.json).toMatchObject({ version: 1, document: { products: [{ id: 'tea' }] } });
    const [badKind, badPort, unreachable] = await Promise.all([
      terminal(['backend', 'publish', 'menu', file, '--db', dbFile]),
      terminal(['backend', '--port', 'eighty', '--db', dbFile]),
      terminal(['wallet', 'pay', '000201', '--backend', 'http://127.0.0.1:9']),
    ]);
    expect(badKind.code).toBe(2);
    expect(badPort.code).toBe(2);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: the backend at http:\/\/127\.0\.0\.1:9 cannot be reached/);
  });
});
