/**
 * End of day (`POST /v1/settlements`): reconciles a terminal's batch against the backend's own
 * records (table `settlements`; marks `settled_batch_id` on the records it covered).
 *
 * The backend's records for the terminal, not settled by an earlier batch, created at or before
 * the batch's `closedAtMs`:
 * - payments it processed with status `paid` (tender by flow, provider) and, as `void`s keyed by
 *   payment id, those with status `reversed`;
 * - refunds with status `refunded`;
 * - offline-code payments received through the journal (`settled`, or `rejected` e.g. double spend);
 * - cash payments received through the journal: intents with method `cash` in state `paid`.
 * Each terminal transaction is matched by id (a void by its `paymentId`) and classified matched /
 * amount-mismatch / missing-on-backend / rejected; backend records the batch lacks are
 * missing-on-terminal. Idempotent by `batchId` (same content → the saved report).
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../kernel/clock.js';
import {
  type ProviderName,
  type ReconciliationCategory,
  type ReconciliationItem,
  reconciliationCategories,
  type SettlementBatchRequest,
  type SettlementResponse,
  type Tender,
} from '../../sync/protocol/backend-api.js';
import { BackendError } from './backend-error.js';
import { canonicalJson } from '../../sync/protocol/canonical-json.js';
import { sha256Hex } from '../../sync/protocol/request-signing.js';

type RecordType = 'payment' | 'refund' | 'void';
type SourceTable = 'payments' | 'refunds' | 'offline_payments' | 'journal_intents';

interface BackendRecord {
  readonly key: string;
  readonly id: string;
  readonly type: RecordType;
  readonly tender: Tender | null;
  readonly amountMinor: number;
  /** Set for offline payments the backend refused. */
  readonly rejection: string | null;
  readonly source: { readonly table: SourceTable; readonly idColumn: string; readonly id: string };
}

const recordKey = (type: RecordType, id: string) => `${type}:${id}`;

export class SettlementReconciler {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  private backendRecords(terminalId: string, closedAtMs: number): BackendRecord[] {
    const records: BackendRecord[] = [];
    const payments = this.db
      .prepare("SELECT payment_id, flow, provider, amount_minor, status FROM payments WHERE terminal_id = ? AND settled_batch_id IS NULL AND created_at_ms <= ? AND status IN ('paid', 'reversed')")
      .all(terminalId, closedAtMs) as { payment_id: string; flow: Tender; provider: ProviderName; amount_minor: number; status: 'paid' | 'reversed' }[];
    for (const row of payments) {
      const type: RecordType = row.status === 'paid' ? 'payment' : 'void';
      records.push({ key: recordKey(type, row.payment_id), id: row.payment_id, type, tender: row.flow, amountMinor: row.amount_minor, rejection: null, source: { table: 'payments', idColumn: 'payment_id', id: row.payment_id } });
    }
    const refunds = this.db
      .prepare("SELECT r.refund_id, r.amount_minor, p.flow FROM refunds r JOIN payments p ON p.payment_id = r.payment_id WHERE r.terminal_id = ? AND r.settled_batch_id IS NULL AND r.created_at_ms <= ? AND r.status = 'refunded'")
      .all(terminalId, closedAtMs) as { refund_id: string; amount_minor: number; flow: Tender }[];
    for (const row of refunds) {
      records.push({ key: recordKey('refund', row.refund_id), id: row.refund_id, type: 'refund', tender: row.flow, amountMinor: row.amount_minor, rejection: null, source: { table: 'refunds', idColumn: 'refund_id', id: row.refund_id } });
    }
    const offline = this.db
      .prepare('SELECT payment_id, amount_minor, status, rejection, first_spent_by_payment_id FROM offline_payments WHERE terminal_id = ? AND settled_batch_id IS NULL AND accepted_at_ms <= ?')
      .all(terminalId, closedAtMs) as { payment_id: string; amount_minor: number; status: 'settled' | 'rejected'; rejection: string | null; first_spent_by_payment_id: string | null }[];
    for (const row of offline) {
      const rejection = row.status === 'rejected' ? `${row.rejection ?? 'rejected'}${row.first_spent_by_payment_id ? ` (first spent by ${row.first_spent_by_payment_id})` : ''}` : null;
      records.push({ key: recordKey('payment', row.payment_id), id: row.payment_id, type: 'payment', tender: 'offline-code', amountMinor: row.amount_minor, rejection, source: { table: 'offline_payments', idColumn: 'payment_id', id: row.payment_id } });
    }
    const cash = this.db
      .prepare("SELECT intent_id, amount_minor FROM journal_intents WHERE terminal_id = ? AND settled_batch_id IS NULL AND created_at_ms <= ? AND kind = 'payment' AND method = 'cash' AND state = 'paid'")
      .all(terminalId, closedAtMs) as { intent_id: string; amount_minor: number }[];
    for (const row of cash) {
      records.push({ key: recordKey('payment', row.intent_id), id: row.intent_id, type: 'payment', tender: 'cash', amountMinor: row.amount_minor, rejection: null, source: { table: 'journal_intents', idColumn: 'intent_id', id: row.intent_id } });
    }
    return records;
  }

