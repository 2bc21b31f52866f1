/** The journal's refusals on real SQLite files: spent offline codes (migration 6) and duplicate order ids. */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalMigrations } from '../../../sync/store/journal-migrations.js';
import { Journal, OfflineCodeSpentError, OrderExistsError, type NewIntent, type OrderToRecord } from '../../../sync/store/journal.js';

const opened: Journal[] = [];
afterEach(() => {
  for (const journal of opened.splice(0)) journal.close();
});
const freshFile = () => join(mkdtempSync(join(tmpdir(), 'journal-offline-')), 'journal.sqlite');
function open(file: string): Journal {
  const journal = Journal.open(file, { nowMs: () => 1_700_000_000_000 });
  opened.push(journal);
  return journal;
}
const order = (): OrderToRecord => ({ id: randomUUID(), terminalId: 'T-001', mode: 'counter', userId: 'cashier', lines: [], totalMinor: 500, currency: 'CNY' });
const payment = (orderId: string, codeId: string): NewIntent => ({ id: randomUUID(), kind: 'payment', orderId, method: 'offline-code', amountMinor: 500, state: 'accepted-offline', isFinal: false, detail: { codeId } });

describe('spent offline codes', () => {
  it('records the sale and the spent code together; the same code id again writes nothing, also after a restart and after the payment settled', () => {
    const file = freshFile();
    const journal = open(file);
    const first = order();
    const paid = payment(first.id, 'code-1');
    journal.recordOfflineCodeOrder(first, paid, { codeId: 'code-1', codeExpiresAtMs: 1_700_003_600_000 });
    expect(journal.offlineCodeSpentBy('code-1')).toBe(paid.id);
    journal.transitionIntent(paid.id, { from: 'accepted-offline', to: 'settled', isFinal: true });

    const ordersBefore = journal.countOrders();
    const again = order();
    expect(() => journal.recordOfflineCodeOrder(again, payment(again.id, 'code-1'), { codeId: 'code-1', codeExpiresAtMs: null })).toThrow(OfflineCodeSpentError);
    expect(journal.countOrders()).toBe(ordersBefore);

    journal.close();
    opened.splice(opened.indexOf(journal), 1);
    const reopened = open(file);
    const third = order();
    expect(() => reopened.recordOfflineCodeOrder(third, payment(third.id, 'code-1'), { codeId: 'code-1', codeExpiresAtMs: null })).toThrow(/already spent on this terminal by payment/);
    expect(reopened.countOrders()).toBe(ordersBefore);
  });

  it('fills the set from offline payments journaled before the table existed', () => {
    const file = freshFile();
    const db = new Database(file);
    for (const migration of journalMigrations.filter((candidate) => candidate.version < 6)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    db.prepare("INSERT INTO orders (id, receipt_number, terminal_id, mode, user_id, currency, total_minor, created_at_ms) VALUES ('o-1', 'T-001-000001', 'T-001', 'counter', NULL, 'CNY', 500, 1)").run();
    db.prepare("INSERT INTO intents (id, kind, order_id, parent_intent_id, method, amount_minor, currency, state, is_final, detail_json, created_at_ms, updated_at_ms) VALUES ('p-1', 'payment', 'o-1', NULL, 'offline-code', 500, 'CNY', 'settled', 1, ?, 1, 2)").run(JSON.stringify({ codeId: 'old-code', codeExpiresAtMs: 99 }));
    db.close();

    const journal = open(file);
    expect(journal.offlineCodeSpentBy('old-code')).toBe('p-1');
    const next = order();
    expect(() => journal.recordOfflineCodeOrder(next, payment(next.id, 'old-code'), { codeId: 'old-code', codeExpiresAtMs: null })).toThrow(OfflineCodeSpentError);
  });
});

describe('order ids', () => {
  it('refuses a second order with the same id with OrderExistsError and writes nothing', () => {
    const journal = open(freshFile());
    const first = order();
    journal.recordOrder(first, [payment(first.id, 'code-a')]);
    const outboxBefore = journal.outboxStats().depth;
    expect(() => journal.recordOrder({ ...first, totalMinor: 900 }, [payment(first.id, 'code-b')])).toThrow(OrderExistsError);
    expect(journal.countOrders()).toBe(1);
    expect(journal.outboxStats().depth).toBe(outboxBefore);
  });
});
