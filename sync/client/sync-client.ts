/**
 * Drains the journal's outbox to the backend: in batches, in outbox order, each entry
 * acknowledged only after the backend stored it (its `entryId` makes replays harmless).
 *
 * - Failures back off exponentially with full jitter, capped, and spend a retry budget (at most
 *   `retryBudget.maxRetries` retries per `retryBudget.windowMs`); with the budget spent the client
 *   waits for the window to roll over, or for `syncNow()`.
 * - A permanent per-entry rejection goes to the dead-letter table with its reason (never dropped);
 *   a retryable one stays queued.
 * - Connectivity: `online` after a batch went through; `offline` when the backend cannot be reached
 *   (refused, timed out); `degraded` when it answers but fails (5xx, bad or unsigned answers).
 * - Offline-code verdicts carried by the results are applied BEFORE the entry is acknowledged, so
 *   a crash in between replays the entry and the verdict arrives again.
 */
import type { Clock } from '../../kernel/clock.js';
import { fullJitterDelayMs, type BackoffPolicy } from '../../kernel/backoff.js';
import { sleep, type Timers } from '../../kernel/timers.js';
import { maxJournalBatchEntries } from '../protocol/backend-api.js';
import type { Journal, OutboxEntry } from '../store/journal.js';
import type { Connectivity } from './backend-health-probe.js';

export type SyncTransportErrorKind = 'unreachable' | 'timeout' | 'server-error' | 'bad-response' | 'unauthorized';

