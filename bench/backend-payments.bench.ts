/**
 * Payment latency on loopback with the sandbox wallet, through the real backend (HTTP, signing,
 * SQLite with synchronous=FULL on a temp file): create merchant-presented payment → QR content,
 * and customer-presented pay → paid. Reports p50/p95 per operation, plus the backend's raw
 * journal-entry insert rate (the same rows stored directly in one transaction) against its
 * upload rate over HTTP in batches of 500, measured in the same run.
 * Run: `node bin/run-ts.js bench/backend-payments.bench.ts [iterations]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../kernel/clock.js';
import { enrollResponseSchema, journalBatchResponseSchema, type JournalEntry, maxSandboxBalanceMinor, paymentResponseSchema, sandboxAccessKeyHeader, sandboxWalletCodeResponseSchema } from '../sync/protocol/backend-api.js';
import { buildSignedHeaders, newNonce } from '../sync/protocol/request-signing.js';
import { startBackend } from '../backend/start-backend.js';
import { JournalIngest } from '../backend/services/journal-ingest.js';
import { formatCount, reportRow } from './support/bench-report.js';

const iterations = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'bench-backend-'));
const backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), port: 0, clock: systemClock, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') } });

async function post(path: string, body: unknown, identity?: { id: string; secret: string }): Promise<unknown> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (path.startsWith('/sandbox/')) headers[sandboxAccessKeyHeader] = readFileSync(backend.sandboxAccessKeyFile ?? '', 'utf8').trim();
  if (identity) Object.assign(headers, buildSignedHeaders(identity.id, identity.secret, { method: 'POST', path, timestampMs: Date.now(), nonce: newNonce(), body: text }));
  const response = await fetch(`${backend.url}${path}`, { method: 'POST', headers, body: text });
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

function percentile(sortedMs: readonly number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] ?? Number.NaN;
}

async function measure(name: string, operation: (index: number) => Promise<void>): Promise<{ p50: number; p95: number }> {
  for (let index = 0; index < 20; index += 1) await operation(-1 - index);
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const start = performance.now();
    await operation(index);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  process.stdout.write(`${name}: p50 ${percentile(samples, 50).toFixed(2)} ms, p95 ${percentile(samples, 95).toFixed(2)} ms (${iterations} runs)\n`);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

try {
  const { code } = backend.registry.issueEnrollmentCode('Bench');
  const enrolled = enrollResponseSchema.parse(await post('/v1/enroll', { code }));
  const identity = { id: enrolled.terminalId, secret: enrolled.terminalSecret };
  const wallet = sandboxWalletCodeResponseSchema.parse(await post('/sandbox/wallet/codes', { balanceMinor: maxSandboxBalanceMinor }));

  const qr = await measure('create merchant-presented → QR content', async (index) => {
    const payment = paymentResponseSchema.parse(await post('/v1/payments/merchant-presented', { paymentId: `bench-qr-${index}-x`, amountMinor: 1250, currency: 'CNY' }, identity)).payment;
    if (!payment.qrContent) throw new Error('no QR content');
  });
  const pay = await measure('customer-presented pay → paid', async (index) => {
    const payment = paymentResponseSchema.parse(await post('/v1/payments/customer-presented', { paymentId: `bench-cp-${index}-x`, amountMinor: 100, currency: 'CNY', code: wallet.code }, identity)).payment;
    if (payment.status !== 'paid') throw new Error(`not paid: ${payment.status}`);
  });

  const rows = 10_000;
  const entries = (prefix: string): JournalEntry[] =>
    Array.from({ length: rows }, (_, index) => ({ entryId: `${prefix}-${String(index).padStart(6, '0')}`, seq: index + 1, kind: 'order.recorded', createdAtMs: Date.now(), payload: { id: `${prefix}-order-${index}`, totalMinor: 1250, lines: [] } }));
  const httpEntries = entries('http');
  const httpStart = performance.now();
  for (let offset = 0; offset < rows; offset += 500) {
    const results = journalBatchResponseSchema.parse(await post('/v1/journal/batches', { entries: httpEntries.slice(offset, offset + 500) }, identity)).results;
    if (results.some((result) => result.status !== 'accepted')) throw new Error('an entry was rejected');
  }
  const httpPerSecond = rows / ((performance.now() - httpStart) / 1000);
  // Raw inserts last: they block the event loop, which would stall the pooled HTTP connections.
  const raw = new JournalIngest(backend.db, systemClock, () => ({ ok: false, rejection: 'malformed-code', message: 'not used' }));
  const rawEntries = entries('raw');
  const rawStart = performance.now();
  for (let offset = 0; offset < rows; offset += 500) raw.ingest('T-raw', { entries: rawEntries.slice(offset, offset + 500) });
  const rawPerSecond = rows / ((performance.now() - rawStart) / 1000);
  process.stdout.write(`journal upload of ${rows} entries over HTTP: ${httpPerSecond.toFixed(0)} entries/s; raw insert: ${rawPerSecond.toFixed(0)} entries/s; ratio ${(httpPerSecond / rawPerSecond).toFixed(2)}\n`);
  const latency = (value: { p50: number; p95: number }) => `p50 ${value.p50.toFixed(1)} ms, p95 ${value.p95.toFixed(1)} ms`;
  reportRow({ id: 'backend-qr-latency', measure: 'Backend: create merchant-presented payment → QR content (sandbox, signed, loopback)', ours: latency(qr), baseline: 'n/a', ratio: null, target: 'informational', met: null });
  reportRow({ id: 'backend-pay-latency', measure: 'Backend: customer-presented pay → paid (sandbox, signed, loopback)', ours: latency(pay), baseline: 'n/a', ratio: null, target: 'informational', met: null });
  reportRow({
    id: 'backend-journal-http',
    measure: `Backend: journal upload of ${formatCount(rows)} entries over HTTP in batches of 500 vs the same JournalIngest called in-process`,
    ours: `${formatCount(httpPerSecond)} entries/s`,
    baseline: `${formatCount(rawPerSecond)} entries/s in-process`,
    ratio: httpPerSecond / rawPerSecond,
    target: 'informational',
    met: null,
  });
} finally {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
