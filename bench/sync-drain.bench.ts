/**
 * Sync drain: the terminal's queued outbox uploaded to the reference backend on loopback
 * (SyncClient with its default options → JournalUploader → BackendHttpClient, signed requests,
 * the backend's ingest with SQLite WAL + synchronous=FULL, the journal settling each batch),
 * against a raw baseline measured in the same run: a minimal node:http server on 127.0.0.1 that
 * parses each JSON batch and inserts its rows into SQLite (WAL + FULL) in one transaction, fed
 * by a fetch loop posting the same entries in batches of 100. Rounds rotate the order of the
 * sides, so load spikes hit all alike. Target: ours ≥ 0.8× the baseline's rows per second.
 * A second row holds ours forced to batches of 100 against the same baseline (same batch
 * size on both sides), and the request bytes per batch.
 *
 * `BENCH_SYNC_ENTRIES` (default 10,000) sets the queued entries, split over 4 rounds.
 * Run: `node bin/run-ts.js bench/sync-drain.bench.ts` (or `npm run bench -- sync-drain`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBackend } from '../backend/index.js';
import { systemClock } from '../kernel/clock.js';
import { systemTimers } from '../kernel/system-timers.js';
import { BackendHttpClient } from '../sync/client/backend-http-client.js';
import { JournalUploader } from '../sync/client/journal-uploader.js';
import { SyncClient } from '../sync/client/sync-client.js';
import { enrollResponseSchema } from '../sync/protocol/backend-api.js';
import { Journal, type OutboxEntry } from '../sync/store/journal.js';
import { formatCount, reportRow } from './support/bench-report.js';
import { postRawBatch, startRawBatchServer } from './support/raw-batch-server.js';
import { benchCashSale } from './support/bench-cash-sale.js';

const totalEntries = Number(process.env.BENCH_SYNC_ENTRIES ?? 10_000);
const rounds = 4;
const rawBatchSize = 100;
const salesPerRound = Math.max(1, Math.round(totalEntries / rounds / 2)); // a cash sale queues 2 entries

const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const cleanups: (() => void | Promise<void>)[] = [() => rmSync(dir, { recursive: true, force: true })];

/** A journal holding SALES cash sales (2 outbox entries each), written in big transactions (setup, not timed). */
function queuedJournal(name: string, sales: number): Journal {
  const journal = Journal.open(join(dir, name));
  cleanups.unshift(() => journal.close());
  for (let offset = 0; offset < sales; offset += 500) {
    journal.atomically(() => {
      for (let index = offset; index < Math.min(sales, offset + 500); index += 1) {
        const { order, payment } = benchCashSale();
        journal.recordOrder(order, [payment]);
      }
    });
  }
  return journal;
}