/** A whole upload failed; nothing in it may be assumed stored (entries are simply sent again). */
export class SyncTransportError extends Error {
  override readonly name = 'SyncTransportError';
  constructor(
    readonly kind: SyncTransportErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface OfflinePaymentVerdict {
  readonly paymentId: string;
  readonly status: 'settled' | 'rejected';
  readonly rejection: string | null;
  readonly firstSpentByPaymentId: string | null;
}

export interface UploadEntryResult {
  readonly entryId: string;
  readonly status: 'accepted' | 'rejected';
  /** For `rejected`: true when sending the same entry later may succeed. */
  readonly retryable: boolean;
  readonly error: string | null;
  readonly offlinePayment: OfflinePaymentVerdict | null;
}

export interface OutboxUploader {
  /** Uploads ENTRIES (ascending seq); resolves with one result per entry or throws `SyncTransportError`. */
  upload(entries: readonly OutboxEntry[]): Promise<readonly UploadEntryResult[]>;
  /** A cheap signed round trip used when there is nothing to upload, so an idle terminal still notices an outage. Throws `SyncTransportError`. */
  ping?(): Promise<void>;
}

/** Fetches catalog/planogram/settings updates; called after successful drains. Throws on failure. */
export interface DistributionPuller {
  pull(): Promise<void>;
}

export interface SyncStatus {
  readonly connectivity: Connectivity;
  readonly queueDepth: number;
  readonly oldestUnsyncedAtMs: number | null;
  readonly lastSuccessAtMs: number | null;
  readonly deadLetters: number;
  readonly lastError: string | null;
  readonly retryBudgetLeft: number;
  readonly nextAttemptAtMs: number | null;
}

export interface SyncClientOptions {
  /** Most entries per upload (the backend takes up to `maxJournalBatchEntries`). */
  readonly batchSize: number;
  /**
   * Most payload JSON per upload, in characters (≤ 3 bytes each in UTF-8): with the envelope of
   * `batchSize` entries it keeps a batch under the backend's `maxRequestBodyBytes`.
   */
  readonly maxBatchPayloadChars: number;
  readonly backoff: BackoffPolicy;
  readonly retryBudget: { readonly maxRetries: number; readonly windowMs: number };
  /** How often an idle client looks at the outbox (writes also call `notify`). */
  readonly idleIntervalMs: number;
  /**
   * How long after a `notify` the client waits before uploading, so the rows of several sales
   * go up in one batch: each upload costs a signed round trip and three fsyncs (the backend's
   * nonce and ingest, the journal's settle), which, paid per sale, cost the terminal more CPU
   * than recording the sale (soak profile, docs/benchmarks.md).
   */
  readonly notifyDelayMs: number;
  /** Minimum time between distribution pulls. */
  readonly pullIntervalMs: number;
  readonly random: () => number;
}

export const defaultSyncClientOptions: SyncClientOptions = {
  // Each upload costs fixed work on both sides (a signed round trip, the backend's nonce and
  // ingest transactions, the journal's settle transaction: three fsyncs); a backlog drains about
  // twice as fast in batches of 500 as of 100 (docs/benchmarks.md, sync drain).
  batchSize: maxJournalBatchEntries,
  maxBatchPayloadChars: 256 * 1024,
  backoff: { baseMs: 1_000, capMs: 60_000 },
  retryBudget: { maxRetries: 20, windowMs: 10 * 60_000 },
  idleIntervalMs: 5_000,
  notifyDelayMs: 200,
  pullIntervalMs: 5 * 60_000,
  random: Math.random,
};

export interface SyncClientDeps {
  readonly journal: Journal;
  readonly uploader: OutboxUploader;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly puller?: DistributionPuller | undefined;
  /** Applies a forwarded offline payment's verdict to the journal (must be idempotent). */
  readonly onOfflinePayment?: ((verdict: OfflinePaymentVerdict) => void) | undefined;
  readonly onStatus?: ((status: SyncStatus) => void) | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

type DrainOutcome = { readonly ok: true } | { readonly ok: false; readonly connectivity: Connectivity; readonly message: string };

export class SyncClient {
  private readonly options: SyncClientOptions;
  private connectivity: Connectivity = 'offline';
  private lastSuccessAtMs: number | null = null;
  private lastError: string | null = null;
  private nextAttemptAtMs: number | null = null;
  private consecutiveFailures = 0;
  private retryTimesMono: number[] = [];
  private lastPullMono: number | null = null;
  private wake = new AbortController();
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private draining: Promise<DrainOutcome> | undefined;
  private syncNowWaiters: ((status: SyncStatus) => void)[] = [];
  private notified = false;
  /** Cancels the pending wake-up of a `notify`; undefined when none is pending. */
  private cancelNotifyWake: (() => void) | undefined;

  constructor(
    private readonly deps: SyncClientDeps,
    options: Partial<SyncClientOptions> = {},
  ) {
    this.options = { ...defaultSyncClientOptions, ...options };
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.cancelPendingNotifyWake();
    this.wake.abort();
    await this.loop;
    for (const waiter of this.syncNowWaiters.splice(0)) waiter(this.status());
  }

  /** New outbox rows exist: drain after `notifyDelayMs` (does not cut a backoff wait short). */
  notify(): void {
    this.notified = true;
    if (this.consecutiveFailures !== 0 || this.cancelNotifyWake) return;
    this.cancelNotifyWake = this.deps.timers.setTimer(() => {
      this.cancelNotifyWake = undefined;
      this.wake.abort();
    }, this.options.notifyDelayMs);
  }

  /** "Sync now": skip any backoff or budget wait, drain, and answer with the status after it. */
  syncNow(): Promise<SyncStatus> {
    if (!this.loop) return this.drain().then(() => this.status());
    return new Promise((resolve) => {
      this.syncNowWaiters.push(resolve);
      this.wake.abort();
    });
  }

  status(): SyncStatus {
    const stats = this.deps.journal.outboxStats();
    return {
      connectivity: this.connectivity,
      queueDepth: stats.depth,
      oldestUnsyncedAtMs: stats.oldestCreatedAtMs,
      lastSuccessAtMs: this.lastSuccessAtMs,
      deadLetters: stats.deadLetters,
      lastError: this.lastError,
      retryBudgetLeft: this.retryBudgetLeft(),
      nextAttemptAtMs: this.nextAttemptAtMs,
    };
  }

  private notifyWakePending(): boolean {
    return this.cancelNotifyWake !== undefined;
  }

  private cancelPendingNotifyWake(): void {
    this.cancelNotifyWake?.();
    this.cancelNotifyWake = undefined;
  }

  private retryBudgetLeft(): number {
    const since = this.deps.timers.monotonicNowMs() - this.options.retryBudget.windowMs;
    this.retryTimesMono = this.retryTimesMono.filter((at) => at > since);
    return Math.max(this.options.retryBudget.maxRetries - this.retryTimesMono.length, 0);
  }

  private async run(): Promise<void> {
    while (!this.stopController.signal.aborted) {
      const waiters = this.syncNowWaiters.splice(0);
      // This drain reads every row written so far: a pending notify wake-up has nothing left to do.
      this.cancelPendingNotifyWake();
      this.notified = false;
      const outcome = await this.drain();
      let delayMs: number;
      if (outcome.ok) {
        delayMs = this.options.idleIntervalMs;
      } else if (this.retryBudgetLeft() > 0) {
        this.retryTimesMono.push(this.deps.timers.monotonicNowMs());
        delayMs = fullJitterDelayMs(this.consecutiveFailures, this.options.backoff, this.options.random);
      } else {
        // Budget spent: wait until the oldest retry leaves the window (or for "sync now").
        const oldest = this.retryTimesMono[0] ?? this.deps.timers.monotonicNowMs();
        delayMs = Math.max(oldest + this.options.retryBudget.windowMs - this.deps.timers.monotonicNowMs(), 0);
      }
      // A notify during a failed drain must not cut the backoff short.
      if (!outcome.ok) this.cancelPendingNotifyWake();
      this.nextAttemptAtMs = outcome.ok ? null : this.deps.clock.nowMs() + delayMs;
      this.publish();
      for (const waiter of waiters) waiter(this.status());
      // "Sync now" asked during the drain, or new rows while healthy whose wake-up already came
      // (the drain took longer than the notify delay): go again at once.
      if (this.syncNowWaiters.length > 0 || (outcome.ok && this.notified && !this.notifyWakePending())) continue;
      this.wake = new AbortController();
      await sleep(this.deps.timers, delayMs, this.wake.signal);
    }
  }

  /** Uploads batches until one holds everything that was pending when it was read, or one fails. Never throws. */
  private drain(): Promise<DrainOutcome> {
    if (!this.draining) {
      this.draining = this.drainBatches().finally(() => {
        this.draining = undefined;
      });
    }
    return this.draining;
  }

  private async drainBatches(): Promise<DrainOutcome> {
    for (let round = 0; ; round += 1) {
      const { entries: batch, more } = this.deps.journal.pendingOutboxBatch(this.options.batchSize, this.options.maxBatchPayloadChars);
      if (batch.length === 0 && (round > 0 || !this.deps.uploader.ping)) break;
      const outcome = batch.length === 0 ? await this.ping() : await this.uploadBatch(batch);
      if (!outcome.ok) {
        this.consecutiveFailures += 1;
        this.connectivity = outcome.connectivity;
        this.lastError = outcome.message;
        return outcome;
      }
      // A batch that held everything pending when it was read ends the drain: rows written
      // during its upload were notified and go up after the notify delay, together, instead
      // of one small upload per sale while sales keep coming.
      if (!more) break;
    }
    this.consecutiveFailures = 0;
    this.connectivity = 'online';
    this.lastError = null;
    this.lastSuccessAtMs = this.deps.clock.nowMs();
    await this.maybePull();
    return { ok: true };
  }

  private async uploadBatch(batch: readonly OutboxEntry[]): Promise<DrainOutcome> {
    let results: readonly UploadEntryResult[];
    try {
      results = await this.deps.uploader.upload(batch);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.journal.recordOutboxAttempt(
        batch.map((entry) => entry.entryId),
        message,
      );
      const kind = error instanceof SyncTransportError ? error.kind : 'bad-response';
      return { ok: false, connectivity: kind === 'unreachable' || kind === 'timeout' ? 'offline' : 'degraded', message };
    }
    const byId = new Map(results.map((result) => [result.entryId, result]));
    let retryLater: string | null = null;
    const acknowledged: string[] = [];
    const deadLettered: { entryId: string; reason: string }[] = [];
    const retried: { entryId: string; error: string }[] = [];
    for (const entry of batch) {
      const result = byId.get(entry.entryId);
      if (!result) {
        retryLater ??= `the backend did not answer for entry ${entry.entryId}`;
        continue;
      }
      if (result.status === 'accepted') {
        // Verdicts first: a crash before the acknowledgements below replays the entry, and the
        // backend answers the replay with the same verdict (applying it is idempotent).
        if (result.offlinePayment) this.deps.onOfflinePayment?.(result.offlinePayment);
        acknowledged.push(entry.entryId);
      } else if (!result.retryable) {
        deadLettered.push({ entryId: entry.entryId, reason: result.error ?? 'rejected by the backend' });
      } else {
        retried.push({ entryId: entry.entryId, error: result.error ?? 'rejected for now' });
        retryLater ??= result.error ?? `entry ${entry.entryId} was rejected for now`;
      }
    }
    // The whole batch's outcome in one journal transaction: one fsync per batch, not per entry.
    this.deps.journal.settleOutbox({ acknowledged, deadLettered, retried });
    return retryLater === null ? { ok: true } : { ok: false, connectivity: 'degraded', message: retryLater };
  }

  private async ping(): Promise<DrainOutcome> {
    try {
      await this.deps.uploader.ping?.();
      return { ok: true };
    } catch (error) {
      const kind = error instanceof SyncTransportError ? error.kind : 'bad-response';
      return { ok: false, connectivity: kind === 'unreachable' || kind === 'timeout' ? 'offline' : 'degraded', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async maybePull(): Promise<void> {
    if (!this.deps.puller) return;
    const nowMono = this.deps.timers.monotonicNowMs();
    if (this.lastPullMono !== null && nowMono - this.lastPullMono < this.options.pullIntervalMs) return;
    this.lastPullMono = nowMono;
    try {
      await this.deps.puller.pull();
    } catch (error) {
      // A failed pull keeps the current catalog and settings; it is retried after the interval.
      this.deps.onError?.(error);
    }
  }

  private publish(): void {
    try {
      this.deps.onStatus?.(this.status());
    } catch (error) {
      this.deps.onError?.(error);
    }
  }
}
