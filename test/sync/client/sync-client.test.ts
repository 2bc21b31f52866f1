import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffCeilingMs } from '../../../kernel/backoff.js';
import { SyncClient, SyncTransportError, type OfflinePaymentVerdict, type OutboxUploader, type SyncClientOptions, type SyncStatus, type UploadEntryResult } from '../../../sync/client/sync-client.js';
import { Journal, type OutboxEntry, type OutboxSettlement } from '../../../sync/store/journal.js';
import { FakeClock } from '../../support/fake-clock.js';

const journals: Journal[] = [];
const clients: SyncClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  for (const journal of journals.splice(0)) journal.close();
});

/** An uploader that stores what it receives and fails on command. */
class RecordingUploader implements OutboxUploader {
  readonly batches: { atMono: number; seqs: number[] }[] = [];
  readonly stored = new Map<string, OutboxEntry>();
  failures: (SyncTransportError | null)[] = [];
  failAlways: SyncTransportError | null = null;
  rejectPermanently = new Set<string>();
  verdicts = new Map<string, OfflinePaymentVerdict>();

  constructor(private readonly clock: FakeClock) {}

  async upload(entries: readonly OutboxEntry[]): Promise<readonly UploadEntryResult[]> {
    this.batches.push({ atMono: this.clock.monotonicNowMs(), seqs: entries.map((entry) => entry.seq) });
    const failure = this.failures.shift() ?? this.failAlways;
    if (failure) throw failure;
    return entries.map((entry) => {
      if (this.rejectPermanently.has(entry.entryId)) return { entryId: entry.entryId, status: 'rejected', retryable: false, error: 'idempotency-conflict: stored with different content', offlinePayment: null };
      this.stored.set(entry.entryId, entry);
      return { entryId: entry.entryId, status: 'accepted', retryable: false, error: null, offlinePayment: this.verdicts.get(entry.entryId) ?? null };
    });
  }
}

function setup(options: Partial<SyncClientOptions> = {}) {
  const clock = new FakeClock();
  const journal = Journal.open(join(mkdtempSync(join(tmpdir(), 'sync-')), 'journal.sqlite'), { nowMs: () => clock.nowMs() });
  journals.push(journal);
  const uploader = new RecordingUploader(clock);
  const statuses: SyncStatus[] = [];
  const verdicts: OfflinePaymentVerdict[] = [];
  const client = new SyncClient(
    {
      journal,
      uploader,
      clock,
      timers: clock,
      onStatus: (status) => statuses.push(status),
      onOfflinePayment: (verdict) => {
        // The verdict must be applied while its entry is still pending (ack comes after).
        expect(journal.pendingOutbox(10_000).some((entry) => uploader.verdicts.get(entry.entryId)?.paymentId === verdict.paymentId)).toBe(true);
        verdicts.push(verdict);
      },
    },
    { random: () => 0.999, ...options },
  );
  clients.push(client);
  const sell = (count: number) => {
    for (let index = 0; index < count; index += 1) {
      const orderId = randomUUID();
      journal.recordOrder({ id: orderId, terminalId: 'T-001', mode: 'counter', userId: null, lines: [], totalMinor: 100 + index, currency: 'CNY' }, [
        { id: randomUUID(), kind: 'payment', orderId, method: 'cash', amountMinor: 100 + index, state: 'paid', isFinal: true },
      ]);
    }
  };
  return { clock, journal, uploader, client, statuses, verdicts, sell };
}

