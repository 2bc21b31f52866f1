import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { latestJournalVersion } from '../../../sync/store/journal-migrations.js';
import { Journal, JournalConflictError, JournalOpenError, type OrderToRecord } from '../../../sync/store/journal.js';
import { crashSchedule, crashSeedFromEnvironment, crashSeedLine } from '../../support/crash-schedule.js';

const openJournals: Journal[] = [];
function freshFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'journal-')), 'journal.sqlite');
}
function open(file: string, nowMs = () => 1_700_000_000_000): Journal {
  const journal = Journal.open(file, { nowMs });
  openJournals.push(journal);
  return journal;
}
afterEach(() => {
  for (const journal of openJournals.splice(0)) journal.close();
});

function order(id: string = randomUUID()): OrderToRecord {
  return {
    id,
    terminalId: 'T-001',
    mode: 'counter',
    userId: 'cashier',
    lines: [{ productId: 'cola', name: { 'zh-CN': '可乐' }, quantity: 1, modifiers: [], unitPriceMinor: 450, lineTotalMinor: 450 }],
    totalMinor: 450,
    currency: 'CNY',
  };
}

describe('Journal', () => {
  it('opens with WAL, synchronous=FULL and the latest schema', () => {
    const journal = open(freshFile());
    expect(journal.durabilitySettings()).toEqual({ journalMode: 'wal', synchronous: 2 });
    expect(journal.schemaVersion()).toBe(latestJournalVersion);
  });

  it('records an order with its payment intent and outbox rows in one transaction', () => {
    const journal = open(freshFile());
    const first = journal.recordOrder(order('order-1'), [{ id: 'pay-1', kind: 'payment', orderId: 'order-1', method: 'cash', amountMinor: 450, state: 'paid', isFinal: true }]);
    const second = journal.recordOrder(order('order-2'));
    expect(first.receiptNumber).toBe('T-001-000001');
    expect(second.receiptNumber).toBe('T-001-000002');
    expect(journal.findOrder('order-1')).toMatchObject({ receiptNumber: 'T-001-000001', totalMinor: 450, lineCount: 1 });
    expect(journal.pendingOutbox(10).map((entry) => entry.kind)).toEqual(['order.recorded', 'intent.created', 'order.recorded']);
    expect(journal.outboxStats()).toEqual({ depth: 3, oldestCreatedAtMs: 1_700_000_000_000, deadLetters: 0 });
  });

  it('rolls back the whole sale when any part fails', () => {
    const journal = open(freshFile());
    journal.recordOrder(order('order-1'));
    // The intent refers to an order id that does not exist: the foreign key fails, nothing stays.
    expect(() => journal.recordOrder(order('order-2'), [{ id: 'pay-x', kind: 'payment', orderId: 'missing-order', method: 'cash', amountMinor: 1, state: 'paid', isFinal: true }])).toThrow();
    expect(journal.countOrders()).toBe(1);
    expect(journal.findOrder('order-2')).toBeUndefined();
    expect(journal.outboxStats().depth).toBe(1);
  });

  it('moves intents only from the state they are in, and never out of a final state', () => {
    let now = 1000;
    const journal = open(freshFile(), () => now);
    journal.recordOrder(order('o'));
    journal.createIntent({ id: 'p', kind: 'payment', orderId: 'o', method: 'qr', amountMinor: 450, state: 'created', isFinal: false });
    now = 2000;
    journal.transitionIntent('p', { from: 'created', to: 'requesting', isFinal: false, detail: { attempt: 1 } });
    expect(() => journal.transitionIntent('p', { from: 'created', to: 'awaiting', isFinal: false })).toThrow(JournalConflictError);
    expect(journal.openIntents().map((intent) => intent.id)).toEqual(['p']);
    now = 3000;
    const paid = journal.transitionIntent('p', { from: 'requesting', to: 'paid', isFinal: true, detail: { providerRef: 'X1' } });
    expect(paid).toMatchObject({ state: 'paid', isFinal: true, detail: { attempt: 1, providerRef: 'X1' }, updatedAtMs: 3000 });
    expect(() => journal.transitionIntent('p', { from: 'paid', to: 'refunded', isFinal: true })).toThrow(/already final/);
    expect(() => journal.transitionIntent('nope', { from: 'created', to: 'requesting', isFinal: false })).toThrow(/unknown intent/);
    expect(journal.openIntents()).toEqual([]);
    expect(journal.intentHistory('p')).toEqual([
      { from: null, to: 'created', atMs: 1000 },
      { from: 'created', to: 'requesting', atMs: 2000 },
      { from: 'requesting', to: 'paid', atMs: 3000 },
    ]);
  });

  it('acknowledges outbox entries once and keeps the order', () => {
    const journal = open(freshFile());
    for (let index = 0; index < 5; index += 1) journal.recordOrder(order());
    const pending = journal.pendingOutbox(3);
    expect(pending.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(journal.acknowledgeOutbox([pending[0]!.entryId, pending[1]!.entryId, 'unknown-id'])).toBe(2);
    expect(journal.acknowledgeOutbox([pending[0]!.entryId])).toBe(0);
    expect(journal.pendingOutbox(10).map((entry) => entry.seq)).toEqual([3, 4, 5]);
  });

  it('settles a batch in one call: acknowledged entries leave, rejected ones become dead letters, retried ones count an attempt', () => {
    const journal = open(freshFile());
    for (let index = 0; index < 3; index += 1) journal.recordOrder(order());
    const [first, second, third] = journal.pendingOutbox(3);
    if (!first || !second || !third) throw new Error('expected three outbox rows');
    const settled = journal.settleOutbox({
      acknowledged: [first.entryId, 'unknown-id'],
      deadLettered: [{ entryId: second.entryId, reason: 'idempotency-conflict: different content' }],
      retried: [{ entryId: third.entryId, error: 'try later' }],
    });
    expect(settled).toEqual({ acknowledged: 1, deadLettered: 1 });
    expect(journal.pendingOutbox(10).map((entry) => ({ seq: entry.seq, attempts: entry.attempts }))).toEqual([{ seq: 3, attempts: 1 }]);
    expect(journal.deadLetters()).toMatchObject([{ entryId: second.entryId, outboxSeq: 2, payload: second.payload, reason: 'idempotency-conflict: different content' }]);
    // Settling the same answers again changes nothing (a replayed batch).
    expect(journal.settleOutbox({ acknowledged: [first.entryId], deadLettered: [{ entryId: second.entryId, reason: 'again' }], retried: [] })).toEqual({ acknowledged: 0, deadLettered: 0 });
  });

  it('caps a pending batch by payload size, but always returns the first entry', () => {
    const journal = open(freshFile());
    for (let index = 0; index < 4; index += 1) journal.recordOrder(order());
    const all = journal.pendingOutbox(10);
    const size = (entry: { payload: unknown }) => JSON.stringify(entry.payload).length;
    expect(journal.pendingOutbox(10, size(all[0]!) + size(all[1]!)).map((entry) => entry.seq)).toEqual([1, 2]);
    expect(journal.pendingOutbox(10, size(all[0]!) + size(all[1]!) - 1).map((entry) => entry.seq)).toEqual([1]);
    expect(journal.pendingOutbox(10, 1).map((entry) => entry.seq)).toEqual([1]);
    expect(journal.pendingOutbox(3).map((entry) => entry.seq)).toEqual([1, 2, 3]);
    // Whether the batch left entries behind (count or size), for the sync client to go on.
    expect(journal.pendingOutboxBatch(3).more).toBe(true);
    expect(journal.pendingOutboxBatch(4).more).toBe(false);
    expect(journal.pendingOutboxBatch(10, size(all[0]!)).more).toBe(true);
  });

  it('finds open intents by state, oldest first, and not final ones in the same state', () => {
    let now = 1_700_000_000_000;
    const journal = open(freshFile(), () => (now += 1));
    journal.createIntent({ id: 'offline-1', kind: 'payment', orderId: null, method: 'offline-code', amountMinor: 100, state: 'accepted-offline', isFinal: false });
    journal.createIntent({ id: 'cash-1', kind: 'payment', orderId: null, method: 'cash', amountMinor: 100, state: 'paid', isFinal: true });
    journal.createIntent({ id: 'offline-2', kind: 'payment', orderId: null, method: 'offline-code', amountMinor: 200, state: 'accepted-offline', isFinal: false });
    journal.createIntent({ id: 'odd-final', kind: 'payment', orderId: null, method: 'x', amountMinor: 1, state: 'accepted-offline', isFinal: true });
    journal.transitionIntent('offline-1', { from: 'accepted-offline', to: 'settled', isFinal: true });
    expect(journal.openIntentsInState('accepted-offline').map((intent) => intent.id)).toEqual(['offline-2']);
    expect(journal.intentsInState('accepted-offline').map((intent) => intent.id)).toEqual(['offline-2', 'odd-final']);
  });

  it('keeps PIN lockout state across reopen', () => {
    const file = freshFile();
    open(file).savePinAttemptState('cashier', { failedAttempts: 5, lockedUntilMs: 99 });
    openJournals.pop()?.close();
    expect(open(file).pinAttemptState('cashier')).toEqual({ failedAttempts: 5, lockedUntilMs: 99 });
  });
});

describe('Journal.open refuses files it must not touch', () => {
  it('refuses a corrupt file, names it, and leaves it byte for byte as it was', () => {
    const file = freshFile();
    const garbage = Buffer.from('this is not a database, it is a grocery list\n'.repeat(200));
    writeFileSync(file, garbage);
    let error: unknown;
    try {
      Journal.open(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JournalOpenError);
    expect((error as JournalOpenError).code).toBe('corrupt');
    expect((error as JournalOpenError).message).toContain(file);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses a journal whose schema is newer than this build knows', () => {
    const file = freshFile();
    const db = new Database(file);
    db.pragma(`user_version = ${latestJournalVersion + 5}`);
    db.close();
    const before = readFileSync(file);
    expect(() => Journal.open(file)).toThrow(/schema version \d+, newer than this terminal understands/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a directory in place of the file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'journal-dir-'));
    expect(() => Journal.open(folder)).toThrow(/not a regular file/);
  });
});

interface CommittedSale {
  readonly orderId: string;
  readonly totalMinor: number;
}

function runChild(file: string, mode: 'once' | 'loop', seed: number): { child: ReturnType<typeof spawn>; committed: CommittedSale[]; firstCommit: Promise<void> } {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'test/support/journal-writer-child.ts', file, mode, String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const committed: CommittedSale[] = [];
  let buffer = '';
  const firstCommit = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^committed (\S+) (\d+)$/.exec(line);
        if (match?.[1] && match[2]) committed.push({ orderId: match[1], totalMinor: Number(match[2]) });
      }
      if (committed.length > 0) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited early with ${String(code)}`)));
  });
  return { child, committed, firstCommit };
}

function killed(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('Journal durability across SIGKILL', () => {
  const seed = crashSeedFromEnvironment();
  const [onceRound, midStreamRound] = crashSchedule(seed, { rounds: 2, minKillAfterMs: 150, maxKillAfterMs: 349 });
  const replay = crashSeedLine(seed);
  beforeAll(() => console.log(replay));

  it('keeps a sale and its outbox rows, exactly once, after the process is killed', async () => {
    const file = freshFile();
    const run = runChild(file, 'once', onceRound!.childSeed);
    await run.firstCommit;
    await killed(run.child);
    const journal = open(file);
    const sale = run.committed[0]!;
    expect(journal.countOrders(), replay).toBe(1);
    expect(journal.findOrder(sale.orderId), replay).toMatchObject({ totalMinor: sale.totalMinor, lineCount: 1 });
    const outbox = journal.pendingOutbox(100);
    expect(outbox.filter((entry) => entry.kind === 'order.recorded' && (entry.payload as { id: string }).id === sale.orderId), replay).toHaveLength(1);
    expect(outbox.filter((entry) => entry.kind === 'intent.created'), replay).toHaveLength(1);
  });

  it('loses no committed sale and leaves no half sale when killed mid-stream', async () => {
    const file = freshFile();
    const run = runChild(file, 'loop', midStreamRound!.childSeed);
    await run.firstCommit;
    // Let it write for a while so the kill lands in the middle of transactions.
    await new Promise((resolve) => setTimeout(resolve, midStreamRound!.killAfterMs));
    await killed(run.child);
    const journal = open(file);
    const orders = journal.countOrders();
    for (const sale of run.committed) expect(journal.findOrder(sale.orderId), `committed order ${sale.orderId}; ${replay}`).toMatchObject({ totalMinor: sale.totalMinor });
    // At most one more sale than the child managed to report: the one committed before it could print.
    expect(orders - run.committed.length, replay).toBeGreaterThanOrEqual(0);
    expect(orders - run.committed.length, replay).toBeLessThanOrEqual(1);
    const outbox = journal.pendingOutbox(1_000_000);
    expect(outbox.filter((entry) => entry.kind === 'order.recorded'), replay).toHaveLength(orders);
    expect(outbox.filter((entry) => entry.kind === 'intent.created'), replay).toHaveLength(orders);
    expect(new Set(outbox.map((entry) => entry.entryId)).size, replay).toBe(outbox.length);
  });
});
