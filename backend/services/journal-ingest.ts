/**
 * Journal upload (`POST /v1/journal/batches`): stores a terminal's outbox entries exactly once
 * (tables `journal_entries`, `journal_intents`, `offline_payments`, `offline_code_spends`).
 *
 * Contracts:
 * - A batch is applied in one transaction, entries in the order given; each gets its own result.
 * - Idempotent by (terminal, entryId): the same id with the same content (kind, payload and
 *   createdAtMs, compared as canonical JSON) returns the saved result with `replayed: true`; the
 *   same id with different content is rejected `idempotency-conflict` (not retryable: the client
 *   dead-letters it) and the stored entry is left untouched.
 * - A known kind whose payload does not have its shape is rejected `bad-request` (not retryable).
 * - Offline-code payments (see `journalEntrySchema` in backend-api.ts) are verified and each code
 *   id is spent at most once, across all terminals: a second spend is recorded as
 *   `rejected: double-spend`, naming the payment that spent it first. The entry itself is
 *   accepted (the backend knows about the sale) and reconciliation shows the rejection.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock.js';
import type { JournalBatchRequest, JournalEntry, JournalEntryResult, OfflinePaymentResult } from '../../sync/protocol/backend-api.js';
import { canonicalJson } from '../../sync/protocol/canonical-json.js';
import { sha256Hex } from '../../sync/protocol/request-signing.js';

/** What verifying an offline code (format, key, signature, validity at acceptance) tells the backend. */
export type OfflineCodeCheck =
  | { readonly ok: true; readonly codeId: string; readonly payerId: string; readonly limitMinor: number }
  | { readonly ok: false; readonly rejection: Exclude<OfflinePaymentResult['rejection'], null | 'double-spend' | 'over-limit'>; readonly message: string };

/** Verifies CODE as of ACCEPTEDATMS (when the terminal accepted it, by the terminal's journal). */
export type OfflineCodeVerifier = (code: string, acceptedAtMs: number) => OfflineCodeCheck;

const intentCreatedSchema = z.object({
  id: z.string().min(1),
  kind: z.string().min(1),
  orderId: z.string().nullable().optional(),
  parentIntentId: z.string().nullable().optional(),
  method: z.string(),
  amountMinor: z.number().int().nonnegative(),
  state: z.string(),
  isFinal: z.boolean(),
  detail: z.record(z.string(), z.unknown()).optional(),
  atMs: z.number().int().optional(),
});

const intentTransitionedSchema = z.object({
  intentId: z.string().min(1),
  from: z.string(),
  to: z.string(),
  isFinal: z.boolean(),
  detail: z.record(z.string(), z.unknown()).optional(),
  atMs: z.number().int().optional(),
});

const orderRecordedSchema = z.object({ id: z.string().min(1), totalMinor: z.number().int().nonnegative() });

interface EntryRow {
  content_hash: string;
  result_json: string;
}

/**
 * The statements ingest runs per batch or per entry. Each is served by an index (migration 2
 * added the one for `lastReceivedSeq`); test/backend/services/journal-ingest.test.ts checks
 * every plan with EXPLAIN QUERY PLAN.
 */