describe('SyncClient', () => {
  it('drains everything in outbox order, in batches, acknowledging only what the backend stored', async () => {
    const s = setup({ batchSize: 100 });
    s.sell(125);
    s.client.start();
    await s.clock.advance(10);
    expect(s.uploader.batches.map((batch) => batch.seqs.length)).toEqual([100, 100, 50]);
    const allSeqs = s.uploader.batches.flatMap((batch) => batch.seqs);
    expect(allSeqs).toEqual([...allSeqs].sort((a, b) => a - b));
    expect(new Set(allSeqs).size).toBe(250);
    expect(s.journal.outboxStats().depth).toBe(0);
    const last = s.statuses.at(-1);
    expect(last).toMatchObject({ connectivity: 'online', queueDepth: 0, oldestUnsyncedAtMs: null, lastSuccessAtMs: s.clock.nowMs() - 10, lastError: null });
  });

  it('backs off exponentially with full jitter, within the capped bounds, and says offline', async () => {
    const s = setup({ backoff: { baseMs: 1_000, capMs: 8_000 }, retryBudget: { maxRetries: 100, windowMs: 600_000 } });
    s.sell(1);
    s.uploader.failAlways = new SyncTransportError('unreachable', 'connect ECONNREFUSED');
    s.client.start();
    await s.clock.advance(60_000);
    const gaps = s.uploader.batches.slice(1).map((batch, index) => batch.atMono - (s.uploader.batches[index]?.atMono ?? 0));
    expect(gaps.length).toBeGreaterThan(6);
    gaps.forEach((gap, index) => {
      const ceiling = backoffCeilingMs(index + 1, { baseMs: 1_000, capMs: 8_000 });
      expect(gap).toBeLessThanOrEqual(ceiling);
      expect(gap).toBeGreaterThanOrEqual(Math.floor(0.999 * ceiling));
    });
    expect(Math.max(...gaps)).toBeLessThanOrEqual(8_000);
    expect(s.client.status()).toMatchObject({ connectivity: 'offline', queueDepth: 2, lastSuccessAtMs: null, lastError: 'connect ECONNREFUSED' });
    expect(s.client.status().oldestUnsyncedAtMs).toBe(s.clock.nowMs() - 60_000);
    expect(s.journal.pendingOutbox(10)[0]?.attempts).toBe(s.uploader.batches.length);
  });

  it('jitter spreads retries uniformly below the ceiling (random = 0 retries at once)', async () => {
    const s = setup({ random: () => 0, retryBudget: { maxRetries: 3, windowMs: 600_000 } });
    s.sell(1);
    s.uploader.failures = [new SyncTransportError('server-error', 'HTTP 503'), new SyncTransportError('server-error', 'HTTP 503')];
    s.client.start();
    await s.clock.advance(10);
    expect(s.uploader.batches.map((batch) => batch.atMono)).toEqual([0, 0, 0]);
    expect(s.client.status().connectivity).toBe('online');
  });

  it('tells degraded (the backend answers badly) from offline (no answer)', async () => {
    const s = setup();
    s.sell(1);
    s.uploader.failures = [new SyncTransportError('bad-response', 'unsigned response')];
    s.client.start();
    await s.clock.advance(10);
    expect(s.client.status().connectivity).toBe('degraded');
    s.uploader.failures = [new SyncTransportError('timeout', 'no answer in 10 s')];
    await s.clock.advance(1_100);
    expect(s.client.status().connectivity).toBe('offline');
    await s.clock.advance(3_000);
    expect(s.client.status().connectivity).toBe('online');
  });

  it('spends a retry budget, then waits for the window to roll over; "sync now" skips the wait', async () => {
    const s = setup({ backoff: { baseMs: 1_000, capMs: 2_000 }, retryBudget: { maxRetries: 3, windowMs: 60_000 } });
    s.sell(1);
    s.uploader.failAlways = new SyncTransportError('unreachable', 'refused');
    s.client.start();
    await s.clock.advance(30_000);
    expect(s.uploader.batches).toHaveLength(4);
    expect(s.client.status().retryBudgetLeft).toBe(0);
    expect(s.client.status().nextAttemptAtMs).toBeGreaterThan(s.clock.nowMs() + 25_000);
    s.uploader.failAlways = null;
    const now = s.client.syncNow();
    await s.clock.advance(10);
    const status = await now;
    expect(s.uploader.batches).toHaveLength(5);
    expect(status).toMatchObject({ connectivity: 'online', queueDepth: 0 });
  });

  it('moves a permanently rejected entry to the dead letters with its payload, and keeps going', async () => {
    const s = setup();
    s.sell(3);
    const second = s.journal.pendingOutbox(10)[2];
    if (!second) throw new Error('expected outbox rows');
    s.uploader.rejectPermanently.add(second.entryId);
    s.client.start();
    await s.clock.advance(10);
    expect(s.journal.outboxStats()).toEqual({ depth: 0, oldestCreatedAtMs: null, deadLetters: 1 });
    const [dead] = s.journal.deadLetters();
    expect(dead).toMatchObject({ entryId: second.entryId, kind: second.kind, payload: second.payload });
    expect(dead?.reason).toMatch(/idempotency-conflict/);
    expect(s.uploader.stored.size).toBe(5);
    expect(s.client.status().deadLetters).toBe(1);
  });

  it('settles each uploaded batch with one journal transaction, not one per entry', async () => {
    const s = setup({ batchSize: 100 });
    s.sell(60);
    const rejected = s.journal.pendingOutbox(10)[4];
    if (!rejected) throw new Error('expected outbox rows');
    s.uploader.rejectPermanently.add(rejected.entryId);
    const settlements: OutboxSettlement[] = [];
    const settle = s.journal.settleOutbox.bind(s.journal);
    s.journal.settleOutbox = (outcome) => {
      settlements.push(outcome);
      return settle(outcome);
    };
    s.journal.acknowledgeOutbox = () => {
      throw new Error('entries must not be acknowledged one by one');
    };
    s.client.start();
    await s.clock.advance(10);
    expect(settlements.map((outcome) => [outcome.acknowledged.length, outcome.deadLettered.length, outcome.retried.length])).toEqual([
      [99, 1, 0],
      [20, 0, 0],
    ]);
    expect(s.journal.outboxStats()).toEqual({ depth: 0, oldestCreatedAtMs: null, deadLetters: 1 });
  });

  it('keeps each upload under the payload cap and drains a backlog in order', async () => {
    const s = setup({ batchSize: 500, maxBatchPayloadChars: 2_000 });
    s.sell(40);
    const payloadChars = s.journal.pendingOutbox(1_000).map((entry) => JSON.stringify(entry.payload).length);
    s.client.start();
    await s.clock.advance(10);
    let offset = 0;
    for (const batch of s.uploader.batches) {
      const chars = payloadChars.slice(offset, offset + batch.seqs.length).reduce((sum, value) => sum + value, 0);
      expect(chars).toBeLessThanOrEqual(2_000);
      offset += batch.seqs.length;
    }
    expect(s.uploader.batches.length).toBeGreaterThan(1);
    expect(s.uploader.batches.flatMap((batch) => batch.seqs)).toEqual(Array.from({ length: 80 }, (_, index) => index + 1));
    expect(s.journal.outboxStats().depth).toBe(0);
  });

  it('applies offline-payment verdicts before acknowledging their entries', async () => {
    const s = setup();
    s.sell(1);
    const entry = s.journal.pendingOutbox(10)[1];
    if (!entry) throw new Error('expected outbox rows');
    s.uploader.verdicts.set(entry.entryId, { paymentId: 'p-1', status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: 'p-0' });
    s.client.start();
    await s.clock.advance(10);
    expect(s.verdicts).toEqual([{ paymentId: 'p-1', status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: 'p-0' }]);
  });

  it('picks up new sales while idle without waiting for the interval when notified', async () => {
    const s = setup({ idleIntervalMs: 60_000, notifyDelayMs: 200 });
    s.client.start();
    await s.clock.advance(10);
    s.sell(1);
    s.client.notify();
    await s.clock.advance(210);
    expect(s.journal.outboxStats().depth).toBe(0);
  });

  it('uploads the sales notified within the notify delay together, in one batch', async () => {
    const s = setup({ idleIntervalMs: 60_000, notifyDelayMs: 200 });
    s.client.start();
    await s.clock.advance(10);
    const before = s.uploader.batches.length;
    for (let sale = 0; sale < 5; sale += 1) {
      s.sell(1);
      s.client.notify();
      await s.clock.advance(30);
    }
    expect(s.uploader.batches.length).toBe(before);
    await s.clock.advance(100);
    expect(s.uploader.batches.slice(before).map((batch) => batch.seqs.length)).toEqual([10]);
    expect(s.journal.outboxStats().depth).toBe(0);
  });

  it('ends a drain with a batch that held the whole queue: rows written during its upload wait for their notify', async () => {
    const s = setup({ idleIntervalMs: 60_000, notifyDelayMs: 200 });
    // Every upload "takes" a sale written while it is in flight, as at a busy counter.
    const upload = s.uploader.upload.bind(s.uploader);
    let salesDuringUploads = 0;
    s.uploader.upload = async (entries) => {
      if (salesDuringUploads < 3) {
        salesDuringUploads += 1;
        s.sell(1);
        s.client.notify();
      }
      return upload(entries);
    };
    s.sell(1);
    s.client.start();
    await s.clock.advance(10);
    expect(s.uploader.batches).toHaveLength(1);
    await s.clock.advance(200);
    expect(s.uploader.batches).toHaveLength(2);
    expect(s.uploader.batches.flatMap((batch) => batch.seqs)).toEqual([1, 2, 3, 4]);
    await s.clock.advance(1_000);
    expect(s.uploader.batches.flatMap((batch) => batch.seqs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.journal.outboxStats().depth).toBe(0);
  });

  it('does not let a notify cut a backoff wait short', async () => {
    const s = setup({ idleIntervalMs: 60_000, notifyDelayMs: 50, backoff: { baseMs: 10_000, capMs: 10_000 } });
    s.sell(1);
    s.uploader.failAlways = new SyncTransportError('unreachable', 'connect ECONNREFUSED');
    s.client.start();
    await s.clock.advance(10);
    const attempts = s.uploader.batches.length;
    s.sell(1);
    s.client.notify();
    await s.clock.advance(1_000);
    expect(s.uploader.batches.length).toBe(attempts);
  });
});
