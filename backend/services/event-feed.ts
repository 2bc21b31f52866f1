/**
 * The per-terminal push channel behind `GET /v1/events` (table `events`): payment and refund
 * updates are appended in the same transaction as the change they announce, and long-poll
 * waiters of that terminal are woken after the commit. Events older than `retentionMs` are pruned.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock.js';
import type { BackendEvent, Payment, Refund } from '../../sync/protocol/backend-api.js';

export const eventRetentionMs = 24 * 60 * 60 * 1000;
const maxEventsPerPoll = 100;

type Waiter = () => void;

export class EventFeed {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  /** Appends an event; call inside the transaction that made the change, then `wake(terminalId)` after it. */
  appendPaymentUpdate(payment: Payment): void {
    this.append(payment.terminalId, 'payment.updated', { payment });
  }

  appendRefundUpdate(terminalId: string, refund: Refund): void {
    this.append(terminalId, 'refund.updated', { refund });
  }

  private append(terminalId: string, type: BackendEvent['type'], body: object): void {
    const atMs = this.clock.nowMs();
    this.db.prepare('INSERT INTO events (terminal_id, type, body_json, at_ms) VALUES (?, ?, ?, ?)').run(terminalId, type, JSON.stringify(body), atMs);
  }

  /** Wakes the long-poll waiters of a terminal (after a commit). */
  wake(terminalId: string): void {
    const waiting = this.waiters.get(terminalId);
    if (!waiting) return;
    this.waiters.delete(terminalId);
    for (const waiter of waiting) waiter();
  }

  /** Events of the terminal with seq > after, oldest first. */
  read(terminalId: string, after: number): { events: BackendEvent[]; nextAfter: number } {
    this.db.prepare('DELETE FROM events WHERE at_ms < ?').run(this.clock.nowMs() - eventRetentionMs);
    const rows = this.db
      .prepare('SELECT seq, type, body_json, at_ms FROM events WHERE terminal_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(terminalId, after, maxEventsPerPoll) as { seq: number; type: BackendEvent['type']; body_json: string; at_ms: number }[];
    const events = rows.map((row) => ({ seq: row.seq, type: row.type, atMs: row.at_ms, ...(JSON.parse(row.body_json) as object) }) as BackendEvent);
    return { events, nextAfter: rows.at(-1)?.seq ?? after };
  }

  /**
   * Long-poll: events after `after`, waiting up to `waitMs` (real time) for the first one. Resolves
   * early with whatever is there when `abort` fires (client gone, server closing).
   */
  async poll(terminalId: string, after: number, waitMs: number, abort: AbortSignal): Promise<{ events: BackendEvent[]; nextAfter: number }> {
    const first = this.read(terminalId, after);
    if (first.events.length > 0 || waitMs === 0 || abort.aborted) return first;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(terminalId) ?? new Set<Waiter>();
      this.waiters.set(terminalId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      abort.addEventListener('abort', done, { once: true });
      set.add(done);
    });
    return this.read(terminalId, after);
  }
}
