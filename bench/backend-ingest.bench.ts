/**
 * Backend ingest under load: 100 enrolled terminals (`BENCH_INGEST_TERMINALS`) upload their
 * journals at the same time to one reference backend on 127.0.0.1, each through the terminal's
 * own upload path (JournalUploader → BackendHttpClient: signed requests, verified answers),
 * 500 entries each (`BENCH_INGEST_ENTRIES`) in batches of 100, one batch in flight per
 * terminal. Reports rows/s over the whole run and p50/p95 per batch, against the raw baseline
 * (bench/support/raw-batch-server.ts) taking the same batches from 100 concurrent clients.
 * Run: `node bin/run-ts.js bench/backend-ingest.bench.ts` (or `npm run bench -- backend-ingest`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBackend } from '../backend/index.js';
import { systemClock } from '../kernel/clock.js';
import { BackendHttpClient } from '../sync/client/backend-http-client.js';
import { JournalUploader } from '../sync/client/journal-uploader.js';
import { enrollResponseSchema } from '../sync/protocol/backend-api.js';
import type { OutboxEntry } from '../sync/store/journal.js';
import { formatCount, reportRow } from './support/bench-report.js';
import { postRawBatch, startRawBatchServer } from './support/raw-batch-server.js';

const terminals = Number(process.env.BENCH_INGEST_TERMINALS ?? 100);
const entriesPerTerminal = Number(process.env.BENCH_INGEST_ENTRIES ?? 500);
const batchSize = 100;

const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const cleanups: (() => void | Promise<void>)[] = [() => rmSync(dir, { recursive: true, force: true })];

/** A terminal's journal as it uploads it: cash sales, an order and its paid intent each. */
function journalEntries(terminal: number): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  const now = Date.now();
  for (let seq = 1; entries.length < entriesPerTerminal; seq += 2) {
    const orderId = randomUUID();
    const order = {
      id: orderId,
      terminalId: `T-${terminal}`,
      mode: 'counter',
      userId: 'cashier',
      lines: [{ productId: 'noodles', name: { 'zh-CN': '牛肉面', en: 'Beef noodles' }, quantity: 1, modifiers: [], unitPriceMinor: 2800, lineTotalMinor: 2800 }],
      totalMinor: 2800,
      currency: 'CNY',
      receiptNumber: `T-${terminal}-${String(seq).padStart(6, '0')}`,
      createdAtMs: now,
    };
    entries.push({ seq, entryId: randomUUID(), kind: 'order.recorded', payload: order, createdAtMs: now, attempts: 0 });
    const intent = { id: randomUUID(), kind: 'payment', orderId, parentIntentId: null, method: 'cash', amountMinor: 2800, state: 'paid', isFinal: true, detail: { tenderedMinor: 2800, changeMinor: 0 }, currency: 'CNY', atMs: now };
    entries.push({ seq: seq + 1, entryId: randomUUID(), kind: 'intent.created', payload: intent, createdAtMs: now, attempts: 0 });
  }
  return entries.slice(0, entriesPerTerminal);
}

function percentile(sortedMs: readonly number[], p: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] ?? Number.NaN;
}

/** Runs every terminal's batches, one in flight per terminal, all terminals at once. */
async function uploadAll(journals: readonly OutboxEntry[][], upload: (terminal: number, batch: readonly OutboxEntry[]) => Promise<void>): Promise<{ wallMs: number; batchMs: number[] }> {
  const batchMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    journals.map(async (entries, terminal) => {
      for (let offset = 0; offset < entries.length; offset += batchSize) {
        const batchStart = performance.now();
        await upload(terminal, entries.slice(offset, offset + batchSize));
        batchMs.push(performance.now() - batchStart);
      }
    }),
  );
  return { wallMs: performance.now() - start, batchMs: batchMs.sort((a, b) => a - b) };
}

try {
  const backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), host: '127.0.0.1', port: 0, clock: systemClock, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') } });
  cleanups.unshift(() => backend.close());
  const uploaders: JournalUploader[] = [];
  for (let terminal = 0; terminal < terminals; terminal += 1) {
    const { code } = backend.registry.issueEnrollmentCode(`Bench ${terminal}`);
    const response = await fetch(`${backend.url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const enrolled = enrollResponseSchema.parse(await response.json());
    uploaders.push(new JournalUploader(new BackendHttpClient({ baseUrl: backend.url, credentials: { terminalId: enrolled.terminalId, terminalSecret: enrolled.terminalSecret }, clock: systemClock })));
  }
  const raw = await startRawBatchServer(join(dir, 'raw-server.sqlite'));
  cleanups.unshift(() => raw.close());

  // Warm-up: one small batch per terminal on both sides.
  await uploadAll(
    uploaders.map((_, terminal) => journalEntries(terminal).slice(0, 10)),
    async (terminal, batch) => {
      await uploaders[terminal]?.upload(batch);
    },
  );
  await uploadAll(
    uploaders.map((_, terminal) => journalEntries(terminal).slice(0, 10)),
    async (_terminal, batch) => {
      await postRawBatch(raw.url, batch);
    },
  );

  const ours = await uploadAll(
    uploaders.map((_, terminal) => journalEntries(terminal)),
    async (terminal, batch) => {
      const results = (await uploaders[terminal]?.upload(batch)) ?? [];
      if (results.length !== batch.length || results.some((result) => result.status !== 'accepted')) throw new Error(`terminal ${terminal}: the backend refused an entry`);
    },
  );
  const baseline = await uploadAll(
    uploaders.map((_, terminal) => journalEntries(terminal)),
    async (_terminal, batch) => {
      await postRawBatch(raw.url, batch);
    },
  );
  const rows = terminals * entriesPerTerminal;
  const oursPerSecond = (rows / ours.wallMs) * 1000;
  const basePerSecond = (rows / baseline.wallMs) * 1000;
  reportRow({
    id: 'backend-ingest',
    measure: `Backend ingest: ${terminals} terminals uploading ${formatCount(entriesPerTerminal)} entries each at once (batches of ${batchSize}, signed, on loopback)`,
    ours: `${formatCount(oursPerSecond)} rows/s; per batch p50 ${percentile(ours.batchMs, 50).toFixed(0)} ms, p95 ${percentile(ours.batchMs, 95).toFixed(0)} ms`,
    baseline: `${formatCount(basePerSecond)} rows/s; p50 ${percentile(baseline.batchMs, 50).toFixed(0)} ms, p95 ${percentile(baseline.batchMs, 95).toFixed(0)} ms (raw node:http + SQLite batch server, same batches)`,
    ratio: oursPerSecond / basePerSecond,
    target: 'informational (rows/s and p95 per batch)',
    met: null,
  });
} finally {
  for (const cleanup of cleanups) await cleanup();
}
