import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalIngestQueries } from '../../../backend/services/journal-ingest.js';
import { openBackendDatabase } from '../../../backend/storage/backend-database.js';
import { errorBodySchema, journalBatchResponseSchema, type JournalEntry } from '../../../sync/protocol/backend-api.js';
import { generateOfflineCodeKeyPair, issueOfflineCode } from '../../../sync/protocol/offline-code.js';
import { type BackendFixture, startBackendFixture, type TerminalClient } from '../backend-harness.js';

let fixture: BackendFixture;
let client: TerminalClient;
beforeEach(async () => {
  fixture = await startBackendFixture();
  client = await fixture.enrollTerminal('Counter 1');
});
afterEach(async () => {
  await fixture.close();
});

async function upload(entries: JournalEntry[], terminal = client) {
  const response = await terminal.request('POST', '/v1/journal/batches', { entries });
  expect(response.status).toBe(200);
  expect(response.signatureValid).toBe(true);
  return journalBatchResponseSchema.parse(response.json).results;
}

let seq = 0;
function entry(entryId: string, kind: string, payload: unknown, createdAtMs = fixture.clock.nowMs()): JournalEntry {
  seq += 1;
  return { entryId, seq, kind, payload, createdAtMs };
}

function cashSale(id: string, amountMinor: number) {
  return [
    entry(`e-${id}-order`, 'order.recorded', { id: `order-${id}`, terminalId: 'T1', totalMinor: amountMinor, lines: [] }),
    entry(`e-${id}-created`, 'intent.created', { id, kind: 'payment', orderId: `order-${id}`, parentIntentId: null, method: 'cash', amountMinor, state: 'created', isFinal: false, detail: {}, currency: 'CNY', atMs: fixture.clock.nowMs() }),
    entry(`e-${id}-paid`, 'intent.transitioned', { intentId: id, from: 'created', to: 'paid', isFinal: true, detail: {}, atMs: fixture.clock.nowMs() }),
  ];
}

function offlinePayment(entryId: string, paymentIdValue: string, amountMinor: number, code: string) {
  return entry(entryId, 'intent.created', {
    id: paymentIdValue,
    kind: 'payment',
    orderId: null,
    parentIntentId: null,
    method: 'offline-code',
    amountMinor,
    state: 'accepted-offline',
    isFinal: false,
    detail: { offlineCode: code },
    currency: 'CNY',
    atMs: fixture.clock.nowMs(),
  });
}

function walletCode(limitMinor = 20_000, privateKeyPem = fixture.backend.walletKey?.privateKeyPem ?? '', keyId = fixture.backend.walletKey?.keyId ?? '') {
  return issueOfflineCode({ privateKey: privateKeyPem, keyId, payerId: 'payer-1', amountLimitMinor: limitMinor, issuedAtMs: fixture.clock.nowMs() - 1000, expiresAtMs: fixture.clock.nowMs() + 3_600_000 });
}

describe('journal upload', () => {
  it('accepts every entry of a batch in order, and a replay returns the saved results', async () => {
    const entries = cashSale('cash-0001', 1500);
    const results = await upload(entries);
    expect(results.map((result) => [result.entryId, result.status, result.replayed])).toEqual(entries.map((item) => [item.entryId, 'accepted', false]));
    const replay = await upload(entries);
    expect(replay.map((result) => [result.status, result.replayed])).toEqual(entries.map(() => ['accepted', true]));
    const count = fixture.backend.db.prepare('SELECT COUNT(*) AS n FROM journal_entries').get() as { n: number };
    expect(count.n).toBe(3);
  });

  it('rejects the same entry id with different content, per entry, keeping the first version', async () => {
    const [order] = cashSale('cash-0002', 1500);
    if (!order) throw new Error('no entry');
    await upload([order]);
    const altered = { ...order, payload: { ...(order.payload as object), totalMinor: 1 } };
    const fresh = entry('e-fresh-0001', 'order.recorded', { id: 'order-fresh', totalMinor: 100 });
    const results = await upload([altered, fresh]);
    expect(results[0]).toMatchObject({ entryId: order.entryId, status: 'rejected', error: { code: 'idempotency-conflict', retryable: false } });
    expect(results[1]).toMatchObject({ entryId: 'e-fresh-0001', status: 'accepted' });
    const stored = fixture.backend.db.prepare('SELECT payload_json FROM journal_entries WHERE entry_id = ?').get(order.entryId) as { payload_json: string };
    expect(JSON.parse(stored.payload_json)).toMatchObject({ totalMinor: 1500 });
  });

  it('treats the same content with keys in another order as the same entry', async () => {
    const first = entry('e-order-keys', 'order.recorded', { id: 'order-k', totalMinor: 10 });
    await upload([first]);
    const results = await upload([{ ...first, payload: { totalMinor: 10, id: 'order-k' } }]);
    expect(results[0]).toMatchObject({ status: 'accepted', replayed: true });
  });

  it('rejects a known kind with a malformed payload as permanent, and keeps going', async () => {
    const results = await upload([entry('e-bad-0001', 'intent.created', { id: 'x' }), entry('e-good-0001', 'custom.kind', { anything: true })]);
    expect(results[0]).toMatchObject({ status: 'rejected', error: { code: 'bad-request', retryable: false } });
    expect(results[1]).toMatchObject({ status: 'accepted' });
  });

  it('refuses a whole batch out of seq order or over the size limit', async () => {
    const a = entry('e-order-a', 'x', {});
    const b = entry('e-order-b', 'x', {});
    const response = await client.request('POST', '/v1/journal/batches', { entries: [b, a] });
    expect(errorBodySchema.parse(response.json).error.code).toBe('bad-request');
    const tooMany = Array.from({ length: 501 }, (_, index) => ({ entryId: `e-many-${String(index).padStart(4, '0')}`, seq: index, kind: 'x', payload: {}, createdAtMs: 1 }));
    expect(errorBodySchema.parse((await client.request('POST', '/v1/journal/batches', { entries: tooMany })).json).error.code).toBe('bad-request');
  });
});

