import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, journalQueries } from '../../../sync/store/journal.js';


/** A migrated journal with some rows and fresh statistics, so the planner sees a realistic file. */
function migratedJournal(): Database.Database {
  const file = join(mkdtempSync(join(tmpdir(), 'journal-plans-')), 'journal.sqlite');
  const journal = Journal.open(file, { nowMs: () => 1_700_000_000_000 });
  for (let index = 0; index < 200; index += 1) {
    const orderId = `order-${index}`;
    journal.recordOrder({ id: orderId, terminalId: 'T-001', mode: 'counter', userId: null, lines: [], totalMinor: 100, currency: 'CNY' }, [
      { id: `pay-${index}`, kind: 'payment', orderId, method: 'cash', amountMinor: 100, state: 'paid', isFinal: true },
    ]);
    if (index % 20 === 0) journal.createIntent({ id: `refund-${index}`, kind: 'refund', orderId, parentIntentId: `pay-${index}`, method: 'cash', amountMinor: 100, state: 'refunded', isFinal: true });
  }
  // Most of the outbox acknowledged, as on a terminal that keeps up; a few entries pending.
  journal.settleOutbox({ acknowledged: journal.pendingOutbox(380).map((entry) => entry.entryId), deadLettered: [], retried: [] });
  journal.close();
  const db = new Database(file);
  db.exec('ANALYZE');
  return db;
}

function plan(db: Database.Database, sql: string): string[] {
  const parameters = (sql.match(/\?/g) ?? []).map(() => 'x');
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
}

/** The index each hot query must use; a `SCAN <table>` without an index would grow with the journal. */
const expectedIndex: Record<keyof typeof journalQueries, string> = {
  intentById: 'sqlite_autoindex_intents_1',
  childIntents: 'intents_by_parent',
  intentsOfOrder: 'intents_by_order',
  openIntentsInState: 'intents_open_by_state',
  openIntents: 'intents_open',
  intentHistory: 'intent_events_by_intent',
  findOrder: 'sqlite_autoindex_orders_1',
  orderLines: 'sqlite_autoindex_order_lines_1',
  pendingOutbox: 'outbox_pending',
  pendingOutboxEntry: 'sqlite_autoindex_outbox_1',
  acknowledgeOutboxEntry: 'sqlite_autoindex_outbox_1',
  recordOutboxAttempt: 'sqlite_autoindex_outbox_1',
};

describe('journal query plans', () => {
  let database: Database.Database;
  beforeAll(() => {
    database = migratedJournal();
  });
  afterAll(() => database.close());

  it.each(Object.entries(journalQueries))('%s uses its index, never a table scan', (name, sql) => {
    const details = plan(database, sql);
    const index = expectedIndex[name as keyof typeof journalQueries];
    expect(details.some((detail) => new RegExp(`USING (COVERING )?INDEX ${index}\\b`).test(detail)), `${name}: ${details.join(' | ')}`).toBe(true);
    // A scan is only acceptable over a partial index that holds just the pending rows.
    for (const detail of details) {
      if (detail.startsWith('SCAN')) expect(detail, `${name} scans: ${details.join(' | ')}`).toMatch(/^SCAN \w+ USING (COVERING )?INDEX outbox_pending\b/);
    }
  });

  it('answers the look-ups that can return many rows in index order, without sorting them', () => {
    for (const name of ['childIntents', 'openIntentsInState', 'intentHistory', 'orderLines', 'pendingOutbox'] as const) {
      expect(plan(database, journalQueries[name]).join(' | '), name).not.toMatch(/TEMP B-TREE/);
    }
  });
});