  settle(terminalId: string, batch: SettlementBatchRequest): SettlementResponse {
    if (batch.closedAtMs < batch.openedAtMs) throw new BackendError('bad-request', 'closedAtMs is before openedAtMs');
    const requestHash = sha256Hex(canonicalJson(batch));
    const nowMs = this.clock.nowMs();
    return this.db.transaction(() => {
      const saved = this.db.prepare('SELECT terminal_id, request_hash, response_json FROM settlements WHERE batch_id = ?').get(batch.batchId) as
        | { terminal_id: string; request_hash: string; response_json: string }
        | undefined;
      if (saved) {
        if (saved.terminal_id !== terminalId || saved.request_hash !== requestHash) {
          throw new BackendError('idempotency-conflict', `settlement batch "${batch.batchId}" was already received with different content`);
        }
        return { ...(JSON.parse(saved.response_json) as SettlementResponse), serverTimeMs: nowMs };
      }
      const records = this.backendRecords(terminalId, batch.closedAtMs);
      const byKey = new Map(records.map((record) => [record.key, record]));
      const used = new Set<string>();
      const items: ReconciliationItem[] = [];
      for (const transaction of batch.transactions) {
        const matchId = transaction.type === 'void' ? (transaction.paymentId ?? transaction.id) : transaction.id;
        const key = recordKey(transaction.type, matchId);
        const record = used.has(key) ? undefined : byKey.get(key);
        const base = { id: transaction.id, type: transaction.type, tender: transaction.tender, terminalAmountMinor: transaction.amountMinor };
        if (!record) {
          items.push({ ...base, category: 'missing-on-backend', backendAmountMinor: null, note: used.has(key) ? 'listed twice in the batch' : null });
          continue;
        }
        used.add(key);
        let category: ReconciliationCategory = record.amountMinor === transaction.amountMinor ? 'matched' : 'amount-mismatch';
        if (record.rejection !== null) category = 'rejected';
        items.push({ ...base, category, backendAmountMinor: record.amountMinor, note: record.rejection });
      }
      for (const record of records) {
        if (used.has(record.key)) continue;
        items.push({
          id: record.id,
          type: record.type,
          tender: record.tender,
          category: record.rejection !== null ? 'rejected' : 'missing-on-terminal',
          terminalAmountMinor: null,
          backendAmountMinor: record.amountMinor,
          note: record.rejection,
        });
      }
      for (const record of records) {
        this.db.prepare(`UPDATE ${record.source.table} SET settled_batch_id = ? WHERE ${record.source.idColumn} = ?`).run(batch.batchId, record.source.id);
      }
      const summary = Object.fromEntries(reconciliationCategories.map((category) => [category, items.filter((item) => item.category === category).length])) as Record<ReconciliationCategory, number>;
      const response: SettlementResponse = {
        batchId: batch.batchId,
        businessDay: batch.businessDay,
        summary,
        items,
        totalsConsistent: totalsConsistent(batch),
        settledAtMs: nowMs,
        serverTimeMs: nowMs,
      };
      this.db.prepare('INSERT INTO settlements (batch_id, terminal_id, request_hash, response_json, created_at_ms) VALUES (?, ?, ?, ?, ?)').run(batch.batchId, terminalId, requestHash, JSON.stringify(response), nowMs);
      return response;
    }).immediate();
  }
}

/** True when the declared per-tender totals, refunds, voids and offline totals equal the sums of the batch's own transactions. */
export function totalsConsistent(batch: SettlementBatchRequest): boolean {
  const sums = new Map<string, { count: number; amountMinor: number }>();
  const add = (key: string, amountMinor: number) => {
    const current = sums.get(key) ?? { count: 0, amountMinor: 0 };
    sums.set(key, { count: current.count + 1, amountMinor: current.amountMinor + amountMinor });
  };
  for (const transaction of batch.transactions) {
    if (transaction.type === 'payment') {
      add(`payment:${transaction.tender}:${transaction.provider ?? ''}`, transaction.amountMinor);
      if (transaction.tender === 'offline-code') add('offline', transaction.amountMinor);
    } else add(transaction.type, transaction.amountMinor);
  }
  const same = (key: string, declared: { count: number; amountMinor: number }) => {
    const actual = sums.get(key) ?? { count: 0, amountMinor: 0 };
    return actual.count === declared.count && actual.amountMinor === declared.amountMinor;
  };
  const declaredPaymentKeys = new Set(batch.totals.map((total) => `payment:${total.tender}:${total.provider ?? ''}`));
  const undeclared = [...sums.keys()].filter((key) => key.startsWith('payment:') && !declaredPaymentKeys.has(key));
  return (
    undeclared.length === 0 &&
    declaredPaymentKeys.size === batch.totals.length &&
    batch.totals.every((total) => same(`payment:${total.tender}:${total.provider ?? ''}`, total)) &&
    same('refund', batch.refunds) &&
    same('void', batch.voids) &&
    same('offline', batch.offlinePayments)
  );
}