export const journalIngestQueries = {
  lastReceivedSeq: 'SELECT COALESCE(MAX(received_seq), 0) AS last FROM journal_entries WHERE terminal_id = ?',
  storedEntry: 'SELECT content_hash, result_json FROM journal_entries WHERE terminal_id = ? AND entry_id = ?',
  insertEntry: `INSERT INTO journal_entries (terminal_id, entry_id, terminal_seq, kind, content_hash, payload_json, created_at_ms, received_seq, received_at_ms, result_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  intentOwner: 'SELECT terminal_id FROM journal_intents WHERE intent_id = ?',
  insertIntent: `INSERT INTO journal_intents (intent_id, terminal_id, kind, method, order_id, parent_intent_id, amount_minor, state, is_final, created_at_ms, updated_at_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(intent_id) DO NOTHING`,
  transitionIntent: 'UPDATE journal_intents SET state = ?, is_final = ?, updated_at_ms = ? WHERE intent_id = ? AND terminal_id = ? AND state = ? AND is_final = 0',
  offlinePayment: 'SELECT * FROM offline_payments WHERE payment_id = ?',
  insertOfflinePayment: `INSERT INTO offline_payments (payment_id, terminal_id, code_id, payer_id, amount_minor, status, rejection, first_spent_by_payment_id, accepted_at_ms, received_at_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  codeSpend: 'SELECT payment_id FROM offline_code_spends WHERE code_id = ?',
  insertCodeSpend: 'INSERT INTO offline_code_spends (code_id, payment_id, terminal_id, spent_at_ms) VALUES (?, ?, ?, ?)',
} as const;

type IngestStatements = { readonly [K in keyof typeof journalIngestQueries]: Database.Statement };

export class JournalIngest {
  /** Prepared once: preparing per entry cost more than the entry's own inserts (profile in docs/benchmarks.md). */
  private readonly statements: IngestStatements;
  private readonly ingestBatch: Database.Transaction<(terminalId: string, batch: JournalBatchRequest, nowMs: number) => JournalEntryResult[]>;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
    private readonly verifyOfflineCode: OfflineCodeVerifier,
  ) {
    this.statements = Object.fromEntries(Object.entries(journalIngestQueries).map(([name, sql]) => [name, db.prepare(sql)])) as IngestStatements;
    this.ingestBatch = db.transaction((terminalId: string, batch: JournalBatchRequest, nowMs: number) => {
      // Arrival order per terminal, read once per batch (the batch holds the write lock).
      let receivedSeq = (this.statements.lastReceivedSeq.get(terminalId) as { last: number }).last;
      const nextReceivedSeq = () => (receivedSeq += 1);
      return batch.entries.map((entry) => this.ingestOne(terminalId, entry, nowMs, nextReceivedSeq));
    });
  }

  ingest(terminalId: string, batch: JournalBatchRequest): JournalEntryResult[] {
    return this.ingestBatch.immediate(terminalId, batch, this.clock.nowMs());
  }

  private ingestOne(terminalId: string, entry: JournalEntry, nowMs: number, nextReceivedSeq: () => number): JournalEntryResult {
    const contentHash = sha256Hex(canonicalJson({ kind: entry.kind, payload: entry.payload, createdAtMs: entry.createdAtMs }));
    const existing = this.statements.storedEntry.get(terminalId, entry.entryId) as EntryRow | undefined;
    if (existing) {
      if (existing.content_hash !== contentHash) {
        return rejected(entry.entryId, 'idempotency-conflict', `entry "${entry.entryId}" was already received with different content; the first version is kept`);
      }
      return { ...(JSON.parse(existing.result_json) as JournalEntryResult), replayed: true };
    }
    const projected = this.project(terminalId, entry, nowMs);
    if (projected.status === 'rejected') return projected;
    const receivedSeq = nextReceivedSeq();
    this.statements.insertEntry.run(terminalId, entry.entryId, entry.seq, entry.kind, contentHash, JSON.stringify(entry.payload), entry.createdAtMs, receivedSeq, nowMs, JSON.stringify(projected));
    return projected;
  }

  /** Applies a new entry to the projections; returns its result (rejected entries are not stored). */
  private project(terminalId: string, entry: JournalEntry, nowMs: number): JournalEntryResult {
    switch (entry.kind) {
      case 'intent.created': {
        const parsed = intentCreatedSchema.safeParse(entry.payload);
        if (!parsed.success) return rejected(entry.entryId, 'bad-request', `intent.created payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        const intent = parsed.data;
        const createdAtMs = intent.atMs ?? entry.createdAtMs;
        const owner = this.statements.intentOwner.get(intent.id) as { terminal_id: string } | undefined;
        if (owner && owner.terminal_id !== terminalId) return rejected(entry.entryId, 'idempotency-conflict', `intent "${intent.id}" belongs to another terminal`);
        this.statements.insertIntent.run(intent.id, terminalId, intent.kind, intent.method, intent.orderId ?? null, intent.parentIntentId ?? null, intent.amountMinor, intent.state, intent.isFinal ? 1 : 0, createdAtMs, createdAtMs);
        const offlineCode = intent.detail?.['offlineCode'];
        if (intent.kind === 'payment' && typeof offlineCode === 'string') {
          return accepted(entry.entryId, this.spendOfflineCode(terminalId, intent.id, intent.amountMinor, offlineCode, createdAtMs, nowMs));
        }
        return accepted(entry.entryId, null);
      }
      case 'intent.transitioned': {
        const parsed = intentTransitionedSchema.safeParse(entry.payload);
        if (!parsed.success) return rejected(entry.entryId, 'bad-request', `intent.transitioned payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        const transition = parsed.data;
        // Only moves forward from the state the backend last saw; a transition of an intent the
        // backend never saw created (its entry was dead-lettered) is kept as a record only.
        this.statements.transitionIntent.run(transition.to, transition.isFinal ? 1 : 0, transition.atMs ?? entry.createdAtMs, transition.intentId, terminalId, transition.from);
        return accepted(entry.entryId, null);
      }
      case 'order.recorded': {
        const parsed = orderRecordedSchema.safeParse(entry.payload);
        if (!parsed.success) return rejected(entry.entryId, 'bad-request', `order.recorded payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        return accepted(entry.entryId, null);
      }
      default:
        return accepted(entry.entryId, null);
    }
  }

  private spendOfflineCode(terminalId: string, paymentId: string, amountMinor: number, code: string, acceptedAtMs: number, nowMs: number): OfflinePaymentResult {
    const previous = this.statements.offlinePayment.get(paymentId) as
      | { code_id: string | null; amount_minor: number; status: 'settled' | 'rejected'; rejection: OfflinePaymentResult['rejection']; first_spent_by_payment_id: string | null }
      | undefined;
    if (previous) {
      return { paymentId, codeId: previous.code_id, amountMinor: previous.amount_minor, status: previous.status, rejection: previous.rejection, firstSpentByPaymentId: previous.first_spent_by_payment_id };
    }
    const record = (result: OfflinePaymentResult, payerId: string | null): OfflinePaymentResult => {
      this.statements.insertOfflinePayment.run(paymentId, terminalId, result.codeId, payerId, amountMinor, result.status, result.rejection, result.firstSpentByPaymentId, acceptedAtMs, nowMs);
      return result;
    };
    const check = this.verifyOfflineCode(code, acceptedAtMs);
    if (!check.ok) return record({ paymentId, codeId: null, amountMinor, status: 'rejected', rejection: check.rejection, firstSpentByPaymentId: null }, null);
    const base = { paymentId, codeId: check.codeId, amountMinor };
    if (amountMinor > check.limitMinor) return record({ ...base, status: 'rejected', rejection: 'over-limit', firstSpentByPaymentId: null }, check.payerId);
    const spent = this.statements.codeSpend.get(check.codeId) as { payment_id: string } | undefined;
    if (spent) return record({ ...base, status: 'rejected', rejection: 'double-spend', firstSpentByPaymentId: spent.payment_id }, check.payerId);
    this.statements.insertCodeSpend.run(check.codeId, paymentId, terminalId, nowMs);
    return record({ ...base, status: 'settled', rejection: null, firstSpentByPaymentId: null }, check.payerId);
  }
}

function accepted(entryId: string, offlinePayment: OfflinePaymentResult | null): JournalEntryResult {
  return { entryId, status: 'accepted', replayed: false, error: null, offlinePayment };
}

function rejected(entryId: string, code: 'idempotency-conflict' | 'bad-request', message: string): JournalEntryResult {
  return { entryId, status: 'rejected', replayed: false, error: { code, message, retryable: false }, offlinePayment: null };
}