describe('offline codes forwarded by terminals', () => {
  it('settles a valid code once and reports a second spend of the same code as a double spend', async () => {
    const code = walletCode();
    const firstEntry = offlinePayment('e-off-0001', 'off-pay-0001', 1200, code);
    const [first] = await upload([firstEntry]);
    expect(first?.offlinePayment).toMatchObject({ paymentId: 'off-pay-0001', status: 'settled', rejection: null });
    const other = await fixture.enrollTerminal('Counter 2');
    const [second] = await upload([offlinePayment('e-off-0002', 'off-pay-0002', 800, code)], other);
    expect(second).toMatchObject({ status: 'accepted', offlinePayment: { status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: 'off-pay-0001', codeId: first?.offlinePayment?.codeId } });
    const [replay] = await upload([firstEntry]);
    expect(replay).toMatchObject({ replayed: true, offlinePayment: { status: 'settled' } });
  });

  it('rejects a code signed by another key, a tampered code and a payment over the code limit', async () => {
    const stranger = generateOfflineCodeKeyPair();
    const foreign = walletCode(20_000, stranger.privateKeyPem, fixture.backend.walletKey?.keyId);
    const genuine = walletCode(1000);
    const tampered = `${genuine.slice(0, -4)}${genuine.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const results = await upload([
      offlinePayment('e-off-0101', 'off-pay-0101', 100, foreign),
      offlinePayment('e-off-0102', 'off-pay-0102', 100, tampered),
      offlinePayment('e-off-0103', 'off-pay-0103', 1001, walletCode(1000)),
      offlinePayment('e-off-0104', 'off-pay-0104', 100, 'OFL1.garbage.more'),
    ]);
    expect(results.map((result) => result.offlinePayment?.rejection)).toEqual(['bad-signature', 'bad-signature', 'over-limit', 'malformed-code']);
  });

  it('rejects a code that had expired when the terminal accepted it', async () => {
    const code = walletCode();
    fixture.clock.jumpWallClock(3_600_000);
    const [result] = await upload([offlinePayment('e-off-0201', 'off-pay-0201', 100, code)]);
    expect(result?.offlinePayment?.rejection).toBe('expired');
  });
});

describe('journal upload: hostile payloads', () => {
  it('refuses a payload nested deeper than the limit with a typed 400, and keeps serving', async () => {
    const depth = 100_000;
    const rawBody = `{"entries":[{"entryId":"e-deep-0001","seq":1,"kind":"x","createdAtMs":1,"payload":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    const response = await client.request('POST', '/v1/journal/batches', undefined, { rawBody });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(response.json).error.code).toBe('bad-request');
    const results = await upload([entry('e-shallow-01', 'x', { a: { b: [1, [2, [3]]] } })]);
    expect(results[0]?.status).toBe('accepted');
  });
});

describe('journal ingest query plans', () => {
  /** The index each per-batch or per-entry look-up must use; none may scan a table that grows with every upload. */
  const expectedIndex: Partial<Record<keyof typeof journalIngestQueries, string>> = {
    lastReceivedSeq: 'journal_entries_by_arrival',
    storedEntry: 'sqlite_autoindex_journal_entries_1',
    intentOwner: 'sqlite_autoindex_journal_intents_1',
    transitionIntent: 'sqlite_autoindex_journal_intents_1',
    offlinePayment: 'sqlite_autoindex_offline_payments_1',
    codeSpend: 'sqlite_autoindex_offline_code_spends_1',
  };

  it.each(Object.entries(journalIngestQueries))('%s is answered through an index, never a table scan', (name, sql) => {
    const db = openBackendDatabase(join(mkdtempSync(join(tmpdir(), 'ingest-plans-')), 'backend.sqlite'));
    try {
      const parameters = (sql.match(/\?/g) ?? []).map(() => 'x');
      const details = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
      for (const detail of details) expect(detail, `${name}: ${details.join(' | ')}`).not.toMatch(/^SCAN /);
      const index = expectedIndex[name as keyof typeof journalIngestQueries];
      if (index !== undefined) expect(details.some((detail) => new RegExp(`USING (COVERING )?INDEX ${index}\\b`).test(detail)), `${name}: ${details.join(' | ')}`).toBe(true);
    } finally {
      db.close();
    }
  });
});