// --- ours: the real backend and the real sync client ---
const backend = await startBackend({ dbFile: join(dir, 'backend.sqlite'), host: '127.0.0.1', port: 0, clock: systemClock, sandbox: { walletKeyFile: join(dir, 'wallet-key.json') } });
cleanups.unshift(() => backend.close());
const { code } = backend.registry.issueEnrollmentCode('Bench');
const enrolledResponse = await fetch(`${backend.url}/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
const enrolled = enrollResponseSchema.parse(await enrolledResponse.json());
let oursRequestBytes = 0;
let oursRequests = 0;
const countingFetch: typeof fetch = (input, init) => {
  if (typeof init?.body === 'string' && init.method === 'POST') {
    oursRequestBytes += Buffer.byteLength(init.body);
    oursRequests += 1;
  }
  return fetch(input, init);
};
const httpClient = new BackendHttpClient({ baseUrl: backend.url, credentials: { terminalId: enrolled.terminalId, terminalSecret: enrolled.terminalSecret }, clock: systemClock, fetchImpl: countingFetch });

/** Drains JOURNAL with the sync client's default options, or with batches of BATCHSIZE. */
async function drainOurs(journal: Journal, batchSize?: number): Promise<number> {
  const client = new SyncClient({ journal, uploader: new JournalUploader(httpClient), clock: systemClock, timers: systemTimers }, batchSize === undefined ? {} : { batchSize });
  const start = performance.now();
  const status = await client.syncNow();
  const elapsed = performance.now() - start;
  if (status.queueDepth !== 0 || status.connectivity !== 'online') throw new Error(`the drain did not finish: ${JSON.stringify(status)}`);
  return elapsed;
}

// --- baseline: raw loopback HTTP + SQLite batch server ---
const rawServer = await startRawBatchServer(join(dir, 'raw-server.sqlite'));
cleanups.unshift(() => rawServer.close());
let rawRequestBytes = 0;
let rawRequests = 0;

async function drainRaw(entries: readonly OutboxEntry[]): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < entries.length; offset += rawBatchSize) {
    rawRequestBytes += await postRawBatch(rawServer.url, entries.slice(offset, offset + rawBatchSize));
    rawRequests += 1;
  }
  return performance.now() - start;
}

try {
  // Warm-up round for every side (JIT, connection pools, first pages of the databases).
  await drainOurs(queuedJournal('warm-ours.sqlite', 100));
  await drainOurs(queuedJournal('warm-ours-100.sqlite', 100), rawBatchSize);
  await drainRaw(queuedJournal('warm-raw.sqlite', 100).pendingOutbox(1_000));
  const sides = {
    ours: { ms: 0, bytes: 0, requests: 0 },
    ours100: { ms: 0, bytes: 0, requests: 0 },
    raw: { ms: 0, bytes: 0, requests: 0 },
  };
  const measureOurs = async (side: keyof typeof sides, journal: Journal, batchSize?: number) => {
    oursRequestBytes = 0;
    oursRequests = 0;
    sides[side].ms += await drainOurs(journal, batchSize);
    sides[side].bytes += oursRequestBytes;
    sides[side].requests += oursRequests;
  };
  const measureRaw = async (entries: readonly OutboxEntry[]) => {
    rawRequestBytes = 0;
    rawRequests = 0;
    sides.raw.ms += await drainRaw(entries);
    sides.raw.bytes += rawRequestBytes;
    sides.raw.requests += rawRequests;
  };
  let entries = 0;
  for (let round = 0; round < rounds; round += 1) {
    const oursJournal = queuedJournal(`ours-${round}.sqlite`, salesPerRound);
    const ours100Journal = queuedJournal(`ours-100-${round}.sqlite`, salesPerRound);
    const rawEntries = queuedJournal(`raw-${round}.sqlite`, salesPerRound).pendingOutbox(salesPerRound * 2);
    entries += rawEntries.length;
    const steps = [() => measureOurs('ours', oursJournal), () => measureOurs('ours100', ours100Journal, rawBatchSize), () => measureRaw(rawEntries)];
    for (let step = 0; step < steps.length; step += 1) await steps[(step + round) % steps.length]?.();
  }
  const perSecond = (side: keyof typeof sides) => (entries / sides[side].ms) * 1000;
  const batchKb = (side: keyof typeof sides) => sides[side].bytes / Math.max(1, sides[side].requests) / 1024;
  const perBatch = (side: keyof typeof sides) => entries / Math.max(1, sides[side].requests);
  const baseline = `${formatCount(perSecond('raw'))} rows/s (raw node:http + SQLite batch server, WAL + FULL, batches of ${rawBatchSize})`;
  const ratio = perSecond('ours') / perSecond('raw');
  reportRow({
    id: 'sync-drain',
    measure: `Sync drain of ${formatCount(entries)} queued entries to the backend on loopback (default sync options)`,
    ours: `${formatCount(perSecond('ours'))} entries/s`,
    baseline,
    ratio,
    target: '≥ 0.8×',
    met: ratio >= 0.8,
    note: `ours uploads ${formatCount(perBatch('ours'))} entries per batch (${batchKb('ours').toFixed(1)} KB); the baseline ${rawBatchSize} (${batchKb('raw').toFixed(1)} KB)`,
  });
  const equalRatio = perSecond('ours100') / perSecond('raw');
  reportRow({
    id: 'sync-drain-100',
    measure: `Sync drain, ours forced to batches of ${rawBatchSize} like the baseline`,
    ours: `${formatCount(perSecond('ours100'))} entries/s`,
    baseline,
    ratio: equalRatio,
    target: 'informational',
    met: null,
    note: `request body per batch of ${rawBatchSize}: ours ${batchKb('ours100').toFixed(1)} KB, baseline ${batchKb('raw').toFixed(1)} KB (the same entries)`,
  });
} finally {
  for (const cleanup of cleanups) await cleanup();
}
